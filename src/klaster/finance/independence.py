"""The move to independence: take stock, hand everything over, move the lifecycle (*pemandirian*).

:func:`hand_over` takes stock of every fund the program holds (its cash and its loans
outstanding: the revolving fund, *dana bergulir*) and every active asset the program owns, assigns
each to a cooperative with legal status, checks that nothing is left with the program and that the
totals before equal the totals after, and then moves the cluster's lifecycle to independence with
those checks in the :class:`~klaster.PhaseChange`. Either both happen or neither does.

Nothing in the ledger moves: the funds keep their accounts and the same ledger goes on under the
cooperative (:meth:`Finance.holder_of` says who holds a fund on a date). Assets get a
``handed_over`` event each.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from klaster.errors import ValidationError
from klaster.finance.book import Finance
from klaster.finance.entry import AccountKind
from klaster.finance.errors import HandoverError
from klaster.finance.handover import Handover, HandoverItem, HandoverItemKind
from klaster.finance.money import format_rupiah
from klaster.finance.party import Party, PartyKind
from klaster.finance.program_fit import BookContext, fit_problems, serves_problems
from klaster.model.cluster import Cluster
from klaster.model.lifecycle import CheckResult, Guard, Override, Phase, PhaseChange

__all__ = ["hand_over"]


def hand_over(
    cluster: Cluster,
    book: Finance,
    cooperative_id: str,
    on: _dt.date,
    *,
    handover_id: str,
    decided_by: str,
    recipients: Mapping[str, str] | None = None,
    guards: Iterable[Guard] = (),
    override: Override | None = None,
    note: str | None = None,
) -> tuple[Handover, PhaseChange]:
    """Hand every program fund and asset to the cooperative(s) and move the cluster to independence.

    Args:
        cluster: The cluster (in strengthening); its lifecycle gets the move.
        book: The cluster's :class:`~klaster.finance.Finance` book.
        cooperative_id: The cooperative receiving everything not named in ``recipients``.
        on: Date of the closing workshop; not before the last ledger entry.
        handover_id: ID of the handover record (named in the lifecycle's reason).
        decided_by: Who decided.
        recipients: Fund or asset ID → another cooperative (one cooperative per sector, say).
        guards: More readiness checks for the move (see :class:`klaster.Guard`).
        override: Permission to move despite a failed readiness check in ``guards``.
        note: Free text for the record.

    Returns:
        The :class:`Handover` record and the :class:`~klaster.PhaseChange` to independence.

    Raises:
        HandoverError: A second handover; a cooperative unknown or without legal status on
            ``on``; a date before the last entry; anything left with the program or totals that
            do not balance. Nothing is changed.
        LifecycleError: The cluster cannot move to independence now (nothing is changed).
    """
    recipients = dict(recipients or {})
    _check_preconditions(cluster, book, cooperative_id, on, recipients)
    context = BookContext.of(cluster, book.program_id)
    _check_fit(fit_problems(book, context, "book"))
    items, events = _take_stock(book, on, cooperative_id, recipients)
    handover = Handover(handover_id, on, cluster.id, book.program_id, items, decided_by, note)
    _check_fit(
        [
            problem
            for i, item in enumerate(items)
            if item.kind is HandoverItemKind.ASSET
            for problem in serves_problems(
                item.to,
                item.ref,
                book.assets.assets[item.ref].sector,
                context,
                f"handover.items[{i}].to",
            )
        ]
    )
    book.assets.check_all(events)
    checks = _checks(cluster, book, handover, events)
    failed = [c for c in checks if not c.passed]
    if failed:
        raise HandoverError(
            "; ".join(f"{c.name}: {c.detail}" for c in failed), path=f"handover[{handover_id!r}]"
        )

    def handover_checks(_subject: Any, _on: _dt.date, /) -> list[CheckResult]:
        return checks

    change = cluster.move(
        Phase.INDEPENDENCE,
        on,
        reason=f"serah terima aset / asset handover {handover_id} to "
        + ", ".join(handover.recipients() or (cooperative_id,)),
        decided_by=decided_by,
        guards=[handover_checks, *guards],
        override=override,
    )
    # The lifecycle accepted the move: now record, with nothing left that can fail.
    book.record_handover(handover)
    for event in events:
        book.assets.record(event)
    return handover, change


def _check_fit(problems: list[str]) -> None:
    if problems:
        listing = "".join(f"\n  - {p}" for p in problems)
        raise HandoverError(f"the book does not fit the cluster; nothing was handed over:{listing}")


def _check_preconditions(
    cluster: Cluster, book: Finance, default: str, on: _dt.date, recipients: Mapping[str, str]
) -> None:
    where = "handover"
    if book.handover is not None:
        raise HandoverError(
            f"book {book.cluster_id!r} was already handed over on {book.handover.on} "
            f"({book.handover.id!r}); a cluster is handed over once",
            path=where,
        )
    if not isinstance(cluster, Cluster) or cluster.id != book.cluster_id:
        raise ValidationError(
            f"the book belongs to cluster {book.cluster_id!r}", path=f"{where}.cluster"
        )
    if not isinstance(on, _dt.date) or isinstance(on, _dt.datetime):
        raise ValidationError("must be a date", path=f"{where}.on")
    last = book.ledger.last_date
    if last is not None and on < last:
        raise HandoverError(
            f"dated {on}, before the last ledger entry ({last}); the handover takes stock "
            "of the books as they are",
            path=f"{where}.on",
        )
    for coop_id in {default, *recipients.values()}:
        coop = cluster.cooperatives.get(coop_id)
        if coop is None:
            raise HandoverError(
                f"no cooperative {coop_id!r} in cluster {cluster.id!r}; cooperatives: "
                + (", ".join(cluster.cooperatives.ids()) or "none"),
                path=f"{where}.cooperative_id",
            )
        if not coop.is_legal(on):
            raise HandoverError(
                f"cooperative {coop_id!r} has no legal status (berbadan hukum) on {on}; the "
                "program's assets go only to a legal cooperative",
                path=f"{where}.cooperative_id",
            )
    known = set(book.funds.ids()) | set(book.assets.assets.ids())
    for ref in recipients:
        if ref not in known:
            raise ValidationError(
                f"recipients names {ref!r}, which is no fund or asset of the book",
                path=f"{where}.recipients",
            )


def _take_stock(
    book: Finance, on: _dt.date, default: str, recipients: Mapping[str, str]
) -> tuple[list[HandoverItem], list[Any]]:
    program = book.program
    items: list[HandoverItem] = []
    outstanding: dict[str, list[int]] = {}
    for state in book.derived.by_number:
        if state.outstanding > 0:
            slot = outstanding.setdefault(state.loan.fund_id, [0, 0])
            slot[0] += state.outstanding
            slot[1] += 1
    for fund in book.funds:
        if book.holder_of(fund.id, on) != program:
            continue
        to = recipients.get(fund.id, default)
        amount, count = outstanding.get(fund.id, [0, 0])
        items.append(HandoverItem(HandoverItemKind.CASH, fund.id, to, book.cash(fund.id)))
        items.append(HandoverItem(HandoverItemKind.LOANS, fund.id, to, Decimal(amount), count))
    targets = {ref: Party.cooperative(coop) for ref, coop in recipients.items()}
    events = book.assets.handover_events(on, program, targets, Party.cooperative(default))
    for event in events:
        asset = book.assets.state(event.asset_id, on)
        assert event.owner is not None
        items.append(
            HandoverItem(
                HandoverItemKind.ASSET, event.asset_id, event.owner.id, asset.value, asset.quantity
            )
        )
    return items, events


def _checks(
    cluster: Cluster, book: Finance, handover: Handover, events: list[Any]
) -> list[CheckResult]:
    on = handover.on
    program = book.program
    legal = [
        f"{c}: legal since {cluster.cooperatives[c].legal.registered_on}"  # type: ignore[union-attr]
        for c in handover.recipients()
    ]
    # "After": who holds what once the handover is applied, computed from the ledger and the
    # asset states, not from the items, so a fund or asset missed by the items shows here.
    after_program = Decimal(0)
    after_to: dict[str, Decimal] = {}
    handed = {e.asset_id: e for e in events}
    funds_left = assets_left = 0
    for fund in book.funds:
        holder = book.holder_of(fund.id, on)
        receiver = handover.recipient_of(fund.id) if holder == program else None
        value = book.cash(fund.id) + sum(
            (Decimal(s.outstanding) for s in book.derived.by_number if s.loan.fund_id == fund.id),
            Decimal(0),
        )
        if receiver is not None:
            after_to[receiver] = after_to.get(receiver, Decimal(0)) + value
        elif holder == program:
            after_program += value
            funds_left += 1
    for state in book.assets.states(on):
        if state.status.value != "active" or state.owner != program:
            continue
        event = handed.get(state.asset.id)
        if event is None or event.owner is None:
            after_program += state.value
            assets_left += 1
        else:
            after_to[event.owner.id] = after_to.get(event.owner.id, Decimal(0)) + event.value
    before = handover.total
    after = sum(after_to.values(), Decimal(0))
    savings = _savings_by_cooperative(book, handover.recipients())
    loans = sum(i.count for i in handover.items if i.kind is HandoverItemKind.LOANS)
    assets = sum(1 for i in handover.items if i.kind is HandoverItemKind.ASSET)
    return [
        CheckResult("legal_cooperative", True, "; ".join(legal)),
        CheckResult(
            "nothing_left_with_program",
            after_program == 0 and funds_left == 0 and assets_left == 0,
            f"left with the program: {format_rupiah(after_program)} ({funds_left} funds, "
            f"{assets_left} assets)",
        ),
        CheckResult(
            "totals_balance",
            before == after,
            f"before {format_rupiah(before)}, after {format_rupiah(after)}",
        ),
        CheckResult(
            "handover_recorded",
            True,
            f"handover {handover.id}: {len(handover.fund_ids())} funds, {loans} loans "
            f"outstanding, {assets} assets, {format_rupiah(before)}; cooperative savings "
            + ", ".join(f"{c} {format_rupiah(v)}" for c, v in savings.items()),
        ),
    ]


def _savings_by_cooperative(book: Finance, recipients: tuple[str, ...]) -> dict[str, Decimal]:
    kinds = {AccountKind.SAVINGS_POKOK, AccountKind.SAVINGS_WAJIB, AccountKind.SAVINGS_SUKARELA}
    totals = dict.fromkeys(recipients, Decimal(0))
    for account, balance in book.ledger.balances().items():
        if account.kind in kinds:
            holder = book.holder_of(account.fund_id)
            if holder.kind is PartyKind.COOPERATIVE and holder.id in totals:
                totals[holder.id] += balance
    return totals
