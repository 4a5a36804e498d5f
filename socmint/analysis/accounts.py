"""Accounts: how one account behaves and what its profile says, as features and in words.

    rows = behaviour(backend)              # an Ibis table, one row per account that posts
    feats = profile_features(backend)      # an Ibis table, one row per account
    p = profile(backend, "@alice")         # AccountProfile: everything about one account
    for line in describe(p): print(line)

Both tables are Ibis expressions that run unchanged on DuckDB and Spark; only their rows come
into Python. They feed a later bot/fake-account model and identity matching, so every feature
is null where the data does not hold it (never 0 standing for "unknown"): the model lowers its
confidence on missing features, and a made-up 0 would look like evidence.

Behaviour (per account, from its posts)
---------------------------------------
Posts counted: those with an account and a time, service messages (posts.kind "service": a
Telegram "joined", "pinned") left out. Deleted posts count: the account did post them.

  posts, days_active          posts; distinct UTC dates with a post
  first_at, last_at           its first and last post
  repost_share, reply_share,  posts with repost_of, reply_to, quote_of set; originals have none
  quote_share, original_share of the three (a quoting reply counts as both reply and quote)
  link_share                  posts with an entities row of kind url
  hashtags_per_post,          entities rows of kind hashtag (mention) per post; the entities
  mentions_per_post           table holds each distinct tag of a post once
  intervals                   gaps between consecutive posts (ordered by time, then uid), seconds
                              to the microsecond; n posts give n - 1
  interval_median             the middle gap, the mean of the two middle ones for an even count,
                              picked by row number so DuckDB and Spark agree exactly (their
                              percentile functions interpolate differently); from 1 gap
  interval_cv                 population standard deviation / mean of the gaps; from 2 gaps
  burstiness                  B = (sigma - mu) / (sigma + mu) (Goh & Barabasi 2008, "Burstiness
                              and memory in complex systems"): -1 a metronome, 0 a Poisson
                              process, towards 1 bursts and long silences; from 2 gaps
  interval_entropy            Shannon entropy (bits) of the gaps binned by powers of two: bin -1
                              under 1 s, bin k for [2^k, 2^(k+1)) s. A scheduler fills one or two
                              bins, a person many; from 2 gaps
  hour_entropy                Shannon entropy (bits) of posts over the 24 hours of the day (UTC);
                              at most log2(24) = 4.585 (every hour alike), 0 for one hour
  busiest_hour_share          the share of posts in its busiest hour of the day
  sleep_gap                   the longest run of hours of the day (circular: 23:00 and 00:00 are
                              neighbours) in which it never posted, over its whole activity: 0
                              for an account posting in every hour, 23 for one posting in one
  near_duplicate_share        posts in a near-duplicate group (table near_duplicates, written by
                              socmint.enrich.neardup) that also holds another account's post;
                              null when the table has not been computed (the lake copies it
                              for Spark)
  languages                   distinct languages of its posts: the platform's language code
                              (primary subtag, lower-cased; "und", "zxx" and Twitter's q..
                              pseudo-codes mean none), else the detected one (entities kind
                              language; "unknown" means none)

Doubles are rounded to ROUND (6) decimals: the engines' log and sum differ in the last bits.

Profile features (per account, from the accounts table)
-------------------------------------------------------
The handle is taken without a leading "@", a Mastodon handle without "@server" and a Bluesky
handle up to its first dot ("alice.bsky.social" -> "alice"): the part its owner chose.

  handle_length, handle_digits, handle_trailing_digits, handle_entropy (bits, over characters)
  name_length                 display name, in characters
  name_matches_handle         a word of the display name (a run of letters or digits of at least
                              3 characters, lower-cased) occurs in the lower-cased handle:
                              "Anna Schmidt" and anna_schmidt88 do; null without both
  has_bio, bio_length, has_url  (an empty or blank bio is none)
  default_avatar              avatar_url is empty or a platform's stock image, from real data:
                              Twitter/X "default_profile_images/" (abs.twimg.com's egg and
                              silhouette), Mastodon "/avatars/original/missing.png" (what a server
                              serves for no avatar), Reddit "redditstatic.com/avatars/defaults/"
  age_days                    days from created_at to the account's last observation (last_seen)
  followers, following, posts_count, verified  as the platform said
  follower_ratio              followers / following; null when following is 0 or unknown
  posts_per_day               posts_count / age_days, the age at least one day

Null where unknown. An empty string is a platform saying "none" (Twitter's url ""), so has_bio,
has_url and default_avatar are false or true for it. A null field is "none" only when the
account's profile was observed (one of created_at, followers, following, posts_count, bio,
avatar_url is known) and other accounts of its platform in the case do have the field, so the
format carries it: a Bluesky profile without an avatar has the default one; a Reddit dump or a
Telegram export, which carry no bio or avatar for anyone, gives null.

Limits: hours are UTC, not the account's local time (a sleep gap says when in UTC, not that the
account sleeps then); timestamps are the platforms'; a repost's time is when it was reposted.
"""

