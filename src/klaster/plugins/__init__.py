"""Sector plugins.

The typed host over pluggy and the shared host of the installed plugins, what each loaded plugin
reports, the environment switches, and the ways to declare sectors from data (:class:`SectorData`
built in code with :class:`StaticPlugin`, or read from a TOML sector file with
:class:`SectorFile`), and :func:`new_plugin`, the package template of ``klaster plugin new``.
Plugins mark their hook functions with :data:`klaster.hookimpl`; the hook specifications are in
:mod:`klaster.plugins.hookspecs`.
"""

from klaster._support.aliases import moved_names
from klaster.plugins.default import get_host
from klaster.plugins.default import list_plugins as list_plugins
from klaster.plugins.default import plugins_json as plugins_json
from klaster.plugins.host import PluginHost
from klaster.plugins.info import PluginInfo, PluginStatus, PluginWarning
from klaster.plugins.scaffold import new_plugin
from klaster.plugins.sectorfile import (
    SectorData,
    SectorFile,
    StaticPlugin,
    load_sector_toml,
    read_sector_toml,
)
from klaster.plugins.settings import ENV_DISABLE, ENV_ONLY, ENV_STRICT, ENV_TRACE

# Deprecated (list_plugins, plugins_json warn when called; these when looked up).
__getattr__ = moved_names("klaster.plugins", {"KlasterWarning": "klaster.KlasterWarning"})

__all__ = [
    "ENV_DISABLE",
    "ENV_ONLY",
    "ENV_STRICT",
    "ENV_TRACE",
    "PluginHost",
    "PluginInfo",
    "PluginStatus",
    "PluginWarning",
    "SectorData",
    "SectorFile",
    "StaticPlugin",
    "get_host",
    "load_sector_toml",
    "new_plugin",
    "read_sector_toml",
]
