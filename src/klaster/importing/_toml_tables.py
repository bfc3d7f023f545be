"""Reading a TOML document's tables: typed values, and every problem located by its key path."""

from __future__ import annotations

import difflib
from typing import Any

__all__ = ["TableReader", "join_path", "kind_of", "no_float", "unknown"]


class TableReader:
    """Reads the values of a TOML file's tables, collecting located problems instead of raising.

    Args:
        name: The file's name, which starts every problem.
    """

    def __init__(self, name: str) -> None:
        self.name = name
        self.problems: list[str] = []

    def problem(self, path: str, message: str) -> None:
        """Record ``message`` about the key at ``path`` (the whole file when empty)."""
        self.problems.append(
            f"{self.name} {path}: {message}" if path else f"{self.name}: {message}"
        )

    def table(self, raw: object, path: str, allowed: tuple[str, ...]) -> dict[str, Any]:
        """``raw`` as a table with only ``allowed`` keys (else a problem; ``{}`` if no table)."""
        if not isinstance(raw, dict):
            self.problem(path, f"must be a table, got {kind_of(raw)}")
            return {}
        for key in raw:
            if key not in allowed:
                self.problem(f"{path}.{key}" if path else key, unknown("key", key, allowed))
        return raw

    def text(self, raw: dict[str, Any], key: str, path: str) -> str | None:
        """The non-empty string at ``key`` (``None`` when absent or wrong, with a problem)."""
        value = raw.get(key)
        if value is None:
            return None
        if not isinstance(value, str) or not value.strip():
            self.problem(join_path(path, key), f"must be a non-empty string, got {kind_of(value)}")
            return None
        return value

    def choice(self, raw: dict[str, Any], key: str, path: str, options: tuple[str, ...]) -> str:
        """The value at ``key``, one of ``options`` (else a problem and the first option)."""
        value = raw.get(key)
        if value not in options:
            self.problem(
                join_path(path, key),
                f"must be one of {', '.join(map(repr, options))}, got {value!r}",
            )
            return options[0]
        return str(value)


def unknown(what: str, name: object, valid: tuple[str, ...] | list[str]) -> str:
    """``unknown <what> <name>``, the close matches and the valid names (at most 40)."""
    text = f"unknown {what} {name!r}"
    close = difflib.get_close_matches(str(name), list(valid), n=3)
    if close:
        text += f" (did you mean {', '.join(map(repr, close))}?)"
    shown = list(valid)[:40]
    more = f" and {len(valid) - len(shown)} more" if len(valid) > len(shown) else ""
    return f"{text}; valid: {', '.join(shown)}{more}"


def no_float(value: object) -> str:
    """Why a float, table or array is no single exact value."""
    if isinstance(value, float):
        return "a float is not exact: write the number as a string ('12.5') or a whole number"
    return f"must be a single value (text, number, true/false or a date), got {kind_of(value)}"


def join_path(path: str, key: str) -> str:
    """``path.key`` (``key`` at the top)."""
    return f"{path}.{key}" if path else key


def kind_of(value: object) -> str:
    """What a TOML value is, for messages (``a table``, ``an array``, ``str``...)."""
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, list):
        return "an array"
    return type(value).__name__
