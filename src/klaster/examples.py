"""The bundled example programs and data, after a plain ``pip install klaster``.

Every example in the documentation starts from these: the Bantaeng program (Klaster Mandiri
Bantaeng, South Sulawesi) with its baseline and endline surveys, its KoboToolbox exports and
mappings, the Blora fieldwork, the applicants of an intake, the candidate regions and rules of
targeting, the Lebak budget, and the scripts that build the larger synthetic examples (the Lebak
finance book, its budget, the Bantaeng targeting run). An installed wheel carries the data as
``klaster/_demo_data`` and the scripts as ``klaster/_demo_scripts``; a source checkout reads
``examples/data`` and ``examples/`` directly.

Example:
    >>> import klaster.examples
    >>> klaster.examples.path("bantaeng.json").name
    'bantaeng.json'
    >>> program, observations = klaster.examples.bantaeng()
    >>> len(program.clusters["bantaeng"].members), [r.kind.value for r in observations.rounds()]
    (190, ['baseline', 'endline'])
"""

from __future__ import annotations

import importlib.resources
import importlib.util
import sys
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, NamedTuple

from klaster._support.suggest import did_you_mean
from klaster.errors import KlasterError, NotFoundError

if TYPE_CHECKING:
    from klaster.model.program import Program
    from klaster.observations import Observations

__all__ = [
    "SCRIPTS",
    "BundledProgram",
    "bantaeng",
    "data_dir",
    "fieldwork",
    "intake",
    "names",
    "path",
    "script",
]

SCRIPTS = ("bantaeng_targeting", "budget_lebak", "finance_lebak")
"""The bundled example scripts :func:`script` loads (documented in docs/example-data.md)."""

_MARKER = "bantaeng.json"
_CHECKOUT = Path(__file__).resolve().parents[2] / "examples"


class BundledProgram(NamedTuple):
    """A bundled program and its survey rounds (unpack it: ``program, observations = ...``)."""

    program: Program
    """The program, loaded like any program document."""
    observations: Observations
    """Its observations sidecar, read with the installed plugins' variables."""


def data_dir() -> Path:
    """The folder of the bundled example data.

    Raises:
        NotFoundError: Neither the installed copy nor a source checkout's ``examples/data``
            holds the data (a broken installation).
    """
    return _folder("_demo_data", _CHECKOUT / "data", _MARKER)


def names() -> tuple[str, ...]:
    """Every bundled data file, as :func:`path` takes it (``"kobo/monitoring.csv"``), sorted."""
    root = data_dir()
    return tuple(sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()))


def path(name: str) -> Path:
    """The bundled data file ``name`` (``"bantaeng.json"``, ``"kobo/monitoring.toml"``).

    Raises:
        NotFoundError: No such bundled file (the message suggests the closest names).
    """
    found = data_dir() / name
    if ".." in Path(name).parts or not found.is_file():
        known = names()
        hint = did_you_mean(name, known)
        raise NotFoundError(
            f"no bundled example file {name!r}{f' ({hint})' if hint else ''}; "
            f"klaster.examples.names() lists the {len(known)} there are"
        )
    return found


def bantaeng() -> BundledProgram:
    """The Bantaeng program (190 members, three sectors) with its baseline and endline.

    A new copy on every call: change it freely.
    """
    import klaster.observations
    from klaster.documents.program import load

    program = load(path("bantaeng.json"))
    catalogue = klaster.observations.variable_catalogue()
    observations = klaster.observations.load(
        path("bantaeng.observations.jsonl"), program, catalogue
    )
    return BundledProgram(program, observations)


def fieldwork() -> Program:
    """The Blora program's working life: activities, mentoring visits, plans, commitments."""
    from klaster.documents.program import load

    return load(path("fieldwork.json"))


def intake() -> Program:
    """The program the bundled screening export's applicants apply to (``kobo/screening.csv``).

    Its cluster has no members yet: the applicants (synthetic households) come from the export
    (``klaster import``, or ``read_submissions`` with ``kobo/screening.toml``).
    """
    from klaster.documents.program import load

    return load(path("bantaeng_intake.json"))


def script(name: str) -> ModuleType:
    """A bundled example script, imported (e.g. ``script("finance_lebak").build_cluster()``).

    Args:
        name: One of :data:`SCRIPTS`.

    Raises:
        NotFoundError: An unknown script (with the closest name).
        KlasterError: The installation lacks the scripts.
    """
    if name not in SCRIPTS:
        hint = did_you_mean(name, SCRIPTS)
        raise NotFoundError(
            f"no bundled example script {name!r}{f' ({hint})' if hint else ''}; "
            f"the scripts are {', '.join(SCRIPTS)}"
        )
    folder = _folder("_demo_scripts", _CHECKOUT, f"{name}.py")
    module_name = f"klaster_example_{name}"
    spec = importlib.util.spec_from_file_location(module_name, folder / f"{name}.py")
    if spec is None or spec.loader is None:  # pragma: no cover - a .py file always has one
        raise KlasterError(f"cannot load the example script {name!r}")
    module = importlib.util.module_from_spec(spec)
    # Registered before running, as an import would, so that dataclasses and pickling work.
    sys.modules[module_name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[module_name]
        raise
    return module


def _folder(shipped_name: str, checkout: Path, marker: str) -> Path:
    shipped = importlib.resources.files("klaster") / shipped_name
    if isinstance(shipped, Path) and (shipped / marker).is_file():
        return shipped
    if (checkout / marker).is_file():
        return checkout
    raise NotFoundError(
        f"the bundled examples are missing (neither klaster/{shipped_name} nor a source "
        f"checkout holds {marker}); reinstall klaster (pip install --force-reinstall klaster)"
    )
