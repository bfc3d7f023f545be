"""Error messages of an import never repeat a cell that is not a declared ID.

A declared ID is a value the program itself holds as an ID (a member, group, cooperative or
cluster of the program) or a submission ID. A unit column that holds names or NIKs, a repeat's
parent key, an unknown cluster or group and an invalid category answer are reported by row and
column only.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from klaster import ImportDataError, Program
from klaster.importing import parse_mapping, read_submissions
from klaster.observations.values import Observations

NIK = "7301234567890001"
NAME = "Siti Rahmawati"
SECRETS = (NIK, NAME, "Kampung Rahasia", "KLP-Rahasia")

SURVEY = """\
mapping_version = 1
form = "survey"
unit = "m"
[round]
id = "btg-endline"
[variables]
monthly_income = "inc"
business_type_text = "jenis"
[[repeats]]
name = "usaha"
file = "usaha.csv"
parent_column = "nik_kk"
parent_key = "nik"
[repeats.variables.monthly_revenue]
column = "omzet"
aggregate = "sum"
"""

PER_CLUSTER = """\
mapping_version = 1
form = "survey"
unit = "m"
[cluster]
column = "klaster"
[round]
id = "btg-endline"
[variables]
monthly_income = "inc"
"""

REGISTRATION = """\
mapping_version = 1
form = "registration"
[cluster]
column = "klaster"
[fields]
id = "id"
name = "nama"
household_size = "art"
village = "desa"
group = "kelompok"
sex = "jk"
national_id = "nik"
[fields.sector]
value = "umkm"
[fields.joined]
value = 2015-03-01
"""


def problems(exc: pytest.ExceptionInfo[ImportDataError]) -> str:
    return "\n".join([str(exc.value), *exc.value.problems])


def check_silent(text: str) -> None:
    for secret in SECRETS:
        assert secret not in text


def read(path: Path, mapping_text: str, observations: Observations, **kw: Any) -> Any:
    mapping = parse_mapping(mapping_text, name="m.toml")
    return read_submissions(
        path, mapping, program=observations.program, observations=observations, **kw
    )


class TestNoPersonalValueInErrors:
    def test_survey_unit_parent_key_and_cells(self, kobo: Any, observations: Observations) -> None:
        if "business_type_text" not in observations.variables:
            survey = SURVEY.replace('business_type_text = "jenis"\n', "")
        else:  # pragma: no cover - a catalogue with such a variable
            survey = SURVEY
        header = ["m", "inc", "nik", "_uuid"]
        rows = [
            {"m": NIK, "inc": "1", "nik": NIK, "_uuid": "u1"},  # a NIK as the unit
            {"m": NAME, "inc": "1", "nik": NIK, "_uuid": "u2"},  # same parent key twice
            {"m": NAME, "inc": NAME, "nik": "k3", "_uuid": "u3"},  # a name twice in the round
        ]
        main = kobo.csv(rows, header=header)
        kobo.csv(
            [{"omzet": NAME, "nik_kk": NAME}, {"omzet": "5", "nik_kk": NIK}],
            name="usaha.csv",
            header=["omzet", "nik_kk"],
        )
        with pytest.raises(ImportDataError) as caught:
            read(main, survey, observations)
        text = problems(caught)
        assert "row 2 column 'm'" in text
        assert "row 3 column 'nik'" in text  # the duplicate parent key, by row and column
        assert "usaha.csv row 2 column 'nik_kk'" in text  # the orphan repeat row
        check_silent(text)
        batch = read(main, survey, observations, keep_valid=True)
        check_silent("\n".join(r for rejection in batch.rejected for r in rejection.reasons))

    def test_unknown_cluster(self, kobo: Any, observations: Observations) -> None:
        rows = [{"m": "BTG-0001", "inc": "1", "klaster": NAME, "_uuid": "u1"}]
        main = kobo.csv(rows, header=["m", "inc", "klaster", "_uuid"])
        with pytest.raises(ImportDataError) as caught:
            read(main, PER_CLUSTER.replace("btg-endline", "{cluster}-endline"), observations)
        text = problems(caught)
        assert "row 2 column 'klaster'" in text
        check_silent(text)

    def test_registration_cluster_and_group(self, kobo: Any, program: Program) -> None:
        from klaster.observations.core_variables import variable_catalogue

        observations = Observations(program, variable_catalogue())
        header = ["id", "nama", "art", "desa", "kelompok", "jk", "nik", "klaster", "_uuid"]
        base = {"nama": NAME, "art": "3", "desa": "Lamalaka", "jk": "P", "nik": NIK}
        rows = [
            {**base, "id": "NEW-1", "kelompok": "", "klaster": "Kampung Rahasia", "_uuid": "a"},
            {**base, "id": "NEW-2", "kelompok": "KLP-Rahasia", "klaster": "bantaeng", "_uuid": "b"},
        ]
        main = kobo.csv(rows, header=header, name="reg.csv")
        with pytest.raises(ImportDataError) as caught:
            read(main, REGISTRATION, observations)
        text = problems(caught)
        assert "row 2 column 'klaster'" in text
        assert "row 3 column 'kelompok'" in text
        check_silent(text)
