"""Program documents: exact round trips, atomic saves, migrations, located errors for all faults."""

from __future__ import annotations

import contextlib
import copy
import datetime as dt
import json
import os
import stat
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import klaster
import klaster.documents.program as document
from klaster import (
    Cluster,
    ClusterSector,
    DocumentError,
    KlasterError,
    Member,
    Organisation,
    Program,
    Region,
    SchemaVersionError,
)
from klaster.testing import strategies as kst
from klaster.testing.samples import SAMPLE_SECRETS, sample_program

D = dt.date
ROOT = Path(__file__).resolve().parents[2]
NAME, NIK, PHONE = SAMPLE_SECRETS


def bantaeng() -> Program:
    """A small program touching every record kind and most optional fields."""
    return sample_program()


def as_json(program: Program) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(klaster.dumps(program))
    return loaded


def members_of(doc: dict[str, Any]) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = doc["program"]["clusters"][0]["members"]
    return found


def load_error(doc: object, error: type[KlasterError] = DocumentError) -> KlasterError:
    """Load ``doc`` (as JSON text) and return the error, which must be exactly ``error``."""
    with pytest.raises(KlasterError) as exc:
        klaster.loads(json.dumps(doc))
    assert type(exc.value) is error, f"{type(exc.value).__name__}: {exc.value}"
    text = str(exc.value)
    for secret in (NAME, NIK, PHONE):
        assert secret not in text
    return exc.value


@contextlib.contextmanager
def reader(name: str) -> Iterator[None]:
    """Read documents with the default reader or with only the standard library's json."""
    with pytest.MonkeyPatch.context() as patch:
        if name == "json":
            # Without msgspec, loads() takes the plain road (the attribute may not exist yet).
            patch.setattr(document, "_msgspec", None, raising=False)
        yield


READERS = ["default", "json"]


# -- round trips ----------------------------------------------------------------------------------
class TestRoundTrip:
    def test_small_program(self) -> None:
        program = bantaeng()
        text = klaster.dumps(program)
        again = klaster.loads(text)
        assert again == program
        assert klaster.dumps(again) == text
        cluster = again.clusters["bantaeng"]
        assert cluster.members["BTG-1"].national_id == NIK
        assert cluster.lifecycle.phase is klaster.Phase.GROWTH
        assert cluster.region.children[0].stats[0].poverty_rate == Decimal("38.20")

    @pytest.mark.parametrize("name", READERS)
    @settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(program=kst.programs(max_clusters=3))
    def test_any_program(self, name: str, program: Program) -> None:
        with reader(name):
            text = klaster.dumps(program)
            again = klaster.loads(text)
            assert again == program
            assert klaster.dumps(again) == text  # stable: nothing drifts on a second pass
            compact = klaster.dumps(program, indent=None)
            assert "\n" not in compact
            assert klaster.loads(compact.encode("utf-8")) == program

    def test_document_envelope(self) -> None:
        doc = as_json(bantaeng())
        assert list(doc) == ["klaster", "schema_version", "program"]
        assert doc["klaster"] == document.DOCUMENT_KIND == "program"
        assert doc["schema_version"] == klaster.SCHEMA_VERSION
        stat_ = doc["program"]["clusters"][0]["region"]["children"][0]["stats"][0]
        assert stat_["poverty_rate"] == "38.20"  # decimals travel as strings, never floats
        member = members_of(doc)[2]
        spell = doc["program"]["clusters"][0]["groups"][0]["memberships"][1]
        assert "left" not in member  # defaults are left out
        assert "role" not in spell

    def test_bundled_example_round_trips_byte_for_byte(self) -> None:
        path = ROOT / "examples" / "data" / "bantaeng.json"
        if not path.exists():
            pytest.skip("examples/data/bantaeng.json is not built")
        text = path.read_text(encoding="utf-8")
        assert klaster.dumps(klaster.load(path)) == text

    def test_dumps_validates_first(self) -> None:
        program = bantaeng()
        other = Cluster(
            id="blora",
            name="Blora",
            region=Region.province("Jawa Tengah", "33"),
            sectors=[ClusterSector("livestock")],
        )
        program.add_cluster(other)
        other.add_member(Member("BTG-1", "x", "male", 1, "Jiken", "livestock", D(2012, 1, 1)))
        with pytest.raises(klaster.DuplicateIdError, match=r"clusters\[1\]\.members\[0\]\.id"):
            klaster.dumps(program)

    def test_only_programs_are_written(self) -> None:
        with pytest.raises(DocumentError, match="can only write a Program, got dict"):
            klaster.dumps({"id": "km"})  # type: ignore[arg-type]


