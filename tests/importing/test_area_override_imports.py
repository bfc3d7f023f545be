"""Area overrides recorded by imports: ``outside_area`` in registration and roster mappings.

A row outside its sector's area with a reason is kept and its override recorded (the reader's
batch, the store's ``area_overrides`` table, a roster's program); one without a reason is refused,
located by row and column; importing again changes nothing; the reason is never in a message.
"""

from __future__ import annotations

import csv
import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import klaster
from klaster import ImportDataError, Program
from klaster.cli import main
from klaster.importing import load_mapping, parse_mapping, read_roster, read_submissions
from klaster.observations.core_variables import variable_catalogue
from klaster.observations.values import Observations
from klaster.store import Store, import_roster

from .test_area_imports import KOBO, PAJUKUKANG, umkm_in_bantaeng_bissappu
from .test_registration import HEADER, MAPPING, person

DATA = Path(__file__).resolve().parents[2] / "examples" / "data"
ROSTER = DATA / "bantaeng_roster.csv"
ROSTER_MAPPING = DATA / "bantaeng_roster.toml"
# A reason that could describe a household: never repeated in a message.
REASON = "pindah ke rumah mertua Ibu Rahasia setelah banjir"
WITH_REASON = MAPPING.replace('phone = "hp"\n', 'phone = "hp"\noutside_area = "alasan"\n')


def registration_rows(reason: str = REASON) -> list[dict[str, str]]:
    """Two new members: one in Letta (inside UMKM's area), one in Baruga (outside it)."""
    return [
        {**person(191, desa="Letta"), "alasan": ""},
        {**person(192, desa="Baruga", kelompok=""), "alasan": reason},
    ]


def read_registration(kobo: Any, program: Program, reason: str = REASON) -> Any:
    observations = Observations(program, variable_catalogue())
    return read_submissions(
        kobo.csv(registration_rows(reason), header=[*HEADER, "alasan"]),
        parse_mapping(WITH_REASON),
        program=program,
        observations=observations,
    )


def roster_with_reasons(
    tmp_path: Path, reason: str = REASON, group_reason: str = ""
) -> tuple[Path, Path]:
    """The bundled roster with an ``alasan`` column, given for BTG-0212 (Baruga) only, and an
    ``alasan_k`` column given on the rows of kelompok BTG-K35."""
    with ROSTER.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    rows[0].extend(["alasan", "alasan_k"])
    for cells in rows[1:]:
        cells.append(reason if cells[1] == "BTG-0212" else "")
        cells.append(group_reason if cells[11] == "BTG-K35" else "")
    path = tmp_path / "roster.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(rows)
    mapping = tmp_path / "roster.toml"
    text = ROSTER_MAPPING.read_text(encoding="utf-8")
    mapping.write_text(
        text.replace('group_capacity = "kapasitas"\n',
                     'group_capacity = "kapasitas"\noutside_area = "alasan"\n'
                     'group_outside_area = "alasan_k"\n'),
        encoding="utf-8",
    )  # fmt: skip
    return path, mapping


def overrides(program: Program) -> list[tuple[str, str, str]]:
    return [
        (o.kind.value, o.record_id, o.reason)
        for o in program.clusters["bantaeng"].area_overrides
        if o.record_id in {"BTG-0192", "BTG-0212", "BTG-0191"}
    ]


class TestRegistration:
    def test_a_row_outside_with_a_reason_is_kept(self, kobo: Any) -> None:
        batch = read_registration(kobo, umkm_in_bantaeng_bissappu())
        assert [(m.member.id, m.outside_area) for m in batch.members] == [
            ("BTG-0191", None),  # inside its area: nothing to record
            ("BTG-0192", REASON),
        ]

    def test_a_row_outside_without_a_reason_is_refused_located(self, kobo: Any) -> None:
        with pytest.raises(ImportDataError) as caught:
            read_registration(kobo, umkm_in_bantaeng_bissappu(), reason="")
        (problem,) = caught.value.problems
        assert problem.startswith(
            "survey.csv row 3 column 'desa': village 'Baruga' is outside the area of sector "
            "'umkm' in cluster 'bantaeng'"
        )

    def test_the_reason_is_never_in_a_message(self, kobo: Any) -> None:
        # Outside, with a reason, but refused for another column: the reason is not shown.
        rows = registration_rows()
        rows[1]["usaha"] = "no_such_business"
        with pytest.raises(ImportDataError) as caught:
            read_submissions(
                kobo.csv(rows, header=[*HEADER, "alasan"]),
                parse_mapping(WITH_REASON),
                program=(program := umkm_in_bantaeng_bissappu()),
                observations=Observations(program, variable_catalogue()),
            )
        assert caught.value.problems
        assert all(REASON not in p and "Rahasia" not in p for p in caught.value.problems)
        assert REASON not in str(caught.value)


