"""``klaster plugins``: the installed sector plugins, loaded or not, and why not."""

from __future__ import annotations

import argparse
from typing import Any

from klaster.cli._output import Output, table

NAME = "plugins"


def add_parser(commands: Any, common: argparse.ArgumentParser) -> None:
    """Register the command."""
    parser = commands.add_parser(
        NAME,
        parents=[common],
        help="list the sector plugins and their status",
        description="List the installed sector plugins (loaded, failed with the reason, or "
        "disabled by KLASTER_PLUGINS / KLASTER_DISABLE_PLUGINS) and the sectors they provide.",
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace, out: Output) -> int:
    """List the plugins of the default host; a broken plugin never hides the others."""
    from klaster.plugins.default import get_host
    from klaster.plugins.info import PluginStatus

    host = get_host()
    infos = host.plugins()
    sectors = {s.code: s for s in host.sectors()}
    provides = {
        info.name: [code for code in sectors if info.name in host.sector_plugins(code)]
        for info in infos
    }
    documents = [{**i.to_dict(), "sectors": provides.get(i.name, [])} for i in infos]
    out.emit({"plugins": documents})
    rows = [
        (
            info.name,
            f"{info.status.label_en} / {info.status.label_id}",
            info.distribution or "-",
            info.version or "-",
            ", ".join(provides.get(info.name, ())) or "-",
        )
        for info in infos
    ]
    out.show(
        table(
            "sector plugins / plugin sektor",
            ["plugin", "status", "distribution", "version", "sectors"],
            rows,
        )
    )
    for info in infos:
        if info.status is PluginStatus.FAILED:
            out.line(f"{info.name} failed: " + "; ".join(info.problems), style="red")
    for code, sector in sectors.items():
        out.note(f"{code}: {sector.name.id} / {sector.name.en}")
    return 0
