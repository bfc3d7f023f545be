"""The converter hooks of the intake's records (see :mod:`.converter`).

An applicant's screening answers are a tuple of ``(code, answer)`` pairs in memory and an object
in a document, each answer tagged with its type so that none is read back as another::

    "answers": {"asnaf": {"text": "miskin"}, "has_animal_space": {"bool": true},
                "income": {"number": "900000"}, "surveyed_on": {"date": "2011-03-02"}}

Numbers are decimal strings (never JSON floats). Messages name the variable, never the answer.
An empty intake, an applicant's empty answers and an intake's empty lists are left out.
"""

from __future__ import annotations

import datetime as _dt
from decimal import Decimal, InvalidOperation
from typing import Any

import cattrs
from cattrs.gen import make_dict_structure_fn, make_dict_unstructure_fn, override

from klaster.errors import ValidationError
from klaster.model.applicant import Answer, Applicant
from klaster.model.intake import Intake

_KINDS = "'number' (a decimal string), 'bool' (true/false), 'text' or 'date' ('YYYY-MM-DD')"
_NAMES = {dict: "an object", list: "a list", str: "a string", bool: "true/false"}


def _kind(value: object) -> str:
    return "null" if value is None else _NAMES.get(type(value), "a number")


def _answer(value: Any) -> Answer:
    if type(value) is not dict or len(value) != 1:
        raise ValidationError(f"must be an object with one key, {_KINDS}")
    ((kind, raw),) = value.items()
    if kind == "bool" and type(raw) is bool:
        return bool(raw)
    if kind == "text" and type(raw) is str:
        return str(raw)
    if kind == "number" and (type(raw) is str or type(raw) is int):
        try:
            number = Decimal(raw)
        except InvalidOperation:
            number = Decimal("NaN")
        if number.is_finite():
            return number
        raise ValidationError("must be a decimal number written as a string such as '900000'")
    if kind == "date" and type(raw) is str:
        try:
            return _dt.date.fromisoformat(raw)
        except ValueError:
            raise ValidationError("must be a date written 'YYYY-MM-DD'") from None
    if kind not in ("bool", "text", "number", "date"):
        raise ValidationError(f"unknown kind of answer {kind!r}; use {_KINDS}")
    raise ValidationError(f"a {kind!r} answer cannot be {_kind(raw)}", path=kind)


def structure_answers(value: Any, _type: Any) -> tuple[tuple[str, Answer], ...]:
    """A document's answers object as pairs (checked again by the :class:`Applicant`)."""
    if type(value) is not dict:
        raise ValidationError(
            f"must be an object such as {{'income': {{'number': '900000'}}}}, got {_kind(value)}"
        )
    pairs = []
    for code, raw in value.items():
        try:
            pairs.append((code, _answer(raw)))
        except ValidationError as exc:
            raise exc.at(code) from None
    return tuple(pairs)


def unstructure_answers(answers: tuple[tuple[str, Answer], ...]) -> dict[str, Any]:
    """The answers as a document object."""
    out: dict[str, Any] = {}
    for code, answer in answers:
        if isinstance(answer, bool):
            out[code] = {"bool": answer}
        elif isinstance(answer, Decimal):
            out[code] = {"number": str(answer)}
        elif isinstance(answer, _dt.date):
            out[code] = {"date": answer.isoformat()}
        else:
            out[code] = {"text": answer}
    return out


def register(conv: cattrs.Converter) -> None:
    """Register the :class:`Applicant` and :class:`Intake` hooks on ``conv``."""
    conv.register_structure_hook(
        Applicant,
        make_dict_structure_fn(Applicant, conv, answers=override(struct_hook=structure_answers)),
    )
    conv.register_unstructure_hook(
        Applicant,
        make_dict_unstructure_fn(
            Applicant,
            conv,
            _cattrs_omit_if_default=True,
            answers=override(unstruct_hook=unstructure_answers),
        ),
    )
    conv.register_structure_hook(Intake, make_dict_structure_fn(Intake, conv))
    intake_fn = make_dict_unstructure_fn(Intake, conv)
    conv.register_unstructure_hook(
        Intake, lambda intake: {k: v for k, v in intake_fn(intake).items() if v}
    )
