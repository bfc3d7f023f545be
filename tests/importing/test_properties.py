"""Properties of reading exports: round trips, located damage, idempotence, no foreign errors."""

from __future__ import annotations

import csv
import io
import tempfile
import zipfile
from decimal import Decimal
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from klaster import KlasterError
from klaster.importing import ImportBatch, parse_mapping, read_submissions
from klaster.observations.values import Observations

MAPPING = """\
mapping_version = 1
form = "survey"
unit = "hh/id_mitra"
[round]
id = "btg-endline"
[variables.monthly_income]
column = "hh/pendapatan"
scale = "ribu"
[variables.household_size]
column = "hh/art"
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
COLUMNS = ["hh/pendapatan", "hh/art", "usaha/jalan", "usaha/pekerja", "usaha/omzet", "usaha/biaya"]
CODES = [
    "monthly_income",
    "household_size",
    "business_running",
    "workers",
    "monthly_revenue",
    "monthly_costs",
]
ACTIVE = [f"BTG-{n:04d}" for n in range(1, 191) if n not in (17, 102)]
SLOW = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)

decimals = st.decimals(min_value=0, max_value=10**7, places=2, allow_nan=False)
_answers = st.fixed_dictionaries(
    {
        "hh/pendapatan": st.one_of(st.just(""), st.integers(0, 100_000).map(str)),
        "hh/art": st.one_of(st.just(""), st.integers(1, 50).map(str)),
        "usaha/jalan": st.sampled_from(["ya", "tidak", "1", "0", "Yes", "FALSE"]),
        "usaha/pekerja": st.integers(0, 99).map(str),
        "usaha/omzet": decimals.map(str),
        "usaha/biaya": decimals.map(str),
    }
)


def _consistent(answer: dict[str, str]) -> dict[str, str]:
    # The umkm plugin refuses revenue or workers of a business that is not running.
    if answer["usaha/jalan"] in ("tidak", "0", "FALSE"):
        return {**answer, "usaha/pekerja": "0", "usaha/omzet": "0"}
    return answer


answers = _answers.map(_consistent)


@st.composite
def exports(draw: st.DrawFn) -> dict[str, Any]:
    """A Kobo-like export: random delimiter, quoting, group-path spelling and extra columns."""
    rows = draw(st.lists(answers, min_size=1, max_size=12))
    members = draw(st.permutations(ACTIVE))[: len(rows)]
    separator = draw(st.sampled_from(["/", "-", ".", None]))
    extra = draw(st.lists(st.sampled_from(["start", "end", "_id", "_tags", "note"]), unique=True))

    def spelled(name: str) -> str:
        if separator is None:
            return name.split("/")[-1]
        return name.replace("/", separator)

    header = [spelled(c) for c in ["hh/id_mitra", *COLUMNS]] + ["_uuid", *extra]
    order = draw(st.permutations(range(len(header))))
    header = [header[i] for i in order]
    delimiter = draw(st.sampled_from([";", ",", "\t", "|"]))
    quoting = draw(st.sampled_from([csv.QUOTE_ALL, csv.QUOTE_MINIMAL]))
    full = []
    for index, (member, answer) in enumerate(zip(members, rows, strict=False)):
        found = {spelled(k): v for k, v in answer.items()}
        found[spelled("hh/id_mitra")] = member
        found["_uuid"] = f"uuid-{index}"
        for name in extra:
            found[name] = draw(st.sampled_from(["", "a;b", 'say "x"', "line\nbreak", "1,5"]))
        full.append(found)
    return {
        "header": header,
        "rows": full,
        "answers": rows,
        "members": members,
        "delimiter": delimiter,
        "quoting": quoting,
        "names": {c: spelled(c) for c in COLUMNS},
    }


def render(export: dict[str, Any]) -> str:
    out = io.StringIO()
    writer = csv.writer(
        out, delimiter=export["delimiter"], quoting=export["quoting"], lineterminator="\r\n"
    )
    writer.writerow(export["header"])
    for found in export["rows"]:
        writer.writerow([found.get(name, "") for name in export["header"]])
    return out.getvalue()


def read(
    content: str | bytes, observations: Observations, name: str = "e.csv", **kw: Any
) -> ImportBatch:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / name
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8", newline="")
        return read_submissions(
            path,
            parse_mapping(MAPPING),
            program=observations.program,
            observations=observations,
            **kw,
        )


def expected(answer: dict[str, str]) -> list[Any]:
    truth = {"ya": True, "1": True, "yes": True, "tidak": False, "0": False, "false": False}
    return [
        Decimal(answer["hh/pendapatan"]) * 1000 if answer["hh/pendapatan"] else None,
        int(answer["hh/art"]) if answer["hh/art"] else None,
        truth[answer["usaha/jalan"].lower()],
        int(answer["usaha/pekerja"]),
        Decimal(answer["usaha/omzet"]),
        Decimal(answer["usaha/biaya"]),
    ]


class TestRoundTrip:
    @SLOW
    @given(export=exports())
    def test_values_come_back(self, export: dict[str, Any], observations: Observations) -> None:
        (block,) = read(render(export), observations).blocks
        assert block.unit_ids == tuple(export["members"])
        assert block.rows == tuple(range(2, len(export["rows"]) + 2))
        for position, answer in enumerate(export["answers"]):
            assert [block.values[code][position] for code in CODES] == expected(answer)

    @SLOW
    @given(export=exports())
    def test_reading_again_with_the_submissions_known_reads_nothing(
        self, export: dict[str, Any], observations: Observations
    ) -> None:
        text = render(export)
        first = read(text, observations)
        again = read(text, observations, known=first.submissions)
        assert again.blocks == ()
        assert again.skipped == len(export["rows"])
        assert again.submissions == frozenset()


DAMAGE = {
    "hh/pendapatan": ["12x", "-1", "=A1*2", "NaN", "1e-40"],
    "hh/art": ["0", "51", "2.5", "four"],
    "usaha/jalan": ["mungkin", "=TRUE()"],
    "usaha/pekerja": ["", "100", "-1", "1.5"],
    "usaha/omzet": ["", "-0.01", "1 000", "+inf"],
    "usaha/biaya": ["", "Rp 5", "9" * 25],
}


class TestDamage:
    @SLOW
    @given(export=exports(), data=st.data())
    def test_one_bad_cell_is_reported_where_it_is(
        self, export: dict[str, Any], data: st.DataObject, observations: Observations
    ) -> None:
        rows = export["rows"]
        index = data.draw(st.integers(0, len(rows) - 1))
        column = data.draw(st.sampled_from(COLUMNS))
        name = export["names"][column]
        rows[index][name] = data.draw(st.sampled_from(DAMAGE[column]))
        text = render(export)
        try:
            read(text, observations)
        except KlasterError as exc:
            problems = exc.problems  # type: ignore[attr-defined]
        else:
            raise AssertionError("the damaged cell was read")
        assert len(problems) == 1, problems
        assert problems[0].startswith(f"e.csv row {index + 2} column {name!r}: "), problems
        kept = read(text, observations, keep_valid=True)
        (rejected,) = kept.rejected
        assert rejected.row == index + 2
        good = [r for r in range(2, len(rows) + 2) if r != index + 2]
        assert [r for b in kept.blocks for r in b.rows] == good


TOKENS = [*';,\t|"\r\n =ab1.-\x00\udc80é', *COLUMNS, "hh/id_mitra", "_uuid", "BTG-0001", "uuid:"]
ANY = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


class TestNeverForeignErrors:
    @ANY
    @given(content=st.binary(max_size=400), as_zip=st.booleans())
    def test_random_bytes(self, content: bytes, as_zip: bool, observations: Observations) -> None:
        if as_zip:
            content = b"PK\x03\x04" + content
        name = "x.xlsx" if as_zip else "x.csv"
        _read_or_located_error(content, observations, name)

    @ANY
    @given(tokens=st.lists(st.sampled_from(TOKENS), max_size=120))
    def test_random_csv_like_text(self, tokens: list[str], observations: Observations) -> None:
        content = "".join(tokens).encode("utf-8", "surrogateescape")
        _read_or_located_error(content, observations, "e.csv")

    @settings(
        max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
    )
    @given(data=st.data())
    def test_damaged_workbook(self, data: st.DataObject, observations: Observations) -> None:
        original = Path(__file__).resolve().parents[2] / "examples/data/kobo/monitoring_2015.xlsx"
        content = bytearray(original.read_bytes())
        for _ in range(data.draw(st.integers(1, 8))):
            content[data.draw(st.integers(0, len(content) - 1))] = data.draw(st.integers(0, 255))
        _read_or_located_error(bytes(content), observations, "x.xlsx")

    @settings(
        max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
    )
    @given(data=st.data())
    def test_damaged_sheet_inside_a_sound_zip(
        self, data: st.DataObject, observations: Observations
    ) -> None:
        original = Path(__file__).resolve().parents[2] / "examples/data/kobo/monitoring_2015.xlsx"
        with zipfile.ZipFile(original) as source:
            parts = {name: source.read(name) for name in source.namelist()}
        name = data.draw(st.sampled_from(sorted(parts)))
        content = bytearray(parts[name])
        cut = data.draw(st.integers(0, len(content)))
        if data.draw(st.booleans()):
            content = content[:cut]
        else:
            for _ in range(data.draw(st.integers(1, 6))):
                content[data.draw(st.integers(0, len(content) - 1))] = data.draw(
                    st.sampled_from(b'<>"/=x\x00 9')
                )
        parts[name] = bytes(content)
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w") as target:
            for part, raw in parts.items():
                target.writestr(part, raw)
        _read_or_located_error(out.getvalue(), observations, "x.xlsx")


def _read_or_located_error(content: bytes, observations: Observations, name: str) -> None:
    """Reading gives a batch or a KlasterError naming the file or mapping; nothing else escapes."""
    outcome: ImportBatch | KlasterError
    try:
        outcome = read(content, observations, name=name)
    except KlasterError as exc:
        outcome = exc
    if isinstance(outcome, KlasterError):
        assert name in str(outcome) or "mapping" in str(outcome), str(outcome)
    else:
        assert isinstance(outcome, ImportBatch)
