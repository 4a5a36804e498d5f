"""Facebook/Meta mapper: golden facts from a real CrowdTangle export and API post, hand-written
fixtures for the other cases, counts computed from the CSV, the number parser, fuzz."""

from __future__ import annotations

import base64
import copy
import csv
import json
import math
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from socmint import sources
from socmint.errors import RejectedItem
from socmint.sources import facebook
from socmint.sources.common import CsvRow
from tests.conftest import OWN_FIXTURES, SHARED_FIXTURES, shared_fixture
from tests.mutation import (
    ODD_STRINGS,
    arrow_ok,
    fuzz_each,
    json_with_keys,
    mutated,
    not_detected,
    survives,
)

CT_CSV, CT_IG_CSV = "facebook.crowdtangle_csv", "facebook.crowdtangle_instagram_csv"
CT_API, MCL_CSV = "facebook.crowdtangle_api", "facebook.content_library_csv"
REACTIONS = ("Likes", "Love", "Wow", "Haha", "Sad", "Angry", "Care")


# ---------------------------------------------------------------- helpers

def read_rows(path) -> list[CsvRow]:
    with open(path, encoding="utf-8-sig", newline="") as fh:
        return [CsvRow(row) for row in csv.DictReader(fh)]


def shared_rows() -> list[CsvRow]:
    return read_rows(shared_fixture("other/crowdtangle/facebook_search_csv_export.csv"))


def own_rows(name: str) -> list[CsvRow]:
    return read_rows(OWN_FIXTURES / "facebook" / name)


def own_json(name: str):
    return json.loads((OWN_FIXTURES / "facebook" / name).read_text())


def mapped(item, fmt: str):
    assert facebook.detect(item) == fmt
    records = facebook.map_item(item, fmt)
    arrow_ok(records)
    return records


def one(records, table: str) -> dict:
    (row,) = records.tables[table].values()
    return row


def rows(records, table, **where):
    return [r for r in records.tables[table].values()
            if all(r.get(k) == v for k, v in where.items())]


def ig_pk(code: str) -> str:
    """Instagram's media pk from a shortcode, by the standard library's base64 decoder."""
    padded = "A" * (12 - len(code)) + code
    return str(int.from_bytes(base64.b64decode(padded, altchars=b"-_"), "big"))


# ---------------------------------------------------------------- real CrowdTangle CSV export

def test_shared_csv_first_row_by_hand():
    r = mapped(shared_rows()[0], CT_CSV)
    page = r.tables["accounts"]["facebook:100050295107499"]
    assert (page["handle"], page["display_name"], page["location"]) == (
        "neymarjr", "Neymar Jr.", "BR")
    assert page["followers"] == 81438971  # Followers at Posting: a snapshot
    assert page["bio"].startswith("I love Football")
    # "2010-09-20 19:02:58", read in the row's zone (BRT, UTC-3)
    assert page["created_at"] == datetime(2010, 9, 20, 22, 2, 58, tzinfo=UTC)
    p = r.tables["posts"]["facebook:100050295107499_345428873810280"]
    assert p["native_id"] == "100050295107499_345428873810280"
    assert p["created_at"] == datetime(2021, 7, 5, 21, 2, 45, tzinfo=UTC)  # 18:02:45 BRT
    assert p["account_uid"] == page["uid"] and p.get("community") is None
    assert p["text"] == "Que Deus nos abençoe e nos proteja 💙💚🙌🏼"
    # Total Interactions "407.137" (a '.' thousands separator) = all reactions + comments + shares
    assert p["likes"] + p["replies"] + p["reposts"] == 407137
    assert (p["replies"], p["reposts"]) == (24506, 4259)
    assert p.get("views") is None  # a photo: CrowdTangle's "0" is no count
    m = one(r, "media")
    assert m["kind"] == "photo" and m["url"].startswith("https://www.facebook.com/photo.php?fbid=3454")
    assert not r.tables["entities"]  # the photo link is the post's own media, not a url entity


