"""Whether finance books fit a program: its cluster's members, groups, cooperatives and sectors.

Every path that takes a book in checks it here, in context: reading a finance document
(:func:`klaster.finance.loads`, and :func:`~klaster.finance.dumps` with a program), the store
(saving, loading), ``klaster init`` and :func:`klaster.finance.hand_over`. A book fits when

* its program and cluster are the program's and one of its clusters (the handover's too);
* every party it names exists: the program itself, a cooperative, group or member of the cluster
  (fund holders, borrowers, the group liable for a loan, asset custodians and owners, savers,
  the recipients of spending), or, for a service provider, an organisation of the program;
* every sector it names (a loan's, an asset's) is one of the cluster's;
* an asset of a sector is owned by (and handed over to) only a cooperative serving that sector.

Each problem is a located message (``books[0].loans[3].borrower: ...``) naming IDs only.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from attrs import frozen

from klaster.finance.book import Finance
from klaster.finance.entry import AccountKind
from klaster.finance.handover import HandoverItemKind
from klaster.finance.party import Party, PartyKind
from klaster.model.cluster import Cluster
from klaster.model.program import Program

__all__ = ["BookContext", "fit_problems", "parties", "party_problems", "program_problems"]

_SAVINGS = (AccountKind.SAVINGS_POKOK, AccountKind.SAVINGS_WAJIB, AccountKind.SAVINGS_SUKARELA)


@frozen
class BookContext:
    """What a book is checked against: its program and cluster, by IDs and sector codes.

    Args:
        program_id: The program's ID.
        cluster_id: The cluster's ID.
        sectors: The cluster's sector codes.
        members: Member ID → its sector.
        groups: Group ID → its sector.
        cooperatives: Cooperative ID → the sectors it serves.
        providers: The program's organisation IDs (service providers are among them); ``None``
            when the context is a cluster alone (``hand_over``): providers are then not checked.
    """

    program_id: str
    cluster_id: str
    sectors: tuple[str, ...]
    members: Mapping[str, str]
    groups: Mapping[str, str]
    cooperatives: Mapping[str, tuple[str, ...]]
    providers: tuple[str, ...] | None = None

    @classmethod
    def of(
        cls, cluster: Cluster, program_id: str, providers: tuple[str, ...] | None = None
    ) -> BookContext:
        """The context of ``cluster`` in program ``program_id`` (with its organisations' IDs)."""
        return cls(
            program_id,
            cluster.id,
            cluster.sector_codes,
            {m.id: m.sector for m in cluster.members},
            {g.id: g.sector for g in cluster.groups},
            {c.id: c.sectors for c in cluster.cooperatives},
            providers,
        )


def program_problems(book: Finance, program: Program, index: int) -> list[str]:
    """Where ``book`` (``books[index]``) does not fit ``program`` (see the module)."""
    where = f"books[{index}]"
    cluster = program.clusters.get(book.cluster_id)
    if cluster is None:
        known = ", ".join(program.clusters.ids()) or "none"
        return [
            f"{where}.cluster_id: program {program.id!r} has no cluster {book.cluster_id!r}; "
            f"clusters: {known}"
        ]
    context = BookContext.of(cluster, program.id, program.organisations.ids())
    return fit_problems(book, context, where)


def fit_problems(book: Finance, context: BookContext, where: str) -> list[str]:
    """Where ``book`` does not fit ``context``, each problem located under ``where``."""
    found = []
    if book.cluster_id != context.cluster_id:
        found.append(
            f"{where}.cluster_id: the book is of cluster {book.cluster_id!r}, not "
            f"{context.cluster_id!r}"
        )
    if book.program_id != context.program_id:
        found.append(
            f"{where}.program_id: the book is of program {book.program_id!r}, not "
            f"{context.program_id!r}"
        )
    for path, party in parties(book):
        found += party_problems(party, context, f"{where}.{path}")
    for i, loan in enumerate(book.loans):
        if loan.group_id is not None and loan.borrower.kind is PartyKind.MEMBER:
            found += party_problems(
                Party.group(loan.group_id), context, f"{where}.loans[{i}].group_id"
            )
        if loan.sector is not None:
            found += _sector_problems(loan.sector, context, f"{where}.loans[{i}].sector")
    found += _asset_problems(book, context, where)
    for account in book.ledger.accounts():
        if account.kind in _SAVINGS and account.ref not in context.members:
            found.append(
                f"{where}.ledger: savings account {account} names member {account.ref!r}, "
                f"who is not a member of cluster {context.cluster_id!r}"
            )
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
            path = f"{where}.handover.items[{i}].to"
            found += party_problems(Party.cooperative(item.to), context, path)
            asset = book.assets.assets.get(item.ref)
            if item.kind is HandoverItemKind.ASSET and asset is not None:
                found += serves_problems(item.to, asset.id, asset.sector, context, path)
    return found


def _asset_problems(book: Finance, context: BookContext, where: str) -> list[str]:
    found = []
    for i, asset in enumerate(book.assets.assets):
        path = f"{where}.assets.assets[{i}]"
        if asset.sector is not None:
            found += _sector_problems(asset.sector, context, f"{path}.sector")
        if asset.owner.kind is PartyKind.COOPERATIVE:
            found += serves_problems(
                asset.owner.id, asset.id, asset.sector, context, f"{path}.owner"
            )
    for i, event in enumerate(book.assets.events):
        owned = book.assets.assets.get(event.asset_id)
        new_owner = event.owner
        if owned is not None and new_owner is not None and new_owner.kind is PartyKind.COOPERATIVE:
            path = f"{where}.assets.events[{i}].owner"
            found += serves_problems(new_owner.id, owned.id, owned.sector, context, path)
    return found


def serves_problems(
    cooperative_id: str, asset_id: str, sector: str | None, context: BookContext, path: str
) -> list[str]:
    """Whether cooperative ``cooperative_id`` serves the ``sector`` of asset ``asset_id``."""
    served = context.cooperatives.get(cooperative_id)
    if sector is None or served is None or sector in served:
        return []
    return [
        f"{path}: asset {asset_id!r} serves sector {sector!r}, but cooperative "
        f"{cooperative_id!r} serves {', '.join(repr(s) for s in served)}; an asset goes to a "
        "cooperative of its sector"
    ]


def _sector_problems(code: str, context: BookContext, path: str) -> list[str]:
    if code in context.sectors:
        return []
    return [
        f"{path}: unknown sector {code!r} for cluster {context.cluster_id!r}; its sectors are "
        + ", ".join(repr(s) for s in context.sectors)
    ]


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
    for i, spending in enumerate(book.spendings):
        if spending.recipient is not None:
            yield f"spendings[{i}].recipient", spending.recipient


def party_problems(party: Party, context: BookContext, path: str) -> list[str]:
    """Whether ``party`` exists in ``context``: the program, or one of the cluster's."""
    if party.kind is PartyKind.PROGRAM:
        if party.id == context.program_id:
            return []
        return [f"{path}: program {party.id!r} is not this program ({context.program_id!r})"]
    if party.kind is PartyKind.PROVIDER:
        if context.providers is None or party.id in context.providers:
            return []
        known = ", ".join(context.providers) or "none"
        return [
            f"{path}: program {context.program_id!r} has no organisation {party.id!r} (a service "
            f"provider is one of the program's organisations); organisations: {known}"
        ]
    if party.kind is PartyKind.COOPERATIVE:
        if party.id in context.cooperatives:
            return []
        known = ", ".join(context.cooperatives) or "none"
        return [
            f"{path}: cluster {context.cluster_id!r} has no cooperative {party.id!r}; "
            f"cooperatives: {known}"
        ]
    records = context.groups if party.kind is PartyKind.GROUP else context.members
    if party.id in records:
        return []
    return [f"{path}: cluster {context.cluster_id!r} has no {party.kind.value} {party.id!r}"]
