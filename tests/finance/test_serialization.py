"""Finance records round-trip through a cattrs converter configured like klaster's own."""

from __future__ import annotations

import datetime as dt
import enum
import json
import typing
from decimal import Decimal
from typing import Any

import cattrs
import pytest
from cattrs.gen import make_dict_structure_fn, make_dict_unstructure_fn

from klaster.finance import Asset, Entry, Finance, Ledger, Party, hand_over
from klaster.finance.testing import fingerprint, make_book, make_cluster, murabahah, qard
from klaster.model.records import Records


def _strict(kind: type) -> Any:
    def structure(value: Any, _type: Any) -> Any:
        if type(value) is not kind:
            raise TypeError(f"must be {kind.__name__}, got {type(value).__name__}")
        return value

    return structure


def _decimal(value: Any, _type: Any) -> Decimal:
    if isinstance(value, str):
        return Decimal(value)
    raise TypeError(f"must be a decimal number written as a string, got {type(value).__name__}")


def converter() -> cattrs.Converter:
    """A local converter configured like klaster's document converter, plus the two hooks the
    finance book needs (a Ledger is its entries; a Finance book its init fields)."""
    conv = cattrs.Converter(forbid_extra_keys=True, omit_if_default=True)
    for kind in (str, int, bool):
        conv.register_structure_hook(kind, _strict(kind))
    conv.register_structure_hook(dt.date, lambda v, _t: dt.date.fromisoformat(v))
    conv.register_unstructure_hook(dt.date, dt.date.isoformat)
    conv.register_structure_hook(Decimal, _decimal)
    conv.register_unstructure_hook(Decimal, str)
    conv.register_structure_hook_func(
        lambda t: isinstance(t, type) and issubclass(t, enum.Enum), lambda v, t: t(v)
    )

    def records(type_: Any) -> Any:
        (item,) = typing.get_args(type_)
        return lambda value, _t: conv.structure(value, tuple[item, ...])  # type: ignore[valid-type]

    def is_records(type_: Any) -> bool:
        return typing.get_origin(type_) is Records

    conv.register_structure_hook_factory(is_records, records)
    conv.register_unstructure_hook_factory(
        is_records,
        lambda t: lambda rs: [conv.unstructure(r, typing.get_args(t)[0]) for r in rs],
    )
    entries = tuple[Entry, ...]
    conv.register_structure_hook(Ledger, lambda value, _t: Ledger(conv.structure(value, entries)))
    conv.register_unstructure_hook(Ledger, lambda ledger: conv.unstructure(tuple(ledger), entries))
    conv.register_structure_hook(Finance, make_dict_structure_fn(Finance, conv))
    conv.register_unstructure_hook(Finance, make_dict_unstructure_fn(Finance, conv))
    return conv


def busy_book() -> Finance:
    book = make_book()
    book.disburse(murabahah("L-1", group_id="G-1", sector="umkm"))
    book.disburse(qard("L-2", product="profit_sharing", profit_share="0.25"))
    book.repay("L-1", dt.date(2012, 2, 9), 315_000)
    book.share_profit("L-2", dt.date(2012, 2, 9), 400_000)
    book.restructure("L-1", dt.date(2012, 3, 1), instalments=5, reason="banjir", margin=100_000)
    book.write_off("L-2", dt.date(2012, 8, 1), "macet")
    book.recover("L-2", dt.date(2012, 9, 1), 1_000)
    return book


class TestRoundTrip:
    def test_book_survives_json(self) -> None:
        cluster, book = make_cluster(), busy_book()
        book.assets.add(
            Asset(
                "A-1",
                "equipment",
                "Mesin",
                1,
                5_000_000,
                dt.date(2012, 1, 2),
                Party.group("G-1"),
                Party.program("km"),
            )
        )
        hand_over(cluster, book, "coop", dt.date(2014, 3, 6), handover_id="H-1", decided_by="DD")
        conv = converter()
        data: Any = conv.unstructure(book)
        text = json.dumps(data)  # amounts travel as strings, never floats
        assert '"1200000"' in text
        assert "1200000.0" not in text
        again = conv.structure(json.loads(text), Finance)
        assert again == book
        assert fingerprint(again) == fingerprint(book)

    def test_strict_on_the_way_in(self) -> None:
        conv = converter()
        data: Any = conv.unstructure(busy_book())
        data["loans"][0]["principal"] = 3000000.0
        with pytest.raises(cattrs.ClassValidationError) as info:
            conv.structure(data, Finance)
        assert any("$.loans[0].principal" in line for line in cattrs.transform_error(info.value))