def test_shared_csv_counts_and_times_match_the_columns():
    all_rows = shared_rows()
    posts, pages = set(), set()
    for row in all_rows:
        r = mapped(row, CT_CSV)
        (p,) = r.tables["posts"].values()
        posts.add(p["uid"])
        pages.add(row["Facebook Id"])
        assert p["likes"] == sum(int(row[c]) for c in REACTIONS)
        assert p["replies"] == int(row["Comments"]) and p["reposts"] == int(row["Shares"])
        # every count in this export fits "groups of three after a dot"
        assert p["likes"] + p["replies"] + p["reposts"] == int(row["Total Interactions"]
                                                               .replace(".", ""))
        local = datetime.strptime(f"{row['Post Created Date']} {row['Post Created Time']}",
                                  "%Y-%m-%d %H:%M:%S")
        assert row["Post Created"].endswith(" BRT")
        assert p["created_at"] == local.replace(tzinfo=UTC) + timedelta(hours=3)
        assert p["url"] == row["URL"] and p["uid"].endswith("_" + row["URL"].split("/")[-1])
        if "Video" in row["Type"]:
            assert p["views"] == int(row["Post Views"]) > 0
            assert one(r, "media")["kind"] == "video"
        else:
            assert p.get("views") is None
        tags = {e["normalized"] for e in rows(r, "entities", kind="hashtag")}
        assert tags == {w[1:].lower() for w in row["Message"].split() if w.startswith("#")}
    assert len(posts) == len(all_rows) == 10
    assert len(pages) == 10


def test_shared_csv_cross_midnight_and_video_facts():
    by_name = {row["Page Name"]: row for row in shared_rows()}
    # Post Created "2021-07-04 23:13:41 BRT" is the next day in UTC
    p = one(mapped(by_name["Carla Zambelli"], CT_CSV), "posts")
    assert p["created_at"] == datetime(2021, 7, 5, 2, 13, 41, tzinfo=UTC)
    r = mapped(by_name["Pai resgatando Vidas - Manaus"], CT_CSV)
    p = one(r, "posts")
    assert (p["views"], p["replies"]) == (168318, 73467)  # a Live Video Complete
    assert one(r, "media")["url"] == (
        "https://www.facebook.com/pairesgatandovidas/videos/547346186306924/")
    tags = rows(mapped(by_name["Giovanna Ewbank"], CT_CSV), "entities", kind="hashtag")
    assert {e["value"] for e in tags} == {"Portugal", "Douro", "Títi", "Chissomo",
                                          "FamiliaEwbankGagliasso"}


# ---------------------------------------------------------------- real CrowdTangle API post

def test_shared_api_group_link_post():
    raw = json.loads(shared_fixture("other/crowdtangle/links_api_post_example.json").read_text())
    r = mapped(raw, CT_API)
    group = "facebook:1584793948440088"
    p = r.tables["posts"]["facebook:1584793948440088_2468424023410405"]
    assert p["created_at"] == datetime(2020, 1, 21, 16, 58, 43, tzinfo=UTC)
    assert p["community"] == group and p.get("account_uid") is None  # the member is unknown
    assert (p["likes"], p["reposts"], p["replies"]) == (0, 0, 3)
    assert p["url"] == raw["postUrl"]
    assert p.get("language") is None  # "und"
    g = r.tables["accounts"][group]
    assert (g["display_name"], g["followers"], g["verified"]) == ("Grupos Do Whatsapp", 28105,
                                                                   False)
    assert r.retrieved_at == datetime(2021, 10, 23, 5, 56, 26, tzinfo=UTC)  # `updated`
    assert {e["value"] for e in rows(r, "entities", kind="domain")} == {"uol.com.br"}
    assert {e["value"] for e in rows(r, "entities", kind="url")} == {raw["link"]}
    m = one(r, "media")
    assert (m["url"], m["preview_url"]) == (raw["media"][0]["full"], raw["media"][0]["url"])
    assert m.get("width") is None  # 500x500 describes the preview, not the full image


