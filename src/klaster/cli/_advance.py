"""``klaster advance``: a lifecycle move; the move to independence passes the readiness check.

For the move to independence (*pemandirian*) the guard is the readiness rule of the cluster's
sectors (every cluster-level criterion the sector plugins declare, all of which must pass),
evaluated on a survey round: the one given with ``--round``, else the cluster's endline, else its
latest round. Every criterion is shown with its value, threshold and outcome (a composite
criterion, each of its parts on a line of its own); a refused move exits with code 4 and changes
nothing, unless ``--override REASON`` records why it is made anyway.
"""

from __future__ import annotations

import argparse
import datetime as _dt
from collections.abc import Mapping
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from klaster.cli._exit import CliError, ExitCode
from klaster.cli._inputs import parse_date
from klaster.cli._output import Output, number, table

if TYPE_CHECKING:
    from klaster.catalogue.display import Display
    from klaster.formatting import Lang
    from klaster.measurement import ConditionResult, CriterionResult, Readiness, Rule
    from klaster.model.cluster import Cluster
    from klaster.model.lifecycle import Guard, Phase
    from klaster.model.program import Program
    from klaster.observations import Observations

NAME = "advance"

# Phases by their Indonesian names too: program staff say "pemandirian", not "independence".
_ALIASES = {
    "perencanaan": "planning",
    "penumbuhan": "growth",
    "penguatan": "strengthening",
    "pemandirian": "independence",
    "pemantauan": "monitoring",
    "dihentikan": "suspended",
    "dibatalkan": "cancelled",
}


def add_parser(commands: Any, common: argparse.ArgumentParser) -> None:
    """Register the command."""
    parser = commands.add_parser(
        NAME,
        parents=[common],
        help="move a cluster to another lifecycle phase (readiness-checked for independence)",
        description="Move a cluster to another lifecycle phase and record who decided, when "
        "and why. The move to independence (pemandirian) is checked against the readiness "
        "criteria of the cluster's sectors; if they are not met the move is refused (exit "
        "code 4) unless --override gives the reason to move anyway.",
    )
    parser.add_argument("store", type=Path, metavar="STORE", help="the store (.klaster file)")
    parser.add_argument("cluster", metavar="CLUSTER", help="the cluster ID")
    parser.add_argument(
        "phase",
        metavar="PHASE",
        help="the phase to enter: planning, growth, strengthening, independence, monitoring, "
        "suspended, cancelled (or perencanaan, penumbuhan, penguatan, pemandirian, ...)",
    )
    parser.add_argument(
        "--on", required=True, type=parse_date, metavar="DATE", help="date of the move, YYYY-MM-DD"
    )
    parser.add_argument("--reason", required=True, metavar="TEXT", help="why the move is made")
    parser.add_argument(
        "--by", dest="decided_by", required=True, metavar="NAME", help="who decided (a role)"
    )
    parser.add_argument(
        "--round",
        metavar="ROUND",
        help="the survey round whose figures decide readiness (default: the endline, else the "
        "latest round of the cluster)",
    )
    parser.add_argument(
        "--override",
        metavar="REASON",
        help="make the move to independence even if readiness criteria are not met, and why",
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace, out: Output) -> int:
    """Check and make the move."""
    from klaster.cli._inputs import open_store
    from klaster.errors import ReadinessError
    from klaster.model.lifecycle import Override, Phase

    target = _phase(args.phase)
    override = Override(args.override, approved_by=args.decided_by) if args.override else None
    with open_store(args.store) as store:
        cluster = store.load_cluster(args.cluster)
        before = cluster.phase
        readiness: dict[str, Any] | None = None
        guard: Guard | None = None
        displays: dict[str, Display] = {}
        if target is Phase.INDEPENDENCE and target in cluster.lifecycle.allowed_moves():
            program = store.load_program()
            observations = store.load_observations(program=program)
            with out.working(f"checking the readiness of {args.cluster}"):
                guard, readiness, displays = _readiness_guard(
                    program, observations, cluster, args.round
                )
        elif override is not None:
            out.warn("--override only matters for the move to independence; it was ignored")
            override = None
        try:
            change = store.advance(
                args.cluster,
                target,
                on=args.on,
                reason=args.reason,
                decided_by=args.decided_by,
                guard=guard,
                override=override,
            )
        except ReadinessError:
            _show_move(out, args.cluster, before, target, args.on, readiness, displays, moved=False)
            raise
    _show_move(
        out,
        args.cluster,
        before,
        target,
        change.on,
        readiness,
        displays,
        moved=True,
        override=change.override is not None,
    )
    return ExitCode.OK


