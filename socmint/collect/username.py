"""Username presence: is NAME taken on the sites of a Sherlock or Maigret catalog? Honestly.

Catalogs are the investigator's files (`--sites FILE`, repeatable), in either public format:
  Sherlock  {"$schema": ..., "Site": {"url": "https://s.example/{}", "urlMain", "urlProbe",
            "errorType": "status_code" | "message" | "response_url" (or a list of them),
            "errorMsg": str | [str], "errorCode": int | [int], "errorUrl", "regexCheck",
            "username_claimed", "headers", "request_method", "request_payload"}}
  Maigret   {"sites": {"Site": {"url": "{urlMain}/u/{username}", "urlMain", "urlSubpath",
            "urlProbe", "checkType", "presenseStrs", "absenceStrs", "errors", "regexCheck",
            "usernameClaimed", "disabled", "headers", "engine", "type", "protocol",
            "requestMethod", "ignore403", "getParams"}}, "engines": {"Name": {"site": {...}}},
            "tags": [...]}
An engine's `site` fields fill the site as Maigret does (scalars from the engine, dicts
merged, lists joined). A site listed by two catalogs is checked once, as the first one says.

Each site ends in one status, with its reason in words:
  found    the site's own rule says the profile exists, the page is no login wall, and (the
           control) a random unlikely name does not get the same answer
  absent   the site's rule says there is no such account, and for message-type sites the
           catalog's known account (username_claimed / usernameClaimed) is still recognised
  unknown  anything else: blocked (401/403), rate-limited (429 after the client's retries),
           server errors, timeouts, bot challenges, login walls, redirects elsewhere, a site
           that answers the same for any name, markers that contradict
  skipped  no request made: disabled in the catalog, the name breaks the site's regexCheck
           (or cannot be a host name where the URL puts it there), or a check socmint cannot
           run (POST/PUT requests, Tor/I2P/DNS, ids other than usernames)

Decision rules, per check type (a list of types: absent if any rule says absent, found only
if every rule says found):
  status_code   404/410 (and the catalog's errorCode) -> absent; 2xx on the profile URL
                itself -> found; 2xx after a redirect elsewhere, or a login wall -> unknown
  message       an absence string on the page -> absent; 404/410 -> absent; else only a 2xx
                page that stayed on the profile URL and is no login wall counts: with
                presence strings (Maigret), one of them -> found, none -> unknown; without
                (Sherlock), found only if the page mentions the name, else unknown
  response_url  redirected to the catalog's errorUrl (or the site's main page) -> absent;
                stayed on the profile URL with 2xx (and Maigret's presence strings, if any)
                -> found; a login redirect or any other target -> unknown
The client follows redirects only between the catalog's own hosts; a redirect to any other
host is not followed and the site is unknown.

The name goes into every URL percent-encoded (nothing of it can add a path, a query or a
host); names of dots only, empty or over 256 characters are refused.
"""

from __future__ import annotations

import asyncio
import hashlib
import html
import re
import secrets as pysecrets
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit

import httpx
import orjson

from socmint.collect.http import Client, HostRefused
from socmint.errors import SocmintError

STATUSES = ("found", "absent", "unknown", "skipped")
CHECKS = ("status_code", "message", "response_url")
ABSENT_CODES = frozenset({404, 410})
CONCURRENCY = 10
MAX_NAME = 256
SCAN = 1 << 20  # heuristics read the first MiB of a page; markers are searched in all of it
SLOT = "\x00NAME\x00"  # where the name goes in a normalised URL template

# bot challenges: the page is the shield, not the site (Sherlock's WAF list, and common ones)
CHALLENGES = (
    ("challenge-running", "Cloudflare challenge"),
    ('<span id="challenge-error-text">', "Cloudflare challenge"),
    ("cf_chl_opt", "Cloudflare challenge"),
    ("cf-browser-verification", "Cloudflare challenge"),
    ("<title>Just a moment...</title>", "Cloudflare challenge"),
    ("Attention Required! | Cloudflare", "Cloudflare block page"),
    ("AwsWafIntegration", "AWS WAF challenge"),
    ("perimeterxIdentifiers", "PerimeterX challenge"),
    ("_Incapsula_Resource", "Incapsula challenge"),
    ("DDoS-Guard", "DDoS-Guard challenge"),
)
LOGIN_PATH = re.compile(
    r"/(log-?in|sign-?in|sign_in|signin|sign-?up|signup|register|auth|authenticate|"
    r"accounts/login|users/sign_in|session|sessions/new|checkpoint|challenge|captcha)"
    r"(/|\.|$)", re.I)