class TestRegistrationStore:
    def test_the_override_is_stored_once(self, kobo: Any, tmp_path: Path) -> None:
        program = umkm_in_bantaeng_bissappu()
        batch = read_registration(kobo, program)
        path = tmp_path / "p.klaster"
        with Store.create(path, program) as store:
            assert store.apply_import(batch).members_added == 2
            cluster = store.load_cluster("bantaeng")
            assert cluster.area_override("member", "BTG-0192").reason == REASON  # type: ignore[union-attr]
            assert cluster.area_override("member", "BTG-0191") is None
            stored = klaster.dumps(store.load_program())
        assert overrides(klaster.loads(stored)) == [("member", "BTG-0192", REASON)]
        before = path.read_bytes()
        with Store.open(path) as store:  # the same file again changes nothing
            assert store.apply_import(batch).members_added == 0
            assert klaster.dumps(store.load_program()) == stored
        assert path.read_bytes() == before

    def test_a_batch_without_the_reason_is_refused(self, kobo: Any, tmp_path: Path) -> None:
        # Read against a program where the row needs no reason, applied where it does.
        whole = klaster.load(DATA / "bantaeng.json")
        batch = read_registration(kobo, whole)
        assert [m.outside_area for m in batch.members] == [None, None]
        with Store.create(tmp_path / "p.klaster", umkm_in_bantaeng_bissappu()) as store:
            with pytest.raises(ImportDataError) as caught:
                store.apply_import(batch)
            assert any("row 3" in p and "outside the area" in p for p in caught.value.problems)
            assert all(REASON not in p for p in caught.value.problems)


class TestRoster:
    def test_read_roster_records_the_override_where_needed(self, tmp_path: Path) -> None:
        path, mapping = roster_with_reasons(tmp_path)
        result = read_roster(path, load_mapping(mapping), program=umkm_in_bantaeng_bissappu())
        assert result.members_added == 12
        assert overrides(result.program) == [("member", "BTG-0212", REASON)]
        # Reading it into its result adds nothing, and records nothing twice.
        again = read_roster(path, load_mapping(mapping), program=result.program)
        assert not again.changed
        assert klaster.dumps(again.program) == klaster.dumps(result.program)

    def test_the_reason_on_another_row_of_the_member(self, tmp_path: Path) -> None:
        # BTG-0212's reason given on a second row of the member (its first row has none).
        path, mapping = roster_with_reasons(tmp_path, reason="")
        with path.open(encoding="utf-8", newline="") as handle:
            rows = list(csv.reader(handle))
        (first,) = [cells for cells in rows if cells[1] == "BTG-0212"]
        rows.append([*first[:-2], REASON, ""])
        with path.open("w", encoding="utf-8", newline="") as handle:
            csv.writer(handle).writerows(rows)
        result = read_roster(path, load_mapping(mapping), program=umkm_in_bantaeng_bissappu())
        assert overrides(result.program) == [("member", "BTG-0212", REASON)]

    def test_without_the_reason_the_row_is_refused(self, tmp_path: Path) -> None:
        path, mapping = roster_with_reasons(tmp_path, reason="")
        with pytest.raises(ImportDataError) as caught:
            read_roster(path, load_mapping(mapping), program=umkm_in_bantaeng_bissappu())
        (problem,) = caught.value.problems
        assert problem.startswith(
            "roster.csv row 14 column 'desa': village 'Baruga' is outside the area of sector 'umkm'"
        )

    def test_a_group_outside_with_its_reason(self, tmp_path: Path) -> None:
        # Kelompok BTG-K35 (new) meets in Baruga: refused without its reason, kept with it.
        for text_given, refused in (("", True), ("balai desa dipinjamkan", False)):
            path, mapping = roster_with_reasons(tmp_path, group_reason=text_given)
            text = path.read_text(encoding="utf-8").replace(
                "Kelompok Rumput Laut Letta,Letta,", "Kelompok Rumput Laut Letta,Baruga,"
            )
            path.write_text(text, encoding="utf-8")
            program = umkm_in_bantaeng_bissappu()
            if refused:
                with pytest.raises(ImportDataError) as caught:
                    read_roster(path, load_mapping(mapping), program=program)
                assert caught.value.problems[0].startswith(
                    "roster.csv row 2 column 'desa_kelompok': group 'BTG-K35': village 'Baruga' "
                    "is outside the area"
                ), caught.value.problems
                continue
            result = read_roster(path, load_mapping(mapping), program=program)
            cluster = result.program.clusters["bantaeng"]
            assert cluster.area_override("group", "BTG-K35").reason == text_given  # type: ignore[union-attr]


