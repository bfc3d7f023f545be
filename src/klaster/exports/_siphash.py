"""SipHash-2-4 (Aumasson and Bernstein, 2012): a keyed hash of short inputs, many at once.

A pseudonym is one SipHash-2-4 of an ID's UTF-8 bytes (128-bit key, 64-bit output, the reference
algorithm: the published test vectors pass, ``tests/exports/test_siphash.py``). Two forms give
the same numbers:

- :func:`siphash24`: one message, plain Python (a handful of IDs, or no numpy);
- :func:`siphash24_many`: every message at once in numpy, a few ``uint64`` operations per round
  over the IDs of a block count, 32,768 at a time so the state stays in the CPU cache (a
  million IDs in about a tenth of a second, against one Python call per ID for :mod:`hashlib`).
"""

from __future__ import annotations

from typing import Any

_MASK = (1 << 64) - 1
_INIT = (0x736F6D6570736575, 0x646F72616E646F6D, 0x6C7967656E657261, 0x7465646279746573)
_CHUNK = 1 << 15  # messages hashed together: 32k words per state array, 256 KiB, in cache


def _rotl(x: int, b: int) -> int:
    return ((x << b) | (x >> (64 - b))) & _MASK


def _rounds(v0: int, v1: int, v2: int, v3: int, n: int) -> tuple[int, int, int, int]:
    for _ in range(n):
        v0 = (v0 + v1) & _MASK
        v1 = _rotl(v1, 13) ^ v0
        v0 = _rotl(v0, 32)
        v2 = (v2 + v3) & _MASK
        v3 = _rotl(v3, 16) ^ v2
        v0 = (v0 + v3) & _MASK
        v3 = _rotl(v3, 21) ^ v0
        v2 = (v2 + v1) & _MASK
        v1 = _rotl(v1, 17) ^ v2
        v2 = _rotl(v2, 32)
    return v0, v1, v2, v3


def siphash24(k0: int, k1: int, data: bytes) -> int:
    """SipHash-2-4 of ``data`` with the key ``(k0, k1)`` (two little-endian 64-bit halves)."""
    v0, v1, v2, v3 = k0 ^ _INIT[0], k1 ^ _INIT[1], k0 ^ _INIT[2], k1 ^ _INIT[3]
    whole = len(data) - len(data) % 8
    tail = int.from_bytes(data[whole:], "little") | ((len(data) & 0xFF) << 56)
    for start in range(0, whole + 8, 8):
        m = int.from_bytes(data[start : start + 8], "little") if start < whole else tail
        v3 ^= m
        v0, v1, v2, v3 = _rounds(v0, v1, v2, v3, 2)
        v0 ^= m
    v2 ^= 0xFF
    v0, v1, v2, v3 = _rounds(v0, v1, v2, v3, 4)
    return v0 ^ v1 ^ v2 ^ v3


def siphash24_many(np: Any, k0: int, k1: int, data: Any, offsets: Any) -> Any:
    """SipHash-2-4 of every message: ``data[offsets[i]:offsets[i + 1]]`` (``uint8``, ``int64``).

    Returns:
        A ``uint64`` array, one hash per message, equal to :func:`siphash24` of each.
    """
    starts, lengths = offsets[:-1], np.diff(offsets)
    out = np.empty(len(lengths), dtype=np.uint64)
    blocks = lengths // 8 + 1  # the last block holds the tail and the length
    # Every 8-byte window of the data (zero-padded at the end), read as one little-endian word.
    padded = np.concatenate([np.asarray(data, dtype=np.uint8), np.zeros(8, dtype=np.uint8)])
    windows = np.lib.stride_tricks.as_strided(padded, shape=(len(padded) - 7, 8), strides=(1, 1))
    counts = np.flatnonzero(np.bincount(blocks)).tolist() if len(blocks) else []
    for count in counts:
        # Usually every ID has as many blocks: then no mask and no search.
        every = np.arange(len(blocks)) if len(counts) == 1 else np.flatnonzero(blocks == count)
        # A slice of rows at a time: its state arrays stay in the CPU's cache (a pass over a
        # million-row array goes to memory, and fresh arrays that big fault their pages in).
        for first in range(0, len(every), _CHUNK):
            chosen = every[first : first + _CHUNK]
            at, size = starts[chosen], lengths[chosen]
            words = np.empty((len(chosen), count), dtype=np.uint64)
            for w in range(count):
                words[:, w] = windows[at + 8 * w].view("<u8").ravel()
            left = (size - 8 * (count - 1)).astype(np.uint64) * np.uint64(8)  # tail bits: 0..56
            last = words[:, -1] & ((np.uint64(1) << left) - np.uint64(1))
            words[:, -1] = last | ((size.astype(np.uint64) & np.uint64(0xFF)) << np.uint64(56))
            out[chosen] = _many(np, k0, k1, words)
    return out


