"""Survey rounds: the dated visits in which a cluster's values are recorded.

A cluster is surveyed at a **baseline** before its members receive anything, possibly at one or
more **midlines**, at an **endline** around independence (*pemandirian*) and on **monitoring**
visits, during the program or after exit. Each :class:`Round` belongs to one cluster and has a
date.

The order rules (checked by :func:`check_round` when a round is added to
:class:`~klaster.observations.values.Observations`):

- A cluster has **at most one baseline and at most one endline**: "change since the baseline"
  must name one round. A cluster that was suspended and restarted keeps its first baseline; a
  new survey at restart is a midline.
- The baseline is **on or before** every other round of its cluster.
- The endline is **on or after** the baseline and every midline. Monitoring rounds may come
  before or after it (visits during the program, backsliding checks after exit).
- Rounds may share a date; :func:`ordered` sorts them by date, then kind (baseline, midline,
  endline, monitoring), then the order they were added.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterable

from attrs import field, frozen

from klaster._support.validate import (
    check_date,
    check_enum,
    check_id,
    check_optional_text,
    enum_value,
    to_date,
)
from klaster.errors import DuplicateIdError, ValidationError
from klaster.label import (
    Label,
    LabelledEnum,
    check_optional_label,
    labelled,
    to_optional_label,
)

__all__ = ["Round", "RoundKind", "check_round", "ordered"]


class RoundKind(LabelledEnum):
    """The kind of a survey round; its label is for forms and reports."""

    BASELINE = labelled("baseline", "Survei awal (baseline)", "Baseline survey")
    """Survei awal: before the program's support starts; at most one per cluster."""
    MIDLINE = labelled("midline", "Survei tengah (midline)", "Midline survey")
    """Survei tengah: during the program, between baseline and endline."""
    ENDLINE = labelled("endline", "Survei akhir (endline)", "Endline survey")
    """Survei akhir: at or near independence; at most one per cluster."""
    MONITORING = labelled("monitoring", "Kunjungan pemantauan", "Monitoring visit")
    """Kunjungan pemantauan: a monitoring visit, during the program or after exit."""


_KIND_ORDER = {kind: index for index, kind in enumerate(RoundKind)}


def _to_kind(value: RoundKind | str) -> RoundKind:
    return enum_value(RoundKind, value)


@frozen
class Round:
    """One survey round of one cluster.

    Args:
        id: Stable ID, unique among the rounds of the program (``"btg-baseline-2011"``).
        cluster_id: ID of the cluster surveyed.
        kind: :class:`RoundKind` (or its value, ``"baseline"``...).
        on: The date of the round (the first day of fieldwork; ISO strings are read).
        label: Optional bilingual title for reports (default: the kind's label).
        note: Free text (who surveyed, which questionnaire version...).

    Example:
        >>> r = Round("btg-bl", "bantaeng", "baseline", "2011-06-15")
        >>> r.kind, r.on, r.title("en")
        (<RoundKind.BASELINE: 'baseline'>, datetime.date(2011, 6, 15), 'Baseline survey 2011-06-15')
    """

    id: str = field(validator=check_id)
    cluster_id: str = field(validator=check_id)
    kind: RoundKind = field(converter=_to_kind, validator=check_enum(RoundKind))
    on: _dt.date = field(converter=to_date, validator=check_date)
    label: Label | None = field(
        default=None, converter=to_optional_label, validator=check_optional_label
    )
    note: str | None = field(default=None, validator=check_optional_text)

    def title(self, language: str = "en") -> str:
        """The round's label in ``language`` (``"id"`` or ``"en"``), or kind and date."""
        if self.label is not None:
            return self.label.get(language)
        return f"{self.kind.label.get(language)} {self.on.isoformat()}"


def ordered(rounds: Iterable[Round]) -> tuple[Round, ...]:
    """Rounds sorted by date, then kind (baseline first), then their order in ``rounds``."""
    return tuple(sorted(rounds, key=lambda r: (r.on, _KIND_ORDER[r.kind])))


def check_round(existing: Iterable[Round], new: Round) -> None:
    """Check that ``new`` can join ``existing`` (the program's rounds) under the order rules.

    Args:
        existing: The rounds already accepted (of any cluster).
        new: The round to add.

    Raises:
        DuplicateIdError: A round with the same ID exists.
        ValidationError: A second baseline or endline for the cluster, or a date out of order
            (see the module's rules); the message names the other round by ID.
    """
    if not isinstance(new, Round):
        raise ValidationError(f"must be a Round, got {type(new).__name__}", path="round")
    same: list[Round] = []
    for other in existing:
        if other.id == new.id:
            raise DuplicateIdError(
                f"duplicate ID {new.id!r}: a round with that ID already exists", path="id"
            )
        if other.cluster_id == new.cluster_id:
            same.append(other)
    for other in same:
        if new.kind is other.kind and new.kind in (RoundKind.BASELINE, RoundKind.ENDLINE):
            raise ValidationError(
                f"cluster {new.cluster_id!r} already has a {new.kind.value} round "
                f"({other.id!r}); a cluster has at most one {new.kind.value} (record a later "
                "survey as a midline or monitoring round)",
                path="kind",
            )
        problem = _out_of_order(new, other) or _out_of_order_reversed(other, new)
        if problem:
            raise ValidationError(problem, path="on")


def _out_of_order(new: Round, other: Round) -> str | None:
    cluster = new.cluster_id
    if new.kind is RoundKind.BASELINE and other.on < new.on:
        return (
            f"baseline date {new.on} is after round {other.id!r} of cluster {cluster!r} "
            f"({other.on}); the baseline comes first"
        )
    if (
        new.kind is RoundKind.ENDLINE
        and other.kind in (RoundKind.BASELINE, RoundKind.MIDLINE)
        and other.on > new.on
    ):
        return (
            f"endline date {new.on} is before the {other.kind.value} round {other.id!r} of "
            f"cluster {cluster!r} ({other.on}); the endline comes after the baseline and "
            "every midline"
        )
    return None


def _out_of_order_reversed(other: Round, new: Round) -> str | None:
    # The same rules seen from the round already there: a midline after the endline, or any
    # round before the baseline.
    cluster = new.cluster_id
    if other.kind is RoundKind.BASELINE and new.on < other.on:
        return (
            f"date {new.on} is before the baseline round {other.id!r} of cluster {cluster!r} "
            f"({other.on}); the baseline comes first"
        )
    if (
        other.kind is RoundKind.ENDLINE
        and new.kind in (RoundKind.BASELINE, RoundKind.MIDLINE)
        and new.on > other.on
    ):
        return (
            f"{new.kind.value} date {new.on} is after the endline round {other.id!r} of "
            f"cluster {cluster!r} ({other.on}); use a monitoring round after the endline"
        )
    return None
