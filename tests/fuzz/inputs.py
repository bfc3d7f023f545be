"""Inputs for the fuzz suite and the campaign (``bench/fuzz.py``): a valid seed per reader,
mutations of it (byte flips, deep nesting, huge numbers, odd Unicode, truncation, splices) and
inputs from scratch, and one function per reader that feeds an input to the public API.

Everything is driven by a :class:`random.Random`, so an input is reproduced from its seed.
"""

from __future__ import annotations

import functools
import io
import random
import tempfile
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import klaster
import klaster.finance
import klaster.observations
from klaster import Program, Store
from klaster.catalogue.formula import parse
from klaster.finance import read_budget_csv
from klaster.finance.budget_csv import parse_budget_csv
from klaster.importing import load_mapping, parse_mapping, read_submissions
from klaster.measurement.compiler import Kind, compile_formula
from klaster.targeting import load_rule, rank, read_regions_csv
from klaster.testing import sample_program

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples" / "data"
KOBO = EXAMPLES / "kobo"

# -- mutations ------------------------------------------------------------------------------------

ODD_TEXT = [
    "\x00", "\u2028", "\u0085", "\ufeff", "\u202e", "\U0001f40e", "\u0301", "\ud800", "\udfff",
    "\\", '"', "'", "\r", "\n", "\t", ";", ",", "=", "[", "{", "}", "]", "#", "+62", "-0",
    "=HYPERLINK(\"x\")", "NaN", "Infinity", "null", "true", "9" * 5_000,
]  # fmt: skip
HUGE_NUMBERS = [
    "9" * 4_400, "1" * 40, "1E+999999999", "1E-999999999", "1e999999", "-1E+999999",
    "9223372036854775808", "-9223372036854775809", "18446744073709551616", "0E-999999999",
    "1e400", "-0.0", "0.000000000000000000000000000000001", "1E+30", "NaN", "-Infinity",
]  # fmt: skip


def encode(text: str) -> bytes:
    """``text`` as UTF-8, lone surrogates kept (as the bytes a careless writer leaves)."""
    return text.encode("utf-8", "surrogatepass")


def flip(rng: random.Random, data: bytes) -> bytes:
    """One to four bytes set to random values."""
    out = bytearray(data or b" ")
    for _ in range(rng.randint(1, 4)):
        out[rng.randrange(len(out))] = rng.randrange(256)
    return bytes(out)


def truncate(rng: random.Random, data: bytes) -> bytes:
    """Cut short anywhere."""
    return data[: rng.randrange(len(data) + 1)]


def nest(rng: random.Random, data: bytes) -> bytes:
    """Deep nesting (balanced or not) spliced in, from just under the bound to far past it."""
    depth = rng.choice([60, 64, 65, 100, 1_000, 20_000, 200_000])
    opener, closer = rng.choice([(b"[", b"]"), (b'{"a":', b"}"), (b"(", b")"), (b"[[", b"]]")])
    inner = opener * depth + rng.choice([b"", b"1", b'"x"']) + closer * rng.choice([depth, 0, 1])
    at = rng.randrange(len(data) + 1)
    return data[:at] + inner + data[at:]


def huge(rng: random.Random, data: bytes) -> bytes:
    """A run of digits replaced by a huge, tiny, long or non-finite number."""
    digits = [i for i, b in enumerate(data) if 0x30 <= b <= 0x39]
    number = encode(rng.choice(HUGE_NUMBERS))
    if not digits:
        return data + number
    start = end = rng.choice(digits)
    while end < len(data) and 0x30 <= data[end] <= 0x39:
        end += 1
    return data[:start] + number + data[end:]


def odd(rng: random.Random, data: bytes) -> bytes:
    """Odd Unicode (or bytes that are no UTF-8) spliced in."""
    piece = rng.choice([encode(rng.choice(ODD_TEXT)), bytes([rng.randrange(0x80, 0x100)])])
    at = rng.randrange(len(data) + 1)
    cut = at + rng.choice([0, 0, 1, 3])
    return data[:at] + piece + data[cut:]


def splice(rng: random.Random, data: bytes) -> bytes:
    """A slice deleted, repeated or moved."""
    if len(data) < 2:
        return data * 2
    a, b = sorted(rng.sample(range(len(data) + 1), 2))
    choice = rng.randrange(3)
    if choice == 0:
        return data[:a] + data[b:]
    if choice == 1:
        return data[:b] + data[a:b] * rng.randint(1, 50) + data[b:]
    at = rng.randrange(len(data) + 1)
    return data[:at] + data[a:b] + data[at:]


