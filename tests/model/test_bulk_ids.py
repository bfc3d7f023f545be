"""The bulk path's ID column check: a whole column judged at once, as each ID alone is judged.

``all_ids`` accepts a column of printable IDs without a space at C speed and judges any other
column character by character; it must agree with :func:`~klaster.model._bulk_checks.bad_id`
on every value, whatever the characters (controls, surrogates, Unicode spaces, long IDs).
"""

from __future__ import annotations

from typing import Any

from hypothesis import example, given
from hypothesis import strategies as st

from klaster.model import _bulk_checks

_CHARACTERS = st.one_of(
    st.sampled_from("aZ9-_.: "),
    st.sampled_from(["\x00", "\x1f", "\x7f", "\t", "\n", "\u00a0", "\u3000", "\u2028", "\ud800"]),
    st.characters(),
)
_IDS = st.one_of(st.text(_CHARACTERS, max_size=70), st.none(), st.integers(), st.binary())


class TestAllIds:
    @given(values=st.lists(_IDS, min_size=1, max_size=12))
    @example(values=["M-1", " M-2"])
    @example(values=["M-1", "M\u00a02 "])
    @example(values=["M-1", "M\ud8002"])
    @example(values=["M-1", ""])
    @example(values=["M" * 65])
    @example(values=["M-1", "a"])
    def test_as_each_id_alone(self, values: list[Any]) -> None:
        expected = not any(map(_bulk_checks.bad_id, values))
        assert _bulk_checks.all_ids(values) is expected
        assert _bulk_checks.all_ids(tuple(values)) is expected
