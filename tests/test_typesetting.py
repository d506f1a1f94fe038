"""The PDF typesetter on its own: text flows onto new pages, columns read downward and balance, a
paragraph longer than a page is split between its lines, and a character no font has is counted."""

import pytest

from petition.delivery.letter_text import letter_blocks, pango_markup
from petition.typesetting import SANS, Document, Style
from petition.typesetting.columns import balanced_height, columns_needed
from tests.delivery_helpers import pdf_pages, pdf_text

NAME = Style(SANS, 9)


def write(path, draw):
    document = Document(str(path), title="Test")
    draw(document)
    document.close()
    return document


def test_columns_read_downward_and_the_last_page_is_balanced(tmp_path):
    out = tmp_path / "columns.pdf"
    names = [f"Signer {n:03d}" for n in range(1, 10)]
    write(out, lambda d: d.columns(names, NAME, count=3))
    lines = [line.strip() for line in pdf_text(out).splitlines() if line.strip()]
    # Three balanced columns of three, read row by row by poppler: 1 4 7 / 2 5 8 / 3 6 9.
    rows = [line.split("Signer ")[1:] for line in lines]
    firsts = [int(row[0]) for row in rows if row]
    assert firsts[:3] == [1, 2, 3]
    assert pdf_pages(out) == 1


def test_many_names_flow_onto_as_many_pages_as_they_need(tmp_path):
    out = tmp_path / "many.pdf"
    names = [f"Person {n}" for n in range(1, 1201)]
    document = write(out, lambda d: d.columns(iter(names), NAME, count=3))
    text = pdf_text(out)
    assert all(f"Person {n}\n" in text or f"Person {n} " in text for n in (1, 600, 1200))
    assert document.page == pdf_pages(out) > 1


def test_a_paragraph_longer_than_a_page_is_split_between_its_lines(tmp_path):
    out = tmp_path / "long.pdf"
    words = " ".join(f"word{n}" for n in range(3000))
    write(out, lambda d: d.paragraph(words, Style(SANS, 11)))
    text = " ".join(pdf_text(out).split())
    assert pdf_pages(out) >= 2
    assert "word0 " in text and "word2999" in text
    assert text.count("word1500 ") == 1  # every line once, none drawn twice


def test_a_heading_is_kept_with_what_follows(tmp_path):
    out = tmp_path / "keep.pdf"

    def draw(document):
        document.new_page()
        document.y = document.text_bottom - 14  # room for one line only
        document.paragraph("Heading", NAME, keep_with=NAME.line_height * 3)

    document = write(out, draw)
    assert document.page == 2 and "Heading" in pdf_text(out, 2)


def test_a_character_no_font_has_is_counted(tmp_path):
    out = tmp_path / "box.pdf"
    document = write(out, lambda d: d.paragraph("private \ue000\ue001", NAME))
    assert document.unknown_glyphs == 2


@pytest.mark.parametrize(
    ("heights", "count", "room", "expected"),
    [([10.0] * 9, 3, 500.0, 30.0), ([10.0] * 10, 3, 500.0, 40.0), ([10.0, 20.0, 10.0], 3, 500.0, 20.0)],
)
def test_balanced_height(heights, count, room, expected):
    pending = [(None, h) for h in heights]
    found = balanced_height(pending, count, room)
    assert columns_needed(heights, found) <= count
    assert found == pytest.approx(expected, abs=0.5)


def test_the_letter_keeps_its_numbered_items_and_its_quotes():
    title, blocks = letter_blocks("en")
    assert title.startswith("400+ Canadian Organizations")
    items = [block for block in blocks if block.kind == "item"]
    assert [item.number for item in items[:3]] == ["1.", "2.", "3."]
    assert items[3].number == "1."  # a second list starts again at one
    assert any("“plausible genocide”" in block.markup for block in blocks)
    _, french = letter_blocks("fr")
    assert french[0].markup.startswith("Cher")


def test_markdown_becomes_pango_markup():
    assert (
        pango_markup('<em>a</em> &amp; <a href="x">b</a> &hellip; <strong>c</strong>') == "<i>a</i> &amp; b … <b>c</b>"
    )
    assert pango_markup("1 &lt; 2") == "1 &lt; 2"
