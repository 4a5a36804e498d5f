"""YouTube Data API v3 mapper: list responses and single resources, told apart by `kind`.

Formats (one parsed JSON value = one raw item):
  youtube.videos          videos.list (youtube#videoListResponse) or one youtube#video
  youtube.channels        channels.list (youtube#channelListResponse) or one youtube#channel
  youtube.comment_threads commentThreads.list (youtube#commentThreadListResponse) or one
                          youtube#commentThread (top-level comment + replies.comments)
  youtube.comments        comments.list (youtube#commentListResponse, replies by parentId) or one
                          youtube#comment
  youtube.search          search.list (youtube#searchListResponse) or one youtube#searchResult
  youtube.playlist_items  playlistItems.list (youtube#playlistItemListResponse, e.g. a channel's
                          uploads) or one youtube#playlistItem
A response requested with `fields=` that leaves out `kind` is not detected. Every other part
(`part=snippet,statistics,...`) may be missing: what is absent stays None, never zero.

Identifiers and choices (why, where the platform leaves room):
- uids: "youtube:<videoId>" (post kind "video"), "youtube:<channelId>" (account),
  "youtube:<comment id>" (post kind "comment"). Video, channel and comment ids never look alike.
- Video: text = title + "\n\n" + description; created_at = publishedAt; likes = likeCount,
  replies = commentCount, views = viewCount (absent when hidden or disabled); language =
  defaultLanguage, else defaultAudioLanguage; recordingDetails.location -> lat/lon and
  locationDescription -> place; conversation = the video itself (the root of its comments).
  The largest thumbnail -> one media record (kind photo, uid "<video uid>#thumbnail", preview =
  the smallest). Hashtags, URLs and @handles in title and description -> entities; the
  uploader's `tags` (keywords, hidden from viewers, not hashtags) -> entity kind "keyword";
  topicDetails.topicCategories (Wikipedia URLs) -> entity kind "topic", normalized to the
  article name. The channel gets a stub account (display_name = channelTitle).
- Channel: handle = customUrl without its "@" (legacy vanity names are kept as they are);
  followers = subscriberCount (YouTube rounds it to three significant figures) unless
  hiddenSubscriberCount; posts_count = videoCount; location = snippet.country (ISO code);
  url = https://www.youtube.com/channel/<id>; avatar = the largest thumbnail. Channel views
  have no field.
- Comment: text = textOriginal (textDisplay is HTML: used, as plain text, only without it);
  likes = likeCount; replies = the thread's totalReplyCount on the top-level comment. reply_to =
  parentId for a reply (else the part of the id before ".": reply ids are "<parent>.<suffix>"),
  the video for a top-level comment; conversation = the video (None when the response does not
  name it, as comments.list replies may not). Each reply_to -> a reply interaction; its target
  is the parent's author when the parent is in the item, or for a top-level comment the video's
  channel (snippet.channelId). Author: account "youtube:<authorChannelId.value>" (none without
  it); an authorDisplayName starting with "@" is the author's handle (YouTube shows handles
  there since 2023), any other is a display_name. updatedAt (edits) has no field. Links in
  textDisplay (YouTube links bare domains: "Actions.ai" -> http://actions.ai/) -> url entities,
  except YouTube's own hashtag searches and timestamp links into the same video.
- "@handle" in any text -> mention entity (value without "@", normalized lower-case); a mention
  interaction only when that handle belongs to an account in the same item (a reply's "@name "
  prefix names the commenter answered, whose channel id the API does not give).
- Search results: titles and descriptions arrive HTML-escaped and unescaped here; descriptions
  are truncated by the API, so a search result's text is shorter than the same video's text
  from videos.list (both observations are kept). Playlist results are not mapped.
- Playlist items: the video with its owner (videoOwnerChannelId) and contentDetails.
  videoPublishedAt as created_at (snippet.publishedAt is when it was added to the playlist). An
  item YouTube shows as "Deleted video" without an owner -> the video tombstoned (deleted=True);
  a "Private video" -> only its uid. The playlist's own channel gets a stub account.
- The API states no retrieval time. Dislikes, favourites, duration, privacy and licence are
  left out for want of a field.
"""

