"""The rows that bench.fill writes: made-up signers who confirmed, as the signing journey leaves them.

Who they are (names with accents, weighted like Canada's), where from (provinces by population,
cities, the language that goes with them), how they came (an organisation's link, a ``?ref=``
code), when (30 days with a viral spike and a daily rhythm), and from which addresses (ranges
that are not routed). Deterministic: the same seed and ``until`` give the same rows.
"""

import base64
import bisect
import csv
import itertools
import math
import random
from datetime import timedelta

from bench.harness import ROOT

SPAN_DAYS = 30
CONSENT_WORDING = "2026-11-updates-v1"  # as petition.signing.forms.CONSENT_WORDING_VERSION
# The filled rows' sources are hashed with this key, so they look as the app's do (a site run on
# the filled database with another key finds none of them by IP, which no bench asks for).
FILL_IP_HASH_KEY = "bench-fill"


def weights(text):
    """``"Marie 6, Jean 4"`` as ``[("Marie", 6.0), ("Jean", 4.0)]``, for the tables below."""
    pairs = (entry.strip().rpartition(" ") for entry in text.split(",") if entry.strip())
    return [(name, float(weight)) for name, _, weight in pairs]


# Common names in Canada, English, French and from the communities behind the letter, with weights.
FIRST_NAMES = weights("""
    Marie 6, Jean 4, Sophie 4, Mathieu 3, Élodie 3, François 3, Hélène 3, Jérôme 2, Noémie 2, Geneviève 2,
    Chloé 3, Léa 3, Zoé 2, André 2, Benoît 2, Josée 2, Stéphane 2, Françoise 1, Gaëlle 1, Maël 1, Anaïs 1,
    Loïc 1, Jérémie 1, Renée 1, Ève 1, Céline 1, Frédéric 2, Emma 4, Olivia 3, Liam 4, Noah 3, Sarah 4,
    David 4, Michael 4, Jennifer 3, James 3, Emily 3, Daniel 3, Jessica 2, Ryan 2, Megan 2, Mohamed 5,
    Muhammad 4, Ahmed 4, Fatima 4, Aïcha 2, Amina 3, Omar 3, Yusuf 2, Mariam 3, Nour 2, Zeynep 1, Hüseyin 1,
    Bilal 2, Khadija 2, Imane 2, Youssef 2, Hafsa 1, Zaïd 1, Samira 2, Ibrahim 3, Ayşe 1, Priya 2, Arjun 1,
    Harpreet 1, Wei 2, Mei 1, Nguyễn Thị 1, Thảo 1, Łukasz 1, Małgorzata 1, Zoë 1, Björn 1, Søren 1, José 2,
    María 2, João 1, Inès 2, Mélanie 2, Ngozi 1, Kwame 1, Siobhán 1, Seán 1
""")
LAST_NAMES = weights("""
    Tremblay 6, Gagnon 5, Roy 4, Côté 4, Bouchard 3, Gauthier 3, Morin 3, Lavoie 3, Fortin 3, Gagné 3,
    Ouellet 2, Pelletier 2, Bélanger 2, Lévesque 2, Bergeron 2, Leblanc 2, Paquette 2, Girard 2, Simard 2,
    Boucher 2, Caron 2, Beaulieu 1, Cloutier 1, Dubé 1, Poirier 1, Fournier 1, Lefebvre 1, Thériault 1,
    Giroux 1, Ménard 1, Smith 5, Brown 4, Wilson 3, MacDonald 3, Johnson 3, Campbell 2, Anderson 2, Taylor 3,
    Martin 4, Thompson 2, O'Brien 1, McLeod 1, Khan 5, Ali 5, Hussain 3, Ahmad 3, Rahman 2, El Amrani 1,
    Benali 2, Haddad 2, Saleh 2, Abdi 2, Yılmaz 1, Öztürk 1, Çelik 1, Kaya 1, Siddiqui 2, Qureshi 1,
    Chaudhry 1, Ben Saïd 1, Al-Rashid 1, Mansour 1, Singh 3, Patel 3, Nguyễn 2, Trần 1, Chen 3, Wang 2, Li 2,
    Kim 1, Wójcik 1, Kowalczyk 1, Łukasiewicz 1, Müller 1, Østergaard 1, García 1, Rodríguez 1, Gonçalves 1,
    Périard-Laçasse 1, Okafor 1, Mensah 1, Ó Súilleabháin 1
""")
# Provinces weighted roughly by population; XX is outside Canada.
PROVINCES = weights("""
    ON 38.5, QC 22, BC 13.5, AB 11.5, MB 3.6, SK 3, NS 2.6, NB 2.1, NL 1.4, PE 0.4, NT 0.12, YT 0.12, NU 0.1,
    XX 1.5
""")
CITIES = {
    "ON": "Toronto, Ottawa, Mississauga, Brampton, Hamilton, London, Markham, Windsor, Kitchener, Waterloo, "
    "Kingston, Sudbury, Oshawa, Thunder Bay, Hawkesbury",
    "QC": "Montréal, Québec, Gatineau, Laval, Longueuil, Sherbrooke, Trois-Rivières, Saint-Jérôme, Lévis, "
    "Saguenay, Rimouski, Brossard, Saint-Laurent",
    "BC": "Vancouver, Surrey, Burnaby, Richmond, Victoria, Kelowna, Coquitlam, Abbotsford",
    "AB": "Calgary, Edmonton, Red Deer, Lethbridge, Fort McMurray, St. Albert",
    "MB": "Winnipeg, Brandon, Saint-Boniface, Steinbach",
    "SK": "Saskatoon, Regina, Prince Albert, Moose Jaw",
    "NS": "Halifax, Dartmouth, Sydney, Truro, Wolfville",
    "NB": "Moncton, Fredericton, Saint John, Dieppe, Edmundston, Caraquet",
    "NL": "St. John's, Mount Pearl, Corner Brook",
    "PE": "Charlottetown, Summerside",
    "NT": "Yellowknife, Inuvik",
    "YT": "Whitehorse, Dawson City",
    "NU": "Iqaluit, Rankin Inlet",
    "XX": "Paris, Boston, London, New York, Bruxelles, Lyon, Dakar, Casablanca, Genève",
}
CITIES = {province: names.split(", ") for province, names in CITIES.items()}
EMPTY_CITY = 0.10
# Share in each province of signers reading in French.
FRENCH_SHARE = {"QC": 0.82, "NB": 0.33, "ON": 0.06, "MB": 0.04, "XX": 0.35}
FRENCH_SHARE_ELSEWHERE = 0.02
# Reserved domains (RFC 2606, RFC 6761): nobody can receive mail there.
DOMAINS = weights(
    "example.org 40, example.com 25, example.net 15, courriel.example 8, university.example 7, mail.test 5"
)
DISPLAYS = [("full", 70), ("initial", 20), ("none", 10)]
WANTS_UPDATES = 0.40
ORG_SHARE = 0.13  # signatures through an organisation's link
REF_SHARE = 0.02  # through a ``?ref=`` code
REF_CODES = [
    ("infolettre-nov", "Infolettre de novembre"),
    ("poster-gatineau", "Posters in Gatineau"),
    ("campus-uottawa", "Campus tables, University of Ottawa"),
]
HIDDEN_EVERY = 20_000  # about one name in this many hidden by an administrator
# A few campus or office networks where many sign from one address.
SHARED_IPS = [f"100.64.0.{n}" for n in range(1, 21)]
SHARED_IP_SHARE = 0.02
IPV6_SHARE = 0.12

