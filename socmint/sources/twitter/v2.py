"""API v2: twarc response pages and twarc's flattened one-tweet lines.

Formats
  twitter.v2_page  one API v2 response (`data`, `includes`, `meta`, `errors`, twarc's `__twarc`).
                   Tweets in `data` and `includes.tweets` become posts, `includes.users` accounts,
                   `errors` for gone tweets/users become tombstones (deleted=True). A page of users
                   (followers, following, liking_users) maps its users, and the relation named by
                   twarc's request URL becomes follow/like interactions.
  twitter.v2_flat  `twarc2 flatten` output: one tweet with `author`, `in_reply_to_user`,
                   `attachments.media`, the place in `geo` and the referenced tweets inlined
                   (merged into each `referenced_tweets[]` entry, or under its `tweet` key).
                   A bare v2 tweet object (with `author_id`) is read the same way.

Choices
  - A retweet's `public_metrics.retweet_count` is the original's count, so the repost post gets
    reposts=None; its text stays the truncated "RT @user: ..." as given.
  - A retweet repeats the original's mentions: they stay entities of its text, but make no
    "mention" interaction (the retweeter did not write them); the repost interaction is kept.
  - Media uid is "twitter:<media_key>"; a retweet carries the original's media keys, so those
    media records point at the original post.
  - `entities.urls` links to the post's own media (pic.twitter.com, or with `media_key`) are media,
    not url entities.
  - `edit_history_tweet_ids`: each version is its own post, uid from its own id; the model has no
    field linking versions, so the history is not recorded.
  - `errors` with title Not Found / Authorization Error / Forbidden (deleted, protected, suspended)
    give tombstones; a user error that names a username, not an id, has no uid and is skipped.
"""

from __future__ import annotations

import re
from datetime import datetime

from socmint.errors import RejectedItem
from socmint.model import Records
from socmint.sources.common import Format, add_url, integer, number, obj, seq, text, utc
from socmint.sources.twitter.base import (
    MEDIA_KINDS,
    PLATFORM,
    P,
    act,
    centroid,
    like,
    post_url,
    stub,
    unescape,
    valid_point,
)

PAGE = "twitter.v2_page"
FLAT = "twitter.v2_flat"
FORMATS = (
    Format(PAGE, "X/Twitter API v2 response page (twarc2 JSONL, or any v2 JSON answer)",
           "an object whose `data` holds v2 tweets (id and text, no v1.1 or GraphQL keys) or "
           "users (id and username), or that carries v2 page marks: twarc's __twarc.url on "
           "api.twitter.com/2/, meta.result_count, or v2 problem errors",
           "data and includes.tweets as posts, includes.users as accounts (a page fetched "
           "without expansions names authors, places, media and referenced tweets by id only: "
           "authors become stub accounts, the rest stays unresolved), includes.media and "
           "places, entities, reply/repost/quote/mention interactions, errors as tombstones; "
           "follower/following/liking-user pages as follow/like interactions",
           {"posts": ("kind", "community")}),
    Format(FLAT, "X/Twitter API v2 tweet, flattened by twarc2 (one per line)",
           "an object with a numeric-string id and text, and author_id, author, __twarc or "
           "edit_history_tweet_ids (no v1.1 or GraphQL keys)",
           "the tweet and its inlined author, reply-to user, mentioned users and referenced "
           "tweets, as for a page", {"posts": ("kind", "community")}),
)

KEY_KINDS = {"3": "photo", "7": "video", "13": "video", "16": "gif"}  # media_key prefixes
GONE_TITLES = {"Not Found Error", "Authorization Error", "Forbidden"}
GONE_TYPES = ("/problems/resource-not-found", "/problems/not-authorized-for-resource")
PIC = ("pic.twitter.com/", "pic.x.com/")  # display_url of a link to the post's own media
PROBLEMS = ("https://api.twitter.com/2/problems/", "https://api.x.com/2/problems/")
# keys of look-alike objects: v1.1 status/user, Mastodon, X GraphQL, Bluesky
NOT_V2 = ("id_str", "user", "account", "uri", "legacy", "rest_id", "acct", "did")
LISTING = re.compile(r"/2/(?:users/(\d+)/(followers|following|liked_tweets)"
                     r"|tweets/(\d+)/(liking_users))\b")


# ---------------------------------------------------------------- detection

def _is_tweet(o) -> bool:
    if type(o) is not dict:
        return False
    i = o.get("id")
    return (type(i) is str and i.isascii() and i.isdigit() and type(o.get("text")) is str
            and not any(k in o for k in NOT_V2))


def _is_user(o) -> bool:
    if type(o) is not dict:
        return False
    i = o.get("id")
    return (type(i) is str and i.isascii() and i.isdigit() and type(o.get("username")) is str
            and "text" not in o and not any(k in o for k in NOT_V2))


