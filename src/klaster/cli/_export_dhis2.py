"""``klaster export dhis2``: indicator values as a DHIS2 dataValueSets file (JSON or CSV).

The mapping file (:mod:`klaster.exports.dhis2_mapping`) says which indicator is which data
element, which region which org unit and which disaggregation which category option combo; the
output's suffix chooses DHIS2's JSON or CSV format. A mapping that does not fit the program
writes nothing.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from klaster.cli._exit import CliError, ExitCode
from klaster.cli._inputs import parse_date
from klaster.cli._output import Output

NAME = "dhis2"
_SUFFIXES = (".json", ".csv")


def add_parser(kinds: Any, common: argparse.ArgumentParser) -> None:
    """Register the format."""
    parser = kinds.add_parser(
        NAME,
        parents=[common],
        help="indicator values as DHIS2 dataValueSets (JSON or CSV)",
        description="Compute the mapped indicators by region and disaggregation and write them "
        "as a DHIS2 dataValueSets file: data element, period (2024Q1, 202401, 2024), org unit, "
        "category option combo and value. Figures that are not available are left out and "
        "counted. The --out suffix chooses the format: .json or .csv.",
    )
    parser.add_argument(
        "source",
        type=Path,
        metavar="STORE|PROGRAM.json",
        help="a store, or a program document (with its observations sidecar beside it)",
    )
    parser.add_argument(
        "--mapping",
        type=Path,
        required=True,
        metavar="MAP.toml",
        help="the DHIS2 mapping: indicators → data elements, regions → org units, "
        "disaggregations → category option combos (docs/exports.md)",
    )
    parser.add_argument(
        "--out",
        type=Path,
        required=True,
        metavar="VALUES.json|VALUES.csv",
        help="the file to write (atomically)",
    )
    parser.add_argument(
        "--observations",
        type=Path,
        metavar="SIDE.jsonl",
        help="observations sidecar of a program document (default: the one beside it)",
    )
    parser.add_argument(
        "--round",
        action="append",
        default=None,
        metavar="R",
        help="only this round as the report names it (baseline, endline...); repeatable",
    )
    parser.add_argument(
        "--complete-date",
        type=parse_date,
        metavar="YYYY-MM-DD",
        help="the data set's completion date (JSON, with a data_set in the mapping)",
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace, out: Output) -> int:
    """Compute the values and write the file."""
    from klaster.cli._inputs import existing, program_and_observations
    from klaster.exports import data_values, load_dhis2_mapping, write_data_values
    from klaster.measurement import Measurement

    target: Path = args.out
    if target.suffix.lower() not in _SUFFIXES:
        raise CliError(
            f"{target}: a DHIS2 export is .json or .csv",
            hint=f"Write --out {target.with_suffix('.json')} or {target.with_suffix('.csv')}.",
            code=ExitCode.USAGE,
        )
    mapping = load_dhis2_mapping(existing(args.mapping, "a DHIS2 mapping"))
    with out.working(f"computing the DHIS2 values of {args.source}"):
        program, observations = program_and_observations(
            args.source, args.observations, command="export dhis2", needs=lambda p: _needs(mapping)
        )
        # The fast path (the same figures as the exact reference): one report per indicator.
        engine = Measurement(program, observations, backend="auto")
        values = data_values(program, observations, mapping, rounds=args.round, measurement=engine)
    write_data_values(target, values, complete_date=args.complete_date)
    fmt = target.suffix.lower().lstrip(".")
    out.emit(
        {
            "output": str(target),
            "format": fmt,
            "values": len(values.values),
            "not_available": values.not_available,
            "reasons": [{"reason": r, "figures": n} for r, n in values.reasons],
        }
    )
    out.note(
        f"wrote {len(values.values)} data value(s) to {target} ({fmt}); "
        f"{values.not_available} figure(s) not available, left out"
    )
    return ExitCode.OK


def _needs(mapping: Any) -> frozenset[str] | None:
    """The variables the mapped indicators read (``None``: all, when a code is unknown)."""
    from klaster.errors import KlasterError
    from klaster.measurement import variables_needed

    try:
        return variables_needed([i.code for i in mapping.indicators], by=())
    except KlasterError:  # data_values names the unknown indicator
        return None
