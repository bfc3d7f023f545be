"""The whole-program acceptance test of :mod:`klaster.model._bulk_frame` against the column road.

``accepted`` judges every cluster's members, groups, spells and cooperatives at once (polars);
it may only say "accepted" where ``fill_cluster_columns`` (the road, a cluster at a time) accepts,
and must accept valid data. Random programs, valid or with one defect of any rule kind injected,
are judged both ways.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import klaster
from klaster import Cluster, Cooperative
from klaster.model import _bulk_frame as frames
from klaster.model import _frame_columns as lazy
from klaster.model.bulk import fill_cluster_columns
from klaster.model.group import Role
from klaster.model.member import Sex

pl = pytest.importorskip("polars")

D = dt.date
FIELDWORK = klaster.load(Path(__file__).resolve().parents[2] / "examples/data/fieldwork.json")
TEMPLATES = [FIELDWORK.clusters["bantaeng"], FIELDWORK.clusters["blora"]]
TYPES = {"umkm": "traditional_food", "farming": "horticulture", "livestock": "goat_breeding"}
MEMBER_NAMES = (
    "id",
    "name",
    "sex",
    "household_size",
    "village",
    "sector",
    "joined",
    "business_type",
    "left",
    "national_id",
    "phone",
    "birth_year",
    "application_id",
)
MEMBER_TYPES = {"household_size": pl.Int64, "birth_year": pl.Int64}
MEMBER_TYPES |= {"joined": pl.Date, "left": pl.Date}


def _desa(region: Any) -> list[str]:
    kids = getattr(region, "children", ())
    return [region.name] if not kids else [d for kid in kids for d in _desa(kid)]


def _places(cluster: Cluster) -> dict[str, list[str]]:
    desa = _desa(cluster.region)
    found = {s: [d for d in desa if cluster.areas.inside(s, d)] for s in cluster.sector_codes}
    return {sector: villages for sector, villages in found.items() if villages}


PLACES = [_places(cluster) for cluster in TEMPLATES]


def fresh(index: int) -> Cluster:
    template = TEMPLATES[index]
    return Cluster(template.id, template.name, template.region, template.sectors)


class Program:
    """A small program's records as plain Python (mutable, for injecting defects)."""

    def __init__(self) -> None:
        self.members: list[list[dict[str, Any]]] = [[], []]
        self.groups: list[list[dict[str, Any]]] = [[], []]
        self.spells: list[list[dict[str, Any]]] = [[], []]  # each with its group's index
        self.coops: list[list[dict[str, Any]]] = [[], []]


@st.composite
def programs(draw: Any) -> Program:
    program = Program()
    for c, places in enumerate(PLACES):
        sectors = sorted(places)
        for g, sector in enumerate(sectors):
            program.groups[c].append(
                {"id": f"G{c}-{g}", "name": "Kelompok", "sector": sector, "formed": D(2011, 1, 1)}
            )
        for i in range(draw(st.integers(1, 6))):
            sector = draw(st.sampled_from(sectors))
            joined = D(2011, 1, 1) + dt.timedelta(days=draw(st.integers(0, 400)))
            member = {
                "id": f"M{c}-{i}",
                "name": draw(st.sampled_from(["Siti", "Ani Wulandari", "Dewi Ayu"])),
                "sex": draw(st.sampled_from(["female", "male"])),
                "household_size": draw(st.integers(1, 9)),
                "village": draw(st.sampled_from(places[sector])),
                "sector": sector,
                "joined": joined,
                "business_type": draw(st.sampled_from([None, TYPES[sector]])),
                "left": draw(st.sampled_from([None, joined + dt.timedelta(days=900)])),
                "national_id": draw(st.sampled_from([None, "7303010101010001"])),
                "phone": draw(st.sampled_from([None, "+62 812 3456 7890"])),
                "birth_year": draw(st.sampled_from([None, 1975])),
                "application_id": draw(st.sampled_from([None, f"APP-{c}-{i}"])),
            }
            program.members[c].append(member)
            group = sectors.index(sector)
            spells = draw(st.integers(0, 2))
            if spells == 1:
                program.spells[c].append(_spell(group, member, joined, None))
            elif spells == 2:  # a closed spell, then another one (no overlap)
                program.spells[c].append(_spell(group, member, joined, joined + _DAYS))
                again = joined + 2 * _DAYS
                program.spells[c].append(_spell(group, member, again, None, "chair"))
        listed = [m for m in program.members[c] if draw(st.booleans())]
        if listed:
            served = sorted({m["sector"] for m in listed})
            program.coops[c].append({"id": f"K{c}", "sectors": served, "members": listed})
    return program


_DAYS = dt.timedelta(days=100)


