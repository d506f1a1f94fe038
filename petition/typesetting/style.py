"""How text looks in print: the families, the page size, a style of text."""

from dataclasses import dataclass, replace

from petition.typesetting.bindings import pangocffi

LETTER = (612.0, 792.0)  # 8.5 × 11 inches
# Each family first, then the Noto faces to prefer for the scripts it lacks (fontconfig would take
# DejaVu's plainer Arabic and Hebrew first); any other script falls back through fontconfig.
SERIF = "Noto Serif, Noto Naskh Arabic, Noto Serif Hebrew, Noto Serif CJK SC, Noto Sans Canadian Aboriginal"
SANS = "Noto Sans, Noto Sans Arabic, Noto Sans Hebrew, Noto Sans CJK SC, Noto Sans Canadian Aboriginal"


@dataclass(frozen=True)
class Style:
    """How a run of text looks: its font, size, weight, leading, alignment and grey."""

    family: str = SERIF
    size: float = 10.5
    bold: bool = False
    italic: bool = False
    leading: float = 1.4  # the distance between baselines, as a multiple of the size
    align: str = "left"  # left, center or right
    grey: float = 0.0  # 0 is black; printing in black and white stays legible up to about 0.4
    hang: float = 0.0  # how far a wrapped line is indented under the first (a name's city, say)
    one_line: bool = False  # cut at the width with an ellipsis rather than wrapped (running headers)

    def but(self, **changes):
        return replace(self, **changes)

    @property
    def line_height(self):
        return self.size * self.leading


ALIGNMENTS = {
    "left": pangocffi.Alignment.LEFT,
    "center": pangocffi.Alignment.CENTER,
    "right": pangocffi.Alignment.RIGHT,
}


def escape(text):
    """Text made safe to put inside Pango markup."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
