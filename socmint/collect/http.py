"""The one HTTP client collectors use: only the hosts a job names, politely, and resiliently.

- A request to a host the job does not name is refused before any socket opens; redirects are
  followed only between named hosts.
- Each host has a pace (requests per second) kept before the server complains, and the server's
  own budget headers (`x-ratelimit-remaining` / `-reset`) pause the client before it runs out.
- 429 and 5xx wait as `Retry-After` says (seconds or an HTTP date), else back off exponentially;
  timeouts, dropped connections and truncated or malformed bodies are retried, and after the
  last attempt the response is returned with its problem named, never raised as a crash.
- The case's proxy (HTTP or SOCKS, so Tor works) and user agent apply to every request.
- URLs are redacted of every known secret before they are kept anywhere (evidence origins,
  errors, progress).
"""

from __future__ import annotations

import asyncio
import email.utils
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from urllib.parse import urljoin, urlsplit

import httpx
import orjson

from socmint import __version__, secrets
from socmint.errors import SocmintError

USER_AGENT = f"socmint/{__version__} (open-source research tool)"
RETRY_STATUS = {429, 500, 502, 503, 504}
MAX_WAIT = 15 * 60  # never sleep longer than this on one server's word


class HostRefused(SocmintError):
    """A request to a host the job did not name."""


@dataclass
class Response:
    url: str  # as requested, secrets redacted
    status: int
    data: bytes
    headers: dict[str, str]
    at: datetime  # when the response arrived (UTC)
    problem: str | None = None  # why the body is unusable after every retry, if it is
    attempts: int = 1

    def json(self):
        return orjson.loads(self.data)


@dataclass
class Pace:
    """Spacing between requests to one host, and a pause the server asked for."""

    per_second: float
    next_at: float = 0.0
    paused_until: float = 0.0



