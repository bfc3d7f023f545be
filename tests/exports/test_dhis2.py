"""DHIS2 dataValueSets: the mapping file, the values, the JSON and CSV files."""

from __future__ import annotations

import csv
import datetime as dt
import json
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

import klaster
import klaster.observations
from klaster.errors import DocumentError
from klaster.exports import (
    DataValueSet,
    Dhis2Mapping,
    data_values,
    load_dhis2_mapping,
    parse_dhis2_mapping,
    period_string,
    write_data_values,
)
from klaster.exports.dhis2 import CSV_COLUMNS, format_value
from klaster.exports.dhis2_mapping import Dhis2Indicator
from klaster.model.program import Program
from klaster.observations import Observations, variable_catalogue

DATA = Path(__file__).resolve().parents[2] / "examples" / "data"
EXAMPLE = DATA / "bantaeng.dhis2.toml"

MAPPING = """
dhis2_version = 1
period_type = "quarterly"
org_unit_level = "kabupaten"
data_set = "pBOMPrpg1QX"

[org_units]
"73.03" = "DiszpKrYNg8"

[category_option_combos]
"sex=female" = "Prlt0C1RF0s"
"sex=male" = "V6L425pT3A0"

[indicators.members]
data_element = "fbfJHSPpUQD"
by = ["sex"]

[indicators.poverty_headcount]
data_element = "cYeuwXTCPkU"
factor = 100

[indicators.income_change_pct]
data_element = "vI2csg55S9C"
"""


@pytest.fixture(scope="module")
def bantaeng() -> tuple[Program, Observations]:
    program = klaster.load(DATA / "bantaeng.json")
    observations = klaster.observations.load(
        DATA / "bantaeng.observations.jsonl", program, variable_catalogue()
    )
    return program, observations


def _problems(text: str) -> tuple[str, ...]:
    with pytest.raises(DocumentError) as caught:
        parse_dhis2_mapping(text, name="map.toml")
    return caught.value.problems


def _fit_problems(bantaeng: tuple[Program, Observations], text: str) -> tuple[str, ...]:
    mapping = parse_dhis2_mapping(text, name="map.toml")
    with pytest.raises(DocumentError) as caught:
        data_values(*bantaeng, mapping)
    return caught.value.problems


class TestPeriods:
    @pytest.mark.parametrize(
        ("on", "kind", "expected"),
        [
            (dt.date(2024, 1, 1), "quarterly", "2024Q1"),
            (dt.date(2024, 3, 31), "quarterly", "2024Q1"),
            (dt.date(2024, 4, 1), "quarterly", "2024Q2"),
            (dt.date(2024, 12, 31), "quarterly", "2024Q4"),
            (dt.date(2024, 1, 15), "monthly", "202401"),
            (dt.date(2014, 11, 3), "monthly", "201411"),
            (dt.date(2024, 7, 1), "yearly", "2024"),
        ],
    )
    def test_examples(self, on: dt.date, kind: str, expected: str) -> None:
        assert period_string(on, kind) == expected

    @given(st.dates(min_value=dt.date(1000, 1, 1)))
    def test_each_period_holds_its_date(self, on: dt.date) -> None:
        quarter = period_string(on, "quarterly")
        month = period_string(on, "monthly")
        year = period_string(on, "yearly")
        assert year == f"{on.year:04d}"
        assert month == year + f"{on.month:02d}"
        assert quarter[:4] == year
        assert quarter[4] == "Q"
        assert on.month in range(3 * int(quarter[5]) - 2, 3 * int(quarter[5]) + 1)

    @given(st.dates(max_value=dt.date(9998, 12, 31)))
    def test_periods_follow_dates(self, on: dt.date) -> None:
        later = on + dt.timedelta(days=1)
        for kind in ("quarterly", "monthly", "yearly"):
            assert period_string(on, kind) <= period_string(later, kind)


