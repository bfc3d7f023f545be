"""Pseudonymised IDs: a keyed hash of each member ID, with a secret the user keeps.

An export meant for analysts carries ``p_3f9a0c4d5e6b7a81`` where the register says
``BTG-0001``. The pseudonym is the first 8 bytes of keyed BLAKE2b (:mod:`hashlib`, the key
being the secret) in hex behind ``p_``:

- **stable**: the same ID and secret give the same pseudonym in every table and every export,
  so tables still join and a later export lines up with an earlier one;
- **keyed**: without the secret nobody can test a guessed ID (a plain hash of ``BTG-0001`` is
  found by hashing every ``BTG-nnnn``); with it, the data owner can link back;
- **distinct in practice**: 64 bits make a collision among a million IDs a one in ten million
  event, and every export checks that its pseudonyms are distinct anyway
  (:meth:`Pseudonymiser.pseudonyms` refuses a collision rather than merge two people).

Keyed BLAKE2b was measured against HMAC-SHA256 (:func:`hmac.digest`) on a million IDs: 0.41 s
against 1.44 s (``docs/performance.md``); both are keyed pseudo-random functions.

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

from klaster.errors import KlasterError

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
_DIGEST_BYTES = 8


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

    __slots__ = ("_hash", "_injective", "_memo", "_seen")

    def __init__(self, secret: bytes | str) -> None:
        key = _key(secret, "secret")
        self._hash = hashlib.blake2b(key=key, digest_size=_DIGEST_BYTES)
        self._memo: dict[str, str] = {}
        self._seen: set[str] = set()  # the memo's pseudonyms
        self._injective = True

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
        found = self._memo.get(id)
        if found is None:
            found = self._remember([id], where="id")[0]
        return found

    def pseudonyms(self, ids: Iterable[str], *, where: str = "ids") -> list[str]:
        """The pseudonyms of ``ids`` in order; distinct IDs must get distinct pseudonyms.

        Each distinct ID is hashed once per pseudonymiser (the same pseudonym as calling it on
        that ID alone); a column of IDs seen before is mapped without a Python call per ID.

        Raises:
            KlasterError: Two different IDs got the same pseudonym (named by position only);
                use a new secret.
        """
        ids = ids if isinstance(ids, Sequence) else list(ids)
        memo = self._memo
        found = list(map(memo.get, ids)) if memo else [None]  # no Python call per ID seen before
        if None not in found:
            out: list[str] = found  # type: ignore[assignment]  # no None in it
        else:  # the others: each distinct one hashed once, then the column mapped
            fresh = list(dict.fromkeys(ids))
            if memo:
                fresh = [id for id in fresh if id not in memo]
            hashed = self._remember(fresh, where=where)
            # All new and distinct: the hashes are the column, in order.
            out = hashed if len(fresh) == len(ids) else list(map(memo.__getitem__, ids))
        if not self._injective:  # a collision was seen once: locate it in every column
            self.check_distinct(ids, out, where=where)
        return out

    def _remember(self, fresh: list[str], *, where: str) -> list[str]:
        # The memo is kept one-to-one, so a column mapped through it needs no check of its own.
        hashed = _hexdigests(self._hash, fresh)
        self._memo.update(zip(fresh, hashed, strict=True))
        self._seen.update(hashed)
        if len(self._seen) != len(self._memo):
            self._injective = False
            self.check_distinct(fresh, hashed, where=where)
        return hashed

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


def _hexdigests(keyed: Any, ids: Sequence[str]) -> list[str]:
    """``p_`` and the keyed hash of each ID (the one place an ID is hashed)."""
    copy = keyed.copy
    out: list[str] = []
    append = out.append
    for id in ids:  # inline: a million IDs, so no function call per ID
        digest = copy()
        digest.update(id.encode("utf-8"))
        append(PREFIX + digest.hexdigest())
    return out


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
