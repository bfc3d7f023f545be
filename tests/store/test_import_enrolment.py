"""Registration forms that enrol applicants (``application_id``): the import path of enrolment.

The issue's bad input through an import, read and applied: an application enrolled twice, into
a full group, not eligible (or not screened) without an override. Each is located by file, row
and column, and nothing is written.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import sqlite3
from pathlib import Path

import pytest

import klaster
from klaster import ImportDataError
from klaster.importing import ImportBatch, load_mapping, parse_mapping, read_submissions
from klaster.store import Store
from klaster.targeting import screening_catalogue

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
KOBO = EXAMPLES / "data" / "kobo"
D = dt.date
MAPPING = """\
mapping_version = 1
form = "registration"
[cluster]
id = "bantaeng"
[fields]
id = "id"
name = "nama"
sex = "jk"
household_size = "art"
village = "desa"
sector = "sektor"
joined = "tgl"
group = "kelompok"
application_id = "aplikasi"
"""
HEADER = ["id", "nama", "jk", "art", "desa", "sektor", "tgl", "kelompok", "aplikasi", "_uuid"]
NAME = "Rosmini Daeng Sannging"


def counts(path: Path) -> tuple[object, ...]:
    tables = ("members", "memberships", "applicant_decisions", "imports", "submissions")
    with contextlib.closing(sqlite3.connect(path)) as conn:
        return tuple(conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in tables)


def row(number: int, application: str, **cells: str) -> dict[str, str]:
    found = {
        "id": f"BTG-{number:04d}", "nama": NAME, "jk": "P", "art": "4", "desa": "Letta",
        "sektor": "umkm", "tgl": "2011-06-01", "kelompok": "", "aplikasi": application,
        "_uuid": f"reg-{number}",
    }  # fmt: skip
    found.update(cells)
    return found


def write(path: Path, *rows: dict[str, str]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        out = csv.DictWriter(handle, HEADER, delimiter=";")
        out.writeheader()
        out.writerows(rows)
    return path


@pytest.fixture
def store(tmp_path: Path) -> Path:
    """The intake example's store: 40 applicants, 0001-0003 eligible, 0004 not, 0005 new."""
    path = tmp_path / "p.klaster"
    with Store.create(path, klaster.load(EXAMPLES / "data" / "bantaeng_intake.json")) as store:
        variables = screening_catalogue()
        mapping = load_mapping(KOBO / "screening.toml", variables=variables)
        store.apply_import(
            read_submissions(
                KOBO / "screening.csv", mapping, program=store.load_program(), variables=variables
            )
        )
        program = store.load_program()
        for applicant_id in ("APL-0001", "APL-0002", "APL-0003"):
            program.intake.decide(applicant_id, "eligible", D(2011, 5, 2))
        program.intake.decide("APL-0004", "not_eligible", D(2011, 5, 2), failed=["income"])
        store.save_program(program)
    return path


def read(path: Path, store: Store, **kw: object) -> ImportBatch:
    return read_submissions(
        path, parse_mapping(MAPPING), program=store.load_program(),
        observations=store.load_observations(), known=store.known_submissions, **kw,  # type: ignore[arg-type]
    )  # fmt: skip


def test_an_eligible_application_is_enrolled(store: Path, tmp_path: Path) -> None:
    path = write(tmp_path / "r.csv", row(901, "APL-0001", kelompok="BTG-K01"))
    with Store.open(store) as s:
        assert s.apply_import(read(path, s)).members_added == 1
        program = s.load_program()
        assert program.intake.status("APL-0001").value == "enrolled"
        assert program.intake.member_of("APL-0001") == "BTG-0901"
        assert program.clusters["bantaeng"].members["BTG-0901"].application_id == "APL-0001"
        after = counts(store)
        assert s.apply_import(read(path, s)).members_added == 0  # the same file: skipped
    assert counts(store) == after


@pytest.mark.parametrize(
    ("rows", "fragment"),
    [
        ([row(902, "APL-0004")], "was found not eligible; enrol it only with an override"),
        ([row(902, "APL-0005")], "was not screened yet"),
        ([row(902, "APL-0001"), row(903, "APL-0001")], "is also enrolled in row 2"),
        ([row(902, "APL-0999")], "not an applicant of the program"),
    ],
    ids=["not-eligible", "unscreened", "twice-in-the-file", "unknown"],
)
def test_refused_when_read(
    store: Path, tmp_path: Path, rows: list[dict[str, str]], fragment: str
) -> None:
    path = write(tmp_path / "r.csv", *rows)
    with Store.open(store) as s, pytest.raises(ImportDataError) as exc:
        read(path, s)
    text = "\n".join(exc.value.problems)
    assert "column 'aplikasi': " in text
    assert fragment in text, text
    assert NAME not in text


def test_enrolled_twice_across_files(store: Path, tmp_path: Path) -> None:
    with Store.open(store) as s:
        s.apply_import(read(write(tmp_path / "a.csv", row(901, "APL-0001")), s))
        before = counts(store)
        with pytest.raises(ImportDataError) as exc:
            read(write(tmp_path / "b.csv", row(902, "APL-0001")), s)
        assert "r.csv" not in exc.value.problems[0]
        assert "b.csv row 2 column 'aplikasi': " in exc.value.problems[0]
        assert "already enrolled as member 'BTG-0901'" in exc.value.problems[0]
    assert counts(store) == before


def test_the_store_checks_again(store: Path, tmp_path: Path) -> None:
    # A batch read before another import enrolled the application: the store refuses it.
    with Store.open(store) as s:
        late = read(write(tmp_path / "b.csv", row(902, "APL-0002")), s)
        s.apply_import(read(write(tmp_path / "a.csv", row(901, "APL-0002")), s))
        before = counts(store)
        with pytest.raises(ImportDataError) as exc:
            s.apply_import(late)
        assert exc.value.problems[0].startswith("b.csv row 2: application_id: ")
        assert "already enrolled" in exc.value.problems[0]
    assert counts(store) == before


def test_into_a_full_group(store: Path, tmp_path: Path) -> None:
    rows = [row(900 + n, f"APL-{n:04d}", kelompok="BTG-K01") for n in (1, 2, 3)]
    with Store.open(store) as s:
        program = s.load_program()
        group = program.clusters["bantaeng"].groups["BTG-K01"]
        assert group.capacity == 10
    # Ten members already in the group: write them first through a plain registration.
    fillers = [row(800 + n, "", kelompok="BTG-K01", aplikasi="") for n in range(10)]
    text = MAPPING.replace('application_id = "aplikasi"\n', "")
    with Store.open(store) as s:
        s.apply_import(
            read_submissions(
                write(tmp_path / "f.csv", *fillers), parse_mapping(text),
                program=s.load_program(), observations=s.load_observations(),
            )
        )  # fmt: skip
        before = counts(store)
        with pytest.raises(ImportDataError) as exc:
            read(write(tmp_path / "r.csv", *rows), s)
        assert "r.csv row 2 column 'kelompok': " in "\n".join(exc.value.problems)
        assert "capacity of 10" in "\n".join(exc.value.problems)
    assert counts(store) == before
