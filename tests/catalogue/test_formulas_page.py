"""docs/formulas.md and the formula language's function table cannot drift apart.

Every function of ``FUNCTIONS`` has a row in the page's function table with its number of
arguments, and a heading with a runnable example that calls it; every function the page lists
exists. (That the examples print what the page says is tests/test_docs.py's job.)
"""

from __future__ import annotations

import re
from pathlib import Path

from klaster.catalogue.formula import FUNCTIONS

PAGE = Path(__file__).resolve().parents[2] / "docs" / "formulas.md"
_ROW = re.compile(r"^\| `(\w+)\([^`]*\)` \| ([0-9–-]+) \|", re.MULTILINE)
_HEADING = re.compile(r"^### (\w+)\n(.*?)(?=^#{1,3} |\Z)", re.MULTILINE | re.DOTALL)


def _counts(text: str) -> tuple[int, int]:
    parts = re.split(r"[–-]", text)
    return int(parts[0]), int(parts[-1])


def page_problems(text: str, functions: dict[str, tuple[int, int]]) -> list[str]:
    """What differs between the page ``text`` and the function table ``functions``."""
    section = text.split("\n## Functions\n", 1)[-1].split("\n## ", 1)[0]
    rows = {name: _counts(count) for name, count in _ROW.findall(section)}
    problems = [f"{name}: no row in the function table" for name in functions if name not in rows]
    problems += [f"{name}: listed but not a function" for name in rows if name not in functions]
    problems += [
        f"{name}: the page says {rows[name]} arguments, the language {counts}"
        for name, counts in functions.items()
        if name in rows and rows[name] != counts
    ]
    headings = dict(_HEADING.findall(text))
    for name in functions:
        body = headings.get(name)
        if body is None:
            problems.append(f"{name}: no '### {name}' heading")
        elif not re.search(rf"```python\n[^`]*\b{name}\(", body):
            problems.append(f"{name}: its heading has no example calling it")
    problems += [
        f"{name}: a heading but not a function" for name in headings if name not in functions
    ]
    return problems


def test_the_page_lists_every_function_with_its_arguments() -> None:
    assert page_problems(PAGE.read_text(encoding="utf-8"), dict(FUNCTIONS)) == []


def test_a_drift_is_found() -> None:
    text = PAGE.read_text(encoding="utf-8")
    assert page_problems(text, {**FUNCTIONS, "median_of": (2, 8)}) == [
        "median_of: no row in the function table",
        "median_of: no '### median_of' heading",
    ]
    fewer = {name: counts for name, counts in FUNCTIONS.items() if name != "previous"}
    assert page_problems(text, fewer) == [
        "previous: listed but not a function",
        "previous: a heading but not a function",
    ]
    assert page_problems(text, {**FUNCTIONS, "min": (2, 9)}) == [
        "min: the page says (2, 8) arguments, the language (2, 9)"
    ]
    without_example = text.replace('show("abs(monthly_costs - 100)")', 'show("monthly_costs")')
    assert page_problems(without_example, dict(FUNCTIONS)) == [
        "abs: its heading has no example calling it"
    ]
