"""The interaction network: who replies to, reposts, quotes, mentions and follows whom.

Accounts are nodes; an edge goes from the acting account (`interactions.source`) to the account
acted upon (`interactions.target`), one per (source, target, kind), weighted by how many such
interactions there are and stamped with the first and last time one was seen.

How it is computed
  1. The reduction (live interactions -> typed edge list) is one Ibis expression
     (`edge_list`), run on the backend given, DuckDB or Spark unchanged. Only the reduced edge list
     and the attributes of its accounts come into Python, as Arrow.
  2. The measures run with igraph on the pair graph: the typed edges of one (source, target)
     pair folded into one edge whose weight is the pair's total interactions, so an account that
     both replies to and mentions another is one link, not two parallel paths.

What is left out: deleted interactions (`deleted_at` set), interactions whose target account is
unknown (a mention of a name the payload did not resolve), self-loops (an account replying to
itself), and likes unless asked for (`kinds`). An interaction carried by a post deleted later is
kept: the interaction happened, and the post's tombstone is evidence of its own.

Restricting to posts (a query's results): an interaction is kept when the post carrying it, or
the post it acts upon (`target_post`), is one of those posts, so the replies to, reposts and
quotes of a found post are in its network. Follows are carried by no post: they are kept between
accounts the kept interactions already connect.

Measures (columns of `Network.nodes`)
  degree        distinct accounts linked to, either way
  in_degree     distinct accounts that act on it; out_degree: distinct accounts it acts on
  in_strength   interactions received; out_strength: interactions made (weighted degree)
  pagerank      weighted, directed PageRank (damping 0.85): an account acted upon by accounts that
                are themselves acted upon ranks high. Sums to 1 over the network.
  betweenness   directed, unweighted shortest paths, normalised by (n-1)(n-2) so it reads as the
                share of ordered account pairs whose shortest paths run through the account.
                Exact (Brandes 2001) up to `exact_betweenness_max` accounts (5,000). Above that
                it is estimated from shortest paths out of a uniform random sample of source
                accounts, scaled by n/k (Brandes & Pich 2007, "Centrality estimation in large
                networks"; Bader et al. 2007): an unbiased estimate of the exact value, unlike a
                path-length cutoff, which undercounts long-range brokers (the bridges one looks
                for). k is chosen so the work stays near BETWEENNESS_BUDGET edge visits, at least
                MIN_SOURCES; the sample is drawn from `seed`.
  coreness      k-core number on the undirected simple graph (Seidman 1983): the largest k such
                that the account belongs to a subgraph where every account has >= k links.
  community     Leiden (Traag, Waltman & van Eck 2019) on the undirected graph with the pairs'
                interaction counts as weights, modularity objective, `resolution` (1.0 is
                classic modularity; higher finds more, smaller communities), run until stable
                with igraph's RNG seeded from `seed`, so the same case gives the same communities.
                Ids are renumbered by size (0 is the largest), ties by the smallest member uid.
  participation participation coefficient P = 1 - sum_s (k_s / k)^2 (Guimera & Amaral 2005,
                "Functional cartography of complex metabolic networks", Nature 433:895), k the
                account's distinct linked accounts and k_s those in community s: 0 when all its
                links stay in one community, towards 1 when they spread evenly over many.

Bridges: accounts whose links span communities, in the sense of Guimera & Amaral's "connector"
nodes: participation coefficient >= `min_participation` (default 0.3, their lower bound for
connector hubs), ranked by betweenness (which of them actually carry the paths between
communities), then by participation. Each comes with its links per community and a sentence.

Limits: the measures see the pair graph, so kinds are not told apart there (ask for one kind,
`kinds=("repost",)`, for a retweet network); betweenness ignores weights, Leiden ignores
direction; one person's accounts on several platforms are several nodes; follows are as complete
as the follower lists imported, and a follow list rarely says when. `communities` lists the
largest communities only; every account's community is in `nodes`.
"""

from __future__ import annotations

import random
import xml.etree.ElementTree as ET
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import ibis
import igraph
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from socmint import __version__
from socmint.errors import SocmintError
from socmint.model import INTERACTION_KINDS, TS

