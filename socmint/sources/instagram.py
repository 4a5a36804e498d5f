"""Instagram mapper: web app media items, as Zeeschuimer captures them -> Records.

Formats (each reads the bare `data` object of a Zeeschuimer line; the envelope is read elsewhere)
  instagram.web_media    one media item of the web app's private API (feed, profile grid,
                         hashtag, explore, reels): `pk`, `code`, `taken_at`, `media_type`
                         (1 photo, 2 video, 8 carousel), `caption`, `user`, `carousel_media`...
  instagram.web_graphql  the older GraphQL node (`__typename` GraphImage / GraphVideo /
                         GraphSidecar, `shortcode`, `owner`, `edge_media_to_caption`, ...); its
                         fields are renamed to the web_media shape and read the same way.

Identifiers. Post uid "instagram:<media pk>" (the `id` "<pk>_<owner pk>" gives the pk when `pk`
is missing); account uid "instagram:<user pk>"; media uid "instagram:media:<pk>" of the photo
or video (a carousel item has its own pk). Usernames can be changed: handle only, never a uid.

Choices
  - url https://www.instagram.com/p/<code>/ (it serves reels too). kind "video" for media_type
    2 (reels and feed videos), "post" for photos and carousels.
  - Metrics: likes = like_count, replies = comment_count, views = play_count, else
    ig_play_count, else view_count; reposts = media_repost_count. When
    `like_and_view_counts_disabled` is true the owner hid the counts and like_count is a
    placeholder (3 in the captured feed), so likes and views stay empty.
  - Accounts the post names are mentions, each an entity (value the username as written,
    normalized lower-case) and a mention interaction from the post's author:
      * @names in the caption; the interaction targets the account only when a user with that
        username and a pk appears in the same item (author, photo tag or coauthor), else it has
        no target (and its own uid, so two unresolved mentions stay two);
      * photo tags (`usertags.in`, on the post and on each carousel item): a tag is shown on the
        photo and names that account, so it is a mention of it;
      * coauthors (`coauthor_producers`): the post is published on both profiles under both
        names; the model has no co-authorship, so the author "mentions" each coauthor.
  - Hashtags: #words in the caption (letters, digits, underscore), normalized lower-case.
  - `location` -> lat/lon (`lat`, `lng`, only when both are in range) and place = its name.
  - Media: each image or video (carousel: each item), the widest candidate; a video's
    preview_url is its widest image; alt_text = accessibility_caption (Instagram's own
    generated description when the author wrote none). A reel listed without video links still
    gets its video record, with url empty. The URLs are signed and expire.
  - Reel audio (`clips_metadata`: music_info, else original_sound_info) -> entity kind "sound",
    value its title, normalized its audio_asset_id, so posts sharing a sound can be grouped.

Left out, for want of a field: caption edits, paid partnership and sponsor tags, top likers,
is_private, the tag's position on the photo, caption links (not clickable on Instagram). A
Threads post (same API shape, with `text_post_app_info`) is not detected here.
"""

from __future__ import annotations

import re

from socmint.errors import RejectedItem
from socmint.model import Records, interaction_uid
from socmint.sources.common import Format, integer, number, obj, seq, text, utc

PLATFORM = "instagram"
MAPPER_VERSION = "1"
P = PLATFORM
MEDIA = "instagram.web_media"
GRAPH = "instagram.web_graphql"
WEB = "https://www.instagram.com/"
HASHTAG = re.compile(r"(?<!\w)#(\w+)")
MENTION = re.compile(r"(?<![\w@.])@([A-Za-z0-9._]+)")
GRAPH_TYPES = ("GraphImage", "GraphVideo", "GraphSidecar")
MAX_CHILDREN = 100  # a carousel holds at most 20
_NOT_COUNTED = {"accounts": ("bio", "created_at", "location", "followers", "following",
                             "posts_count"),
                "posts": ("reply_to", "repost_of", "quote_of", "conversation", "language",
                          "quotes", "community")}

FORMATS = (
    Format(MEDIA, "Instagram web media item (Zeeschuimer `instagram.com` data)",
           "an object with pk or id, code, taken_at and media_type (and no Threads "
           "text_post_app_info)",
           "the post (kind video for media_type 2) with its metrics and location; the author, "
           "tagged users and coauthors as accounts; caption hashtags; caption @names, photo tags "
           "and coauthors as mentions with interactions; each photo or video as media; reel "
           "audio as a sound entity", _NOT_COUNTED),
    Format(GRAPH, "Instagram web GraphQL media node (older Zeeschuimer captures)",
           "an object with __typename GraphImage, GraphVideo or GraphSidecar and a shortcode",
           "as the web media item: post, owner, tagged users and coauthors, hashtags, mentions, "
           "location, media of each sidecar child",
           {"accounts": _NOT_COUNTED["accounts"],
            "posts": _NOT_COUNTED["posts"] + ("reposts",)}),
)


