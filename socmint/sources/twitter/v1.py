"""API v1.1 statuses and users, and the v1.1-shaped tweet that archives and GraphQL share.

Formats
  twitter.v1_status    one status: a REST answer (statuses/show) or one streaming line
  twitter.v1_statuses  a JSON array of statuses (timelines, statuses/lookup)
  twitter.v1_search    search/tweets: {statuses, search_metadata}
  twitter.v1_user      one user object (users/show)
  twitter.v1_users     a JSON array of users (users/lookup)
  twitter.v1_delete    a streaming delete notice {"delete": {"status": {id_str, user_id_str}}}

Choices
  - Text: `extended_tweet.full_text` (compat mode, `truncated: true`), else `full_text`
    (tweet_mode=extended), else `text`, with the entities of the same object. The whole text is
    kept, reply-prefix mentions and trailing media link included (`display_text_range` is not
    applied): that is what API v2 gives as `text`, so both read the same.
  - A retweet (`retweeted_status`) is a repost post (reposts=None: its `retweet_count` is the
    original's) plus a repost interaction; the original is mapped as its own post. A retweet
    of a quote carries `quoted_status` too: the quote belongs to the original, not the wrapper.
  - Quotes: `quoted_status` (mapped as its own post) or only `quoted_status_id_str`.
  - Media uid "twitter:<type prefix>_<media id>", the v2 media_key (3_ photo, 7_ video,
    16_ animated_gif), so v1.1 and v2 media merge; `media_key` itself where given (GraphQL); an
    unknown type keeps the bare media id. A retweet's media point at the original, as in v2
    (`source_status_id_str` on other tweets' media is not followed: v2 cannot see it).
    url: the photo, or the best-bit-rate mp4 of a video/GIF (its still as preview_url).
    width/height only from `original_info` (GraphQL): v1.1 `sizes` are scaled renditions.
  - `entities.urls` links shown as pic.twitter.com are media, not url entities (as in v2).
  - Geo: `coordinates` (GeoJSON [lon, lat]), else the deprecated `geo` ([lat, lon]), else the
    middle of the place's bounding box; place = `place.full_name`.
  - Counts as given at retrieval: favorite_count, retweet_count, and reply_count/quote_count
    where present (premium and streaming); no views in v1.1.
  - User url: the expanded `entities.url` link, not the t.co redirect; avatar the https URL.
  - A streaming `timestamp_ms` is when the stream delivered the item: retrieved_at.
  - Delete notices make a tombstone (deleted=True) of the post and a stub of its author.
    Other streaming notices (limit, scrub_geo, status_withheld, ...) are not detected.
"""

from __future__ import annotations

from socmint.errors import RejectedItem
from socmint.model import Records
from socmint.sources.common import Format, add_url, integer, number, obj, seq, text, utc
from socmint.sources.twitter.base import (
    KEY_PREFIX,
    MEDIA_KINDS,
    PLATFORM,
    P,
    act,
    centroid,
    id_of,
    missing,
    post_url,
    stub,
    unescape,
    valid_point,
)

STATUS = "twitter.v1_status"
STATUSES = "twitter.v1_statuses"
SEARCH = "twitter.v1_search"
USER = "twitter.v1_user"
USERS = "twitter.v1_users"
DELETE = "twitter.v1_delete"

PIC = ("pic.twitter.com/", "pic.x.com/")
# keys of look-alikes: X GraphQL objects, Mastodon, Bluesky
NOT_V1 = ("legacy", "rest_id", "__typename", "acct", "account", "did", "uri")

_STATUS_MAPS = ("the status and the retweeted_status/quoted_status it carries as posts, their "
                "users as accounts, hashtags, user_mentions and urls (expanded) as entities, "
                "extended_entities media, reply/repost/quote/mention interactions, place and "
                "coordinates")
_STATUS_LACKS = {"posts": ("conversation", "views", "kind", "community"),
                 "media": ("width", "height")}
