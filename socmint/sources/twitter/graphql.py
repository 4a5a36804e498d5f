"""X web GraphQL tweet objects, as the web app loads them (and Zeeschuimer captures them).

Format
  twitter.graphql_tweet  one tweet result: {"__typename": "Tweet", rest_id, core.user_results,
                         legacy (v1.1-shaped), note_tweet, quoted_status_result, views}, or the
                         TweetWithVisibilityResults wrapper {"tweet": ...}, or a TweetTombstone /
                         TweetUnavailable. The Zeeschuimer envelope is read elsewhere; this is
                         its `data`.

Choices
  - `legacy` is read as a v1.1 status (see v1): same uids, text, entities, media, place.
    Long posts: `note_tweet.note_tweet_results.result.text` and its `entity_set` (added to the
    legacy entities, as v2 does with note_tweet).
  - The author is `core.user_results.result`: `legacy` holds the profile, and newer layouts move
    screen_name/name/created_at to `core`, the avatar to `avatar.image_url`, the location to
    `location.location`. verified is True for any check mark (legacy `verified`,
    `verification.verified` or paid `is_blue_verified`): the model has one flag, and an analyst
    reads the kind of mark from the raw item when it matters.
  - Retweet: `legacy.retweeted_status_result` (a repost post + interaction; the original mapped
    as its own post). Quote: `quoted_status_result` or only `legacy.quoted_status_id_str`.
  - views = `views.count` (a string); conversation = `legacy.conversation_id_str`.
  - A TweetTombstone/TweetUnavailable says the web app will not show the post (deleted,
    suspended, protected, withheld): a tombstone (deleted=True), as v2 errors are, when its id is
    known (a quoted tombstone has it in `quoted_status_id_str`). A bare one carries no id: it is
    rejected with that reason. Cards, edit_control, bookmark counts: no field in the model.
"""

from __future__ import annotations

from socmint.errors import RejectedItem
from socmint.model import Records
from socmint.sources.common import Format, integer, obj, seq, text
from socmint.sources.twitter import v1
from socmint.sources.twitter.base import PLATFORM, P, id_of, stub

TWEET = "twitter.graphql_tweet"
GONE = ("TweetTombstone", "TweetUnavailable")
WRAPPER = "TweetWithVisibilityResults"

FORMATS = (
    Format(TWEET, "X web GraphQL tweet result (e.g. the data of a Zeeschuimer line)",
           "an object with __typename Tweet (and rest_id or legacy), "
           "TweetWithVisibilityResults (with a tweet object), TweetTombstone or TweetUnavailable",
           "the tweet, its retweeted and quoted tweets as posts (long text from note_tweet, "
           "views), their authors as accounts, entities, media, reply/repost/quote/mention "
           "interactions, place; a tombstone with a known id as a deleted post",
           {"posts": ("kind", "community")}),
)


def detect(o) -> str | None:
    if type(o) is not dict:
        return None
    kind = o.get("__typename")
    if kind == "Tweet":
        return TWEET if "rest_id" in o or "legacy" in o else None
    if kind == WRAPPER:
        return TWEET if type(o.get("tweet")) is dict else None
    if kind in GONE:
        return TWEET
    return None


def map_item(o, fmt: str) -> Records:
    if fmt != TWEET:
        raise RejectedItem(f"twitter GraphQL mapper does not read {fmt!r}")
    top = _unwrap(o)
    kind = top.get("__typename")
    if kind in GONE and not text(top.get("rest_id")):
        raise RejectedItem(f"{kind} without a tweet id: it names no post")
    r = Records()
    todo = [top]
    while todo:  # a worklist, not recursion: nesting depth comes from the input
        todo.extend(_tweet(r, todo.pop()))
    return r


def _unwrap(t) -> dict:
    t = obj(t)
    for _ in range(8):
        if t.get("__typename") != WRAPPER:
            return t
        t = obj(t.get("tweet"))
    raise RejectedItem("tweet visibility wrappers nested too deep")


def _result(container, key: str) -> dict:
    return obj(obj(obj(container).get(key)).get("result"))


def _author(t: dict) -> str | None:
    rid = text(_result(t.get("core"), "user_results").get("rest_id"))
    rid = rid or text(obj(t.get("legacy")).get("user_id_str"))
    return P + rid if rid else None


def _tweet(r: Records, t) -> list:
    """Map one tweet result; returns the results it carries (retweeted, quoted)."""
    t = _unwrap(t)
    legacy = obj(t.get("legacy"))
    tid = text(t.get("rest_id")) or id_of(legacy)
    if t.get("__typename") in GONE:
        if tid:
            r.post(uid=P + tid, platform=PLATFORM, native_id=tid, deleted=True)
        return []
    if not tid:
        raise RejectedItem("GraphQL tweet without rest_id")
    account, handle = user(r, _result(t.get("core"), "user_results"))
    if account is None:
        aid = text(legacy.get("user_id_str"))
        account = stub(r, aid) if aid else None
    note = _result(t.get("note_tweet"), "note_tweet_results")
    body = text(note.get("text")) or text(legacy.get("full_text")) or text(legacy.get("text"))
    ents = [legacy.get("entities")]
    if note.get("entity_set"):
        ents.append(note["entity_set"])
    media = (seq(obj(legacy.get("extended_entities")).get("media"))
             or seq(obj(legacy.get("entities")).get("media")))

    nested = []
    repost_of = repost_target = quote_of = quote_target = None
    rt = _result(legacy, "retweeted_status_result") or _result(t, "retweeted_status_result")
    if rt:
        nested.append(rt)
        inner = _unwrap(rt)
        rid = text(inner.get("rest_id")) or id_of(obj(inner.get("legacy")))
        repost_of = P + rid if rid else None
        repost_target = _author(inner)
    qid = text(legacy.get("quoted_status_id_str"))
    quoted = _result(t, "quoted_status_result")
    if quoted:
        inner = _unwrap(quoted)
        qid = qid or text(inner.get("rest_id"))
        if inner.get("__typename") in GONE:
            if qid:
                r.post(uid=P + qid, platform=PLATFORM, native_id=qid, deleted=True)
        else:
            nested.append(inner)
            quote_target = _author(inner)
    if qid and not rt:
        quote_of = P + qid
    v1.tweet(r, legacy, tid, account=account, handle=handle, body=body, entity_sets=ents,
             media=media, retweet=bool(rt), repost_of=repost_of, repost_target=repost_target,
             quote_of=quote_of, quote_target=quote_target,
             views=integer(obj(t.get("views")).get("count")))
    return nested


def user(r: Records, res: dict) -> tuple[str | None, str | None]:
    """A GraphQL User result, read as the v1.1 user its `legacy` is, newer `core` fields first."""
    nid = text(res.get("rest_id"))
    if not nid or res.get("__typename") not in (None, "User"):  # UserUnavailable: nothing
        return None, None
    flat = dict(obj(res.get("legacy")))
    flat["id_str"] = nid
    core = obj(res.get("core"))
    for k in ("screen_name", "name", "created_at"):
        if core.get(k) is not None:
            flat[k] = core[k]
    location = res.get("location")
    if type(location) is dict and location.get("location") is not None:
        flat["location"] = location["location"]
    avatar = text(obj(res.get("avatar")).get("image_url"))
    if avatar:
        flat["profile_image_url_https"] = avatar
    marks = [v for v in (flat.get("verified"), obj(res.get("verification")).get("verified"),
                         res.get("is_blue_verified")) if type(v) is bool]
    return v1.user(r, flat, verified=any(marks) if marks else None)
