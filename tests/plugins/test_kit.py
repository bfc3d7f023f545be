"""The plugin author's kit: conformance check, isolated hosts, one-test registration."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from klaster.catalogue.sector import Sector
from klaster.catalogue.variable import Level, ValueType, Variable
from klaster.errors import PluginError
from klaster.label import Label
from klaster.model.member import Member
from klaster.plugins import StaticPlugin
from klaster.plugins.hookspecs import hookimpl
from klaster.plugins.info import PluginStatus, PluginWarning
from klaster.plugins.sectorfile import SectorData
from klaster.testing.plugins import (
    check_plugin,
    isolated_host,
    plugin_problems,
    registered,
)

L = Label("Contoh", "Example")
FISH = Sector("fish", L, Label("Tangkap ikan.", "Catching fish."))


class _Sloppy:
    """Several problems at once: the check must list them all."""

    @hookimpl
    def klaster_sectors(self) -> Sequence[Sector]:
        return [Sector("fish", L, Label("Ikan", "Ikan"))]

    @hookimpl
    def klaster_validate_member(self, member: Member) -> Sequence[str]:
        raise ValueError("forgot a case")

    def klaster_variables(self) -> Sequence[Variable]:
        return []


class _Extension:
    @hookimpl
    def klaster_variables(self) -> Sequence[Variable]:
        return [Variable("boats", "fish", Level.MEMBER, ValueType.INTEGER, L)]


class TestConformance:
    def test_a_good_plugin_passes(self) -> None:
        check_plugin(StaticPlugin(SectorData(sectors=[FISH])))

    def test_lists_every_problem(self) -> None:
        with pytest.raises(PluginError, match="does not conform") as caught:
            check_plugin(_Sloppy(), name="sloppy")
        message = str(caught.value)
        assert "klaster_variables looks like a hook but is not marked" in message

    def test_review_after_loading(self) -> None:
        class Marked(_Sloppy):
            @hookimpl
            def klaster_variables(self) -> Sequence[Variable]:
                return []

        problems = plugin_problems(Marked(), name="marked")
        assert problems == [
            "sector 'fish': the description is the same in Indonesian and English; translate it",
            "klaster_validate_member raised ValueError",
        ]

    def test_requires(self) -> None:
        assert plugin_problems(_Extension(), name="boats", builtins=False) == [
            "variable 'boats' belongs to sector 'fish', which no loaded plugin provides "
            "(sectors: none)"
        ]
        check_plugin(_Extension(), requires=[StaticPlugin(SectorData(sectors=[FISH]))])

    def test_codes_that_clash_with_the_builtin_sectors(self) -> None:
        # Without requires=, the built-ins are there as in every installation.
        umkm_again = StaticPlugin(SectorData(sectors=[Sector("umkm", L, FISH.description)]))
        income = Variable("monthly_revenue", "fish", Level.MEMBER, ValueType.DECIMAL, L)
        revenue_again = StaticPlugin(SectorData(sectors=[FISH], variables=[income]))
        for clash, code in ((umkm_again, "umkm"), (revenue_again, "monthly_revenue")):
            with pytest.raises(PluginError, match="does not conform") as caught:
                check_plugin(clash, name="clash")
            assert repr(code) in str(caught.value)
            # Alone it is well-formed: only the clash is wrong.
            check_plugin(clash, name="clash", builtins=False)

    def test_a_plugin_extending_a_builtin_sector(self) -> None:
        extra = Variable("stalls", "umkm", Level.MEMBER, ValueType.INTEGER, L)
        check_plugin(StaticPlugin(SectorData(variables=[extra])), name="stalls")
        import klaster_sectors.umkm

        # Naming a built-in in requires as well registers it once.
        check_plugin(
            StaticPlugin(SectorData(variables=[extra])),
            name="stalls",
            requires=[klaster_sectors.umkm],
        )


class TestHelpers:
    def test_isolated_host_is_strict(self) -> None:
        with pytest.raises(PluginError, match="unknown hook"):
            isolated_host(_Typo())

    def test_registered_unregisters_even_on_error(self) -> None:
        host = isolated_host()
        seen: list[str] = []

        def use() -> None:
            with registered(StaticPlugin(SectorData([FISH])), host=host):
                seen.extend(s.code for s in host.sectors())
                raise RuntimeError

        with pytest.raises(RuntimeError):
            use()
        assert seen == ["fish"]
        assert host.sectors() == ()

    def test_registered_failed_plugin(self) -> None:
        host = isolated_host(strict=False)
        with (
            pytest.warns(PluginWarning, match="unknown hook"),
            registered(_Typo(), host=host, name="typo") as info,
        ):
            assert info.status is PluginStatus.FAILED


class _Typo:
    @hookimpl
    def klaster_variable(self) -> Sequence[Variable]:
        return []