def test_registry_routes_crowdtangle_fixtures_here():
    raw = json.loads(shared_fixture("other/crowdtangle/links_api_post_example.json").read_text())
    for item in [raw, shared_rows()[0]]:
        found = sources.detect(item)
        assert found and found[0] is facebook


# ---------------------------------------------------------------- own fixtures

def test_own_european_numbers_and_zones():
    r0, r1, r2, r3 = own_rows("crowdtangle_pages_eu.csv")
    r = mapped(r0, CT_CSV)
    p = r.tables["posts"]["facebook:101234567890123_555000111222333"]
    assert p["created_at"] == datetime(2023, 1, 15, 13, 30, tzinfo=UTC)  # CET
    assert (p["likes"], p["replies"], p["reposts"]) == (1396, 56, 78)  # "Likes" is "1.234"
    assert r.tables["accounts"]["facebook:101234567890123"]["followers"] == 13579  # "13.579"
    urls = {e["value"] for e in rows(r, "entities", kind="url")}
    assert urls == {"https://example.de/meldung?id=7", "https://bit.ly/3abcDEF",
                    "https://www.example.de/meldung?id=7"}  # text, Link, Final Link
    assert {e["normalized"] for e in rows(r, "entities", kind="hashtag")} == {"nordstadt",
                                                                             "störung"}
    r = mapped(r1, CT_CSV)
    p = one(r, "posts")
    assert p["created_at"] == datetime(2023, 7, 15, 7, 0, tzinfo=UTC)  # CEST
    assert (p["likes"], p["views"]) == (1_701_000, 3_456_789)  # "1.500.000", "3.456.789"
    (s,) = rows(r, "entities", kind="sponsor")
    assert (s["value"], s["normalized"]) == ("Energie Partner GmbH", "facebook:100088877766655")
    assert r.tables["accounts"]["facebook:100088877766655"]["display_name"] == s["value"]
    assert one(r, "media")["kind"] == "video"
    r = mapped(r2, CT_CSV)
    p = one(r, "posts")  # URL names the page by vanity name: the owner is the Facebook Id
    assert p["uid"] == "facebook:102000000000001_444333222111000"
    assert p["created_at"] == datetime(2022, 11, 6, 6, 30, tzinfo=UTC)  # EST
    assert p["likes"] == 2346  # "2 345" + Love 1; Care is blank, not zero
    a = one(r, "accounts")
    assert a["followers"] == 1234567  # narrow no-break spaces
    assert a["created_at"] == datetime(2015, 6, 1, 17, 0, tzinfo=UTC)
    assert {e["value"] for e in r.tables["entities"].values()} == {"Noël2022"}  # not "#1"
    r = mapped(r3, CT_CSV)
    p = one(r, "posts")  # permalink.php?story_fbid=..&id=..
    assert p["uid"] == "facebook:103000000000002_123456789012345"
    assert p["created_at"] == datetime(2021, 3, 1, 4, 30, tzinfo=UTC)  # +0530
    assert p["likes"] == 1234 and one(r, "accounts")["followers"] == 1234567  # "12,34,567"


def test_own_group_export():
    all_rows = own_rows("crowdtangle_groups.csv")
    for row in all_rows:
        r = mapped(row, CT_CSV)
        p = one(r, "posts")
        assert p["community"] == "facebook:200000000000001"
        assert p.get("account_uid") is None
        g = one(r, "accounts")
        assert g["display_name"] == row["Group Name"] and g.get("handle") is None
        assert p["likes"] == sum(int(row[c]) for c in REACTIONS)
    first = one(mapped(all_rows[0], CT_CSV), "posts")
    assert first["created_at"] == datetime(2021, 2, 9, 21, 0, 43, tzinfo=UTC)  # EST
    second = one(mapped(all_rows[1], CT_CSV), "posts")
    assert second["created_at"] == datetime(2021, 6, 20, 14, 5, tzinfo=UTC)  # PDT