from __future__ import annotations

import re
from html import unescape
from urllib.parse import unquote, urlsplit

from socmint.errors import RejectedItem
from socmint.model import Records, entity_uid
from socmint.sources.common import (
    Format,
    add_url,
    domain,
    integer,
    number,
    obj,
    seq,
    text,
    utc,
)

PLATFORM = "youtube"
MAPPER_VERSION = "1"
P = PLATFORM

VIDEOS, CHANNELS, THREADS, COMMENTS, SEARCH, PLAYLIST_ITEMS = (
    "youtube.videos", "youtube.channels", "youtube.comment_threads", "youtube.comments",
    "youtube.search", "youtube.playlist_items")
KINDS = {
    "youtube#videoListResponse": VIDEOS, "youtube#video": VIDEOS,
    "youtube#channelListResponse": CHANNELS, "youtube#channel": CHANNELS,
    "youtube#commentThreadListResponse": THREADS, "youtube#commentThread": THREADS,
    "youtube#commentListResponse": COMMENTS, "youtube#comment": COMMENTS,
    "youtube#searchListResponse": SEARCH, "youtube#searchResult": SEARCH,
    "youtube#playlistItemListResponse": PLAYLIST_ITEMS, "youtube#playlistItem": PLAYLIST_ITEMS,
}
WATCH = "https://www.youtube.com/watch?v="
CHANNEL = "https://www.youtube.com/channel/"

_ACCOUNT_STUB = ("bio", "location", "created_at", "followers", "following", "posts_count",
                 "verified")
_NO_POST = ("repost_of", "quote_of", "reposts", "quotes")
FORMATS = (
    Format(VIDEOS, "YouTube Data API v3 videos.list response or video resource",
           'kind "youtube#videoListResponse" or "youtube#video"',
           "each video -> a post (kind video) with its metrics, location and thumbnail "
           "(media); its channel -> a stub account; hashtags, URLs, @handles, keywords "
           "(tags) and topics -> entities",
           {"accounts": _ACCOUNT_STUB + ("handle", "avatar_url"),
            "posts": _NO_POST + ("reply_to",)}),
    Format(CHANNELS, "YouTube Data API v3 channels.list response or channel resource",
           'kind "youtube#channelListResponse" or "youtube#channel"',
           "each channel -> an account (handle, subscribers, video count, country)",
           {"accounts": ("following", "verified")}),
    Format(THREADS, "YouTube Data API v3 commentThreads.list response or comment thread",
           'kind "youtube#commentThreadListResponse" or "youtube#commentThread"',
           "top-level comments and their included replies -> posts (kind comment) replying "
           "to the video or parent comment, reply interactions; authors -> accounts; "
           "hashtags, URLs and @handles -> entities",
           {"accounts": _ACCOUNT_STUB, "posts": _NO_POST + ("views", "lat", "lon", "place",
                                                            "language")}),
    Format(COMMENTS, "YouTube Data API v3 comments.list response or comment resource",
           'kind "youtube#commentListResponse" or "youtube#comment"',
           "as for comment threads, comment by comment",
           {"accounts": _ACCOUNT_STUB, "posts": _NO_POST + ("views", "lat", "lon", "place",
                                                            "language")}),
    Format(SEARCH, "YouTube Data API v3 search.list response or search result",
           'kind "youtube#searchListResponse" or "youtube#searchResult"',
           "video results -> posts (kind video, truncated description, no metrics); channel "
           "results -> accounts; playlist results are not mapped",
           {"accounts": ("handle", "location", "followers", "following", "posts_count",
                         "verified"),
            "posts": _NO_POST + ("reply_to", "likes", "replies", "views", "lat", "lon", "place")}),
    Format(PLAYLIST_ITEMS, "YouTube Data API v3 playlistItems.list response or playlist item",
           'kind "youtube#playlistItemListResponse" or "youtube#playlistItem"',
           "each item's video -> a post (kind video) by its owner's channel (stub account); "
           "deleted videos -> tombstones",
           {"accounts": _ACCOUNT_STUB + ("handle", "avatar_url"),
            "posts": _NO_POST + ("reply_to", "likes", "replies", "views", "lat", "lon", "place",
                                 "language")}),
)