def _phase(text: str) -> Phase:
    from klaster.model.lifecycle import Phase

    value = _ALIASES.get(text.strip().lower(), text.strip().lower())
    try:
        return Phase(value)
    except ValueError:
        from klaster._support.suggest import did_you_mean

        close = did_you_mean(value, [*(p.value for p in Phase), *_ALIASES])
        raise CliError(
            f"unknown phase {text!r}" + (f"; {close}" if close else ""),
            hint="Use one of: " + ", ".join(p.value for p in Phase),
            code=ExitCode.USAGE,
        ) from None


def _readiness_guard(
    program: Program, observations: Observations, cluster: Cluster, round_id: str | None
) -> tuple[Guard, dict[str, Any], dict[str, Display]]:
    """The guard for the independence move, its evaluation (as JSON), the criteria's displays.

    Each indicator a criterion reads is shown as its display says (a share as a percentage,
    money as Rupiah); a variable read, as a plain number.
    """
    from klaster.errors import NotFoundError
    from klaster.measurement import AllOf, Measurement, cluster_exit_criteria

    criteria = cluster_exit_criteria(cluster)
    evidence = _evidence_round(observations, cluster.id, round_id)
    if evidence is None:
        why = f"no survey round of cluster {cluster.id!r} to judge readiness on"
        document: dict[str, Any] = {"round": None, "ready": False, "reason": why, "criteria": []}
        return _failing(why), document, {}
    rule: Rule = AllOf(criteria)
    engine = Measurement(program, observations)
    (decision,) = engine.readiness(rule, evidence)
    displays: dict[str, Display] = {}
    reads = [line.reads for line in decision.results]
    reads += [part.reads for line in decision.results for part in line.parts]
    for code in reads:
        try:
            displays[code] = engine.indicator(code).shown_as
        except NotFoundError:  # a variable, or a composite's joined codes: a plain number
            continue
    return engine.guard(rule, evidence), _decision_document(decision, evidence), displays


def _evidence_round(
    observations: Observations, cluster_id: str, round_id: str | None
) -> str | None:
    from klaster.errors import NotFoundError

    rounds = observations.rounds(cluster_id)
    if round_id is None:
        endline = observations.endline(cluster_id)
        return endline.id if endline is not None else (rounds[-1].id if rounds else None)
    if round_id not in {r.id for r in rounds}:
        known = ", ".join(r.id for r in rounds) or "none yet"
        raise NotFoundError(f"no round {round_id!r} of cluster {cluster_id!r}; rounds: {known}")
    return round_id


def _failing(why: str) -> Guard:
    from klaster.model.lifecycle import CheckResult

    def readiness(cluster: object, on: _dt.date) -> list[CheckResult]:
        return [CheckResult("readiness", False, why)]

    return readiness


def _decision_document(decision: Readiness, round_id: str) -> dict[str, Any]:
    return {
        "round": round_id,
        "ready": decision.ready,
        "reason": decision.reason,
        "criteria": [
            {
                "code": line.code,
                "label": {"id": line.label.id, "en": line.label.en},
                **_evidence(line),
                # A composite criterion (all_of/any_of): each part with its own evidence.
                **({"parts": [_evidence(part) for part in line.parts]} if line.parts else {}),
            }
            for line in decision.results
        ],
    }


