"""Finding a mapping's columns in an export's header, however Kobo or ODK spelled the group path.

KoboToolbox writes group paths with ``/`` (``hh/pendapatan``) or, with "group separator" set
otherwise, ``.`` or ``-``; ODK Central writes ``-`` (``meta-instanceID``); both can leave the
groups out. A mapping names a column once, and it is found in any of these spellings: first the
exact name, then the same path with any separator and case, then the last path segment alone when
only one column ends with it.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence

_SEPARATORS = re.compile(r"[-.:/]")


class AmbiguousColumn(Exception):
    """More than one column matches a name equally well."""

    def __init__(self, candidates: list[str]) -> None:
        super().__init__(candidates)
        self.candidates = candidates


def _norm(name: str) -> str:
    return _SEPARATORS.sub("/", name.strip()).casefold()


def _last(name: str) -> str:
    return _norm(name).rsplit("/", 1)[-1]


class Header:
    """The column names of one sheet or file, with lookups by mapping name."""

    def __init__(self, names: Sequence[str]) -> None:
        self.names = [n.strip() for n in names]
        self._exact: dict[str, list[int]] = {}
        self._norm: dict[str, list[int]] = {}
        self._last: dict[str, list[int]] = {}
        for index, name in enumerate(self.names):
            self._exact.setdefault(name, []).append(index)
            self._norm.setdefault(_norm(name), []).append(index)
            self._last.setdefault(_last(name), []).append(index)

    def __len__(self) -> int:
        return len(self.names)

    def find(self, name: str, *, strict: bool = False) -> int | None:
        """The index of the column ``name`` names, or ``None``.

        ``strict`` leaves out the match by last path segment (for select-multiple options,
        whose last segment alone could be any column).

        Raises:
            AmbiguousColumn: Several columns match at the best level.
        """
        for index, key in ((self._exact, name.strip()), (self._norm, _norm(name))):
            found = index.get(key)
            if found:
                return self._one(found)
        found = None if strict else self._last.get(_last(name))
        return self._one(found) if found else None

    def probe(self, name: str, *, strict: bool = False) -> int | None:
        """As :meth:`find`, but ``None`` when several columns match (to test for a column)."""
        try:
            return self.find(name, strict=strict)
        except AmbiguousColumn:
            return None

    def with_prefix(self, name: str) -> list[tuple[str, int]]:
        """The columns under the path ``name`` (a select-multiple's option columns)."""
        prefix = _norm(name) + "/"
        return [
            (_SEPARATORS.split(self.names[i])[-1], i)
            for i, n in enumerate(map(_norm, self.names))
            if n.startswith(prefix) and "/" not in n[len(prefix) :]
        ]

    def near(self, name: str) -> list[str]:
        """Up to three column names close to ``name``, for messages."""
        by_norm = {_norm(n): n for n in self.names}
        close = difflib.get_close_matches(_norm(name), list(by_norm), n=3, cutoff=0.8)
        by_last: dict[str, list[str]] = {}
        for n in self.names:
            by_last.setdefault(_last(n), []).append(n)
        for last in difflib.get_close_matches(_last(name), list(by_last), n=3, cutoff=0.75):
            close += [_norm(n) for n in by_last[last]]
        return list(dict.fromkeys(by_norm[c] for c in close))[:3]

    def _one(self, found: list[int]) -> int:
        if len(found) > 1:
            raise AmbiguousColumn([self.names[i] for i in found])
        return found[0]


def column_index(
    header: Header, name: str, where: str, missing: list[str], *, strict: bool = False
) -> int:
    """The index of a mapped column; a missing or ambiguous one is added to ``missing``."""
    try:
        found = header.find(name, strict=strict)
    except AmbiguousColumn as exc:
        missing.append(
            f"column {name!r} ({where}) matches several columns: "
            + ", ".join(map(repr, exc.candidates))
            + "; name it exactly as in the file"
        )
        return -1
    if found is None:
        near = header.near(name)
        hint = f"; similar: {', '.join(map(repr, near))}" if near else ""
        missing.append(f"column {name!r} ({where}) is not in the file{hint}")
        return -1
    return found


def header_has(header: Header, name: str, *, strict: bool = False) -> bool:
    """Whether some column matches ``name`` (one, or several)."""
    try:
        return header.find(name, strict=strict) is not None
    except AmbiguousColumn:
        return True