COLUMNS = (
    "status",
    "first_name",
    "last_name",
    "email",
    "email_canonical",
    "email_domain",
    "province",
    "city",
    "display",
    "lang",
    "wants_updates",
    "updates_consented_at",
    "consent_wording",
    "ip_hash",
    "share_ref",
    "token_nonce",
    "created_at",
    "updated_at",
    "confirmed_at",
    "hidden_at",
)


def organisation_slugs():
    """The slugs of the bundled endorsements, in the order of the list (the lead first)."""
    with open(ROOT / "petition" / "content" / "endorsements.csv", encoding="utf-8", newline="") as handle:
        return [row["slug"] for row in csv.DictReader(handle)]


def hour_weights():
    """How many signatures each hour of the span gets, relatively: a spike that fades, and a day's rhythm."""
    weights = []
    for hour in range(SPAN_DAYS * 24):
        day = hour / 24
        # Slow start, a viral spike on day 9 fading over a week, a second wave on day 21.
        wave = 0.15 + math.exp(-max(0.0, day - 9) / 4) * (1 if day >= 9 else math.exp((day - 9) / 1.5))
        wave += 0.4 * math.exp(-((day - 21) ** 2) / 4)
        local_hour = (hour - 5) % 24  # Eastern time
        rhythm = 0.08 if 1 <= local_hour < 7 else (1.0 if 11 <= local_hour < 22 else 0.5)
        weights.append(wave * rhythm)
    return weights


class Timeline:
    """Maps a position in [0, 1) to a moment in the span, following ``hour_weights``."""

    def __init__(self, until):
        self.start = until - timedelta(days=SPAN_DAYS)
        self.until = until
        total, self.cumulative = 0.0, []
        for weight in hour_weights():
            total += weight
            self.cumulative.append(total)
        self.total = total

    def at(self, position):
        target = position * self.total
        hour = min(bisect.bisect_right(self.cumulative, target), len(self.cumulative) - 1)
        before = self.cumulative[hour - 1] if hour else 0.0
        within = (target - before) / (self.cumulative[hour] - before)
        return self.start + timedelta(hours=hour + min(within, 0.999999))


