"""Results as JSON for web apps: exact decimals as text, dates as ISO text, reasons kept.

:func:`to_jsonable` turns what klaster returns (a :class:`~klaster.measurement.Results` table,
its rows, comparisons, target tables, finance statements, records, labels) into plain
``dict``/``list``/``str``/``int``/``bool``/``None`` values that :func:`json.dumps` writes as they
are; :class:`JSONEncoder` does the same as a ``json`` encoder class (``json.dumps(results,
cls=klaster.JSONEncoder)``). The rules:

* ``Decimal`` → its exact text (``"282808.62"``: a JavaScript number would lose digits);
* ``datetime.date`` / ``datetime`` → ISO text (``"2014-03-01"``);
* :class:`~klaster.measurement.NotAvailable` → ``{"not_available": true, "reason": "..."}``;
* :class:`~klaster.label.Label` → ``{"id": "...", "en": "..."}``; an enum → its value;
* a table with ``to_records()`` → its records; an attrs record → its fields, leaving out those
  hidden from its ``repr`` (names, NIK, phone numbers: personal data never leaves this way);
* mappings → objects (keys as text), sequences and sets → arrays.

Anything else is refused with a located :class:`~klaster.errors.ValidationError`.
"""

from __future__ import annotations

import datetime as _dt
import enum
import json
from collections.abc import Iterator, Mapping
from decimal import Decimal
from pathlib import PurePath
from typing import Any, cast

import attrs

from klaster.errors import ValidationError
from klaster.label import Label
from klaster.measurement.na import NotAvailable

__all__ = ["JSONEncoder", "to_jsonable"]

_MAX_DEPTH = 64


def to_jsonable(value: object) -> Any:
    """``value`` as plain JSON values (see the module's rules).

    Example:
        >>> import json, datetime
        >>> from decimal import Decimal
        >>> json.dumps(to_jsonable({"on": datetime.date(2014, 3, 1), "p0": Decimal("0.31")}))
        '{"on": "2014-03-01", "p0": "0.31"}'

    Raises:
        ValidationError: A value JSON cannot carry, located (``$.rows[3].value``).
    """
    return _convert(value, "$", 0)


class JSONEncoder(json.JSONEncoder):
    """A :class:`json.JSONEncoder` for klaster's results (``json.dumps(x, cls=JSONEncoder)``).

    The whole value goes through :func:`to_jsonable` first, so a NaN or infinite number is
    refused with its place rather than written as the ``NaN`` no JSON parser reads.
    """

    def iterencode(self, o: Any, _one_shot: bool = False) -> Iterator[str]:
        """Chunks of the JSON text of ``to_jsonable(o)``."""
        return super().iterencode(to_jsonable(o), _one_shot)

    def default(self, o: Any) -> Any:
        """``o`` through :func:`to_jsonable`."""
        return to_jsonable(o)


def _convert(value: object, path: str, depth: int) -> Any:
    if value is None or isinstance(value, bool | int | str):
        return value
    if depth > _MAX_DEPTH:
        raise ValidationError(f"nested deeper than {_MAX_DEPTH} levels", path=path)
    if isinstance(value, float):
        return _finite(value, path)
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise ValidationError(f"{value} is not a JSON number", path=path)
        return str(value)
    if isinstance(value, _dt.date):  # datetime too
        return value.isoformat()
    if isinstance(value, NotAvailable):
        return {"not_available": True, "reason": value.reason}
    if isinstance(value, Label):
        return {"id": value.id, "en": value.en}
    if isinstance(value, enum.Enum):
        return _convert(value.value, path, depth + 1)
    if isinstance(value, PurePath):
        return str(value)
    if isinstance(value, Mapping):
        return {
            _key(k, path): _convert(v, f"{path}.{_key(k, path)}", depth + 1)
            for k, v in value.items()
        }
    if isinstance(value, list | tuple | set | frozenset):
        items = sorted(value, key=repr) if isinstance(value, set | frozenset) else value
        return [_convert(v, f"{path}[{i}]", depth + 1) for i, v in enumerate(items)]
    to_records = getattr(value, "to_records", None)
    if callable(to_records):
        return _convert(to_records(), path, depth + 1)
    if attrs.has(type(value)):
        return {
            f.name: _convert(getattr(value, f.name), f"{path}.{f.name}", depth + 1)
            for f in attrs.fields(cast("type[attrs.AttrsInstance]", type(value)))
            if f.repr is not False and not f.name.startswith("_")
        }
    raise ValidationError(
        f"a {type(value).__name__} cannot be written as JSON "
        "(Decimal, date, NotAvailable, Label, records, mappings and sequences can)",
        path=path,
    )


def _finite(value: float, path: str) -> float:
    if value != value or value in (float("inf"), float("-inf")):
        raise ValidationError(f"{value} is not a JSON number", path=path)
    return value


def _key(key: object, path: str) -> str:
    if isinstance(key, str):
        return key
    if key is None or isinstance(key, bool | int | Decimal | enum.Enum):
        return json.dumps(_convert(key, path, 0)).strip('"')
    if isinstance(key, tuple):  # a disaggregation: (("sex", "female"),) → "sex=female"
        return ",".join(
            "=".join(map(str, part)) if isinstance(part, tuple) else str(part) for part in key
        )
    raise ValidationError(f"a {type(key).__name__} key cannot be a JSON object key", path=path)
