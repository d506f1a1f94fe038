"""``/<lang>/provinces``: the table, the map and its legend, in both languages, small counts withheld."""

import re

import pytest

from petition.provinces import PROVINCES
from petition.reach import legend, shade_classes

CODES = [code for code, _ in PROVINCES]
HEADINGS = {"en": "Signatures by province and territory", "fr": "Signatures par province et territoire"}


@pytest.fixture
def app_config():
    return {"MAIL_BACKGROUND_SENDER": False}


def page(client, lang):
    response = client.get(f"/{lang}/provinces")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def row_of(html, name):
    """The cells of the table row headed ``name``, as text."""
    match = re.search(rf'<th scope="row">{re.escape(name)}</th>(.*?)</tr>', html, re.S)
    assert match, name
    return [re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<td[^>]*>(.*?)</td>", match[1], re.S)]


def shapes(html):
    """(fill class, title) of each outline on the map: the thirteen provinces and territories."""
    paths = re.findall(r'<path class="([\w-]+)" d="[^"]+"><title>([^<]*)</title>', html)
    assert len(paths) == 13
    return paths


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_the_page_with_no_signatures(client, lang):
    heading, total = HEADINGS[lang], "Total"
    html = page(client, lang)
    assert f"<h1>{heading}</h1>" in html
    assert f'<html lang="{lang}-CA">' in html
    with client.application.test_request_context(f"/{lang}/"):
        for _, name in PROVINCES:
            assert row_of(html, str(name))[0] == "0"
    assert row_of(html, total)[0] == "0"
    assert {shade for shade, _ in shapes(html)} == {"shade-0"}
    assert 'role="img"' in html and 'aria-labelledby="map-title"' in html
    assert "CC BY 4.0" in html and "@svg-maps/canada" in html
    assert 'href="/api/provinces"' in html and 'href="/api/provinces.csv"' in html


def test_small_counts_say_fewer_than_the_minimum(client, signature_factory):
    for i in range(2):
        signature_factory(f"nu{i}@example.org", province="NU")
    for i in range(7):
        signature_factory(f"on{i}@example.org", province="ON")
    for i in range(6):
        signature_factory(f"xx{i}@example.org", province="XX")

    html = page(client, "en")
    assert row_of(html, "Nunavut") == ["fewer than 5"]
    assert row_of(html, "Alberta") == ["not shown"]
    assert row_of(html, "Ontario") == ["7", "46.7%", "0.05"]
    assert row_of(html, "Outside Canada") == ["6", "40%", "—"]
    assert row_of(html, "Total")[0] == "15"
    assert [shade for shade, _ in shapes(html)].count("shade-withheld") == 2
    assert "Nunavut: fewer than 5" in html
    assert "Ontario: 7 signatures, 0.05 per 100,000 residents" in html
    # A withheld count appears nowhere on the page, not even in the map.
    assert ">2<" not in html and "Nunavut: 2" not in html

    french = page(client, "fr")
    assert row_of(french, "Nunavut") == ["moins de 5"]
    assert row_of(french, "Ontario") == ["7", "46,7\u00a0%", "0,05"]


def test_every_province_over_the_minimum_is_shaded(client, signature_factory):
    for code, _ in PROVINCES:
        for i in range(5 if code != "YT" else 9):
            signature_factory(f"{code.lower()}{i}@example.org", province=code)
    html = page(client, "en")
    assert "fewer than 5</td>" not in html
    assert row_of(html, "Total")[0] == "74"
    classes = [shade for shade, _ in shapes(html)]
    # Yukon has the highest rate; Ontario, the most residents, the lowest.
    assert "shade-5" in classes and "shade-1" in classes and "shade-withheld" not in classes


@pytest.mark.parametrize("path", ["/de/provinces", "/EN/provinces", "/provinces", "/en/provinces/extra"])
def test_unknown_addresses_are_404(client, path):
    assert client.get(path).status_code == 404


@pytest.mark.parametrize(("lang", "text"), HEADINGS.items())
def test_the_letter_page_links_to_it(client, endorsements, lang, text):
    html = client.get(f"/{lang}/").get_data(as_text=True)
    assert f'<a href="/{lang}/provinces">{text}</a>' in html


def test_the_shades_go_by_rank_so_that_one_small_territory_does_not_pale_the_rest():
    classes = shade_classes([0.0, 0.2, 0.25, 0.3, 0.6, 17.4, 0.2])
    assert classes == {0.2: 1, 0.25: 2, 0.3: 3, 0.6: 4, 17.4: 5}
    assert shade_classes([3.0]) == {3.0: 5}
    assert [(e.shade, e.low, e.high) for e in legend(shade_classes([1.0, 2.0, 3.0]))] == [
        ("shade-0", None, 0.0),
        ("shade-2", 1.0, 1.0),
        ("shade-4", 2.0, 2.0),
        ("shade-5", 3.0, 3.0),
    ]