# ---------------------------------------------------------------- detection

def detect(o) -> str | None:
    if type(o) is not dict or "text_post_app_info" in o:
        return None
    if "taken_at" in o and "media_type" in o and "code" in o and ("pk" in o or "id" in o):
        return MEDIA
    t = o.get("__typename")
    if type(t) is str and t.removeprefix("XDT") in GRAPH_TYPES and "shortcode" in o:
        return GRAPH
    return None


def map_item(o, fmt: str) -> Records:
    if type(o) is not dict:
        raise RejectedItem(f"{fmt}: not a JSON object")
    if fmt == MEDIA:
        item = o
    elif fmt == GRAPH:
        item = _from_graph(o)
    else:
        raise RejectedItem(f"instagram mapper does not read {fmt!r}")
    r = Records()
    _item(r, item)
    return r


# ---------------------------------------------------------------- GraphQL -> web media shape

def _count(*edges) -> object:
    for e in edges:
        c = obj(e).get("count")
        if c is not None:
            return c
    return None


def _from_graph(g: dict, child: bool = False) -> dict:
    """The GraphQL node renamed to the web media shape; a sidecar child keeps only its media."""
    kind = (text(g.get("__typename")) or "").removeprefix("XDT")
    is_video = g.get("is_video") is True or kind == "GraphVideo"
    dims = obj(g.get("dimensions"))
    size = {"width": dims.get("width"), "height": dims.get("height")}
    tags = seq(obj(g.get("edge_media_to_tagged_user")).get("edges"))
    out = {
        "pk": g.get("id"), "code": g.get("shortcode"), "taken_at": g.get("taken_at_timestamp"),
        "media_type": 8 if kind == "GraphSidecar" else 2 if is_video else 1,
        "accessibility_caption": g.get("accessibility_caption"),
        "image_versions2": {"candidates": [dict(size, url=g.get("display_url"))]},
        "video_versions": [dict(size, url=g.get("video_url"))] if g.get("video_url") else None,
        "usertags": {"in": [{"user": obj(obj(e).get("node")).get("user")} for e in tags]},
    }
    if child:
        return out
    captions = seq(obj(g.get("edge_media_to_caption")).get("edges"))
    children = seq(obj(g.get("edge_sidecar_to_children")).get("edges"))
    if len(children) > MAX_CHILDREN:
        raise RejectedItem("sidecar with more children than Instagram allows")
    out.update(
        caption={"text": obj(obj(captions[0]).get("node")).get("text")} if captions else None,
        user=g.get("owner"), location=g.get("location"),
        like_count=_count(g.get("edge_liked_by"), g.get("edge_media_preview_like")),
        comment_count=_count(g.get("edge_media_to_comment"),
                             g.get("edge_media_preview_comment"),
                             g.get("edge_media_to_parent_comment")),
        view_count=g.get("video_view_count"), play_count=g.get("video_play_count"),
        coauthor_producers=g.get("coauthor_producers"),
        like_and_view_counts_disabled=g.get("like_and_view_counts_disabled"),
        carousel_media=[_from_graph(obj(obj(e).get("node")), True) for e in children] or None)
    return out


# ---------------------------------------------------------------- mapping

def _user(r: Records, u) -> tuple[str | None, str | None]:
    """An account from a user object (pk or id); returns (uid, username)."""
    u = obj(u)
    pk = text(u.get("pk")) or text(u.get("id"))
    name = text(u.get("username")) or None
    if not pk:
        return None, name
    uid = "instagram:" + pk
    verified = u.get("is_verified")
    avatar = text(obj(u.get("hd_profile_pic_url_info")).get("url")) or text(
        u.get("profile_pic_url"))
    r.account(uid=uid, platform=P, native_id=pk, handle=name,
              display_name=text(u.get("full_name")), url=f"{WEB}{name}/" if name else None,
              verified=verified if isinstance(verified, bool) else None, avatar_url=avatar or None)
    return uid, name


def _coordinate(value, limit: float) -> float | None:
    v = number(value)
    return v if v is not None and -limit <= v <= limit else None