def scratch(rng: random.Random, data: bytes) -> bytes:
    """From scratch: random bytes, or random printable text."""
    size = rng.choice([0, 1, 10, 100, 2_000])
    if rng.random() < 0.5:
        return bytes(rng.randrange(256) for _ in range(size))
    return encode("".join(rng.choice('[]{}":,0123456789eE+-.a \n\\') for _ in range(size)))


MUTATIONS: list[Callable[[random.Random, bytes], bytes]] = [
    flip, truncate, nest, huge, odd, splice, scratch,
]  # fmt: skip


MAX_INPUT = 1 << 20
"""Largest input made, in bytes: the readers' time is linear in size, and the campaign's bar
(2 s an input) is for inputs of up to this size."""


def mutate(rng: random.Random, seed: bytes) -> bytes:
    """One to three mutations of ``seed`` (cut to :data:`MAX_INPUT` bytes)."""
    data = seed
    for _ in range(rng.choice([1, 1, 2, 3])):
        data = rng.choice(MUTATIONS)(rng, data)[:MAX_INPUT]
    return data


# -- seeds and readers ----------------------------------------------------------------------------


@functools.cache
def bantaeng() -> Program:
    """The bundled Bantaeng program (the exports and the sidecar are about it)."""
    return klaster.load(EXAMPLES / "bantaeng.json")


@functools.cache
def sample() -> Program:
    """The small sample program (every record kind)."""
    return sample_program()


@functools.cache
def _finance_seed() -> tuple[Program, bytes]:
    from klaster.finance.testing import PROGRAM, make_book, make_cluster, qard

    cluster = make_cluster()
    program = Program(
        id=PROGRAM,
        name="Klaster Mandiri",
        organisation_id="dd",
        organisations=[klaster.Organisation("dd", "Dompet Dhuafa", "ngo")],
        clusters=[cluster],
    )
    book = make_book()
    try:  # a loan and a repayment, if today's rules accept them in this fixture
        book.disburse(qard("L-1"))
        book.repay("L-1", book.loans["L-1"].disbursed_on, 100_000)
    except klaster.KlasterError:
        book = make_book()
    try:  # a budget and a zakat grant (issue 12), if today's rules accept them
        day = book.ledger.entries[-1].on
        book.revise_budget(day, "initial", parse_budget_csv(io.StringIO(BUDGET_CSV)))
        grant = klaster.finance.Party.member("M-1")
        book.spend(
            klaster.finance.Spending("S-1", "grant", day, "F-1", 50_000, "capital", grant, "miskin")
        )
    except klaster.KlasterError:
        pass
    return program, klaster.finance.dumps(book).encode()


BUDGET_CSV = (
    "component,source,start,end,amount,note\n"
    "capital,zakat,2012-01-01,2014-03-31,1.020.000.000,synthetic\n"
    'training,infaq_sadaqah,2012-01-01,2014-03-31,170000000,"a, note"\n'
    "operations,zakat,2012-01-01,2012-12-31,Rp 85.000.000,\n"
)


@functools.cache
def _store_seed() -> bytes:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "seed.klaster"
        Store.create(path, sample()).close()
        return path.read_bytes()


FORMULAS = [
    "x / y", "round(x, 2) + 1", "pct_change(x) > 50", 'x * 2 if crop == "rice" else missing()',
    "coalesce(x, y, 0) >= 10 and not active", "max(abs(x - y), 1000000) / baseline(y)",
    "change(income) / 3", "is_missing(x) or x < 0.5",
]  # fmt: skip
FORMULA_KINDS = {
    "x": Kind.NUMBER, "y": Kind.NUMBER, "income": Kind.NUMBER, "crop": Kind.TEXT,
    "active": Kind.BOOLEAN,
}  # fmt: skip


def seeds(reader: str) -> list[bytes]:
    """Valid inputs of ``reader`` to mutate."""
    if reader == "program":
        return [klaster.dumps(sample()).encode(), klaster.dumps(sample(), indent=None).encode()]
    if reader == "finance":
        return [_finance_seed()[1]]
    if reader == "sidecar":
        return [(EXAMPLES / "bantaeng.observations.jsonl").read_bytes()]
    if reader == "mapping":
        return [(KOBO / "monitoring.toml").read_bytes(), (KOBO / "registrasi.toml").read_bytes()]
    if reader == "csv":
        return [(KOBO / "monitoring_2015.csv").read_bytes()]
    if reader == "xlsx":
        return [(KOBO / "monitoring_2015.xlsx").read_bytes()]
    if reader == "store":
        return [_store_seed()]
    if reader == "formula":
        return [f.encode() for f in FORMULAS]
    if reader == "budget_csv":
        return [BUDGET_CSV.encode()]
    if reader == "regions_csv":
        return [(EXAMPLES / "bantaeng_regions.csv").read_bytes()]
    if reader == "ranking_rule":
        return [(EXAMPLES / "bantaeng_ranking.toml").read_bytes()]
    raise ValueError(reader)


