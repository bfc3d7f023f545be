"""Whether finance books fit a program: their cluster, programs and cooperatives.

A finance document is read against its program (:func:`klaster.finance.loads`); the store checks
the same when it saves books. Each problem is a located message
(``books[0].loans[3].borrower: ...``).
"""

from __future__ import annotations

from collections.abc import Iterable

from klaster.finance.book import Finance
from klaster.finance.party import Party, PartyKind
from klaster.model.cluster import Cluster
from klaster.model.program import Program

__all__ = ["parties", "party_problems", "program_problems"]


def program_problems(book: Finance, program: Program, index: int) -> list[str]:
    """Where ``book`` does not fit ``program``: its cluster, its program and cooperative IDs."""
    where = f"books[{index}]"
    cluster = program.clusters.get(book.cluster_id)
    if cluster is None:
        known = ", ".join(program.clusters.ids()) or "none"
        return [
            f"{where}.cluster_id: program {program.id!r} has no cluster {book.cluster_id!r}; "
            f"clusters: {known}"
        ]
    found = []
    if book.program_id != program.id:
        found.append(
            f"{where}.program_id: the book is of program {book.program_id!r}, not {program.id!r}"
        )
    for path, party in parties(book):
        found += party_problems(party, cluster, program, f"{where}.{path}")
    handover = book.handover
    if handover is not None:
        if handover.cluster_id != book.cluster_id:
            found.append(
                f"{where}.handover.cluster_id: {handover.cluster_id!r} is not the book's "
                f"cluster {book.cluster_id!r}"
            )
        if handover.program_id != book.program_id:
            found.append(
                f"{where}.handover.program_id: {handover.program_id!r} is not the book's "
                f"program {book.program_id!r}"
            )
        for i, item in enumerate(handover.items):
            found += party_problems(
                Party.cooperative(item.to), cluster, program, f"{where}.handover.items[{i}].to"
            )
    return found


def parties(book: Finance) -> Iterable[tuple[str, Party]]:
    """Every party ``book`` names, with its path in a document (``loans[3].borrower``)."""
    for i, fund in enumerate(book.funds):
        yield f"funds[{i}].held_by", fund.held_by
    for i, loan in enumerate(book.loans):
        yield f"loans[{i}].borrower", loan.borrower
    for i, asset in enumerate(book.assets.assets):
        yield f"assets.assets[{i}].custodian", asset.custodian
        yield f"assets.assets[{i}].owner", asset.owner
    for i, event in enumerate(book.assets.events):
        if event.custodian is not None:
            yield f"assets.events[{i}].custodian", event.custodian
        if event.owner is not None:
            yield f"assets.events[{i}].owner", event.owner


def party_problems(party: Party, cluster: Cluster, program: Program, path: str) -> list[str]:
    """Whether ``party`` is ``program`` itself or a cooperative of ``cluster`` (if it names one)."""
    if party.kind is PartyKind.PROGRAM and party.id != program.id:
        return [f"{path}: program {party.id!r} is not this program ({program.id!r})"]
    if party.kind is PartyKind.COOPERATIVE and party.id not in cluster.cooperatives:
        known = ", ".join(cluster.cooperatives.ids()) or "none"
        return [
            f"{path}: cluster {cluster.id!r} has no cooperative {party.id!r}; cooperatives: {known}"
        ]
    return []
