"""Fixtures of the form tests: the Bantaeng program and synthetic exports in Kobo's real layout.

KoboToolbox exports a form's submissions as a ``;`` CSV (or XLSX) whose headers are the
questions' group paths (``core/monthly_income``), followed by its meta columns (``_id``,
``_uuid``, ``_submission_time``, ``_validation_status``... ``_index``); a repeat group's rows
are on their own sheet (or file), each pointing to its submission by ``_parent_index``.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import subprocess
from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

import klaster
import klaster.observations
from klaster import Program
from klaster.forms import XLSForm
from klaster.observations import variable_catalogue
from klaster.observations.values import Observations

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "examples" / "data"

_META = (
    "_id",
    "_uuid",
    "_submission_time",
    "_validation_status",
    "_notes",
    "_status",
    "_submitted_by",
    "__version__",
    "_tags",
    "_index",
)
_REPEAT_META = (
    "_index",
    "_parent_table_name",
    "_parent_index",
    "_submission__id",
    "_submission__uuid",
    "_submission__submission_time",
)
_GROUPS = ("begin_group", "begin_repeat")


@pytest.fixture(scope="session")
def program() -> Program:
    return klaster.load(DATA / "bantaeng.json")


@pytest.fixture(scope="session")
def observations(program: Program) -> Observations:
    return klaster.observations.load(
        DATA / "bantaeng.observations.jsonl", program, variable_catalogue()
    )


def columns(form: XLSForm) -> tuple[list[str], dict[str, list[str]]]:
    """The export's header: the main sheet's question paths and each repeat's, in form order."""
    main: list[str] = []
    repeats: dict[str, list[str]] = {}
    path: list[str] = []
    for row in form.survey:
        if row.type in _GROUPS:
            path.append(row.name)
            if row.type == "begin_repeat":
                repeats[row.name] = []
            continue
        if row.type in ("end_group", "end_repeat"):
            path.pop()
            continue
        column = "/".join([*path, row.name])
        repeat = next((name for name in reversed(path) if name in repeats), None)
        (repeats[repeat] if repeat else main).append(column)
    return main, repeats


def cell(value: object) -> str:
    """The text Kobo's CSV export holds for an answer."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "ya" if value else "tidak"
    if isinstance(value, Decimal):
        return f"{value:f}"
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def xlsx_cell(value: object) -> object:
    """The cell Kobo's XLSX export holds: numbers as numbers."""
    if isinstance(value, bool) or value is None:
        return cell(value) or None
    if isinstance(value, int):
        return value
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return cell(value)


class Submission:
    """One synthetic submission: its unit, answers by question path, and repeat rows."""

    def __init__(
        self,
        uuid: str,
        answers: Mapping[str, object],
        items: Mapping[str, Sequence[Mapping[str, Any]]] | None = None,
    ) -> None:
        self.uuid = uuid
        self.answers = dict(answers)
        self.items = {name: list(rows) for name, rows in (items or {}).items()}


