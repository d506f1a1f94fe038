"""Names close to one another, so that an administrator reviewing "Islamic Center of Quebec" sees
"Islamic Centre of Quebec" beside it before adding it a second time.

A name is first brought to a plain form (``plain_words``): no accents or case, punctuation as
spaces, one spelling for words that Canadian, British, American and French writing spell
differently (Centre and Center, Mosquée and Mosque, St and Saint), and no linking words (of, de,
du, the, la…) nor legal suffixes (Inc.). Two names are then compared word by word, each word
weighing as much as it tells organisations apart: on a list where a third of the names hold
"Islamic" or "Centre", those words weigh little, and "Abu Bakr Islamic Centre" is not close to
"Al Arqam Islamic Center", while "Al-Rashid Mosque" and "Al Rashid Mosque" are the same name.
Words a letter apart ("Zahra", "Zahraa"; "Rashid", "Rashed") count as one.

At a thousand organisations this stays fast: the plain form and the weights are made once per
index, only names that share a word, or its first letters, with the one asked about are compared
at all, and a pair of words is compared once.
"""

import math
import re
import unicodedata
from collections import Counter, defaultdict
from dataclasses import dataclass
from functools import lru_cache

# Close enough to be worth a look (see tests/test_similar_names.py for pairs on either side).
CLOSE = 0.75
SHOWN = 5
# Shorter words must be the same to count as one; a long word may be two letters off.
SHORTEST_FUZZY_WORD = 4
LONG_WORD = 8
PREFIX = 3

# Words written differently for one meaning, each to one spelling (accents are already gone).
SAME_WORD = {
    "centre": "center",
    "centres": "center",
    "centers": "center",
    "theatre": "theater",
    "organisation": "organization",
    "organisations": "organization",
    "organizations": "organization",
    "st": "saint",
    "ste": "saint",
    "sainte": "saint",
    "mosquee": "mosque",
    "mosquees": "mosque",
    "mosques": "mosque",
    "masjid": "mosque",
    "islamique": "islamic",
    "musulman": "muslim",
    "musulmane": "muslim",
    "musulmans": "muslim",
    "musulmanes": "muslim",
    "muslims": "muslim",
    "communaute": "community",
    "communautaire": "community",
    "communities": "community",
    "canadien": "canadian",
    "canadienne": "canadian",
    "canadiens": "canadian",
    "canadiennes": "canadian",
    "canada": "canadian",
    "conseil": "council",
    "societe": "society",
    "assn": "association",
    "assoc": "association",
    "associations": "association",
    "universite": "university",
    "students": "student",
    "etudiants": "student",
    "etudiantes": "student",
}
# Words that say nothing of which organisation it is.
LINKING_WORDS = frozenset(
    {"of", "the", "and", "for", "in", "at", "on", "a", "an", "inc", "ltd"}
    | {"de", "du", "des", "la", "le", "les", "l", "d", "s", "et", "pour", "en", "au", "aux", "ltee"}
)
NOT_A_LETTER = re.compile(r"[^0-9a-z]+")


def plain_words(name):
    """``name`` as it is compared: "Le Centre Islamique du Québec, Inc." -> ("center", "islamic", "quebec")."""
    decomposed = unicodedata.normalize("NFKD", name)
    folded = "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()
    words = NOT_A_LETTER.split(folded.replace("&", " and "))
    return tuple(SAME_WORD.get(word, word) for word in words if word and word not in LINKING_WORDS)


def edits_apart(a, b, most):
    """The letters to add, remove or change to turn ``a`` into ``b``, or ``most + 1`` once past ``most``."""
    if abs(len(a) - len(b)) > most:
        return most + 1
    previous = list(range(len(b) + 1))
    for i, letter in enumerate(a, start=1):
        current = [i]
        for j, other in enumerate(b, start=1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (letter != other)))
        if min(current) > most:
            return most + 1
        previous = current
    return previous[-1]


@lru_cache(maxsize=65536)
def same_word(a, b):
    """True when two plain words are one word, perhaps spelt a letter apart ("Rashid", "Rashed";
    two letters in a long word). Their first two letters must agree: "Milton" and "Malton", or
    "Halton" and "Hamilton", are other towns."""
    if a == b:
        return True
    shorter = min(len(a), len(b))
    if shorter < SHORTEST_FUZZY_WORD or a[:2] != b[:2]:
        return False
    most = 2 if shorter >= LONG_WORD else 1
    return edits_apart(a, b, most) <= most


@dataclass(frozen=True)
class Close:
    """A name close to the one asked about, how close (0 to 1), and what the caller keyed it with."""

    name: str
    score: float
    key: object


class NameIndex:
    """Names to compare others with: ``NameIndex([(name, key), ...]).close_to("Some name")``."""

    def __init__(self, named):
        self.entries = [(name, key, plain_words(name)) for name, key in named]
        self.uses = Counter(word for _, _, words in self.entries for word in set(words))
        self.by_prefix = defaultdict(set)
        for index, (_, _, words) in enumerate(self.entries):
            for word in (*words, "".join(words)):
                self.by_prefix[word[:PREFIX]].add(index)

    def weight(self, word):
        """How much a word tells names apart: little for one that many names hold."""
        return math.log(1 + (len(self.entries) + 1) / (self.uses.get(word, 0) + 1))

    def similarity(self, first, second):
        """How close two names are, from 0 to 1, with this index's weights."""
        return self.score(plain_words(first), plain_words(second))

    def score(self, asked, other):
        if not asked or not other:
            return 0.0
        if asked == other or "".join(asked) == "".join(other):
            return 1.0
        matched = sum(self.weight(word) for word in asked if any(same_word(word, o) for o in other))
        matched += sum(self.weight(word) for word in other if any(same_word(word, a) for a in asked))
        total = sum(self.weight(word) for word in asked) + sum(self.weight(word) for word in other)
        return matched / total

    def candidates(self, words):
        """The names that share a word's first letters with ``words`` (or whose words run together
        do): no other can be close."""
        found = set()
        for word in (*words, "".join(words)):
            found |= self.by_prefix.get(word[:PREFIX], set())
        return found

    def close_to(self, name, limit=SHOWN, threshold=CLOSE, leave_out=None):
        """The names at least ``threshold`` close to ``name``, closest first, at most ``limit``;
        ``leave_out`` is a key not to return (the request itself, among other requests)."""
        asked = plain_words(name)
        found = []
        for index in self.candidates(asked):
            other_name, key, other = self.entries[index]
            if leave_out is not None and key == leave_out:
                continue
            score = self.score(asked, other)
            if score >= threshold:
                found.append(Close(other_name, round(score, 2), key))
        found.sort(key=lambda close: (-close.score, close.name))
        return found[:limit]
