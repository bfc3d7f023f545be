"""The one exception hierarchy of klaster.

Every error the public API raises is a :class:`KlasterError`. Each message names *where* the
problem is (a document path such as ``clusters[2].groups[5].memberships[0]``, a field, a file and
row) and *what would be valid*. Messages never repeat personal data (names, national ID numbers,
phone numbers, income): they name records by ID only.

Subclasses also inherit the matching built-in exception (``ValueError``, ``LookupError``) so code
written against the standard library keeps working, but nothing outside this hierarchy escapes.
"""

from __future__ import annotations

from collections.abc import Iterable

__all__ = [
    "DocumentError",
    "DuplicateIdError",
    "ImportDataError",
    "InvalidReferenceError",
    "KlasterError",
    "KlasterWarning",
    "LifecycleError",
    "NotFoundError",
    "PluginError",
    "ReadinessError",
    "SchemaVersionError",
    "StoreBusyError",
    "StoreError",
    "ValidationError",
]


class KlasterError(Exception):
    """Base of every error klaster raises.

    Args:
        message: What is wrong and what would be valid.
        path: Where it is wrong: a field name or document path (``clusters[0].members[3]``).

    Attributes:
        message: The message without the path.
        path: The location, or ``None`` when the error is not about one place.
    """

    def __init__(self, message: str, *, path: str | None = None) -> None:
        self.message = message
        self.path = path
        super().__init__(f"{path}: {message}" if path else message)

    def __reduce__(self) -> tuple[object, ...]:
        # Keyword-only arguments need help to survive pickling (multiprocessing, pytest-xdist).
        return (_rebuild, (type(self), self.message, self.path, dict(self.__dict__)))

    def at(self, prefix: str) -> KlasterError:
        """Return a copy of this error located under ``prefix``.

        Args:
            prefix: The path of the enclosing record, e.g. ``clusters[0].members[3]``.

        Returns:
            An error of the same type whose path is ``prefix.path`` (or ``prefix``).
        """
        path = f"{prefix}.{self.path}" if self.path else prefix
        clone = _rebuild(type(self), self.message, path, dict(self.__dict__))
        clone.path = path
        return clone


def _rebuild(
    cls: type[KlasterError], message: str, path: str | None, state: dict[str, object]
) -> KlasterError:
    err = cls.__new__(cls)
    err.__dict__.update(state)
    KlasterError.__init__(err, message, path=path)
    return err


class ValidationError(KlasterError, ValueError):
    """A value or record breaks an invariant (negative household size, left before joined...)."""


class DuplicateIdError(ValidationError):
    """Two records of the same kind share an ID."""


class InvalidReferenceError(ValidationError):
    """A record refers to another that does not exist or belongs elsewhere.

    For example a group listing a member of another cluster, or a member living in a village that
    is not part of the cluster's region.
    """


class NotFoundError(KlasterError, LookupError):
    """A lookup by ID found nothing. The message lists what does exist (IDs only)."""


class DocumentError(KlasterError, ValueError):
    """A JSON document cannot be read: malformed JSON, unknown field, wrong type.

    Attributes:
        problems: Every problem found, one located message each. ``str(err)`` shows them all.
    """

    def __init__(
        self, message: str, *, path: str | None = None, problems: Iterable[str] = ()
    ) -> None:
        self.problems = tuple(problems)
        if self.problems:
            message = message + "\n" + "\n".join(f"  - {p}" for p in self.problems)
        super().__init__(message, path=path)


class SchemaVersionError(DocumentError):
    """A document's schema version is missing, unknown, or newer than this klaster supports."""


class StoreError(KlasterError):
    """A program store cannot be opened, read or written (not a store, damaged, refused write).

    A store whose schema is newer than this klaster raises :class:`SchemaVersionError` instead.
    """


class StoreBusyError(StoreError):
    """Another process held the store's write lock for longer than the timeout; nothing changed."""


class ImportDataError(KlasterError, ValueError):
    """A field-data file (Kobo/ODK CSV or XLSX, plain CSV) or its mapping cannot be imported.

    Attributes:
        problems: Every problem found, one located message each
            (``survey.csv row 17 column 'hh/pendapatan': ...``). ``str(err)`` shows them all.
    """

    def __init__(
        self, message: str, *, path: str | None = None, problems: Iterable[str] = ()
    ) -> None:
        self.problems = tuple(problems)
        if self.problems:
            shown = self.problems[:50]
            message = message + "\n" + "\n".join(f"  - {p}" for p in shown)
            if len(self.problems) > len(shown):
                message += f"\n  ... and {len(self.problems) - len(shown)} more"
        super().__init__(message, path=path)


class LifecycleError(KlasterError, ValueError):
    """A phase move that the lifecycle does not allow (illegal move, date before the last event)."""


class ReadinessError(LifecycleError):
    """A guarded move (to independence) failed its checks and carried no override.

    Attributes:
        failures: The failed checks.
    """

    def __init__(
        self, message: str, *, path: str | None = None, failures: Iterable[object] = ()
    ) -> None:
        self.failures = tuple(failures)
        super().__init__(message, path=path)


class PluginError(KlasterError):
    """A plugin failed to load or returned something malformed (raised in strict mode).

    Attributes:
        problems: Every problem, one sentence each naming the plugin (``plugin 'fishy'
            (distribution klaster-fishy 2.0.1) was not loaded: ...``). ``str(err)`` shows
            them all.
    """

    def __init__(
        self, message: str, *, path: str | None = None, problems: Iterable[str] = ()
    ) -> None:
        self.problems = tuple(problems)
        if self.problems:
            message = message + "\n" + "\n".join(f"  - {p}" for p in self.problems)
        super().__init__(message, path=path)


class KlasterWarning(UserWarning):
    """Base of the warnings klaster issues (e.g. :class:`klaster.plugins.host.PluginWarning`)."""
