"""YouTube mapper: golden facts from real and hand-written API responses, JSON-walk counts, fuzz."""

from __future__ import annotations

import json
import re
import time
from datetime import UTC, datetime

import pytest
from hypothesis import HealthCheck, given, settings

from socmint import sources
from socmint.errors import RejectedItem
from socmint.model import FIELDS
from socmint.sources import youtube
from tests.conftest import OWN_FIXTURES, SHARED_FIXTURES, shared_fixture
from tests.mutation import arrow_ok, fuzz_each, json_with_keys, mutated, not_detected, survives

GOOGLE_DEVS = "youtube:UC_x5XG1OV2P6uZZ5FSM9Ttw"
RIVER = "youtube:UCrivErWatch0000000000aa"
KAI = "youtube:UCkayakKai0000000000000d"
DEICH = "youtube:UCdeichTeam00000000000bb"
VIDEO = "youtube:Qx7Rt5mN2pL"


# ---------------------------------------------------------------- helpers

def shared(name: str):
    return json.loads(shared_fixture(f"youtube/{name}").read_text())


def own(name: str):
    return json.loads((OWN_FIXTURES / "youtube" / name).read_text())


def mapped(payload, fmt: str | None = None):
    found = youtube.detect(payload)
    if fmt is not None:
        assert found == fmt
    assert found, "not detected"
    records = youtube.map_item(payload, found)
    arrow_ok(records)
    return records


def rows(records, table, **where):
    return [r for r in records.tables[table].values()
            if all(r.get(k) == v for k, v in where.items())]


def resources(payload, kind: str) -> list[dict]:
    """Every resource of one kind in a payload, by a plain walk of the JSON."""
    out = []
    todo = [payload]
    while todo:
        node = todo.pop()
        if isinstance(node, dict):
            if node.get("kind") == kind:
                out.append(node)
            todo.extend(node.values())
        elif isinstance(node, list):
            todo.extend(node)
    return out


WORD_TAG = re.compile(r"(?:^|\s)#(\w+)")


def check_counts(payload, records) -> None:
    """What the mapper found equals what a plain walk of the JSON finds."""
    comments = resources(payload, "youtube#comment")
    videos = resources(payload, "youtube#video")
    posts = records.tables["posts"]
    assert set(posts) == {"youtube:" + c["id"] for c in comments} | {
        "youtube:" + v["id"] for v in videos}
    assert all(posts["youtube:" + c["id"]]["kind"] == "comment" for c in comments)
    assert all(posts["youtube:" + v["id"]]["kind"] == "video" for v in videos)

    # every comment replies: to its parent (parentId, or the id before ".") or to the video
    replies = rows(records, "interactions", kind="reply")
    assert len(replies) == len(comments)
    for c in comments:
        parent = c["snippet"].get("parentId") or ("." in c["id"] and c["id"].split(".")[0])
        if parent:
            assert posts["youtube:" + c["id"]]["reply_to"] == "youtube:" + parent

    authors = {c["snippet"]["authorChannelId"]["value"] for c in comments
               if "authorChannelId" in c["snippet"]}
    channels = {ch["id"] for ch in resources(payload, "youtube#channel")}
    owners = {v["snippet"]["channelId"] for v in videos if "snippet" in v}
    assert set(records.tables["accounts"]) == {"youtube:" + a for a in authors | channels | owners}

    texts = {"youtube:" + c["id"]: c["snippet"].get("textOriginal", "") for c in comments}
    texts |= {"youtube:" + v["id"]: v.get("snippet", {}).get("title", "") + "\n"
              + v.get("snippet", {}).get("description", "") for v in videos}
    tags = {(u, t.lower()) for u, t_ in texts.items() for t in WORD_TAG.findall(t_)}
    assert {(e["post"], e["normalized"]) for e in rows(records, "entities", kind="hashtag")} == tags
    keywords = {("youtube:" + v["id"], k.lower()) for v in videos
                for k in v.get("snippet", {}).get("tags", [])}
    assert {(e["post"], e["normalized"]) for e in rows(records, "entities", kind="keyword")} == (
        keywords)
    assert len(records.tables["media"]) == sum(bool(v.get("snippet", {}).get("thumbnails"))
                                               for v in videos)
    assert records.retrieved_at is None


