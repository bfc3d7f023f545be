"""Shared by the fieldwork model tests: the sample program with fieldwork and a snapshot of it."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from klaster import KlasterError, Program
from klaster.testing.samples import SAMPLE_FIELDWORK_SECRETS, sample_program_with_fieldwork

D = dt.date
TODAY = dt.date.today()
# Two days on, so a run that crosses midnight still finds it after today.
TOMORROW = TODAY + dt.timedelta(days=2)


def program() -> Program:
    """A new sample program with people, a board and fieldwork of every kind."""
    return sample_program_with_fieldwork()


def snapshot(p: Program) -> tuple[Any, ...]:
    """Everything a fieldwork operation could change, as plain values."""
    work = p.fieldwork
    return (
        list(work.activities),
        work.assignments,
        list(work.visits),
        work.plans,
        list(work.commitments),
        list(p.people),
        [(c.id, list(c.lifecycle.history), list(c.cooperatives)) for c in p.clusters],
    )


def refused(p: Program, call: Any, *args: Any, where: str, match: str = "") -> KlasterError:
    """Run ``call(*args)``: it must raise a located error naming ``where`` and change nothing."""
    before = snapshot(p)
    with pytest.raises(KlasterError) as exc:
        call(*args)
    err = exc.value
    assert err.path == where, f"{err.path!r} != {where!r}: {err}"
    assert match in str(err), str(err)
    for secret in SAMPLE_FIELDWORK_SECRETS:
        assert secret not in str(err)
    assert snapshot(p) == before
    return err