NETWORK_KINDS = ("reply", "repost", "quote", "mention", "follow")  # likes on request
EXACT_BETWEENNESS_MAX = 5_000
BETWEENNESS_BUDGET = 300_000_000  # edge visits the sampled estimate may spend
MIN_SOURCES = 64
MIN_PARTICIPATION = 0.3
GRAPH_CHUNK = 1_000_000  # edges handed to igraph at once
MEASURES = ("degree", "in_degree", "out_degree", "in_strength", "out_strength", "pagerank",
            "betweenness", "coreness", "participation")

EDGE_SCHEMA = pa.schema([("source", pa.string()), ("target", pa.string()), ("kind", pa.string()),
                         ("platform", pa.string()), ("weight", pa.int64()), ("first_at", TS),
                         ("last_at", TS)])
ACCOUNT_SCHEMA = pa.schema([("uid", pa.string()), ("platform", pa.string()),
                            ("handle", pa.string()), ("display_name", pa.string())])
NODE_SCHEMA = pa.schema(list(ACCOUNT_SCHEMA) + [
    ("degree", pa.int64()), ("in_degree", pa.int64()), ("out_degree", pa.int64()),
    ("in_strength", pa.int64()), ("out_strength", pa.int64()), ("pagerank", pa.float64()),
    ("betweenness", pa.float64()), ("coreness", pa.int64()), ("community", pa.int64()),
    ("participation", pa.float64())])


# ------------------------------------------------------------------ the reduction (Ibis)

def edge_list(backend, posts=None, kinds: Iterable[str] = NETWORK_KINDS) -> ibis.Table:
    """The typed edge list as one Ibis expression: source, target, kind, platform, weight,
    first_at, last_at. Runs on whichever backend holds the case's tables."""
    kinds = _kinds(kinds)
    it = backend.table("interactions")
    it = it.filter(it.deleted_at.isnull(), it.kind.isin(kinds), it.source.notnull(),
                   it.target.notnull(), it.source != it.target)
    subset = _post_uids(posts)
    if subset is not None:
        carried = it.filter((it.kind != "follow")
                            & (it.post.isin(subset.uid) | it.target_post.isin(subset.uid)))
        if "follow" in kinds:
            ends = carried.select(uid=carried.source).union(
                carried.select(uid=carried.target), distinct=True)
            follows = it.filter((it.kind == "follow") & it.source.isin(ends.uid)
                                & it.target.isin(ends.uid))
            it = carried.union(follows, distinct=False)
        else:
            it = carried
    return it.group_by(["source", "target", "kind"]).aggregate(
        platform=it.platform.min(), weight=it.count(), first_at=it.at.min(),
        last_at=it.at.max())


def _accounts_of(backend, edges: ibis.Table) -> ibis.Table:
    """The accounts at either end of the edges, with what the accounts table knows of them."""
    ends = edges.select(uid=edges.source).union(edges.select(uid=edges.target), distinct=True)
    acc = backend.table("accounts")
    joined = ends.left_join(acc, ends.uid == acc.uid)
    return joined.select(uid=ends.uid, platform=acc.platform, handle=acc.handle,
                         display_name=acc.display_name)


def _kinds(kinds: Iterable[str]) -> tuple[str, ...]:
    kinds = tuple(dict.fromkeys(kinds))
    bad = [k for k in kinds if k not in INTERACTION_KINDS]
    if bad or not kinds:
        raise SocmintError(f"unknown interaction kind {', '.join(map(repr, bad)) or '(none)'}: "
                           f"choose from {', '.join(INTERACTION_KINDS)}")
    return kinds


def _post_uids(posts) -> ibis.Table | None:
    """The post subset as a one-column (`uid`) Ibis table, or None for the whole case."""
    if posts is None:
        return None
    if isinstance(posts, ibis.Table):
        for col in ("uid", "post"):
            if col in posts.columns:
                return posts.select(uid=posts[col].cast("string"))
        raise SocmintError("a post subset needs a `uid` (or `post`) column")
    if isinstance(posts, str):
        posts = [posts]
    elif isinstance(posts, (pa.Array, pa.ChunkedArray)):
        posts = posts.to_pylist()
    uids = [p if isinstance(p, str) else getattr(p, "uid", p) for p in posts]
    if not all(isinstance(u, str) for u in uids):
        raise SocmintError("a post subset is a list of post uids")
    return ibis.memtable(pa.table({"uid": pa.array(uids, pa.string())}))


