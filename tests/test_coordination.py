"""Coordination: co-action edges on a hand-built case whose exact answer is known, a brute-force
reference on it and on random data, clusters and their explanations, recovery of the campaign a
scenario plants, and DuckDB against Spark.

The hand-built case is a Twitter API v2 search page (tests write it, then import it through the
real pipeline). T0 is a multiple of 60 seconds since the epoch, so with the default window the
time buckets start at T0, T0 + 60 s, ...; the retweets are placed on and across those edges.
"""

from __future__ import annotations

import random
import re
from collections import defaultdict
from datetime import datetime, timedelta, timezone

import ibis
import orjson
import pytest

from socmint import store
from socmint.analysis import coordination as co
from socmint.analysis.coordination import (
    Cluster,
    clusters,
    coaction_edges,
    communities,
    explain,
    notes,
)
from socmint.errors import SocmintError

from .conftest import import_files, module_case

T0 = datetime(2026, 3, 2, 12, 0, tzinfo=timezone.utc)
EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
assert (T0 - EPOCH).total_seconds() % 60 == 0  # the premise: T0 opens a bucket

USERS = {"100": "origin", "101": "alice", "102": "bob", "103": "carol", "104": "dave",
         "105": "erin"}
ORIGIN, A, B, C, D, E = (f"twitter:{i}" for i in USERS)
X = {k: f"30000000000000000{k}" for k in range(1, 7)}  # originals (by ORIGIN, an hour before T0)


def tweet(tid: str, author: str, sec: float, body: str, *, rt: str | None = None,
          reply: str | None = None, urls=(), tags=()) -> dict:
    at = T0 + timedelta(seconds=sec)
    t = {"id": tid, "author_id": author, "conversation_id": tid, "lang": "en", "text": body,
         "created_at": f"{at:%Y-%m-%dT%H:%M:%S}.{at.microsecond // 1000:03d}Z",
         "edit_history_tweet_ids": [tid],
         "public_metrics": {"retweet_count": 0, "reply_count": 0, "like_count": 0,
                            "quote_count": 0}}
    refs = []
    if rt:
        refs.append({"type": "retweeted", "id": rt})
    if reply:
        refs.append({"type": "replied_to", "id": reply})
    if refs:
        t["referenced_tweets"] = refs
    ents = {}
    if urls:
        ents["urls"] = [{"start": 0, "end": 23, "url": f"https://t.co/{tid[-6:]}{i}",
                         "expanded_url": u, "display_url": u[8:]} for i, u in enumerate(urls)]
    if tags:
        ents["hashtags"] = [{"start": 0, "end": 1 + len(g), "tag": g} for g in tags]
    if ents:
        t["entities"] = ents
    return t


def _ids():
    n = iter(range(100, 1000))
    return lambda: f"400000000000000{next(n)}"


def hand_tweets() -> list[dict]:
    nid = _ids()
    out = [tweet(X[k], "100", -3600 + k, f"Original number {k} from the origin account")
           for k in X]
    rt = lambda who, sec, k: tweet(nid(), who, sec, f"RT @origin: Original number {k}",  # noqa: E731
                                   rt=X[k])
    out += [
        # X1: alice and bob exactly 60 s apart (the bound, across buckets 0 and 1); carol 61 s
        # after bob and 121 s after alice
        rt("101", 10, 1), rt("102", 70, 1), rt("103", 131, 1),
        # X2: alice and dave at the same time, carol 0.2 s later in the next bucket
        rt("101", 59.9, 2), rt("104", 59.9, 2), rt("103", 60.1, 2),
        # X3: alice twice (two messages), bob once within the window of both
        rt("101", 200, 3), rt("101", 210, 3), rt("102", 250, 3),
        # X4: erin and bob 61 s apart (window + 1); X5: erin and carol 60.001 s apart
        rt("105", 300, 4), rt("102", 361, 4), rt("105", 400, 5), rt("103", 460.001, 5),
        # a retweet carrying a link: a repost, so it does not count as a link
        tweet(nid(), "105", 2010, "RT @origin: Original number 6",
              rt=X[6], urls=["https://example.org/a?x=1"]),
        # text: the same once lower-cased, without the mention and with whitespace collapsed
        tweet(nid(), "101", 1000, "Hello @someone   WORLD  this is it"),
        tweet(nid(), "102", 1030, "hello world this is it"),
        tweet(nid(), "103", 1100, "hello world this is it"),  # 70 s after bob
        tweet(nid(), "104", 1000, "@x"),  # empty once normalised: no message
        tweet(nid(), "105", 1001, "@y"),
        # links: the same URL (host case differs) 59 s apart, then 61 s after; and one more
        # page of the same domain
        tweet(nid(), "101", 2000, "Read this first", urls=["https://Example.org/a?x=1"]),
        tweet(nid(), "103", 2059, "Worth a read", urls=["https://example.org/a?x=1"]),
        tweet(nid(), "104", 2120, "Have a look", urls=["https://example.org/a?x=1"]),
        tweet(nid(), "102", 2030, "Something else", urls=["https://www.example.org/other"]),
        # hashtags: the same set in another order and case; one tag only; a bigger set
        tweet(nid(), "101", 3000, "Tagged one", tags=["One", "Two"]),
        tweet(nid(), "102", 3020, "Tagged two", tags=["two", "one"]),
        tweet(nid(), "103", 3040, "Tagged three", tags=["One"]),
        tweet(nid(), "104", 3010, "Tagged four", tags=["One", "Two", "Three"]),
        # replies to X1: 45 s apart, and one 200 s later
        tweet(nid(), "102", 4000, "@origin I agree with this", reply=X[1]),
        tweet(nid(), "104", 4045, "@origin not so sure", reply=X[1]),
        tweet(nid(), "105", 4200, "@origin late to this", reply=X[1]),
    ]
    return out


