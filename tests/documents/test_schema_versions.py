"""Program document schema versions: newer and malformed versions, kinds and migrations."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from tests.documents.builders import as_json, bantaeng, load_error, members_of

import klaster
import klaster.documents.program as document
from klaster import SchemaVersionError


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
