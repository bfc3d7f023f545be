"""The mapping file: reading, and every check made before a data row is read."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest

from klaster import ImportDataError
from klaster.catalogue.variable import Level
from klaster.importing import (
    Aggregate,
    FormKind,
    load_mapping,
    parse_mapping,
)
from klaster.observations.core_variables import core_variables
from klaster.observations.rounds import RoundKind

HEAD = 'mapping_version = 1\nform = "survey"\nunit = "hh/id"\n[round]\nid = "btg-endline"\n'


def problems(text: str, **kw: object) -> list[str]:
    with pytest.raises(ImportDataError) as caught:
        parse_mapping(text, name="m.toml", **kw)  # type: ignore[arg-type]
    return list(caught.value.problems)


class TestReading:
    def test_survey_mapping(self) -> None:
        mapping = parse_mapping(
            HEAD
            + """
[source]
delimiter = ";"
decimal = ","
sheet = "data"
max_rows = 1000

[variables]
household_size = "hh/art"

[variables.monthly_income]
column = "hh/pendapatan"
scale = "ribu"
missing = ["n/a", " -99 "]

[variables.business_registered]
column = "usaha/dokumen"
option = "nib"

[[repeats]]
name = "usaha"
[repeats.variables.monthly_revenue]
column = "usaha/omzet"
aggregate = "sum"
scale = "0.001"
"""
        )
        assert mapping.form is FormKind.SURVEY
        assert mapping.level is Level.MEMBER
        assert (mapping.delimiter, mapping.decimal_comma, mapping.sheet) == (";", True, "data")
        assert mapping.max_rows == 1000
        assert mapping.round is not None
        assert mapping.round.id == "btg-endline"
        assert not mapping.round.declared
        income = next(r for r in mapping.variables if r.target == "monthly_income")
        assert income.scale == Decimal(1000)
        assert income.missing == ("n/a", "-99")
        assert income.where == "variables.monthly_income"
        size = next(r for r in mapping.variables if r.target == "household_size")
        assert size.column == "hh/art"  # the short form
        (repeat,) = mapping.repeats
        assert repeat.variables[0].aggregate is Aggregate.SUM
        assert repeat.variables[0].scale == Decimal("0.001")
        assert mapping.variable_codes() == (
            "household_size",
            "monthly_income",
            "business_registered",
            "monthly_revenue",
        )

    def test_declared_round(self) -> None:
        mapping = parse_mapping(
            'mapping_version = 1\nform = "survey"\nunit = "u"\n[round]\nid = "r"\n'
            'kind = "midline"\non = "2013-01-07"\ncluster = "bantaeng"\n'
            'label = { id = "Survei tengah", en = "Midline" }\n[variables]\nworkers = "w"\n'
        )
        assert mapping.round is not None
        assert mapping.round.kind is RoundKind.MIDLINE
        assert mapping.round.on == dt.date(2013, 1, 7)
        assert mapping.round.declared
        assert mapping.round.label is not None

    def test_mappings_are_values(self) -> None:
        text = HEAD + "[variables.business_running]\ncolumn = 'b'\nvalues = { ya = true }\n"
        one, two = parse_mapping(text), parse_mapping(text)
        assert one == two
        assert hash(one) == hash(two)
        assert one != parse_mapping(text.replace("ya = true", "ya = false"))

    def test_registration_mapping(self) -> None:
        mapping = load_mapping(
            Path(__file__).resolve().parents[2] / "examples/data/kobo/registrasi.toml"
        )
        assert mapping.form is FormKind.REGISTRATION
        fields = {rule.target: rule for rule in mapping.fields}
        assert fields["sector"].value == "umkm"
        assert fields["sex"].values == {"L": "male", "P": "female"}
        assert fields["joined"].date_format == "%d/%m/%Y"

    def test_missing_file(self, tmp_path: Path) -> None:
        with pytest.raises(ImportDataError, match=r"nope\.toml: cannot read the mapping file"):
            load_mapping(tmp_path / "nope.toml")

    def test_not_utf8(self, tmp_path: Path) -> None:
        path = tmp_path / "m.toml"
        path.write_bytes(b'form = "\xe9"')
        with pytest.raises(ImportDataError, match="not UTF-8"):
            load_mapping(path)

    def test_bad_toml_names_the_file(self) -> None:
        with pytest.raises(ImportDataError, match=r"m\.toml: not a valid TOML file .*line 1"):
            parse_mapping("form = survey", name="m.toml")

    def test_custom_catalogue(self) -> None:
        with pytest.raises(ImportDataError, match="unknown variable code 'workers'"):
            parse_mapping(HEAD + "[variables]\nworkers = 'w'\n", variables=core_variables())
        mapping = parse_mapping(
            HEAD + "[variables]\nhousehold_size = 'w'\n", variables=core_variables().values()
        )
        assert mapping.variables[0].target == "household_size"


class TestChecks:
    def test_version(self) -> None:
        assert any("add mapping_version = 1" in p for p in problems('form = "survey"'))
        found = problems(HEAD.replace("= 1", "= 2", 1) + "[variables]\nworkers = 'w'\n")
        assert found == [
            "m.toml mapping_version: must be 1, got 2; this klaster reads mapping_version 1"
        ]

    def test_unknown_keys_with_path_and_valid_ones(self) -> None:
        found = problems(HEAD + "colour = 'red'\n[variables.workers]\ncolumn = 'w'\nscal = 2\n")
        assert any(p.startswith("m.toml round.colour: unknown key 'colour'") for p in found)
        assert any(
            p.startswith("m.toml variables.workers.scal: unknown key 'scal' (did you mean 'scale'")
            for p in found
        )

    def test_unknown_variable_suggests(self) -> None:
        (found,) = problems(HEAD + "[variables]\nmonthly_incom = 'x'\n")
        assert found.startswith(
            "m.toml variables.monthly_incom: unknown variable code 'monthly_incom' (did you mean "
            "'monthly_income'"
        )
        assert "valid: monthly_income" in found

    def test_every_problem_at_once(self) -> None:
        found = problems(
            'mapping_version = 1\nform = "surve"\n[round]\nkind = "weekly"\non = 2015-01-01\n'
            "[variables]\nworkers = { column = 'w', scale = 1.5 }\n"
            "business_running = { column = 'b', values = { ya = 'yes' } }\n"
        )
        text = "\n".join(found)
        forms = "'survey', 'registration', 'activity', 'visit', 'screening', 'roster'"
        assert f"form: must be one of {forms}, got" in text
        assert "round.kind: must be one of 'baseline'" in text
        assert "round.id: is required" in text
        assert "variables.workers.scale: must be 'ribu'" in text
        assert (
            "variables.business_running.values.ya: Business still running (boolean) must be" in text
        )

    def test_values_and_fixed_values_are_checked_by_the_variable(self) -> None:
        found = problems(HEAD + "[variables.workers]\nvalue = 500\n")
        assert found == ["m.toml variables.workers.value: Workers is above the maximum 99 person"]
        found = problems(HEAD + "[variables.workers]\ncolumn = 'w'\nvalues = { banyak = 12.5 }\n")
        assert "a float is not exact" in found[0]

    @pytest.mark.parametrize(
        ("rule", "message"),
        [
            ("column = 'w'\nscale = 'ribu'", None),
            ("column = 'w'\nscale = '0.5'", "an integer variable needs a whole-number scale"),
            ("column = 'w'\noption = 'x'", "feeds a boolean variable; workers is integer"),
            ("column = 'w'\ncount = true", None),
            ("column = 'w'\ndate_format = '%d'", "only dates have a format"),
            ("column = 'w'\naggregate = 'sum'", "is for variables of a [[repeats]] group"),
            ("value = 3\ncolumn = 'w'", "give exactly one of column"),
            ("scale = 2", "give exactly one of column"),
            ("column = 'w'\ncount = 'yes'", "must be true or false"),
            ("column = 'w'\nmissing = 'n/a'", "must be a list of answers"),
            ("column = 'w'\nscale = 0", "above 0"),
        ],
    )
    def test_rules(self, rule: str, message: str | None) -> None:
        text = HEAD + "[variables.workers]\n" + rule + "\n"
        if message is None:
            assert parse_mapping(text).variables[0].target == "workers"
        else:
            assert any(message in p for p in problems(text)), problems(text)

    def test_level_of_variables(self) -> None:
        found = problems(HEAD + "[variables]\ngroup_active = 'g'\n")
        assert found == [
            "m.toml variables.group_active: group_active is a group variable; these rows "
            "describe members"
        ]
        mapping = parse_mapping(
            HEAD.replace('unit = "hh/id"', 'level = "group"\nunit = "g"')
            + "[variables]\ngroup_active = 'g'\n"
        )
        assert mapping.level is Level.GROUP

    def test_aggregates_need_matching_types(self) -> None:
        base = HEAD + "[[repeats]]\nname = 'usaha'\n[repeats.variables.workers]\ncolumn = 'w'\n"
        assert "any gives a boolean value" in "".join(problems(base + "aggregate = 'any'\n"))
        assert "needs aggregate" in "".join(problems(base))
        assert parse_mapping(base + "aggregate = 'max'\n").repeats[0].variables[0].aggregate
        unit = base.replace("name = 'usaha'", "name = 'usaha'\nunit = 'u'")
        assert "remove aggregate" in "".join(problems(unit + "aggregate = 'sum'\n"))
        assert parse_mapping(unit).repeats[0].unit == "u"
        twice = (
            HEAD + "[[repeats]]\nname = 'a'\n[[repeats]]\nname = 'a'\n[variables]\nworkers='w'\n"
        )
        assert "repeat 'a' is declared twice" in "".join(problems(twice))

    def test_survey_shape(self) -> None:
        found = problems('mapping_version = 1\nform = "survey"\n[fields]\nname = "n"\n')
        text = "\n".join(found)
        assert "fields: is for registration forms" in text
        assert "unit: is required" in text
        assert "round" not in text  # left open: the round is given when importing
        assert "variables: map at least one variable" in text
        column = problems(HEAD + "[cluster]\ncolumn = 'k'\n[variables]\nworkers = 'w'\n")
        assert "put {cluster} in round.id" in column[0]
        new = problems(HEAD + "kind = 'monitoring'\non = 2015-01-01\n[variables]\nworkers = 'w'\n")
        assert "a new round needs its cluster" in new[0]
        both = problems(HEAD + "[cluster]\nid = 'a'\ncolumn = 'b'\n[variables]\nworkers='w'\n")
        assert any("not both" in p for p in both)

    def test_registration_shape(self) -> None:
        found = problems(
            'mapping_version = 1\nform = "registration"\nunit = "x"\n[fields]\n'
            'id = { value = "X" }\nname = "n"\ncolour = "c"\nsex = { column = "s", scale = 2 }\n'
            'joined = { column = "j", option = "x" }\n'
            'village = { column = "v", date_format = "%d" }\n'
        )
        text = "\n".join(found)
        assert "unit: is for survey forms" in text
        assert "cluster: is required" in text
        assert "fields.household_size: is required" in text
        assert "fields.sector: is required" in text
        assert "fields.colour: unknown member field 'colour'" in text
        assert "fields.sex.scale: is for numeric variables" in text
        assert "fields.joined.option: is for variables" in text
        assert "fields.village.date_format: is for the date fields" in text
        assert "fields.id: each new member needs its own ID: give a column" in text

    def test_source_options(self) -> None:
        text = (
            HEAD
            + "[source]\ndelimiter = ':'\nmax_rows = 0\ndecimal = ';'\n[variables]\nworkers = 'w'\n"
        )
        found = "\n".join(problems(text))
        assert "source.delimiter: must be one of" in found
        assert "source.max_rows: must be a whole number of at least 1" in found
        assert "source.decimal: must be one of '.', ','" in found
        tab = parse_mapping(HEAD + "[source]\ndelimiter = 'tab'\n[variables]\nworkers = 'w'\n")
        assert tab.delimiter == "\t"
        auto = parse_mapping(HEAD + "[source]\ndelimiter = 'auto'\n[variables]\nworkers = 'w'\n")
        assert auto.delimiter is None


class TestVocabulary:
    def test_form_kinds_and_aggregates_are_labelled(self) -> None:
        assert FormKind("registration") is FormKind.REGISTRATION
        assert FormKind.SURVEY.label.id == "Survei"
        assert FormKind.SURVEY.label.en == "Survey"
        assert Aggregate("sum") is Aggregate.SUM
        assert all(a.label.en and a.label.id for a in Aggregate)
