"""A new sector plugin package from the template shipped with klaster (``klaster plugin new``).

:func:`new_plugin` writes a working, tested package: ``pyproject.toml`` with the ``klaster``
entry point, ``src/klaster_<name>/__init__.py`` declaring a sector with one variable, one
indicator and one readiness criterion, ``py.typed``, ``tests/test_<name>.py`` (the conformance
check and the indicator in a two-round report) and a README with the next steps. The template
files are read through :mod:`importlib.resources`, so this works from an installed wheel.

Example:
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as scratch:
    ...     folder = new_plugin("fisheries", scratch)
    ...     print(folder.name, sorted(p.name for p in (folder / "src/klaster_fisheries").iterdir()))
    klaster-fisheries ['__init__.py', 'py.typed']
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
from collections.abc import Iterable, Mapping
from importlib import resources
from pathlib import Path

from klaster._version import __version__
from klaster.errors import ValidationError

__all__ = ["check_plugin_name", "new_plugin", "plugin_names"]

# The longest code the template derives is "<sector>_revenue_positive" (17 more characters),
# and a code has at most 40: so 23 characters at most.
_MAX = 23
_NAME = re.compile(rf"^[a-z](?:[a-z0-9_-]{{0,{_MAX - 2}}}[a-z0-9])?\Z")
_SECTOR = re.compile(rf"^[a-z](?:[a-z0-9_]{{0,{_MAX - 2}}}[a-z0-9])?\Z")
_VALID_NAME = (
    f"use a lowercase letter, then lowercase letters, digits, '_' or '-', at most {_MAX} "
    "characters, not ending in '_' or '-' (e.g. 'fisheries', 'dairy-goats')"
)
_VALID_SECTOR = (
    f"use a lowercase letter, then lowercase letters, digits or '_', at most {_MAX} "
    "characters, not ending in '_' (e.g. 'fisheries')"
)
# template file -> where it goes in the package (placeholders allowed in the path)
_FILES = {
    "pyproject.toml.tmpl": "pyproject.toml",
    "README.md.tmpl": "README.md",
    "plugin.py.tmpl": "src/{{module}}/__init__.py",
    "test_plugin.py.tmpl": "tests/test_{{test_name}}.py",
}
_PLACEHOLDER = re.compile(r"\{\{(\w+)\}\}")


def check_plugin_name(name: str, path: str = "name") -> str:
    """Return ``name`` if it can name a plugin (``fisheries``, ``dairy-goats``).

    Raises:
        ValidationError: At ``path``, saying what a valid name is.
    """
    if not isinstance(name, str) or not _NAME.match(name):
        raise ValidationError(f"{name!r} is not a valid plugin name: {_VALID_NAME}", path=path)
    return name


def plugin_names(name: str, sector: str | None = None) -> dict[str, str]:
    """The names derived from a plugin name: distribution, module, sector code, title.

    Args:
        name: The plugin's name (its entry point), e.g. ``"dairy-goats"``.
        sector: The sector code (default: the name with ``-`` as ``_``).

    Raises:
        ValidationError: A name or sector code that is not valid (``path`` is ``name`` or
            ``sector``).

    Example:
        >>> names = plugin_names("dairy-goats")
        >>> names["distribution"], names["module"], names["sector"], names["title"]
        ('klaster-dairy-goats', 'klaster_dairy_goats', 'dairy_goats', 'Dairy goats')
    """
    check_plugin_name(name)
    snake = name.replace("-", "_")
    code = snake if sector is None else sector
    if not isinstance(code, str) or not _SECTOR.match(code):
        raise ValidationError(
            f"{code!r} is not a valid sector code: {_VALID_SECTOR}", path="sector"
        )
    return {
        "name": name,
        "distribution": f"klaster-{name.replace('_', '-')}",
        "module": f"klaster_{snake}",
        "test_name": snake,
        "sector": code,
        "title": snake.replace("_", " ").capitalize(),
        "klaster_version": ".".join(__version__.split(".")[:2]),
    }


def new_plugin(
    name: str,
    directory: str | os.PathLike[str] = ".",
    *,
    sector: str | None = None,
    taken: Iterable[str] = (),
) -> Path:
    """Write a new plugin package ``klaster-<name>`` in ``directory`` and return its folder.

    The package is written in a temporary folder beside the target, then renamed into place:
    a failure leaves nothing behind, and an existing folder is never overwritten.

    Args:
        name: The plugin's name (its entry point): lowercase letters, digits, ``_`` and ``-``.
        directory: Where the package folder goes (it must exist).
        sector: The sector code it declares (default: the name with ``-`` as ``_``).
        taken: Sector codes already in use (e.g. the installed plugins'), refused.

    Returns:
        The new package folder, ``directory / "klaster-<name>"``.

    Raises:
        ValidationError: An invalid name or sector code, a sector code in ``taken``, a missing
            directory or an existing package folder; ``path`` says which.
    """
    names = plugin_names(name, sector)
    used = sorted(set(taken))
    if names["sector"] in used:
        raise ValidationError(
            f"the sector code {names['sector']!r} is already taken by an installed plugin "
            f"(taken: {', '.join(used)}); choose another with --sector",
            path="sector",
        )
    parent = Path(directory)
    if not parent.is_dir():
        raise ValidationError(f"{parent} is not an existing folder", path="directory")
    target = parent / names["distribution"]
    if target.exists():
        raise ValidationError(
            f"{target} already exists; a new plugin is never written over it", path="directory"
        )
    # Not tempfile.mkdtemp: its folder is private (0o700); this one gets the umask's mode.
    scratch = parent / f".{target.name}.{secrets.token_hex(6)}.tmp"
    try:
        scratch.mkdir()
        _write(scratch, names)
        scratch.rename(target)  # atomic: the package appears whole or not at all
    except OSError as error:
        shutil.rmtree(scratch, ignore_errors=True)
        raise ValidationError(
            f"cannot write {target}: {error.strerror or error}", path="directory"
        ) from None
    return target


def _write(root: Path, names: Mapping[str, str]) -> None:
    template = resources.files("klaster.plugins").joinpath("template")
    for source, destination in _FILES.items():
        path = root / _fill(destination, names)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(_fill(template.joinpath(source).read_text("utf-8"), names), "utf-8")
    (root / "src" / names["module"] / "py.typed").write_text("", "utf-8")


def _fill(text: str, names: Mapping[str, str]) -> str:
    return _PLACEHOLDER.sub(lambda match: names[match.group(1)], text)
