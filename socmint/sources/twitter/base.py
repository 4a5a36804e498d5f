"""What every Twitter/X format shares: uids, account stubs, places, interactions, post URLs."""

from __future__ import annotations

import html

from socmint.model import FIELDS, Records, interaction_uid
from socmint.sources.common import number, text

PLATFORM = "twitter"
P = "twitter:"

MEDIA_KINDS = {"photo": "photo", "video": "video", "animated_gif": "gif"}
# A v2 media_key is "<type prefix>_<media id>"; v1.1, archives and GraphQL give the id and the
# type, so the same key (and uid) is rebuilt from them. v2's 13_ (amplify video) has no v1.1 type
# of its own ("video"), so such a video seen through v1.1 gets 7_ and does not merge.
KEY_PREFIX = {"photo": "3", "video": "7", "animated_gif": "16"}


def unescape(body: str | None) -> str | None:
    """The APIs and archives escape &, < and > in tweet text, and only there."""
    return html.unescape(body) if body and "&" in body else body


def stub(r: Records, nid: str, handle: str | None = None, name: str | None = None) -> str:
    uid = P + nid
    if handle or name or uid not in r.tables["accounts"]:  # merging never blanks a fuller record
        r.account(uid=uid, platform=PLATFORM, native_id=nid, handle=handle, display_name=name)
    return uid


def post_url(handle: str | None, tid: str) -> str:
    return f"https://x.com/{handle or 'i'}/status/{tid}"


def act(r: Records, kind: str, source: str | None, post: str, *, target: str | None = None,
        target_post: str | None = None, at=None) -> None:
    """A reply, repost or quote: one per carrying post, so the post alone names it.

    Formats differ in what they know of the target (an archive never knows a quoted tweet's
    author, a v2 page without expansions neither); leaving target and source out of the uid
    makes the same action seen through two formats one record, filled in by both."""
    r.interaction(kind, source, target=target, post=post, target_post=target_post, at=at,
                  platform=PLATFORM, uid=interaction_uid(kind, None, post, None, None))


def like(r: Records, source: str, target_post: str, target: str | None = None) -> None:
    """Like lists (v2 liked_tweets/liking_users, archive like.js) rarely know the author."""
    r.interaction("like", source, target=target, target_post=target_post, platform=PLATFORM,
                  uid=interaction_uid("like", source, None, None, target_post))


def centroid(bbox: list) -> tuple[float | None, float | None]:
    """Middle of a place's [west, south, east, north] box, across the antimeridian too."""
    if len(bbox) != 4:
        return None, None
    w, s, e, n = (number(v) for v in bbox)
    if w is None or s is None or e is None or n is None:
        return None, None
    if w > e:
        e += 360
    lon = (w + e) / 2
    return (s + n) / 2, lon - 360 if lon > 180 else lon


def valid_point(lat, lon) -> tuple[float | None, float | None]:
    if lat is None or lon is None or not (-90 <= lat <= 90 and -180 <= lon <= 180):
        return None, None
    return lat, lon


def id_of(o: dict, key: str = "id") -> str | None:
    """`<key>_str`, else `<key>` as a number (exact in Python, unlike JavaScript) or digits."""
    v = text(o.get(key + "_str"))
    if v:
        return v
    n = o.get(key)
    if type(n) is int and n >= 0:
        return str(n)
    if type(n) is str and n.isascii() and n.isdigit():
        return n
    return None


def missing(table: str, *held: str) -> tuple[str, ...]:
    """For Format.cannot_provide: every field of `table` but the ids and those `held`."""
    return tuple(f for f, _ in FIELDS[table] if f not in held
                 and f not in ("uid", "platform", "native_id", "deleted"))
