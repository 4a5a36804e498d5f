"""socmint.enrich.places: places named in text, and the place nearest a point, offline."""

from __future__ import annotations

import json
import math

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from socmint.enrich import places
from socmint.enrich.places import Mention, Place, mentioned, nearest, place
from tests.conftest import shared_fixture

PARIS = "geonames:2988507"
PARIS_TX = "geonames:4717560"


def found(text: str, lang: str | None = None) -> list[tuple[str, str, str, str]]:
    """(surface, id, country, kind) of each mention."""
    return [(m.surface, m.place.id, m.place.country, m.place.kind)
            for m in mentioned(text, lang)]


def names(text: str, lang: str | None = None) -> list[str]:
    return [m.place.name for m in mentioned(text, lang)]


def test_city_with_id_country_and_coordinates():
    [m] = mentioned("Protests in Lyon today, thousands on the streets")
    assert isinstance(m, Mention) and isinstance(m.place, Place)
    assert (m.surface, m.start, m.end) == ("Lyon", 12, 16)
    assert m.place.id == "geonames:2996944" and m.place.country == "FR"
    assert m.place.kind == "city" and m.place.population > 400_000
    assert math.isclose(m.place.lat, 45.75, abs_tol=0.05)
    assert math.isclose(m.place.lon, 4.85, abs_tol=0.05)


def test_countries_and_us_states():
    assert found("Flights to Germany and Japan were cancelled") == [
        ("Germany", "geonames:2921044", "DE", "country"),
        ("Japan", "geonames:1861060", "JP", "country")]
    assert found("wildfires spread across California overnight") == [
        ("California", "geonames:5332921", "US", "admin1")]
    assert names("Supporters in the UK and the USA") == ["United Kingdom", "United States"]


@pytest.mark.parametrize("text", [
    "Nice to meet you all!",
    "I am reading a book about the war",
    "Reading is my favourite hobby",
    "Split the bill with me?",
    "Mobile phones were banned at the venue",
    "Hope you are all well",
    "Police said the road is closed",
    "the Police said nothing",
    "Of course I will come",
    "Van Gogh painted it in 1889",
    "Batman is the best film of the year",
    "thanks Mary, see you tomorrow",
    "Eagle Scouts cleaned the park",
    "Gap year plans, anyone?",
    "We went there in March and again in May",
    "Paris Hilton posted a selfie",
    "Michael Jackson was the king of pop",
    "I googled it on Google",
    "Das Essen war wirklich gut",
    "What is Soul at Stake? A game mode",
    "pARIS is not how you write it, paris neither",
    "En Hamas gebruikt burgers als menselijk schild",  # Dutch "en" is "and"; Hamas is not Hamm
    "@paris @london #nyc http://berlin.example.com/moscow x.com/Tokyo",
])
def test_common_words_and_names_are_not_places(text):
    assert found(text) == []


def test_common_word_names_with_context():
    assert names("We spent the weekend in Split") == ["Split"]
    assert found("Holidays in Split, Croatia") == [
        ("Split", "geonames:3190261", "HR", "city"), ("Croatia", "geonames:3202326", "HR",
                                                      "country")]
    assert names("Wir fahren morgen nach Essen", "de") == ["Essen"]
    assert names("A market day in Mary, Turkmenistan") == ["Mary", "Turkmenistan"]
    assert names("She moved to Nice last year") == ["Nice"]


def test_ambiguity_by_population_and_by_a_neighbouring_country_or_state():
    assert found("I love Paris in the spring")[0][1] == PARIS
    assert found("Paris, Texas is a small town")[0][1] == PARIS_TX
    assert found("Paris, TX")[:2] == [("Paris", PARIS_TX, "US", "city"),
                                      ("TX", "geonames:4736286", "US", "admin1")]
    assert found("Paris (France) and Paris, Texas")[0][1] == PARIS
    portland = mentioned("we moved to Portland")[0].place
    assert portland.country == "US" and portland.lon < -120  # Oregon, the larger one
    maine = mentioned("Portland, Maine in winter")[0].place
    assert maine.lon > -71