def fetch(backend, posts=None, kinds: Iterable[str] = NETWORK_KINDS) -> tuple[pa.Table, pa.Table]:
    """The reduced edge list and its accounts as Arrow, sorted, in socmint's types.

    Spark hands back aggregated timestamps without their zone: they are UTC, and cast so."""
    edges = edge_list(backend, posts, kinds)
    e = backend.to_pyarrow(edges).select(EDGE_SCHEMA.names).cast(EDGE_SCHEMA)
    e = e.sort_by([("source", "ascending"), ("target", "ascending"), ("kind", "ascending")])
    a = backend.to_pyarrow(_accounts_of(backend, edges)).select(ACCOUNT_SCHEMA.names)
    a = a.cast(ACCOUNT_SCHEMA).sort_by("uid")
    prefix = pc.struct_field(pc.extract_regex(a["uid"], r"^(?P<p>[^:]*):"), [0])
    a = a.set_column(1, "platform", pc.coalesce(a["platform"], prefix))
    return e.combine_chunks(), a.combine_chunks()


# ------------------------------------------------------------------ the result


@dataclass
class Community:
    id: int  # 0 is the largest
    size: int  # accounts
    top: list[dict]  # its most central accounts by PageRank: uid, handle, pagerank
    interactions_inside: int  # between two of its accounts
    interactions_across: int  # between one of its accounts and an account outside
    why: str

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass
class Bridge:
    uid: str
    handle: str | None
    display_name: str | None
    platform: str | None
    community: int  # the community Leiden put it in
    participation: float
    betweenness: float
    degree: int
    links: list[dict]  # per community it links to: {"community", "accounts"}, most first
    why: str

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass
class Network:
    """Accounts with their measures, the typed edges, communities and bridges.

    `nodes` and `edges` are Arrow tables (columns: NODE_SCHEMA, EDGE_SCHEMA), sorted by uid and
    by (source, target, kind); `graph` is the igraph pair graph (vertex i is row i of `nodes`,
    edge attribute "weight"). `stats` holds the counts and the parameters the run used."""

    nodes: pa.Table
    edges: pa.Table
    communities: list[Community]
    bridges: list[Bridge]
    stats: dict
    graph: igraph.Graph | None = field(default=None, repr=False)

    def top(self, measure: str, n: int = 10) -> list[dict]:
        """The n accounts highest on a measure (ties by uid): rank, uid, handle, display_name,
        platform, community, value."""
        if measure not in MEASURES:
            raise SocmintError(f"unknown measure {measure!r}: choose from {', '.join(MEASURES)}")
        order = pc.sort_indices(self.nodes, sort_keys=[(measure, "descending"),
                                                       ("uid", "ascending")])
        rows = self.nodes.take(order[:max(0, n)]).to_pylist()
        return [{"rank": i + 1, "uid": r["uid"], "handle": r["handle"],
                 "display_name": r["display_name"], "platform": r["platform"],
                 "community": r["community"], "value": r[measure]}
                for i, r in enumerate(rows)]

    def node(self, uid: str) -> dict | None:
        """One account's row: attributes and every measure."""
        i = pc.index(self.nodes["uid"], uid).as_py()
        return None if i < 0 else self.nodes.slice(i, 1).to_pylist()[0]

    def explain(self, uid: str) -> str:
        """Why an account stands where it does, in words for a report."""
        r = self.node(uid)
        if r is None:
            return f"{uid} is not in this network"
        n = self.nodes.num_rows
        rank = 1 + int(pc.sum(pc.greater(self.nodes["pagerank"], r["pagerank"])).as_py() or 0)
        return (f"{_label(r)}: acted on by {r['in_degree']} accounts ({r['in_strength']} "
                f"interactions), acts on {r['out_degree']} ({r['out_strength']}); PageRank "
                f"{r['pagerank']:.4f}, rank {rank} of {n}; betweenness {r['betweenness']:.4f} "
                f"({self.stats['betweenness']}); {r['coreness']}-core; community "
                f"{r['community']}, participation {r['participation']:.2f}")

    def write_gexf(self, path: str | Path) -> Path:
        return write_gexf(self, path)

    def write_graphml(self, path: str | Path) -> Path:
        return write_graphml(self, path)


