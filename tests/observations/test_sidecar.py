"""The observations sidecar file: save, load, dumps, loads, its format and its bad files."""

from __future__ import annotations

import json
import os
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from tests.observations.builders import (
    CATALOGUE,
    PROGRAM,
    D,
    good_rows,
    new_store,
    rounds,
    snapshot,
)

import klaster.observations
from klaster import DocumentError, SchemaVersionError
from klaster.observations.rounds import Round
from klaster.observations.sidecar import SIDECAR_SCHEMA_VERSION
from klaster.observations.values import Observations
from klaster.plugins import PluginWarning


def full_store() -> Observations:
    obs = new_store()
    obs.add_round(Round("btg-mon", "btg", "monitoring", D(2014, 5, 1), label=("Pantau", "Check")))
    obs.record_many(
        "btg-el",
        [
            ("L-2", {"species": "sheep", "herd_start": 4, "last_vaccination": D(2013, 1, 5)}),
            ("M-2", {"monthly_income": Decimal("1234567.891"), "shop_note": 'kios "baru"\n'}),
        ],
    )
    obs.record_many(
        "btg-bl",
        [
            ("M-1", {"monthly_income": Decimal("-0"), "household_size": None}),
            ("M-2", {"monthly_income": Decimal("0.000000000000000001"), "cibest_prayer": 5}),
            ("L-2", {"species": None, "herd_start": 0}),
            ("G-1", {"group_active": False, "group_meetings": 300}),
            ("K-1", {"coop_legal": True}),
            ("btg", {"district_budget": Decimal("1700000000.00")}),
        ],
    )
    obs.record("blr-bl", "B-1", {"monthly_income": 999_999_999})
    return obs


