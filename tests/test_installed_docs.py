"""Every docs example runs from the wheel alone: a fresh venv, no repository, no KLASTER_EXAMPLES.

The wheel is built from this checkout, installed with the extras the docs use (from the
configured package index or the pip cache) into a new venv, and every ```python block of
README.md and docs/*.md runs there, in a scratch folder outside the repository, page by page as
tests/test_docs.py runs them (the blocks of a page share a namespace; a ```text block after one
must equal what it prints). The venv is made once per run.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from tests.test_docs import DOCS, examples

ROOT = Path(__file__).resolve().parents[1]
EXTRAS = "columnar,fast,pandas,xlsx,test,iati,xlsform,reports,sql"
"""The extras the docs' examples import (polars, msgspec, pandas, openpyxl, hypothesis for
``klaster.testing``, lxml, pyxform, matplotlib and fpdf2, duckdb); never the developer tools."""

pytestmark = pytest.mark.slow

RUNNER = r"""
import contextlib, doctest, io, json, linecache, os, sys, traceback

def matches(expected, printed):
    want = "\n".join(l.rstrip() for l in expected.strip("\n").splitlines()) + "\n"
    got = "\n".join(l.rstrip() for l in printed.strip("\n").splitlines()) + "\n"
    return doctest.OutputChecker().check_output(want, got, doctest.ELLIPSIS)

pages = json.load(open(sys.argv[1], encoding="utf-8"))
results = []
for page, blocks in pages.items():
    # Each page in its own scratch folder, as tests/test_docs.py runs it.
    os.mkdir(page)
    os.chdir(page)
    namespace = {"__name__": "docs_" + page.rsplit(".", 1)[0]}
    for line, source, expected in blocks:
        name = f"{page}:{line}"
        linecache.cache[name] = (len(source), None, source.splitlines(True), name)
        printed = io.StringIO()
        error = None
        try:
            with contextlib.redirect_stdout(printed):
                exec(compile(source, name, "exec"), namespace)
            if expected is not None and not matches(expected, printed.getvalue()):
                error = "prints\n" + printed.getvalue() + "\nbut the page shows\n" + expected
        except BaseException:
            error = traceback.format_exc(limit=-3)
        results.append([name, error])
    os.chdir("..")
json.dump(results, sys.stdout)
"""


@pytest.fixture(scope="session")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The python of a fresh venv holding only the wheel of this checkout (and its extras)."""
    base = tmp_path_factory.mktemp("installed")
    wheels = base / "dist"
    _run(sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation",
         "--no-index", "--wheel-dir", wheels, ROOT)  # fmt: skip
    (wheel,) = wheels.glob("klaster-*.whl")
    venv = base / "venv"
    _run(sys.executable, "-m", "venv", venv)
    python = venv / "bin" / "python"
    # No .pyc compiling at install time: the examples import a fraction of what is installed.
    _run(python, "-m", "pip", "install", "--quiet", "--no-compile",
         f"klaster[{EXTRAS}] @ {wheel.as_uri()}")  # fmt: skip
    return python


def run_docs(python: Path, pages: list[Path], scratch: Path) -> list[tuple[str, str | None]]:
    """Run the pages' examples with ``python`` in ``scratch``; each block's name and error."""
    blocks = {page.name: examples(page) for page in pages}
    source = scratch / "pages.json"
    source.write_text(json.dumps(blocks), encoding="utf-8")
    runner = scratch / "run_docs.py"
    runner.write_text(RUNNER, encoding="utf-8")
    work = scratch / "work"
    work.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("KLASTER_", "PYTHON"))}
    done = subprocess.run(
        [str(python), str(runner), str(source)],
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return [(name, error) for name, error in json.loads(done.stdout)]


class TestInstalledWheel:
    def test_klaster_comes_from_the_wheel(self, installed: Path, tmp_path: Path) -> None:
        code = (
            "import klaster, klaster.examples as e; print(klaster.__file__); print(e.data_dir()); "
            "print(e.script('finance_lebak').__file__)"
        )
        done = subprocess.run(
            [str(installed), "-c", code], cwd=tmp_path, capture_output=True, text=True, check=True
        )
        module, data, script = map(Path, done.stdout.split())
        venv = installed.parents[1]
        assert module.is_relative_to(venv)  # the wheel's klaster, not src/
        assert data.is_relative_to(venv)
        assert data.name == "_demo_data"
        assert script.is_relative_to(venv)
        assert script.parent.name == "_demo_scripts"

    def test_every_docs_example_runs(self, installed: Path, tmp_path: Path) -> None:
        results = run_docs(installed, DOCS, tmp_path)
        failed = [f"{name}: {error}" for name, error in results if error is not None]
        print(f"{len(results) - len(failed)} of {len(results)} docs examples run from the wheel")
        assert not failed, "\n\n".join(failed)


def _run(*argv: object) -> None:
    done = subprocess.run([str(a) for a in argv], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, f"{' '.join(map(str, argv))}\n{done.stderr[-3000:]}"
