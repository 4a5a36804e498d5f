"""Telegram mapper: golden facts from real, synthetic and hand-written Desktop exports, JSON-walk
counts, other platforms left alone, fuzz."""

from __future__ import annotations

import copy
import csv
import io
import json
from datetime import UTC, datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from socmint import sources
from socmint.errors import RejectedItem
from socmint.model import FIELDS
from socmint.sources import telegram
from socmint.sources.common import ArchivePart, CsvRow, normalize_url
from tests.conftest import OWN_FIXTURES, SHARED_FIXTURES, shared_fixture
from tests.mutation import arrow_ok, fuzz_each, json_with_keys, mutated, survives

CHAT = "telegram.desktop_export"
ACCOUNT = "telegram.desktop_account_export"

TG2MD = "desktop_export_private_channel_tg2md.json"
RAGTG = "desktop_export_private_group_ragtgbot.json"
SYN_PERSONAL = "synthetic/desktop_export_schema_example_personal_chat.json"
SYN_GROUP = "synthetic/desktop_export_schema_example_group.json"

# The documented rule, restated: which peer kind a chat's bare id is.
CHAT_PEER = {"personal_chat": "user", "bot_chat": "user", "saved_messages": "user",
             "private_group": "chat", "private_supergroup": "channel",
             "public_supergroup": "channel", "private_channel": "channel",
             "public_channel": "channel"}


# ---------------------------------------------------------------- helpers

def shared(name: str):
    return json.loads(shared_fixture(f"telegram/{name}").read_text())


def own(name: str):
    return json.loads((OWN_FIXTURES / "telegram" / name).read_text())


def mapped(payload, fmt: str):
    assert telegram.detect(payload) == fmt
    records = telegram.map_item(payload, fmt)
    arrow_ok(records)
    return records


def rows(records, table, **where):
    return [r for r in records.tables[table].values()
            if all(r.get(k) == v for k, v in where.items())]


def post(records, chat_id: int, mid: int) -> dict:
    return records.tables["posts"][f"telegram:{chat_id}/{mid}"]


def values(records, post_uid: str, kind: str) -> set[str]:
    return {e["normalized"] for e in rows(records, "entities", post=post_uid, kind=kind)}


def chats_in(payload) -> list[dict]:
    if "messages" in payload:
        return [payload]
    return [c for key in ("chats", "left_chats") for c in payload.get(key, {}).get("list", [])]


def messages_in(payload) -> list[tuple[dict, dict]]:
    """(chat, message) for every message and service message, by a plain walk of the JSON."""
    return [(c, m) for c in chats_in(payload) for m in c["messages"]
            if m["type"] in ("message", "service")]


def uid_of(chat, m) -> str:
    return f"telegram:{chat['id']}/{m['id']}"


def chat_uid(chat) -> str:
    return f"telegram:{CHAT_PEER[chat['type']]}{chat['id']}"


def peer_uid(value, chat) -> str:
    if isinstance(value, int):  # older exports: a user, or the channel/supergroup itself
        same = CHAT_PEER[chat["type"]] == "channel" and value == chat["id"]
        return f"telegram:{'channel' if same else 'user'}{value}"
    return "telegram:" + value


def parts_of(m) -> list[dict]:
    if "text_entities" in m:
        return m["text_entities"]
    return [p for p in m["text"] if isinstance(p, dict)] if isinstance(m["text"], list) else []