class TestValues:
    def test_formatting(self) -> None:
        share = Dhis2Indicator("p0", "fbfJHSPpUQD", decimals=1, factor=Decimal(100))
        assert format_value(Decimal("0.30973"), share) == "31"
        assert format_value(Decimal("0.19308"), share) == "19.3"
        plain = Dhis2Indicator("x", "fbfJHSPpUQD")
        assert format_value(Decimal("282808.6283185840707964601770"), plain) == "282808.63"
        assert format_value(Decimal("0.125"), plain) == "0.13"  # half-up, not half-even
        assert format_value(Decimal("-0.001"), plain) == "0"
        assert format_value(Decimal("-2.5E+3"), plain) == "-2500"
        assert format_value(Decimal("1E+2"), plain) == "100"

    @given(
        st.decimals(allow_nan=False, allow_infinity=False, min_value=-(10**12), max_value=10**12),
        st.integers(0, 6),
    )
    def test_plain_text_rounded_half_up(self, value: Decimal, decimals: int) -> None:
        text = format_value(value, Dhis2Indicator("x", "fbfJHSPpUQD", decimals=decimals))
        assert "E" not in text.upper()
        assert Decimal(text) == value.quantize(
            Decimal(1).scaleb(-decimals), rounding="ROUND_HALF_UP"
        )
        assert text == "0" or not text.endswith(("0", ".")) or "." not in text

    def test_bantaeng(self, bantaeng: tuple[Program, Observations]) -> None:
        found = data_values(*bantaeng, parse_dhis2_mapping(MAPPING))
        by_key = {(v.data_element, v.period, v.category_option_combo): v for v in found.values}
        assert by_key["fbfJHSPpUQD", "2011Q2", "Prlt0C1RF0s"].value == "87"
        assert by_key["fbfJHSPpUQD", "2014Q1", "V6L425pT3A0"].value == "55"
        assert by_key["cYeuwXTCPkU", "2011Q2", None].value == "30.97"
        assert by_key["vI2csg55S9C", "2014Q1", None].value == "51.58"
        assert {v.org_unit for v in found.values} == {"DiszpKrYNg8"}
        assert len(found.values) == 7

    def test_not_available_left_out_and_counted(
        self, bantaeng: tuple[Program, Observations]
    ) -> None:
        found = data_values(*bantaeng, parse_dhis2_mapping(MAPPING))
        # income_change_pct at the baseline compares the baseline with itself: n/a.
        assert ("vI2csg55S9C", "2011Q2") not in {(v.data_element, v.period) for v in found.values}
        assert found.not_available == 1
        ((reason, count),) = found.reasons
        assert "baseline" in reason
        assert count == 1
        assert all(v.value not in ("", "0") for v in found.values)

    def test_from_a_store(self, bantaeng: tuple[Program, Observations], tmp_path: Path) -> None:
        from klaster.store import Store

        mapping = parse_dhis2_mapping(MAPPING)
        with Store.create(tmp_path / "b.klaster", bantaeng[0], observations=bantaeng[1]):
            pass
        with Store.open(tmp_path / "b.klaster", readonly=True) as store:
            program = store.load_program()
            stored = data_values(program, store.load_observations(program=program), mapping)
        assert stored == data_values(*bantaeng, mapping)

    def test_rounds_chosen(self, bantaeng: tuple[Program, Observations]) -> None:
        found = data_values(*bantaeng, parse_dhis2_mapping(MAPPING), rounds=["endline"])
        assert {v.period for v in found.values} == {"2014Q1"}

    def test_by_code_and_default_combo(self, bantaeng: tuple[Program, Observations]) -> None:
        text = MAPPING.replace('"73.03" = "DiszpKrYNg8"', "")
        text = text.replace(
            'org_unit_level = "kabupaten"',
            'org_unit_level = "kecamatan"\norg_unit_id_scheme = "CODE"',
        )
        text = text.replace(
            "[category_option_combos]", '[category_option_combos]\ndefault = "HllvX50cXC0"'
        )
        found = data_values(*bantaeng, parse_dhis2_mapping(text))
        assert {v.org_unit for v in found.values} == {"73.03.01", "73.03.02", "73.03.05"}
        totals = [v for v in found.values if v.data_element == "cYeuwXTCPkU"]
        assert {v.category_option_combo for v in totals} == {"HllvX50cXC0"}
        assert found.to_json()["orgUnitIdScheme"] == "CODE"

    def test_two_rounds_in_one_period_refused(self, bantaeng: tuple[Program, Observations]) -> None:
        text = MAPPING.replace('"quarterly"', '"yearly"')
        program, observations = bantaeng
        copy = klaster.loads(klaster.dumps(program))
        later = klaster.observations.loads(
            klaster.observations.dumps(observations).replace("2014-03-01", "2011-12-01"),
            copy,
            variable_catalogue(),
        )
        with pytest.raises(DocumentError) as caught:
            data_values(copy, later, parse_dhis2_mapping(text, name="map.toml"))
        assert any("both fall in 2011" in p for p in caught.value.problems)


