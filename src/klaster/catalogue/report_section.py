"""Report sections a plugin adds: which indicators a report shows for its sector, and how."""

from __future__ import annotations

from typing import Any

from attrs import field, frozen

from klaster._support.validate import check_bool, check_code, to_str_tuple
from klaster.catalogue._recordcheck import check_codes
from klaster.errors import ValidationError
from klaster.label import Label, check_label, check_optional_label, to_label, to_optional_label

__all__ = ["ReportSection"]


def _check_some(_inst: object, attribute: Any, value: tuple[str, ...]) -> None:
    if not value:
        raise ValidationError("must name at least one indicator", path=attribute.name)


@frozen
class ReportSection:
    """A section of the program report that a plugin declares (data, not code).

    The report (:func:`klaster.reports.build_report`) builds it like its own sections: a
    table of the indicators per survey round with their ``n``, broken down by each of ``by``,
    and, with ``chart``, a baseline → endline chart of the first indicator by sector. An
    indicator the program's data cannot compute, or an unknown one, makes the section say
    "not available (why)" under its title; the rest of the report is unaffected.

    Args:
        code: Section code, unique among all plugins (prefix it with your sector's code).
        sector: The sector it is about; the section appears when the report covers that sector.
        title: Its title in Indonesian and English.
        indicators: Indicator codes to show, in order (the plugin's own or klaster's core ones).
        description: A paragraph under the title, in both languages.
        by: Dimensions each indicator is also broken down by (``"cluster"``, ``"sex"``,
            ``"kecamatan"``, ``"desa"``, ``"business_type"``...); none: the total only.
        chart: Whether to draw the first indicator by sector from the first round to the last.

    Example:
        >>> ReportSection("seaweed_harvest", "seaweed", Label("Panen", "Harvest"),
        ...               ("seaweed_yield",), chart=True).code
        'seaweed_harvest'
    """

    code: str = field(validator=check_code)
    sector: str = field(validator=check_code)
    title: Label = field(converter=to_label, validator=check_label)
    indicators: tuple[str, ...] = field(
        converter=to_str_tuple, validator=[check_codes, _check_some]
    )
    description: Label | None = field(
        default=None, converter=to_optional_label, validator=check_optional_label
    )
    by: tuple[str, ...] = field(default=(), converter=to_str_tuple, validator=check_codes)
    chart: bool = field(default=False, validator=check_bool)
