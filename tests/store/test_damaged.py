"""A store file with one damaged byte gives a located StoreError, never a UnicodeDecodeError,
and the message never quotes the damaged value."""

from __future__ import annotations

from pathlib import Path

import pytest

from klaster import Program, Store
from klaster.errors import KlasterError, StoreError


def _damaged_copies(path: Path, needle: bytes, limit: int = 12, at: int = 1) -> list[bytes]:
    data = path.read_bytes()
    copies: list[bytes] = []
    start = 0
    while len(copies) < limit and (found := data.find(needle, start)) >= 0:
        damaged = bytearray(data)
        damaged[found + at] = 0xFF  # a byte that can start no UTF-8 character
        copies.append(bytes(damaged))
        start = found + 1
    return copies


def _read_all(path: Path) -> None:
    store = Store.open(path)
    try:
        store.load_program()
        store.load_observations()
        store.load_finance()
        store.status()
    finally:
        store.close()


def test_a_damaged_byte_in_the_schema_is_a_store_error(tmp_path: Path, program: Program) -> None:
    original = tmp_path / "a.klaster"
    Store.create(original, program).close()
    # An index on a table whose name is damaged: SQLite's message quotes the damaged name, and
    # decoding that message used to raise UnicodeDecodeError (exit 70 in the CLI).
    copies = _damaged_copies(original, b" ON cooperative_sectors", limit=3, at=6)
    assert copies
    for index, copy in enumerate(copies):
        target = tmp_path / f"damaged{index}.klaster"
        target.write_bytes(copy)
        with pytest.raises(StoreError, match="damaged"):
            _read_all(target)


def test_a_damaged_byte_in_a_value_is_a_located_error(tmp_path: Path, program: Program) -> None:
    original = tmp_path / "a.klaster"
    Store.create(original, program).close()
    cluster = next(iter(program.clusters)).id
    for index, copy in enumerate(_damaged_copies(original, cluster.encode())):
        target = tmp_path / f"damaged{index}.klaster"
        target.write_bytes(copy)
        message = ""
        try:
            _read_all(target)
        except KlasterError as exc:
            message = str(exc)
        assert "with text" not in message  # SQLite's message would quote the damaged value
