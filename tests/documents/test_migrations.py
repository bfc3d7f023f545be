"""The one migration mechanism: Migrations and migrate."""

from __future__ import annotations

from typing import Any

import pytest

from klaster.documents.migrations import Migrations, migrate
from klaster.errors import DocumentError, SchemaVersionError, StoreError


def _add_a(doc: dict[str, Any]) -> dict[str, Any]:
    return {**doc, "a": 1}


class TestMigrations:
    def test_runs_each_step_in_order(self) -> None:
        chain: Migrations[list[int]] = Migrations(3, {1: lambda s: [*s, 1], 2: lambda s: [*s, 2]})
        assert chain.run([], chain.check(1, "x"), "x") == [1, 2]
        assert chain.run([], 3, "x") == []

    def test_a_step_may_change_its_subject_in_place(self) -> None:
        chain: Migrations[list[int]] = Migrations(2, {1: lambda s: s.append(9)})
        subject: list[int] = []
        assert chain.run(subject, 1, "x") is subject == [9]

    @pytest.mark.parametrize(
        ("version", "match"),
        [(4, "newer than this klaster supports \\(3\\); upgrade klaster to read"), (0, "damaged"),
         ("1", "whole number from 1 to 3"), (1, "no migration from schema version 1")],
    )  # fmt: skip
    def test_refuses_what_it_cannot_bring_up(self, version: object, match: str) -> None:
        with pytest.raises(SchemaVersionError, match=match):
            Migrations(3, {2: _add_a}).check(version, "x")

    def test_store_wording(self) -> None:
        chain: Migrations[None] = Migrations(
            2, {}, noun="store", version_name="store schema version", verb="open", first=0
        )
        with pytest.raises(SchemaVersionError, match="no migration from store schema version 0"):
            chain.check(0, "s")
        with pytest.raises(SchemaVersionError, match="the store has store schema version 3"):
            chain.check(3, "s")

    def test_a_failing_step_is_located(self) -> None:
        def broken(doc: dict[str, Any]) -> dict[str, Any]:
            raise KeyError("gone")

        with pytest.raises(DocumentError, match="from schema version 1 to 2 \\(KeyError\\)"):
            Migrations(2, {1: broken}).run({}, 1, "doc.json")
        with pytest.raises(StoreError, match="step 1"):
            Migrations(2, {1: broken}).run({}, 1, "s", failed=lambda v, e: StoreError(f"step {v}"))


class TestMigrate:
    def test_stamps_each_version(self) -> None:
        doc = migrate(
            {"klaster": "k", "schema_version": 1},
            kind="k",
            what="test",
            current=2,
            migrations={1: _add_a},
            source="x",
        )
        assert doc == {"klaster": "k", "schema_version": 2, "a": 1}

    def test_wrong_kind(self) -> None:
        with pytest.raises(DocumentError, match="not a klaster test document"):
            migrate({"klaster": "z"}, kind="k", what="test", current=1, migrations={}, source="x")