class TestRosterStore:
    def test_import_roster_stores_the_override_once(self, tmp_path: Path) -> None:
        path, mapping = roster_with_reasons(tmp_path)
        store_path = tmp_path / "b.klaster"
        with Store.create(store_path, umkm_in_bantaeng_bissappu()) as store:
            assert import_roster(store, path, load_mapping(mapping)).members_added == 12
        with Store.open(store_path) as store:
            assert overrides(store.load_program()) == [("member", "BTG-0212", REASON)]
        before = store_path.read_bytes()
        with Store.open(store_path) as store:
            assert not import_roster(store, path, load_mapping(mapping)).changed
        assert store_path.read_bytes() == before

    def test_a_group_outside_is_stored_once(self, tmp_path: Path) -> None:
        path, mapping = group_in_baruga(tmp_path)
        store_path = tmp_path / "b.klaster"
        with Store.create(store_path, umkm_in_bantaeng_bissappu()) as store:
            assert import_roster(store, path, load_mapping(mapping)).groups_added == 2
        with Store.open(store_path) as store:
            found = store.load_program().clusters["bantaeng"].area_overrides
        assert [(o.record_id, o.reason) for o in found if o.kind.value == "group"] == [
            ("BTG-K35", GROUP_REASON)
        ]
        before = store_path.read_bytes()
        with Store.open(store_path) as store:
            assert not import_roster(store, path, load_mapping(mapping)).changed
        assert store_path.read_bytes() == before


GROUP_REASON = "balai desa Ibu Rahasia dipinjamkan"


def group_in_baruga(tmp_path: Path, reason: str = GROUP_REASON) -> tuple[Path, Path]:
    """The roster with kelompok BTG-K35 (new) meeting in Baruga, outside UMKM's area."""
    path, mapping = roster_with_reasons(tmp_path, group_reason=reason)
    text = path.read_text(encoding="utf-8").replace(
        "Kelompok Rumput Laut Letta,Letta,", "Kelompok Rumput Laut Letta,Baruga,"
    )
    path.write_text(text, encoding="utf-8")
    return path, mapping


def run(capsys: pytest.CaptureFixture[str], *argv: str | Path) -> subprocess.CompletedProcess[str]:
    args = [str(a) for a in argv]
    code = main(args)
    out = capsys.readouterr()
    return subprocess.CompletedProcess(args, code, out.out, out.err)


