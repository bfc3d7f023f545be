"""The bundled example: a generated form, two Kobo exports of it, one mapping, two rounds."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

from klaster.store import Store

from .conftest import ROOT


class TestExample:
    def test_xlsform_round_trip_imports_two_rounds(self, tmp_path: Path) -> None:
        path = ROOT / "examples" / "xlsform_round_trip.py"
        spec = importlib.util.spec_from_file_location("xlsform_round_trip", path)
        assert spec is not None
        assert spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules["xlsform_round_trip"] = module
        spec.loader.exec_module(module)
        assert module.main(tmp_path) == {"btg-mon-2015-06": 10, "btg-mon-2015-12": 10}
        with Store.open(tmp_path / "bantaeng.klaster", readonly=True) as store:
            row = store.load_observations().row("btg-mon-2015-12", "BTG-0001", "member")
        assert row is not None
        assert row["monthly_revenue"] == 1_900_000  # two businesses, summed
        assert row["workers"] == 3
