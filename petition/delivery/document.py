"""The delivery document: the letter and its verified signatures as they are handed over, in print.

A bilingual PDF: a cover (the letter's title in both languages, the counts, the date, the SHA-256 of
the CSV export taken at the same moment), the letter in English and in French, the endorsing
organisations, the signatures by province and territory, then the signers of each, as they chose to
be shown. Everything is read from one snapshot (``snapshot.py``); the names are read and printed a
batch at a time, so memory stays flat however many there are.
"""

from dataclasses import dataclass
from datetime import datetime

from flask_babel import force_locale
from flask_babel import gettext as _

from petition.breakdown import breakdown_of, province_names
from petition.delivery import snapshot
from petition.delivery.letter_text import letter_blocks
from petition.delivery.words import (
    bilingual,
    bilingual_plural,
    day,
    in_language_plural,
    neutral,
    number,
    pair,
    two_lines,
)
from petition.i18n import LANGUAGES
from petition.provinces import PROVINCES
from petition.typesetting import SANS, SERIF, Document, Style, escape

BODY = Style(SERIF, 11.5, leading=1.45)  # ragged right: without hyphenation, justified lines gape
TITLE = Style(SERIF, 18, bold=True, leading=1.25)
HEADING = Style(SANS, 13, bold=True, leading=1.3)
SMALL = Style(SANS, 8, grey=0.35, leading=1.3)
RUNNING = SMALL.but(one_line=True)
NAME = Style(SANS, 9, leading=1.4, hang=8)
TABLE = Style(SANS, 10, leading=1.45)
MARGINS = (66.0, 68.0, 60.0, 68.0)  # top, right, bottom, left: lines of about 75 characters
DIGEST = Style("DejaVu Sans Mono", 8.2, leading=1.4)


@dataclass(frozen=True)
class Delivered:
    """What building the document made: its pages, the CSV's rows and digest, how it was read."""

    pages: int
    signatures: int
    named: int
    organisations: int
    csv_sha256: str
    unknown_glyphs: int
    taken_at: datetime


def build(pdf_target, csv_file, taken_at, lang="en", progress=None, expected=None):
    """Write the document to ``pdf_target`` and the export to the binary ``csv_file``, from one snapshot.

    ``expected(n)``, when given, learns how many signatures there are once the snapshot is read, and
    ``progress(n)`` of every ``n`` written (once in the CSV, once in the document); returns ``Delivered``.
    """
    with snapshot.snapshot() as connection:
        counts = snapshot.province_counts(connection)
        if expected is not None:
            expected(sum(count.signatures for count in counts.values()))
        rows, digest = snapshot.write_export(connection, csv_file, lang=lang, progress=progress)
        organisations = snapshot.endorsing_organisations(connection)
        total = sum(count.signatures for count in counts.values())
        titles = (letter_blocks("en")[0], letter_blocks("fr")[0])
        document = Document(pdf_target, title=" / ".join(titles), margins=MARGINS, decorate=running_header())
        cover(document, titles, total, len(organisations), rows, digest, taken_at)
        for lang_of_letter in ("en", "fr"):
            letter(document, lang_of_letter)
        endorsements(document, organisations)
        table(document, counts, total)
        signers(document, connection, counts, progress)
        document.close()
    return Delivered(
        pages=document.page,
        signatures=total,
        named=sum(count.named for count in counts.values()),
        organisations=len(organisations),
        csv_sha256=digest,
        unknown_glyphs=document.unknown_glyphs,
        taken_at=taken_at,
    )


def running_header():
    """The short title on the left of every page but the cover, the section on the right, the number below."""
    short = " · ".join(bilingual("Open letter to the Prime Minister"))

    def decorate(document):
        if document.page == 1:
            return
        width = document.text_width
        top = document.top - 30
        document.place(escape(short), document.left, top, RUNNING, width * 0.6, markup=True)
        right = width * 0.38
        at_right = RUNNING.but(align="right")
        document.place(escape(document.running), document.left + width - right, top, at_right, right, markup=True)
        document.cr.set_source_rgb(0.6, 0.6, 0.6)
        document.cr.set_line_width(0.4)
        document.cr.move_to(document.left, document.top - 12)
        document.cr.line_to(document.width - document.right, document.top - 12)
        document.cr.stroke()
        bottom = document.height - document.bottom + 22
        document.place(str(document.page), document.left, bottom, SMALL.but(align="center"), width)

    return decorate


def cover(document, titles, total, organisations, rows, digest, taken_at):
    document.new_page()
    document.space(40)
    to_en, to_fr = bilingual("Open letter to the Prime Minister of Canada")
    document.paragraph(escape(f"{to_en} · {to_fr}").upper(), SMALL.but(size=9, leading=1.5), markup=True, after=18)
    for title in titles:
        document.paragraph(escape(title), TITLE, markup=True, after=14)
    document.rule(after=22)
    for lang in ("en", "fr"):
        figures = (
            in_language_plural(lang, "%(num)s verified signature", "%(num)s verified signatures", total),
            in_language_plural(
                lang, "%(num)s endorsing organisation", "%(num)s endorsing organisations", organisations
            ),
        )
        with force_locale(LANGUAGES[lang]):
            figures += (_("Signatures verified as of %(moment)s", moment=day(taken_at, lang)),)
        document.paragraph(f"<b>{escape(figures[0])}</b>", HEADING.but(size=14), markup=True, after=2)
        document.paragraph(escape(figures[1]), BODY.but(align="left"), markup=True, after=2)
        document.paragraph(escape(figures[2]), BODY.but(align="left", grey=0.3), markup=True, after=16)
    # The digest sits at the foot of the cover, where a reader checking the files looks for it.
    document.y = document.text_bottom - 92
    for lang in ("en", "fr"):
        with force_locale(LANGUAGES[lang]):
            explained = _(
                "SHA-256 of the verified-signatures CSV export (%(rows)s rows) taken at the same moment, "
                "delivered with this document:",
                rows=number(rows, lang),
            )
        document.paragraph(escape(explained), SMALL.but(size=8.5, grey=0.2), markup=True, after=3)
    document.paragraph(digest, DIGEST, after=0)


