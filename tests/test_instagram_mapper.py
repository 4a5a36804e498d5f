"""Instagram mapper: golden facts from a Zeeschuimer feed capture and own fixtures, JSON-walk
counts, fuzz."""

from __future__ import annotations

import copy
import json
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings

from socmint import sources
from socmint.errors import RejectedItem
from socmint.sources import instagram
from tests.conftest import OWN_FIXTURES, SHARED_FIXTURES, shared_fixture
from tests.mutation import arrow_ok, fixture_docs, fuzz_each, json_with_keys, mutated, survives

OWN = OWN_FIXTURES / "instagram"
MEDIA, GRAPH = "instagram.web_media", "instagram.web_graphql"


# ---------------------------------------------------------------- helpers

def lines(path: Path) -> list[dict]:
    """The `data` of each Zeeschuimer line: what the envelope reader hands this mapper."""
    return [json.loads(x)["data"] for x in path.read_text().splitlines() if x.strip()]


def feed() -> list[dict]:
    return lines(shared_fixture("zeeschuimer/instagram_feed.ndjson"))


def own() -> list[dict]:
    return lines(OWN / "feed.ndjson")


def mapped(data, fmt: str = MEDIA):
    assert instagram.detect(data) == fmt
    records = instagram.map_item(data, fmt)
    arrow_ok(records)
    return records


def rows(records, table, **where):
    return [r for r in records.tables[table].values()
            if all(r.get(k) == v for k, v in where.items())]


def post(records) -> dict:
    (p,) = records.tables["posts"].values()
    return p


def caption_words(item: dict, sigil: str) -> set[str]:
    """#tags or @names in the caption, split by hand: what follows the sigil up to a character
    Instagram does not allow in one (names: letters, digits, _ and ., not ending in .)."""
    caption = (item.get("caption") or {}).get("text") or ""
    allowed = (lambda c: c.isalnum() or c == "_") if sigil == "#" else (
        lambda c: c.isascii() and (c.isalnum() or c in "._"))
    out = set()
    before = "_" if sigil == "#" else "_.@"
    for i, c in enumerate(caption):
        if c != sigil or (i and (caption[i - 1].isalnum() or caption[i - 1] in before)):
            continue
        j = i + 1
        while j < len(caption) and allowed(caption[j]):
            j += 1
        word = caption[i + 1:j].rstrip(".") if sigil == "@" else caption[i + 1:j]
        if word:
            out.add(word.lower())
    return out


def named_users(item: dict) -> list[dict]:
    """Photo tags (post and carousel items) and coauthors, by a plain walk."""
    parts = [item] + (item.get("carousel_media") or [])
    users = [t["user"] for p in parts for t in (p.get("usertags") or {}).get("in", [])]
    return users + (item.get("coauthor_producers") or [])


def check_counts(item: dict, r) -> None:
    """What the mapper found in one item equals what a plain walk of its JSON finds."""
    p = post(r)
    assert p["uid"] == "instagram:" + item["pk"]
    assert {e["normalized"] for e in rows(r, "entities", kind="hashtag")} == caption_words(
        item, "#")
    users = named_users(item)
    pks = {u["username"].lower(): u.get("pk") or u["id"] for u in users}
    pks.setdefault(item["user"]["username"].lower(), item["user"]["pk"])
    names = caption_words(item, "@") | {u["username"].lower() for u in users}
    assert {e["normalized"] for e in rows(r, "entities", kind="mention")} == names
    assert sorted(i["target"] or "" for i in rows(r, "interactions", kind="mention")) == sorted(
        "instagram:" + pks[n] if n in pks else "" for n in names)
    assert set(r.tables["accounts"]) == {"instagram:" + u for u in
                                         [item["user"]["pk"]] + [u.get("pk") or u["id"]
                                                                 for u in users]}
    children = item.get("carousel_media") or []
    assert len(r.tables["media"]) == (len(children) or 1)
    assert {m["kind"] for m in r.tables["media"].values()} == {
        "video" if c["media_type"] == 2 else "photo" for c in children or [item]}
    loc = item.get("location") or {}
    lat, lon = loc.get("lat"), loc.get("lng")
    if lat is None or lon is None or abs(lat) > 90 or abs(lon) > 180:
        lat = lon = None
    assert (p.get("lat"), p.get("lon"), p.get("place")) == (lat, lon, loc.get("name"))
    assert r.retrieved_at is None  # the bare item does not say when it was captured


