"""Pseudonyms: stable, keyed, distinct; the secret refused when short and never shown."""

from __future__ import annotations

import pickle
import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from klaster.errors import KlasterError
from klaster.exports import MIN_SECRET_BYTES, SECRET_ENV, Pseudonymiser, new_secret_file

SECRET = b"a secret of at least sixteen bytes"
PSEUDONYM = re.compile(r"^p_[0-9a-f]{16}\Z")
ids = st.text(min_size=1, max_size=40)


class TestPseudonyms:
    def test_stable_and_shaped(self) -> None:
        one, two = Pseudonymiser(SECRET), Pseudonymiser(SECRET)
        assert one("BTG-0001") == two("BTG-0001")
        assert PSEUDONYM.match(one("BTG-0001"))
        assert one("BTG-0001") != one("BTG-0002")

    def test_keyed_by_the_secret(self) -> None:
        import hashlib

        other = Pseudonymiser(b"another secret, also long enough")
        assert Pseudonymiser(SECRET)("BTG-0001") != other("BTG-0001")
        # Not a plain hash anyone could recompute from a guessed ID.
        plain = hashlib.blake2b(b"BTG-0001", digest_size=8).hexdigest()
        assert Pseudonymiser(SECRET)("BTG-0001") != "p_" + plain

    @given(st.lists(ids, unique=True, max_size=300))
    def test_injective_on_distinct_ids(self, values: list[str]) -> None:
        shown = Pseudonymiser(SECRET).pseudonyms(values)
        assert len(set(shown)) == len(values)
        assert all(PSEUDONYM.match(p) for p in shown)

    @given(st.lists(ids, max_size=50), st.lists(ids, max_size=50))
    def test_the_same_id_the_same_pseudonym_in_any_list(self, a: list[str], b: list[str]) -> None:
        p = Pseudonymiser(SECRET)
        mapping = dict(zip(a, p.pseudonyms(a), strict=True))
        for value, shown in zip(b, p.pseudonyms(b), strict=True):
            assert mapping.get(value, shown) == shown

    def test_a_collision_is_refused_by_position(self) -> None:
        with pytest.raises(KlasterError, match=r"members\[1\]: two different IDs") as caught:
            Pseudonymiser.check_distinct(["A-1", "B-2"], ["p_1", "p_1"], where="members")
        assert "A-1" not in str(caught.value)
        assert "B-2" not in str(caught.value)