def _twins(
    level_code: str = "73.99", baseline: dt.date = dt.date(2011, 6, 15)
) -> tuple[Program, Observations]:
    """Bantaeng and a copy of its members in a kabupaten of the same name, coded ``level_code``."""
    document = json.loads((DATA / "bantaeng.json").read_text(encoding="utf-8"))
    cluster = document["program"]["clusters"][0]
    twin = json.loads(
        json.dumps(cluster).replace('"BTG-', '"TWN-').replace('"73.03', f'"{level_code}')
    )
    twin.update(id="twin", name="Twin", groups=[], cooperatives=[], stakeholders=[])
    document["program"]["clusters"].append(twin)
    program = klaster.loads(json.dumps(document))
    observations = klaster.observations.load(
        DATA / "bantaeng.observations.jsonl", program, variable_catalogue()
    )
    observations.add_round(klaster.observations.Round("twn-baseline", "twin", "baseline", baseline))
    return program, observations


class TestPlacesByCode:
    """Two kabupaten of one name in two clusters are two org units, matched by their codes."""

    MAPPING = MAPPING.replace(
        '"73.03" = "DiszpKrYNg8"', '"73.03" = "DiszpKrYNg8"\n"73.99" = "TwinKabUID1"'
    )

    def test_same_name_two_codes(self) -> None:
        program, observations = _twins()
        found = data_values(program, observations, parse_dhis2_mapping(self.MAPPING))
        members = {
            (v.org_unit, v.category_option_combo): v.value
            for v in found.values
            if v.data_element == "fbfJHSPpUQD" and v.period == "2011Q2"
        }
        assert members == {
            ("DiszpKrYNg8", "Prlt0C1RF0s"): "87",
            ("DiszpKrYNg8", "V6L425pT3A0"): members["DiszpKrYNg8", "V6L425pT3A0"],
            ("TwinKabUID1", "Prlt0C1RF0s"): "87",
            ("TwinKabUID1", "V6L425pT3A0"): members["DiszpKrYNg8", "V6L425pT3A0"],
        }

    def test_same_name_same_code_pooled(self) -> None:
        program, observations = _twins("73.03")
        found = data_values(program, observations, parse_dhis2_mapping(MAPPING))
        members = {
            v.category_option_combo: v.value
            for v in found.values
            if v.data_element == "fbfJHSPpUQD" and v.period == "2011Q2"
        }
        assert members["Prlt0C1RF0s"] == "174"

    def _members(self, found: DataValueSet) -> dict[tuple[str, str], str]:
        female = "Prlt0C1RF0s"
        return {
            (v.org_unit, v.period): v.value
            for v in found.values
            if v.data_element == "fbfJHSPpUQD" and v.category_option_combo == female
        }

    def test_clusters_surveyed_on_different_days(self) -> None:
        # The baseline row has no one date (Row.on is None): each place's period comes from
        # its own cluster's round (members active on its day). Before, every such value was
        # dropped without a word.
        program, observations = _twins(baseline=dt.date(2011, 6, 20))
        found = data_values(program, observations, parse_dhis2_mapping(self.MAPPING))
        assert self._members(found) == {
            ("DiszpKrYNg8", "2011Q2"): "87",
            ("TwinKabUID1", "2011Q2"): "96",
            ("DiszpKrYNg8", "2014Q1"): "133",
        }
        program, observations = _twins(baseline=dt.date(2011, 12, 20))
        found = data_values(program, observations, parse_dhis2_mapping(self.MAPPING))
        assert self._members(found) == {
            ("DiszpKrYNg8", "2011Q2"): "87",
            ("TwinKabUID1", "2011Q4"): "135",
            ("DiszpKrYNg8", "2014Q1"): "133",
        }

    def test_one_place_pooled_over_two_periods_refused(self) -> None:
        program, observations = _twins("73.03", baseline=dt.date(2011, 12, 20))
        with pytest.raises(DocumentError) as caught:
            data_values(program, observations, parse_dhis2_mapping(MAPPING, name="map.toml"))
        assert (
            "map.toml period_type: the baseline rounds of the kabupaten 'Bantaeng' (73.03) fall "
            "in 2011Q2, 2011Q4 for indicator 'members'; choose a coarser period_type or a finer "
            "org_unit_level"
        ) in caught.value.problems
        # A coarser period takes both days.
        yearly = MAPPING.replace('"quarterly"', '"yearly"')
        found = data_values(program, observations, parse_dhis2_mapping(yearly))
        assert self._members(found)[("DiszpKrYNg8", "2011")] == str(87 + 135)

    def test_one_name_two_codes_in_one_cluster_refused(self) -> None:
        # Two desa of one name in two kecamatan of one cluster: the figures by name cannot
        # split them.
        document = json.loads((DATA / "bantaeng.json").read_text(encoding="utf-8"))
        kecamatan = document["program"]["clusters"][0]["region"]["children"][0]["children"]
        kecamatan[0]["children"][0]["code"] = "73.03.01.2001"
        kecamatan[1]["children"][3].update(name="Bonto Manai", code="73.03.02.2004")
        cluster = document["program"]["clusters"][0]
        for record in (*cluster["members"], *cluster["groups"]):
            if record.get("village") in ("Bonto Manai", "Karatuang"):
                record["village"] = "73.03.01.2001"
        program = klaster.loads(json.dumps(document))
        observations = klaster.observations.load(
            DATA / "bantaeng.observations.jsonl", program, variable_catalogue()
        )
        mapping = MAPPING.replace(
            'org_unit_level = "kabupaten"',
            'org_unit_level = "desa"\norg_unit_id_scheme = "CODE"',
        )
        with pytest.raises(DocumentError) as caught:
            data_values(program, observations, parse_dhis2_mapping(mapping, name="map.toml"))
        assert caught.value.problems[0] == (
            "map.toml org_unit_level: the desa 'Bonto Manai' names the regions 73.03.01.2001, "
            "73.03.02.2004, which the figures by name cannot tell apart in cluster 'bantaeng'; "
            "give the regions distinct names, or choose a higher org_unit_level"
        )


