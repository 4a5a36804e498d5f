"""Username presence checks against loopback sites: each check type's found/absent/unknown, login
walls and sites that answer the same for any name never "found", timeouts, skips, hostile names,
bounded concurrency and per-host pacing, only the catalog's hosts contacted, results in the case.

The catalogs keep their real-looking hosts (alpha.example, ...): the client allows exactly those,
and a transport hands each request, Host header intact, to the loopback server on 127.0.0.1.
"""

from __future__ import annotations

import asyncio
import hashlib
import threading
import time

import httpx
import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from socmint import sources, store
from socmint.collect import username
from socmint.collect.http import Client
from socmint.errors import RejectedItem, SocmintError
from socmint.sources import username as username_source

from .conftest import OWN_FIXTURES
from .loopback import Loopback, Reply
from .mutation import mutated, survives

CATALOGS = [OWN_FIXTURES / "username_sites" / "sherlock.json",
            OWN_FIXTURES / "username_sites" / "maigret.json"]
TOKEN = "qzxkvwjhtp"  # the control name the checks use in these tests
HTML = {"Content-Type": "text/html; charset=utf-8"}

LOGIN_PAGE = (b'<!doctype html><html><head><title>Log in \xe2\x80\xa2 Walled</title>'
              b'<meta property="og:title" content="Walled">'
              b'<meta name="robots" content="noindex"></head><body>'
              b'<form action="/accounts/login/ajax/"><input name="username">'
              b'<input type="password" name="password"></form>'
              b"<p>Sign up to see photos and videos from your friends.</p></body></html>")


def page(text: str) -> bytes:
    return f"<!doctype html><html><head><title>{text}</title></head><body>{text}</body></html>" \
        .encode()


def profile(name: str, marker: str = "") -> bytes:
    return (f'<!doctype html><html><head><title>{name} - profile</title></head><body>'
            f'<div class="{marker}"><h1>{name}</h1></div><a href="/login">Log in</a>'
            f"</body></html>").encode()


class ToLoopback(httpx.AsyncBaseTransport):
    """Sends every request to the loopback server, keeping its Host header."""

    def __init__(self, srv: Loopback):
        self.port = srv.server.server_address[1]
        self.inner = httpx.AsyncHTTPTransport()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        url = request.url.copy_with(scheme="http", host="127.0.0.1", port=self.port)
        fwd = httpx.Request(request.method, url, headers=request.headers, stream=request.stream,
                            extensions=request.extensions)  # the client's timeouts ride here
        return await self.inner.handle_async_request(fwd)

    async def aclose(self) -> None:
        await self.inner.aclose()


def watch(srv: Loopback) -> dict:
    """Count requests in flight at the server, and when each arrived."""
    stats = {"active": 0, "peak": 0, "seen": []}
    lock = threading.Lock()
    handler = srv.server.RequestHandlerClass
    inner = handler.do_GET

    def do_get(self):
        with lock:
            stats["active"] += 1
            stats["peak"] = max(stats["peak"], stats["active"])
            stats["seen"].append((self.headers.get("host"), self.path, time.monotonic()))
        try:
            inner(self)
        finally:
            with lock:
                stats["active"] -= 1

    handler.do_GET = do_get
    return stats


@pytest.fixture
def sites():
    return {s.name: s for s in username.load_catalogs(CATALOGS)}


@pytest.fixture
def srv():
    with Loopback() as s:
        yield s


def run(srv, name, sites, *, concurrency=10, controls=True, per_second=1000.0, **client):
    sites = list(sites)
    hosts = username.hosts_for(name, sites, TOKEN)
    opts = {"per_second": {h: per_second for h in hosts}, "timeout": 5.0, "attempts": 2,
            "backoff": 0.01, "transport": ToLoopback(srv), **client}

    async def go():
        async with Client(hosts, **opts) as c:
            return await username.check(name, sites, c, concurrency=concurrency,
                                        controls=controls, token=TOKEN)

    return {r.site: r for r in asyncio.run(go())}