# -- files ----------------------------------------------------------------------------------------
class TestFiles:
    def test_save_and_load(self, tmp_path: Path) -> None:
        path = tmp_path / "program.json"
        program = bantaeng()
        klaster.save(program, path)
        assert path.read_text(encoding="utf-8") == klaster.dumps(program)
        assert klaster.load(path) == program
        assert klaster.load(str(path)) == program
        klaster.save(program, path, indent=None)
        assert "\n" not in path.read_text(encoding="utf-8")
        assert sorted(p.name for p in tmp_path.iterdir()) == ["program.json"]

    def test_save_relative_path(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.chdir(tmp_path)
        klaster.save(bantaeng(), "program.json")
        assert klaster.load("program.json") == bantaeng()

    def test_save_keeps_the_file_mode(self, tmp_path: Path) -> None:
        path = tmp_path / "program.json"
        path.write_text("old", encoding="utf-8")
        path.chmod(0o640)
        klaster.save(bantaeng(), path)
        assert stat.S_IMODE(path.stat().st_mode) == 0o640

    def test_new_file_gets_the_usual_mode(self, tmp_path: Path) -> None:
        path = tmp_path / "program.json"
        klaster.save(bantaeng(), path)
        umask = os.umask(0)
        os.umask(umask)
        assert stat.S_IMODE(path.stat().st_mode) == 0o666 & ~umask  # not mkstemp's 0600

    def test_load_missing_file(self, tmp_path: Path) -> None:
        path = tmp_path / "nothing.json"
        with pytest.raises(DocumentError) as exc:
            klaster.load(path)
        assert str(path) in str(exc.value)
        assert "cannot read the file" in str(exc.value)

    def test_load_a_directory(self, tmp_path: Path) -> None:
        with pytest.raises(DocumentError, match="cannot read the file"):
            klaster.load(tmp_path)

    def test_errors_name_the_file(self, tmp_path: Path) -> None:
        path = tmp_path / "broken.json"
        doc = as_json(bantaeng())
        members_of(doc)[1]["household_size"] = 0
        path.write_text(json.dumps(doc), encoding="utf-8")
        with pytest.raises(DocumentError) as exc:
            klaster.load(path)
        assert str(exc.value).startswith(f"{path}: ")
        assert exc.value.problems == (
            "program.clusters[0].members[1].household_size: must be at least 1, got 0",
        )


class TestAtomicSave:
    def write_old(self, tmp_path: Path) -> tuple[Path, bytes]:
        path = tmp_path / "program.json"
        klaster.save(bantaeng(), path)
        return path, path.read_bytes()

    def changed(self) -> Program:
        program = bantaeng()
        program.name = "Klaster Mandiri (revised)"
        return program

    def assert_intact(self, tmp_path: Path, path: Path, old: bytes) -> None:
        assert path.read_bytes() == old
        assert [p.name for p in tmp_path.iterdir()] == [path.name], "a temporary file was left"

    def test_failing_rename(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        path, old = self.write_old(tmp_path)

        def replace(*_args: object, **_kwargs: object) -> None:
            raise OSError(28, "No space left on device")

        monkeypatch.setattr(os, "replace", replace)
        monkeypatch.setattr(os, "rename", replace)
        with pytest.raises((OSError, KlasterError)):
            klaster.save(self.changed(), path)
        self.assert_intact(tmp_path, path, old)

    def test_failing_flush_to_disk(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        path, old = self.write_old(tmp_path)

        def fsync(_fd: int) -> None:
            raise OSError(5, "Input/output error")

        monkeypatch.setattr(os, "fsync", fsync)
        with pytest.raises((OSError, KlasterError)):
            klaster.save(self.changed(), path)
        self.assert_intact(tmp_path, path, old)

    @pytest.mark.parametrize("error", [OSError(28, "No space left"), KeyboardInterrupt()])
    def test_failure_mid_write(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, error: BaseException
    ) -> None:
        # Half the document reaches the temporary file, then the write fails (disk full, Ctrl-C).
        path, old = self.write_old(tmp_path)
        real_fdopen = os.fdopen
        written: list[int] = []

        class HalfWriter:
            def __init__(self, handle: Any) -> None:
                self.handle = handle

            def __enter__(self) -> HalfWriter:
                return self

            def __exit__(self, *exc: object) -> None:
                self.handle.close()

            def write(self, text: str) -> int:
                self.handle.write(text[: len(text) // 2])
                self.handle.flush()
                written.append(len(text) // 2)
                raise error

            def __getattr__(self, name: str) -> Any:
                return getattr(self.handle, name)

        def fdopen(fd: int, *args: Any, **kwargs: Any) -> HalfWriter:
            return HalfWriter(real_fdopen(fd, *args, **kwargs))

        monkeypatch.setattr(os, "fdopen", fdopen)
        # An OS error becomes a located DocumentError; Ctrl-C stays what it is.
        expected = klaster.DocumentError if isinstance(error, OSError) else type(error)
        with pytest.raises(expected):
            klaster.save(self.changed(), path)
        assert written, "the failure was not injected: save() no longer writes through os.fdopen"
        self.assert_intact(tmp_path, path, old)

    def test_failing_encoding(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        path, old = self.write_old(tmp_path)

        def dumps(*_args: object, **_kwargs: object) -> str:
            raise RecursionError("maximum recursion depth exceeded")

        monkeypatch.setattr(json, "dumps", dumps)
        with pytest.raises(RecursionError):
            klaster.save(self.changed(), path)
        self.assert_intact(tmp_path, path, old)

    def test_invalid_program_writes_nothing(self, tmp_path: Path) -> None:
        path, old = self.write_old(tmp_path)
        program = self.changed()
        program.organisation_id = "nobody"
        with pytest.raises(klaster.InvalidReferenceError, match="organisation_id"):
            klaster.save(program, path)
        self.assert_intact(tmp_path, path, old)

    def test_text_that_utf8_cannot_hold_is_refused_up_front(self, tmp_path: Path) -> None:
        # A lone surrogate (valid in a JSON escape) used to pass every check and then make
        # save() fail with a raw UnicodeEncodeError.
        with pytest.raises(klaster.ValidationError, match="lone surrogate"):
            Organisation("dd", "Dompet \ud800 Dhuafa", "ngo")
        with pytest.raises(klaster.ValidationError, match="invalid ID"):
            Organisation("d\udfffd", "Dompet Dhuafa", "ngo")
        doc = as_json(bantaeng())
        doc["program"]["name"] = "Klaster \ud800"
        text = json.dumps(doc)  # ASCII: the surrogate travels as the escape \ud800
        with pytest.raises(DocumentError) as exc:
            klaster.loads(text)
        assert exc.value.problems == (
            "program.name: contains a lone surrogate (U+D800-U+DFFF), which no UTF-8 file can "
            "hold; fix the text's encoding",
        )


# -- schema versions and migrations ---------------------------------------------------------------
class TestSchemaVersions:
    def test_newer_version(self) -> None:
        doc = as_json(bantaeng())
        doc["schema_version"] = klaster.SCHEMA_VERSION + 1
        err = load_error(doc, SchemaVersionError)
        assert f"schema version {klaster.SCHEMA_VERSION + 1}" in str(err)
        assert f"supports ({klaster.SCHEMA_VERSION})" in str(err)
        assert "upgrade klaster" in str(err)

    @pytest.mark.parametrize("version", ["missing", None, "1", 1.0, 0, -1, True])
    def test_missing_or_malformed_version(self, version: object) -> None:
        doc = as_json(bantaeng())
        if version == "missing":
            del doc["schema_version"]
        else:
            doc["schema_version"] = version
        err = load_error(doc, SchemaVersionError)
        assert "'schema_version' must be a whole number from 1 to" in str(err)

    @pytest.mark.parametrize("kind", ["missing", "cluster", None, 1])
    def test_wrong_document_kind(self, kind: object) -> None:
        doc = as_json(bantaeng())
        if kind == "missing":
            del doc["klaster"]
        else:
            doc["klaster"] = kind
        err = load_error(doc)
        assert "not a klaster program document" in str(err)
        assert "expected 'program'" in str(err)

    def test_migration_path(self, monkeypatch: pytest.MonkeyPatch) -> None:
        # Pretend the schema is at version 3: version 1 called the program's name "title",
        # version 2 called household_size "household".
        calls: list[tuple[int, int]] = []

        def v1_to_v2(doc: dict[str, Any]) -> dict[str, Any]:
            calls.append((1, doc["schema_version"]))
            doc["program"]["name"] = doc["program"].pop("title")
            return doc

        def v2_to_v3(doc: dict[str, Any]) -> dict[str, Any]:
            calls.append((2, doc["schema_version"]))
            for cluster in doc["program"].get("clusters", []):
                for member in cluster.get("members", []):
                    member["household_size"] = member.pop("household")
            return doc

        program = bantaeng()
        current = as_json(program)
        monkeypatch.setattr(document, "SCHEMA_VERSION", 3)
        monkeypatch.setattr(document, "_MIGRATIONS", {1: v1_to_v2, 2: v2_to_v3})

        v2 = copy.deepcopy(current)
        v2["schema_version"] = 2
        for member in members_of(v2):
            member["household"] = member.pop("household_size")
        v1 = copy.deepcopy(v2)
        v1["schema_version"] = 1
        v1["program"]["title"] = v1["program"].pop("name")

        assert klaster.loads(json.dumps(v1)) == program
        assert calls == [(1, 1), (2, 2)]  # in order, each seeing its own version
        calls.clear()
        assert klaster.loads(json.dumps(v2)) == program
        assert calls == [(2, 2)]
        calls.clear()
        current["schema_version"] = 3
        assert klaster.loads(json.dumps(current)) == program
        assert calls == []
        assert json.loads(klaster.dumps(program))["schema_version"] == 3

    def test_version_without_migration(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setattr(document, "SCHEMA_VERSION", 3)
        monkeypatch.setattr(document, "_MIGRATIONS", {2: lambda doc: doc})
        doc = as_json(bantaeng())
        doc["schema_version"] = 1
        err = load_error(doc, SchemaVersionError)
        assert "no migration from schema version 1" in str(err)
        assert "versions 2 to 3" in str(err)

    def test_version_1_documents_are_migrated(self) -> None:
        program = bantaeng()
        doc = as_json(program)
        doc["schema_version"] = 1
        for cluster in doc["program"]["clusters"]:
            cluster["lifecycle"] = cluster["lifecycle"]["history"]  # the version-1 shape
        again = klaster.loads(json.dumps(doc))
        assert again == program
        assert json.loads(klaster.dumps(again))["schema_version"] == document.SCHEMA_VERSION

    def test_migration_failure_is_a_document_error(self, monkeypatch: pytest.MonkeyPatch) -> None:
        def v1_to_v2(doc: dict[str, Any]) -> dict[str, Any]:
            doc["program"]["name"] = doc["program"].pop("title")  # KeyError: no "title"
            return doc

        monkeypatch.setattr(document, "SCHEMA_VERSION", 2)
        monkeypatch.setattr(document, "_MIGRATIONS", {1: v1_to_v2})
        doc = as_json(bantaeng())
        doc["schema_version"] = 1
        err = load_error(doc)
        assert "schema version 1" in str(err)


# -- every document error -------------------------------------------------------------------------
class TestDocumentErrors:
    def test_malformed_json(self) -> None:
        text = '{\n  "klaster": "program",\n  "schema_version": 1,,\n}'
        with pytest.raises(DocumentError) as exc:
            klaster.loads(text)
        assert type(exc.value) is DocumentError
        assert "<string> line 3 column 23: malformed JSON" in str(exc.value)
        with pytest.raises(DocumentError, match=r"^settings\.json line 1 column 1: malformed"):
            klaster.loads("", source="settings.json")

    def test_not_utf8(self) -> None:
        with pytest.raises(DocumentError, match=r"not UTF-8 text \(byte 1"):
            klaster.loads(b'"\xff\xfe"')

    @pytest.mark.parametrize("doc", [[], "program", 3, None])
    def test_document_not_an_object(self, doc: object) -> None:
        assert "a klaster document is a JSON object" in str(load_error(doc))

    def test_unknown_top_level_field(self) -> None:
        doc = as_json(bantaeng())
        doc["programme"] = {}
        err = load_error(doc)
        assert "unknown top-level field 'programme'" in str(err)
        assert "'klaster', 'schema_version', 'program'" in str(err)

    def test_no_program(self) -> None:
        doc = as_json(bantaeng())
        del doc["program"]
        assert "has no 'program' field" in str(load_error(doc))

    @pytest.mark.parametrize("value", [None, [], "km", 3, True])
    def test_program_not_an_object(self, value: object) -> None:
        doc = as_json(bantaeng())
        doc["program"] = value
        with pytest.raises(DocumentError, match="program"):
            klaster.loads(json.dumps(doc))

    def test_unknown_field(self) -> None:
        doc = as_json(bantaeng())
        members_of(doc)[1]["hp"] = "0812"
        err = load_error(doc)
        assert isinstance(err, DocumentError)
        (problem,) = err.problems
        assert problem.startswith(
            "program.clusters[0].members[1]: unknown field 'hp'; valid fields"
        )
        for name in ("'id'", "'household_size'", "'national_id'", "'birth_year'"):
            assert name in problem

    def test_unknown_field_in_program(self) -> None:
        doc = as_json(bantaeng())
        doc["program"]["title"] = "Klaster"
        err = load_error(doc)
        assert isinstance(err, DocumentError)
        assert err.problems[0].startswith("program: unknown field 'title'")

    @pytest.mark.parametrize(
        ("field", "value", "message"),
        [
            ("household_size", "3", "must be a whole number, got a string"),
            ("household_size", True, "must be a whole number, got true/false"),
            ("household_size", 3.0, "must be a whole number, got a number"),
            ("household_size", None, "must be a whole number, got null"),
            ("name", 3, "must be a string, got a number"),
            ("name", ["x"], "must be a string, got a list"),
            ("birth_year", "1979", "must be a whole number, got a string"),
            ("joined", 20110502, "must be a date string 'YYYY-MM-DD', got a number"),
            ("joined", "2011-02-30", "invalid date '2011-02-30': use 'YYYY-MM-DD'"),
            ("joined", "2011-5-2", "invalid date '2011-5-2': use 'YYYY-MM-DD'"),
            ("joined", "02/05/2011", "invalid date '02/05/2011': use 'YYYY-MM-DD'"),
            (
                "joined",
                "2011-05-02T08:00:00",
                "invalid date '2011-05-02T08:00:00': use 'YYYY-MM-DD'",
            ),
            ("sex", "f", "invalid value 'f': use one of 'female', 'male'"),
        ],
    )
    def test_wrong_types(self, field: str, value: object, message: str) -> None:
        doc = as_json(bantaeng())
        members_of(doc)[1][field] = value
        err = load_error(doc)
        assert isinstance(err, DocumentError)
        assert err.problems == (f"program.clusters[0].members[1].{field}: {message}",)
        assert str(err).startswith("<string>: invalid program document\n  - program.clusters")

    @pytest.mark.parametrize(
        ("value", "message"),
        [
            (38.2, "got a number"),
            ("abc", "got a string"),
            ("NaN", "got a string"),
            ("Infinity", "got a string"),
            (True, "got true/false"),
        ],
    )
    def test_decimals_must_be_decimal_strings(self, value: object, message: str) -> None:
        doc = as_json(bantaeng())
        cluster = doc["program"]["clusters"][0]
        cluster["region"]["children"][0]["stats"][0]["poverty_rate"] = value
        err = load_error(doc)
        assert isinstance(err, DocumentError)
        assert err.problems == (
            "program.clusters[0].region.children[0].stats[0].poverty_rate: must be a decimal "
            f"number written as a string such as '38.20', {message}",
        )

    @pytest.mark.parametrize(
        ("where", "field"),
        [
            (("clusters", 0, "members", 1), "sex"),
            (("clusters", 0, "members", 1), "joined"),
            (("clusters", 0), "region"),
            (("clusters", 0, "groups", 0, "memberships", 0), "member_id"),
            (("clusters", 0, "lifecycle", "history", 1), "on"),
            ((), "organisation_id"),
        ],
    )
    def test_missing_required_field(self, where: tuple[str | int, ...], field: str) -> None:
        doc = as_json(bantaeng())
        node = doc["program"]
        for key in where:
            node = node[key]
        del node[field]
        err = load_error(doc)
        assert isinstance(err, DocumentError)
        path = "program" + "".join(f"[{k}]" if isinstance(k, int) else f".{k}" for k in where)
        assert err.problems == (f"{path}.{field}: required field is missing",)

    def test_several_problems_are_all_listed(self) -> None:
        doc = as_json(bantaeng())
        members_of(doc)[0]["household_size"] = -2
        members_of(doc)[2]["sex"] = "x"
        doc["program"]["organisations"][1]["kind"] = "partner"
        err = load_error(doc)
        assert isinstance(err, DocumentError)
        assert len(err.problems) == 3
        assert "program.clusters[0].members[0].household_size: must be at least 1, got -2" in (
            err.problems
        )
        assert any(
            p.startswith("program.organisations[1].kind: invalid value") for p in err.problems
        )

    @pytest.mark.parametrize(
        ("change", "problem"),
        [
            (
                lambda d: members_of(d)[1].__setitem__("household_size", 0),
                "program.clusters[0].members[1].household_size: must be at least 1, got 0",
            ),
            (
                lambda d: members_of(d)[1].__setitem__("left", "2011-05-01"),
                "program.clusters[0].members[1].left: left (2011-05-01) is before joined "
                "(2011-05-02); it must be on or after it",
            ),
            (
                lambda d: members_of(d)[1].__setitem__("sector", "farming"),
                "program.clusters[0].members[1].sector: unknown sector 'farming' for cluster "
                "'bantaeng'; its sectors are 'umkm', 'livestock'",
            ),
            (
                lambda d: members_of(d)[1].__setitem__("sector", "UMKM"),
                "program.clusters[0].members[1].sector: invalid code 'UMKM'",
            ),
            (
                lambda d: members_of(d).append(dict(members_of(d)[0])),
                "program.clusters[0].members[3].id: duplicate ID 'BTG-1': IDs must be unique "
                "among members",
            ),
            (
                lambda d: d["program"]["clusters"][0]["groups"][0]["memberships"][1].__setitem__(
                    "member_id", "BTG-9"
                ),
                "program.clusters[0].groups[0].memberships[1].member_id: member 'BTG-9' is not a "
                "member of cluster 'bantaeng'",
            ),
            (
                lambda d: d["program"]["clusters"][0]["region"].__setitem__("code", "7303"),
                "program.clusters[0].region.code: invalid Kemendagri code '7303' for a province: "
                "use PP, e.g. '73' (this looks like a BPS code: put it in bps_code)",
            ),
            (
                lambda d: d["program"]["clusters"][0]["region"]["children"][0]["stats"][
                    0
                ].__setitem__("poverty_rate", "40"),
                "program.clusters[0].region.children[0].stats[0].poverty_rate: 40% does not match "
                "poor/population = 67503/176708 = 38.20%",
            ),
            (
                lambda d: d["program"]["clusters"][0]["sectors"][0].__setitem__("partner_id", "x"),
                "program.clusters[0].sectors[0].partner_id: partner 'x' is not in the program's "
                "organisations; known: dd, mm, bupati",
            ),
            (
                lambda d: members_of(d)[0].__setitem__("national_id", NIK + "9"),
                "program.clusters[0].members[0].national_id: national ID number (NIK) must be "
                "exactly 16 digits",
            ),
        ],
    )
    def test_invalid_values_are_located(
        self, change: Callable[[dict[str, Any]], None], problem: str
    ) -> None:
        doc = as_json(bantaeng())
        change(doc)
        err = load_error(doc)
        assert isinstance(err, DocumentError)
        assert len(err.problems) == 1
        assert err.problems[0].startswith(problem), err.problems[0]

    def test_duplicate_member_across_clusters(self) -> None:
        doc = as_json(bantaeng())
        clusters = doc["program"]["clusters"]
        second = copy.deepcopy(clusters[0])
        second["id"] = "bantaeng-2"
        for key in ("groups", "cooperatives"):
            second.pop(key)
        second["members"] = [second["members"][2]]
        clusters.append(second)
        err = load_error(doc)
        assert isinstance(err, DocumentError)
        assert err.problems == (
            "program.clusters[1].members[0].id: duplicate ID 'BTG-3': already used in "
            "clusters[0] ('bantaeng'); members IDs must be unique in the program",
        )

    def test_illegal_lifecycle_in_a_document(self) -> None:
        doc = as_json(bantaeng())
        lifecycle = doc["program"]["clusters"][0]["lifecycle"]["history"]
        lifecycle[3]["phase"] = "strengthening"  # resuming a paused growth to strengthening
        err = load_error(doc)
        assert isinstance(err, DocumentError)
        (problem,) = err.problems
        assert problem.startswith("program.clusters[0].lifecycle")
        assert (
            "cannot move from suspended to strengthening on 2011-09-01; allowed moves: growth, "
            "cancelled" in problem
        )
        lifecycle[3]["phase"] = "growth"
        lifecycle[3]["on"] = "2011-05-31"
        (problem,) = load_error(doc).problems  # type: ignore[attr-defined]
        assert "date 2011-05-31 is before the previous event (2011-06-01, suspended)" in problem

    def test_lifecycle_errors_point_into_the_document(self) -> None:
        doc = as_json(bantaeng())
        doc["program"]["clusters"][0]["lifecycle"]["history"][3]["phase"] = "strengthening"
        (problem,) = load_error(doc).problems  # type: ignore[attr-defined]
        assert problem.startswith("program.clusters[0].lifecycle.history[3]: cannot move")

    @pytest.mark.parametrize(
        ("where", "value"),
        [
            (("clusters",), {}),
            (("clusters", 0, "members"), "ab"),
            (("clusters", 0, "lifecycle", "history"), {}),
        ],
    )
    def test_lists_must_be_lists(self, where: tuple[str | int, ...], value: object) -> None:
        doc = as_json(bantaeng())
        node = doc["program"]
        for key in where[:-1]:
            node = node[key]
        node[where[-1]] = value
        err = load_error(doc)
        path = "program" + "".join(f"[{k}]" if isinstance(k, int) else f".{k}" for k in where)
        assert err.problems == (  # type: ignore[attr-defined]
            f"{path}: must be a list, got {'an object' if value == {} else 'a string'}",
        )

    def test_object_where_a_record_belongs(self) -> None:
        doc = as_json(bantaeng())
        doc["program"]["organisations"][1] = "mm"
        doc["program"]["clusters"][0]["members"][0] = 7
        err = load_error(doc)
        assert isinstance(err, DocumentError)
        paths = sorted(p.split(":")[0] for p in err.problems)
        assert paths == ["program.clusters[0].members[0]", "program.organisations[1]"]

    @pytest.mark.parametrize("name", READERS)
    @pytest.mark.parametrize(
        ("field", "value"),
        [
            ("national_id", NIK[:-1]),
            ("national_id", NIK + "\n"),
            ("phone", PHONE + "x"),
            ("village", "Somewhere"),
            ("household_size", 0),
            ("left", "2000-01-01"),
            ("name", ""),
            ("extra", NAME),
        ],
    )
    def test_personal_data_stays_out_of_errors(self, name: str, field: str, value: object) -> None:
        # Whatever goes wrong around a member, the message names it by ID or position only
        # (load_error checks that the name, NIK and phone are not in it).
        doc = as_json(bantaeng())
        members_of(doc)[0][field] = value
        with reader(name):
            err = load_error(doc)
        assert "program.clusters[0].members[0]" in str(err)


# -- random damage to valid documents -------------------------------------------------------------
def _junk() -> st.SearchStrategy[object]:
    # Fresh containers each time (a shared [] mutated by one example would leak into the next).
    return st.one_of(
        st.none(),
        st.booleans(),
        st.integers(-3, 3),
        st.floats(allow_nan=False),
        st.text(max_size=4),
        st.sampled_from(["2011-01-01", "38.20", "umkm", "planning", "BTG-1", "", " "]),
        st.builds(list),
        st.builds(dict),
        st.lists(st.integers(0, 2), min_size=1, max_size=2),
        st.dictionaries(st.sampled_from(["id", "name", "x"]), st.integers(0, 1), min_size=1),
    )


def _paths(node: object, prefix: tuple[str | int, ...] = ()) -> Iterator[tuple[str | int, ...]]:
    yield prefix
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _paths(value, (*prefix, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _paths(value, (*prefix, index))


class TestRandomDamage:
    @pytest.mark.parametrize("name", READERS)
    @settings(
        max_examples=120,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(program=kst.programs(max_clusters=2), data=st.data())
    def test_only_document_errors_escape(
        self, name: str, program: Program, data: st.DataObject
    ) -> None:
        doc = as_json(program)
        for _ in range(data.draw(st.integers(1, 3), label="mutations")):
            # The value of "program" itself is left alone: see test_program_not_an_object.
            paths = [p for p in _paths(doc) if len(p) >= 1 and p != ("program",)]
            path = data.draw(st.sampled_from(paths), label="path")
            parent: Any = doc
            for key in path[:-1]:
                parent = parent[key]
            action = data.draw(st.sampled_from(["replace", "drop", "add"]), label="action")
            if action == "replace":
                parent[path[-1]] = data.draw(_junk(), label="value")
            elif action == "drop":
                del parent[path[-1]]
            elif isinstance(parent, dict):
                parent[data.draw(st.sampled_from(["id", "note", "extra", "x"]))] = data.draw(
                    _junk()
                )
            else:
                parent.append(data.draw(_junk()))
        text = json.dumps(doc)
        error: KlasterError | None = None
        with reader(name):
            try:
                loaded = klaster.loads(text)
            except KlasterError as exc:  # anything else fails the test as it is
                error = exc
        if error is not None:
            assert isinstance(error, DocumentError), f"{type(error).__name__}: {error}"
            assert str(error).startswith("<string>"), str(error)
            return
        # Accepted: then it is a valid program and writes out consistently.
        assert klaster.loads(klaster.dumps(loaded)) == loaded