FORMATS = (
    Format(STATUS, "X/Twitter API v1.1 status (REST answer or one streaming line)",
           "an object with a numeric-string id_str, text or full_text, and a user object",
           _STATUS_MAPS + "; a streaming line's timestamp_ms becomes retrieved_at",
           _STATUS_LACKS),
    Format(STATUSES, "X/Twitter API v1.1 array of statuses (timelines, statuses/lookup)",
           "a non-empty JSON array whose first element is a v1.1 status", _STATUS_MAPS,
           _STATUS_LACKS),
    Format(SEARCH, "X/Twitter API v1.1 search/tweets response",
           "an object with a `statuses` array and a `search_metadata` object", _STATUS_MAPS,
           _STATUS_LACKS),
    Format(USER, "X/Twitter API v1.1 user object (users/show)",
           "an object with a numeric-string id_str and screen_name, and no tweet text",
           "the user as an account (profile link expanded)", {}),
    Format(USERS, "X/Twitter API v1.1 array of users (users/lookup)",
           "a non-empty JSON array whose first element is a v1.1 user", "each user as an account",
           {}),
    Format(DELETE, "X/Twitter API v1.1 streaming delete notice",
           "an object whose `delete` holds a `status` object",
           "a tombstone post (deleted=True) with its author's uid; the notice's timestamp_ms "
           "becomes retrieved_at",
           {"posts": missing("posts", "account_uid"),
            "accounts": missing("accounts")}),
)


# ---------------------------------------------------------------- detection

def _digits(v) -> bool:
    return type(v) is str and v.isascii() and v.isdigit()


def is_status(o) -> bool:
    return (type(o) is dict and _digits(o.get("id_str")) and ("text" in o or "full_text" in o)
            and type(o.get("user")) is dict and not any(k in o for k in NOT_V1))


def is_user(o) -> bool:
    return (type(o) is dict and _digits(o.get("id_str")) and type(o.get("screen_name")) is str
            and "text" not in o and "full_text" not in o and not any(k in o for k in NOT_V1))


def detect(o) -> str | None:
    if type(o) is dict:
        if is_status(o):
            return STATUS
        if is_user(o):
            return USER
        d = o.get("delete")
        if type(d) is dict and type(d.get("status")) is dict:
            return DELETE
        if type(o.get("statuses")) is list and type(o.get("search_metadata")) is dict:
            return SEARCH
    elif type(o) is list and o:
        if is_status(o[0]):
            return STATUSES
        if is_user(o[0]):
            return USERS
    return None


# ---------------------------------------------------------------- mapping

def map_item(o, fmt: str) -> Records:
    r = Records()
    if fmt == STATUS:
        statuses(r, [obj(o)])
        r.retrieved_at = utc(o.get("timestamp_ms"))
    elif fmt == STATUSES:
        statuses(r, seq(o))
    elif fmt == SEARCH:
        statuses(r, seq(obj(o).get("statuses")))
    elif fmt == USER:
        if user(r, o)[0] is None:
            raise RejectedItem("empty user object")
    elif fmt == USERS:
        for u in seq(o):
            user(r, u)
    elif fmt == DELETE:
        _delete(r, obj(o))
    else:
        raise RejectedItem(f"twitter v1.1 mapper does not read {fmt!r}")
    return r


def statuses(r: Records, items: list) -> None:
    todo = list(items)
    while todo:  # a worklist, not recursion: nesting depth comes from the input
        todo.extend(_status(r, todo.pop()))


def user(r: Records, u, verified: bool | None = None) -> tuple[str | None, str | None]:
    """A v1.1-shaped user (GraphQL's legacy user too); returns its uid and screen name."""
    u = obj(u)
    if not u:
        return None, None
    nid = id_of(u)
    if not nid:
        raise RejectedItem("user without id_str")
    handle = text(u.get("screen_name"))
    url = text(u.get("url"))
    for link in seq(obj(obj(u.get("entities")).get("url")).get("urls")):
        expanded = text(obj(link).get("expanded_url"))
        if expanded:  # `url` is a t.co redirect; the profile shows the expanded one
            url = expanded
            break
    if verified is None and type(u.get("verified")) is bool:
        verified = u["verified"]
    uid = P + nid
    r.account(uid=uid, platform=PLATFORM, native_id=nid, handle=handle,
              display_name=text(u.get("name")), bio=text(u.get("description")), url=url,
              location=text(u.get("location")), created_at=utc(u.get("created_at")),
              followers=integer(u.get("followers_count")),
              following=integer(u.get("friends_count")),
              posts_count=integer(u.get("statuses_count")), verified=verified,
              avatar_url=text(u.get("profile_image_url_https")) or text(
                  u.get("profile_image_url")))
    return uid, handle


