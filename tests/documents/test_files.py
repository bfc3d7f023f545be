"""Program document files: save and load, file modes, and atomic saves that never half-write."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path
from typing import Any

import pytest
from tests.documents.builders import as_json, bantaeng, members_of

import klaster
from klaster import DocumentError, KlasterError, Organisation, Program


class TestFiles:
    def test_save_and_load(self, tmp_path: Path) -> None:
        path = tmp_path / "program.json"
        program = bantaeng()
        klaster.save(program, path)
        assert path.read_text(encoding="utf-8") == klaster.dumps(program)
        assert klaster.load(path) == program
        assert klaster.load(str(path)) == program
        klaster.save(program, path, indent=None)
        assert "\n" not in path.read_text(encoding="utf-8")
        assert sorted(p.name for p in tmp_path.iterdir()) == ["program.json"]

    def test_save_relative_path(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.chdir(tmp_path)
        klaster.save(bantaeng(), "program.json")
        assert klaster.load("program.json") == bantaeng()

    def test_save_keeps_the_file_mode(self, tmp_path: Path) -> None:
        path = tmp_path / "program.json"
        path.write_text("old", encoding="utf-8")
        path.chmod(0o640)
        klaster.save(bantaeng(), path)
        assert stat.S_IMODE(path.stat().st_mode) == 0o640

    def test_new_file_gets_the_usual_mode(self, tmp_path: Path) -> None:
        path = tmp_path / "program.json"
        klaster.save(bantaeng(), path)
        umask = os.umask(0)
        os.umask(umask)
        assert stat.S_IMODE(path.stat().st_mode) == 0o666 & ~umask  # not mkstemp's 0600

    def test_load_missing_file(self, tmp_path: Path) -> None:
        path = tmp_path / "nothing.json"
        with pytest.raises(DocumentError) as exc:
            klaster.load(path)
        assert str(path) in str(exc.value)
        assert "cannot read the file" in str(exc.value)

    def test_load_a_directory(self, tmp_path: Path) -> None:
        with pytest.raises(DocumentError, match="cannot read the file"):
            klaster.load(tmp_path)

    def test_errors_name_the_file(self, tmp_path: Path) -> None:
        path = tmp_path / "broken.json"
        doc = as_json(bantaeng())
        members_of(doc)[1]["household_size"] = 0
        path.write_text(json.dumps(doc), encoding="utf-8")
        with pytest.raises(DocumentError) as exc:
            klaster.load(path)
        assert str(exc.value).startswith(f"{path}: ")
        assert exc.value.problems == (
            "program.clusters[0].members[1].household_size: must be at least 1, got 0",
        )


class TestAtomicSave:
    def write_old(self, tmp_path: Path) -> tuple[Path, bytes]:
        path = tmp_path / "program.json"
        klaster.save(bantaeng(), path)
        return path, path.read_bytes()

    def changed(self) -> Program:
        program = bantaeng()
        program.name = "Klaster Mandiri (revised)"
        return program

    def assert_intact(self, tmp_path: Path, path: Path, old: bytes) -> None:
        assert path.read_bytes() == old
        assert [p.name for p in tmp_path.iterdir()] == [path.name], "a temporary file was left"

    def test_failing_rename(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        path, old = self.write_old(tmp_path)

        def replace(*_args: object, **_kwargs: object) -> None:
            raise OSError(28, "No space left on device")

        monkeypatch.setattr(os, "replace", replace)
        monkeypatch.setattr(os, "rename", replace)
        with pytest.raises((OSError, KlasterError)):
            klaster.save(self.changed(), path)
        self.assert_intact(tmp_path, path, old)

    def test_failing_flush_to_disk(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        path, old = self.write_old(tmp_path)

        def fsync(_fd: int) -> None:
            raise OSError(5, "Input/output error")

        monkeypatch.setattr(os, "fsync", fsync)
        with pytest.raises((OSError, KlasterError)):
            klaster.save(self.changed(), path)
        self.assert_intact(tmp_path, path, old)

    @pytest.mark.parametrize("error", [OSError(28, "No space left"), KeyboardInterrupt()])
    def test_failure_mid_write(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, error: BaseException
    ) -> None:
        # Half the document reaches the temporary file, then the write fails (disk full, Ctrl-C).
        path, old = self.write_old(tmp_path)
        real_fdopen = os.fdopen
        written: list[int] = []

        class HalfWriter:
            def __init__(self, handle: Any) -> None:
                self.handle = handle

            def __enter__(self) -> HalfWriter:
                return self

            def __exit__(self, *exc: object) -> None:
                self.handle.close()

            def write(self, text: str) -> int:
                self.handle.write(text[: len(text) // 2])
                self.handle.flush()
                written.append(len(text) // 2)
                raise error

            def __getattr__(self, name: str) -> Any:
                return getattr(self.handle, name)

        def fdopen(fd: int, *args: Any, **kwargs: Any) -> HalfWriter:
            return HalfWriter(real_fdopen(fd, *args, **kwargs))

        monkeypatch.setattr(os, "fdopen", fdopen)
        # An OS error becomes a located DocumentError; Ctrl-C stays what it is.
        expected = klaster.DocumentError if isinstance(error, OSError) else type(error)
        with pytest.raises(expected):
            klaster.save(self.changed(), path)
        assert written, "the failure was not injected: save() no longer writes through os.fdopen"
        self.assert_intact(tmp_path, path, old)

    def test_failing_encoding(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        path, old = self.write_old(tmp_path)

        def dumps(*_args: object, **_kwargs: object) -> str:
            raise RecursionError("maximum recursion depth exceeded")

        monkeypatch.setattr(json, "dumps", dumps)
        with pytest.raises(RecursionError):
            klaster.save(self.changed(), path)
        self.assert_intact(tmp_path, path, old)

    def test_invalid_program_writes_nothing(self, tmp_path: Path) -> None:
        path, old = self.write_old(tmp_path)
        program = self.changed()
        program.organisation_id = "nobody"
        with pytest.raises(klaster.InvalidReferenceError, match="organisation_id"):
            klaster.save(program, path)
        self.assert_intact(tmp_path, path, old)

    def test_text_that_utf8_cannot_hold_is_refused_up_front(self, tmp_path: Path) -> None:
        # A lone surrogate (valid in a JSON escape) used to pass every check and then make
        # save() fail with a raw UnicodeEncodeError.
        with pytest.raises(klaster.ValidationError, match="lone surrogate"):
            Organisation("dd", "Dompet \ud800 Dhuafa", "ngo")
        with pytest.raises(klaster.ValidationError, match="invalid ID"):
            Organisation("d\udfffd", "Dompet Dhuafa", "ngo")
        doc = as_json(bantaeng())
        doc["program"]["name"] = "Klaster \ud800"
        text = json.dumps(doc)  # ASCII: the surrogate travels as the escape \ud800
        with pytest.raises(DocumentError) as exc:
            klaster.loads(text)
        assert exc.value.problems == (
            "program.name: contains a lone surrogate (U+D800-U+DFFF), which no UTF-8 file can "
            "hold; fix the text's encoding",
        )
