"""The embeddable counter (``/<lang>/embed``): a small page other sites may put in an iframe.

It is the only page that any site may frame (``response.frame_ancestors``, see
``petition.security``); ``embed/_snippet.html`` gives organisations the code to paste.
"""

from flask import Blueprint, current_app, make_response
from flask_babel import force_locale
from flask_babel import gettext as _
from markupsafe import escape

from petition.campaign import state as campaign
from petition.counters import render_counters
from petition.counts import current_counts
from petition.i18n import LANGUAGES
from petition.links import public_url

bp = Blueprint("embed", __name__)

# The size the snippet asks for; the page also reads well from about 240 pixels wide.
EMBED_WIDTH = 320
EMBED_HEIGHT = 180


@bp.get("/<lang:lang>/embed")
def counter(lang):
    """The live count, the bar toward the goal, and a link that opens the letter in a new tab."""
    page = render_counters(
        "embed/counter.html",
        lang,
        current_counts(),
        letter_url=public_url("letter.show", lang=lang),
        closed_at=campaign.closed_at(),
    )
    response = make_response(page)
    response.frame_ancestors = "*"
    response.headers["Cache-Control"] = f"public, max-age={current_app.config['EMBED_MAX_AGE_SECONDS']}"
    return response


@bp.app_template_global()
def embed_snippet(lang):
    """The ``<iframe>`` an organisation pastes into its site, in ``lang``."""
    with force_locale(LANGUAGES[lang]):
        title = _("Open letter to the Prime Minister: live count of signatures")
    src = public_url("embed.counter", lang=lang)
    return (
        f'<iframe src="{escape(src)}" title="{escape(title)}" width="{EMBED_WIDTH}" height="{EMBED_HEIGHT}" '
        'style="border:0" loading="lazy"></iframe>'
    )
