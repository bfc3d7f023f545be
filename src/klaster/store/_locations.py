"""A program's recorded choices of locations ↔ the store's tables (schema version 2), appended only.

``location_choices`` has one row per choice (its chosen codes, weights and sources are JSON
text: value objects without an identity of their own), ``location_evidence`` one row per
candidate region of a choice (its score parts as JSON, values as exact decimal text). Both are
append-only (triggers refuse ``UPDATE`` and ``DELETE``): a choice is never rewritten, a new
decision is a new choice. A save appends the choices the store does not hold yet and refuses a
program whose earlier choices differ from the stored ones. Loading rebuilds every record through
the model's constructors.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from klaster.errors import KlasterError, StoreError
from klaster.model.location_choice import (
    ChoiceWeight,
    LocationChoice,
    LocationDecision,
    RankedRegion,
    ScorePart,
)
from klaster.model.program import Program
from klaster.model.region import RegionLevel
from klaster.store._ddl import append_only, one_of

_WHY = "a choice of locations is never rewritten; record a new one"


def locations_ddl() -> str:
    """The DDL of the location-choice tables."""
    return f"""CREATE TABLE location_choices (
    position INTEGER PRIMARY KEY CHECK (position >= 0),
    id TEXT NOT NULL UNIQUE,
    level TEXT NOT NULL {one_of("level", RegionLevel)},
    decided_on TEXT NOT NULL,
    decided_by TEXT NOT NULL,
    rule TEXT NOT NULL,
    chosen TEXT NOT NULL,
    weights TEXT NOT NULL DEFAULT '[]',
    sources TEXT NOT NULL DEFAULT '[]',
    note TEXT
);
{append_only("location_choices", _WHY)}
CREATE TABLE location_evidence (
    choice_position INTEGER NOT NULL REFERENCES location_choices (position),
    position INTEGER NOT NULL CHECK (position >= 0),
    code TEXT NOT NULL,
    name TEXT NOT NULL,
    parent TEXT,
    decision TEXT NOT NULL {one_of("decision", LocationDecision)},
    reason TEXT NOT NULL,
    total TEXT,
    rank INTEGER,
    parts TEXT NOT NULL DEFAULT '[]',
    PRIMARY KEY (choice_position, position),
    UNIQUE (choice_position, code)
) WITHOUT ROWID;
{append_only("location_evidence", _WHY)}
"""


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def _part(part: ScorePart) -> dict[str, Any]:
    return {
        "indicator": part.indicator,
        "value": _text(part.value),
        "weight": _text(part.weight),
        "normalised": _text(part.normalised),
        "points": _text(part.points),
        "year": part.year,
        "source": part.source,
        "synthetic": part.synthetic,
    }


def _rows(position: int, choice: LocationChoice) -> Iterator[tuple[str, tuple[Any, ...]]]:
    weights = [
        {"indicator": w.indicator, "weight": str(w.weight), "higher_is_better": w.higher_is_better}
        for w in choice.weights
    ]
    yield (
        "location_choices",
        (
            position,
            choice.id,
            choice.level.value,
            choice.decided_on.isoformat(),
            choice.decided_by,
            choice.rule,
            json.dumps(list(choice.chosen), ensure_ascii=False),
            json.dumps(weights, ensure_ascii=False),
            json.dumps(list(choice.sources), ensure_ascii=False),
            choice.note,
        ),
    )
    for index, row in enumerate(choice.evidence):
        yield (
            "location_evidence",
            (
                position,
                index,
                row.code,
                row.name,
                row.parent,
                row.decision.value,
                row.reason,
                _text(row.total),
                row.rank,
                json.dumps([_part(p) for p in row.parts], ensure_ascii=False),
            ),
        )


def append_choices(conn: sqlite3.Connection, program: Program, source: Path) -> None:
    """Insert the program's choices of locations the store does not hold yet.

    Raises:
        StoreError: A stored choice differs from the program's (a rewrite), or was removed.
    """
    stored = load_locations(conn, source)
    mine = list(program.locations)
    for index, old in enumerate(stored):
        if index >= len(mine) or mine[index] != old:
            raise StoreError(
                f"{source}: locations[{index}] differs from the stored choice of locations "
                f"{old.id!r} (or was removed); {_WHY} (Program.choose_locations). Nothing was "
                "changed"
            )
    for position in range(len(stored), len(mine)):
        for table, row in _rows(position, mine[position]):
            marks = ", ".join("?" * len(row))
            conn.execute(f"INSERT INTO {table} VALUES ({marks})", row)


def load_locations(conn: sqlite3.Connection, source: Path) -> list[LocationChoice]:
    """Every stored choice of locations, in order, rebuilt through the constructors.

    Raises:
        StoreError: A stored record the model refuses (the store was changed outside klaster).
    """
    try:
        return _load(conn)
    except KlasterError as exc:
        reason = str(exc)
    except (TypeError, ValueError, KeyError) as exc:  # a row of the wrong shape (bad JSON...)
        reason = type(exc).__name__
    raise StoreError(
        f"{source}: the stored choices of locations are not valid ({reason}); the store was "
        "changed outside klaster"
    )


def _load(conn: sqlite3.Connection) -> list[LocationChoice]:
    evidence: dict[int, list[RankedRegion]] = {}
    for position, code, name, parent, decision, reason, total, rank, parts in conn.execute(
        "SELECT choice_position, code, name, parent, decision, reason, total, rank, parts "
        "FROM location_evidence ORDER BY choice_position, position"
    ):
        scored = [ScorePart(**part) for part in json.loads(parts)]
        evidence.setdefault(position, []).append(
            RankedRegion(code, name, decision, reason, scored, total, rank, parent)
        )
    choices = []
    for row in conn.execute(
        "SELECT position, id, level, decided_on, decided_by, rule, chosen, weights, sources, "
        "note FROM location_choices ORDER BY position"
    ):
        position, choice_id, level, decided_on, decided_by, rule, chosen, weights, sources, note = (
            row
        )
        choices.append(
            LocationChoice(
                choice_id,
                level,
                decided_on,
                decided_by,
                rule,
                json.loads(chosen),
                [ChoiceWeight(**weight) for weight in json.loads(weights)],
                evidence.get(position, ()),
                json.loads(sources),
                note,
            )
        )
    return choices
