"""Bluesky (AT Protocol) mapper: Jetstream and tap events, and AppView (XRPC) responses.

Formats (one parsed JSON value = one raw item):
  bluesky.jetstream        one Jetstream v1 event (commit, identity, account)
  bluesky.jetstream_batch  a JSON array of Jetstream events
  bluesky.tap              one event from Bluesky's `tap` sync tool (record, identity/user)
  bluesky.tap_batch        a JSON array of tap events
  bluesky.profiles         getProfiles {profiles: [...]}, one profileViewDetailed, or an array
  bluesky.thread           getPostThread {thread: threadViewPost}
  bluesky.feed             getAuthorFeed/getTimeline {feed, cursor}, searchPosts/getPosts {posts}
  bluesky.follows          getFollows {subject, follows} and getFollowers {subject, followers}

Identifiers and choices (why, where the platform leaves room):
- Account uid "bluesky:<did>": the DID is the only stable id (handles change). A handle is only
  taken from identity events and profile views, never from the text of a mention, which may be
  stale; "handle.invalid" (AppView's placeholder for an unverified handle) is not a handle.
- A record's uid is "bluesky:" + its at-uri; the author of any at-uri is its DID authority, so
  reply, quote, repost, like and follow targets are always known. A repost or like of something
  that is not a post (a feed generator, a list) keeps its target account but no target_post.
- Reposts: a repost record is a post (repost_of = subject) plus a "repost" interaction whose uid is
  the repost's own uid, so a later delete of the record tombstones both. In a feed view the repost
  is only a `reason`; it uses the repost at-uri when AppView gives it (`reason.uri`), otherwise
  "bluesky:repost:<by did>:<post at-uri>", with created_at = reason.indexedAt (AppView's time).
- Follows seen only through getFollows/getFollowers/knownFollowers have no record uri: uid
  "bluesky:follow:<follower did>:<followed did>", except in getFollows when the viewer is the
  subject and `viewer.following` therefore is the subject's own follow record: its at-uri is used.
  A profile's `viewer.knownFollowers` are follows of that profile and are mapped; other `viewer`
  state is about the investigator's own account and is not.
- Media: a record holds blob refs, not URLs. Media uid "<post uid>#<blob cid>" (by position when
  the cid is missing): per post, because identical bytes (same cid) may appear in many posts. From
  records url stays None (building a CDN URL would be a network location we were not given; the
  post's DID plus the cid locate the blob); AppView views add the `fullsize`/`thumb` (video:
  `playlist`/`thumbnail`) URLs to the same uid. aspectRatio is a ratio, not pixels: not mapped.
- Threads: notFoundPost/blockedPost nodes are skipped, not tombstoned: "not found" can also mean
  not indexed or hidden, and a false deletion would be worse than none. The child keeps reply_to.
- conversation = the thread root (reply.root), or the post itself when it is not a reply.
- Jetstream `time_us` (when the relay saw the event) is the item's retrieved_at: the latest one
  for a batch. AppView responses carry no retrieval time.
- Account events: status deleted/takendown/suspended -> deleted=True; active=true -> False;
  deactivated (the user may come back) and other statuses change nothing.
- Other collections (block, list, status, ...) and unknown event kinds map to nothing: valid,
  nothing to record. A malformed event inside a batch rejects the whole item (kept as evidence).
"""

from __future__ import annotations

from socmint.errors import RejectedItem
from socmint.model import Records
from socmint.sources.common import Format, add_url, integer, obj, seq, text, utc

PLATFORM = "bluesky"
MAPPER_VERSION = "2"

P = PLATFORM
POST = "app.bsky.feed.post"
REPOST = "app.bsky.feed.repost"
LIKE = "app.bsky.feed.like"
FOLLOW = "app.bsky.graph.follow"
PROFILE = "app.bsky.actor.profile"
_INTERACTION_OF = {REPOST: "repost", LIKE: "like", FOLLOW: "follow"}