def page(tweets, users=USERS) -> bytes:
    """A search page as the API writes it, one JSON line."""
    users = [{"id": i, "username": h, "name": h.title()} for i, h in users.items()]
    return orjson.dumps({"data": tweets, "includes": {"users": users},
                         "meta": {"result_count": len(tweets)}}) + b"\n"


@pytest.fixture(scope="module")
def hand(tmp_path_factory):
    with module_case(tmp_path_factory, "coordination", "hand",
                     "testing coordination") as (c, root):
        import_files(c, root / "in", {"page.jsonl": page(hand_tweets())})
        yield c


def edges(backend, kind, window=60, min_weight=1, **kw) -> dict:
    rows = backend.to_pyarrow(coaction_edges(backend, kind, window, min_weight, **kw)).to_pylist()
    return {(r["source"], r["target"]): r["weight"] for r in rows}


def both(pairs: dict) -> dict:
    """Symmetric weights written once."""
    out = {}
    for (u, v), w in pairs.items():
        out[(u, v)] = out[(v, u)] = w
    return out


EXPECTED = {  # window 60
    "repost": {**both({(A, C): 1, (A, D): 1, (C, D): 1}), (A, B): 3, (B, A): 2},
    "text": both({(A, B): 1}),
    "post": both({(A, B): 1}),  # no near_duplicates table: the exact text
    "link": both({(A, C): 1}),
    "hashtag": both({(A, B): 1}),
    "reply": both({(B, D): 1}),
    "media": {},
}


@pytest.mark.parametrize("kind", sorted(EXPECTED))
def test_edges_are_the_hand_computed_ones(hand, kind):
    with store.tables(hand, "duckdb") as b:
        assert edges(b, kind) == EXPECTED[kind]


def test_window_bounds_and_buckets(hand):
    with store.tables(hand, "duckdb") as b:
        at61 = edges(b, "repost", 61)
        at59 = edges(b, "repost", 59)
        at0 = edges(b, "repost", 0)
    # 61 s: bob and carol on X1 (61 s), erin and bob on X4 (61 s), erin and carol (60.001 s)
    assert at61 == {**EXPECTED["repost"], **both({(B, C): 1, (B, E): 1, (C, E): 1})}
    # 59 s: alice and bob lose X1 (exactly 60 s apart); X3 still pairs them
    assert at59 == {**both({(A, C): 1, (A, D): 1, (C, D): 1}), (A, B): 2, (B, A): 1}
    assert at0 == both({(A, D): 1})  # equal times only


def test_link_levels_and_columns(hand):
    with store.tables(hand, "duckdb") as b:
        assert edges(b, "link", level="domain") == both({(A, B): 1, (A, C): 1, (B, C): 1})
        t = coaction_edges(b, "repost")
        assert t.columns == ("source", "target", "weight", "targets", "first_at", "last_at")
        rows = {(r["source"], r["target"]): r for r in b.to_pyarrow(t).to_pylist()}
        assert edges(b, "repost", min_weight=2) == {(A, B): 3, (B, A): 2}
    ab = rows[(A, B)]
    assert ab["targets"] == 2
    assert ab["first_at"] == T0 + timedelta(seconds=10)
    assert ab["last_at"] == T0 + timedelta(seconds=250)
    assert rows[(B, A)]["first_at"] == ab["first_at"]