def test_own_instagram_export():
    photo, igtv = own_rows("crowdtangle_instagram.csv")
    r = mapped(photo, CT_IG_CSV)
    uid = "instagram:" + ig_pk("CnXyZ12abCD")
    p = r.tables["posts"][uid]
    assert p["platform"] == "instagram" and p["account_uid"] == "instagram:@stadtwerke_beispiel"
    assert (p["likes"], p["replies"], p.get("reposts"), p.get("views")) == (1234, 56, None, None)
    assert p["created_at"] == datetime(2023, 1, 15, 13, 30, tzinfo=UTC)
    assert {e["normalized"] for e in rows(r, "entities", kind="hashtag")} == {"nordstadt",
                                                                             "emobilität"}
    assert not rows(r, "entities", kind="mention")  # not marked in the export
    assert one(r, "media")["url"] == photo["Photo"]
    a = one(r, "accounts")
    assert (a["display_name"], a["followers"]) == ("Stadtwerke Beispiel", 12345)
    r = mapped(igtv, CT_IG_CSV)
    p = r.tables["posts"]["instagram:" + ig_pk("B9aBcDeFgHi")]
    assert (p["views"], p["likes"], p["text"]) == (45678, 2000, "Flood walk")
    assert p["created_at"] == datetime(2020, 8, 1, 22, 0, tzinfo=UTC)  # EDT
    assert one(r, "accounts")["uid"] == "instagram:@river.watch"
    m = one(r, "media")
    assert m["kind"] == "video" and m["preview_url"] == igtv["Photo"]


def test_own_api_response_with_several_posts():
    raw = own_json("crowdtangle_api_posts.json")
    r = mapped(raw, CT_API)
    posts = raw["result"]["posts"]
    assert len(r.tables["posts"]) == len(posts)
    assert r.retrieved_at == datetime(2023, 2, 4, 11, 30, tzinfo=UTC)  # the latest `updated`
    page = r.tables["accounts"]["facebook:101234567890123"]
    assert (page["followers"], page["verified"], page["location"]) == (13650, True, "DE")
    p = r.tables["posts"]["facebook:101234567890123_555000111222555"]
    actual = posts[0]["statistics"]["actual"]
    assert p["likes"] == sum(v for k, v in actual.items() if k not in ("shareCount",
                                                                       "commentCount"))
    assert (p["language"], p["account_uid"]) == ("de", page["uid"])
    assert p["text"] == posts[0]["message"]
    assert {e["value"] for e in rows(r, "entities", post=p["uid"], kind="url")} == {
        "https://example.de/frost"}  # the own photo link is no url entity
    m = r.tables["media"][p["uid"] + "#media0"]
    assert (m["width"], m["height"]) == (960, 720)
    ig = r.tables["posts"]["instagram:3012345678901234567"]
    assert (ig["platform"], ig["likes"], ig["replies"]) == ("instagram", 321, 12)
    assert ig["text"] == posts[1]["description"]  # Instagram captions are `description`
    assert ig["account_uid"] == "instagram:9876543210"
    assert r.tables["accounts"]["instagram:9876543210"]["platform"] == "instagram"
    v = r.tables["posts"]["facebook:101234567890123_555000111222666"]
    (s,) = rows(r, "entities", post=v["uid"], kind="sponsor")
    assert s["normalized"] == "facebook:100088877766655"
    assert r.tables["accounts"]["facebook:100088877766655"]["handle"] == "energiepartner"
    video = r.tables["media"][v["uid"] + "#media0"]
    assert video["kind"] == "video" and video.get("width") is None  # 0x0 is no size
    g = r.tables["posts"]["facebook:200000000000001_300000000000009"]
    assert g["community"] == "facebook:200000000000001" and g.get("account_uid") is None
    assert {e["value"] for e in rows(r, "entities", post=g["uid"], kind="url")} == {
        "https://t.co/abc123", "https://news.example.com/story?id=1"}
    # each post alone, and a bare list of posts, read the same
    for item in posts:
        assert set(mapped(item, CT_API).tables["posts"]) <= set(r.tables["posts"])
    assert set(mapped(posts, CT_API).tables["posts"]) == set(r.tables["posts"])