def network(backend, posts=None, *, kinds: Iterable[str] = NETWORK_KINDS,
            resolution: float = 1.0, seed: int = 0,
            exact_betweenness_max: int = EXACT_BETWEENNESS_MAX,
            betweenness_sources: int | None = None, min_participation: float = MIN_PARTICIPATION,
            bridges: int = 20, communities: int = 100, top_members: int = 5) -> Network:
    """The interaction network of a case (`backend`: store.tables(case, engine)), or of the posts
    given (an Ibis table with a `uid` column, or post uids).

    kinds: interaction kinds that make edges; resolution: Leiden's (higher, smaller
    communities); seed: Leiden's RNG and the betweenness sample; exact_betweenness_max: above
    this many accounts betweenness is estimated; betweenness_sources: sample this many source
    accounts whatever the size (None: exact or budgeted); min_participation: a bridge's least
    participation coefficient; bridges, communities, top_members: how many of each to list."""
    edges, accounts = fetch(backend, posts, kinds)
    net = analyse(edges, accounts, resolution=resolution, seed=seed,
                  exact_betweenness_max=exact_betweenness_max,
                  betweenness_sources=betweenness_sources, min_participation=min_participation,
                  bridges=bridges, communities=communities, top_members=top_members)
    net.stats.update(kinds=list(_kinds(kinds)), restricted_to_posts=posts is not None)
    return net


# ------------------------------------------------------------------ the measures (igraph)

def analyse(edges: pa.Table, accounts: pa.Table, *, resolution: float = 1.0, seed: int = 0,
            exact_betweenness_max: int = EXACT_BETWEENNESS_MAX,
            betweenness_sources: int | None = None, min_participation: float = MIN_PARTICIPATION,
            bridges: int = 20, communities: int = 100, top_members: int = 5) -> Network:
    """Measures, communities and bridges of a reduced edge list (EDGE_SCHEMA) whose accounts
    (ACCOUNT_SCHEMA, one row per uid at either end) are given; all arrays, no per-edge dicts."""
    n = accounts.num_rows
    if n == 0:
        nodes = pa.Table.from_batches([], NODE_SCHEMA)
        return Network(nodes=nodes, edges=edges, communities=[], bridges=[], stats={
            "accounts": 0, "edges": 0, "pairs": 0, "links": 0, "interactions": 0,
            "per_kind": {}, "communities": 0, "modularity": 0.0, "resolution": resolution,
            "seed": seed, "betweenness": "exact", "min_participation": min_participation})
    src, dst = (_positions(edges[end], accounts["uid"]) for end in ("source", "target"))
    weight = edges["weight"].to_numpy().astype(np.int64)

    # the pair graph: one directed edge per (source, target), weight = its interactions
    pkey, pinv = np.unique(src * n + dst, return_inverse=True)
    pw = np.bincount(pinv, weights=weight)
    ps, pt = pkey // n, pkey % n
    # the undirected simple graph: one edge per linked pair of accounts
    lo, hi = np.minimum(ps, pt), np.maximum(ps, pt)
    ukey, uinv = np.unique(lo * n + hi, return_inverse=True)
    uw = np.bincount(uinv, weights=pw)
    us, ut = ukey // n, ukey % n

    g = _graph(n, ps, pt, directed=True)
    g.vs["name"] = accounts["uid"].to_pylist()
    g.es["weight"] = pw.tolist()
    gu = _graph(n, us, ut, directed=False)

    degree = np.bincount(us, minlength=n) + np.bincount(ut, minlength=n)
    in_degree, out_degree = np.bincount(pt, minlength=n), np.bincount(ps, minlength=n)
    in_strength = np.bincount(dst, weights=weight, minlength=n).astype(np.int64)
    out_strength = np.bincount(src, weights=weight, minlength=n).astype(np.int64)
    pagerank = np.array(g.pagerank(directed=True, weights=pw.tolist()))
    betweenness, how = _betweenness(g, seed, exact_betweenness_max, betweenness_sources)
    coreness = np.array(gu.coreness(), dtype=np.int64)
    membership, modularity = _leiden(gu, uw, resolution, seed)
    participation, reach = _participation(us, ut, membership, degree, n)

    cols = {"degree": degree, "in_degree": in_degree, "out_degree": out_degree,
            "in_strength": in_strength, "out_strength": out_strength, "pagerank": pagerank,
            "betweenness": betweenness, "coreness": coreness, "community": membership,
            "participation": participation}
    nodes = accounts
    for name, values in cols.items():
        nodes = nodes.append_column(name, pa.array(values, NODE_SCHEMA.field(name).type))

    comms = _communities(nodes, src, dst, weight, membership, communities, top_members)
    found = _bridges(nodes, reach, min_participation, bridges)
    stats = {"accounts": n, "edges": edges.num_rows, "pairs": len(pkey), "links": len(ukey),
             "interactions": int(weight.sum()),
             "per_kind": _per_kind(edges),
             "communities": int(membership.max()) + 1,
             "modularity": modularity, "resolution": resolution, "seed": seed,
             "betweenness": how, "min_participation": min_participation}
    return Network(nodes=nodes, edges=edges, communities=comms, bridges=found, stats=stats,
                   graph=g)


