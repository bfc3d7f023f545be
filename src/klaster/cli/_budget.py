"""``klaster budget``: budget vs actual from a store, or a program and its finance document.

The figures are :func:`klaster.finance.budget_vs_actual`'s: actuals recomputed
from the ledger entries, budgets from each book's current revision (straight-line over calendar
periods). Text shows a table with bilingual headings and ``Rp`` amounts; ``--json`` every row
with exact amounts as text. ``--graduated auto`` counts the graduated households from the
observations (:func:`klaster.measurement.graduated_households`: poor at baseline, not poor at
endline, per cluster).
"""

from __future__ import annotations

import argparse
import datetime as _dt
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from klaster.cli._exit import CliError, ExitCode
from klaster.cli._output import Output, table

if TYPE_CHECKING:
    from decimal import Decimal

    from klaster.finance import BudgetStatement, Finance
    from klaster.model.program import Program

NAME = "budget"
AUTO = "auto"
_BY = ("component", "source", "cluster", "period", "month", "quarter", "year")
_PERIOD = re.compile(r"^(\d{4})$|^(\d{4}-\d{2}-\d{2})\.\.(\d{4}-\d{2}-\d{2})$")


def add_parser(commands: Any, common: argparse.ArgumentParser) -> None:
    """Register the command."""
    parser = commands.add_parser(
        NAME,
        parents=[common],
        help="budget vs actual: by component, fund source, cluster and period",
        description="Show the budget against the actual spending (recomputed from the ledger), "
        "with variance and execution rate, the fund source shares and the cost per member "
        "served, from a store or from a program document and its finance document.",
    )
    parser.add_argument(
        "source",
        type=Path,
        metavar="STORE|PROGRAM.json",
        help="a store, or a program document (with --finance)",
    )
    parser.add_argument(
        "--finance", type=Path, metavar="FIN.json", help="the finance document of a program"
    )
    parser.add_argument(
        "--cluster", action="append", default=[], metavar="C", help="only this cluster's book"
    )
    parser.add_argument(
        "--period",
        type=_period,
        metavar="YYYY|START..END",
        help="only these days, e.g. 2013 or 2012-07-01..2013-06-30",
    )
    parser.add_argument(
        "--by",
        action="append",
        default=[],
        metavar="DIMS",
        help="dimensions joined by commas: component, source, cluster and one of period (the "
        "budget lines'), month, quarter, year; default component",
    )
    parser.add_argument(
        "--graduated",
        type=_households,
        metavar="N|auto",
        help="households graduated (for the cost per graduated household), or auto: counted "
        "per cluster from the observations (poor at baseline, not poor at endline)",
    )
    parser.add_argument(
        "--observations",
        type=Path,
        metavar="OBS.jsonl",
        help="with --graduated auto and a program document: its observations sidecar "
        "(default: the one beside it)",
    )
    parser.set_defaults(run=run)


def _period(text: str) -> tuple[_dt.date, _dt.date]:
    found = _PERIOD.match(text)
    try:
        if found is None:
            raise ValueError
        if found.group(1):
            year = int(found.group(1))
            return _dt.date(year, 1, 1), _dt.date(year, 12, 31)
        start = _dt.date.fromisoformat(found.group(2))
        end = _dt.date.fromisoformat(found.group(3))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a period; write a year (2013) or START..END (2012-07-01..2013-06-30)"
        ) from None
    if end < start:
        raise argparse.ArgumentTypeError(f"{text!r}: the period ends before it starts")
    return start, end


def _households(text: str) -> int | str:
    if text == AUTO:
        return text
    if not text.isdigit():
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of households (or auto)")
    return int(text)


