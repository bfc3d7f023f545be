"""The ``klaster_activity_kinds`` hook: plugins add kinds of activity, merged with unique codes."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import pytest

import klaster
from klaster.catalogue.sector import Sector
from klaster.errors import DocumentError, KlasterError, PluginError, ValidationError
from klaster.label import Label
from klaster.model.activity import Activity
from klaster.model.activity_kinds import ActivityKind, activity_kinds, check_activity_kind
from klaster.plugins import SectorData, StaticPlugin, get_host, read_sector_toml
from klaster.plugins.hookspecs import hookimpl
from klaster.plugins.info import PluginStatus, PluginWarning
from klaster.testing.plugins import check_plugin, isolated_host, plugin_problems, registered
from klaster.testing.samples import sample_program

L = Label("Contoh", "Example")
SEAWEED = Sector("seaweed", Label("Rumput laut", "Seaweed"), Label("Budidaya.", "Farming."))
DRYING = ActivityKind("seaweed_drying_day", Label("Hari penjemuran", "Drying day"), "seaweed")


def _plugin(*kinds: ActivityKind, sectors: Sequence[Sector] = (SEAWEED,)) -> StaticPlugin:
    return StaticPlugin(SectorData(sectors=sectors, activity_kinds=kinds))


class TestHost:
    def test_builtin_sectors_add_kinds(self) -> None:
        kinds = {k.code: k for k in get_host().activity_kinds()}
        assert kinds["harvest_day"].sector == "farming"
        assert kinds["harvest_day"].label.id == "Panen raya"
        assert kinds["vaccination"].sector == "livestock"
        assert [k.code for k in get_host().activity_kinds("farming")] == ["harvest_day"]
        # The model knows them through the source klaster.plugins installed.
        assert {"harvest_day", "vaccination", "workshop"} <= set(activity_kinds())

    def test_a_plugin_kind_is_merged(self) -> None:
        host = isolated_host(_plugin(DRYING))
        assert host.activity_kinds() == (DRYING,)
        assert host.activity_kinds("umkm") == ()

    @pytest.mark.parametrize("code", ["workshop", "mentoring_visit"])
    def test_a_core_code_is_refused_by_plugin_name(self, code: str) -> None:
        host = isolated_host(_plugin(DRYING), strict=False)
        clash = ActivityKind(code, L, "seaweed")
        other = Sector("crafts", L, Label("Anyaman.", "Weaving."))
        with pytest.warns(PluginWarning, match="'thief'") as caught:
            info = host.register(_plugin(clash, sectors=[other]), "thief")
        assert info.status is PluginStatus.FAILED
        assert f"activity kind code {code!r} is one of klaster's own kinds" in str(
            caught[0].message
        )
        # The plugin loaded before keeps its kind; the refused one left nothing behind.
        assert host.activity_kinds() == (DRYING,)
        assert [s.code for s in host.sectors()] == ["seaweed"]

    def test_another_plugins_code_is_refused(self) -> None:
        host = isolated_host(_plugin(DRYING), strict=False)
        again = ActivityKind("seaweed_drying_day", L)
        with pytest.warns(PluginWarning, match="already taken by plugin"):
            info = host.register(StaticPlugin(SectorData(activity_kinds=[again])), "copy")
        assert info.status is PluginStatus.FAILED
        assert host.activity_kinds() == (DRYING,)

    def test_strict_host_raises(self) -> None:
        host = isolated_host(_plugin(DRYING))
        with pytest.raises(PluginError, match="already taken"):
            host.register(StaticPlugin(SectorData(activity_kinds=[DRYING])), "copy")

    def test_a_kind_of_an_unknown_sector_is_refused(self) -> None:
        host = isolated_host(strict=False)
        with pytest.warns(PluginWarning, match="which no loaded plugin provides"):
            info = host.register(StaticPlugin(SectorData(activity_kinds=[DRYING])), "orphan")
        assert info.status is PluginStatus.FAILED

    def test_a_hook_returning_something_else(self) -> None:
        class Wrong:
            @hookimpl
            def klaster_activity_kinds(self) -> Sequence[object]:
                return ["harvest"]

        host = isolated_host(strict=False)
        with pytest.warns(PluginWarning, match=r"klaster_activity_kinds\(\)\[0\] is a str"):
            assert host.register(Wrong(), "wrong").status is PluginStatus.FAILED


class TestSectorFile:
    TOML = """