class TestMappingRecord:
    def test_hashable_and_equal_mappings_hash_equal(self) -> None:
        one, two = parse_dhis2_mapping(MAPPING), parse_dhis2_mapping(MAPPING)
        assert one == two
        assert hash(one) == hash(two)
        assert len({one, two, parse_dhis2_mapping(MAPPING.replace("quarterly", "yearly"))}) == 2

    def test_tables_read_only_with_mapping_access(self) -> None:
        mapping = parse_dhis2_mapping(MAPPING)
        assert mapping.org_units == {"73.03": "DiszpKrYNg8"}
        assert mapping.combos.get((("sex", "female"),)) == "Prlt0C1RF0s"
        with pytest.raises(TypeError):
            mapping.org_units["73.04"] = "TwinKabUID1"  # type: ignore[index]


class TestMappingErrors:
    def test_unknown_indicator_with_suggestion(
        self, bantaeng: tuple[Program, Observations]
    ) -> None:
        problems = _fit_problems(
            bantaeng, MAPPING.replace("indicators.members", "indicators.membrs")
        )
        assert problems == (
            "map.toml indicators.membrs: unknown indicator (did you mean 'members'?); "
            "`klaster report` and Measurement.codes() list the program's indicators",
        )

    def test_unknown_region(self, bantaeng: tuple[Program, Observations]) -> None:
        problems = _fit_problems(bantaeng, MAPPING.replace('"73.03" =', '"73.04" ='))
        assert problems[0] == (
            "map.toml org_units.'73.04': no kabupaten of the program has the code '73.04' "
            "(did you mean '73.03'?); its codes are 73.03"
        )
        assert "no org unit for the kabupaten '73.03'" in problems[1]

    def test_missing_combo(self, bantaeng: tuple[Program, Observations]) -> None:
        problems = _fit_problems(bantaeng, MAPPING.replace('"sex=male" = "V6L425pT3A0"', ""))
        assert problems == (
            "map.toml category_option_combos: no combo for 'sex=male' (indicator 'members'); "
            'add "sex=male" = UID',
        )

    def test_region_without_code(self, bantaeng: tuple[Program, Observations]) -> None:
        text = MAPPING.replace('org_unit_level = "kabupaten"', 'org_unit_level = "desa"')
        problems = _fit_problems(bantaeng, text.replace('"73.03" = "DiszpKrYNg8"', ""))
        assert (
            "map.toml org_unit_level: the desa 'Baruga' has no Kemendagri code in the program's "
            "region tree; give it its code there, or choose a higher org_unit_level"
        ) in problems
        assert all(p.startswith("map.toml org_unit_level: the desa ") for p in problems)

    @pytest.mark.parametrize(
        "bad", ["fbfJHSPpUQ", "fbfJHSPpUQDx", "1bfJHSPpUQD", "fbfJHSP-UQD", "fbfJHSPpUQ\u00e9"]
    )
    def test_bad_uid(self, bad: str) -> None:
        problems = _problems(MAPPING.replace('"fbfJHSPpUQD"', f'"{bad}"'))
        assert problems == (
            f"map.toml indicators.members.data_element: {bad!r} is not a DHIS2 UID: 11 letters "
            "and digits starting with a letter, e.g. 'fbfJHSPpUQD'",
        )

    def test_every_uid_checked(self) -> None:
        text = MAPPING.replace('"pBOMPrpg1QX"', '"x"').replace('"DiszpKrYNg8"', '"y"')
        text = text.replace('"Prlt0C1RF0s"', "3")
        problems = _problems(text)
        assert [p.split(":")[0] for p in problems] == [
            "map.toml data_set",
            "map.toml org_units.'73.03'",
            "map.toml category_option_combos.'sex=female'",
        ]

    def test_strict_keys_and_values(self) -> None:
        text = MAPPING.replace("dhis2_version = 1", "dhis2_version = 2\nperod_type = 1")
        text = text.replace('"quarterly"', '"quartely"').replace('by = ["sex"]', 'by = ["gender"]')
        text = text.replace("factor = 100", "factr = 100")
        text = text.replace('"sex=male"', '"sx=male"')
        problems = _problems(text)
        assert problems == (
            "map.toml perod_type: unknown key (did you mean 'period_type'?); valid keys are "
            "dhis2_version, period_type, org_unit_level, org_unit_id_scheme, data_set, "
            "attribute_option_combo, org_units, category_option_combos, indicators",
            "map.toml dhis2_version: must be 1, got 2; this klaster reads 1",
            "map.toml period_type: 'quartely' is not one of quarterly, monthly, yearly "
            "(did you mean 'quarterly'?)",
            "map.toml category_option_combos.'sx=male': unknown dimension 'sx' "
            "(did you mean 'sex'?); use sector, sex, business_type",
            "map.toml indicators.members.by: unknown dimension 'gender'; use sector, sex, "
            "business_type",
            "map.toml indicators.poverty_headcount.factr: unknown key (did you mean 'factor'?); "
            "valid keys are data_element, by, decimals, factor",
        )

    def test_not_toml_and_missing(self, tmp_path: Path) -> None:
        with pytest.raises(DocumentError, match="not a valid TOML file"):
            parse_dhis2_mapping("dhis2_version = ")
        assert _problems("dhis2_version = 1") == (
            "map.toml period_type: is missing; one of quarterly, monthly, yearly",
            "map.toml org_unit_level: is missing; one of kabupaten, kecamatan, desa",
            "map.toml indicators: is missing; add an [indicators.CODE] table per indicator",
        )
        with pytest.raises(DocumentError, match="cannot read"):
            load_dhis2_mapping(tmp_path / "absent.toml")


