"""Select-multiple questions: Kobo's summary column (``"nib pirt"``) or its 0/1 option columns.

A select-multiple feeds a boolean variable (was one option chosen?) or an integer variable (how
many options were chosen?). When the export has the option's own 0/1 column it is read like any
yes/no column; otherwise the summary column is split on spaces, as Kobo and ODK write it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from klaster.catalogue.variable import Variable
from klaster.errors import KlasterError
from klaster.importing._cells import CellError, Cells

CHOSEN = ("1", "true", "True", "TRUE")
"""How an option column says the option was chosen (anything else answered: not chosen)."""


class OptionCells(Cells):
    """Whether ``option`` is among the answers of a summary column."""

    def __init__(self, option: str, missing: Sequence[str]) -> None:
        super().__init__({}, missing)
        self.option = option

    def read(self, text: str) -> object:
        """See :meth:`Cells.read`."""
        return self.option in text.split()


class CountCells(Cells):
    """How many answers a summary column holds, checked by an integer variable."""

    def __init__(self, variable: Variable, missing: Sequence[str]) -> None:
        super().__init__({}, missing)
        self.variable = variable

    def read(self, text: str) -> object:
        """See :meth:`Cells.read`."""
        return len(text.split())

    def checked(self, value: object) -> Any:
        """See :meth:`Cells.checked`."""
        try:
            return self.variable.check_value(value)
        except KlasterError as exc:
            raise CellError(exc.message) from None


def count_options(picked: Sequence[Sequence[str]]) -> list[str]:
    """Per row, how many of the option columns say chosen (``""`` when none is answered)."""
    return [
        str(sum(c.strip() in CHOSEN for c in row)) if any(c.strip() for c in row) else ""
        for row in zip(*picked, strict=True)
    ]