MENTION = "app.bsky.richtext.facet#mention"
LINK = "app.bsky.richtext.facet#link"
TAG = "app.bsky.richtext.facet#tag"

IMAGES = "app.bsky.embed.images"
VIDEO = "app.bsky.embed.video"
EXTERNAL = "app.bsky.embed.external"
RECORD = "app.bsky.embed.record"
RECORD_WITH_MEDIA = "app.bsky.embed.recordWithMedia"
VIEW_RECORD = "app.bsky.embed.record#viewRecord"
REASON_REPOST = "app.bsky.feed.defs#reasonRepost"

_GONE = ("deleted", "takendown", "suspended")
_MAX_EMBED_DEPTH = 4  # AppView nests quotes two deep; deeper is hostile input


# --- identifiers -----------------------------------------------------------------------------

def _did(value) -> str | None:
    v = text(value)
    return v if v and v.startswith("did:") else None


def _parts(uri) -> list[str] | None:
    """[did, collection, rkey] of an at-uri whose authority is a DID, else None."""
    if not isinstance(uri, str) or not uri.startswith("at://did:"):
        return None
    parts = uri[5:].split("/")
    if len(parts) != 3 or not parts[1] or not parts[2]:
        return None
    return parts


def _ref(ref) -> tuple[str, list[str]] | None:
    """(uri, parts) of a strong ref {uri, cid}."""
    uri = text(obj(ref).get("uri"))
    parts = _parts(uri)
    return (uri, parts) if parts else None


def _stub(r: Records, did: str) -> str:
    uid = "bluesky:" + did
    r.account(uid=uid, platform=P, native_id=did)
    return uid


# --- records (Jetstream, tap, and the `record` inside AppView views) ---------------------------

def _blob_cid(blob: dict) -> str | None:
    ref = blob.get("ref")
    if isinstance(ref, dict):
        return text(ref.get("$link"))
    if isinstance(ref, str):
        return ref
    return text(blob.get("cid"))  # legacy blob form {cid, mimeType}


def _record_media(r: Records, m: dict, post_uid: str, media: list[str]) -> None:
    t = m.get("$type")
    if t == IMAGES:
        for img in seq(m.get("images")):
            img = obj(img)
            blob = obj(img.get("image"))
            uid = f"{post_uid}#{_blob_cid(blob) or len(media)}"
            kind = "gif" if blob.get("mimeType") == "image/gif" else "photo"
            r.media(uid=uid, platform=P, post=post_uid, kind=kind, alt_text=text(img.get("alt")))
            media.append(uid)
    elif t == VIDEO:
        uid = f"{post_uid}#{_blob_cid(obj(m.get('video'))) or len(media)}"
        r.media(uid=uid, platform=P, post=post_uid, kind="video", alt_text=text(m.get("alt")))
        media.append(uid)
    elif t == EXTERNAL:
        add_url(r, post_uid, text(obj(m.get("external")).get("uri")), P)


def _facets(r: Records, facets, uid: str, author: str, at, body: str | None) -> None:
    raw = None  # the text as UTF-8: facet offsets are byte offsets
    for facet in seq(facets):
        facet = obj(facet)
        for feat in seq(facet.get("features")):
            feat = obj(feat)
            t = feat.get("$type")
            if t == TAG:
                tag = text(feat.get("tag"))
                if tag:
                    r.entity(uid, "hashtag", tag, tag.lstrip("#").lower(), platform=P)
            elif t == LINK:
                add_url(r, uid, text(feat.get("uri")), P)
            elif t == MENTION:
                did = _did(feat.get("did"))
                if not did:
                    continue
                written = None
                index = obj(facet.get("index"))
                start, end = integer(index.get("byteStart")), integer(index.get("byteEnd"))
                if body and start is not None and end is not None:
                    try:
                        if raw is None:
                            raw = body.encode("utf-8")
                        if 0 <= start < end <= len(raw):
                            written = raw[start:end].decode("utf-8")
                    except UnicodeError:
                        written = None
                if written and written.startswith("@") and len(written) > 1:
                    r.entity(uid, "mention", written[1:], written[1:].lower(), platform=P)
                else:
                    r.entity(uid, "mention", did, did, platform=P)
                r.interaction("mention", author, target=_stub(r, did), post=uid, at=at,
                              platform=P)


