"""The bundled Kobo exports of the Bantaeng example: what the builder makes, what they import."""

from __future__ import annotations

import importlib.util
import sys
from decimal import Decimal
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from openpyxl import load_workbook

import klaster
from klaster import Program
from klaster.importing import load_mapping, read_submissions
from klaster.observations.values import Observations

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
KOBO = EXAMPLES / "data" / "kobo"


def _builder() -> ModuleType:
    spec = importlib.util.spec_from_file_location("build_kobo", EXAMPLES / "build_kobo.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["build_kobo"] = module
    spec.loader.exec_module(module)
    return module


def _cells(content: bytes | Path) -> list[tuple[str, list[tuple[Any, ...]]]]:
    import io

    source = io.BytesIO(content) if isinstance(content, bytes) else content
    book = load_workbook(source, read_only=True)
    try:
        return [(name, list(book[name].iter_rows(values_only=True))) for name in book.sheetnames]
    finally:
        book.close()


class TestBundledFiles:
    def test_files_are_what_the_builder_makes(self, program: Program) -> None:
        built = _builder().build(program)
        # (the screening export is build_screening.py's: tests/importing/test_screening.py)
        bundled = [p.name for p in KOBO.iterdir() if not p.name.startswith("screening.")]
        assert sorted(built) == sorted(bundled)
        for name, content in built.items():
            if name.endswith(".xlsx"):  # zip bytes depend on the openpyxl version: compare cells
                assert _cells(content) == _cells(KOBO / name), name
            else:
                assert (KOBO / name).read_bytes() == content, name

    def test_the_builder_is_deterministic(self, program: Program) -> None:
        builder = _builder()
        assert builder.build(program) == builder.build(program)


class TestImportingThem:
    def test_csv_and_xlsx_give_the_same_batch(
        self, program: Program, observations: Observations
    ) -> None:
        mapping = load_mapping(KOBO / "monitoring.toml")
        from_csv = read_submissions(
            KOBO / "monitoring_2015.csv", mapping, program=program, observations=observations
        )
        from_xlsx = read_submissions(
            KOBO / "monitoring_2015.xlsx", mapping, program=program, observations=observations
        )
        (a,) = from_csv.blocks
        (b,) = from_xlsx.blocks
        assert (a.submissions, a.unit_ids, a.rows) == (b.submissions, b.unit_ids, b.rows)
        assert dict(a.values) == dict(b.values)
        assert (a.source, b.source) == (
            "monitoring_2015.csv",
            "monitoring_2015.xlsx:Monitoring Klaster Bantaeng",
        )
        assert from_csv.rounds == from_xlsx.rounds
        assert len(a) == 40
        assert set(a.values) == {
            "monthly_income",
            "monthly_expenditure",
            "household_size",
            "business_running",
            "business_registered",
            "monthly_revenue",
            "monthly_costs",
            "workers",
        }
        # Households whose business closed have no business rows: revenue and workers are 0.
        closed = [i for i, running in enumerate(a.values["business_running"]) if not running]
        assert closed
        assert {a.values["monthly_revenue"][i] for i in closed} == {Decimal(0)}
        assert all(isinstance(v, Decimal) and v % 1000 == 0 for v in a.values["monthly_income"])

    def test_registration(self, program: Program, observations: Observations) -> None:
        mapping = load_mapping(KOBO / "registrasi.toml")
        batch = read_submissions(
            KOBO / "registrasi_2015.csv", mapping, program=program, observations=observations
        )
        assert [m.member.id for m in batch.members] == [f"BTG-0{n}" for n in range(191, 196)]
        cluster = program.clusters["bantaeng"]
        for new in batch.members:  # each would be accepted by the cluster as it is
            cluster.add_member(new.member)
            assert new.group_id is not None
            cluster.join_group(new.group_id, new.member.id, new.member.joined)

    @pytest.mark.parametrize("name", ["monitoring.toml", "registrasi.toml"])
    def test_mappings_load(self, name: str) -> None:
        assert load_mapping(KOBO / name).name == name
        assert klaster.importing.MAPPING_VERSION == 1
