"""The command line's frame: parsing, global options, output modes, exit codes, entry points."""

from __future__ import annotations

import contextlib
import importlib
import io
import json
import os
import re
import subprocess
import sys
import tempfile
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import klaster.plugins.default
from klaster import Phase
from klaster.cli import ExitCode, _plugins, main
from klaster.cli._app import build_parser
from klaster.cli._exit import CliError
from klaster.cli._output import Output, number, to_json
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
    ValidationError,
)

Cli = Callable[..., subprocess.CompletedProcess[str]]
ROOT = Path(__file__).resolve().parents[2]
PROGRAM = ROOT / "examples" / "data" / "bantaeng.json"
SIDECAR = PROGRAM.with_name("bantaeng.observations.jsonl")
COMMANDS = ("init", "import", "validate", "status", "advance", "report", "plugins", "demo")


def json_lines(text: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def error_of(ran: subprocess.CompletedProcess[str]) -> dict[str, Any]:
    (found,) = [line["error"] for line in json_lines(ran.stderr) if "error" in line]
    error: dict[str, Any] = found
    return error


class TestParsing:
    def test_version(self, cli: Cli) -> None:
        ran = cli("--version")
        assert ran.returncode == 0
        assert ran.stdout.startswith("klaster ")

    @pytest.mark.parametrize("command", COMMANDS)
    def test_every_command_has_help(self, cli: Cli, command: str) -> None:
        ran = cli(command, "--help")
        assert ran.returncode == 0
        assert f"usage: klaster {command}" in ran.stdout

    def test_help_lists_commands_and_exit_codes(self, cli: Cli) -> None:
        ran = cli("--help")
        assert ran.returncode == 0
        assert all(command in ran.stdout for command in COMMANDS)
        assert "exit codes" in ran.stdout

    def test_no_command_is_a_usage_error(self, cli: Cli) -> None:
        ran = cli()
        assert ran.returncode == ExitCode.USAGE
        assert "usage: klaster" in ran.stderr
        assert "what to do" in ran.stderr

    def test_usage_error_as_json(self, cli: Cli) -> None:
        ran = cli("--json", "report", "x.json", "--format", "docx")
        assert ran.returncode == ExitCode.USAGE
        assert ran.stdout == ""
        error = error_of(ran)
        assert error["exit_code"] == 2
        assert error["type"] == "UsageError"
        assert "invalid choice: 'docx'" in error["message"]
        assert "klaster report --help" in error["hint"]

    def test_global_options_before_or_after_the_command(self, cli: Cli) -> None:
        before = cli("--json", "plugins")
        after = cli("plugins", "--json")
        assert before.returncode == after.returncode == 0
        assert json.loads(before.stdout) == json.loads(after.stdout)

    def test_bad_date_is_a_usage_error(self, cli: Cli) -> None:
        ran = cli(
            "advance",
            "x.klaster",
            "c",
            "independence",
            "--on",
            "2014-13-45",
            "--reason",
            "r",
            "--by",
            "b",
        )
        assert ran.returncode == ExitCode.USAGE
        assert "YYYY-MM-DD" in ran.stderr

    def test_unknown_phase_is_a_usage_error(self, cli: Cli) -> None:
        ran = cli(
            "--json",
            "advance",
            "x.klaster",
            "c",
            "finished",
            "--on",
            "2014-03-25",
            "--reason",
            "r",
            "--by",
            "b",
        )
        assert ran.returncode == ExitCode.USAGE
        assert all(p.value in error_of(ran)["hint"] for p in Phase)

    def test_parser_knows_every_command(self) -> None:
        parser = build_parser()
        for command in COMMANDS:
            assert parser.parse_args(_minimal(command)).command == command


def _minimal(command: str) -> list[str]:
    return {
        "init": ["init", "s.klaster", "--from", "p.json"],
        "import": ["import", "s.klaster", "f.csv", "--mapping", "m.toml"],
        "validate": ["validate", "p.json"],
        "status": ["status", "s.klaster"],
        "advance": [
            "advance",
            "s",
            "c",
            "growth",
            "--on",
            "2014-01-01",
            "--reason",
            "r",
            "--by",
            "b",
        ],
        "report": ["report", "p.json"],
        "plugins": ["plugins"],
        "demo": ["demo"],
    }[command]


def _raising(error: BaseException) -> Callable[..., int]:
    def run(args: object, out: object) -> int:
        raise error

    return run


class TestExitCodes:
    def test_the_documented_values(self) -> None:
        assert {code.name: int(code) for code in ExitCode} == {
            "OK": 0,
            "REFUSED": 1,
            "USAGE": 2,
            "BUSY": 3,
            "NOT_READY": 4,
            "UNREADABLE": 5,
            "INTERNAL": 70,
            "INTERRUPTED": 130,
        }

    @pytest.mark.parametrize(
        ("error", "code"),
        [
            (StoreBusyError("the store is locked by another process"), ExitCode.BUSY),
            (SchemaVersionError("store schema 9 is newer than 1"), ExitCode.UNREADABLE),
            (StoreError("not a klaster store"), ExitCode.UNREADABLE),
            (DocumentError("unknown field 'colour'"), ExitCode.UNREADABLE),
            (ReadinessError("readiness failed"), ExitCode.NOT_READY),
            (LifecycleError("cannot move from growth to independence"), ExitCode.REFUSED),
            (ImportDataError("bad rows", problems=["row 2: x"]), ExitCode.REFUSED),
            (NotFoundError("no cluster 'x'; clusters: bantaeng"), ExitCode.REFUSED),
            (ValidationError("household_size must be at least 1"), ExitCode.REFUSED),
            (PluginError("plugin problems (strict mode)"), ExitCode.REFUSED),
            (KlasterError("anything else"), ExitCode.REFUSED),
            (CliError("used wrongly", code=ExitCode.USAGE), ExitCode.USAGE),
        ],
    )
    def test_each_error_has_its_code_and_a_hint(
        self, cli: Cli, monkeypatch: pytest.MonkeyPatch, error: KlasterError, code: ExitCode
    ) -> None:
        monkeypatch.setattr(_plugins, "run", _raising(error))
        ran = cli("plugins")
        assert ran.returncode == code
        assert ran.stdout == ""
        assert ran.stderr.startswith("error: " + str(error).split("\n")[0])
        assert "Traceback" not in ran.stderr
        as_json = error_of(cli("--json", "plugins"))
        assert as_json["exit_code"] == code
        assert as_json["type"] == type(error).__name__
        if not isinstance(error, CliError):
            assert as_json["hint"]  # every library error comes with what to do

    def test_problems_listed_first_fifty_then_a_count(
        self, cli: Cli, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        problems = [
            f"survey.csv row {n} column 'hh/pendapatan': must be at least 0" for n in range(2, 82)
        ]
        monkeypatch.setattr(
            _plugins, "run", _raising(ImportDataError("80 bad rows", problems=problems))
        )
        ran = cli("plugins")
        assert ran.returncode == ExitCode.REFUSED
        assert "row 51 " in ran.stderr
        assert "row 52 " not in ran.stderr
        assert "... and 30 more" in ran.stderr
        assert "--keep-valid" in ran.stderr
        assert error_of(cli("--json", "plugins"))["problems"] == problems

    def test_internal_error_says_it_is_a_bug_without_traceback(
        self, cli: Cli, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setattr(_plugins, "run", _raising(ZeroDivisionError("division by zero")))
        ran = cli("plugins")
        assert ran.returncode == ExitCode.INTERNAL
        assert "this is a bug in klaster, please report it" in ran.stderr
        assert "Traceback" not in ran.stderr
        debug = cli("--debug", "plugins")
        assert debug.returncode == ExitCode.INTERNAL
        assert "Traceback" in debug.stderr
        assert "ZeroDivisionError" in debug.stderr

    def test_interrupted(self, cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setattr(_plugins, "run", _raising(KeyboardInterrupt()))
        ran = cli("plugins")
        assert ran.returncode == ExitCode.INTERRUPTED
        assert "nothing" in ran.stderr

    def test_broken_pipe_is_quiet(self, cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setattr(_plugins, "run", _raising(BrokenPipeError()))
        ran = cli("plugins")
        assert ran.returncode == 0
        assert ran.stderr == ""

    def test_documented_in_docs_cli(self) -> None:
        text = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
        documented = {int(m) for m in re.findall(r"^\| `?(\d+)`? \|", text, re.MULTILINE)}
        assert documented == {int(code) for code in ExitCode}


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


class TestOutput:
    def test_colour_only_on_a_terminal(self) -> None:
        terminal, pipe = _Terminal(), io.StringIO()
        Output(terminal, terminal).error("bad", code=1, kind="X", hint="do this")
        Output(pipe, pipe).error("bad", code=1, kind="X", hint="do this")
        assert "\x1b[" in terminal.getvalue()
        assert "\x1b[" not in pipe.getvalue()
        assert pipe.getvalue() == "error: bad\nwhat to do: do this\n"

    def test_no_color_option_and_environment(self, monkeypatch: pytest.MonkeyPatch) -> None:
        plain = _Terminal()
        Output(plain, plain, color=False).error("bad", code=1, kind="X")
        assert "\x1b[" not in plain.getvalue()
        monkeypatch.setenv("NO_COLOR", "1")
        env = _Terminal()
        Output(env, env).error("bad", code=1, kind="X")
        assert "\x1b[" not in env.getvalue()

    def test_markup_in_data_is_shown_literally(self) -> None:
        stream = io.StringIO()
        Output(stream, stream).line("clusters[0].members[3]: [bold]x[/bold]")
        assert stream.getvalue() == "clusters[0].members[3]: [bold]x[/bold]\n"

    def test_quiet_hides_notes_not_results(self) -> None:
        stream = io.StringIO()
        out = Output(stream, stream, quiet=True)
        out.note("a note")
        out.line("a result")
        out.warn("a warning")
        assert stream.getvalue() == "a result\nwarning: a warning\n"

    def test_json_mode_prints_only_the_document(self) -> None:
        out_stream, err_stream = io.StringIO(), io.StringIO()
        out = Output(out_stream, err_stream, json_mode=True)
        out.line("for people")
        out.note("for people")
        out.emit({"a": Decimal("1.50")})
        out.muted().emit({"b": 2})
        out.warn("careful")
        assert json.loads(out_stream.getvalue()) == {"a": "1.50"}
        assert json_lines(err_stream.getvalue()) == [{"warning": "careful"}]

    def test_progress_bar_on_a_terminal_only(self) -> None:
        terminal = _Terminal()
        with Output(io.StringIO(), terminal).progress("importing") as progress:
            progress(5, 10)
            progress(10, 10)
        assert "importing" in terminal.getvalue()
        pipe = io.StringIO()
        with Output(io.StringIO(), pipe).progress("importing") as progress:
            progress(10, 10)
        assert pipe.getvalue() == ""
        quiet = _Terminal()
        with Output(io.StringIO(), quiet, quiet=True).progress("importing") as progress:
            progress(10, 10)
        assert quiet.getvalue() == ""

    def test_spinner_on_a_terminal_only(self) -> None:
        terminal = _Terminal()
        with Output(io.StringIO(), terminal).working("computing"):
            pass
        assert "computing" in terminal.getvalue()
        pipe = io.StringIO()
        with Output(io.StringIO(), pipe).working("computing"):
            pass
        assert pipe.getvalue() == ""

    def test_json_values(self) -> None:
        import datetime as dt

        text = to_json(
            {
                "d": dt.date(2014, 3, 25),
                "x": Decimal("0.10"),
                "p": Phase.GROWTH,
                "t": (1, 2),
                "path": Path("a/b"),
            },
            indent=None,
        )
        assert json.loads(text) == {
            "d": "2014-03-25",
            "x": "0.10",
            "p": "growth",
            "t": [1, 2],
            "path": "a/b",
        }
        with pytest.raises(TypeError):
            to_json({"o": object()})

    @pytest.mark.parametrize(
        ("value", "shown"),
        [
            (Decimal("428906.4"), "428,906"),
            (Decimal(188), "188"),
            (Decimal("0.9148936"), "0.915"),
            (Decimal("51.576"), "51.576"),
            (None, "-"),
            (3, "3"),
        ],
    )
    def test_numbers_for_people(self, value: object, shown: str) -> None:
        assert number(value) == shown


class TestPlugins:
    def test_lists_the_builtin_sectors(self, cli: Cli) -> None:
        ran = cli("plugins")
        assert ran.returncode == 0
        for name in ("umkm", "farming", "livestock"):
            assert name in ran.stdout
        document = cli("--json", "plugins").stdout
        plugins = {p["name"]: p for p in json.loads(document)["plugins"]}
        assert plugins["umkm"]["status"] == "loaded"
        assert plugins["umkm"]["sectors"] == ["umkm"]
        assert plugins["umkm"]["distribution"] == "klaster"

    def test_status_is_shown_by_its_bilingual_label(self, cli: Cli) -> None:
        ran = cli("plugins")
        umkm = next(line for line in ran.stdout.splitlines() if line.startswith("umkm "))
        assert "Loaded / Dimuat" in umkm

    def test_a_broken_plugin_is_shown_with_its_error(
        self, cli: Cli, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
    ) -> None:
        _install_broken_plugin(tmp_path, monkeypatch)
        ran = cli("plugins")
        assert ran.returncode == 0
        assert "fishy" in ran.stdout
        assert "failed" in ran.stdout
        assert "cannot be imported" in ran.stdout
        assert "warning: klaster plugin 'fishy'" in ran.stderr
        assert "umkm" in ran.stdout  # the others are still listed
        monkeypatch.setattr(klaster.plugins.default, "_default", None)
        as_json = cli("--json", "plugins")
        plugins = {p["name"]: p for p in json.loads(as_json.stdout)["plugins"]}
        assert plugins["fishy"]["status"] == "failed"
        assert plugins["fishy"]["distribution"] == "klaster-fishy"
        assert any("cannot be imported" in p for p in plugins["fishy"]["problems"])
        assert plugins["umkm"]["status"] == "loaded"
        assert any("warning" in line for line in json_lines(as_json.stderr))

    def test_strict_mode_refuses(
        self, cli: Cli, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
    ) -> None:
        _install_broken_plugin(tmp_path, monkeypatch)
        monkeypatch.setenv("KLASTER_STRICT_PLUGINS", "1")
        ran = cli("plugins")
        assert ran.returncode == ExitCode.REFUSED
        assert "KLASTER_STRICT_PLUGINS" in ran.stderr

    @pytest.mark.parametrize("command", [["plugins"], ["report", str(PROGRAM)]])
    def test_strict_mode_shows_the_problems(
        self, cli: Cli, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, command: list[str]
    ) -> None:
        # Not just the headline: each problem, naming its plugin, in text and in JSON.
        _install_broken_plugin(tmp_path, monkeypatch)
        monkeypatch.setenv("KLASTER_STRICT_PLUGINS", "1")
        ran = cli(*command)
        assert ran.returncode == ExitCode.REFUSED
        assert "error: plugin problems (strict mode)" in ran.stderr
        (problem,) = [line for line in ran.stderr.splitlines() if line.startswith("  - ")]
        assert "plugin 'fishy' (distribution klaster-fishy 2.0.1)" in problem
        assert "cannot be imported" in problem
        monkeypatch.setattr(klaster.plugins.default, "_default", None)
        as_json = cli("--json", *command)
        assert as_json.returncode == ExitCode.REFUSED
        error = error_of(as_json)
        assert error["type"] == "PluginError"
        (problem,) = error["problems"]
        assert "plugin 'fishy'" in problem
        assert "cannot be imported" in problem


def _install_broken_plugin(root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    site = root / "site"
    site.mkdir()
    (site / "kfake_cli_fishy.py").write_text("import klaster_no_such_dependency\n")
    info = site / "klaster_fishy-2.0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: klaster-fishy\nVersion: 2.0.1\n")
    (info / "entry_points.txt").write_text("[klaster]\nfishy = kfake_cli_fishy\n")
    monkeypatch.syspath_prepend(str(site))
    importlib.invalidate_caches()
    monkeypatch.setattr(klaster.plugins.default, "_default", None)  # a fresh default host


TOKENS = [
    *(c for c in COMMANDS if c != "demo"),
    "--json",
    "--no-color",
    "-q",
    "--debug",
    "--from",
    "--observations",
    "--finance",
    "--mapping",
    "--keep-valid",
    "--rejects",
    "--dry-run",
    "--store",
    "--cluster",
    "--on",
    "--reason",
    "--by",
    "--round",
    "--override",
    "--indicator",
    "--format",
    "--output",
    "csv",
    "json",
    "text",
    "2014-03-25",
    "bantaeng",
    "independence",
    "endline",
    "members",
    "missing.klaster",
    "x.json",
    str(PROGRAM),
]
argvs = st.lists(
    st.one_of(
        st.sampled_from(TOKENS),
        st.text(max_size=6).filter(lambda t: t not in COMMANDS and "\x00" not in t),
    ),
    max_size=7,
)


def _run_quietly(argv: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with (
        tempfile.TemporaryDirectory() as folder,
        contextlib.chdir(folder),
        contextlib.redirect_stdout(out),
        contextlib.redirect_stderr(err),
    ):
        code = main(argv)
    return code, out.getvalue(), err.getvalue()


class TestAnyCommandLine:
    @settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(argv=argvs)
    def test_returns_a_documented_code(self, argv: list[str]) -> None:
        code, _, err = _run_quietly(argv)
        assert code in {int(c) for c in ExitCode}
        assert "Traceback" not in err
        assert code != ExitCode.INTERNAL, err

    @settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(argv=argvs)
    def test_json_output_always_parses(self, argv: list[str]) -> None:
        if {"-h", "--help", "--version"} & set(argv):
            return  # help is for people
        code, out, err = _run_quietly(["--json", *argv])
        if out:
            json.loads(out)
        for line in json_lines(err):
            assert set(line) <= {"error", "warning"}
        if code:
            assert any("error" in line for line in json_lines(err))

    @pytest.mark.parametrize("name", ["a\x85b", "a\u2028b", "a\u2029b"])
    def test_unicode_line_breaks_stay_in_one_json_line(self, name: str) -> None:
        code, _, err = _run_quietly(["--json", "validate", name])
        assert code == ExitCode.UNREADABLE
        (line,) = json_lines(err)
        assert name in line["error"]["message"]
        assert err.isascii()


class TestJsonIsAscii:
    NAMES = ("Bontò Jäi", "Letta\u2028Baru", "Lama\x85laka", "Pallantikang\u2029", "Désa 🐎")

    def test_to_json_escapes_and_parses_back_equal(self) -> None:
        document = {"names": list(self.NAMES), "n": Decimal("-1.5")}
        text = to_json(document)
        assert text.isascii()
        for escape in ("\\u00f2", "\\u2028", "\\u0085", "\\u2029"):
            assert escape in text
        assert "\\ud83d\\udc0e" in text  # outside the BMP: a surrogate pair
        assert json.loads(text) == {"names": list(self.NAMES), "n": "-1.5"}
        assert len(to_json(document, indent=None).splitlines()) == 1

    def test_report_with_non_ascii_village_names(self, cli: Cli, tmp_path: Path) -> None:
        text = PROGRAM.read_text(encoding="utf-8")
        villages = ("Bonto Jai", "Letta", "Lamalaka", "Pallantikang", "Bonto Manai")
        for old, new in zip(villages, self.NAMES, strict=True):
            text = text.replace(json.dumps(old), json.dumps(new))
        program = tmp_path / "p.json"
        program.write_text(text, encoding="utf-8")
        (tmp_path / "p.observations.jsonl").write_bytes(SIDECAR.read_bytes())
        ran = cli("--json", "report", program, "--by", "desa", "--indicator", "members")
        assert ran.returncode == 0, ran.stderr
        assert ran.stdout.isascii()
        assert "\\u2028" in ran.stdout
        rows = json.loads(ran.stdout)["rows"]
        assert set(self.NAMES) <= {r["desa"] for r in rows}


class TestEntryPoints:
    def test_python_dash_m(self, tmp_path: Path) -> None:
        ran = subprocess.run(
            [sys.executable, "-m", "klaster", "--help"],
            capture_output=True,
            text=True,
            cwd=tmp_path,
            check=False,
        )
        assert ran.returncode == 0
        assert "usage: klaster" in ran.stdout

    def test_console_script(self, tmp_path: Path) -> None:
        script = Path(sys.executable).with_name("klaster")
        if not script.exists():
            pytest.skip("the klaster console script is not installed in this environment")
        ran = subprocess.run(
            [str(script), "plugins", "--json"],
            capture_output=True,
            text=True,
            cwd=tmp_path,
            check=False,
            env={**os.environ, "NO_COLOR": "1"},
        )
        assert ran.returncode == 0, ran.stderr
        assert {p["name"] for p in json.loads(ran.stdout)["plugins"]} >= {"umkm"}
        usage = subprocess.run(
            [str(script), "frobnicate"],
            capture_output=True,
            text=True,
            cwd=tmp_path,
            check=False,
        )
        assert usage.returncode == ExitCode.USAGE

    def test_importing_klaster_leaves_rich_out(self) -> None:
        code = (
            "import sys, klaster, klaster.cli; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] == 'rich'))"
        )
        ran = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True
        )
        assert ran.stdout.strip() == "[]"


class TestCollectorAtExit:
    """A process's own command line leaves its objects frozen: the exit does not walk them."""

    def test_the_process_command_line_freezes(self, monkeypatch: pytest.MonkeyPatch) -> None:
        import gc

        from klaster._support import allocators

        monkeypatch.setattr(sys, "argv", ["klaster", "--version"])
        tuned: list[int] = []  # (this process is the test suite's: its allocators are left)

        def tune() -> tuple[str, ...]:
            tuned.append(1)
            return ()

        monkeypatch.setattr(allocators, "tune_for_batch", tune)
        try:
            with contextlib.redirect_stdout(io.StringIO()):
                assert main() == ExitCode.OK
            assert gc.get_freeze_count() > 0
            assert tuned == [1]
        finally:
            gc.unfreeze()

    def test_a_python_callers_command_line_does_not(self) -> None:
        import gc

        with contextlib.redirect_stdout(io.StringIO()):
            assert main(["--version"]) == ExitCode.OK
        assert gc.get_freeze_count() == 0

    def test_loaded_inputs_leave_the_young_generations(self) -> None:
        import gc

        from tests.cli.conftest import PROGRAM, SIDECAR

        from klaster.cli import _inputs

        program, observations = _inputs.program_and_observations(PROGRAM, SIDECAR, command="report")
        young = {id(found) for generation in (0, 1) for found in gc.get_objects(generation)}
        kept = [observations, *program.clusters, *(m for c in program.clusters for m in c.members)]
        assert not any(id(found) in young for found in kept)
