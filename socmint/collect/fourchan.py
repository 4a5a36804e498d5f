"""4chan, through its read-only JSON API (a.4cdn.org): a board's catalog, one thread, an archive.

Kinds and params ("api" defaults to https://a.4cdn.org; tests point it at a loopback server):
- "catalog" {"board"}: GET /{board}/catalog.json, every live thread's OP and last replies.
- "thread" {"board", "thread"}: GET /{board}/thread/{no}.json. A 404 means the thread is gone
  (pruned or deleted): the job reports it.
- "archive" {"board"}: GET /{board}/archive.json (the numbers of the board's archived threads,
  kept whole as evidence, not mapped), then each archived thread not collected before, in the
  archive's order (oldest first: the first to be purged), until the job's limit (posts).

The API's rules are kept: at most one request a second (the client's default pace for every
host), and If-Modified-Since on catalogs, threads and the archive list, from the Last-Modified
each earlier answer gave, so a re-run of an unchanged thread or catalog stores nothing new (304).

Checkpoint: {"modified": {url: Last-Modified}}; an archive job adds "todo" (listed threads not yet
collected) and "done" (collected, or gone, and still listed: threads that leave the archive are
forgotten, so the checkpoint never outgrows the archive). A run stopped midway resumes with the
threads still to do; an archived thread is never asked for twice (archived threads are closed:
they no longer change).

The API's JSON does not name the board, so each page carries it as context
({"payload_defaults": {"board": "pol"}}), which mapping adds to a thread's object and to each
page of a catalog: their posts get board-qualified uids ("fourchan:pol/123").
An answer that is an error after the client's retries is stored as it came (when it has a body)
and reported; a thread that is gone or unreadable does not stop an archive job, a server that
keeps failing does (the rest is left for the next run).
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from urllib.parse import urlsplit

import orjson

from socmint.collect.base import Job, Page
from socmint.collect.http import Client, Response
from socmint.collect.runner import register
from socmint.errors import SocmintError

API = "https://a.4cdn.org"
_BOARD = re.compile(r"[a-z0-9]{1,16}")


class FourchanCollector:
    platform = "fourchan"
    kinds = ("catalog", "thread", "archive")

    def hosts(self, job: Job) -> set[str]:
        self.board(job)
        if job.kind == "thread":
            self.thread(job)
        return {urlsplit(self.api(job)).hostname}

    def api(self, job: Job) -> str:
        api = job.params.get("api", API)
        try:
            parts = urlsplit(api) if isinstance(api, str) else None
        except ValueError:
            parts = None
        if not parts or parts.scheme not in ("http", "https") or not parts.hostname:
            raise SocmintError(f"a 4chan job's api is an http(s) URL, not {api!r}")
        return api.rstrip("/")

    def board(self, job: Job) -> str:
        board = job.params.get("board")
        board = board.strip("/").lower() if isinstance(board, str) else ""
        if not _BOARD.fullmatch(board):
            raise SocmintError("a 4chan job names its board: --board pol")
        return board

    def thread(self, job: Job) -> int:
        no = job.params.get("thread")
        if isinstance(no, str) and no.isascii() and no.isdigit() and len(no) < 19:
            no = int(no)
        if not isinstance(no, int) or isinstance(no, bool) or no <= 0:
            raise SocmintError("a 4chan thread job names the thread's number: --thread 123")
        return no

    async def pages(self, job: Job, client: Client, checkpoint: dict) -> AsyncIterator[Page]:
        board = self.board(job)
        base = f"{self.api(job)}/{board}"
        modified = dict(checkpoint.get("modified") or {})
        context = {"payload_defaults": {"board": board}}
        if job.kind == "catalog":
            yield await self._document(client, f"{base}/catalog.json", modified, context,
                                       _catalog_posts)
        elif job.kind == "thread":
            no = self.thread(job)
            page = await self._document(client, f"{base}/thread/{no}.json", modified, context,
                                        _thread_posts)
            if page.problem and page.problem.startswith("HTTP 404"):
                page.problem = f"thread {no} on /{board}/ is gone (HTTP 404: pruned or deleted)"
            yield page
        else:
            async for page in self._archive(client, base, board, checkpoint, modified, context):
                yield page

    async def _document(self, client: Client, url: str, modified: dict, context: dict,
                        count) -> Page:
        """One catalog or thread, asked for only if it changed since the last answer."""
        r = await client.get(url, headers=_since(modified, url))
        if r.status == 304:  # unchanged: nothing to store
            return Page(r.url, b"", r.at, {"modified": modified}, 0)
        items = count(r)
        if items is None:
            return Page(r.url, r.data, r.at, {"modified": modified}, 0, problem=_problem(r),
                        context=context)
        done = {"modified": _modified(modified, url, r)}
        return Page(r.url, r.data, r.at, done, items, context=context)

    async def _archive(self, client, base, board, checkpoint, modified, context
                       ) -> AsyncIterator[Page]:
        url = f"{base}/archive.json"
        done = set(checkpoint.get("done") or [])
        todo = list(checkpoint.get("todo") or [])
        r = await client.get(url, headers=_since(modified, url))
        if r.status != 304:
            listed = _archive_list(r)
            if listed is None:
                problem = _problem(r)
                if r.status == 404:
                    problem = f"/{board}/ has no archive (HTTP 404)"
                yield Page(r.url, r.data, r.at, checkpoint, 0, problem=problem)
                return
            modified = _modified(modified, url, r)
            done &= set(listed)
            todo = [n for n in listed if n not in done]
            yield Page(r.url, r.data, r.at, _state(modified, todo, done), 0, framing="file")
        while todo:
            no = todo[0]
            r = await client.get(f"{base}/thread/{no}.json")
            posts = _thread_posts(r)
            if posts is None and r.status not in (200, 404):  # the server fails: stop here
                yield Page(r.url, r.data, r.at, _state(modified, todo, done), 0,
                           problem=_problem(r), context=context)
                return
            todo.pop(0)
            done.add(no)
            problem = None
            if r.status == 404:
                problem = f"archived thread {no} on /{board}/ is gone (HTTP 404)"
            elif posts is None:
                problem = _problem(r)
            yield Page(r.url, r.data, r.at, _state(modified, todo, done), posts or 0,
                       problem=problem, context=context)
            if problem and not todo:  # a gone last thread is no failure: the job is complete
                yield Page(url, b"", r.at, _state(modified, todo, done), 0)


def _since(modified: dict, url: str) -> dict | None:
    lm = modified.get(url)
    return {"If-Modified-Since": lm} if isinstance(lm, str) and lm else None


def _modified(modified: dict, url: str, r: Response) -> dict:
    lm = r.headers.get("last-modified")
    return {**modified, url: lm} if lm else modified


def _state(modified: dict, todo: list[int], done: set[int]) -> dict:
    return {"modified": modified, "todo": list(todo), "done": sorted(done)}


def _body(r: Response):
    if r.status != 200 or r.problem:
        return None
    try:
        return orjson.loads(r.data)
    except orjson.JSONDecodeError:
        return None


def _thread_posts(r: Response) -> int | None:
    """Posts in a thread answer, or None when it is not one."""
    body = _body(r)
    posts = body.get("posts") if isinstance(body, dict) else None
    return len(posts) if isinstance(posts, list) and posts else None


def _catalog_posts(r: Response) -> int | None:
    """OPs and last replies in a catalog answer, or None when it is not one."""
    body = _body(r)
    if not isinstance(body, list):
        return None
    n = 0
    for page in body:
        threads = page.get("threads") if isinstance(page, dict) else None
        for t in threads if isinstance(threads, list) else ():
            if isinstance(t, dict):
                replies = t.get("last_replies")
                n += 1 + (len(replies) if isinstance(replies, list) else 0)
    return n


def _archive_list(r: Response) -> list[int] | None:
    body = _body(r)
    if not isinstance(body, list):
        return None
    return [n for n in body if isinstance(n, int) and not isinstance(n, bool) and n > 0]


def _problem(r: Response) -> str:
    if r.problem:
        return r.problem
    if r.status != 200:
        return f"HTTP {r.status}"
    return "not the answer the API gives (no posts, threads or thread list)"


register(FourchanCollector())
