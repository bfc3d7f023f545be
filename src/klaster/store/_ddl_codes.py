"""The codes the finance and budget tables ``CHECK``, written out so the DDL needs no finance code.

Every store open imports the DDL modules, and importing one enum of :mod:`klaster.finance`
loads the whole finance package (books, replay, statements): 30-110 ms of every command line
start, reading finance or not. The codes are copied here instead, in the enums' order (the
DDL's text must not change); ``tests/store/test_ddl_codes.py`` compares them with the enums, so
a new enum member fails the tests until it is added here (and, as it changes the tables'
``CHECK``s, a store schema migration is planned with it).
"""

from __future__ import annotations

__all__ = ["FINANCE_CODES"]

# Enum name (in klaster.finance) → its members' values, in the enum's order.
FINANCE_CODES: dict[str, tuple[str, ...]] = {
    "AccountKind": ("cash", "loans", "capital", "margin_income", "recoveries", "write_offs",
                    "zakat_distributed", "savings_pokok", "savings_wajib", "savings_sukarela",
                    "spending_funds", "grants_paid", "in_kind_given", "expenses"),
    "Asnaf": ("fakir", "miskin", "amil", "muallaf", "riqab", "gharim", "fisabilillah",
              "ibnu_sabil"),
    "AssetEventKind": ("born", "died", "sold", "transferred", "revalued", "handed_over"),
    "AssetKind": ("livestock", "equipment", "building", "stock", "cash", "receivable"),
    "Component": ("capital", "training", "mentoring", "education_support", "health_support",
                  "operations"),
    "EntryKind": ("funding", "disbursement", "repayment", "profit_share", "write_off",
                  "zakat_conversion", "recovery", "savings_deposit", "savings_withdrawal",
                  "grant", "in_kind", "expense"),
    "Frequency": ("weekly", "monthly"),
    "FundSource": ("zakat", "infaq_sadaqah", "grant", "government", "member_savings", "other"),
    "HandoverItemKind": ("cash", "loans", "asset"),
    "Method": ("equal_instalments", "equal_principal"),
    "OverBudget": ("warn", "refuse", "allow"),
    "PartyKind": ("program", "cooperative", "group", "member", "provider"),
    "Product": ("qard_hasan", "murabahah", "profit_sharing"),
    "SpendingKind": ("grant", "in_kind", "expense"),
}  # fmt: skip