LOGIN_TITLE = re.compile(r"\b(log ?in|sign ?in|sign ?up|create an account|join now|register|"
                         r"authenticat\w*|verify you are human)\b", re.I)
LOGIN_ASK = re.compile(r"\b(log ?in|sign ?in|sign ?up|logged in|login required)\b.{0,40}?"
                       r"\b(to (continue|see|view|access)|required)|"
                       r"\b(you must|you need to|please) (be )?(log|sign)", re.I | re.S)
TITLE = re.compile(r"<title[^>]{0,200}>([^<]{0,500})", re.I)
PASSWORD = re.compile(r"<input[^>]{0,500}type\s*=\s*[\"']?password", re.I)
NOINDEX = re.compile(r"<meta[^>]{0,300}name\s*=\s*[\"']?robots[^>]{0,300}noindex|"
                     r"<meta[^>]{0,300}noindex[^>]{0,300}name\s*=\s*[\"']?robots", re.I)
HOST_LABEL = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?")


@dataclass(frozen=True)
class Site:
    """One catalog entry, normalised: URL templates carry SLOT where the name goes."""

    name: str
    catalog: str  # "sherlock" or "maigret"
    source: str  # the catalog file's name
    url: str = ""  # the profile as a person opens it
    probe: str | None = None  # what is requested, when it differs from `url`
    main: str | None = None
    checks: tuple[str, ...] = ()
    absence: tuple[str, ...] = ()
    presence: tuple[str, ...] = ()
    error_url: str | None = None
    error_codes: frozenset[int] = frozenset()
    regex: str | None = None
    claimed: str | None = None
    headers: dict = field(default_factory=dict)
    errors: dict = field(default_factory=dict)  # Maigret: text on the page -> what it means
    ignore403: bool = False
    disabled: bool = False
    unsupported: str | None = None  # why socmint cannot run this check

    @property
    def platform(self) -> str:
        """The account platform a candidate gets: the site name, lower-cased."""
        return platform_of(self.name)


@dataclass
class Probe:
    """One request and its verdict: the check itself, or a control."""

    name: str
    url: str  # as requested
    status: str
    reason: str
    http_status: int | None = None
    body: bytes = b""
    final_url: str | None = None
    checked_at: datetime | None = None


@dataclass
class Result:
    site: str
    url: str  # the profile URL for this name
    status: str  # found | absent | unknown | skipped
    reason: str
    http_status: int | None = None
    evidence: bytes = b""  # the response body, byte for byte
    final_url: str | None = None  # where the request ended after redirects
    probe_url: str | None = None  # what was requested
    catalog: str = ""
    source: str = ""
    checked_at: datetime | None = None
    controls: list[Probe] = field(default_factory=list)

    @property
    def platform(self) -> str:
        return platform_of(self.site)


def platform_of(site: str) -> str:
    return re.sub(r"[^a-z0-9._-]+", "-", site.strip().lower()).strip("-") or "site"


# ---------------------------------------------------------------- catalogs


def load_catalog(path: str | Path) -> list[Site]:
    """The sites of one catalog file, Sherlock or Maigret format (told apart by content).

    An unreadable file is a user error; an unreadable entry becomes a site that is skipped
    with its reason, so one bad entry never hides the others.
    """
    path = Path(path)
    try:
        data = orjson.loads(path.read_bytes())
    except OSError as exc:
        raise SocmintError(f"cannot read catalog {path}: {exc.strerror or exc}") from exc
    except orjson.JSONDecodeError as exc:
        raise SocmintError(f"catalog {path} is not JSON: {exc}") from exc
    return parse_catalog(data, path.name)


