"""The letter page: the text in each language, the endorsements, the counters and the page's head."""

import csv
import re
import unicodedata
from html import unescape

import pytest
from markupsafe import escape

from petition.endorsements.importer import BUNDLED_LIST
from petition.letter.content import CONTENT_DIR

LANGS = ("en", "fr")
NBSPS = "\u00a0\u202f"  # no-break space, narrow no-break space
LEAD = "National Council of Canadian Muslims"


@pytest.fixture
def app_config():
    """No background mail sender: these tests send no mail, and a sender left running would drain
    the outbox that other tests share."""
    return {"MAIL_BACKGROUND_SENDER": False}


def bundled_rows():
    with open(BUNDLED_LIST, encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


def bundled_names():
    return [row["name"] for row in bundled_rows()]


def folded(text):
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def letter_title(lang):
    first_line = (CONTENT_DIR / f"letter.{lang}.md").read_text(encoding="utf-8").splitlines()[0]
    return first_line.removeprefix("# ").strip()


def page(client, path, **query):
    response = client.get(path, query_string=query)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def organisation_items(html):
    """``(name, hidden)`` for each ``<li>`` of the organisation list (the part shown at once and
    the part behind "show the other organisations"), in page order."""
    found = re.search(r'<div class="org-list"[^>]*>(.*?)</section>', html, flags=re.S)
    assert found, "the page has no organisation list"
    items = re.findall(r"<li([^>]*)>(.*?)</li>", found.group(1), flags=re.S)
    return [(unescape(text.strip()), re.search(r"\bhidden\b", attributes) is not None) for attributes, text in items]


def element_text(html, pattern):
    found = re.search(pattern, html, flags=re.S)
    assert found, f"nothing matches {pattern!r}"
    return unescape(re.sub(r"<[^>]+>", "", found.group(1))).strip()


def status_line(html):
    return element_text(html, r'<p id="org-status"[^>]*>(.*?)</p>')


def letter_body(html):
    found = re.search(r'<article class="letter"[^>]*>(.*?)</article>', html, flags=re.S)
    assert found, "the page has no letter"
    return found.group(1)


def attribute_values(html, attribute):
    return re.findall(rf'\s{attribute}="([^"]*)"', html)


def tag_with(html, tag, **attributes):
    """The first ``<tag ...>`` whose attributes include all those given."""
    for found in re.finditer(rf"<{tag}\b[^>]*>", html):
        text = found.group(0)
        if all(f'{name.rstrip("_").replace("_", "-")}="{value}"' in text for name, value in attributes.items()):
            return text
    raise AssertionError(f"no <{tag}> with {attributes}")


def attribute(tag_text, name):
    found = re.search(rf'\s{name}="([^"]*)"', tag_text)
    assert found, f"{tag_text} has no {name}"
    return unescape(found.group(1))


@pytest.mark.parametrize("lang", LANGS)
def test_letter_page_is_served_in_its_language(client, endorsements, lang):
    html = page(client, f"/{lang}/")
    assert f'<html lang="{lang}-CA">' in html


def test_letter_page_works_before_any_endorsement_is_imported(client):
    html = page(client, "/en/")
    assert f"<h1>{escape(letter_title('en'))}</h1>" in html
    assert organisation_items(html) == []


@pytest.mark.parametrize("lang", LANGS)
def test_every_organisation_is_on_the_page(client, endorsements, lang):
    html = page(client, f"/{lang}/")
    names = bundled_names()
    assert len(names) == 414
    missing = [name for name in names if str(escape(name)) not in html]
    assert missing == []


@pytest.mark.parametrize("lang", LANGS)
def test_the_lead_signatory_is_set_apart_once(client, endorsements, lang):
    html = page(client, f"/{lang}/")
    assert element_text(html, r'<p class="lead-name">(.*?)</p>') == LEAD
    listed = [name for name, _ in organisation_items(html)]
    assert LEAD not in listed
    assert len(listed) == 413
    assert html.count(LEAD) == 1


@pytest.mark.parametrize("lang", LANGS)
def test_the_counters_show_414_organisations_and_no_signature_yet(client, endorsements, lang):
    html = page(client, f"/{lang}/")
    assert element_text(html, r'<dd data-counter="endorsements">(.*?)</dd>') == "414"
    assert element_text(html, r'<dd data-counter="signatures">(.*?)</dd>') == "0"
    heading = element_text(html, r'<h2 id="endorsements-heading">(.*?)</h2>')
    assert re.search(r"\b414\b", heading), heading


@pytest.mark.parametrize("lang", LANGS)
def test_the_letter_title_is_the_h1(client, endorsements, lang):
    html = page(client, f"/{lang}/")
    h1s = re.findall(r"<h1>(.*?)</h1>", html, flags=re.S)
    assert h1s == [str(escape(letter_title(lang)))]
    assert element_text(html, r"<title>(.*?)</title>") == letter_title(lang)


def test_french_page_has_guillemets_with_no_break_spaces(client, endorsements):
    html = page(client, "/fr/")
    body = letter_body(html)
    assert f"«{NBSPS[0]}génocide plausible{NBSPS[0]}»" in body or f"«{NBSPS[1]}génocide plausible{NBSPS[1]}»" in body
    openings = re.findall(r"«(.)", body)
    closings = re.findall(r"(.)»", body)
    assert openings, "the French letter quotes with guillemets"
    assert all(c in NBSPS for c in openings), openings
    assert all(c in NBSPS for c in closings), closings
    assert len(openings) == len(closings)


def ordered_list_after(body, paragraph_start):
    found = re.search(rf"<p>{re.escape(paragraph_start)}[^<]*</p>\s*<ol>(.*?)</ol>", body, flags=re.S)
    assert found, f"no numbered list follows the paragraph starting {paragraph_start!r}"
    return re.findall(r"<li>(.*?)</li>", found.group(1), flags=re.S)


def test_french_numbered_lists_render_as_ordered_lists(client, endorsements):
    body = letter_body(page(client, "/fr/"))
    developments = ordered_list_after(body, "Trois développements")
    assert len(developments) == 3
    assert developments[0].startswith("Le gouvernement Netanyahu")
    demands = ordered_list_after(body, "Par conséquent")
    assert len(demands) == 4
    assert not re.search(r"<p>\s*\d+\.", body), "a numbered item was left as a paragraph"


def test_english_numbered_lists_render_as_ordered_lists(client, endorsements):
    body = letter_body(page(client, "/en/"))
    assert len(ordered_list_after(body, "Three important developments")) == 3
    assert body.count("<ol>") == 2
    assert not re.search(r"<p>\s*\d+\.", body)


@pytest.mark.parametrize("lang", LANGS)
def test_canonical_and_hreflang_links(client, endorsements, lang):
    html = page(client, f"/{lang}/")
    assert attribute(tag_with(html, "link", rel="canonical"), "href") == f"http://localhost/{lang}/"
    alternates = {
        attribute(tag, "hreflang"): attribute(tag, "href") for tag in re.findall(r'<link rel="alternate"[^>]*>', html)
    }
    assert alternates == {
        "en-CA": "http://localhost/en/",
        "fr-CA": "http://localhost/fr/",
        "x-default": "http://localhost/",
    }


@pytest.mark.parametrize("lang", LANGS)
def test_open_graph_and_twitter_tags(client, endorsements, lang):
    html = page(client, f"/{lang}/")
    other = "fr" if lang == "en" else "en"

    def meta(**selector):
        return attribute(tag_with(html, "meta", **selector), "content")

    assert meta(property="og:title") == letter_title(lang)
    assert meta(property="og:url") == f"http://localhost/{lang}/"
    assert meta(property="og:locale") == f"{lang}_CA"
    assert meta(property="og:locale:alternate") == f"{other}_CA"
    assert meta(property="og:type") == "website"
    description = meta(property="og:description")
    assert 20 < len(description) <= 300
    assert "<" not in description
    assert meta(name="description") == description
    assert meta(name="twitter:card") in {"summary", "summary_large_image"}
    assert meta(name="twitter:title") == letter_title(lang)


@pytest.mark.parametrize(("lang", "other"), [("en", "fr"), ("fr", "en")])
def test_the_language_switch_leads_to_the_other_language(client, endorsements, lang, other):
    html = page(client, f"/{lang}/")
    switch = tag_with(html, "a", class_="language-switch")
    assert attribute(switch, "hreflang") == f"{other}-CA"
    href = attribute(switch, "href")
    assert href.startswith(f"/language/{other}")

    response = client.get(href)
    assert response.status_code in {302, 303}
    assert response.headers["Location"] == f"/{other}/"
    assert f'<html lang="{other}-CA">' in page(client, response.headers["Location"])


def test_filter_without_javascript_hides_what_does_not_match(client, endorsements):
    html = page(client, "/en/", q="mosquee")
    items = organisation_items(html)
    assert len(items) == 413, "every organisation stays in the page, so clearing the filter shows them"
    shown = [name for name, hidden in items if not hidden]
    expected = [name for name in bundled_names()[1:] if "mosquee" in folded(name)]
    assert shown == expected
    assert "Mosquée Al Ansar" in shown, "the filter ignores accents"
    assert "Mosquee Tawuba" in shown
    assert all(hidden for name, hidden in items if name not in expected)
    # One number, one meaning: the total is the heading's, the lead signatory included.
    assert status_line(html) == f"Showing {len(expected)} of 414 organisations"
    assert "Endorsed by 414 organisations" in html
    assert 'value="mosquee"' in html, "the search box keeps what was typed"
    assert 'class="lead-signatory" data-key="national council of canadian muslims" hidden' in html


def test_filter_is_case_and_accent_insensitive_both_ways(client, endorsements):
    plain = [name for name, hidden in organisation_items(page(client, "/fr/", q="mosquee")) if not hidden]
    accented = [name for name, hidden in organisation_items(page(client, "/fr/", q="MOSQUÉE")) if not hidden]
    assert plain == accented
    assert plain


def test_filter_with_several_words_needs_all_of_them(client, endorsements):
    shown = [name for name, hidden in organisation_items(page(client, "/en/", q="mosquee chateauguay")) if not hidden]
    assert shown == ["Mosquée Chateauguay", "Mosquée de Châteauguay"]


def test_filter_with_no_match_says_so(client, endorsements):
    html = page(client, "/en/", q="zzzz-no-such-organisation")
    assert all(hidden for _, hidden in organisation_items(html))
    assert "zzzz-no-such-organisation" in status_line(html)
    assert not status_line(html).startswith("Showing")


def test_filter_echo_is_escaped(client, endorsements):
    html = page(client, "/en/", q='<script>alert("x")</script>')
    assert "<script>alert" not in html
    assert "&lt;script&gt;" in html


def test_without_a_query_there_is_no_status_line_and_nothing_hidden(client, endorsements):
    html = page(client, "/en/")
    assert status_line(html) == ""
    assert not any(hidden for _, hidden in organisation_items(html))


def test_the_list_is_in_the_order_of_the_letter(client, endorsements):
    listed = [name for name, _ in organisation_items(page(client, "/en/"))]
    assert listed == bundled_names()[1:]
    keys = [folded(name).lstrip("\"'“‘«- ") for name in listed]
    assert keys == sorted(keys), "the source list is alphabetical: one order serves reading and finding"


def test_there_is_no_order_control(client, endorsements):
    html = page(client, "/en/")
    assert 'name="order"' not in html and "Alphabetical" not in html


# A control character anywhere in a URL is a 400 before any view: tests/test_bad_input.py.
@pytest.mark.parametrize("order", ["az", "list", "za", "AZ", "", "list;drop table endorsement", "é" * 500])
def test_an_order_in_old_links_is_ignored(client, endorsements, order):
    html = page(client, "/en/", order=order)
    assert [name for name, _ in organisation_items(html)] == bundled_names()[1:]
    filtered = page(client, "/en/", order=order, q="mosquée")
    assert len([name for name, hidden in organisation_items(filtered) if not hidden]) == 7


def test_the_filter_counts_the_lead_signatory_like_the_heading(client, endorsements):
    html = page(client, "/en/", q="canadian muslims")
    shown = [name for name, hidden in organisation_items(html) if not hidden]
    assert 'class="lead-signatory" data-key="national council of canadian muslims">' in html
    assert status_line(html) == f"Showing {len(shown) + 1} of 414 organisations"


def letter_groups(html):
    """``(letter, anchor, hidden, in_the_folded_part)`` for each letter of the list."""
    folded_part = html.index('<details class="org-more"')
    return [
        (letter, anchor, "hidden" in attributes, found.start() > folded_part)
        for found in re.finditer(r'<div class="org-group"([^>]*)>\s*<h3 class="org-letter" id="([^"]+)">(.)</h3>', html)
        for attributes, anchor, letter in [found.groups()]
    ]


def test_the_list_is_grouped_by_letter_with_an_index_and_the_first_letter_shown(client, endorsements):
    html = page(client, "/en/")
    groups = letter_groups(html)
    assert [letter for letter, *_ in groups] == list("ABCDEFGHIJKLMNOPRSTUVWYZ")
    assert [letter for letter, _, _, folded_part in groups if not folded_part] == ["A"]
    index = re.search(r'<nav class="org-index"[^>]*>(.*?)</nav>', html, flags=re.S).group(1)
    links = dict(re.findall(r'<a href="#(org-.)">(.)</a>', index))
    assert links == {anchor: letter for letter, anchor, _, _ in groups}
    assert re.findall(r"<span>(.)</span>", index) == ["Q", "X"], "letters without organisations are not links"
    # The rest is one click away, closed until asked for; it says how many it holds.
    assert '<details class="org-more" data-org-more>' in html
    a_names = sum(folded(name)[0] == "a" for name in bundled_names()[1:])
    assert f"Show the other {413 - a_names} organisations" in html


def test_a_filter_without_script_opens_the_rest_and_hides_the_empty_letters(client, endorsements):
    html = page(client, "/en/", q="tawuba")
    assert '<details class="org-more" data-org-more open data-filtering>' in html
    groups = {letter: hidden for letter, _, hidden, _ in letter_groups(html)}
    assert groups.pop("M") is False
    assert all(groups.values())
    assert [name for name, hidden in organisation_items(html) if not hidden] == ["Mosquee Tawuba"]


@pytest.mark.parametrize("query", ["a" * 10_000, "é" * 5000, "%" * 300, "\t", "   ", "🙂" * 200])
def test_unusual_queries_never_fail(client, endorsements, query):
    html = page(client, "/en/", q=query)
    assert len(organisation_items(html)) == 413
    found = re.search(r'<input id="org-query"[^>]*value="([^"]*)"', html)
    assert found
    assert len(unescape(found.group(1))) <= 100


def test_a_long_query_is_cut_to_its_first_hundred_characters(client, endorsements):
    html = page(client, "/en/", q="mosquee" + "x" * 200)
    assert all(hidden for _, hidden in organisation_items(html))
    html = page(client, "/en/", q="mosquee" + " " * 200 + "zzz")
    assert any(not hidden for _, hidden in organisation_items(html)), "the words after the 100th character are ignored"


@pytest.mark.parametrize("lang", LANGS)
def test_signing_comes_first_and_the_share_tools_after_the_list(client, endorsements, lang):
    html = page(client, f"/{lang}/")
    sign_panel = re.search(r'<aside class="sign-panel".*?</aside>', html, flags=re.S).group(0)
    assert "data-share-url" not in sign_panel and 'class="share"' not in sign_panel
    assert html.index('id="endorsements"') < html.index('class="share"') < html.index('class="site-footer"')


@pytest.mark.parametrize("path", ["/en/sign/check-your-inbox", "/fr/thanks"])
def test_after_signing_the_share_tools_come_first_after_the_message(client, endorsements, path):
    html = page(client, path)
    assert 'class="share"' in html and "data-share-url" in html
    assert html.index('class="notice"') < html.index('class="share"')
