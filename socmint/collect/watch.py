"""Monitoring: re-run saved jobs on an interval, and record what changed since the last sighting.

After a run (an import or a collection), `detect_changes` compares, for every post and account the
run observed, each of the run's observations with the record's previous observation (from any
run), field by field:

- "edited": a post's text, or an account's handle, display name, bio, url, location or avatar
  changed (a rename is an edit of the handle);
- "metrics": a count changed (likes, reposts, replies, quotes, views; followers, following,
  posts_count), with before, after and delta;
- "deleted": an observation marked deleted=True (a tombstone: the platform said the item is gone)
  after one that was not; "reappeared": a record seen present again after a tombstone.

A field is compared with its last non-null value, so an observation that does not carry a field
(a stub account named in a mention, a Jetstream delete event without text) is no change; the
before side is the observation that held that value, with its time and evidence hash.

Deletion is only ever what a mapper says: tombstone observations (X v2 errors, Bluesky delete
commits and account events, Reddit "[deleted]", YouTube "Deleted video", ...). Absence is not
deletion here: a post missing from a timeline page may have scrolled out, been filtered, or not
been asked for. A collector that re-fetches one item (a thread or status job) and is told 404 must
say so with a tombstone observation; this detector then reports it like any other.

Changes go to the `changes` table; edits and deletions also raise alerts (socmint.alerts), which
an analyst lists and acknowledges. The detection is one Ibis expression per table (a window
over each record's observations, ordered by observed_at, source_offset, evidence, comparing every
field with its lag), run on DuckDB here and unchanged on any engine Ibis drives; it reads only
the records the run touched, in uid-hash chunks, so memory stays bounded whatever the case size.
"""

from __future__ import annotations

import re
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict, dataclass, fields
from datetime import datetime, timezone

import ibis
import ibis.selectors as s

from socmint import alerts, audit, secrets, store
from socmint.case import Case
from socmint.collect import runner
from socmint.errors import SocmintError

EDIT_FIELDS = {
    "posts": ("text",),
    "accounts": ("handle", "display_name", "bio", "url", "location", "avatar_url"),
}
METRIC_FIELDS = {
    "posts": ("likes", "reposts", "replies", "quotes", "views"),
    "accounts": ("followers", "following", "posts_count"),
}
# An observation that holds none of these (nor deleted=False) says nothing about whether the
# record still exists: a stub, or a reference. It is no evidence of a reappearance.
_PRESENCE = {"posts": ("created_at",), "accounts": ()}
ALERT_KINDS = ("edited", "deleted")
KINDS = ("edited", "metrics", "deleted", "reappeared")
_NOUN = {"posts": "post", "accounts": "account"}
_STATE = "deleted"  # the field name a deletion or reappearance is recorded under

DDL = """
CREATE TABLE IF NOT EXISTS changes (
  uid VARCHAR, "table" VARCHAR, kind VARCHAR, field VARCHAR, before VARCHAR, after VARCHAR,
  delta BIGINT, observed_before TIMESTAMPTZ, observed_at TIMESTAMPTZ, evidence_before VARCHAR,
  evidence_after VARCHAR, run VARCHAR);
"""


@dataclass(frozen=True)
class Change:
    uid: str
    table: str  # posts | accounts
    kind: str  # edited | metrics | deleted | reappeared
    field: str  # the field that changed; "deleted" for deletions and reappearances
    before: str | None  # values as text ("true"/"false" for deleted)
    after: str | None
    delta: int | None  # after - before, for metrics
    observed_before: datetime | None
    observed_at: datetime
    evidence_before: str | None  # SHA-256 of the evidence item that showed the before state
    evidence_after: str
    run: str


_COLUMNS = [f.name for f in fields(Change)]


def ensure_tables(con) -> None:
    con.execute(DDL)
    alerts.ensure_table(con)


# --- detection -------------------------------------------------------------------------------

