"""CIBEST: spiritual score, material lines, boundaries, quadrants, indices and transitions."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from klaster import DuplicateIdError, ValidationError
from klaster.measurement.methods.cibest import (
    NISAB_RICE_KG,
    SPIRITUAL_ITEMS,
    CibestConfig,
    CibestIndices,
    CibestRound,
    MaterialLine,
    MaterialMethod,
    OnLine,
    Quadrant,
    SpiritualItem,
    cibest_transitions,
    classify,
    place_households,
    spiritual_score,
)
from klaster.measurement.methods.poverty_lines import LineMatch, PovertyLines
from klaster.measurement.na import NotAvailable

Z = 550_458
BPS = MaterialLine.poverty_line(Z, "BPS, Maret 2023")
NEEDS = MaterialLine.needs_survey(2_000_000, "needs survey 2023")
D = Decimal


def config(material: MaterialLine = NEEDS, **changes: object) -> CibestConfig:
    return attrs.evolve(CibestConfig(material), **changes)  # type: ignore[arg-type]


def indices(result: CibestIndices | NotAvailable) -> CibestIndices:
    assert isinstance(result, CibestIndices), result
    return result


class TestSpiritualScore:
    def test_mean_of_five_items(self) -> None:
        assert spiritual_score([4, 5, 3, 4, 2]) == D("3.6")
        assert spiritual_score(dict(zip(SPIRITUAL_ITEMS, [3, 3, 3, 3, 3], strict=True))) == 3
        assert spiritual_score([D("4.5"), 5, 5, 5, 5]) == D("4.9")

    def test_a_missing_item_gives_no_score(self) -> None:
        result = spiritual_score([4, None, 3, NotAvailable("refused"), 2])
        assert isinstance(result, NotAvailable)
        assert (
            result.reason
            == "spiritual score needs all five items; missing: fasting, family_environment"
        )
        partial = spiritual_score({"prayer": 4, "fasting": 4})
        assert isinstance(partial, NotAvailable)
        assert "family_environment, government_policy" in partial.reason

    def test_score_out_of_range_is_not_echoed(self) -> None:
        with pytest.raises(ValidationError) as exc:
            spiritual_score([4, 5, 7, 4, 2])
        assert exc.value.path == "items['zakat_infak']"
        assert "7" not in str(exc.value)

    def test_unknown_item_and_wrong_count(self) -> None:
        with pytest.raises(ValidationError) as exc:
            spiritual_score({"prayers": 4})
        assert "unknown item 'prayers'" in str(exc.value)
        with pytest.raises(ValidationError) as exc:
            spiritual_score([4, 4, 4])
        assert "give the 5 item scores in order" in str(exc.value)

    def test_items_have_bilingual_labels(self) -> None:
        assert SpiritualItem.PRAYER.label.id == "Shalat"
        assert [i.value for i in SPIRITUAL_ITEMS] == [
            "prayer",
            "fasting",
            "zakat_infak",
            "family_environment",
            "government_policy",
        ]


class TestMaterialLine:
    def test_needs_survey_per_household_or_per_person(self) -> None:
        assert NEEDS.for_household(7) == 2_000_000
        per_person = MaterialLine.needs_survey(500_000, "survey", per_capita=True)
        assert per_person.for_household(3) == 1_500_000

    def test_poverty_line_times_household_size(self) -> None:
        assert BPS.method is MaterialMethod.POVERTY_LINE
        assert BPS.for_household(4) == 4 * Z
        missing = BPS.for_household(None)
        assert isinstance(missing, NotAvailable)
        with pytest.raises(ValidationError) as exc:
            BPS.for_household(0)
        assert exc.value.path == "household_size"

    def test_poverty_line_from_a_lookup_names_its_source_and_fallback(self) -> None:
        match = PovertyLines.bps_national().lookup("73.03", dt.date(2023, 5, 1))
        assert isinstance(match, LineMatch)
        line = MaterialLine.poverty_line(match)
        assert line.rupiah == Z
        assert "Profil Kemiskinan di Indonesia Maret 2023" in line.source
        assert line.note is not None
        assert line.note.startswith("No poverty line for kabupaten 73.03")

    def test_a_plain_poverty_line_needs_a_source(self) -> None:
        with pytest.raises(ValidationError) as exc:
            MaterialLine.poverty_line(Z)
        assert exc.value.path == "source"

    def test_nisab(self) -> None:
        line = MaterialLine.nisab(D("12500.50"), "rice price survey")
        assert line.rupiah == NISAB_RICE_KG * D("12500.50") == D("6550262.00")
        assert (line.rice_kg, line.per_capita) == (D(524), False)
        assert line.for_household(9) == line.rupiah

    def test_nisab_fields_must_agree(self) -> None:
        with pytest.raises(ValidationError) as exc:
            MaterialLine("nisab", 1, "x", rice_kg=524, rice_price=2)
        assert exc.value.path == "rupiah"
        with pytest.raises(ValidationError) as exc:
            MaterialLine("needs_survey", 1, "x", rice_price=2)
        assert exc.value.path == "rice_price"
        with pytest.raises(ValidationError) as exc:
            MaterialLine.nisab(0, "x")
        assert exc.value.path == "rupiah"

    def test_config_needs_a_material_line(self) -> None:
        with pytest.raises(ValidationError) as exc:
            CibestConfig(Z)  # type: ignore[arg-type]
        assert exc.value.path == "material"
        with pytest.raises(ValidationError) as exc:
            CibestConfig(NEEDS, spiritual_line=6)
        assert exc.value.path == "spiritual_line"


class TestBoundaries:
    """Both sides of both lines, under both rules."""

    @pytest.mark.parametrize(
        ("on_line", "score", "poor"),
        [
            (OnLine.POOR, D("3"), True),
            (OnLine.NOT_POOR, D("3"), False),
            (OnLine.POOR, D("3.2"), False),
            (OnLine.NOT_POOR, D("3.2"), False),
            (OnLine.POOR, D("2.8"), True),
            (OnLine.NOT_POOR, D("2.8"), True),
        ],
    )
    def test_spiritual_line(self, on_line: OnLine, score: Decimal, poor: bool) -> None:
        assert config(spiritual_on_line=on_line).spiritually_poor(score) is poor

    @pytest.mark.parametrize(
        ("on_line", "income", "poor"),
        [
            (OnLine.POOR, 2_000_000, True),
            (OnLine.NOT_POOR, 2_000_000, False),
            (OnLine.POOR, 2_000_001, False),
            (OnLine.NOT_POOR, 1_999_999, True),
        ],
    )
    def test_material_line(self, on_line: OnLine, income: int, poor: bool) -> None:
        assert config(material_on_line=on_line).materially_poor(D(income)) is poor

    def test_default_counts_the_line_as_poor_on_both(self) -> None:
        default = CibestConfig(NEEDS)
        assert default.spiritual_line == 3
        assert default.material_on_line is OnLine.POOR
        assert default.spiritual_on_line is OnLine.POOR
        assert classify(2_000_000, D(3), default) is Quadrant.ABSOLUTE_POVERTY
        lenient = config(material_on_line="not_poor", spiritual_on_line="not_poor")
        assert classify(2_000_000, D(3), lenient) is Quadrant.WELFARE

    def test_per_capita_line_boundary(self) -> None:
        on_line = config(BPS)
        assert classify(4 * Z, D(4), on_line, household_size=4) is Quadrant.MATERIAL_POVERTY
        assert classify(4 * Z + 1, D(4), on_line, household_size=4) is Quadrant.WELFARE


class TestClassify:
    @pytest.mark.parametrize(
        ("income", "score", "quadrant", "numeral"),
        [
            (3_000_000, D(4), Quadrant.WELFARE, "I"),
            (1_000_000, D(4), Quadrant.MATERIAL_POVERTY, "II"),
            (3_000_000, D(2), Quadrant.SPIRITUAL_POVERTY, "III"),
            (1_000_000, D(2), Quadrant.ABSOLUTE_POVERTY, "IV"),
        ],
    )
    def test_four_quadrants(
        self, income: int, score: Decimal, quadrant: Quadrant, numeral: str
    ) -> None:
        assert classify(income, score, config()) is quadrant
        assert quadrant.numeral == numeral

    def test_labels(self) -> None:
        assert Quadrant.WELFARE.label.id == "Kuadran I: sejahtera"
        assert Quadrant.ABSOLUTE_POVERTY.label.en == "Quadrant IV: absolute poverty"
        assert [q.index_name for q in Quadrant] == ["W", "Pm", "Ps", "Pa"]
        assert Quadrant.MATERIAL_POVERTY.index_label.id == "Indeks kemiskinan material (Pm)"

    def test_missing_values(self) -> None:
        assert isinstance(classify(None, D(4), config()), NotAvailable)
        assert isinstance(classify(1, NotAvailable("incomplete"), config()), NotAvailable)
        assert isinstance(classify(1, D(4), config(BPS)), NotAvailable)  # no household size

    def test_bad_values_are_located_and_not_echoed(self) -> None:
        with pytest.raises(ValidationError) as exc:
            classify(1_234_567.5, D(4), config())  # type: ignore[arg-type]
        assert exc.value.path == "income"
        assert "1234567" not in str(exc.value)
        with pytest.raises(ValidationError) as exc:
            classify(1, D(0), config())
        assert exc.value.path == "spiritual"


def round_of(
    rows: Sequence[tuple[str, int | None, Decimal | None]], cfg: CibestConfig
) -> CibestRound:
    return place_households([r[0] for r in rows], [r[1] for r in rows], [r[2] for r in rows], cfg)


class TestPlaceAndIndices:
    ROWS = (
        ("H1", 3_000_000, D(4)),
        ("H2", 3_500_000, D("3.4")),
        ("H3", 1_000_000, D(4)),
        ("H4", 2_500_000, D(2)),
        ("H5", 900_000, D(3)),
        ("H6", None, D(4)),
        ("H7", 1_000_000, None),
    )

    def test_hand_counted_indices(self) -> None:
        placed = round_of(self.ROWS, config())
        assert placed.n == 5
        assert placed.unplaced == ("H6", "H7")
        assert (placed.missing_income, placed.missing_spiritual, placed.missing_size) == (1, 1, 0)
        result = indices(placed.indices())
        assert result.counts == (2, 1, 1, 1)
        assert (result.w, result.pm, result.ps, result.pa) == (
            D("0.4"),
            D("0.2"),
            D("0.2"),
            D("0.2"),
        )
        assert result.index("welfare") == D("0.4")
        assert result.count(Quadrant.ABSOLUTE_POVERTY) == 1

    def test_per_capita_line_needs_sizes(self) -> None:
        with pytest.raises(ValidationError) as exc:
            place_households(["H1"], [1], [D(4)], config(BPS))
        assert exc.value.path == "household_sizes"
        placed = place_households(
            ["H1", "H2"],
            [2_000_000, 2_000_000],
            [D(4), D(4)],
            config(BPS),
            household_sizes=[3, None],
        )
        assert dict(placed.placements) == {"H1": Quadrant.WELFARE}
        assert placed.missing_size == 1

    def test_no_household_placed(self) -> None:
        result = round_of([("H1", None, None)], config()).indices()
        assert isinstance(result, NotAvailable)
        assert "1 with a missing value" in result.reason

    def test_bad_input_is_located(self) -> None:
        with pytest.raises(DuplicateIdError) as duplicate:
            round_of([("H1", 1, D(4)), ("H1", 1, D(4))], config())
        assert duplicate.value.path == "unit_ids[1]"
        with pytest.raises(ValidationError) as exc:
            round_of([("H1", 1, D(4)), (" H2", 1, D(4))], config())
        assert exc.value.path == "unit_ids[1]"
        with pytest.raises(ValidationError) as exc:
            place_households(["H1"], [1, 2], [D(4)], config())
        assert exc.value.path == "incomes"
        with pytest.raises(ValidationError) as exc:
            round_of([("H1", 1, D(4)), ("H2", 1, D("NaN"))], config())
        assert exc.value.path == "spiritual_scores[1]"
        with pytest.raises(ValidationError) as exc:
            round_of([("H1", 1, D(4)), ("H2", 1, D(9))], config())
        assert exc.value.path == "spiritual_scores[1]"
        with pytest.raises(ValidationError) as exc:
            place_households(["H1"], [1], [D(4)], config(BPS), household_sizes=[0])
        assert exc.value.path == "household_sizes[0]"


class TestTransitions:
    def test_hand_counted_matrix_and_attrition(self) -> None:
        cfg = config()
        before = round_of(
            [
                ("H1", 1_000_000, D(4)),
                ("H2", 1_000_000, D(2)),
                ("H3", 3_000_000, D(4)),
                ("H4", 1_000_000, D(4)),
                ("H5", 1_000_000, D(4)),
            ],
            cfg,
        )
        after = round_of(
            [
                ("H1", 2_500_000, D(4)),
                ("H2", 1_000_000, D(4)),
                ("H3", 3_000_000, D(4)),
                ("H4", None, D(4)),
                ("H6", 500_000, D(2)),
            ],
            attrs.evolve(cfg, material=MaterialLine.needs_survey(2_200_000, "needs survey 2026")),
        )
        t = cibest_transitions(before, after)
        assert t.count("material_poverty", "welfare") == 1
        assert t.count("absolute_poverty", "material_poverty") == 1
        assert t.count("welfare", "welfare") == 1
        assert (t.paired, t.only_a, t.only_b, t.stayed()) == (3, 2, 1, 1)
        # H4 (present but without an income) and H5 (absent) were both in quadrant II.
        assert t.only_a_by_quadrant == (0, 2, 0, 0)
        assert sum(c for _, _, c in t.rows()) == t.paired

    def test_rounds_must_use_comparable_settings(self) -> None:
        a = round_of([("H1", 1, D(4))], config())
        b = round_of([("H1", 1, D(4))], config(spiritual_on_line="not_poor"))
        with pytest.raises(ValidationError) as exc:
            cibest_transitions(a, b)
        assert exc.value.path == "b.config"
        c = place_households(["H1"], [1], [D(4)], config(BPS), household_sizes=[1])
        with pytest.raises(ValidationError):
            cibest_transitions(a, c)
        with pytest.raises(ValidationError) as exc:
            cibest_transitions(a, "b")  # type: ignore[arg-type]
        assert exc.value.path == "b"


# -- properties -----------------------------------------------------------------------------------
household = st.tuples(
    st.one_of(st.none(), st.integers(0, 5_000_000)),
    st.one_of(st.none(), st.integers(5, 25).map(lambda x: Decimal(x) / 5)),
)
households = st.dictionaries(st.sampled_from([f"H{i}" for i in range(40)]), household, max_size=40)


def place(data: dict[str, tuple[int | None, Decimal | None]], cfg: CibestConfig) -> CibestRound:
    ids = list(data)
    return place_households(ids, [data[i][0] for i in ids], [data[i][1] for i in ids], cfg)


class TestProperties:
    @settings(max_examples=150, deadline=None)
    @given(households, st.sampled_from(list(OnLine)), st.sampled_from(list(OnLine)))
    def test_indices_are_shares_that_sum_to_one(
        self,
        data: dict[str, tuple[int | None, Decimal | None]],
        material: OnLine,
        spiritual: OnLine,
    ) -> None:
        placed = place(data, config(material_on_line=material, spiritual_on_line=spiritual))
        assert placed.n + len(placed.unplaced) == len(data)
        result = placed.indices()
        if placed.n == 0:
            assert isinstance(result, NotAvailable)
            return
        result = indices(result)
        assert sum(result.counts) == result.n == placed.n
        assert abs(result.w + result.pm + result.ps + result.pa - 1) <= D("1e-27")
        assert all(0 <= result.index(q) <= 1 for q in Quadrant)

    @settings(max_examples=150, deadline=None)
    @given(households, households)
    def test_transition_rows_are_the_paired_round_a_counts(
        self,
        first: dict[str, tuple[int | None, Decimal | None]],
        second: dict[str, tuple[int | None, Decimal | None]],
    ) -> None:
        a, b = place(first, config()), place(second, config())
        t = cibest_transitions(a, b)
        paired = set(a.placements) & set(b.placements)
        for i, quadrant in enumerate(Quadrant):
            in_a = sum(1 for u in paired if a.placements[u] is quadrant)
            in_b = sum(1 for u in paired if b.placements[u] is quadrant)
            assert sum(t.row(quadrant)) == in_a
            assert sum(t.matrix[r][i] for r in range(4)) == in_b
            assert sum(t.row(quadrant)) + t.only_a_by_quadrant[i] == a.counts()[quadrant]
        assert t.paired == len(paired)
        assert t.paired + t.only_a == a.n
        assert t.paired + t.only_b == b.n

    @settings(max_examples=100, deadline=None)
    @given(st.integers(0, 5_000_000), st.integers(5, 25).map(lambda x: Decimal(x) / 5))
    def test_the_lenient_rule_never_makes_a_household_poorer(
        self, income: int, score: Decimal
    ) -> None:
        strict = classify(income, score, config())
        lenient = classify(
            income, score, config(material_on_line="not_poor", spiritual_on_line="not_poor")
        )
        assert isinstance(strict, Quadrant)
        assert isinstance(lenient, Quadrant)
        materially_poor = {Quadrant.MATERIAL_POVERTY, Quadrant.ABSOLUTE_POVERTY}
        spiritually_poor = {Quadrant.SPIRITUAL_POVERTY, Quadrant.ABSOLUTE_POVERTY}
        for poor in (materially_poor, spiritually_poor):
            assert lenient not in poor or strict in poor