def export(form: XLSForm, submissions: Sequence[Submission], folder: Path, *, xlsx: bool) -> Path:
    """Write Kobo's export of ``submissions``: ``<form_id>.csv`` (+ a file per repeat) or
    ``<form_id>.xlsx`` (+ a sheet per repeat)."""
    main, repeats = columns(form)
    header = ["start", "end", "today", "deviceid", *main, *_META]
    rows: list[list[object]] = []
    repeat_rows: dict[str, list[list[object]]] = {name: [] for name in repeats}
    fix = xlsx_cell if xlsx else cell
    for index, sub in enumerate(submissions, 1):
        when = f"2015-09-0{1 + index % 9}T09:{index % 60:02d}:00.000+08:00"
        meta = {
            "start": when,
            "end": when,
            "today": when[:10],
            "deviceid": f"collect:{index:04d}",
            "_id": str(1000 + index),
            "_uuid": sub.uuid,
            "_submission_time": when[:19],
            "_validation_status": "",
            "__version__": "vAbc",
            "_index": str(index),
        }
        rows.append([fix(sub.answers.get(name, meta.get(name))) for name in header])
        for name, items in sub.items.items():
            for item in items:
                count = len(repeat_rows[name]) + 1
                link = {
                    "_index": str(count),
                    "_parent_table_name": form.form_id,
                    "_parent_index": str(index),
                    "_submission__id": str(1000 + index),
                    "_submission__uuid": sub.uuid,
                    "_submission__submission_time": when[:19],
                }
                repeat_rows[name].append(
                    [
                        fix(item[c]) if c in item else link.get(c, "")
                        for c in (*repeats[name], *_REPEAT_META)
                    ]
                )
    if xlsx:
        from openpyxl import Workbook

        book = Workbook()
        first = book.active
        assert first is not None
        first.title = form.form_id[:31]
        first.append(header)
        for row in rows:
            first.append([None if v == "" else v for v in row])
        for name, cols in repeats.items():
            sheet = book.create_sheet(name)
            sheet.append([*cols, *_REPEAT_META])
            for row in repeat_rows[name]:
                sheet.append([None if v == "" else v for v in row])
        path = folder / f"{form.form_id}.xlsx"
        book.save(path)
        return path
    path = folder / f"{form.form_id}.csv"
    path.write_text(_csv(header, rows), encoding="utf-8", newline="")
    for name, cols in repeats.items():
        text = _csv([*cols, *_REPEAT_META], repeat_rows[name])
        (folder / f"{form.form_id}-{name}.csv").write_text(text, encoding="utf-8", newline="")
    return path


def _csv(header: Sequence[str], rows: Sequence[Sequence[object]], delimiter: str = ";") -> str:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows([["" if v is None else v for v in row] for row in rows])
    return out.getvalue()


@pytest.fixture
def cli(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> Callable[..., subprocess.CompletedProcess[str]]:
    """Run one ``klaster`` command line in-process, in the test's folder."""
    from klaster.cli import main

    for name in (
        "NO_COLOR",
        "FORCE_COLOR",
        "COLUMNS",
        "KLASTER_PLUGINS",
        "KLASTER_DISABLE_PLUGINS",
        "KLASTER_STRICT_PLUGINS",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    capsys.readouterr()

    def run(*argv: str | Path) -> subprocess.CompletedProcess[str]:
        args = [str(a) for a in argv]
        code = main(args)
        captured = capsys.readouterr()
        return subprocess.CompletedProcess(args, code, captured.out, captured.err)

    return run


def odk_export(form: XLSForm, submissions: Sequence[Submission], folder: Path) -> Path:
    """Write ODK Central's CSV export: group paths joined by ``-``, ``KEY`` and ``PARENT_KEY``,
    each repeat group in ``<form_id>-<repeat>.csv``, commas."""
    main, repeats = columns(form)
    header = ["SubmissionDate", *(c.replace("/", "-") for c in main), "meta-instanceID", "KEY"]
    rows = []
    repeat_rows: dict[str, list[list[str]]] = {name: [] for name in repeats}
    for index, sub in enumerate(submissions, 1):
        key = f"uuid:{sub.uuid}"
        values = {c.replace("/", "-"): cell(v) for c, v in sub.answers.items()}
        values |= {
            "SubmissionDate": f"2015-09-01T0{index % 10}:00:00.000Z",
            "meta-instanceID": key,
            "KEY": key,
        }
        rows.append([values.get(c, "") for c in header])
        for name, items in sub.items.items():
            for number, item in enumerate(items, 1):
                cells = [cell(item.get(c)) for c in repeats[name]]
                repeat_rows[name].append([*cells, key, f"{key}/{name}[{number}]"])
    path = folder / f"{form.form_id}.csv"
    path.write_text(_csv(header, rows, ","), encoding="utf-8", newline="")
    for name, cols in repeats.items():
        head = [*(c.replace("/", "-") for c in cols), "PARENT_KEY", "KEY"]
        text = _csv(head, repeat_rows[name], ",")
        (folder / f"{form.form_id}-{name}.csv").write_text(text, encoding="utf-8", newline="")
    return path