def _page_marks(o: dict) -> bool:
    """A page without tweets still says it came from API v2: twarc's URL, meta, problems."""
    twarc = o.get("__twarc")
    if type(twarc) is dict and type(twarc.get("url")) is str and (
            "api.twitter.com/2/" in twarc["url"] or "api.x.com/2/" in twarc["url"]):
        return True
    meta = o.get("meta")
    if type(meta) is dict and "result_count" in meta:
        return True
    kind = o.get("type")
    if type(kind) is str and kind.startswith(PROBLEMS):
        return True
    errors = o.get("errors")
    if type(errors) is list and errors and type(errors[0]) is dict:
        e = errors[0]
        kind = e.get("type")
        return (type(kind) is str and kind.startswith(PROBLEMS)) or (
            "resource_type" in e and "title" in e)
    return False


def detect(o) -> str | None:
    if type(o) is not dict:
        return None
    if "data" in o:
        data = o["data"]
        if type(data) is list and data:
            return PAGE if _is_tweet(data[0]) or _is_user(data[0]) else None
        if type(data) is dict:
            return PAGE if _is_tweet(data) or _is_user(data) else None
        if data is not None and data != []:
            return None
        return PAGE if _page_marks(o) else None
    if _is_tweet(o):
        if "author_id" in o or "author" in o or "__twarc" in o or "edit_history_tweet_ids" in o:
            return FLAT
        return None
    return PAGE if _page_marks(o) else None


# ---------------------------------------------------------------- mapping

def _time(v) -> datetime | None:
    """API v2 times are all "2021-09-22T16:37:20.000Z": parse those directly (hot path)."""
    if type(v) is str and len(v) == 24 and v[-1] == "Z":
        try:
            return datetime.fromisoformat(v)  # Python 3.11 reads "Z" as UTC
        except ValueError:
            pass
    return utc(v)


class _Ctx:
    """Look-ups one item resolves ids through (empty for a flat tweet, which inlines them)."""

    __slots__ = ("authors", "by_name", "handles", "media", "places")

    def __init__(self) -> None:
        self.handles: dict[str, str] = {}  # user id -> username
        self.by_name: dict[str, str] = {}  # lower-case username -> user id
        self.media: dict[str, dict] = {}  # media_key -> media object
        self.places: dict[str, dict] = {}  # place id -> place object
        self.authors: dict[str, str] = {}  # tweet id -> author id


def map_item(o, fmt: str) -> Records:
    if type(o) is not dict:
        raise RejectedItem(f"{fmt}: not a JSON object")
    if fmt not in (PAGE, FLAT):
        raise RejectedItem(f"twitter v2 mapper does not read {fmt!r}")
    r = Records()
    (_page if fmt == PAGE else _flat)(r, o)
    return r


def _page(r: Records, page: dict) -> None:
    ctx = _Ctx()
    twarc = obj(page.get("__twarc"))
    r.retrieved_at = utc(twarc.get("retrieved_at"))
    inc = obj(page.get("includes"))
    for u in seq(inc.get("users")):
        _user(r, u, ctx)
    for p in seq(inc.get("places")):
        p = obj(p)
        pid = text(p.get("id"))
        if pid:
            ctx.places[pid] = p
    for m in seq(inc.get("media")):
        m = obj(m)
        key = text(m.get("media_key"))
        if key:
            ctx.media[key] = m

    data = page.get("data")
    data = [data] if type(data) is dict else seq(data)
    tweets, users = [], []
    for d in data:
        d = obj(d)
        (users if "username" in d and "text" not in d else tweets).append(d)
    for u in users:
        _user(r, u, ctx)
    data_tweets = len(tweets)
    tweets.extend(obj(t) for t in seq(inc.get("tweets")))
    for t in tweets:
        tid, aid = text(t.get("id")), text(t.get("author_id"))
        if tid and aid:
            ctx.authors[tid] = aid
    for t in tweets:
        todo = _tweet(r, t, ctx)
        while todo:  # only if a page carries inlined tweets
            todo.extend(_tweet(r, todo.pop(), ctx))

    for e in seq(page.get("errors")):
        _tombstone(r, obj(e))

    m = LISTING.search(text(twarc.get("url")) or "")
    if m:
        owner, relation = (m[1], m[2]) if m[1] else (m[3], m[4])
        _listing(r, owner, relation, users, tweets[:data_tweets], ctx)


def _flat(r: Records, tweet: dict) -> None:
    r.retrieved_at = utc(obj(tweet.get("__twarc")).get("retrieved_at"))
    ctx = _Ctx()
    todo = [tweet]
    while todo:  # a worklist, not recursion: nesting depth comes from the input
        todo.extend(_tweet(r, todo.pop(), ctx))


