"""Every code example in README.md, docs/*.md and the docstrings runs and does what it says."""

from __future__ import annotations

import contextlib
import doctest
import importlib
import io
import linecache
import pkgutil
import re
from pathlib import Path

import pytest

import klaster

ROOT = Path(__file__).resolve().parents[1]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
_BLOCK = re.compile(r"^```python\n(.*?)^```", re.DOTALL | re.MULTILINE)
_ANY_BLOCK = re.compile(r"^```(\w*)\n(.*?)^```", re.DOTALL | re.MULTILINE)
# A ```text block right after a ```python block (nothing between, or just "prints") is that
# block's expected output; ``...`` in it matches anything, as doctest's ELLIPSIS.
_OUTPUT_LEADS = ("", "prints")


def python_blocks(path: Path) -> list[tuple[int, str]]:
    """The ```python blocks of a Markdown file with the line each starts on."""
    text = path.read_text(encoding="utf-8")
    return [(text.count("\n", 0, m.start()) + 2, m.group(1)) for m in _BLOCK.finditer(text)]


def examples(path: Path) -> list[tuple[int, str, str | None]]:
    """Each ```python block with its line and the output block after it (``None``: none)."""
    text = path.read_text(encoding="utf-8")
    blocks = list(_ANY_BLOCK.finditer(text))
    found = []
    for index, block in enumerate(blocks):
        if block.group(1) != "python":
            continue
        expected = None
        after = blocks[index + 1] if index + 1 < len(blocks) else None
        if (
            after is not None
            and after.group(1) == "text"
            and text[block.end() : after.start()].strip() in _OUTPUT_LEADS
        ):
            expected = after.group(2)
        found.append((text.count("\n", 0, block.start()) + 2, block.group(2), expected))
    return found


def output_matches(expected: str, printed: str) -> bool:
    """Whether ``printed`` is ``expected`` (trailing spaces and edge blank lines aside)."""
    want = "\n".join(line.rstrip() for line in expected.strip("\n").splitlines()) + "\n"
    got = "\n".join(line.rstrip() for line in printed.strip("\n").splitlines()) + "\n"
    checker = doctest.OutputChecker()
    return checker.check_output(want, got, doctest.ELLIPSIS)


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
        for line, source, expected in examples(path):
            name = f"{path.name}:{line}"
            # Register the source so that a failing example shows its line in the traceback.
            linecache.cache[name] = (len(source), None, source.splitlines(True), name)
            code = compile(source, name, "exec")
            printed = io.StringIO()
            with contextlib.redirect_stdout(printed):
                exec(code, namespace)
            if expected is not None:
                assert output_matches(expected, printed.getvalue()), (
                    f"{name}: the example prints\n{printed.getvalue()}\nbut the page shows\n"
                    f"{expected}"
                )

    def test_shown_output_is_checked(self, tmp_path: Path) -> None:
        page = tmp_path / "page.md"
        page.write_text(
            "```python\nprint('a', 1)\n```\n\n```text\na 2\n```\n\n"
            "prose\n\n```text\nnot output\n```\n",
            encoding="utf-8",
        )
        ((line, _source, expected),) = examples(page)
        assert (line, expected) == (2, "a 2\n")
        assert not output_matches("a 2\n", "a 1\n")
        assert output_matches("a ...\n", "a 1 and more\n")

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
