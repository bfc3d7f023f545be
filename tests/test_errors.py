"""The error hierarchy: every error is a KlasterError, pickles, and locates itself."""

from __future__ import annotations

import pickle

import pytest

import klaster
from klaster import (
    KlasterError,
)


# -- the error hierarchy --------------------------------------------------------------------------
class TestErrors:
    @pytest.mark.parametrize(
        "cls",
        [
            klaster.ValidationError,
            klaster.DuplicateIdError,
            klaster.InvalidReferenceError,
            klaster.NotFoundError,
            klaster.DocumentError,
            klaster.SchemaVersionError,
            klaster.LifecycleError,
            klaster.ReadinessError,
            klaster.PluginError,
        ],
    )
    def test_every_error_is_a_klaster_error_and_pickles(self, cls: type[KlasterError]) -> None:
        assert issubclass(cls, KlasterError)
        err = cls("something is wrong", path="clusters[0]")
        again = pickle.loads(pickle.dumps(err))
        assert type(again) is cls
        assert (again.message, again.path, str(again)) == (err.message, err.path, str(err))

    def test_at_prefixes_the_path_and_keeps_details(self) -> None:
        err = klaster.ReadinessError("failed", path="history[2]", failures=["x"])
        moved = err.at("clusters[1].lifecycle")
        assert type(moved) is klaster.ReadinessError
        assert moved.path == "clusters[1].lifecycle.history[2]"
        assert moved.failures == ("x",)
        assert str(moved) == "clusters[1].lifecycle.history[2]: failed"
        assert klaster.ValidationError("bad").at("members[0]").path == "members[0]"

    def test_document_error_lists_problems(self) -> None:
        err = klaster.DocumentError("invalid", problems=["a: one", "b: two"])
        assert err.problems == ("a: one", "b: two")
        assert str(err) == "invalid\n  - a: one\n  - b: two"

    def test_standard_library_bases(self) -> None:
        assert issubclass(klaster.ValidationError, ValueError)
        assert issubclass(klaster.NotFoundError, LookupError)
        assert issubclass(klaster.DocumentError, ValueError)
        assert issubclass(klaster.LifecycleError, ValueError)
