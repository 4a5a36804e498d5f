"""The interaction network on a hand-built case whose right answers are known.

The case: a Twitter API v2 search page and a followers page, and a Bluesky Jetstream stream,
imported through the real pipeline. Two cliques of accounts mention each other (A: ann, ben,
cat, dan; B: eve, fay, gus, hal); ivy hangs off ann; xavier is the one bridge between them
(he mentions ann and eve, ben replies to him, fay retweets him). Dan's handle and display name
are hostile text. On Bluesky alice and bob followed each other, and alice's follow was deleted.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone

import ibis
import networkx as nx
import pyarrow as pa
import pytest

from socmint import ingest, scenario, store
from socmint.analysis import network as nw
from socmint.errors import SocmintError

from .conftest import module_case

P = "twitter:"
HOSTILE = 'dan<script>alert("x")</script>\'&\x07'
HOSTILE_NAME = 'Dan "the" <b>man</b>\n\x1b[31m\t\r]]> \U0001f6a2'
NAMES = {"101": "ann", "102": "ben", "103": "cat", "104": HOSTILE, "105": "ivy",
         "201": "eve", "202": "fay", "203": "gus", "204": "hal", "300": "xavier"}
A, B = ["101", "102", "103", "104"], ["201", "202", "203", "204"]
X = "300"
ALICE, BOB = "did:plc:alicealicealicealicealic", "did:plc:bobbobbobbobbobbobbobbob"


def at(h: int, m: int) -> str:
    return f"2026-03-01T{h:02d}:{m:02d}:00.000Z"


def when(h: int, m: int) -> datetime:
    return datetime(2026, 3, 1, h, m, tzinfo=timezone.utc)


def tweet(tid: str, author: str, time: str, mentions=(), reply=None, retweet=None, quote=None):
    t = {"id": tid, "author_id": author, "created_at": time, "text": f"tweet {tid}",
         "edit_history_tweet_ids": [tid]}
    if mentions:
        t["entities"] = {"mentions": [
            {"start": 0, "end": 5, "username": NAMES.get(m, m), **({"id": m} if m in NAMES else {})}
            for m in mentions]}
    refs = []
    if reply:
        refs.append({"type": "replied_to", "id": reply[0]})
        t["in_reply_to_user_id"] = reply[1]
    if retweet:
        refs.append({"type": "retweeted", "id": retweet})
        t["text"] = "RT @someone: tweet"
    if quote:
        refs.append({"type": "quoted", "id": quote})
    if refs:
        t["referenced_tweets"] = refs
    return t


def tid(i: int) -> str:
    return f"19000000000000{i:05d}"


def twitter_pages() -> list[dict]:
    tweets = []
    for group, hour in ((A, 10), (B, 11)):  # every member mentions the other three
        for i, who in enumerate(group):
            tweets.append(tweet(tid(int(who)), who, at(hour, 5 * i),
                                mentions=[o for o in group if o != who]))
    tweets += [
        tweet(tid(1), "101", at(12, 0), reply=(tid(102), "102")),
        tweet(tid(2), "101", at(13, 30), reply=(tid(102), "102")),
        tweet(tid(3), "103", at(12, 10), retweet=tid(102)),
        tweet(tid(4), "104", at(12, 20), quote=tid(101)),
        tweet(tid(5), "105", at(12, 40), reply=(tid(101), "101")),
        # xavier: mentions ann, eve, himself (a self-loop) and @ghost (no id: target unknown)
        tweet(tid(300), X, at(14, 0), mentions=["101", "201", X, "ghost"]),
        tweet(tid(6), "102", at(14, 10), reply=(tid(300), X)),
        tweet(tid(7), "202", at(14, 20), retweet=tid(300)),
    ]
    users = [{"id": k, "username": v, "name": HOSTILE_NAME if k == "104" else v.title()}
             for k, v in NAMES.items()]
    search = {"data": tweets, "includes": {"users": users}, "meta": {"result_count": len(tweets)}}
    followers = {"data": [{"id": "102", "username": "ben", "name": "Ben"}],
                 "meta": {"result_count": 1},
                 "__twarc": {"url": "https://api.twitter.com/2/users/101/followers",
                             "retrieved_at": "2026-03-10T00:00:00+00:00"}}
    return [search, followers]


def bluesky_events() -> list[dict]:
    def follow(did, subject, rkey, time_us, created):
        return {"did": did, "time_us": time_us, "kind": "commit", "commit": {
            "rev": f"rev{rkey}", "operation": "create", "collection": "app.bsky.graph.follow",
            "rkey": rkey, "record": {"$type": "app.bsky.graph.follow", "subject": subject,
                                     "createdAt": created}, "cid": f"bafy{rkey}"}}
    return [
        follow(ALICE, BOB, "3lfollow00001", 1741000000000001, "2025-03-03T10:00:00.000Z"),
        follow(BOB, ALICE, "3lfollow00002", 1741000000000002, "2025-03-03T11:00:00.000Z"),
        {"did": ALICE, "time_us": 1741000000000003, "kind": "identity",
         "identity": {"did": ALICE, "handle": "alice.example", "seq": 1,
                      "time": "2025-03-03T11:30:00.000Z"}},
        {"did": ALICE, "time_us": 1741000000000004, "kind": "commit", "commit": {
            "rev": "rev3", "operation": "delete", "collection": "app.bsky.graph.follow",
            "rkey": "3lfollow00001"}},
    ]


def expected_edges() -> dict:
    e = {}
    for group, hour in ((A, 10), (B, 11)):
        for i, who in enumerate(group):
            for other in group:
                if other != who:
                    e[(P + who, P + other, "mention")] = (1, when(hour, 5 * i), when(hour, 5 * i))
    e[(P + "101", P + "102", "reply")] = (2, when(12, 0), when(13, 30))
    e[(P + "103", P + "102", "repost")] = (1, when(12, 10), when(12, 10))
    e[(P + "104", P + "101", "quote")] = (1, when(12, 20), when(12, 20))
    e[(P + "105", P + "101", "reply")] = (1, when(12, 40), when(12, 40))
    e[(P + X, P + "101", "mention")] = (1, when(14, 0), when(14, 0))
    e[(P + X, P + "201", "mention")] = (1, when(14, 0), when(14, 0))
    e[(P + "102", P + X, "reply")] = (1, when(14, 10), when(14, 10))
    e[(P + "202", P + X, "repost")] = (1, when(14, 20), when(14, 20))
    e[(P + "102", P + "101", "follow")] = (1, None, None)
    bob_follows = datetime(2025, 3, 3, 11, 0, tzinfo=timezone.utc)
    e[("bluesky:" + BOB, "bluesky:" + ALICE, "follow")] = (1, bob_follows, bob_follows)
    return e


def as_dict(edges) -> dict:
    return {(r["source"], r["target"], r["kind"]): (r["weight"], r["first_at"], r["last_at"])
            for r in edges.to_pylist()}


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    with module_case(tmp_path_factory, "network", "n", "testing the network") as (c, root):
        src = root / "in"
        src.mkdir()
        (src / "twitter_pages.jsonl").write_text(
            "".join(json.dumps(p) + "\n" for p in twitter_pages()))
        (src / "bluesky_jetstream.jsonl").write_text(
            "".join(json.dumps(e) + "\n" for e in bluesky_events()))
        report = ingest.import_paths(c, [src])
        assert report.items["rejected"] == 0
        with store.tables(c, "duckdb") as backend:
            yield c, backend, nw.network(backend)


def test_edge_list_kinds_weights_and_times(built):
    _, _, net = built
    assert as_dict(net.edges) == expected_edges()
    # the deleted follow, the self-mention and the mention of an unresolved name are left out
    assert net.stats["per_kind"] == {"follow": 2, "mention": 26, "quote": 1, "reply": 4,
                                     "repost": 2}
    assert net.stats["interactions"] == 35


def test_nodes_carry_account_attributes(built):
    _, _, net = built
    assert net.nodes.num_rows == 12
    assert net.nodes.schema == nw.NODE_SCHEMA
    dan = net.node(P + "104")
    assert (dan["platform"], dan["handle"], dan["display_name"]) == (
        "twitter", HOSTILE, HOSTILE_NAME)
    alice, bob = net.node("bluesky:" + ALICE), net.node("bluesky:" + BOB)
    assert (alice["platform"], alice["handle"]) == ("bluesky", "alice.example")
    assert (bob["platform"], bob["handle"]) == ("bluesky", None)
    assert net.node(P + "ghost") is None


def test_degrees_strength_pagerank_and_cores(built):
    _, _, net = built
    ann = net.node(P + "101")
    # linked to ben, cat, dan, xavier, ivy; acted on by all five; acts on ben, cat, dan
    assert (ann["degree"], ann["in_degree"], ann["out_degree"]) == (5, 5, 3)
    # received: ben 2 (mention, follow), cat 1, dan 2 (mention, quote), xavier 1, ivy 1;
    # made: ben 3 (mention, two replies), cat 1, dan 1
    assert (ann["in_strength"], ann["out_strength"]) == (7, 5)
    x = net.node(P + X)
    assert (x["degree"], x["in_degree"], x["out_degree"], x["in_strength"]) == (4, 2, 2, 2)

    pr = {r["uid"]: r["pagerank"] for r in net.nodes.to_pylist()}
    assert sum(pr.values()) == pytest.approx(1.0)
    assert {r["uid"] for r in net.top("pagerank", 2)} == {P + "101", P + "102"}
    assert pr[P + "201"] > pr[P + "203"]  # eve is also mentioned by xavier; gus is not
    assert pr[P + "203"] == pytest.approx(pr[P + "204"])  # gus and hal are alike
    assert pr[P + "101"] > pr[P + "105"]
    assert pr["bluesky:" + ALICE] > pr["bluesky:" + BOB]

    core = {r["uid"]: r["coreness"] for r in net.nodes.to_pylist()}
    assert {core[P + u] for u in A + B + [X]} == {3}
    assert core[P + "105"] == 1 and core["bluesky:" + ALICE] == core["bluesky:" + BOB] == 1
    top = net.top("in_strength", 3)
    assert [r["rank"] for r in top] == [1, 2, 3] and top[0]["value"] >= top[2]["value"]
    with pytest.raises(SocmintError):
        net.top("charisma")


def test_leiden_finds_the_cliques_and_the_bridge(built):
    _, _, net = built
    comm = {r["uid"]: r["community"] for r in net.nodes.to_pylist()}
    a = {comm[P + u] for u in A + ["105"]}
    b = {comm[P + u] for u in B}
    assert len(a) == 1 and len(b) == 1 and a != b
    blue = {comm["bluesky:" + ALICE], comm["bluesky:" + BOB]}
    assert len(blue) == 1 and blue.isdisjoint(a | b)
    assert comm[P + X] in a | b
    assert net.stats["communities"] == 3 and net.stats["modularity"] > 0.3
    assert [c.size for c in net.communities] == sorted((c.size for c in net.communities),
                                                       reverse=True)
    assert sum(c.size for c in net.communities) == 12
    assert net.communities[-1].top[0]["uid"] == "bluesky:" + ALICE
    assert "accounts; most central by PageRank" in net.communities[0].why

    assert net.top("betweenness", 1)[0]["uid"] == P + X
    bridge = net.bridges[0]
    assert bridge.uid == P + X and bridge.handle == "xavier"
    assert bridge.participation == pytest.approx(0.5)
    assert sorted(x["accounts"] for x in bridge.links) == [2, 2]
    assert {x["community"] for x in bridge.links} == a | b
    assert "@xavier" in bridge.why and "2 communities" in bridge.why
    assert all(br.participation >= nw.MIN_PARTICIPATION for br in net.bridges)
    assert net.explain(P + X).startswith("@xavier: acted on by 2 accounts")


def test_communities_are_reproducible(built):
    _, backend, net = built
    again = nw.network(backend)
    assert again.nodes.equals(net.nodes)
    finer = nw.network(backend, resolution=3.0)
    assert finer.stats["communities"] >= net.stats["communities"]


def test_restricted_to_posts(built):
    _, backend, _ = built
    expected = {(P + X, P + "101", "mention"), (P + X, P + "201", "mention"),
                (P + "102", P + X, "reply"), (P + "202", P + X, "repost"),
                # ben and ann are both in this network, so ben's follow of ann is kept
                (P + "102", P + "101", "follow")}
    by_list = nw.network(backend, [P + tid(300)])
    assert set(as_dict(by_list.edges)) == expected
    posts = backend.table("posts")
    by_table = nw.network(backend, posts.filter(posts.uid == P + tid(300)))
    assert by_table.edges.equals(by_list.edges)
    no_follows = nw.network(backend, [P + tid(300)], kinds=("mention", "reply", "repost"))
    assert set(as_dict(no_follows.edges)) == {e for e in expected if e[2] != "follow"}
    empty = nw.network(backend, [])
    assert empty.nodes.num_rows == 0 and empty.top("pagerank") == [] and empty.bridges == []
    with pytest.raises(SocmintError):
        nw.network(backend, kinds=("poke",))


def test_gexf_reads_back_with_attributes_and_escaping(built, tmp_path):
    _, _, net = built
    path = net.write_gexf(tmp_path / "n.gexf")
    raw = path.read_text(encoding="utf-8")
    assert "<script>" not in raw and "&lt;script&gt;" in raw and "\x07" not in raw
    g = nx.read_gexf(path)
    assert isinstance(g, nx.MultiDiGraph)
    assert g.number_of_nodes() == 12 and g.number_of_edges() == net.edges.num_rows
    dan = g.nodes[P + "104"]
    assert dan["handle"] == HOSTILE.replace("\x07", "\ufffd")
    assert dan["display_name"] == HOSTILE_NAME.replace("\x1b", "\ufffd")
    assert dan["label"] == "@" + HOSTILE.replace("\x07", "\ufffd")
    ann, row = g.nodes[P + "101"], net.node(P + "101")
    for k in ("uid", "platform", "handle", "degree", "in_strength", "coreness", "community"):
        assert ann[k] == row[k]
    assert ann["pagerank"] == pytest.approx(row["pagerank"])
    assert "handle" not in g.nodes["bluesky:" + BOB]  # unknown, not ""
    replies = [d for d in g[P + "101"][P + "102"].values() if d["kind"] == "reply"]
    assert len(replies) == 1
    assert replies[0]["weight"] == 2.0
    assert replies[0]["first_at"] == "2026-03-01T12:00:00+00:00"
    assert replies[0]["last_at"] == "2026-03-01T13:30:00+00:00"
    ben_ann = {d["kind"]: d for d in g[P + "102"][P + "101"].values()}
    assert set(ben_ann) == {"mention", "follow"}
    assert "first_at" not in ben_ann["follow"]  # a follow list says not when


def test_graphml_reads_back_with_attributes(built, tmp_path):
    _, _, net = built
    g = nx.read_graphml(net.write_graphml(tmp_path / "n.graphml"))
    assert isinstance(g, nx.MultiDiGraph)
    assert g.number_of_nodes() == 12 and g.number_of_edges() == net.edges.num_rows
    dan = g.nodes[P + "104"]
    assert dan["handle"] == HOSTILE.replace("\x07", "\ufffd")
    assert dan["display_name"] == HOSTILE_NAME.replace("\x1b", "\ufffd")
    x, row = g.nodes[P + X], net.node(P + X)
    for k in ("uid", "platform", "handle", "degree", "in_degree", "community", "coreness"):
        assert x[k] == row[k]
    assert x["betweenness"] == pytest.approx(row["betweenness"])
    replies = [d for d in g[P + "101"][P + "102"].values() if d["kind"] == "reply"]
    assert replies == [{"kind": "reply", "platform": "twitter", "weight": 2,
                        "first_at": "2026-03-01T12:00:00+00:00",
                        "last_at": "2026-03-01T13:30:00+00:00"}]


def test_hostile_uids_get_safe_node_ids(tmp_path):
    """A uid XML cannot hold (from a generic import, say) gets an id of its own, kept as text."""
    bad = "forum:\x00evil\x07"
    edges = pa_edges([(bad, "forum:ok", "reply", 3)])
    accounts = pa_accounts([bad, "forum:ok"])
    net = nw.analyse(edges, accounts)
    for g in (nx.read_gexf(net.write_gexf(tmp_path / "x.gexf")),
              nx.read_graphml(net.write_graphml(tmp_path / "x.graphml"))):
        assert set(g.nodes) == {"n0", "forum:ok"}
        assert g.nodes["n0"]["uid"] == "forum:\ufffdevil\ufffd"
        assert list(g.edges("n0")) == [("n0", "forum:ok")]


def pa_edges(rows):
    return pa.table({"source": [r[0] for r in rows], "target": [r[1] for r in rows],
                     "kind": [r[2] for r in rows], "platform": ["forum"] * len(rows),
                     "weight": [r[3] for r in rows], "first_at": [None] * len(rows),
                     "last_at": [None] * len(rows)}, schema=nw.EDGE_SCHEMA)


def pa_accounts(uids):
    return pa.table({"uid": uids, "platform": ["forum"] * len(uids),
                     "handle": [None] * len(uids), "display_name": [None] * len(uids)},
                    schema=nw.ACCOUNT_SCHEMA)


# ---------------------------------------------------------------- the scenario, both engines

@pytest.fixture(scope="module")
def scenario_case(tmp_path_factory):
    with module_case(tmp_path_factory, "network_scenario", "sc", "testing the network") as (
            c, root):
        scenario.generate(root / "scenario", accounts=300, posts=3000, seed=7, media=False)
        ingest.import_paths(c, [root / "scenario"])
        yield c


def test_scenario_network_matches_the_interactions_table(scenario_case):
    con = store.connect(scenario_case, read_only=True)
    try:
        live = con.execute(
            "SELECT kind, count(*) FROM interactions WHERE deleted_at IS NULL AND kind IN "
            "('reply', 'repost', 'quote', 'mention', 'follow') AND source IS NOT NULL AND "
            "target IS NOT NULL AND source <> target GROUP BY kind").fetchall()
        ends = con.execute(
            "WITH e AS (SELECT source, target FROM interactions WHERE deleted_at IS NULL AND "
            "kind <> 'like' AND source IS NOT NULL AND target IS NOT NULL AND source <> target) "
            "SELECT count(*) FROM (SELECT source FROM e UNION SELECT target FROM e)").fetchone()[0]
        net = nw.network(ibis.duckdb.from_connection(con))
    finally:
        con.close()
    assert net.stats["per_kind"] == dict(live)
    assert len(net.stats["per_kind"]) >= 4
    assert net.nodes.num_rows == ends > 100
    assert net.stats["betweenness"] == "exact"
    assert 2 <= net.stats["communities"] < net.nodes.num_rows
    assert net.bridges and all(b.participation >= nw.MIN_PARTICIPATION for b in net.bridges)

    # the sampled estimate agrees with the exact betweenness on who brokers most
    accounts = net.nodes.select(nw.ACCOUNT_SCHEMA.names)
    sampled = nw.analyse(net.edges, accounts, betweenness_sources=net.nodes.num_rows // 2)
    assert sampled.stats["betweenness"].startswith("estimated from")
    exact_top = {r["uid"] for r in net.top("betweenness", 10)}
    sampled_top = {r["uid"] for r in sampled.top("betweenness", 10)}
    assert len(exact_top & sampled_top) >= 6
    assert sampled.nodes["community"].equals(net.nodes["community"])


def utc_rows(table) -> list[dict]:
    def norm(v):
        if isinstance(v, datetime) and v.tzinfo is None:
            return v.replace(tzinfo=timezone.utc)
        return v
    return [{k: norm(v) for k, v in r.items()} for r in table.to_pylist()]


@pytest.mark.spark
def test_duckdb_and_spark_give_identical_networks(scenario_case):
    results = {}
    for engine in ("duckdb", "spark"):
        with store.tables(scenario_case, engine) as backend:
            posts = backend.table("posts")
            mastodon = posts.filter(posts.platform == "mastodon")
            some = backend.to_pyarrow(posts.select("uid").order_by("uid").limit(200))
            results[engine] = (nw.network(backend), nw.fetch(backend, mastodon),
                               nw.fetch(backend, some["uid"].to_pylist()))
    (duck, (dme, dma), (dse, dsa)) = results["duckdb"]
    (spark, (sme, sma), (sse, ssa)) = results["spark"]
    assert duck.edges.num_rows > 500
    assert utc_rows(duck.edges) == utc_rows(spark.edges)
    assert duck.nodes.equals(spark.nodes)  # accounts, measures and communities
    assert [b.as_dict() for b in duck.bridges] == [b.as_dict() for b in spark.bridges]
    assert dme.num_rows > 0 and utc_rows(dme) == utc_rows(sme) and dma.equals(sma)
    assert dse.num_rows > 0 and utc_rows(dse) == utc_rows(sse) and dsa.equals(ssa)


def test_cli_prints_the_network_and_writes_gexf(tmp_path):
    import subprocess
    import sys

    from tests.conftest import ROOT

    fix = ROOT / "tests" / "fixtures" / "search"
    env = {"SOCMINT_HOME": str(tmp_path / "home"), "PATH": "/usr/bin:/bin",
           "SOCMINT_OPERATOR": "tester"}

    def cli(*args):
        return subprocess.run([sys.executable, "-m", "socmint.cli", *args], env=env,
                              capture_output=True, text=True, cwd=ROOT)

    cli("case", "new", "c", "--purpose", "p", "--legal-basis", "b", "--retention", "1")
    assert cli("import", str(fix / "mastodon_timeline.json"),
               str(fix / "twitter_search_page.jsonl")).returncode == 0
    p = cli("network", "--json", "--gexf", str(tmp_path / "n.gexf"))
    assert p.returncode == 0, p.stderr
    got = json.loads(p.stdout)
    g = nx.read_gexf(tmp_path / "n.gexf")
    assert got["stats"]["accounts"] == g.number_of_nodes() > 0
    assert {r["uid"] for r in got["top"]["pagerank"]} <= {d.get("uid", n)
                                                          for n, d in g.nodes(data=True)}
    only = json.loads(cli("network", "--json", "--kind", "reply").stdout)
    assert set(only["stats"]["per_kind"]) <= {"reply"}
    bad = cli("network", "--kind", "hug")
    assert bad.returncode == 2 and "Traceback" not in bad.stderr