def hosts_asked(srv) -> set[str]:
    return {r.headers["host"] for r in srv.requests}


# ---------------------------------------------------------------- catalogs


def test_both_catalog_formats_load_with_their_rules(sites):
    assert "$schema" not in sites
    assert sites["Alpha"].catalog == "sherlock"  # first catalog wins over Maigret's "Alpha"
    assert username.render(sites["Alpha"].url, "bob") == "https://alpha.example/u/bob"
    nov = sites["November"]  # engine fields fill the site, urlMain and urlSubpath expand
    assert nov.checks == ("message",)
    assert nov.absence == ("The specified member cannot be found",)
    assert username.render(nov.url, "bob") == \
        "https://november.example/forum/members/?username=bob"
    assert username.render(sites["Kilo"].url, "bob") == "https://kilo.example/users/bob"
    assert sites["Hotel"].checks == ("message", "status_code")
    assert sites["Echo"].error_codes == {400}
    assert sites["Oscar"].disabled
    assert "not an object" in sites["Broken"].unsupported
    assert "no url" in sites["NoUrl"].unsupported


def test_unreadable_catalog_is_a_user_error(tmp_path):
    bad = tmp_path / "data.json"
    bad.write_text("[1, 2]")
    with pytest.raises(SocmintError, match="not a Sherlock or Maigret"):
        username.load_catalog(bad)
    bad.write_text("{nope")
    with pytest.raises(SocmintError, match="not JSON"):
        username.load_catalog(bad)
    with pytest.raises(SocmintError, match="cannot read"):
        username.load_catalog(tmp_path / "missing.json")


# ---------------------------------------------------------------- decision rules per check type


def test_status_code_found_absent_unknown(srv, sites):
    srv.route("/u/bob", [Reply(200, profile("bob"), HTML)])
    srv.route("/u/nobody", [Reply(404, page("Not here"), HTML)])
    srv.route("/u/gone", [Reply(410, b"")])
    srv.route("/u/hidden", [Reply(403, page("Forbidden"), HTML)])
    srv.route("/u/slow", [Reply(429, b"", {"Retry-After": "0"})])
    srv.route("/u/broken", [Reply(503, b"")])
    srv.route("/u/moved", [Reply(302, b"", {"Location": "/welcome"})])
    srv.route("/welcome", [Reply(200, page("Welcome to Alpha"), HTML)])
    alpha = [sites["Alpha"]]
    found = run(srv, "bob", alpha)["Alpha"]
    assert (found.status, found.http_status) == ("found", 200)
    assert found.evidence == profile("bob") and "random name is absent" in found.reason
    assert found.url == "https://alpha.example/u/bob"
    assert run(srv, "nobody", alpha)["Alpha"].status == "absent"
    assert run(srv, "gone", alpha)["Alpha"].status == "absent"
    for name, words in (("hidden", "403"), ("slow", "429"), ("broken", "503"),
                        ("moved", "redirected to https://alpha.example/welcome")):
        r = run(srv, name, alpha)["Alpha"]
        assert r.status == "unknown" and words in r.reason, (name, r.reason)
    assert srv.hits["/u/slow"] == 2  # the client's retries, then unknown


def test_status_code_error_code_and_probe_url(srv, sites):
    srv.route("/v1/users/bob", [Reply(200, b'{"username": "bob"}')])
    srv.route("/v1/users/nobody", [Reply(400, b'{"error": "invalid user"}')])
    r = run(srv, "bob", [sites["Echo"]])["Echo"]
    assert r.status == "found"
    assert r.url == "https://echo.example/@bob"  # the profile a person opens
    assert r.probe_url == "https://api.echo.example/v1/users/bob"  # what was asked
    asked = [q for q in srv.requests if q.path == "/v1/users/bob"][0]
    assert asked.headers["host"] == "api.echo.example"
    assert asked.headers["accept"] == "application/json"  # the catalog's headers are sent
    assert run(srv, "nobody", [sites["Echo"]])["Echo"].status == "absent"  # errorCode 400