def _post_record(r: Records, rec: dict, uri: str, did: str, rkey: str, author: str,
                 extra: dict | None = None) -> tuple[str, list[str], object]:
    """One app.bsky.feed.post record; returns (uid, media uids in order, created_at)."""
    uid = "bluesky:" + uri
    at = utc(rec.get("createdAt"))
    body = text(rec.get("text"))
    langs = rec.get("langs")
    language = text(seq(langs)[0]) if langs else None
    reply_to = quote_of = None
    conversation = uid
    reply = rec.get("reply")
    if reply:
        reply = obj(reply)
        root = _ref(reply.get("root"))
        if root and root[1][1] == POST:
            conversation = "bluesky:" + root[0]
        parent = _ref(reply.get("parent"))
        if parent and parent[1][1] == POST:
            reply_to = "bluesky:" + parent[0]
            r.interaction("reply", author, target=_stub(r, parent[1][0]), post=uid,
                          target_post=reply_to, at=at, platform=P)
    media: list[str] = []
    embed = rec.get("embed")
    if embed:
        embed = obj(embed)
        t = embed.get("$type")
        quoted = None
        if t == RECORD:
            quoted = _ref(embed.get("record"))
        elif t == RECORD_WITH_MEDIA:
            quoted = _ref(obj(embed.get("record")).get("record"))
            _record_media(r, obj(embed.get("media")), uid, media)
        else:
            _record_media(r, embed, uid, media)
        if quoted and quoted[1][1] == POST:
            quote_of = "bluesky:" + quoted[0]
            r.interaction("quote", author, target=_stub(r, quoted[1][0]), post=uid,
                          target_post=quote_of, at=at, platform=P)
    facets = rec.get("facets")
    if facets:
        _facets(r, facets, uid, author, at, body)
    tags = rec.get("tags")
    if tags:
        for tag in seq(tags):
            tag = text(tag)
            if tag:
                r.entity(uid, "hashtag", tag, tag.lstrip("#").lower(), platform=P)
    fields = {"uid": uid, "platform": P, "native_id": uri, "account_uid": author,
              "created_at": at, "text": body, "language": language,
              "url": f"https://bsky.app/profile/{did}/post/{rkey}", "reply_to": reply_to,
              "quote_of": quote_of, "conversation": conversation}
    if extra:
        fields.update(extra)
    r.add("posts", fields)
    return uid, media, at


def _repost(r: Records, uid: str, native_id: str, reposter: str, subject, at) -> None:
    """A repost is a post of its own plus a "repost" interaction with the same uid."""
    target = target_post = None
    if subject and subject[1][1] == POST:
        target_post = "bluesky:" + subject[0]
    if subject:
        target = _stub(r, subject[1][0])
    r.post(uid=uid, platform=P, native_id=native_id, account_uid=reposter, created_at=at,
           repost_of=target_post)
    r.interaction("repost", reposter, target=target, post=uid, target_post=target_post, at=at,
                  platform=P, uid=uid)


