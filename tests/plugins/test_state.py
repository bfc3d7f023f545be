"""Property: whatever plugins come and go, the host shows exactly what the loaded ones declare."""

from __future__ import annotations

from typing import Any

import pytest
from attrs import evolve
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
)

from klaster.plugins import PluginHost, StaticPlugin
from klaster.plugins.info import PluginStatus, PluginWarning
from klaster.plugins.sectorfile import SectorData
from klaster.testing.catalogue_strategies import sector_data
from klaster.testing.plugins import isolated_host


class PluginSet(RuleBasedStateMachine):
    """Register and unregister random plugins, some of them clashing with loaded ones."""

    host: PluginHost

    @initialize()
    def start(self) -> None:
        self.host = isolated_host(strict=False)
        self.loaded: dict[str, SectorData] = {}
        self.counter = 0

    def _name(self) -> str:
        self.counter += 1
        return f"p{self.counter}"

    @rule(data=st.data())
    def register(self, data: st.DataObject) -> None:
        name = self._name()
        declared = data.draw(sector_data(prefix=f"{name}_"))
        info = self.host.register(StaticPlugin(declared), name)
        assert info.status is PluginStatus.LOADED, info.problems
        self.loaded[name] = declared

    @precondition(lambda self: self.loaded)
    @rule(data=st.data())
    def register_clashing(self, data: st.DataObject) -> None:
        # A new plugin re-using a code some loaded plugin already has: refused whole.
        victim = self.loaded[data.draw(st.sampled_from(sorted(self.loaded)))]
        name = self._name()
        declared = data.draw(sector_data(prefix=f"{name}_"))
        own = declared.sectors[0]
        clash_variable: bool = data.draw(st.booleans()) if victim.variables else False
        if clash_variable:
            # Same variable code in a sector of its own.
            taken = data.draw(st.sampled_from(victim.variables))
            clashing = SectorData([own], [evolve(taken, sector=own.code)])
        else:
            clashing = SectorData([evolve(own, code=victim.sectors[0].code)])
        with pytest.warns(PluginWarning, match="already taken by plugin"):
            info = self.host.register(StaticPlugin(clashing), name)
        assert info.status is PluginStatus.FAILED

    @precondition(lambda self: self.loaded)
    @rule(data=st.data())
    def unregister(self, data: st.DataObject) -> None:
        name = data.draw(st.sampled_from(sorted(self.loaded)))
        self.host.unregister(name)
        del self.loaded[name]

    @invariant()
    def shows_the_union_of_the_loaded(self) -> None:
        def union(kind: str) -> list[Any]:
            return [r for d in self.loaded.values() for r in getattr(d, kind)]

        assert sorted(self.host.sectors(), key=lambda s: s.code) == sorted(
            union("sectors"), key=lambda s: s.code
        )
        for kind, shown in (
            ("variables", self.host.variables()),
            ("indicators", self.host.indicators()),
            ("criteria", self.host.readiness_criteria()),
        ):
            assert sorted(shown, key=repr) == sorted(union(kind), key=repr)
            assert list(shown) == sorted(shown, key=lambda r: (r.sector, r.code))

    @invariant()
    def codes_stay_unique(self) -> None:
        values = [v.code for v in self.host.variables()] + [i.code for i in self.host.indicators()]
        assert len(values) == len(set(values))
        sectors = [s.code for s in self.host.sectors()]
        assert len(sectors) == len(set(sectors))
        loaded = [p.name for p in self.host.plugins() if p.status is PluginStatus.LOADED]
        assert sorted(loaded) == sorted(self.loaded)


PluginSet.TestCase.settings = settings(
    max_examples=20,
    stateful_step_count=12,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
TestPluginSet = PluginSet.TestCase