def test_message_sherlock_and_maigret(srv, sites):
    srv.route("/people/bob", [Reply(200, profile("bob"), HTML)])
    srv.route("/people/nobody", [Reply(200, page("No such user"), HTML)])
    srv.route("/people/known", [Reply(200, profile("known"), HTML)])
    srv.route("/people/dave", [Reply(200, page("Something else entirely"), HTML)])
    srv.route("/bob", [Reply(200, profile("bob", "profile-header"), HTML)])
    srv.route("/nobody", [Reply(200, page("User not found"), HTML)])
    srv.route("/known", [Reply(200, profile("known", "profile-header"), HTML)])
    srv.route("/carol", [Reply(200, profile("carol", "no-marker-here"), HTML)])
    both = [sites["Bravo"], sites["Lima"]]
    r = run(srv, "bob", both)
    assert r["Bravo"].status == "found" and "mentions the name" in r["Bravo"].reason
    assert r["Lima"].status == "found" and "profile-header" in r["Lima"].reason
    r = run(srv, "nobody", both)
    assert r["Bravo"].status == "absent" and "No such user" in r["Bravo"].reason
    assert r["Lima"].status == "absent"
    assert [c.name for c in r["Lima"].controls] == ["known"]  # the known account still shows
    assert r["Lima"].controls[0].status == "found"
    # no absence marker, but the page says nothing of the name: unknown, not found
    assert run(srv, "dave", [sites["Bravo"]])["Bravo"].status == "unknown"
    # Maigret: neither the presence nor the absence marker: unknown
    r = run(srv, "carol", [sites["Lima"]])["Lima"]
    assert r.status == "unknown" and "neither" in r.reason


def test_message_with_engine_and_error_strings(srv, sites):
    # one path for every name (the name is in the query): first bob, then the control name
    srv.route("/forum/members/", [Reply(200, profile("bob", "member-profile"), HTML),
                                  Reply(200, page("The specified member cannot be found"))])
    r = run(srv, "bob", [sites["November"]])["November"]
    assert r.status == "found", r.reason
    assert [q.query for q in srv.requests] == [{"username": ["bob"]}, {"username": [TOKEN]}]
    srv.route("/q/bob", [Reply(200, page("Too many requests, slow down"), HTML)])
    r = run(srv, "bob", [sites["Quebec"]])["Quebec"]
    assert r.status == "unknown" and "rate limited" in r.reason


def test_several_error_types_must_all_agree(srv, sites):
    srv.route("/h/bob", [Reply(200, profile("bob"), HTML)])
    srv.route("/h/sus", [Reply(200, page("This account is suspended"), HTML)])
    srv.route("/h/missing", [Reply(404, page("nothing"), HTML)])
    srv.route("/h/known", [Reply(200, profile("known"), HTML)])
    hotel = [sites["Hotel"]]
    assert run(srv, "bob", hotel)["Hotel"].status == "found"
    assert run(srv, "sus", hotel)["Hotel"].status == "absent"
    assert run(srv, "missing", hotel)["Hotel"].status == "absent"


def test_response_url(srv, sites):
    srv.route("/profile/bob", [Reply(200, profile("bob"), HTML)])
    srv.route("/profile/nobody", [Reply(302, b"", {"Location": "/missing"})])
    srv.route("/missing", [Reply(200, page("We looked everywhere"), HTML)])
    srv.route("/profile/eve", [Reply(302, b"", {"Location": "/trending"})])
    srv.route("/trending", [Reply(200, page("Trending now"), HTML)])
    srv.route("/m/bob", [Reply(200, profile("bob"), HTML)])
    srv.route("/m/nobody", [Reply(301, b"", {"Location": "https://mike.example/"})])
    srv.route("/", [Reply(200, page("Mike home"), HTML)])
    found = run(srv, "bob", [sites["Charlie"], sites["Mike"]])
    assert found["Charlie"].status == "found" and found["Mike"].status == "found"
    absent = run(srv, "nobody", [sites["Charlie"], sites["Mike"]])
    assert absent["Charlie"].status == "absent"
    assert absent["Charlie"].final_url == "https://charlie.example/missing"
    assert absent["Mike"].status == "absent" and "main page" in absent["Mike"].reason
    other = run(srv, "eve", [sites["Charlie"]])["Charlie"]
    assert other.status == "unknown" and "/trending" in other.reason