def test_own_content_library_export():
    all_rows = own_rows("content_library_posts.csv")
    page = "facebook:mcl:800000000000001"
    r = mapped(all_rows[0], MCL_CSV)
    p = r.tables["posts"]["facebook:mcl:900000000000001"]
    assert p["created_at"] == datetime(2024, 3, 1, 12, 0, tzinfo=UTC)
    assert (p["likes"], p["reposts"], p["replies"], p["views"]) == (453, 25, 30, 12000)
    assert p["likes"] == sum(int(all_rows[0][f"statistics.{k}_count"]) for k in
                             ("like", "love", "wow", "haha", "sad", "angry", "care"))
    assert p["account_uid"] == page and p.get("community") is None and p["language"] == "de"
    a = r.tables["accounts"][page]
    assert (a["handle"], a["display_name"], a["verified"]) == ("stadtwerke.beispiel",
                                                               "Stadtwerke Beispiel", True)
    assert one(r, "media")["url"] == "https://cleanroom.example/media/1.jpg"
    assert {e["value"] for e in rows(r, "entities", kind="domain")} == {"example.org"}
    r = mapped(all_rows[1], MCL_CSV)
    p = one(r, "posts")
    assert p["community"] == "facebook:mcl:700000000000001" and p["account_uid"] == page
    assert p["created_at"] == datetime(2024, 3, 2, 8, 30, tzinfo=UTC)  # no offset: UTC
    assert p.get("views") is None  # blank under 100 views
    assert {e["value"] for e in rows(r, "entities", kind="url")} == {"https://www.example.de/aufruf"}
    r = mapped(all_rows[2], MCL_CSV)
    p = one(r, "posts")
    assert p["repost_of"] == "facebook:mcl:900000000000001"
    assert p["created_at"] == datetime(2024, 3, 3, 17, 45, 10, tzinfo=UTC)  # +0100
    assert p["likes"] == 6  # no reaction_count: the sum of the per-reaction columns
    (i,) = r.tables["interactions"].values()
    assert (i["kind"], i["source"], i["target_post"]) == ("repost", "facebook:mcl:800000000000002",
                                                          p["repost_of"])
    (s,) = rows(r, "entities", kind="sponsor")
    assert s["normalized"] == "facebook:mcl:800000000000009"


def test_formats_declare_what_they_never_fill():
    from socmint.model import FIELDS

    declared = {f.name: f for f in facebook.FORMATS}
    assert set(declared) == {CT_CSV, CT_IG_CSV, CT_API, MCL_CSV}
    items = [own_json("crowdtangle_api_posts.json")] + [row for _, row in _csv_items()]
    filled: dict[str, set] = {}
    for item in items:
        fmt = facebook.detect(item)
        for table, recs in facebook.map_item(item, fmt).tables.items():
            for rec in recs.values():
                filled.setdefault(fmt, set()).update(
                    (table, k) for k, v in rec.items() if v is not None)
    for name, f in declared.items():
        for table, fields in f.cannot_provide.items():
            assert set(fields) <= {n for n, _ in FIELDS[table]}, (name, table)
            assert not filled[name] & {(table, k) for k in fields}, name


# ---------------------------------------------------------------- decisions and edge cases

def test_zones():
    base = "2021-02-09 16:00:43 "
    expect = {"EST": 21, "EDT": 20, "CST": 22, "PST": 0, "UTC": 16, "GMT": 16, "CET": 15,
              "CEST": 14, "BRT": 19, "-03": 19, "+0530": 10, "UTC+01:00": 15, "jst": 7}
    for zone, hour in expect.items():
        at, _ = facebook._ct_time(base + zone)
        assert at.hour == hour and at.tzinfo == UTC, zone
    for zone in ("IST", "AST", "XYZ", "+25", "UTC+1:5"):
        with pytest.raises(RejectedItem, match="time zone"):
            facebook._ct_time(base + zone)
    with pytest.raises(RejectedItem, match="without a time zone"):
        facebook._ct_time("2021-02-09 16:00:43")
    with pytest.raises(RejectedItem):
        facebook._ct_time("2021-02-30 16:00:43 EST")


