"""The allocators set for one batch command (klaster._support.allocators)."""

from __future__ import annotations

import os
import subprocess
import sys
from typing import Any

import pytest

from klaster._support import allocators
from klaster._support.allocators import JEMALLOC_VARIABLE, tune_for_batch


class _Libc:
    """A C library that records mallopt calls (and accepts them, or not)."""

    def __init__(self, accepts: bool = True) -> None:
        self.calls: list[tuple[int, int]] = []
        self.accepts = accepts

    def mallopt(self, parameter: int, value: int) -> int:
        self.calls.append((parameter, value))
        return 1 if self.accepts else 0


@pytest.fixture
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for name in list(os.environ):
        if name.startswith("MALLOC_") or name in ("GLIBC_TUNABLES", JEMALLOC_VARIABLE):
            monkeypatch.delenv(name)
    # (the test process has polars loaded: jemalloc's part is tested as if it had not)
    monkeypatch.delitem(sys.modules, "polars", raising=False)
    return monkeypatch


class TestGlibc:
    def test_heap_kept_and_large_buffers_from_the_heap(self, clean_environment: Any) -> None:
        libc = _Libc()
        assert "glibc" in tune_for_batch(libc)
        assert libc.calls == [(-1, 2**31 - 1), (-3, 2**30)]  # M_TRIM_ and M_MMAP_THRESHOLD

    def test_a_refused_setting_is_not_reported(self, clean_environment: Any) -> None:
        assert "glibc" not in tune_for_batch(_Libc(accepts=False))

    def test_a_library_without_mallopt_is_left(self, clean_environment: Any) -> None:
        assert "glibc" not in tune_for_batch(object())

    @pytest.mark.parametrize(
        "name", ["MALLOC_ARENA_MAX", "MALLOC_TRIM_THRESHOLD_", "GLIBC_TUNABLES"]
    )
    def test_the_users_settings_are_kept(self, clean_environment: Any, name: str) -> None:
        clean_environment.setenv(name, "2")
        libc = _Libc()
        assert "glibc" not in tune_for_batch(libc)
        assert libc.calls == []


class TestJemalloc:
    def test_one_arena_per_core(self, clean_environment: Any) -> None:
        assert "jemalloc" in tune_for_batch(_Libc())
        assert os.environ[JEMALLOC_VARIABLE] == f"narenas:{os.cpu_count() or 1}"

    def test_the_users_setting_is_kept(self, clean_environment: Any) -> None:
        clean_environment.setenv(JEMALLOC_VARIABLE, "narenas:8")
        assert "jemalloc" not in tune_for_batch(_Libc())
        assert os.environ[JEMALLOC_VARIABLE] == "narenas:8"

    def test_nothing_once_polars_is_loaded(self, clean_environment: Any) -> None:
        clean_environment.setitem(sys.modules, "polars", allocators)  # (any module)
        assert "jemalloc" not in tune_for_batch(_Libc())
        assert JEMALLOC_VARIABLE not in os.environ


class TestCommandLine:
    """Only the process's own command line sets them: never a Python caller's process."""

    def test_the_console_command_sets_them(self, tmp_path: Any) -> None:
        code = (
            "import os, sys; from klaster.cli import main; sys.argv = ['klaster', '--version']; "
            f"main(); print(os.environ.get({JEMALLOC_VARIABLE!r}))"
        )
        environment = {k: v for k, v in os.environ.items() if k != JEMALLOC_VARIABLE}
        ran = subprocess.run(
            [sys.executable, "-c", code],
            capture_output=True,
            text=True,
            check=True,
            env=environment,
            cwd=tmp_path,
        )
        assert ran.stdout.strip().splitlines()[-1] == f"narenas:{os.cpu_count() or 1}"

    def test_a_python_caller_is_left_alone(self, monkeypatch: pytest.MonkeyPatch) -> None:
        import contextlib
        import io

        from klaster.cli import main

        calls: list[int] = []

        def tune() -> tuple[str, ...]:
            calls.append(1)
            return ()

        monkeypatch.setattr(allocators, "tune_for_batch", tune)
        with contextlib.redirect_stdout(io.StringIO()):
            main(["--version"])
        assert calls == []
