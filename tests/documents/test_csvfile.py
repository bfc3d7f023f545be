"""Every CSV klaster writes: no cell reaches a spreadsheet as a live formula, numbers stay numbers.

One parametrized test feeds hostile text to every writer and reads the file back; a scan of
``src/`` fails when a CSV is written anywhere but through ``klaster.documents.csvfile``, or when a
module writes through it without being one of the writers tested here.
"""

from __future__ import annotations

import ast
import csv
import io
import json
import shutil
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from klaster.cli import main
from klaster.documents.csvfile import (
    BOM,
    EXCEL_ID,
    FORMULA_START,
    PLAIN,
    CsvStyle,
    csv_text,
    neutralise,
    restore,
    safe_cell,
    write_csv,
)
from klaster.errors import DocumentError
from klaster.importing import ImportBatch, Rejection, write_rejects

ROOT = Path(__file__).resolve().parents[2]
SRC = ROOT / "src"
EXAMPLE = ROOT / "examples" / "data" / "bantaeng.json"

HOSTILE = (
    '=HYPERLINK("http://evil.example","click")',
    "+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
    "'quoted",
)
# The writers tested below, by the module that calls the helper; the scan checks the list.
WRITERS = {
    "klaster/cli/_report.py",
    "klaster/exports/dhis2.py",
    "klaster/importing/rejects.py",
    "klaster/targeting/screen_file.py",
}


def _read(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text, newline="")))


def _read_file(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.reader(handle))


def _is_number(cell: str) -> bool:
    try:
        return Decimal(cell).is_finite()
    except ArithmeticError:
        return False


def _direct_text(tmp_path: Path) -> list[list[str]]:
    return _read(csv_text(["name", *HOSTILE], [[*HOSTILE, Decimal("-15000")]]))


def _direct_file(tmp_path: Path) -> list[list[str]]:
    path = tmp_path / "out.csv"
    write_csv(path, ["name", *HOSTILE], [[*HOSTILE, -15000]])
    return _read_file(path)


def _hostile_program(tmp_path: Path) -> Path:
    # The example program with its villages renamed: desa names reach the report's desa column.
    text = EXAMPLE.read_text(encoding="utf-8")
    villages = ["Bonto Jai", "Bonto Lebang", "Bonto Sunggu", "Lamalaka", "Letta", "Pallantikang"]
    villages.append("Bonto Manai")
    for old, new in zip(villages, HOSTILE, strict=True):
        assert json.dumps(old) in text
        text = text.replace(json.dumps(old), json.dumps(new))
    program = tmp_path / "program.json"
    program.write_text(text, encoding="utf-8")
    sidecar = EXAMPLE.with_name("bantaeng.observations.jsonl")
    shutil.copy(sidecar, tmp_path / "program.observations.jsonl")
    return program


