"""Generating XLSForms from the catalogue: their rows, pyxform's reading of them, bad requests."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import attrs
import pytest
from openpyxl import load_workbook
from pyxform.xls2xform import convert

import klaster
from klaster import KlasterError, Program
from klaster.errors import DocumentError, ValidationError
from klaster.forms import (
    CHOICES_COLUMNS,
    SURVEY_COLUMNS,
    ItemGroup,
    XLSForm,
    build_form,
    form_bytes,
    save_form,
)
from klaster.importing import RoundDeclaration, load_mapping, parse_mapping
from klaster.label import Label
from klaster.observations.rounds import RoundKind


def xform(form: XLSForm) -> str:
    """pyxform's XForm of the form's .xlsx, offline (no ODK Validate)."""
    warnings: list[str] = []
    result = convert(form_bytes(form), warnings=warnings, validate=False, file_type=".xlsx")
    assert warnings == []
    return str(result.xform)


class TestSurvey:
    def test_each_value_type_and_its_bounds(self) -> None:
        form = build_form(["farming"], round="btg-endline")
        assert form.question("harvest_kg").type == "decimal"
        assert form.question("cibest_prayer").type == "integer"
        assert form.question("organic_practice").type == "select_one yes_no"
        crop = form.question("crop")
        assert crop.type == "select_one crop"
        assert crop.required
        assert form.question("household_size").constraint == ". >= 1 and . <= 50"
        area = form.question("planted_area_ha")
        assert area.constraint == ". >= 0 and . <= 10"
        assert area.constraint_message == Label(
            "Isikan angka dari 0 sampai 10", "Enter a number from 0 to 10"
        )
        income = form.question("monthly_income")
        assert income.constraint_message is not None
        assert income.constraint_message.id.endswith("1.000.000.000")
        assert income.constraint_message.en.endswith("1,000,000,000")
        assert not income.required  # core variables are never required
        assert income.hint is not None
        assert "Satuan: IDR/month" in income.hint.id
        assert form.question("land_tenure").constraint is None

    def test_bilingual_columns_and_select_lists(self) -> None:
        form = build_form(["farming"])
        sheets = form.sheets()
        assert sheets["survey"][0] == SURVEY_COLUMNS
        assert "label::Indonesian (id)" in SURVEY_COLUMNS
        assert "constraint_message::English (en)" in SURVEY_COLUMNS
        assert sheets["choices"][0] == CHOICES_COLUMNS
        crops = [c for c in form.choices if c.list_name == "crop"]
        assert [c.name for c in crops][:1]
        assert all(c.label.id and c.label.en for c in crops)
        assert [c.name for c in form.choices if c.list_name == "yes_no"] == ["ya", "tidak"]
        row = form.question("harvest_kg").cells()
        assert row[SURVEY_COLUMNS.index("label::English (en)")] == "Harvest"
        assert sheets["settings"][1][3] == "Indonesian (id)"

    def test_business_types_and_the_repeat_per_business(self) -> None:
        form = build_form(["umkm"])
        types = [row.type for row in form.survey]
        start = types.index("begin_repeat")
        assert form.survey[start].name == "usaha"
        inside = [row.name for row in form.survey[start + 1 : types.index("end_repeat")]]
        assert inside == ["umkm_business_type", "monthly_revenue", "monthly_costs", "workers"]
        kinds = [c.name for c in form.choices if c.list_name == "umkm_business_types"]
        assert "batik" in kinds
        assert "seaweed_processing" in kinds
        mapping = parse_mapping(form.mapping)
        (repeat,) = mapping.repeats
        assert repeat.sheet == "usaha"
        assert repeat.file == f"{form.form_id}-usaha.csv"
        assert {r.target: r.aggregate.value for r in repeat.variables if r.aggregate} == {
            "monthly_revenue": "sum",
            "monthly_costs": "sum",
            "workers": "sum",
        }
        assert build_form(["umkm"], items=()).survey[-1].type == "end_group"

    def test_business_types_of_the_program(self, program: Program) -> None:
        """With a program, the types its members run; without, or none run, the plugin's."""

        def offered(form: Any) -> list[str]:
            return [c.name for c in form.choices if c.list_name == "umkm_business_types"]

        plugin = offered(build_form(["umkm"]))
        used = {m.business_type for m in program.clusters["bantaeng"].members if m.left is None}
        listed = offered(build_form(["umkm"], program=program))
        assert set(listed) == used
        assert listed == [code for code in plugin if code in used]  # the plugin's order
        assert "batik" in plugin
        assert "batik" not in listed
        bare = klaster.loads(klaster.dumps(program))
        for member in list(bare.clusters["bantaeng"].members):
            bare.clusters["bantaeng"].replace_member(attrs.evolve(member, business_type=None))
        assert offered(build_form(["umkm"], program=bare)) == plugin

    def test_own_item_groups(self) -> None:
        pen = ("herd_end", "has_animal_space")
        items = [ItemGroup("kandang", "livestock", Label("Kandang", "Pen"), pen)]
        form = build_form(["livestock"], items=items)
        assert "begin_repeat" in [r.type for r in form.survey]
        (repeat,) = parse_mapping(form.mapping).repeats
        assert [r.column for r in repeat.variables] == [
            "kandang/herd_end",
            "kandang/has_animal_space",
        ]
        aggregates = [r.aggregate.value if r.aggregate else None for r in repeat.variables]
        assert aggregates == ["sum", "any"]  # numbers summed, yes/no: yes when any item says yes
        xform(form)

    def test_unit_from_the_program_or_from_a_media_file(self, program: Program) -> None:
        alone = build_form(["umkm"])
        unit = alone.question("member_id")
        assert unit.type == "select_one_from_file members.csv"
        assert unit.appearance == "autocomplete"
        assert unit.required
        listed = build_form(["umkm"], program=program)
        assert listed.question("member_id").type == "select_one members"
        members = [c.name for c in listed.choices if c.list_name == "members"]
        left = [m.id for m in program.clusters["bantaeng"].members if m.left is not None]
        assert members[0] == "BTG-0001"
        assert left
        assert not set(left) & set(members)
        assert all(
            c.label == Label(c.name, c.name) for c in listed.choices if c.list_name == "members"
        )  # IDs only, never names
        groups = build_form(["umkm"], level="group", program=program)
        assert groups.question("group_id").type == "select_one groups"
        assert len([c for c in groups.choices if c.list_name == "groups"]) == 34

    def test_pyxform_reads_every_form(self, program: Program) -> None:
        for sectors, level in (
            (["umkm"], "member"),
            (["farming"], "member"),
            (["livestock"], "member"),
            (["umkm", "farming", "livestock"], "member"),
            (["umkm"], "group"),
            (["umkm"], "cooperative"),
        ):
            listed = program if sectors == ["umkm"] else None  # Bantaeng's sector
            text = xform(build_form(sectors, level=level, round="r1", program=listed))
            assert 'lang="Indonesian (id)"' in text
            assert 'lang="English (en)"' in text
        text = xform(build_form(["umkm", "farming"]))
        assert 'constraint=". &gt;= 0 and . &lt;= 99"' in text
        assert "jr:constraintMsg" in text
        assert "relevant=\" /data/identitas/sektor  = 'umkm'\"" in text
        assert "= 'core'" not in text  # the core questions are asked of every unit

    def test_the_round_in_the_mapping(self) -> None:
        form = build_form(["umkm"], round="btg-endline")
        mapping = parse_mapping(form.mapping)
        assert mapping.round is not None
        assert mapping.round.id == "btg-endline"
        assert mapping.unit == "identitas/member_id"
        new = RoundDeclaration("btg-2016", RoundKind.ENDLINE, dt.date(2016, 3, 1), "bantaeng")
        declared = parse_mapping(build_form(["umkm"], round=new).mapping).round
        assert declared == new
        assert parse_mapping(build_form(["umkm"]).mapping).round is None  # left open

    def test_only_some_variables(self) -> None:
        form = build_form(["umkm"], variables=["monthly_income", "monthly_revenue", "workers"])
        names = [r.name for r in form.survey if r.type in ("decimal", "integer")]
        assert names == ["monthly_income", "monthly_revenue", "workers"]
        assert parse_mapping(form.mapping).variable_codes() == (
            "monthly_income",
            "monthly_revenue",
            "workers",
        )


