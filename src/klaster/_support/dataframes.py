"""Data frames for analysts from tidy records: the optional pandas/polars extras, imported on use.

Every table that offers ``to_pandas()`` / ``to_polars()`` goes through here, so the message for a
missing extra and the float conversion are the same everywhere.
"""

from __future__ import annotations

import importlib
from collections.abc import Sequence
from decimal import Decimal
from types import ModuleType
from typing import Any

from klaster.errors import KlasterError

_EXTRAS = {"pandas": "pandas", "polars": "columnar", "numpy": "columnar", "openpyxl": "xlsx"}


def require(module: str, what: str) -> ModuleType:
    """Import an optional dependency, or say which extra installs it.

    Raises:
        KlasterError: The module is not installed (``what needs polars: pip install ...``).
    """
    try:
        return importlib.import_module(module)
    except ImportError:
        extra = _EXTRAS.get(module, module)
        raise KlasterError(f"{what} needs {module}: pip install 'klaster[{extra}]'") from None


def floats(records: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    # Frames are for analysis and plotting; the exact Decimals stay in the klaster table.
    return [
        {k: float(v) if isinstance(v, Decimal) else v for k, v in record.items()}
        for record in records
    ]


def to_pandas(records: Sequence[dict[str, Any]]) -> Any:
    """A ``pandas.DataFrame`` of tidy records, decimals as ``float``."""
    pandas = require("pandas", "to_pandas()")
    return pandas.DataFrame(floats(records))


def to_polars(records: Sequence[dict[str, Any]]) -> Any:
    """A ``polars.DataFrame`` of tidy records, decimals as ``Float64``."""
    polars = require("polars", "to_polars()")
    return polars.DataFrame(floats(records), infer_schema_length=None)
