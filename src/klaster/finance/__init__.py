"""klaster.finance: revolving funds, loans, portfolio quality, assets and the handover.

A :class:`Finance` book per cluster holds the :class:`Fund` s, the :class:`Loan` s, an
append-only double-entry :class:`Ledger`, the :class:`AssetRegister` and, at independence, the
:class:`Handover` to the cooperative (:func:`hand_over`). Money is whole-rupiah ``Decimal``
(:mod:`klaster.finance.money`); every refused operation raises a :class:`FinanceError` and
changes nothing. Grants, in-kind transfers and expenses (:class:`Spending`, :meth:`Finance.spend`)
post in the same ledger under the book's :class:`Budget` and :class:`SpendingPolicy`, refused
with the rule named (:class:`FinanceRuleError`). Portfolio quality (:func:`par`,
:func:`repayment_rate`, :func:`write_off_ratio`, :func:`turnover`) and statements
(:func:`fund_statement`, :func:`aging`, :func:`schedule_vs_actual`) are derived from the ledger.
Books are saved and loaded as versioned JSON documents with the same verbs as a program document
(:func:`save`, :func:`load`, :func:`dumps`, :func:`loads`). See ``docs/finance.md``.
"""

from typing import Any

from klaster._support.aliases import moved_names
from klaster.finance.assets import (
    Asset,
    AssetEvent,
    AssetEventKind,
    AssetKind,
    AssetRegister,
    AssetState,
    AssetStatus,
)
from klaster.finance.book import Finance
from klaster.finance.budget import Budget, BudgetLine, BudgetRevision, Component
from klaster.finance.budget_csv import read_budget_csv
from klaster.finance.budget_statements import (
    BudgetRow,
    BudgetStatement,
    SourceShare,
    budget_vs_actual,
    render_budget,
)
from klaster.finance.document import (
    FINANCE_DOCUMENT_KIND,
    FINANCE_SCHEMA_VERSION,
    dumps,
    load,
    loads,
    save,
)
from klaster.finance.entry import Account, AccountKind, Entry, EntryKind, Posting
from klaster.finance.errors import (
    AmountError,
    DateOrderError,
    FinanceError,
    FinanceRuleError,
    HandoverError,
    InsufficientFundsError,
    LedgerError,
    LoanStateError,
    OverBudgetWarning,
    OverpaymentError,
    UnknownRecordError,
)
from klaster.finance.fund import Fund, FundSource
from klaster.finance.handover import Handover, HandoverItem, HandoverItemKind
from klaster.finance.independence import hand_over
from klaster.finance.ledger import Ledger
from klaster.finance.loan import Loan, LoanStatus, Product, Repayment, Restructuring
from klaster.finance.money import format_rupiah, round_rupiah, rupiah, split_evenly
from klaster.finance.party import Party, PartyKind
from klaster.finance.portfolio import (
    cumulative_repayment_rate,
    on_time_repayment_rate,
    par,
    par_by,
    turnover,
    write_off_ratio,
)
from klaster.finance.position import LoanPosition
from klaster.finance.ratio import Dimension, Ratio, RestructuredPolicy
from klaster.finance.savings import SavingsKind
from klaster.finance.schedule import (
    Frequency,
    Instalment,
    Method,
    build_schedule,
    flat_margin,
)
from klaster.finance.spending import Asnaf, OverBudget, Spending, SpendingKind, SpendingPolicy
from klaster.finance.statements import (
    AgingBucket,
    FundStatement,
    InstalmentStatus,
    StatementLine,
    aging,
    fund_statement,
    render_aging,
    render_statement,
    schedule_vs_actual,
)

__all__ = [
    "FINANCE_DOCUMENT_KIND",
    "FINANCE_SCHEMA_VERSION",
    "Account",
    "AccountKind",
    "AgingBucket",
    "AmountError",
    "Asnaf",
    "Asset",
    "AssetEvent",
    "AssetEventKind",
    "AssetKind",
    "AssetRegister",
    "AssetState",
    "AssetStatus",
    "Budget",
    "BudgetLine",
    "BudgetRevision",
    "BudgetRow",
    "BudgetStatement",
    "Component",
    "DateOrderError",
    "Dimension",
    "Entry",
    "EntryKind",
    "Finance",
    "FinanceError",
    "FinanceRuleError",
    "Frequency",
    "Fund",
    "FundSource",
    "FundStatement",
    "Handover",
    "HandoverError",
    "HandoverItem",
    "HandoverItemKind",
    "Instalment",
    "InstalmentStatus",
    "InsufficientFundsError",
    "Ledger",
    "LedgerError",
    "Loan",
    "LoanPosition",
    "LoanStateError",
    "LoanStatus",
    "Method",
    "OverBudget",
    "OverBudgetWarning",
    "OverpaymentError",
    "Party",
    "PartyKind",
    "Posting",
    "Product",
    "Ratio",
    "Repayment",
    "RestructuredPolicy",
    "Restructuring",
    "SavingsKind",
    "SourceShare",
    "Spending",
    "SpendingKind",
    "SpendingPolicy",
    "StatementLine",
    "UnknownRecordError",
    "aging",
    "budget_vs_actual",
    "build_schedule",
    "cumulative_repayment_rate",
    "dumps",
    "flat_margin",
    "format_rupiah",
    "fund_statement",
    "hand_over",
    "load",
    "loads",
    "on_time_repayment_rate",
    "par",
    "par_by",
    "read_budget_csv",
    "render_aging",
    "render_budget",
    "render_statement",
    "round_rupiah",
    "rupiah",
    "save",
    "schedule_vs_actual",
    "split_evenly",
    "turnover",
    "write_off_ratio",
]

# The document verbs before the one persistence vocabulary, for one release.
_moved = moved_names(
    "klaster.finance",
    {f"{verb}_finance": f"klaster.finance.{verb}" for verb in ("dumps", "loads", "save", "load")},
)


def __getattr__(name: str) -> Any:
    """``dumps_finance``, ``loads_finance``, ``save_finance``, ``load_finance``: deprecated."""
    return _moved(name)
