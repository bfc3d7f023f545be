"""Installing a plugin package the way a user would (a wheel build, no network) for a test."""

from __future__ import annotations

import importlib
import importlib.util
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest


def pip_install(package: Path, target: Path) -> None:
    """Install ``package`` into the folder ``target``.

    ``--no-build-isolation --no-index`` builds with the hatchling of this environment and never
    downloads anything.
    """
    if importlib.util.find_spec("hatchling") is None:
        pytest.fail("hatchling is needed to build a plugin package: pip install 'klaster[test]'")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--no-deps",
            "--no-build-isolation",
            "--no-index",
            "--disable-pip-version-check",
            "--target",
            str(target),
            str(package),
        ],
        check=True,
        capture_output=True,
    )


@contextmanager
def on_path(target: Path, *modules: str) -> Iterator[Path]:
    """Put an installed ``target`` folder on ``sys.path``; afterwards forget it and ``modules``."""
    sys.path.insert(0, str(target))
    importlib.invalidate_caches()
    try:
        yield target
    finally:
        sys.path.remove(str(target))
        for name in [m for m in sys.modules if m.split(".")[0] in modules]:
            del sys.modules[name]
        importlib.invalidate_caches()
