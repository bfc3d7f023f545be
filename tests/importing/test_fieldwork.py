"""Activity forms (a training with attendance) and mentoring-visit forms, from Kobo exports."""

from __future__ import annotations

import csv
import datetime as dt
import io
import shutil
from pathlib import Path

import pytest

import klaster
from klaster import (
    Activity,
    KlasterError,
    Participant,
    Program,
    Visit,
)
from klaster.importing import (
    FormKind,
    ImportBatch,
    load_mapping,
    parse_mapping,
    read_submissions,
    write_rejects,
)

KOBO = Path(__file__).resolve().parents[2] / "examples" / "data" / "kobo"
TRAINING = "training_attendance"
VISITS = "mentoring_visits"


@pytest.fixture
def program() -> Program:
    """The Bantaeng example: its people are the forms' facilitator pd-btg-1 (assigned
    2011-04-04 to 2014-03-31) and a Dinas Koperasi official, diskop-btg-1."""
    found = klaster.load(KOBO.parents[0] / "bantaeng.json")
    assert list(found.people.ids()) == ["pd-btg-1", "diskop-btg-1"]
    assert [(a.person_id, a.start, a.end) for a in found.fieldwork.assignments] == [
        ("pd-btg-1", dt.date(2011, 4, 4), dt.date(2014, 3, 31))
    ]
    return found


def _copy(tmp_path: Path, form: str) -> Path:
    for path in KOBO.glob(f"{form}*"):
        shutil.copy(path, tmp_path / path.name)
    return tmp_path / f"{form}.csv"


def _edit(path: Path, row: int, column: str, cell: str) -> None:
    """Set one cell of a ';' CSV (row numbered as a spreadsheet: the header is row 1)."""
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8")), delimiter=";"))
    rows[row - 1][rows[0].index(column)] = cell
    out = io.StringIO()
    csv.writer(out, delimiter=";", quoting=csv.QUOTE_ALL, lineterminator="\r\n").writerows(rows)
    path.write_text(out.getvalue(), encoding="utf-8")


def _problems(path: Path, form: str, program: Program) -> tuple[str, ...]:
    with pytest.raises(klaster.ImportDataError) as caught:
        read_submissions(path, load_mapping(KOBO / f"{form}.toml"), program=program)
    return caught.value.problems


