"""An indicator's display (kind and decimals) declared in Python or a sector file, or decided."""

from __future__ import annotations

import pytest

from klaster.catalogue import Aggregation, Display, DisplayKind, Indicator
from klaster.catalogue.display import default_display
from klaster.errors import KlasterError, ValidationError
from klaster.label import Label
from klaster.plugins.sectorfile import read_sector_toml

SECTOR = """
[sector]
code = "crafts"
name = { id = "Kerajinan", en = "Crafts" }
description = { id = "Kerajinan tangan.", en = "Handicrafts." }

[[variables]]
code = "baskets"
level = "member"
type = "integer"
label = { id = "Keranjang", en = "Baskets" }

[[indicators]]
code = "baskets_made"
level = "member"
formula = "baskets"
aggregation = "mean"
direction = "higher"
unit = "basket"
name = { id = "Keranjang dibuat", en = "Baskets made" }
"""


def _indicator(**kw: object) -> Indicator:
    fields: dict[str, object] = {
        "code": "x",
        "sector": "crafts",
        "name": Label("x", "x"),
        "level": "member",
        "formula": "a / b",
        "aggregation": "ratio_of_sums",
        "direction": "higher",
    }
    return Indicator(**(fields | kw))  # type: ignore[arg-type]


class TestDecided:
    @pytest.mark.parametrize(
        ("unit", "aggregation", "kind", "digits"),
        [
            ("ratio", "ratio_of_sums", "percent", 1),
            (None, "share_meeting", "percent", 1),
            ("IDR/month", "mean", "money", 0),
            ("IDR", "sum", "money", 0),
            ("member", "count", "count", 0),
            ("person", "sum", "count", 0),
            ("head", "mean", "number", 2),
            ("index 0-100", "mean", "number", 1),
            ("kg/ha", "ratio_of_sums", "number", 2),
        ],
    )
    def test_from_unit_and_aggregation(
        self, unit: str | None, aggregation: str, kind: str, digits: int
    ) -> None:
        assert default_display(unit, aggregation) == Display(kind, digits)

    def test_declared_wins(self) -> None:
        assert _indicator(unit="ratio").shown_as == Display(DisplayKind.PERCENT, 1)
        assert _indicator(unit="ratio", digits=2).shown_as == Display(DisplayKind.PERCENT, 2)
        assert _indicator(unit="ratio", display="number").shown_as == Display("number", 0)
        assert _indicator(unit="ratio", display="number", digits=3).shown_as.digits == 3


class TestRefused:
    def test_unknown_kind(self) -> None:
        with pytest.raises(ValidationError, match="'pct': use one of") as found:
            _indicator(display="pct")
        assert found.value.path == "display"

    @pytest.mark.parametrize("digits", [-1, 7, True, "2"])
    def test_digits(self, digits: object) -> None:
        with pytest.raises(ValidationError, match="0 to 6") as found:
            _indicator(digits=digits)
        assert found.value.path == "digits"


class TestSectorFile:
    def test_declared_in_toml(self) -> None:
        data = read_sector_toml(SECTOR + 'display = "number"\ndigits = 0\n')
        (indicator,) = data.indicators
        assert indicator.shown_as == Display(DisplayKind.NUMBER, 0)

    def test_decided_in_toml(self) -> None:
        (indicator,) = read_sector_toml(SECTOR).indicators
        assert indicator.shown_as == Display(DisplayKind.NUMBER, 2)
        assert indicator.aggregation is Aggregation.MEAN

    def test_located_in_toml(self) -> None:
        with pytest.raises(KlasterError, match=r"indicators\[0\].*display.*'pct'"):
            read_sector_toml(SECTOR + 'display = "pct"\n', source="crafts.toml")
        with pytest.raises(KlasterError, match=r"indicators\[0\].*digits"):
            read_sector_toml(SECTOR + "digits = 9\n", source="crafts.toml")
