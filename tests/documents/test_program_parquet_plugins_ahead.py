"""The plugins load while a Parquet program's rows are read, not on the first member (issue 18).

The business-type check loads the plugins on its first member; a Parquet load readies it
(:func:`klaster.model.sector_rules.ready_member_check`) while polars reads the rows, so the
accepted road's business-type verdict finds them loaded. Loading them earlier changes nothing
but when: a paused check readies nothing, and a strict load's plugin error is not raised there.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.documents.test_program_parquet_accepted import path, program

import klaster
import klaster.plugins.default
from klaster.errors import PluginError
from klaster.model import sector_rules
from klaster.model.sector_rules import install_check_setup, member_checks_paused
from klaster.plugins.default import get_host, load_for_checks
from klaster.plugins.host import PluginHost

__all__ = ["path", "program"]  # (the fixtures)

pytest.importorskip("polars")


@pytest.fixture
def readied(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """Each time the check is readied: whether no member was checked before (a spy)."""
    calls: list[bool] = []
    checked: list[object] = []
    check = sector_rules._installed[0]

    def spy_check(member: klaster.Member) -> str | None:
        checked.append(member)
        return check(member)

    monkeypatch.setattr(sector_rules, "_installed", [spy_check])
    monkeypatch.setattr(sector_rules, "_setups", [lambda: calls.append(not checked)])
    return calls


class TestReadied:
    def test_a_parquet_load_readies_the_check_before_any_member(
        self, path: Path, readied: list[bool], program: klaster.Program
    ) -> None:
        assert klaster.load(path) == program
        assert readied == [True]

    def test_a_paused_check_is_not_readied(self, readied: list[bool]) -> None:
        with member_checks_paused():
            sector_rules.ready_member_check()
        assert readied == []
        sector_rules.ready_member_check()
        assert readied == [True]


class TestPluginsLoaded:
    def test_the_installed_setup_loads_the_shared_host(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setattr(klaster.plugins.default, "_default", None)  # a fresh default host
        assert sector_rules._setups == [load_for_checks]
        sector_rules.ready_member_check()
        assert get_host().loaded

    def test_a_strict_plugin_error_is_left_for_the_host_to_raise(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        host = PluginHost()

        def failed() -> None:
            raise PluginError("plugin 'broken' failed to load")

        monkeypatch.setattr(host, "plugins", failed)
        monkeypatch.setattr(klaster.plugins.default, "_default", host)
        load_for_checks()  # (no raise: raised where the host is used)

    def test_removed(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setattr(sector_rules, "_setups", list(sector_rules._setups))
        install_check_setup(None)
        sector_rules.ready_member_check()  # (nothing to run)
        assert sector_rules._setups == []
