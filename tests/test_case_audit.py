"""Cases refuse to exist without purpose and legal basis; the audit chain detects tampering."""

from __future__ import annotations

import orjson
import pytest

from socmint import audit
from socmint import case as cases
from socmint.errors import CaseError


def test_case_requires_purpose_and_legal_basis(home):
    with pytest.raises(CaseError, match="purpose"):
        cases.create("a", purpose=" ", legal_basis="x", retention_days=1)
    with pytest.raises(CaseError, match="legal basis"):
        cases.create("a", purpose="x", legal_basis="", retention_days=1)
    with pytest.raises(CaseError, match="retention"):
        cases.create("a", purpose="x", legal_basis="y", retention_days=0)
    with pytest.raises(CaseError, match="case name"):
        cases.create("../escape", purpose="x", legal_basis="y", retention_days=1)


def test_case_folder_and_current(home):
    c = cases.create("inquiry-1", purpose="p", legal_basis="lb", retention_days=90, members=["ana"])
    assert (c.root / "case.json").is_file() and (c.root / "evidence").is_dir()
    assert c.settings.members == ["ana", "tester"]
    with pytest.raises(CaseError, match="no case selected"):
        cases.open_case()
    cases.set_current(c)
    assert cases.open_case().root == c.root
    assert cases.open_case("inquiry-1").settings.retention_days == 90
    with pytest.raises(CaseError, match="no case named"):
        cases.open_case("other")
    with pytest.raises(CaseError, match="already exists"):
        cases.create("inquiry-1", purpose="p", legal_basis="lb", retention_days=1)
    assert [x.name for x in cases.list_cases()] == ["inquiry-1"]


def _log_with_entries(case, n=5):
    for i in range(n):
        audit.record(case, "test.action", {"i": i}, {"items": i})
    lines = case.audit_path.read_bytes().splitlines()
    assert len(lines) == n
    return lines


def test_audit_chain_intact(case):
    _log_with_entries(case)
    n, problems = audit.verify(case)
    assert (n, problems) == (5, [])
    first = audit.entries(case)[0]
    assert first["operator"] == "tester" and first["purpose"] == "testing socmint"


def test_audit_detects_edited_entry(case):
    lines = _log_with_entries(case)
    e = orjson.loads(lines[2])
    e["counts"]["items"] = 999
    lines[2] = orjson.dumps(e, option=orjson.OPT_SORT_KEYS)
    case.audit_path.write_bytes(b"\n".join(lines) + b"\n")
    _, problems = audit.verify(case)
    assert [p.seq for p in problems] == [3]
    assert "altered" in problems[0].problem


def test_audit_detects_removed_entry(case):
    lines = _log_with_entries(case)
    del lines[1]
    case.audit_path.write_bytes(b"\n".join(lines) + b"\n")
    _, problems = audit.verify(case)
    assert problems and problems[0].seq == 3
    assert any("removed" in p.problem for p in problems)


def test_audit_detects_reordered_entries(case):
    lines = _log_with_entries(case)
    lines[1], lines[3] = lines[3], lines[1]
    case.audit_path.write_bytes(b"\n".join(lines) + b"\n")
    _, problems = audit.verify(case)
    assert {p.seq for p in problems} >= {2, 4}


def test_audit_detects_cut_tail(case):
    lines = _log_with_entries(case)
    case.audit_path.write_bytes(b"\n".join(lines[:-1]) + b"\n")
    _, problems = audit.verify(case)
    assert len(problems) == 1 and "cut off" in problems[0].problem


def test_audit_detects_rewritten_chain_with_head(case):
    """Re-hashing an edited entry does not help: the next entry still points at the old hash."""
    lines = _log_with_entries(case)
    e = orjson.loads(lines[0])
    e["action"] = "innocent"
    e["hash"] = audit._digest(e)
    lines[0] = orjson.dumps(e, option=orjson.OPT_SORT_KEYS)
    case.audit_path.write_bytes(b"\n".join(lines) + b"\n")
    _, problems = audit.verify(case)
    assert [p.seq for p in problems] == [2] and "chain broken" in problems[0].problem
