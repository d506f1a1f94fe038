"""``/<lang>/privacy``: what the site keeps about signers, why, who sees it, and for how long.

The text is content, like the letter: ``content/privacy.en.md`` and ``privacy.fr.md``, which a
lawyer may edit without touching code. What comes from settings is written in the files as a
placeholder, filled in here so that the page says what the site really does:

- ``{retention_days}``: days before an unconfirmed signature is purged (``UNCONFIRMED_RETENTION_DAYS``);
- ``{confirm_days}``: days a confirmation link works (``SIGNATURE_CONFIRM_MAX_AGE``);
- ``{contact_email}``: the privacy contact (``PRIVACY_CONTACT_EMAIL``), as a link. A ``## `` section
  that mentions it is left out when there is no contact (development only: production refuses to
  start without one), and the page says so without promising an address.
"""

import re
from dataclasses import dataclass
from functools import cache

import markdown
from flask import Blueprint, current_app, render_template
from markupsafe import Markup, escape

from petition.config_values import privacy_contact
from petition.i18n import format_number
from petition.letter.content import CONTENT_DIR, strip_tags

bp = Blueprint("privacy", __name__)

CONTACT = "{contact_email}"


@dataclass(frozen=True)
class PrivacyText:
    title: str
    sections: tuple[str, ...]  # HTML, one part per ``## `` section, placeholders still in it
    summary: str


@cache
def load_privacy_text(lang):
    """Read and render the text once per process; the files change only with a deploy."""
    source = (CONTENT_DIR / f"privacy.{lang}.md").read_text(encoding="utf-8")
    heading, _, rest = source.partition("\n")
    if not heading.startswith("# "):
        raise ValueError(f"privacy.{lang}.md must start with a '# ' title line")
    # Escape any raw HTML in the file: the content is text, not markup.
    rest = rest.replace("&", "&amp;").replace("<", "&lt;")
    sections = tuple(
        markdown.markdown(part, output_format="html") for part in re.split(r"(?m)^(?=## )", rest) if part.strip()
    )
    summary = strip_tags(sections[0].partition("</p>")[0]) if sections else ""
    return PrivacyText(title=heading[2:].strip(), sections=sections, summary=summary)


def contact_email():
    """The privacy contact as the settings give it (config_values.privacy_contact), or None."""
    return privacy_contact(current_app.config)


def placeholders(contact):
    """Each placeholder and the HTML that takes its place, from the settings."""
    config = current_app.config
    values = {
        "{retention_days}": escape(format_number(config["UNCONFIRMED_RETENTION_DAYS"])),
        "{confirm_days}": escape(format_number(config["SIGNATURE_CONFIRM_MAX_AGE"] // 86400)),
    }
    if contact:
        values[CONTACT] = Markup('<a href="mailto:{0}">{0}</a>').format(contact)
    return values


def fill(text, values):
    for placeholder, html in values.items():
        text = text.replace(placeholder, str(html))
    return text


@bp.get("/<lang:lang>/privacy")
def show(lang):
    text = load_privacy_text(lang)
    contact = contact_email()
    values = placeholders(contact)
    body = "".join(fill(section, values) for section in text.sections if contact or CONTACT not in section)
    return render_template(
        "privacy.html",
        title=text.title,
        summary=strip_tags(fill(text.summary, values)),
        # The Markdown source was escaped when loaded, and the values are escaped or built as Markup.
        body=Markup(body),  # noqa: S704
        contact=contact,
    )