def _commit(r: Records, did: str, collection, rkey, operation, record) -> None:
    """A repo operation, from a Jetstream commit or a tap record event."""
    if not collection or not rkey:
        raise RejectedItem("commit without collection or rkey")
    if collection not in (POST, REPOST, LIKE, FOLLOW, PROFILE):
        return
    uri = f"at://{did}/{collection}/{rkey}"
    uid = "bluesky:" + uri
    actor = _stub(r, did)
    if operation == "delete":
        if collection in (POST, REPOST):
            r.post(uid=uid, platform=P, native_id=uri, account_uid=actor, deleted=True)
        if collection in _INTERACTION_OF:
            r.interaction(_INTERACTION_OF[collection], actor, uid=uid, platform=P, deleted=True)
        return
    if operation not in ("create", "update"):
        return
    rec = obj(record)
    if collection == POST:
        _post_record(r, rec, uri, did, rkey, actor)
    elif collection == REPOST:
        _repost(r, uid, uri, actor, _ref(rec.get("subject")), utc(rec.get("createdAt")))
    elif collection == LIKE:
        subject = _ref(rec.get("subject"))
        target = target_post = None
        if subject:
            target = _stub(r, subject[1][0])
            if subject[1][1] == POST:
                target_post = "bluesky:" + subject[0]
        r.interaction("like", actor, target=target, target_post=target_post,
                      at=utc(rec.get("createdAt")), platform=P, uid=uid)
    elif collection == FOLLOW:
        followed = _did(rec.get("subject"))
        r.interaction("follow", actor, target=_stub(r, followed) if followed else None,
                      at=utc(rec.get("createdAt")), platform=P, uid=uid)
    else:  # PROFILE
        r.account(uid=actor, platform=P, native_id=did, display_name=text(rec.get("displayName")),
                  bio=text(rec.get("description")))


def _status(r: Records, did: str, handle, active, status) -> None:
    handle = text(handle)
    if handle == "handle.invalid":
        handle = None
    status = text(status)
    deleted = True if status in _GONE else (False if active is True else None)
    r.account(uid="bluesky:" + did, platform=P, native_id=did, handle=handle, deleted=deleted)


def _jetstream(r: Records, ev) -> None:
    ev = obj(ev)
    did = _did(ev.get("did"))
    if not did:
        raise RejectedItem("jetstream event without a did")
    seen = utc(ev.get("time_us"))
    if seen and (r.retrieved_at is None or seen > r.retrieved_at):
        r.retrieved_at = seen
    kind = ev.get("kind")
    if kind == "commit":
        c = obj(ev.get("commit"))
        _commit(r, did, text(c.get("collection")), text(c.get("rkey")), c.get("operation"),
                c.get("record"))
    elif kind == "identity":
        _status(r, did, obj(ev.get("identity")).get("handle"), None, None)
    elif kind == "account":
        a = obj(ev.get("account"))
        _status(r, did, None, a.get("active"), a.get("status"))


def _tap(r: Records, ev) -> None:
    ev = obj(ev)
    t = ev.get("type")
    if t == "record":
        rec = obj(ev.get("record"))
        did = _did(rec.get("did"))
        if not did:
            raise RejectedItem("tap record without a did")
        _commit(r, did, text(rec.get("collection")), text(rec.get("rkey")), rec.get("action"),
                rec.get("record"))
    elif t == "identity" or t == "user":
        u = obj(ev.get(t))
        did = _did(u.get("did"))
        if not did:
            raise RejectedItem("tap identity event without a did")
        active = u.get("isActive", u.get("is_active"))
        _status(r, did, u.get("handle"), active, u.get("status"))


# --- AppView views ------------------------------------------------------------------------------

def _profile(r: Records, p) -> str | None:
    """A profileView(Basic|Detailed) as an account; returns its uid."""
    p = obj(p)
    did = _did(p.get("did"))
    if not did:
        return None
    handle = text(p.get("handle"))
    if handle == "handle.invalid":
        handle = None
    verification = p.get("verification")
    verified = None
    if verification:
        verified = obj(verification).get("verifiedStatus") == "valid"
    uid = "bluesky:" + did
    r.account(uid=uid, platform=P, native_id=did, handle=handle,
              display_name=text(p.get("displayName")), bio=text(p.get("description")),
              url=f"https://bsky.app/profile/{did}", created_at=utc(p.get("createdAt")),
              followers=integer(p.get("followersCount")),
              following=integer(p.get("followsCount")),
              posts_count=integer(p.get("postsCount")), verified=verified,
              avatar_url=text(p.get("avatar")))
    return uid