def transitions(obs: ibis.Table, evidence: ibis.Table, table: str, run: str) -> ibis.Table:
    """The changes `run` shows in one table's observations, as one Ibis expression.

    `obs` should already be limited to the records the run touched (the window is per uid, so
    any superset gives the same answer, only slower).
    """
    edit, metric = EDIT_FIELDS[table], METRIC_FIELDS[table]
    ev = evidence.select(_ev=evidence.sha256, _run=evidence.run)
    o = obs.join(ev, obs.evidence == ev._ev)
    w = ibis.window(group_by=o.uid, order_by=[o.observed_at, o.source_offset, o.evidence])
    present = ~o.deleted.fill_null(True)  # deleted=False said so explicitly
    for f in edit + metric + _PRESENCE[table]:
        present |= o[f].notnull()
    state = ibis.cases((o.deleted.fill_null(False), "true"), (present, "false"),
                       else_=ibis.null("string"))
    o = o.select(
        "uid", "observed_at", "evidence", "_run",
        _seq=ibis.row_number().over(w),
        _prev_at=o.observed_at.lag().over(w), _prev_ev=o.evidence.lag().over(w),
        **{f: o[f].cast("string") for f in edit + metric}, **{_STATE: state})
    long = o.pivot_longer(s.cols(*edit, *metric, _STATE), names_to="field", values_to="after")
    long = long.filter(long.after.notnull())
    w2 = ibis.window(group_by=[long.uid, long.field], order_by=long._seq)
    long = long.mutate(before=long.after.lag().over(w2),
                       observed_before=long.observed_at.lag().over(w2),
                       evidence_before=long.evidence.lag().over(w2))
    mine = long.filter(long._run == run)
    is_state = mine.field == _STATE
    differs = mine.before.notnull() & (mine.before != mine.after)
    # a tombstone after observations that said nothing either way still ends a record we saw
    # (row_number counts from 0: _seq > 0 means an earlier observation exists)
    gone = is_state & (mine.after == "true") & (
        (mine.before == "false") | (mine.before.isnull() & (mine._seq > 0)))
    back = is_state & (mine.after == "false") & (mine.before == "true")
    kind = ibis.cases((gone, "deleted"), (back, "reappeared"),
                      (~is_state & differs & mine.field.isin(list(edit)), "edited"),
                      (~is_state & differs & mine.field.isin(list(metric)), "metrics"),
                      else_=ibis.null("string"))
    found = mine.mutate(kind=kind)
    found = found.filter(found.kind.notnull())
    unknown_before = found.before.isnull()  # only a tombstone after stateless observations
    return found.select(
        uid=found.uid, table=ibis.literal(table), kind=found.kind, field=found.field,
        before=ibis.ifelse(found.kind == "deleted", "false", found.before),
        after=found.after,
        delta=ibis.ifelse(found.kind == "metrics",
                          found.after.cast("int64") - found.before.cast("int64"),
                          ibis.null("int64")),
        observed_before=ibis.ifelse(unknown_before, found._prev_at, found.observed_before),
        observed_at=found.observed_at,
        evidence_before=ibis.ifelse(unknown_before, found._prev_ev, found.evidence_before),
        evidence_after=found.evidence, run=ibis.literal(run))


