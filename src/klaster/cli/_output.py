"""How the command line talks: rich text for people, one JSON document for scripts.

Results go to stdout; errors, warnings and progress bars to stderr. With ``--json`` stdout holds
exactly one JSON document and stderr one JSON object per line (``{"error": ...}``,
``{"warning": ...}``). Colour only on a terminal, never with ``--no-color`` or ``NO_COLOR``;
progress bars only on a terminal and never with ``--json`` or ``--quiet``.
"""

from __future__ import annotations

import datetime as _dt
import enum
import io
import json
import os
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from decimal import Decimal
from pathlib import PurePath
from typing import IO, TYPE_CHECKING, Any

from rich import box
from rich.console import Console, RenderableType
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

from klaster.formatting import Lang, check_lang, format_count, format_number

if TYPE_CHECKING:
    from klaster.catalogue.display import Display

Progressed = Callable[[int, int], None]
"""``progress(done, total)``: the callback long work reports to."""

_PLAIN_WIDTH = 160  # wide enough that a report table is not folded when written to a file


class Output:
    """The two streams of one command, in the mode the global options chose.

    Args:
        stdout: Where results go.
        stderr: Where errors, warnings and progress go.
        json_mode: ``--json``: machine output only.
        quiet: ``-q``: no notes, no progress bars (results, warnings and errors still show).
        color: ``False`` for ``--no-color``.
        debug: ``--debug``: tracebacks of internal errors.
        emits: ``False``: :meth:`emit` writes nothing (see :meth:`muted`).
        lang: ``--lang``: the language of figures and labels (see :attr:`lang`).
    """

    def __init__(
        self,
        stdout: IO[str],
        stderr: IO[str],
        *,
        json_mode: bool = False,
        quiet: bool = False,
        color: bool = True,
        debug: bool = False,
        emits: bool = True,
        lang: Lang | None = None,
    ) -> None:
        self._lang = lang
        self.json_mode = json_mode
        self.quiet = quiet
        self.debug = debug
        self._color = color
        no_color = not color or bool(os.environ.get("NO_COLOR"))
        self.out = _console(stdout, no_color)
        self.err = _console(stderr, no_color)
        self._emits = emits

    @property
    def lang(self) -> Lang | None:
        """``--lang``, else ``KLASTER_LANG``, else ``None``: each output's own default.

        Raises:
            ValidationError: ``KLASTER_LANG`` is neither ``id`` nor ``en``.
        """
        if self._lang is not None:
            return self._lang
        found = os.environ.get("KLASTER_LANG", "").strip()
        return check_lang(found, path="KLASTER_LANG") if found else None

    @property
    def text_lang(self) -> Lang:
        """The language of text on screen: :attr:`lang`, else English (the command's words)."""
        return self.lang or "en"

    def muted(self) -> Output:
        """The same streams without :meth:`emit`.

        For a command that shows other commands' results inside its own JSON document (``demo``).
        """
        return Output(
            self.out.file,
            self.err.file,
            json_mode=self.json_mode,
            quiet=self.quiet,
            color=self._color,
            debug=self.debug,
            emits=False,
        )

    # -- results -------------------------------------------------------------------------------

    def emit(self, document: Mapping[str, Any]) -> None:
        """Write the one JSON document of a command to stdout (only with ``--json``)."""
        if self.json_mode and self._emits:
            self.out.file.write(to_json(document) + "\n")
            self.out.file.flush()

    def show(self, renderable: RenderableType) -> None:
        """Show a result to people (a table, a line); nothing with ``--json``."""
        if self.json_mode:
            return
        if self.out.is_terminal:
            self.out.print(renderable)
            return
        # In a file or pipe, tables lose the padding after their last column.
        with self.out.capture() as captured:
            self.out.print(renderable)
        self.out.file.write("\n".join(line.rstrip() for line in captured.get().split("\n")))

    def line(self, text: str = "", style: str | None = None) -> None:
        """Show one line of result text, taken literally (no markup)."""
        self.show(Text(text, style=style or ""))

    def note(self, text: str) -> None:
        """A remark beside the result (where a file went); hidden by ``--quiet`` and ``--json``."""
        if not self.quiet and not self.json_mode:
            self.out.print(Text(text, style="dim"))

    # -- trouble -------------------------------------------------------------------------------

    def warn(self, message: str) -> None:
        """A warning on stderr (a broken plugin, rows left out)."""
        if self.json_mode:
            self.err.file.write(to_json({"warning": message}, indent=None) + "\n")
            return
        text = Text("warning: ", style="bold yellow")
        text.append(message)
        self.err.print(text)

    def error(
        self,
        message: str,
        *,
        code: int,
        kind: str,
        problems: Sequence[str] = (),
        hint: str = "",
        shown: int = 50,
    ) -> None:
        """An error on stderr: the message, located problems (the first ``shown``), the hint."""
        if self.json_mode:
            body = {
                "exit_code": code,
                "type": kind,
                "message": message,
                "problems": list(problems),
                "hint": hint or None,
            }
            self.err.file.write(to_json({"error": body}, indent=None) + "\n")
            return
        text = Text("error: ", style="bold red")
        text.append(message)
        for problem in problems[:shown]:
            text.append("\n  - ")
            text.append(problem)
        if len(problems) > shown:
            text.append(f"\n  ... and {len(problems) - shown} more", style="bold")
        if hint:
            text.append("\nwhat to do: ", style="bold cyan")
            text.append(hint)
        self.err.print(text)

    def write(self, text: str) -> None:
        """Write text to stdout as it is (CSV, a JSON report), in every mode."""
        self.out.file.write(text)
        self.out.file.flush()

    def usage(self, text: str) -> None:
        """The usage line of a command, on stderr before a usage error (not with ``--json``)."""
        if not self.json_mode:
            self.err.print(Text(text, style="dim"))

    def traceback(self, text: str) -> None:
        """A traceback (``--debug`` only), as plain text."""
        self.err.print(Text(text, style="dim"))

    # -- progress ------------------------------------------------------------------------------

    @contextmanager
    def working(self, description: str) -> Iterator[None]:
        """A spinner on stderr while work without a count runs (reading a store, a report)."""
        if self.quiet or self.json_mode or not self.err.is_terminal:
            yield
            return
        with self.err.status(description):
            yield

    @contextmanager
    def progress(self, description: str) -> Iterator[Progressed]:
        """A progress bar on stderr; yields the ``progress(done, total)`` callback."""
        enabled = not (self.quiet or self.json_mode) and self.err.is_terminal
        if not enabled:
            yield _ignore
            return
        bar = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=self.err,
            transient=True,
        )
        task = bar.add_task(description, total=None)

        def report(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        with bar:
            yield report


def table(title: str | None, columns: Sequence[str], rows: Sequence[Sequence[object]]) -> Table:
    """A plain table: a header line, no borders.

    Args:
        title: The caption above the table.
        columns: Header names; a name starting with ``>`` is right-aligned (the ``>`` is dropped).
        rows: Cells, shown with ``str`` (``None`` as ``-``).
    """
    result = Table(
        title=title, title_justify="left", box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False
    )
    for name in columns:
        right = name.startswith(">")
        result.add_column(name.lstrip(">"), justify="right" if right else "left")
    for row in rows:
        result.add_row(*(Text("-" if cell is None else str(cell)) for cell in row))
    return result


def number(value: object, lang: Lang = "en") -> str:
    """A figure for people through :mod:`klaster.formatting`.

    Whole numbers (and any from 100 up) with the language's thousands separators, smaller
    fractions to 3 places (half-even).
    """
    if isinstance(value, Decimal):
        if not value.is_finite():
            return str(value)
        whole = value == value.to_integral_value() or abs(value) >= 100
        return format_number(value, lang, digits=0 if whole else 3)
    if isinstance(value, int) and not isinstance(value, bool):
        return format_count(value, lang)
    if value is None:
        return "-"
    return str(value)


def figure(value: Decimal | None, display: Display, lang: Lang) -> str:
    """An indicator's figure as its display says (``31,0%``, ``Rp 282.809``, ``188``)."""
    return "-" if value is None or not value.is_finite() else display.show(value, lang)


def render_text(renderable: RenderableType) -> str:
    """A table as plain text (no colour), for a report written to a file."""
    console = Console(
        file=io.StringIO(), width=_PLAIN_WIDTH, no_color=True, highlight=False, emoji=False
    )
    with console.capture() as captured:
        console.print(renderable)
    return captured.get()


def to_json(document: object, *, indent: int | None = 2) -> str:
    """JSON text of a result: ASCII only, exact decimals as strings, dates as ISO text."""
    # ASCII only: every other character as \uXXXX, so no reader splitting lines on Unicode line
    # breaks (NEL, LS, PS: Python's str.splitlines) or decoding in another encoding breaks it.
    return json.dumps(document, default=_jsonable, ensure_ascii=True, indent=indent)


def _jsonable(value: object) -> object:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, _dt.date):
        return value.isoformat()
    if isinstance(value, PurePath):
        return str(value)
    if isinstance(value, tuple | set | frozenset):
        return list(value)
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def _ignore(done: int, total: int) -> None:
    return None


def _console(stream: IO[str], no_color: bool) -> Console:
    try:
        terminal = stream.isatty()
    except (AttributeError, ValueError):
        terminal = False
    width = None if terminal else _plain_width()
    return Console(
        file=stream,
        no_color=no_color,
        color_system=None if no_color else "auto",
        highlight=False,
        emoji=False,
        markup=False,
        width=width,
        soft_wrap=True,
    )


def _plain_width() -> int:
    try:
        return max(int(os.environ.get("COLUMNS", "")), 40)
    except ValueError:
        return _PLAIN_WIDTH
