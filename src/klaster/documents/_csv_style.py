"""How a CSV file separates cells and writes numbers (internal: see ``documents/csvfile.py``)."""

from __future__ import annotations

from typing import Any

from attrs import field, frozen

from klaster.errors import DocumentError

__all__ = ["EXCEL_ID", "PLAIN", "CsvStyle"]

_SEPARATORS = (",", ";", "\t", "|")


def _check_separator(_inst: object, attribute: Any, value: str) -> None:
    if value not in _SEPARATORS:
        raise DocumentError(
            f"{attribute.name}: a CSV separator is one of "
            + ", ".join(repr(s) for s in _SEPARATORS)
            + f"; got {value!r}"
        )


def _check_flag(_inst: object, attribute: Any, value: object) -> None:
    if not isinstance(value, bool):
        raise DocumentError(f"{attribute.name}: must be True or False, got {type(value).__name__}")


@frozen
class CsvStyle:
    """How a CSV file separates cells and writes numbers (the cells' safety never changes).

    Args:
        separator: Between cells: ``","`` (the default), ``";"``, a tab or ``"|"``.
        bom: Start the file with a UTF-8 byte order mark (spreadsheets then read UTF-8).
        decimal_comma: Write ``1,5`` for one and a half (an Indonesian spreadsheet reads
            ``1.5`` as fifteen); only with a separator other than ``","``.

    Example:
        >>> from decimal import Decimal
        >>> from klaster.documents.csvfile import BOM, csv_text
        >>> text = csv_text(["desa", "skor"], [["Bonto", Decimal("1.5")]], style=EXCEL_ID)
        >>> text.startswith(BOM), text.lstrip(BOM).splitlines()
        (True, ['desa;skor', 'Bonto;1,5'])
    """

    separator: str = field(default=",", validator=_check_separator)
    bom: bool = field(default=False, validator=_check_flag)
    decimal_comma: bool = field(default=False, validator=_check_flag)

    def __attrs_post_init__(self) -> None:
        if self.decimal_comma and self.separator == ",":
            raise DocumentError(
                "decimal_comma: a decimal comma needs another separator (e.g. ';'), or every "
                "number with decimals would be split in two cells"
            )


PLAIN = CsvStyle()
"""RFC 4180 CSV: ``,`` between cells, a decimal point, no byte order mark (the default)."""
EXCEL_ID = CsvStyle(separator=";", bom=True, decimal_comma=True)
"""CSV for a spreadsheet set to Indonesian: ``;`` between cells, ``1,5``, a UTF-8 BOM."""
