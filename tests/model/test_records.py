"""Records: positions stay right as the owner adds, replaces and drops records."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from klaster import Organisation, Records
from klaster.errors import NotFoundError
from klaster.model.records import drop_record, put_record


def _org(key: str, name: str = "N") -> Organisation:
    return Organisation(key, name, "ngo")


class TestIndexOf:
    @given(st.lists(st.tuples(st.booleans(), st.sampled_from("abcdef")), max_size=30))
    def test_matches_the_iteration_order_after_any_changes(
        self, steps: list[tuple[bool, str]]
    ) -> None:
        records = Records("organisations", [_org("x")])
        for add, key in steps:
            if add:
                put_record(records, _org(key, "again"))
            elif key in records:
                drop_record(records, key)
            for index, record in enumerate(records):
                assert records.index_of(record.id) == index

    def test_unknown_id_names_the_known_ones(self) -> None:
        records = Records("organisations", [_org("dd")])
        records.index_of("dd")
        with pytest.raises(NotFoundError, match="known: 'dd'"):
            records.index_of("zz")