READERS = [
    "program",
    "finance",
    "sidecar",
    "mapping",
    "csv",
    "xlsx",
    "store",
    "formula",
    "budget_csv",
    "regions_csv",
    "ranking_rule",
]


def mutate_xlsx(rng: random.Random, seed: bytes) -> bytes:
    """Mostly a mutated sheet inside an intact zip (zip-level damage is found fast)."""
    if rng.random() < 0.2:
        return mutate(rng, seed)
    source = zipfile.ZipFile(io.BytesIO(seed))
    names = source.namelist()
    target = rng.choice([n for n in names if n.endswith(".xml")])
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as sink:
        for name in names:
            data = source.read(name)
            sink.writestr(name, mutate(rng, data) if name == target else data)
    return out.getvalue()


def generate(reader: str, rng: random.Random) -> bytes:
    """One input for ``reader``: a mutated seed, now and then one from scratch."""
    seed = rng.choice(seeds(reader))
    if reader == "xlsx":
        return mutate_xlsx(rng, seed)
    if rng.random() < 0.05:
        return scratch(rng, seed)
    return mutate(rng, seed)


def _text(data: bytes) -> str:
    return data.decode("utf-8", "surrogateescape")


def _as_given(rng: random.Random | None, data: bytes) -> str | bytes:
    # Readers that take str or bytes get both.
    return _text(data) if rng is None or rng.random() < 0.5 else data


def run(reader: str, data: bytes, folder: Path, rng: random.Random | None = None) -> Any:
    """Feed ``data`` to ``reader`` through the public API (``folder``: scratch space)."""
    if reader == "program":
        return klaster.loads(_as_given(rng, data))
    if reader == "finance":
        return klaster.finance.loads(_as_given(rng, data), _finance_seed()[0])
    if reader == "sidecar":
        return klaster.observations.loads(_as_given(rng, data), bantaeng(), _catalogue())
    if reader == "mapping":
        if rng is not None and rng.random() < 0.3:
            path = folder / "mapping.toml"
            path.write_bytes(data)
            return load_mapping(path)
        return parse_mapping(_text(data))
    if reader in ("csv", "xlsx"):
        path = folder / f"monitoring_2015.{reader}"
        path.write_bytes(data)
        repeat = folder / "monitoring_2015-usaha.csv"
        if not repeat.exists():
            repeat.write_bytes((KOBO / "monitoring_2015-usaha.csv").read_bytes())
        program = bantaeng()
        observations = klaster.observations.Observations(program, _catalogue())
        return read_submissions(
            path, _monitoring(), program=program, observations=observations, keep_valid=True
        )
    if reader == "store":
        path = folder / "fuzzed.klaster"
        for leftover in (path, folder / "fuzzed.klaster-wal", folder / "fuzzed.klaster-shm"):
            leftover.unlink(missing_ok=True)
        path.write_bytes(data)
        store = Store.open(path, timeout=0.1)
        try:
            return (store.load_program(), store.load_observations(), store.status())
        finally:
            store.close()
    if reader == "formula":
        text = _text(data)
        return compile_formula(parse(text), FORMULA_KINDS, formula=text)
    if reader == "budget_csv":
        path = folder / "budget.csv"
        path.write_bytes(data)
        return read_budget_csv(path)
    if reader in ("regions_csv", "ranking_rule"):  # read, then ranked with the bundled other
        regions = folder / "regions.csv"
        rule = folder / "rule.toml"
        regions.write_bytes(data if reader == "regions_csv" else seeds("regions_csv")[0])
        rule.write_bytes(data if reader == "ranking_rule" else seeds("ranking_rule")[0])
        candidates = read_regions_csv(regions)
        return rank(candidates, load_rule(rule, candidates))
    raise ValueError(reader)


@functools.cache
def _catalogue() -> Any:
    return klaster.observations.variable_catalogue()


@functools.cache
def _monitoring() -> Any:
    return load_mapping(KOBO / "monitoring.toml")
