"""The Lebak example runs, balances, and prints IDs and figures only."""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path
from types import ModuleType

import pytest

from klaster.finance import LoanStatus

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def _load() -> ModuleType:
    spec = importlib.util.spec_from_file_location("finance_lebak", EXAMPLES / "finance_lebak.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["finance_lebak"] = module
    spec.loader.exec_module(module)
    return module


class TestLebakExample:
    def test_report(self, capsys: pytest.CaptureFixture[str]) -> None:
        example = _load()
        assert example.main([]) == 0
        out = capsys.readouterr().out
        assert "Rp 1.711.000.000" in out  # rolled through the groups by the closing workshop
        assert "turnover 1.71x" in out
        assert re.search(r"PAR30 on 2014-03-06: \d+\.\d\d%", out)
        assert "check totals_balance: ok" in out
        assert "FAILED" not in out
        assert "round-tripped: identical book" in out  # saved and reloaded as a finance document
        assert "Pemandirian / Independence" in out
        assert not re.search(r"Mitra \d", out)  # member names never printed

    def test_book_is_consistent(self) -> None:
        example = _load()
        sim = example.simulate()
        book, cluster = sim.book, sim.cluster
        book.check()
        assert len(cluster.members) == 324
        assert len(cluster.groups) == 32
        assert len(cluster.cooperatives) == 3
        statuses = {s.status for s in book.derived.by_number}
        assert {
            LoanStatus.REPAID,
            LoanStatus.WRITTEN_OFF,
            LoanStatus.CONVERTED_TO_ZAKAT,
        } <= statuses
        assert book.restructurings
        # Loans disbursed after the exit are the cooperative's: the same ledger goes on.
        later = [s for s in book.derived.by_number if s.loan.disbursed_on > sim.handover[0].on]
        assert later
        assert book.holder_of(later[0].loan.fund_id).id == "kopsyah-lebak"
