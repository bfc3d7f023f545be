"""Helpers shared by the program-document tests: the sample program, as JSON, and its errors.

:func:`load_error` checks that the sample's personal data (name, NIK, phone) never shows up in a
message; :func:`reader` reads with the default reader or with only the standard library's json.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from typing import Any

import pytest

import klaster
import klaster.documents.program as document
from klaster import DocumentError, KlasterError, Program
from klaster.testing.samples import SAMPLE_SECRETS, sample_program

NAME, NIK, PHONE = SAMPLE_SECRETS


def bantaeng() -> Program:
    """A small program touching every record kind and most optional fields."""
    return sample_program()


def as_json(program: Program) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(klaster.dumps(program))
    return loaded


def members_of(doc: dict[str, Any]) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = doc["program"]["clusters"][0]["members"]
    return found


def load_error(doc: object, error: type[KlasterError] = DocumentError) -> KlasterError:
    """Load ``doc`` (as JSON text) and return the error, which must be exactly ``error``."""
    with pytest.raises(KlasterError) as exc:
        klaster.loads(json.dumps(doc))
    assert type(exc.value) is error, f"{type(exc.value).__name__}: {exc.value}"
    text = str(exc.value)
    for secret in (NAME, NIK, PHONE):
        assert secret not in text
    return exc.value


@contextlib.contextmanager
def reader(name: str) -> Iterator[None]:
    """Read documents with the default reader or with only the standard library's json."""
    with pytest.MonkeyPatch.context() as patch:
        if name == "json":
            # Without msgspec, loads() takes the plain road (the attribute may not exist yet).
            patch.setattr(document, "_msgspec", None, raising=False)
        yield


READERS = ["default", "json"]