def _status(r: Records, s) -> list:
    """Map one status; returns the statuses it carries (retweeted, quoted)."""
    s = obj(s)
    tid = id_of(s)
    if not tid:
        raise RejectedItem("status without id_str")
    account, handle = user(r, s.get("user"))
    ext = obj(s.get("extended_tweet"))
    src = ext if ext.get("full_text") is not None else s
    body = text(src.get("full_text")) or text(s.get("text"))
    ents = obj(src.get("entities"))
    media = seq(obj(src.get("extended_entities")).get("media")) or seq(ents.get("media"))

    nested = []
    repost_of = repost_target = quote_of = quote_target = None
    rs = s.get("retweeted_status")
    if rs:
        rs = obj(rs)
        nested.append(rs)
        rid, ruser = id_of(rs), id_of(obj(rs.get("user")))
        repost_of = P + rid if rid else None
        repost_target = P + ruser if ruser else None
    qid = text(s.get("quoted_status_id_str"))
    qs = s.get("quoted_status")
    if qs:
        qs = obj(qs)
        nested.append(qs)
        qid = qid or id_of(qs)
        quser = id_of(obj(qs.get("user")))
        quote_target = P + quser if quser else None
    if qid and not rs:
        quote_of = P + qid
    tweet(r, s, tid, account=account, handle=handle, body=body, entity_sets=[ents],
          media=media, retweet=bool(rs), repost_of=repost_of, repost_target=repost_target,
          quote_of=quote_of, quote_target=quote_target)
    return nested


def _delete(r: Records, o: dict) -> None:
    d = obj(o.get("delete"))
    s = obj(d.get("status"))
    tid = id_of(s)
    if not tid:
        raise RejectedItem("delete notice without a status id")
    author = id_of(s, "user_id")
    r.post(uid=P + tid, platform=PLATFORM, native_id=tid,
           account_uid=stub(r, author) if author else None, deleted=True)
    r.retrieved_at = utc(d.get("timestamp_ms"))


# ---------------------------------------------------------------- the shared tweet

def tweet(r: Records, t: dict, tid: str, *, account: str | None, handle: str | None,
          body: str | None, entity_sets: list, media: list, retweet: bool = False,
          repost_of: str | None = None, repost_target: str | None = None,
          quote_of: str | None = None, quote_target: str | None = None, views: int | None = None,
          deleted: bool | None = None, media_post: str | None = None) -> None:
    """One v1.1-shaped tweet (`t`: v1.1 status, archive tweet or GraphQL `legacy`), once the
    format-specific parts (author, text, retweet and quote) are decided by the caller."""
    uid = P + tid
    created = utc(t.get("created_at"))
    reply_id = id_of(t, "in_reply_to_status_id")
    reply_to = P + reply_id if reply_id else None
    irt = id_of(t, "in_reply_to_user_id")
    reply_target = stub(r, irt, text(t.get("in_reply_to_screen_name"))) if irt else None
    lat, lon, place = _geo(t)
    conv = text(t.get("conversation_id_str"))
    r.post(uid=uid, platform=PLATFORM, native_id=tid, account_uid=account, created_at=created,
           text=unescape(body), language=text(t.get("lang")), url=post_url(handle, tid),
           reply_to=reply_to, repost_of=repost_of, quote_of=quote_of,
           conversation=P + conv if conv else None, lat=lat, lon=lon, place=place,
           likes=integer(t.get("favorite_count")),
           reposts=None if retweet else integer(t.get("retweet_count")),
           replies=integer(t.get("reply_count")), quotes=integer(t.get("quote_count")),
           views=views, deleted=deleted)
    for ents in entity_sets:
        _entities(r, uid, obj(ents), account, created, retweet)
    if reply_to or irt:
        act(r, "reply", account, uid, target=reply_target, target_post=reply_to, at=created)
    if retweet:
        act(r, "repost", account, uid, target=repost_target, target_post=repost_of, at=created)
    if quote_of:
        act(r, "quote", account, uid, target=quote_target, target_post=quote_of, at=created)
    for m in media:
        _media(r, obj(m), media_post or repost_of or uid)