def _spell(group: int, member: dict[str, Any], joined: Any, left: Any, role: str = "member") -> Any:
    # (the member itself: a spell sits on the member's row, its ID the row's)
    return {"group": group, "member": member, "joined": joined, "left": left, "role": role}


# -- defects: one rule kind each --------------------------------------------------------------
def _member(field: str, value: Any) -> Callable[[Program, int], None]:
    def inject(program: Program, row: int) -> None:
        program.members[0][row % len(program.members[0])][field] = value

    return inject


def _duplicate(program: Program, row: int) -> None:
    members = program.members[0]
    members[-1]["id"] = members[row % len(members)]["id"]
    program.coops = [[], []]  # (a cooperative would list the member twice: refused there)


def _duplicate_across(program: Program, row: int) -> None:
    program.members[1][-1]["id"] = program.members[0][row % len(program.members[0])]["id"]


def _outside(program: Program, row: int) -> None:
    member = program.members[0][row % len(program.members[0])]
    other = next(s for s in PLACES[0] if s != member["sector"])
    member["village"] = PLACES[0][other][0]  # a desa of another sector's area


def _undeclared(program: Program, row: int) -> None:
    program.members[0][row % len(program.members[0])]["business_type"] = "spaceships"


def _group(field: str, value: Any) -> Callable[[Program, int], None]:
    def inject(program: Program, row: int) -> None:
        program.groups[0][row % len(program.groups[0])][field] = value

    return inject


def _spell_change(change: Callable[[dict[str, Any], Program], None]) -> Callable[..., None]:
    def inject(program: Program, row: int) -> None:
        member = program.members[0][row % len(program.members[0])]
        sectors = sorted(PLACES[0])
        group = sectors.index(member["sector"]) if member["sector"] in sectors else 0
        spell = _spell(group, member, member["joined"], None)
        program.spells[0].append(spell)
        change(spell, program)

    return inject


def _set(**values: Any) -> Callable[[dict[str, Any], Program], None]:
    return lambda spell, _program: spell.update(values)


def _overlap(spell: dict[str, Any], program: Program) -> None:
    program.spells[0].append(dict(spell, joined=spell["joined"] + dt.timedelta(days=3)))


def _other_group(spell: dict[str, Any], _program: Program) -> None:
    spell["group"] = (spell["group"] + 1) % len(PLACES[0])  # a group of another sector


def _unserved(program: Program, row: int) -> None:
    members = program.members[0]
    member = members[row % len(members)]
    served = [s for s in PLACES[0] if s != member["sector"]]
    program.coops[0] = [{"id": "K-x", "sectors": served[:1], "members": [member]}]


def _listed_twice(program: Program, row: int) -> None:
    members = program.members[0]
    member = members[row % len(members)]
    program.coops[0] = [{"id": "K-x", "sectors": [member["sector"]], "members": [member] * 2}]


DEFECTS: dict[str, Callable[[Program, int], None]] = {
    "id with a space": _member("id", " M-x"),
    "id too long": _member("id", "M" * 65),
    "id with a control character": _member("id", "M\x01"),
    "id missing": _member("id", None),
    "id repeated": _duplicate,
    "id repeated in another cluster": _duplicate_across,
    "name blank": _member("name", "   "),
    "name missing": _member("name", None),
    "sex unknown": _member("sex", "x"),
    "sex missing": _member("sex", None),
    "household size 0": _member("household_size", 0),
    "household size missing": _member("household_size", None),
    "village not a desa": _member("village", "Atlantis"),
    "village blank": _member("village", " "),
    "village outside the sector's area": _outside,
    "sector not the cluster's": _member("sector", "fishery"),
    "sector not a code": _member("sector", "Umkm"),
    "joined missing": _member("joined", None),
    "left before joined": _member("left", D(2000, 1, 1)),
    "business type undeclared": _undeclared,
    "business type blank": _member("business_type", ""),
    "NIK of 15 digits": _member("national_id", "730301010101000"),
    "NIK not digits": _member("national_id", "7303O10101010001"),
    "phone with letters": _member("phone", "0812-abc-7890"),
    "phone too short": _member("phone", "0812"),
    "birth year before 1900": _member("birth_year", 1899),
    "birth year in the future": _member("birth_year", dt.date.today().year + 1),
    "application ID blank": _member("application_id", ""),
    "application ID with a space": _member("application_id", "APP 1 "),
    "group sector not the cluster's": _group("sector", "fishery"),
    "group dissolved before formed": _group("dissolved", D(2000, 1, 1)),
    "group formed missing": _group("formed", None),
    "group name blank": _group("name", ""),
    "group with a capacity": _group("capacity", 1),
    "spell before the group was formed": _spell_change(_set(joined=D(2010, 1, 1))),
    "spell left before joined": _spell_change(_set(left=D(2000, 1, 1))),
    "spell joined missing": _spell_change(_set(joined=None)),
    "spell role unknown": _spell_change(_set(role="boss")),
    "spell overlapping another": _spell_change(_overlap),
    "spell in a group of another sector": _spell_change(_other_group),
    "cooperative member of a sector it does not serve": _unserved,
    "cooperative listing a member twice": _listed_twice,
}


