"""Portfolio figures defined once: what each sums and divides, per loan (internal).

A figure is read per loan from a few **measures** of the loan at the end of a day (principal
outstanding, days late, restructured, cumulative amount fallen due and paid), then summed by key:

* ``include``: the loans in the denominator (``total`` counts them);
* ``numerator`` and ``denominator``: the amounts summed over those loans;
* ``hit``: the loans counted in the numerator (``count``).

The terms are small expression trees over measures and parameters. Two backends execute the
table: :mod:`klaster.finance._python_figures` (pure Python, the reference) and
:mod:`klaster.finance._columnar` (polars). Each has one table from node type to operation, so
adding a figure means adding a row to :data:`FIGURES` (and, for a new measure, computing it in
each backend).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from attrs import frozen

__all__ = [
    "FIGURES",
    "MEASURES",
    "And",
    "Const",
    "Figure",
    "Ge",
    "Gt",
    "Measure",
    "Min",
    "Or",
    "Param",
    "Term",
    "Where",
    "measures_of",
]

MEASURES = ("out", "late", "restructured", "due", "paid")
"""Per loan at the end of the day: principal outstanding, days late (0 unless outstanding),
restructured (a schedule other than the first in force), amount fallen due over the loan's life
(a written-off loan stops falling due when written off) and paid against it (capped at what fell
due under the schedule in force; what earlier schedules collected counts as due and paid)."""


@frozen
class Measure:
    """A measure of each loan (one of :data:`MEASURES`)."""

    name: str


@frozen
class Const:
    """A whole number."""

    value: int


@frozen
class Param:
    """A parameter of the figure (PAR's ``n``, ``restructured_at_risk``)."""

    name: str


@frozen
class Gt:
    """``left > right``."""

    left: Term
    right: Term


@frozen
class Ge:
    """``left >= right``."""

    left: Term
    right: Term


@frozen
class And:
    """Both true."""

    left: Term
    right: Term


@frozen
class Or:
    """Either true."""

    left: Term
    right: Term


@frozen
class Min:
    """The smaller amount."""

    left: Term
    right: Term


@frozen
class Where:
    """``value`` where ``condition`` holds, else 0."""

    condition: Term
    value: Term


Term = Measure | Const | Param | Gt | Ge | And | Or | Min | Where


@frozen
class Figure:
    """One figure: which loans, what is summed above and below, which loans count as hits."""

    include: Term
    numerator: Term
    denominator: Term
    hit: Term


_OUT, _DUE, _PAID = Measure("out"), Measure("due"), Measure("paid")
_AT_RISK = Or(
    Gt(Measure("late"), Param("n")),
    And(Measure("restructured"), Param("restructured_at_risk")),
)

FIGURES: Mapping[str, Figure] = {
    # PAR(n): outstanding principal of loans more than n days late (or restructured) over all.
    "par": Figure(
        include=Gt(_OUT, Const(0)),
        numerator=Where(_AT_RISK, _OUT),
        denominator=_OUT,
        hit=_AT_RISK,
    ),
    # Cumulative repayment rate: paid (capped at due) over fallen due, loans with anything due.
    "cumulative_repayment": Figure(
        include=Gt(_DUE, Const(0)),
        numerator=Min(_PAID, _DUE),
        denominator=_DUE,
        hit=Ge(_PAID, _DUE),
    ),
}
"""Every figure both backends compute, by name."""


def _walk(term: Term) -> Iterator[Term]:
    yield term
    for child in getattr(term, "__attrs_attrs__", ()):
        value = getattr(term, child.name)
        if not isinstance(value, (str, int)):
            yield from _walk(value)


def measures_of(figure: Figure) -> frozenset[str]:
    """The measures ``figure`` reads (a backend computes only those)."""
    terms = (figure.include, figure.numerator, figure.denominator, figure.hit)
    return frozenset(t.name for term in terms for t in _walk(term) if isinstance(t, Measure))