# ---------------------------------------------------------------- shared capture: golden facts

def test_feed_photo_facts():
    raw = feed()[0]
    r = mapped(raw)
    p = post(r)
    assert p["uid"] == "instagram:3828214581177566955" and p["kind"] == "post"
    assert p["url"] == "https://www.instagram.com/p/DUgjOD7D0br/"
    assert p["account_uid"] == "instagram:52491273"
    assert p["created_at"] == datetime.fromtimestamp(1770578767, UTC)
    assert (p["likes"], p["replies"], p.get("views"), p.get("reposts")) == (306, 37, None, None)
    assert p["text"].startswith("New York Republican Rep. Mike Lawler reiterated")
    a = r.tables["accounts"]["instagram:52491273"]
    assert (a["handle"], a["display_name"], a["verified"]) == ("abc7ny", "ABC7NY", True)
    assert a["url"] == "https://www.instagram.com/abc7ny/" and "cdninstagram" in a["avatar_url"]
    (m,) = r.tables["media"].values()
    assert (m["uid"], m["kind"], m["width"], m["height"]) == (
        "instagram:media:3828214581177566955", "photo", 1080, 1350)
    assert m["alt_text"].startswith("Photo by ABC7NY on February 08, 2026.")
    check_counts(raw, r)


def test_feed_carousel_tags_coauthors_location_hidden_likes():
    raw = feed()[3]
    r = mapped(raw)
    p = post(r)
    assert p["account_uid"] == "instagram:1078509303"
    assert (p["lat"], p["lon"], p["place"]) == (40.72217, -73.98675, "Mercury Lounge")
    assert raw["like_count"] == 3 and p.get("likes") is None  # counts hidden by the owner
    assert p["replies"] == 20
    assert len(r.tables["media"]) == 13 and {m["kind"] for m in r.tables["media"].values()} == {
        "photo"}
    assert r.tables["media"]["instagram:media:3828241982850984362"]["alt_text"].startswith(
        "Photo shared by Dimitry Mak on February 08, 2026 tagging @me")
    # Tagged on the first photo: five accounts; coauthors nunzioinstereo and francisdoommusic.
    targets = {i["target"] for i in rows(r, "interactions", kind="mention")}
    assert "instagram:57872953409" in targets and "instagram:35510972" in targets
    assert len(targets) == 7 and None not in targets
    assert r.tables["accounts"]["instagram:57872953409"]["display_name"] == "Francis Doom"
    check_counts(raw, r)


def test_feed_reel_sound_and_unresolved_mention():
    items = feed()
    r = mapped(items[9])
    p = post(r)
    assert p["kind"] == "video" and p["url"] == "https://www.instagram.com/p/DUg1bTgkfzG/"
    (m,) = r.tables["media"].values()
    assert (m["kind"], m["width"], m["height"]) == ("video", 720, 1280)
    assert m["url"] == items[9]["video_versions"][0]["url"]
    assert m["preview_url"] == items[9]["image_versions2"]["candidates"][0]["url"]  # 1080 wide
    (s,) = rows(r, "entities", kind="sound")
    assert (s["value"], s["normalized"]) == ("Original audio", "26116887637929836")

    r = mapped(items[11])  # "The @FordFoundation 12-story atrium": no user with that name
    (e,) = rows(r, "entities", kind="mention")
    assert (e["value"], e["normalized"]) == ("FordFoundation", "fordfoundation")
    (i,) = rows(r, "interactions", kind="mention")
    assert i["target"] is None and i["source"] == "instagram:18640645407"
    assert {e["normalized"] for e in rows(r, "entities", kind="hashtag")} == {
        "nycforfree", "fordfoundation", "indoorgarden"}
    assert post(r)["place"] == "Ford Foundation"