def test_notes_say_what_stands_in_for_what(hand):
    with store.tables(hand, "duckdb") as b:
        n = notes(b)
    assert "no near_duplicates table" in n["post"]
    assert "no perceptual hash" in n["media"] and "no co-media edges" in n["media"]


def test_bad_arguments_are_user_errors(hand):
    with store.tables(hand, "duckdb") as b:
        for bad in (dict(kind="like"), dict(kind="repost", window=-1),
                    dict(kind="repost", window=1.5), dict(kind="repost", min_weight=0),
                    dict(kind="link", level="host")):
            with pytest.raises(SocmintError):
                coaction_edges(b, **bad)
        with pytest.raises(SocmintError):
            clusters(b, kinds=())
        with pytest.raises(SocmintError):
            explain(b, "co-000000000000")


# ---------------------------------------------------------------- brute-force reference


def _us(t: datetime) -> int:
    return (t - EPOCH) // timedelta(microseconds=1)


def _norm(text: str) -> str:
    """coordination-network-toolkit's message_preprocessor."""
    return " ".join(re.sub(r"@\S*", "", text.lower()).split())


def reference_messages(con, kind: str, level: str = "url") -> list[tuple]:
    """(msg, account, target, time, origin) straight from the tables, in Python; origin: the
    account a forward forwarded."""
    posts = con.execute("SELECT uid, account_uid, created_at, text, reply_to, repost_of, kind "
                        "FROM posts").fetchall()
    placed = [p for p in posts if p[1] and p[2] and p[6] != "service"]
    reposts = con.execute("SELECT uid, post, source, target, target_post, \"at\" "
                          "FROM interactions WHERE kind = 'repost'").fetchall()
    forwards = {r[1]: r[3] for r in reposts if r[1] and r[4] is None}  # post: origin
    own = {p[0]: p for p in placed if p[5] is None}
    if kind == "repost":
        out = [(p[0], p[1], p[5], p[2], None) for p in placed if p[5] is not None]
        seen = {m[0] for m in out}
        for uid, post, source, _target, target_post, at in reposts:
            msg = post or uid
            if target_post and source and at and msg not in seen:
                out.append((msg, source, target_post, at, None))
        return out
    if kind == "reply":
        return [(p[0], p[1], p[4], p[2], forwards.get(p[0])) for p in own.values() if p[4]]
    if kind in ("text", "post"):  # post (no near_duplicates table): 20 characters or more
        shortest = 1 if kind == "text" else 20
        return [(p[0], p[1], _norm(p[3]), p[2], forwards.get(p[0])) for p in own.values()
                if p[3] is not None and len(_norm(p[3])) >= shortest]
    if kind == "media":
        return []
    want = "hashtag" if kind == "hashtag" else level
    ents = defaultdict(set)
    for post, value in con.execute("SELECT post, normalized FROM entities WHERE kind = ?",
                                   [want]).fetchall():
        if value:
            ents[post].add(value)
    if kind == "hashtag":
        return [(u, own[u][1], " ".join(sorted(v)), own[u][2], forwards.get(u))
                for u, v in ents.items() if u in own and len(v) >= 2]
    return [(u, own[u][1], x, own[u][2], forwards.get(u)) for u, v in ents.items() if u in own
            for x in v]


def reference_edges(messages, window: int) -> dict:
    """The toolkit's query, literally: for each message of u, is there a message of v on the
    same target with v's time within [t - window, t + window]? (A forward never pairs with its
    origin account.)"""
    matched, targets = defaultdict(set), defaultdict(set)
    first, last = {}, {}
    w = window * 1_000_000
    for m1, u, x1, t1, o1 in messages:
        for _m2, v, x2, t2, o2 in messages:
            if (u != v and x1 == x2 and _us(t1) - w <= _us(t2) <= _us(t1) + w
                    and o1 != v and o2 != u):
                matched[(u, v)].add(m1)
                targets[(u, v)].add(x1)
                first[(u, v)] = min(first.get((u, v), t1), t1, t2)
                last[(u, v)] = max(last.get((u, v), t1), t1, t2)
    return {k: (len(v), len(targets[k]), first[k], last[k]) for k, v in matched.items()}


