"""Deprecated import paths kept for one release: moved modules and names moved off a package.

Internal interface:

- :data:`MOVED_MODULES`: old public module path → new module path (the package reshape).
- :func:`install`: puts :class:`MovedModuleFinder` on ``sys.meta_path`` (``import klaster`` does),
  so ``import klaster.hookspecs`` gives the module object of ``klaster.plugins.hookspecs`` itself
  (``isinstance`` and ``is`` hold) with a :class:`DeprecationWarning` naming the new path.
- :func:`moved_names`: a module ``__getattr__`` serving names that now live elsewhere, with the
  same warning.

Nothing here imports a target until someone imports the old path, so ``import klaster`` stays
light.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import sys
import warnings
from collections.abc import Callable, Mapping, Sequence
from types import ModuleType
from typing import Any

__all__ = ["MOVED_MODULES", "MovedModuleFinder", "install", "moved_names", "warn_moved"]

_K = "klaster"
_M = "klaster.measurement"

MOVED_MODULES: Mapping[str, str] = {
    f"{_K}.document": f"{_K}.documents.program",
    **{
        f"{_K}.{name}": f"{_K}.model.{name}"
        for name in (
            "member",
            "group",
            "cooperative",
            "organisation",
            "region",
            "lifecycle",
            "records",
            "cluster",
            "program",
        )
    },
    **{
        f"{_K}.{name}": f"{_K}.catalogue.{name}"
        for name in ("sector", "variable", "indicator", "criterion", "formula")
    },
    f"{_K}.sectorfile": f"{_K}.plugins.sectorfile",
    f"{_K}.hookspecs": f"{_K}.plugins.hookspecs",
    f"{_K}.plugininfo": f"{_K}.plugins.info",
    f"{_M}.rounds": f"{_K}.observations.rounds",
    f"{_M}.columns": f"{_K}.observations.columns.factory",
    f"{_M}.column_base": f"{_K}.observations.columns.base",
    f"{_M}.numeric_columns": f"{_K}.observations.columns.numeric",
    f"{_M}.coded_columns": f"{_K}.observations.columns.coded",
    f"{_M}.text_column": f"{_K}.observations.columns.text",
    f"{_M}.observations": f"{_K}.observations.values",
    f"{_M}.observation_queries": f"{_K}.observations.queries",
    f"{_M}.core_variables": f"{_K}.observations.core_variables",
    f"{_M}.sidecar": f"{_K}.observations.sidecar",
    **{
        f"{_M}.{name}": f"{_M}.methods.{name}"
        for name in (
            "fgt",
            "welfare",
            "cibest",
            "cibest_config",
            "cibest_quadrants",
            "cibest_indices",
            "cibest_transition_matrix",
            "poverty_lines",
            "poverty_records",
        )
    },
    f"{_M}.result_row": f"{_M}.rows",
}
"""Old public module path → its new home. (``klaster.plugins`` was a module and is now the
package that exports the same names, so it needs no alias.)"""

# Frames to skip (and module __getattr__ hooks) so that a warning points at the code that
# imported or used the old path.
_SKIPPED = ("<frozen importlib", __file__, importlib.__file__ or "<importlib>")


def _caller_level() -> int:
    level, frame = 2, sys._getframe(2)
    while frame.f_back is not None and (
        frame.f_code.co_filename.startswith(_SKIPPED) or frame.f_code.co_name == "__getattr__"
    ):
        # warnings.warn itself passes over the import system's frozen frames: do not count them.
        if not frame.f_back.f_code.co_filename.startswith("<frozen importlib"):
            level += 1
        frame = frame.f_back
    return level


def warn_moved(old: str, new: str) -> None:
    """Warn that ``old`` is deprecated in favour of ``new`` (removed in the next release)."""
    warnings.warn(
        f"{old} is deprecated and will be removed in the next release; use {new}",
        DeprecationWarning,
        stacklevel=_caller_level(),
    )


class _AliasLoader(importlib.abc.Loader):
    """Loads an old path as the new module object itself."""

    def __init__(self, old: str, new: str) -> None:
        self.old, self.new = old, new
        self._spec: importlib.machinery.ModuleSpec | None = None

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType:
        warn_moved(f"module {self.old}", self.new)
        module = importlib.import_module(self.new)
        self._spec = module.__spec__
        return module

    def exec_module(self, module: ModuleType) -> None:
        # The import system stamped the alias's spec on the module: give it back its own.
        module.__spec__ = self._spec


class MovedModuleFinder(importlib.abc.MetaPathFinder):
    """Finds the old module paths of :data:`MOVED_MODULES` (after every real finder).

    Args:
        moved: Old dotted name → new dotted name.
    """

    def __init__(self, moved: Mapping[str, str]) -> None:
        self.moved = dict(moved)

    def find_spec(
        self,
        fullname: str,
        path: Sequence[str] | None,
        target: ModuleType | None = None,
    ) -> importlib.machinery.ModuleSpec | None:
        """A spec loading the new module, for an old path; ``None`` for any other name."""
        new = self.moved.get(fullname)
        if new is None:
            return None
        return importlib.machinery.ModuleSpec(fullname, _AliasLoader(fullname, new))


def install() -> None:
    """Put the finder on ``sys.meta_path`` once (last: a real module of that name wins)."""
    if not any(isinstance(finder, MovedModuleFinder) for finder in sys.meta_path):
        sys.meta_path.append(MovedModuleFinder(MOVED_MODULES))


def moved_names(module: str, moved: Mapping[str, str]) -> Callable[[str], Any]:
    """A module ``__getattr__`` serving ``moved`` names (name → ``"new.module.name"``).

    Example:
        >>> get = moved_names("pkg", {"old": "klaster.label.Label"})
        >>> import warnings
        >>> with warnings.catch_warnings(record=True):
        ...     warnings.simplefilter("always")
        ...     get("old").__name__
        'Label'
    """

    def __getattr__(name: str) -> Any:
        target = moved.get(name)
        if target is None:
            raise AttributeError(f"module {module!r} has no attribute {name!r}")
        where, _, attribute = target.rpartition(".")
        warn_moved(f"{module}.{name}", target)
        return getattr(importlib.import_module(where), attribute)

    return __getattr__