def _user(r: Records, u, ctx: _Ctx) -> str | None:
    """A full v2 user object; returns its id. An empty object (twarc's missing user) is skipped."""
    u = obj(u)
    if not u:
        return None
    nid = text(u.get("id"))
    if not nid:
        raise RejectedItem("user without id")
    handle = text(u.get("username"))
    if handle:
        ctx.handles[nid] = handle
        ctx.by_name[handle.lower()] = nid
    url = text(u.get("url"))
    for link in seq(obj(obj(u.get("entities")).get("url")).get("urls")):
        expanded = text(obj(link).get("expanded_url"))
        if expanded:  # `url` is a t.co redirect; the profile shows the expanded one
            url = expanded
            break
    pm = obj(u.get("public_metrics"))
    verified = u.get("verified")
    r.account(uid=P + nid, platform=PLATFORM, native_id=nid, handle=handle,
              display_name=text(u.get("name")), bio=text(u.get("description")), url=url,
              location=text(u.get("location")), created_at=_time(u.get("created_at")),
              followers=integer(pm.get("followers_count")),
              following=integer(pm.get("following_count")),
              posts_count=integer(pm.get("tweet_count")),
              verified=verified if type(verified) is bool else None,
              avatar_url=text(u.get("profile_image_url")))
    return nid


def _tweet(r: Records, t, ctx: _Ctx) -> list:
    """Map one tweet; returns the referenced tweets it carries inline (flat form)."""
    t = obj(t)
    tid = text(t.get("id"))
    if not tid:
        raise RejectedItem("tweet without id")
    uid = P + tid
    author_id = text(t.get("author_id"))
    if t.get("author"):
        author_id = _user(r, t["author"], ctx) or author_id
    account = stub(r, author_id) if author_id else None
    created = _time(t.get("created_at"))
    note = obj(t.get("note_tweet"))  # long posts: full text and its entities
    body = text(note.get("text")) or text(t.get("text"))
    body = unescape(body)

    nested = []
    reply_to = repost_of = quote_of = None
    reply_target = repost_target = quote_target = None
    for ref in seq(t.get("referenced_tweets")):
        ref = obj(ref)
        rid = text(ref.get("id"))
        if not rid:
            continue
        ref_author = ctx.authors.get(rid)
        inner = ref.get("tweet")
        if inner is None and ("text" in ref or "author_id" in ref):
            inner = ref  # twarc flatten merges the referenced tweet into the reference
        if inner is not None:
            inner = obj(inner)
            if inner:
                nested.append(inner)
                ref_author = text(inner.get("author_id")) or ref_author
        target = P + ref_author if ref_author else None
        kind = ref.get("type")
        if kind == "replied_to":
            reply_to, reply_target = P + rid, target
        elif kind == "retweeted":
            repost_of, repost_target = P + rid, target
        elif kind == "quoted":
            quote_of, quote_target = P + rid, target

    irt = text(t.get("in_reply_to_user_id"))
    if t.get("in_reply_to_user"):
        irt = _user(r, t["in_reply_to_user"], ctx) or irt
    if irt:
        reply_target = stub(r, irt)

    lat = lon = place = None
    geo = t.get("geo")
    if geo:
        geo = obj(geo)
        point = seq(obj(geo.get("coordinates")).get("coordinates"))
        if len(point) == 2:  # GeoJSON order: [lon, lat]
            lon, lat = number(point[0]), number(point[1])
        pid = text(geo.get("place_id"))
        pl = ctx.places.get(pid) if pid else None
        if pl is None and ("full_name" in geo or "geo" in geo):
            pl = geo  # flat form: the place is merged into `geo`
        if pl:
            place = text(pl.get("full_name"))
            if lat is None or lon is None:
                lat, lon = centroid(seq(obj(pl.get("geo")).get("bbox")))
        lat, lon = valid_point(lat, lon)

    pm = obj(t.get("public_metrics"))
    handle = ctx.handles.get(author_id) if author_id else None
    r.post(uid=uid, platform=PLATFORM, native_id=tid, account_uid=account, created_at=created,
           text=body, language=text(t.get("lang")),
           url=post_url(handle, tid),
           reply_to=reply_to, repost_of=repost_of, quote_of=quote_of,
           conversation=P + conv if (conv := text(t.get("conversation_id"))) else None,
           lat=lat, lon=lon, place=place,
           likes=integer(pm.get("like_count")),
           reposts=None if repost_of else integer(pm.get("retweet_count")),
           replies=integer(pm.get("reply_count")), quotes=integer(pm.get("quote_count")),
           views=integer(pm.get("impression_count")))

    first_mentioned = _entities(r, uid, obj(t.get("entities")), account, created, repost_of, ctx)
    if note.get("entities"):
        _entities(r, uid, obj(note["entities"]), account, created, repost_of, ctx)

    if repost_of and repost_target is None and first_mentioned and body and body.startswith("RT @"):
        repost_target = P + first_mentioned  # "RT @author:" names the original's author
    if reply_to or irt:
        act(r, "reply", account, uid, target=reply_target, target_post=reply_to, at=created)
    if repost_of:
        act(r, "repost", account, uid, target=repost_target, target_post=repost_of, at=created)
    if quote_of:
        act(r, "quote", account, uid, target=quote_target, target_post=quote_of, at=created)

    att = t.get("attachments")
    if att:
        att = obj(att)
        inline = seq(att.get("media"))
        for i, key in enumerate(seq(att.get("media_keys"))):
            key = text(key)
            if not key:
                continue
            m = ctx.media.get(key)
            if m is None and i < len(inline):
                m = inline[i]
            _media(r, key, obj(m), repost_of or uid)
    return nested