def _graduated(args: argparse.Namespace, program: Program) -> int | dict[str, int] | None:
    """The --graduated count: as given, or counted per cluster from the observations."""
    if args.graduated != AUTO:
        if args.observations is not None:
            raise CliError(
                "--observations is for --graduated auto",
                hint="Add --graduated auto, or leave --observations out.",
                code=ExitCode.USAGE,
            )
        return args.graduated  # type: ignore[no-any-return]
    from klaster.cli._inputs import program_and_observations
    from klaster.errors import NotFoundError
    from klaster.measurement import Measurement, graduated_households

    # The count reads per-capita income against P0's line: P0's variables only.
    loaded, observations = program_and_observations(
        args.source, args.observations, command=NAME, needs=lambda _: _GRADUATION_READS
    )
    try:
        return graduated_households(Measurement(loaded, observations))
    except NotFoundError as err:
        raise CliError(
            f"--graduated auto: {err}",
            hint="It needs a baseline and an endline round; or give the number: --graduated N.",
        ) from None


_GRADUATION_READS = ("monthly_income", "household_size")
"""What ``graduated_households`` reads of the observations (a test keeps it in step)."""


def _dimensions(given: list[str]) -> tuple[str, ...]:
    chosen = tuple(d.strip() for item in given for d in item.split(",") if d.strip())
    for name in chosen:
        if name not in _BY:
            raise CliError(
                f"--by {name}: not a dimension of the budget statement",
                hint=f"Use any of {', '.join(_BY)}, e.g. --by component,quarter.",
                code=ExitCode.USAGE,
            )
    return chosen or ("component",)


def _books(args: argparse.Namespace) -> tuple[Program, list[Finance]]:
    from klaster.cli._inputs import existing, is_store, load_program, open_store

    if is_store(args.source):
        if args.finance is not None:
            raise CliError(
                "--finance is for program documents; a store holds its finance books",
                hint=f"Run: klaster budget {args.source}",
                code=ExitCode.USAGE,
            )
        with open_store(args.source, readonly=True) as store:
            program = store.load_program()
            return program, list(store.load_finance(program))
    program = load_program(args.source)
    if args.finance is None:
        raise CliError(
            f"{args.source} is a program document and no finance document was given",
            hint="Add --finance program.finance.json, or report on a store (klaster init "
            "--finance).",
            code=ExitCode.USAGE,
        )
    from klaster.finance import load as load_finance

    return program, list(load_finance(existing(args.finance, "a finance document"), program))


def run(args: argparse.Namespace, out: Output) -> int:
    """Compute and show the statement."""
    from klaster.finance import budget_vs_actual

    by = _dimensions(args.by)
    with out.working(f"computing budget vs actual of {args.source}"):
        program, books = _books(args)
        if args.cluster:
            known = {book.cluster_id for book in books}
            unknown = [c for c in args.cluster if c not in known]
            if unknown:
                raise CliError(
                    f"no finance book for cluster {', '.join(map(repr, unknown))}",
                    hint=f"Books: {', '.join(sorted(known)) or 'none'}.",
                )
            books = [book for book in books if book.cluster_id in args.cluster]
        statement = budget_vs_actual(
            books, by=by, period=args.period, program=program, graduated=_graduated(args, program)
        )
    out.emit(document(statement))
    show(out, statement)
    return ExitCode.OK


def _text(value: object) -> str | None:
    return None if value is None else str(value)


def document(statement: BudgetStatement) -> dict[str, Any]:
    """The JSON document: every row, the totals, the costs and the source shares."""
    window = statement.window
    return {
        "by": list(statement.by),
        "period": None if window is None else [window[0].isoformat(), window[1].isoformat()],
        "rows": [
            {k: v.isoformat() if isinstance(v, _dt.date) else _text(v) for k, v in row.items()}
            for row in statement.to_records()
        ],
        "budget": str(statement.budget),
        "actual": str(statement.actual),
        "variance": str(statement.variance),
        "execution": _text(statement.execution),
        "members_served": statement.members_served,
        "cost_per_member": _text(statement.cost_per_member),
        "graduated": statement.graduated,
        "graduated_by_cluster": dict(statement.graduated_by_cluster) or None,
        "cost_per_graduate_by_cluster": (
            {c: _text(cost) for c, cost in _cluster_costs(statement).items()}
            if statement.graduated_by_cluster and "cluster" in statement.by
            else None
        ),
        "cost_per_graduate": _text(statement.cost_per_graduate),
        "source_shares": [
            {"source": s.source.value, "actual": str(s.actual), "percent": str(s.percent)}
            for s in statement.source_shares
        ],
    }