def _with(row: CsvRow, **cells) -> CsvRow:
    out = CsvRow(row)
    for k, v in cells.items():
        out[k.replace("_", " ")] = v
    return out


def test_records_that_cannot_be_read_are_rejected_with_a_reason():
    row = own_rows("crowdtangle_pages_eu.csv")[0]
    cases = {
        "unknown time zone": _with(row, Post_Created="2023-01-15 14:30:00 XYZ"),
        "ambiguous time zone": _with(row, Post_Created="2023-01-15 14:30:00 IST"),
        "without a time zone": _with(row, Post_Created="2023-01-15 14:30:00"),
        "no Post Created": _with(row, Post_Created=""),
        "unreadable count in 'Likes'": _with(row, Likes="12K"),
        "unreadable count in 'Shares'": _with(row, Shares="1,5"),
        "count out of range": _with(row, Comments="-3"),
        "no URL": _with(row, URL=""),
    }
    for reason, bad in cases.items():
        with pytest.raises(RejectedItem, match=reason):
            facebook.map_item(bad, facebook.detect(bad))
    reddit = dict(own_json("crowdtangle_api_posts.json")["result"]["posts"][0], platform="Reddit")
    with pytest.raises(RejectedItem, match="Reddit"):
        facebook.map_item(reddit, facebook.detect(reddit))
    mcl = CsvRow(own_rows("content_library_posts.csv")[0], id=" ")
    with pytest.raises(RejectedItem, match="without id"):
        facebook.map_item(mcl, facebook.detect(mcl))


def test_placeholders_are_no_value_not_zero():
    row = _with(own_rows("crowdtangle_pages_eu.csv")[0], Shares="-", Comments="N/A", Likes="")
    p = one(facebook.map_item(row, CT_CSV), "posts")
    assert p.get("reposts") is None and p.get("replies") is None and p.get("likes") is None


def test_post_identifier_fallbacks():
    row = own_rows("crowdtangle_pages_eu.csv")[0]
    odd = _with(row, URL="https://www.facebook.com/watch/?v=123")
    assert one(facebook.map_item(odd, CT_CSV), "posts")["uid"] == (
        "facebook:url:https://www.facebook.com/watch/?v=123")
    post = copy.deepcopy(own_json("crowdtangle_api_posts.json")["result"]["posts"][0])
    post["platformId"] = None  # from postUrl, the owner from the account
    assert set(mapped(post, CT_API).tables["posts"]) == {
        "facebook:101234567890123_555000111222555"}
    ig = copy.deepcopy(own_json("crowdtangle_api_posts.json")["result"]["posts"][1])
    ig["platformId"] = None  # from the shortcode
    assert set(mapped(ig, CT_API).tables["posts"]) == {"instagram:" + ig_pk("Cn0abcDEFgh")}


def test_detect_boundaries():
    row = shared_rows()[0] if SHARED_FIXTURES.exists() else own_rows("crowdtangle_pages_eu.csv")[0]
    assert facebook.detect(dict(row)) is None  # a JSON object with these keys is no CSV row
    assert facebook.detect(CsvRow()) is None
    assert facebook.detect(CsvRow({"id": "1", "text": "x", "created_at": "2020"})) is None
    assert facebook.detect(CsvRow({"Type": "Photo", "URL": "u", "Likes": "1"})) is None
    # Meta Content Library rows without any Facebook-only column (Instagram posts look the same)
    ig_mcl = CsvRow({"id": "1", "creation_time": "2024-01-01T00:00:00", "post_owner.id": "2",
                     "statistics.like_count": "3", "statistics.comment_count": "4"})
    assert facebook.detect(ig_mcl) is None
    assert facebook.detect(CsvRow(ig_mcl, **{"surface.id": "5"})) == MCL_CSV
    assert facebook.detect({"status": 200, "result": {"posts": [{"id": 1}]}}) is None
    assert facebook.detect({"status": 200, "result": {"posts": []}}) == CT_API
    assert facebook.detect([]) is None and facebook.detect(None) is None
    bom = CsvRow({"\ufeffPage Name": "x", "Facebook Id": "1", "Post Created": "x", "URL": "u"})
    assert facebook.detect(bom) == CT_CSV


