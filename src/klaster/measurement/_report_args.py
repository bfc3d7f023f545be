"""What :meth:`Measurement.report` is asked for, read as an analyst first types it.

``report("income_per_capita", by="sector")``: a single string is one indicator (or a
comma-separated list of them) and one disaggregation (``"cluster,sector"`` crosses two
dimensions), never its letters. Unknown names are refused, located, with the closest known ones.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from klaster._support.suggest import did_you_mean
from klaster.errors import NotFoundError, ValidationError

__all__ = ["disaggregations", "indicator_codes"]


def _names(text: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in text.split(",") if part.strip())


def indicator_codes(indicators: str | Iterable[str] | None, known: Sequence[str]) -> list[str]:
    """The codes asked for (all of ``known`` for ``None``), each checked against ``known``.

    Raises:
        NotFoundError: An unknown code, at ``indicators[i]``, with did-you-mean.
        ValidationError: Something that is not a code.
    """
    if indicators is None:
        return list(known)
    asked = list(_names(indicators)) if isinstance(indicators, str) else list(indicators)
    for index, code in enumerate(asked):
        if not isinstance(code, str):
            raise ValidationError(
                f"an indicator is named by its code, got {type(code).__name__}",
                path=f"indicators[{index}]",
            )
        if code not in known:
            hint = did_you_mean(code, known) or f"known: {', '.join(known)}"
            raise NotFoundError(f"no indicator {code!r}; {hint}", path=f"indicators[{index}]")
    return asked


def disaggregations(
    by: str | Iterable[str | Sequence[str]], dimensions: Sequence[str]
) -> list[tuple[str, ...]]:
    """The disaggregations asked for, each a tuple of checked dimensions, each once.

    A string ``by`` is one disaggregation shown with the total (as the command line's ``--by``);
    in a sequence, a string is one disaggregation (``"cluster,sector"`` crosses two) and a
    sequence of names another (``()`` the total).

    Raises:
        ValidationError: An unknown dimension, at ``by[i]``, with did-you-mean and the valid ones.
    """
    specs = [(), _names(by)] if isinstance(by, str) else [_spec(s) for s in by]
    for index, spec in enumerate(specs):
        for dim in spec:
            if dim not in dimensions:
                hint = did_you_mean(dim, dimensions)
                raise ValidationError(
                    f"unknown dimension {dim!r}"
                    + (f" ({hint})" if hint else "")
                    + f"; use one of {', '.join(dimensions)}",
                    path="by" if isinstance(by, str) else f"by[{index}]",
                )
    return list(dict.fromkeys(specs))  # a spec asked twice, once


def _spec(spec: str | Sequence[str]) -> tuple[str, ...]:
    if isinstance(spec, str):
        return _names(spec)
    return tuple(d.strip() if isinstance(d, str) else d for d in spec)