class TestCli:
    @pytest.fixture(autouse=True)
    def _here(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.chdir(tmp_path)
        monkeypatch.delenv("KLASTER_STRICT_PLUGINS", raising=False)
        klaster.save(umkm_in_bantaeng_bissappu(), tmp_path / "program.json")

    def test_init_with_a_roster(self, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
        path, mapping = roster_with_reasons(tmp_path)
        ran = run(
            capsys, "init", "b.klaster", "--from", "program.json", "--roster", path, "--mapping",
            mapping,
        )  # fmt: skip
        assert ran.returncode == 0, ran.stderr
        with Store.open(tmp_path / "b.klaster", readonly=True) as store:
            assert overrides(store.load_program()) == [("member", "BTG-0212", REASON)]

    def test_init_refuses_a_row_without_its_reason(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        path, mapping = roster_with_reasons(tmp_path, reason="")
        ran = run(
            capsys, "--json", "init", "b.klaster", "--from", "program.json", "--roster", path,
            "--mapping", mapping,
        )  # fmt: skip
        assert ran.returncode != 0
        error = json.loads(ran.stderr.splitlines()[-1])["error"]
        assert error["problems"][0].startswith("roster.csv row 14 column 'desa': ")
        assert not (tmp_path / "b.klaster").exists()

    def test_import_a_roster_twice(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        path, mapping = roster_with_reasons(tmp_path)
        assert run(capsys, "init", "b.klaster", "--from", "program.json").returncode == 0
        for _ in range(2):
            ran = run(capsys, "import", "b.klaster", path, "--mapping", mapping)
            assert ran.returncode == 0, ran.stderr
            with Store.open(tmp_path / "b.klaster", readonly=True) as store:
                assert overrides(store.load_program()) == [("member", "BTG-0212", REASON)]

    def test_init_and_import_a_group_outside(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        path, mapping = group_in_baruga(tmp_path)
        ran = run(
            capsys, "init", "b.klaster", "--from", "program.json", "--roster", path, "--mapping",
            mapping,
        )  # fmt: skip
        assert ran.returncode == 0, ran.stderr
        ran = run(capsys, "import", "b.klaster", path, "--mapping", mapping)
        assert ran.returncode == 0, ran.stderr
        assert "Rahasia" not in ran.stdout + ran.stderr
        with Store.open(tmp_path / "b.klaster", readonly=True) as store:
            found = store.load_program().clusters["bantaeng"].area_overrides
        assert [o.record_id for o in found if o.kind.value == "group"] == ["BTG-K35"]
        refused = run(
            capsys, "init", "c.klaster", "--from", "program.json", "--roster",
            group_in_baruga(tmp_path, reason="")[0], "--mapping", mapping,
        )  # fmt: skip
        assert refused.returncode != 0
        assert "'desa_kelompok': group 'BTG-K35'" in refused.stderr

    def test_import_a_registration(
        self, tmp_path: Path, kobo: Any, capsys: pytest.CaptureFixture[str]
    ) -> None:
        export = kobo.csv(registration_rows(), header=[*HEADER, "alasan"])
        (tmp_path / "reg.toml").write_text(WITH_REASON, encoding="utf-8")
        assert run(capsys, "init", "b.klaster", "--from", "program.json").returncode == 0
        for _ in range(2):
            ran = run(capsys, "import", "b.klaster", export, "--mapping", "reg.toml")
            assert ran.returncode == 0, ran.stderr
            assert REASON not in ran.stdout + ran.stderr
            with Store.open(tmp_path / "b.klaster", readonly=True) as store:
                assert overrides(store.load_program()) == [("member", "BTG-0192", REASON)]


class TestSamePathsAlike:
    @given(
        reason=st.text(st.characters(whitelist_categories=("L", "N", "Zs")), min_size=1).map(
            str.strip
        ),
    )
    @settings(
        max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
    )
    def test_the_roster_records_what_the_api_records(self, tmp_path: Path, reason: str) -> None:
        # The roster with the reason keeps what add_member(outside_area=reason) keeps; an empty
        # reason is refused by both.
        path, mapping = roster_with_reasons(tmp_path, reason=reason)
        program = umkm_in_bantaeng_bissappu()
        by_hand = klaster.loads(klaster.dumps(program))
        refused = not reason
        try:
            read = read_roster(path, load_mapping(mapping), program=program)
        except ImportDataError:
            assert refused
        else:
            assert not refused
            roster_member = read.program.clusters["bantaeng"].members["BTG-0212"]
            by_hand.clusters["bantaeng"].add_member(roster_member, outside_area=reason)
            assert overrides(read.program) == overrides(by_hand)
            assert klaster.loads(klaster.dumps(read.program)) == read.program


ACTIVITY_REASON = "balai desa Ibu Rahasia dipinjam; pelatihan pindah"


def trainings_with_reasons(tmp_path: Path, reason: str = ACTIVITY_REASON) -> Path:
    """The bundled training export with UMKM's sector and an ``alasan`` column, given on every
    training outside Bantaeng/Bissappu (as read by ``umkm_in_bantaeng_bissappu``)."""
    for path in KOBO.glob("training_attendance*"):
        shutil.copy(path, tmp_path / path.name)
    export = tmp_path / "training_attendance.csv"
    with export.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle, delimiter=";"))
    desa = rows[0].index("pelatihan/desa")
    rows[0].append("alasan")
    for cells in rows[1:]:
        cells.append(reason if cells[desa] in PAJUKUKANG else "")
    with export.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle, delimiter=";", quoting=csv.QUOTE_ALL).writerows(rows)
    toml = tmp_path / "training_attendance.toml"
    text = toml.read_text(encoding="utf-8")
    toml.write_text(
        text.replace('kind = { value = "training" }', 'kind = { value = "training" }\n'
                     'sector = { value = "umkm" }\noutside_area = "alasan"'),
        encoding="utf-8",
    )  # fmt: skip
    return toml


def outside_trainings(tmp_path: Path) -> set[str]:
    export = tmp_path / "training_attendance.csv"
    with export.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle, delimiter=";"))
    return {r["pelatihan/kode"] for r in rows if r["pelatihan/desa"] in PAJUKUKANG}


