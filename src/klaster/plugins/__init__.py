"""Sector plugins.

The hook specifications, the typed host over pluggy, sector TOML files and their declaration
hooks, what each loaded plugin reports.
"""

from klaster.plugins.hookspecs import (
    PROJECT,
    hookimpl,
    hookspec,
    klaster_indicators,
    klaster_readiness_criteria,
    klaster_sectors,
    klaster_validate_group,
    klaster_validate_member,
    klaster_validate_values,
    klaster_variables,
)
from klaster.plugins.host import (
    ENV_DISABLE,
    ENV_ONLY,
    ENV_STRICT,
    KlasterWarning,
    PluginHost,
    PluginInfo,
    PluginStatus,
    PluginWarning,
    get_host,
    list_plugins,
    plugins_json,
)
from klaster.plugins.info import (
    failure_message,
    make_info,
)
from klaster.plugins.sectorfile import (
    SectorData,
    SectorFile,
    load_sector_toml,
    read_sector_toml,
)

__all__ = [
    "ENV_DISABLE",
    "ENV_ONLY",
    "ENV_STRICT",
    "PROJECT",
    "KlasterWarning",
    "PluginHost",
    "PluginInfo",
    "PluginStatus",
    "PluginWarning",
    "SectorData",
    "SectorFile",
    "failure_message",
    "get_host",
    "hookimpl",
    "hookspec",
    "klaster_indicators",
    "klaster_readiness_criteria",
    "klaster_sectors",
    "klaster_validate_group",
    "klaster_validate_member",
    "klaster_validate_values",
    "klaster_variables",
    "list_plugins",
    "load_sector_toml",
    "make_info",
    "plugins_json",
    "read_sector_toml",
]
