"""Pseudonymised IDs: a keyed hash of each member ID, with a secret the user keeps.

An export meant for analysts carries ``p_3f9a0c4d5e6b7a81`` where the register says
``BTG-0001``. The pseudonym is SipHash-2-4 (a keyed pseudo-random function made for short
inputs) of the ID's UTF-8 bytes, its 8 bytes in hex behind ``p_``; the 128-bit SipHash key is
derived once from the secret with keyed BLAKE2b (:mod:`hashlib`, the secret being its key):

- **stable**: the same ID and secret give the same pseudonym in every table and every export,
  so tables still join and a later export lines up with an earlier one;
- **keyed**: without the secret nobody can test a guessed ID (a plain hash of ``BTG-0001`` is
  found by hashing every ``BTG-nnnn``); with it, the data owner can link back;
- **distinct in practice**: 64 bits make a collision among a million IDs a one in ten million
  event, and every export checks that its pseudonyms are distinct anyway
  (:meth:`Pseudonymiser.pseudonyms` refuses a collision rather than merge two people).

SipHash runs over a whole column at once in numpy (:mod:`klaster.exports._siphash`: a million
IDs in about 0.2 s, where a keyed BLAKE2b call per ID took 0.4 s and the Python bookkeeping
around it as much again; ``docs/performance.md``). Until issue 15's tidy export, pseudonyms
were keyed BLAKE2b of the ID: the same secret now gives different pseudonyms than then.
Pseudonymising needs polars and numpy (``pip install 'klaster[columnar]'``), as every frame does.

The secret is at least :data:`MIN_SECRET_BYTES` bytes, from bytes, a file (:meth:`from_file`) or
the ``KLASTER_PSEUDONYM_SECRET`` environment variable (:meth:`from_env`); it is never written
into an export nor shown by ``repr``. :func:`new_secret_file` makes one.
"""

from __future__ import annotations

import hashlib
import os
import secrets
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from klaster._support.dataframes import require
from klaster.errors import KlasterError
from klaster.exports._siphash import hex_text, siphash24, siphash24_many

__all__ = [
    "MIN_SECRET_BYTES",
    "PREFIX",
    "SECRET_ENV",
    "Pseudonymiser",
    "new_secret_file",
]

MIN_SECRET_BYTES = 16
"""The shortest secret accepted (128 bits: guessing it is out of reach)."""
SECRET_ENV = "KLASTER_PSEUDONYM_SECRET"
"""The environment variable a secret may come from."""
PREFIX = "p_"
"""What every pseudonym starts with (never a formula character, never a register ID's shape)."""
_PREFIX = PREFIX.encode("ascii")
_WIDTH = len(PREFIX) + 16  # the prefix and 8 bytes in hex
_FEW = 64
_KEY_CONTEXT = b"klaster pseudonyms: the SipHash-2-4 key"