_HASHTAG = re.compile(r"(?<![\w&#])#(\w{1,100})")
_MENTION = re.compile(r"(?<![\w@./-])@([\w.\-]{3,30})(?![\w\-])")
_URL = re.compile(r"https?://[^\s<>\"']{1,2000}")
_HREF = re.compile(r'<a [^>]{0,200}?href="([^"]{1,2000})"')
_THUMBS = ("maxres", "standard", "high", "medium", "default")


# ---------------------------------------------------------------- detection

def detect(o) -> str | None:
    if type(o) is dict:
        kind = o.get("kind")
        if type(kind) is str:
            return KINDS.get(kind)
    return None


# ---------------------------------------------------------------- helpers

def html_text(s: str | None) -> str | None:
    """Plain text of textDisplay: tags dropped (<br> a line break), entities unescaped."""
    if not s or "<" not in s:
        return unescape(s) if s else s
    chunks = s.split("<")
    out = [chunks[0]]
    for c in chunks[1:]:
        end = c.find(">")
        if end < 0:
            out.append("<" + c)
            continue
        if c[:2].lower() == "br":
            out.append("\n")
        out.append(c[end + 1:])
    return unescape("".join(out))


def _internal(href: str, video: str | None) -> bool:
    """A link YouTube made itself: a hashtag search, or a timestamp in the same video."""
    if domain(href) != "youtube.com":
        return False
    try:
        path = urlsplit(href).path
    except ValueError:
        return False
    return path == "/results" or bool(video and path == "/watch" and f"v={video}" in href)


def _thumbs(value) -> tuple[dict, dict]:
    """The largest and the smallest thumbnail that have a URL."""
    t = obj(value)
    found = [obj(t.get(k)) for k in _THUMBS if t.get(k) is not None]
    found = [x for x in found if text(x.get("url"))]
    return (found[0], found[-1]) if found else ({}, {})


# ---------------------------------------------------------------- mapping

