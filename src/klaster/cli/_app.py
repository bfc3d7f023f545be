"""The ``klaster`` command: argument parsing, global options, dispatch and exit codes.

Each command lives in its own module with ``add_parser(commands, common)`` and
``run(args, out) -> int``; those modules import the heavy parts of klaster (the store, the
measurement engine) only when their command runs, so ``klaster --help`` starts fast.
"""

from __future__ import annotations

import argparse
import os
import sys
import traceback
import warnings
from collections.abc import Sequence
from types import ModuleType
from typing import Any, NoReturn

from klaster._version import __version__
from klaster.cli import (
    _activities,
    _advance,
    _budget,
    _demo,
    _export,
    _form,
    _import,
    _init,
    _inputs,
    _plugin,
    _plugins,
    _report,
    _screen,
    _status,
    _targeting,
    _validate,
)
from klaster.cli._exit import ExitCode, classify, headline, problems_of, suggestion
from klaster.cli._output import Output
from klaster.cli._trace import plugin_traces
from klaster.errors import KlasterError, KlasterWarning

_COMMANDS: tuple[ModuleType, ...] = (
    _init,
    _import,
    _form,
    _validate,
    _status,
    _advance,
    _report,
    _budget,
    _activities,
    _targeting,
    _screen,
    _export,
    _plugins,
    _plugin,
    _demo,
)

_DESCRIPTION = """\
Run and measure cluster-based community-empowerment programs (Klaster Mandiri).

A store (a .klaster file) holds one program: its clusters, members, groups, cooperatives,
lifecycle, survey rounds and values. Create one with 'klaster init', add field data from
KoboToolbox or ODK with 'klaster import', and read it with 'klaster status' and 'klaster report'.
Try 'klaster demo' first.
"""

_EPILOG = """\
exit codes: 0 success; 1 data refused; 2 usage error; 3 store busy; 4 readiness refused
the move; 5 store or document unreadable (or newer); 70 internal error (a bug in klaster);
130 interrupted. See docs/cli.md."""


class UsageError(Exception):
    """argparse found the command line wrong (raised instead of exiting)."""

    def __init__(self, message: str, usage: str) -> None:
        super().__init__(message)
        self.usage = usage


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise UsageError(message, self.format_usage().strip())


def build_parser() -> argparse.ArgumentParser:
    """The parser of the whole command line (every command and option)."""
    parser = _Parser(
        prog="klaster",
        description=_DESCRIPTION,
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"klaster {__version__}")
    _global_options(parser, suppress=False)
    # The same options after the command name (klaster status STORE --json); SUPPRESS keeps a
    # value given before the command when it is not repeated after it.
    common = _Parser(add_help=False)
    _global_options(common, suppress=True)
    commands = parser.add_subparsers(
        dest="command", metavar="COMMAND", title="commands", required=True
    )
    for module in _COMMANDS:
        module.add_parser(commands, common)
    return parser


def _global_options(parser: argparse.ArgumentParser, *, suppress: bool) -> None:
    def default(value: object) -> Any:
        return argparse.SUPPRESS if suppress else value

    group = parser.add_argument_group("output options")
    group.add_argument(
        "--json",
        action="store_true",
        default=default(False),
        help="machine output: one JSON document on stdout, errors as JSON on stderr",
    )
    group.add_argument(
        "--no-color",
        dest="color",
        action="store_false",
        default=default(True),
        help="no colours (also when NO_COLOR is set or output is not a terminal)",
    )
    group.add_argument(
        "-q",
        "--quiet",
        action="store_true",
        default=default(False),
        help="no notes and no progress bars; results, warnings and errors still show",
    )
    group.add_argument(
        "--wait",
        type=_seconds,
        metavar="SECONDS",
        default=default(5.0),
        help="how long to wait for another process writing to the store (default 5)",
    )
    group.add_argument(
        "--debug",
        action="store_true",
        default=default(False),
        help="show the traceback of an internal error",
    )
    group.add_argument(
        "--lang",
        choices=("id", "en"),
        default=default(None),
        help="language of figures and labels: id (282.809, 31,0%%, Rp) or en (282,809, 31.0%%, "
        "IDR); default KLASTER_LANG, else en for text on screen and id for report documents",
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Run one ``klaster`` command line and return its exit code (see :class:`ExitCode`)."""
    arguments = [str(a) for a in (sys.argv[1:] if argv is None else argv)]
    parser = build_parser()
    try:
        args = parser.parse_args(arguments)
    except UsageError as exc:
        out = _output_for(arguments)
        command = next((a for a in arguments if a in _names()), None)
        hint = f"Run 'klaster {command + ' ' if command else ''}--help' to see what it takes."
        close = suggestion(str(exc))  # a typo: the nearest command or choice
        out.usage(exc.usage)
        message = (
            str(exc).replace(" (choose from", f"; {close} (choose from", 1) if close else str(exc)
        )
        out.error(message, code=ExitCode.USAGE, kind="UsageError", hint=hint)
        return ExitCode.USAGE
    except SystemExit as exc:  # --help and --version print and stop
        return exc.code if isinstance(exc.code, int) else ExitCode.OK
    _inputs.WAIT_SECONDS = args.wait
    out = Output(
        sys.stdout,
        sys.stderr,
        json_mode=args.json,
        quiet=args.quiet,
        color=args.color,
        debug=args.debug,
        lang=args.lang,
    )
    return _dispatch(args, out)


def _dispatch(args: argparse.Namespace, out: Output) -> int:
    with warnings.catch_warnings():
        warnings.simplefilter("always" if out.debug else "ignore")
        warnings.simplefilter("always", KlasterWarning)
        warnings.showwarning = lambda message, *_rest, **_kw: out.warn(str(message))
        try:
            from klaster.plugins.missing import one_warning

            # One warning per missing plugin for the whole command, however often it is met.
            with plugin_traces(sys.stderr, json_mode=out.json_mode), one_warning():
                return int(args.run(args, out))
        except KlasterError as exc:
            code, hint = classify(exc)
            out.error(
                headline(exc),
                code=code,
                kind=type(exc).__name__,
                problems=problems_of(exc),
                hint=hint,
            )
            return code
        except KeyboardInterrupt:
            out.error(
                "interrupted",
                code=ExitCode.INTERRUPTED,
                kind="KeyboardInterrupt",
                hint="Store writes are all or nothing: an interrupted write changed nothing.",
            )
            return ExitCode.INTERRUPTED
        except BrokenPipeError:  # klaster report | head: the reader left, which is fine
            _silence_stdout()
            return ExitCode.OK
        except Exception as exc:
            if out.debug:
                out.traceback("".join(traceback.format_exception(exc)))
            out.error(
                f"{type(exc).__name__}: this is a bug in klaster, please report it",
                code=ExitCode.INTERNAL,
                kind="InternalError",
                hint="Report it at https://github.com/klaster-dev/klaster/issues with the "
                "command you ran"
                + (" and the traceback above." if out.debug else " and its output with --debug."),
            )
            return ExitCode.INTERNAL


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0 <= value <= 86_400:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds from 0 to 86400")
    return value


def _silence_stdout() -> None:
    # Python would report the broken pipe again when it flushes stdout at exit.
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):
        pass


def _names() -> set[str]:
    return {module.NAME for module in _COMMANDS}


def _output_for(arguments: Sequence[str]) -> Output:
    # The parse failed, so read the global options by hand.
    return Output(
        sys.stdout,
        sys.stderr,
        json_mode="--json" in arguments,
        quiet="-q" in arguments or "--quiet" in arguments,
        color="--no-color" not in arguments,
    )