def _entities(r: Records, uid: str, ents: dict, account: str | None, created,
              retweet: bool) -> None:
    for h in seq(ents.get("hashtags")):
        tag = text(obj(h).get("text"))
        if tag:
            r.entity(uid, "hashtag", tag, tag.lower(), platform=PLATFORM)
    for m in seq(ents.get("user_mentions")):
        m = obj(m)
        name = text(m.get("screen_name"))
        if not name:
            continue
        mid = id_of(m)
        if mid:
            stub(r, mid, name, text(m.get("name")))
        r.entity(uid, "mention", name, name.lower(), platform=PLATFORM)
        if not retweet:  # a retweet repeats the original's mentions; the retweeter wrote none
            r.interaction("mention", account, target=P + mid if mid else None, post=uid,
                          at=created, platform=PLATFORM)
    for u in seq(ents.get("urls")):
        u = obj(u)
        if (text(u.get("display_url")) or "").startswith(PIC):
            continue
        add_url(r, uid, text(u.get("expanded_url")) or text(u.get("url")), PLATFORM)


def _media(r: Records, m: dict, post: str) -> None:
    mtype = text(m.get("type"))
    key = text(m.get("media_key"))
    if not key:
        mid = id_of(m)
        if not mid:
            return  # nothing to name it by; the post keeps its link in the text
        prefix = KEY_PREFIX.get(mtype or "")
        key = f"{prefix}_{mid}" if prefix else mid
    kind = MEDIA_KINDS.get(mtype or "", "other")
    still = text(m.get("media_url_https")) or text(m.get("media_url"))
    url, preview = still, None
    if kind in ("video", "gif"):
        best, rate = None, -1
        for v in seq(obj(m.get("video_info")).get("variants")):
            v = obj(v)
            if v.get("content_type") != "video/mp4":
                continue
            b = integer(v.get("bitrate"))
            b = integer(v.get("bit_rate")) if b is None else b
            if (b or 0) > rate:
                rate, best = b or 0, text(v.get("url"))
        url, preview = best or still, still
    info = obj(m.get("original_info"))
    r.media(uid=P + key, platform=PLATFORM, post=post, kind=kind, url=url, preview_url=preview,
            alt_text=text(m.get("ext_alt_text")), width=integer(info.get("width")),
            height=integer(info.get("height")))


def _geo(t: dict) -> tuple[float | None, float | None, str | None]:
    lat = lon = None
    point = seq(obj(t.get("coordinates")).get("coordinates"))
    if len(point) == 2:  # GeoJSON order: [lon, lat]
        lon, lat = number(point[0]), number(point[1])
    else:
        point = seq(obj(t.get("geo")).get("coordinates"))
        if len(point) == 2:  # the deprecated `geo` is [lat, lon]
            lat, lon = number(point[0]), number(point[1])
    lat, lon = valid_point(lat, lon)
    place = None
    pl = t.get("place")
    if pl:
        pl = obj(pl)
        place = text(pl.get("full_name"))
        if lat is None:
            lat, lon = valid_point(*_box_middle(obj(pl.get("bounding_box"))))
    return lat, lon, place


def _box_middle(box: dict) -> tuple[float | None, float | None]:
    """Middle of a place's GeoJSON polygon, whatever order its corners come in."""
    rings = seq(box.get("coordinates"))
    lons, lats = [], []
    for p in seq(rings[0])[:16] if rings else []:
        p = seq(p)
        if len(p) >= 2:
            x, y = number(p[0]), number(p[1])
            if x is not None and y is not None:
                lons.append(x)
                lats.append(y)
    if not lons:
        return None, None
    w, e = min(lons), max(lons)
    if e - w > 180:  # the box crosses the antimeridian: it runs east from e to w
        w, e = e, w
    return centroid([w, min(lats), e, max(lats)])
