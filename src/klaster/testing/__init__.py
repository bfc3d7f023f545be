"""Test helpers for klaster users and plugin authors (needs the ``test`` extra: hypothesis).

- :mod:`klaster.testing.strategies`: hypothesis strategies for every model (members, groups,
  regions, lifecycles, clusters, whole programs), all generating valid records.
- :mod:`klaster.testing.plugins`: the plugin kit: an isolated plugin host, a helper registering a
  plugin for one test and a conformance check (:func:`check_plugin`) any plugin package can run
  in its own tests.
- :mod:`klaster.testing.catalogue_strategies`: hypothesis strategies for plugin records (sectors,
  variables, indicators, readiness criteria, whole :class:`~klaster.plugins.StaticPlugin` s).
- :mod:`klaster.testing.samples`: :func:`sample_program`, one small hand-written program touching
  every record kind, with personal data (:data:`SAMPLE_SECRETS`) to check that nothing leaks.

Example:
    >>> from klaster.testing import check_plugin, isolated_host
    >>> host = isolated_host()
    >>> host.sectors()
    ()
"""

from klaster._support.aliases import moved_names
from klaster.testing import catalogue_strategies, plugins, samples, strategies
from klaster.testing.plugins import (
    check_plugin,
    isolated_host,
    plugin_problems,
    registered,
)
from klaster.testing.samples import SAMPLE_SECRETS, sample_program

# StaticPlugin moved to klaster.plugins (deprecated here for one release).
__getattr__ = moved_names("klaster.testing", {"StaticPlugin": "klaster.plugins.StaticPlugin"})

__all__ = [
    "SAMPLE_SECRETS",
    "catalogue_strategies",
    "check_plugin",
    "isolated_host",
    "plugin_problems",
    "plugins",
    "registered",
    "sample_program",
    "samples",
    "strategies",
]
