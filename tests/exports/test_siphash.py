"""SipHash-2-4: the reference test vectors, and the numpy form equal to the scalar one."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from klaster.exports._siphash import hex_text, siphash24, siphash24_many

# The reference implementation's vectors.h (vectors_sip64): key 00 01 .. 0f, message
# 00 01 .. (n-1) for n = 0..63, each output's 8 bytes little-endian in hex.
VECTORS = (
    "310e0edd47db6f72",
    "fd67dc93c539f874",
    "5a4fa9d909806c0d",
    "2d7efbd796666785",
    "b7877127e09427cf",
    "8da699cd64557618",
    "cee3fe586e46c9cb",
    "37d1018bf50002ab",
    "6224939a79f5f593",
    "b0e4a90bdf82009e",
    "f3b9dd94c5bb5d7a",
    "a7ad6b22462fb3f4",
    "fbe50e86bc8f1e75",
    "903d84c02756ea14",
    "eef27a8e90ca23f7",
    "e545be4961ca29a1",
    "db9bc2577fcc2a3f",
    "9447be2cf5e99a69",
    "9cd38d96f0b3c14b",
    "bd6179a71dc96dbb",
    "98eea21af25cd6be",
    "c7673b2eb0cbf2d0",
    "883ea3e395675393",
    "c8ce5ccd8c030ca8",
    "94af49f6c650adb8",
    "eab8858ade92e1bc",
    "f315bb5bb835d817",
    "adcf6b0763612e2f",
    "a5c91da7acaa4dde",
    "716595876650a2a6",
    "28ef495c53a387ad",
    "42c341d8fa92d832",
    "ce7cf2722f512771",
    "e37859f94623f3a7",
    "381205bb1ab0e012",
    "ae97a10fd434e015",
    "b4a31508beff4d31",
    "81396229f0907902",
    "4d0cf49ee5d4dcca",
    "5c73336a76d8bf9a",
    "d0a704536ba93e0e",
    "925958fcd6420cad",
    "a915c29bc8067318",
    "952b79f3bc0aa6d4",
    "f21df2e41d4535f9",
    "87577519048f53a9",
    "10a56cf5dfcd9adb",
    "eb75095ccd986cd0",
    "51a9cb9ecba312e6",
    "96afadfc2ce666c7",
    "72fe52975a4364ee",
    "5a1645b276d592a1",
    "b274cb8ebf87870a",
    "6f9bb4203de7b381",
    "eaecb2a30b22a87f",
    "9924a43cc1315724",
    "bd838d3aafbf8db7",
    "0b1a2a3265d51aea",
    "135079a3231ce660",
    "932b2846e4d70666",
    "e1915f5cb1eca46c",
    "f325965ca16d629f",
    "575ff28e60381be5",
    "724506eb4c328a95",
)
K0 = int.from_bytes(bytes(range(8)), "little")
K1 = int.from_bytes(bytes(range(8, 16)), "little")


def _many(messages: list[bytes], k0: int = K0, k1: int = K1) -> list[int]:
    data = np.frombuffer(b"".join(messages), dtype=np.uint8)
    offsets = np.zeros(len(messages) + 1, dtype=np.int64)
    np.cumsum([len(m) for m in messages], out=offsets[1:])
    return [int(h) for h in siphash24_many(np, k0, k1, data, offsets)]


class TestReferenceVectors:
    def test_scalar(self) -> None:
        got = [siphash24(K0, K1, bytes(range(n))).to_bytes(8, "little").hex() for n in range(64)]
        assert got == list(VECTORS)

    def test_numpy_all_lengths_at_once(self) -> None:
        got = _many([bytes(range(n)) for n in range(64)])
        assert [h.to_bytes(8, "little").hex() for h in got] == list(VECTORS)

    def test_hex_text(self) -> None:
        hashes = np.array(_many([b"", b"\x00"]), dtype=np.uint64)
        rows = hex_text(np, hashes, b"p_")
        assert [bytes(r).decode() for r in rows] == ["p_" + VECTORS[0], "p_" + VECTORS[1]]


class TestNumpyEqualsScalar:
    @given(
        st.lists(st.binary(max_size=70), max_size=40),
        st.integers(0, 2**64 - 1),
        st.integers(0, 2**64 - 1),
    )
    def test_any_messages_and_key(self, messages: list[bytes], k0: int, k1: int) -> None:
        assert _many(messages, k0, k1) == [siphash24(k0, k1, m) for m in messages]

    def test_many_slices_of_rows(self) -> None:
        # More messages than one slice of rows (the state arrays are hashed a slice at a time),
        # of mixed block counts, so slices of every count and a last partial one are checked.
        import klaster.exports._siphash as siphash

        messages = [b"ID-%d" % i * (1 + i % 3) for i in range(2 * siphash._CHUNK + 123)]
        got = _many(messages, 7, 11)
        picks = [0, 1, siphash._CHUNK - 1, siphash._CHUNK, siphash._CHUNK + 1, len(messages) - 1]
        picks += list(range(0, len(messages), 997))
        assert [got[i] for i in picks] == [siphash24(7, 11, messages[i]) for i in picks]

    def test_hex_text_every_octet(self) -> None:
        words = [int.from_bytes(bytes(range(b, b + 8)), "little") for b in range(0, 256, 8)]
        rows = hex_text(np, np.array(words, dtype=np.uint64), b"p_")
        assert [bytes(r).decode() for r in rows] == [
            "p_" + bytes(range(b, b + 8)).hex() for b in range(0, 256, 8)
        ]
