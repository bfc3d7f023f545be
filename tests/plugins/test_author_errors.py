"""Errors a plugin author meets: each names the plugin, the hook or record, and what is valid."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Mapping, Sequence

import pytest

from klaster._support.suggest import did_you_mean
from klaster.catalogue.formula import FormulaError, parse
from klaster.catalogue.indicator import Indicator
from klaster.catalogue.sector import Sector
from klaster.catalogue.variable import Level, ValueType, Variable
from klaster.errors import PluginError
from klaster.label import Label
from klaster.measurement.compiler import Kind, infer_kind
from klaster.model.activity_kinds import ActivityKind
from klaster.model.group import Group
from klaster.model.member import Member
from klaster.plugins import SectorData, StaticPlugin, read_sector_toml
from klaster.plugins.hookspecs import hookimpl
from klaster.plugins.info import PluginStatus, PluginWarning
from klaster.testing.plugins import (
    builtin_plugins,
    check_plugin,
    isolated_host,
    plugin_problems,
)

L = Label("Contoh", "Example")
FISH = Sector("fish", Label("Perikanan", "Fisheries"), Label("Tangkap.", "Capture."))
CATCH = Variable("catch_kg", "fish", Level.MEMBER, ValueType.DECIMAL, L)


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("KLASTER_PLUGINS", "KLASTER_DISABLE_PLUGINS", "KLASTER_STRICT_PLUGINS"):
        monkeypatch.delenv(name, raising=False)


def _warning_of(plugin: object, name: str = "fish") -> PluginWarning:
    host = isolated_host(*builtin_plugins(), strict=False)
    with pytest.warns(PluginWarning) as caught:
        info = host.register(plugin, name)
    assert info.status is PluginStatus.FAILED
    (warning,) = [w.message for w in caught if isinstance(w.message, PluginWarning)]
    assert isinstance(warning, PluginWarning)
    assert warning.plugin == name
    return warning


def _member(sector: str) -> Member:
    return Member(
        id="M-1",
        name="Ibu Rahma",
        sex="female",
        household_size=4,
        village="Jepon",
        sector=sector,
        joined=dt.date(2013, 2, 1),
    )


# -- 1. an indicator reading an unknown variable ---------------------------------------------------

TYPO_TOML = """
[sector]
code = "fish"
name = { id = "Perikanan", en = "Fisheries" }
description = { id = "Tangkap.", en = "Capture." }

[[variables]]
code = "catch_kg"
level = "member"
type = "decimal"
label = { id = "Tangkapan", en = "Catch" }

[[indicators]]
code = "catch_total"
name = { id = "Tangkapan", en = "Catch" }
level = "member"
formula = "catch_kg"
aggregation = "sum"
direction = "higher"

