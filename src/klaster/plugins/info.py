"""What the plugin host tells about plugins: their status, and the warnings it issues."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import cattrs
from attrs import frozen

from klaster.errors import KlasterWarning
from klaster.label import LabelledEnum, labelled
from klaster.plugins._pluggy import Origin

__all__ = [
    "PluginInfo",
    "PluginStatus",
    "PluginWarning",
    "failure_message",
    "make_info",
]


class PluginWarning(KlasterWarning):
    """A plugin was left out or one of its hooks failed; the other plugins keep working.

    Attributes:
        plugin: The plugin's name (entry-point name), or ``None`` for a configuration problem.
        distribution: The distribution (package) that installed it, if known.
        version: That distribution's version, if known.
        problems: What is wrong, one sentence each.
    """

    def __init__(
        self,
        message: str,
        *,
        plugin: str | None = None,
        distribution: str | None = None,
        version: str | None = None,
        problems: Iterable[str] = (),
    ) -> None:
        super().__init__(message)
        self.plugin = plugin
        self.distribution = distribution
        self.version = version
        self.problems = tuple(problems)


class PluginStatus(LabelledEnum):
    """Whether a plugin is in use."""

    LOADED = labelled("loaded", "Dimuat", "Loaded")
    """Registered; what it declares is in use."""
    FAILED = labelled("failed", "Gagal", "Failed")
    """Left out because of the problems listed in its :class:`PluginInfo`."""
    DISABLED = labelled("disabled", "Dinonaktifkan", "Disabled")
    """Not loaded because of ``KLASTER_PLUGINS`` or ``KLASTER_DISABLE_PLUGINS``."""


@frozen
class PluginInfo:
    """One plugin the host knows of, for listings (``klaster plugins``).

    Args:
        name: Entry-point name, or the name given to :meth:`PluginHost.register`.
        status: :class:`PluginStatus`.
        source: Entry-point value (``"klaster_sectors.umkm"``) or the plugin's module or class.
        distribution: Distribution that installed it (``"klaster-seaweed"``), if known.
        version: That distribution's version, if known.
        hooks: Names of the klaster hooks it implements.
        problems: Why it failed (empty unless ``status`` is failed).
    """

    name: str
    status: PluginStatus
    source: str
    distribution: str | None = None
    version: str | None = None
    hooks: tuple[str, ...] = ()
    problems: tuple[str, ...] = ()

    def describe(self) -> str:
        """Name the plugin with its distribution and version, for messages."""
        return Origin(self.source, self.distribution, self.version).describe(self.name)

    def to_dict(self) -> dict[str, Any]:
        """The same data as JSON-compatible types (strings, lists, ``None``)."""
        result: dict[str, Any] = _JSON.unstructure(self)
        return result


_JSON = cattrs.Converter(unstruct_collection_overrides={tuple: list})


def make_info(
    name: str,
    status: PluginStatus,
    origin: Origin,
    *,
    hooks: Iterable[str] = (),
    problems: Iterable[str] = (),
) -> PluginInfo:
    """Build a :class:`PluginInfo` from an :class:`Origin` (for the host)."""
    return PluginInfo(
        name=name,
        status=status,
        source=origin.source,
        distribution=origin.distribution,
        version=origin.version,
        hooks=tuple(hooks),
        problems=tuple(problems),
    )


def failure_message(info: PluginInfo) -> str:
    """The warning text for a plugin left out, listing its problems."""
    lines = "".join(f"\n  - {problem}" for problem in info.problems)
    return f"klaster {info.describe()} was not loaded:{lines}"