def test_bot_challenge_is_unknown(srv, sites):
    challenge = b"<html><head><title>Just a moment...</title></head><body>bob</body></html>"
    srv.route("/users/bob", [Reply(200, challenge, HTML)])
    r = run(srv, "bob", [sites["Kilo"]])["Kilo"]
    assert r.status == "unknown" and "Cloudflare" in r.reason


# ---------------------------------------------------------------- never a false "found"


def test_login_wall_for_every_name_is_never_found(srv, sites):
    """A site that answers its login page whatever the name: no check type calls it found."""
    walled = [sites[n] for n in ("Walled", "WalledMessage", "WalledRedirect", "WalledPresence")]
    names = ("bob", "nobody", "known", TOKEN)
    for n in names:
        srv.route(f"/w/{n}", [Reply(200, LOGIN_PAGE, HTML)])
        srv.route(f"/m/{n}", [Reply(200, LOGIN_PAGE, HTML)])
        srv.route(f"/r/{n}", [Reply(302, b"", {"Location": f"/accounts/login/?next=/r/{n}"})])
        srv.route(f"/{n}", [Reply(200, LOGIN_PAGE, HTML)])
    srv.route("/accounts/login/", [Reply(200, LOGIN_PAGE, HTML)])
    for n in names[:3]:
        results = run(srv, n, walled)
        assert {r.status for r in results.values()} == {"unknown"}, \
            {k: (r.status, r.reason) for k, r in results.items()}
        for r in results.values():
            assert "login" in r.reason
    assert srv.hits["/accounts/login/"] == 3  # the redirect was followed and read


def test_same_answer_for_any_name_is_unknown(srv, sites):
    """No login signs at all, but the site cannot tell names apart: the control shows it."""
    for n in ("bob", TOKEN):
        srv.route(f"/l/{n}", [Reply(200, page("Welcome to Leaky"), HTML)])  # status_code
        srv.route(f"/p/{n}", [Reply(200, profile(n), HTML)])  # echoes any name
    r = run(srv, "bob", [sites["Leaky"], sites["Mirror"]])
    for site in ("Leaky", "Mirror"):
        assert r[site].status == "unknown", r[site].reason
        assert "random unlikely name" in r[site].reason
        assert r[site].controls[0].name == TOKEN and r[site].controls[0].status == "found"
    assert srv.hits[f"/l/{TOKEN}"] == 1 and srv.hits[f"/p/{TOKEN}"] == 1
    # without controls the same answers would have been taken at their word
    assert run(srv, "bob", [sites["Leaky"]], controls=False)["Leaky"].status == "found"


def test_known_account_absent_too_means_unknown(srv, sites):
    srv.route("/r/nobody", [Reply(200, page("Profile unavailable"), HTML)])
    srv.route("/r/known", [Reply(200, page("Profile unavailable"), HTML)])
    r = run(srv, "nobody", [sites["Romeo"]])["Romeo"]
    assert r.status == "unknown" and "known account" in r.reason
    srv.route("/r/known", [Reply(200, profile("known", "profile-card"), HTML)])
    assert run(srv, "nobody", [sites["Romeo"]])["Romeo"].status == "absent"


def test_timeout_is_unknown(srv, sites):
    srv.route("/u/bob", [Reply(200, profile("bob"), HTML, delay=1.0)])
    started = time.monotonic()
    r = run(srv, "bob", [sites["Alpha"]], timeout=0.2, attempts=1)["Alpha"]
    assert r.status == "unknown" and "Timeout" in r.reason
    assert r.http_status is None and r.evidence == b""
    assert time.monotonic() - started < 1.0