def test_other_payloads_are_not_facebook():
    paths = list(OWN_FIXTURES.rglob("*.json"))
    if SHARED_FIXTURES.exists():
        paths += list(SHARED_FIXTURES.rglob("*"))
    others = (p for p in paths if "crowdtangle" not in p.parts and "facebook" not in p.parts)
    assert not_detected(facebook, others) > 10


# ---------------------------------------------------------------- numbers

@pytest.mark.parametrize("written,value", [
    ("407.137", 407137), ("1,234", 1234), ("1.234.567", 1234567), ("1,234,567", 1234567),
    ("1 234 567", 1234567), ("1\u00a0234", 1234), ("1\u202f234", 1234), ("1'234'567", 1234567),
    ("12,34,567", 1234567), ("1,00,00,000", 10000000), ("0", 0), ("-1.234", -1234),
    ("1,5", 1.5), ("3,19", 3.19), ("105,68", 105.68), ("0,123", 0.123), ("1234,567", 1234.567),
    ("1.234,5", 1234.5), ("1,234.5", 1234.5), ("1 234,56", 1234.56), ("1'234.5", 1234.5),
])
def test_parse_number_examples(written, value):
    assert facebook._parse_number(written) == value


@pytest.mark.parametrize("written", [
    "", "-", "12K", "1.2M", "1,,234", "1,23,4", "1.234,567.8", "1,234 567", ",5", "5,", "1e5",
    "١٢٣", "²", "1 2", "12,345,67", "1.234.5", "0,123,456", "nan", "1_000", "--5",
])
def test_parse_number_refuses(written):
    assert facebook._parse_number(written) is None


def _indian(n: int) -> str:
    s = str(n)
    if len(s) <= 3:
        return s
    head, tail = s[:-3], s[-3:]
    groups = []
    while len(head) > 2:
        groups.insert(0, head[-2:])
        head = head[:-2]
    return ",".join([head] + groups + [tail])


STYLES = {
    "plain": str, "en": "{:,}".format, "de": lambda n: f"{n:,}".replace(",", "."),
    "fr": lambda n: f"{n:,}".replace(",", "\u202f"), "nbsp": lambda n: f"{n:,}".replace(
        ",", "\u00a0"), "space": lambda n: f"{n:,}".replace(",", " "),
    "ch": lambda n: f"{n:,}".replace(",", "'"), "in": _indian,
}


@settings(max_examples=400, deadline=None)
@given(n=st.integers(min_value=0, max_value=10**15), style=st.sampled_from(sorted(STYLES)))
def test_parse_number_formatted_integers(n, style):
    written = STYLES[style](n)
    assert facebook._parse_number(written) == n
    assert facebook._count(CsvRow(Likes=written), "Likes") == n


DECIMAL_STYLES = {"en": (",", "."), "de": (".", ","), "fr": ("\u202f", ","), "ch": ("'", ".")}


@settings(max_examples=300, deadline=None)
@given(n=st.integers(min_value=0, max_value=10**12), frac=st.from_regex(r"[0-9]{1,6}",
                                                                        fullmatch=True),
       style=st.sampled_from(sorted(DECIMAL_STYLES)))
def test_parse_number_formatted_decimals(n, frac, style):
    group, mark = DECIMAL_STYLES[style]
    if n < 1000 and len(frac) == 3:
        frac += "0"  # "1,234" alone is read as thousands: a count never has decimals
    written = f"{n:,}".replace(",", group) + mark + frac
    assert math.isclose(facebook._parse_number(written), float(f"{n}.{frac}"), rel_tol=1e-12)
    with pytest.raises(RejectedItem):
        facebook._count(CsvRow(Likes=written), "Likes")