class TestActivities:
    def test_an_activity_outside_with_a_reason_is_kept(self, tmp_path: Path) -> None:
        toml = trainings_with_reasons(tmp_path)
        batch = read_submissions(
            tmp_path / "training_attendance.csv",
            load_mapping(toml),
            program=umkm_in_bantaeng_bissappu(),
        )
        reasons = {n.activity.id: n.outside_area for n in batch.activities}
        outside = outside_trainings(tmp_path)
        assert outside  # the bundled export has trainings in Pa'jukukang
        assert {a for a, r in reasons.items() if r is not None} == outside
        assert {r for r in reasons.values() if r is not None} == {ACTIVITY_REASON}

    def test_without_a_reason_it_is_refused_and_the_reason_never_shown(
        self, tmp_path: Path
    ) -> None:
        toml = trainings_with_reasons(tmp_path, reason="")
        with pytest.raises(ImportDataError) as caught:
            read_submissions(
                tmp_path / "training_attendance.csv",
                load_mapping(toml),
                program=umkm_in_bantaeng_bissappu(),
            )
        assert all("outside the area" in p for p in caught.value.problems)
        assert all("Rahasia" not in p for p in caught.value.problems)

    def test_the_store_records_the_overrides_once(self, tmp_path: Path) -> None:
        toml = trainings_with_reasons(tmp_path)
        program = umkm_in_bantaeng_bissappu()
        batch = read_submissions(
            tmp_path / "training_attendance.csv", load_mapping(toml), program=program
        )
        path = tmp_path / "p.klaster"
        with Store.create(path, program) as store:
            store.apply_import(batch)
            stored = store.load_program()
        kept = {
            o.record_id: o.reason
            for o in stored.clusters["bantaeng"].area_overrides
            if o.kind.value == "activity"
        }
        assert kept == dict.fromkeys(outside_trainings(tmp_path), ACTIVITY_REASON)
        assert set(kept) <= set(stored.fieldwork.activities.ids())
        text = klaster.dumps(stored)
        assert klaster.dumps(klaster.loads(text)) == text  # the document accepts it
        before = path.read_bytes()
        again = read_submissions(
            tmp_path / "training_attendance.csv", load_mapping(toml), program=stored
        )
        with Store.open(path) as store:  # the same export again changes nothing
            store.apply_import(again)
        assert path.read_bytes() == before

    def test_the_store_refuses_an_outside_activity_read_without_the_override(
        self, tmp_path: Path
    ) -> None:
        # Read against the whole-region program (inside everywhere), applied to the store whose
        # UMKM has an area: refused, unless the row carried its reason.
        toml = trainings_with_reasons(tmp_path, reason="")
        whole = klaster.load(DATA / "bantaeng.json")
        batch = read_submissions(
            tmp_path / "training_attendance.csv", load_mapping(toml), program=whole
        )
        with Store.create(tmp_path / "p.klaster", umkm_in_bantaeng_bissappu()) as store:
            with pytest.raises(ImportDataError) as caught:
                store.apply_import(batch)
            assert any("outside the area" in p for p in caught.value.problems)

    def test_klaster_import_records_them(self, tmp_path: Path, capsys: Any) -> None:
        toml = trainings_with_reasons(tmp_path)
        path = tmp_path / "p.klaster"
        Store.create(path, umkm_in_bantaeng_bissappu()).close()
        export = tmp_path / "training_attendance.csv"
        assert main(["import", str(path), str(export), "--mapping", str(toml)]) == 0
        assert ACTIVITY_REASON not in capsys.readouterr().out
        with Store.open(path) as store:
            cluster = store.load_cluster("bantaeng")
        for activity_id in outside_trainings(tmp_path):
            found = cluster.area_override("activity", activity_id)
            assert found is not None
            assert found.reason == ACTIVITY_REASON