def parse_catalog(data, source: str) -> list[Site]:
    """The sites of a parsed catalog; `source` names it in results."""
    if not isinstance(data, dict):
        raise SocmintError(f"catalog {source} is not a Sherlock or Maigret data.json")
    sites = data.get("sites")
    if isinstance(sites, dict) and "url" not in sites:
        engines = data.get("engines") if isinstance(data.get("engines"), dict) else {}
        return [_entry(_maigret, n, e, source, engines) for n, e in sites.items()]
    return [_entry(_sherlock, n, e, source) for n, e in data.items() if not n.startswith("$")]


def load_catalogs(paths: Iterable[str | Path]) -> list[Site]:
    """Every catalog's sites; a site already listed (same name) keeps its first entry."""
    out, seen = [], set()
    for p in paths:
        for site in load_catalog(p):
            key = site.name.strip().lower()
            if key not in seen:
                seen.add(key)
                out.append(site)
    return out


def _entry(reader, name, entry, source: str, *args) -> Site:
    name = str(name)
    kind = "maigret" if reader is _maigret else "sherlock"
    if not isinstance(entry, dict):
        return Site(name, kind, source, unsupported="catalog entry is not an object")
    try:
        return reader(name, entry, source, *args)
    except (TypeError, ValueError, KeyError, AttributeError, OverflowError,
            re.error) as exc:
        return Site(name, kind, source, unsupported=f"catalog entry unreadable: {exc}"[:200])


def _strs(v) -> tuple[str, ...]:
    if v is None:
        return ()
    if isinstance(v, str):
        return (v,) if v else ()
    if isinstance(v, list) and all(isinstance(s, str) for s in v):
        return tuple(s for s in v if s)
    raise TypeError(f"expected text or a list of texts, got {type(v).__name__}")


def _text(v, what: str) -> str | None:
    if v is None or v == "":
        return None
    if not isinstance(v, str):
        raise TypeError(f"{what} is not text")
    return v


def _headers(v) -> dict:
    if not v:
        return {}
    if not isinstance(v, dict):
        raise TypeError("headers is not an object")
    return {str(k): str(x) for k, x in v.items() if isinstance(x, (str, int, float))}


def _regex(v) -> str | None:
    v = _text(v, "regexCheck")
    if v is not None:
        re.compile(v)
    return v


def _method(v) -> str | None:
    m = (v or "GET").upper()
    if m in ("GET", "HEAD"):  # HEAD is asked as GET: the same answer, with the page kept
        return None
    return f"the check needs a {m} request; socmint's client sends GET only"


def _sherlock(name: str, e: dict, source: str) -> Site:
    kinds = e.get("errorType")
    checks = _strs(kinds)
    codes = e.get("errorCode")
    codes = [codes] if isinstance(codes, int) else (codes or [])
    url = _text(e.get("url"), "url")
    unsupported = _method(e.get("request_method"))
    if e.get("request_payload") is not None and unsupported is None:
        unsupported = "the check sends a request payload; socmint's client sends GET only"
    if url is None:
        unsupported = "no url in the catalog entry"
    elif not checks or any(c not in CHECKS for c in checks):
        unsupported = f"unknown errorType {kinds!r}"
    return Site(
        name, "sherlock", source,
        url=(url or "").replace("{}", SLOT),
        probe=(_text(e.get("urlProbe"), "urlProbe") or "").replace("{}", SLOT) or None,
        main=_text(e.get("urlMain"), "urlMain"), checks=checks,
        absence=_strs(e.get("errorMsg")),
        error_url=(_text(e.get("errorUrl"), "errorUrl") or "").replace("{}", SLOT) or None,
        error_codes=frozenset(int(c) for c in codes), regex=_regex(e.get("regexCheck")),
        claimed=_text(e.get("username_claimed"), "username_claimed"),
        headers=_headers(e.get("headers")), unsupported=unsupported)