def _report_stdout(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> list[list[str]]:
    program = _hostile_program(tmp_path)
    capsys.readouterr()
    assert main(["report", str(program), "--by", "desa", "--format", "csv"]) == 0
    return _read(capsys.readouterr().out)


def _report_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> list[list[str]]:
    program = _hostile_program(tmp_path)
    out = tmp_path / "report.csv"
    assert (
        main(["report", str(program), "--by", "desa", "--format", "csv", "--output", str(out)]) == 0
    )
    return _read_file(out)


def _rejects(tmp_path: Path) -> list[list[str]]:
    raw = {f"col{i}" if i % 2 else cell: cell for i, cell in enumerate(HOSTILE)}
    rejected = Rejection(HOSTILE[0], 3, list(HOSTILE), {**raw, "amount": "-15000"})
    path = tmp_path / "rejects.csv"
    write_rejects(ImportBatch(source="survey.csv", rejected=(rejected,)), path)
    rows = _read_file(path)
    assert rows[1][1] == "3"  # the row number is a number; an amount read as text is text
    assert "'-15000" in rows[1]
    return rows


def _frame_file(tmp_path: Path) -> list[list[str]]:
    import polars as pl

    from klaster.documents.csvfile import write_frame

    path = tmp_path / "frame.csv"
    frame = pl.DataFrame({"name": list(HOSTILE), "amount": [-15000] * len(HOSTILE)})
    write_frame(path, frame.rename({"name": HOSTILE[0]}))
    rows = _read_file(path)
    assert [row[1] for row in rows[1:]] == ["-15000"] * len(HOSTILE)  # numbers stay numbers
    return [rows[0], *[[row[0] for row in rows[1:]]]]


def _decisions(tmp_path: Path) -> list[list[str]]:
    from klaster.targeting import read_rules, screen_file

    rules = read_rules(
        'version = 1\nform = "all_of"\n[[criteria]]\ncode = "a"\nlabel = { id = "A", en = "A" }'
        '\nreads = "asnaf"\noperator = "=="\nthreshold = "fakir"\n'
    )
    source = tmp_path / "applicants.csv"  # hostile IDs as a form export would hold them
    quoted = ['"' + text.replace('"', '""') + '"' for text in HOSTILE]
    lines = [f"{q},umkm,2,2023-01-01,fakir" for q in quoted]
    header = "applicant_id,sector,household_size,applied_on,asnaf"
    source.write_text("\n".join([header, *lines]) + "\n", encoding="utf-8")
    out = tmp_path / "decisions.csv"
    screen_file(rules, source, out=out)
    return _read_file(out)


def _dhis2(tmp_path: Path) -> list[list[str]]:
    from klaster.exports.dhis2 import DataValue, DataValueSet, write_data_values
    from klaster.exports.dhis2_mapping import load_dhis2_mapping

    mapping = load_dhis2_mapping(EXAMPLE.parent / "bantaeng.dhis2.toml")
    values = [DataValue("abcdefghijk", "2014Q1", h, "-15000", comment=h) for h in HOSTILE]
    out = tmp_path / "values.csv"
    write_data_values(out, DataValueSet(tuple(values), 0, (), mapping))
    rows = _read_file(out)
    assert [row[5] for row in rows[1:]] == ["-15000"] * len(HOSTILE)  # values stay numbers
    return [rows[0], *[[row[2], row[8]] for row in rows[1:]]]


WRITER_CASES: dict[str, Callable[..., list[list[str]]]] = {
    "DHIS2 data values": _dhis2,
    "write_frame": _frame_file,
    "screening decisions": _decisions,
    "csv_text": _direct_text,
    "write_csv": _direct_file,
    "klaster report (stdout)": _report_stdout,
    "klaster report --output": _report_file,
    "write_rejects": _rejects,
}


@pytest.mark.parametrize("writer", sorted(WRITER_CASES))
def test_no_cell_starts_a_formula(
    writer: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    case = WRITER_CASES[writer]
    needs = case.__code__.co_varnames[: case.__code__.co_argcount]
    rows = case(tmp_path, capsys) if "capsys" in needs else case(tmp_path)
    cells = [cell for row in rows for cell in row]
    live = [c for c in cells if c.startswith(FORMULA_START) and not _is_number(c)]
    assert live == []
    # Every hostile text arrived, escaped (restore() gives it back).
    for hostile in HOSTILE:
        assert "'" + hostile in cells, (writer, hostile)


class TestCells:
    @pytest.mark.parametrize("number", [Decimal("-15000"), -15000, -1.5, Decimal("-1E+5"), 0])
    def test_a_number_stays_a_number(self, number: object) -> None:
        assert _read(csv_text(["x"], [[number]]))[1] == [str(number)]

    @pytest.mark.parametrize("text", ["-15000", "+62 812", "=1", "@x", "'", "\t1", "\r1"])
    def test_text_that_looks_like_a_number_is_text(self, text: str) -> None:
        assert safe_cell(text) == "'" + text

    @pytest.mark.parametrize("value", [Decimal("NaN"), Decimal("-Infinity"), float("-inf")])
    def test_a_non_finite_number_is_text(self, value: object) -> None:
        cell = safe_cell(value)
        assert isinstance(cell, str)
        assert not cell.startswith(FORMULA_START)

    def test_booleans_none_and_dates(self) -> None:
        import datetime as dt

        assert safe_cell(None) == ""
        assert safe_cell(True) == "True"
        assert safe_cell(dt.date(2024, 1, 31)) == "2024-01-31"

    @given(st.text())
    def test_neutralise_is_reversible_and_safe(self, text: str) -> None:
        written = neutralise(text)
        assert restore(written) == text
        assert not written.startswith(FORMULA_START)

    @given(
        rows=st.lists(
            st.lists(
                st.one_of(
                    st.none(),
                    st.booleans(),
                    st.integers(),
                    st.decimals(allow_nan=True, allow_infinity=True),
                    st.text(alphabet="ab=+-'@\t\r\n,\" ;"),
                ),
                min_size=3,
                max_size=3,
            ),
            max_size=12,
        ),
        terminator=st.sampled_from(["\n", "\r\n"]),
        style=st.sampled_from([PLAIN, EXCEL_ID]),
    )
    def test_rows_written_in_chunks_as_one_at_a_time(
        self, rows: list[list[object]], terminator: str, style: CsvStyle
    ) -> None:
        # Rows go to the csv module a chunk at a time and their terminators are changed in one
        # replace unless a cell holds a CR LF: the text is what writing each row alone gives.
        import klaster.documents.csvfile as csvfile

        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(csvfile, "_CHUNK", 4)
            text = csv_text(["a", "b", "c"], rows, lineterminator=terminator, style=style)
        assert text == _one_row_at_a_time(["a", "b", "c"], rows, terminator, style)

    @given(
        kinds=st.lists(
            st.sampled_from(
                [
                    st.integers(),
                    st.decimals(allow_nan=True, allow_infinity=True),
                    st.text(alphabet="ab=+-'@\t,"),
                    st.dates(),
                    st.booleans(),
                    st.floats(),
                    st.datetimes(),
                ]
            ),
            min_size=1,
            max_size=4,
        ),
        data=st.data(),
    )
    def test_columns_of_one_kind_are_written_as_cell_by_cell(
        self, kinds: list[st.SearchStrategy[object]], data: st.DataObject
    ) -> None:
        # A chunk of rows of one length is made safe a column at a time (a column of numbers,
        # of texts, of dates judged whole): the text is what each cell alone gives.
        count = data.draw(st.integers(min_value=1, max_value=12))
        columns = [
            data.draw(st.lists(st.none() | kind, min_size=count, max_size=count)) for kind in kinds
        ]
        rows = [list(row) for row in zip(*columns, strict=True)]
        header = [f"c{i}" for i in range(len(kinds))]
        assert csv_text(header, rows) == _one_row_at_a_time(header, rows, "\r\n", PLAIN)

    def test_failed_write_leaves_the_old_file(self, tmp_path: Path) -> None:
        path = tmp_path / "out.csv"
        path.write_text("old", encoding="utf-8")

        def rows() -> list[list[object]]:
            raise RuntimeError("disk gone")

        with pytest.raises(RuntimeError):
            write_csv(path, ["a"], (row for row in rows()))
        assert path.read_text(encoding="utf-8") == "old"
        assert [p.name for p in tmp_path.iterdir()] == ["out.csv"]
        with pytest.raises(DocumentError, match="cannot write the file"):
            write_csv(tmp_path / "missing" / "x.csv", ["a"], [])


class TestStyle:
    """``;``, a decimal comma and a BOM for Indonesian spreadsheets; the cells stay as safe."""

    def _check(self, raw: bytes) -> list[list[str]]:
        assert raw.startswith(BOM.encode("utf-8"))
        text = raw.decode("utf-8-sig")
        rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=";"))
        assert rows[0] == ["desa", "skor", "n", "catatan"]
        assert rows[1] == ["'=HYPERLINK(1)", "1,5", "-15000", "a;b"]  # ';' in a cell is quoted
        return rows

    def test_write_csv_and_csv_text(self, tmp_path: Path) -> None:
        row = ["=HYPERLINK(1)", Decimal("1.5"), -15000, "a;b"]
        path = tmp_path / "id.csv"
        write_csv(path, ["desa", "skor", "n", "catatan"], [row], style=EXCEL_ID)
        self._check(path.read_bytes())
        text = csv_text(["desa", "skor", "n", "catatan"], [row], style=EXCEL_ID)
        self._check(text.encode("utf-8"))

    def test_write_frame(self, tmp_path: Path) -> None:
        import polars as pl

        from klaster.documents.csvfile import write_frame

        frame = pl.DataFrame(
            {"desa": ["=HYPERLINK(1)"], "skor": [1.5], "n": [-15000], "catatan": ["a;b"]}
        )
        write_frame(tmp_path / "id.csv", frame, style=EXCEL_ID)
        self._check((tmp_path / "id.csv").read_bytes())

    def test_default_is_unchanged(self) -> None:
        assert csv_text(["a", "b"], [[Decimal("1.5"), "x"]]) == "a,b\r\n1.5,x\r\n"
        assert CsvStyle() == CsvStyle(",", bom=False, decimal_comma=False)

    @pytest.mark.parametrize(
        ("kwargs", "message"),
        [({"separator": ":"}, "separator is one of"), ({"decimal_comma": True}, "another sep"),
         ({"bom": "yes"}, "True or False")],
    )  # fmt: skip
    def test_bad_styles_are_refused(self, kwargs: dict[str, object], message: str) -> None:
        with pytest.raises(DocumentError, match=message):
            CsvStyle(**kwargs)  # type: ignore[arg-type]

    def test_a_frame_column_is_only_rewritten_when_it_must_be(self, tmp_path: Path) -> None:
        import datetime as dt

        import polars as pl

        from klaster.documents.csvfile import write_frame

        kinds = pl.Enum(["ok", "=bad"])
        frame = pl.DataFrame(
            {
                "plain": ["a", "b"],
                "empty": ["", "b"],
                "kind": pl.Series(["ok", "ok"], dtype=kinds),  # a category can be hostile
                "day": [dt.date(2024, 1, 31), None],
            }
        )
        write_frame(tmp_path / "f.csv", frame)
        assert _read_file(tmp_path / "f.csv") == [
            ["plain", "empty", "kind", "day"], ["a", "", "ok", "2024-01-31"], ["b", "b", "ok", ""]
        ]  # fmt: skip
        hostile = frame.with_columns(pl.Series("kind", ["=bad", "ok"], dtype=kinds))
        write_frame(tmp_path / "g.csv", hostile)
        assert _read_file(tmp_path / "g.csv")[1][2] == "'=bad"