def full_edges(backend, kind, window, **kw) -> dict:
    rows = backend.to_pyarrow(coaction_edges(backend, kind, window, **kw)).to_pylist()
    return {(r["source"], r["target"]): (r["weight"], r["targets"], r["first_at"], r["last_at"])
            for r in rows}


@pytest.mark.parametrize("kind", co.KINDS)
def test_brute_force_reference_on_the_hand_case(hand, kind):
    con = store.connect(hand, read_only=True)
    try:
        levels = ("url", "domain") if kind == "link" else ("url",)
        b = ibis.duckdb.from_connection(con)
        for level in levels:
            msgs = reference_messages(con, kind, level)
            for window in (0, 1, 59, 60, 61, 3600):
                assert full_edges(b, kind, window, level=level) == reference_edges(msgs, window)
    finally:
        con.close()


def test_brute_force_reference_on_random_posts(case):
    """Many messages on a few targets, times to the millisecond around bucket edges."""
    rng = random.Random(5)
    con = store.connect(case)
    try:
        rows = []
        for i in range(400):
            sec = rng.choice([rng.uniform(0, 600), 60 * rng.randint(0, 10) + rng.uniform(-1, 1)])
            at = T0 + timedelta(milliseconds=round(sec * 1000))
            acc = f"x:{rng.randrange(15)}"
            target = f"x:t{rng.randrange(6)}"
            repost = rng.random() < 0.5
            rows.append((f"x:{i}", "x", acc, at, None if repost else rng.choice(["a b", "A  b"]),
                         target if repost else None, None if repost else target))
        con.executemany("INSERT INTO posts (uid, platform, account_uid, created_at, text, "
                        "repost_of, reply_to) VALUES (?, ?, ?, ?, ?, ?, ?)", rows)
        # some posts are forwards (Telegram: the origin account, not the message, is named)
        forwards = [(f"fwd{r[0]}", "repost", r[2], f"x:{rng.randrange(15)}", r[0], None)
                    for r in rows if r[4] is not None and rng.random() < 0.3]
        con.executemany("INSERT INTO interactions (uid, kind, source, target, post, target_post) "
                        "VALUES (?, ?, ?, ?, ?, ?)", forwards)
        b = ibis.duckdb.from_connection(con)
        for kind in ("repost", "reply", "text"):
            msgs = reference_messages(con, kind)
            for window in (0, 1, 7, 60, 300):
                got = full_edges(b, kind, window)
                assert got == reference_edges(msgs, window), (kind, window)
                assert got or window < 7
    finally:
        con.close()


# ---------------------------------------------------------------- clusters


def test_communities_components_and_leiden():
    two_cliques = [(f"a{i}", f"a{j}", 5) for i in range(12) for j in range(i + 1, 12)]
    two_cliques += [(f"b{i}", f"b{j}", 5) for i in range(12) for j in range(i + 1, 12)]
    bridged = two_cliques + [("a0", "b0", 1)]
    small = [("p", "q", 2), ("q", "r", 1), ("s", "t", 3)]
    got = communities(bridged + small, split_above=20)
    assert sorted(got) == sorted([[f"a{i}" for i in sorted(range(12), key=str)],
                                  [f"b{i}" for i in sorted(range(12), key=str)],
                                  ["p", "q", "r"], ["s", "t"]])
    assert communities(list(reversed(bridged + small)), split_above=20) == got  # stable
    assert len(communities(bridged, split_above=30)) == 1  # small enough: kept whole


def test_gap_statistics():
    assert co._gap_stats({}) == (None, None, 0.0)
    median, p90, under = co._gap_stats({0: 5, 3: 3, 12: 1, 40: 1})
    assert (median, p90, under) == (0, 12, 0.8)


