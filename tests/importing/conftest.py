"""Shared fixtures of the import tests: the bundled Bantaeng program and small export files."""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Literal

import pytest

import klaster
import klaster.observations
from klaster import Program
from klaster.catalogue.variable import Variable
from klaster.importing import ImportMapping, parse_mapping
from klaster.observations.core_variables import variable_catalogue
from klaster.observations.values import Observations

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
KOBO = EXAMPLES / "data" / "kobo"

SURVEY = """\
mapping_version = 1
form = "survey"
unit = "hh/id_mitra"

[round]
id = "btg-mon-2015"
kind = "monitoring"
on = 2015-03-02
cluster = "bantaeng"

[variables.monthly_income]
column = "hh/pendapatan"
scale = "ribu"

[variables.household_size]
column = "hh/jumlah_art"

[variables.business_running]
column = "usaha/jalan"
values = { ya = true, tidak = false }

[variables.workers]
column = "usaha/pekerja"

[variables.monthly_revenue]
column = "usaha/omzet"

[variables.monthly_costs]
column = "usaha/biaya"
"""
HEADER = [
    "start",
    "hh/id_mitra",
    "hh/pendapatan",
    "hh/jumlah_art",
    "usaha/jalan",
    "usaha/pekerja",
    "usaha/omzet",
    "usaha/biaya",
    "_id",
    "_uuid",
    "_index",
]


def catalogue() -> dict[str, Variable]:
    """Core variables and the built-in sectors' ones."""
    return variable_catalogue()


@pytest.fixture(scope="session")
def bantaeng_file() -> Path:
    return EXAMPLES / "data" / "bantaeng.json"


@pytest.fixture
def program(bantaeng_file: Path) -> Program:
    return klaster.load(bantaeng_file)


@pytest.fixture
def observations(program: Program) -> Observations:
    path = EXAMPLES / "data" / "bantaeng.observations.jsonl"
    return klaster.observations.load(path, program, catalogue())


@pytest.fixture
def survey_mapping() -> ImportMapping:
    return parse_mapping(SURVEY, name="survey.toml")


class Kobo:
    """Writes small Kobo-like exports into a test's folder."""

    header = HEADER

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    @staticmethod
    def row(member: str, uuid: str, **cells: str) -> dict[str, str]:
        """A survey row with plausible answers, overridden by ``cells`` (column name = text)."""
        found = {
            "start": "2015-03-02T09:00:00.000+08:00",
            "hh/id_mitra": member,
            "hh/pendapatan": "1500",
            "hh/jumlah_art": "4",
            "usaha/jalan": "ya",
            "usaha/pekerja": "2",
            "usaha/omzet": "900000",
            "usaha/biaya": "600000",
            "_id": "1",
            "_uuid": uuid,
            "_index": "1",
        }
        found.update(cells)
        return found

    @staticmethod
    def text(
        rows: Sequence[Mapping[str, str]],
        header: Sequence[str] = HEADER,
        *,
        delimiter: str = ";",
        quoting: Literal[0, 1, 2, 3] = csv.QUOTE_ALL,
    ) -> str:
        """The export of ``rows`` as CSV text."""
        out = io.StringIO()
        writer = csv.writer(out, delimiter=delimiter, quoting=quoting, lineterminator="\r\n")
        writer.writerow(header)
        for found in rows:
            writer.writerow([found.get(name, "") for name in header])
        return out.getvalue()

    def write(self, name: str, content: str | bytes) -> Path:
        """Write a file (text as UTF-8, or bytes) and return its path."""
        path = self.folder / name
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8", newline="")
        return path

    def csv(
        self, rows: Sequence[Mapping[str, str]], name: str = "survey.csv", **how: object
    ) -> Path:
        """Write the export of ``rows``."""
        return self.write(name, self.text(rows, **how))  # type: ignore[arg-type]

    def members(self, count: int, start: int = 1) -> list[dict[str, str]]:
        """Rows for members BTG-0001... (those that never left), one submission each."""
        left = {17, 102}
        numbers = [n for n in range(start, 191) if n not in left][:count]
        return [
            self.row(f"BTG-{n:04d}", f"uuid-{n:04d}", _index=str(i))
            for i, n in enumerate(numbers, 1)
        ]


@pytest.fixture
def kobo(tmp_path: Path) -> Kobo:
    return Kobo(tmp_path)


@pytest.fixture
def survey_text() -> str:
    """The TOML of ``survey_mapping``, to vary."""
    return SURVEY
