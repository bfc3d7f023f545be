"""Every code example in README.md, docs/*.md and the docstrings runs and does what it says."""

from __future__ import annotations

import doctest
import importlib
import linecache
import pkgutil
import re
from pathlib import Path

import pytest

import klaster

ROOT = Path(__file__).resolve().parents[1]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
_BLOCK = re.compile(r"^```python\n(.*?)^```", re.DOTALL | re.MULTILINE)


def python_blocks(path: Path) -> list[tuple[int, str]]:
    """The ```python blocks of a Markdown file with the line each starts on."""
    text = path.read_text(encoding="utf-8")
    return [(text.count("\n", 0, m.start()) + 2, m.group(1)) for m in _BLOCK.finditer(text)]


def _modules() -> list[str]:
    names = ["klaster"]
    for package in ("klaster", "klaster_sectors"):
        module = importlib.import_module(package)
        names += [
            info.name
            for info in pkgutil.walk_packages(module.__path__, prefix=f"{package}.")
            if not info.name.rsplit(".", 1)[-1].startswith("_")
        ]
    return names


class TestMarkdownExamples:
    @pytest.mark.parametrize("path", DOCS, ids=lambda p: p.name)
    def test_blocks_run(self, path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        # Blocks of one file share a namespace, like cells of a notebook, and run in a scratch
        # directory so that examples writing files leave nothing behind.
        monkeypatch.chdir(tmp_path)
        monkeypatch.setenv("KLASTER_EXAMPLES", str(ROOT / "examples"))
        namespace: dict[str, object] = {"__name__": f"docs_{path.stem}"}
        for line, source in python_blocks(path):
            name = f"{path.name}:{line}"
            # Register the source so that a failing example shows its line in the traceback.
            linecache.cache[name] = (len(source), None, source.splitlines(True), name)
            code = compile(source, name, "exec")
            exec(code, namespace)

    def test_docs_have_examples(self) -> None:
        assert python_blocks(ROOT / "README.md"), "README.md must show runnable Python"

    def test_runner_catches_failures(self, tmp_path: Path) -> None:
        page = tmp_path / "page.md"
        page.write_text("text\n```python\nassert 1 + 1 == 3\n```\n", encoding="utf-8")
        ((line, source),) = python_blocks(page)
        assert line == 3
        with pytest.raises(AssertionError):
            exec(compile(source, "page.md", "exec"), {})


class TestDocstringExamples:
    @pytest.mark.parametrize("name", _modules())
    def test_doctests_pass(self, name: str) -> None:
        module = importlib.import_module(name)
        result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
        assert result.failed == 0, f"{result.failed} docstring example(s) failed in {name}"

    def test_public_names_documented(self) -> None:
        missing = [n for n in klaster.__all__ if n != "__version__" and not _doc(n)]
        assert not missing, f"public names without a docstring: {missing}"


def _doc(name: str) -> str | None:
    value = getattr(klaster, name)
    if isinstance(value, (str, int)):
        return "constant"
    return getattr(value, "__doc__", None)
