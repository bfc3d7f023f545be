"""``klaster targeting``: rank candidate regions by a rule and, optionally, record the choice.

The candidates come from a regions CSV file (:func:`klaster.targeting.read_regions_csv`), the
rule from a TOML file (:func:`klaster.targeting.load_rule`, checked against the candidates'
indicators). Text shows the ranking table (every weighted figure with its points, the total, the
decision in Indonesian and English and the reason); ``--json`` every row with exact values as
text. ``--record`` adds the choice, with the whole table as its evidence, to a program document
(saved atomically) or a store: all or nothing.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, Any

from klaster.cli._exit import CliError, ExitCode
from klaster.cli._inputs import parse_date
from klaster.cli._output import Output, table

if TYPE_CHECKING:
    from klaster.model.location_choice import LocationChoice
    from klaster.targeting import RankingTable

NAME = "targeting"


def add_parser(commands: Any, common: argparse.ArgumentParser) -> None:
    """Register the command."""
    parser = commands.add_parser(
        NAME,
        parents=[common],
        help="rank candidate regions (poverty, potential, distance) and record the choice",
        description="Rank the candidate regions of a regions CSV file by a ranking rule (TOML: "
        "weights, cut-offs, exclusions, how many to select) and show every score part, the "
        "decision and the reason. With --record, the choice and its evidence are added to a "
        "program document or store.",
    )
    parser.add_argument("regions", type=Path, metavar="REGIONS.csv", help="the candidate regions")
    parser.add_argument(
        "--rule", required=True, type=Path, metavar="RULE.toml", help="the ranking rule"
    )
    parser.add_argument(
        "--record",
        type=Path,
        metavar="STORE|PROGRAM.json",
        help="add the choice (the selected regions, with the table as evidence) to this program",
    )
    parser.add_argument("--decided-by", metavar="WHO", help="with --record: who decided (a role)")
    parser.add_argument(
        "--on", type=parse_date, metavar="DATE", help="with --record: the day it was decided"
    )
    parser.add_argument(
        "--id",
        dest="choice_id",
        metavar="ID",
        help="with --record: the choice's ID (default: <level>-<date>, e.g. kecamatan-2010-09-01)",
    )
    parser.add_argument("--note", metavar="TEXT", help="with --record: a note on the choice")
    parser.set_defaults(run=run)


def _check_options(args: argparse.Namespace) -> None:
    extras = [
        o
        for o, v in (
            ("--decided-by", args.decided_by),
            ("--on", args.on),
            ("--id", args.choice_id),
            ("--note", args.note),
        )
        if v is not None
    ]
    if args.record is None and extras:
        raise CliError(
            f"{', '.join(extras)} only go with --record",
            hint="Add --record STORE|PROGRAM.json to record the choice, or leave them out.",
            code=ExitCode.USAGE,
        )
    if args.record is not None and (args.decided_by is None or args.on is None):
        raise CliError(
            "--record needs --decided-by and --on",
            hint="Say who decided and when, e.g. --decided-by 'program office' --on 2010-09-01.",
            code=ExitCode.USAGE,
        )


def run(args: argparse.Namespace, out: Output) -> int:
    """Rank, show and optionally record."""
    from klaster.cli._exit import headline, problems_of
    from klaster.cli._inputs import existing
    from klaster.errors import DocumentError
    from klaster.targeting import load_rule, rank, read_regions_csv

    _check_options(args)
    regions = existing(args.regions, "a regions CSV file")
    rule_file = existing(args.rule, "a ranking rule (TOML)")
    try:
        candidates = read_regions_csv(regions)
        rule = load_rule(rule_file, candidates)
    except DocumentError as exc:  # bad data, not an unreadable store: refused (exit code 1)
        raise CliError(
            headline(exc),
            problems=problems_of(exc),
            hint="Fix the rows or keys named above (docs/targeting.md has the formats); "
            "nothing was recorded.",
        ) from None
    ranking = rank(candidates, rule)
    recorded = None
    if args.record is not None:
        choice = ranking.as_choice(
            args.choice_id or f"{rule.level.value}-{args.on.isoformat()}",
            args.on,
            args.decided_by,
            note=args.note,
        )
        _record(args.record, choice)
        recorded = {"program": str(args.record), "choice": choice.id, "chosen": choice.chosen}
    out.emit(document(ranking, recorded))
    show(out, ranking)
    if recorded is not None:
        out.line(
            f"recorded choice {recorded['choice']!r} in {args.record}: "
            f"{', '.join(recorded['chosen'])}",
            style="bold green",
        )
    return ExitCode.OK


def _record(path: Path, choice: LocationChoice) -> None:
    """Add the choice to a store or a program document (all or nothing)."""
    from klaster.cli._inputs import existing, is_store, load_program, open_store

    if is_store(existing(path, "a store or a program document")):
        with open_store(path) as store:
            program = store.load_program()
            program.choose_locations(choice)
            store.save_program(program)
        return
    import klaster

    program = load_program(path)
    program.choose_locations(choice)
    klaster.save(program, path)


def _text(value: object) -> object:
    from decimal import Decimal

    return str(value) if isinstance(value, Decimal) else value


def document(ranking: RankingTable, recorded: dict[str, Any] | None) -> dict[str, Any]:
    """The JSON document: the rule, every row (exact values as text), the selected codes."""
    rule = ranking.rule
    return {
        "rule": rule.summary(),
        "level": rule.level.value,
        "select": rule.select,
        "per_parent": rule.per_parent,
        "weights": [
            {"indicator": w.indicator, "weight": str(w.weight), "direction": w.direction.value}
            for w in rule.weights
        ],
        "rows": [{k: _text(v) for k, v in row.items()} for row in ranking.to_records()],
        "selected": list(ranking.selected),
        "recorded": recorded,
    }


def show(out: Output, ranking: RankingTable) -> None:
    """The ranking as a table with bilingual decisions."""
    weights = ranking.rule.weights
    columns = ["#", "kode / code", "wilayah / region"]
    columns += [f">{w.indicator} ({w.weight})" for w in weights]
    columns += [">skor / total", "keputusan / decision", "alasan / reason"]
    rows: list[list[object]] = []
    for row in ranking:
        cells: list[object] = [row.rank, row.code, row.name]
        for weight in weights:
            part = row.part(weight.indicator)
            if part is None or part.value is None:
                cells.append(None)
                continue
            value = str(part.value) + ("*" if part.synthetic else "")
            cells.append(value if part.points is None else f"{value} → {part.points:.4f}")
        cells.append(None if row.total is None else f"{row.total:.4f}")
        cells += [f"{row.decision.label_id} / {row.decision.label_en}", row.reason]
        rows.append(cells)
    title = f"Peringkat / Ranking: {ranking.rule.name}"
    out.show(table(title, columns, rows))
    if any(p.synthetic for row in ranking for p in row.parts):
        out.line("* synthetic figure (no citable source) / angka sintetis")
    out.line(f"Terpilih / Selected: {', '.join(ranking.selected) or '-'}")
