"""X/Twitter account archive ("Download your data"): the `window.YTD.<name>.part<N>` files.

The import pipeline strips the JavaScript wrapper and hands over a common.ArchivePart: "name",
"part", "items" and "owner" ({"id", "username"} from account.js beside it, or None).

Formats (one per part name)
  twitter.archive_tweets          tweets.js (older archives: tweet.js) -> the owner's posts
  twitter.archive_deleted_tweets  deleted-tweets.js: the same, each a tombstone (deleted=True)
                                  that keeps its text
  twitter.archive_account         account.js -> the owner's account (handle, display name,
                                  created at)
  twitter.archive_profile         profile.js -> the owner's bio, website, location, avatar
  twitter.archive_follower        follower.js -> "follow" from each listed account to the owner
  twitter.archive_following       following.js -> "follow" from the owner to each listed account
  twitter.archive_like            like.js -> "like" from the owner to each tweet, and the liked
                                  tweet as a post (text only: the archive names no author)

Choices
  - Tweets have no user object: their author is the owner. Without an owner (account.js not
    found) their account_uid is None and their url uses x.com/i/. A profile, follower or
    following list without an owner says nothing about whom: rejected with that reason. Likes
    without an owner still give the liked posts, but no like interactions.
  - Numbers are strings in archives; read as numbers. No reply/quote counts, no views.
  - Retweets show only as "RT @name: ..." text: a repost post with a repost interaction whose
    target is the mentioned account, but repost_of stays None (the archive does not name the
    original tweet). The retweet's media are the original's; when they all carry one
    `source_status_id_str` the media point at that status, else at the retweet.
  - Quotes show only as a link: the last entities.urls link that is a bare twitter.com/x.com
    status URL (not the tweet's own, not a /photo/ link) is quote_of, in a tweet that is not a
    retweet. The link also stays a url entity, as in the other formats.
  - user_mentions ids are resolved when the archive is made: in an old tweet, a handle renamed
    or taken over since then points at its present owner (mention stubs say what the archive
    says).
  - account.js holds the owner's email and phone number: never read, never mapped (personal
    data the case does not need; the raw file stays in the evidence store). createdVia neither.
  - profile.js avatarMediaUrl is kept only when it is an http(s) URL; archives may give a path
    inside the archive (./data/profile_media/...), which is not a URL. headerMediaUrl: no field.
  - follower/following rows are thin (accountId, userLink): stub accounts by id only.
  - Other parts (direct messages, ad data, devices, ip audit, ...) are not detected: personal or
    advertising data with no place in the model. map_item rejects any part it does not map with
    a reason naming it.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from socmint.errors import RejectedItem
from socmint.model import Records
from socmint.sources.common import ArchivePart, Format, obj, seq, text, utc
from socmint.sources.twitter.base import PLATFORM, P, id_of, like, missing, post_url, stub, unescape
from socmint.sources.twitter.v1 import tweet

TWEETS = "twitter.archive_tweets"
DELETED = "twitter.archive_deleted_tweets"
ACCOUNT = "twitter.archive_account"
PROFILE = "twitter.archive_profile"
FOLLOWER = "twitter.archive_follower"
FOLLOWING = "twitter.archive_following"
LIKE = "twitter.archive_like"
PARTS = {"tweets": TWEETS, "tweet": TWEETS, "deleted_tweets": DELETED, "account": ACCOUNT,
         "profile": PROFILE, "follower": FOLLOWER, "following": FOLLOWING, "like": LIKE}
STATUS_HOSTS = {"twitter.com", "www.twitter.com", "mobile.twitter.com", "x.com", "www.x.com",
                "mobile.x.com"}

_OWNER = "the owner's account from account.js (the import passes it as the part's owner)"
_TWEETS_LACK = {"accounts": missing("accounts", "handle"),
                "posts": ("conversation", "replies", "quotes", "views", "kind", "community"),
                "media": ("width", "height")}
FORMATS = (
    Format(TWEETS, "X/Twitter archive tweets.js (or tweet.js)",
           "an archive part named tweets or tweet",
           "each tweet as a post by " + _OWNER + "; hashtags, mentions, urls, media; replies "
           "from in_reply_to_*, retweets from 'RT @name:' text (no repost_of), quotes from a "
           "status link", _TWEETS_LACK),
    Format(DELETED, "X/Twitter archive deleted-tweets.js",
           "an archive part named deleted_tweets",
           "as tweets.js, each post marked deleted=True with its text kept", _TWEETS_LACK),
    Format(ACCOUNT, "X/Twitter archive account.js", "an archive part named account",
           "the owner's account: handle, display name, created at (email and phone are never "
           "read)", {"accounts": ("bio", "url", "location", "followers", "following",
                                  "posts_count", "verified", "avatar_url")}),
    Format(PROFILE, "X/Twitter archive profile.js", "an archive part named profile",
           "bio, website, location and avatar (when a URL) of " + _OWNER,
           {"accounts": ("display_name", "created_at", "followers", "following", "posts_count",
                         "verified")}),
    Format(FOLLOWER, "X/Twitter archive follower.js", "an archive part named follower",
           "a follow from each listed account to " + _OWNER,
           {"accounts": missing("accounts"), "interactions": ("at",)}),
    Format(FOLLOWING, "X/Twitter archive following.js", "an archive part named following",
           "a follow from " + _OWNER + " to each listed account",
           {"accounts": missing("accounts"), "interactions": ("at",)}),
    Format(LIKE, "X/Twitter archive like.js", "an archive part named like",
           "a like from " + _OWNER + " to each tweet, and the liked tweet as a post with its "
           "text", {"posts": missing("posts", "text", "url"), "interactions": ("target", "at")}),
)


def detect(o) -> str | None:
    if isinstance(o, ArchivePart) and type(o.get("items")) is list:
        name = o.get("name")
        return PARTS.get(name) if type(name) is str else None
    return None


def map_item(o, fmt: str) -> Records:
    if not isinstance(o, ArchivePart):
        raise RejectedItem(f"{fmt}: not an archive part")
    name = o.get("name")
    if type(name) is not str or name not in PARTS:
        raise RejectedItem(f"X archive part {str(name)[:60]!r} is not mapped (read are: "
                           f"{', '.join(sorted(PARTS))}); the file is kept as evidence")
    if PARTS[name] != fmt:
        raise RejectedItem(f"X archive part {name!r} is not {fmt}")
    items = seq(o.get("items"))
    owner = obj(o.get("owner"))
    oid, ohandle = text(owner.get("id")), text(owner.get("username"))
    r = Records()
    me = stub(r, oid, ohandle) if oid else None
    if fmt in (TWEETS, DELETED):
        for item in items:
            item = obj(item)
            _tweet(r, obj(item["tweet"]) if "tweet" in item else item, me, ohandle,
                   fmt == DELETED)
    elif fmt == ACCOUNT:
        for item in items:
            _account(r, obj(obj(item).get("account")))
    elif fmt == LIKE:
        for item in items:
            _like(r, obj(obj(item).get("like")), me)
    elif me is None:
        raise RejectedItem(f"X archive part {name!r} without its owner: account.js was not "
                           "imported with it, so it says nothing about whose it is")
    elif fmt == PROFILE:
        for item in items:
            _profile(r, obj(obj(item).get("profile")), me)
    else:
        for item in items:
            f = obj(obj(item).get(name))
            aid = text(f.get("accountId"))
            if not aid:
                raise RejectedItem(f"{name} row without accountId")
            other = stub(r, aid)
            src, dst = (other, me) if fmt == FOLLOWER else (me, other)
            r.interaction("follow", src, target=dst, platform=PLATFORM)
    return r


def _tweet(r: Records, t: dict, me: str | None, handle: str | None, deleted: bool) -> None:
    tid = id_of(t)
    if not tid:
        raise RejectedItem("archive tweet without id_str")
    body = text(t.get("full_text")) or text(t.get("text"))
    ents = obj(t.get("entities"))
    media = seq(obj(t.get("extended_entities")).get("media")) or seq(ents.get("media"))
    rt = _retweeted_name(body)
    repost_target = media_post = quote_of = None
    if rt is not None:
        for m in seq(ents.get("user_mentions")):
            m = obj(m)
            if (text(m.get("screen_name")) or "").lower() == rt:
                mid = id_of(m)
                repost_target = P + mid if mid else None
                break
        sources = {text(obj(m).get("source_status_id_str")) for m in media}
        if len(sources) == 1 and None not in sources:
            media_post = P + sources.pop()
    else:
        quote_of = _quoted(seq(ents.get("urls")), tid)
    tweet(r, t, tid, account=me, handle=handle, body=body, entity_sets=[ents], media=media,
          retweet=rt is not None, repost_target=repost_target, quote_of=quote_of,
          deleted=True if deleted else None, media_post=media_post)


def _retweeted_name(body: str | None) -> str | None:
    """The lower-cased name in a leading "RT @name:", else None."""
    if not body or not body.startswith("RT @"):
        return None
    end = body.find(":", 4, 4 + 51)
    name = body[4:end] if end > 4 else ""
    if name and all(c == "_" or (c.isascii() and c.isalnum()) for c in name):
        return name.lower()
    return None


def status_id(url: str | None) -> str | None:
    """The tweet id of a bare twitter.com/x.com status link (…/<name>/status/<id>), else None."""
    if not url or len(url) > 500:
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or (parts.hostname or "") not in STATUS_HOSTS:
        return None
    segs = [s for s in parts.path.split("/") if s]
    if (len(segs) == 3 and segs[1] in ("status", "statuses")) or segs[:3] == ["i", "web", "status"]:
        sid = segs[-1] if len(segs) in (3, 4) else ""
        if sid.isascii() and sid.isdigit() and len(sid) <= 20:
            return sid
    return None


def _quoted(urls: list, tid: str) -> str | None:
    for u in reversed(urls):
        qid = status_id(text(obj(u).get("expanded_url")))
        if qid and qid != tid:
            return P + qid
    return None


def _account(r: Records, a: dict) -> None:
    nid = text(a.get("accountId"))
    if not nid:
        raise RejectedItem("account.js entry without accountId")
    # email, phoneNumber and createdVia are deliberately never read
    r.account(uid=P + nid, platform=PLATFORM, native_id=nid, handle=text(a.get("username")),
              display_name=text(a.get("accountDisplayName")), created_at=utc(a.get("createdAt")))


def _profile(r: Records, p: dict, me: str) -> None:
    d = obj(p.get("description"))
    avatar = text(p.get("avatarMediaUrl"))
    if avatar and not avatar.lower().startswith(("https://", "http://")):
        avatar = None  # a path inside the archive, not a URL
    r.account(uid=me, platform=PLATFORM, native_id=me[len(P):], bio=text(d.get("bio")),
              url=text(d.get("website")), location=text(d.get("location")), avatar_url=avatar)


def _like(r: Records, lk: dict, me: str | None) -> None:
    tid = text(lk.get("tweetId"))
    if not tid:
        raise RejectedItem("like.js entry without tweetId")
    r.post(uid=P + tid, platform=PLATFORM, native_id=tid, text=unescape(text(lk.get("fullText"))),
           url=post_url(None, tid))
    if me:
        like(r, me, P + tid)