def check_counts(payload, r) -> None:
    """What the mapper found equals what a plain walk of the JSON finds."""
    msgs = messages_in(payload)
    posts = r.tables["posts"]
    assert set(posts) == {uid_of(c, m) for c, m in msgs}
    assert {u for u, p in posts.items() if p["kind"] == "service"} == {
        uid_of(c, m) for c, m in msgs if m["type"] == "service"}
    for c, m in msgs:
        p = posts[uid_of(c, m)]
        assert p["community"] == chat_uid(c)
        if "date_unixtime" in m:
            assert p["created_at"] == datetime.fromtimestamp(int(m["date_unixtime"]), UTC)
        else:
            assert p["created_at"] == datetime.fromisoformat(m["date"]).replace(tzinfo=UTC)
        who = m.get("actor_id") if m["type"] == "service" else m.get("from_id")
        if who is not None:
            assert p["account_uid"] == peer_uid(who, c)

    inter = list(r.tables["interactions"].values())
    ents = list(r.tables["entities"].values())

    replies = {uid_of(c, m) for c, m in msgs
               if m["type"] == "message" and "reply_to_message_id" in m}
    assert {u for u, p in posts.items() if p.get("reply_to")} == replies
    assert sorted(i["post"] for i in inter if i["kind"] == "reply") == sorted(replies)

    forwards = {uid_of(c, m) for c, m in msgs if "forwarded_from" in m or "forwarded_from_id" in m}
    assert sorted(i["post"] for i in inter if i["kind"] == "repost") == sorted(forwards)

    def found(kind):
        return {(e["post"], e["normalized"]) for e in ents if e["kind"] == kind}

    mentions, tags, cash, urls, emails = set(), set(), set(), set(), set()
    for c, m in msgs:
        u = uid_of(c, m)
        for part in parts_of(m):
            t, s = part["type"], part["text"]
            if t == "mention":
                mentions.add((u, s.lstrip("@").lower()))
            elif t == "mention_name":
                mentions.add((u, f"user{part['user_id']}"))
            elif t == "hashtag":
                tags.add((u, s[1:].lower()))
            elif t == "cashtag":
                cash.add((u, s[1:].lower()))
            elif t == "link":
                urls.add((u, normalize_url(s if "://" in s else "http://" + s)))
            elif t == "text_link" and part["href"].startswith("http"):
                urls.add((u, normalize_url(part["href"])))
            elif t == "email":
                emails.add((u, s.lower()))
    assert found("mention") == mentions
    assert sum(i["kind"] == "mention" for i in inter) == len(mentions)
    assert found("hashtag") == tags
    assert found("cashtag") == cash
    assert found("url") == urls
    assert {p for p, _ in found("domain")} == {p for p, _ in urls}
    assert found("email") == emails

    media = {uid_of(c, m) + "#photo" for c, m in msgs if "photo" in m}
    media |= {uid_of(c, m) + "#file" for c, m in msgs if "file" in m}
    assert set(r.tables["media"]) == media

    located = {uid_of(c, m) for c, m in msgs if m.get("location_information")}
    assert {u for u, p in posts.items() if p.get("lat") is not None} == located

    accounts = {chat_uid(c) for c in chats_in(payload)
                if c["type"] not in ("saved_messages", "replies")}
    for c, m in msgs:
        for key in ("from_id", "actor_id", "forwarded_from_id"):
            if m.get(key) is not None:
                accounts.add(peer_uid(m[key], c))
        accounts |= {f"telegram:user{p['user_id']}" for p in parts_of(m)
                     if p["type"] == "mention_name"}
    if "personal_information" in payload:
        accounts.add(f"telegram:user{payload['personal_information']['user_id']}")
    assert set(r.tables["accounts"]) == accounts
    assert r.retrieved_at is None  # an export does not say when it was made


# ---------------------------------------------------------------- shared fixtures: golden facts

def test_tg2md_old_private_channel():
    raw = shared(TG2MD)
    r = mapped(raw, CHAT)
    check_counts(raw, r)
    ch = "telegram:channel1292077344"
    assert set(r.tables["accounts"]) == {ch}
    assert r.tables["accounts"][ch]["display_name"] == "test"
    assert len(r.tables["posts"]) == 19
    assert {p["account_uid"] for p in r.tables["posts"].values()} == {ch}
    s = post(r, 1292077344, 1)
    assert (s["kind"], s["text"]) == ("service", "[service] create_channel by test: test")
    # Older `date` has no zone: read as UTC (documented limit).
    assert post(r, 1292077344, 2)["created_at"] == datetime(2020, 11, 12, 12, 54, 7, tzinfo=UTC)
    assert post(r, 1292077344, 2)["text"] == "test text post"
    assert post(r, 1292077344, 5)["text"] == (
        "italic\n\nbold\n\nunderline\n\nstrikethrough\n\nmonospace")  # edited: text at export
    assert post(r, 1292077344, 21)["text"] == "тестирование utf-8."
    # Message 14: a text_link to http://example.com/ and a bare link "example.com" are one URL.
    p14 = "telegram:1292077344/14"
    assert post(r, 1292077344, 14)["text"] == "text link\n\nexample.com\n\nexample@example.com"
    assert values(r, p14, "url") == {"http://example.com/"}
    assert values(r, p14, "domain") == {"example.com"}
    assert values(r, p14, "email") == {"example@example.com"}
    assert not r.tables["interactions"]  # no replies, forwards or mentions in this export
    media = r.tables["media"]
    assert len(media) == 9
    assert {u for u, m in media.items() if m["kind"] == "photo" and u.endswith("#photo")} == {
        f"telegram:1292077344/{i}#photo" for i in (3, 4, 23, 24, 25)}
    assert media["telegram:1292077344/3#photo"]["url"] == "photos/photo_1@12-11-2020_12-57-31.jpg"
    assert (media["telegram:1292077344/3#photo"]["width"],
            media["telegram:1292077344/3#photo"]["height"]) == (801, 526)
    voice = media["telegram:1292077344/7#file"]
    assert (voice["kind"], voice["url"]) == (
        "audio", "voice_messages/audio_1@12-11-2020_13-01-05.ogg")
    assert media["telegram:1292077344/8#file"]["kind"] == "audio"
    svg = media["telegram:1292077344/22#file"]
    assert (svg["kind"], svg["preview_url"], svg["width"]) == (
        "photo", "files/dice.svg_thumb.jpg", 622)
    assert media["telegram:1292077344/26#file"]["kind"] == "other"  # text/markdown