# ---------------------------------------------------------------- shared fixtures: golden facts

def test_channels_list_single():
    raw = shared("channels_list_single.json")
    r = mapped(raw, "youtube.channels")
    check_counts(raw, r)
    (a,) = r.tables["accounts"].values()
    assert a["uid"] == GOOGLE_DEVS and a["native_id"] == "UC_x5XG1OV2P6uZZ5FSM9Ttw"
    assert a["handle"] == "googledevelopers" and a["display_name"] == "Google Developers"
    assert a["bio"].startswith("The Google Developers channel features talks from events")
    assert (a["followers"], a["posts_count"], a["location"]) == (1927873, 5026, "US")
    assert a["created_at"] == datetime(2007, 8, 23, 0, 34, 43, tzinfo=UTC)
    assert a["avatar_url"].endswith("=s800-c-k-c0xffffffff-no-rj-mo")  # the largest
    assert a["url"] == "https://www.youtube.com/channel/UC_x5XG1OV2P6uZZ5FSM9Ttw"
    assert a.get("following") is None and a.get("verified") is None
    assert not r.tables["posts"]


def test_comment_thread_with_replies():
    raw = shared("commentThread_with_replies.json")
    r = mapped(raw, "youtube.comment_threads")
    check_counts(raw, r)
    top = r.tables["posts"]["youtube:UgydxWWoeA7F1OdqypJ4AaABAg"]
    assert top["text"] == "Actions.ai" and top["account_uid"] == "youtube:UCe9i1nJCcevTa6KJa55KYog"
    assert top["reply_to"] == top["conversation"] == "youtube:D-lhorsDlUQ"
    assert (top["likes"], top["replies"]) == (0, 1)
    assert top["url"] == "https://www.youtube.com/watch?v=D-lhorsDlUQ&lc=UgydxWWoeA7F1OdqypJ4AaABAg"
    # YouTube linked the bare domain in textDisplay: that link is the URL entity
    (u,) = rows(r, "entities", post=top["uid"], kind="url")
    assert u["value"] == "http://actions.ai/"

    reply = r.tables["posts"]["youtube:UgydxWWoeA7F1OdqypJ4AaABAg.8wWQ3tdHcFx8xcDheui-qb"]
    assert reply["text"] == "#" and reply["likes"] == 1
    assert reply["reply_to"] == top["uid"] and reply["conversation"] == "youtube:D-lhorsDlUQ"
    assert reply["created_at"] == datetime(2019, 7, 20, 20, 22, 27, tzinfo=UTC)
    (i,) = rows(r, "interactions", post=reply["uid"])
    assert (i["source"], i["target"]) == ("youtube:UCsl2A_QzcSnFD2hpCyVwXxA", top["account_uid"])
    assert not rows(r, "entities", kind="hashtag")  # a lone "#" is no hashtag
    assert r.tables["accounts"][top["account_uid"]]["display_name"] == "Loren Robilio"


