"""Program document errors: every fault located, no personal data, only DocumentErrors escape."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.documents.builders import (
    NAME,
    NIK,
    PHONE,
    READERS,
    as_json,
    bantaeng,
    load_error,
    members_of,
    reader,
)

import klaster
from klaster import DocumentError, KlasterError, Program
from klaster.testing import strategies as kst


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
                lambda d: d["program"]["clusters"][0]["cooperatives"][0].__setitem__(
                    "sectors", ["umkm"]
                ),
                "program.clusters[0].cooperatives[0].member_ids[1]: member 'BTG-3' works in "
                "sector 'livestock', but the cooperative serves 'umkm'",
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