[sector]
code = "seaweed"
name = { id = "Rumput laut", en = "Seaweed" }
description = { id = "Budidaya.", en = "Farming." }

[[activity_kinds]]
code = "seaweed_drying_day"
label = { id = "Hari penjemuran", en = "Drying day" }
"""

    def test_kinds_from_toml(self) -> None:
        data = read_sector_toml(self.TOML)
        # The sector defaults to the file's, as for variables.
        assert data.activity_kinds == (DRYING,)
        assert isolated_host(StaticPlugin(data)).activity_kinds() == (DRYING,)

    def test_bad_kind_is_located(self) -> None:
        with pytest.raises(DocumentError) as caught:
            read_sector_toml(self.TOML + 'colour = "green"\n', source="seaweed.toml")
        assert any("activity_kinds[0]" in p for p in caught.value.problems)


class TestKit:
    def test_a_good_kind_conforms(self) -> None:
        check_plugin(_plugin(DRYING), name="seaweed")

    def test_an_untranslated_kind(self) -> None:
        lazy = ActivityKind("seaweed_drying_day", Label("Penjemuran", "Penjemuran"), "seaweed")
        assert plugin_problems(_plugin(lazy), name="seaweed") == [
            "activity kind 'seaweed_drying_day': the label is the same in Indonesian and "
            "English; translate it"
        ]

    def test_a_kind_clashing_with_a_builtin_sector(self) -> None:
        harvest = ActivityKind("harvest_day", L, "seaweed")
        with pytest.raises(PluginError, match="does not conform") as caught:
            check_plugin(_plugin(harvest), name="seaweed")
        assert "'harvest_day' is already taken by plugin 'klaster_sectors.farming'" in str(
            caught.value
        )
        check_plugin(_plugin(harvest), name="seaweed", builtins=False)


def _activity(kind: str) -> Activity:
    return Activity(
        "a-1", kind, "Kegiatan", "held", cluster_id="bantaeng", held_on=dt.date(2013, 4, 2)
    )


class TestEveryPath:
    """An unknown kind is refused, a plugin's kind accepted, on the API and document paths."""

    def test_api(self) -> None:
        program = sample_program()
        with pytest.raises(ValidationError) as caught:
            program.fieldwork.add_activity(_activity("seaweed_drying_day"))
        assert caught.value.path == "fieldwork.activities[0].kind"
        assert "unknown activity kind 'seaweed_drying_day'" in str(caught.value)
        assert len(program.fieldwork.activities) == 0
        program.fieldwork.add_activity(_activity("harvest_day"))  # the farming plugin's
        with registered(_plugin(DRYING), name="seaweed"):
            check_activity_kind("seaweed_drying_day")
            program.fieldwork.add_activity(
                Activity(
                    "a-2",
                    "seaweed_drying_day",
                    "Penjemuran",
                    "planned",
                    cluster_id="bantaeng",
                    planned_on=dt.date(2013, 5, 1),
                )
            )
        assert [a.kind for a in program.fieldwork.activities] == [
            "harvest_day",
            "seaweed_drying_day",
        ]

    def test_document(self) -> None:
        program = sample_program()
        with registered(_plugin(DRYING), name="seaweed"):
            program.fieldwork.add_activity(_activity("seaweed_drying_day"))
            text = klaster.dumps(program)
            assert klaster.loads(text) == program
        # Without the plugin the same document is refused, located, and nothing is returned.
        with pytest.raises(KlasterError) as caught:
            klaster.loads(text)
        assert "unknown activity kind 'seaweed_drying_day'" in str(caught.value)
        assert "fieldwork.activities[0]" in str(caught.value)
