"""The letter as the printed page takes it: paragraphs and numbered items in Pango's markup.

The letter page renders the Markdown source to HTML (``petition.letter.content``); the printed letter
starts from that same HTML, so both say the same thing. Only what Markdown makes of the letter is
understood: paragraphs, lists, emphasis and links (printed as their text).
"""

import html
import re
from dataclasses import dataclass

from petition.letter.content import load_letter

BLOCK = re.compile(r"<(p|li|h[1-6])>(.*?)</\1>|<(ol|ul)>|</(ol|ul)>", re.S)
INLINE = {"strong": "b", "b": "b", "em": "i", "i": "i", "code": "tt"}
TAG = re.compile(r"<(/?)([a-z0-9]+)[^>]*>")


@dataclass(frozen=True)
class Block:
    kind: str  # "paragraph", "item" or "heading"
    markup: str  # Pango markup
    number: str = ""  # "1." for an item of a numbered list, "•" for a bulleted one


def pango_markup(fragment):
    """Markdown's inline HTML as Pango markup: emphasis kept, links as their text, entities kept."""

    def replace(match):
        closing, tag = match.groups()
        if tag in INLINE:
            return f"<{closing}{INLINE[tag]}>"
        return " " if tag == "br" else ""

    text = TAG.sub(replace, fragment)
    # Markdown leaves HTML entities that Pango's XML does not know (&hellip;): read them, then escape.
    parts = re.split(r"(<[^>]+>)", text)
    return "".join(part if part.startswith("<") else escape(html.unescape(part)) for part in parts).strip()


def escape(text):
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def letter_blocks(lang):
    """(title, blocks) of the letter in ``lang``."""
    letter = load_letter(lang)
    blocks = []
    lists = []  # for each open list: [kind, next number]
    for match in BLOCK.finditer(str(letter.body)):
        tag, inner, opening, closing = match.groups()
        if opening:
            lists.append([opening, 1])
        elif closing:
            lists.pop()
        elif tag == "li":
            kind, number = lists[-1] if lists else ("ul", 0)
            label = f"{number}." if kind == "ol" else "•"
            if lists:
                lists[-1][1] += 1
            blocks.append(Block("item", pango_markup(inner), label))
        else:
            blocks.append(Block("heading" if tag.startswith("h") else "paragraph", pango_markup(inner)))
    return letter.title, blocks