def _modules() -> list[tuple[str, ast.Module]]:
    found = []
    for path in sorted((SRC / "klaster").rglob("*.py")):
        relative = path.relative_to(SRC).as_posix()
        found.append((relative, ast.parse(path.read_text(encoding="utf-8"))))
    return found


def test_csv_is_written_only_through_the_helper() -> None:
    """A new ``csv.writer`` outside the helper fails here: route it through csvfile instead."""
    offenders = []
    for relative, tree in _modules():
        if relative == "klaster/documents/csvfile.py":
            continue
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Attribute)
                and node.attr in ("writer", "DictWriter")
                and isinstance(node.value, ast.Name)
                and node.value.id == "csv"
            ):
                offenders.append(f"{relative}:{node.lineno}")
            if isinstance(node, ast.ImportFrom) and node.module == "csv":
                names = {alias.name for alias in node.names}
                if names & {"writer", "DictWriter"}:
                    offenders.append(f"{relative}:{node.lineno}")
    assert offenders == []


def test_every_module_writing_csv_is_in_the_injection_test() -> None:
    callers = set()
    for relative, tree in _modules():
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.ImportFrom)
                and node.module == "klaster.documents.csvfile"
                and {a.name for a in node.names} & {"write_csv", "csv_text", "csv_columns_text"}
            ):
                callers.add(relative)
    assert callers == WRITERS