# -- both ways -------------------------------------------------------------------------------
def _member_columns(members: list[dict[str, Any]]) -> dict[str, list[Any]]:
    return {name: [m[name] for m in members] for name in MEMBER_NAMES}


def _group_columns(groups: list[dict[str, Any]]) -> dict[str, list[Any]]:
    names = ("id", "name", "sector", "formed", "dissolved", "capacity", "village")
    return {name: [g.get(name) for g in groups] for name in names}


def _spell_rows(program: Program, c: int) -> list[dict[str, Any]]:
    # Each group's spells together, the groups in order (as a document lists them).
    return sorted(program.spells[c], key=lambda s: s["group"])


def _cooperatives(program: Program, c: int) -> list[Cooperative]:
    return [
        Cooperative(k["id"], "Koperasi", k["sectors"], member_ids=[m["id"] for m in k["members"]])
        for k in program.coops[c]
    ]


def road(program: Program) -> bool:
    """Whether the column road accepts every cluster (and the IDs are unique in the program)."""
    ids: list[Any] = []
    for c in range(2):
        spells = _spell_rows(program, c)
        gids = [g["id"] for g in program.groups[c]]
        spell_columns = {
            "group_id": [gids[s["group"]] for s in spells],
            "member_id": [s["member"]["id"] for s in spells],
            "joined": [s["joined"] for s in spells],
            "left": [s["left"] for s in spells],
            "role": [s["role"] for s in spells],
        }
        try:
            fill_cluster_columns(
                fresh(c),
                _member_columns(program.members[c]),
                _group_columns(program.groups[c]),
                spell_columns,
                cooperatives=_cooperatives(program, c),
            )
        except Exception:
            return False
        ids += [m["id"] for m in program.members[c]]
    return len(set(ids)) == len(ids)


def accepts(program: Program) -> bool:
    """Whether the whole-program acceptance test accepts ``program`` (as the Parquet reader)."""
    clusters = [fresh(c) for c in range(2)]
    groups = []
    for c, cluster in enumerate(clusters):
        checked = frames.checked_groups(cluster, _group_columns(program.groups[c]))
        if checked is None:
            return False
        groups.append(checked)
    # Built without their members, as the reader builds them: the test judges the listed.
    try:
        cooperatives = [
            [Cooperative(k["id"], "Koperasi", k["sectors"]) for k in program.coops[c]]
            for c in range(2)
        ]
    except klaster.KlasterError:
        return False  # (a cooperative its constructor refuses: the reader never gets this far)
    everyone = [m for c in range(2) for m in program.members[c]]
    members = pl.DataFrame(
        {"__c": [c for c in range(2) for _ in program.members[c]]} | _member_columns(everyone),
        schema_overrides={"__c": pl.UInt32} | MEMBER_TYPES,
    )
    row_of = {id(member): row for row, member in enumerate(everyone)}
    spell_rows: dict[str, list[Any]] = {
        name: [] for name in ("__row", "__c", "__o", "id", "sector", "group", "joined", "left")
    }
    spell_rows["role"] = []
    offset = 0
    for c in range(2):
        for s in _spell_rows(program, c):
            row = row_of[id(s["member"])]
            spell_rows["__row"].append(row)
            spell_rows["__c"].append(c)
            spell_rows["__o"].append(offset + s["group"])
            spell_rows["id"].append(s["member"]["id"])
            spell_rows["sector"].append(everyone[row]["sector"])
            spell_rows["group"].append(program.groups[c][s["group"]]["id"])
            for name in ("joined", "left", "role"):
                spell_rows[name].append(s[name])
        offset += len(program.groups[c])
    schema = {"__row": pl.UInt32, "__c": pl.UInt32, "__o": pl.UInt32, "joined": pl.Date}
    spells = pl.DataFrame(spell_rows, schema_overrides=schema | {"left": pl.Date})
    coops = _all_coops(program)
    listed = pl.DataFrame(
        {
            "__o": [k for k, coop in enumerate(coops) for _ in coop["members"]],
            "__row": [row_of[id(m)] for coop in coops for m in coop["members"]],
            "sector": [m["sector"] for coop in coops for m in coop["members"]],
        },
        schema={"__o": pl.UInt32, "__row": pl.UInt32, "sector": pl.String},
    )
    return frames.accepted(pl, clusters, groups, cooperatives, members, spells, listed)