def test_ragtgbot_current_private_group():
    raw = shared(RAGTG)
    r = mapped(raw, CHAT)
    check_counts(raw, r)
    group, user = "telegram:chat4696915167", "telegram:user12345678"
    assert r.tables["accounts"][group]["display_name"] == "TestRag"
    assert r.tables["accounts"][user]["display_name"] == "verymuchuser"
    assert r.tables["accounts"][user].get("handle") is None
    p = post(r, 4696915167, 603441)
    assert (p["account_uid"], p["community"], p["kind"]) == (user, group, "message")
    assert p["text"] == "Hi, how are you?"
    # date_unixtime wins: the local `date` says 15:11:08, the exporter's clock was UTC+1.
    assert raw["messages"][1]["date"] == "2025-03-29T15:11:08"
    assert p["created_at"] == datetime(2025, 3, 29, 14, 11, 8, tzinfo=UTC)
    s = post(r, 4696915167, 603440)
    assert s["kind"] == "service" and s["account_uid"] == user
    assert s["text"] == ("[service] create_group by verymuchuser: TestRag; "
                         "members verymuchuser, anotheruser")
    assert post(r, 4696915167, 603444)["text"] == "Я ем пельмени, но без особого удовольствия."
    assert not r.tables["interactions"] and not r.tables["entities"]


def test_synthetic_personal_chat():
    raw = shared(SYN_PERSONAL)
    r = mapped(raw, CHAT)
    check_counts(raw, r)
    alice, me, news = "telegram:user10001", "telegram:user777000", "telegram:channel500"
    assert set(r.tables["accounts"]) == {alice, me, news}
    assert r.tables["accounts"][news]["display_name"] == "Channel News"
    assert len(r.tables["posts"]) == 86  # the "unsupported" message 87 is skipped
    assert {p["community"] for p in r.tables["posts"].values()} == {alice}

    p1 = "telegram:10001/1"
    assert post(r, 10001, 1)["text"] == "Base text with entities"
    assert values(r, p1, "mention") == {"alice"}
    assert values(r, p1, "url") == {"https://example.org/"}
    (m,) = rows(r, "interactions", kind="mention")
    assert (m["source"], m["target"], m["post"]) == (me, None, p1)  # a username is not an id
    assert post(r, 10001, 1).get("likes") is None  # reactions are not likes

    # Message 2: an edited forward that replies to message 1 in the chat named by reply_to_peer_id.
    p2 = post(r, 10001, 2)
    assert p2["text"] == "Edited forwarded reply" and p2["account_uid"] == alice
    assert p2["reply_to"] == "telegram:777000/1"
    (reply,) = rows(r, "interactions", kind="reply")
    assert (reply["source"], reply["target_post"], reply["target"]) == (
        alice, "telegram:777000/1", None)  # that chat is not in this export
    (fwd,) = rows(r, "interactions", kind="repost")
    assert (fwd["source"], fwd["target"], fwd["post"], fwd["target_post"]) == (
        alice, news, "telegram:10001/2", None)
    assert p2.get("repost_of") is None  # the original message id is not in the export
    assert values(r, "telegram:10001/2", "forwarded_from") == {"channel500"}
    assert values(r, "telegram:10001/2", "via_bot") == {"gif"}

    media = r.tables["media"]
    assert (media["telegram:10001/3#photo"]["width"], media["telegram:10001/3#photo"]["url"]) == (
        1280, "photos/p1.jpg")
    kinds = {int(u.split("/")[1].split("#")[0]): m["kind"] for u, m in media.items()}
    assert kinds == {3: "photo", 4: "photo", 5: "video", 6: "audio", 7: "gif", 8: "video",
                     9: "audio", 22: "other", 25: "photo", 60: "photo"}
    assert media["telegram:10001/5#file"]["preview_url"] == "thumbs/video_note.jpg"
    assert media["telegram:10001/22#file"]["url"] is None  # "(File unavailable, ...)"

    assert (post(r, 10001, 11)["lat"], post(r, 10001, 11)["lon"]) == (40.7128, -74.006)
    assert post(r, 10001, 12)["lat"] is None  # location_information: null
    p13 = post(r, 10001, 13)
    assert (p13["lat"], p13["lon"], p13["place"]) == (50.45, 30.523, "Coffee Bar, Main Street 42")
    assert post(r, 10001, 14)["place"] == "No coords venue, Unknown"
    assert post(r, 10001, 17)["text"] == "[poll] Best language?\n- C++\n- Rust"
    assert post(r, 10001, 18)["text"] == "[todo] Weekend tasks\n- Buy milk\n- Ship package"
    assert post(r, 10001, 10)["text"] == ""  # a shared contact (a phone number) is left out
    assert not rows(r, "entities", kind="phone")

    assert post(r, 10001, 29)["text"] == "[service] joined_telegram by Alice Example: invited by Me"
    assert post(r, 10001, 41)["text"] == (
        "[service] custom_action by Alice Example: Custom service text")
    assert post(r, 10001, 36)["account_uid"] is None  # send_payment has no actor
    assert post(r, 10001, 48)["account_uid"] == alice  # proximity_reached: from_id
    assert post(r, 10001, 86)["created_at"] == datetime(2027, 1, 2, 8, 30, tzinfo=UTC)