class TestFiles:
    def test_json(self, bantaeng: tuple[Program, Observations], tmp_path: Path) -> None:
        found = data_values(*bantaeng, parse_dhis2_mapping(MAPPING))
        target = tmp_path / "values.json"
        write_data_values(target, found, complete_date=dt.date(2014, 3, 31))
        document = json.loads(target.read_text(encoding="utf-8"))
        assert list(document) == ["dataSet", "completeDate", "dataValues"]
        assert document["dataSet"] == "pBOMPrpg1QX"
        assert document["completeDate"] == "2014-03-31"
        first = document["dataValues"][0]
        assert first == {
            "dataElement": "fbfJHSPpUQD",
            "period": "2011Q2",
            "orgUnit": "DiszpKrYNg8",
            "categoryOptionCombo": "Prlt0C1RF0s",
            "value": "87",
            "comment": "klaster members, round baseline, n=87",
        }
        total = next(v for v in document["dataValues"] if v["dataElement"] == "cYeuwXTCPkU")
        assert "categoryOptionCombo" not in total  # DHIS2's default combo

    def test_csv(self, bantaeng: tuple[Program, Observations], tmp_path: Path) -> None:
        found = data_values(*bantaeng, parse_dhis2_mapping(MAPPING))
        target = tmp_path / "values.csv"
        write_data_values(target, found)
        with target.open(encoding="utf-8", newline="") as handle:
            rows = list(csv.reader(handle))
        assert tuple(rows[0]) == CSV_COLUMNS == (
            "dataelement", "period", "orgunit", "categoryoptioncombo", "attributeoptioncombo",
            "value", "storedby", "lastupdated", "comment", "followup",
        )  # fmt: skip
        assert rows[1][:6] == ["fbfJHSPpUQD", "2011Q2", "DiszpKrYNg8", "Prlt0C1RF0s", "", "87"]
        assert len(rows) == 1 + len(found.values)

    def test_csv_neutralised(self, tmp_path: Path) -> None:
        mapping = parse_dhis2_mapping(
            MAPPING.replace(
                'org_unit_level = "kabupaten"',
                'org_unit_level = "kabupaten"\norg_unit_id_scheme = "CODE"',
            ).replace('"DiszpKrYNg8"', '"=1+2"')
        )
        from klaster.exports import DataValue

        values = DataValueSet((DataValue("fbfJHSPpUQD", "2014Q1", "=1+2", "-5"),), 0, (), mapping)
        target = tmp_path / "values.csv"
        write_data_values(target, values)
        row = target.read_text(encoding="utf-8").splitlines()[1].split(",")
        assert row[2] == "'=1+2"
        assert row[5] == "-5"  # a number keeps its sign

    def test_nothing_written_on_error(
        self, bantaeng: tuple[Program, Observations], tmp_path: Path
    ) -> None:
        found = data_values(*bantaeng, parse_dhis2_mapping(MAPPING))
        with pytest.raises(DocumentError, match=r"\.json or \.csv"):
            write_data_values(tmp_path / "values.xml", found)
        with pytest.raises(DocumentError, match="cannot write"):
            write_data_values(tmp_path / "absent" / "values.json", found)
        assert list(tmp_path.iterdir()) == []


class TestExampleMapping:
    def test_bundled_mapping_fits_bantaeng(self, bantaeng: tuple[Program, Observations]) -> None:
        mapping = load_dhis2_mapping(EXAMPLE)
        assert isinstance(mapping, Dhis2Mapping)
        assert mapping.source == "bantaeng.dhis2.toml"
        found = data_values(*bantaeng, mapping)
        assert len(found.values) == 11
        assert found.not_available == 1