def test_clusters_and_explanations_on_the_hand_case(hand):
    with store.tables(hand, "duckdb") as b:
        found = clusters(b, min_weight=1, min_targets=1)
        again = clusters(b, min_weight=1, min_targets=1)
        strict = clusters(b)  # defaults: pairs that co-acted at least twice, on 2+ targets
        c = found[0]
        rows = explain(b, c.id, min_weight=1, min_targets=1)
        same = explain(b, c, limit=3)
    assert [x.id for x in found] == [x.id for x in again]
    # every account that co-acted at all is tied to alice through some kind
    assert [x.accounts for x in found] == [(A, B, C, D)]
    assert c.id == co.cluster_id([A, B, C, D])
    # alice-bob: 5 and 4 messages on 4 targets; alice-carol: 2 and 2 on X2 and the link;
    # dave meets each of them once only
    assert [x.accounts for x in strict] == [(A, B, C)]
    assert {k: (v.coactions, v.targets) for k, v in c.kinds.items()} == {
        "repost": (6, 3), "post": (1, 1), "link": (1, 1), "hashtag": (1, 1), "reply": (1, 1)}
    assert list(c.kinds)[0] == "repost"
    assert c.coactions == 10 and c.targets == 7
    assert (c.first_at, c.last_at) == (T0 + timedelta(seconds=10), T0 + timedelta(seconds=4045))
    # gaps: 60, 0, 0.2, 0.2, 50, 40 (reposts), 30 (text), 59 (link), 20 (tags), 45 (reply)
    assert (c.gap_median, c.gap_p90, c.share_under_10s) == (30, 59, 0.3)
    alice = next(m for m in c.members if m.account == A)
    assert (alice.handle, alice.posts, alice.coordinated, alice.share) == ("alice", 7, 7, 1.0)
    bob = next(m for m in c.members if m.account == B)
    assert (bob.posts, bob.coordinated) == (7, 5)  # X4 and the domain-only link did not pair
    assert len(rows) == 10 and len(same) == 3
    assert rows[:3] == same
    assert all(r["gap_seconds"] <= 60 for r in rows)
    first = rows[0]
    assert (first["kind"], first["target"], first["account"], first["other_account"],
            first["gap_seconds"]) == ("repost", f"twitter:{X[1]}", A, B, 60.0)
    text = c.summary()
    assert text.startswith("4 accounts (twitter 4) reposted the same 3 posts (6 co-reposts), "
                           "posted the same or near-same text (1 co-post), shared the same "
                           "link (1 co-link), used the same hashtag set (1 co-hashtag) and "
                           "replied to the same post (1 co-reply), each time within 60 seconds "
                           "of each other: 10 co-actions on 7 targets between 2026-03-02 "
                           "12:00:10 UTC and 2026-03-02 13:07:25 UTC.")
    assert "within 60 seconds" in text and "Median gap between paired actions 30 s" in text
    assert c.as_dict()["summary"] == text
    orjson.dumps(c.as_dict())  # plain values only


# ---------------------------------------------------------------- the slow time scale

SCHEDULED = {"201": "sched1", "202": "sched2", "203": "sched3", "204": "sched4"}
BUSY = {"301": "busy1", "302": "busy2"}
SLOW_TAGS = (["Alpha", "Beta"], ["Gamma", "Delta"])


def slow_tweets() -> list[dict]:
    """Four scheduled accounts post the same hashtag set in each of six hourly rounds, 10 to 30
    minutes apart, never within a minute; two busy accounts do the same as a pair only."""
    nid = _ids()
    out = []
    for r in range(6):
        base, tags = 7200 * r, SLOW_TAGS[r % 2]
        out += [tweet(nid(), uid, base + 600 * i, f"Scheduled round {r} by {uid}", tags=tags)
                for i, uid in enumerate(SCHEDULED)]
        out += [tweet(nid(), uid, base + 300 + 1000 * i, f"Busy round {r} by {uid}",
                      tags=["Foo", "Bar"] if r % 2 else ["Baz", "Qux"])
                for i, uid in enumerate(BUSY)]
    return out


@pytest.fixture(scope="module")
def slow(tmp_path_factory):
    with module_case(tmp_path_factory, "coordination_slow", "slow",
                     "testing coordination") as (c, root):
        import_files(c, root / "in", {"page.jsonl": page(slow_tweets(), {**SCHEDULED, **BUSY})})
        yield c


def test_a_group_acting_within_the_hour_is_found_at_the_slow_scale(slow):
    group = tuple(f"twitter:{i}" for i in SCHEDULED)
    busy = tuple(f"twitter:{i}" for i in BUSY)
    with store.tables(slow, "duckdb") as b:
        found = clusters(b)
        one_scale = clusters(b, slow_window=None)
        hourly = co._kept_edges(b, co.CLUSTER_KINDS, 3600, 4, 2, 0.05, "url")
        rows = explain(b, found[0].id)
    assert one_scale == []  # nothing happens within a minute
    # the busy pair meets as often as any two scheduled accounts, but as a pair, not a group
    assert (*busy, 6) in hourly and len(hourly) == 7
    assert [(x.accounts, x.window) for x in found] == [(group, 3600)]
    c = found[0]
    assert c.coactions == 6 * 6 and c.targets == 2 and c.density == 1.0
    assert 600 <= c.gap_median <= 1800 and c.share_under_10s == 0.0
    assert "each time within 1 hour of each other" in c.summary()
    assert any("slow time scale (1 hour)" in n for n in c.notes)
    assert {r["account"] for r in rows} | {r["other_account"] for r in rows} == set(group)
    assert len(rows) == 36 and all(60 < r["gap_seconds"] <= 3600 for r in rows)


