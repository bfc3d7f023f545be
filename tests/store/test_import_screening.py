"""Screening imports applied to a store: checked again, all or nothing, twice is once."""

from __future__ import annotations

import contextlib
import sqlite3
from pathlib import Path

import attrs
import pytest

import klaster
from klaster import ImportDataError, Program
from klaster.importing import ImportBatch, NewApplicant, NewMember, load_mapping, read_submissions
from klaster.store import Store
from klaster.targeting import screening_catalogue

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
KOBO = EXAMPLES / "data" / "kobo"
CATALOGUE = screening_catalogue()


def counts(path: Path) -> tuple[object, ...]:
    tables = ("applicants", "applicant_answers", "imports", "submissions", "members")
    with contextlib.closing(sqlite3.connect(path)) as conn:
        return tuple(conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in tables)


def screening(store: Store) -> ImportBatch:
    mapping = load_mapping(KOBO / "screening.toml", variables=CATALOGUE)
    return read_submissions(
        KOBO / "screening.csv", mapping, program=store.load_program(),
        variables=CATALOGUE, known=store.known_submissions,
    )  # fmt: skip


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return Store.create(
        tmp_path / "p.klaster", klaster.load(EXAMPLES / "data" / "bantaeng_intake.json")
    )


def test_imported_once_and_only_once(store: Store) -> None:
    with store:
        assert store.apply_import(screening(store)).applicants_added == 40
        after = counts(store.path)
        again = store.apply_import(screening(store))
        assert (again.applicants_added, again.submissions_skipped) == (0, 40)
        assert counts(store.path) == after
        program = store.load_program()
        assert len(program.intake.applicants) == 40
        assert program.intake.status("APL-0001").value == "applied"


def test_a_batch_the_store_must_refuse_changes_nothing(store: Store) -> None:
    with store:
        batch = screening(store)
        first = batch.applicants[0]
        bad = attrs.evolve(first.applicant, id="APL-0999", village="Bacem")
        wrong = attrs.evolve(
            batch, applicants=(*batch.applicants, NewApplicant("x", bad, "f row 42"))
        )
        before = counts(store.path)
        with pytest.raises(ImportDataError) as exc:
            store.apply_import(wrong)
        assert any(p.startswith("f row 42: village:") for p in exc.value.problems)
        assert counts(store.path) == before
        store.apply_import(batch)
        twice = ImportBatch(
            "again.csv", applicants=(NewApplicant("y", first.applicant, "g row 2"),)
        )
        with pytest.raises(ImportDataError) as exc:
            store.apply_import(twice)
        assert "g row 2: applicant 'APL-0001' is already in the store" in exc.value.problems[0]
        for problem in exc.value.problems:
            assert first.applicant.name not in problem


def test_a_registration_into_a_full_group_changes_nothing(tmp_path: Path) -> None:
    # The store path of "into a full group": a member's group spell checked by the group's
    # capacity when an import joins it.
    program: Program = klaster.load(EXAMPLES / "data" / "bantaeng.json")
    cluster = program.clusters["bantaeng"]
    group = cluster.groups["BTG-K06"]
    active = len(group.member_ids(group.memberships[-1].joined))
    full = attrs.evolve(group, capacity=max(active, len(group.member_ids())))
    fields = {a.name: getattr(program, a.name) for a in attrs.fields(Program) if a.init}
    clusters = [
        attrs.evolve(cluster, groups=[full if g.id == full.id else g for g in cluster.groups])
    ]
    path = tmp_path / "p.klaster"
    with Store.create(path, Program(**{**fields, "clusters": clusters})) as store:
        member = attrs.evolve(next(iter(cluster.members)), id="BTG-0999", joined=group.formed)
        batch = ImportBatch(
            "registrasi.csv",
            members=(NewMember("r1", "bantaeng", member, full.id, "registrasi.csv row 2"),),
        )
        before = counts(path)
        with pytest.raises(ImportDataError) as exc:
            store.apply_import(batch)
        assert "registrasi.csv row 2: group 'BTG-K06': " in exc.value.problems[0]
        assert "capacity" in exc.value.problems[0]
        assert counts(path) == before