def _post_view(r: Records, pv: dict, record, embed, depth: int = 0) -> tuple[str, str] | None:
    """A postView (or an embedded viewRecord); returns (post uid, author uid)."""
    uri = text(pv.get("uri"))
    parts = _parts(uri)
    if not parts or parts[1] != POST:
        return None
    did, _, rkey = parts
    _profile(r, pv.get("author"))
    author = _stub(r, did)  # the repo owner is the author, whatever the hydrated view says
    extra = {"likes": integer(pv.get("likeCount")), "reposts": integer(pv.get("repostCount")),
             "replies": integer(pv.get("replyCount")), "quotes": integer(pv.get("quoteCount"))}
    uid, media, _ = _post_record(r, obj(record), uri, did, rkey, author, extra)
    if embed:
        _embed_view(r, obj(embed), uid, media, depth)
    return uid, author


def _view_record(r: Records, vr, depth: int) -> None:
    vr = obj(vr)
    if vr.get("$type") != VIEW_RECORD or depth > _MAX_EMBED_DEPTH:
        return  # viewNotFound, viewBlocked, viewDetached, feed generators, lists ...
    embeds = seq(vr.get("embeds"))
    _post_view(r, vr, vr.get("value"), embeds[0] if embeds else None, depth)


def _embed_view(r: Records, ev: dict, post_uid: str, media: list[str], depth: int) -> None:
    """What AppView adds to a record's embed: media URLs and the quoted post's view."""
    t = ev.get("$type")
    if t == IMAGES + "#view":
        for i, img in enumerate(seq(ev.get("images"))):
            img = obj(img)
            known = i < len(media)
            r.media(uid=media[i] if known else f"{post_uid}#{i}", platform=P, post=post_uid,
                    kind=None if known else "photo", url=text(img.get("fullsize")),
                    preview_url=text(img.get("thumb")), alt_text=text(img.get("alt")))
    elif t == VIDEO + "#view":
        r.media(uid=media[0] if media else f"{post_uid}#0", platform=P, post=post_uid,
                kind="video", url=text(ev.get("playlist")), preview_url=text(ev.get("thumbnail")),
                alt_text=text(ev.get("alt")))
    elif t == EXTERNAL + "#view":
        add_url(r, post_uid, text(obj(ev.get("external")).get("uri")), P)
    elif t == RECORD + "#view":
        _view_record(r, ev.get("record"), depth + 1)
    elif t == RECORD_WITH_MEDIA + "#view":
        _view_record(r, obj(ev.get("record")).get("record"), depth + 1)
        _embed_view(r, obj(ev.get("media")), post_uid, media, depth)


def _map_post_view(r: Records, pv) -> tuple[str, str] | None:
    pv = obj(pv)
    if "record" not in pv or pv.get("notFound") or pv.get("blocked"):
        return None  # notFoundPost, blockedPost
    return _post_view(r, pv, pv.get("record"), pv.get("embed"))


def _thread(r: Records, doc: dict) -> None:
    """Walks the parent chain and the reply tree without recursion (threads can be deep)."""
    stack = [doc.get("thread")]
    while stack:
        node = obj(stack.pop())
        if "post" not in node:
            continue  # notFoundPost, blockedPost: see the module docstring
        _map_post_view(r, node.get("post"))
        if node.get("parent"):
            stack.append(node.get("parent"))
        stack.extend(seq(node.get("replies")))


