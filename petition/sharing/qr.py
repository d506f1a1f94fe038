"""QR codes for share links, for posters and flyers (segno: pure Python, no image library)."""

import io
from functools import lru_cache

import segno


@lru_cache(maxsize=256)
def qr_code(url, kind):
    """The QR code of ``url`` as SVG or PNG bytes. Error correction "M" survives a smudged poster."""
    code = segno.make(url, error="m", micro=False)
    buffer = io.BytesIO()
    if kind == "svg":
        code.save(buffer, kind="svg", scale=10, border=4, xmldecl=True, svgns=True, title=url)
    else:
        code.save(buffer, kind="png", scale=12, border=4)
    return buffer.getvalue()