def _entities(r: Records, uid: str, ents: dict, account: str | None, created, repost_of,
              ctx: _Ctx) -> str | None:
    """Hashtags, mentions and links as the API parsed them; returns the first mentioned id."""
    for h in seq(ents.get("hashtags")):
        tag = text(obj(h).get("tag"))
        if tag:
            r.entity(uid, "hashtag", tag, tag.lower(), platform=PLATFORM)
    first = None
    for i, m in enumerate(seq(ents.get("mentions"))):
        m = obj(m)
        name = text(m.get("username"))
        if not name:
            continue
        mid = text(m.get("id"))
        if "name" in m:  # flat form: the mentioned user's profile is merged in
            mid = _user(r, m, ctx) or mid
        elif mid:
            stub(r, mid, name)
        mid = mid or ctx.by_name.get(name.lower())
        if i == 0:
            first = mid
        r.entity(uid, "mention", name, name.lower(), platform=PLATFORM)
        if not repost_of:
            r.interaction("mention", account, target=P + mid if mid else None, post=uid,
                          at=created, platform=PLATFORM)
    for u in seq(ents.get("urls")):
        u = obj(u)
        if "media_key" in u or (text(u.get("display_url")) or "").startswith(PIC):
            continue
        add_url(r, uid, text(u.get("expanded_url")) or text(u.get("url")), PLATFORM)
    return first


def _media(r: Records, key: str, m: dict, post: str) -> None:
    mtype = text(m.get("type"))
    kind = MEDIA_KINDS.get(mtype, "other") if mtype else KEY_KINDS.get(key.split("_", 1)[0],
                                                                       "other")
    url = text(m.get("url"))
    if not url:  # video and gif: the best mp4 variant
        rate = -1
        for v in seq(m.get("variants")):
            v = obj(v)
            if v.get("content_type") != "video/mp4":
                continue
            b = integer(v.get("bit_rate")) or 0
            if b > rate:
                rate, url = b, text(v.get("url"))
    preview = text(m.get("preview_image_url"))
    r.media(uid=P + key, platform=PLATFORM, post=post, kind=kind, url=url or preview,
            preview_url=preview, alt_text=text(m.get("alt_text")), width=integer(m.get("width")),
            height=integer(m.get("height")))


def _tombstone(r: Records, e: dict) -> None:
    kind = text(e.get("type")) or ""
    if text(e.get("title")) not in GONE_TITLES and not kind.endswith(GONE_TYPES):
        return
    rid = text(e.get("resource_id")) or text(e.get("value"))  # older errors: only `value`
    if not rid:
        return
    rtype = e.get("resource_type")
    if rtype == "tweet":
        r.post(uid=P + rid, platform=PLATFORM, native_id=rid, deleted=True)
    elif rtype == "user" and rid.isdigit() and "username" not in (text(e.get("parameter")) or ""):
        r.account(uid=P + rid, platform=PLATFORM, native_id=rid, deleted=True)


def _listing(r: Records, owner: str, relation: str, users: list, tweets: list,
             ctx: _Ctx) -> None:
    """twarc records the request URL: users/<id>/followers means each listed user follows <id>."""
    if relation == "liked_tweets":
        liker = stub(r, owner)
        for t in tweets:
            tid = text(t.get("id"))
            aid = ctx.authors.get(tid) if tid else None
            if tid:
                like(r, liker, P + tid, P + aid if aid else None)
        return
    if relation == "liking_users":
        aid = ctx.authors.get(owner)
        for u in users:
            nid = text(u.get("id"))
            if nid:
                like(r, P + nid, P + owner, P + aid if aid else None)
        return
    other = stub(r, owner)
    for u in users:
        nid = text(u.get("id"))
        if nid:
            src, dst = (P + nid, other) if relation == "followers" else (other, P + nid)
            r.interaction("follow", src, target=dst, platform=PLATFORM)