def _feed(r: Records, doc: dict) -> None:
    for pv in seq(doc.get("posts")):
        _map_post_view(r, pv)
    for item in seq(doc.get("feed")):
        item = obj(item)
        seen = _map_post_view(r, item.get("post"))
        reply = item.get("reply")
        if reply:
            reply = obj(reply)
            for key in ("root", "parent"):
                _map_post_view(r, reply.get(key))  # notFound/blocked have no valid post view
            if reply.get("grandparentAuthor"):
                _profile(r, reply.get("grandparentAuthor"))
        reason = item.get("reason")
        if reason and seen:
            reason = obj(reason)
            if reason.get("$type") != REASON_REPOST:
                continue  # reasonPin and others: nothing happened
            by = _profile(r, reason.get("by"))
            if by is None:
                continue
            post_uid = seen[0]
            native = text(reason.get("uri"))
            if not _parts(native):
                native = f"repost:{by[8:]}:{post_uid[8:]}"
            subject = (post_uid[8:], _parts(post_uid[8:]))
            _repost(r, "bluesky:" + native, native, by, subject, utc(reason.get("indexedAt")))


def _follows(r: Records, doc: dict) -> None:
    subject = _profile(r, doc.get("subject"))
    if subject is None:
        raise RejectedItem("follows response without a subject did")
    sdid = subject[8:]
    for p in seq(doc.get("follows")):
        uid = _profile(r, p)
        if uid is None:
            raise RejectedItem("followed profile without a did")
        record = text(obj(obj(p).get("viewer")).get("following"))
        parts = _parts(record)
        if parts and parts[0] == sdid and parts[1] == FOLLOW:
            fid = "bluesky:" + record
        else:
            fid = f"bluesky:follow:{sdid}:{uid[8:]}"
        r.interaction("follow", subject, target=uid, platform=P, uid=fid)
    for p in seq(doc.get("followers")):
        uid = _profile(r, p)
        if uid is None:
            raise RejectedItem("follower profile without a did")
        r.interaction("follow", uid, target=subject, platform=P,
                      uid=f"bluesky:follow:{uid[8:]}:{sdid}")


def _profiles(r: Records, doc) -> None:
    if isinstance(doc, list):
        items = doc
    elif "profiles" in doc:
        items = seq(doc.get("profiles"))
    else:
        items = [doc]
    for p in items:
        uid = _profile(r, p)
        if uid is None:
            raise RejectedItem("profile without a did")
        known = obj(obj(obj(p).get("viewer")).get("knownFollowers"))
        for f in seq(known.get("followers")):
            fuid = _profile(r, f)
            if fuid:
                r.interaction("follow", fuid, target=uid, platform=P,
                              uid=f"bluesky:follow:{fuid[8:]}:{uid[8:]}")


# --- detection and dispatch ----------------------------------------------------------------------

def _is_did(v) -> bool:
    return isinstance(v, str) and v.startswith("did:")


def _is_post_view(v) -> bool:
    return isinstance(v, dict) and isinstance(v.get("uri"), str) and v["uri"].startswith("at://")


_NO_METRICS = {"posts": ("likes", "reposts", "replies", "quotes", "views", "lat", "lon",
                         "place", "community")}
_RECORDS = {"accounts": ("followers", "following", "posts_count", "verified", "location",
                         "url"), **_NO_METRICS}
_VIEWS = {"accounts": ("verified", "location", "url"), "posts": ("views", "lat", "lon", "place",
                                                               "community")}
FORMATS = (
    Format("bluesky.jetstream", "Bluesky Jetstream v1 event",
           "an object with time_us, a did and kind commit, identity or account",
           "posts, reposts, likes, follows (creates and deletes), profiles, identity handles, "
           "account status; time_us is the retrieval time", _RECORDS),
    Format("bluesky.jetstream_batch", "a JSON array of Jetstream events",
           "an array whose first element is a Jetstream event", "as for one event, for each",
           _RECORDS),
    Format("bluesky.tap", "Bluesky tap sync event", "an object with id and type record, "
           "identity or user holding a did", "as for Jetstream records", _RECORDS),
    Format("bluesky.tap_batch", "a JSON array of tap events",
           "an array whose first element is a tap event", "as for one event, for each",
           _RECORDS),
    Format("bluesky.thread", "app.bsky.feed.getPostThread", "an object with thread.post",
           "every post of the thread with parents and replies, authors, embeds, facets", _VIEWS),
    Format("bluesky.feed", "getAuthorFeed, getTimeline, searchPosts, getPosts",
           "feed[] of post views, or posts[] of post views with authors",
           "posts, authors, reposts from feed reasons, embeds and facets", _VIEWS),
    Format("bluesky.follows", "app.bsky.graph.getFollows / getFollowers",
           "an object with a subject did and follows or followers",
           "the profiles and a follow interaction for each"),
    Format("bluesky.profiles", "app.bsky.actor.getProfiles, one profile view, or an array",
           "profiles[] (or an object) with did and handle", "accounts with counts",
           {"accounts": ("verified", "location", "url")}),
)