@dataclass
class Client:
    hosts: set[str]
    per_second: dict[str, float] = field(default_factory=dict)  # by host; default 1/s
    proxy: str | None = None
    user_agent: str = USER_AGENT
    timeout: float = 30.0
    attempts: int = 5
    backoff: float = 1.0  # first retry wait, doubled each time, with jitter
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep
    clock: Callable[[], float] = time.monotonic
    on_wait: Callable[[float, str], None] | None = None  # (seconds, reason): for progress bars
    transport: httpx.AsyncBaseTransport | None = None  # tests only: a socket-free transport
    requests: int = 0
    _paces: dict[str, Pace] = field(default_factory=dict)
    _http: httpx.AsyncClient | None = None

    async def __aenter__(self) -> Client:
        self._http = httpx.AsyncClient(
            proxy=self.proxy, timeout=self.timeout, follow_redirects=False,
            headers={"User-Agent": self.user_agent}, transport=self.transport)
        return self

    async def __aexit__(self, *exc) -> None:
        await self._http.aclose()

    def check_host(self, url: str) -> str:
        host = (urlsplit(url).hostname or "").lower()
        if host not in self.hosts:
            raise HostRefused(f"refused: {host or url!r} is not a host this job names "
                              f"({', '.join(sorted(self.hosts))})")
        return host

    async def get(self, url: str, *, params: dict | None = None, headers: dict | None = None,
                  expect_json: bool = True) -> Response:
        """GET with pacing, retries and redirects between named hosts."""
        return await self._request("GET", url, params=params, headers=headers,
                                   expect_json=expect_json)

    async def post(self, url: str, *, json: dict | None = None, data: dict | None = None,
                   auth: tuple[str, str] | None = None, headers: dict | None = None,
                   expect_json: bool = True) -> Response:
        """POST (a login, a token request) with the same care as GET, but no redirect is ever
        followed: credentials go to the one address named. The body appears in nothing the
        response or its problems say."""
        return await self._request("POST", url, json=json, data=data, auth=auth,
                                   headers=headers, expect_json=expect_json)

    async def _request(self, method: str, url: str, *, expect_json: bool, **kw) -> Response:
        host = self.check_host(url)
        problem = None
        for attempt in range(1, self.attempts + 1):
            await self._wait_turn(host)
            try:
                if method == "GET":
                    r = await self._follow(url, kw.get("params"), kw.get("headers"))
                else:
                    self.requests += 1
                    r = await self._http.request(method, url, **kw)
                    await r.aread()
            except HostRefused as exc:  # a redirect elsewhere: reported, never followed
                return Response(secrets.redact(url), 0, b"", {}, datetime.now(timezone.utc),
                                str(exc), attempt)
            except (httpx.TimeoutException, httpx.TransportError) as exc:
                problem = f"{type(exc).__name__}: {secrets.redact(str(exc))[:200]}"
                await self._backoff(attempt, None, problem)
                continue
            self._note_budget(host, r)
            data = r.content
            response = Response(secrets.redact(str(r.request.url)), r.status_code, data,
                                {k.lower(): v for k, v in r.headers.items()},
                                datetime.now(timezone.utc), None, attempt)
            if r.status_code in RETRY_STATUS:
                problem = f"HTTP {r.status_code}"
                if attempt < self.attempts:
                    await self._backoff(attempt, r.headers.get("retry-after"), problem)
                    continue
                response.problem = problem
                return response
            if expect_json and 200 <= r.status_code < 300:
                try:
                    orjson.loads(data)
                except orjson.JSONDecodeError as exc:
                    problem = f"malformed JSON ({exc})"[:200]
                    if attempt < self.attempts:
                        await self._backoff(attempt, None, problem)
                        continue
                    response.problem = problem
            return response
        return Response(secrets.redact(url), 0, b"", {}, datetime.now(timezone.utc),
                        problem or "no response", self.attempts)

    async def _follow(self, url, params, headers) -> httpx.Response:
        for _ in range(5):
            self.requests += 1
            r = await self._http.get(url, params=params, headers=headers)
            if r.status_code not in (301, 302, 303, 307, 308) or "location" not in r.headers:
                await r.aread()
                return r
            url = urljoin(str(r.request.url), r.headers["location"])
            self.check_host(url)
            params = None
        raise httpx.TooManyRedirects("more than 5 redirects", request=r.request)

    async def _wait_turn(self, host: str) -> None:
        """Each request reserves its slot before it sleeps, so concurrent tasks to one host
        queue behind each other instead of waking together."""
        pace = self._paces.setdefault(host, Pace(self.per_second.get(host, 1.0)))
        now = self.clock()
        start = max(now, pace.next_at, pace.paused_until)
        pace.next_at = start + 1.0 / pace.per_second
        if start > now:
            if self.on_wait:
                self.on_wait(start - now, f"pacing {host}")
            await self.sleep(start - now)

    def _note_budget(self, host: str, r: httpx.Response) -> None:
        """Stop before the server's budget runs out, until it resets."""
        remaining = _number(r.headers.get("x-ratelimit-remaining"))
        if remaining is None or remaining > 1:
            return
        wait = _reset_seconds(r.headers.get("x-ratelimit-reset"))
        if wait:
            self._paces[host].paused_until = self.clock() + min(wait, MAX_WAIT)

    async def _backoff(self, attempt: int, retry_after: str | None, why: str) -> None:
        wait = _retry_after(retry_after)
        if wait is None:
            wait = self.backoff * 2 ** (attempt - 1) * (1 + random.random() / 4)
        wait = min(wait, MAX_WAIT)
        if self.on_wait:
            self.on_wait(wait, why)
        await self.sleep(wait)


def _number(v) -> float | None:
    try:
        return float(v)
    except (TypeError, ValueError):
        return None


def _retry_after(v: str | None) -> float | None:
    """Retry-After: delta seconds, or an HTTP date."""
    if not v:
        return None
    n = _number(v)
    if n is not None:
        return max(0.0, n)
    try:
        when = email.utils.parsedate_to_datetime(v)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, (when - datetime.now(timezone.utc)).total_seconds())


def _reset_seconds(v: str | None) -> float | None:
    """x-ratelimit-reset comes as seconds to wait (Reddit), an epoch (X) or an ISO time
    (Mastodon)."""
    if not v:
        return None
    n = _number(v)
    if n is not None:
        return max(0.0, n - time.time()) if n > 1e9 else max(0.0, n)
    try:
        when = datetime.fromisoformat(v.replace("Z", "+00:00"))
    except ValueError:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, (when - datetime.now(timezone.utc)).total_seconds())