def test_comment_threads_by_video():
    raw = shared("commentThreads_list_by_video.json")
    r = mapped(raw, "youtube.comment_threads")
    check_counts(raw, r)
    assert len(r.tables["posts"]) == 5
    assert {p["reply_to"] for p in r.tables["posts"].values()} == {"youtube:F1UP7wRCPH8"}
    # no channelId in these (2019) threads: the video's owner, hence the target, is unknown
    assert {i["target"] for i in r.tables["interactions"].values()} == {None}
    p = r.tables["posts"]["youtube:UgwI_ylXVnzPS8Q-oAV4AaABAg"]
    assert p["text"].startswith("Lot's of good light coming in from here #ChromeDevSummit")
    (h,) = rows(r, "entities", post=p["uid"], kind="hashtag")
    assert (h["value"], h["normalized"]) == ("ChromeDevSummit", "chromedevsummit")
    assert not rows(r, "entities", post=p["uid"], kind="url")  # hashtag search links skipped
    p = r.tables["posts"]["youtube:UgyKv8ziPYFJDGytM_J4AaABAg"]
    assert p["text"].endswith("fordata show\n        settings displayed")
    assert r.tables["posts"]["youtube:UgysQP-vp089eFP0Stl4AaABAg"]["likes"] == 4
    assert rows(r, "entities", post="youtube:UgyZ1jqkHKYvi1-ruOZ4AaABAg", kind="url")[0][
        "value"] == "http://google.com/"


def test_comments_list_by_parent():
    raw = shared("comments_list_by_parent.json")
    r = mapped(raw, "youtube.comments")
    check_counts(raw, r)
    parent = "youtube:Ugw5zYU6n9pmIgAZWvN4AaABAg"
    p = r.tables["posts"]["youtube:Ugw5zYU6n9pmIgAZWvN4AaABAg.91zT3cYb5B291za6voUoRh"]
    assert p["text"] == "this is the third reply!" and p["reply_to"] == parent
    assert p["conversation"] is None and p["url"] is None  # these replies do not name the video
    assert {i["target_post"] for i in r.tables["interactions"].values()} == {parent}
    (a,) = r.tables["accounts"].values()
    assert a["uid"] == "youtube:UCNvMBmCASzTNNX8lW3JRMbw" and a["display_name"] == "kun liu"


def test_videos_list_with_statistics():
    raw = shared("videos_list_with_statistics.json")
    r = mapped(raw, "youtube.videos")
    check_counts(raw, r)
    v = r.tables["posts"]["youtube:D-lhorsDlUQ"]
    assert v["kind"] == "video" and v["account_uid"] == GOOGLE_DEVS
    assert (v["likes"], v["replies"], v["views"]) == (190, 32, 7920)
    assert v["text"].startswith("What are Actions on Google (Assistant on Air)\n\nIn the first ep")
    assert v["language"] == "en" and v["url"] == "https://www.youtube.com/watch?v=D-lhorsDlUQ"
    assert v["created_at"] == datetime(2019, 3, 21, 20, 37, 49, tzinfo=UTC)
    assert v["conversation"] == v["uid"] and v.get("lat") is None and v.get("community") is None
    assert {e["value"] for e in rows(r, "entities", kind="url")} == {
        "http://bit.ly/2YabdS5", "https://bit.ly/googledevs"}
    assert len(rows(r, "entities", kind="keyword")) == 19  # 20 tags; 2 differ only in case
    assert rows(r, "entities", kind="keyword", normalized="actions on google")[0]["value"] == (
        "Actions on Google")  # as first written
    m = r.tables["media"]["youtube:D-lhorsDlUQ#thumbnail"]
    assert (m["kind"], m["width"], m["height"]) == ("photo", 1280, 720)
    assert m["url"].endswith("/maxresdefault.jpg") and m["preview_url"].endswith("/default.jpg")
    assert r.tables["accounts"][GOOGLE_DEVS]["display_name"] == "Google Developers"


def test_registry_routes_every_youtube_payload_here():
    shared_fixture("youtube/channels_list_single.json")
    paths = sorted((SHARED_FIXTURES / "youtube").glob("*.json"))
    paths += sorted((OWN_FIXTURES / "youtube").glob("*.json"))
    for path in paths:
        payload = json.loads(path.read_text())
        found = sources.detect(payload)
        assert found and found[0] is youtube, path.name
        assert sources.map_detected(found, payload).count() > 0


