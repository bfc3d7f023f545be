"""What a process pays before it reads anything: imports and converters built on first use.

Each check runs in a fresh interpreter (``sys.modules`` and the converters' caches are
process-wide), a few hundred milliseconds each.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import klaster

# Counts the strict document converters built from here on (klaster's, each made with
# forbid_extra_keys; plugins/info.py's plain one for JSON output costs nothing to build).
_COUNT = """
import cattrs
BUILT = []
_init = cattrs.Converter.__init__
def _counted(self, *args, **kwargs):
    if kwargs.get("forbid_extra_keys"):
        BUILT.append(1)
    _init(self, *args, **kwargs)
cattrs.Converter.__init__ = _counted
"""
# Prints, as JSON, how many converters were built and which heavy packages are imported.
_REPORT = """
import json, sys
print(json.dumps({
    "converters": len(BUILT),
    "finance": "klaster.finance" in sys.modules,
    "readers": any(f"klaster.importing.{m}" in sys.modules for m in ("reader", "roster")),
}))
"""


def _state(script: str, tmp_path: Path) -> dict[str, object]:
    code = _COUNT + textwrap.dedent(script) + _REPORT
    env = {k: v for k, v in os.environ.items() if not k.startswith("KLASTER_")}
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        check=False,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    state: dict[str, object] = json.loads(done.stdout.splitlines()[-1])
    return state


def _program() -> klaster.Program:
    return klaster.Program(
        id="km",
        name="Klaster Mandiri",
        organisation_id="dd",
        organisations=[klaster.Organisation("dd", "Dompet Dhuafa", "ngo")],
    )


class TestConvertersOnFirstUse:
    def test_importing_klaster_builds_no_converter_and_no_finance(self, tmp_path: Path) -> None:
        state = _state("import klaster, klaster.documents.converter, klaster.cli._app", tmp_path)
        assert state == {"converters": 0, "finance": False, "readers": False}

    def test_importing_the_finance_document_builds_none_of_its_converters(
        self, tmp_path: Path
    ) -> None:
        state = _state("import klaster.finance.document, klaster.finance", tmp_path)
        assert (state["converters"], state["finance"]) == (0, True)

    def test_reading_the_sector_files_builds_no_program_converter(self, tmp_path: Path) -> None:
        script = """
            from klaster.plugins import get_host
            host = get_host()
            assert host.indicator("farm_income")  # the built-in sectors' files are read
            assert host.sectors()
        """
        # one converter: the sector files' own (not the program document's two)
        assert _state(script, tmp_path)["converters"] == 1

    def test_a_document_read_builds_the_fast_converter_once(self, tmp_path: Path) -> None:
        document = Path(__file__).parents[1] / "examples" / "data" / "bantaeng.json"
        script = f"""
            import klaster
            first = klaster.load({str(document)!r})
            built = len(BUILT)
            assert built >= 1
            assert klaster.load({str(document)!r}) == first
            assert len(BUILT) == built, "the second read built converters again"
        """
        _state(script, tmp_path)

    def test_the_built_converters_are_kept(self) -> None:
        from klaster.documents import converter

        assert converter.fast_converter() is converter.fast_converter()
        assert converter.detailed_converter() is converter.detailed_converter()


class TestStoreWithoutFinance:
    def test_opening_and_reading_a_store_does_not_import_finance(self, tmp_path: Path) -> None:
        path = tmp_path / "km.klaster"
        with klaster.Store.create(path, _program()):
            pass
        script = f"""
            import klaster
            for readonly in (True, False):
                with klaster.Store.open({str(path)!r}, readonly=readonly) as store:
                    store.load_program()
                    store.status()
        """
        state = _state(script, tmp_path)
        assert (state["finance"], state["readers"]) == (False, False)

    def test_creating_a_store_without_books_does_not_import_finance(self, tmp_path: Path) -> None:
        program_text = klaster.dumps(_program())
        script = f"""
            import klaster
            program = klaster.loads({program_text!r})
            klaster.Store.create("km.klaster", program).close()
        """
        assert _state(script, tmp_path)["finance"] is False

    @pytest.mark.parametrize("readonly", [True, False])
    def test_finance_still_loads_on_use(self, tmp_path: Path, readonly: bool) -> None:
        path = tmp_path / "km.klaster"
        with klaster.Store.create(path, _program()):
            pass
        with klaster.Store.open(path, readonly=readonly) as store:
            assert len(store.load_finance()) == 0


class TestImportingOnFirstUse:
    def test_every_name_of_the_package_loads_on_use(self) -> None:
        import klaster.importing as importing

        for name in importing.__all__:
            assert getattr(importing, name) is not None

    def test_the_names_are_listed_before_they_load(self, tmp_path: Path) -> None:
        script = """
            import klaster.importing as importing
            assert set(importing.__all__) <= set(dir(importing))
        """
        assert _state(script, tmp_path)["readers"] is False

    def test_an_unknown_name_is_an_attribute_error(self) -> None:
        import klaster.importing as importing

        with pytest.raises(AttributeError, match="read_everything"):
            importing.read_everything  # noqa: B018

    def test_importing_the_package_loads_no_reader(self, tmp_path: Path) -> None:
        state = _state("import klaster.importing, klaster.importing.batch", tmp_path)
        assert state["readers"] is False
