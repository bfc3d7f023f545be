"""``klaster report``: indicator figures as a table for people, CSV or JSON for scripts.

The figures are :meth:`klaster.measurement.Measurement.report`'s tidy table: one row per
indicator, round and disaggregation. The text format puts rounds side by side with the bilingual
indicator names; CSV and JSON carry every column of
:meth:`~klaster.measurement.Results.to_records` (exact decimals as text).

When the program has a results framework, the text and JSON reports also show its targets
against the actuals (:func:`klaster.measurement.assess`): the status of each target and the rule
that gave it (JSON: a ``"targets"`` list beside ``"rows"``); ``--cluster`` keeps that cluster's
targets. The CSV report stays one table of figures.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from klaster.cli import _report_document
from klaster.cli._exit import CliError, ExitCode, check_dimensions
from klaster.cli._output import Output, figure, number, render_text, table, to_json

if TYPE_CHECKING:
    from collections.abc import Mapping

    from rich.table import Table

    from klaster.catalogue.display import Display
    from klaster.formatting import Lang
    from klaster.measurement import Results, Row, TargetRow
    from klaster.model.program import Program
    from klaster.observations import Observations

NAME = "report"
FORMATS = ("text", "csv", "json", "html", "md", "xlsx", "pdf")
ENGINES = ("auto", "python", "polars", "duckdb", "spark")
"""``--engine``: ``Measurement``'s backends (see ``docs/cli.md``)."""
_REASONS_SHOWN = 10


def add_parser(commands: Any, common: argparse.ArgumentParser) -> None:
    """Register the command."""
    parser = commands.add_parser(
        NAME,
        parents=[common],
        help="compute indicators: text table, CSV or JSON",
        description="Compute the program's indicators for every survey round, in total and by "
        "cluster (or the disaggregations asked for), from a store or from a program document "
        "and its observations sidecar.",
    )
    parser.add_argument(
        "source",
        type=Path,
        metavar="STORE|PROGRAM.json",
        help="a store, or a program document (with --observations)",
    )
    parser.add_argument(
        "--observations",
        type=Path,
        metavar="SIDE.jsonl",
        help="observations sidecar of a program document (default: the one beside it)",
    )
    parser.add_argument(
        "--round",
        metavar="R",
        help="only this round: baseline, endline, midline_2... or a round ID",
    )
    parser.add_argument("--cluster", metavar="C", help="only this cluster")
    parser.add_argument(
        "--sector", metavar="S", help="only this sector (the html, md, xlsx and pdf reports)"
    )
    parser.add_argument(
        "--by",
        action="append",
        default=[],
        metavar="DIMS",
        help="a disaggregation, dimensions joined by commas (cluster, sector, sex, kabupaten, "
        "kecamatan, desa, business_type, group, cooperative), e.g. --by sex or "
        "--by cluster,sector; repeatable",
    )
    parser.add_argument(
        "--indicator",
        action="extend",
        nargs="+",
        default=[],
        metavar="CODE",
        help="only these indicators (default: all)",
    )
    parser.add_argument(
        "--format",
        choices=FORMATS,
        help="text (default), csv or json (the default with --json); or a report people "
        "read: html (one offline file), md, xlsx or pdf, written to --out FILE",
    )
    parser.add_argument(
        "--engine",
        choices=ENGINES,
        default="auto",
        help="what computes the figures (the same figures on each): auto (default: polars when "
        "the columnar extra is installed, else python), python, polars, duckdb (the sql "
        "extra) or spark",
    )
    parser.add_argument(
        "--output",
        "--out",
        type=Path,
        metavar="FILE",
        help="write the report to FILE (atomically) instead of the screen",
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace, out: Output) -> int:
    """Compute and write the report."""
    from klaster.cli._inputs import program_and_observations
    from klaster.measurement import DIMENSIONS

    fmt = args.format or ("json" if out.json_mode else "text")
    # A typo in --by is named with the nearest dimension before anything is read, whatever the
    # format: a report document refuses --by only once it is spelled right.
    check_dimensions((spec.split(",") for spec in args.by), DIMENSIONS)
    # Likewise a typo in --indicator, before a million members are read for nothing.
    _check_indicators(args.indicator)
    if fmt in _report_document.FORMATS:
        args.lang = out.lang or "id"  # the global --lang; documents are Indonesian by default
        return _report_document.run(args, out)
    if args.sector is not None:
        raise CliError(
            "--sector is for the html, md, xlsx and pdf reports",
            hint=f"The tables break figures down by sector: --by sector (or --by cluster,sector); "
            f"or write the sector's report: --format html --sector {args.sector} --out FILE.",
            code=ExitCode.USAGE,
        )
    if out.json_mode and fmt != "json" and args.output is None:
        raise CliError(
            f"--json prints JSON; a {fmt} report needs --output FILE",
            hint=f"Add --output report.{fmt}, or leave out --format.",
            code=ExitCode.USAGE,
        )
    with out.working(f"computing the indicators of {args.source}"):
        program, observations = program_and_observations(
            args.source,
            args.observations,
            command=NAME,
            needs=lambda p: _needs(p, args),
            expects=lambda: _needs(None, args),  # a sidecar read meanwhile for these
        )
        results = report_results(program, observations, args)
        targets = assess_targets(program, observations, args.cluster)
    lang = out.text_lang
    if args.output is not None:  # (a CSV from the table's columns: no row object made)
        _write_file(args.output, fmt, results, targets, lang=lang, displays=results.displays)
        out.emit({"output": str(args.output), "format": fmt, "rows": len(results)})
        out.note(f"wrote {len(results)} figure(s) to {args.output} ({fmt})")
        return ExitCode.OK
    rows = list(results)
    if fmt == "json":
        document = _document(rows, targets)
        if out.json_mode:
            out.emit(document)
        else:
            out.write(to_json(document) + "\n")
    elif fmt == "csv":
        out.write(to_csv(results))
    else:
        out.show(text_table(rows, lang, displays=results.displays))
        for note in _reasons(rows):
            out.note(note)
        if targets:
            out.show(targets_table(targets, lang))
    return ExitCode.OK