def _maigret(name: str, e: dict, source: str, engines: dict) -> Site:
    engine = e.get("engine")
    if engine is not None:
        spec = engines.get(engine) if isinstance(engine, str) else None
        if not isinstance(spec, dict) or not isinstance(spec.get("site", {}), dict):
            raise ValueError(f"engine {engine!r} is not in the catalog")
        e = dict(e)
        for k, v in spec.get("site", {}).items():  # as Maigret applies an engine
            if isinstance(v, dict):
                e[k] = {**(e.get(k) or {}), **v}
            elif isinstance(v, list):
                e[k] = list(e.get(k) or []) + v
            else:
                e[k] = v
    main = _text(e.get("urlMain"), "urlMain") or ""
    sub = _text(e.get("urlSubpath"), "urlSubpath") or ""

    def template(t: str | None) -> str | None:
        if not t:
            return None
        t = t.replace("{urlMain}", main).replace("{urlSubpath}", sub)
        t = re.sub(r"(?<!:)/{2,}", "/", t)  # as Maigret: "{urlMain}/" joins with one slash
        return t.replace("{username}", SLOT)

    url = template(_text(e.get("url"), "url"))
    probe = template(_text(e.get("urlProbe"), "urlProbe"))
    params = e.get("getParams") or {}
    if params and isinstance(params, dict):
        extra = "&".join(f"{quote(str(k))}={quote(str(v))}" for k, v in params.items())
        base = probe or url or ""
        probe = base + ("&" if "?" in base else "?") + extra
    check = e.get("checkType")
    unsupported = _method(e.get("requestMethod"))
    if e.get("type", "username") != "username":
        unsupported = f"the site checks a {e.get('type')}, not a username"
    elif e.get("protocol") in ("tor", "i2p", "dns"):
        unsupported = f"a {e['protocol']} check; socmint checks web sites only"
    elif url is None:
        unsupported = "no url in the catalog entry"
    elif check not in CHECKS:
        unsupported = f"unknown checkType {check!r}"
    errors = e.get("errors") or {}
    if not isinstance(errors, dict):
        raise TypeError("errors is not an object")
    return Site(
        name, "maigret", source, url=url or "", probe=probe, main=main or None,
        checks=(check,) if check in CHECKS else (), absence=_strs(e.get("absenceStrs")),
        presence=_strs(e.get("presenseStrs")), regex=_regex(e.get("regexCheck")),
        claimed=_text(e.get("usernameClaimed"), "usernameClaimed"),
        headers=_headers(e.get("headers")),
        errors={str(k): str(v) for k, v in errors.items()},
        ignore403=bool(e.get("ignore403")), disabled=e.get("disabled") is True,
        unsupported=unsupported)


# ---------------------------------------------------------------- names and URLs


def check_name(name: str) -> str:
    if not isinstance(name, str) or not name.strip():
        raise SocmintError("a username to check is required")
    if len(name) > MAX_NAME:
        raise SocmintError(f"a username of {len(name)} characters? at most {MAX_NAME}")
    if set(name) == {"."}:
        raise SocmintError(f"{name!r} names a folder, not an account")
    return name


def _in_host(template: str) -> bool:
    rest = template.split("//", 1)[-1]
    return SLOT in re.split(r"[/?#]", rest, maxsplit=1)[0]


def render(template: str, name: str) -> str:
    """The template with the name in it: percent-encoded in a path or query (nothing of the
    name can add a segment, a query or a fragment), lower-cased where the template puts the
    name in the host (`_why_not` has checked it is a host label there)."""
    return template.replace(SLOT, name.lower() if _in_host(template) else quote(name, safe=""))


def _why_not(site: Site, name: str) -> str | None:
    """Why this site is not checked for this name (skipped), or None."""
    if site.disabled:
        return "disabled in the catalog"
    if site.unsupported:
        return site.unsupported
    if site.regex and re.search(site.regex, name) is None:
        return f"the name does not fit the site's username rule {site.regex}"
    if any(_in_host(t) for t in (site.probe or site.url, site.url)) and not (
            HOST_LABEL.fullmatch(name.lower())):
        return "the name cannot be a host name, and this site puts it in the host"
    try:
        _hosts_of(site, name)
        probe = urlsplit(render(site.probe or site.url, name))
        probe.port  # noqa: B018  (a malformed port raises here, not in the middle of a check)
    except ValueError as exc:
        return f"the catalog's URL is malformed ({exc})"[:200]
    if probe.scheme.lower() not in ("http", "https") or not probe.hostname:
        return f"not a web address: {render(site.probe or site.url, name)[:100]}"
    return None


