"""Budget lines from CSV: amounts never read as floats, every problem located, all or nothing."""

from __future__ import annotations

import contextlib
import datetime as dt
import io
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from klaster.errors import DocumentError, KlasterError
from klaster.finance import Finance, read_budget_csv
from klaster.finance.budget import BudgetLine
from klaster.finance.budget_csv import parse_budget_csv
from klaster.testing.finance_strategies import budget_lines

HEADER = "component,source,start,end,amount,note\n"


def write(tmp_path: Path, text: str, name: str = "budget.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def problems(text: str) -> list[str]:
    with pytest.raises(DocumentError) as info:
        parse_budget_csv(io.StringIO(text))
    return list(info.value.problems)


class TestReading:
    def test_lines_into_a_book(self, tmp_path: Path) -> None:
        path = write(tmp_path, HEADER
                     + "capital,zakat,2012-01-01,2014-03-31,1.020.000.000,\n"
                     + "training,infaq_sadaqah,2012-01-01,2014-03-31,170000000,synthetic\n"
                     + "operations,zakat,2012-01-01,2014-03-31,Rp 85.000.000,\n")  # fmt: skip
        lines = read_budget_csv(path)
        assert [line.amount for line in lines] == [
            Decimal(1_020_000_000), Decimal(170_000_000), Decimal(85_000_000)]  # fmt: skip
        period = (dt.date(2012, 1, 1), dt.date(2014, 3, 31))
        assert lines[1] == BudgetLine(
            "training", "infaq_sadaqah", 170_000_000, *period, "synthetic"
        )
        book = Finance("lebak", "km")
        revision = book.revise_budget(dt.date(2012, 1, 2), "initial budget", lines)
        assert revision.total == 1_275_000_000
        assert book.budget.current == revision

    def test_columns_in_any_order_note_optional_bom_and_blank_rows(self, tmp_path: Path) -> None:
        path = tmp_path / "b.csv"
        header = "\ufeffAmount, end,start,source,component,\n"
        path.write_bytes(
            (header + "1.700.000,2012-12-31,2012-01-01,zakat,capital,\n,,,,,\n").encode()
        )
        (line,) = read_budget_csv(path)
        assert (line.component.value, line.amount, line.note) == (
            "capital",
            Decimal(1_700_000),
            None,
        )

    @settings(max_examples=80, deadline=None)
    @given(lines=st.lists(budget_lines(), min_size=1, max_size=5, unique_by=lambda x: x.key[:2]),
           dotted=st.booleans())  # fmt: skip
    def test_written_lines_read_back(self, lines: list[BudgetLine], dotted: bool) -> None:
        rows = [
            f"{x.component.value},{x.source.value},{x.start},{x.end},"
            f"{f'{x.amount:,}'.replace(',', '.') if dotted else x.amount},"
            f'"{(x.note or "").replace(chr(34), chr(34) * 2)}"\n'
            for x in lines
        ]
        read = parse_budget_csv(io.StringIO(HEADER + "".join(rows)))
        assert read == tuple(
            BudgetLine(x.component, x.source, x.amount, x.start, x.end,
                       (x.note or "").strip() or None)
            for x in lines
        )  # fmt: skip


class TestRefused:
    @pytest.mark.parametrize(
        "amount",
        ["1700000.5", "1.700.000,50", "1,5", "1.5", "1700000.0", "17.00.000", "-5", "1e9", "",
         "Rp", "12345678901234567890"],
    )  # fmt: skip
    def test_amount_never_read_as_float(self, amount: str) -> None:
        (found,) = problems(HEADER + f'training,zakat,2012-01-01,2012-12-31,"{amount}",\n')
        assert found.startswith("budget.csv row 2 column 'amount': ")

    def test_every_problem_located_by_row_and_column(self) -> None:
        found = problems(HEADER
                         + "capital,zakat,2012-01-01,2014-03-31,1.020.000.000,\n"
                         + "salaries,zakat,2012-01-01,2014-03-31,5,\n"
                         + "training,waqf,2012-02-30,2011-01-01,5,\n"
                         + "training,zakat,2013-01-01,2012-01-01,5,\n")  # fmt: skip
        assert found == [
            "budget.csv row 3 column 'component': not one of the values; use one of capital, "
            "training, mentoring, education_support, health_support, operations",
            "budget.csv row 4 column 'source': not one of the values; use one of "
            + ", ".join(s.value for s in __import__("klaster").finance.FundSource),
            "budget.csv row 4 column 'start': not a date; write it as YYYY-MM-DD",
            "budget.csv row 5 column 'end': end (2012-01-01) is before start (2013-01-01); it "
            "must be on or after it",
        ]

    def test_overlapping_lines_named_by_row(self) -> None:
        (found,) = problems(HEADER
                            + "capital,zakat,2012-01-01,2014-03-31,1,\n"
                            + "training,zakat,2012-01-01,2014-03-31,1,\n"
                            + "capital,zakat,2013-01-01,2013-12-31,1,\n")  # fmt: skip
        assert found.startswith("budget.csv row 4: capital/zakat from 2013-01-01 to 2013-12-31 "
                                "overlaps row 2")  # fmt: skip

    def test_header_problems(self) -> None:
        found = problems("component,source,start,amount,amount,colour\n")
        assert found == [
            "budget.csv row 1 column 'amount': named twice",
            "budget.csv row 1 column 6: unknown column; the columns are component, source, "
            "start, end, amount, note ('note' may be left out)",
            "budget.csv row 1: missing column 'end'",
        ]

    def test_value_outside_the_columns(self) -> None:
        (found,) = problems(HEADER + "capital,zakat,2012-01-01,2014-03-31,1,,secret\n")
        assert found == "budget.csv row 2 column 7: a value in no named column"
        assert "secret" not in found

    def test_notes_are_never_echoed(self) -> None:
        found = problems(HEADER + "capital,zakat,2012-01-01,2014-03-31,x,Ibu Siti 0812\n")
        assert "Siti" not in "".join(found)

    @pytest.mark.parametrize(
        ("text", "message"),
        [
            ("", "empty file"),
            (HEADER, "no budget lines"),
            (HEADER + 'capital,"zakat\n', "not a readable CSV file"),
        ],
    )
    def test_not_a_budget(self, text: str, message: str) -> None:
        with pytest.raises(DocumentError, match=message):
            parse_budget_csv(io.StringIO(text))

    def test_files(self, tmp_path: Path) -> None:
        with pytest.raises(DocumentError, match="must be a file path"):
            read_budget_csv(io.StringIO(HEADER))  # type: ignore[arg-type]
        with pytest.raises(DocumentError, match="cannot read the file"):
            read_budget_csv(tmp_path / "missing.csv")
        path = tmp_path / "latin.csv"
        path.write_bytes(HEADER.encode() + b"capital,zakat,2012-01-01,2012-12-31,1,Caf\xe9\n")
        with pytest.raises(DocumentError, match=r"latin\.csv: not a UTF-8 text file"):
            read_budget_csv(path)

    @settings(max_examples=200, deadline=None)
    @given(st.text(max_size=300))
    def test_any_text_is_read_or_refused(self, text: str) -> None:
        with contextlib.suppress(KlasterError):
            parse_budget_csv(io.StringIO(HEADER + text))