def _needs(program: Program | None, args: argparse.Namespace) -> frozenset[str] | None:
    from klaster.cli._inputs import figure_variables  # only these variables' values are read

    return figure_variables(program, args.indicator, [s.split(",") for s in args.by])


def _check_indicators(codes: Sequence[str] | None) -> None:
    """Refuse an unknown ``--indicator`` as the tables do (``indicators[i]``, did-you-mean).

    A report document refuses ``--indicator`` anyway; a typo is named first, as in the tables,
    against every indicator klaster and the loaded plugins know (the tables' engine knows no
    other), without reading the program.

    Raises:
        NotFoundError: An unknown code, with the nearest known ones.
    """
    from klaster._support.suggest import did_you_mean
    from klaster.errors import NotFoundError
    from klaster.measurement import (
        ACTIVITY_INDICATORS,
        CORE_INDICATORS,
        MENTORING_INDICATORS,
        WELFARE_INDICATORS,
    )
    from klaster.plugins import get_host

    cores = (*CORE_INDICATORS, *WELFARE_INDICATORS, *MENTORING_INDICATORS, *ACTIVITY_INDICATORS)
    known = [i.code for i in cores] + [i.code for i in get_host().indicators()]
    for index, code in enumerate(codes or ()):
        if code not in known:
            hint = did_you_mean(code, known) or f"known: {', '.join(known)}"
            raise NotFoundError(f"no indicator {code!r}; {hint}", path=f"indicators[{index}]")


def assess_targets(
    program: Program, observations: Observations, cluster: str | None
) -> list[TargetRow]:
    """The framework's targets against the actuals (none without a framework)."""
    if not program.results:
        return []
    from klaster.measurement import Measurement, assess

    found = list(assess(Measurement(program, observations)))
    return found if cluster is None else [t for t in found if t.cluster_id == cluster]


def _document(rows: Sequence[Row], targets: Sequence[TargetRow]) -> dict[str, Any]:
    from klaster.measurement import TargetTable

    document: dict[str, Any] = {"rows": records(rows)}
    if targets:
        document["targets"] = TargetTable(targets).to_records()
    return document


def targets_table(targets: Sequence[TargetRow], lang: Lang = "en") -> Table:
    """One line per target: result, indicator, where, period, target, actual, status and rule."""
    body = [
        (
            t.result_id,
            t.indicator,
            t.cluster_id or "program",
            ", ".join(f"{k}={v}" for k, v in t.by) or "all",
            t.period,
            number(t.target, lang),
            "n/a"
            if t.actual is None or not isinstance(t.actual, Decimal)
            else number(t.actual, lang),
            f"{t.status.label_en} / {t.status.label_id}",
            t.rule,
        )
        for t in targets
    ]
    columns = ["result", "indicator", "cluster", "cells", "period", ">target", ">actual"]
    return table("Targets / Target", [*columns, "status", "rule"], body)


def compute(program: Program, observations: Observations, args: argparse.Namespace) -> list[Row]:
    """The report's rows for the options ``--round``, ``--cluster``, ``--by``, ``--indicator``."""
    return list(report_results(program, observations, args))


def report_results(
    program: Program, observations: Observations, args: argparse.Namespace
) -> Results:
    """:func:`compute`'s rows as a table that knows each indicator's display."""
    from klaster.errors import NotFoundError
    from klaster.measurement import Measurement, Results

    specs = [tuple(d.strip() for d in spec.split(",") if d.strip()) for spec in args.by]
    if args.cluster is not None:
        if args.cluster not in program.clusters:
            known = ", ".join(c.id for c in program.clusters)
            raise NotFoundError(f"no cluster {args.cluster!r} in the program; clusters: {known}")
        # Every row of one cluster carries the cluster dimension.
        specs = [("cluster", *(d for d in spec if d != "cluster")) for spec in [(), *specs]]
    else:
        specs = [(), *specs] if specs else [(), ("cluster",)]
    engine = Measurement(program, observations, backend=getattr(args, "engine", "auto"))
    results = engine.report(args.indicator or None, by=list(dict.fromkeys(specs)))
    if args.cluster is None and args.round is None:
        return results  # (its blocks as they are: no row made unless one is asked for)
    rows = list(results)
    if args.cluster is not None:
        rows = [r for r in rows if r.dimension("cluster") == args.cluster]
    if args.round is not None:
        key = _round_key(observations, rows, args.round)
        rows = [r for r in rows if r.round_id == key]
    return Results(rows, displays=results.displays)


