"""Printable PDF documents, typeset by Pango and written by cairo a page at a time. Knows no feature.

Pango shapes every script (HarfBuzz), orders right-to-left text (FriBidi) and takes each character
that a font lacks from another installed font (fontconfig), so a name written in Arabic, Chinese,
Punjabi or Inuktitut syllabics prints as its signer wrote it. cairo writes each page to the file
as soon as it is finished, so memory stays flat however long the document grows. The fonts are
Debian's Noto packages, which ``make`` installs (``fonts-noto-core``, ``fonts-noto-cjk``).

Sizes are in PostScript points (1/72 inch), the page's origin at its top left.
"""

from petition.typesetting.document import Document
from petition.typesetting.style import LETTER, SANS, SERIF, Style, escape

__all__ = ["LETTER", "SANS", "SERIF", "Document", "Style", "escape"]