def control_names(site: Site, token: str) -> list[str]:
    """Unlikely names to probe the site with, from one random token, first fitting first."""
    letters = "".join(c for c in token.lower() if c.isalpha()) or "qzxkvwjh"
    digits = "".join(str(ord(c) % 10) for c in token)
    out = []
    for cand in (token, letters, digits, letters[:8], digits[:8]):
        if cand and cand not in out and _why_not(site, cand) is None:
            out.append(cand)
    return out


def new_token() -> str:
    """A fresh control name: lower-case letters then digits, 14 characters."""
    abc = "abcdefghijklmnopqrstuvwxyz"
    return ("".join(pysecrets.choice(abc) for _ in range(10))
            + "".join(pysecrets.choice("0123456789") for _ in range(4)))


def _hosts_of(site: Site, name: str) -> set[str]:
    hosts = set()
    for t in (site.probe, site.url, site.error_url, site.main):
        if t:
            host = urlsplit(render(t, name)).hostname
            if host:
                hosts.add(host.lower())
    return hosts


def hosts_for(name: str, sites: Iterable[Site], token: str) -> set[str]:
    """Every host a check of `name` may contact: the catalog's own URLs (probe, profile,
    error page, main page) for the sites that will be checked, with the control names too."""
    hosts: set[str] = set()
    for site in sites:
        if _why_not(site, name) is not None:
            continue
        for n in (name, site.claimed, *control_names(site, token)[:2]):
            if n and _why_not(site, n) is None:
                hosts |= _hosts_of(site, n)
    return hosts


# ---------------------------------------------------------------- judging one answer


@dataclass
class Answer:
    url: str  # requested
    final_url: str | None
    status: int  # 0: no answer
    body: bytes
    headers: dict
    at: datetime
    problem: str | None = None


def decode(body: bytes, headers: dict | None = None) -> str:
    charset = "utf-8"
    m = re.search(r"charset=([\w.-]{1,40})", (headers or {}).get("content-type", ""), re.I)
    if m:
        charset = m.group(1)
    try:
        return body.decode(charset, errors="replace")
    except LookupError:
        return body.decode("utf-8", errors="replace")


def mentions(text: str, name: str) -> bool:
    low = text.lower()
    return name.lower() in low or html.escape(name).lower() in low


def login_wall(final_url: str | None, text: str, name: str) -> str | None:
    """Why the page is a login wall or interstitial rather than a profile, or None."""
    path = urlsplit(final_url or "").path
    own = (quote(name, safe="").lower(), name.lower())  # a user "login" has a profile /u/login
    if LOGIN_PATH.search("/".join(s for s in path.split("/") if s.lower() not in own)):
        return f"the site sent the request to a login page ({path})"
    head = text[:SCAN]
    m = TITLE.search(head)
    if m:
        title = html.unescape(m.group(1)).strip()
        if LOGIN_TITLE.search(title.replace(name, " ")):
            return f"the page is a login page (title {title[:80]!r})"
    named = mentions(head, name)
    if not named and PASSWORD.search(head):
        return "the page is a login form and does not mention the name"
    if not named and LOGIN_ASK.search(head):
        return "the page asks to log in and does not mention the name"
    if not named and NOINDEX.search(head):
        return "the page is a no-index interstitial that does not mention the name"
    return None


def _norm(url: str | None) -> tuple[str, str, str]:
    p = urlsplit(url or "")
    host = (p.hostname or "").lower()
    host = host[4:] if host.startswith("www.") else host
    return host, unquote(p.path).rstrip("/").lower(), p.query


def same_page(requested: str, final: str | None, name: str) -> bool:
    """Did the request stay on the profile (allowing a trailing slash, case, www., https)?"""
    if final is None or final == requested:
        return True
    (h1, p1, q1), (h2, p2, q2) = _norm(requested), _norm(final)
    if h1 != h2:
        return False
    if p1 == p2 and (q1 == q2 or not q1):
        return True
    return name.lower() in p2.split("/") and not LOGIN_PATH.search(p2)


