"""Near-duplicate names of organisations (endorsements/similar.py): what counts as close, what does
not, and that a list of a thousand stays fast."""

import csv
import time

import pytest

from petition.endorsements.importer import BUNDLED_LIST
from petition.endorsements.similar import CLOSE, NameIndex, edits_apart, plain_words, same_word


def bundled_names():
    with open(BUNDLED_LIST, encoding="utf-8") as file:
        return [row["name"] for row in csv.DictReader(file)]


@pytest.fixture(scope="module")
def index():
    return NameIndex((name, n) for n, name in enumerate(bundled_names()))


def test_the_plain_form_drops_accents_case_punctuation_and_linking_words():
    assert plain_words("Le Centre Islamique du Québec, Inc.") == ("center", "islamic", "quebec")
    assert plain_words("Islamic Center of Quebec") == ("islamic", "center", "quebec")
    assert plain_words("Mosquée d’Ottawa & l’Outaouais") == ("mosque", "ottawa", "outaouais")
    assert plain_words("St. John's Masjid") == ("saint", "john", "mosque")
    assert plain_words("") == ()


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("Islamic Centre of Quebec", "Islamic Center of Quebec"),
        ("Islamic Centre of Quebec", "ISLAMIC CENTER OF QUÉBEC"),
        ("Le Centre Islamique du Québec", "Islamic Center of Quebec"),
        ("Al-Rashid Mosque", "Al Rashid Mosque"),
        ("AlRashid Mosque", "Al Rashid Mosque"),
        ("Al-Rashid Mosque", "Al-Rashed Mosque"),
        ("Mosquée de Châteauguay", "Mosquee Chateauguay"),
        ("Hamilton Mountain Mosque", "Mountain Mosque, Hamilton"),
        ("Canadian Muslims for Peace and Justice", "Canadian Muslim for Peace & Justice"),
        ("Masjid Ansar", "Mosquée Al Ansar"),
        ("Canadian Council of Muslim Women", "Canadian Council of Muslim Women Montreal"),
    ],
)
def test_names_that_an_administrator_should_see_together(index, first, second):
    assert index.similarity(first, second) >= CLOSE


@pytest.mark.parametrize(
    ("first", "second"),
    [
        # Different organisations that share the words many names hold.
        ("Abu Bakr Islamic Centre", "Al Arqam Islamic Center"),
        ("Calgary Islamic Centre", "Ottawa Muslim Association"),
        # Towns a letter apart are other towns.
        ("Muslim Association of Hamilton", "Muslim Association of Milton"),
        ("Halton Islamic Association", "Malton Islamic Association"),
        ("Al-Rashid Mosque", "Al-Rahman Mosque"),
    ],
)
def test_names_that_are_not_close(index, first, second):
    assert index.similarity(first, second) < CLOSE


def test_close_to_finds_both_spellings_on_the_bundled_list(index):
    # The bundled list itself holds the organisation under both spellings.
    found = index.close_to("Islamic Centre of Québec")
    assert [(close.name, close.score) for close in found] == [
        ("Islamic Center of Quebec", 1.0),
        ("Islamic Centre of Quebec", 1.0),
    ]


def test_close_to_leaves_out_the_key_asked_and_keeps_the_closest_first(index):
    names = [("Masjid Al Farooq", 1), ("Masjid Farooq", 2), ("Masjid al-Farooq Islamic Centre", 3)]
    small = NameIndex(names)
    found = small.close_to("Masjid Al Farooq", leave_out=1)
    assert [close.key for close in found][:1] == [2]
    assert all(close.key != 1 for close in found)
    assert [close.score for close in found] == sorted((close.score for close in found), reverse=True)
    assert small.close_to("Something else entirely") == []


def test_words_a_letter_apart_are_one_word_and_short_words_must_match():
    assert same_word("zahra", "zahraa") and same_word("rashid", "rashed")
    assert not same_word("milton", "malton")  # the second letter differs
    assert not same_word("al", "az")
    assert same_word("organization", "organizaton")
    assert edits_apart("kitten", "sitting", 5) == 3
    assert edits_apart("a", "abcdef", 2) == 3  # past the most asked for


def test_a_thousand_organisations_are_compared_in_milliseconds():
    names = bundled_names()
    many = names + [f"{name} {town}" for name in names for town in ("Toronto",)] + [f"North {n}" for n in names[:200]]
    assert len(many) > 1000
    started = time.perf_counter()
    index = NameIndex((name, n) for n, name in enumerate(many))
    for name in names[:50]:
        index.close_to(name)
    per_request = (time.perf_counter() - started) / 50
    # A review page of twenty requests stays well under a second, even on a slow machine.
    assert per_request < 0.05, f"{per_request * 1000:.1f} ms per request"