def test_feed_self_mention_and_tag_that_is_also_coauthor():
    items = feed()
    r = mapped(items[2])  # "Follow us @insightgemz": the author
    (i,) = rows(r, "interactions", kind="mention")
    assert i["source"] == i["target"] == "instagram:62900059914"
    r = mapped(items[15])  # vivalastool: tagged and coauthor, one mention
    assert sorted(i["target"] for i in rows(r, "interactions", kind="mention")) == [
        "instagram:2463573859", "instagram:479318662"]
    assert r.tables["accounts"]["instagram:479318662"]["verified"] is True


def test_feed_counts_match_plain_walk():
    items = feed()
    assert len(items) == 23
    seen = {"tags": 0, "mentions": 0, "usertags": 0, "geo": 0, "carousels": 0, "videos": 0,
            "coauthors": 0, "hidden": 0}
    for raw in items:
        r = mapped(raw)
        check_counts(raw, r)
        p = post(r)
        seen["tags"] += bool(caption_words(raw, "#"))
        seen["mentions"] += bool(caption_words(raw, "@"))
        seen["usertags"] += bool(raw["usertags"])
        seen["geo"] += p.get("lat") is not None
        seen["carousels"] += len(r.tables["media"]) > 1
        seen["videos"] += p["kind"] == "video"
        seen["coauthors"] += bool(raw["coauthor_producers"])
        seen["hidden"] += p.get("likes") is None
    # SOURCES.md: 8 / 8 captions, 3 usertags, 7 locations, 3 carousels, 4 videos, 2 coauthors.
    assert seen == {"tags": 8, "mentions": 8, "usertags": 3, "geo": 7, "carousels": 3,
                    "videos": 4, "coauthors": 2, "hidden": 4}


def test_registry_routes_every_payload_to_instagram():
    payloads = [(d, MEDIA) for d in feed()[:5]]
    payloads += [(d, GRAPH if "__typename" in d else MEDIA) for d in own()]
    for payload, fmt in payloads:
        found = sources.detect(payload)
        assert found == (instagram, fmt)
        assert sources.map_detected(found, payload).count() > 0


def test_detect_ignores_other_payloads():
    shared_fixture("zeeschuimer/instagram_feed.ndjson")  # skips without ../shared
    checked = 0
    others = (p for p in SHARED_FIXTURES.rglob("*") if not p.name.startswith("instagram"))
    for path, doc in fixture_docs(others):
        stack = [doc]
        while stack:  # every object at any depth: envelopes, their data, nested objects
            node = stack.pop()
            if isinstance(node, dict):
                assert instagram.detect(node) is None, path.name
                checked += 1
                stack.extend(node.values())
            elif isinstance(node, list):
                assert instagram.detect(node) is None, path.name
                stack.extend(node)
    assert checked > 10000
    line = json.loads((OWN / "feed.ndjson").read_text().splitlines()[0])
    assert instagram.detect(line) is None  # the envelope is the Zeeschuimer reader's
    threads = dict(own()[0], media_type=19, text_post_app_info={"reply_to_author": None})
    assert instagram.detect(threads) is None


# ---------------------------------------------------------------- own fixtures

LENA, CITY, TOM = "instagram:1001", "instagram:2002", "instagram:3003"