def test_other_platforms_payloads_are_not_youtube():
    shared_fixture("youtube/channels_list_single.json")
    others = (p for p in SHARED_FIXTURES.rglob("*") if p.parent.name != "youtube")
    assert not_detected(youtube, others) > 100


# ---------------------------------------------------------------- own fixtures: same cases

def test_own_videos_with_location_and_missing_parts():
    raw = own("videos_list_parts.json")
    r = mapped(raw, "youtube.videos")
    check_counts(raw, r)
    v = r.tables["posts"][VIDEO]
    assert v["text"].startswith("River level at Station 42 & the night evacuation #floodwatch\n\n")
    assert (v["lat"], v["lon"], v["place"]) == (50.9375, 6.9603, "Rheinbrücke, Köln")
    assert v["language"] == "de"  # defaultAudioLanguage, no defaultLanguage
    # likes hidden and comments off: absent, not zero
    assert (v["views"], v.get("likes"), v.get("replies")) == (48211, None, None)
    assert {e["normalized"] for e in rows(r, "entities", post=VIDEO, kind="hashtag")} == {
        "floodwatch", "hochwasser2024"}
    assert rows(r, "entities", post=VIDEO, kind="hashtag", normalized="floodwatch")[0][
        "value"] == "floodwatch"
    (m,) = rows(r, "entities", kind="mention")
    assert (m["value"], m["normalized"]) == ("DeichTeam", "deichteam")
    assert not rows(r, "interactions", kind="mention")  # @DeichTeam's channel is not here
    assert {e["value"] for e in rows(r, "entities", kind="url")} == {
        "https://pegel.example.de/river/station-42"}  # not youtu.be/abc (no scheme), not mail
    assert {e["normalized"] for e in rows(r, "entities", kind="topic")} == {
        "society", "natural disaster"}
    assert {e["normalized"] for e in rows(r, "entities", kind="keyword")} == {
        "flood", "hochwasser", "river level", "evacuation"}
    assert r.tables["media"][VIDEO + "#thumbnail"]["width"] == 480

    # part=statistics only: metrics, no author, text or time
    v = r.tables["posts"]["youtube:Hn4Kp8sW2eQ"]
    assert (v["likes"], v["replies"], v["views"]) == (87, 0, 1200)
    assert v["account_uid"] is None and v["text"] is None and v["created_at"] is None
    assert set(r.tables["accounts"]) == {RIVER}


def test_own_channels_hidden_subscribers_and_legacy_url():
    raw = own("channels_list_hidden.json")
    r = mapped(raw, "youtube.channels")
    check_counts(raw, r)
    a = r.tables["accounts"][RIVER]
    assert a["followers"] is None  # hiddenSubscriberCount: the "0" is not a count
    assert (a["handle"], a["posts_count"], a["location"]) == ("riverwatch", 214, "DE")
    assert a["avatar_url"] == "https://yt3.ggpht.com/rw-800"
    a = r.tables["accounts"][DEICH]
    assert (a["handle"], a["followers"], a["posts_count"]) == ("deichteamhh", 1230, 0)
    assert a["bio"] == "" and a.get("location") is None
    a = r.tables["accounts"]["youtube:UConlyId00000000000000cc"]  # part=id only
    assert a.get("display_name") is None and a.get("followers") is None