def test_synthetic_group():
    raw = shared(SYN_GROUP)
    r = mapped(raw, CHAT)
    check_counts(raw, r)
    group, me = "telegram:chat20001", "telegram:user777000"
    alice, bob = "telegram:user10001", "telegram:user10002"
    assert r.tables["accounts"][group]["display_name"] == "Team Chat"
    assert set(r.tables["accounts"]) == {group, me, alice, bob, "telegram:channel500"}
    assert len(rows(r, "posts", kind="service")) == 21 and len(r.tables["posts"]) == 44
    # Message 26 replies to message 7, which is in the export: the target is its author.
    p26 = post(r, 20001, 26)
    assert p26["reply_to"] == "telegram:20001/7" and p26["account_uid"] == bob
    (reply,) = rows(r, "interactions", kind="reply")
    assert (reply["source"], reply["target"], reply["post"]) == (bob, me, "telegram:20001/26")
    # Message 25: a forward from a channel, with an admin signature.
    (fwd,) = rows(r, "interactions", kind="repost")
    assert (fwd["source"], fwd["target"]) == (alice, "telegram:channel500")
    assert r.tables["accounts"]["telegram:channel500"]["display_name"] == "Public Channel"
    assert values(r, "telegram:20001/25", "signature") == {"admin"}
    # Message 34: two usernames, two mentions with no target, kept apart.
    assert values(r, "telegram:20001/34", "mention") == {"alice", "bob"}
    ms = rows(r, "interactions", kind="mention", post="telegram:20001/34")
    assert len(ms) == 2 and {m["target"] for m in ms} == {None}
    assert post(r, 20001, 33).get("likes") is None
    assert post(r, 20001, 8)["text"] == (
        "Poll without votes\n\n[poll] What should we do?\n- Option A\n- Option B\n- Option C")
    assert post(r, 20001, 17)["text"] == "[service] remove_members by Me: members Charlie Test"
    assert r.tables["media"]["telegram:20001/3#photo"]["url"] == "photos/group_photo.jpg"
    big = r.tables["media"]["telegram:20001/31#file"]
    assert (big["url"], big["kind"]) == (None, "other")  # "(File exceeds maximum size. ...)"
    assert r.tables["media"]["telegram:20001/30#file"]["url"] == "files/document.pdf"
    p36 = post(r, 20001, 36)
    assert (p36["lat"], p36["lon"], p36["place"]) == (40.758, -73.9855, "Office, 123 Main St")


# ---------------------------------------------------------------- own fixtures: golden facts

HW = "telegram:channel1500000001"


