"""Loading only some variables (``only=``): the codes asked for, checked against the catalogue.

The store (:meth:`klaster.store.Store.load_observations`) and the sidecar
(:func:`klaster.observations.load`) take ``only=``: the values of those variables are read, every
round and every surveyed unit all the same (a unit surveyed only through another variable still
counts as missing where a report reads it), and the observations are marked
(:attr:`Observations.selected <klaster.observations.values.Observations.selected>`) so that no
save takes them for whole ones. :func:`klaster.measurement.variables_needed` says which
variables a report reads.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from klaster._support.suggest import did_you_mean
from klaster.catalogue.variable import Variable
from klaster.errors import NotFoundError, ValidationError

__all__ = ["checked_only"]


def checked_only(
    only: str | Iterable[str] | None, catalogue: Mapping[str, Variable]
) -> frozenset[str] | None:
    """The variable codes ``only`` names (a string is one code), each in ``catalogue``.

    Raises:
        NotFoundError: An unknown code, at ``only[i]``, with the closest codes.
        ValidationError: Something that is not a code.
    """
    if only is None:
        return None
    try:
        codes = (only,) if isinstance(only, str) else tuple(only)
    except TypeError:
        raise ValidationError(
            f"only names variables by their codes (a list of strings), got {type(only).__name__}",
            path="only",
        ) from None
    for index, code in enumerate(codes):
        if not isinstance(code, str):
            raise ValidationError(
                f"a variable is named by its code, got {type(code).__name__}", path=f"only[{index}]"
            )
        if code not in catalogue:
            hint = did_you_mean(code, list(catalogue)) or "not in the variable catalogue"
            raise NotFoundError(f"unknown variable {code!r}; {hint}", path=f"only[{index}]")
    return frozenset(codes)