def test_longest_name_wins():
    assert found("Visiting New York City next week") == [
        ("New York City", "geonames:5128581", "US", "city")]
    assert names("Papua New Guinea") == ["Papua New Guinea"]
    assert names("a trip to Rio de Janeiro") == ["Rio de Janeiro"]
    assert names("NEW YORK CITY IS BURNING") == ["New York City"]


@pytest.mark.parametrize(("text", "lang", "name", "country"), [
    ("Москва и Санкт-Петербург", "ru", "Moscow", "RU"),
    ("Одесса сегодня", "ru", "Odesa", "UA"),
    ("انفجار في بيروت", "ar", "Beirut", "LB"),
    ("طهران وأصفهان", "fa", "Tehran", "IR"),
    ("القاهرة", None, "Cairo", "EG"),
    ("בירושלים היום", "he", "Jerusalem", "IL"),
    ("मुंबई में बारिश", "hi", "Mumbai", "IN"),
    ("我在北京和上海", "zh", "Beijing", "CN"),
    ("東京に行きます", "ja", "Tokyo", "JP"),
    ("パリに行きたい", "ja", "Paris", "FR"),
    ("서울에서 만나요", "ko", "Seoul", "KR"),
    ("Αθήνα και Θεσσαλονίκη σήμερα, ζέστη στη Θεσσαλονίκη", "el", "Thessaloníki", "GR"),
    ("Tbilisi: თბილისი", None, "Tbilisi", "GE"),
    ("Wir waren in München", "de", "Munich", "DE"),
    ("İstanbul ve Ankara", "tr", "Istanbul", "TR"),
    ("Gazze'ye saldırı", "tr", "Gaza", "PS"),
    ("Ich war im Sommer in Island", "de", "Iceland", "IS"),
])
def test_names_in_other_scripts_and_languages(text, lang, name, country):
    got = [(m.place.name, m.place.country) for m in mentioned(text, lang)]
    assert (name, country) in got


def test_translated_country_names_need_the_texts_language():
    assert names("Monster Girl Island is a game") == []  # "Island" is Iceland in German
    assert names("Ich war im Sommer in Island", "de") == ["Iceland"]
    assert names("I have been using Indie all week", "en") == []  # India in Czech
    assert names("Indie je obrovská země", "cs") == ["India"]


def test_katakana_and_thai_words_are_not_cut_into_places():
    assert names("パリピ最高", "ja") == []  # a word that begins with パリ
    assert names("เคยโดนเช็คหลายรอบมากจนเลิกรีไปเลย", "th") == []  # เลย is a word, and Loei


def test_spans_are_the_surface():
    text = "RT @x: Live from Kyiv 🇺🇦 — then Kharkiv, Ukraine. #Kyiv"
    ms = mentioned(text)
    assert [m.surface for m in ms][:3] == ["Kyiv", "Kharkiv", "Ukraine"]
    for m in ms:
        assert text[m.start:m.end] == m.surface


def test_place_lookup_by_id():
    p = place(PARIS)
    assert p is not None and p.name == "Paris" and p.country == "FR" and p.kind == "city"
    assert place("geonames:2921044").kind == "country"
    assert place("geonames:5332921").kind == "admin1"
    for bad in ("geonames:0", "geonames:x", "osm:1", "", None, 12):
        assert place(bad) is None  # type: ignore[arg-type]


@pytest.mark.parametrize(("lat", "lon", "name"), [
    (48.8566, 2.3522, "Paris"),
    (48.936, 2.357, "Saint-Denis"),  # a suburb of its own, not Paris
    (40.7128, -74.0060, "New York City"),
    (35.6762, 139.6503, "Tokyo"),  # not the ward whose centre is nearest
    (-33.87, 151.21, "Sydney"),
    (55.7558, 37.6173, "Moscow"),
    (-22.9068, -43.1729, "Rio de Janeiro"),
    (64.8378, -147.7164, "Fairbanks"),
    (-54.8019, -68.3030, "Ushuaia"),
])
def test_nearest(lat, lon, name):
    p = nearest(lat, lon)
    assert p is not None and p.name == name and p.kind == "city"


