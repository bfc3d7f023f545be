"""Exit codes, and what each error means for the person at the keyboard: a code and a hint.

Scripts read the exit code; people read the hint ("what to do"). The table here is the one
``docs/cli.md`` documents; change both together.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Iterable

from klaster._support.suggest import did_you_mean
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


_INVALID_CHOICE = re.compile(r"invalid choice: '(?P<given>[^']*)' \(choose from (?P<known>.*)\)")


def suggestion(message: str) -> str:
    """``did you mean 'status'?`` for argparse's "invalid choice" message; ``""`` otherwise.

    Example:
        >>> suggestion("argument COMMAND: invalid choice: 'stauts' (choose from 'init', 'status')")
        "did you mean 'status'?"
    """
    found = _INVALID_CHOICE.search(message)
    if found is None:
        return ""
    known = re.findall(r"'([^']*)'", found["known"]) or found["known"].split(", ")
    return did_you_mean(found["given"], known)


# Words people type for a dimension (English and Indonesian) that no spelling rule finds.
_DIMENSION_WORDS = {
    "gender": "sex",
    "jenis_kelamin": "sex",
    "kelamin": "sex",
    "sektor": "sector",
    "klaster": "cluster",
    "village": "desa",
    "kelurahan": "desa",
    "district": "kabupaten",
    "regency": "kabupaten",
    "subdistrict": "kecamatan",
    "business": "business_type",
    "usaha": "business_type",
    "jenis_usaha": "business_type",
    "kelompok": "group",
    "koperasi": "cooperative",
}


def check_dimensions(specs: Iterable[Iterable[str]], known: Iterable[str]) -> None:
    """Refuse an unknown ``--by`` dimension, naming the nearest (``gender`` → ``sex``).

    Raises:
        CliError: A usage error naming the dimension, the nearest and the valid ones.
    """
    valid = list(known)
    for spec in specs:
        for dim in (d.strip() for d in spec):
            if not dim or dim in valid:
                continue
            word = _DIMENSION_WORDS.get(dim.strip().lower())
            close = f"did you mean {word!r}?" if word in valid else did_you_mean(dim, valid)
            raise CliError(
                f"--by: unknown dimension {dim!r}" + (f"; {close}" if close else ""),
                hint="Use one of: " + ", ".join(valid) + " (join several with commas).",
                code=ExitCode.USAGE,  # the command line is wrong, not the data
            )


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