class TestTheBundledExports:
    def test_a_training_with_attendance(self, program: Program) -> None:
        mapping = load_mapping(KOBO / f"{TRAINING}.toml")
        assert mapping.form is FormKind.ACTIVITY
        batch = read_submissions(KOBO / f"{TRAINING}.csv", mapping, program=program)
        assert (batch.members, batch.blocks, batch.visits, batch.rejected) == ((), (), (), ())
        first = batch.activities[0]
        assert first.where == f"{TRAINING}.csv row 2"
        activity = first.activity
        assert (activity.id, activity.kind, activity.status.value, activity.held_on) == (
            "btg-lat-pembukuan",
            "training",
            "held",
            dt.date(2012, 6, 12),
        )
        assert activity.organiser_ids == ("dd", "mm")
        assert activity.topics == ("pembukuan", "buku kas")  # mapped per option
        assert activity.participants[0].kind.value == "group"
        assert activity.attendance_count() == sum(p.attended is True for p in activity.participants)
        board = batch.activities[2].activity.participants[:2]
        assert [(p.kind.value, p.id, p.role) for p in board] == [
            ("board", "irman", "peserta"),
            ("person", "diskop-btg-1", "narasumber"),
        ]
        assert batch.submissions == {a.submission for a in batch.activities}

    def test_mentoring_visits(self, program: Program) -> None:
        mapping = load_mapping(KOBO / f"{VISITS}.toml")
        batch = read_submissions(KOBO / f"{VISITS}.csv", mapping, program=program)
        assert len(batch.visits) == 50
        visit = batch.visits[0].visit
        assert visit.id == batch.visits[0].submission  # no fields.id: the _uuid
        assert (visit.facilitator_id, visit.on, visit.group_ids) == (
            "pd-btg-1",
            dt.date(2012, 1, 10),
            ("BTG-K26",),
        )
        assert visit.follow_up == ("Menyiapkan contoh kemasan baru",)
        assert all(len(v.visit.follow_up) <= 1 for v in batch.visits)  # free text: one item

    @pytest.mark.parametrize("form", [TRAINING, VISITS])
    def test_csv_and_xlsx_give_the_same_records(self, program: Program, form: str) -> None:
        mapping = load_mapping(KOBO / f"{form}.toml")
        a = read_submissions(KOBO / f"{form}.csv", mapping, program=program)
        b = read_submissions(KOBO / f"{form}.xlsx", mapping, program=program)
        assert [(x.submission, x.activity) for x in a.activities] == [
            (x.submission, x.activity) for x in b.activities
        ]
        assert [(x.submission, x.visit) for x in a.visits] == [
            (x.submission, x.visit) for x in b.visits
        ]
        assert a.activities or a.visits

    @pytest.mark.parametrize("form", [TRAINING, VISITS])
    def test_reading_again_gives_the_same_batch_and_known_skips_all(
        self, program: Program, form: str
    ) -> None:
        mapping = load_mapping(KOBO / f"{form}.toml")
        first = read_submissions(KOBO / f"{form}.csv", mapping, program=program)
        assert read_submissions(KOBO / f"{form}.csv", mapping, program=program) == first
        again = read_submissions(
            KOBO / f"{form}.xlsx", mapping, program=program, known=first.submissions
        )
        assert (again.activities, again.visits, again.rejected) == ((), (), ())
        assert again.skipped == len(first.submissions)

    def test_the_batch_adds_through_the_api(self, program: Program, tmp_path: Path) -> None:
        """What a batch holds is exactly what the API takes (the store applies the same)."""
        for form in (TRAINING, VISITS):
            batch = read_submissions(
                KOBO / f"{form}.csv", load_mapping(KOBO / f"{form}.toml"), program=program
            )
            for new in batch.activities:
                program.fieldwork.add_activity(new.activity)
            program.fieldwork.log_visits(v.visit for v in batch.visits)
        assert len(program.fieldwork.activities) == 3
        assert len(program.fieldwork.visits) == 50
        # Once in the program, the same rows change nothing; other values are refused.
        again = read_submissions(
            KOBO / f"{TRAINING}.csv", load_mapping(KOBO / f"{TRAINING}.toml"), program=program
        )
        assert [n.activity for n in again.activities] == list(program.fieldwork.activities)
        path = _copy(tmp_path, TRAINING)
        _edit(path, 2, "pelatihan/judul", "Pelatihan pembukuan lanjutan")
        assert _problems(path, TRAINING, program) == (
            f"{TRAINING}.csv row 2 column 'pelatihan/kode': activity 'btg-lat-pembukuan' is "
            "already in the program (held) with other values; an import only records that a "
            "planned or postponed activity was held (change this one with "
            "Fieldwork.update_activity)",
        )
        assert (
            "is already in the mentoring log"
            in _problems(KOBO / f"{VISITS}.csv", VISITS, program)[0]
        )


class TestAnActivityEnteredAsPlanned:
    """A training planned in advance whose attendance comes from the Kobo form."""

    @pytest.mark.parametrize("status", ["planned", "postponed"])
    def test_the_import_holds_it_merged_as_hold_does(self, program: Program, status: str) -> None:
        mapping = load_mapping(KOBO / f"{TRAINING}.toml")
        alone = read_submissions(KOBO / f"{TRAINING}.csv", mapping, program=program)
        imported = alone.activities[0].activity
        invited = [Participant("member", "BTG-0002"), Participant("member", "BTG-0030"),
                   Participant("person", "diskop-btg-1", role="narasumber")]  # fmt: skip
        program.fieldwork.add_activity(
            Activity("btg-lat-pembukuan", "training", "Pelatihan pembukuan", status,
                     cluster_id="bantaeng", planned_on=dt.date(2012, 6, 10),
                     venue="Kantor desa", note="undangan terkirim", participants=invited)
        )  # fmt: skip
        batch = read_submissions(KOBO / f"{TRAINING}.csv", mapping, program=program)
        assert [n.submission for n in batch.activities] == [n.submission for n in alone.activities]
        held = batch.activities[0].activity
        # The import's fields win; the planned date and the note it does not give are kept.
        assert (held.status.value, held.held_on, held.title, held.venue, held.planned_on) == (
            "held", dt.date(2012, 6, 12), "Pelatihan pembukuan usaha", "Balai Desa Bonto Jai",
            dt.date(2012, 6, 10),
        )  # fmt: skip
        assert held.note == "undangan terkirim"
        # The invited kept in their order, the imported attendance replacing the same kind and
        # ID (BTG-0002: absent), the others added after them.
        came = {(p.kind, p.id): p for p in imported.participants}
        assert held.participants[:3] == (came[invited[0].kind, "BTG-0002"], *invited[1:])
        assert held.participants[3:] == tuple(
            p for p in imported.participants if p.id != "BTG-0002"
        )
        # What the batch holds is what the program takes; reading again changes nothing.
        program.fieldwork.update_activity(held)
        again = read_submissions(KOBO / f"{TRAINING}.csv", mapping, program=program)
        assert again.activities[0].activity == held