class TestBadInput:
    def fails(self, **kwargs: object) -> ValidationError:
        kwargs.setdefault("sectors", ["umkm"])
        with pytest.raises(ValidationError) as caught:
            build_form(**kwargs)  # type: ignore[arg-type]
        return caught.value

    def test_unknown_sector(self) -> None:
        err = self.fails(sectors=["umkm", "farmin"])
        assert err.path == "sectors[1]"
        assert "unknown sector 'farmin' (did you mean 'farming'?)" in err.message
        assert "valid: 'farming', 'livestock', 'umkm'" in err.message
        assert self.fails(sectors=[]).path == "sectors"
        assert "twice" in self.fails(sectors=["umkm", "umkm"]).message
        assert "every form" in self.fails(sectors=["core"]).message

    def test_unknown_or_unfitting_variable(self) -> None:
        err = self.fails(variables=["monthly_revenu"])
        assert err.path == "variables[0]"
        assert "did you mean 'monthly_revenue'" in err.message
        assert "sector 'farming'" in self.fails(variables=["harvest_kg"]).message
        other = self.fails(variables=["group_meetings"])
        assert "recorded per group" in other.message

    def test_impossible_level(self) -> None:
        err = self.fails(level="cluster")
        assert err.path == "level"
        assert "valid: 'member', 'group', 'cooperative'" in err.message
        assert "did you mean 'member'" in self.fails(level="membr").message

    def test_items_that_do_not_fit(self) -> None:
        crop = ItemGroup("petak", "farming", Label("Petak", "Plot"), ("crop",))
        err = self.fails(sectors=["farming"], items=[crop])
        assert err.path == "items[0].variables[0]"
        assert "only numbers" in err.message
        wrong = ItemGroup("usaha", "umkm", Label("Usaha", "Business"), ("harvest_kg",))
        assert self.fails(items=[wrong]).path == "items[0].variables[0]"

    def test_cluster_and_program(self, program: Program) -> None:
        err = self.fails(program=program, cluster="bantaen")
        assert err.path == "cluster"
        assert "did you mean 'bantaeng'" in err.message
        assert self.fails(cluster="bantaeng").path == "cluster"
        assert self.fails(sectors=["farming"], program=program).path == "sectors"
        new = RoundDeclaration("x", RoundKind.ENDLINE, dt.date(2016, 3, 1))
        assert self.fails(round=new).path == "round"
        assert self.fails(form_id="1 form").path == "form_id"

    def test_errors_are_klaster_errors(self) -> None:
        assert issubclass(ValidationError, KlasterError)


