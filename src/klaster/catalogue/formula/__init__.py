"""The indicator formula language: a small expression language parsed into a tree, never ``eval``.

Formulas read like arithmetic over variable codes::

    profit / revenue
    (herd_end - herd_start) / herd_start
    income_per_capita < poverty_line
    harvest_kg / land_ha if land_ha > 0 else missing()

Grammar (lowest precedence first)::

    expr        := or_expr [ "if" or_expr "else" expr ]
    or_expr     := and_expr { "or" and_expr }
    and_expr    := not_expr { "and" not_expr }
    not_expr    := "not" not_expr | comparison
    comparison  := additive [ ("<" | "<=" | ">" | ">=" | "==" | "!=") additive ]
    additive    := term { ("+" | "-") term }
    term        := unary { ("*" | "/") unary }
    unary       := "-" unary | atom
    atom        := NUMBER | STRING | "true" | "false" | NAME | NAME "(" [ expr { "," expr } ] ")"
                 | "(" expr ")"

Numbers are decimals (``0.5``, ``1000``), strings are quoted category codes (``"goat"``), names
are variable or indicator codes, and ``name(...)`` calls one of :data:`FUNCTIONS`. Parse errors
point at the position; formulas are bounded in length, depth and size so that hostile input
cannot exhaust the parser. ``docs/formulas.md`` is the language's reference page (every function
with an example; a test keeps it in step with :data:`FUNCTIONS`).
"""

from klaster.catalogue.formula.limits import (
    FUNCTIONS,
    MAX_DEPTH,
    MAX_LENGTH,
    MAX_NODES,
    MAX_ROUND_PLACES,
    FormulaError,
)
from klaster.catalogue.formula.parser import parse
from klaster.catalogue.formula.printer import to_text
from klaster.catalogue.formula.tree import (
    Binary,
    Boolean,
    Call,
    Conditional,
    Expr,
    Name,
    Number,
    String,
    Unary,
    references,
    walk,
)

__all__ = [
    "FUNCTIONS",
    "MAX_DEPTH",
    "MAX_LENGTH",
    "MAX_NODES",
    "MAX_ROUND_PLACES",
    "Binary",
    "Boolean",
    "Call",
    "Conditional",
    "Expr",
    "FormulaError",
    "Name",
    "Number",
    "String",
    "Unary",
    "parse",
    "references",
    "to_text",
    "walk",
]
