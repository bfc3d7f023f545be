"""The indicator formula language: parsing, printing, bounds and hostile input."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from klaster.catalogue.formula import (
    FUNCTIONS,
    MAX_DEPTH,
    MAX_LENGTH,
    Binary,
    Boolean,
    Call,
    Conditional,
    Expr,
    FormulaError,
    Name,
    Number,
    String,
    Unary,
    parse,
    references,
    to_text,
)

codes = st.from_regex(r"[a-z][a-z0-9_]{0,8}", fullmatch=True).filter(
    lambda c: c not in {"and", "or", "not", "if", "else", "true", "false"}
)
leaves: st.SearchStrategy[Expr] = st.one_of(
    st.builds(Number, st.decimals(min_value=0, max_value=10**6, places=2)),
    st.builds(String, st.from_regex(r"[a-z_]{1,8}", fullmatch=True)),
    st.builds(Boolean, st.booleans()),
    st.builds(Name, codes),
)
_BINARY = ["or", "and", "<", "<=", ">", ">=", "==", "!=", "+", "-", "*", "/"]


def _extend(children: st.SearchStrategy[Expr]) -> st.SearchStrategy[Expr]:
    return st.one_of(
        st.builds(Unary, st.sampled_from(["-", "not"]), children),
        st.builds(Binary, st.sampled_from(_BINARY), children, children),
        st.builds(Conditional, children, children, children),
        st.builds(Call, st.just("abs"), st.tuples(children)),
        st.builds(Call, st.just("max"), st.tuples(children, children)),
    )


trees = st.recursive(leaves, _extend, max_leaves=12)


class TestParsing:
    @pytest.mark.parametrize(
        ("text", "expected"),
        [
            ("profit / revenue", Binary("/", Name("profit"), Name("revenue"))),
            ("a - b - c", Binary("-", Binary("-", Name("a"), Name("b")), Name("c"))),
            ("a + b * c", Binary("+", Name("a"), Binary("*", Name("b"), Name("c")))),
            ("-a * b", Binary("*", Unary("-", Name("a")), Name("b"))),
            ("not a and b", Binary("and", Unary("not", Name("a")), Name("b"))),
            ("species == 'goat'", Binary("==", Name("species"), String("goat"))),
            ("x if c else 0", Conditional(Name("c"), Name("x"), Number(Decimal(0)))),
            ("pct_change(income)", Call("pct_change", (Name("income"),))),
            ("missing()", Call("missing", ())),
            ("0.50", Number(Decimal("0.50"))),
        ],
    )
    def test_trees(self, text: str, expected: Expr) -> None:
        assert parse(text) == expected

    def test_references_in_order(self) -> None:
        tree = parse("harvest_kg / land_ha if land_ha > 0 else missing()")
        assert references(tree) == ("harvest_kg", "land_ha")

    def test_bracketed_comparison_may_be_compared(self) -> None:
        assert parse("(a < b) == true") == Binary(
            "==", Binary("<", Name("a"), Name("b")), Boolean(True)
        )


class TestErrors:
    @pytest.mark.parametrize(
        ("text", "position", "words"),
        [
            ("a +", 3, "expected a number"),
            ("a < b < c", 6, "cannot be chained"),
            ("foo(x)", 0, "unknown function 'foo'"),
            ("min(a)", 0, "takes 2 to 8"),
            ("a $ b", 2, "unexpected character '$'"),
            ("", 0, "empty formula"),
            ("(a", 2, "expected ')'"),
            ("a b", 2, "unexpected 'b'"),
            ("x if c", 6, "'else'"),
        ],
    )
    def test_located(self, text: str, position: int, words: str) -> None:
        with pytest.raises(FormulaError) as info:
            parse(text)
        assert info.value.position == position
        assert words in str(info.value)
        assert f"position {position}" in str(info.value)

    def test_too_long(self) -> None:
        with pytest.raises(FormulaError, match="too long"):
            parse("a + " * (MAX_LENGTH // 4) + "a")

    def test_too_deep(self) -> None:
        with pytest.raises(FormulaError, match="nested too deeply"):
            parse("(" * (MAX_DEPTH + 5) + "a" + ")" * (MAX_DEPTH + 5))

    def test_too_large(self) -> None:
        with pytest.raises(FormulaError, match="too large"):
            parse(" + ".join(["a"] * 450))

    @pytest.mark.parametrize(
        "hostile",
        [
            "__import__('os').system('true')",
            "open('/etc/passwd')",
            "a.__class__",
            "[x for x in y]",
            "lambda: 1",
            "a; b",
            "eval('1')",
        ],
    )
    def test_hostile_input_is_refused_not_run(self, hostile: str) -> None:
        with pytest.raises(FormulaError):
            parse(hostile)

    @given(st.text(max_size=80))
    @settings(max_examples=300)
    def test_any_text_parses_or_raises_formula_error(self, text: str) -> None:
        try:
            tree = parse(text)
        except FormulaError:
            return
        assert parse(to_text(tree)) == tree


class TestPrinting:
    @given(trees)
    @settings(max_examples=300)
    def test_print_then_parse_gives_the_same_tree(self, tree: Expr) -> None:
        assert parse(to_text(tree)) == tree

    def test_minimal_brackets(self) -> None:
        for text in ["a - (b - c)", "-(a * b)", "(x if c else y) + 1", "not (a and b)"]:
            assert to_text(parse(text)) == text

    def test_function_table_is_consistent(self) -> None:
        for name, (fewest, most) in FUNCTIONS.items():
            assert 0 <= fewest <= most, name
