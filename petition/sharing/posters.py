"""A one-page poster for an organisation's share link: Letter size, in both languages, black on white.

The letter's title and a line about it in English and in French, who shares it, and one QR code per
language with its link written out beneath, so that a reader without a phone can type it. The QR
codes are drawn as vector squares (segno's matrix), sharp at any printer's resolution; nothing is
grey below 60 % black, so a black-and-white printer or a photocopy keeps it legible.
"""

import io

import segno
from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _

from petition.i18n import LANGUAGES
from petition.letter.content import load_letter
from petition.links import public_url
from petition.sharing import refs
from petition.typesetting import SANS, SERIF, Document, Style, escape

QUIET_ZONE = 4  # modules of white around a QR code, as the standard asks
QR_SIZE = 198.0  # points: 2.75 inches, which a phone reads from across a room
KICKER = Style(SANS, 9.5, bold=True, leading=1.4, align="center")
TITLE = Style(SERIF, 19, bold=True, leading=1.2, align="center")
SECOND_TITLE = Style(SERIF, 13.5, leading=1.25, align="center", grey=0.25)
LINE = Style(SANS, 11.5, leading=1.35, align="center")
SHARED_BY = Style(SANS, 10.5, leading=1.4, align="center", grey=0.3)
NAME = Style(SANS, 19, bold=True, leading=1.2, align="center")
CAPTION = Style(SANS, 11, bold=True, leading=1.35, align="center")
LINK = Style("DejaVu Sans Mono", 8.5, leading=1.35, align="center")


def words(lang):
    """The poster's sentences in ``lang`` (the msgids are spelled out here, for ``make extract``)."""
    with force_locale(LANGUAGES[lang]):
        return {
            "kicker": _("Open letter"),
            "line": _("Add your name: verified signatures are delivered to the Prime Minister."),
            "shared_by": _("Shared by"),
            "scan": _("Scan to sign in English") if lang == "en" else _("Scan to sign in French"),
        }


def poster_pdf(name, urls, lead="en"):
    """The poster of ``name`` (an organisation, or a share link's label) as PDF bytes.

    ``urls`` maps each language to the link to sign in it; ``lead`` comes first, on the left.
    """
    order = [lead, *(lang for lang in LANGUAGES if lang != lead)]
    text = {lang: words(lang) for lang in order}
    out = io.BytesIO()
    document = Document(out, title=f"{name} · {load_letter(lead).title}", margins=(54.0, 54.0, 54.0, 54.0))
    document.new_page()
    document.paragraph(escape(" · ".join(text[lang]["kicker"].upper() for lang in order)), KICKER, True, after=16)
    document.paragraph(escape(load_letter(order[0]).title), TITLE, markup=True, after=8)
    document.paragraph(escape(load_letter(order[1]).title), SECOND_TITLE, markup=True, after=18)
    for lang in order:
        document.paragraph(escape(text[lang]["line"]), LINE.but(grey=0.0 if lang == lead else 0.25), True, after=4)
    document.space(14)
    shared_by = " · ".join(dict.fromkeys(text[lang]["shared_by"] for lang in order))
    document.paragraph(escape(shared_by), SHARED_BY, markup=True, after=2)
    document.paragraph(escape(name), NAME, markup=True, after=22)
    codes(document, [(text[lang]["scan"], urls[lang]) for lang in order])
    document.close()
    return out.getvalue()


def codes(document, captioned):
    """The QR codes side by side, each with its caption above and its link below."""
    gap = 36.0
    width = (document.text_width - gap * (len(captioned) - 1)) / len(captioned)
    size = min(width, QR_SIZE, document.text_bottom - document.y - 60)
    top = document.y
    for index, (caption, url) in enumerate(captioned):
        x = document.left + index * (width + gap)
        height = document.place(escape(caption), x, top, CAPTION, width, markup=True)
        qr(document, url, x + (width - size) / 2, top + height + 6, size)
        document.place(escape(as_written(url)), x, top + height + 12 + size, LINK, width, markup=True)


def as_written(url):
    """The link as a reader types it: no scheme; a long one breaks after a slash, never at a hyphen
    (a reader would take a hyphen at the end of a line for a break, not part of the link)."""
    written = url.removeprefix("https://").removeprefix("http://")
    return written.replace("-", "\u2011").replace("/", "/\u200b")


def qr(document, url, x, y, size):
    """The QR code of ``url`` as black squares in a ``size`` square at (x, y), its quiet zone inside."""
    matrix = segno.make(url, error="m", micro=False).matrix
    modules = len(matrix) + 2 * QUIET_ZONE
    step = size / modules
    cr = document.cr
    cr.set_source_rgb(0, 0, 0)
    for row, cells in enumerate(matrix):
        for column, dark in enumerate(cells):
            if dark:
                # A hair wider than a module, so that neighbours join without a seam when printed.
                cr.rectangle(x + (column + QUIET_ZONE) * step, y + (row + QUIET_ZONE) * step, step + 0.02, step + 0.02)
    cr.fill()


def organisation_urls(slug):
    return {lang: public_url("sharing.organisation", lang=lang, slug=slug) for lang in LANGUAGES}


def share_link_urls(code):
    return {lang: refs.share_url(lang, refs.CODE + code) for lang in LANGUAGES}


def poster_download(name, urls, lead, filename):
    """The poster as a PDF download named ``filename``.pdf."""
    response = current_app.response_class(poster_pdf(name, urls, lead), mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}.pdf"'
    return response
