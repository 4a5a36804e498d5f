"""Coordination: accounts that do the same thing within seconds of each other, again and again.

    edges = coaction_edges(backend, "repost", window=60)     # an Ibis table, nothing executed
    found = clusters(backend)                                 # list[Cluster], strongest first
    print(found[0].summary())
    rows = explain(backend, found[0].id)                      # the evidence, post by post

Co-action networks
------------------
A *message* is one action of one account on one *target* at one time. Each kind of co-action
says what a target is:

  repost   the original reposted: posts.repost_of, and "repost" interactions with a target_post
           whose carrying post is not a repost row already (toolkit: co_retweet)
  post     the near-duplicate group of a post's text (the table near_duplicates, written by
           socmint.enrich.neardup); without that table, the normalised text as for `text`, of
           at least neardup.MIN_CHARS (20) characters as there ("Source?" and "Totally agree."
           are written by thousands independently); notes() says which
  text     the exact text after the toolkit's normalisation: lower-cased, @mentions removed
           (an "@" and the non-space run after it), whitespace runs collapsed, ends trimmed
           (toolkit: co_tweet)
  link     a URL as the entities table normalises it (kind url), or with level="domain" its
           registrable domain (kind domain); links in reposts do not count (toolkit: co_link)
  hashtag  the set of a post's hashtags, sorted and joined, for posts with 2 or more (the
           entities table keeps no order, so the same tags in another order are the same set)
  reply    the post replied to: posts.reply_to (toolkit: co_reply)
  media    a perceptual hash of an attached image: the column media.phash (a hex string, equal
           hashes are the same image) once the media enricher writes it; until then the media
           table has no such column, the co-media network is empty and notes() says so

Reposts are left out of every kind but `repost` (a repost carries the original's text, links
and tags, not the reposter's). A Telegram forward names its origin account but not the message
(a "repost" interaction without target_post): it counts as a post with the text it carries, but
is never paired with a post of its origin account (otherwise everyone who forwards a channel's
posts quickly would "co-post" with the channel). Telegram service messages (posts.kind
"service") are left out of every kind. Deleted posts count: a campaign that deletes its posts
afterwards still acted together. Posts without an account or a time cannot be placed and are
left out.

The edge semantics are those of coordination-network-toolkit 1.5.2 (QUT Digital Observatory),
read from its source, compute_networks.py: compute_co_retweet_parallel, compute_co_tweet_network,
compute_co_link_network and compute_co_reply_network all run

    select e_1.user_id as user_1, e_2.user_id as user_2,
           count(distinct e_1.message_id) as weight
    from edge e_1 join edge e_2
      on <same target> and e_2.timestamp between e_1.timestamp - window and e_1.timestamp + window
    group by e_1.user_id, e_2.user_id having weight >= min_edge_weight

that is, w(u, v) is the number of distinct messages of u that have at least one message of v on
the same target within the window:

- both bounds are inclusive: a gap of exactly `window` seconds matches, window + 1 does not;
  equal timestamps match (gap 0). Times here are compared in whole microseconds;
- the relation "m1 matches m2" is symmetric, so (u, v) is an edge exactly when (v, u) is, but
  the weights may differ: w(u, v) counts u's messages, w(v, u) counts v's (u reposting X twice
  within a minute of v's single repost gives w(u, v) = 2, w(v, u) = 1);
- a message is counted once however many messages of v (or, for links, however many shared
  URLs) it matches;
- the toolkit's join also pairs an account with itself (and each message with itself); its
  exports drop those loops by default (graph.get_edge_rows, loops=False): here source != target
  always, and two messages of one account never make an edge;
- targets must be equal (SQL equality: a missing target never matches);
- co_tweet and co_reply leave reposts out on both sides; co_link takes URLs from non-reposts
  only (preprocess.preprocess_data, "Ignore url shared in reposts"); co_retweet takes every
  message with a repost_id;
- its text preprocessor (similarity.message_preprocessor) is `" ".join(re.sub("@.*?(?=(?:\\s|$))",
  "", text.lower()).split())`: `text` applies the same steps in SQL, with Python's whitespace
  characters spelled out (a few exotic characters may lower-case differently per engine).

Two deliberate differences: a post whose normalised text is empty is not a message of `text`
(the toolkit would pair every two empty posts), and there is no counterpart of the toolkit's
co_post (any two messages in the window: a null model, not a finding). The toolkit's defaults
are not ours either (its CLI: window 1 s, min_edge_weight 2; its functions: min_edge_weight 1).

How it is computed: an equi-join on (target, time bucket), never a range join. A message at
time t (microseconds) falls in bucket floor(t / W), W the window; of two messages at most W
apart, the later is in the same bucket as the earlier or the next one, so each message is joined
to the messages of its target whose bucket, or bucket minus one, equals its own (two copies of
one side, unioned); the exact test 0 <= t2 - t1 <= W then keeps the true pairs, each pair once
(equal times: ordered by message key), and both directions are read off it. Targets, messages
and accounts are joined, grouped and counted by 64-bit hashes of their strings (DuckDB's hash,
Spark's xxhash64); the account uids are put back on the few rows of the result. Targets seen
only once are dropped before the join. It is one Ibis expression: DuckDB hash-joins it, Spark
shuffles it, the same on both.

Clusters
--------
clusters() takes the message pairs of several kinds together (default CLUSTER_KINDS) and reduces
them to one undirected edge per pair of accounts:

  weight   min(w(u, v), w(v, u)) where w counts the distinct messages of one account matched by
           the other in ANY of the kinds: one copied post that shares text, link and hashtags
           with another is one co-action, not three (summing the kinds' weights would make a
           single coincidence look like three); the smaller direction, so one account posting a
           link ten times next to another's single post is one co-action, not ten;
  targets  the number of distinct (kind, target) they co-acted on.

A pair is kept when

  weight >= min_weight, targets >= min_targets   chance meets in a window once, coordination
                                                 does it again, on other targets;
  weight >= min_share x the posts of the quieter account   two accounts that post thousands of
                                                 times meet by chance now and then; a campaign
                                                 account spends a good share of its posts on it.

Two time scales. Pairs kept at `window` (a minute: accounts in lockstep) stand on their own.
At `slow_window` (an hour, SLOW_WINDOW) the same pairs are computed again, for accounts that act
on the same things without posting in the same minute: bots on their own schedules, a campaign
run by hand. Within an hour two busy accounts meet by chance far more often, so there a pair
needs SLOW_WEIGHT_FACTOR (2) times the co-actions and SLOW_MIN_SHARE (5%) of the quieter
account's posts, and only groups count: the pairs kept are those of the k-core (SLOW_CORE = 3)
of the slow edges, each account tied so to at least 3 others that are too. Chance makes pairs,
rarely a group where everyone meets everyone. slow_window 0 or None turns it off.

The kept edges of both scales (the reduced edge list: the only thing besides bounded samples
that comes into Python; a pair kept at both keeps its fast weight) make an undirected weighted
igraph graph; each connected component of at most `split_above` accounts is a cluster, a bigger
one is split by Leiden (modularity, the given resolution, a fixed seed, iterated to convergence)
and each community of 2 or more accounts is a cluster. A cluster is of the fast scale when its
fast edges alone connect it, else of the slow one; it is explained at its scale (Cluster.window).
A cluster's id is "co-" and 12 hex digits of the SHA-256 of its smallest member uid, stable
across runs on the same data.

Defaults: window 60 s, min_targets 2, min_share 0.1, resolution 1.0, and min_weight by case
size (default_min_weight: 2 below 200,000 posts, 3 below 2 million, one more per tenfold),
because chance meetings grow with how much everyone posts; slow_window 3600 s. Measured on
socmint.scenario data (seed 7; precision: planted accounts among the accounts clustered,
recall: planted accounts clustered), at the minute scale alone:

  600 accounts, 8,000 posts, 6 waves, 15 campaign accounts, near_duplicates computed: every
  threshold from (2, 2) up keeps ordinary users out (7 pairs of ordinary accounts co-acted,
  each once); min_weight 2 finds all 15 (precision 1.0, recall 1.0), min_weight 3 loses 2
  (recall 0.87).
  50,000 accounts, 974,577 posts, 56 waves, 377 campaign accounts, no near_duplicates table:
  min_weight 2 (with min_share 0.1) also clusters 59 ordinary accounts, in 25 small clusters
  (precision 0.86); min_weight 3 clusters 2 ordinary accounts and 4 of the 400 bots besides
  all 377 (precision 0.98, recall 1.0). Without min_share the 400 bots, who repost the same
  popular posts around the clock, formed clusters of their own (a few co-reposts out of ~150
  posts each).

The 400 bots of that case post every 30 minutes on their own phases, each for about 3 of the
14 days: at a minute two of them meet about twice in the whole period. At the hour scale (the
thresholds above were chosen on this case and the one of 100,000 posts, so read these as
fitted, not tested): pairs with 6 co-actions and 5% share keep 425 ordinary accounts besides
every bot and campaign account, their 3-core none; with 4 co-actions, 1,280 and 48. With both
scales (bench/coordination_recovery.py): all 400 bots and 377 campaign accounts, precision 1.0,
and the 2 ordinary accounts of the minute scale; on 100,000 posts 39 of 40 bots and all 40
campaign accounts, no ordinary account.

On that case a clusters() call takes about 21 s on 2 cores under socmint's DuckDB cap (a tenth
of 24 GB; 24 s under 256 MB), half of it the hour scale. Memory stays bounded by computing kind
by kind and keeping each intermediate result (Table.cache(): a temporary table on DuckDB, which
spills to disk; a cached DataFrame on Spark): one query over every kind ran DuckDB out of memory.

Explaining a cluster
--------------------
For its members only (a semi-join on a small list), the engine aggregates all co-actions among
them: per kind the co-actions (distinct pairs of messages), targets and posts; when they acted
(first and last); the distribution of the gaps between paired actions (a histogram of whole
seconds, from which median, p90 and the share under 10 s); per member the posts that co-acted
with another member out of all the member's posts; and a sample of EVIDENCE rows (the earliest)
naming both posts, the target and the gap. `strength` = co-actions x density (the share of
member pairs linked above the thresholds): many co-actions spread over the whole group score
high, a long chain of weak links low. explain() returns up to `limit` evidence rows.

Limits: timestamps are the platforms' (a scheduled or back-dated post is placed where it says);
a cross-platform pair is only as good as the clocks of both; `post` is only as fresh as the last
near-duplicate run; co-media needs a perceptual hash column and matches equal hashes only (no
Hamming distance yet); Leiden splits only big components, so a small component that joins two
groups through one account stays one cluster; explain() recomputes the clusters when given an
id (pass the Cluster to skip that).
"""