class Pseudonymiser:
    """Turns IDs into pseudonyms with a keyed hash (see the module's docs).

    Args:
        secret: At least :data:`MIN_SECRET_BYTES` bytes (text is taken as its UTF-8 bytes).

    Raises:
        KlasterError: The secret is too short or not bytes or text.

    Example:
        >>> p = Pseudonymiser(b"a secret of at least 16 bytes")
        >>> p("BTG-0001") == p("BTG-0001"), p("BTG-0001").startswith("p_"), len(p("BTG-0001"))
        (True, True, 18)
        >>> p("BTG-0001") == Pseudonymiser(b"another secret of 16 bytes")("BTG-0001")
        False
    """

    __slots__ = ("_keys", "_last", "_table", "_unsorted")

    def __init__(self, secret: bytes | str) -> None:
        key = _key(secret, "secret")
        # The SipHash key: 128 bits derived from the secret once (any length up to 64 bytes).
        derived = hashlib.blake2b(_KEY_CONTEXT, key=key, digest_size=16).digest()
        self._keys = (int.from_bytes(derived[:8], "little"), int.from_bytes(derived[8:], "little"))
        self._table: Any = None  # every ID seen: hashes (sorted numpy), their IDs (polars)
        self._unsorted: Any = None  # or, after a first column of distinct hashes, that column
        self._last: Any = None  # the last column and its pseudonyms

    @classmethod
    def from_file(cls, path: str | os.PathLike[str]) -> Pseudonymiser:
        """The secret in a file (its bytes, surrounding white space taken off).

        Raises:
            KlasterError: The file cannot be read or holds too short a secret.
        """
        where = Path(path)
        try:
            data = where.read_bytes().strip()
        except OSError as exc:
            reason = exc.strerror or type(exc).__name__
            raise KlasterError(f"{where}: cannot read the pseudonym secret ({reason})") from None
        return cls(_key(data, str(where)))

    @classmethod
    def from_env(cls, name: str = SECRET_ENV) -> Pseudonymiser:
        """The secret in an environment variable (``KLASTER_PSEUDONYM_SECRET`` by default).

        Raises:
            KlasterError: The variable is not set or too short.
        """
        value = os.environ.get(name)
        if not value:
            raise KlasterError(
                f"{name} is not set; set it to a secret of at least {MIN_SECRET_BYTES} bytes, "
                "or give a secret file"
            )
        return cls(_key(value.strip().encode("utf-8"), name))

    def __call__(self, id: str) -> str:
        """The pseudonym of one ID."""
        return self.pseudonyms([id], where="id")[0]

    def pseudonyms(self, ids: Iterable[str], *, where: str = "ids") -> list[str]:
        """The pseudonyms of ``ids`` in order; distinct IDs must get distinct pseudonyms.

        The whole list is hashed at once (:meth:`series`; the same pseudonym as calling it on
        each ID alone), and checked against every ID this pseudonymiser has seen before.

        Raises:
            KlasterError: Two different IDs got the same pseudonym (named by position only);
                use a new secret. polars or numpy is missing.
        """
        pl, _ = _columnar()
        column = pl.Series(ids if isinstance(ids, Sequence) else list(ids), dtype=pl.String)
        return list(self.series(column, where=where).to_list())

    def series(self, ids: Any, *, where: str = "ids") -> Any:
        """The pseudonyms of a polars ``String`` series as one (nulls stay null); internal.

        The column path of :meth:`pseudonyms` the frames use: every ID of the column hashed
        at once (:func:`~klaster.exports._siphash.siphash24_many`; hashing again is cheaper
        than looking up), then checked against every ID seen before: one hash, one ID.

        Raises:
            KlasterError: Two different IDs got the same pseudonym (by position only).
        """
        pl, np = _columnar()
        if self._last is not None and self._last[0].equals(ids):
            return self._last[1].alias(ids.name)  # the very column again (another table)
        nulls = ids.null_count()
        valid = ids.drop_nulls() if nulls else ids
        hashes = _hashes(np, self._keys, valid)
        if not self._injective(pl, np, valid, hashes):
            _locate_collision(np, ids, self._keys, self._sorted_table(np), where)
        text = pl.Series(hex_text(np, hashes, _PREFIX).view(f"S{_WIDTH}").ravel())
        shown = text.cast(pl.String).alias(ids.name)
        if nulls:  # back in the column's rows, nulls where the column has them
            at = pl.Series(np.flatnonzero(ids.is_not_null().to_numpy()))
            shown = pl.Series(ids.name, [None] * len(ids), dtype=pl.String).scatter(at, shown)
        self._last = (ids, shown)
        return shown

    def _injective(self, pl: Any, np: Any, ids: Any, hashes: Any) -> bool:
        # The table of every ID seen (sorted by hash, one row per hash) gains this column's
        # new IDs; False when a hash would stand for two IDs (the table then unchanged).
        # Everything in sorted order: numpy's sorts and merges, no lookup per ID.
        if self._table is None and self._unsorted is None:
            # The first column (in an export, often the only one: an equal column reuses its
            # pseudonyms): when its hashes are distinct, its table is sorted only if a later
            # column is checked against it (a sort of the hashes alone is a quarter of an
            # argsort, and the IDs are not gathered).
            if not len(hashes):
                return True  # nothing seen yet, nothing to remember
            alone = np.sort(hashes)
            if bool((alone[1:] != alone[:-1]).all()):
                self._unsorted = (hashes, ids)
                return True
        self._table = self._sorted_table(np)
        order = np.argsort(hashes)
        ordered, names = hashes[order], ids.gather(order)
        first = np.ones(len(ordered), dtype=bool)
        first[1:] = ordered[1:] != ordered[:-1]  # the same hash twice: the same ID, or not
        if not first.all():
            repeat = pl.Series(~first[1:])
            if not (names[:-1].filter(repeat) == names[1:].filter(repeat)).all():
                return False
        fresh = first
        if self._table is not None:
            known, owners = self._table
            at = np.minimum(np.searchsorted(known, ordered), max(len(known) - 1, 0))
            seen = known[at] == ordered
            mask = pl.Series(seen)
            if seen.any() and not (owners.gather(at[seen]) == names.filter(mask)).all():
                return False
            fresh = first & ~seen
        if not fresh.any():
            return True
        new, named = ordered[fresh], names.filter(pl.Series(fresh))
        if self._table is not None:
            known, owners = self._table
            new = np.concatenate([known, new])
            merge = np.argsort(new)
            new, named = new[merge], pl.concat([owners, named]).gather(merge)
        self._table = (new, named)
        return True

    def _sorted_table(self, np: Any) -> Any:
        # The table of every ID seen, sorted by hash (the first column's sorted when needed).
        if self._unsorted is not None:
            hashes, ids = self._unsorted
            order = np.argsort(hashes)
            self._table, self._unsorted = (hashes[order], ids.gather(order)), None
        return self._table

    @staticmethod
    def check_distinct(ids: Sequence[str], pseudonyms: Sequence[str], *, where: str) -> None:
        """Refuse two different IDs with one pseudonym (a 64-bit collision; never silent).

        Raises:
            KlasterError: A collision, located by position (never the ID itself).
        """
        if len(set(pseudonyms)) == len(set(ids)):
            return
        first: dict[str, str] = {}
        for index, (id, pseudonym) in enumerate(zip(ids, pseudonyms, strict=True)):
            if first.setdefault(pseudonym, id) != id:
                raise KlasterError(
                    f"{where}[{index}]: two different IDs have the same pseudonym; "
                    "export again with a new secret"
                )

    def __repr__(self) -> str:
        return "<Pseudonymiser (secret hidden)>"

    def __reduce__(self) -> str:
        # Pickling would copy the secret into whatever is pickled (a cache, a worker's queue).
        raise KlasterError("a Pseudonymiser is not pickled: its secret stays in this process")


