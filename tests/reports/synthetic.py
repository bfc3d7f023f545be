"""The measurement benchmark's synthetic program (``bench/_measurement_data.py``), for tests."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from klaster.model.program import Program
from klaster.observations import Observations

DATA = Path(__file__).resolve().parents[2] / "bench" / "_measurement_data.py"


def national(members: int) -> tuple[Program, Observations]:
    """Clusters of 1,000 members in umkm plus farming, livestock or both; three rounds each."""
    spec = importlib.util.spec_from_file_location("klaster_bench_measurement_data", DATA)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    program, observations = module.build(members)
    return program, observations
