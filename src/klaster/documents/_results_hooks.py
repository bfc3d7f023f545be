"""The converter hooks of the results framework's records (see :mod:`.converter`).

A target's disaggregation is a tuple of ``(dimension, category)`` pairs in memory and an object
in a document (``{"sector": "farming"}``), left out when empty.
"""

from __future__ import annotations

from typing import Any

import cattrs
from cattrs.gen import make_dict_structure_fn, make_dict_unstructure_fn, override

from klaster.errors import ValidationError
from klaster.model.results_framework import Target

_NAMES = {dict: "an object", list: "a list", str: "a string", bool: "true/false"}


def _kind(value: object) -> str:
    return "null" if value is None else _NAMES.get(type(value), "a number")


def structure_by(value: Any, _type: Any) -> tuple[tuple[str, str], ...]:
    """A document's disaggregation object as sorted pairs (strings only)."""
    if type(value) is not dict:
        raise ValidationError(
            f"must be an object such as {{'sector': 'farming'}}, got {_kind(value)}"
        )
    for key, category in value.items():
        if type(category) is not str:
            raise ValidationError(f"must be a string, got {_kind(category)}", path=key)
    return tuple(sorted(value.items()))


def register(conv: cattrs.Converter) -> None:
    """Register the :class:`Target` hooks on ``conv`` (before the hooks of what contains it)."""
    conv.register_structure_hook(
        Target, make_dict_structure_fn(Target, conv, by=override(struct_hook=structure_by))
    )
    conv.register_unstructure_hook(
        Target,
        make_dict_unstructure_fn(
            Target, conv, _cattrs_omit_if_default=True, by=override(unstruct_hook=dict)
        ),
    )