def weighted(pairs):
    values = [value for value, _ in pairs]
    cumulative, total = [], 0.0
    for _, weight in pairs:
        total += weight
        cumulative.append(total)
    return values, cumulative


def nonce(rng):
    return base64.urlsafe_b64encode(rng.getrandbits(96).to_bytes(12, "big")).decode()


def source(rng):
    """A source as signatures keep it: the keyed hash of an address (signing/sources.py)."""
    from petition.signing.sources import ip_hash

    return ip_hash(ip_address(rng), FILL_IP_HASH_KEY)


def ip_address(rng):
    draw = rng.random()
    if draw < SHARED_IP_SHARE:
        return rng.choice(SHARED_IPS)
    if draw < SHARED_IP_SHARE + IPV6_SHARE:
        return f"2001:db8:{rng.getrandbits(16):x}:{rng.getrandbits(16):x}::{rng.getrandbits(16):x}"
    # 100.64.0.0/10, past the shared addresses above.
    value = (100 << 24) | (64 << 16) | rng.randrange(256, 1 << 22)
    return ".".join(str((value >> shift) & 255) for shift in (24, 16, 8, 0))


class RowMaker:
    """Signature rows as tuples in ``COLUMNS`` order, batch by batch, deterministic for a seed."""

    def __init__(self, count, first_number, seed, until, slugs, time_format=None):
        self.count, self.first_number = count, first_number
        # How a moment is written: as is for psycopg, as text for sqlite3.
        self.time_format = time_format or (lambda moment: moment)
        self.rng = random.Random(f"petition-bench:{seed}:{first_number}:{count}")
        self.timeline = Timeline(until)
        self.until = until
        # Which organisations share most does not follow the alphabet; the lead signatory stays first.
        self.slugs = slugs[:1] + self.rng.sample(slugs[1:], len(slugs) - 1)
        # Organisations near the top of the list share more (a long tail, as in real campaigns).
        self.slug_weights = list(itertools.accumulate(1 / (rank + 2) ** 0.8 for rank in range(len(slugs))))
        self.first_names = weighted(FIRST_NAMES)
        self.last_names = weighted(LAST_NAMES)
        self.provinces = weighted(PROVINCES)
        self.domains = weighted(DOMAINS)
        self.displays = weighted(DISPLAYS)

    def choices(self, table, k):
        values, cumulative = table
        return self.rng.choices(values, cum_weights=cumulative, k=k)

    def batch(self, offset, size):
        rng = self.rng
        firsts = self.choices(self.first_names, size)
        lasts = self.choices(self.last_names, size)
        provinces = self.choices(self.provinces, size)
        domains = self.choices(self.domains, size)
        displays = self.choices(self.displays, size)
        rows = []
        for i in range(size):
            index = offset + i
            number = self.first_number + index
            province = provinces[i]
            created = self.timeline.at((index + rng.random()) / self.count)
            # Most confirm within minutes of signing, some the next day; never after ``until``.
            delay = min(math.exp(rng.gauss(math.log(240), 1.3)), 5 * 86_400)
            confirmed = min(created + timedelta(seconds=delay), self.until - timedelta(seconds=rng.random()))
            confirmed = max(confirmed, created)
            wants_updates = rng.random() < WANTS_UPDATES
            draw = rng.random()
            if draw < ORG_SHARE:
                share_ref = "org:" + rng.choices(self.slugs, cum_weights=self.slug_weights)[0]
            elif draw < ORG_SHARE + REF_SHARE:
                share_ref = "ref:" + rng.choice(REF_CODES)[0]
            else:
                share_ref = None
            hidden = confirmed + timedelta(hours=rng.uniform(1, 30)) if rng.randrange(HIDDEN_EVERY) == 0 else None
            if hidden is not None and hidden > self.until:
                hidden = self.until
            canonical = f"bench-{number}@{domains[i]}"
            created_text, confirmed_text = self.time_format(created), self.time_format(confirmed)
            hidden_text = self.time_format(hidden) if hidden is not None else None
            french = rng.random() < FRENCH_SHARE.get(province, FRENCH_SHARE_ELSEWHERE)
            rows.append(
                (
                    "confirmed",
                    firsts[i],
                    lasts[i],
                    canonical if rng.random() < 0.9 else f"Bench-{number}@{domains[i].capitalize()}",
                    canonical,
                    domains[i],
                    province,
                    None if rng.random() < EMPTY_CITY else rng.choice(CITIES[province]),
                    displays[i],
                    "fr" if french else "en",
                    wants_updates,
                    created_text if wants_updates else None,
                    CONSENT_WORDING if wants_updates else None,
                    source(rng),
                    share_ref,
                    nonce(rng),
                    created_text,
                    hidden_text or confirmed_text,
                    confirmed_text,
                    hidden_text,
                )
            )
        return rows

    def batches(self, size):
        for offset in range(0, self.count, size):
            yield self.batch(offset, min(size, self.count - offset))


# --- writing ----------------------------------------------------------------------------------
