"""docs/plugins.md documents every hook, record and switch of the plugin system."""

from __future__ import annotations

import ast
import inspect
import re
from collections.abc import Callable, Mapping
from pathlib import Path

import pytest

import klaster.plugins
import klaster.plugins.hookspecs
import klaster.testing.catalogue_strategies
import klaster.testing.plugins

DOC = Path(__file__).resolve().parents[2] / "docs" / "plugins.md"
TEXT = DOC.read_text(encoding="utf-8")
HOOKS = sorted(
    name
    for name, value in vars(klaster.plugins.hookspecs).items()
    if name.startswith("klaster_") and inspect.isfunction(value)
)

SPECS = {name: getattr(klaster.plugins.hookspecs, name) for name in HOOKS}


def _annotation(value: object) -> str | None:
    """An annotation in one spelling (``Mapping[str,object]`` as ``Mapping[str, object]``)."""
    if value is inspect.Parameter.empty:
        return None
    text = value if isinstance(value, str) else inspect.formatannotation(value)
    return ast.unparse(ast.parse(text, mode="eval"))


def signature_drift(text: str, specs: Mapping[str, Callable[..., object]]) -> list[str]:
    """Where the page's hook signatures differ from the specifications (empty: they agree).

    Each hook's reference section must open with its signature as code, e.g.
    ``klaster_validate_member(member: Member) -> Sequence[str]``: the same parameter names,
    annotations and return annotation as ``klaster.plugins.hookspecs``.
    """
    problems = []
    for name, spec in specs.items():
        found = re.search(rf"^#+ `{name}`\n\n`({name}\([^`]*)`", text, re.MULTILINE)
        if found is None:
            problems.append(f"{name}: no signature opens its section")
            continue
        written = ast.parse(f"def {found.group(1)}: ...").body[0]
        assert isinstance(written, ast.FunctionDef)
        page = [
            (arg.arg, None if arg.annotation is None else ast.unparse(arg.annotation))
            for arg in written.args.args
        ]
        signature = inspect.signature(spec)
        wanted = [(p.name, _annotation(p.annotation)) for p in signature.parameters.values()]
        if page != wanted:
            problems.append(f"{name}: the page has parameters {page}, the specification {wanted}")
        page_returns = None if written.returns is None else ast.unparse(written.returns)
        spec_returns = _annotation(signature.return_annotation)
        if page_returns != spec_returns:
            problems.append(
                f"{name}: the page returns {page_returns}, the specification {spec_returns}"
            )
    return problems


class TestHookSignatures:
    def test_the_page_and_the_specifications_agree(self) -> None:
        assert signature_drift(TEXT, SPECS) == []

    @pytest.mark.parametrize(
        ("wrong", "right", "phrase"),
        [
            (
                "values: Mapping[str, object]) -> Sequence[str]`",
                "vals: Mapping[str, object]) -> Sequence[str]`",
                "klaster_validate_values: the page has parameters",
            ),
            ("(member: Member)", "(member: Group)", "klaster_validate_member: the page has"),
            (
                "klaster_sectors() -> Sequence[Sector]`",
                "klaster_sectors() -> list[Sector]`",
                "klaster_sectors: the page returns list[Sector]",
            ),
            (
                "klaster_variables() -> Sequence[Variable]`",
                "klaster_variables(sector: str) -> Sequence[Variable]`",
                "klaster_variables: the page has parameters [('sector', 'str')]",
            ),
            ("`klaster_indicators() -> ", "klaster_indicators() -> ", "klaster_indicators: no"),
        ],
    )
    def test_a_drift_is_caught(self, wrong: str, right: str, phrase: str) -> None:
        assert TEXT.count(wrong) == 1
        (problem,) = signature_drift(TEXT.replace(wrong, right), SPECS)
        assert problem.startswith(phrase)

    def test_a_drift_in_the_specification_is_caught(self) -> None:
        def klaster_validate_group(group: object, strict: bool) -> list[str]:
            raise NotImplementedError

        found = signature_drift(TEXT, {"klaster_validate_group": klaster_validate_group})
        assert [p.split(":")[0] for p in found] == ["klaster_validate_group"] * 2

    @pytest.mark.parametrize("hook", [h for h in HOOKS if h.startswith("klaster_validate_")])
    def test_who_is_called_agrees(self, hook: str) -> None:
        # The rule (provided and extended sectors) is said in the spec and on the page alike.
        doc = " ".join((inspect.getdoc(SPECS[hook]) or "").split())
        assert "provides or extends" in doc or "provides and of those it extends" in doc
        section = TEXT.split(f"`{hook}`\n", 1)[1].split("\n#", 1)[0]
        assert "provides or extends" in " ".join(section.split())


class TestPluginDocs:
    def test_hooks_found(self) -> None:
        assert len(HOOKS) >= 7

    @pytest.mark.parametrize("hook", HOOKS)
    def test_every_hook_has_a_reference_section(self, hook: str) -> None:
        assert re.search(rf"^#+ `{hook}`$", TEXT, re.MULTILINE), f"no section for {hook}"

    @pytest.mark.parametrize("hook", HOOKS)
    def test_every_hook_spec_has_a_docstring_with_an_example(self, hook: str) -> None:
        doc = inspect.getdoc(getattr(klaster.plugins.hookspecs, hook)) or ""
        assert "Returns:" in doc
        assert "Example:" in doc

    @pytest.mark.parametrize(
        "name",
        [
            "Label",
            "Sector",
            "BusinessType",
            "Variable",
            "Category",
            "Indicator",
            "ReadinessCriterion",
            "SectorData",
            "Level",
            "ValueType",
            "Aggregation",
            "Direction",
            "Operator",
            "PluginHost",
            "PluginInfo",
            "PluginWarning",
        ],
    )
    def test_every_record_is_in_the_reference(self, name: str) -> None:
        assert f"`{name}`" in TEXT or f"`{name}(" in TEXT or f".{name}(" in TEXT

    @pytest.mark.parametrize(
        "name",
        [
            klaster.plugins.ENV_ONLY,
            klaster.plugins.ENV_DISABLE,
            klaster.plugins.ENV_STRICT,
        ],
    )
    def test_environment_variables(self, name: str) -> None:
        assert f"`{name}=" in TEXT

    @pytest.mark.parametrize(
        "name",
        [*klaster.testing.plugins.__all__, *klaster.testing.catalogue_strategies.__all__],
    )
    def test_test_kit(self, name: str) -> None:
        assert f"`{name}(" in TEXT or f"`{name}`" in TEXT