def test_own_photo_caption_null_location_tag():
    raw = own()[0]
    r = mapped(raw)
    check_counts(raw, r)
    p = post(r)
    assert p.get("text") is None and p["kind"] == "post"
    assert (p["lat"], p["lon"], p["place"]) == (48.5667, 13.4319, "Passau, Germany")
    assert p["created_at"] == datetime(2024, 5, 2, 11, 40, tzinfo=UTC)
    (i,) = rows(r, "interactions", kind="mention")
    assert (i["source"], i["target"], i["post"]) == (LENA, CITY, p["uid"])
    (m,) = r.tables["media"].values()
    assert m["url"].endswith("p1_1080.jpg") and m["width"] == 1080  # the widest candidate
    assert m["alt_text"] == "Photo by Lena M. May be an image of a river and a bridge."


def test_own_reel_coauthor_mentions_music():
    raw = own()[1]
    r = mapped(raw)
    check_counts(raw, r)
    p = post(r)
    assert p["kind"] == "video" and p["views"] == 15400  # ig_play_count; play_count is null
    mentions = {e["normalized"]: e["value"] for e in rows(r, "entities", kind="mention")}
    assert mentions == {"tom_rescue": "Tom_Rescue", "unknown.crew": "unknown.crew"}  # no email
    targets = {i["target"] for i in rows(r, "interactions", kind="mention")}
    assert targets == {TOM, None}  # @Tom_Rescue is the coauthor; @unknown.crew is unknown
    assert {e["value"] for e in rows(r, "entities", kind="hashtag")} == {"Hochwasser",
                                                                         "Passau2024"}
    (s,) = rows(r, "entities", kind="sound")
    assert (s["value"], s["normalized"]) == ("Storm Warning", "555000111")
    (m,) = r.tables["media"].values()
    assert (m["kind"], m["url"].rsplit("/", 1)[1], m["width"]) == ("video", "r2_720.mp4", 720)
    assert m["preview_url"].endswith("r2_1080.jpg")


def test_own_carousel_child_tags_and_bad_coordinates():
    raw = own()[2]
    r = mapped(raw)
    check_counts(raw, r)
    p = post(r)
    assert p.get("lat") is None and p.get("lon") is None  # lat 123 is no latitude
    assert p["place"] == "Somewhere"
    media = {m["uid"]: m for m in r.tables["media"].values()}
    assert [media[f"instagram:media:340000000000000003{i}"]["kind"] for i in (1, 2, 3)] == [
        "photo", "photo", "video"]
    assert media["instagram:media:3400000000000000033"]["preview_url"].endswith("c33_720.jpg")
    (i,) = rows(r, "interactions", kind="mention")  # tagged on the first photo, by id only
    assert (i["source"], i["target"]) == (CITY, LENA)


def test_own_hidden_counts_and_ids_without_pk_or_user():
    raw = own()[3]
    r = mapped(raw)
    p = post(r)
    assert p["uid"] == "instagram:3400000000000000004" and p["account_uid"] == TOM
    assert p.get("likes") is None and p["replies"] == 2
    assert set(r.tables["accounts"]) == {TOM}
    (i,) = rows(r, "interactions", kind="mention")
    assert i["target"] is None  # @lena.photo is nobody this item knows


def test_own_graphql_sidecar_and_video():
    sidecar, video = own()[4:]
    r = mapped(sidecar, GRAPH)
    p = post(r)
    assert (p["uid"], p["url"]) == ("instagram:3400000000000000005",
                                    "https://www.instagram.com/p/C5sideEEE/")
    assert (p["likes"], p["replies"], p["account_uid"]) == (210, 9, LENA)
    assert p["text"] == "Before and after #Hochwasser @passau.stadt"
    assert p["place"] == "Passau, Germany" and p.get("lat") is None
    assert p["created_at"] == datetime(2024, 5, 2, 15, 40, tzinfo=UTC)
    (i,) = rows(r, "interactions", kind="mention")  # caption and photo tag: one mention
    assert i["target"] == CITY
    assert sorted((m["uid"][-2:], m["kind"]) for m in r.tables["media"].values()) == [
        ("51", "photo"), ("52", "video")]
    r = mapped(video, GRAPH)
    p = post(r)
    assert (p["kind"], p["views"], p["likes"], p["replies"]) == ("video", 5600, 77, 1)
    assert p.get("text") is None
    (m,) = r.tables["media"].values()
    assert m["url"].endswith("g6.mp4") and m["preview_url"].endswith("g6.jpg")


