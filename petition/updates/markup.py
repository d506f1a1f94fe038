"""An update's body: Markdown as administrators write it, made into the email's two parts.

The HTML part is Markdown's rendering of the text with any raw HTML escaped first, so an update
holds only what Markdown makes (paragraphs, emphasis, lists, headings, links). The text part is
the Markdown itself, which reads as plain text, with each link written out as its address.
Links may only go to web pages or email addresses: a ``javascript:`` link in an email to
thousands of people is a mistake at best. Both parts are made once per body and process, not once
per recipient.
"""

import re
from functools import lru_cache

import markdown
from markupsafe import Markup

# [text](target "title") and <target> autolinks.
INLINE_LINK = re.compile(r"\[([^\]]*)\]\(\s*<?([^)\s>]*)>?(?:\s+\"[^\"]*\")?\s*\)")
AUTOLINK = re.compile(r"<([a-zA-Z][a-zA-Z0-9+.-]*:[^>\s]*)>")
REFERENCE = re.compile(r"^\s{0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s+.*)?$", re.M)
ALLOWED_SCHEMES = ("http://", "https://", "mailto:")
STYLES = {
    "p": "margin:0 0 16px;",
    "h2": "margin:24px 0 12px;font-size:20px;line-height:1.3;",
    "h3": "margin:20px 0 8px;font-size:17px;line-height:1.3;",
    "ul": "margin:0 0 16px;padding-left:24px;",
    "ol": "margin:0 0 16px;padding-left:24px;",
    "li": "margin:0 0 6px;",
    "a": "color:#1d4e3f;",
    "blockquote": "margin:0 0 16px;padding-left:12px;border-left:3px solid #d4d0c4;color:#4a5560;",
}
# An opening tag of a styled element: the name, then its attributes if any.
TAG = re.compile(r"<(" + "|".join(STYLES) + r")(\s[^>]*)?>")


class MarkupError(ValueError):
    """The body cannot go out as written; the message says what to change."""


def link_targets(source):
    for pattern in (INLINE_LINK, REFERENCE):
        for match in pattern.finditer(source):
            yield match.group(match.lastindex)
    yield from (match.group(1) for match in AUTOLINK.finditer(source))


def check_links(source):
    """Raise ``MarkupError`` for a link that is not to a web page or an email address."""
    for target in link_targets(source):
        if not target.lower().startswith(ALLOWED_SCHEMES):
            raise MarkupError(f"links must start with https://, http:// or mailto: ({target!r} does not)")


def styled(html):
    """Email clients ignore style sheets: each element carries its style."""
    return TAG.sub(lambda m: f'<{m.group(1)} style="{STYLES[m.group(1)]}"{m.group(2) or ""}>', html)


@lru_cache(maxsize=32)
def as_html(source):
    """The body's HTML part, with every element styled for email clients."""
    escaped = source.replace("&", "&amp;").replace("<", "&lt;")
    # Autolinks were escaped with the rest; give them back to Markdown as links.
    escaped = re.sub(r"&lt;((?:https?://|mailto:)[^>\s]*)>", r"<\1>", escaped)
    html = markdown.markdown(escaped, output_format="html")
    # Markdown made every element here from escaped text: no markup came from the source.
    return Markup(styled(html))  # noqa: S704


@lru_cache(maxsize=32)
def as_text(source):
    """The body's text part: the Markdown, with links written out."""
    text = INLINE_LINK.sub(lambda m: f"{m.group(1)} ({m.group(2)})" if m.group(1) != m.group(2) else m.group(2), source)
    text = AUTOLINK.sub(r"\1", text)
    return text.strip() + "\n"