def _many(np: Any, k0: int, k1: int, words: Any) -> Any:
    # In place on four state columns: no temporary per operation beyond one scratch array.
    rows = words.shape[0]
    v = [
        np.full(rows, (k ^ i) & _MASK, dtype=np.uint64)
        for k, i in zip((k0, k1, k0, k1), _INIT, strict=True)
    ]
    scratch = np.empty(rows, dtype=np.uint64)
    for column in range(words.shape[1]):
        m = words[:, column]
        np.bitwise_xor(v[3], m, out=v[3])
        _sip_rounds(np, v, scratch, 2)
        np.bitwise_xor(v[0], m, out=v[0])
    np.bitwise_xor(v[2], np.uint64(0xFF), out=v[2])
    _sip_rounds(np, v, scratch, 4)
    np.bitwise_xor(v[0], v[1], out=v[0])
    np.bitwise_xor(v[2], v[3], out=v[2])
    return np.bitwise_xor(v[0], v[2], out=v[0])


def _rotl_into(np: Any, x: Any, b: int, scratch: Any) -> None:
    np.right_shift(x, np.uint64(64 - b), out=scratch)
    np.left_shift(x, np.uint64(b), out=x)
    np.bitwise_or(x, scratch, out=x)


def _sip_rounds(np: Any, v: list[Any], scratch: Any, n: int) -> None:
    v0, v1, v2, v3 = v
    add, xor = np.add, np.bitwise_xor
    for _ in range(n):
        add(v0, v1, out=v0)
        _rotl_into(np, v1, 13, scratch)
        xor(v1, v0, out=v1)
        _rotl_into(np, v0, 32, scratch)
        add(v2, v3, out=v2)
        _rotl_into(np, v3, 16, scratch)
        xor(v3, v2, out=v3)
        add(v0, v3, out=v0)
        _rotl_into(np, v3, 21, scratch)
        xor(v3, v0, out=v3)
        add(v2, v1, out=v2)
        _rotl_into(np, v1, 17, scratch)
        xor(v1, v2, out=v1)
        _rotl_into(np, v2, 32, scratch)


def hex_text(np: Any, hashes: Any, prefix: bytes) -> Any:
    """``prefix`` + the 16 hex digits of each hash's 8 little-endian bytes, as a ``uint8`` matrix.

    One row per hash, ``len(prefix) + 16`` bytes wide (ASCII): the text of each pseudonym.
    """
    octets = np.ascontiguousarray(hashes.astype("<u8")).view(np.uint8).reshape(-1, 8)
    rows = np.empty((len(hashes), len(prefix) + 16), dtype=np.uint8)
    rows[:, : len(prefix)] = np.frombuffer(prefix, dtype=np.uint8)
    # Each octet's two hex digits at once: one take from the 256 digit pairs, each read as
    # one 16-bit word (its two bytes stay in order, whatever the machine's byte order).
    pairs = np.frombuffer(_HEX_PAIRS, dtype=np.uint16)
    rows[:, len(prefix) :] = pairs.take(octets).view(np.uint8)
    return rows


_HEX_PAIRS = b"".join(f"{octet:02x}".encode("ascii") for octet in range(256))
