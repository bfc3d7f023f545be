"""The `make demo` job: load the bundled Bantaeng program and print a readable summary.

Run ``python examples/bantaeng.py [path/to/program.json]``. Without an argument it reads the
bundled ``examples/data/bantaeng.json`` and its surveys ``bantaeng.observations.jsonl`` (built by
``examples/build_bantaeng.py``), prints the cluster, checks it against the sector plugins, and
reports the main indicators at baseline and endline with readiness for independence.
"""

from __future__ import annotations

import datetime as dt
import sys
from collections import Counter
from decimal import Decimal
from pathlib import Path

import klaster
import klaster.observations
import klaster.plugins
from klaster import Cluster, Phase, Program
from klaster.measurement import AllOf, Measurement, NotAvailable
from klaster.observations import variable_catalogue

DATA = Path(__file__).parent / "data" / "bantaeng.json"
SURVEYS = DATA.with_name("bantaeng.observations.jsonl")
HEADLINE = (
    "members",
    "active_groups",
    "legal_cooperatives",
    "income_per_capita",
    "income_change_pct",
    "poverty_headcount",
    "poverty_gap",
    "business_survival_rate",
    "profit_margin",
    "jobs_created",
)


def summarise(program: Program, as_of: dt.date) -> str:
    """A plain-text summary of every cluster of ``program`` on ``as_of`` (IDs and counts only)."""
    lines = [f"{program.name} — {len(program.clusters)} cluster(s), as of {as_of}"]
    for cluster in program.clusters:
        lines += ["", *_cluster_lines(cluster, as_of)]
    return "\n".join(lines)


def _cluster_lines(cluster: Cluster, as_of: dt.date) -> list[str]:
    kabupaten = cluster.region.at_level("kabupaten")[0]
    phase = cluster.lifecycle.phase_on(as_of)
    active = cluster.active_members(as_of)
    households = sum(m.household_size for m in active)
    lines = [
        f"{cluster.name} [{cluster.id}] — Kabupaten {kabupaten.name} ({kabupaten.code})",
        f"  phase / tahap: {phase.label_id} / {phase.label_en}" if phase else "  phase: -",
        "  sectors / bidang: " + ", ".join(f"{s.sector} ({s.partner_id})" for s in cluster.sectors),
    ]
    stat = kabupaten.latest_stat()
    if stat is not None:
        lines.append(
            f"  context {stat.year}: {stat.poor_count:,} poor of {stat.population:,} people "
            f"({stat.rate}%, {stat.kind.value}; source: {stat.source})"
        )
    lines.append(
        f"  mitra active: {len(active)} of {len(cluster.members)} registered "
        f"({len(cluster.members) - len(active)} left), {households} people in their households"
    )
    by_kecamatan = Counter(_kecamatan_of(cluster, m.village) for m in active)
    lines += [f"    kecamatan {name}: {count}" for name, count in sorted(by_kecamatan.items())]
    by_sex = Counter(m.sex.value for m in active)
    lines.append("    by sex: " + ", ".join(f"{k} {v}" for k, v in sorted(by_sex.items())))
    by_business = Counter(m.business_type or "-" for m in active)
    lines.append("    businesses: " + ", ".join(f"{k} {v}" for k, v in by_business.most_common()))
    groups_active = sum(g.is_active(as_of) for g in cluster.groups)
    lines.append(f"  kelompok: {groups_active} active of {len(cluster.groups)}")
    for coop in cluster.cooperatives:
        legal = (
            f"berbadan hukum since {coop.legal.registered_on}" if coop.legal else "no legal status"
        )
        lines.append(f"  koperasi: {coop.name} — {len(coop.member_ids)} members, {legal}")
    lines.append("  timeline:")
    for span in cluster.lifecycle.timeline():
        end = span.end.isoformat() if span.end else "…"
        lines.append(
            f"    {span.start} → {end:<10}  {span.phase.label_id:<28} {span.change.reason}"
        )
    days = cluster.lifecycle.days_in_phases(as_of)
    lines.append(
        "  days per phase: "
        + ", ".join(f"{p.value} {d}" for p, d in days.items() if d and p is not Phase.SUSPENDED)
    )
    return lines


def impact(program: Program, surveys: Path) -> str:
    """Headline indicators at baseline and endline, and the cluster's readiness decision."""
    host = klaster.plugins.get_host()
    catalogue = variable_catalogue(host)
    observations = klaster.observations.load(surveys, program, catalogue)
    engine = Measurement(program, observations)
    results = engine.report(HEADLINE, by=[()])
    lines = ["", "indicator / indikator" + " " * 29 + "baseline        endline"]
    for line in results.compare("baseline", "endline"):
        label = f"{line.label.en} / {line.label.id}"
        lines.append(f"  {label[:48]:<48} {_show(line.before):>14} {_show(line.after):>14}")
    for cluster in program.clusters:
        criteria = host.readiness_criteria(level="cluster")
        rule = AllOf([c for c in criteria if c.sector in cluster.sector_codes])
        endline = observations.endline(cluster.id)
        if endline is None:
            continue
        (decision,) = engine.readiness(rule, endline.id)
        verdict = "ready" if decision.ready else "not ready"
        lines.append(f"\nreadiness of {cluster.id} (siap mandiri): {verdict}: {decision.reason}")
        for item in decision.results:
            if item.applies:
                lines.append(
                    f"  {item.code}: {_show(item.value)} {item.operator} {item.threshold} "
                    f"({'met' if item.passed else 'not met'}, round {item.round_id})"
                )
    return "\n".join(lines)


def _show(value: object) -> str:
    if isinstance(value, NotAvailable):
        return "n/a"
    if isinstance(value, Decimal):
        if value == value.to_integral_value() or abs(value) >= 100:
            return f"{value:,.0f}"
        return f"{value:.3f}"
    return str(value)


def _kecamatan_of(cluster: Cluster, village: str) -> str:
    for kecamatan in cluster.region.at_level("kecamatan"):
        if kecamatan.find(village) is not None:
            return kecamatan.name
    return "?"


def main(argv: list[str]) -> int:
    path = Path(argv[1]) if len(argv) > 1 else DATA
    try:
        program = klaster.load(path)
    except klaster.KlasterError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(summarise(program, as_of=dt.date(2014, 3, 31)))
    surveys = path.with_name(path.stem + ".observations.jsonl")
    if surveys.exists():
        try:
            print(impact(program, surveys))
        except klaster.KlasterError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 1
    host = klaster.plugins.get_host()
    problems = host.validate_program(program)
    plugins = ", ".join(f"{p.name} {p.version}" for p in host.plugins())
    print(f"\nsector plugins: {plugins}")
    print("sector checks: " + ("all members and groups pass" if not problems else ""))
    for problem in problems:
        print(f"  - {problem}")
    return 0 if not problems else 1


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
