"""Which observation variables a report reads: load only those (issue 18).

A store of 100,000 members holds some thirty variables per round; four indicators read two or
three. :func:`variables_needed` says which, so that :meth:`klaster.store.Store.load_observations`
and :func:`klaster.observations.load` can take ``only=`` those and skip the rest::

    needed = variables_needed(["income_per_capita", "poverty_headcount"], by="cluster,sector")
    observations = store.load_observations(program=program, only=needed)

The answer is a superset of what any backend reads for the indicators: a formula indicator's
variables in every round it reads them (``baseline(x)``, ``previous(x)``...), through the
indicators it reads; a core indicator's declared :attr:`CoreIndicator.reads` (income and
household size, a household size recorded in the round replacing the member record's,
``group_active``, the CIBEST and social-capital items). Every disaggregation is read from the
program's records (cluster, sector, sex, regions, business type, groups, cooperatives), never
from observations, so ``by`` is checked but adds nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from klaster.catalogue.indicator import Indicator
from klaster.errors import ValidationError
from klaster.measurement import _report_args as report_args
from klaster.measurement._backends.layout import DIMENSIONS
from klaster.measurement.activity_indicators import ACTIVITY_INDICATORS
from klaster.measurement.core_indicators import CORE_INDICATORS, CoreIndicator
from klaster.measurement.mentoring_indicators import MENTORING_INDICATORS
from klaster.measurement.welfare_indicators import WELFARE_INDICATORS
from klaster.plugins.default import get_host

__all__ = ["variables_needed"]


def variables_needed(
    indicators: str | Iterable[str] | None = None,
    *,
    by: str | Iterable[str | Sequence[str]] = ((), ("cluster",)),
    catalogue: Iterable[Indicator] | None = None,
) -> frozenset[str]:
    """The codes of the observation variables that computing ``indicators`` by ``by`` reads.

    Args:
        indicators: Indicator codes, as :meth:`Measurement.report
            <klaster.measurement.Measurement.report>` takes them (a string is one code or codes
            joined by commas); ``None``: every indicator (klaster's and ``catalogue``'s).
        by: The disaggregations, as ``report`` takes them (checked; none reads observations).
        catalogue: The formula indicators besides klaster's own, as ``Measurement``'s
            ``indicators`` (default: the installed sector plugins' indicators).

    Returns:
        Variable codes: load ``only=`` these and the report's figures are those of a whole load.

    Raises:
        NotFoundError: An unknown indicator code (with the closest ones).
        ValidationError: An unknown dimension, or ``catalogue`` holds something that is not an
            :class:`~klaster.catalogue.Indicator`.

    Example:
        >>> sorted(variables_needed("income_per_capita,income_change_pct"))
        ['household_size', 'monthly_income']
        >>> sorted(variables_needed("members", by="cluster,sector"))
        []
    """
    formulas = list(get_host().indicators() if catalogue is None else catalogue)
    for index, found in enumerate(formulas):
        if not isinstance(found, Indicator):
            raise ValidationError(
                f"must be an Indicator, got {type(found).__name__}", path=f"catalogue[{index}]"
            )
    known: dict[str, Indicator | CoreIndicator] = {
        core.code: core
        for core in (
            *CORE_INDICATORS,
            *WELFARE_INDICATORS,
            *MENTORING_INDICATORS,
            *ACTIVITY_INDICATORS,
        )
    }
    known.update((i.code, i) for i in formulas)
    codes = report_args.indicator_codes(indicators, list(known))
    report_args.disaggregations(by, DIMENSIONS)
    return frozenset(_reads(codes, known))


def _reads(codes: Iterable[str], known: Mapping[str, Indicator | CoreIndicator]) -> set[str]:
    """Every variable the indicators read, through the indicators their formulas name."""
    found: set[str] = set()
    seen: set[str] = set()
    pending = list(codes)
    while pending:
        code = pending.pop()
        if code in seen:
            continue
        seen.add(code)
        indicator = known.get(code)
        if isinstance(indicator, CoreIndicator):
            found |= indicator.reads
        elif indicator is not None:
            # A name in a formula is a variable or another indicator (in any round).
            pending += indicator.references
        else:
            found.add(code)
    return found