from __future__ import annotations

import hashlib
import math
import random
from bisect import bisect_left
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone

import ibis
import ibis.expr.datatypes as dt

from socmint.enrich.neardup import MIN_CHARS
from socmint.errors import SocmintError
from socmint.store import has_table
from socmint.store import utc as _utc

KINDS = ("repost", "post", "text", "link", "hashtag", "reply", "media")
CLUSTER_KINDS = ("repost", "post", "link", "hashtag", "reply", "media")  # `text` is in `post`
LEVELS = ("url", "domain")
WINDOW = 60  # seconds
MIN_WEIGHT = 2  # co-actions of a pair (the smaller direction, all kinds together); see
WEIGHT_STEP_POSTS = 20_000  # default_min_weight(): 1 more per tenfold of posts beyond this
MIN_SHARE = 0.1  # co-actions of a pair / posts of its quieter account
MIN_TARGETS = 2  # distinct (kind, target) a pair co-acted on
RESOLUTION = 1.0  # Leiden modularity resolution
SPLIT_ABOVE = 20  # components with more accounts than this are split by Leiden
SEED = 20260302  # Leiden's random number generator
EVIDENCE = 20  # evidence rows kept in each Cluster
SYNC_SECONDS = 10  # "share under 10 s"
SLOW_WINDOW = 3600  # seconds: the second, slower time scale of clusters() (0: off)
SLOW_WEIGHT_FACTOR = 2  # its min_weight: this many times the fast scale's
SLOW_MIN_SHARE = 0.05  # its min_share
SLOW_CORE = 3  # at the slow scale only groups count: each account tied to this many others

_EPOCH = ibis.timestamp(datetime(1970, 1, 1, tzinfo=timezone.utc))
_US = 1_000_000
# Python's str.split() whitespace (str.isspace), spelled for RE2 (DuckDB) and Java (Spark) alike
_WS = (r"\t\n\x0b\x0c\r\x1c-\x1f \x{85}\x{a0}\x{1680}\x{2000}-\x{200a}\x{2028}\x{2029}"
       r"\x{202f}\x{205f}\x{3000}")
_MENTION = "@[^" + _WS + "]*"
_SPACES = "[" + _WS + "]+"

_PHRASES = {  # kind: (what they did, the target noun, what one co-action is called)
    "repost": ("reposted the same {}", "post", "co-repost"),
    "post": ("posted the same or near-same {}", "text", "co-post"),
    "text": ("posted the same {}", "text", "co-post"),
    "link": ("shared the same {}", "link", "co-link"),
    "hashtag": ("used the same {}", "hashtag set", "co-hashtag"),
    "reply": ("replied to the same {}", "post", "co-reply"),
    "media": ("posted the same {}", "image", "co-media"),
}


# ------------------------------------------------------------------------------------ messages