def _all_coops(program: Program) -> list[dict[str, Any]]:
    return [coop for c in range(2) for coop in program.coops[c]]


SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


class TestAcceptance:
    @SETTINGS
    @given(program=programs())
    def test_valid_programs_are_accepted(self, program: Program) -> None:
        assert road(program)
        assert accepts(program)

    @settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(
        program=programs(),
        defects=st.lists(st.sampled_from(sorted(DEFECTS)), min_size=1, max_size=2),
        row=st.integers(0, 10),
    )
    def test_never_accepts_what_the_road_refuses(
        self, program: Program, defects: list[str], row: int
    ) -> None:
        for defect in defects:
            DEFECTS[defect](program, row)
        if accepts(program):
            assert road(program), f"accepted {defects}, the road refuses"

    @pytest.mark.parametrize("defect", sorted(DEFECTS))
    def test_each_rule_kind_is_refused(self, defect: str) -> None:
        program = _valid()
        DEFECTS[defect](program, 0)
        assert not accepts(program)
        if defect != "group with a capacity":  # (valid: judged on the built group, the road's)
            assert not road(program)


def _valid() -> Program:
    """A fixed valid program with every optional field given (each defect has a target)."""
    program = Program()
    for c, places in enumerate(PLACES):
        sectors = sorted(places)
        for g, sector in enumerate(sectors):
            program.groups[c].append(
                {"id": f"G{c}-{g}", "name": "Kelompok", "sector": sector, "formed": D(2011, 1, 1)}
            )
        for i, sector in enumerate(sectors * 2):
            joined = D(2011, 2, 1)
            program.members[c].append(
                {
                    "id": f"M{c}-{i}",
                    "name": "Siti",
                    "sex": "female",
                    "household_size": 3,
                    "village": places[sector][0],
                    "sector": sector,
                    "joined": joined,
                    "business_type": TYPES[sector],
                    "left": None,
                    "national_id": "7303010101010001",
                    "phone": "081234567890",
                    "birth_year": 1980,
                    "application_id": f"APP-{c}-{i}",
                }
            )
            member = program.members[c][-1]
            program.spells[c].append(_spell(sectors.index(sector), member, joined, None))
        members = program.members[c]
        program.coops[c].append(
            {"id": f"K{c}", "sectors": sorted({m["sector"] for m in members}), "members": members}
        )
    return program


class TestValidIsAccepted:
    def test_the_fixed_program(self) -> None:
        assert road(_valid())
        assert accepts(_valid())

    def test_a_spell_again_after_leaving(self) -> None:
        program = _valid()
        spell = program.spells[0][0]
        spell["left"] = spell["joined"] + _DAYS
        program.spells[0].append(dict(spell, joined=spell["left"], left=None))
        assert road(program)
        assert accepts(program)

    def test_unusual_but_valid_values(self) -> None:
        program = _valid()
        member = program.members[0][0]
        member |= {"name": "Ñoño Ömer", "id": "M-ß", "phone": "+62-812 345"}
        assert road(program)
        assert accepts(program)  # (judged by the Python predicates: not surely fine)


class TestColumns:
    def test_read_once_on_first_need_and_sliced(self) -> None:
        frame = pl.DataFrame({"sex": ["female", "male", "male"], "household_size": [1, 2, 3]})
        columns = lazy.member_columns(pl, frame, [0, 1, 3])
        first, second = columns.of_cluster(0), columns.of_cluster(1)
        assert second["sex"] == [Sex.MALE, Sex.MALE]
        assert first["household_size"] == [1]
        assert first["birth_year"] == [None]  # (a column the file leaves out)
        assert list(first) == list(MEMBER_NAMES)
        assert len(first) == 13
        assert set(columns._read) == {"sex", "household_size", "birth_year"}  # (no other)
        assert columns.column("sex") is columns.column("sex")  # (read once)

    def test_spells_read_with_their_roles(self) -> None:
        frame = pl.DataFrame(
            {"id": ["M-1"], "group": ["G"], "joined": [D(2011, 1, 1)], "left": [None]}
            | {"role": [None]},
            schema_overrides={"left": pl.Date, "role": pl.String},
        )
        spells = lazy.spell_columns(pl, frame, [0, 1]).of_cluster(0)
        assert spells["member_id"] == ["M-1"]
        assert spells["group_id"] == ["G"]
        assert spells["role"] == [Role.MEMBER]
        assert spells["left"] == [None]
