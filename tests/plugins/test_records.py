"""The records plugins declare (sector, variable, indicator, criterion) and sector files."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings

from klaster.catalogue.criterion import Operator, ReadinessCriterion
from klaster.catalogue.formula import FormulaError
from klaster.catalogue.indicator import Aggregation, Direction, Indicator
from klaster.catalogue.sector import BusinessType, Sector
from klaster.catalogue.variable import Category, Level, Variable
from klaster.errors import DocumentError, KlasterError, ValidationError
from klaster.label import Label
from klaster.plugins.sectorfile import SectorData, read_sector_toml
from klaster.testing.catalogue_strategies import sector_data

L = Label("Contoh", "Example")


def variable(**changes: Any) -> Variable:
    fields: dict[str, Any] = {
        "code": "herd_start",
        "sector": "livestock",
        "level": "member",
        "type": "integer",
        "label": L,
        "unit": "head",
        "minimum": 0,
        "maximum": 1000,
    }
    return Variable(**{**fields, **changes})


class TestLabel:
    def test_both_languages_required(self) -> None:
        with pytest.raises(ValidationError, match="en: must be a non-empty text"):
            Label("Sapi", " ")

    def test_get_by_language(self) -> None:
        assert Label("Sapi", "Cattle").get("id") == "Sapi"
        with pytest.raises(ValidationError, match="use 'id' or 'en'"):
            Label("Sapi", "Cattle").get("fr")

    def test_fields_read_mappings_and_pairs(self) -> None:
        sector = Sector("x", {"id": "A", "en": "B"}, ("C", "D"))
        assert sector.name == Label("A", "B")
        assert sector.description == Label("C", "D")

    def test_plain_text_is_refused(self) -> None:
        with pytest.raises(ValidationError, match="name: must be a Label"):
            Sector("x", "Peternakan", L)  # type: ignore[arg-type]


class TestSector:
    def test_business_type_codes_unique(self) -> None:
        goat = BusinessType("goat", L)
        with pytest.raises(ValidationError, match=r"business_types\[1\]: code 'goat' is already"):
            Sector("livestock", L, L, [goat, goat])

    def test_dac_code_is_five_digits(self) -> None:
        with pytest.raises(ValidationError, match="dac_code: invalid OECD DAC"):
            Sector("livestock", L, L, dac_code="3116")

    def test_code_is_a_slug(self) -> None:
        with pytest.raises(ValidationError, match="code: invalid code 'Live Stock'"):
            Sector("Live Stock", L, L)

    def test_a_string_is_not_a_list_of_business_types(self) -> None:
        with pytest.raises(ValidationError, match="business_types: must be a list"):
            Sector("x", L, L, "goat")


class TestVariable:
    def test_bounds_need_a_numeric_type(self) -> None:
        with pytest.raises(ValidationError, match="minimum: bounds are only for decimal"):
            variable(type="boolean", maximum=None)

    def test_integer_bounds_are_whole(self) -> None:
        with pytest.raises(ValidationError, match="whole-number bounds"):
            variable(maximum="10.5")

    def test_maximum_not_below_minimum(self) -> None:
        with pytest.raises(ValidationError, match="maximum 1 is below minimum 5"):
            variable(minimum=5, maximum=1)

    def test_float_bounds_are_refused(self) -> None:
        with pytest.raises(ValidationError, match="minimum: got the float"):
            variable(minimum=0.5)

    def test_categories_iff_category_type(self) -> None:
        with pytest.raises(ValidationError, match="needs at least one category"):
            variable(type="category", minimum=None, maximum=None)
        with pytest.raises(ValidationError, match="only category variables"):
            variable(categories=[Category("goat", L)])

    def test_unknown_type_lists_valid_ones(self) -> None:
        with pytest.raises(ValidationError, match="'decimal', 'integer', 'boolean'"):
            variable(type="number")

    @pytest.mark.parametrize(
        ("type_", "given", "expected"),
        [
            ("decimal", 12, Decimal(12)),
            ("decimal", "12.50", Decimal("12.50")),
            ("decimal", Decimal("0.1"), Decimal("0.1")),
            ("integer", 7, 7),
            ("integer", "7", 7),
            ("integer", Decimal("7"), 7),
            ("boolean", False, False),
            ("text", "kerupuk", "kerupuk"),
            ("date", "2012-03-01", dt.date(2012, 3, 1)),
            ("date", dt.date(2012, 3, 1), dt.date(2012, 3, 1)),
        ],
    )
    def test_check_value_normalizes(self, type_: str, given: object, expected: object) -> None:
        checked = variable(type=type_, minimum=None, maximum=None).check_value(given)
        assert checked == expected
        assert type(checked) is type(expected)

    @pytest.mark.parametrize(
        ("type_", "given", "message"),
        [
            ("decimal", 1.5, "must be a number"),
            ("decimal", True, "must be a number"),
            ("decimal", "abc", "must be a number"),
            ("integer", 1.0, "must be a whole number, got float"),
            ("integer", True, "must be a whole number, got bool"),
            ("boolean", 1, "must be true or false"),
            ("text", "  ", "must be a non-empty text"),
            ("date", "01/03/2012", "must be a date"),
            ("date", dt.datetime(2012, 3, 1), "must be a date"),
        ],
    )
    def test_check_value_refuses_wrong_types(self, type_: str, given: object, message: str) -> None:
        with pytest.raises(ValidationError, match=message) as caught:
            variable(type=type_, minimum=None, maximum=None).check_value(given, path="m[1].x")
        assert caught.value.path == "m[1].x"

    def test_bounds_are_inclusive_and_values_not_repeated(self) -> None:
        herd = variable()
        assert herd.check_value(0) == 0
        assert herd.check_value(1000) == 1000
        with pytest.raises(ValidationError, match="above the maximum 1000 head") as caught:
            herd.check_value(123456)
        assert "123456" not in str(caught.value)
        with pytest.raises(ValidationError, match="below the minimum 0 head"):
            herd.check_value(-1)

    def test_category_must_be_listed(self) -> None:
        species = variable(
            code="species",
            type="category",
            minimum=None,
            maximum=None,
            categories=[Category("goat", L), Category("sheep", L)],
        )
        assert species.check_value("goat") == "goat"
        with pytest.raises(ValidationError, match="must be one of goat, sheep"):
            species.check_value("pig")

    def test_required_and_optional(self) -> None:
        assert variable().check_value(None) is None
        with pytest.raises(ValidationError, match="is required"):
            variable(required=True).check_value(None)


class TestIndicator:
    def make(self, formula: str, **changes: Any) -> Indicator:
        return Indicator(
            "herd_growth",
            "livestock",
            L,
            Level.MEMBER,
            formula,
            "ratio_of_sums",
            "higher",
            **changes,
        )

    def test_references_come_from_the_formula(self) -> None:
        indicator = self.make('change(herd_end) / baseline(herd_start) if species == "goat" else 0')
        assert indicator.references == ("herd_end", "herd_start", "species")

    def test_explicit_references_override(self) -> None:
        assert self.make("a + b", references=["a"]).references == ("a",)

    def test_formula_must_parse(self) -> None:
        with pytest.raises(FormulaError, match="position") as caught:
            self.make("herd_end -* herd_start")
        assert caught.value.path == "formula"
        assert isinstance(caught.value, KlasterError)

    def test_unknown_function_is_refused(self) -> None:
        with pytest.raises(FormulaError, match="growth"):
            self.make("growth(herd_end)")

    def test_enums_read_from_values(self) -> None:
        indicator = self.make("a")
        assert indicator.aggregation is Aggregation.RATIO_OF_SUMS
        assert indicator.direction is Direction.HIGHER
        with pytest.raises(ValidationError, match="'higher', 'lower'"):
            Indicator("x", "s", L, "member", "a", "sum", "up")

    def test_expression_is_the_parsed_formula(self) -> None:
        assert self.make("a + b").expression() == self.make("a+b").expression()


class TestCriterion:
    def make(self, reads: str, operator: str, threshold: Any, **changes: Any) -> ReadinessCriterion:
        return ReadinessCriterion(
            "c", "livestock", "group", L, reads, operator, threshold, **changes
        )

    def test_threshold_kinds(self) -> None:
        assert self.make("x", ">=", "0.80").threshold == Decimal("0.80")
        assert self.make("x", ">=", 3).threshold == Decimal(3)
        assert self.make("x", "==", True).threshold is True
        assert self.make("x", "==", "goat").threshold == "goat"

    def test_booleans_and_categories_need_equality(self) -> None:
        with pytest.raises(ValidationError, match="needs '==' or '!='"):
            self.make("x", ">=", True)
        with pytest.raises(ValidationError, match="needs '==' or '!='"):
            self.make("x", "<", "goat")

    def test_weight_is_a_non_negative_decimal(self) -> None:
        with pytest.raises(ValidationError, match="weight: must be 0 or more"):
            self.make("x", ">", 0, weight=-1)
        with pytest.raises(ValidationError, match="weight: got the float"):
            self.make("x", ">", 0, weight=0.5)

    def test_is_met(self) -> None:
        assert self.make("x", "<=", "0.10").is_met(Decimal("0.05"))
        assert not self.make("x", "<=", "0.10").is_met(Decimal("0.2"))
        assert self.make("x", "!=", "goat").is_met("sheep")
        assert self.make("x", "==", True).is_met(True)
        with pytest.raises(ValidationError, match="compares 'x' with"):
            self.make("x", "==", True).is_met(Decimal(1))

    def test_operator_lists_valid_ones(self) -> None:
        assert Operator(">=").compare(2, 1)
        with pytest.raises(ValidationError, match="'>=', '>', '<=', '<', '==', '!='"):
            self.make("x", "=>", 0)


GOOD_FILE = """
[sector]
code = "crafts"
name = { id = "Kerajinan", en = "Crafts" }
description = { id = "Anyaman bambu.", en = "Bamboo weaving." }
business_types = [{ code = "bamboo", name = { id = "Bambu", en = "Bamboo" } }]

