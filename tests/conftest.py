from __future__ import annotations

from pathlib import Path

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