def _detect_one(d: dict) -> str | None:
    kind = d.get("kind")
    if "time_us" in d and _is_did(d.get("did")) and kind in ("commit", "identity", "account"):
        return "bluesky.jetstream"
    t = d.get("type")
    if "id" in d and t in ("record", "identity", "user") and isinstance(d.get(t), dict) \
            and _is_did(d[t].get("did")):
        return "bluesky.tap"
    if isinstance(d.get("thread"), dict) and isinstance(d["thread"].get("post"), dict):
        return "bluesky.thread"
    feed = d.get("feed")
    if isinstance(feed, list) and (
            (feed and isinstance(feed[0], dict) and _is_post_view(feed[0].get("post")))
            or (not feed and set(d) <= {"feed", "cursor"})):  # the last page is empty
        return "bluesky.feed"
    posts = d.get("posts")
    if isinstance(posts, list) and ((posts and _is_post_view(posts[0])
                                     and isinstance(posts[0].get("author"), dict))
                                    or (not posts and len(d) > 1  # {"posts": []} alone
                                        and set(d) <= {"posts", "cursor", "hitsTotal"})):
        return "bluesky.feed"
    subject = d.get("subject")
    if isinstance(subject, dict) and _is_did(subject.get("did")) and (
            isinstance(d.get("follows"), list) or isinstance(d.get("followers"), list)):
        return "bluesky.follows"
    profiles = d.get("profiles")
    if isinstance(profiles, list) and (
            (profiles and isinstance(profiles[0], dict) and _is_did(profiles[0].get("did")))
            or (not profiles and len(d) == 1)):
        return "bluesky.profiles"
    if _is_did(d.get("did")) and "handle" in d and "kind" not in d:
        return "bluesky.profiles"
    return None


_BATCH = {"bluesky.jetstream": "bluesky.jetstream_batch", "bluesky.tap": "bluesky.tap_batch",
          "bluesky.profiles": "bluesky.profiles"}


def detect(o) -> str | None:
    """Decided by content: a dict's distinctive keys, or an array's first element."""
    if isinstance(o, dict):
        return _detect_one(o)
    if isinstance(o, list) and o and isinstance(o[0], dict):
        return _BATCH.get(_detect_one(o[0]))
    return None


def _each(fn):
    def run(r: Records, doc) -> None:
        if not isinstance(doc, list):
            raise RejectedItem(f"expected a list of events, got {type(doc).__name__}")
        for ev in doc:
            fn(r, ev)
    return run


_MAPPERS = {
    "bluesky.jetstream": _jetstream,
    "bluesky.jetstream_batch": _each(_jetstream),
    "bluesky.tap": _tap,
    "bluesky.tap_batch": _each(_tap),
    "bluesky.thread": lambda r, d: _thread(r, obj(d)),
    "bluesky.feed": lambda r, d: _feed(r, obj(d)),
    "bluesky.follows": lambda r, d: _follows(r, obj(d)),
    "bluesky.profiles": lambda r, d: _profiles(r, d if isinstance(d, list) else obj(d)),
}


def map_item(o, fmt: str) -> Records:
    fn = _MAPPERS.get(fmt)
    if fn is None:
        raise RejectedItem(f"bluesky mapper does not read format {fmt!r}")
    r = Records()
    fn(r, o)
    return r
