"""``klaster status``: the clusters of a store, their phases and counts (IDs and counts only)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, Any

from klaster.cli._output import Output, number, table

if TYPE_CHECKING:
    from rich.table import Table

    from klaster.formatting import Lang
    from klaster.model.cluster import Cluster
    from klaster.model.lifecycle import Phase
    from klaster.observations import Round
    from klaster.store import ClusterStatus, StoreStatus

NAME = "status"


def add_parser(commands: Any, common: argparse.ArgumentParser) -> None:
    """Register the command."""
    parser = commands.add_parser(
        NAME,
        parents=[common],
        help="show the clusters of a store: phase, members, groups, rounds",
        description="Show the program in a store: each cluster's lifecycle phase and counts of "
        "members, groups, cooperatives, survey rounds, observation values and ledger entries. "
        "With --cluster, also its survey rounds and phase history.",
    )
    parser.add_argument("store", type=Path, metavar="STORE", help="the store (.klaster file)")
    parser.add_argument("--cluster", metavar="ID", help="show one cluster in detail")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace, out: Output) -> int:
    """Show the status of the store (or of one cluster)."""
    from klaster.cli._inputs import open_store

    with open_store(args.store, readonly=True) as store:
        status = store.status()
        _missing_plugins(status, args.store)
        if args.cluster is None:
            show(out, status, args.store)
        else:
            chosen = _one_cluster(status, args.cluster)
            rounds = store.rounds(args.cluster)
            show_cluster(out, status, args.store, chosen, rounds, store.load_cluster(args.cluster))
    return 0


def _missing_plugins(status: StoreStatus, path: Path) -> None:
    """Warn (strict: refuse) when a sector of the store has no loaded plugin."""
    from klaster.plugins import get_host
    from klaster.plugins.missing import report_missing, unprovided_sectors

    host = get_host()
    report_missing(host, unprovided_sectors(host, status.sectors), source=str(path))


def show(
    out: Output, status: StoreStatus, path: Path | str, *, extra: dict[str, Any] | None = None
) -> None:
    """Emit the status document of a store (with ``extra`` keys first) and show it as a table."""
    out.emit({**(extra or {}), **status_document(status, path)})
    _header(out, status, path)
    out.show(_clusters_table(status.clusters, out.text_lang))


def show_cluster(
    out: Output,
    status: StoreStatus,
    path: Path | str,
    chosen: ClusterStatus,
    rounds: tuple[Round, ...],
    cluster: Cluster,
) -> None:
    """Emit and show one cluster: its counts, survey rounds and phase history."""
    spans = cluster.lifecycle.timeline()
    document = status_document(status, path, (chosen,))
    document["rounds"] = [round_document(r) for r in rounds]
    document["history"] = [
        {
            "phase": span.phase.value,
            "start": span.start,
            "end": span.end,
            "override": span.change.override is not None,
            "failed_checks": [c.name for c in span.change.failed_checks],
        }
        for span in spans
    ]
    document["allowed_moves"] = _allowed(cluster)
    out.emit(document)
    _header(out, status, path)
    out.show(_clusters_table((chosen,), out.text_lang))
    if rounds:
        out.show(
            table(
                "survey rounds / putaran survei",
                ["round", "kind", "date", "title"],
                [(r.id, r.kind.value, r.on.isoformat(), r.title("en")) for r in rounds],
            )
        )
    else:
        out.line("no survey rounds yet (import a survey with 'klaster import')")
    out.show(
        table(
            "phase history / riwayat tahap",
            ["phase / tahap", "from", "until"],
            [
                (
                    phase_text(span.phase) + (" (override)" if span.change.override else ""),
                    span.start.isoformat(),
                    span.end.isoformat() if span.end else "…",
                )
                for span in spans
            ],
        )
    )
    moves = document["allowed_moves"]
    out.line("next possible moves: " + (", ".join(moves) if moves else "none (final phase)"))


def _header(out: Output, status: StoreStatus, path: Path | str) -> None:
    out.line(
        f"{status.program_name} [{status.program_id}] — store {path} "
        f"(schema {status.schema_version})",
        style="bold",
    )


def _clusters_table(clusters: tuple[ClusterStatus, ...], lang: Lang = "en") -> Table:
    """One line per cluster, counts with the language's thousands separators."""
    columns = ["cluster", "phase / tahap", ">members", ">active", ">groups", ">cooperatives"]
    columns += [">rounds", ">values", ">ledger entries"]
    return table(
        None,
        columns,
        [
            (
                c.id,
                phase_text(c.phase),
                *(
                    number(count, lang)
                    for count in (
                        c.members,
                        c.active_members,
                        c.groups,
                        c.cooperatives,
                        c.rounds,
                        c.observation_values,
                        c.ledger_entries,
                    )
                ),
            )
            for c in clusters
        ],
    )


def _allowed(cluster: Cluster) -> list[str]:
    return [phase.value for phase in cluster.lifecycle.allowed_moves()]


def status_document(
    status: StoreStatus, path: Path | str, clusters: tuple[ClusterStatus, ...] | None = None
) -> dict[str, Any]:
    """The JSON document of a store's status."""
    return {
        "store": str(path),
        "program": {"id": status.program_id, "name": status.program_name},
        "schema_version": status.schema_version,
        "clusters": [
            cluster_document(c) for c in (status.clusters if clusters is None else clusters)
        ],
    }


def cluster_document(cluster: ClusterStatus) -> dict[str, Any]:
    """One cluster of the status document."""
    phase = cluster.phase
    return {
        "id": cluster.id,
        "name": cluster.name,
        "phase": phase.value if phase is not None else None,
        "phase_label": {"id": phase.label_id, "en": phase.label_en} if phase else None,
        "members": cluster.members,
        "active_members": cluster.active_members,
        "groups": cluster.groups,
        "cooperatives": cluster.cooperatives,
        "rounds": cluster.rounds,
        "observation_values": cluster.observation_values,
        "ledger_entries": cluster.ledger_entries,
    }


def round_document(rnd: Round) -> dict[str, Any]:
    """One survey round as JSON."""
    return {"id": rnd.id, "cluster_id": rnd.cluster_id, "kind": rnd.kind.value, "on": rnd.on}


def phase_text(phase: Phase | None) -> str:
    """A phase in both languages (``Pemandirian / Independence``), or ``-``."""
    return f"{phase.label_id} / {phase.label_en}" if phase is not None else "-"


def _one_cluster(status: StoreStatus, cluster_id: str) -> ClusterStatus:
    from klaster.errors import NotFoundError

    for cluster in status.clusters:
        if cluster.id == cluster_id:
            return cluster
    known = ", ".join(c.id for c in status.clusters) or "none"
    raise NotFoundError(f"no cluster {cluster_id!r} in this store; clusters: {known}")