def _has_phash(backend) -> bool:
    return "phash" in backend.table("media").columns


def notes(backend, kinds=KINDS, level: str = "url") -> dict[str, str]:
    """How each kind is computed on this backend, in words; says when one is empty or stands in
    for another."""
    out = {}
    for kind in kinds:
        _check_kind(kind)
        if kind == "post":
            out[kind] = (
                "post: same near-duplicate group (table near_duplicates)"
                if has_table(backend, "near_duplicates") else
                "post: no near_duplicates table (run the near-duplicate enricher to catch "
                "near-copies): exact same text after lower-casing, removing @mentions and "
                f"collapsing whitespace, texts of {MIN_CHARS} characters or more")
        elif kind == "text":
            out[kind] = ("text: exact same text after lower-casing, removing @mentions and "
                         "collapsing whitespace")
        elif kind == "media":
            out[kind] = ("media: same perceptual hash (media.phash)" if _has_phash(backend) else
                         "media: the media table has no perceptual hash (phash) column yet: "
                         "no co-media edges")
        elif kind == "link":
            out[kind] = ("link: same URL (normalised)" if level == "url" else
                         "link: same registrable domain")
        elif kind == "repost":
            out[kind] = "repost: same original reposted"
        elif kind == "hashtag":
            out[kind] = "hashtag: same set of 2 or more hashtags in a post"
        else:
            out[kind] = "reply: replying to the same post"
    return out


def _check_kind(kind: str) -> None:
    if kind not in KINDS:
        raise SocmintError(f"unknown co-action kind {kind!r}: choose from {', '.join(KINDS)}")


def _check(kind: str, window, min_weight, level: str) -> None:
    _check_kind(kind)
    if level not in LEVELS:
        raise SocmintError(f"link level must be 'url' or 'domain', not {level!r}")
    if not isinstance(window, int) or isinstance(window, bool) or window < 0:
        raise SocmintError(f"the window is a whole number of seconds >= 0, not {window!r}")
    if not isinstance(min_weight, int) or min_weight < 1:
        raise SocmintError(f"min_weight must be a whole number >= 1, not {min_weight!r}")


def _posts(backend):
    """Posts that can be placed: an account and a time; service messages left out."""
    p = backend.table("posts")
    return p.filter(p.account_uid.notnull(), p.created_at.notnull(),
                    p.kind.isnull() | (p.kind != "service"))


def _forwards(backend):
    """Forwards that do not name the message forwarded (a Telegram export names its origin
    account only): a "repost" interaction without target_post; fwd is the forwarding post."""
    i = backend.table("interactions")
    i = i.filter(i.kind == "repost", i.target_post.isnull(), i.post.notnull())
    return i.select(fwd=i.post, origin=i.target)


def _own(backend, p):
    """Posts that are not reposts, with `origin`: for a forward, the account forwarded."""
    p = p.filter(p.repost_of.isnull())
    f = _forwards(backend)
    return p.left_join(f, p.uid == f.fwd).drop("fwd")


def _normalized_text(text):
    """The toolkit's message_preprocessor in SQL: lower, drop @mentions, collapse whitespace."""
    return text.lower().re_replace(_MENTION, "").re_replace(_SPACES, " ").strip()


def _messages(backend, kind: str, level: str):
    """(msg, account, obj, at, origin): one row per message of the kind; obj is its target;
    origin, for a forward, the account forwarded."""
    posts = _posts(backend)
    if kind == "repost":
        p = posts.filter(posts.repost_of.notnull())
        from_posts = p.select(msg=p.uid, account=p.account_uid, obj=p.repost_of, at=p.created_at)
        i = backend.table("interactions")
        i = i.filter(i.kind == "repost", i.target_post.notnull(), i.source.notnull(),
                     i.at.notnull())
        i = i.select(msg=i.post.coalesce(i.uid), account=i.source, obj=i.target_post, at=i.at)
        seen = from_posts.select(seen=from_posts.msg)
        i = i.anti_join(seen, i.msg == seen.seen)
        none = ibis.null("string")
        return from_posts.mutate(origin=none).union(i.mutate(origin=none), distinct=False)
    own = _own(backend, posts)
    if kind == "reply":
        p = own.filter(own.reply_to.notnull())
        return p.select(msg=p.uid, account=p.account_uid, obj=p.reply_to, at=p.created_at,
                        origin=p.origin)
    if kind == "post" and has_table(backend, "near_duplicates"):
        nd = backend.table("near_duplicates")
        p = own.join(nd, own.uid == nd.uid)
        return p.select(msg=own.uid, account=own.account_uid, obj=nd.group_id,
                        at=own.created_at, origin=own.origin)
    if kind in ("post", "text"):
        p = own.filter(own.text.notnull())
        p = p.select(msg=p.uid, account=p.account_uid, obj=_normalized_text(p.text),
                     at=p.created_at, origin=p.origin)
        if kind == "post":  # as near_duplicates would: short texts say nothing when shared
            return p.filter(p.obj.length() >= MIN_CHARS)
        return p.filter(p.obj != "")
    if kind in ("link", "hashtag"):
        e = backend.table("entities")
        want = "hashtag" if kind == "hashtag" else ("url" if level == "url" else "domain")
        e = e.filter(e.kind == want, e.normalized.notnull(), e.normalized != "")
        if kind == "hashtag":
            e = e.group_by("post").aggregate(
                n=e.normalized.nunique(), normalized=e.normalized.collect().sort().join(" "))
            e = e.filter(e.n >= 2)
        p = own.join(e, own.uid == e.post)
        return p.select(msg=own.uid, account=own.account_uid, obj=e.normalized,
                        at=own.created_at, origin=own.origin)
    # media
    m = backend.table("media")
    if "phash" not in m.columns:
        return posts.filter(ibis.literal(False)).select(
            msg=posts.uid, account=posts.account_uid, obj=ibis.null("string"),
            at=posts.created_at, origin=ibis.null("string"))
    m = m.filter(m.phash.notnull(), m.post.notnull())
    p = own.join(m, own.uid == m.post)
    return p.select(msg=own.uid, account=own.account_uid, obj=m.phash.cast("string"),
                    at=own.created_at, origin=own.origin).distinct()


def _key(backend):
    """A 64-bit hash that stands for a string in joins and counts: DuckDB's hash, Spark's
    xxhash64 (Ibis's own hash is 32 bits on Spark). Two different strings share a key with a
    probability of about n^2 / 2^65 among n strings (about 1 in 40 million at a million)."""
    return _spark_key if backend.name == "pyspark" else _duckdb_key


@ibis.udf.scalar.builtin(name="hash", signature=((dt.string,), dt.uint64))
def _duckdb_key(value): ...


@ibis.udf.scalar.builtin(name="xxhash64", signature=((dt.string,), dt.int64))
def _spark_key(value): ...


