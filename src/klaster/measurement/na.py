"""Explicit "not available" results: never a crash, never a silent zero."""

from __future__ import annotations

from attrs import field, frozen

from klaster._support.validate import check_text
from klaster.label import Label, to_optional_label

__all__ = ["NotAvailable", "bilingual"]


@frozen
class NotAvailable:
    """A figure that cannot be computed, with the reason why.

    Division by zero, too few observations or a missing baseline give a ``NotAvailable`` rather
    than an exception or ``0``, so tables can show the gap and say why.

    Args:
        reason: Why, in a sentence a report reader understands (``"no members observed in the
            baseline round"``); IDs only, never personal data.
        label: The reason in Indonesian and English, when it is known in both (a report shows
            it in its language; ``reason`` stays the English text).

    Example:
        >>> na = NotAvailable("denominator is zero: no land recorded")
        >>> bool(na)
        False
        >>> str(na)
        'n/a (denominator is zero: no land recorded)'
    """

    reason: str = field(validator=check_text)
    # Not part of equality: the reason is the figure's identity, the label only its translation.
    label: Label | None = field(
        default=None, converter=to_optional_label, kw_only=True, repr=False, eq=False
    )

    def reason_in(self, lang: str) -> str:
        """The reason in ``lang`` (``"id"`` or ``"en"``): the label's when there is one."""
        return self.label.get(lang) if self.label is not None else self.reason

    def __bool__(self) -> bool:
        return False

    def __str__(self) -> str:
        return f"n/a ({self.reason})"


def bilingual(reason: str, indonesian: str) -> NotAvailable:
    """A :class:`NotAvailable` whose reason is known in both languages (English first).

    Example:
        >>> bilingual("no paired member", "tidak ada mitra berpasangan").reason_in("id")
        'tidak ada mitra berpasangan'
    """
    return NotAvailable(reason, label=Label(indonesian, reason))