def _graph(n: int, a: np.ndarray, b: np.ndarray, directed: bool) -> igraph.Graph:
    """An igraph graph from two arrays of vertex numbers, added a chunk at a time: pairs of
    Python ints go in twice as fast as numpy rows, and a chunk bounds their memory."""
    g = igraph.Graph(n=n, directed=directed)
    for i in range(0, len(a), GRAPH_CHUNK):
        g.add_edges(list(zip(a[i:i + GRAPH_CHUNK].tolist(), b[i:i + GRAPH_CHUNK].tolist(),
                             strict=True)))
    return g


def _positions(uids: pa.ChunkedArray, of: pa.ChunkedArray) -> np.ndarray:
    """Row numbers (in `of`) of each uid, as int64."""
    pos = pc.index_in(uids, value_set=of)
    if pos.null_count:
        raise SocmintError("an edge names an account missing from the accounts given")
    return pos.to_numpy().astype(np.int64)


def _per_kind(edges: pa.Table) -> dict[str, int]:
    agg = edges.group_by("kind").aggregate([("weight", "sum")]).sort_by("kind")
    return dict(zip(agg["kind"].to_pylist(), agg["weight_sum"].to_pylist(), strict=True))


def _betweenness(g: igraph.Graph, seed: int, exact_max: int,
                 sources: int | None) -> tuple[np.ndarray, str]:
    n, m = g.vcount(), g.ecount()
    if n < 3:
        return np.zeros(n), "exact"
    norm = (n - 1) * (n - 2)
    if n <= exact_max and sources is None:
        return np.array(g.betweenness(directed=True)) / norm, "exact"
    k = sources or max(MIN_SOURCES, BETWEENNESS_BUDGET // max(m, 1))
    k = min(k, n)
    if k == n:
        return np.array(g.betweenness(directed=True)) / norm, "exact"
    pivots = sorted(random.Random(seed).sample(range(n), k))
    raw = np.array(g.betweenness(directed=True, sources=pivots)) * (n / k)
    return raw / norm, f"estimated from {k} of {n} sources"


def _leiden(gu: igraph.Graph, uw: np.ndarray, resolution: float,
            seed: int) -> tuple[np.ndarray, float]:
    n = gu.vcount()
    igraph.set_random_number_generator(random.Random(seed))
    try:
        part = gu.community_leiden(objective_function="modularity", weights=uw.tolist(),
                                   resolution=resolution, n_iterations=-1)
    finally:
        igraph.set_random_number_generator(random)  # igraph's default
    raw = np.array(part.membership, dtype=np.int64)
    sizes = np.bincount(raw)
    first = np.full(len(sizes), n, dtype=np.int64)  # its smallest member (rows sorted by uid)
    np.minimum.at(first, raw, np.arange(n))
    order = np.lexsort((first, -sizes))
    renumber = np.empty(len(sizes), dtype=np.int64)
    renumber[order] = np.arange(len(sizes))
    membership = renumber[raw]
    q = gu.modularity(membership.tolist(), weights=uw.tolist(), resolution=resolution)
    return membership, float(q)


def _participation(us, ut, membership, degree, n) -> tuple[np.ndarray, tuple]:
    """P per account, and (account, community, linked accounts) triples sorted by account."""
    c = int(membership.max()) + 1
    a = np.concatenate([us, ut])
    b = np.concatenate([ut, us])
    key, count = np.unique(a * c + membership[b], return_counts=True)
    who, comm = key // c, key % c
    share = count / degree[who]
    return 1.0 - np.bincount(who, weights=share * share, minlength=n), (who, comm, count)


def _communities(nodes, src, dst, weight, membership, limit, top_members) -> list[Community]:
    c = int(membership.max()) + 1
    sizes = np.bincount(membership, minlength=c)
    cs, ct = membership[src], membership[dst]
    same = cs == ct
    inside = np.bincount(cs[same], weights=weight[same], minlength=c).astype(np.int64)
    across = (np.bincount(cs[~same], weights=weight[~same], minlength=c)
              + np.bincount(ct[~same], weights=weight[~same], minlength=c)).astype(np.int64)
    pr = nodes["pagerank"].to_numpy()
    order = np.lexsort((np.arange(len(pr)), -pr, membership))  # by community, then PageRank
    starts = np.searchsorted(membership[order], np.arange(c))
    uids, handles = nodes["uid"], nodes["handle"]
    out = []
    for cid in range(min(c, limit)):
        idx = order[starts[cid]:starts[cid] + min(top_members, sizes[cid])]
        top = [{"uid": uids[int(i)].as_py(), "handle": handles[int(i)].as_py(),
                "pagerank": float(pr[i])} for i in idx]
        names = ", ".join(_label(t) for t in top)
        out.append(Community(
            id=cid, size=int(sizes[cid]), top=top, interactions_inside=int(inside[cid]),
            interactions_across=int(across[cid]),
            why=(f"{sizes[cid]} accounts; most central by PageRank: {names}; "
                 f"{inside[cid]} interactions inside, {across[cid]} with other communities")))
    return out


def _bridges(nodes, reach, min_participation, limit) -> list[Bridge]:
    if limit <= 0:
        return []
    p = nodes["participation"].to_numpy()
    bt = nodes["betweenness"].to_numpy()
    candidates = np.flatnonzero(p >= min_participation) if min_participation > 0 else \
        np.flatnonzero(p > 0)
    ranked = candidates[np.lexsort((candidates, -p[candidates], -bt[candidates]))][:limit]
    who, comm, count = reach
    out = []
    for i in ranked:
        lo, hi = np.searchsorted(who, [i, i + 1])
        links = sorted(({"community": int(comm[j]), "accounts": int(count[j])}
                        for j in range(lo, hi)), key=lambda x: (-x["accounts"], x["community"]))
        r = nodes.slice(int(i), 1).to_pylist()[0]
        spread = ", ".join(f"{x['accounts']} in community {x['community']}" for x in links)
        out.append(Bridge(
            uid=r["uid"], handle=r["handle"], display_name=r["display_name"],
            platform=r["platform"], community=r["community"],
            participation=r["participation"], betweenness=r["betweenness"], degree=r["degree"],
            links=links,
            why=(f"{_label(r)} (community {r['community']}) links {r['degree']} accounts across "
                 f"{len(links)} communities ({spread}); participation coefficient "
                 f"{r['participation']:.2f}, betweenness {r['betweenness']:.4f}")))
    return out


def _label(r: dict) -> str:
    """@handle (a Mastodon handle already starts with @), else the display name, else the uid."""
    h = r.get("handle")
    if h:
        return h if h.startswith("@") else "@" + h
    return r.get("display_name") or r["uid"]


# ------------------------------------------------------------------ writers (GEXF, GraphML)
#
# Both files are streamed, so a large network is never one tree in memory: the declarations are
# built with ElementTree, and every node and edge row is written from columns escaped in Arrow
# (vectorised: six times faster than an ElementTree per row, which matters at millions of edges).
# Handles and names are hostile text: &, <, > and, in attributes, quotes, tab, CR and LF become
# character references; what XML 1.0 cannot carry at all, escaped or not (C0 controls but tab,
# LF and CR; U+FFFE, U+FFFF), becomes U+FFFD, the replacement character. Times are ISO 8601 UTC.

_NOT_XML = r"[\x00-\x08\x0b\x0c\x0e-\x1f\x{fffe}\x{ffff}]"  # RE2, as Arrow reads it
_MARKUP = [("&", "&amp;"), ("<", "&lt;"), (">", "&gt;")]
_IN_ATTR = _MARKUP + [('"', "&quot;"), ("\n", "&#10;"), ("\r", "&#13;"), ("\t", "&#9;")]
_IN_TEXT = _MARKUP + [("\r", "&#13;")]  # a bare CR in text would be read back as LF

NODE_ATTRS = [(f.name, f.type) for f in NODE_SCHEMA]
EDGE_ATTRS = [("kind", pa.string()), ("platform", pa.string()), ("weight", pa.int64()),
              ("first_at", pa.string()), ("last_at", pa.string())]
# in GEXF the weight is the edge's own attribute (Gephi's Weight column), not a declared one
GEXF_EDGE_ATTRS = [a for a in EDGE_ATTRS if a[0] != "weight"]
_XML_TYPE = {pa.string(): "string", pa.int64(): "long", pa.float64(): "double"}
BATCH = 10_000


def _escaped(col: pa.ChunkedArray, refs: list[tuple[str, str]]) -> pa.ChunkedArray:
    """A column as XML-ready text: numbers as shortest round-trip text, times as ISO 8601 UTC,
    strings cleaned and escaped; nulls stay null (the value is then left out)."""
    if pa.types.is_timestamp(col.type):
        t = pc.strftime(col, format="%Y-%m-%dT%H:%M:%S")  # UTC, with microseconds
        return pc.binary_join_element_wise(pc.replace_substring_regex(t, r"\.0+$", ""),
                                           "+00:00", "")
    if not pa.types.is_string(col.type):
        return pc.cast(col, pa.string())
    col = pc.replace_substring_regex(col, _NOT_XML, "\ufffd")
    for plain, ref in refs:
        col = pc.replace_substring(col, plain, ref)
    return col


def _rows(table: pa.Table, refs: list[tuple[str, str]]):
    """Each row as a tuple of XML-ready texts (None where null), a batch at a time."""
    for batch in table.to_batches(max_chunksize=BATCH):
        cols = [_escaped(pa.chunked_array([c]), refs).to_pylist() for c in batch.columns]
        yield from zip(*cols, strict=True)


def _node_ids(net: Network) -> list[str]:
    """Node ids, escaped for an attribute: a uid XML holds as it is is its node's id; any other
    (hostile text) is "n<row>", which no uid is (a uid always has a colon)."""
    uid = net.nodes["uid"]
    clean = pc.equal(pc.replace_substring_regex(uid, _NOT_XML, "\ufffd"), uid).to_pylist()
    escaped = _escaped(uid, _IN_ATTR).to_pylist()
    return [e if ok else f"n{i}" for i, (e, ok) in enumerate(zip(escaped, clean, strict=True))]


def _edges(net: Network, ids: list[str], refs):
    """(row number, source id, target id, EDGE_ATTRS texts) per edge."""
    src = pc.index_in(net.edges["source"], value_set=net.nodes["uid"]).to_pylist()
    dst = pc.index_in(net.edges["target"], value_set=net.nodes["uid"]).to_pylist()
    rows = _rows(net.edges.select([a for a, _ in EDGE_ATTRS]), refs)
    for i, (s, t, r) in enumerate(zip(src, dst, rows, strict=True)):
        yield i, ids[s], ids[t], r


def _xml(el: ET.Element) -> str:
    return ET.tostring(el, encoding="unicode") + "\n"


def write_gexf(net: Network, path: str | Path) -> Path:
    """GEXF 1.3 for Gephi: typed node and edge attributes; an edge per (source, target, kind)
    with its weight, kind (also its label) and first/last time."""
    path = Path(path)
    ids = _node_ids(net)
    edge_attr = [EDGE_ATTRS.index(a) for a in GEXF_EDGE_ATTRS]
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        f.write('<?xml version="1.0" encoding="UTF-8"?>\n'
                '<gexf xmlns="http://gexf.net/1.3" '
                'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
                'xsi:schemaLocation="http://gexf.net/1.3 http://gexf.net/1.3/gexf.xsd" '
                'version="1.3">\n')
        meta = ET.Element("meta", lastmodifieddate=datetime.now(timezone.utc).date().isoformat())
        ET.SubElement(meta, "creator").text = f"socmint {__version__}"
        ET.SubElement(meta, "description").text = (
            "interaction network: accounts, and who acted on whom (reply, repost, quote, "
            "mention, follow), weight = interactions")
        f.write(_xml(meta))
        f.write('<graph defaultedgetype="directed" mode="static">\n')
        for cls, attrs in (("node", NODE_ATTRS), ("edge", GEXF_EDGE_ATTRS)):
            decl = ET.Element("attributes", {"class": cls, "mode": "static"})
            for i, (name, typ) in enumerate(attrs):
                ET.SubElement(decl, "attribute", id=str(i), title=name, type=_XML_TYPE[typ])
            f.write(_xml(decl))
        f.write("<nodes>\n")
        for nid, r in zip(ids, _rows(net.nodes, _IN_ATTR), strict=True):
            label = _label({"uid": r[0], "handle": r[2], "display_name": r[3]})
            f.write(f'<node id="{nid}" label="{label}"><attvalues>' + _attvalues(r)
                    + "</attvalues></node>\n")
        f.write("</nodes>\n<edges>\n")
        for i, s, t, r in _edges(net, ids, _IN_ATTR):
            f.write(f'<edge id="e{i}" source="{s}" target="{t}" label="{r[0]}" weight="{r[2]}">'
                    "<attvalues>" + _attvalues([r[j] for j in edge_attr])
                    + "</attvalues></edge>\n")
        f.write("</edges>\n</graph>\n</gexf>\n")
    return path


def _attvalues(texts) -> str:
    return "".join(f'<attvalue for="{i}" value="{v}"/>'
                   for i, v in enumerate(texts) if v is not None)


def write_graphml(net: Network, path: str | Path) -> Path:
    """GraphML (yEd, Cytoscape, networkx, igraph): the same nodes, edges and attributes as the
    GEXF (the weight a declared edge attribute), each declared as a typed key."""
    path = Path(path)
    ids = _node_ids(net)
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        f.write('<?xml version="1.0" encoding="UTF-8"?>\n'
                '<graphml xmlns="http://graphml.graphdrawing.org/xmlns" '
                'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
                'xsi:schemaLocation="http://graphml.graphdrawing.org/xmlns '
                'http://graphml.graphdrawing.org/xmlns/1.0/graphml.xsd">\n')
        for cls, prefix, attrs in (("node", "d", NODE_ATTRS), ("edge", "e", EDGE_ATTRS)):
            for i, (name, typ) in enumerate(attrs):
                f.write(_xml(ET.Element("key", {"id": f"{prefix}{i}", "for": cls,
                                                "attr.name": name,
                                                "attr.type": _XML_TYPE[typ]})))
        f.write('<graph id="interactions" edgedefault="directed">\n')
        for nid, r in zip(ids, _rows(net.nodes, _IN_TEXT), strict=True):
            f.write(f'<node id="{nid}">' + _data("d", r) + "</node>\n")
        for i, s, t, r in _edges(net, ids, _IN_TEXT):
            f.write(f'<edge id="e{i}" source="{s}" target="{t}">' + _data("e", r) + "</edge>\n")
        f.write("</graph>\n</graphml>\n")
    return path


def _data(prefix: str, texts) -> str:
    return "".join(f'<data key="{prefix}{i}">{v}</data>'
                   for i, v in enumerate(texts) if v is not None)
