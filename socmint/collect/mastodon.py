"""Mastodon (and compatible servers): timelines, hashtags, an account's statuses, threads, search.

Paging follows the API: newest first, then older with `max_id`, down to the newest status the
previous run saw (`since_id`), so a re-run collects only what is new. The checkpoint is the
pass in progress ({"since_id", "max_id", "top"}) or, between passes, the newest id ("newest").
A token (`socmint secret set mastodon token --server HOST`) is sent when the secrets file has one
for that server; public timelines and hashtags do not need it on most servers, search does.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from urllib.parse import quote

from socmint import secrets
from socmint.collect.base import Job, Page
from socmint.collect.http import Client
from socmint.collect.runner import register
from socmint.errors import SocmintError
from socmint.sources.common import utc

PAGE = 40  # the API's maximum page size for timelines


class MastodonCollector:
    platform = "mastodon"
    kinds = ("hashtag", "public", "local", "account", "thread", "search")

    def hosts(self, job: Job) -> set[str]:
        server = job.params.get("server")
        if not isinstance(server, str) or not server or "/" in server:
            raise SocmintError("a Mastodon job names its server: --server mastodon.social")
        return {server.split(":")[0].lower()}

    def base(self, job: Job) -> str:
        server = job.params["server"]
        scheme = job.params.get("scheme", "https")
        return f"{scheme}://{server}"

    async def pages(self, job: Job, client: Client, checkpoint: dict) -> AsyncIterator[Page]:
        server = job.params["server"].split(":")[0].lower()
        token = secrets.get("mastodon", "token", server)
        headers = {"Authorization": f"Bearer {token}"} if token else None
        base = self.base(job)
        if job.kind == "thread":
            sid = str(job.params.get("thread") or job.params.get("id"))
            for path in (f"/api/v1/statuses/{sid}", f"/api/v1/statuses/{sid}/context"):
                r = await client.get(base + path, headers=headers)
                yield Page(r.url, r.data, r.at, {"done": True}, 1, problem=_problem(r))
            return
        if job.kind == "search":
            async for page in self._search(job, client, base, headers, checkpoint):
                yield page
            return
        path = await self._timeline_path(job, client, base, headers)
        if isinstance(path, Page):  # the account lookup failed: stored, and the job stops
            yield path
            return
        async for page in self._timeline(job, client, base + path, headers, checkpoint):
            yield page

    async def _timeline_path(self, job, client, base, headers):
        kind = job.kind
        if kind == "hashtag":
            return "/api/v1/timelines/tag/" + quote(str(job.params["hashtag"]).lstrip("#"), "")
        if kind in ("public", "local"):
            return "/api/v1/timelines/public" + ("?local=true" if kind == "local" else "")
        acct = str(job.params["account"]).lstrip("@")
        r = await client.get(base + "/api/v1/accounts/lookup", params={"acct": acct},
                             headers=headers)
        if r.status != 200 or r.problem:
            return Page(r.url, r.data, r.at, {}, 0, problem=_problem(r) or f"HTTP {r.status}")
        account = r.json()
        if not isinstance(account, dict) or not isinstance(account.get("id"), str):
            return Page(r.url, r.data, r.at, {}, 0, problem="lookup answered no account id")
        return f"/api/v1/accounts/{quote(account['id'], '')}/statuses"

    async def _timeline(self, job, client, url, headers, checkpoint) -> AsyncIterator[Page]:
        since = checkpoint.get("since_id", checkpoint.get("newest"))
        max_id = checkpoint.get("max_id")
        top = checkpoint.get("top")
        size = _page_size(job)
        while True:
            params = {"limit": size}
            if since:
                params["since_id"] = since
            if max_id:
                params["max_id"] = max_id
            r = await client.get(url, params=params, headers=headers)
            statuses = _statuses(r)
            if statuses is None:  # an error answer or an unusable body: stored, then stop
                yield Page(r.url, r.data, r.at, checkpoint, 0,
                           problem=_problem(r) or f"HTTP {r.status}")
                return
            if not statuses:
                if top or since:
                    checkpoint = {"newest": top or since}
                    yield Page(r.url, r.data, r.at, checkpoint, 0)
                return
            ids = [s["id"] for s in statuses if isinstance(s, dict) and isinstance(s.get("id"),
                                                                                   str)]
            top = top or max(ids, key=_order, default=None)
            max_id = min(ids, key=_order, default=None)
            older = job.since is not None and _oldest(statuses) is not None \
                and _oldest(statuses) < job.since
            done = older or len(statuses) < size or max_id is None
            checkpoint = {"newest": top} if done else {"since_id": since, "max_id": max_id,
                                                       "top": top}
            yield Page(r.url, r.data, r.at, checkpoint, len(statuses))
            if done:
                return

    async def _search(self, job, client, base, headers, checkpoint) -> AsyncIterator[Page]:
        offset = int(checkpoint.get("offset", 0))
        size = _page_size(job)
        while True:
            r = await client.get(base + "/api/v2/search", headers=headers, params={
                "q": str(job.params["query"]), "type": "statuses", "limit": size,
                "offset": offset, "resolve": "false"})
            body = r.json() if r.status == 200 and not r.problem else None
            found = body.get("statuses") if isinstance(body, dict) else None
            if not isinstance(found, list):
                yield Page(r.url, r.data, r.at, checkpoint, 0,
                           problem=_problem(r) or f"HTTP {r.status}")
                return
            offset += len(found)
            checkpoint = {"offset": offset}
            yield Page(r.url, r.data, r.at, checkpoint, len(found))
            if len(found) < size:
                return


def _page_size(job: Job) -> int:
    size = job.params.get("page_size", PAGE)
    return size if isinstance(size, int) and 1 <= size <= PAGE else PAGE


def _statuses(r) -> list | None:
    if r.status != 200 or r.problem:
        return None
    body = r.json()
    return body if isinstance(body, list) else None


def _order(status_id: str):
    """Mastodon ids are numeric strings (snowflake-like): compare as numbers."""
    return (len(status_id), status_id)


def _oldest(statuses: list):
    times = []
    for s in statuses:
        try:
            t = utc(s.get("created_at")) if isinstance(s, dict) else None
        except SocmintError:
            t = None
        if t is not None:
            times.append(t)
    return min(times) if times else None


def _problem(r) -> str | None:
    if r.problem:
        return r.problem
    if r.status >= 400:
        return f"HTTP {r.status}"
    return None


register(MastodonCollector())