# ---------------------------------------------------------------- what is not asked


def test_skipped_sites_are_never_contacted(srv, sites):
    chosen = [sites[n] for n in ("Oscar", "Papa", "Foxtrot", "Broken", "NoUrl")]
    r = run(srv, "bob", chosen)
    assert {x.status for x in r.values()} == {"skipped"}
    assert "disabled" in r["Oscar"].reason and "gaia_id" in r["Papa"].reason
    assert "POST" in r["Foxtrot"].reason
    assert srv.requests == []


def test_regex_check_and_host_names(srv, sites):
    srv.route("/d/bob_1", [Reply(200, profile("bob_1"), HTML)])
    r = run(srv, "Bob Smith!", [sites["Delta"]])["Delta"]
    assert r.status == "skipped" and "username rule" in r.reason
    assert srv.requests == []
    assert run(srv, "bob_1", [sites["Delta"]])["Delta"].status == "found"
    # a name in the host: only a valid host label, and that host is the one asked
    assert run(srv, "bob.smith", [sites["Golf"]])["Golf"].status == "skipped"
    srv.route("/", [Reply(200, profile("bob"), HTML)])
    r = run(srv, "Bob", [sites["Golf"]])["Golf"]
    assert r.url == "https://bob.golf.example"
    assert "bob.golf.example" in hosts_asked(srv)


def test_names_are_refused_or_encoded(srv, sites):
    for bad in ("", "  ", "..", "x" * 300):
        with pytest.raises(SocmintError):
            run(srv, bad, [sites["Alpha"]])
    hostile = "../admin?x=1#frag"
    r = run(srv, hostile, [sites["Alpha"]])["Alpha"]
    assert r.status == "absent"  # the default 404 of an unrouted path
    assert r.url == "https://alpha.example/u/..%2Fadmin%3Fx%3D1%23frag"
    first = srv.requests[0]
    assert first.path == "/u/..%2Fadmin%3Fx%3D1%23frag" and first.query == {}
    run(srv, "josé ü", [sites["Alpha"]])
    assert srv.requests[-1].path in ("/u/jos%C3%A9%20%C3%BC", f"/u/{TOKEN}")
    assert "/u/jos%C3%A9%20%C3%BC" in [q.path for q in srv.requests]
    assert hosts_asked(srv) == {"alpha.example"}


def test_only_the_catalog_hosts_are_contacted(srv, sites):
    srv.route("/u/bob", [Reply(302, b"", {"Location": "https://evil.example/steal"})])
    srv.route("/steal", [Reply(200, profile("bob"), HTML)])
    every = list(sites.values())
    results = run(srv, "bob", every)
    assert results["Alpha"].status == "unknown"
    assert "evil.example" in results["Alpha"].reason
    assert srv.hits.get("/steal", 0) == 0
    allowed = username.hosts_for("bob", every, TOKEN)
    assert "evil.example" not in allowed
    assert hosts_asked(srv) <= allowed and len(hosts_asked(srv)) > 10
    assert {r.status for r in results.values()} <= set(username.STATUSES)


def test_check_username_builds_its_client_from_the_catalog(srv, sites):
    srv.route("/u/bob", [Reply(200, profile("bob"), HTML)])
    chosen = [sites["Alpha"], sites["Oscar"]]
    results = username.check_username("bob", chosen, transport=ToLoopback(srv),
                                      per_second={"alpha.example": 1000.0})
    assert [(r.site, r.status) for r in results] == [("Alpha", "found"), ("Oscar", "skipped")]
    control = results[0].controls[0]
    assert control.status == "absent" and control.name != "bob"  # a fresh random name
    assert hosts_asked(srv) == {"alpha.example"}


# ---------------------------------------------------------------- concurrency and pacing


