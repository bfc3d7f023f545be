"""The Spark session of the measurement tests: one per test run, started on first use.

A test that needs Spark asks for the ``spark`` fixture, and every test parametrised with
``engine="spark"`` (the conformance suite) gets it too, so ``Measurement(backend="spark")``
runs in this session (the runner takes the active one). Starting it takes seconds (a JVM:
about 8 s here); it is local mode on one core with a small driver, the UI off and the settings
the runner needs (ANSI mode, exact decimals, UTC) set explicitly.

Spark is never skipped silently: without pyspark or a Java runtime these tests fail, saying
what is missing. ``KLASTER_SKIP_SPARK=1`` skips them, saying so.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from typing import Any

import pytest

SKIP_SPARK = "KLASTER_SKIP_SPARK"


@pytest.fixture(scope="session")
def spark() -> Iterator[Any]:
    """A local Spark session (``local[1]``), stopped at the end of the run."""
    if os.environ.get(SKIP_SPARK) == "1":
        pytest.skip(f"{SKIP_SPARK}=1: the Spark tests are skipped")
    from klaster.measurement._backends.sql.spark import local_session

    started = time.perf_counter()
    session = local_session(cores=1, memory="768m")
    session.sparkContext.setLogLevel("ERROR")
    # The test data are a few rows: interpreted expressions and no adaptive planning beat
    # compiling every query (about 2x faster here); large data want the defaults.
    for key, value in {
        "spark.sql.shuffle.partitions": "1",
        "spark.sql.adaptive.enabled": "false",
        "spark.sql.codegen.wholeStage": "false",
        "spark.sql.codegen.factoryMode": "NO_CODEGEN",
    }.items():
        session.conf.set(key, value)
    print(f"\nSpark {session.version} started in {time.perf_counter() - started:.1f} s")
    yield session
    session.stop()


@pytest.fixture(autouse=True)
def _spark_engine(request: pytest.FixtureRequest) -> None:
    """Starts the ``spark`` fixture for tests parametrised with ``engine="spark"``."""
    callspec = getattr(request.node, "callspec", None)
    if callspec is not None and callspec.params.get("engine") == "spark":
        request.getfixturevalue("spark")
