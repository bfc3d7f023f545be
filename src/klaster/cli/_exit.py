"""Exit codes, and what each error means for the person at the keyboard: a code and a hint.

Scripts read the exit code; people read the hint ("what to do"). The table here is the one
``docs/cli.md`` documents; change both together.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable

from klaster.errors import (
    DocumentError,
    ImportDataError,
    KlasterError,
    LifecycleError,
    NotFoundError,
    PluginError,
    ReadinessError,
    SchemaVersionError,
    StoreBusyError,
    StoreError,
)


class ExitCode(enum.IntEnum):
    """The exit status of every ``klaster`` command."""

    OK = 0
    """Success."""
    REFUSED = 1
    """The data was refused: validation or import problems, an illegal move, an unknown ID."""
    USAGE = 2
    """The command line itself is wrong (unknown option, missing argument, bad date)."""
    BUSY = 3
    """Another process is writing to the store; nothing was changed. Try again later."""
    NOT_READY = 4
    """The readiness check refused the move to independence (no ``--override`` given)."""
    UNREADABLE = 5
    """A store or document cannot be read: missing, damaged, not klaster's, or too new."""
    INTERNAL = 70
    """A bug in klaster (an unexpected exception)."""
    INTERRUPTED = 130
    """Stopped with Ctrl-C; a store write is all or nothing, so nothing was half-written."""


class CliError(KlasterError):
    """A refusal by a command itself, with its exit code and what to do about it.

    Args:
        message: What is wrong.
        hint: What the user can do.
        code: The exit code.
        problems: Located problems, one sentence each.
    """

    def __init__(
        self,
        message: str,
        *,
        hint: str | None = None,
        code: ExitCode = ExitCode.REFUSED,
        problems: Iterable[str] = (),
    ) -> None:
        super().__init__(message)
        self.hint = hint
        self.code = code
        self.problems = tuple(problems)


def headline(error: KlasterError) -> str:
    """The first line of an error's message (errors with ``problems`` list them below it)."""
    return str(error).split("\n", 1)[0]


def problems_of(error: KlasterError) -> list[str]:
    """The located problems an error carries (empty for errors about one thing)."""
    found = getattr(error, "problems", ())
    return [str(p) for p in found] if isinstance(found, tuple | list) else []


def classify(error: KlasterError) -> tuple[ExitCode, str]:
    """The exit code of ``error`` and the hint shown with it."""
    if isinstance(error, CliError):
        return error.code, error.hint or ""
    for kind, code, hint in _TABLE:
        if isinstance(error, kind):
            return code, hint
    return ExitCode.REFUSED, "Fix the data named above, then run the command again."


_TABLE: tuple[tuple[type[KlasterError], ExitCode, str], ...] = (
    (
        StoreBusyError,
        ExitCode.BUSY,
        "Another klaster command is writing to this store. Wait until it has finished, then "
        "run the command again (or wait longer with --wait SECONDS); nothing was changed.",
    ),
    (
        SchemaVersionError,
        ExitCode.UNREADABLE,
        "This file was written by a newer klaster. Upgrade klaster "
        "(pip install --upgrade klaster) and try again.",
    ),
    (
        StoreError,
        ExitCode.UNREADABLE,
        "Check that the path names a store made by 'klaster init'. If it is one, "
        "'klaster validate STORE' checks it; restore a backup if it is damaged.",
    ),
    (
        DocumentError,
        ExitCode.UNREADABLE,
        "Check that you named the right file, then fix the line or field named above "
        "(the file itself was not changed).",
    ),
    (
        ImportDataError,
        ExitCode.REFUSED,
        "Fix the problems above in the export or in the mapping file, then import again; "
        "nothing was written. If only some rows are wrong, --keep-valid --rejects rejects.csv "
        "imports the others and writes the wrong ones, with their reasons, to rejects.csv.",
    ),
    (
        ReadinessError,
        ExitCode.NOT_READY,
        "The cluster does not meet the readiness criteria above. Import a newer survey round, "
        'or, if the program decided to move anyway, add --override "REASON".',
    ),
    (
        LifecycleError,
        ExitCode.REFUSED,
        "'klaster status STORE --cluster ID' shows the cluster's phase and history.",
    ),
    (
        NotFoundError,
        ExitCode.REFUSED,
        "Check the spelling; the message lists what exists.",
    ),
    (
        PluginError,
        ExitCode.REFUSED,
        "'klaster plugins' lists the installed plugins and their problems; unset "
        "KLASTER_STRICT_PLUGINS to run with the working ones only.",
    ),
)