def _widest(candidates) -> tuple[str | None, int | None, int | None]:
    best, best_width = None, -1
    for c in seq(candidates):
        c = obj(c)
        width = integer(c.get("width"))
        if text(c.get("url")) and (width or 0) > best_width:
            best, best_width = c, width or 0
    if best is None:
        return None, None, None
    return text(best.get("url")), integer(best.get("width")), integer(best.get("height"))


def _media(r: Records, post: str, m: dict, uid: str) -> None:
    image, iw, ih = _widest(obj(m.get("image_versions2")).get("candidates"))
    video, vw, vh = _widest(m.get("video_versions"))
    is_video = video is not None or integer(m.get("media_type")) == 2
    if not (image or is_video):
        return
    r.media(uid=uid, platform=P, post=post, kind="video" if is_video else "photo",
            url=video if is_video else image, preview_url=image if is_video else None,
            alt_text=text(m.get("accessibility_caption")) or None,
            width=vw if is_video else iw, height=vh if is_video else ih)


def _mention(r: Records, post: str, author: str | None, name: str | None, target: str | None,
             at) -> None:
    if name:
        r.entity(post, "mention", name, name.lower(), platform=P)
    uid = None if target else interaction_uid("mention", author, post, "@" + (name or "").lower(),
                                              None)
    r.interaction("mention", author, target=target, post=post, at=at, platform=P, uid=uid)


def _item(r: Records, m: dict) -> None:
    mid = text(m.get("id")) or ""
    pk = text(m.get("pk")) or mid.partition("_")[0]
    if not pk:
        raise RejectedItem("instagram media without pk or id")
    uid = "instagram:" + pk
    author, handle = _user(r, m.get("user"))
    if author is None:
        author, handle = _user(r, m.get("owner"))
    if author is None and mid.partition("_")[2]:
        author, _ = _user(r, {"pk": mid.partition("_")[2]})
    at = utc(m.get("taken_at")) if integer(m.get("taken_at")) != 0 else None
    body = text(obj(m.get("caption")).get("text"))

    hidden = m.get("like_and_view_counts_disabled") is True
    views = None
    for key in ("play_count", "ig_play_count", "view_count"):
        views = integer(m.get(key))
        if views is not None:
            break
    loc = obj(m.get("location"))
    lat, lon = _coordinate(loc.get("lat"), 90), _coordinate(loc.get("lng"), 180)
    if lat is None or lon is None:
        lat = lon = None
    code = text(m.get("code"))
    r.post(uid=uid, platform=P, native_id=pk, account_uid=author, created_at=at, text=body,
           url=f"{WEB}p/{code}/" if code else None,
           kind="video" if integer(m.get("media_type")) == 2 else "post",
           lat=lat, lon=lon, place=text(loc.get("name")) or None,
           likes=None if hidden else integer(m.get("like_count")),
           replies=integer(m.get("comment_count")), reposts=integer(m.get("media_repost_count")),
           views=None if hidden else views)

    children = seq(m.get("carousel_media"))
    if len(children) > MAX_CHILDREN:
        raise RejectedItem("carousel with more items than Instagram allows")
    children = [obj(c) for c in children]

    known = {handle.lower(): author} if handle and author else {}
    named = []
    for part in [m, *children]:
        for tag in seq(obj(part.get("usertags")).get("in")):
            named.append(_user(r, obj(tag).get("user")))
    for u in seq(m.get("coauthor_producers")):
        named.append(_user(r, u))
    for tuid, name in named:
        if tuid and name:
            known[name.lower()] = tuid
        if tuid or name:
            _mention(r, uid, author, name, tuid, at)
    if body:
        for tag in HASHTAG.findall(body):
            r.entity(uid, "hashtag", tag, tag.lower(), platform=P)
        for name in MENTION.findall(body):
            name = name.rstrip(".")
            if name and len(name) <= 30:
                _mention(r, uid, author, name, known.get(name.lower()), at)

    clips = obj(m.get("clips_metadata"))
    music = obj(obj(clips.get("music_info")).get("music_asset_info"))
    original = obj(clips.get("original_sound_info"))
    sound = text(music.get("audio_asset_id")) or text(original.get("audio_asset_id"))
    if sound:
        title = text(music.get("title")) or text(original.get("original_audio_title"))
        r.entity(uid, "sound", title or sound, sound, platform=P)

    if children:
        for i, c in enumerate(children):
            cpk = text(c.get("pk")) or (text(c.get("id")) or "").partition("_")[0]
            _media(r, uid, c, f"instagram:media:{cpk}" if cpk else f"instagram:media:{pk}#{i}")
    else:
        _media(r, uid, m, f"instagram:media:{pk}")