def many_sites(tmp_path, n: int):
    catalog = {f"Site{i}": {"errorType": "status_code", "url": f"https://h{i}.example/s{i}/{{}}",
                            "urlMain": f"https://h{i}.example/", "username_claimed": "known"}
               for i in range(n)}
    path = tmp_path / "many.json"
    path.write_bytes(orjson.dumps(catalog))
    return username.load_catalog(path)


def test_concurrency_is_bounded(srv, tmp_path):
    sites = many_sites(tmp_path, 12)
    for i in range(12):
        srv.route(f"/s{i}/bob", [Reply(404, b"", delay=0.25)])
    stats = watch(srv)
    results = run(srv, "bob", sites, concurrency=4)
    assert {r.status for r in results.values()} == {"absent"}
    assert len(srv.requests) == 12
    assert 2 <= stats["peak"] <= 4
    stats["peak"] = 0
    run(srv, "bob", sites, concurrency=12)
    assert stats["peak"] > 4  # the bound above was the semaphore's doing


def test_one_host_is_paced(srv, tmp_path):
    """Requests to one host go one after another at the host's pace, however many sites
    share it (concurrent tasks must not all wake at the same moment and burst)."""
    catalog = {f"Same{i}": {"errorType": "status_code", "url": f"https://same.example/p{i}/{{}}",
                            "urlMain": "https://same.example/", "username_claimed": "known"}
               for i in range(4)}
    path = tmp_path / "same.json"
    path.write_bytes(orjson.dumps(catalog))
    sites = username.load_catalog(path)
    stats = watch(srv)
    results = run(srv, "nobody", sites, per_second=4.0)  # one request each 0.25 s
    assert {r.status for r in results.values()} == {"absent"}
    times = sorted(t for host, _, t in stats["seen"] if host == "same.example")
    gaps = [b - a for a, b in zip(times, times[1:], strict=False)]
    assert len(times) == 4 and min(gaps) >= 0.15, gaps


# ---------------------------------------------------------------- login walls, in detail


def test_login_wall_signs():
    wall = username.login_wall
    assert wall("https://s.example/accounts/login/?next=/bob", "", "bob")
    assert wall("https://s.example/bob", "<title>Sign in to S</title>", "bob")
    assert wall("https://s.example/bob", '<input type="password" name="pw">', "bob")
    assert wall("https://s.example/bob", '<meta name="robots" content="noindex">', "bob")
    assert wall("https://s.example/bob", "<p>Please log in to see this page</p>", "bob")
    # a profile with a login link, a password box in a modal, or noindex is still a profile
    real = ('<title>bob on S</title><meta name="robots" content="noindex"><h1>bob</h1>'
            '<a href="/login">Log in</a><input type="password">')
    assert wall("https://s.example/bob", real, "bob") is None
    assert wall("https://s.example/author/bob", "<title>bob</title>", "bob") is None
    # a user called "login" is not a login page
    assert wall("https://s.example/u/login", "<title>login - profile</title>", "login") is None


# ---------------------------------------------------------------- into the case


@pytest.fixture
def registered(monkeypatch):
    """The username mapper among the registry's modules (the lead adds it for good)."""
    if username_source not in sources.MODULES:
        monkeypatch.setattr(sources, "MODULES", (*sources.MODULES, username_source))
        monkeypatch.setitem(sources.BY_PLATFORM, "username", username_source)