class TestColumns:
    """A column is hashed once per distinct ID and mapped; it equals calling on each ID."""

    @given(st.lists(st.lists(ids, max_size=30), max_size=4), st.lists(ids, max_size=10))
    def test_columns_equal_one_id_at_a_time(
        self, columns: list[list[str]], early: list[str]
    ) -> None:
        one = Pseudonymiser(SECRET)
        for value in early:  # some IDs already seen, one at a time
            one(value)
        for column in columns:  # repeats, seen and new IDs mixed
            assert one.pseudonyms(column) == [Pseudonymiser(SECRET)(v) for v in column]

    def test_a_column_seen_before_is_checked_again(self) -> None:
        # The table of IDs seen is kept one-to-one across columns (and nulls stay null).
        p = Pseudonymiser(SECRET)
        first = p.pseudonyms(["A", "B", "A"])
        assert p.pseudonyms(["B", "C", "A", "C"]) == [first[1], p("C"), first[0], p("C")]
        import polars as pl

        shown = p.series(pl.Series(["C", None, "A"], dtype=pl.String)).to_list()
        assert shown == [p("C"), None, first[0]]
        again = p.series(pl.Series("unit_id", ["C", None, "A"], dtype=pl.String))
        assert again.name == "unit_id"  # the same column again, under its own name
        assert again.to_list() == shown

    def test_a_collision_in_a_column_is_refused(self, monkeypatch: pytest.MonkeyPatch) -> None:
        import numpy as np
        import polars as pl

        from klaster.exports import pseudonym

        # A 64-bit collision cannot be found for a test: every ID gets one hash instead.
        def one_hash(_np: object, _keys: object, values: object) -> object:
            return np.zeros(len(values), dtype=np.uint64)  # type: ignore[arg-type]

        monkeypatch.setattr(pseudonym, "_hashes", one_hash)
        p = Pseudonymiser(SECRET)
        with pytest.raises(KlasterError, match=r"members\[1\]: two different IDs"):
            p.pseudonyms(["A-1", "B-2"], where="members")
        q = Pseudonymiser(SECRET)
        q.pseudonyms(["A-1", "A-1"], where="members")  # one ID twice: no collision
        column = pl.Series(["A-1", None, "B-2"], dtype=pl.String)  # a null between
        with pytest.raises(KlasterError, match=r"units\[2\]: two different IDs"):
            q.series(column, where="units")  # with an ID hashed earlier
        with pytest.raises(KlasterError, match=r"units\[0\]: two different IDs"):
            q.pseudonyms(["B-2"], where="units")  # refused again: never entered the table

    def test_a_later_column_is_checked_against_a_first_distinct_one(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        import numpy as np

        from klaster.exports import pseudonym

        # "C-3" collides with "A-1"; the first column's hashes are distinct, so its table is
        # only sorted when the second column is checked against it.
        made_up = {"A-1": 5, "B-2": 2, "C-3": 5, "D-4": 9}

        def by_id(_np: object, _keys: object, values: object) -> object:
            return np.array([made_up[v] for v in values.to_list()], dtype=np.uint64)  # type: ignore[attr-defined]

        monkeypatch.setattr(pseudonym, "_hashes", by_id)
        p = Pseudonymiser(SECRET)
        first = p.pseudonyms(["A-1", "B-2"], where="members")
        assert p.pseudonyms(["D-4", "B-2", "A-1"]) == [p("D-4"), first[1], first[0]]
        with pytest.raises(KlasterError, match=r"units\[1\]: two different IDs"):
            p.pseudonyms(["D-4", "C-3"], where="units")
        q = Pseudonymiser(SECRET)
        q.pseudonyms(["A-1", "B-2"], where="members")
        with pytest.raises(KlasterError, match=r"units\[0\]: two different IDs"):
            q.pseudonyms(["C-3"], where="units")  # the very next column, against the first


class TestAlgorithm:
    """SipHash-2-4 of the ID's UTF-8 bytes, keyed by BLAKE2b of the secret; pinned bytes."""

    def test_pinned(self) -> None:
        # Fails if the algorithm, the key derivation or the text of a pseudonym changes: every
        # earlier export's pseudonyms would no longer line up.
        p = Pseudonymiser(SECRET)
        assert p("BTG-0001") == "p_e114811b3305b14d"
        assert p.pseudonyms(["A", "B"]) == ["p_be8e08edc5c343fa", "p_ddf02a062c2f6563"]

    @given(st.lists(ids, max_size=200))  # numpy's path from 64 IDs on, plain Python below
    def test_equals_the_scalar_definition(self, values: list[str]) -> None:
        import hashlib

        from klaster.exports._siphash import siphash24

        derived = hashlib.blake2b(
            b"klaster pseudonyms: the SipHash-2-4 key", key=SECRET, digest_size=16
        ).digest()
        k0, k1 = int.from_bytes(derived[:8], "little"), int.from_bytes(derived[8:], "little")
        expected = [
            "p_" + siphash24(k0, k1, v.encode("utf-8")).to_bytes(8, "little").hex() for v in values
        ]
        assert Pseudonymiser(SECRET).pseudonyms(values) == expected


class TestSecret:
    @pytest.mark.parametrize("secret", [b"", b"short", "x" * (MIN_SECRET_BYTES - 1)])
    def test_too_short_is_refused(self, secret: bytes | str) -> None:
        with pytest.raises(KlasterError, match="at least 16"):
            Pseudonymiser(secret)

    def test_not_bytes_is_refused(self) -> None:
        with pytest.raises(KlasterError, match="bytes or text"):
            Pseudonymiser(12345)  # type: ignore[arg-type]

    def test_long_secrets_are_fine_and_distinct(self) -> None:
        a, b = Pseudonymiser(b"x" * 100), Pseudonymiser(b"x" * 99 + b"y")
        assert a("M-1") != b("M-1")

    def test_never_shown_nor_pickled(self) -> None:
        p = Pseudonymiser(SECRET)
        assert "secret" in repr(p)
        assert SECRET.decode() not in repr(p)
        with pytest.raises(KlasterError, match="not pickled"):
            pickle.dumps(p)

    def test_from_file_and_env_agree(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        key = tmp_path / "key"
        key.write_bytes(SECRET + b"\n")
        monkeypatch.setenv(SECRET_ENV, SECRET.decode())
        assert Pseudonymiser.from_file(key)("M-1") == Pseudonymiser.from_env()("M-1")
        assert Pseudonymiser.from_file(key)("M-1") == Pseudonymiser(SECRET)("M-1")

    def test_missing_file_and_variable(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        with pytest.raises(KlasterError, match="cannot read the pseudonym secret"):
            Pseudonymiser.from_file(tmp_path / "nope")
        monkeypatch.delenv(SECRET_ENV, raising=False)
        with pytest.raises(KlasterError, match="is not set"):
            Pseudonymiser.from_env()
        (tmp_path / "short").write_text("abc")
        with pytest.raises(KlasterError, match=r"short: the secret is 3 bytes"):
            Pseudonymiser.from_file(tmp_path / "short")

    def test_new_secret_file(self, tmp_path: Path) -> None:
        path = new_secret_file(tmp_path / "key")
        assert path.stat().st_mode & 0o777 == 0o600
        assert len(path.read_text().strip()) == 64
        Pseudonymiser.from_file(path)
        before = path.read_bytes()
        with pytest.raises(KlasterError, match="never overwritten"):
            new_secret_file(path)
        assert path.read_bytes() == before
