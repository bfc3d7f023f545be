"""``klaster report --format html|md|xlsx|pdf``: the program report people read, as a file.

The report is :func:`klaster.reports.build_report` of the store or program document (with the
store's finance books when it has any), narrowed by ``--cluster``, ``--sector`` and ``--round``,
written by :func:`klaster.reports.write_report` in ``--lang`` to ``--out FILE``, atomically.
"""

from __future__ import annotations

import argparse
import datetime as _dt
from typing import TYPE_CHECKING, Any

from klaster.cli._exit import CliError, ExitCode
from klaster.cli._output import Output

if TYPE_CHECKING:
    from klaster.finance import Finance

FORMATS = ("html", "md", "xlsx", "pdf")
"""The formats written as a report document (the others are tables of figures)."""


def run(args: argparse.Namespace, out: Output) -> int:
    """Build the report and write it to ``--out``."""
    from klaster.cli._inputs import (
        is_store,
        open_store,
        program_and_observations,
        report_variables,
    )
    from klaster.reports import build_report, write_report

    fmt = args.format
    if args.output is None:
        raise CliError(
            f"the {fmt.upper()} report is a file: give --out FILE",
            hint=f"Add --out report.{fmt}.",
            code=ExitCode.USAGE,
        )
    for option in ("by", "indicator"):
        if getattr(args, option):
            raise CliError(
                f"--{option} is for the text, csv and json tables, not the {fmt} report",
                hint="The report shows every indicator with its breakdowns; leave it out.",
                code=ExitCode.USAGE,
            )
    with out.working(f"building the report of {args.source}"):
        program, observations = program_and_observations(
            args.source, args.observations, command="report", needs=report_variables
        )
        finance: list[Finance] = []
        if is_store(args.source):
            with open_store(args.source, readonly=True) as store:
                finance = list(store.load_finance(program))
        report = build_report(
            program,
            observations,
            finance,
            cluster=args.cluster,
            sector=args.sector,
            round=args.round,
            made_on=_dt.date.today(),
            backend=getattr(args, "engine", "auto"),
        )
        write_report(report, args.output, format=fmt, lang=args.lang)
    document: dict[str, Any] = {
        "output": str(args.output),
        "format": fmt,
        "lang": args.lang,
        "sections": [s.key for s in report.sections],
        "missing": [s.key for s in report.sections if s.missing is not None],
    }
    out.emit(document)
    out.note(f"wrote the {fmt} report ({args.lang}) to {args.output}")
    return ExitCode.OK


def write_all(
    program: Any,
    observations: Any,
    folder: Any,
    *,
    made_on: _dt.date | None = None,
    skipped: list[str] | None = None,
) -> list[str]:
    """The program's report in every format and both languages, written into ``folder``.

    Files are named ``report.<lang>.<format>`` (``report.id.html``, ``report.en.pdf``...). A
    format whose extra is not installed is left out, its reason added to ``skipped``.
    """
    from pathlib import Path

    from klaster.errors import KlasterError
    from klaster.reports import build_report, write_report

    target = Path(folder)
    target.mkdir(parents=True, exist_ok=True)
    report = build_report(program, observations, made_on=made_on or _dt.date.today())
    written = []
    for lang in ("id", "en"):
        for fmt in FORMATS:
            path = target / f"report.{lang}.{fmt}"
            try:
                write_report(report, path, format=fmt, lang=lang)  # type: ignore[arg-type]
            except KlasterError as exc:  # a missing extra: the other formats are still written
                if skipped is not None:
                    skipped.append(f"{path.name}: {exc}")
                continue
            written.append(str(path))
    return written