def test_store_results_keeps_bodies_and_adds_candidates(srv, sites, case, registered):
    srv.route("/u/bob", [Reply(200, profile("bob"), HTML)])
    srv.route("/people/bob", [Reply(200, page("No such user"), HTML)])
    srv.route("/people/known", [Reply(200, profile("known"), HTML)])
    srv.route("/users/bob", [Reply(403, page("Forbidden"), HTML)])
    chosen = [sites[n] for n in ("Alpha", "Bravo", "Kilo", "Oscar")]
    results = run(srv, "bob", chosen)
    assert [results[n].status for n in ("Alpha", "Bravo", "Kilo", "Oscar")] == \
        ["found", "absent", "unknown", "skipped"]
    report = username.store_results(case, "bob", list(results.values()))
    assert report.items["rejected"] == 0
    con = store.connect(case, read_only=True)
    try:
        accounts = con.execute("SELECT uid, platform, handle, url, verified FROM accounts"
                               ).fetchall()
        ev = dict(con.execute("SELECT sha256, format FROM evidence").fetchall())
    finally:
        con.close()
    # one candidate, for the one "found"; not marked verified
    assert accounts == [("alpha:@bob", "alpha", "bob", "https://alpha.example/u/bob", None)]
    # every body the verdicts rest on is kept, byte for byte, controls' bodies too
    for body in (profile("bob"), page("No such user"), profile("known"), page("Forbidden")):
        assert ev[hashlib.sha256(body).hexdigest()].startswith("file:")
    assert sum(f == "username.check" for f in ev.values()) == 4
    # the same results stored again: every item is already there, nothing is added twice
    again = username.store_results(case, "bob", list(results.values()))
    assert again.items["duplicate"] == again.items["read"] == report.items["read"] == 9


def test_check_record_maps_to_a_candidate_only_when_found(sites):
    res = username.Result("GitHub", "https://github.example/bob", "found", "HTTP 200",
                          200, b"<html>bob</html>", None, "https://github.example/bob",
                          "sherlock", "data.json")
    rec = username.record("bob", res)
    assert rec["body_sha256"] == hashlib.sha256(b"<html>bob</html>").hexdigest()
    doc = orjson.loads(orjson.dumps(rec))
    assert sources.detect(doc) is None or sources.detect(doc)[0] is username_source
    assert username_source.detect(doc) == "username.check"
    r = username_source.map_item(doc, "username.check")
    assert list(r.tables["accounts"]) == ["github:@bob"]
    assert r.tables["accounts"]["github:@bob"]["platform"] == "github"
    for status in ("absent", "unknown", "skipped"):
        assert username_source.map_item({**doc, "status": status}, "username.check").count() == 0
    with pytest.raises(RejectedItem):
        username_source.map_item({**doc, "status": "maybe"}, "username.check")
    with pytest.raises(RejectedItem):
        username_source.map_item({**doc, "name": None}, "username.check")
    assert username_source.detect({"source_platform": "x", "data": {}}) is None


# ---------------------------------------------------------------- hostile catalogs and records

CATALOG_DOCS = [orjson.loads(p.read_bytes()) for p in CATALOGS]
FUZZ = settings(max_examples=150, deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@FUZZ
@given(data=st.data(), which=st.sampled_from([0, 1]),
       name=st.sampled_from(["bob", "known", "a/b?c#d", "Ünï cödé", "x" * 40]))
def test_mangled_catalogs_never_break_a_check(data, which, name):
    """Every entry of a mangled catalog is a site or a skip with a reason; planning a check
    and judging any answer from it never raises."""
    doc = data.draw(mutated(CATALOG_DOCS[which]))
    try:
        parsed = username.parse_catalog(doc, "fuzz.json")
    except SocmintError:
        return
    username.hosts_for(name, parsed, TOKEN)
    for site in parsed:
        why = username._why_not(site, name)
        if why is not None:
            continue
        url = username.render(site.probe or site.url, name)
        for status, final in ((200, url), (302, None), (404, url), (200, "https://o.example/x")):
            a = username.Answer(url, final, status, LOGIN_PAGE + name.encode(), {}, None)
            assert username.judge(site, name, a)[0] in username.STATUSES


RECORD = username.record("bob", username.Result(
    "Alpha", "https://alpha.example/u/bob", "found", "HTTP 200", 200, b"<html>bob</html>",
    None, "https://alpha.example/u/bob", "sherlock", "data.json"))


@FUZZ
@given(data=st.data())
def test_mangled_check_records_are_mapped_or_rejected(data):
    doc = data.draw(mutated(orjson.loads(orjson.dumps(RECORD))))
    survives(username_source, doc, "username.check")