def _matches(target: str | None, final: str | None) -> bool:
    if not target or not final:
        return False
    (h1, p1, q1), (h2, p2, q2) = _norm(target), _norm(final)
    return h1 == h2 and p1 == p2 and (not q1 or q1 == q2)


def judge(site: Site, name: str, a: Answer) -> tuple[str, str]:
    """The verdict of one answer under the site's rules: (status, reason)."""
    if a.status == 0:
        return "unknown", f"no answer: {a.problem or 'no response'}"
    text = decode(a.body, a.headers)
    for mark, what in CHALLENGES:
        if mark in text:
            return "unknown", f"a bot challenge answered, not the site ({what})"
    for mark, what in site.errors.items():
        if mark and mark in text:
            return "unknown", f"the site's error page: {what}"
    s = a.status
    if s == 429:
        return "unknown", "rate-limited (HTTP 429) after the client's retries"
    if s >= 500:
        return "unknown", f"server error (HTTP {s})"
    if s in (401, 403) and not (s == 403 and site.ignore403):
        return "unknown", f"access refused (HTTP {s}): blocked, or a login is required"
    if 300 <= s < 400:
        return "unknown", f"a redirect (HTTP {s}) with nowhere to go"
    moved = not same_page(a.url, a.final_url, name)
    wall = login_wall(a.final_url, text, name)
    verdicts = [_rule(kind, site, name, a, text, moved, wall) for kind in site.checks]
    for status in ("absent", "unknown"):
        hits = [why for st, why in verdicts if st == status]
        if hits:
            return status, hits[0]
    return "found", "; ".join(why for _, why in verdicts)


def _rule(kind: str, site: Site, name: str, a: Answer, text: str, moved: bool,
          wall: str | None) -> tuple[str, str]:
    s = a.status
    ok = 200 <= s < 300
    gone = s in ABSENT_CODES or s in site.error_codes or (s == 403 and site.ignore403)
    elsewhere = f"redirected to {a.final_url}, away from the profile URL"
    if kind == "status_code":
        if gone:
            return "absent", f"HTTP {s} for the profile URL"
        if not ok:
            return "unknown", f"HTTP {s}: the status code says nothing here"
        if wall:
            return "unknown", wall
        if moved:
            return "unknown", elsewhere
        return "found", f"HTTP {s} on the profile URL"
    if kind == "message":
        hit = next((m for m in site.absence if m in text), None)
        if hit is not None:
            return "absent", f"the page says {hit[:80]!r}"
        if gone:
            return "absent", f"HTTP {s} for the profile URL"
        if not ok:
            return "unknown", f"HTTP {s} and no absence marker"
        if wall:
            return "unknown", wall
        if moved:
            return "unknown", elsewhere
        if site.presence:
            shown = next((m for m in site.presence if m in text), None)
            if shown is None:
                return "unknown", "neither a presence nor an absence marker is on the page"
            return "found", f"the page shows {shown[:80]!r} and no absence marker"
        if not mentions(text, name):
            return "unknown", "no absence marker, but the page does not mention the name"
        return "found", "no absence marker, and the page mentions the name"
    # response_url
    if moved:
        if _matches(site.error_url and render(site.error_url, name), a.final_url):
            return "absent", f"redirected to the catalog's not-found page {a.final_url}"
        if _matches(site.main, a.final_url):
            return "absent", f"redirected to the site's main page {a.final_url}"
        return "unknown", wall or (elsewhere + ", not to the catalog's not-found page")
    if gone:
        return "absent", f"HTTP {s} for the profile URL"
    if not ok:
        return "unknown", f"HTTP {s} on the profile URL"
    if wall:
        return "unknown", wall
    if site.presence and not any(m in text for m in site.presence):
        return "unknown", "stayed on the profile URL, but no presence marker is on the page"
    return "found", f"stayed on the profile URL (HTTP {s})"


# ---------------------------------------------------------------- checking


