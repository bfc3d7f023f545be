"""``FrozenMap``: read-only, equal to mappings of the same items, hashed by its items."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from klaster._support.frozen_map import FrozenMap

ITEMS = st.dictionaries(st.text(max_size=4), st.integers())


class TestFrozenMap:
    @given(ITEMS)
    def test_equal_maps_hash_equal(self, items: dict[str, int]) -> None:
        one, two = FrozenMap(items), FrozenMap(reversed(list(items.items())))
        assert one == two == items
        assert hash(one) == hash(two)
        assert dict(one) == items

    def test_read_only(self) -> None:
        units = FrozenMap({"73.03": "DiszpKrYNg8"})
        with pytest.raises(TypeError):
            units["73.04"] = "x"  # type: ignore[index]
        assert units.get("73.04") is None
        assert repr(units) == "FrozenMap({'73.03': 'DiszpKrYNg8'})"
