"""What a kind's renderer uses to write an email in its recipient's language.

``in_language`` chooses the locale and the catalogue once for a render, and gives the templates a
``gettext`` that does not look the catalogue up again on every call.
"""

from contextlib import contextmanager

from flask_babel import force_locale, get_translations
from jinja2 import pass_context
from markupsafe import Markup

from petition.i18n import LANGUAGES


def template_gettext(translations):
    """Jinja's ``gettext`` with the catalogue already chosen, for one render.

    Flask-Babel's own looks the catalogue up again on every call, a dozen and a half times per
    email. Same new-style behaviour as Jinja's: in an autoescaped template the translation is
    markup and the values put into it are escaped; it is always a format string.
    """

    @pass_context
    def gettext(context, string, /, **variables):
        translated = translations.ugettext(string)
        if context.eval_ctx.autoescape:
            translated = Markup(translated)  # noqa: S704 - our own catalogue, as Jinja's gettext trusts it
        return translated % variables

    return gettext


@contextmanager
def in_language(lang):
    """Render in ``lang`` (``en``, ``fr``): Flask-Babel's ``gettext`` translates into it, and the
    context given holds what templates translate with (``lang``, ``gettext`` and ``_``; Jinja's
    own ``_`` would look ``gettext`` up in the context on every call)."""
    with force_locale(LANGUAGES[lang]):
        gettext = template_gettext(get_translations())
        yield {"lang": lang, "gettext": gettext, "_": gettext}