class TestWrite:
    def test_xlsx_and_mapping(self, tmp_path: Path) -> None:
        form = build_form(["umkm"], round="btg-endline")
        xlsx, toml = save_form(form, tmp_path / "endline.xlsx")
        assert toml == tmp_path / "endline.toml"
        book = load_workbook(xlsx)
        assert book.sheetnames == ["survey", "choices", "settings"]
        rows = list(book["survey"].iter_rows(values_only=True))
        assert rows[0] == SURVEY_COLUMNS
        assert load_mapping(toml).round is not None
        assert "<h:title>" in convert(xlsx, validate=False).xform  # pyxform reads the file
        assert {p.name for p in tmp_path.iterdir()} == {"endline.xlsx", "endline.toml"}

    def test_nothing_written_on_a_bad_path(self, tmp_path: Path) -> None:
        form = build_form(["umkm"])
        with pytest.raises(DocumentError, match="no folder"):
            save_form(form, tmp_path / "form.xlsx", mapping=tmp_path / "missing" / "m.toml")
        with pytest.raises(DocumentError, match=r"as \.xlsx"):
            save_form(form, tmp_path / "form.xls")
        with pytest.raises(DocumentError, match=r"as \.toml"):
            save_form(form, tmp_path / "form.xlsx", mapping=tmp_path / "m.txt")
        assert list(tmp_path.iterdir()) == []