def _pairs(backend, kind: str, window: int, level: str, *, members=None, detail=False):
    """Each pair of messages of one kind on the same target, of different accounts and at most
    `window` seconds apart, once, the earlier first (equal times: the smaller message key):
    kind, ok (the target's key), mk1, a1, at1, us1, mk2, a2, at2, us2 (mk: the message's key,
    a: the account's); with `detail` also obj, msg1, acc1, msg2 and acc2 (the strings).
    `members`: a table (cluster, account); only pairs of members of the same cluster, with a
    column `cluster` (joined to the messages, not to the pairs: the pairs are many).

    Once, not both ways round: half the join, and two copies of one side instead of three (the
    later message is in the same bucket or the next). Targets, messages and accounts are
    joined and counted by their 64-bit keys, not their strings: on a million posts under
    DuckDB's 256 MB the strings made it spill to disk and take three times as long."""
    m = _messages(backend, kind, level)
    extra = []
    if members is not None:
        mem = members.select(_cluster=members.cluster, _account=members.account)
        m = m.join(mem, m.account == mem._account).select(
            "msg", "account", "obj", "at", "origin", cluster=mem._cluster)
        extra = ["cluster"]
    key = _key(backend)
    width = window * _US
    more = ["msg", "obj", "account"] if detail else []  # strings only where they are shown
    m = m.select(*extra, *more, "at", mk=key(m.msg), ok=key(m.obj), a=key(m.account),
                 origin=m.origin.notnull().ifelse(key(m.origin), None),
                 us=m.at.delta(_EPOCH, unit="microsecond"))
    seen = m.group_by("ok").aggregate(_n=m.count())
    m = m.semi_join(seen.filter(seen._n > 1), "ok")  # a target seen once pairs with nothing
    m = m.mutate(b=m.us // max(width, 1))
    left = m.select(*extra, *more, ok=m.ok, mk1=m.mk, a1=m.a, at1=m.at, us1=m.us, b1=m.b,
                    origin1=m.origin)
    one = m.select(*(m[c].name(c + "2") for c in extra + more), ok2=m.ok, mk2=m.mk, a2=m.a,
                   at2=m.at, us2=m.us, b2=m.b, origin2=m.origin)
    right = ibis.union(one.mutate(jb=one.b2), one.mutate(jb=one.b2 - 1), distinct=False)
    on = [left.ok == right.ok2, left.b1 == right.jb]
    if extra:
        on.append(left.cluster == right.cluster2)
    j = left.join(right, on)
    gap = j.us2 - j.us1
    j = j.filter(j.a1 != j.a2, gap >= 0, gap <= width, (gap > 0) | (j.mk2 > j.mk1),
                 j.origin1.isnull() | (j.origin1 != j.a2),  # never a forward with its origin
                 j.origin2.isnull() | (j.origin2 != j.a1))
    cols = {"kind": ibis.literal(kind), "ok": j.ok, "mk1": j.mk1, "a1": j.a1, "at1": j.at1,
            "us1": j.us1, "mk2": j.mk2, "a2": j.a2, "at2": j.at2, "us2": j.us2}
    if detail:
        cols.update(obj=j.obj, msg1=j.msg, acc1=j.account, msg2=j.msg2, acc2=j.account2)
    return j.select(*extra, **cols)


def _sent(parts: list):
    """a1, a2, mk1: each message of account a1 matched by a message of a2, once (whatever the
    kind or target)."""
    return ibis.union(*(s for p in parts for s in (
        p.select("a1", "a2", "mk1"),
        p.select(a1=p.a2, a2=p.a1, mk1=p.mk2))), distinct=False).distinct()


def _named_by(e, names, columns: dict[str, str]):
    """e with, for each account-key column, a column of the account's uid (key -> new name)."""
    for i, (key, out) in enumerate(columns.items()):
        n = names.view() if i else names  # the same table twice in one query needs a view
        e = e.join(n, e[key] == n.a).select(e, **{out: n.account})
    return e


def _names(backend, kinds, level: str):
    """a, account: the account behind each key, for the accounts with messages of the kinds."""
    key = _key(backend)
    acc = ibis.union(*(_messages(backend, k, level).select("account") for k in kinds),
                     distinct=False).distinct()
    return acc.select(a=key(acc.account), account=acc.account)


def coaction_edges(backend, kind: str, window: int = 60, min_weight: int = 1, *,
                   level: str = "url") -> ibis.Table:
    """The directed co-action network of one kind, as an Ibis expression (nothing runs yet):
    source, target (account uids, never equal), weight (distinct messages of source with a
    message of target on the same target object within `window` seconds, bounds inclusive),
    targets (distinct objects they shared), first_at and last_at (the earliest and latest of
    the paired actions, either account's). Edges of weight < min_weight are left out.

    Plain counts over grouped rows rather than COUNT(DISTINCT ...): DuckDB spills a GROUP BY
    to disk, a distinct aggregate over millions of groups it holds in memory (out of 256 MB on
    ten million posts). targets, first_at and last_at are the same both ways round: counted
    once per pair."""
    _check(kind, window, min_weight, level)
    p = _pairs(backend, kind, window, level)
    sent = _sent([p])
    w = sent.group_by(["a1", "a2"]).aggregate(weight=sent.count())
    w = w.filter(w.weight >= min_weight)
    u = p.select(lo=ibis.least(p.a1, p.a2), hi=ibis.greatest(p.a1, p.a2), ok=p.ok,
                 at1=p.at1, at2=p.at2)
    u = u.group_by(["lo", "hi", "ok"]).aggregate(first_at=u.at1.min(), last_at=u.at2.max())
    t = u.group_by(["lo", "hi"]).aggregate(targets=u.count(), first_at=u.first_at.min(),
                                           last_at=u.last_at.max())
    e = w.join(t, [ibis.least(w.a1, w.a2) == t.lo, ibis.greatest(w.a1, w.a2) == t.hi])
    e = e.select(w.a1, w.a2, w.weight, t.targets, t.first_at, t.last_at)
    e = _named_by(e, _names(backend, [kind], level), {"a1": "source", "a2": "target"})
    return e.select("source", "target", "weight", "targets", "first_at", "last_at")


# ------------------------------------------------------------------------------------ clusters


@dataclass(frozen=True)
class Member:
    account: str
    platform: str
    handle: str | None
    posts: int  # all posts of the account in the case
    coordinated: int  # of them, posts paired with another member's within the window
    share: float  # coordinated / posts


@dataclass(frozen=True)
class KindCount:
    kind: str
    coactions: int  # distinct pairs of messages
    targets: int  # distinct targets
    posts: int  # distinct messages involved


@dataclass(frozen=True)
class Evidence:
    kind: str
    target: str  # what both acted on: original post, text group, URL, tag set, ...
    account: str
    post: str
    at: datetime
    other_account: str
    other_post: str
    other_at: datetime
    gap_seconds: float


@dataclass
class Cluster:
    id: str
    accounts: tuple[str, ...]  # sorted
    members: tuple[Member, ...]  # by coordinated share, highest first
    kinds: dict[str, KindCount]  # kinds with co-actions, most first
    coactions: int  # distinct pairs of messages paired in any kind
    targets: int  # distinct (kind, target)
    linked_pairs: int  # member pairs above the thresholds (graph edges inside the cluster)
    density: float  # linked_pairs / all member pairs
    first_at: datetime | None
    last_at: datetime | None
    gap_median: int | None  # seconds (whole, rounded down) between paired actions
    gap_p90: int | None
    share_under_10s: float
    strength: float  # coactions x density: the sort key
    window: int
    level: str = "url"
    evidence: tuple[Evidence, ...] = ()  # a sample: the earliest co-actions
    notes: tuple[str, ...] = field(default_factory=tuple)
    thresholds: dict = field(default_factory=dict)  # min_weight, min_targets, min_share used

    @property
    def size(self) -> int:
        return len(self.accounts)

    def platforms(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for a in self.accounts:
            p = _platform(a)
            out[p] = out.get(p, 0) + 1
        return dict(sorted(out.items(), key=lambda kv: (-kv[1], kv[0])))

    def summary(self) -> str:
        """A paragraph an analyst can paste into a report."""
        plats = ", ".join(f"{p} {n}" for p, n in self.platforms().items())
        did = []
        for k in self.kinds.values():
            what, noun, act = _PHRASES[k.kind]
            if k.kind == "link" and self.level == "domain":
                what, noun = "linked to the same {}", "domain"
            did.append(what.format(_n(k.targets, noun)) + f" ({_n(k.coactions, act, True)})")
        acts = _join(did) if did else "acted together"
        when = (f" between {_fmt(self.first_at)} and {_fmt(self.last_at)}"
                if self.first_at and self.last_at else "")
        s = (f"{self.size} accounts ({plats}) {acts}, each time within {_span(self.window)} of "
             f"each other: {self.coactions} co-action{'' if self.coactions == 1 else 's'} on "
             f"{self.targets} target{'' if self.targets == 1 else 's'}{when}.")
        if self.gap_median is not None:
            s += (f" Median gap between paired actions {self.gap_median} s, 90% under "
                  f"{self.gap_p90 + 1} s, {round(100 * self.share_under_10s)}% under "
                  f"{SYNC_SECONDS} s.")
        shares = sorted(m.share for m in self.members)
        if shares:
            low = min(self.members, key=lambda m: (m.share, m.account))
            s += (f" Coordinated share of the members' posts: median "
                  f"{round(100 * _median(shares))}% (lowest {round(100 * low.share)}%, "
                  f"{low.handle or low.account}).")
        pairs = self.size * (self.size - 1) // 2
        s += (f" {self.linked_pairs} of {pairs} account pairs are linked above the thresholds "
              f"(density {self.density:.2f}); strength {self.strength:g}.")
        return s

    def as_dict(self) -> dict:
        """Plain values (ISO times), for JSON and templates."""
        d = asdict(self)
        d["size"] = self.size
        d["platforms"] = self.platforms()
        d["summary"] = self.summary()
        for k in ("first_at", "last_at"):
            d[k] = _iso(d[k])
        for e in d["evidence"]:
            e["at"], e["other_at"] = _iso(e["at"]), _iso(e["other_at"])
        return d


def default_min_weight(n_posts: int) -> int:
    """MIN_WEIGHT, and 1 more per tenfold of posts beyond WEIGHT_STEP_POSTS: chance meetings
    of two accounts grow with how much everyone posts (2 up to 199,999 posts, 3 up to 1,999,999,
    4 up to 19,999,999, ...)."""
    if n_posts < WEIGHT_STEP_POSTS * 10:
        return MIN_WEIGHT
    return MIN_WEIGHT + int(math.floor(math.log10(n_posts / WEIGHT_STEP_POSTS) + 1e-9))


def _check_cluster_args(kinds, window, min_weight, min_targets, resolution, level,
                        min_share=MIN_SHARE, slow_window=None) -> tuple:
    kinds = tuple(dict.fromkeys(kinds))
    if not kinds:
        raise SocmintError("clusters need at least one co-action kind")
    for k in kinds:
        _check(k, window, 1 if min_weight is None else min_weight, level)
    if not 0 <= min_share <= 1:
        raise SocmintError(f"min_share must be between 0 and 1, not {min_share!r}")
    if not isinstance(min_targets, int) or min_targets < 1:
        raise SocmintError(f"min_targets must be a whole number >= 1, not {min_targets!r}")
    if not resolution > 0:
        raise SocmintError(f"the resolution must be > 0, not {resolution!r}")
    if slow_window:
        _check(kinds[0], slow_window, 1, level)
    return kinds


@contextmanager
def _kept(parts, union: bool = True):
    """Expressions computed once each and kept while the block runs (a temporary table on
    DuckDB, which spills to disk; a cached DataFrame on Spark): their union, or the list.

    One kind at a time: a single query over the matches of every kind made DuckDB hold all
    their intermediate results at once and run out of its memory limit on a million posts;
    the aggregates that follow read the kept rows and compile fast."""
    kept = []
    try:
        for p in parts:
            kept.append(p.cache())
        if not union:
            yield kept
        else:
            yield kept[0] if len(kept) == 1 else ibis.union(*kept, distinct=False)
    finally:
        for k in kept:
            k.release()


def pair_edges(backend, kinds=CLUSTER_KINDS, window: int = WINDOW, *, level: str = "url"):
    """The undirected combined network as an Ibis expression: a, b (a < b), w_ab and w_ba (the
    distinct messages of a matched by b in any kind, and the other way round), weight (the
    smaller of the two) and targets (distinct kind and target).

    One query over every kind: on a large case under a small memory limit, clusters() computes
    the same kind by kind instead."""
    return _named(backend, _pairs_of([_pairs(backend, k, window, level) for k in kinds]),
                  kinds, level)


def _pairs_of(parts: list):
    """pair_edges from the pairs of each kind. A UNION ALL then DISTINCT, not a UNION (DuckDB's
    UNION did not spill under a small memory limit where its DISTINCT did)."""
    return _pairs_from(_directed_weights(parts), _pair_targets(parts))


def _directed_weights(parts: list):
    """a1, a2, n: distinct messages of account a1 matched by a2 in any kind (account keys)."""
    sent = _sent(parts)
    return sent.group_by(["a1", "a2"]).aggregate(n=sent.count())


def _pair_targets(parts: list):
    """a1 < a2, targets: distinct (kind, target) they co-acted on (account keys)."""
    objs = ibis.union(*(p.select(a1=ibis.least(p.a1, p.a2), a2=ibis.greatest(p.a1, p.a2),
                                 kind=p.kind, ok=p.ok)
                        for p in parts), distinct=False).distinct()
    return objs.group_by(["a1", "a2"]).aggregate(targets=objs.count())


def _pairs_from(w, t):
    """By account key: a < b, w_ab, w_ba, weight, targets."""
    ab = w.filter(w.a1 < w.a2).select(a=w.a1, b=w.a2, w_ab=w.n)
    ba = w.filter(w.a1 > w.a2).select(a2=w.a2, b2=w.a1, w_ba=w.n)
    e = ab.join(ba, [ab.a == ba.a2, ab.b == ba.b2]).join(t, [ab.a == t.a1, ab.b == t.a2])
    return e.select(a=ab.a, b=ab.b, w_ab=ab.w_ab, w_ba=ba.w_ba,
                    weight=ibis.least(ab.w_ab, ba.w_ba), targets=t.targets)


def _named(backend, e, kinds, level: str):
    """The pairs e (by account key) by account uid, a < b."""
    e = _named_by(e, _names(backend, kinds, level), {"a": "na", "b": "nb"})
    first = e.na < e.nb
    return e.select(a=ibis.least(e.na, e.nb), b=ibis.greatest(e.na, e.nb),
                    w_ab=first.ifelse(e.w_ab, e.w_ba), w_ba=first.ifelse(e.w_ba, e.w_ab),
                    weight=e.weight, targets=e.targets)


@contextmanager
def _seeded(seed: int):
    import igraph as ig

    ig.set_random_number_generator(random.Random(seed))
    try:
        yield
    finally:
        ig.set_random_number_generator(random)


def communities(edges: list[tuple[str, str, float]], resolution: float = RESOLUTION,
                split_above: int = SPLIT_ABOVE, seed: int = SEED) -> list[list[str]]:
    """Groups of accounts from a reduced undirected edge list (a, b, weight): connected
    components, the big ones split by Leiden (modularity); groups of 2 or more, members
    sorted."""
    import igraph as ig

    edges = sorted((min(a, b), max(a, b), float(w)) for a, b, w in edges if a != b)
    names = sorted({x for a, b, _ in edges for x in (a, b)})
    index = {n: i for i, n in enumerate(names)}
    g = ig.Graph(n=len(names), edges=[(index[a], index[b]) for a, b, _ in edges])
    g.vs["name"] = names
    g.es["weight"] = [w for _, _, w in edges]
    out = []
    for comp in g.connected_components():
        if len(comp) < 2:
            continue
        if len(comp) <= split_above:
            out.append(sorted(names[i] for i in comp))
            continue
        sub = g.induced_subgraph(sorted(comp))
        with _seeded(seed):
            parts = sub.community_leiden(objective_function="modularity", weights="weight",
                                         resolution=resolution, n_iterations=-1)
        for part in parts:
            if len(part) >= 2:
                out.append(sorted(sub.vs[i]["name"] for i in part))
    return out


def cluster_id(accounts) -> str:
    return "co-" + hashlib.sha256(min(accounts).encode()).hexdigest()[:12]


def _memberships(backend, kinds, window, min_weight, min_targets, min_share, resolution, level,
                 split_above, slow_window):
    """(groups, the time scale of each group, kept edges, thresholds used).

    Two time scales. At `window` (a minute) a pair of accounts is kept on its own. At
    `slow_window` (an hour) accounts that act on the same things without posting in lockstep
    are found too (scheduled bots, a campaign run by hand), but there two busy accounts meet by
    chance far more often: a pair needs twice the co-actions, and only a group counts, each of
    its accounts tied to at least SLOW_CORE others (the k-core of the slow edges). Chance pairs
    do not make such groups; on socmint.scenario data they made none at all, while the planted
    bots and campaign did. A pair kept at both scales keeps its fast weight; a group is of the
    fast scale when its fast edges alone connect it."""
    if min_weight is None:
        min_weight = default_min_weight(int(backend.execute(backend.table("posts").count())))
    used = {"min_weight": min_weight, "min_targets": min_targets, "min_share": min_share}
    fast = _kept_edges(backend, kinds, window, min_weight, min_targets, min_share, level)
    edges = {(a, b): w for a, b, w in fast}
    slow_on = bool(slow_window) and slow_window > window
    if slow_on:
        used.update(slow_window=slow_window, slow_min_weight=SLOW_WEIGHT_FACTOR * min_weight,
                    slow_min_share=SLOW_MIN_SHARE, slow_core=SLOW_CORE)
        slow = _kept_edges(backend, kinds, slow_window, SLOW_WEIGHT_FACTOR * min_weight,
                           min_targets, SLOW_MIN_SHARE, level)
        for a, b, w in _core(slow, SLOW_CORE):
            edges.setdefault((a, b), w)
    edges = [(a, b, w) for (a, b), w in edges.items()]
    groups = communities(edges, resolution, split_above)
    scales = [window if not slow_on or _connected(g, fast) else slow_window for g in groups]
    return groups, scales, edges, used


def _kept_edges(backend, kinds, window, min_weight, min_targets, min_share, level):
    """(a, b, weight): the pairs of accounts above the thresholds at one time scale."""
    parts = [_pairs(backend, k, window, level).select("kind", "ok", "mk1", "a1", "mk2", "a2")
             for k in kinds]
    # step by step, each result kept: one query doing it all ran DuckDB out of a 256 MB limit
    # on a million posts
    with _kept(parts, union=False) as kept, \
            _kept([_directed_weights(kept), _pair_targets(kept)], union=False) as (w, t):
        e = _pairs_from(w, t)
        e = _named(backend, e.filter(e.weight >= min_weight, e.targets >= min_targets), kinds,
                   level)
        rows = backend.to_pyarrow(e.select("a", "b", "weight")).to_pylist()
    edges = [(r["a"], r["b"], r["weight"]) for r in rows]
    if min_share > 0 and edges:  # a query of its own: the one above is the big one
        n = _post_counts(backend, sorted({x for a, b, _ in edges for x in (a, b)}))
        edges = [(a, b, w) for a, b, w in edges if w >= min_share * min(n[a], n[b])]
    return edges


def _core(edges, k: int):
    """The edges among accounts of coreness >= k (each tied to k others that are too)."""
    import igraph as ig

    names = sorted({x for a, b, _ in edges for x in (a, b)})
    index = {n: i for i, n in enumerate(names)}
    g = ig.Graph(n=len(names), edges=[(index[a], index[b]) for a, b, _ in edges])
    keep = {names[i] for i, c in enumerate(g.coreness()) if c >= k}
    return [e for e in edges if e[0] in keep and e[1] in keep]


def _connected(group, edges) -> bool:
    """Whether the edges among the group's accounts alone connect it."""
    import igraph as ig

    index = {a: i for i, a in enumerate(group)}
    inner = [(index[a], index[b]) for a, b, _ in edges if a in index and b in index]
    return ig.Graph(n=len(group), edges=inner).is_connected()


def _post_counts(backend, accounts: list[str]) -> dict[str, int]:
    """All posts of each account (a repost, a reply: every post counts)."""
    mem = ibis.memtable({"account": accounts})
    posts = backend.table("posts")
    own = posts.semi_join(mem, posts.account_uid == mem.account)
    rows = backend.to_pyarrow(own.group_by("account_uid").aggregate(n=own.count())).to_pylist()
    out = dict.fromkeys(accounts, 0)
    out.update((r["account_uid"], r["n"]) for r in rows)
    return out


def clusters(backend, kinds=CLUSTER_KINDS, window: int = WINDOW, min_weight: int | None = None,
             min_targets: int = MIN_TARGETS, resolution: float = RESOLUTION, *,
             min_share: float = MIN_SHARE, level: str = "url", split_above: int = SPLIT_ABOVE,
             evidence: int = EVIDENCE, slow_window: int | None = SLOW_WINDOW) -> list[Cluster]:
    """Coordinated clusters, strongest first, each with its explanation. min_weight None:
    default_min_weight(number of posts in the case); slow_window 0 or None: one time scale."""
    kinds = _check_cluster_args(kinds, window, min_weight, min_targets, resolution, level,
                                min_share, slow_window)
    groups, scales, edges, used = _memberships(backend, kinds, window, min_weight, min_targets,
                                               min_share, resolution, level, split_above,
                                               slow_window)
    out = []
    for scale in sorted(set(scales)):  # each group explained at the time scale that found it
        mine = [g for g, s in zip(groups, scales, strict=True) if s == scale]
        out += _describe(backend, mine, edges, kinds, scale, level, evidence, used)
    out.sort(key=lambda c: (-c.strength, -c.size, c.id))
    return out


def _membership_table(groups: list[list[str]]):
    ids, accounts = [], []
    for g in groups:
        cid = cluster_id(g)
        ids += [cid] * len(g)
        accounts += g
    return ibis.memtable({"cluster": ids, "account": accounts})


def _inside(backend, mem, kind, window, level):
    """Pairs of messages of one kind between two members of the same cluster, each once, the
    earlier first, with the cluster id and the gap in microseconds."""
    m = _pairs(backend, kind, window, level, members=mem, detail=True)
    return m.select(cluster=m.cluster, kind=m.kind, obj=m.obj, msg1=m.msg1, acc1=m.acc1,
                    at1=m.at1, msg2=m.msg2, acc2=m.acc2, at2=m.at2, gap_us=m.us2 - m.us1)


def _evidence_rows(backend, inside, limit: int) -> list[dict]:
    r = inside.mutate(_rank=ibis.row_number().over(
        group_by=inside.cluster,
        order_by=[ibis.least(inside.at1, inside.at2), inside.msg1, inside.msg2, inside.kind,
                  inside.obj]))
    r = r.filter(r._rank < limit)
    r = r.select(cluster=r.cluster, kind=r.kind, target=r.obj, account=r.acc1, post=r.msg1,
                 at=r.at1, other_account=r.acc2, other_post=r.msg2, other_at=r.at2,
                 gap_us=r.gap_us, _rank=r._rank)
    rows = backend.to_pyarrow(r).to_pylist()
    rows.sort(key=lambda x: (x["cluster"], x["_rank"]))
    for x in rows:
        del x["_rank"]
        x["at"], x["other_at"] = _utc(x["at"]), _utc(x["other_at"])
        x["gap_seconds"] = x.pop("gap_us") / _US
    return rows


def _describe(backend, groups, edges, kinds, window, level, n_evidence, used) -> list[Cluster]:
    mem = _membership_table(groups)
    # running a query on it registers the in-memory table with the engine; Spark's cache()
    # compiles its query without doing so
    backend.execute(mem.count())
    with _kept([_inside(backend, mem, k, window, level) for k in kinds]) as inside:
        return _describe_cached(backend, mem, inside, groups, edges, kinds, window, level,
                                n_evidence, used)


def _describe_cached(backend, mem, inside, groups, edges, kinds, window, level,
                     n_evidence, used) -> list[Cluster]:
    lower = inside.mutate(pair=inside.msg1.concat("|", inside.msg2),
                          key=inside.kind.concat(":", inside.obj), gap=inside.gap_us // _US)
    sides = inside.select("cluster", "kind", acc="acc1", msg="msg1").union(
        inside.select("cluster", "kind", acc="acc2", msg="msg2"), distinct=False)

    per_kind = backend.to_pyarrow(lower.group_by(["cluster", "kind"]).aggregate(
        coactions=lower.pair.nunique(), targets=lower.obj.nunique())).to_pylist()
    posts_per_kind = backend.to_pyarrow(sides.group_by(["cluster", "kind"]).aggregate(
        posts=sides.msg.nunique())).to_pylist()
    totals = backend.to_pyarrow(lower.group_by("cluster").aggregate(
        coactions=lower.pair.nunique(), targets=lower.key.nunique(),
        first_at=ibis.least(lower.at1, lower.at2).min(),
        last_at=ibis.greatest(lower.at1, lower.at2).max())).to_pylist()
    gaps = lower.select("cluster", "pair", "gap").distinct()
    hist = backend.to_pyarrow(gaps.group_by(["cluster", "gap"]).aggregate(
        n=gaps.count())).to_pylist()
    coord = backend.to_pyarrow(sides.group_by(["cluster", "acc"]).aggregate(
        coordinated=sides.msg.nunique())).to_pylist()
    acc = backend.table("accounts")
    handles = backend.to_pyarrow(acc.semi_join(mem, acc.uid == mem.account)
                                 .select("uid", "handle")).to_pylist()
    sample = _evidence_rows(backend, inside, n_evidence) if n_evidence > 0 else []

    n_posts = _post_counts(backend, [a for g in groups for a in g])
    handle = {r["uid"]: r["handle"] for r in handles}
    notes_ = tuple(v for k, v in notes(backend, kinds, level).items()
                   if k in ("post", "media") or k == "link" and level == "domain")
    notes_ += (_kept_note(used, window),)
    by_id: dict[str, dict] = {}
    for g in groups:
        by_id[cluster_id(g)] = {"accounts": tuple(g), "kinds": {}, "posts": {}, "coord": {},
                                "hist": {}, "totals": {}, "evidence": []}
    for r in per_kind:
        by_id[r["cluster"]]["kinds"][r["kind"]] = r
    for r in posts_per_kind:
        by_id[r["cluster"]]["posts"][r["kind"]] = r["posts"]
    for r in totals:
        by_id[r["cluster"]]["totals"] = r
    for r in hist:
        by_id[r["cluster"]]["hist"][r["gap"]] = r["n"]
    for r in coord:
        by_id[r["cluster"]]["coord"][r["acc"]] = r["coordinated"]
    for r in sample:
        by_id[r.pop("cluster")]["evidence"].append(Evidence(**r))
    linked: dict[str, int] = {}
    member_of = {a: cid for cid, d in by_id.items() for a in d["accounts"]}
    for a, b, _ in edges:
        if member_of.get(a) is not None and member_of.get(a) == member_of.get(b):
            linked[member_of[a]] = linked.get(member_of[a], 0) + 1

    out = []
    for cid, d in by_id.items():
        size = len(d["accounts"])
        kinds_ = {k: KindCount(kind=k, coactions=r["coactions"], targets=r["targets"],
                               posts=d["posts"].get(k, 0))
                  for k, r in d["kinds"].items()}
        kinds_ = dict(sorted(kinds_.items(), key=lambda kv: (-kv[1].coactions,
                                                             KINDS.index(kv[0]))))
        members = []
        for a in d["accounts"]:
            total = n_posts.get(a, 0)
            c = d["coord"].get(a, 0)
            members.append(Member(account=a, platform=_platform(a), handle=handle.get(a),
                                  posts=total, coordinated=c,
                                  share=round(c / total, 4) if total else 0.0))
        members.sort(key=lambda m: (-m.share, m.account))
        t = d["totals"]
        coactions = t.get("coactions", 0)
        median, p90, under = _gap_stats(d["hist"])
        density = linked.get(cid, 0) / (size * (size - 1) / 2)
        out.append(Cluster(
            id=cid, accounts=d["accounts"], members=tuple(members), kinds=kinds_,
            coactions=coactions, targets=t.get("targets", 0), linked_pairs=linked.get(cid, 0),
            density=round(density, 4), first_at=_utc(t.get("first_at")),
            last_at=_utc(t.get("last_at")), gap_median=median, gap_p90=p90,
            share_under_10s=under, strength=round(coactions * density, 1), window=window,
            level=level, evidence=tuple(d["evidence"]), notes=notes_, thresholds=dict(used)))
    out.sort(key=lambda c: (-c.strength, -c.size, c.id))
    return out


def _kept_note(used: dict, window: int) -> str:
    """The thresholds that kept a cluster's pairs, at its time scale, in words."""
    if window == used.get("slow_window"):
        return (f"found at the slow time scale ({_span(window)}): pairs of accounts with at "
                f"least {used['slow_min_weight']} co-actions each way on {used['min_targets']} "
                f"or more targets and at least {round(100 * used['slow_min_share'])}% of the "
                f"quieter account's posts, in a group where each account is tied so to at least "
                f"{used['slow_core']} others: they act on the same things within the hour, "
                f"not in lockstep")
    return (f"pairs of accounts kept: at least {used['min_weight']} co-actions each way on "
            f"{used['min_targets']} or more targets, and at least "
            f"{round(100 * used['min_share'])}% of the quieter account's posts")


def explain(backend, cluster, kinds=CLUSTER_KINDS, window: int = WINDOW,
            min_weight: int | None = None, min_targets: int = MIN_TARGETS,
            resolution: float = RESOLUTION, *, min_share: float = MIN_SHARE,
            level: str = "url", split_above: int = SPLIT_ABOVE,
            slow_window: int | None = SLOW_WINDOW, limit: int = 1000) -> list[dict]:
    """The evidence of one cluster (its id, found again with the same parameters, or the
    Cluster itself), at the time scale that found it: up to `limit` pairs of posts, earliest
    first, each once per kind: kind, target, account, post, at, other_account, other_post,
    other_at, gap_seconds."""
    if isinstance(cluster, Cluster):
        accounts, window, level = cluster.accounts, cluster.window, cluster.level
        kinds = tuple(cluster.kinds) or CLUSTER_KINDS
    else:
        kinds = _check_cluster_args(kinds, window, min_weight, min_targets, resolution, level,
                                    min_share, slow_window)
        groups, scales, _, _ = _memberships(backend, kinds, window, min_weight, min_targets,
                                            min_share, resolution, level, split_above,
                                            slow_window)
        found = [(g, s) for g, s in zip(groups, scales, strict=True) if cluster_id(g) == cluster]
        if not found:
            raise SocmintError(f"no coordinated cluster {cluster!r} with these parameters")
        accounts, window = found[0]
    mem = _membership_table([list(accounts)])
    rows = []  # the earliest `limit` of each kind (one kind per query), then of all
    for k in kinds:
        rows += _evidence_rows(backend, _inside(backend, mem, k, window, level), limit)
    rows.sort(key=lambda r: (min(r["at"], r["other_at"]), r["post"], r["other_post"],
                             r["kind"], r["target"]))
    for r in rows:
        del r["cluster"]
    return rows[:limit]


# ------------------------------------------------------------------------------------ helpers


def _gap_stats(hist: dict[int, int]) -> tuple[int | None, int | None, float]:
    """Median and 90th percentile (whole seconds, rounded down) and the share under
    SYNC_SECONDS, from a histogram of gaps in whole seconds."""
    total = sum(hist.values())
    if not total:
        return None, None, 0.0
    keys = sorted(hist)
    cum, acc = [], 0
    for k in keys:
        acc += hist[k]
        cum.append(acc)

    def quantile(q: float) -> int:
        return keys[bisect_left(cum, q * total)]

    under = sum(n for g, n in hist.items() if g < SYNC_SECONDS) / total
    return quantile(0.5), quantile(0.9), round(under, 4)


def _median(xs: list[float]) -> float:
    n = len(xs)
    return xs[n // 2] if n % 2 else (xs[n // 2 - 1] + xs[n // 2]) / 2


def _platform(uid: str) -> str:
    return uid.split(":", 1)[0] if ":" in uid else "unknown"


def _span(seconds: int) -> str:
    """'60 seconds', '1 hour', '90 minutes'."""
    if seconds and seconds % 3600 == 0:
        return _n(seconds // 3600, "hour", True)
    if seconds >= 120 and seconds % 60 == 0:
        return _n(seconds // 60, "minute", True)
    return _n(seconds, "second", True)


def _n(n: int, noun: str, always: bool = False) -> str:
    """'post', '3 posts' ('1 co-post' when always)."""
    if n == 1:
        return f"1 {noun}" if always else noun
    return f"{n} {noun[:-1]}ies" if noun.endswith("y") else f"{n} {noun}s"


def _join(parts: list[str]) -> str:
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def _fmt(value: datetime) -> str:
    return value.strftime("%Y-%m-%d %H:%M:%S UTC")


def _iso(value):
    return value.isoformat() if isinstance(value, datetime) else value