def new_secret_file(path: str | os.PathLike[str]) -> Path:
    """Write a new random secret (32 bytes as 64 hex digits) to a new file only you can read.

    Raises:
        KlasterError: The file exists already (a secret is never overwritten: the pseudonyms
            of earlier exports depend on it) or cannot be written.
    """
    where = Path(path)
    try:
        fd = os.open(where, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise KlasterError(
            f"{where}: a file is there already; a secret is never overwritten (earlier "
            "exports' pseudonyms depend on it): use it, or choose another path"
        ) from None
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise KlasterError(f"{where}: cannot write the secret ({reason})") from None
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(secrets.token_hex(32) + "\n")
    return where


def _columnar() -> tuple[Any, Any]:
    polars = require("polars", "pseudonyms")
    return polars, require("numpy", "pseudonyms")


def _hashes(np: Any, keys: tuple[int, int], ids: Any) -> Any:
    """SipHash-2-4 of each ID's UTF-8 bytes (the one place an ID is hashed)."""
    if len(ids) < _FEW:  # numpy's fixed cost is more than a few scalar hashes
        texts = ids.to_list()
        return np.array([siphash24(*keys, t.encode("utf-8")) for t in texts], dtype=np.uint64)
    data = np.frombuffer(ids.str.join("").item().encode("utf-8"), dtype=np.uint8)
    offsets = np.zeros(len(ids) + 1, dtype=np.int64)
    np.cumsum(ids.str.len_bytes().to_numpy(), out=offsets[1:])
    return siphash24_many(np, keys[0], keys[1], data, offsets)


def _locate_collision(np: Any, ids: Any, keys: tuple[int, int], table: Any, where: str) -> None:
    # Rare (one in ten million per million IDs): plain Python to name the first row of this
    # column whose pseudonym an earlier row or an earlier column's ID has already.
    owner: dict[int, str] = {}
    if table is not None:
        owner.update(zip(table[0].tolist(), table[1].to_list(), strict=True))
    column = ids.to_list()
    valid = ids.drop_nulls()
    hashes = iter(_hashes(np, keys, valid).tolist())
    for index, id in enumerate(column):
        if id is not None and owner.setdefault(next(hashes), id) != id:
            raise KlasterError(
                f"{where}[{index}]: two different IDs have the same pseudonym; "
                "export again with a new secret"
            )
    raise KlasterError(f"{where}: two different IDs have the same pseudonym; use a new secret")


def _key(secret: object, where: str) -> bytes:
    if isinstance(secret, str):
        secret = secret.encode("utf-8")
    if not isinstance(secret, bytes | bytearray):
        raise KlasterError(f"{where}: a secret is bytes or text, got {type(secret).__name__}")
    if len(secret) < MIN_SECRET_BYTES:
        raise KlasterError(
            f"{where}: the secret is {len(secret)} bytes; use at least {MIN_SECRET_BYTES} "
            "(e.g. klaster.exports.new_secret_file('pseudonym.key'))"
        )
    if len(secret) > 64:
        # BLAKE2b takes a key of up to 64 bytes: a longer secret is hashed down to one.
        return hashlib.blake2b(bytes(secret), digest_size=64).digest()
    return bytes(secret)
