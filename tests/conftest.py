from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path

import orjson
import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
SHARED_FIXTURES = SHARED / "fixtures"
OWN_FIXTURES = Path(__file__).resolve().parent / "fixtures"


def shared_fixture(relpath: str) -> Path:
    """A real payload from ../shared/fixtures; skips only when ../shared is absent."""
    if not SHARED.exists():
        pytest.skip("../shared is not present on this machine")
    path = SHARED_FIXTURES / relpath
    assert path.exists(), f"missing shared fixture {relpath}"
    return path


@pytest.fixture
def home(tmp_path, monkeypatch):
    """An empty socmint home, so tests never touch the user's cases."""
    h = tmp_path / "home"
    monkeypatch.setenv("SOCMINT_HOME", str(h))
    monkeypatch.delenv("SOCMINT_CASE", raising=False)
    monkeypatch.setenv("SOCMINT_OPERATOR", "tester")
    return h


@pytest.fixture
def case(home):
    from socmint import case as cases

    c = cases.create("t", purpose="testing socmint", legal_basis="test data only",
                     retention_days=30)
    cases.set_current(c)
    return c


@contextmanager
def module_case(tmp_path_factory, folder: str, name: str, purpose: str):
    """(case, its folder) in a socmint home of its own, for a fixture wider than one test: the
    environment points at that home until the block ends."""
    from socmint import case as cases

    mp = pytest.MonkeyPatch()
    root = tmp_path_factory.mktemp(folder)
    mp.setenv("SOCMINT_HOME", str(root / "home"))
    mp.setenv("SOCMINT_OPERATOR", "tester")
    mp.delenv("SOCMINT_CASE", raising=False)
    try:
        yield cases.create(name, purpose=purpose, legal_basis="test data only",
                           retention_days=30), root
    finally:
        mp.undo()


def import_files(case, folder: Path, files: dict[str, bytes]):
    """Write the files into `folder` and import them through the real pipeline; nothing may be
    rejected."""
    from socmint import ingest

    folder.mkdir(parents=True, exist_ok=True)
    for name, data in files.items():
        (folder / name).write_bytes(data)
    report = ingest.import_paths(case, [folder])
    assert report.items["rejected"] == 0
    return report


SCENARIO_ACCOUNTS = 600
SCENARIO_POSTS = 8000


@pytest.fixture(scope="session")
def scenario_600(tmp_path_factory):
    """(case, ground truth) of the scenario of 600 accounts and 8,000 posts (seed 7), imported
    once for every test that only reads it, near-duplicate groups computed. Its home is set only
    while it is built: the tests read it through the case's own folder."""
    from socmint import ingest, scenario, store
    from socmint.enrich import neardup

    with module_case(tmp_path_factory, "scenario600", "scen", "testing on the scenario") as (
            c, root):
        scenario.generate(root / "s", accounts=SCENARIO_ACCOUNTS, posts=SCENARIO_POSTS, seed=7,
                          media=False)
        ingest.import_paths(c, [root / "s"])
        with c.writing():
            con = store.connect(c)
            try:
                neardup.group(con)
            finally:
                con.close()
        truth = orjson.loads((root / "s" / "ground_truth.json").read_bytes())
    return c, truth
