"""TOML text parsed with located errors: the one rule of klaster's strict TOML files."""

from __future__ import annotations

import tomllib
from decimal import Decimal
from pathlib import Path
from typing import Any

from klaster.errors import DocumentError

_MAX_BYTES = 1 << 20


def read_short_text(path: Path, what: str) -> str:
    """The UTF-8 text of a short file (a rule, a mapping), read with a size cap.

    Args:
        path: The file.
        what: What it holds, for the message (``"a ranking rule"``).

    Raises:
        DocumentError: The file cannot be read, is larger than 1 MB (refused before it is
            parsed) or is not UTF-8.
    """
    try:
        data = path.read_bytes()[: _MAX_BYTES + 1]
    except OSError as exc:
        raise DocumentError(f"{path}: cannot read the file ({exc.strerror})") from None
    if len(data) > _MAX_BYTES:
        raise DocumentError(f"{path.name}: larger than 1 MB; {what} is a short file")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise DocumentError(f"{path.name}: not a UTF-8 text file") from None


def parse_toml(text: str, name: str) -> dict[str, Any]:
    """Parse ``text`` (numbers with a fraction as exact ``Decimal``), naming the file on failure.

    Raises:
        DocumentError: Text that is not TOML, nested too deeply or with a number too long.
    """
    try:
        return tomllib.loads(text, parse_float=Decimal)
    except tomllib.TOMLDecodeError as exc:
        raise DocumentError(f"{name}: not a valid TOML file ({exc})") from None
    except (RecursionError, ValueError):
        raise DocumentError(f"{name}: nested too deeply or a number too long") from None


def peek_form(path: Path) -> object:
    """The ``form`` key of a mapping file, or ``None`` when the file cannot be read.

    Used only to choose a path before the real reader runs (and reports what is wrong).
    """
    try:
        return tomllib.loads(path.read_text(encoding="utf-8")).get("form")
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError, RecursionError, ValueError):
        return None