_RISKY = st.text(alphabet="=+-@\t\r'a1 ,\"\n", max_size=6)


class TestStreamedFrame:
    """A query streamed into its file gives the bytes of the frame written whole."""

    @given(
        texts=st.lists(st.one_of(st.none(), _RISKY), min_size=0, max_size=8),
        days=st.lists(st.one_of(st.none(), st.integers(-800_000, 3_000_000)), max_size=8),
        comma=st.booleans(),
    )
    def test_same_bytes_as_the_frame(
        self, tmp_path_factory: pytest.TempPathFactory, texts: list[str | None],
        days: list[int | None], comma: bool,
    ) -> None:  # fmt: skip
        pl = pytest.importorskip("polars")
        from klaster.documents.csvfile import write_frame

        rows = max(len(texts), len(days))
        frame = pl.DataFrame({
            "text": texts + [None] * (rows - len(texts)),
            "on": pl.Series(days + [None] * (rows - len(days)), dtype=pl.Int32).cast(pl.Date),
            "kind": pl.Series(["=a", "b"] * rows, dtype=pl.Enum(["=a", "b"]))[:rows],
            "n": list(range(rows)),
        }, schema_overrides={"text": pl.String})  # fmt: skip
        style = EXCEL_ID if comma else PLAIN
        folder = tmp_path_factory.mktemp("streamed")
        write_frame(folder / "whole.csv", frame, style=style, in_scratch=True)
        write_frame(folder / "streamed.csv", frame.lazy(), style=style, in_scratch=True)
        write_frame(folder / "atomic.csv", frame.lazy(), style=style)  # collected, then written
        whole = (folder / "whole.csv").read_bytes()
        assert (folder / "streamed.csv").read_bytes() == whole
        assert (folder / "atomic.csv").read_bytes() == whole

    def test_columns_needing_no_rewrite_are_streamed_as_they_are(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        # A column of pseudonyms, of numbers or of dates after year 0 cannot hold a formula: the
        # streamed query writes it as it is (no text copy of 12 million IDs or dates), and
        # only a column with a cell to escape is rewritten.
        import datetime as dt

        pl = pytest.importorskip("polars")
        from klaster.documents import csvfile

        given: list[Any] = []
        monkeypatch.setattr(csvfile, "_sink", lambda path, safe, *rest: given.append(safe))
        frame = pl.DataFrame({
            "unit_id": ["p_0123456789abcdef", "p_fedcba9876543210"],
            "on": [dt.date(2011, 6, 15), None],
            "early": pl.Series([-800_000, 1], dtype=pl.Int32).cast(pl.Date),
            "note": ["=HYPERLINK(1)", "ok"],
            "amount": [-15000, 3],
        })  # fmt: skip
        csvfile.write_frame(tmp_path / "f.csv", frame.lazy(), in_scratch=True)
        (query,) = given
        plan = query.explain()
        assert 'col("unit_id"), col("on"), when' in plan  # the first two as they are
        assert query.collect_schema()["on"] == pl.Date
        written = query.collect()
        assert written["note"].to_list() == ["'=HYPERLINK(1)", "ok"]
        assert written["early"][0].startswith("'-")
        assert written["unit_id"].equals(frame["unit_id"])


def _one_row_at_a_time(
    header: list[str], rows: list[list[object]], terminator: str, style: CsvStyle
) -> str:
    """The CSV text as the writer made it before chunks: each row written alone."""
    out = io.StringIO()
    if style.bom:
        out.write(BOM)
    every: list[list[object]] = [list(header), *rows]
    for row in every:
        line = io.StringIO()
        cells = [safe_cell(cell) for cell in row]
        if style.decimal_comma:
            cells = [
                str(c).replace(".", ",") if isinstance(c, float | Decimal) else c for c in cells
            ]
        csv.writer(line, lineterminator="\r\n", delimiter=style.separator).writerow(cells)
        out.write(line.getvalue()[:-2] + terminator)
    return out.getvalue()