def test_own_comment_threads_with_mentions_and_deleted_author():
    raw = own("commentThreads_mentions.json")
    r = mapped(raw, "youtube.comment_threads")
    check_counts(raw, r)
    posts = r.tables["posts"]
    top = posts["youtube:UgzAbCdEfGhIjKlMnOp4AaABAg"]
    assert top["account_uid"] == KAI and top["replies"] == 3 and top["likes"] == 12
    # the thread names the video's channel: a top-level comment answers the uploader
    (i,) = rows(r, "interactions", post=top["uid"])
    assert (i["source"], i["target"], i["target_post"]) == (KAI, RIVER, VIDEO)
    # links: the external one only (the timestamp and hashtag links are YouTube's own)
    assert {e["value"] for e in rows(r, "entities", post=top["uid"], kind="url")} == {
        "https://maps.example.com/?q=50.93,6.96"}

    answer = posts["youtube:UgzAbCdEfGhIjKlMnOp4AaABAg.A1b2C3d4E5fA1b2C3d4E5f"]
    assert answer["account_uid"] == RIVER and answer["reply_to"] == top["uid"]
    (i,) = rows(r, "interactions", post=answer["uid"], kind="reply")
    assert i["target"] == KAI
    assert {e["normalized"] for e in rows(r, "entities", post=answer["uid"], kind="mention")} == {
        "kayak_kai", "deichteam"}
    # @kayak_kai is an author in this item: a mention edge; @DeichTeam is not: entity only
    (m,) = rows(r, "interactions", post=answer["uid"], kind="mention")
    assert (m["source"], m["target"]) == (RIVER, KAI)

    # no textOriginal: textDisplay as plain text
    back = posts["youtube:UgzAbCdEfGhIjKlMnOp4AaABAg.A1b2C3d4E5fZ9y8X7w6V5u"]
    assert back["text"] == "@riverwatch danke! 'north side' & not south\nok"
    assert rows(r, "interactions", post=back["uid"], kind="mention")[0]["target"] == RIVER

    # "@handle" display names are handles; a plain name is a display name, on the same account
    assert r.tables["accounts"][RIVER]["handle"] == "riverwatch"
    kai = r.tables["accounts"][KAI]
    assert (kai["handle"], kai["display_name"]) == ("kayak_kai", "Kai from the kayak club")

    # a comment whose author's channel is gone: no account, the reply edge still stands
    first = posts["youtube:UgxDeletedAuthor000004AaABAg"]
    assert first["account_uid"] is None and first["text"] == "first"
    (i,) = rows(r, "interactions", post=first["uid"])
    assert (i["source"], i["target"]) == (None, RIVER)


def test_own_single_reply_with_partial_fields():
    raw = own("comment_reply_partial.json")
    r = mapped(raw, "youtube.comments")
    check_counts(raw, r)
    (p,) = r.tables["posts"].values()
    assert p["reply_to"] == "youtube:UgzAbCdEfGhIjKlMnOp4AaABAg"  # from the id: no parentId
    assert p["conversation"] is None and p["likes"] == 2
    assert r.tables["accounts"][DEICH]["handle"] == "deichteam"


def test_own_search_results():
    raw = own("search_list.json")
    r = mapped(raw, "youtube.search")
    v = r.tables["posts"][VIDEO]
    assert v["text"].startswith("River level at Station 42 & the night evacuation")  # unescaped
    assert v["account_uid"] == RIVER and v.get("views") is None
    assert v["created_at"] == datetime(2024, 3, 2, 18, 30, 5, tzinfo=UTC)
    assert r.tables["accounts"][DEICH]["bio"] == "We don't do floods, we stop them."
    assert len(r.tables["posts"]) == 1  # the playlist result maps to nothing
    assert set(r.tables["accounts"]) == {RIVER, DEICH}


def test_own_uploads_playlist():
    raw = own("playlistItems_uploads.json")
    r = mapped(raw, "youtube.playlist_items")
    v = r.tables["posts"][VIDEO]
    # videoPublishedAt, not the time the video was added to the playlist
    assert v["created_at"] == datetime(2024, 3, 2, 18, 30, 5, tzinfo=UTC)
    assert v["account_uid"] == RIVER and v["kind"] == "video"
    gone = r.tables["posts"]["youtube:Dl3tEd00001"]
    assert gone["deleted"] is True and gone.get("text") is None
    private = r.tables["posts"]["youtube:Pr1vAt00001"]
    assert private.get("deleted") is None and private.get("text") is None
    assert set(r.tables["accounts"]) == {RIVER}


