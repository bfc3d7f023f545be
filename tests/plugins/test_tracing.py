"""Plugin tracing: ``KLASTER_TRACE_PLUGINS=1`` logs each hook call, its plugin and duration."""

from __future__ import annotations

import logging
import re

import pytest

from klaster import Member
from klaster.errors import PluginError
from klaster.plugins import PluginHost
from klaster.plugins.tracing import LOGGER_NAME
from klaster.testing.plugins import builtin_plugins

LINE = re.compile(r"^hook (klaster_\w+) plugin '(\w+)': \d+\.\d{3} ms, (\d+ items|raised \w+)$")


def _host() -> PluginHost:
    host = PluginHost(entry_points=False, strict=True)
    for plugin in builtin_plugins():
        host.register(plugin, plugin.__name__.rsplit(".", 1)[1])
    return host


def _traces(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == LOGGER_NAME]


def test_each_hook_call_is_one_line_with_plugin_and_milliseconds(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("KLASTER_TRACE_PLUGINS", "1")
    caplog.set_level(logging.INFO, logger=LOGGER_NAME)
    host = _host()
    host.validate_values(
        "livestock",
        "member",
        {
            "species": "goat",
            "herd_start": 10,
            "herd_births": 2,
            "herd_deaths": 1,
            "herd_sales": 0,
            "herd_purchases": 0,
            "herd_end": 11,
        },
    )
    traces = _traces(caplog)
    assert traces
    assert all(LINE.match(t) for t in traces)
    assert "hook klaster_sectors plugin 'umkm'" in "\n".join(traces)
    (check,) = [t for t in traces if t.startswith("hook klaster_validate_values")]
    assert check.startswith("hook klaster_validate_values plugin 'livestock'")
    assert check.endswith("0 items")


def test_no_argument_or_personal_value_is_logged(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("KLASTER_TRACE_PLUGINS", "1")
    caplog.set_level(logging.INFO, logger=LOGGER_NAME)
    host = _host()
    member = Member(
        id="M-SECRET-7",
        name="Ibu Rahmawati",
        sex="female",
        household_size=5,
        village="Jepon",
        sector="umkm",
        joined="2013-02-01",
    )
    problems = host.validate_member(member)
    assert problems  # the umkm plugin asks for a business type...
    text = "\n".join(_traces(caplog))
    assert "hook klaster_validate_member plugin 'umkm'" in text
    assert "1 items" in text  # ...counted, never quoted
    for secret in ("M-SECRET-7", "Rahmawati", "Jepon", "business_type"):
        assert secret not in text


def test_off_by_default_and_a_bad_value_is_refused(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.delenv("KLASTER_TRACE_PLUGINS", raising=False)
    caplog.set_level(logging.INFO, logger=LOGGER_NAME)
    _host().sectors()
    assert _traces(caplog) == []
    monkeypatch.setenv("KLASTER_TRACE_PLUGINS", "maybe")
    with pytest.raises(PluginError, match="KLASTER_TRACE_PLUGINS='maybe'"):
        PluginHost(entry_points=False)


def test_a_hook_that_raises_is_traced_and_still_reported(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    from klaster import hookimpl

    class Broken:
        @hookimpl
        def klaster_sectors(self) -> list[object]:
            raise RuntimeError("boom")

    monkeypatch.setenv("KLASTER_TRACE_PLUGINS", "1")
    caplog.set_level(logging.INFO, logger=LOGGER_NAME)
    host = PluginHost(entry_points=False, strict=False)
    with pytest.warns(UserWarning, match="klaster_sectors raised RuntimeError"):
        host.register(Broken(), "broken")
    assert "hook klaster_sectors plugin 'broken'" in "\n".join(_traces(caplog))
    assert any(t.endswith("raised RuntimeError") for t in _traces(caplog))