from __future__ import annotations

import math
import unicodedata
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timezone

import ibis

from socmint.errors import SocmintError
from socmint.store import has_table
from socmint.store import rows as _rows
from socmint.store import utc as _utc

TOP = 10  # items in each top list of a profile
ROUND = 6  # decimals of every double in behaviour() and profile_features()
MIN_NAME_TOKEN = 3  # shorter words of a name ("jo", "de") are in many handles by chance
LOG2_BINS = 40  # interval bins: [2^k, 2^(k+1)) seconds for k < 40 (beyond: the last bin)
MAX_WHO = 512  # characters of a `who` looked up

# Stock avatar images, matched as substrings of avatar_url (seen in real payloads)
DEFAULT_AVATARS = (
    "/default_profile_images/",  # Twitter/X: abs.twimg.com/sticky/default_profile_images/...
    "/avatars/original/missing.png",  # Mastodon: a server's image for "no avatar"
    "redditstatic.com/avatars/defaults/",  # Reddit: avatar_default_N.png
)
NO_LANGUAGE = ("und", "zxx", "unknown", "qam", "qct", "qht", "qme", "qst")
# entity kinds that are not selectors: the platform's own entities and other enrichers' output
NOT_SELECTORS = ("hashtag", "mention", "url", "domain", "language", "place")
PARTNER_KINDS = ("reply", "repost", "quote", "mention")
HISTORY_FIELDS = ("handle", "display_name", "bio")

_EPOCH = ibis.timestamp(datetime(1970, 1, 1, tzinfo=timezone.utc))
_US = 1_000_000
_DAY_US = 86_400 * _US


# ------------------------------------------------------------------------------- behaviour


def _posts(backend) -> ibis.Table:
    """The posts that place an account in time: with account and time, no service messages."""
    p = backend.table("posts")
    p = p.filter(p.account_uid.notnull(), p.created_at.notnull(),
                 p.kind.isnull() | (p.kind != "service"))
    declared = p.language.lower().re_replace(r"[-_].*$", "")
    return p.select(post=p.uid, account=p.account_uid, at=p.created_at,
                    us=p.created_at.delta(_EPOCH, unit="microsecond"),
                    repost=p.repost_of.notnull(), reply=p.reply_to.notnull(),
                    quote=p.quote_of.notnull(),
                    declared=ibis.ifelse(declared.isin(NO_LANGUAGE) | (declared == ""),
                                         ibis.null("string"), declared))


def _entities(backend) -> ibis.Table:
    e = backend.table("entities")
    return e.filter(e.deleted_at.isnull(), e.post.notnull())


def _per_post_entities(backend) -> ibis.Table:
    e = _entities(backend)
    one = lambda kind: ibis.ifelse(e.kind == kind, 1, 0)  # noqa: E731
    detected = ibis.ifelse((e.kind == "language") & ~e.normalized.isin(NO_LANGUAGE),
                           e.normalized, ibis.null("string"))
    return e.group_by("post").aggregate(
        urls=one("url").sum(), hashtags=one("hashtag").sum(), mentions=one("mention").sum(),
        detected=detected.min())


def _intervals(posts: ibis.Table) -> ibis.Table:
    w = ibis.window(group_by=posts.account, order_by=[posts.us, posts.post])
    t = posts.mutate(_prev=posts.us.lag().over(w))
    t = t.filter(t._prev.notnull())
    return t.select(account=t.account, seconds=(t.us - t._prev) / _US)


def _log2_bin(seconds) -> ibis.Value:
    """floor(log2(seconds)), -1 under a second, by comparisons: log2 of an exact power of two
    can land either side of the integer on another engine."""
    return ibis.cases((seconds < 1, -1),
                      *[(seconds < 2 ** (k + 1), k) for k in range(LOG2_BINS - 1)],
                      else_=LOG2_BINS - 1)