def detect_changes(con, run: str) -> list[Change]:
    """Record (and return) the changes the run's observations show; edits and deletions alert.

    Running it again for the same run replaces that run's changes and adds no second alert.
    """
    ensure_tables(con)
    ib = ibis.duckdb.from_connection(con)
    evidence = ib.table("evidence")
    mine = evidence.filter(evidence.run == run).sha256
    con.execute("DELETE FROM changes WHERE run = ?", [run])
    for table in EDIT_FIELDS:
        obs = ib.table(f"{table}_obs")
        touched = obs.filter(obs.evidence.isin(mine)).select("uid").distinct()
        con.execute("CREATE OR REPLACE TEMP TABLE _watch_touched AS "
                    + ibis.to_sql(touched, dialect="duckdb"))
        n = store.scalar(con, "SELECT count(*) FROM _watch_touched")
        if not n:
            continue
        rows = store.scalar(con, f"SELECT count(*) FROM {table}_obs WHERE uid IN "
                                 "(SELECT uid FROM _watch_touched)")
        chunks = max(1, -(-rows // store.CHUNK_ROWS))
        touched_uids = ib.table("_watch_touched").uid
        for i in range(chunks):
            part = obs.filter(obs.uid.isin(touched_uids))
            if chunks > 1:
                part = part.filter((part.uid.hash() % chunks + chunks) % chunks == i)
            expr = transitions(part, evidence, table, run)
            con.execute("INSERT INTO changes BY NAME " + ibis.to_sql(expr, dialect="duckdb"))
    con.execute("DROP TABLE IF EXISTS _watch_touched")
    found = _changes(con, "WHERE run = ?", [run])
    _raise_alerts(con, run, [c for c in found if c.kind in ALERT_KINDS])
    return found


def changes(con, run: str | None = None, uid: str | None = None) -> list[Change]:
    """Recorded changes, oldest first; of one run, or of one record, when asked."""
    ensure_tables(con)
    where, params = [], []
    if run is not None:
        where.append("run = ?")
        params.append(run)
    if uid is not None:
        where.append("uid = ?")
        params.append(uid)
    return _changes(con, ("WHERE " + " AND ".join(where)) if where else "", params)


def _changes(con, where: str, params: list) -> list[Change]:
    cols = ", ".join(f'"{c}"' for c in _COLUMNS)
    rows = con.execute(f"SELECT {cols} FROM changes {where} ORDER BY observed_at, \"table\", uid, "
                       "field, evidence_after", params).fetchall()
    return [Change(*r) for r in rows]


def _raise_alerts(con, run: str, found: list[Change]) -> None:
    """One alert per edit or deletion."""
    alerts.raise_alerts(con, [{"at": c.observed_at, "kind": c.kind, "uid": c.uid,
                               "summary": summary(c), "run": c.run} for c in found])


_SPACE = re.compile(r"[\s\x00-\x1f\x7f-\x9f\u2028\u2029\u200b-\u200f\u202a-\u202e]+")


def _quote(value: str | None, width: int = 60) -> str:
    """One line, cut short: the words an analyst reads, with nothing that can break a line."""
    if value is None:
        return "(none)"
    one = _SPACE.sub(" ", value).strip()
    return "'" + (one if len(one) <= width else one[:width].rstrip() + "...") + "'"


def summary(c: Change) -> str:
    """The change in plain words: "post mastodon:... was edited: 'old...' -> 'new...'"."""
    noun = _NOUN.get(c.table, c.table)
    when = c.observed_at.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")
    if c.kind == "edited":
        what = "" if c.field == "text" else f"{c.field} "
        return f"{noun} {c.uid} was edited: {what}{_quote(c.before)} -> {_quote(c.after)}"
    if c.kind == "deleted":
        return f"{noun} {c.uid} was deleted (the platform said it is gone, seen {when})"
    if c.kind == "reappeared":
        return f"{noun} {c.uid} reappeared after a deletion (seen {when})"
    return f"{noun} {c.uid} {c.field}: {c.before} -> {c.after} ({c.delta:+d})"


# --- the loop --------------------------------------------------------------------------------

def watch(case: Case, job_ids: list[str] | None = None, every: float = 900.0,
          rounds: int | None = None, run_job: Callable = runner.run,
          sleep: Callable[[float], None] = time.sleep,
          on_round: Callable[[dict], None] | None = None) -> list[dict]:
    """Run the saved jobs (all of them, or those named) in rounds that start `every` seconds
    apart (a round that takes longer is followed at once); after each run, detect and record
    changes and raise alerts.

    Stops after `rounds` rounds (None: until interrupted; Ctrl-C ends it cleanly, between or
    inside a round). A job that fails (a SocmintError or anything unexpected) is reported in the
    round and the next job runs. Each round is audited ("watch.round") and handed to
    `on_round`; the rounds done are returned.
    """
    if every < 0:
        raise SocmintError("the watch interval cannot be negative")
    if rounds is not None and rounds < 1:
        raise SocmintError("watch at least one round")
    saved = [j.id for j, _, _ in runner.jobs(case)]
    if job_ids:
        unknown = [j for j in job_ids if j not in saved]
        if unknown:
            raise SocmintError(f"no saved job {', '.join(map(repr, unknown))} "
                               "(see `socmint jobs`)")
    elif not saved:
        raise SocmintError("no saved jobs to watch: declare one with `socmint collect` first")
    done: list[dict] = []
    try:
        ids = list(job_ids) if job_ids else saved
        while rounds is None or len(done) < rounds:
            started = time.monotonic()
            if not job_ids:  # jobs saved while watching join the next round
                try:
                    ids = [j.id for j, _, _ in runner.jobs(case)]
                except SocmintError:  # the case is busy: the same jobs as last round
                    pass
            result = _round(case, len(done) + 1, ids, run_job)
            done.append(result)
            if on_round:
                on_round(result)
            if rounds is not None and len(done) >= rounds:
                break
            sleep(max(0.0, every - (time.monotonic() - started)))
    except KeyboardInterrupt:
        audit.record(case, "watch.stop", {"rounds": len(done)}, outcome="interrupted")
    return done


def _round(case: Case, number: int, ids: list[str], run_job: Callable) -> dict:
    started = datetime.now(timezone.utc)
    result = {"round": number, "started_at": started, "jobs": []}
    for job in ids:
        entry: dict = {"job": job, "run": None, "status": "ok", "problems": [], "error": None,
                       "changes": {}, "alerts": []}
        result["jobs"].append(entry)
        try:
            report = run_job(case, job)
            entry["run"] = report.run
            entry["problems"] = list(report.problems)
            if report.problems:
                entry["status"] = "problems"
            found = _detect(case, report.run)
            entry["changes"] = dict(Counter(c.kind for c in found))
            entry["alerts"] = [summary(c) for c in found if c.kind in ALERT_KINDS]
        except SocmintError as exc:
            entry.update(status="failed", error=secrets.redact(str(exc)))
        except Exception as exc:  # noqa: BLE001  (one bad job never ends the watch)
            entry.update(status="failed",
                         error=secrets.redact(f"{type(exc).__name__}: {exc}")[:500])
    result["finished_at"] = datetime.now(timezone.utc)
    counts = Counter()
    for entry in result["jobs"]:
        counts["jobs_" + entry["status"]] += 1
        counts.update(entry["changes"])
        counts["alerts"] += len(entry["alerts"])
    audit.record(case, "watch.round",
                 {"round": number, "jobs": ids,
                  "runs": [e["run"] for e in result["jobs"] if e["run"]]},
                 dict(counts),
                 outcome="ok" if all(e["status"] == "ok" for e in result["jobs"]) else "problems")
    return result


def _detect(case: Case, run: str) -> list[Change]:
    with case.writing():
        con = store.connect(case)
        try:
            return detect_changes(con, run)
        finally:
            con.close()


def as_dict(c: Change) -> dict:
    return asdict(c)
