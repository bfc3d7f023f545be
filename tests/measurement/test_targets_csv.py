"""Targets from a CSV file: a new framework version, row-located errors, all or nothing."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
from tests.model.results_builders import lebak_like

from klaster import ImportDataError, Program
from klaster.measurement import Measurement, read_targets_csv
from klaster.observations import Observations, variable_catalogue
from klaster.testing.samples import sample_program


def engine() -> Measurement:
    program = sample_program()
    program.revise_framework(lebak_like(), recorded_on="2011-01-10", reason="awal")
    return Measurement(program, Observations(program, variable_catalogue()))


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "targets.csv"
    path.write_text(text, encoding="utf-8")
    return path


def problems(path: Path, catalogue: object, program: Program | None = None) -> list[str]:
    with pytest.raises(ImportDataError) as exc:
        read_targets_csv(path, catalogue, recorded_on="2012-06-01", reason="x", program=program)  # type: ignore[arg-type]
    return list(exc.value.problems)


def test_a_new_version_with_the_files_targets(tmp_path: Path) -> None:
    m = engine()
    path = write(tmp_path, (
        "result_id,indicator,round,period,value,sex,cluster\n"
        "oc1,income_change_pct,endline,,60,,\n"
        "oc1,income_change_pct,,2012,0.1,female,bantaeng\n"
        "op1,groups,endline,,34,,bantaeng\n"
        "\n"
    ))  # fmt: skip
    framework = read_targets_csv(path, m, recorded_on="2012-06-01", reason="tinjauan")
    program: Program = m.program
    assert framework.version == 2
    assert program.results.current == framework
    income = framework.results[0].indicators[0]
    assert [(t.value, t.round_key, t.start, t.end, t.by, t.cluster_id) for t in income.targets] == [
        (Decimal(60), "endline", None, None, (), None),
        (Decimal("0.1"), None, dt.date(2012, 1, 1), dt.date(2012, 12, 31), (("sex", "female"),),
         "bantaeng"),
    ]  # fmt: skip
    assert income.baseline_round == "baseline"  # the rest of the indicator is kept
    trained, groups = framework.results[1].indicators
    assert trained == program.results.versions[0].results[1].indicators[0]  # not in the file
    assert groups.indicator == "groups"  # added to the result


def test_every_bad_row_is_located_and_nothing_recorded(tmp_path: Path) -> None:
    m = engine()
    path = write(tmp_path, (
        "result_id,indicator,start,end,round,value,cluster\n"
        "oc1,income_per_capta,,,endline,1,\n"
        "oc1,members,2009-01-01,2009-12-31,,1,\n"
        "oc9,members,,,endline,1,\n"
        "oc1,members,,,endline,1.0e,\n"
        "oc1,members,,,endline,2,lebak\n"
        "oc1,members,,,endlin,2,\n"
        "oc1,groups,,,endline,2,\n"
        "oc1,groups,,,endline,3,\n"
    ))  # fmt: skip
    found = problems(path, m)
    name = str(path)
    assert found == [
        f"{name} row 2 column 'indicator': unknown indicator 'income_per_capta'; did you mean "
        "'income_per_capita', 'income_change_pct'?",
        f"{name} row 3 column 'start': a period outside the program: 2009-01-01 is not within "
        "2010-09-01 to open",
        f"{name} row 3 column 'end': a period outside the program: 2009-12-31 is not within "
        "2010-09-01 to open",
        f"{name} row 4 column 'result_id': unknown result 'oc9'; results: oc1, op1",
        f"{name} row 5 column 'value': must be a number such as 0.8 or 250000",
        f"{name} row 6 column 'cluster': unknown cluster 'lebak'; clusters: bantaeng",
        f"{name} row 7 column 'round': invalid round 'endlin': use baseline, midline, endline or "
        "monitoring, optionally with the ordinal of a repeated round ('midline_2')",
        f"{name} row 9: the same result, indicator, period or round, disaggregation and cluster "
        "as row 8",
    ]
    assert len(m.program.results) == 1


def test_values_are_read_exactly(tmp_path: Path) -> None:
    m = engine()
    path = write(tmp_path, "result_id,indicator,round,value\nop1,members_trained_12m,endline,0.1\n")
    framework = read_targets_csv(path, m, recorded_on="2012-06-01", reason="x")
    (target,) = framework.results[1].indicators[0].targets
    assert target.value == Decimal("0.1")  # not 0.1000000000000000055511151231257827


def test_bad_files(tmp_path: Path) -> None:
    m = engine()
    assert problems(write(tmp_path, "result_id,indicator,colour\n"), m) == [
        f"{tmp_path / 'targets.csv'} column 'colour': unknown column; use result_id, indicator, "
        "value, cluster, round, start, end, period or a dimension (sector, sex, kabupaten, "
        "kecamatan, desa, business_type, group, cooperative)",
        f"{tmp_path / 'targets.csv'}: no 'value' column",
    ]
    with pytest.raises(ImportDataError, match="the file is empty"):
        read_targets_csv(write(tmp_path, ""), m, recorded_on="2012-06-01", reason="x")
    with pytest.raises(ImportDataError, match="cannot read the file"):
        read_targets_csv(tmp_path / "none.csv", m, recorded_on="2012-06-01", reason="x")
    bare = sample_program()
    with pytest.raises(ImportDataError, match="no results framework yet"):
        read_targets_csv(write(tmp_path, "result_id,indicator,round,value\n"), ["members"],
                         program=bare, recorded_on="2012-06-01", reason="x")  # fmt: skip


def test_a_list_of_codes_is_a_catalogue(tmp_path: Path) -> None:
    m = engine()
    path = write(tmp_path, "result_id,indicator,round,value\nop1,groups,endline,30\n")
    assert problems(path, ["members"], m.program)[0].endswith(
        "unknown indicator 'groups'; known: members"
    )
    framework = read_targets_csv(path, ["groups"], program=m.program, recorded_on="2012-06-01",
                                 reason="x")  # fmt: skip
    assert framework.version == 2


def test_problems_never_echo_the_value_cell(tmp_path: Path) -> None:
    m = engine()
    path = write(tmp_path, "result_id,indicator,round,value\nop1,groups,endline,Rp-rahasia\n")
    (problem,) = problems(path, m)
    assert "rahasia" not in problem