class TestSidecar:
    def test_round_trip(self, tmp_path: Path) -> None:
        obs = full_store()
        path = tmp_path / "km.observations.jsonl"
        klaster.observations.save(obs, path)
        back = klaster.observations.load(path, PROGRAM, CATALOGUE)
        assert back == obs
        assert snapshot(back) == snapshot(obs)
        assert back.rounds() == obs.rounds()
        assert back.units("btg-bl") == obs.units("btg-bl")
        assert back.value("btg-bl", "M-2", "monthly_income") == Decimal("1E-18")
        assert back.value("btg-el", "M-2", "shop_note") == 'kios "baru"\n'
        assert list(tmp_path.iterdir()) == [path]  # no temporary file left behind

    def test_format(self, tmp_path: Path) -> None:
        path = tmp_path / "obs.jsonl"
        klaster.observations.save(full_store(), path)
        lines = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
        header = lines[0]
        assert (header["klaster"], header["schema_version"]) == ("observations", 1)
        assert header["variables"]["monthly_income"] == {"type": "decimal", "level": "member"}
        assert header["rounds"][3]["label"] == {"id": "Pantau", "en": "Check"}
        assert lines[-1] == {"end": {"tables": 6, "rows": 9}}
        assert {
            "units": {"cluster": "btg", "level": "member", "ids": ["L-2", "M-2", "M-1"]}
        } in lines
        assert ["M-2", "0.000000000000000001", None, 5, None, None] in lines  # exact, plain

    def test_equality_notices_differences(self) -> None:
        obs, other = full_store(), full_store()
        assert obs == other
        other.record("btg-bl", "M-1", {"household_size": 3})
        assert obs != other
        assert obs != "obs"

    @settings(max_examples=20, deadline=None)
    @given(rows=good_rows())
    def test_round_trip_property(self, tmp_path_factory: pytest.TempPathFactory, rows: Any) -> None:
        obs = new_store()
        obs.record_many("btg-bl", rows)
        path = tmp_path_factory.mktemp("sidecar") / "obs.jsonl"
        klaster.observations.save(obs, path)
        assert klaster.observations.load(path, PROGRAM, CATALOGUE) == obs

    def test_atomic_write_keeps_the_old_file(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        path = tmp_path / "obs.jsonl"
        klaster.observations.save(new_store(), path)
        old = path.read_bytes()

        def broken(*_args: object) -> None:
            raise OSError("disk full")

        monkeypatch.setattr(os, "replace", broken)
        with pytest.raises(DocumentError, match="disk full"):
            klaster.observations.save(full_store(), path)
        assert path.read_bytes() == old
        assert list(tmp_path.iterdir()) == [path]

    def test_default_catalogue(self, tmp_path: Path) -> None:
        obs = Observations(PROGRAM)
        obs.add_round(rounds()[0])
        obs.record("btg-bl", "M-1", {"monthly_income": 1})
        klaster.observations.save(obs, tmp_path / "o.jsonl")
        assert klaster.observations.load(tmp_path / "o.jsonl", PROGRAM) == obs


def _lines(tmp_path: Path) -> tuple[Path, list[str]]:
    path = tmp_path / "obs.jsonl"
    klaster.observations.save(full_store(), path)
    return path, path.read_text(encoding="utf-8").splitlines()


def _line_of(lines: list[str], start: str) -> int:
    return next(i for i, line in enumerate(lines) if line.startswith(start))


def _edit(lines: list[str], index: int, new: Any) -> list[str]:
    return [*lines[:index], json.dumps(new), *lines[index + 1 :]]


class TestSidecarBadFiles:
    def _assert_fails(
        self, path: Path, lines: list[str], match: str, line: int | None = None
    ) -> None:
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        with pytest.raises(DocumentError, match=match) as caught:
            klaster.observations.load(path, PROGRAM, CATALOGUE)
        if line is not None:
            assert f"line {line}" in str(caught.value)
        assert str(path) in str(caught.value)

    def test_truncated(self, tmp_path: Path) -> None:
        path, lines = _lines(tmp_path)
        self._assert_fails(path, lines[:-3], "cut short")
        self._assert_fails(path, lines[:-1], "cut short")

    def test_text_after_the_end(self, tmp_path: Path) -> None:
        path, lines = _lines(tmp_path)
        self._assert_fails(path, [*lines, "[]"], "after the end", len(lines) + 1)

    def test_malformed_json(self, tmp_path: Path) -> None:
        path, lines = _lines(tmp_path)
        self._assert_fails(path, [*lines[:3], '["M-1",', *lines[4:]], "malformed JSON", 4)

    def test_not_utf8(self, tmp_path: Path) -> None:
        path = tmp_path / "obs.jsonl"
        path.write_bytes(b"\xff\xfe{}")
        with pytest.raises(DocumentError, match="UTF-8"):
            klaster.observations.load(path, PROGRAM, CATALOGUE)

    def test_missing_file(self, tmp_path: Path) -> None:
        with pytest.raises(DocumentError, match="cannot read"):
            klaster.observations.load(tmp_path / "none.jsonl", PROGRAM, CATALOGUE)

    def test_header_problems(self, tmp_path: Path) -> None:
        path, lines = _lines(tmp_path)
        header = json.loads(lines[0])
        self._assert_fails(
            path, _edit(lines, 0, {**header, "klaster": "program"}), "not a klaster", 1
        )
        self._assert_fails(
            path, _edit(lines, 0, {**header, "program": "other"}), "program 'other'", 1
        )
        self._assert_fails(
            path, _edit(lines, 0, {**header, "extra": 1}), "unknown \\['extra'\\]", 1
        )
        variables = {
            **header["variables"],
            "monthly_income": {"type": "integer", "level": "member"},
        }
        self._assert_fails(path, _edit(lines, 0, {**header, "variables": variables}), "changed", 1)
        # A variable no loaded plugin declares is set aside with a warning (tests/plugins/
        # test_missing.py); one the catalogue given lacks though a plugin declares it fails.
        variables = {**header["variables"], "ghost": {"type": "integer", "level": "member"}}
        path.write_text("\n".join(_edit(lines, 0, {**header, "variables": variables})) + "\n")
        with pytest.warns(PluginWarning, match="'ghost' are set aside"):
            klaster.observations.load(path, PROGRAM, CATALOGUE)
        variables = {**header["variables"], "herd_end": {"type": "integer", "level": "member"}}
        self._assert_fails(
            path, _edit(lines, 0, {**header, "variables": variables}), "catalogue given", 1
        )
        bad_round = [{**header["rounds"][0], "kind": "census"}, *header["rounds"][1:]]
        self._assert_fails(path, _edit(lines, 0, {**header, "rounds": bad_round}), "census", 1)

    @pytest.mark.parametrize("version", [2, 0, "1", None])
    def test_schema_version(self, tmp_path: Path, version: object) -> None:
        path, lines = _lines(tmp_path)
        header = json.loads(lines[0])
        path.write_text(json.dumps({**header, "schema_version": version}) + "\n", "utf-8")
        with pytest.raises(SchemaVersionError, match="upgrade" if version == 2 else "damaged"):
            klaster.observations.load(path, PROGRAM, CATALOGUE)
        assert SIDECAR_SCHEMA_VERSION == 1

    @pytest.mark.parametrize(
        ("row", "match"),
        [
            (["M-2", 12.5, None, 5, None, None], "written as a string"),
            (["M-2", "1.5e3", None, 5, None, None], "plain notation"),
            (["M-2", "-1", None, 5, None, None], "minimum"),
            (["M-2", "1", None, 9, None, None], "maximum"),
            (["M-2", "1", None, True, None, None], "JSON whole number"),
            (["M-2", "1", None, 5, "goat", None], "sector 'livestock'"),
            (["B-1", "1", None, 5, None, None], "belongs to cluster 'blr'"),
            (["M-2", "1"], "one per column"),
            ({"M-2": 1}, "a row is a list"),
        ],
    )
    def test_bad_rows_are_located(self, tmp_path: Path, row: Any, match: str) -> None:
        path, lines = _lines(tmp_path)
        index = _line_of(lines, '["M-2","0.000000000000000001"')
        self._assert_fails(path, _edit(lines, index, row), match, index + 1)

    def test_duplicate_row(self, tmp_path: Path) -> None:
        path, lines = _lines(tmp_path)
        index = _line_of(lines, '["M-2","0.000000000000000001"')
        edited = [*lines[:index], lines[index - 1], *lines[index + 1 :]]
        self._assert_fails(path, edited, "twice", index + 1)

    def test_bad_units_and_tables(self, tmp_path: Path) -> None:
        path, lines = _lines(tmp_path)
        units = _line_of(lines, '{"units":{"cluster":"btg","level":"member"')
        self._assert_fails(
            path,
            _edit(lines, units, {"units": {"cluster": "btg", "level": "member", "ids": ["B-1"]}}),
            "not a member of cluster 'btg'",
            units + 1,
        )
        table = _line_of(lines, '{"table":{"round":"btg-bl","level":"member"')
        body = json.loads(lines[table])["table"]
        self._assert_fails(
            path,
            _edit(lines, table, {"table": {**body, "round": "x"}}),
            "not in the header",
            table + 1,
        )
        self._assert_fails(
            path, _edit(lines, table, {"table": {**body, "level": "x"}}), "unknown level", table + 1
        )
        self._assert_fails(
            path, _edit(lines, table, {"table": {**body, "rows": 2}}), "expected", None
        )
        self._assert_fails(
            path,
            _edit(lines, table, {"table": {**body, "columns": ["ghost"]}}),
            "declared",
            table + 1,
        )

    def test_end_counts(self, tmp_path: Path) -> None:
        path, lines = _lines(tmp_path)
        self._assert_fails(
            path,
            _edit(lines, len(lines) - 1, {"end": {"tables": 1, "rows": 9}}),
            "damaged",
            len(lines),
        )

    def test_a_bad_file_changes_nothing(self, tmp_path: Path) -> None:
        obs = full_store()
        before = snapshot(obs)
        path, lines = _lines(tmp_path)
        path.write_text("\n".join(lines[:-1]), encoding="utf-8")
        with pytest.raises(DocumentError):
            klaster.observations.load(path, PROGRAM, CATALOGUE)
        assert snapshot(obs) == before


class TestSidecarVerbs:
    def test_dumps_and_loads(self, tmp_path: Path) -> None:
        obs = full_store()
        text = klaster.observations.dumps(obs)
        assert klaster.observations.loads(text, PROGRAM, CATALOGUE) == obs
        assert klaster.observations.loads(text.encode("utf-8"), PROGRAM, CATALOGUE) == obs
        klaster.observations.save(obs, tmp_path / "o.jsonl")
        assert (tmp_path / "o.jsonl").read_text("utf-8") == text

    def test_loads_names_its_source(self) -> None:
        text = klaster.observations.dumps(full_store())
        with pytest.raises(DocumentError, match=r"survey\.jsonl line 1"):
            klaster.observations.loads(
                text.replace('"km"', '"other"', 1), PROGRAM, source="survey.jsonl"
            )
        with pytest.raises(DocumentError, match="not UTF-8"):
            klaster.observations.loads(b"\xff", PROGRAM)

    def test_old_names_warn(self, tmp_path: Path) -> None:
        obs = full_store()
        path = tmp_path / "o.jsonl"
        with pytest.warns(DeprecationWarning, match="klaster.observations.save"):
            klaster.observations.save_observations(obs, path)
        with pytest.warns(DeprecationWarning, match="klaster.observations.load"):
            assert klaster.observations.load_observations(path, PROGRAM, CATALOGUE) == obs
