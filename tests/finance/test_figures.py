"""The figure table (``klaster.finance._figures``) run by both backends on the Lebak example."""

from __future__ import annotations

import datetime as dt
import importlib.util
import sys
from pathlib import Path

import pytest

from klaster.finance import Finance, cumulative_repayment_rate, par_by
from klaster.finance._figures import FIGURES, measures_of

pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("polars") is None, reason="polars not installed"
)
EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


@pytest.fixture(scope="module")
def book() -> Finance:
    spec = importlib.util.spec_from_file_location(
        "finance_lebak_figures", EXAMPLES / "finance_lebak.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    book: Finance = module.simulate().book
    return book


DAYS = [dt.date(2012, 6, 30), dt.date(2013, 6, 30), dt.date(2014, 3, 6), dt.date(2014, 12, 31)]


def test_every_figure_reads_known_measures() -> None:
    for figure in FIGURES.values():
        assert measures_of(figure) <= {"out", "late", "restructured", "due", "paid"}


@pytest.mark.parametrize("on", DAYS)
@pytest.mark.parametrize("by", ["group", "fund", "sector", "product", "cluster"])
def test_backends_agree_on_par(book: Finance, on: dt.date, by: str) -> None:
    for n in (0, 30, 90):
        for policy in ("at_risk", "by_arrears"):
            python = par_by(book, n, on, by, restructured=policy)
            assert par_by(book, n, on, by, restructured=policy, engine="polars") == python


@pytest.mark.parametrize("on", DAYS)
@pytest.mark.parametrize("by", [None, "group", "fund", "product"])
def test_backends_agree_on_cumulative_repayment(book: Finance, on: dt.date, by: str | None) -> None:
    python = cumulative_repayment_rate(book, on, by=by)
    assert cumulative_repayment_rate(book, on, by=by, engine="polars") == python