def _evidence(line: CriterionResult | ConditionResult) -> dict[str, Any]:
    from klaster.measurement import NotAvailable

    missing = isinstance(line.value, NotAvailable)
    return {
        "reads": line.reads,
        "operator": line.operator,
        "threshold": line.threshold,
        "value": None if missing else line.value,
        "passed": line.passed,
        "note": line.value.reason if missing else None,
        "round": line.round_id,
        "sector": line.sector,
    }


def _show_move(
    out: Output,
    cluster_id: str,
    before: Phase | None,
    target: Phase,
    on: _dt.date,
    readiness: dict[str, Any] | None,
    displays: Mapping[str, Display],
    *,
    moved: bool,
    override: bool = False,
) -> None:
    from klaster.cli._status import phase_text

    out.emit(
        {
            "cluster": cluster_id,
            "from": before.value if before is not None else None,
            "to": target.value,
            "on": on,
            "moved": moved,
            "override": override,
            "readiness": readiness,
        }
    )
    if readiness is not None:
        _show_readiness(out, cluster_id, readiness, displays)
    if moved:
        out.line(
            f"{cluster_id}: {phase_text(before)} → {phase_text(target)} on {on.isoformat()}"
            + (" (override recorded)" if override else ""),
            style="bold green",
        )


def _amount(value: object, display: Display | None, lang: Lang, *, written: bool = False) -> str:
    """A criterion's value or threshold in ``lang``: as its indicator's display says, if any.

    A threshold without a display keeps the decimals it was written with (``0.80``).
    """
    if isinstance(value, bool) or not isinstance(value, Decimal | int):
        return number(value, lang)
    if display is not None and (not isinstance(value, Decimal) or value.is_finite()):
        return display.show(value, lang)
    if written and isinstance(value, Decimal) and value.is_finite():
        from klaster.formatting import format_number

        exponent = value.as_tuple().exponent
        return format_number(value, lang, digits=-exponent if isinstance(exponent, int) else 0)
    return number(value, lang)


def _value_text(line: dict[str, Any], displays: Mapping[str, Display], lang: Lang) -> str:
    # A sector's criterion is judged on that sector's members: say whose figure it is.
    if line["value"] is None:
        return str(line["note"] or "n/a")
    text = _amount(line["value"], displays.get(line["reads"]), lang)
    return f"{text} (sector {line['sector']})" if line.get("sector") else text


def _threshold_text(line: dict[str, Any], displays: Mapping[str, Display], lang: Lang) -> str:
    shown = _amount(line["threshold"], displays.get(line["reads"]), lang, written=True)
    return f"{line['operator']} {shown}"


def _show_readiness(
    out: Output, cluster_id: str, readiness: dict[str, Any], displays: Mapping[str, Display]
) -> None:
    lang = out.text_lang
    outcome = {True: "met", False: "NOT met", None: "n/a"}
    rows = []
    for line in readiness["criteria"]:
        parts = line.get("parts", [])
        combined = "all of:" if line["operator"] == "all_of" else "any of:"
        rows.append(
            (
                line["code"],
                f"{line['label']['en']} / {line['label']['id']}",
                "" if parts and line["value"] is None and line["note"] is None
                else _value_text(line, displays, lang),
                combined if parts else _threshold_text(line, displays, lang),
                outcome[line["passed"]],
            )
        )  # fmt: skip
        rows.extend(
            (
                "",
                f"  {part['reads']}",
                _value_text(part, displays, lang),
                _threshold_text(part, displays, lang),
                outcome[part["passed"]],
            )
            for part in parts
        )
    title = f"readiness of {cluster_id} (siap mandiri), round {readiness['round'] or '-'}"
    if rows:
        out.show(table(title, ["criterion", "description", ">value", "threshold", "result"], rows))
    verdict = "ready" if readiness["ready"] else "not ready"
    out.line(f"{verdict}: {readiness['reason']}", style="green" if readiness["ready"] else "yellow")