def test_own_public_channel():
    raw = own("public_channel_export.json")
    r = mapped(raw, CHAT)
    check_counts(raw, r)
    council, master = "telegram:channel1400000002", "telegram:user5550001"
    assert set(r.tables["accounts"]) == {HW, council, master}
    assert r.tables["accounts"][HW]["display_name"] == "Harbour Watch"
    assert r.tables["accounts"][council]["display_name"] == "City Council"
    assert r.tables["accounts"][master].get("display_name") is None  # only how a post wrote it
    assert {p["account_uid"] for p in r.tables["posts"].values()} == {HW}

    p2 = post(r, 1500000001, 2)
    assert p2["text"] == ("Water level at #Pier4 is rising. Source: @port_authority, map: "
                          "harbour map and https://news.example.com/flood/2024 #Flood")
    assert p2["created_at"] == datetime(2024, 3, 1, 9, 5, tzinfo=UTC)  # local 10:05 at UTC+1
    u2 = p2["uid"]
    assert values(r, u2, "hashtag") == {"pier4", "flood"}
    assert values(r, u2, "mention") == {"port_authority"}
    assert values(r, u2, "url") == {"https://maps.example.org/harbour?layer=flood",
                                    "https://news.example.com/flood/2024"}
    assert values(r, u2, "domain") == {"example.org", "example.com"}
    assert values(r, u2, "signature") == {"ines m."}
    assert r.tables["media"][u2 + "#photo"]["width"] == 1280

    u3 = "telegram:1500000001/3"
    (fwd,) = rows(r, "interactions", kind="repost", post=u3)
    assert (fwd["source"], fwd["target"]) == (HW, council)
    assert values(r, u3, "email") == {"press@city.example"}
    assert values(r, u3, "phone") == {"+49301234567"}
    u4 = "telegram:1500000001/4"
    (hidden,) = rows(r, "interactions", kind="repost", post=u4)
    assert hidden["target"] is None
    assert rows(r, "entities", post=u4, kind="forwarded_from")[0]["value"] == "Hidden Sender"
    assert r.tables["media"][u4 + "#file"]["preview_url"] == "video_files/pier.mp4_thumb.jpg"

    p5 = post(r, 1500000001, 5)
    assert p5["reply_to"] == u2 and p5["text"] == "Update: level dropping again #flood $EUR"
    (reply,) = rows(r, "interactions", kind="reply", post=p5["uid"])
    assert (reply["source"], reply["target"], reply["target_post"]) == (HW, HW, u2)
    assert values(r, p5["uid"], "cashtag") == {"eur"}
    assert values(r, p5["uid"], "via_bot") == {"gif"}
    assert r.tables["media"][p5["uid"] + "#file"]["kind"] == "gif"
    p6 = post(r, 1500000001, 6)
    assert p6["reply_to"] == "telegram:1500000001/1200"
    assert rows(r, "interactions", kind="reply", post=p6["uid"])[0]["target"] is None

    u7 = "telegram:1500000001/7"
    (m,) = rows(r, "interactions", kind="mention", post=u7)
    assert (m["source"], m["target"]) == (HW, master)
    assert rows(r, "entities", post=u7, kind="mention")[0]["value"] == "Harbour Master"
    assert values(r, u7, "url") == {"http://t.me/harbourwatch"}  # a bare link, as written
    assert rows(r, "entities", post=u7, kind="url")[0]["value"] == "t.me/harbourwatch"
    assert values(r, u7, "bot_command") == {"/subscribe@harbourbot"}

    p8 = post(r, 1500000001, 8)
    assert (p8["lat"], p8["lon"]) == (53.5438, 9.9664)
    assert p8["place"] == "Pier 4, Quay Street 4, Hamburg"
    sticker = r.tables["media"]["telegram:1500000001/9#file"]
    assert (sticker["kind"], sticker["width"]) == ("photo", 512)
    left_out = r.tables["media"]["telegram:1500000001/10#file"]
    assert (left_out["url"], left_out["kind"]) == (None, "other")
    assert post(r, 1500000001, 11)["text"] == "[service] pin_message by Harbour Watch"
    assert post(r, 1500000001, 12)["text"] == "[poll] Is your street flooded?\n- Yes\n- No"
    u13 = "telegram:1500000001/13"
    assert len(rows(r, "entities", post=u13, kind="hashtag")) == 1  # #FLOOD and #Flood
    assert values(r, u13, "mention") == {"port_authority"}
    assert not rows(r, "entities", post=u13, kind="url")  # tg:// is not a web link


def test_own_account_export():
    raw = own("account_export.json")
    r = mapped(raw, ACCOUNT)
    check_counts(raw, r)
    dana, sam, lee = "telegram:user7000001", "telegram:user7000002", "telegram:user7000003"
    group = "telegram:channel1600000003"
    me = r.tables["accounts"][dana]
    assert (me["handle"], me["display_name"], me["bio"]) == (
        "dana_r", "Dana Reyes", "Local reporter, Hamburg")
    assert me["avatar_url"] == "profile_pictures/photo_2@14-11-2023.jpg"  # the newest
    # Minimisation: no phone number of the exporter or of a contact reaches any record.
    dumped = json.dumps([list(t.values()) for t in r.tables.values()], default=str)
    assert "+49 170" not in dumped and "0000002" not in dumped

    saved = post(r, 7000001, 1)
    assert (saved["community"], saved["account_uid"]) == (dana, dana)
    (fwd,) = rows(r, "interactions", kind="repost", post=saved["uid"])
    assert (fwd["source"], fwd["target"]) == (dana, lee)

    p502 = post(r, 7000002, 502)
    assert (p502["account_uid"], p502["community"], p502["reply_to"]) == (
        sam, sam, "telegram:7000002/501")
    assert rows(r, "interactions", kind="reply", post=p502["uid"])[0]["target"] == dana

    assert r.tables["accounts"][group]["display_name"] == "Harbour Residents"
    assert post(r, 1600000003, 10)["text"] == (
        "[service] join_group_by_link by Lee Park: invited by Sam Ortiz")
    u12 = "telegram:1600000003/12"
    assert rows(r, "interactions", kind="reply", post=u12)[0]["target"] == lee
    assert rows(r, "interactions", kind="mention", post=u12)[0]["target"] == lee
    # A deleted account: `from` is null, the id stays.
    p13 = post(r, 1600000003, 13)
    assert p13["account_uid"] == "telegram:user7000009"
    assert r.tables["accounts"]["telegram:user7000009"].get("display_name") is None
    assert values(r, p13["uid"], "domain") == {"example.net"}
    # An anonymous admin posts as the supergroup itself.
    p14 = post(r, 1600000003, 14)
    assert p14["account_uid"] == group == p14["community"]
    assert rows(r, "interactions", kind="reply", post=p14["uid"])[0]["target"] == (
        "telegram:user7000009")
    (fwd,) = rows(r, "interactions", kind="repost", post="telegram:1600000003/15")
    assert (fwd["source"], fwd["target"]) == (dana, HW)
    # A reply into another chat (the channel, in left_chats): resolved across the export.
    p16 = post(r, 1600000003, 16)
    assert p16["reply_to"] == "telegram:1500000001/2"
    assert rows(r, "interactions", kind="reply", post=p16["uid"])[0]["target"] == HW
    assert post(r, 1500000001, 2)["community"] == HW
    assert r.tables["accounts"][HW]["display_name"] == "Harbour Watch"
    (m,) = rows(r, "interactions", kind="mention", post="telegram:1600000003/17")
    assert m["target"] is None and values(r, m["post"], "mention") == {"lee_park"}
    assert {e["post"] for e in rows(r, "entities", kind="hashtag", normalized="pier4")} == {
        "telegram:1600000003/11", "telegram:1600000003/15", "telegram:1500000001/2"}