def test_nearest_none_at_sea_far_away_or_on_bad_input():
    assert nearest(0.0, -30.0) is None  # the Atlantic
    assert nearest(-60.0, 100.0) is None  # the Southern Ocean
    assert nearest(64.0, -150.0) is None  # the Alaskan wilderness
    assert nearest(48.8566, 2.3522, max_km=0) is None
    for bad in ((math.nan, 2.0), (48.0, math.inf), (91.0, 0.0), (0.0, 181.0), ("x", 1),
                (None, None)):
        assert nearest(*bad) is None  # type: ignore[arg-type]
    assert nearest(89.9, 0.0, max_km=5000) is not None  # the pole: every longitude searched


def test_nearest_across_the_date_line():
    # Suva (Fiji) at 178.44 E; a point at -179.9 (just over the line) 170 km east of it
    p = nearest(-18.14, -179.9, max_km=250)
    assert p is not None and p.country == "FJ"


def test_nearest_is_fast():
    import time

    places.index()
    t = time.perf_counter()
    for k in range(2000):
        nearest(-60 + (k % 130), -180 + (k * 7) % 360)
    assert time.perf_counter() - t < 2.0  # thousands a second, with room for a busy machine


def test_nearest_agrees_with_twitter_place_on_real_geotagged_tweets():
    path = shared_fixture("twitter/v1_1_search_geocode.json")
    statuses = json.loads(path.read_text(encoding="utf-8"))["statuses"]
    pairs = [(s["coordinates"]["coordinates"], s["place"]["full_name"]) for s in statuses
             if s.get("coordinates") and s.get("place")]
    agree = 0
    for (lon, lat), full_name in pairs:
        p = nearest(lat, lon)
        if full_name.endswith(", CA"):
            assert p is not None and p.country == "US"
            agree += p.name == full_name.split(",")[0]
    assert agree >= 10  # Twitter's "Redwood City" point is nearer to Belmont


def test_mentions_in_real_posts_are_places():
    """Real tweets about Brexit: their places are found, and none of their other names."""
    path = shared_fixture("twitter/v2_twarc_brexit.jsonl")
    page = json.loads(path.read_text(encoding="utf-8").splitlines()[0])
    texts = [t["text"] for t in page["data"] + page["includes"]["tweets"]]
    got = {m.surface for text in texts for m in mentioned(text)}
    assert {"UK", "Canada", "Mexico", "China"} <= got
    assert not got & {"Brexit", "EU", "Tories", "Boris", "Johnson", "Green", "Gov"}


def test_bad_input_never_raises():
    assert mentioned(None) == []  # type: ignore[arg-type]
    assert mentioned("") == []
    assert mentioned("x" * 200_000 + " in Paris") == []  # beyond what is read
    assert mentioned("in Paris " * 2000, "en")[0].place.id == PARIS


NAMES = ["Paris", "New York", "Nice", "Москва", "北京", "Lyon", "Texas", ", ", " in ", "\n",
         "#", "@", "Paris, TX", "São Paulo", "서울", "パリ", "'s", "İstanbul", "USA"]


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.one_of(st.text(max_size=12), st.sampled_from(NAMES)), max_size=20),
       st.sampled_from([None, "en", "de", "tr", "unknown", ""]))
def test_fuzz_spans_are_within_text(parts, lang):
    text = "".join(parts)
    for m in mentioned(text, lang):
        assert 0 <= m.start < m.end <= len(text)
        assert text[m.start:m.end] == m.surface
        assert m.place.id.startswith("geonames:") and len(m.place.country) == 2


@settings(max_examples=100, deadline=None)
@given(st.floats(allow_nan=True, allow_infinity=True), st.floats(allow_nan=True,
                                                                allow_infinity=True),
       st.one_of(st.floats(min_value=-10, max_value=30000), st.just(math.nan)))
def test_fuzz_nearest(lat, lon, km):
    p = nearest(lat, lon, km)
    assert p is None or p.kind == "city"