# ---------------------------------------------------------------- decisions and edge cases

def test_detect_boundaries():
    assert youtube.detect({"kind": "youtube#videoListResponse", "items": []}) == "youtube.videos"
    assert youtube.detect({"kind": "youtube#subscriptionListResponse"}) is None
    assert youtube.detect({"kind": "t3", "data": {}}) is None  # Reddit
    assert youtube.detect({"kind": ["youtube#video"]}) is None
    assert youtube.detect([{"kind": "youtube#video", "id": "x"}]) is None
    assert youtube.detect("youtube#video") is None


def test_rejections():
    with pytest.raises(RejectedItem):
        youtube.map_item({"kind": "youtube#video"}, "youtube.videos")  # no id
    with pytest.raises(RejectedItem):
        youtube.map_item({"kind": "youtube#comment", "id": "x", "snippet": {
            "textOriginal": ["not", "text"]}}, "youtube.comments")
    with pytest.raises(RejectedItem):
        youtube.map_item({"kind": "youtube#video", "id": "x"}, "youtube.nothing")


def test_html_text():
    assert youtube.html_text('a<br>b <a href="x">link</a> &amp; 1 < 2') == "a\nb link & 1 < 2"
    assert youtube.html_text(None) is None


@pytest.mark.parametrize("hostile", [
    "<a " * 30000, "@" * 100000, "#" * 100000, "@" + "a" * 100000, "<a href=\"" * 30000,
    "http://" * 30000, ("@ab." * 30000),
])
def test_hostile_text_is_linear(hostile):
    start = time.perf_counter()
    records = youtube.map_item({"kind": "youtube#comment", "id": "c", "snippet": {
        "textDisplay": hostile, "videoId": "v"}}, "youtube.comments")
    arrow_ok(records)
    assert time.perf_counter() - start < 3


# ---------------------------------------------------------------- fuzz

def _payloads():
    out = []
    if SHARED_FIXTURES.exists():
        for path in sorted((SHARED_FIXTURES / "youtube").glob("*.json")):
            out.append((path.name, json.loads(path.read_text())))
    for path in sorted((OWN_FIXTURES / "youtube").glob("*.json")):
        out.append((f"own/{path.name}", json.loads(path.read_text())))
    return out


PAYLOADS = _payloads()


@fuzz_each(PAYLOADS, max_examples=100)
def test_fuzz_mutated_payloads(name, payload, data):
    fmt = youtube.detect(payload)
    assert fmt
    survives(youtube, data.draw(mutated(payload)), fmt)


JSON = json_with_keys(
    ["kind", "items", "id", "snippet", "statistics", "topLevelComment", "replies", "comments",
     "videoId", "channelId", "parentId", "textOriginal", "textDisplay", "authorChannelId",
     "value", "authorDisplayName", "customUrl", "hiddenSubscriberCount", "subscriberCount",
     "thumbnails", "url", "tags", "recordingDetails", "location", "latitude", "contentDetails",
     "x"],
    list(youtube.KINDS) + ["@ab_c", "#tag", "https://x.example/"])


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(value=JSON)
def test_fuzz_detect_and_map_any_json(value):
    survives(youtube, value)


def test_cannot_provide_is_never_provided():
    """Every field a format says it never holds is a model field, and no fixture fills it."""
    formats = {f.name: f for f in youtube.FORMATS}
    assert set(formats) == set(youtube.KINDS.values())
    for name, payload in PAYLOADS:
        fmt = formats[youtube.detect(payload)]
        r = youtube.map_item(payload, fmt.name)
        for table, fields in fmt.cannot_provide.items():
            assert set(fields) <= {f for f, _ in FIELDS[table]}, (fmt.name, table)
            for record in r.tables[table].values():
                assert all(record.get(f) is None for f in fields), (name, table, record["uid"])