class _Item:
    """One raw item; reply and mention targets are resolved once all of it is seen."""

    __slots__ = ("mentions", "rec", "replies")

    def __init__(self) -> None:
        self.rec = Records()
        self.replies: list[tuple] = []  # (post, author, at, parent post, fallback target)
        self.mentions: list[tuple] = []  # (post, author, at, handle lower-case)

    def channel_stub(self, cid: str | None, title: str | None) -> str | None:
        if not cid:
            return None
        uid = "youtube:" + cid
        self.rec.account(uid=uid, platform=P, native_id=cid, display_name=title,
                         url=CHANNEL + cid)
        return uid

    def once(self, uid: str, kind: str, value: str, normalized: str) -> bool:
        """An entity as first written: a later spelling of it does not overwrite the value."""
        if entity_uid(uid, kind, normalized) in self.rec.tables["entities"]:
            return False
        self.rec.entity(uid, kind, value, normalized, platform=P)
        return True

    def entities(self, uid: str, body: str | None, author: str | None, at) -> None:
        if not body:
            return
        for m in _URL.finditer(body):
            add_url(self.rec, uid, m[0].rstrip(".,;:!?)]}"), P)
        for m in _HASHTAG.finditer(body):
            self.once(uid, "hashtag", m[1], m[1].lower())
        for m in _MENTION.finditer(body):
            handle = m[1].rstrip(".-")
            if len(handle) >= 3 and self.once(uid, "mention", handle, handle.lower()):
                self.mentions.append((uid, author, at, handle.lower()))

    def video(self, v, escaped: bool = False, published=None) -> str:
        v = obj(v)
        vid = text(v.get("id"))
        if not vid:
            raise RejectedItem("video without id")
        sn, st = obj(v.get("snippet")), obj(v.get("statistics"))
        rd = obj(v.get("recordingDetails"))
        loc = obj(rd.get("location"))
        uid = "youtube:" + vid
        author = self.channel_stub(text(sn.get("channelId")), text(sn.get("channelTitle")))
        title, desc = text(sn.get("title")), text(sn.get("description"))
        if escaped:
            title, desc = html_text(title), html_text(desc)
        body = "\n\n".join(x for x in (title, desc) if x) or None
        at = utc(published if published is not None else sn.get("publishedAt"))
        self.rec.post(uid=uid, platform=P, native_id=vid, account_uid=author, created_at=at,
                      text=body, kind="video", url=WATCH + vid, conversation=uid,
                      language=text(sn.get("defaultLanguage")) or text(
                          sn.get("defaultAudioLanguage")),
                      lat=number(loc.get("latitude")), lon=number(loc.get("longitude")),
                      place=text(rd.get("locationDescription")),
                      likes=integer(st.get("likeCount")), replies=integer(st.get("commentCount")),
                      views=integer(st.get("viewCount")))
        self.entities(uid, body, author, at)
        for tag in seq(sn.get("tags")):
            tag = text(tag)
            if tag and tag.strip():
                self.once(uid, "keyword", tag, tag.strip().lower())
        for topic in seq(obj(v.get("topicDetails")).get("topicCategories")):
            topic = text(topic)
            if topic:
                name = unquote(topic.rstrip("/").rpartition("/")[2]).replace("_", " ")
                self.rec.entity(uid, "topic", topic, name.lower() or topic, platform=P)
        big, small = _thumbs(sn.get("thumbnails"))
        if big:
            self.rec.media(uid=uid + "#thumbnail", platform=P, post=uid, kind="photo",
                           url=text(big.get("url")), preview_url=text(small.get("url")),
                           width=integer(big.get("width")), height=integer(big.get("height")))
        return uid

    def channel(self, ch, escaped: bool = False) -> str:
        ch = obj(ch)
        cid = text(ch.get("id"))
        if not cid:
            raise RejectedItem("channel without id")
        sn, st = obj(ch.get("snippet")), obj(ch.get("statistics"))
        custom = text(sn.get("customUrl"))
        handle = custom[1:] if custom and custom.startswith("@") else custom
        hidden = st.get("hiddenSubscriberCount") is True
        title, bio = text(sn.get("title")), text(sn.get("description"))
        if escaped:
            title, bio = html_text(title), html_text(bio)
        big, _ = _thumbs(sn.get("thumbnails"))
        uid = "youtube:" + cid
        self.rec.account(uid=uid, platform=P, native_id=cid, handle=handle or None,
                         display_name=title, bio=bio, url=CHANNEL + cid,
                         location=text(sn.get("country")), created_at=utc(sn.get("publishedAt")),
                         followers=None if hidden else integer(st.get("subscriberCount")),
                         posts_count=integer(st.get("videoCount")),
                         avatar_url=text(big.get("url")))
        return uid

    def commenter(self, sn: dict) -> str | None:
        ac = sn.get("authorChannelId")
        cid = text(obj(ac).get("value")) if not isinstance(ac, str) else ac
        if not cid:
            return None
        name = text(sn.get("authorDisplayName"))
        handle = name[1:] if name and name.startswith("@") and len(name) > 1 else None
        uid = "youtube:" + cid
        self.rec.account(uid=uid, platform=P, native_id=cid, handle=handle,
                         display_name=None if handle else name, url=CHANNEL + cid,
                         avatar_url=text(sn.get("authorProfileImageUrl")))
        return uid

    def comment(self, c, video: str | None = None, owner: str | None = None,
                replies: int | None = None) -> str:
        c = obj(c)
        cid = text(c.get("id"))
        if not cid:
            raise RejectedItem("comment without id")
        sn = obj(c.get("snippet"))
        uid = "youtube:" + cid
        video = text(sn.get("videoId")) or video
        vuid = "youtube:" + video if video else None
        parent = text(sn.get("parentId")) or (cid.partition(".")[0] if "." in cid else None)
        reply_to = "youtube:" + parent if parent else vuid
        author = self.commenter(sn)
        at = utc(sn.get("publishedAt"))
        body, display = text(sn.get("textOriginal")), text(sn.get("textDisplay"))
        if body is None:
            body = html_text(display)
        self.rec.post(uid=uid, platform=P, native_id=cid, account_uid=author, created_at=at,
                      text=body, kind="comment", reply_to=reply_to, conversation=vuid,
                      url=f"{WATCH}{video}&lc={cid}" if video else None,
                      likes=integer(sn.get("likeCount")), replies=replies)
        if reply_to:
            owner = None if parent else (text(sn.get("channelId")) or owner)
            self.replies.append((uid, author, at, reply_to, "youtube:" + owner if owner else None))
        self.entities(uid, body, author, at)
        if display and "href" in display:
            for href in _HREF.findall(display):
                href = unescape(href)
                if not _internal(href, video):
                    add_url(self.rec, uid, href, P)
        return uid

    def thread(self, t) -> None:
        sn = obj(obj(t).get("snippet"))
        video, owner = text(sn.get("videoId")), text(sn.get("channelId"))
        top = sn.get("topLevelComment")
        if top is not None:
            self.comment(top, video, owner, integer(sn.get("totalReplyCount")))
        for c in seq(obj(obj(t).get("replies")).get("comments")):
            self.comment(c, video, owner)

    def search_result(self, s) -> None:
        s = obj(s)
        ids = obj(s.get("id"))
        sn = obj(s.get("snippet"))
        vid, cid = text(ids.get("videoId")), text(ids.get("channelId"))
        if vid:
            self.video({"id": vid, "snippet": sn}, escaped=True)
        elif cid:
            self.channel({"id": cid, "snippet": sn}, escaped=True)

    def playlist_item(self, it) -> None:
        it = obj(it)
        sn, cd = obj(it.get("snippet")), obj(it.get("contentDetails"))
        vid = text(cd.get("videoId")) or text(obj(sn.get("resourceId")).get("videoId"))
        self.channel_stub(text(sn.get("channelId")), text(sn.get("channelTitle")))
        if not vid:
            return
        owner, title = text(sn.get("videoOwnerChannelId")), text(sn.get("title"))
        if not owner and title in ("Deleted video", "Private video"):
            self.rec.post(uid="youtube:" + vid, platform=P, native_id=vid, kind="video",
                          url=WATCH + vid, deleted=True if title == "Deleted video" else None)
            return
        self.video({"id": vid, "snippet": {
            "channelId": owner, "channelTitle": text(sn.get("videoOwnerChannelTitle")),
            "title": title, "description": sn.get("description"),
            "thumbnails": sn.get("thumbnails")}}, published=cd.get("videoPublishedAt"))

    def finish(self) -> Records:
        rec = self.rec
        posts = rec.tables["posts"]
        for uid, author, at, parent, fallback in self.replies:
            target = posts[parent].get("account_uid") if parent in posts else None
            rec.interaction("reply", author, target=target or fallback, post=uid,
                            target_post=parent, at=at, platform=P)
        if self.mentions:
            handles = {a["handle"].lower(): u for u, a in rec.tables["accounts"].items()
                       if a.get("handle")}
            for uid, author, at, handle in self.mentions:
                if handle in handles:
                    rec.interaction("mention", author, target=handles[handle], post=uid, at=at,
                                    platform=P)
        return rec


def map_item(item, fmt) -> Records:
    item = obj(item)
    m = _Item()
    kind = text(item.get("kind")) or ""
    resources = seq(item.get("items")) if kind.endswith("Response") else [item]
    one = {VIDEOS: m.video, CHANNELS: m.channel, THREADS: m.thread, COMMENTS: m.comment,
           SEARCH: m.search_result, PLAYLIST_ITEMS: m.playlist_item}.get(fmt)
    if one is None:
        raise RejectedItem(f"youtube: unknown format {fmt!r}")
    for r in resources:
        one(r)
    return m.finish()
