"""socmint.scenario: determinism, real formats, counts, planted truth, rhythm, bounded memory."""

from __future__ import annotations

import hashlib
import io
import json
import math
import re
import shutil
import tracemalloc
from collections import Counter, defaultdict
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from PIL import Image

from socmint.errors import SocmintError
from socmint.scenario import (
    COLLECTOR,
    PLATFORMS,
    TG_EXPORT_TZ,
    _Scenario,
    apply_transforms,
    generate,
)
from tests.conftest import SHARED_FIXTURES, shared_fixture

SMALL = {"accounts": 300, "posts": 5000, "seed": 7}
ISO_TW = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.000Z$")
ISO_MS = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
TG_DATE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$")
TG_PHOTO = re.compile(r"^photos/photo_\d+@(\d\d)-(\d\d)-(\d{4})_(\d\d)-(\d\d)-(\d\d)\.jpg$")
ALLOWED_REAL_HOSTS = {"twitter.com", "t.co", "api.twitter.com", "abs.twimg.com",
                      "www.reddit.com", "t.me"}
URL = re.compile(r"https?://[^\s)\]]+")


def ms(s: str) -> int:
    return int(datetime.fromisoformat(s.replace("Z", "+00:00")).timestamp() * 1000)


def tree_digest(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


def lines(path: Path):
    with open(path, "rb") as fh:
        for raw in fh:
            yield json.loads(raw)


class Data:
    """Every item of a generated scenario, parsed once, indexed by socmint uid."""

    def __init__(self, root: Path):
        self.root = root
        self.manifest = json.loads((root / "manifest.json").read_text())
        self.truth = json.loads((root / "ground_truth.json").read_text())
        index = json.loads((root / "media" / "index.json").read_text())["files"]
        self.media_by_url = {m["url"]: m for m in index}
        self.media_by_cid = {m["bluesky_cid"]: m for m in index}
        self.media_by_path = {m["path"]: m for m in index}
        self.posts: dict[str, dict] = {}
        self.tw_users: dict[str, dict] = {}
        self.bs_handles: dict[str, str] = {}
        self.bs_profiles: dict[str, dict] = {}
        self.ma_accounts: dict[str, dict] = {}
        self.pages = []
        self.statuses = []
        self.events = []
        for f in sorted((root / "twitter").glob("*.jsonl")):
            for page in lines(f):
                self.pages.append(page)
                inc = page["includes"]
                media = {m["media_key"]: m for m in inc.get("media", [])}
                places = {p["id"]: p for p in inc.get("places", [])}
                for u in inc["users"]:
                    self.tw_users[u["id"]] = u
                for t in page["data"]:
                    refs = {r["type"]: r["id"] for r in t.get("referenced_tweets", [])}
                    geo = t.get("geo")
                    self.posts["twitter:" + t["id"]] = {
                        "platform": "twitter", "t": ms(t["created_at"]), "text": t["text"],
                        "account": "twitter:" + t["author_id"],
                        "repost_of": ("twitter:" + refs["retweeted"] if "retweeted" in refs
                                      else None),
                        "urls": [u["expanded_url"] for u in t.get("entities", {}).get("urls", [])],
                        "tags": [h["tag"] for h in t.get("entities", {}).get("hashtags", [])],
                        "media": [media[k]["url"]
                                  for k in t.get("attachments", {}).get("media_keys", [])],
                        "coords": (geo["coordinates"]["coordinates"]
                                   if geo and "coordinates" in geo else None),
                        "place": places[geo["place_id"]] if geo else None, "raw": t}
        for f in sorted((root / "mastodon").glob("*.jsonl")):
            for st in lines(f):
                self.statuses.append(st)
                acc = st["account"]
                acct = acc["acct"] if "@" in acc["acct"] else f"{acc['acct']}@{COLLECTOR}"
                self.ma_accounts["mastodon:" + acct.lower()] = acc
                rb = st["reblog"]
                self.posts["mastodon:" + st["uri"]] = {
                    "platform": "mastodon", "t": ms(st["created_at"]), "text": st["content"],
                    "account": "mastodon:" + acct.lower(),
                    "repost_of": "mastodon:" + rb["uri"] if rb else None,
                    "urls": re.findall(r'<a href="(https://[^"]+)" target="_blank"', st["content"]),
                    "tags": [t["name"] for t in st["tags"]],
                    "media": [m["url"] for m in st["media_attachments"]], "coords": None,
                    "place": None, "raw": st}
        for f in sorted((root / "bluesky").glob("*.jsonl")):
            for ev in lines(f):
                self.events.append(ev)
                if ev["kind"] == "identity":
                    self.bs_handles[ev["did"]] = ev["identity"]["handle"]
                    continue
                c = ev["commit"]
                rec = c["record"]
                coll = c["collection"]
                if coll == "app.bsky.actor.profile":
                    self.bs_profiles[ev["did"]] = rec
                if coll not in ("app.bsky.feed.post", "app.bsky.feed.repost"):
                    continue
                uri = f"at://{ev['did']}/{coll}/{c['rkey']}"
                embed = rec.get("embed", {})
                facets = [ft for fc in rec.get("facets", []) for ft in fc["features"]]
                self.posts["bluesky:" + uri] = {
                    "platform": "bluesky", "t": ms(rec["createdAt"]), "text": rec.get("text"),
                    "account": "bluesky:" + ev["did"],
                    "repost_of": "bluesky:" + rec["subject"]["uri"] if "subject" in rec else None,
                    "urls": [ft["uri"] for ft in facets if ft["$type"].endswith("#link")],
                    "tags": [ft["tag"] for ft in facets if ft["$type"].endswith("#tag")],
                    "media": [self.media_by_cid[i["image"]["ref"]["$link"]]["url"]
                              for i in embed.get("images", [])],
                    "coords": None, "place": None, "raw": ev}
        self.chats: dict[str, dict] = {}  # telegram export file -> the document
        for f in sorted((root / "telegram").glob("*/result.json")):
            doc = json.loads(f.read_bytes())
            rel = str(f.relative_to(root))
            self.chats[rel] = doc
            for m in doc["messages"]:
                if m["type"] != "message":
                    continue
                ents = m["text_entities"]
                self.posts[f"telegram:{doc['id']}/{m['id']}"] = {
                    "platform": "telegram", "t": int(m["date_unixtime"]) * 1000,
                    "text": "".join(e["text"] for e in ents),
                    "account": "telegram:" + m["from_id"], "repost_of": None,
                    "forwarded_from_id": m.get("forwarded_from_id"),
                    "urls": [e.get("href", e["text"]) for e in ents
                             if e["type"] in ("link", "text_link")],
                    "tags": [e["text"][1:] for e in ents if e["type"] == "hashtag"],
                    "media": ([str(f.parent.relative_to(root) / m["photo"])] if "photo" in m
                              else []),
                    "coords": None, "place": None, "raw": m, "chat": rel}
        self.submissions, self.comments = [], []
        for f in sorted((root / "reddit").glob("R[SC]_*.ndjson")):
            for r in lines(f):
                sub = f.name.startswith("RS_")
                (self.submissions if sub else self.comments).append(r)
                text = (r["title"] + ("\n\n" + r["selftext"] if r["selftext"] else "") if sub
                        else r["body"])
                self.posts[("reddit:t3_" if sub else "reddit:t1_") + r["id"]] = {
                    "platform": "reddit", "t": int(float(r["created_utc"]) * 1000),
                    "text": text,
                    "account": ("reddit:u/" + r["author"].lower() if r["author"] != "[deleted]"
                                else None),
                    "repost_of": None,
                    "urls": ([r["url"]] if sub and not r["is_self"] else URL.findall(text)),
                    "tags": [], "media": [], "coords": None, "place": None, "raw": r}
        self.media_by_sha = {m["sha256"]: m for m in index}

    def sha(self, rel: str) -> str:
        return hashlib.sha256((self.root / rel).read_bytes()).hexdigest()

    def by_account(self) -> dict[str, list[dict]]:
        out = defaultdict(list)
        for p in self.posts.values():
            out[p["account"]].append(p)
        return out


@pytest.fixture(scope="module")
def data(tmp_path_factory) -> Data:
    root = tmp_path_factory.mktemp("scenario") / "out"
    seen = []
    summary = generate(root, **SMALL, progress=seen.append)
    assert seen and seen[-1] == SMALL["posts"] and seen == sorted(seen)
    assert summary["totals"]["posts"] == SMALL["posts"]
    return Data(root)


# ------------------------------------------------------------------------- determinism


def test_same_arguments_give_identical_bytes(data, tmp_path):
    again = tmp_path / "again"
    generate(again, **SMALL, media_url_base=(data.root / "media").resolve().as_uri() + "/")
    assert tree_digest(again) == tree_digest(data.root)


def test_same_folder_regenerated_is_identical(tmp_path):
    out = tmp_path / "x"
    args = {"accounts": 200, "posts": 1500, "seed": 3, "days": 3}
    generate(out, **args)
    first = tree_digest(out)
    shutil.rmtree(out)
    generate(out, **args)
    assert tree_digest(out) == first


def test_different_seed_differs(data, tmp_path):
    other = tmp_path / "other"
    generate(other, **dict(SMALL, seed=8))
    a, b = tree_digest(data.root), tree_digest(other)
    shared = set(a) & set(b)
    raw = [k for k in shared if k.endswith((".jsonl", ".ndjson", "result.json"))]
    assert any(k.startswith("telegram/") for k in raw) and any(k.startswith("reddit/") for k in raw)
    assert all(a[k] != b[k] for k in raw)


def test_refuses_a_non_empty_folder_and_tiny_sizes(tmp_path):
    (tmp_path / "f").write_text("x")
    with pytest.raises(SocmintError):
        generate(tmp_path, accounts=300, posts=5000)
    with pytest.raises(SocmintError):
        generate(tmp_path / "a", accounts=20, posts=5000)
    with pytest.raises(SocmintError):
        generate(tmp_path / "b", accounts=300, posts=10)


# ------------------------------------------------------------------------- counts and formats


def test_manifest_counts_match_the_files(data):
    m = data.manifest
    assert m["arguments"]["posts"] == SMALL["posts"]
    tweets = statuses = bs_posts = tg_posts = rd_posts = service = 0
    for rel, info in m["files"].items():
        path = data.root / rel
        if info["platform"] == "telegram":
            doc = data.chats[rel]
            kinds = Counter(msg["type"] for msg in doc["messages"])
            assert (info["messages"], info["service"]) == (kinds["message"], kinds["service"])
            assert info["chat_id"] == doc["id"] and info["chat"] == doc["name"]
            photos = list((path.parent / "photos").glob("*")) if info["photos"] else []
            assert len(photos) == info["photos"] == sum("photo" in x for x in doc["messages"])
            tg_posts += kinds["message"]
            service += kinds["service"]
            continue
        items = list(lines(path))
        assert info["lines"] == len(items), rel
        if info["platform"] == "reddit":
            key = "submissions" if path.name.startswith("RS_") else "comments"
            assert info[key] == len(items)
            rd_posts += len(items)
        elif info["platform"] == "twitter":
            n = sum(len(p["data"]) for p in items)
            assert info["tweets"] == n
            assert all(1 <= len(p["data"]) <= 100 for p in items)
            tweets += n
        elif info["platform"] == "mastodon":
            assert info["statuses"] == len(items)
            statuses += len(items)
        else:
            by = Counter(e["commit"]["collection"] if e["kind"] == "commit" else e["kind"]
                         for e in items)
            for k, v in by.items():
                assert info[k] == v, (rel, k)
            bs_posts += by["app.bsky.feed.post"] + by["app.bsky.feed.repost"]
    per = m["totals"]["per_platform"]
    assert (tweets, statuses, bs_posts, tg_posts, rd_posts) == tuple(per[p] for p in PLATFORMS)
    assert sum(per.values()) == SMALL["posts"] == len(data.posts)
    assert service == m["totals"]["telegram_service_messages"] > 0
    # Telegram and Reddit get a tenth of the posts each
    assert per["telegram"] == per["reddit"] == SMALL["posts"] // 10
    files_on_disk = {str(p.relative_to(data.root)) for d in ("twitter", "mastodon", "bluesky",
                                                             "reddit")
                     for p in (data.root / d).glob("*")}
    files_on_disk |= {str(p.relative_to(data.root))
                      for p in (data.root / "telegram").glob("*/result.json")}
    assert files_on_disk == set(m["files"])
    assert {p.name for p in (data.root / "telegram").glob("*/*")} <= {"result.json", "photos"}
    assert sum(m["totals"]["accounts"].values()) == SMALL["accounts"]
    media_files = [p for p in (data.root / "media").rglob("*")
                   if p.is_file() and p.name != "index.json"]
    assert len(media_files) == len(data.media_by_path)
    assert sum(k["files"] for k in m["media"]["kinds"].values()) == len(media_files)


def _check_offsets_twitter(t: dict):
    text = t["text"]
    ents = t.get("entities", {})
    for h in ents.get("hashtags", []):
        assert text[h["start"]:h["end"]] == "#" + h["tag"]
    for mnt in ents.get("mentions", []):
        assert text[mnt["start"]:mnt["end"]] == "@" + mnt["username"]
    for u in ents.get("urls", []):
        assert text[u["start"]:u["end"]] == u["url"] and u["url"].startswith("https://t.co/")


def test_twitter_pages_are_v2_twarc_pages(data):
    assert data.pages
    for page in data.pages:
        assert set(page) == {"data", "includes", "meta", "__twarc"}
        tw = page["__twarc"]
        assert tw["url"].startswith("https://api.twitter.com/2/tweets/search/all?")
        assert set(tw) == {"url", "version", "retrieved_at"}
        meta = page["meta"]
        assert meta["result_count"] == len(page["data"])
        assert {meta["newest_id"], meta["oldest_id"]} <= {t["id"] for t in page["data"]}
        inc = page["includes"]
        users = {u["id"] for u in inc["users"]}
        ref_tweets = {t["id"]: t for t in inc.get("tweets", [])}
        media = {m["media_key"] for m in inc.get("media", [])}
        ids = {t["id"] for t in page["data"]}
        for u in inc["users"]:
            assert {"id", "username", "name", "description", "created_at", "location", "url",
                    "verified", "profile_image_url", "public_metrics"} <= set(u)
            assert set(u["public_metrics"]) == {"followers_count", "following_count",
                                                "tweet_count", "listed_count"}
        for t in page["data"] + list(ref_tweets.values()):
            assert isinstance(t["id"], str) and t["id"].isdigit()
            assert ISO_TW.match(t["created_at"])
            assert {"id", "text", "author_id", "created_at", "conversation_id", "lang",
                    "public_metrics", "edit_history_tweet_ids", "possibly_sensitive",
                    "reply_settings", "source"} <= set(t)
            assert set(t["public_metrics"]) == {"retweet_count", "reply_count", "like_count",
                                                "quote_count", "impression_count"}
            assert len(t["text"]) <= 280
            assert t["author_id"] in users
            _check_offsets_twitter(t)
            for r in t.get("referenced_tweets", []):
                assert r["type"] in ("replied_to", "retweeted", "quoted")
                if t["id"] in ids:  # one level of expansion, as the API does
                    assert r["id"] in ref_tweets
            for k in t.get("attachments", {}).get("media_keys", []):
                assert k in media
            if "geo" in t and t["id"] in ids:
                assert t["geo"]["place_id"] in {p["id"] for p in inc["places"]}
        for t in page["data"]:
            refs = {r["type"]: r["id"] for r in t.get("referenced_tweets", [])}
            if "retweeted" in refs:
                orig = ref_tweets[refs["retweeted"]]
                assert t["text"].startswith("RT @")
                assert orig["author_id"] in users
            if "replied_to" in refs:
                assert t["in_reply_to_user_id"] == ref_tweets[refs["replied_to"]]["author_id"]
        for m in inc.get("media", []):
            assert m["type"] == "photo" and m["url"] in data.media_by_url


def test_mastodon_lines_are_status_entities(data):
    assert data.statuses
    keys = {"id", "uri", "url", "created_at", "account", "content", "visibility", "language",
            "in_reply_to_id", "in_reply_to_account_id", "reblog", "mentions", "tags",
            "media_attachments", "card", "favourites_count", "reblogs_count", "replies_count",
            "edited_at", "spoiler_text", "sensitive"}
    acc_keys = {"id", "username", "acct", "display_name", "note", "url", "uri", "avatar",
                "created_at", "followers_count", "following_count", "statuses_count", "bot"}
    servers = set()
    for st in data.statuses:
        assert keys <= set(st)
        assert ISO_MS.match(st["created_at"])
        assert acc_keys <= set(st["account"])
        host = urlsplit(st["uri"]).hostname
        servers.add(host)
        if st["reblog"] is None:
            assert re.match(r"^https://[^/]+/users/[^/]+/statuses/\d+$", st["uri"])
            assert st["content"].startswith("<p>") and st["content"].endswith("</p>")
        else:
            assert st["content"] == "" and keys <= set(st["reblog"])
        for mnt in st["mentions"]:
            assert set(mnt) == {"id", "username", "acct", "url"}
            assert f'href="{mnt["url"]}" class="u-url mention"' in st["content"]
        for tag in st["tags"]:
            assert set(tag) == {"name", "url"} and "hashtag" in st["content"]
        for m in st["media_attachments"]:
            assert m["type"] == "image" and m["url"] in data.media_by_url
            assert m["meta"]["original"]["width"] > 0
    assert len(servers) == 3 and all(s.endswith(".example") or s.endswith(".example.org")
                                     for s in servers)


def test_bluesky_lines_are_jetstream_events(data):
    dids_posting = set()
    for ev in data.events:
        assert {"did", "time_us", "kind"} <= set(ev) and ev["did"].startswith("did:plc:")
        if ev["kind"] == "identity":
            assert set(ev["identity"]) == {"did", "handle", "seq", "time"}
            continue
        assert ev["kind"] == "commit"
        c = ev["commit"]
        assert set(c) == {"rev", "operation", "collection", "rkey", "record", "cid"}
        assert c["cid"].startswith("bafyrei") and len(c["cid"]) == 59
        assert re.match(r"^[2-7a-z]{13}$", c["rkey"]) or c["rkey"] == "self"
        rec = c["record"]
        assert rec["$type"] == c["collection"]
        dids_posting.add(ev["did"])
        if c["collection"] != "app.bsky.feed.post":
            continue
        assert ISO_MS.match(rec["createdAt"]) and rec["langs"]
        raw = rec["text"].encode()
        for fc in rec.get("facets", []):
            piece = raw[fc["index"]["byteStart"]:fc["index"]["byteEnd"]].decode()
            ft = fc["features"][0]
            if ft["$type"].endswith("#tag"):
                assert piece == "#" + ft["tag"]
            elif ft["$type"].endswith("#mention"):
                assert piece == "@" + data.bs_handles[ft["did"]]
            else:
                assert ft["uri"].split("://")[1].startswith(piece.rstrip(".")[:20])
        if "reply" in rec:
            assert set(rec["reply"]) == {"root", "parent"}
            assert rec["reply"]["parent"]["uri"].startswith("at://did:plc:")
        for img in rec.get("embed", {}).get("images", []):
            blob = img["image"]
            assert blob["$type"] == "blob" and blob["ref"]["$link"] in data.media_by_cid
            assert blob["size"] == data.media_by_cid[blob["ref"]["$link"]]["bytes"]
    assert dids_posting <= set(data.bs_handles)  # every DID's handle is announced


TG_KEY_ORDER = ("id", "type", "date", "date_unixtime", "edited", "edited_unixtime", "from",
                "from_id", "author", "forwarded_from", "forwarded_from_id", "reply_to_message_id",
                "actor", "actor_id", "action", "title", "members", "message_id", "photo",
                "photo_file_size", "width", "height", "text", "text_entities")


def _fixture_message_keys() -> tuple[set, set]:
    """Keys of the messages in the Telegram Desktop exports under ../shared/fixtures: the real
    ones, and the hand-written schema examples that show the fields the real ones lack
    (forwards, replies, photo sizes)."""
    real, schema = set(), set()
    for f in sorted((SHARED_FIXTURES / "telegram").rglob("*.json")):
        keys = {k for m in json.loads(f.read_bytes())["messages"] for k in m}
        (schema if "synthetic" in f.parts else real).update(keys)
    return real, schema


def test_telegram_files_are_single_chat_desktop_exports(data):
    assert data.chats
    seen_types, actions, entity_types = Counter(), Counter(), Counter()
    keys_seen: set = set()
    replies = forwards = 0
    for rel, doc in data.chats.items():
        raw = (data.root / rel).read_bytes()
        # byte layout as Telegram Desktop writes it: one space per level, closing newline
        assert raw.startswith(b'{\n "name": ') and raw.endswith(b"\n  }\n ]\n}\n")
        assert b'\n  {\n   "id": ' in raw and b"\\u" not in raw  # UTF-8 as is, not escaped
        assert list(doc) == ["name", "type", "id", "messages"]
        assert isinstance(doc["name"], str) and isinstance(doc["id"], int)
        seen_types[doc["type"]] += 1
        ids = [m["id"] for m in doc["messages"]]
        assert ids == sorted(set(ids))
        times = [int(m["date_unixtime"]) for m in doc["messages"]]
        assert times == sorted(times)
        known = set()
        for m in doc["messages"]:
            keys = list(m)
            keys_seen |= set(keys)
            assert keys == sorted(keys, key=TG_KEY_ORDER.index), keys
            assert isinstance(m["id"], int) and m["type"] in ("message", "service")
            assert TG_DATE.match(m["date"]) and m["date_unixtime"].isdigit()
            local = datetime.fromtimestamp(int(m["date_unixtime"]) + TG_EXPORT_TZ * 3600,
                                           tz=UTC).strftime("%Y-%m-%dT%H:%M:%S")
            assert m["date"] == local  # the exporter's local time, no zone
            if "edited" in m:
                assert int(m["edited_unixtime"]) > int(m["date_unixtime"])
                assert TG_DATE.match(m["edited"])
            if m["type"] == "service":
                actions[m["action"]] += 1
                assert re.match(r"^(user|channel)\d+$", m["actor_id"])
                assert (m["text"], m["text_entities"]) == ("", [])
                if m["action"] == "pin_message":
                    assert m["message_id"] in known
                if m["action"] == "invite_members":
                    assert m["members"] and all(isinstance(x, str) for x in m["members"])
                known.add(m["id"])
                continue
            assert re.match(r"^(user|channel)\d+$", m["from_id"]) and isinstance(m["from"], str)
            if doc["type"] == "public_channel":  # a channel posts as itself
                assert m["from_id"] == f"channel{doc['id']}"
            if "reply_to_message_id" in m:
                assert m["reply_to_message_id"] in known
                replies += 1
            if "forwarded_from" in m:
                assert re.match(r"^channel\d+$", m["forwarded_from_id"])
                forwards += 1
            if "photo" in m:
                name = TG_PHOTO.match(m["photo"])
                d, mo, y, hh, mi, ss = name.groups()
                assert f"{y}-{mo}-{d}T{hh}:{mi}:{ss}" == m["date"]
                path = data.root / Path(rel).parent / m["photo"]
                assert path.stat().st_size == m["photo_file_size"]
                img = Image.open(path)
                assert img.format == "JPEG" and img.size == (m["width"], m["height"])
                assert not img.getexif()  # Telegram strips metadata
            known.add(m["id"])
            # text: a string when it is one plain run, else strings and entity objects;
            # text_entities: every run as an object
            ents = m["text_entities"]
            for e in ents:
                entity_types[e["type"]] += 1
                assert list(e)[:2] == ["type", "text"] and e["text"]
                extra = set(e) - {"type", "text"}
                assert extra == ({"href"} if e["type"] == "text_link" else
                                 {"user_id"} if e["type"] == "mention_name" else set())
            if isinstance(m["text"], str):
                assert ents == ([{"type": "plain", "text": m["text"]}] if m["text"] else [])
            else:
                assert len(m["text"]) == len(ents) >= 2
                for part, e in zip(m["text"], ents, strict=True):
                    assert part == (e["text"] if e["type"] == "plain" else e)
    assert seen_types["public_channel"] >= 4 and seen_types["public_supergroup"] == 1
    assert set(actions) == {"create_channel", "pin_message", "invite_members"}
    assert replies and forwards
    assert {"plain", "bold", "link", "text_link", "hashtag", "mention"} <= set(entity_types)
    assert set(entity_types) <= {"plain", "bold", "link", "text_link", "hashtag", "mention",
                                 "mention_name", "email"}  # email: the source's appeal
    for e in (e for d in data.chats.values() for m in d["messages"]
              for e in m.get("text_entities", ())):
        if e["type"] == "mention":
            assert e["text"].startswith("@")
        elif e["type"] == "hashtag":
            assert e["text"].startswith("#")
        elif e["type"] == "mention_name":
            assert isinstance(e["user_id"], int)
    if SHARED_FIXTURES.exists():  # the same keys as real exports (and the schema examples)
        real, schema = _fixture_message_keys()
        assert keys_seen <= real | schema, keys_seen - real - schema
        current = json.loads(shared_fixture(
            "telegram/desktop_export_private_group_ragtgbot.json").read_bytes())
        plain = next(m for m in current["messages"] if m["type"] == "message")
        group = next(d for d in data.chats.values() if d["type"] == "public_supergroup")
        ours = next(m for m in group["messages"]
                    if m["type"] == "message" and set(m) <= set(plain))
        assert list(ours) == list(plain)  # same keys, same order as a real current export


# null in every fixture line, a string in real dumps when set ("moderator", "deleted", ...)
REDDIT_SET_WHEN_SET = {"removed_by_category": {"str"}}


def _fixture_reddit_types() -> dict[str, dict[str, set]]:
    out: dict[str, dict[str, set]] = {}
    for kind, name in (("RS", "pushshift_submissions_RS_2024-02.ndjson"),
                       ("RC", "pushshift_comments_RC_2024-02.ndjson")):
        types = defaultdict(set)
        for r in lines(SHARED_FIXTURES / "reddit" / name):
            for k, v in r.items():
                types[k].add(type(v).__name__)
        out[kind] = types
    return out


def test_reddit_lines_are_pushshift_dump_objects(data):
    subs = {r["id"]: r for r in data.submissions}
    assert subs and data.comments
    created_types = Counter()
    comments_of = Counter()
    comment_ids = {}
    fixture = _fixture_reddit_types() if SHARED_FIXTURES.exists() else None
    for f in sorted((data.root / "reddit").glob("*.ndjson")):
        kind = f.name[:2]
        last = None
        for raw in f.read_bytes().splitlines():
            r = json.loads(raw)
            # Arctic Shift's layout: keys sorted, ", " and ": ", non-ASCII escaped
            assert json.dumps(r, sort_keys=True).encode() == raw
            created_types[type(r["created_utc"]).__name__] += 1
            t = float(r["created_utc"])
            assert isinstance(r["created"], (int, float)) and r["created"] == t
            assert last is None or t >= last
            last = t
            assert f.name == f"{kind}_{datetime.fromtimestamp(t, tz=UTC):%Y-%m}.ndjson"
            assert re.match(r"^[0-9a-z]+$", r["id"]) and isinstance(r["score"], int)
            assert isinstance(r["retrieved_on"], int) and r["retrieved_on"] > t
            assert isinstance(r["_meta"], dict) and r["subreddit_id"].startswith("t5_")
            assert r["subreddit_name_prefixed"] == "r/" + r["subreddit"]
            if r["author"] == "[deleted]":
                assert "author_fullname" not in r
            else:
                assert re.match(r"^t2_[0-9a-z]+$", r["author_fullname"])
                assert re.match(r"^[A-Za-z0-9_-]{3,20}$", r["author"])
            if kind == "RS":
                assert r["name"] == "t3_" + r["id"] and isinstance(r["is_self"], bool)
                assert r["permalink"].startswith(f"/r/{r['subreddit']}/comments/{r['id']}/")
                assert isinstance(r["num_comments"], int) and isinstance(r["title"], str)
                assert isinstance(r["selftext"], str) and r["title"]
                if r["is_self"]:
                    assert r["url"] == "https://www.reddit.com" + r["permalink"]
                    assert r["domain"] == "self." + r["subreddit"]
                else:
                    assert urlsplit(r["url"]).hostname.removeprefix("www.") == r["domain"]
            else:
                assert r["name"] == "t1_" + r["id"] and isinstance(r["body"], str)
                sid = r["link_id"].removeprefix("t3_")
                assert sid in subs  # every comment is on a submission in the data
                assert subs[sid]["subreddit"] == r["subreddit"]
                assert r["permalink"] == subs[sid]["permalink"] + r["id"] + "/"
                if r["parent_id"].startswith("t1_"):
                    parent = comment_ids[r["parent_id"][3:]]
                    assert parent == r["link_id"]
                else:
                    assert r["parent_id"] == r["link_id"]
                comment_ids[r["id"]] = r["link_id"]
                comments_of[sid] += 1
            if fixture is not None:  # every field is one real dumps have, with a real type
                types = fixture[kind]
                for k, v in r.items():
                    assert k in types, (kind, k)
                    # a type either dump file shows for the field ("created" is an int in
                    # some submissions, a float in the comments)
                    either = types[k] | fixture["RS" if kind == "RC" else "RC"].get(k, set())
                    either |= {"NoneType"} | REDDIT_SET_WHEN_SET.get(k, set())
                    assert type(v).__name__ in either, (kind, k, v)
    assert set(created_types) == {"int", "float", "str"}  # as mixed as merged dumps are
    for sid, n in comments_of.items():
        assert subs[sid]["num_comments"] >= n
    replies = sum(c["parent_id"].startswith("t1_") for c in data.comments)
    assert replies > len(data.comments) // 5  # comment trees, not just top-level comments
    deleted = [r for r in data.submissions + data.comments if r["author"] == "[deleted]"]
    assert deleted and {r.get("body") for r in deleted} >= {"[deleted]", "[removed]"}
    assert any(r["_meta"].get("was_deleted_later") for r in data.submissions + data.comments)
    assert sum(not r["is_self"] for r in data.submissions) > len(data.submissions) // 5


def test_a_long_telegram_chat_goes_on_in_a_second_export(tmp_path, monkeypatch):
    monkeypatch.setattr(_Scenario, "TG_CAP", 40)
    out = tmp_path / "parts"
    manifest = generate(out, accounts=200, posts=1500, days=3, media=False)
    files = {rel: info for rel, info in manifest["files"].items() if rel.startswith("telegram/")}
    parts = [rel for rel in files if "-part2/" in rel]
    assert parts
    for rel in parts:
        first = json.loads((out / rel.replace("-part2/", "/")).read_bytes())
        second = json.loads((out / rel).read_bytes())
        assert (first["name"], first["type"], first["id"]) == (second["name"], second["type"],
                                                               second["id"])
        assert len(first["messages"]) == 40 >= len(second["messages"])
        assert first["messages"][-1]["id"] < second["messages"][0]["id"]
        assert first["messages"][-1]["date_unixtime"] <= second["messages"][0]["date_unixtime"]
    assert all(i["messages"] + i["service"] <= 40 for i in files.values())
    assert sum(i["messages"] for i in files.values()) == manifest["totals"]["per_platform"][
        "telegram"]


def test_invented_hosts_are_reserved_example_domains(data):
    hosts = Counter()
    for rel in data.manifest["files"]:
        raw = (data.root / rel).read_bytes()
        for m in re.finditer(rb'https?://([A-Za-z0-9.-]+)(?=[/"?:<\s])', raw):
            hosts[m.group(1).decode().lower()] += 1
    for h in hosts:
        if h.endswith("."):  # Mastodon's hidden '<span class="invisible">https://www.</span>'
            continue
        ok = (h in ALLOWED_REAL_HOSTS or h.endswith(".example") or h == "example.org"
              or re.search(r"(^|\.)example\.(org|com|net)$", h))
        assert ok, h


# ------------------------------------------------------------------------- ground truth


def test_truth_accounts_and_posts_exist(data):
    truth = data.truth
    authors = {p["account"] for p in data.posts.values()}
    assert len(truth["accounts"]) == SMALL["accounts"]
    post_lists = [truth["bots"]["posts"], truth["campaign"]["posts"],
                  truth["geo_event"]["posts"], truth["geo_event"]["related_posts"],
                  truth["image_spread"]["posts"]]
    for person in truth["identity"]["persons"]:
        post_lists.extend(person["posts"].values())
    for key in ("removed", "deleted", "author_deleted", "deleted_later"):
        post_lists.append(truth["reddit"][key])
    for lst in post_lists:
        assert lst and set(lst) <= set(data.posts)
    for key in ("bots", "campaign"):
        assert set(truth[key]["accounts"]) <= set(truth["accounts"])
        assert set(truth[key]["accounts"]) <= authors
    assert "description" in truth and set(truth["description"]) >= {
        "bots", "campaign", "identity", "image_spread", "geo_event", "telegram", "reddit"}
    # every platform's accounts, posts and planted items are in the truth
    assert {v["platform"] for v in truth["accounts"].values()} == set(PLATFORMS)
    camp_platforms = {truth["accounts"][a]["platform"] for a in truth["campaign"]["accounts"]}
    assert camp_platforms == {"twitter", "bluesky", "telegram", "reddit"}
    assert {a for a in authors if a} <= set(truth["accounts"])
    # the dump hides who wrote a deleted item; the truth knows
    hidden = truth["reddit"]["hidden_authors"]
    assert hidden and all(data.posts[p]["account"] is None for p in hidden)
    assert set(hidden.values()) <= set(truth["accounts"])
    for p in truth["reddit"]["deleted"]:
        raw = data.posts[p]["raw"]
        assert raw.get("body", raw.get("selftext")) in ("[deleted]", "")
    for p in truth["reddit"]["deleted_later"]:
        assert data.posts[p]["raw"]["_meta"]["was_deleted_later"] is True
    chats = {c["chat_id"]: c for c in truth["telegram"]["chats"]}
    assert {d["id"] for d in data.chats.values()} == set(chats)
    for rel, doc in data.chats.items():
        assert rel in chats[doc["id"]]["files"]


def test_bots_post_at_regular_intervals(data):
    bots = data.truth["bots"]
    par = bots["parameters"]
    interval, jitter = par["interval_seconds"], par["jitter_seconds"]
    assert 600 <= interval <= 1800
    mine = data.by_account()
    all_bot_posts = set()
    for b in bots["accounts"]:
        times = sorted(p["t"] for p in mine[b])
        all_bot_posts |= {u for u, p in data.posts.items() if p["account"] == b}
        assert len(times) >= 3
        gaps = [(b2 - a2) / 1000 for a2, b2 in zip(times, times[1:], strict=False)]
        assert all(abs(g - interval) <= 2 * jitter + 2 for g in gaps), (b, gaps)
        first = ms(par["active"][b]["first"])
        assert abs(times[0] - first) <= jitter * 1000 + 1000
        # around the clock: a bot posts in (nearly) every hour of the day while active
        if len(times) >= 48:
            assert len({(t // 3_600_000) % 24 for t in times}) >= 20
    assert all_bot_posts == set(bots["posts"])
    tw_users = {"twitter:" + k: u for k, u in data.tw_users.items()}
    for b in bots["accounts"]:
        if b.startswith("twitter:"):
            u = tw_users[b]
            assert re.match(r"^[A-Za-z]+\d{8}$", u["username"])
            assert u["public_metrics"]["followers_count"] < u["public_metrics"]["following_count"]
    ordinary = [a for a, v in data.truth["accounts"].items() if v["role"] == "ordinary"]
    irregular = 0
    for a in ordinary:
        times = sorted(p["t"] for p in mine.get(a, []))
        if len(times) >= 10:
            gaps = [y - x for x, y in zip(times, times[1:], strict=False)]
            mean = sum(gaps) / len(gaps)
            sd = math.sqrt(sum((g - mean) ** 2 for g in gaps) / len(gaps))
            irregular += sd / mean > 0.5
    assert irregular >= 10  # ordinary people are not clockwork


def test_campaign_acts_within_the_window(data):
    camp = data.truth["campaign"]
    par = camp["parameters"]
    windows = par["window_seconds_by_platform"]
    assert windows["twitter"] == windows["bluesky"] == par["window_seconds"]
    assert camp["waves"]
    members = set(camp["accounts"])
    source = par["telegram_source_channel"]
    platforms = Counter()
    for wave in camp["waves"]:
        at = ms(wave["at"])
        seeds = set(wave["seed_posts"])
        tg_seed = next(data.posts[s] for s in seeds if s.startswith("telegram:"))
        kinds = Counter()
        for p in wave["posts"]:
            post = data.posts[p["post"]]
            kinds[p["kind"]] += 1
            platforms[post["platform"]] += 1
            assert post["account"] == p["account"] and p["account"] in members
            assert 0 <= (post["t"] - at) / 1000 <= windows[post["platform"]]
            assert abs((post["t"] - at) / 1000 - p["delay_seconds"]) < 1
            if p["kind"] == "repost":
                assert post["repost_of"] in seeds
                continue
            if p["kind"] == "forward":  # a Telegram forward names the source channel
                assert "telegram:" + post["forwarded_from_id"] == source
                assert post["raw"]["text"] == tg_seed["raw"]["text"]
                assert post["t"] >= tg_seed["t"]
                continue
            assert post["urls"] == [wave["url"]]
            if post["platform"] != "reddit":  # no hashtags on Reddit
                assert post["tags"] == wave["hashtags"] or [t.lower() for t in post["tags"]] == [
                    t.lower() for t in wave["hashtags"]]
            text = post["text"]
            if p["kind"] in ("seed", "copy"):
                assert text.startswith(wave["text"]) or wave["text"] in text
            elif p["kind"] == "near_copy" and post["platform"] in ("twitter", "reddit"):
                assert not text.startswith(wave["text"] + " https") and text != wave["text"]
        assert kinds["seed"] == 4 and len(seeds) == 4
        assert {data.posts[s]["platform"] for s in seeds} == {"twitter", "bluesky", "telegram",
                                                              "reddit"}
    assert sum(len(w["posts"]) for w in camp["waves"]) == len(camp["posts"])
    assert set(platforms) == {"twitter", "bluesky", "telegram", "reddit"}
    # the relay channel was created in the period, just before the first wave
    relay = next(d for d in data.chats.values()
                 if "telegram:channel" + str(d["id"]) == par["telegram_relay_channel"])
    first = relay["messages"][0]
    assert first["type"] == "service" and first["action"] == "create_channel"
    assert int(first["date_unixtime"]) * 1000 < ms(camp["waves"][0]["at"])
    # campaign links reach Reddit as link posts in the campaign's subreddits
    links = [r for r in data.submissions if r["url"].startswith("https://" + par["link_domain"])]
    assert links and {r["subreddit"] for r in links} <= set(par["subreddits"])
    assert all(r["domain"] == par["link_domain"] and not r["is_self"] for r in links)


def test_geo_event_posts_fall_within_radius_and_window(data):
    geo = data.truth["geo_event"]
    lat0, lon0, radius = geo["centre"]["lat"], geo["centre"]["lon"], geo["radius_m"]
    start, end = ms(geo["start"]), ms(geo["end"])
    assert len(geo["posts"]) >= 15
    for uid in geo["posts"]:
        p = data.posts[uid]
        lon, lat = p["coords"]
        assert _dist(lat, lon, lat0, lon0) <= radius
        assert start <= p["t"] <= end
        assert p["place"]["id"] == geo["place_id"] and p["place"]["name"] == "Lyon"
    for uid in geo["related_posts"]:
        assert data.posts[uid]["platform"] in ("mastodon", "bluesky")
    # the burst stands out: more geotagged tweets in the window than in any other 2.5 h
    geotagged = sorted(p["t"] for p in data.posts.values() if p["coords"])
    outside = [t for t in geotagged if not start <= t <= end]
    assert len(geo["posts"]) > 3 * max(Counter(t // (150 * 60_000) for t in outside).values(),
                                     default=0)
    for ph in geo["photos"]:
        img = Image.open(data.root / ph["file"])
        exif = img.getexif()
        gps = exif.get_ifd(0x8825)
        lat = _dms(gps[2], gps[1])
        lon = _dms(gps[4], gps[3])
        assert _dist(lat, lon, lat0, lon0) <= radius
        assert exif.get_ifd(0x8769)[0x9003]  # DateTimeOriginal


def _dist(lat1, lon1, lat2, lon2):
    p1, p2 = math.radians(lat1), math.radians(lat2)
    a = (math.sin((p2 - p1) / 2) ** 2
         + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2)
    return 2 * 6_371_008.8 * math.asin(math.sqrt(a))


def _dms(v, ref):
    deg = float(v[0]) + float(v[1]) / 60 + float(v[2]) / 3600
    return -deg if ref in ("S", "W") else deg


def test_one_person_two_platforms_share_avatar_and_name_each_other(data):
    persons = [p for p in data.truth["identity"]["persons"] if p["avatar"] is not None]
    assert len(persons) >= 2
    for person in persons:
        avatars, bios = [], []
        for uid in person["accounts"]:
            if uid.startswith("twitter:"):
                u = data.tw_users[uid.split(":", 1)[1]]
                avatars.append(data.media_by_url[u["profile_image_url"]])
                bios.append(u["description"])
            elif uid.startswith("bluesky:"):
                prof = data.bs_profiles[uid.split(":", 1)[1]]
                avatars.append(data.media_by_cid[prof["avatar"]["ref"]["$link"]])
                bios.append(prof["description"])
            else:
                acc = data.ma_accounts[uid]
                avatars.append(data.media_by_url[acc["avatar"]])
                bios.append(acc["note"])
        assert len(avatars) == 2
        files = [(data.root / "media" / a["path"]).read_bytes() for a in avatars]
        assert files[0] == files[1]
        handles = person["handles"]
        assert handles[1].split(".")[0].lstrip("@") in bios[0] or handles[1] in bios[0]
        assert handles[0] in bios[1]
        for uid, posts in person["posts"].items():
            assert posts and all(data.posts[p]["account"] == uid for p in posts)
    for xp in persons[0]["cross_posts"]:
        a, b = data.posts[xp["twitter"]], data.posts[xp["bluesky"]]
        assert 0 < b["t"] - a["t"] <= 15 * 60_000
        assert b["text"].split(" #")[0] == a["text"].split(" #")[0].split(" https://t.co/")[0]
    decoy = data.truth["identity"]["decoys"][0]["accounts"][0]
    decoy_avatar = data.media_by_url[data.ma_accounts[decoy]["avatar"]]
    marta_avatar = persons[0]["avatar"]["sha256"]
    assert decoy_avatar["sha256"] != marta_avatar


def test_one_person_on_reddit_and_a_telegram_channel(data):
    """No avatar or bio in either format: related names, her flair naming the channel, her name
    as the channel's signature, cross-posts linking back."""
    person = next(p for p in data.truth["identity"]["persons"] if p["avatar"] is None)
    rd_uid, tg_uid = person["accounts"]
    assert rd_uid.startswith("reddit:u/") and tg_uid.startswith("telegram:channel")
    rd_handle, tg_handle = person["handles"]
    assert rd_handle.replace("_", "") == tg_handle
    rd_posts = [data.posts[p] for p in person["posts"][rd_uid]]
    tg_posts = [data.posts[p] for p in person["posts"][tg_uid]]
    assert rd_posts and tg_posts
    assert all(p["account"] == rd_uid for p in rd_posts)
    assert all(p["account"] == tg_uid for p in tg_posts)
    assert all(p["raw"]["author_flair_text"] == f"Amsterdam | t.me/{tg_handle}" for p in rd_posts)
    assert all(p["raw"]["author"] == person["person"] for p in tg_posts)
    assert all(p["raw"]["author_fullname"] == data.truth["accounts"][rd_uid]["native_id"]
               for p in rd_posts)
    assert person["cross_posts"]
    for xp in person["cross_posts"]:
        tg, rd = data.posts[xp["telegram"]], data.posts[xp["reddit"]]
        assert 0 < rd["t"] - tg["t"] <= 30 * 60_000
        assert rd["raw"]["title"] == tg["text"].split(" #")[0].split("\n\n")[0]
        msg_id = xp["telegram"].rsplit("/", 1)[1]
        assert rd["urls"] == [f"https://t.me/{tg_handle}/{msg_id}"]
    # the same daily rhythm: she posts in the Amsterdam day on both
    for posts in (rd_posts, tg_posts):
        local = [(p["t"] // 3_600_000 + person["timezone_offset_hours"]) % 24 for p in posts]
        assert sum(2 <= h <= 5 for h in local) <= len(local) // 4


def test_image_spread_derivatives_decode_differ_and_derive(data):
    spread = data.truth["image_spread"]
    orig = spread["original"]
    first = data.posts[orig["post"]]
    assert first["account"] == orig["account"]
    assert first["media"] == [orig["url"]]
    assert all(data.posts[p]["t"] > first["t"] for p in spread["posts"] if p != orig["post"])
    for r in spread["reposts"]:
        assert data.posts[r]["repost_of"] == orig["post"]
    original_bytes = (data.root / orig["file"]).read_bytes()
    spread_files = {orig["sha256"]} | {d["sha256"] for d in spread["derivatives"]}
    unrelated = next(m for m in data.media_by_path.values()
                     if m["kind"] == "photos" and m["sha256"] not in spread_files
                     and m["width"] == 320)
    unrelated_img = Image.open(data.root / "media" / unrelated["path"]).convert("RGB")
    platforms = set()
    assert len(spread["derivatives"]) >= 5
    for d in spread["derivatives"]:
        raw = (data.root / d["file"]).read_bytes()
        assert raw != original_bytes
        img = Image.open(io.BytesIO(raw))
        img.load()
        parent = Image.open(data.root / d["parent"]).convert("RGB")
        expect = apply_transforms(parent, d["transforms"])
        assert expect.size == img.size
        assert _mad(expect, img.convert("RGB")) < 6, d["name"]
        assert _mad(apply_transforms(unrelated_img, d["transforms"]), img.convert("RGB")) > 10
        assert hashlib.sha256(raw).hexdigest() == d["sha256"]
        for p in d["posts"]:
            post = data.posts[p]
            if post["platform"] == "telegram":  # a file in the export folder, same bytes
                assert [data.sha(m) for m in post["media"]] == [d["sha256"]]
                assert post["raw"]["photo_file_size"] == len(raw)
            else:
                assert post["media"] == [d["url"]]
            platforms.add(post["platform"])
    assert platforms == {"twitter", "mastodon", "bluesky", "telegram"}


def _mad(a: Image.Image, b: Image.Image) -> float:
    a = a.convert("L").resize((32, 32))
    b = b.convert("L").resize((32, 32))
    return sum(abs(x - y) for x, y in zip(a.tobytes(), b.tobytes(), strict=True)) / 1024


def test_exif_on_camera_photos_only(data):
    photos = [m for m in data.media_by_path.values() if m["kind"] == "photos"]
    derivs = {d["file"].removeprefix("media/") for d in data.truth["image_spread"]["derivatives"]}
    with_exif = 0
    for m in photos:
        exif = Image.open(data.root / "media" / m["path"]).getexif()
        if m["path"] in derivs:
            assert 0x010F not in exif  # re-encoded by a platform: metadata gone
            continue
        assert exif[0x010F] and exif[0x0110]
        assert exif.get_ifd(0x8769)[0x9003]
        with_exif += 1
    assert with_exif >= 10
    for m in data.media_by_path.values():
        if m["kind"] == "screenshots":
            assert m["mime"] == "image/png"
            assert not Image.open(data.root / "media" / m["path"]).getexif()


# ------------------------------------------------------------------------- behaviour


def test_ordinary_people_post_in_their_evening_not_at_night(data):
    accounts = data.truth["accounts"]
    evening = night = 0
    per_account = Counter()
    for p in data.posts.values():
        if p["account"] is None:  # a Reddit item whose author is "[deleted]"
            continue
        a = accounts[p["account"]]
        if a["role"] != "ordinary":
            continue
        per_account[p["account"]] += 1
        local = (p["t"] // 3_600_000 + a["timezone_offset_hours"]) % 24
        evening += 19 <= local <= 22
        night += 2 <= local <= 5
    assert evening > 4 * night
    # heavy-tailed activity: the busiest tenth of posters write a large share
    counts = sorted(per_account.values(), reverse=True)
    assert sum(counts[: len(counts) // 10]) > 0.3 * sum(counts)


def test_mixture_of_languages_kinds_and_entities(data):
    langs = Counter()
    for p in data.posts.values():
        raw = p["raw"]
        if p["platform"] == "twitter":
            langs[raw["lang"]] += 1
        elif p["platform"] == "mastodon" and raw["language"]:
            langs[raw["language"]] += 1
    assert langs.most_common(1)[0][0] == "en"
    assert {"de", "fr", "es"} <= set(langs)
    kinds = data.manifest["totals"]["per_kind"]
    assert kinds["twitter"]["retweet"] and kinds["twitter"]["reply"] and kinds["twitter"]["quote"]
    assert kinds["mastodon"]["reblog"] and kinds["bluesky"]["repost"] and kinds["bluesky"]["quote"]
    tags = Counter(t.lower() for p in data.posts.values() for t in p["tags"])
    top = tags.most_common()
    assert top[0][1] > 5 * top[len(top) // 2][1]  # zipfian, not uniform


def test_media_disabled_writes_no_images(tmp_path):
    out = tmp_path / "nomedia"
    summary = generate(out, accounts=200, posts=1500, days=3, media=False)
    assert not (out / "media").exists()
    truth = json.loads((out / "ground_truth.json").read_text())
    assert truth["image_spread"] is None
    assert summary["totals"]["posts"] == 1500


def test_memory_stays_bounded(tmp_path):
    peaks = []
    for n in (5000, 20000):
        tracemalloc.start()
        generate(tmp_path / str(n), accounts=300, posts=n, media=False)
        peaks.append(tracemalloc.get_traced_memory()[1])
        tracemalloc.stop()
    assert peaks[1] < 2.2 * peaks[0], peaks  # 4x the posts, far from 4x the memory


# ------------------------------------------------------------------------- import


def test_a_generated_scenario_imports_with_posts_on_all_five_platforms(tmp_path, case):
    """The mappers read what the generator writes (telegram and reddit mappers included)."""
    from socmint import ingest, store

    root = tmp_path / "five"
    manifest = generate(root, accounts=200, posts=2000, seed=5, days=3, media=False)
    ingest.import_paths(case, [root / p for p in PLATFORMS])
    con = store.connect(case, read_only=True)
    try:
        got = dict(con.execute("SELECT platform, count(*) FROM posts GROUP BY platform")
                   .fetchall())
    finally:
        con.close()
    assert set(got) == set(PLATFORMS)
    for p in PLATFORMS:
        assert got[p] >= manifest["totals"]["per_platform"][p] * 0.9, (p, got)
