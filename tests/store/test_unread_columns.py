"""The program read skips the optional member columns no stored member has a value in.

``national_id``, ``phone``, ``birth_year`` and ``application_id`` are often empty in a whole
program; SQLite stepping a null column costs about as much as a short text, so when one probe
finds no value in any of them the members are read without them (as nulls). A value anywhere,
written by klaster or not, has them read again, with the same program or message.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import attrs
import pytest
from tests.store.test_column_load import both_loads, both_refusals, execute

from klaster import Program
from klaster.store import Store, _cluster_columns
from klaster.testing.samples import sample_program

_READ = _cluster_columns._read
_OPTIONAL = ("national_id", "phone", "birth_year", "application_id")


@contextlib.contextmanager
def member_fields() -> Iterator[list[tuple[str, ...]]]:
    """Record the fields of every members query the column read makes."""
    seen: list[tuple[str, ...]] = []

    def spy(conn: sqlite3.Connection, table: str, fields: Sequence[str], *rest: Any) -> Any:
        if table == "members":
            seen.append(tuple(fields))
        return _READ(conn, table, fields, *rest)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(_cluster_columns, "_read", spy)
        yield seen


def without_personal_data() -> Program:
    """The sample program with no member's NIK, phone, birth year or application."""
    program = sample_program()
    for cluster in program.clusters:
        for member in list(cluster.members):
            cluster.replace_member(
                attrs.evolve(member, national_id=None, phone=None, birth_year=None)
            )
    return program


class TestUnread:
    def test_columns_no_member_has_a_value_in_are_not_read(self, store_path: Path) -> None:
        program = without_personal_data()
        Store.create(store_path, program).close()
        with member_fields() as seen:
            fast, slow, built = both_loads(store_path)
        assert built == [True]
        assert fast == slow == program
        assert seen  # (the column path's query first)
        assert not set(_OPTIONAL) & set(seen[0])

    def test_a_value_in_any_of_them_has_them_all_read(self, store_path: Path) -> None:
        program = sample_program()  # (BTG-1 has a NIK, a phone and a birth year)
        Store.create(store_path, program).close()
        with member_fields() as seen:
            fast, slow, _ = both_loads(store_path)
        assert fast == slow == program
        assert set(_OPTIONAL) <= set(seen[0])

    def test_one_value_written_outside_klaster_is_read(self, store_path: Path) -> None:
        Store.create(store_path, without_personal_data()).close()
        execute(store_path, "UPDATE members SET birth_year = 1980 WHERE id = 'BTG-3'")
        fast, slow, built = both_loads(store_path)
        assert built == [True]
        assert fast == slow
        assert fast.clusters["bantaeng"].members["BTG-3"].birth_year == 1980

    def test_a_bad_value_gives_the_row_by_row_message(self, store_path: Path) -> None:
        message = both_refusals(
            store_path,
            without_personal_data(),
            ["UPDATE members SET phone = '12' WHERE id = 'BTG-3'"],
        )
        assert "phone must be 8-20 digits" in message

    def test_a_cluster_alone_reads_every_column(self, store_path: Path) -> None:
        program = without_personal_data()
        Store.create(store_path, program).close()
        with Store.open(store_path) as store, member_fields() as seen:
            assert store.load_cluster("bantaeng") == program.clusters["bantaeng"]
        assert set(_OPTIONAL) <= set(seen[0])  # (no probe of the whole table for one cluster)
