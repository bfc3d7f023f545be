"""Test helpers for klaster users and plugin authors (needs the ``test`` extra: hypothesis).

- :mod:`klaster.testing.strategies`: hypothesis strategies for every model (members, groups,
  regions, lifecycles, clusters, whole programs), all generating valid records.
- :mod:`klaster.testing.plugins`: the plugin kit: an isolated plugin host, a helper registering a
  plugin for one test, strategies for plugin records and a conformance check
  (:func:`check_plugin`) any plugin package can run in its own tests.

Example:
    >>> from klaster.testing import check_plugin, isolated_host
    >>> host = isolated_host()
    >>> host.sectors()
    ()
"""

from klaster.testing import plugins, strategies
from klaster.testing.plugins import (
    StaticPlugin,
    check_plugin,
    isolated_host,
    plugin_problems,
    registered,
)

__all__ = [
    "StaticPlugin",
    "check_plugin",
    "isolated_host",
    "plugin_problems",
    "plugins",
    "registered",
    "strategies",
]