def test_own_old_numeric_ids():
    raw = own("old_supergroup_numeric_ids.json")
    r = mapped(raw, CHAT)
    check_counts(raw, r)
    group, ana, ben = "telegram:channel1100000005", "telegram:user42", "telegram:user43"
    assert set(r.tables["accounts"]) == {group, ana, ben}
    # A numeric from_id equal to the supergroup's id is the group posting as itself.
    assert post(r, 1100000005, 3)["account_uid"] == group
    assert post(r, 1100000005, 1)["account_uid"] == group
    p2 = post(r, 1100000005, 2)
    assert p2["account_uid"] == ana
    assert p2["created_at"] == datetime(2019, 6, 1, 18, 0, tzinfo=UTC)  # local time read as UTC
    assert values(r, p2["uid"], "url") == {"https://signup.example.org/pier"}
    p4 = post(r, 1100000005, 4)
    assert p4["text"] == "Ana I can take the 8 o'clock shift" and p4["reply_to"] == p2["uid"]
    assert rows(r, "interactions", kind="reply", post=p4["uid"])[0]["target"] == ana
    assert rows(r, "interactions", kind="mention", post=p4["uid"])[0]["target"] == ana
    (fwd,) = rows(r, "interactions", kind="repost")
    assert (fwd["source"], fwd["target"]) == (ben, None)  # older exports: a name only
    assert values(r, fwd["post"], "forwarded_from") == {"harbour watch"}
    assert post(r, 1100000005, 6)["text"] == "ask @pier_admin about the keys today"
    assert r.tables["media"]["telegram:1100000005/7#file"]["kind"] == "audio"


# ---------------------------------------------------------------- detection

def _telegram_payloads():
    out = []
    if SHARED_FIXTURES.exists():
        for path in sorted((SHARED_FIXTURES / "telegram").rglob("*.json")):
            out.append((path.relative_to(SHARED_FIXTURES).as_posix(), json.loads(path.read_text())))
    for path in sorted((OWN_FIXTURES / "telegram").glob("*.json")):
        out.append((f"own/{path.name}", json.loads(path.read_text())))
    return out


PAYLOADS = _telegram_payloads()


def test_every_payload_routes_to_telegram():
    assert len(PAYLOADS) >= 3
    for name, payload in PAYLOADS:
        found = sources.detect(payload)
        assert found is not None and found[0] is telegram, name


def _items(path):
    """Parsed items of any fixture file, framed as the import pipeline frames it."""
    if path.suffix not in (".jsonl", ".ndjson", ".json", ".csv", ".js"):
        return []  # images, feeds, other files: no JSON a detector could be asked about
    body = path.read_text(encoding="utf-8-sig")
    if path.suffix in (".jsonl", ".ndjson"):
        return [json.loads(x) for x in body.splitlines() if x.strip()]
    if path.suffix == ".json":
        return [json.loads(body)]
    if path.suffix == ".csv":
        return [CsvRow(row) for row in csv.DictReader(io.StringIO(body))]
    if path.suffix == ".js" and body.startswith("window.YTD."):
        head, _, rest = body.partition("=")
        items = json.loads(rest)
        return [items, ArchivePart(name=head.split(".")[2], part=0, items=items, owner=None)]
    return []


def _other_files():
    roots = [SHARED_FIXTURES] if SHARED_FIXTURES.exists() else []
    roots.append(OWN_FIXTURES)
    return [p for root in roots for p in sorted(root.rglob("*"))
            if p.is_file() and "telegram" not in p.relative_to(root).parts
            and not p.name.startswith("telegram")]  # Telegram exports kept for other tests


