"""Parsing a formula: tokens, then precedence climbing into a tree (never ``eval``)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from decimal import Decimal
from typing import Final

from attrs import frozen

from klaster.catalogue.formula.limits import (
    FUNCTIONS,
    MAX_DEPTH,
    MAX_LENGTH,
    MAX_NODES,
    FormulaError,
)
from klaster.catalogue.formula.tree import (
    COMPARISONS,
    PRECEDENCE,
    Binary,
    Boolean,
    Call,
    Conditional,
    Expr,
    Name,
    Number,
    String,
    Unary,
)

__all__ = ["parse"]

_KEYWORDS: Final = frozenset({"and", "or", "not", "if", "else", "true", "false"})
_TOKEN = re.compile(
    r"""
    (?P<space>\s+)
  | (?P<number>\d+(?:\.\d+)?)
  | (?P<string>"[^"\\\n]*"|'[^'\\\n]*')
  | (?P<name>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<op><=|>=|==|!=|[-+*/<>(),])
    """,
    re.VERBOSE,
)


@frozen
class _Token:
    kind: str  # number, string, name, keyword, op, end
    text: str
    position: int


def _tokens(text: str) -> Iterator[_Token]:
    position = 0
    while position < len(text):
        match = _TOKEN.match(text, position)
        if match is None:
            raise FormulaError(
                f"unexpected character {text[position]!r}", formula=text, position=position
            )
        kind = match.lastgroup or ""
        if kind != "space":
            word = match.group()
            if kind == "name" and word in _KEYWORDS:
                kind = "keyword"
            yield _Token(kind, word, position)
        position = match.end()
    yield _Token("end", "", len(text))


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = list(_tokens(text))
        self.index = 0
        self.nodes = 0
        self.bracketed: set[int] = set()  # ids of nodes written inside "(...)"

    @property
    def current(self) -> _Token:
        return self.tokens[self.index]

    def fail(self, message: str, token: _Token | None = None) -> FormulaError:
        token = token or self.current
        return FormulaError(message, formula=self.text, position=token.position)

    def take(self, kind: str, text: str | None = None) -> _Token | None:
        token = self.current
        if token.kind == kind and (text is None or token.text == text):
            self.index += 1
            return token
        return None

    def expect(self, kind: str, text: str, what: str) -> _Token:
        token = self.take(kind, text)
        if token is None:
            found = repr(self.current.text) if self.current.text else "the end of the formula"
            raise self.fail(f"expected {what}, found {found}")
        return token

    def node(self, value: Expr, depth: int) -> Expr:
        self.nodes += 1
        if self.nodes > MAX_NODES:
            raise self.fail(f"formula too large (more than {MAX_NODES} parts)")
        if depth > MAX_DEPTH:
            raise self.fail(f"formula nested too deeply (more than {MAX_DEPTH} levels)")
        return value

    def expr(self, depth: int) -> Expr:
        if depth > MAX_DEPTH:
            raise self.fail(f"formula nested too deeply (more than {MAX_DEPTH} levels)")
        then = self.binary(0, depth + 1)
        if self.take("keyword", "if") is None:
            return then
        condition = self.binary(0, depth + 1)
        self.expect("keyword", "else", "'else' after 'if' condition")
        otherwise = self.expr(depth + 1)
        return self.node(Conditional(condition, then, otherwise), depth)

    def binary(self, floor: int, depth: int) -> Expr:
        # Precedence climbing over PRECEDENCE; 'not' binds between 'and' and comparisons.
        if depth > MAX_DEPTH:
            raise self.fail(f"formula nested too deeply (more than {MAX_DEPTH} levels)")
        left = self.prefix(depth)
        while True:
            token = self.current
            power = PRECEDENCE.get(token.text) if token.kind in ("op", "keyword") else None
            if power is None or power <= floor:
                return left
            self.index += 1
            right = self.binary(power, depth + 1)
            if (
                token.text in COMPARISONS
                and isinstance(left, Binary)
                and left.op in COMPARISONS
                and id(left) not in self.bracketed
            ):
                raise self.fail("comparisons cannot be chained; join them with 'and'", token)
            left = self.node(Binary(token.text, left, right), depth)

    def prefix(self, depth: int) -> Expr:
        if self.take("keyword", "not") is not None:
            return self.node(Unary("not", self.binary(4, depth + 1)), depth)
        if self.take("op", "-") is not None:
            return self.node(Unary("-", self.binary(7, depth + 1)), depth)
        return self.atom(depth)

    def atom(self, depth: int) -> Expr:
        token = self.current
        if self.take("number"):
            return self.node(Number(Decimal(token.text)), depth)
        if self.take("string"):
            return self.node(String(token.text[1:-1]), depth)
        if self.take("keyword", "true") or self.take("keyword", "false"):
            return self.node(Boolean(token.text == "true"), depth)
        if self.take("op", "("):
            inner = self.expr(depth + 1)
            self.expect("op", ")", "')'")
            self.bracketed.add(id(inner))
            return inner
        if self.take("name"):
            if self.take("op", "(") is None:
                return self.node(Name(token.text, token.position), depth)
            return self.call(token, depth)
        found = repr(token.text) if token.text else "the end of the formula"
        raise self.fail(f"expected a number, a name, a function call or '(', found {found}")

    def call(self, name: _Token, depth: int) -> Expr:
        if name.text not in FUNCTIONS:
            known = ", ".join(sorted(FUNCTIONS))
            raise self.fail(f"unknown function {name.text!r}; known functions: {known}", name)
        args: list[Expr] = []
        if self.take("op", ")") is None:
            args.append(self.expr(depth + 1))
            while self.take("op", ","):
                args.append(self.expr(depth + 1))
            self.expect("op", ")", "',' or ')'")
        fewest, most = FUNCTIONS[name.text]
        if not fewest <= len(args) <= most:
            wanted = str(fewest) if fewest == most else f"{fewest} to {most}"
            raise self.fail(f"{name.text}() takes {wanted} argument(s), got {len(args)}", name)
        return self.node(Call(name.text, tuple(args), name.position), depth)


def parse(text: str) -> Expr:
    """Parse a formula into its tree.

    Args:
        text: The formula.

    Returns:
        The root :data:`Expr` node.

    Raises:
        FormulaError: The formula does not parse, is too long, too deep or too large, or calls
            an unknown function (or with the wrong number of arguments). The message shows the
            formula with a caret under the problem.

    Example:
        >>> tree = parse("(herd_end - herd_start) / herd_start")
        >>> from klaster.catalogue.formula import references, to_text
        >>> references(tree)
        ('herd_end', 'herd_start')
        >>> to_text(tree)
        '(herd_end - herd_start) / herd_start'
    """
    if not isinstance(text, str):
        raise FormulaError(f"a formula is text, got {type(text).__name__}", formula="", position=0)
    if len(text) > MAX_LENGTH:
        raise FormulaError(
            f"formula too long ({len(text)} characters, at most {MAX_LENGTH})",
            formula=text[:60] + "...",
            position=0,
        )
    parser = _Parser(text)
    if parser.current.kind == "end":
        raise parser.fail("empty formula")
    tree = parser.expr(0)
    if parser.current.kind != "end":
        raise parser.fail(f"unexpected {parser.current.text!r} after a complete formula")
    return tree