[[variables]]
code = "baskets_made"
level = "member"
type = "integer"
label = { id = "Keranjang dibuat", en = "Baskets made" }
minimum = 0

[[indicators]]
code = "baskets_total"
level = "member"
formula = "baskets_made"
aggregation = "sum"
direction = "higher"
name = { id = "Jumlah keranjang", en = "Baskets in total" }

[[criteria]]
code = "crafts_output"
level = "group"
reads = "baskets_total"
operator = ">="
threshold = 12.50
label = { id = "Produksi cukup", en = "Enough output" }
"""


class TestSectorFile:
    def test_reads_records_with_the_file_sector(self) -> None:
        data = read_sector_toml(GOOD_FILE)
        assert [s.code for s in data.sectors] == ["crafts"]
        assert {v.sector for v in data.variables} == {"crafts"}
        assert (
            {i.sector for i in data.indicators} == {c.sector for c in data.criteria} == {"crafts"}
        )
        # TOML floats are read as exact decimals.
        assert data.criteria[0].threshold == Decimal("12.50")

    def test_every_problem_is_listed_with_its_place(self) -> None:
        text = GOOD_FILE.replace('type = "integer"', 'type = "int"').replace(
            'operator = ">="', 'operator = "=>"'
        )
        with pytest.raises(DocumentError) as caught:
            read_sector_toml(text, source="crafts.toml")
        message = str(caught.value)
        assert message.startswith("crafts.toml: invalid sector file")
        assert "variables[0].type: invalid value 'int'" in message
        assert "criteria[0].operator: invalid value '=>'" in message
        assert len(caught.value.problems) == 2

    def test_unknown_fields_are_refused(self) -> None:
        text = GOOD_FILE.replace('operator = ">="', 'operator = ">="\ncolour = "red"')
        with pytest.raises(DocumentError, match=r"criteria\[0\]: unknown field 'colour'"):
            read_sector_toml(text)

    def test_malformed_toml(self) -> None:
        with pytest.raises(DocumentError, match="malformed TOML"):
            read_sector_toml("[sector\n")

    def test_sector_table_required_and_unknown_tables(self) -> None:
        with pytest.raises(DocumentError, match=r"needs one \[sector\] table"):
            read_sector_toml("[[variables]]\ncode = 'x'\n")
        with pytest.raises(DocumentError, match="unknown table"):
            read_sector_toml(GOOD_FILE + "\n[thresholds]\nx = 1\n")

    def test_duplicate_codes_in_one_file(self) -> None:
        text = GOOD_FILE.replace('code = "baskets_total"', 'code = "baskets_made"')
        data = read_sector_toml(text)  # a variable and an indicator: the host refuses it
        assert data.variables[0].code == data.indicators[0].code
        twice = GOOD_FILE + GOOD_FILE[GOOD_FILE.index("[[variables]]") : GOOD_FILE.index("[[ind")]
        with pytest.raises(DocumentError, match="already used by variables"):
            read_sector_toml(twice)

    @settings(max_examples=25, deadline=None)
    @given(sector_data())
    def test_generated_data_is_valid(self, data: SectorData) -> None:
        assert len(data.sectors) == 1
        assert all(v.sector == data.sectors[0].code for v in data.variables)