OTHER = _other_files()


@pytest.mark.parametrize("path", OTHER, ids=[p.name for p in OTHER])
def test_other_platforms_are_not_detected(path):
    for item in _items(path):
        assert telegram.detect(item) is None
        if isinstance(item, list):
            assert all(telegram.detect(x) is None for x in item)


def test_detect_boundaries():
    for value in (None, [], {}, "", 3, {"messages": []}, {"type": "public_channel", "id": 1},
                  {"type": "public_channel", "messages": []},
                  {"type": "somewhere", "id": 1, "messages": []},
                  {"type": ["x"], "id": 1, "messages": [{"id": 1, "type": "message"}]},
                  {"type": "x", "id": 1, "messages": [{"id": 1, "type": ["message"]}]},
                  {"type": "x", "id": 1, "messages": [{"id": 1, "type": "comment"}]},
                  {"chats": []}, {"chats": {"list": {}}},
                  {"personal_information": {"user_id": 1}},  # no `about`: not enough
                  [{"type": "public_channel", "id": 1, "messages": []}]):
        assert telegram.detect(value) is None, value
    assert telegram.detect({"type": "public_channel", "id": 1, "messages": []}) == CHAT
    assert telegram.detect({"type": "", "id": 1,
                            "messages": [{"id": 1, "type": "unsupported"}]}) == CHAT
    assert telegram.detect({"chats": {"list": []}}) == ACCOUNT
    assert telegram.detect({"left_chats": {"about": "", "list": []}}) == ACCOUNT
    assert telegram.detect({"about": "x", "personal_information": {"user_id": 5}}) == ACCOUNT
    assert {f.name for f in telegram.FORMATS} == {CHAT, ACCOUNT}


def test_cannot_provide_is_never_provided():
    """Every field a format says it never holds is a model field, and no fixture fills it."""
    formats = {f.name: f for f in telegram.FORMATS}
    for name, payload in PAYLOADS:
        fmt = formats[telegram.detect(payload)]
        r = telegram.map_item(payload, fmt.name)
        for table, fields in fmt.cannot_provide.items():
            known = {f for f, _ in FIELDS[table]}
            assert set(fields) <= known, (fmt.name, table)
            for record in r.tables[table].values():
                assert all(record.get(f) is None for f in fields), (name, table, record["uid"])


# ---------------------------------------------------------------- decisions and edge cases

def _chat(*messages, ctype="private_supergroup", cid=77):
    return {"name": "C", "type": ctype, "id": cid, "messages": list(messages)}


def _one(records):
    (p,) = records.tables["posts"].values()
    return p


def test_channel_post_without_from_is_the_channels():
    r = telegram.map_item(_chat({"id": 1, "type": "message", "date": "2021-01-01T00:00:00",
                                 "text": "x"}, ctype="public_channel"), CHAT)
    assert _one(r)["account_uid"] == "telegram:channel77"
    r = telegram.map_item(_chat({"id": 1, "type": "message", "text": "x"}), CHAT)
    assert _one(r)["account_uid"] is None  # in a group, an unknown sender stays unknown


def test_peer_id_forms():
    def author(from_id, ctype="private_supergroup"):
        m = {"id": 1, "type": "message", "from": "A", "from_id": from_id, "text": ""}
        return _one(telegram.map_item(_chat(m, ctype=ctype), CHAT))["account_uid"]

    assert author("user5") == "telegram:user5"
    assert author("chat5") == "telegram:chat5"
    assert author("channel5") == "telegram:channel5"
    assert author(5) == "telegram:user5"
    assert author("5") == "telegram:user5"
    assert author(77) == "telegram:channel77"  # the supergroup itself
    assert author(77, ctype="private_group") == "telegram:user77"  # a basic group is no channel
    assert author("peer5") is None  # an unknown form: no account rather than a wrong one
    assert author("user" + "1" * 5000) is None
    with pytest.raises(RejectedItem):
        author({"id": 5})


def test_unknown_chat_type_has_no_community():
    r = telegram.map_item(_chat({"id": 1, "type": "message", "from_id": "user1", "text": "x"},
                                ctype="new_kind"), CHAT)
    p = _one(r)
    assert p["community"] is None and p["uid"] == "telegram:77/1"
    assert set(r.tables["accounts"]) == {"telegram:user1"}


def test_unsupported_and_unknown_messages_are_skipped():
    r = telegram.map_item(_chat({"id": 1, "type": "unsupported"}, {"id": 2, "type": "future"},
                                {"id": 3, "type": "message", "text": "kept"}), CHAT)
    assert _one(r)["text"] == "kept"


