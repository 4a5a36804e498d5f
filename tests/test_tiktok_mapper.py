"""TikTok mapper: golden facts from Zeeschuimer captures and own fixtures, JSON-walk counts,
fuzz."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings

from socmint import sources
from socmint.errors import RejectedItem
from socmint.sources import tiktok
from tests.conftest import OWN_FIXTURES, SHARED_FIXTURES, shared_fixture
from tests.mutation import arrow_ok, fixture_docs, fuzz_each, json_with_keys, mutated, survives

OWN = OWN_FIXTURES / "tiktok"
ITEM, COMMENT = "tiktok.web_item", "tiktok.web_comment"


# ---------------------------------------------------------------- helpers

def lines(path: Path) -> list[dict]:
    """The `data` of each Zeeschuimer line: what the envelope reader hands this mapper."""
    return [json.loads(x)["data"] for x in path.read_text().splitlines() if x.strip()]


def search() -> list[dict]:
    return lines(shared_fixture("zeeschuimer/tiktok_search.ndjson"))


def own(name: str) -> list[dict]:
    return lines(OWN / name)


def mapped(data, fmt: str = ITEM):
    assert tiktok.detect(data) == fmt
    records = tiktok.map_item(data, fmt)
    arrow_ok(records)
    return records


def rows(records, table, **where):
    return [r for r in records.tables[table].values()
            if all(r.get(k) == v for k, v in where.items())]


def extras(item: dict) -> list[dict]:
    out = list(item.get("textExtra") or [])
    for c in item.get("contents") or []:
        out += c.get("textExtra") or []
    return out


def check_counts(item: dict, r) -> None:
    """What the mapper found in one item equals what a plain walk of its JSON finds."""
    uid = "tiktok:" + item["id"]
    assert set(r.tables["posts"]) == {uid}
    tags = {t["hashtagName"].lower() for t in extras(item) if t["type"] == 1}
    tags |= {c["title"].lower() for c in item.get("challenges") or []}
    assert {e["normalized"] for e in rows(r, "entities", kind="hashtag")} == tags
    mentions = [t for t in extras(item) if t["type"] == 0]
    assert {e["normalized"] for e in rows(r, "entities", kind="mention")} == {
        (t["userUniqueId"] or t["userId"]).lower() for t in mentions}
    assert {i["target"] for i in rows(r, "interactions", kind="mention")} == {
        "tiktok:" + t["userId"] if t["userId"] else None for t in mentions}
    author = item["author"]["id"] if isinstance(item["author"], dict) else item["authorId"]
    users = [author] + [t["userId"] for t in mentions if t["userId"]]
    assert set(r.tables["accounts"]) == {"tiktok:" + a for a in users}
    photos = (item.get("imagePost") or {}).get("images")
    assert len(r.tables["media"]) == (len(photos) if photos else 1)
    source = [v for v in (item.get("duetInfo", {}).get("duetFromId"),
                          item.get("stitchInfo", {}).get("stitchFromId")) if v and v != "0"]
    assert r.tables["posts"][uid].get("quote_of") == ("tiktok:" + source[0] if source else None)
    assert r.retrieved_at is None  # the bare item does not say when it was captured


# ---------------------------------------------------------------- shared capture: golden facts

def test_search_item_facts():
    raw = search()[0]
    r = mapped(raw)
    p = r.tables["posts"]["tiktok:7288995634328177926"]
    assert p["kind"] == "video" and p["native_id"] == "7288995634328177926"
    assert p["url"] == "https://www.tiktok.com/@haberturktv/video/7288995634328177926"
    assert p["created_at"] == datetime(2023, 10, 12, 9, 5, 49, tzinfo=UTC)
    assert (p["likes"], p["reposts"], p["replies"], p["views"]) == (59, 0, 3, 3597)
    assert p["text"].startswith("#fosfor #bomba #fosforbombası")
    assert p.get("quote_of") is None and p.get("lat") is None and p.get("community") is None
    a = r.tables["accounts"]["tiktok:7158414720537232389"]
    assert a["handle"] == "haberturktv" and a["display_name"] == "Habertürk TV"
    assert a["verified"] is True and a["url"] == "https://www.tiktok.com/@haberturktv"
    assert (a["followers"], a["following"], a["posts_count"]) == (277400, 0, 906)
    assert a["bio"].endswith("#HabertürkTV") and "1080x1080" in a["avatar_url"]
    (m,) = r.tables["media"].values()
    assert (m["kind"], m["width"], m["height"]) == ("video", 576, 1024)
    assert "lr=unwatermarked" in m["url"] and m["preview_url"] == raw["video"]["cover"]
    (s,) = rows(r, "entities", kind="sound")
    assert (s["value"], s["normalized"]) == ("orijinal ses", "7288995737794005765")
    assert len(rows(r, "entities", kind="hashtag")) == 12
    assert not rows(r, "entities", kind="upload_country")  # search items carry none
    check_counts(raw, r)


def test_search_hashtags_as_written_and_as_tiktok_lowers_them():
    raw = search()[1]
    r = mapped(raw)
    tags = {e["normalized"]: e["value"] for e in rows(r, "entities", kind="hashtag")}
    # 12 textExtra hashtags, "#palestine" and "#Palestine" among them: 11 tags, the challenges.
    assert set(tags) == {c["title"] for c in raw["challenges"]} and len(tags) == 11
    assert tags["aksatufanı"] == "AksaTufanı"
    assert tags["sondakika"] == "SONDAKİKA"  # TikTok's own lower-casing, not Python's "i̇"
    assert tags["receptayyiperdoğan"] == "RecepTayyipErdoğan"


def test_search_offsets_count_utf16_units():
    r = mapped(search()[21])  # an astral emoji (🤩) sits before the hashtags
    tags = {e["normalized"]: e["value"] for e in rows(r, "entities", kind="hashtag")}
    assert tags["customgundam"] == "CustomGundam" and tags["mechadesign"] == "MechaDesign"
    (m,) = rows(r, "entities", kind="mention")
    assert (m["value"], m["normalized"]) == ("Kinta Paint", "kintaspraypaint")


def test_search_mentions_keep_the_written_name_and_the_handle():
    items = search()
    r = mapped(items[12])  # written as the nickname in small capitals
    (m,) = rows(r, "entities", kind="mention")
    assert m["value"] == "ᴍᴜsᴀ ᴛᴀᴍᴇʀ ᴋɪʟɪᴄ̧ᴘᴀʀʟᴀʀ" and m["normalized"] == "musatamerkilicparlar"
    (i,) = rows(r, "interactions", kind="mention")
    assert i["source"] == "tiktok:6745722402158265350"
    assert i["target"] == "tiktok:6833813582225064965"
    assert i["at"] == datetime.fromtimestamp(items[12]["createTime"], UTC)
    assert r.tables["accounts"][i["target"]]["handle"] == "musatamerkilicparlar"
    r = mapped(items[23])  # written "@alisoysal"; the account is now user7428787320654
    (m,) = rows(r, "entities", kind="mention")
    assert (m["value"], m["normalized"]) == ("alisoysal", "user7428787320654")


def test_search_counts_match_plain_walk():
    items = search()
    assert len(items) == 25
    with_tags = with_mentions = mention_edges = 0
    for raw in items:
        r = mapped(raw)
        check_counts(raw, r)
        with_tags += bool(rows(r, "entities", kind="hashtag"))
        with_mentions += bool(rows(r, "entities", kind="mention"))
        mention_edges += len(rows(r, "interactions", kind="mention"))
    assert (with_tags, with_mentions, mention_edges) == (24, 8, 8)  # SOURCES.md: 24 and 8


def test_registry_routes_every_payload_to_tiktok():
    payloads = [(d, ITEM) for d in search()[:5] + own("items.ndjson")]
    payloads += [(d, COMMENT) for d in own("comments.ndjson")]
    for payload, fmt in payloads:
        found = sources.detect(payload)
        assert found == (tiktok, fmt)
        assert sources.map_detected(found, payload).count() > 0


def test_detect_ignores_other_payloads():
    shared_fixture("zeeschuimer/tiktok_search.ndjson")  # skips without ../shared
    checked = 0
    others = (p for p in SHARED_FIXTURES.rglob("*") if not p.name.startswith("tiktok"))
    for path, doc in fixture_docs(others):
        stack = [doc]  # every object at any depth: envelopes, their data, nested objects
        while stack:
            node = stack.pop()
            if isinstance(node, dict):
                assert tiktok.detect(node) is None, path.name
                checked += 1
                stack.extend(node.values())
            elif isinstance(node, list):
                assert tiktok.detect(node) is None, path.name
                stack.extend(node)
    assert checked > 10000
    for envelope in (shared_fixture("zeeschuimer/tiktok_search.ndjson"), OWN / "items.ndjson"):
        line = json.loads(envelope.read_text().splitlines()[0])
        assert tiktok.detect(line) is None  # the envelope is the Zeeschuimer reader's


# ---------------------------------------------------------------- own fixtures: items

ANNA, RIVER = "tiktok:6900000000000000001", "tiktok:6900000000000000002"


def test_own_author_object_stats_v2_duet_and_places():
    raw = own("items.ndjson")[0]
    r = mapped(raw)
    check_counts(raw, r)
    p = r.tables["posts"]["tiktok:7350000000000000001"]
    assert (p["likes"], p["reposts"], p["replies"], p["views"]) == (1234, 56, 7, 987654)  # V2
    assert p["language"] == "de" and p["place"] == "Alte Innbrücke" and p.get("lat") is None
    assert p["quote_of"] == "tiktok:7349999999999999999"
    (q,) = rows(r, "interactions", kind="quote")
    assert (q["source"], q["target"], q["target_post"]) == (ANNA, None, p["quote_of"])
    (c,) = rows(r, "entities", kind="upload_country")
    assert (c["value"], c["normalized"]) == ("de", "DE")
    tags = {e["value"] for e in rows(r, "entities", kind="hashtag")}
    assert tags == {"Hochwasser", "flood"}  # as written, over the challenge's "hochwasser"
    a = r.tables["accounts"][ANNA]
    assert a["bio"] == "Local news, Passau" and a["avatar_url"].endswith("anna_1080.jpeg")
    assert (a["followers"], a["following"], a["posts_count"], a["verified"]) == (
        1520, 310, 87, False)
    assert r.tables["accounts"][RIVER]["handle"] == "river.watch"  # stub from the mention
    assert rows(r, "interactions", kind="mention")[0]["target"] == RIVER


def test_own_author_string_stitch_and_unresolved_mention():
    raw = own("items.ndjson")[1]
    r = mapped(raw)
    check_counts(raw, r)
    p = r.tables["posts"]["tiktok:7350000000000000002"]
    assert p["account_uid"] == RIVER and p["created_at"] == datetime(2024, 5, 1, 11, tzinfo=UTC)
    assert p["url"] == "https://www.tiktok.com/@river.watch/video/7350000000000000002"
    assert p["quote_of"] == "tiktok:7350000000000000001"  # the stitch
    assert p.get("language") is None and p.get("place") is None
    a = r.tables["accounts"][RIVER]
    assert (a["handle"], a["display_name"]) == ("river.watch", "River Watch")
    assert a.get("followers") is None  # no authorStats: not zero
    assert set(r.tables["accounts"]) == {RIVER}  # @bridgecam has no user id: no account
    (i,) = rows(r, "interactions", kind="mention")
    assert i["target"] is None and i["uid"].endswith("|@bridgecam|")
    (m,) = r.tables["media"].values()
    assert m["url"].endswith("/dl/2.mp4")  # empty playAddr: the download address


def test_own_photo_carousel():
    raw = own("items.ndjson")[2]
    r = mapped(raw)
    check_counts(raw, r)
    p = r.tables["posts"]["tiktok:7350000000000000003"]
    assert p["kind"] == "post" and p["text"] == "Sandbags at #Innstadt"  # from `contents`
    assert p["url"] == "https://www.tiktok.com/@anna.k/photo/7350000000000000003"
    media = sorted(r.tables["media"].values(), key=lambda m: m["uid"])
    assert [(m["kind"], m["url"].rsplit("/", 1)[1], m["height"]) for m in media] == [
        ("photo", "photo3_a.jpeg", 1440), ("photo", "photo3_b.jpeg", 1350)]
    assert [e["value"] for e in rows(r, "entities", kind="hashtag")] == ["Innstadt"]


# ---------------------------------------------------------------- own fixtures: comments

VIDEO = "tiktok:7350000000000000001"
C1, C2, C3 = (f"tiktok:736000000000000000{i}" for i in (1, 2, 3))


def test_own_top_level_comment_with_previewed_reply():
    raw = own("comments.ndjson")[0]
    r = mapped(raw, COMMENT)
    assert set(r.tables["posts"]) == {C1, C2}  # the comment and the reply it previews
    p = r.tables["posts"][C1]
    assert (p["kind"], p["reply_to"], p["conversation"]) == ("comment", VIDEO, VIDEO)
    assert (p["likes"], p["replies"], p["language"]) == (25, 2, "en")
    assert p["text"] == "@Anna K is this the Innbrücke? #passau" and p.get("url") is None
    assert p["created_at"] == datetime(2024, 5, 1, 13, tzinfo=UTC)
    maria = "tiktok:6900000000000000003"
    assert r.tables["accounts"][maria]["handle"] == "maria_inn"
    assert r.tables["accounts"][maria]["avatar_url"].endswith("avt_6900000000000000003.jpeg")
    (reply,) = rows(r, "interactions", kind="reply", post=C1)
    assert (reply["source"], reply["target"], reply["target_post"]) == (maria, None, VIDEO)
    (m,) = rows(r, "entities", kind="mention")
    assert (m["value"], m["normalized"]) == ("Anna K", "6900000000000000001")
    assert rows(r, "interactions", kind="mention")[0]["target"] == ANNA
    assert [e["value"] for e in rows(r, "entities", kind="hashtag")] == ["passau"]
    assert r.tables["posts"][C2]["reply_to"] == C1


def test_own_replies_in_a_thread():
    c1, c2, c3 = own("comments.ndjson")
    r2 = mapped(c2, COMMENT)
    assert r2.tables["posts"][C2]["reply_to"] == C1  # reply_id: the top-level comment
    assert r2.tables["posts"][C2] == mapped(c1, COMMENT).tables["posts"][C2]  # preview = own line
    r3 = mapped(c3, COMMENT)
    p = r3.tables["posts"][C3]
    assert p["reply_to"] == C2 and p["conversation"] == VIDEO  # reply_to_reply_id wins
    assert p.get("language") is None  # "un"
    assert p["created_at"] == datetime(2024, 5, 1, 15, tzinfo=UTC)  # from a string
    (reply,) = rows(r3, "interactions", kind="reply")
    assert reply["target"] == "tiktok:6900000000000000004" and reply["target_post"] == C2
    guest = r3.tables["accounts"]["tiktok:6900000000000000005"]
    assert guest.get("handle") is None and guest.get("url") is None  # empty unique_id


# ---------------------------------------------------------------- decisions and edge cases

def test_rejections():
    item = own("items.ndjson")[0]
    for bad, fmt in [({}, ITEM), (dict(item, id="0"), ITEM), (dict(item, author=["x"]), ITEM),
                     (dict(item, createTime="yesterday"), ITEM), ([], ITEM),
                     ({"cid": "1", "aweme_id": None}, COMMENT), (item, "tiktok.nope")]:
        with pytest.raises(RejectedItem):
            tiktok.map_item(bad, fmt)
    many = dict(own("comments.ndjson")[0], reply_comment=[{}] * 5000)
    with pytest.raises(RejectedItem):
        tiktok.map_item(many, COMMENT)


def test_zero_time_and_bad_offsets_fall_back():
    item = copy.deepcopy(own("items.ndjson")[0])
    item["createTime"] = 0
    item["desc"] = "🤩 #Hochwasser #flood @river.watch"
    for e in item["textExtra"]:  # hashtags split the emoji's surrogate pair; the mention overruns
        e["start"], e["end"] = (1, 3) if e["type"] == 1 else (5, 999)
    r = mapped(item)
    assert r.tables["posts"]["tiktok:7350000000000000001"].get("created_at") is None
    assert {e["value"] for e in rows(r, "entities", kind="mention")} == {"river.watch"}
    assert {e["value"] for e in rows(r, "entities", kind="hashtag")} == {"Hochwasser", "flood"}


def test_detect_boundaries():
    assert tiktok.detect(None) is None and tiktok.detect([own("items.ndjson")[0]]) is None
    assert tiktok.detect({"id": "1", "desc": "", "createTime": 1}) is None  # nothing TikTok-ish
    assert tiktok.detect({"id": "1", "desc": "", "createTime": 1, "music": {}}) == ITEM
    assert tiktok.detect({"cid": "1", "aweme_id": "2"}) == COMMENT


def test_never_fills_what_the_format_says_it_cannot_provide():
    formats = {f.name: f for f in tiktok.FORMATS}
    assert set(formats) == {ITEM, COMMENT}
    payloads = own("items.ndjson") + own("comments.ndjson")
    for payload in payloads + (search() if SHARED_FIXTURES.exists() else []):
        fmt = tiktok.detect(payload)
        records = tiktok.map_item(payload, fmt)
        for table, fields in formats[fmt].cannot_provide.items():
            for row in records.tables[table].values():
                assert all(row.get(f) is None for f in fields), (fmt, table, row["uid"])


# ---------------------------------------------------------------- fuzz

def _payloads():
    out = []
    if SHARED_FIXTURES.exists():
        out += [(f"search:{i}", d) for i, d in enumerate(search())]
    out += [(f"own/items:{i}", d) for i, d in enumerate(own("items.ndjson"))]
    out += [(f"own/comments:{i}", d) for i, d in enumerate(own("comments.ndjson"))]
    return out


PAYLOADS = _payloads()


@fuzz_each(PAYLOADS, max_examples=100)
def test_fuzz_mutated_payloads(name, payload, data):
    fmt = tiktok.detect(payload)
    assert survives(tiktok, data.draw(mutated(payload)), fmt) in (ITEM, COMMENT, None)


KEYS = ["id", "desc", "createTime", "author", "authorId", "authorStats", "stats", "statsV2",
        "video", "music", "challenges", "textExtra", "duetInfo", "duetFromId", "stitchInfo",
        "imagePost", "images", "imageURL", "urlList", "contents", "poi", "locationCreated",
        "hashtagName", "userId", "userUniqueId", "type", "start", "end", "uniqueId", "playAddr",
        "cid", "aweme_id", "text", "create_time", "user", "uid", "unique_id", "avatar_thumb",
        "url_list", "reply_id", "reply_to_reply_id", "reply_comment", "text_extra", "user_id",
        "hashtag_name", "digg_count", "comment_language", "x"]
JSON = json_with_keys(KEYS, ["0", "7288995634328177926", "un", "@a", "#b"], max_leaves=25,
                      dict_size=8)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(value=JSON)
def test_fuzz_detect_and_map_any_json(value):
    survives(tiktok, value)
