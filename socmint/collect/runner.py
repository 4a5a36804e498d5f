"""Declared jobs, run through the one pipeline: pages in, evidence and tables out, resumable.

A job is saved in the case (`jobs`), so it can be re-run or watched. Each page a collector yields
is one batch of the import pipeline (method "collect", origin the request URL, retrieved_at the
response's arrival); the job's checkpoint is written in the same transaction as the page, so a
job killed at any moment resumes after the last page it stored, missing and repeating nothing.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timezone

import orjson

from socmint import audit, secrets, store
from socmint.case import Case, operator
from socmint.collect.base import Collector, Job, Page
from socmint.collect.http import Client
from socmint.errors import SocmintError
from socmint.framing import digest
from socmint.ingest import FileReport, Importer, after_run, new_run_id, record_run
from socmint.mapping import RawItem

COLLECTORS: dict[str, Collector] = {}


def register(collector: Collector) -> Collector:
    COLLECTORS[collector.platform] = collector
    return collector


def collector_for(platform: str) -> Collector:
    from socmint.collect import platforms  # noqa: F401  (registers every collector)

    try:
        return COLLECTORS[platform]
    except KeyError:
        raise SocmintError(f"no collector for {platform!r}: choose one of "
                           f"{', '.join(sorted(COLLECTORS))}") from None


@dataclass
class CollectReport:
    job: str
    run: str
    pages: int = 0
    items: Counter = field(default_factory=Counter)  # read/new/updated/duplicate/rejected
    posts: int = 0  # as the collector counted them, for the job's limit
    requests: int = 0
    waits: list[tuple[float, str]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    finished: bool = False  # the collector reached its end (or the limit), not an error

    def as_dict(self) -> dict:
        return {"job": self.job, "run": self.run, "pages": self.pages,
                "items": {k: self.items.get(k, 0) for k in ("read", "new", "updated",
                                                            "duplicate", "rejected")},
                "posts": self.posts, "requests": self.requests,
                "waited_seconds": round(sum(w for w, _ in self.waits), 3),
                "problems": self.problems[:20], "finished": self.finished}


def job_id(platform: str, kind: str, params: dict) -> str:
    key = orjson.dumps(params, option=orjson.OPT_SORT_KEYS)
    return f"{platform}-{kind}-{hashlib.sha256(key).hexdigest()[:10]}"


def save_job(case: Case, platform: str, kind: str, params: dict, *,
             since: datetime | None = None, until: datetime | None = None,
             limit: int | None = None) -> Job:
    """Declare a job (or find the same one already declared)."""
    collector = collector_for(platform)
    if kind not in collector.kinds:
        raise SocmintError(f"{platform} collects {', '.join(collector.kinds)}, not {kind!r}")
    job = Job(job_id(platform, kind, params), platform, kind, params, since, until, limit)
    collector.hosts(job)  # a job that names no usable host is refused now, not at run time
    with case.writing():
        con = store.connect(case)
        try:
            con.execute("INSERT INTO jobs VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO "
                        "NOTHING", [job.id, platform, kind, orjson.dumps(params).decode(), since,
                                    until, limit, datetime.now(timezone.utc), operator()])
        finally:
            con.close()
    audit.record(case, "collect.job", {"job": job.id, "platform": platform, "kind": kind,
                                       "params": _redacted(params)})
    return job


def jobs(case: Case) -> list[tuple[Job, dict, datetime | None]]:
    """Every saved job with its checkpoint and when it last stored a page."""
    con = store.connect(case)
    try:
        rows = con.execute(
            "SELECT j.id, j.platform, j.kind, j.params, j.since, j.until, j.limit, "
            "s.checkpoint, s.updated_at FROM jobs j LEFT JOIN job_state s ON s.job = j.id "
            "ORDER BY j.created_at").fetchall()
    finally:
        con.close()
    return [(Job(i, p, k, orjson.loads(params), since, until, limit),
             orjson.loads(cp) if cp else {}, at)
            for i, p, k, params, since, until, limit, cp, at in rows]


def run(case: Case, job_id: str, *, client: dict | None = None,
        on_page=None) -> CollectReport:
    """Run a saved job from its checkpoint to its end (or its limit); returns what it did."""
    found = [j for j, _, _ in jobs(case) if j.id == job_id]
    if not found:
        raise SocmintError(f"no saved job {job_id!r} (see `socmint jobs`)")
    job = found[0]
    collector = collector_for(job.platform)
    report = CollectReport(job.id, new_run_id())
    started = datetime.now(timezone.utc)
    with case.writing():
        con = store.connect(case)
        try:
            imp = Importer(case, con, report.run, method="collect")
            fr = FileReport(f"job {job.id}", f"job:{job.id}", "request")
            imp.report.files.append(fr)
            checkpoint = _checkpoint(con, job.id)
            options = {"proxy": case.settings.proxy, "user_agent": case.settings.user_agent,
                       **(client or {})}
            try:
                asyncio.run(_pump(job, collector, checkpoint, imp, fr, report, options, on_page))
            finally:
                imp.close()
            imp.classify()
            report.items = fr.counts
            store.rebuild_current(con, incremental=True)
            record_run(con, report.run, "collect", started, {"job": job.id},
                        report.as_dict())
            after_run(case, con, report.run)
        finally:
            con.close()
    audit.record(case, "collect", {"job": job.id, "run": report.run},
                 {**report.as_dict()["items"], "pages": report.pages,
                  "requests": report.requests, "finished": report.finished})
    return report


async def _pump(job: Job, collector: Collector, checkpoint: dict, imp: Importer,
                fr: FileReport, report: CollectReport, options: dict, on_page) -> None:
    def waited(seconds: float, why: str) -> None:
        report.waits.append((seconds, why))
        if on_page:
            on_page(None, report, (seconds, why))

    client = Client(collector.hosts(job), on_wait=waited,
                    **{k: v for k, v in options.items() if v is not None})
    last_problem = None
    async with client:
        async for page in collector.pages(job, client, checkpoint):
            last_problem = page.problem
            report.requests = client.requests
            if page.problem:
                report.problems.append(secrets.redact(f"{page.url}: {page.problem}"))
            if page.data:
                imp.add_batch(_items(page), fr, _saver(job.id, page.checkpoint, imp.run))
                report.pages += 1
                report.posts += page.items
            if on_page:
                on_page(page, report, None)
            if job.limit is not None and report.posts >= job.limit:
                break
        else:  # the collector ran out of pages; it ends on a problem when it had to stop
            report.finished = last_problem is None
        report.requests = client.requests
    if job.limit is not None and report.posts >= job.limit:
        report.finished = True


def _items(page: Page) -> list[RawItem]:
    context = page.context or None
    if page.framing == "lines":
        out, offset = [], 0
        for n, line in enumerate(page.data.split(b"\n"), start=1):
            if line.strip():
                out.append(RawItem(line, digest(line), page.url, offset, n, page.at, "request",
                                   "lines", context))
            offset += len(line) + 1
        return out
    return [RawItem(page.data, digest(page.data), page.url, 0, 1, page.at, "request",
                    page.framing, context)]


def _saver(job: str, checkpoint: dict, run: str):
    def save(con) -> None:
        con.execute("INSERT OR REPLACE INTO job_state VALUES (?, ?, ?, ?)",
                    [job, orjson.dumps(checkpoint).decode(), datetime.now(timezone.utc), run])
    return save


def _checkpoint(con, job: str) -> dict:
    rows = con.execute("SELECT checkpoint FROM job_state WHERE job = ?", [job]).fetchall()
    return orjson.loads(rows[0][0]) if rows and rows[0][0] else {}


def _redacted(params: dict) -> dict:
    return orjson.loads(secrets.redact(orjson.dumps(params).decode()))