@pytest.mark.parametrize("bad", [
    {"id": None, "type": "message"}, {"id": "1" * 5000, "type": "message"},
    {"id": 1, "type": "message", "text": {"a": 1}},
    {"id": 1, "type": "message", "text": [["nested"]]},
    {"id": 1, "type": "message", "text_entities": "bold"},
    {"id": 1, "type": "message", "date_unixtime": "1" * 5000},
    {"id": 1, "type": "message", "date": "yesterday"},
    {"id": 1, "type": "message", "location_information": [1, 2]},
])
def test_wrong_types_are_rejected(bad):
    with pytest.raises(RejectedItem):
        telegram.map_item(_chat(bad), CHAT)


def test_chat_without_id_and_wrong_containers_are_rejected():
    with pytest.raises(RejectedItem):
        telegram.map_item({"type": "public_channel", "messages": []}, CHAT)
    with pytest.raises(RejectedItem):
        telegram.map_item({"type": "public_channel", "id": 1, "messages": {}}, CHAT)
    with pytest.raises(RejectedItem):
        telegram.map_item({"chats": {"list": [5]}}, ACCOUNT)
    with pytest.raises(RejectedItem):
        telegram.map_item([], CHAT)


@pytest.mark.parametrize("fields,kind", [
    ({"file": "files/a.gif", "mime_type": "image/gif"}, "gif"),
    ({"file": "files/a.bin", "mime_type": "Video/MP4"}, "video"),
    ({"file": "stickers/s.webp", "media_type": "sticker"}, "photo"),  # no mime: the extension
    ({"file": "stickers/s.tgs", "media_type": "sticker"}, "other"),
    ({"file": "files/notes", "mime_type": "application/x-unknown"}, "other"),
    ({"file": "files/a.jpg", "media_type": "voice_message"}, "audio"),  # media_type first
])
def test_media_kind_fallbacks(fields, kind):
    m = {"id": 1, "type": "message", "text": "", **fields}
    (media,) = telegram.map_item(_chat(m), CHAT).tables["media"].values()
    assert (media["kind"], media["url"]) == (kind, fields["file"])


def test_out_of_range_coordinates_are_dropped():
    m = {"id": 1, "type": "message", "text": "",
         "location_information": {"latitude": 95.0, "longitude": 10.0}}
    assert _one(telegram.map_item(_chat(m), CHAT))["lat"] is None


def test_long_texts_are_linear():
    parts = [{"type": "hashtag", "text": f"#t{i}"} for i in range(20000)]
    m = {"id": 1, "type": "message", "from_id": "user1", "text": parts, "text_entities": parts}
    r = telegram.map_item(_chat(m), CHAT)
    assert len(r.tables["entities"]) == 20000


def test_edit_time_is_not_a_field():
    raw = own("public_channel_export.json")
    edited = copy.deepcopy(raw)
    for m in edited["messages"]:
        m.pop("edited", None)
        m.pop("edited_unixtime", None)
    a, b = telegram.map_item(raw, CHAT), telegram.map_item(edited, CHAT)
    assert a.tables == b.tables  # the text is the text at export; created_at the send time


# ---------------------------------------------------------------- fuzz

@fuzz_each(PAYLOADS, max_examples=100)
def test_fuzz_mutated_payloads(name, payload, data):
    fmt = telegram.detect(payload)
    survives(telegram, data.draw(mutated(payload)), fmt)


# `mutated` reaches the first five items of a list only: every message gets its own turn here.
MESSAGES = [(c["type"], c["id"], m)
            for _, p in PAYLOADS for c in chats_in(p) for m in c["messages"]]


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_fuzz_each_message(data):
    ctype, cid, message = data.draw(st.sampled_from(MESSAGES))
    doc = data.draw(mutated(_chat(message, ctype=ctype, cid=cid)))
    survives(telegram, doc, telegram.detect(doc) or CHAT)


KEYS = ["name", "type", "id", "messages", "date", "date_unixtime", "from", "from_id", "actor",
        "actor_id", "action", "text", "text_entities", "href", "user_id", "reply_to_message_id",
        "reply_to_peer_id", "forwarded_from", "forwarded_from_id", "via_bot", "author", "photo",
        "file", "thumbnail", "media_type", "mime_type", "width", "height",
        "location_information", "latitude", "longitude", "place_name", "poll", "question",
        "answers", "todo_list", "members", "chats", "left_chats", "list", "about",
        "personal_information", "profile_pictures", "first_name", "username"]
VALUES = ["message", "service", "public_channel", "private_group", "user12", "channel7",
          "mention", "mention_name", "hashtag", "link", "text_link", "http://x.example/a",
          "1700000000"]
JSON = json_with_keys(KEYS, VALUES, max_leaves=25)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(value=JSON)
def test_fuzz_detect_and_map_any_json(value):
    fmt = telegram.detect(value)
    for f in ([fmt] if fmt else [CHAT, ACCOUNT]):
        survives(telegram, value, f)
