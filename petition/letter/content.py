"""The letter text, kept as one Markdown file per language under ``petition/content/``."""

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import markdown
from markupsafe import Markup

CONTENT_DIR = Path(__file__).resolve().parent.parent / "content"


@dataclass(frozen=True)
class Letter:
    title: str
    body: Markup  # the letter below its title, as HTML
    summary: str  # the first paragraph of the letter proper, for link previews


def strip_tags(html):
    return re.sub(r"<[^>]+>", "", html).strip()


@cache
def load_letter(lang):
    """Read and render the letter once per process; the files change only with a deploy."""
    source = (CONTENT_DIR / f"letter.{lang}.md").read_text(encoding="utf-8")
    heading, _, rest = source.partition("\n")
    if not heading.startswith("# "):
        raise ValueError(f"letter.{lang}.md must start with a '# ' title line")
    # Escape any raw HTML in the file: the content is text, not markup.
    body = markdown.markdown(rest.replace("&", "&amp;").replace("<", "&lt;"), output_format="html")
    paragraphs = re.findall(r"<p>(.*?)</p>", body, flags=re.S)
    summary = strip_tags(paragraphs[1] if len(paragraphs) > 1 else paragraphs[0])
    if len(summary) > 300:
        summary = summary[:297].rsplit(" ", 1)[0] + "…"
    # The Markdown source was escaped above, so the HTML holds only what Markdown made.
    return Letter(title=heading[2:].strip(), body=Markup(body), summary=summary)  # noqa: S704