def _round_key(observations: Observations, rows: Sequence[Row], wanted: str) -> str:
    keys = list(dict.fromkeys(r.round_id for r in rows if r.round_id is not None))
    if wanted in keys:
        return wanted
    # A round ID: its key counts the cluster's earlier rounds of the same kind, as the engine does.
    found = next((r for r in observations.rounds() if r.id == wanted), None)
    if found is not None:
        same = [r for r in observations.rounds(found.cluster_id) if r.kind is found.kind]
        ordinal = [r.id for r in same].index(found.id) + 1
        key = found.kind.value if ordinal == 1 else f"{found.kind.value}_{ordinal}"
        if key in keys:
            return key
    ids = ", ".join(r.id for r in observations.rounds())
    raise CliError(
        f"no round {wanted!r} in the report",
        hint=f"Use a round kind ({', '.join(keys) or 'none'}) or a round ID ({ids or 'none'}).",
    )


def records(rows: Sequence[Row]) -> list[dict[str, Any]]:
    """The rows as :meth:`Results.to_records` gives them."""
    from klaster.measurement import Results

    return Results(tuple(rows)).to_records()


def to_csv(rows: Sequence[Row] | Results) -> str:
    """The rows as CSV text (a header line, exact decimals, ISO dates, empty for missing)."""
    from klaster.documents.csvfile import csv_columns_text
    from klaster.measurement import Results

    columns = (rows if isinstance(rows, Results) else Results(tuple(rows))).to_columns()
    # Category cells (desa, business type, names from documents) are neutralised; values stay
    # numbers (see klaster.documents.csvfile).
    if not columns:
        return ""
    return csv_columns_text(columns, lineterminator="\n")


def text_table(
    rows: Sequence[Row], lang: Lang = "en", *, displays: Mapping[str, Display] | None = None
) -> Table:
    """Rounds side by side in date order, one line per indicator and disaggregation.

    Names in both languages; each figure as its indicator's display says (a share as a
    percentage, Rupiah, a count), in ``lang``, with the units it stands on (``n=188``): a
    40-member monitoring round is not read as the 188-member endline.
    """
    from klaster.measurement import Results

    table_ = Results(rows, displays=displays)
    rounds = [key or "-" for key in table_.rounds]
    dims = list(dict.fromkeys(name for r in rows for name, _ in r.by))
    lines: dict[tuple[str, tuple[tuple[str, str], ...]], dict[str, Row]] = {}
    for row in rows:
        lines.setdefault((row.indicator, row.by), {})[row.round_id or "-"] = row
    body = []
    for (code, by), cells in lines.items():
        first = next(iter(cells.values()))
        name = f"{first.label.en} / {first.label.id}"
        where = [dict(by).get(dim, "all") for dim in dims]
        shown = table_.display(code)
        values = [_cell(cells.get(key), shown, lang) for key in rounds]
        body.append((code, name, *where, *values))
    return table(None, ["indicator", "name", *dims, *(f">{key}" for key in rounds)], body)


def _cell(row: Row | None, shown: Display, lang: Lang) -> str:
    if row is None:
        return ""
    if not isinstance(row.value, Decimal):
        return "n/a"
    text = figure(row.value, shown, lang)
    # A count is its own n; any other figure says how many units it stands on.
    return text if shown.kind.value == "count" else f"{text} (n={number(row.n, lang)})"


def _reasons(rows: Sequence[Row]) -> list[str]:
    from klaster.measurement import NotAvailable

    seen: dict[str, str] = {}
    for row in rows:
        if isinstance(row.value, NotAvailable):
            seen.setdefault(f"{row.indicator} ({row.round_id})", row.value.reason)
    notes = [f"n/a {where}: {reason}" for where, reason in list(seen.items())[:_REASONS_SHOWN]]
    if len(seen) > _REASONS_SHOWN:
        notes.append(f"... and {len(seen) - _REASONS_SHOWN} more n/a figures (see --format csv)")
    return notes


def _write_file(
    path: Path,
    fmt: str,
    rows: Sequence[Row] | Results,
    targets: Sequence[TargetRow] = (),
    *,
    lang: Lang = "en",
    displays: Mapping[str, Display] | None = None,
) -> None:
    from klaster.documents.files import atomic_write

    if fmt == "csv":
        text = to_csv(rows)
    elif fmt == "json":
        text = to_json(_document(list(rows), targets)) + "\n"
    else:
        text = render_text(text_table(list(rows), lang, displays=displays))
        if targets:
            text += render_text(targets_table(targets, lang))
    atomic_write(path, lambda handle: handle.write(text))