@dataclass
class _Run:
    client: Client
    sem: asyncio.Semaphore
    locks: dict[str, asyncio.Lock] = field(default_factory=dict)

    async def ask(self, site: Site, name: str) -> Answer:
        """One request, one host at a time (so the client's per-host pace holds) and at most
        `concurrency` in flight overall."""
        url = render(site.probe or site.url, name)
        host = (urlsplit(url).hostname or "").lower()
        lock = self.locks.setdefault(host, asyncio.Lock())
        async with lock, self.sem:
            try:
                r = await self.client.get(url, headers=site.headers or None, expect_json=False)
            except HostRefused as exc:
                return _no_answer(url, f"not followed: {exc}")
            except (httpx.HTTPError, httpx.InvalidURL, ValueError) as exc:
                return _no_answer(url, f"{type(exc).__name__}: {exc}"[:300])
        if r.status == 0:
            return _no_answer(url, r.problem or "no response", r.at)
        return Answer(url, r.url, r.status, r.data, r.headers, r.at, r.problem)

    async def probe(self, site: Site, name: str) -> Probe:
        a = await self.ask(site, name)
        status, reason = judge(site, name, a)
        return Probe(name, a.url, status, reason, a.status or None, a.body, a.final_url, a.at)


def _no_answer(url: str, why: str, at: datetime | None = None) -> Answer:
    return Answer(url, None, 0, b"", {}, at or datetime.now(timezone.utc), why)


async def check(name: str, sites: Iterable[Site], client: Client, *,
                concurrency: int = CONCURRENCY, controls: bool = True,
                token: str | None = None) -> list[Result]:
    """Check `name` on every site, in catalog order; never raises for a site's failure.

    The client must allow `hosts_for(name, sites, token)` (see `check_username`). With
    `controls`, a "found" is re-asked with a random unlikely name (`token`), and a
    message-type "absent" with the catalog's known account: a site that answers both the
    same way cannot tell accounts apart, and the result is unknown.
    """
    name = check_name(name)
    sites = list(sites)
    token = token or new_token()
    run = _Run(client, asyncio.Semaphore(max(1, concurrency)))
    return list(await asyncio.gather(*(_one(run, s, name, controls, token) for s in sites)))


async def _one(run: _Run, site: Site, name: str, controls: bool, token: str) -> Result:
    url = render(site.url, name) if site.url else ""
    why = _why_not(site, name)
    if why is not None:
        return Result(site.name, url, "skipped", why, catalog=site.catalog,
                      source=site.source, checked_at=datetime.now(timezone.utc))
    refused = sorted(h for h in _hosts_of(site, name) if h not in run.client.hosts)
    if refused:
        return Result(site.name, url, "unknown", f"host {refused[0]} is not allowed for this "
                      "check", catalog=site.catalog, source=site.source,
                      checked_at=datetime.now(timezone.utc))
    p = await run.probe(site, name)
    res = Result(site.name, url, p.status, p.reason, p.http_status, p.body, p.final_url, p.url,
                 site.catalog, site.source, p.checked_at)
    if controls:
        await _control(run, site, name, token, res)
    return res


async def _control(run: _Run, site: Site, name: str, token: str, res: Result) -> None:
    weak = "message" in site.checks and not site.presence  # found only by an absent marker
    if res.status == "found":
        names = [n for n in control_names(site, token) if n.lower() != name.lower()]
        if not names:
            res.reason += "; no control: no unlikely name fits the site's username rule"
            if weak:
                res.status = "unknown"
            return
        c = await run.probe(site, names[0])
        res.controls.append(c)
        if c.status == "found":
            res.status = "unknown"
            res.reason = (f"{res.reason}, but a random unlikely name ({c.name}) gets the same "
                          "answer: the site cannot tell accounts apart here")
        elif c.status == "absent":
            res.reason += f"; control: a random name is absent ({c.reason})"
        else:
            res.reason += f"; control inconclusive ({c.reason})"
            if weak:
                res.status = "unknown"
    elif (res.status == "absent" and "message" in site.checks and site.claimed
          and site.claimed.lower() != name.lower() and _why_not(site, site.claimed) is None):
        c = await run.probe(site, site.claimed)
        res.controls.append(c)
        if c.status == "absent":
            res.status = "unknown"
            res.reason = (f"{res.reason}, but the catalog's known account ({c.name}) gets the "
                          "same answer: the site's markers no longer tell accounts apart")
        elif c.status == "found":
            res.reason += f"; control: the known account {c.name} is found"
        else:
            res.reason += f"; control with the known account inconclusive ({c.reason})"