def test_time_spans_in_words():
    assert [co._span(s) for s in (0, 1, 60, 90, 120, 3600, 5400, 7200)] == [
        "0 seconds", "1 second", "60 seconds", "90 seconds", "2 minutes", "1 hour",
        "90 minutes", "2 hours"]


# ---------------------------------------------------------------- scenario


def test_campaign_is_recovered_and_ordinary_users_stay_apart(scenario_600):
    c, truth = scenario_600
    campaign = set(truth["campaign"]["accounts"])
    role = {uid: a["role"] for uid, a in truth["accounts"].items()}
    with store.tables(c, "duckdb") as b:
        found = clusters(b)
        loose = clusters(b, min_weight=1, min_targets=1, evidence=0)
        posts = b.table("posts")
        existing = {r["uid"] for r in b.to_pyarrow(posts.select("uid")).to_pylist()}
    clustered = {a for x in found for a in x.accounts}
    precision = len(clustered & campaign) / len(clustered)
    recall = len(clustered & campaign) / len(campaign)
    assert precision >= 0.9 and recall >= 0.9, (precision, recall, len(found))
    # ordinary users stay out; it is the thresholds that keep their chance meetings out
    assert not [a for a in clustered if role.get(a) == "ordinary"]
    assert [a for x in loose for a in x.accounts if role.get(a) == "ordinary"]
    assert found[0].thresholds == {"min_weight": 2, "min_targets": 2, "min_share": 0.1,
                                   "slow_window": 3600, "slow_min_weight": 4,
                                   "slow_min_share": 0.05, "slow_core": 3}
    top = found[0]
    assert set(top.accounts) <= campaign
    assert top.gap_median is not None and top.gap_median <= 60
    for ev in top.evidence:
        assert ev.post in existing and ev.other_post in existing
        assert 0 <= ev.gap_seconds <= 60


# ---------------------------------------------------------------- engines


@pytest.mark.spark
def test_duckdb_and_spark_give_identical_edges(hand):
    from tests.test_recovery_engines import utc_rows

    def run(engine):
        with store.tables(hand, engine) as b:
            out = {}
            for kind in co.KINDS:
                for window in (0, 60, 61):
                    t = coaction_edges(b, kind, window).order_by(["source", "target"])
                    out[(kind, window)] = utc_rows(b.to_pyarrow(t))
            out["domain"] = utc_rows(b.to_pyarrow(
                coaction_edges(b, "link", level="domain").order_by(["source", "target"])))
            found = clusters(b, min_weight=1, min_targets=1)
            out["clusters"] = [(x.id, x.accounts, x.coactions, x.targets, x.gap_median,
                                {k: v.coactions for k, v in x.kinds.items()}) for x in found]
            return out

    on_duck, on_spark = run("duckdb"), run("spark")
    assert on_duck[("repost", 60)] and on_duck["clusters"]
    assert on_duck == on_spark


def test_cluster_dataclass_is_importable():
    assert Cluster.__dataclass_fields__["strength"]


@pytest.mark.spark
def test_near_duplicate_groups_reach_spark(scenario_600):
    """The enricher's table goes to the lake with the rest: co-post and the near-duplicate
    share are the same on both engines."""
    from socmint.analysis import accounts
    from tests.test_recovery_engines import utc_rows

    c, _ = scenario_600

    def run(engine):
        with store.tables(c, engine) as b:
            edges = coaction_edges(b, "post").order_by(["source", "target"])
            shares = accounts.behaviour(b).select("account", "near_duplicate_share")
            return (notes(b, ["post"])["post"], utc_rows(b.to_pyarrow(edges)),
                    {r["account"]: r["near_duplicate_share"]
                     for r in b.to_pyarrow(shares).to_pylist()})

    on_duck, on_spark = run("duckdb"), run("spark")
    assert on_duck[0].startswith("post: same near-duplicate group") and on_duck[1]
    assert any(on_duck[2].values())
    assert on_duck == on_spark