def test_rejections():
    item = own()[0]
    for bad, fmt in [({}, MEDIA), (dict(item, pk=None, id=None), MEDIA),
                     (dict(item, user=["x"]), MEDIA), (dict(item, taken_at="soon"), MEDIA),
                     ([], MEDIA), (item, "instagram.nope"),
                     (dict(item, carousel_media=[{}] * 500), MEDIA)]:
        with pytest.raises(RejectedItem):
            instagram.map_item(bad, fmt)


def test_reel_listed_without_video_links_keeps_its_video():
    raw = copy.deepcopy(own()[1])
    raw["video_versions"] = None
    (m,) = mapped(raw).tables["media"].values()
    assert m["kind"] == "video" and m.get("url") is None and m["preview_url"].endswith("1080.jpg")


def test_hostile_caption_is_linear():
    body = " ".join(["#" * 50_000, "@" * 50_000, "a@" * 50_000, "@" + "a." * 50_000])
    start = time.perf_counter()
    r = mapped(dict(own()[0], caption={"text": body}))
    assert time.perf_counter() - start < 2
    assert not rows(r, "entities", kind="hashtag")
    # The photo tag only: the last @name is far over Instagram's 30 characters.
    assert [e["value"] for e in rows(r, "entities", kind="mention")] == ["passau.stadt"]
    assert post(r)["text"] == body


def test_never_fills_what_the_format_says_it_cannot_provide():
    formats = {f.name: f for f in instagram.FORMATS}
    assert set(formats) == {MEDIA, GRAPH}
    for payload in (feed() if SHARED_FIXTURES.exists() else []) + own():
        fmt = instagram.detect(payload)
        records = instagram.map_item(payload, fmt)
        for table, fields in formats[fmt].cannot_provide.items():
            for row in records.tables[table].values():
                assert all(row.get(f) is None for f in fields), (fmt, table, row["uid"])


# ---------------------------------------------------------------- fuzz

def _payloads():
    out = []
    if SHARED_FIXTURES.exists():
        out += [(f"feed:{i}", d) for i, d in enumerate(feed())]
    out += [(f"own:{i}", d) for i, d in enumerate(own())]
    return out


PAYLOADS = _payloads()


@fuzz_each(PAYLOADS, max_examples=100)
def test_fuzz_mutated_payloads(name, payload, data):
    fmt = instagram.detect(payload)
    assert survives(instagram, data.draw(mutated(payload)), fmt) in (MEDIA, GRAPH, None)


KEYS = ["id", "pk", "code", "taken_at", "media_type", "caption", "text", "user", "owner",
        "username", "full_name", "is_verified", "like_count", "comment_count", "play_count",
        "image_versions2", "candidates", "url", "width", "height", "video_versions",
        "carousel_media", "usertags", "in", "location", "lat", "lng", "name",
        "coauthor_producers", "clips_metadata", "music_info", "music_asset_info",
        "audio_asset_id", "like_and_view_counts_disabled", "__typename", "shortcode",
        "edge_media_to_caption", "edges", "node", "edge_sidecar_to_children", "display_url",
        "is_video", "video_url", "dimensions", "edge_liked_by", "count", "taken_at_timestamp",
        "edge_media_to_tagged_user", "text_post_app_info", "x"]
JSON = json_with_keys(KEYS, ["GraphSidecar", "XDTGraphVideo", "12_34", "#tag @name", "0"],
                      max_leaves=25, dict_size=8)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(value=JSON)
def test_fuzz_detect_and_map_any_json(value):
    survives(instagram, value)