def _entropy(t: ibis.Table, by: str, key: str, name: str) -> ibis.Table:
    """Shannon entropy in bits of `key` per `by` (column `name`), and the share of the most
    common value (`name`_top)."""
    c = t.group_by([by, key]).aggregate(_c=t.count())
    c = c.mutate(_p=c._c / c._c.sum().over(group_by=c[by]))
    # p log2(1/p), not -(p log2 p): a single value gives 0.0, not -0.0
    return c.group_by(by).aggregate(**{name: (c._p * (1 / c._p).log2()).sum(),
                                       f"{name}_top": c._p.max()})


def _median(t: ibis.Table, by: str, value: str) -> ibis.Table:
    """The median by row number (0-based ranks (n-1)//2 and n//2), the same on every engine."""
    r = t.mutate(_rank=ibis.row_number().over(group_by=t[by], order_by=t[value]),
                 _n=t[value].count().over(group_by=t[by]))
    middle = r.filter((r._rank == (r._n - 1) // 2) | (r._rank == r._n // 2))
    return middle.group_by(by).aggregate(median=middle[value].mean())


def _sleep_gaps(posts: ibis.Table) -> ibis.Table:
    hours = posts.select(account=posts.account, hour=posts.at.hour()).distinct()
    w = ibis.window(group_by=hours.account, order_by=hours.hour)
    nxt = hours.hour.lead().over(w).coalesce(hours.hour.min().over(group_by=hours.account) + 24)
    gaps = hours.mutate(_gap=nxt - hours.hour - 1)
    return gaps.group_by("account").aggregate(sleep_gap=gaps._gap.max())


def _near_duplicate_shares(backend, posts: ibis.Table) -> ibis.Table | None:
    if not has_table(backend, "near_duplicates"):
        return None
    nd = backend.table("near_duplicates")
    member = nd.join(posts, nd.uid == posts.post).select(group_id=nd.group_id,
                                                         account=posts.account, post=posts.post)
    shared = member.group_by("group_id").aggregate(_accounts=member.account.nunique())
    shared = shared.filter(shared._accounts >= 2)
    inside = member.semi_join(shared, "group_id")
    return inside.group_by("account").aggregate(_nd_posts=inside.post.nunique())


def _round(x):
    return x.cast("float64").round(ROUND)


def behaviour(backend) -> ibis.Table:
    """One row per account with posts: the features of the module docstring."""
    posts = _posts(backend)
    per_post = _per_post_entities(backend)
    p = posts.left_join(per_post, posts.post == per_post.post).select(
        posts, urls=per_post.urls.coalesce(0), hashtags=per_post.hashtags.coalesce(0),
        mentions=per_post.mentions.coalesce(0),
        language=posts.declared.coalesce(per_post.detected))
    flag = lambda cond: ibis.ifelse(cond, 1, 0).sum()  # noqa: E731
    base = p.group_by("account").aggregate(
        posts=p.count(), days_active=p.at.date().nunique(), first_at=p.at.min(),
        last_at=p.at.max(), _reposts=flag(p.repost), _replies=flag(p.reply),
        _quotes=flag(p.quote), _originals=flag(~(p.repost | p.reply | p.quote)),
        _links=flag(p.urls > 0), _hashtags=p.hashtags.sum(), _mentions=p.mentions.sum(),
        languages=p.language.nunique())

    iv = _intervals(posts)
    spread = iv.group_by("account").aggregate(intervals=iv.count(), _mu=iv.seconds.mean(),
                                              _sigma=iv.seconds.std(how="pop"))
    median = _median(iv, "account", "seconds")
    iv_entropy = _entropy(iv.mutate(_bin=_log2_bin(iv.seconds)), "account", "_bin", "_iv")
    hours = _entropy(posts.mutate(_hour=posts.at.hour()), "account", "_hour", "_hour")
    sleep = _sleep_gaps(posts)
    nd = _near_duplicate_shares(backend, posts)

    t = base.left_join(spread, "account").left_join(median, "account")
    t = t.left_join(iv_entropy, "account").left_join(hours, "account")
    t = t.left_join(sleep, "account")
    if nd is not None:
        t = t.left_join(nd, "account")
    n = t.posts
    enough = t.intervals >= 2
    mu, sigma = t._mu, t._sigma
    nd_share = (_round(t._nd_posts.coalesce(0) / n) if nd is not None
                else ibis.null("float64"))
    return t.select(
        account=t.account, posts=n, days_active=t.days_active, first_at=t.first_at,
        last_at=t.last_at,
        repost_share=_round(t._reposts / n), reply_share=_round(t._replies / n),
        quote_share=_round(t._quotes / n), original_share=_round(t._originals / n),
        link_share=_round(t._links / n), hashtags_per_post=_round(t._hashtags / n),
        mentions_per_post=_round(t._mentions / n),
        intervals=t.intervals.coalesce(0), interval_median=_round(t.median),
        interval_cv=ibis.ifelse(enough & (mu > 0), _round(sigma / mu), ibis.null("float64")),
        burstiness=ibis.ifelse(enough & (sigma + mu > 0), _round((sigma - mu) / (sigma + mu)),
                               ibis.null("float64")),
        interval_entropy=ibis.ifelse(enough, _round(t._iv), ibis.null("float64")),
        hour_entropy=_round(t._hour), busiest_hour_share=_round(t._hour_top),
        sleep_gap=t.sleep_gap, near_duplicate_share=nd_share, languages=t.languages)


# ------------------------------------------------------------------------ profile features


def _handle_part(accounts: ibis.Table) -> ibis.Value:
    """The part of the handle its owner chose (module docstring)."""
    h = accounts.handle.re_replace(r"^@", "")
    return ibis.cases((accounts.platform == "mastodon", h.re_replace(r"@.*$", "")),
                      (accounts.platform == "bluesky", h.re_replace(r"\..*$", "")),
                      else_=h)


def _handle_entropies(a: ibis.Table) -> ibis.Table:
    """Character entropy of each non-empty handle, one row per character exploded."""
    a = a.filter(a._handle.length() > 0)
    chars = a.select(uid=a.uid, _pos=ibis.range(0, a._handle.length()).unnest(),
                     _handle=a._handle)
    chars = chars.select(uid=chars.uid, _char=chars._handle.substr(chars._pos, 1))
    return _entropy(chars, "uid", "_char", "_handle_entropy").drop("_handle_entropy_top")


def _name_matches(a: ibis.Table) -> ibis.Table:
    """Whether a word of the display name occurs in the handle, per account with both."""
    both = a.filter(a.display_name.notnull(), a._handle.notnull())
    words = both.select(uid=both.uid, _h=both._handle.lower(),
                        _w=both.display_name.lower().re_split(r"[^\p{L}\p{N}]+").unnest())
    words = words.filter(words._w.length() >= MIN_NAME_TOKEN)
    hits = words.group_by("uid").aggregate(
        _hits=ibis.ifelse(words._h.contains(words._w), 1, 0).sum())
    return both.select("uid").left_join(hits, "uid").select(
        uid=ibis._.uid, _name_matches=ibis._._hits.coalesce(0) > 0)


def _known_absent(a: ibis.Table, column: str) -> ibis.Value:
    """A null field that means "none": the profile was observed and the platform's data in the
    case carries the field for others."""
    seen = (a.created_at.notnull() | a.followers.notnull() | a.following.notnull()
            | a.posts_count.notnull() | a.bio.notnull() | a.avatar_url.notnull())
    carried = ibis.ifelse(a[column].notnull(), 1, 0).max().over(group_by=a.platform) > 0
    return a[column].isnull() & seen & carried


def _flag(a: ibis.Table, column: str, present: ibis.Value) -> ibis.Value:
    """True/false where known, null where the data does not say."""
    return ibis.cases((a[column].notnull(), present), (_known_absent(a, column), False),
                      else_=ibis.null("boolean"))


def profile_features(backend) -> ibis.Table:
    """One row per account of the accounts table: the features of the module docstring."""
    acc = backend.table("accounts")
    a = acc.mutate(_handle=_handle_part(acc))
    entropies = _handle_entropies(a)
    matches = _name_matches(a)
    t = a.left_join(entropies, "uid").left_join(matches, "uid")
    h = t._handle
    bio_blank = t.bio.strip() == ""
    stock = ibis.or_(*[t.avatar_url.contains(p) for p in DEFAULT_AVATARS])
    avatar_default = ibis.cases(
        (t.avatar_url.notnull(), (t.avatar_url.strip() == "") | stock),
        (_known_absent(t, "avatar_url"), True), else_=ibis.null("boolean"))
    age = t.last_seen.delta(t.created_at, unit="microsecond") / _DAY_US
    age = ibis.ifelse(t.created_at.notnull() & t.last_seen.notnull(), age, ibis.null("float64"))
    ratio = ibis.ifelse(t.following > 0, t.followers / t.following, ibis.null("float64"))
    per_day = t.posts_count / ibis.greatest(age, 1.0)
    return t.select(
        account=t.uid, platform=t.platform,
        handle_length=h.length(),
        handle_digits=h.length() - h.re_replace(r"[0-9]", "").length(),
        handle_trailing_digits=h.re_extract(r"([0-9]*)$", 1).length(),
        handle_entropy=ibis.ifelse(h.length() > 0, _round(t._handle_entropy.coalesce(0.0)),
                                   ibis.null("float64")),
        name_length=t.display_name.length(),
        name_matches_handle=t._name_matches,
        has_bio=_flag(t, "bio", ~bio_blank),
        bio_length=ibis.cases((t.bio.notnull(), ibis.ifelse(bio_blank, 0, t.bio.length())),
                              (_known_absent(t, "bio"), 0), else_=ibis.null("int64")),
        has_url=_flag(t, "url", t.url.strip() != ""),
        default_avatar=avatar_default,
        age_days=_round(age),
        followers=t.followers, following=t.following, posts_count=t.posts_count,
        follower_ratio=_round(ratio), posts_per_day=_round(per_day), verified=t.verified)


# ---------------------------------------------------------------------------- one account


@dataclass
class AccountProfile:
    """Everything the case says about one account; as_dict() gives plain JSON-able values."""

    uid: str
    platform: str | None
    identity: dict  # the accounts row (current state)
    history: dict[str, list[dict]]  # field -> [{value, first_observed, last_observed, ...}]
    features: dict | None  # its profile_features() row
    behaviour: dict | None  # its behaviour() row; None when it has no posts
    activity: list[dict]  # [{date, posts}] per UTC day
    hours: list[int]  # posts per hour of day, UTC, 0..23
    weekdays: list[int]  # posts per day of week, Monday first
    intervals: dict  # summary of the gaps between consecutive posts, with a log2 histogram
    languages: list[dict]
    hashtags: list[dict]
    domains: list[dict]
    mentions: list[dict]
    partners: dict[str, list[dict]]  # "out": it acted on them; "in": they acted on it
    selectors: list[dict]
    notes: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return _plain(asdict(self))


def _plain(value):
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, datetime):
        return _utc(value).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _clean_who(who) -> str:
    if not isinstance(who, str) or not who.strip():
        raise SocmintError("name an account: its uid (platform:id) or its handle")
    q = who.strip()
    if len(q) > MAX_WHO or any(unicodedata.category(c) in ("Cc", "Cs") for c in q):
        raise SocmintError(f"no account {q[:80]!r} in this case")
    return q


def resolve(backend, who: str) -> str:
    """The uid `who` names: a uid, or a handle (any case, "@" or not) current or past. A
    handle also matches the owner's part of a Mastodon or Bluesky handle, so "alice" finds
    @alice@server and alice.bsky.social: several accounts found is an error naming them."""
    q = _clean_who(who)
    acc = backend.table("accounts")
    if _rows(backend, acc.filter(acc.uid == q).select("uid").limit(1)):
        return q
    name = q[1:] if q.startswith("@") else q
    name = name.lower()

    def matching(t):
        part = _handle_part(t).lower()
        full = t.handle.lower().re_replace(r"^@", "")
        return t.filter(t.handle.notnull(), (full == name) | (part == name))

    uids = sorted({r["uid"] for r in _rows(backend, matching(acc).select("uid").distinct())})
    if not uids:  # a handle it had before a rename
        obs = backend.table("accounts_obs")
        uids = sorted({r["uid"] for r in _rows(backend,
                                                matching(obs).select("uid").distinct())})
    if not uids:
        raise SocmintError(f"no account {q[:80]!r} in this case (neither a uid nor a handle)")
    if len(uids) > 1:
        shown = ", ".join(uids[:20]) + (f" and {len(uids) - 20} more" if len(uids) > 20 else "")
        raise SocmintError(f"handle {q[:80]!r} is ambiguous: it names {len(uids)} accounts "
                           f"({shown}); give the uid")
    return uids[0]


def _history(backend, uid: str) -> dict[str, list[dict]]:
    obs = backend.table("accounts_obs")
    mine = obs.filter(obs.uid == uid)
    out = {}
    for f in HISTORY_FIELDS:
        t = mine.filter(mine[f].notnull())
        rows = _rows(backend, t.group_by(value=t[f]).aggregate(
            first_observed=t.observed_at.min(), last_observed=t.observed_at.max(),
            observations=t.count()))
        rows.sort(key=lambda r: (r["first_observed"] is None, r["first_observed"],
                                 r["last_observed"], r["value"]))
        out[f] = rows
    return out


def _top_entities(backend, mine: ibis.Table, kind: str, top: int) -> list[dict]:
    e = _entities(backend)
    e = e.filter(e.kind == kind).semi_join(mine, e.post == mine.post)
    agg = e.group_by(value=e.normalized).aggregate(posts=e.post.nunique())
    return _rows(backend, agg.order_by([ibis.desc("posts"), "value"]).limit(top))


def _selectors(backend, mine: ibis.Table, top: int) -> list[dict]:
    e = _entities(backend)
    e = e.filter(~e.kind.isin(NOT_SELECTORS)).semi_join(mine, e.post == mine.post)
    agg = e.group_by(["kind", "normalized"]).aggregate(posts=e.post.nunique(),
                                                         example=e.value.min())
    return _rows(backend, agg.order_by([ibis.desc("posts"), "kind", "normalized"]).limit(top))


def _partners(backend, uid: str, top: int) -> dict[str, list[dict]]:
    i = backend.table("interactions")
    i = i.filter(i.deleted_at.isnull(), i.kind.isin(PARTNER_KINDS), i.source.notnull(),
                 i.target.notnull(), i.source != i.target)
    acc = backend.table("accounts").select(uid="uid", handle="handle")
    out = {}
    for side, mine, other in (("out", i.source, i.target), ("in", i.target, i.source)):
        t = i.filter(mine == uid).select(account=other, kind=i.kind)
        rows = _rows(backend, t.group_by(["account", "kind"]).aggregate(n=t.count()))
        per: dict[str, dict] = {}
        for r in rows:
            p = per.setdefault(r["account"], {"account": r["account"], "kinds": {}, "total": 0})
            p["kinds"][r["kind"]] = r["n"]
            p["total"] += r["n"]
        ranked = sorted(per.values(), key=lambda p: (-p["total"], p["account"]))[:top]
        if ranked:
            mem = ibis.memtable({"account": [p["account"] for p in ranked]})
            names = _rows(backend, acc.semi_join(mem, acc.uid == mem.account))
            handle = {r["uid"]: r["handle"] for r in names}
            for p in ranked:
                p["handle"] = handle.get(p["account"])
                p["kinds"] = dict(sorted(p["kinds"].items(),
                                         key=lambda kv: (-kv[1], PARTNER_KINDS.index(kv[0]))))
        out[side] = ranked
    return out


def _interval_summary(backend, mine: ibis.Table, row: dict | None) -> dict:
    iv = _intervals(mine)
    hist = _rows(backend, iv.group_by(bin=_log2_bin(iv.seconds)).aggregate(n=iv.count())
                 .order_by("bin"))
    span = _rows(backend, iv.aggregate(shortest=iv.seconds.min(), longest=iv.seconds.max(),
                                       mean=iv.seconds.mean()))[0]
    keys = ("intervals", "interval_median", "interval_cv", "burstiness", "interval_entropy")
    out = {k: (row or {}).get(k) for k in keys}
    out.update(shortest=span["shortest"], longest=span["longest"],
               mean=None if span["mean"] is None else round(span["mean"], ROUND),
               log2_histogram=[{"from_seconds": 0 if r["bin"] < 0 else 2 ** r["bin"],
                                "below_seconds": 2 ** (r["bin"] + 1), "n": r["n"]}
                               for r in hist])
    if out["intervals"] is None:
        out["intervals"] = 0
    return out


def profile(backend, who: str, top: int = TOP) -> AccountProfile:
    """The profile of the account `who` names (a uid or a handle; see resolve())."""
    uid = resolve(backend, who)
    acc = backend.table("accounts")
    ident = _rows(backend, acc.filter(acc.uid == uid))
    identity = ident[0] if ident else {"uid": uid}
    feats = profile_features(backend)
    feature_rows = _rows(backend, feats.filter(feats.account == uid))
    beh = behaviour(backend)
    beh_rows = _rows(backend, beh.filter(beh.account == uid))
    row = beh_rows[0] if beh_rows else None

    posts = _posts(backend)
    mine = posts.filter(posts.account == uid)
    days = _rows(backend, mine.group_by(date=mine.at.date()).aggregate(posts=mine.count())
                 .order_by("date"))
    hours = [0] * 24
    for r in _rows(backend, mine.group_by(h=mine.at.hour()).aggregate(n=mine.count())):
        hours[r["h"]] = r["n"]
    weekdays = [0] * 7
    for r in _rows(backend, mine.group_by(d=mine.at.day_of_week.index())
                   .aggregate(n=mine.count())):
        weekdays[r["d"]] = r["n"]
    per_post = _per_post_entities(backend)
    langs = mine.left_join(per_post, mine.post == per_post.post).select(
        language=mine.declared.coalesce(per_post.detected))
    langs = langs.filter(langs.language.notnull())
    languages = _rows(backend, langs.group_by("language").aggregate(posts=langs.count())
                      .order_by([ibis.desc("posts"), "language"]))
    notes = []
    if row is not None and row["near_duplicate_share"] is None:
        notes.append("near-duplicate share unknown: near_duplicates not computed for this "
                     "case (or not on this engine)")
    return AccountProfile(
        uid=uid, platform=identity.get("platform") or (uid.split(":", 1)[0] if ":" in uid
                                                       else None),
        identity=identity, history=_history(backend, uid),
        features=feature_rows[0] if feature_rows else None, behaviour=row,
        activity=days, hours=hours, weekdays=weekdays,
        intervals=_interval_summary(backend, mine, row), languages=languages,
        hashtags=_top_entities(backend, mine, "hashtag", top),
        domains=_top_entities(backend, mine, "domain", top),
        mentions=_top_entities(backend, mine, "mention", top),
        partners=_partners(backend, uid, top), selectors=_selectors(backend, mine, top),
        notes=notes)


# ----------------------------------------------------------------------------------- words


def describe(p: AccountProfile) -> list[str]:
    """Plain-language lines an analyst can paste: facts of the profile, no verdicts."""
    lines = [_who_line(p)]
    lines += _history_lines(p)
    f = p.features or {}
    counts = [_n(f["followers"], "follower")] if f.get("followers") is not None else []
    if f.get("following") is not None:
        counts.append(f"{_num(f['following'])} following")
    if counts:
        ratio = f.get("follower_ratio")
        lines.append("; ".join(counts) + (f" (ratio {ratio:.2f})" if ratio is not None else ""))
    if f.get("handle_trailing_digits"):
        lines.append(f"handle ends in {_n(f['handle_trailing_digits'], 'digit')}")
    if f.get("default_avatar") is True:
        lines.append("default or empty avatar")
    if f.get("has_bio") is False:
        lines.append("no bio")
    b = p.behaviour
    if not b:
        lines.append("no posts in this case")
        return lines
    first, last = _day(b["first_at"]), _day(b["last_at"])
    lines.append(f"{_n(b['posts'], 'post')} on {first}" if first == last else
                 f"{_n(b['posts'], 'post')} between {first} and {last}, on "
                 f"{_n(b['days_active'], 'day')}")
    if b["interval_median"] is not None:
        line = f"posts every {_span(b['interval_median'])} on median"
        if b["interval_cv"] is not None:
            line += (f" (coefficient of variation of the gaps {b['interval_cv']:.2f}, "
                     f"burstiness {b['burstiness']:.2f})")
        lines.append(line)
    lines.append(_hours_line(p))
    shares = [(b["repost_share"], "reposts"), (b["reply_share"], "replies"),
              (b["quote_share"], "quotes"), (b["original_share"], "originals")]
    shown = [f"{_pct(s)} {what}" for s, what in shares if s]
    if shown:
        lines.append("of its posts: " + ", ".join(shown))
    if b["repost_share"] and b["repost_share"] >= 0.5:
        lines.append(f"{_pct(b['repost_share'])} of its posts are reposts")
    lines.append(f"links in {_pct(b['link_share'])} of its posts; "
                 f"{b['hashtags_per_post']:.2f} hashtags and {b['mentions_per_post']:.2f} "
                 f"mentions per post")
    if b["near_duplicate_share"]:
        lines.append(f"{_pct(b['near_duplicate_share'])} of its posts are near-duplicates of "
                     f"another account's post")
    if p.languages:
        lines.append(f"writes in {_n(len(p.languages), 'language')}: "
                     + _listing(p.languages, "language"))
    for items, what, prefix in ((p.hashtags, "hashtags", "#"), (p.domains, "link domains", ""),
                                (p.mentions, "mentioned accounts", "@")):
        if items:
            lines.append(f"top {what}: " + _listing(items, "value", prefix))
    for side, words in (("out", "acts most on"), ("in", "acted on most by")):
        if p.partners.get(side):
            lines.append(f"{words}: " + "; ".join(_partner(x) for x in p.partners[side][:3]))
    if p.selectors:
        lines.append("selectors in its posts: " + ", ".join(
            f"{s['kind']} {s['normalized']} ({_n(s['posts'], 'post')})" for s in p.selectors))
    return lines + list(p.notes)


def _who_line(p: AccountProfile) -> str:
    i = p.identity
    who = _at(i.get("handle")) if i.get("handle") else p.uid
    name = f" ({i['display_name']})" if i.get("display_name") else ""
    line = f"{who}{name} on {p.platform or 'an unknown platform'}, uid {p.uid}"
    age = (p.features or {}).get("age_days")
    if i.get("created_at") is not None:
        line += f"; created {_day(i['created_at'])}"
        if age is not None:
            line += f", {_span(age * 86400)} before it was last observed"
    return line


def _history_lines(p: AccountProfile) -> list[str]:
    out = []
    handles = [h["value"] for h in p.history.get("handle", [])]
    if len(handles) > 1:
        out.append(f"renamed {_times(len(handles) - 1)}: " + " -> ".join(_at(h) for h in handles))
    names = p.history.get("display_name", [])
    if len(names) > 1:
        out.append(f"display name changed {_times(len(names) - 1)}: "
                   + " -> ".join(repr(n["value"]) for n in names))
    bios = p.history.get("bio", [])
    if len(bios) > 1:
        out.append(f"bio changed {_times(len(bios) - 1)} ({len(bios)} versions seen, the "
                   f"latest from {_day(bios[-1]['first_observed'])})")
    return out


def _hours_line(p: AccountProfile) -> str:
    b = p.behaviour
    active = sum(1 for n in p.hours if n)
    bits = f"hour-of-day entropy {b['hour_entropy']:.2f} of {math.log2(24):.2f} bits"
    if active == 24:
        return f"posts around the clock: in all 24 hours of the day, UTC ({bits})"
    start, length = _longest_quiet(p.hours)
    busiest = max(range(24), key=lambda h: (p.hours[h], -h))
    return (f"posts in {active} of the 24 hours of the day (UTC); never between "
            f"{start:02d}:00 and {(start + length) % 24:02d}:00 UTC ({_n(length, 'hour')}); "
            f"busiest hour {busiest:02d}:00 with {_pct(b['busiest_hour_share'])} of its posts "
            f"({bits})")


def _longest_quiet(hours: list[int]) -> tuple[int, int]:
    """Start and length of the longest circular run of hours without posts (the first)."""
    best = (0, 0)
    for start in range(24):
        if hours[start] or hours[(start - 1) % 24] == 0:
            continue
        n = 0
        while n < 24 and hours[(start + n) % 24] == 0:
            n += 1
        if n > best[1]:
            best = (start, n)
    return best


def _partner(x: dict) -> str:
    who = _at(x["handle"]) if x.get("handle") else x["account"]
    kinds = ", ".join(_n(n, _KIND_NOUNS[k]) for k, n in x["kinds"].items())
    return f"{who} ({kinds})"


_KIND_NOUNS = {"reply": "reply", "repost": "repost", "quote": "quote", "mention": "mention"}


def _listing(items: list[dict], key: str, prefix: str = "") -> str:
    return ", ".join(f"{prefix}{x[key]} ({_n(x['posts'], 'post')})" for x in items[:5])


def _at(handle: str) -> str:
    return handle if handle.startswith("@") else "@" + handle


def _times(n: int) -> str:
    return {1: "once", 2: "twice"}.get(n, f"{n} times")


def _n(n, noun: str) -> str:
    if n == 1:
        return f"1 {noun}"
    plural = noun[:-1] + "ies" if noun.endswith("y") and noun[-2] not in "aeiou" else noun + "s"
    return f"{_num(n)} {plural}"


def _num(n) -> str:
    return f"{n:,}" if isinstance(n, int) else f"{n:,.2f}"


def _pct(share: float) -> str:
    return f"{round(100 * share)}%"


def _day(value) -> str:
    return _utc(value).strftime("%Y-%m-%d") if isinstance(value, datetime) else str(value)


def _span(seconds: float) -> str:
    """'45 seconds', '30 minutes', '2.5 hours', '13 days'."""
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= 2 * size or (seconds >= size and unit != "day"):
            v = seconds / size
            v = round(v) if abs(v - round(v)) < 0.05 else round(v, 1)
            return f"{v} {unit}" + ("" if v == 1 else "s")
    v = round(seconds, 1)
    v = int(v) if v == int(v) else v
    return f"{v} second" + ("" if v == 1 else "s")