[[indicators]]
code = "catch_value"
name = { id = "Nilai tangkapan", en = "Catch value" }
level = "member"
formula = "catch_kgs * 2"
aggregation = "sum"
direction = "higher"
"""


class _TypoPlugin:
    @hookimpl
    def klaster_sectors(self) -> Sequence[Sector]:
        return [FISH]

    @hookimpl
    def klaster_variables(self) -> Sequence[Variable]:
        return [CATCH]

    @hookimpl
    def klaster_indicators(self) -> Sequence[Indicator]:
        return [
            Indicator(
                "fish_income", "fish", L, "member", "catch_kg * monthly_revenu", "sum", "higher"
            )
        ]


class TestUnknownVariableInAFormula:
    def test_python_plugin_named_with_indicator_variable_and_hint(self) -> None:
        with pytest.raises(PluginError) as caught:
            check_plugin(_TypoPlugin(), name="fish")
        text = str(caught.value)
        assert "plugin 'fish'" in text
        (problem,) = caught.value.problems
        assert problem == (
            "indicators[0].formula (indicator 'fish_income'): unknown variable "
            "'monthly_revenu', which no loaded plugin declares as a variable or indicator "
            "(did you mean 'monthly_revenue'?)"
        )

    def test_warning_from_the_host_names_the_plugin(self) -> None:
        warning = _warning_of(_TypoPlugin())
        assert "plugin 'fish'" in str(warning)
        assert "indicator 'fish_income'" in str(warning)
        assert "did you mean 'monthly_revenue'?" in str(warning)

    def test_sector_toml_located_at_its_index(self) -> None:
        plugin = StaticPlugin(read_sector_toml(TYPO_TOML))
        (problem,) = plugin_problems(plugin, name="fish")
        assert problem.startswith("indicators[1].formula (indicator 'catch_value'): ")
        assert "unknown variable 'catch_kgs'" in problem
        assert "(did you mean 'catch_kg'?)" in problem

    def test_nothing_close_lists_the_sectors_codes(self) -> None:
        data = SectorData(
            sectors=[FISH],
            variables=[CATCH],
            indicators=[Indicator("odd", "fish", L, "member", "zzzz + 1", "sum", "higher")],
        )
        (problem,) = plugin_problems(StaticPlugin(data), name="fish", builtins=False)
        assert "unknown variable 'zzzz'" in problem
        assert problem.endswith("(sector 'fish' declares: catch_kg)")

    def test_the_engine_gives_the_same_hint(self) -> None:
        # One rule for both: what the host suggests is what the measurement engine suggests.
        kinds = {"monthly_revenue": Kind.NUMBER, "trips": Kind.NUMBER}
        with pytest.raises(FormulaError) as caught:
            infer_kind(parse("monthly_revenu * 2"), kinds)
        assert "did you mean 'monthly_revenue'?" in str(caught.value)
        assert did_you_mean("monthly_revenu", kinds) == "did you mean 'monthly_revenue'?"


# -- 2. a hook parameter the specification does not have ---------------------------------------


class _WrongParameter:
    @hookimpl
    def klaster_sectors(self) -> Sequence[Sector]:
        return [FISH]

    @hookimpl
    def klaster_validate_member(self, membr: Member) -> Sequence[str]:
        return []


class TestWrongHookParameter:
    def test_named_with_hook_parameter_and_the_real_ones(self) -> None:
        warning = _warning_of(_WrongParameter())
        text = str(warning)
        assert "plugin 'fish'" in text
        assert (
            "klaster_validate_member has no parameter 'membr' (did you mean 'member'?); its "
            "parameters are klaster_validate_member(member)"
        ) in text
        # pluggy's own wording is not what the author reads.
        assert "hookimpl definition" not in text
        assert "can not be found" not in text

    def test_several_parameters_listed(self) -> None:
        class Plugin:
            @hookimpl
            def klaster_validate_values(
                self, sector: str, level: Level, value: Mapping[str, object]
            ) -> Sequence[str]:
                return []

        (problem,) = plugin_problems(Plugin(), name="fish", builtins=False)
        assert problem.startswith("klaster_validate_values has no parameter 'value' (did you ")
        assert "klaster_validate_values(sector, level, values)" in problem

    def test_a_declaring_hook_takes_none(self) -> None:
        class Plugin:
            @hookimpl
            def klaster_sectors(self, sector: str) -> Sequence[Sector]:
                return [FISH]

        (problem,) = plugin_problems(Plugin(), name="fish", builtins=False)
        assert problem.startswith("klaster_sectors has no parameter 'sector'; its parameters ")
        assert "klaster_sectors()" in problem

    def test_strict_mode_raises_a_plugin_error(self) -> None:
        host = isolated_host()
        with pytest.raises(PluginError, match="has no parameter 'membr'") as caught:
            host.register(_WrongParameter(), "fish")
        assert "plugin 'fish'" in str(caught.value)

    def test_fewer_parameters_are_fine(self) -> None:
        class Plugin:
            @hookimpl
            def klaster_sectors(self) -> Sequence[Sector]:
                return [FISH]

            @hookimpl
            def klaster_validate_values(self, values: Mapping[str, object]) -> Sequence[str]:
                return []

        check_plugin(Plugin(), name="fish")


# -- 3. what hooks may return -------------------------------------------------------------------


class _Tuples:
    @hookimpl
    def klaster_sectors(self) -> Sequence[Sector]:
        return (FISH,)

    @hookimpl
    def klaster_variables(self) -> Sequence[Variable]:
        return (CATCH,)

    @hookimpl
    def klaster_validate_member(self, member: Member) -> Sequence[str]:
        return ("a problem",)


class TestReturnedSequences:
    def test_tuples_are_accepted_everywhere(self) -> None:
        check_plugin(_Tuples(), name="fish")
        host = isolated_host()
        host.register(_Tuples(), "fish")
        assert host.variables("fish") == (CATCH,)
        assert host.validate_member(_member("fish")) == ("a problem (plugin 'fish')",)

    @pytest.mark.parametrize(
        ("make", "kind"),
        [
            (lambda: (s for s in [FISH]), "a generator"),
            (lambda: {"fish": FISH}, "a dict"),
            (lambda: {FISH}, "a set"),
            (lambda: None, "None"),
        ],
    )
    def test_a_non_sequence_from_a_declaring_hook(
        self, make: Callable[[], object], kind: str
    ) -> None:
        class Plugin:
            @hookimpl
            def klaster_sectors(self) -> object:
                return make()

        warning = _warning_of(Plugin())
        assert "plugin 'fish'" in str(warning)
        assert f"klaster_sectors returned {kind}; return a list or tuple of Sector" in str(warning)

    def test_a_non_sequence_from_a_validation_hook(self) -> None:
        class Plugin:
            @hookimpl
            def klaster_sectors(self) -> Sequence[Sector]:
                return [FISH]

            @hookimpl
            def klaster_validate_group(self, group: Group) -> Iterator[str]:
                yield "a problem"

        host = isolated_host(strict=False)
        host.register(Plugin(), "fish")
        group = Group(id="G-1", name="Kelompok", sector="fish", formed="2011-08-01")
        with pytest.warns(PluginWarning) as caught:
            assert host.validate_group(group) == ()
        (warning,) = [w.message for w in caught]
        assert isinstance(warning, PluginWarning)
        assert warning.plugin == "fish"
        assert "klaster_validate_group returned a generator; return a list or tuple of texts" in (
            str(warning)
        )


# -- 4. which plugins a sector's validation hooks are asked ------------------------------------


class _Calls:
    """Counts its validation calls by sector."""

    def __init__(self, data: SectorData) -> None:
        self.data = data
        self.members: list[str] = []
        self.values: list[str] = []

    @hookimpl
    def klaster_sectors(self) -> Sequence[Sector]:
        return self.data.sectors

    @hookimpl
    def klaster_variables(self) -> Sequence[Variable]:
        return self.data.variables

    @hookimpl
    def klaster_activity_kinds(self) -> Sequence[ActivityKind]:
        return self.data.activity_kinds

    @hookimpl
    def klaster_validate_member(self, member: Member) -> Sequence[str]:
        self.members.append(member.sector)
        return []

    @hookimpl
    def klaster_validate_values(self, sector: str) -> Sequence[str]:
        self.values.append(sector)
        return []


class TestWhoIsCalled:
    def test_own_sectors_and_the_sectors_it_declares_variables_for(self) -> None:
        base = _Calls(SectorData(sectors=[FISH], variables=[CATCH]))
        boats = Variable("boats_owned", "fish", Level.MEMBER, ValueType.INTEGER, L)
        extension = _Calls(SectorData(variables=[boats]))
        kinds_only = _Calls(
            SectorData(
                sectors=[Sector("shrimp", L, Label("Udang.", "Shrimp."))],
                activity_kinds=[ActivityKind("boat_day", Label("Hari perahu", "Boat day"), "fish")],
            )
        )
        host = isolated_host()
        host.register(base, "fish")
        host.register(extension, "boats")
        host.register(kinds_only, "kinds")
        assert host.sector_plugins("fish") == ("fish", "boats")
        host.validate_member(_member("fish"))
        host.validate_values("fish", "member", {"boats_owned": 2})
        assert base.members == extension.members == ["fish"]
        assert base.values == extension.values == ["fish"]
        # An activity kind for a sector does not make a plugin one of the sector's.
        assert kinds_only.members == []
        assert kinds_only.values == []
        host.validate_member(_member("shrimp"))
        assert kinds_only.members == ["shrimp"]
        assert base.members == ["fish"]

    def test_the_conformance_check_asks_an_extension_about_the_extended_sector(self) -> None:
        class Extension:
            @hookimpl
            def klaster_variables(self) -> Sequence[Variable]:
                return [Variable("paddy_drones", "farming", Level.MEMBER, ValueType.INTEGER, L)]

            @hookimpl
            def klaster_validate_member(self, member: Member) -> Sequence[str]:
                raise KeyError(member.sector)

        (problem,) = plugin_problems(Extension(), name="drones")
        assert problem == "klaster_validate_member raised KeyError"
