"""Sector areas on the import paths: registrations and activity forms refused row by row."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

import klaster
from klaster import AreaOverride, Cluster, ClusterSector, ImportDataError, Program
from klaster.importing import load_mapping, parse_mapping, read_submissions
from klaster.observations.core_variables import variable_catalogue
from klaster.observations.values import Observations
from klaster.store import Store

from .test_registration import HEADER, MAPPING, person

KOBO = Path(__file__).resolve().parents[2] / "examples" / "data" / "kobo"
PAJUKUKANG = {"Pa'jukukang", "Baruga", "Borong Loe", "Rappoa"}


def umkm_in_bantaeng_bissappu() -> Program:
    """The bundled example with UMKM limited to Bantaeng and Bissappu, as the 2011 report has it.

    Its members in Pajukukang are kept there by an override each.
    """
    program = klaster.load(KOBO.parent / "bantaeng.json")
    old = program.clusters["bantaeng"]
    cluster = Cluster(
        old.id,
        old.name,
        old.region,
        [ClusterSector("umkm", "mm", ("Bantaeng", "Bissappu"))],
        old.lifecycle,
        list(old.members),
        list(old.groups),
        list(old.cooperatives),
        old.stakeholders,
        old.note,
        [
            AreaOverride("member", m.id, "the 2014 report lists Pa'jukukang too")
            for m in old.members
            if m.village in PAJUKUKANG
        ],
    )
    return Program(
        program.id,
        program.name,
        program.organisation_id,
        list(program.organisations),
        [cluster],
        program.note,
        list(program.people),
        program.fieldwork,
    )


def test_registration_rows_outside_are_refused(kobo: Any) -> None:
    program = umkm_in_bantaeng_bissappu()
    observations = Observations(program, variable_catalogue())
    rows = [person(191, desa="Letta"), person(192, desa="Baruga", kelompok="")]
    with pytest.raises(ImportDataError) as caught:
        read_submissions(
            kobo.csv(rows, header=HEADER),
            parse_mapping(MAPPING),
            program=program,
            observations=observations,
        )
    assert caught.value.problems == (
        "survey.csv row 3 column 'desa': village 'Baruga' is outside the area of sector 'umkm' in "
        "cluster 'bantaeng' (Bantaeng, Bissappu); to keep it there, record an override with a "
        "reason: outside_area=reason when adding it, or AreaOverride('member', 'BTG-0192', "
        "reason) in the cluster's area_overrides",
    )
    # The same rows against the whole-region cluster are accepted.
    whole = Observations(klaster.load(KOBO.parent / "bantaeng.json"), variable_catalogue())
    batch = read_submissions(
        kobo.csv(rows, header=HEADER),
        parse_mapping(MAPPING),
        program=whole.program,
        observations=whole,
    )
    assert [m.member.id for m in batch.members] == ["BTG-0191", "BTG-0192"]


def test_a_store_refuses_a_batch_read_against_another_program(kobo: Any, tmp_path: Path) -> None:
    # Read against the whole-region program, applied to a store whose UMKM has an area.
    whole = Observations(klaster.load(KOBO.parent / "bantaeng.json"), variable_catalogue())
    rows = [person(191, desa="Letta"), person(192, desa="Baruga", kelompok="")]
    batch = read_submissions(
        kobo.csv(rows, header=HEADER),
        parse_mapping(MAPPING),
        program=whole.program,
        observations=whole,
    )
    with Store.create(tmp_path / "p.klaster", umkm_in_bantaeng_bissappu()) as store:
        with pytest.raises(ImportDataError) as caught:
            store.apply_import(batch)
        assert any(
            "row 3" in p and "outside the area of sector 'umkm'" in p for p in caught.value.problems
        ), caught.value.problems
        assert "BTG-0191" not in store.load_cluster("bantaeng").members


def test_activity_rows_outside_are_refused(tmp_path: Path) -> None:
    program = umkm_in_bantaeng_bissappu()
    for path in KOBO.glob("training_attendance*"):
        shutil.copy(path, tmp_path / path.name)
    toml = tmp_path / "training_attendance.toml"
    text = toml.read_text(encoding="utf-8")
    toml.write_text(
        text.replace('kind = { value = "training" }', 'kind = { value = "training" }\n'
                     'sector = { value = "umkm" }'),
        encoding="utf-8",
    )  # fmt: skip
    with pytest.raises(ImportDataError) as caught:
        read_submissions(tmp_path / "training_attendance.csv", load_mapping(toml), program=program)
    problems = caught.value.problems
    assert problems[0].startswith(
        "training_attendance.csv row 3 column 'pelatihan/desa': village 'Borong Loe' is outside "
        "the area of sector 'umkm' in cluster 'bantaeng' (Bantaeng, Bissappu)"
    ), problems
    assert all("outside the area" in p for p in problems)
    # Without the sector (the bundled mapping) no area applies.
    read_submissions(
        tmp_path / "training_attendance.csv",
        load_mapping(KOBO / "training_attendance.toml"),
        program=program,
    )


def test_a_store_refuses_activities_outside(tmp_path: Path) -> None:
    for path in KOBO.glob("training_attendance*"):
        shutil.copy(path, tmp_path / path.name)
    toml = tmp_path / "training_attendance.toml"
    text = toml.read_text(encoding="utf-8")
    toml.write_text(
        text.replace('kind = { value = "training" }', 'kind = { value = "training" }\n'
                     'sector = { value = "umkm" }'),
        encoding="utf-8",
    )  # fmt: skip
    whole = klaster.load(KOBO.parent / "bantaeng.json")  # read where UMKM works everywhere
    batch = read_submissions(
        tmp_path / "training_attendance.csv", load_mapping(toml), program=whole
    )
    with Store.create(tmp_path / "p.klaster", umkm_in_bantaeng_bissappu()) as store:
        with pytest.raises(ImportDataError) as caught:
            store.apply_import(batch)
        assert any(
            "row 3" in p and "outside the area of sector 'umkm'" in p for p in caught.value.problems
        ), caught.value.problems
        assert len(store.load_program().fieldwork.activities) == 0