@settings(max_examples=300, deadline=None)
@given(s=st.text(alphabet="0123456789,. '\u00a0-+abK", max_size=30))
def test_parse_number_never_raises(s):
    v = facebook._parse_number(s)
    assert v is None or isinstance(v, (int, float))


# ---------------------------------------------------------------- fuzz

def _csv_items():
    out = []
    if SHARED_FIXTURES.exists():
        out += [("shared/facebook_search_csv_export.csv", row) for row in shared_rows()[:3]]
    for name in ("crowdtangle_pages_eu.csv", "crowdtangle_groups.csv",
                 "crowdtangle_instagram.csv", "content_library_posts.csv"):
        out += [(f"own/{name}:{i}", row) for i, row in enumerate(own_rows(name))]
    return out


CSV_ITEMS = _csv_items()
CELLS = st.one_of(
    ODD_STRINGS, st.text(max_size=20), st.none(), st.just(["extra", "cells"]),
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
    st.sampled_from(["1.234", "1,5", "12K", "-", "N/A", "0", "2021-07-05 18:02:45 XYZ",
                     "2021-07-05 18:02:45 IST", "2021-07-05 18:02:45 -03",
                     "2021-13-45 99:99:99 EST",
                     "https://www.facebook.com/1/posts/2", "https://www.instagram.com/p/@@@/",
                     "https://www.instagram.com/p/ABCDEFGHIJKLMNOP/", "http://[::1", "#" * 300,
                     '[{"type": "photo", "url": 5}]', "[" * 5000, "9" * 40, "true", "page",
                     "group"]))


@st.composite
def mutated_row(draw, row: CsvRow):
    out = dict(row)
    for _ in range(draw(st.integers(min_value=1, max_value=5))):
        keys = list(out)
        if not keys:
            break
        key = draw(st.sampled_from(keys))
        if draw(st.booleans()):
            del out[key]
        else:
            out[key] = draw(CELLS)
    if draw(st.booleans()):
        out[None] = ["restkey", "cells"]  # csv.DictReader's place for cells past the header
    return CsvRow(out)


@fuzz_each(CSV_ITEMS, max_examples=120, argnames="name,row")
def test_fuzz_mutated_csv_rows(name, row, data):
    fmt = facebook.detect(row)
    assert fmt
    survives(facebook, data.draw(mutated_row(row)), fmt)


def _json_items():
    out = [("own/crowdtangle_api_posts.json", own_json("crowdtangle_api_posts.json"))]
    if SHARED_FIXTURES.exists():
        path = SHARED_FIXTURES / "other" / "crowdtangle" / "links_api_post_example.json"
        out.append(("shared/links_api_post_example.json", json.loads(path.read_text())))
    return out


JSON_ITEMS = _json_items()


@fuzz_each(JSON_ITEMS, max_examples=200)
def test_fuzz_mutated_api_payloads(name, payload, data):
    fmt = facebook.detect(payload)
    assert fmt == CT_API
    survives(facebook, data.draw(mutated(payload)), fmt)


JSON = json_with_keys(["status", "result", "posts", "platformId", "platform", "date", "account",
                       "statistics", "postUrl", "actual", "media", "message", "expandedLinks",
                       "link", "type", "updated", "brandedContentSponsor", "x"])


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(value=JSON)
def test_fuzz_detect_and_map_any_json(value):
    survives(facebook, value)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(row=st.dictionaries(
    st.sampled_from(["Page Name", "Group Name", "Facebook Id", "Post Created", "URL", "Account",
                     "User Name", "Photo", "Followers at Posting", "id", "creation_time",
                     "post_owner.id", "surface.id", "Likes", "Type", "Link", "text",
                     "statistics.views"]), CELLS, max_size=10))
def test_fuzz_detect_and_map_any_csv_row(row):
    survives(facebook, CsvRow(row))