class TestBadRows:
    def test_every_bad_cell_located_and_nothing_read(
        self, program: Program, tmp_path: Path
    ) -> None:
        path = _copy(tmp_path, TRAINING)
        repeat = tmp_path / f"{TRAINING}-peserta.csv"
        _edit(path, 2, "pelatihan/tanggal", "12 Juni 2012")
        _edit(path, 3, "pelatihan/tanggal", "2999-01-01")  # held in the future
        _edit(path, 4, "pelatihan/fasilitator", "pd-btg-1 Siti Aminah")
        _edit(repeat, 3, "peserta/id_peserta", "Siti Aminah")  # a name, not an ID
        _edit(repeat, 5, "peserta/hadir", "mungkin")
        _edit(repeat, 6, "peserta/jenis", "tetangga")
        problems = _problems(path, TRAINING, program)
        assert problems == (
            f"{TRAINING}.csv row 2 column 'pelatihan/tanggal': must be a date: YYYY-MM-DD (set "
            "date_format for other layouts)",
            f"{TRAINING}.csv row 2: {TRAINING}-peserta.csv row 3 column 'peserta/id_peserta': "
            "not a member ID of the program (the value is not shown)",
            f"{TRAINING}.csv row 2: {TRAINING}-peserta.csv row 5 column 'peserta/hadir': must "
            "be yes or no (1, true, yes, ya / 0, false, no, tidak); map other answers with "
            "values = { ... }",
            f"{TRAINING}.csv row 2: {TRAINING}-peserta.csv row 6 column 'peserta/jenis': must "
            "be one of 'member', 'group', 'board', 'person' (map other answers with values = "
            "{ ... })",
            f"{TRAINING}.csv row 3 column 'pelatihan/tanggal': held on 2999-01-01, after today "
            f"({dt.date.today()}); record it once it has happened (a planned activity has "
            "status 'planned' and planned_on)",
            f"{TRAINING}.csv row 4 column 'pelatihan/fasilitator': not a person ID of the "
            "program (the value is not shown); the program's are 'diskop-btg-1', 'pd-btg-1'",
        )
        assert not any("Siti" in p or "Aminah" in p or "mungkin" in p for p in problems)

    def test_keep_valid_sets_the_bad_submissions_aside(
        self, program: Program, tmp_path: Path
    ) -> None:
        path = _copy(tmp_path, TRAINING)
        _edit(tmp_path / f"{TRAINING}-peserta.csv", 3, "peserta/id_peserta", "Siti Aminah")
        batch = read_submissions(
            path, load_mapping(tmp_path / f"{TRAINING}.toml"), program=program, keep_valid=True
        )
        assert [a.activity.id for a in batch.activities] == [
            "btg-lat-pemasaran",
            "btg-lat-koperasi",
        ]
        assert [(r.row, len(r.reasons)) for r in batch.rejected] == [(2, 1)]
        assert write_rejects(batch, tmp_path / "rejects.csv") == 1

    def test_attendance_for_an_activity_that_did_not_happen(
        self, program: Program, tmp_path: Path
    ) -> None:
        path = _copy(tmp_path, TRAINING)
        mapping = (tmp_path / f"{TRAINING}.toml").read_text(encoding="utf-8")
        planned = mapping.replace(
            'held_on = "pelatihan/tanggal"', 'planned_on = "pelatihan/tanggal"'
        )
        with pytest.raises(klaster.ImportDataError) as caught:
            read_submissions(path, parse_mapping(planned, name="m.toml"), program=program)
        first = caught.value.problems[0]
        assert first == (
            f"{TRAINING}.csv row 2: {TRAINING}-peserta.csv row 2 column 'peserta/hadir': "
            "attendance recorded for a planned activity that did not happen; record attendance "
            "once it is held"
        )

    def test_a_visit_outside_the_assignment_and_unknown_groups(
        self, program: Program, tmp_path: Path
    ) -> None:
        path = _copy(tmp_path, VISITS)
        _edit(path, 2, "kunjungan/tanggal", "2014-06-02")  # the assignment ended 2014-03-31
        _edit(path, 3, "kunjungan/kelompok", "BTG-K01 Kelompok Mawar")
        _edit(path, 4, "kunjungan/pendamping", "Pak Budi")
        _edit(path, 5, "_uuid", "")
        problems = _problems(path, VISITS, program)
        assert problems == (
            f"{VISITS}.csv row 2 column 'kunjungan/tanggal': facilitator 'pd-btg-1' is not "
            "assigned to cluster 'bantaeng' on 2014-06-02; their assignments there: 2011-04-04 "
            "to 2014-03-31 (record the assignment first: Fieldwork.assign)",
            f"{VISITS}.csv row 3 column 'kunjungan/kelompok': not a group ID of the program "
            "(the value is not shown)",
            f"{VISITS}.csv row 4 column 'kunjungan/pendamping': not a person ID of the program "
            "(the value is not shown); the program's are 'diskop-btg-1', 'pd-btg-1'",
            f"{VISITS}.csv row 5 column '_uuid': no submission ID",
        )
        assert not any("Mawar" in p or "Budi" in p for p in problems)

    def test_participants_across_chunks(
        self, program: Program, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """Small chunks: a training's rows split between chunks, answers read once, same batch."""
        from klaster.importing import _subjects

        mapping = load_mapping(KOBO / f"{TRAINING}.toml")
        whole = read_submissions(KOBO / f"{TRAINING}.csv", mapping, program=program)
        monkeypatch.setattr(_subjects, "_CHUNK", 3)
        assert read_submissions(KOBO / f"{TRAINING}.csv", mapping, program=program) == whole
        path = _copy(tmp_path, TRAINING)
        _edit(tmp_path / f"{TRAINING}-peserta.csv", 40, "peserta/id_peserta", "BTG-9999")
        _edit(tmp_path / f"{TRAINING}-peserta.csv", 41, "peserta/id_peserta", "BTG-9999")
        assert _problems(path, TRAINING, program) == tuple(
            f"{TRAINING}.csv row 3: {TRAINING}-peserta.csv row {row} column "
            "'peserta/id_peserta': not a member ID of the program (the value is not shown)"
            for row in (40, 41)
        )

    def test_a_submission_twice_and_a_repeat_row_without_parent(
        self, program: Program, tmp_path: Path
    ) -> None:
        path = _copy(tmp_path, TRAINING)
        with path.open(encoding="utf-8") as handle:
            uuid = next(csv.DictReader(handle, delimiter=";"))["_uuid"]
        _edit(path, 3, "_uuid", uuid)
        _edit(tmp_path / f"{TRAINING}-peserta.csv", 4, "_parent_index", "99")
        problems = _problems(path, TRAINING, program)
        assert problems == (
            f"{TRAINING}.csv row 2 column '_uuid': duplicate submission {uuid!r}: also in row 3",
            f"{TRAINING}.csv row 3 column '_uuid': duplicate submission {uuid!r}: also in row 2",
            f"{TRAINING}-peserta.csv row 4 column '_parent_index': names a parent, but no row of "
            "the main table has that '_index' (the value is not shown)",
        )

    def test_xlsx_rows_are_located_on_their_sheet(self, program: Program, tmp_path: Path) -> None:
        from openpyxl import load_workbook

        book = load_workbook(KOBO / f"{TRAINING}.xlsx")
        book["peserta"]["B3"] = "Siti Aminah"
        book.save(tmp_path / f"{TRAINING}.xlsx")
        problems = _problems(tmp_path / f"{TRAINING}.xlsx", TRAINING, program)
        assert problems == (
            f"{TRAINING}.xlsx:Pelatihan Klaster row 2: {TRAINING}.xlsx:peserta row 3 column "
            "'peserta/id_peserta': not a member ID of the program (the value is not shown)",
        )


class TestMappings:
    def test_an_activity_mapping_checked_with_located_problems(self) -> None:
        with pytest.raises(klaster.ImportDataError) as caught:
            parse_mapping(
                """
                mapping_version = 1
                form = "activity"
                unit = "x"
                [fields]
                id = { value = "one-id" }
                kind = "jenis"
                status = { value = "done" }
                held_on = { column = "tgl", scale = "ribu" }
                venue = { column = "tempat", date_format = "%d/%m/%Y" }
                attendees = "hadir"
                [[repeats]]
                name = "peserta"
                [repeats.fields]
                id = "peserta/id"
                kind = { value = "tetangga" }
                present = "peserta/hadir"
                [repeats.variables]
                workers = { column = "x", aggregate = "sum" }
                """,
                name="m.toml",
            )
        assert [p.split("; valid:")[0] for p in caught.value.problems] == [
            "m.toml unit: is for survey forms; an activity form has [fields] (and repeats)",
            "m.toml fields.title: is required: map it to a column or give a value",
            "m.toml fields.status.value: must be one of 'planned', 'held', 'cancelled', "
            "'postponed', got 'done'",
            "m.toml fields.held_on.scale: is for variables of survey forms",
            "m.toml fields.venue.date_format: is for the date fields planned_on, held_on, on",
            "m.toml fields.attendees: unknown activity field 'attendees'",
            "m.toml fields.id: each activity needs its own ID: give a column",
            "m.toml repeats[0].variables: is for survey forms: map the rows' [repeats.fields]",
            "m.toml repeats[0].fields.kind.value: must be one of 'member', 'group', 'board', "
            "'person', got 'tetangga'",
            "m.toml repeats[0].fields.present: unknown participant field 'present'",
        ]

    def test_a_visit_mapping_needs_cluster_facilitator_day_and_subjects(self) -> None:
        with pytest.raises(klaster.ImportDataError) as caught:
            parse_mapping('mapping_version = 1\nform = "visit"\n[fields]\ntopics = "m"\n')
        assert caught.value.problems == (
            "mapping.toml cluster: is required: id = '<cluster>' or column = '<column>'",
            "mapping.toml fields.facilitator_id: is required: map it to a column or give a value",
            "mapping.toml fields.on: is required: map it to a column or give a value",
            "mapping.toml fields: map member_ids or group_ids (a select-multiple), or a "
            "[[repeats]] group listing the members and groups visited",
        )

    def test_survey_mappings_refuse_repeat_fields(self) -> None:
        with pytest.raises(klaster.ImportDataError, match=r"repeats\[0\].fields: is for activity"):
            parse_mapping(
                'mapping_version = 1\nform = "survey"\nunit = "u"\n[round]\nid = "r"\n'
                '[[repeats]]\nname = "x"\nfields = { id = "a" }\n'
                'variables = { workers = { column = "w", aggregate = "sum" } }\n'
            )

    def test_visits_from_a_repeat_of_members_and_groups(
        self, program: Program, tmp_path: Path
    ) -> None:
        (tmp_path / "v.csv").write_text(
            "pendamping,tanggal,KEY\npd-btg-1,2012-03-05,uuid:k1\n", encoding="utf-8"
        )
        (tmp_path / "v-subjek.csv").write_text(
            "jenis,id,PARENT_KEY,KEY\nmitra,BTG-0001,uuid:k1,uuid:k1/s[1]\n"
            "kelompok,BTG-K01,uuid:k1,uuid:k1/s[2]\nmitra,BTG-0002,uuid:k1,uuid:k1/s[3]\n",
            encoding="utf-8",
        )
        mapping = parse_mapping(
            'mapping_version = 1\nform = "visit"\n[cluster]\nid = "bantaeng"\n'
            '[fields]\nfacilitator_id = "pendamping"\non = "tanggal"\n'
            '[[repeats]]\nname = "subjek"\nfile = "v-subjek.csv"\n'
            '[repeats.fields]\nkind = "jenis"\nid = "id"\n'
        )
        (new,) = read_submissions(tmp_path / "v.csv", mapping, program=program).visits
        assert (new.submission, new.visit.member_ids, new.visit.group_ids) == (
            "k1",
            ("BTG-0001", "BTG-0002"),
            ("BTG-K01",),
        )


class TestFieldworkChecksWithoutAdding:
    def test_check_activity_and_check_visit_add_nothing(self, program: Program) -> None:
        fieldwork = program.fieldwork
        fieldwork.check_activity(
            Activity("a", "training", "T", "held", cluster_id="bantaeng", held_on="2012-01-01")
        )
        fieldwork.check_visit(
            Visit("v", "bantaeng", "pd-btg-1", "2012-01-05", group_ids=["BTG-K01"])
        )
        assert (len(fieldwork.activities), len(fieldwork.visits)) == (0, 0)
        with pytest.raises(KlasterError) as caught:
            fieldwork.check_visit(
                Visit("v", "bantaeng", "pd-btg-1", "2015-01-05", group_ids=["BTG-K01"])
            )
        assert caught.value.path == "on"


def test_an_empty_batch_has_no_submissions() -> None:
    assert ImportBatch("x").submissions == frozenset()