def letter(document, lang):
    title, blocks = letter_blocks(lang)
    with force_locale(LANGUAGES[lang]):
        document.running = _("The letter, in English") if lang == "en" else _("The letter, in French")
    document.new_page()
    document.paragraph(escape(title), TITLE.but(size=15), markup=True, after=14)
    for block in blocks:
        if block.kind == "heading":
            document.paragraph(block.markup, HEADING, markup=True, keep_with=BODY.line_height * 2)
        elif block.kind == "item":
            document.paragraph(block.markup, BODY, markup=True, indent=18, label=block.number)
        else:
            document.paragraph(block.markup, BODY, markup=True)


def endorsements(document, organisations):
    heading = bilingual("Endorsing organisations")
    document.running = pair(*heading)
    document.new_page()
    count = len(organisations)
    document.paragraph(
        escape(f"{heading[0]} ({number(count, 'en')}) · {heading[1]} ({number(count, 'fr')})"),
        HEADING,
        markup=True,
        after=10,
    )
    document.columns(organisations, NAME, count=2, gap=20)


def table(document, counts, total):
    heading = bilingual("Verified signatures by province and territory")
    document.running = pair(*bilingual("Signatures by province"))
    document.new_page()
    document.paragraph(escape(heading[0]), HEADING, markup=True, after=0)
    document.paragraph(escape(heading[1]), HEADING.but(bold=False, grey=0.3), markup=True, after=12)
    figures = breakdown_of({code: count.signatures for code, count in counts.items()}, 0)
    columns = (
        (0.46, "left", bilingual("Province or territory")),
        (0.16, "right", bilingual("Signatures")),
        (0.16, "right", bilingual("Share (%)")),
        (0.22, "right", bilingual("Per 100,000 residents")),
    )
    rows = [
        (
            two_lines(p.name_en, p.name_fr),
            neutral(p.signatures),
            f"{p.share:.1f}" if p.share is not None else "—",
            f"{p.per_100k:.1f}" if p.per_100k is not None else "—",
        )
        for p in figures.provinces
    ]
    header = tuple(two_lines(en, fr) for _, _, (en, fr) in columns)
    total_row = (two_lines(*bilingual("Total")), neutral(total), "100.0" if total else "—", "")
    for index, cells in enumerate((header, *rows, total_row)):
        bold = index == 0 or cells is total_row
        layouts = []
        for (share, align, _words), cell in zip(columns, cells, strict=True):
            style = TABLE.but(align=align, bold=bold, grey=0.25 if index == 0 else 0.0)
            layouts.append((document.layout(escape(cell), style, document.text_width * share - 8, True), style))
        height = max(document.height_of(layout) for layout, _ in layouts) + 6
        document.ensure(height)
        x = document.left
        for (share, _align, _words), (layout, style) in zip(columns, layouts, strict=True):
            document.draw(layout, x, document.y + 3, style.grey)
            x += document.text_width * share
        document.y += height
        document.rule(weight=0.3, grey=0.75, after=0)
    document.space(10)
    for note in bilingual("Per 100,000 residents: from Statistics Canada's 2021 Census of Population."):
        document.paragraph(escape(note), SMALL, markup=True, after=1)


def signers(document, connection, counts, progress):
    heading = bilingual("The signers, by province and territory")
    names = province_names()
    document.running = pair(*heading)
    document.new_page()
    document.paragraph(escape(pair(*heading)), HEADING, markup=True, after=4)
    explained = bilingual("Each as they chose to be shown, in the order they signed.")
    document.paragraph(escape(pair(*explained)), SMALL, markup=True, after=14)
    for code, _name in PROVINCES:
        count = counts.get(code)
        if count is None:
            continue
        document.running = pair(*names[code])
        title = f"<b>{escape(document.running)}</b>   {escape(signature_count(count.signatures))}"
        document.paragraph(title, HEADING.but(size=11), markup=True, after=6, keep_with=NAME.line_height * 3)
        document.columns(counted(snapshot.named_signers(connection, code), progress), NAME)
        unnamed = [
            bilingual_plural(
                "and %(num)s other who asked not to be named",
                "and %(num)s others who asked not to be named",
                count.asked_not,
            )
            if count.asked_not
            else None,
            bilingual_plural(
                "and %(num)s other whose name the moderators withheld",
                "and %(num)s others whose names the moderators withheld",
                count.withheld,
            )
            if count.withheld
            else None,
        ]
        for words in filter(None, unnamed):
            document.space(4)
            document.paragraph(escape(pair(*words)), NAME.but(italic=True, hang=0), markup=True, after=0)
        if progress is not None:
            progress(count.signatures - count.named)
        document.space(14)


def signature_count(n):
    return pair(*bilingual_plural("%(num)s signature", "%(num)s signatures", n))


def counted(names, progress, every=1000):
    """The names as they come, telling ``progress`` of each thousand drawn."""
    if progress is None:
        yield from names
        return
    done = 0
    for name in names:
        yield name
        done += 1
        if done == every:
            progress(done)
            done = 0
    if done:
        progress(done)