def _cluster_costs(statement: BudgetStatement) -> dict[str, Decimal | None]:
    return {c: statement.cost_per_graduate_in(c) for c, _n in statement.graduated_by_cluster}


def show(out: Output, statement: BudgetStatement) -> None:
    """The statement as tables: bilingual headings, amounts in ``--lang`` (default ``Rp``)."""
    from functools import partial

    from klaster.finance.money import format_rupiah as rupiah
    from klaster.formatting import format_number

    lang = out.lang
    format_rupiah = partial(rupiah, lang=lang or "id")

    def percent(points: Decimal) -> str:
        return f"{points}%" if lang is None else f"{format_number(points, lang, digits=2)}%"

    names = {
        "cluster": "Klaster / Cluster",
        "component": "Komponen / Component",
        "source": "Sumber dana / Fund source",
    }
    keys = [k for k in names if k in statement.by]
    grain = next((k for k in statement.by if k not in names), None)
    columns = [names[k] for k in keys] + (["Periode / Period"] if grain else [])
    columns += [
        ">Anggaran / Budget",
        ">Realisasi / Actual",
        ">Selisih / Variance",
        ">Serapan / Rate",
    ]
    rows: list[list[object]] = []
    for row in statement.rows:
        cells: list[object] = []
        for key in keys:
            value = getattr(row, key)
            cells.append(value if isinstance(value, str) else value.label_id)
        if grain:
            cells.append("—" if row.start is None else f"{row.start} – {row.end}")
        rate = "—" if row.execution is None else percent(row.execution)
        cells += [format_rupiah(row.budget), format_rupiah(row.actual)]
        cells += [format_rupiah(row.variance), rate]
        rows.append(cells)
    total_rate = "—" if statement.execution is None else percent(statement.execution)
    rows.append(
        [
            "Jumlah / Total",
            *[""] * (len(columns) - 5),
            format_rupiah(statement.budget),
            format_rupiah(statement.actual),
            format_rupiah(statement.variance),
            total_rate,
        ]
    )
    out.show(table("Anggaran vs realisasi / Budget vs actual", columns, rows))
    if statement.members_served is not None:
        per = statement.cost_per_member
        out.line(
            f"Mitra terlayani / Members served: {statement.members_served}; biaya per mitra / "
            f"cost per member: {'—' if per is None else format_rupiah(per)}"
        )
    if statement.graduated_by_cluster:
        counts = ", ".join(f"{c} {n}" for c, n in statement.graduated_by_cluster)
        out.line(f"Rumah tangga lulus / Graduated households: {counts}")
        if "cluster" in statement.by:
            costs = ", ".join(
                f"{c} {'—' if cost is None else format_rupiah(cost)}"
                for c, cost in _cluster_costs(statement).items()
            )
            out.line(f"Biaya per rumah tangga lulus / Cost per graduated household: {costs}")
    if statement.cost_per_graduate is not None:
        out.line(
            "Biaya per rumah tangga lulus / Cost per graduated household: "
            f"{format_rupiah(statement.cost_per_graduate)}"
        )
    shares: list[list[object]] = [
        [s.source.label_id, format_rupiah(s.actual), percent(s.percent)]
        for s in statement.source_shares
    ]
    if shares:
        out.show(
            table(
                "Porsi sumber dana / Fund source shares",
                ["Sumber dana / Fund source", ">Realisasi / Actual", ">Porsi / Share"],
                shares,
            )
        )
