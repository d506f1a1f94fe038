"""Who an email is from, in its recipient's language: ``MAIL_DEFAULT_SENDER``'s address, with a
display name that a French reader reads in French.

``MAIL_SENDER_NAME_EN`` and ``MAIL_SENDER_NAME_FR`` name the sender per language. Without them,
the built-in name ("Open letter") is the catalogue's in each language, and a name the operator
wrote in ``MAIL_DEFAULT_SENDER`` is kept as written (in every language: set the pair to translate it).
"""

from email.headerregistry import Address
from email.utils import parseaddr

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _

from petition.i18n import LANGUAGES

BUILT_IN_NAME = "Open letter"


def built_in_name(lang):
    with force_locale(LANGUAGES[lang]):
        return _("Open letter")


def sender_for(lang):
    """The From of an email in ``lang``: "Lettre ouverte <letter@example.ca>" for French."""
    config = current_app.config
    name, address = parseaddr(config["MAIL_DEFAULT_SENDER"])
    lang = lang if lang in LANGUAGES else "en"
    chosen = str(config.get(f"MAIL_SENDER_NAME_{lang.upper()}") or "").strip()
    if not chosen:
        chosen = built_in_name(lang) if name == BUILT_IN_NAME else name
    if not chosen:
        return address
    return str(Address(display_name=chosen, addr_spec=address))
