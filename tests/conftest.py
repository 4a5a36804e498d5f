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
