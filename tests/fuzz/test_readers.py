"""Every public reader turns every input into a result or a KlasterError, in bounded time.

Inputs are valid documents, exports, store files and formulas mutated (byte flips, deep
nesting, huge numbers, odd Unicode, truncation, splices; see ``tests/fuzz/inputs.py``) or made
from scratch. ``bench/fuzz.py`` (``make fuzz``) runs the same generators at depth.
"""

from __future__ import annotations

import contextlib
import random
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.fuzz import inputs

from klaster import KlasterError

BOUND = 5.0  # seconds per input; the campaign's bar is 2 s, this leaves room for a busy machine
FUZZ = settings(
    max_examples=60,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def _check(reader: str, data: bytes, folder: Path, rng: random.Random) -> None:
    started = time.perf_counter()
    with contextlib.suppress(KlasterError):
        inputs.run(reader, data, folder, rng)
    elapsed = time.perf_counter() - started
    assert elapsed < BOUND, f"{reader}: {elapsed:.1f} s for {len(data)} bytes"


@pytest.mark.parametrize("reader", inputs.READERS)
def test_every_seed_reads(reader: str, tmp_path: Path) -> None:
    # The mutations start from valid inputs: a seed the reader refuses would fuzz nothing useful.
    seeds = inputs.seeds(reader)
    assert seeds
    for seed in seeds:
        assert inputs.run(reader, seed, tmp_path) is not None


@pytest.mark.parametrize("reader", inputs.READERS)
@FUZZ
@given(seed=st.integers(0, 2**32 - 1))
def test_mutated_inputs(reader: str, seed: int, tmp_path: Path) -> None:
    rng = random.Random(seed)
    _check(reader, inputs.generate(reader, rng), tmp_path, rng)


@pytest.mark.parametrize("reader", inputs.READERS)
@FUZZ
@given(data=st.binary(max_size=300) | st.text(max_size=300).map(inputs.encode))
def test_inputs_from_scratch(reader: str, data: bytes, tmp_path: Path) -> None:
    _check(reader, data, tmp_path, random.Random(0))