def check_username(name: str, sites: Iterable[Site], *, concurrency: int = CONCURRENCY,
                   controls: bool = True, **client_options) -> list[Result]:
    """The whole check with its own client, allowed exactly the catalog's hosts.

    `client_options` go to the Client (proxy, user_agent, timeout, attempts, per_second,
    on_wait, ...); the case's proxy and user agent should be among them. A presence check
    waits less for a dead site than a collection does: 15 s, two attempts, unless told.
    """
    client_options.setdefault("timeout", 15.0)
    client_options.setdefault("attempts", 2)
    name = check_name(name)
    sites = list(sites)
    token = new_token()
    hosts = hosts_for(name, sites, token)

    async def go() -> list[Result]:
        async with Client(hosts, **client_options) as client:
            return await check(name, sites, client, concurrency=concurrency,
                               controls=controls, token=token)

    return asyncio.run(go())


# ---------------------------------------------------------------- into the case


def record(name: str, res: Result) -> dict:
    """The evidence item that says what a check found (socmint.sources.username reads it)."""
    def probe(p: Probe) -> dict:
        return {"name": p.name, "url": p.url, "status": p.status, "reason": p.reason,
                "http_status": p.http_status, "final_url": p.final_url,
                "checked_at": p.checked_at.isoformat() if p.checked_at else None,
                "body_sha256": hashlib.sha256(p.body).hexdigest() if p.body else None}

    return {"socmint": "username.check", "version": 1, "name": name, "site": res.site,
            "platform": res.platform, "catalog": res.catalog, "catalog_file": res.source,
            "url": res.url, "probe_url": res.probe_url, "final_url": res.final_url,
            "status": res.status, "reason": res.reason, "http_status": res.http_status,
            "checked_at": res.checked_at.isoformat() if res.checked_at else None,
            "body_sha256": hashlib.sha256(res.evidence).hexdigest() if res.evidence else None,
            "body_size": len(res.evidence), "controls": [probe(c) for c in res.controls]}


def store_results(case, name: str, results: list[Result]):
    """Keep every check in the case: each response body (and each control's) as its own
    evidence item, and one `username.check` item per site saying what was decided, from
    which the mapper makes a candidate account for each "found". Returns the import report.
    """
    from socmint import audit, store
    from socmint.framing import digest
    from socmint.ingest import FileReport, Importer, new_run_id, record_run
    from socmint.mapping import RawItem

    name = check_name(name)
    items: list[RawItem] = []
    now = datetime.now(timezone.utc)

    def add(data: bytes, origin: str, at: datetime | None, framing: str) -> None:
        items.append(RawItem(data, digest(data), origin, 0, 1, at or now, "request", framing))

    for res in results:
        at = res.checked_at or now
        origin = res.probe_url or res.url or f"username:{res.site}"
        if res.evidence:
            add(res.evidence, res.final_url or origin, at, "file")
        for c in res.controls:
            if c.body:
                add(c.body, c.final_url or c.url, c.checked_at, "file")
        add(orjson.dumps(record(name, res)), origin, at, "document")
    started = datetime.now(timezone.utc)
    counts = {s: sum(r.status == s for r in results) for s in STATUSES}
    run = new_run_id()
    with case.writing():
        con = store.connect(case)
        try:
            imp = Importer(case, con, run, method="collect")
            fr = FileReport(f"username {name}", f"username:{name}", "request")
            imp.report.files.append(fr)
            try:
                if items:
                    imp.add_batch(items, fr)
            finally:
                imp.close()
            imp.classify()
            imp.report.items = fr.counts
            store.rebuild_current(con, incremental=True)
            record_run(con, run, "username", started, {"name": name, "sites": len(results)},
                        {**imp.report.as_dict(), "statuses": counts})
        finally:
            con.close()
    audit.record(case, "username", {"name": name, "run": run, "sites": len(results)},
                 {**counts, **imp.report.as_dict()["items"]})
    return imp.report
