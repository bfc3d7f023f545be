"""``klaster advance`` shows a composite criterion's parts, in text and in JSON."""

from __future__ import annotations

import io
from decimal import Decimal

from klaster import Label
from klaster.catalogue import Condition, Display, DisplayKind, Level, ReadinessCriterion
from klaster.cli import _advance
from klaster.cli._output import Output
from klaster.measurement import AllOf, Evidence, NotAvailable
from klaster.measurement.readiness import evaluate

BOTH = ReadinessCriterion(
    "boat_and_fuel",
    "fisheries",
    Level.CLUSTER,
    Label("Perahu dan BBM", "Boats and fuel"),
    all_of=[Condition("boat_owned_share", ">=", "0.70"), Condition("fuel_cost_share", "<", "0.40")],
)


def _lookup(criterion: ReadinessCriterion, unit: str) -> Evidence | NotAvailable:
    if criterion.reads == "boat_owned_share":
        return Evidence(Decimal("0.75"), "el")
    return NotAvailable("no value of 'fuel_cost_share' in round 'el'")


def test_parts_in_json_and_text() -> None:
    decision = evaluate(AllOf([BOTH]), "c", _lookup)
    document = _advance._decision_document(decision, "el")
    (line,) = document["criteria"]
    assert (line["operator"], line["passed"], line["value"]) == ("all_of", None, None)
    assert line["parts"] == [
        {
            "reads": "boat_owned_share", "operator": ">=", "threshold": Decimal("0.70"),
            "value": Decimal("0.75"), "passed": True, "note": None, "round": "el", "sector": None,
        },
        {
            "reads": "fuel_cost_share", "operator": "<", "threshold": Decimal("0.40"),
            "value": None, "passed": None, "note": "no value of 'fuel_cost_share' in round 'el'",
            "round": None, "sector": None,
        },
    ]  # fmt: skip
    stream = io.StringIO()
    _advance._show_readiness(Output(stream, stream, color=False), "c", document, {})
    text = stream.getvalue()
    assert "all of:" in text
    assert "boat_owned_share" in text
    assert ">= 0.70" in text  # a threshold with no display keeps its written decimals
    shown = io.StringIO()
    percent = {"boat_owned_share": Display(DisplayKind.PERCENT, 1)}
    _advance._show_readiness(Output(shown, shown, color=False, lang="id"), "c", document, percent)
    assert "75,0%" in shown.getvalue()
    assert ">= 70,0%" in shown.getvalue()
    assert "fuel_cost_share" in text
    assert "not ready: no criterion could be checked" in text
