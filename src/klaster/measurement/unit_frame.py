"""One cluster in one round, as a report reads it: its units, their values and dimensions.

A :class:`UnitFrame` reads each column once (as exact scaled integers for reports, or as
``Decimal`` values for formulas), and each unit's categories (sector, sex, kabupaten, kecamatan,
desa, business type, groups, cooperatives) once per cluster and report.

Regions are named by their names, as in the cluster's region tree (``"Bantaeng"``, not
``"73.03"``). A member's kecamatan and desa are those of the desa named by ``Member.village``; its
kabupaten is that desa's, or else the cluster's when the cluster lies in one kabupaten. A group's,
cooperative's or cluster's kabupaten is its cluster's (none when the cluster spans two).
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from itertools import compress
from operator import not_
from typing import Any, cast

from attrs import define, field

from klaster.catalogue.variable import Level, ValueType
from klaster.errors import NotFoundError
from klaster.measurement._backends.python.fixedpoint import (
    BOOLEAN,
    NUMBER,
    Scaled,
    Unsupported,
    unscale,
)
from klaster.measurement.methods.poverty_lines import PovertyLines
from klaster.model.cluster import Cluster
from klaster.model.records import field_of
from klaster.model.region import RegionLevel
from klaster.observations.rounds import Round
from klaster.observations.values import Observations

__all__ = ["UnitFrame", "cluster_kabupaten"]

_BOOLEAN_CODES = {1: True, 0: False, -1: None}


def cluster_kabupaten(cluster: Cluster) -> tuple[str, ...]:
    """The name of the one kabupaten the cluster lies in (``()`` if it spans none or several)."""
    found = cluster.region.at_level(RegionLevel.KABUPATEN)
    return (found[0].name,) if len(found) == 1 else ()


@define
class UnitFrame:
    """One cluster in one round: its units, their columns and their dimensions.

    Args:
        cluster: The cluster.
        round: The round.
        observations: Where the values are.
        baseline: The cluster's baseline round (``None`` in the baseline itself).
        lines: Poverty lines for the poverty indicators.
    """

    cluster: Cluster
    round: Round
    observations: Observations
    baseline: Round | None
    lines: PovertyLines
    _villages: dict[str, tuple[str, str, str]] = field(init=False, factory=dict)
    # What a report reads many times (units, columns, dimensions): read once per frame. A frame
    # lives for one report or one lookup, so it never sees the store change under it.
    cache: dict[Any, Any] = field(init=False, factory=dict, repr=False, eq=False)
    """Internal: what the frame's readers keep for the rest of the report, by key."""
    # What depends on the cluster only (member records by ID, their categories), shared by
    # the frames of one cluster's rounds in a report.
    shared: dict[Any, Any] = field(init=False, factory=dict, repr=False, eq=False)
    """Internal: what the frames of one cluster's rounds keep together, by key."""

    def _village_index(self) -> dict[str, tuple[str, str, str]]:
        # Desa name or code -> (kecamatan, desa, kabupaten): built on first use, once per cluster.
        if not self._villages:
            found = self.shared.get("villages")
            if found is None:
                found = self.shared["villages"] = {}
                for kabupaten in self.cluster.region.at_level(RegionLevel.KABUPATEN):
                    for kecamatan in kabupaten.children:
                        for desa in kecamatan.children:
                            for key in (desa.name.casefold(), desa.code):
                                if key:
                                    found[key] = (kecamatan.name, desa.name, kabupaten.name)
            self._villages = found
        return self._villages

    def for_baseline(self) -> UnitFrame:
        """The same units, read in the baseline round (the caller aligns them)."""
        assert self.baseline is not None
        return self.for_round(self.baseline)

    def for_round(self, other: Round) -> UnitFrame:
        """The same units, read in round ``other`` of the same cluster (for ``previous(x)``...)."""
        key = ("round", other.id)
        found = self.cache.get(key)
        if found is None:
            found = self.cache[key] = _ShiftedFrame(self, other)
        return found

    def unit_ids(self, level: Level) -> tuple[str, ...]:
        """Units surveyed in the round at ``level``."""
        key = ("units", level)
        found = self.cache.get(key)
        if found is None:
            found = self.cache[key] = self.observations.units(self.round.id, level)
        return found

    def active_members(self) -> tuple[str, ...]:
        """Members in the program on the round's date (surveyed or not)."""
        found = self.cache.get("active")
        if found is None:
            spells = self.shared.get("spells")
            if spells is None:
                members = self.cluster.members  # (a loader's columns if kept: none built)
                spells = self.shared["spells"] = (
                    members.ids(),
                    field_of(members, "joined"),
                    field_of(members, "left"),
                )
            on = self.round.on
            # Member.is_active, without a method call per member and round.
            found = self.cache["active"] = tuple(
                unit
                for unit, joined, left in zip(*spells, strict=True)
                if joined <= on and (left is None or on < left)
            )
        return found

    def scaled(self, code: str, level: Level) -> Scaled:
        """Variable ``code`` of the surveyed units as scaled integers (or booleans), exact.

        Decimals come as ``value × 10**scale`` integers with the stored column's scale,
        integers with scale 0, booleans as ``bool``; ``None`` where missing. A member's household
        size falls back to the member record, as in :meth:`column`.

        Raises:
            NotFoundError: Unknown variable, or one of another level.
            Unsupported: A text, category or date variable.
        """
        key = ("scaled", code, level)
        found = self.cache.get(key)
        if found is None:
            found = self.cache[key] = self._read_scaled(code, level)
        return found

    def _read_scaled(self, code: str, level: Level) -> Scaled:
        variable = self.observations.variable(code)
        if variable.level is not level:
            raise NotFoundError(f"{code!r} is a {variable.level.value} variable, not {level.value}")
        if variable.type not in (ValueType.DECIMAL, ValueType.INTEGER, ValueType.BOOLEAN):
            raise Unsupported(f"{variable.type.value} values")
        kind = BOOLEAN if variable.type is ValueType.BOOLEAN else NUMBER
        # The store numbers a cluster's units once for all rounds: the current round's
        # "surveyed" mask picks the same units out of this round's or the baseline's column.
        current = self.observations.storage.table(self._units_round().id, level)
        if current is None:
            return Scaled([], 0, 0, kind)
        present = current.present
        size = present.count(1)
        table = self.observations.storage.table(self.round.id, level)
        column = None if table is None else table.columns.get(code)
        if column is None:
            values: list[Any] = [None] * size
            scale = bound = 0
        else:
            buffers = column.buffers()
            with buffers.data as data:  # type: ignore[union-attr]
                raw = data.tolist()
            scale = buffers.scale
            if buffers.valid is not None:
                with buffers.valid as valid_view:
                    valid = valid_view.tolist()
            else:
                valid = [1] * len(raw)  # booleans: the code -1 says missing
            if len(raw) < len(present):
                raw += [0] * (len(present) - len(raw))
                valid += [0] * (len(present) - len(valid))
            elif len(raw) > len(present):
                del raw[len(present) :], valid[len(present) :]
            if kind == BOOLEAN and len(raw) > len(valid) - valid.count(0):
                raw = [r if ok else -1 for r, ok in zip(raw, valid, strict=True)]
            if size != len(present):
                raw = list(compress(raw, present))
                valid = list(compress(valid, present))
            if kind == BOOLEAN:
                values = list(map(_BOOLEAN_CODES.__getitem__, raw))
                bound = 1
            else:
                bound = max(max(raw, default=0), -min(raw, default=0))
                values = cast(list[Any], raw)
                # Missing slots hold 0: only those few are visited in Python.
                gaps = list(compress(range(len(valid)), map(not_, valid)))
                for index in gaps:
                    values[index] = None
        if code == "household_size" and level is Level.MEMBER and None in values:
            members = self.cluster.members
            units = self.unit_ids(level)
            for index in [i for i, v in enumerate(values) if v is None]:
                member = members.get(units[index])
                if member is not None:
                    values[index] = member.household_size
                    bound = max(bound, member.household_size)
        return Scaled(values, scale, bound, kind)

    def _units_round(self) -> Round:
        return self.round

    def column(self, code: str, level: Level, units: Sequence[str] | None = None) -> list[Any]:
        """Values of variable ``code`` for ``units`` (default: surveyed units), ``None`` if missing.

        Integers come back as ``Decimal`` so that formulas divide exactly; a member's household
        size falls back to the member record when the round did not record it.
        """
        variable = self.observations.variable(code)
        if variable.level is not level:
            raise NotFoundError(f"{code!r} is a {variable.level.value} variable, not {level.value}")
        if units is None and variable.type in (ValueType.DECIMAL, ValueType.INTEGER):
            # The surveyed units' values, read once per frame from the scaled integers (the
            # same Decimals as the column's: value × 10**-scale, ints as Decimal(int)).
            key = ("column", code, level)
            found = self.cache.get(key)
            if found is None:
                data = self.scaled(code, level)
                scale = data.scale
                found = self.cache[key] = [
                    None if v is None else unscale(v, scale) for v in data.values
                ]
            return list(found)
        wanted = self.unit_ids(level) if units is None else tuple(units)
        recorded = self.observations.units(self.round.id, level)
        values = self.observations.column(self.round.id, code).to_list()
        if tuple(wanted) == recorded:
            aligned = values
        else:
            position = {unit: i for i, unit in enumerate(recorded)}
            aligned = [values[position[u]] if u in position else None for u in wanted]
        out = [Decimal(v) if type(v) is int else v for v in aligned]
        if code == "household_size" and level is Level.MEMBER:
            members = self.cluster.members
            out = [
                v if v is not None or u not in members else Decimal(members[u].household_size)
                for u, v in zip(wanted, out, strict=True)
            ]
        return out

    def dimensions(self, level: Level, units: Sequence[str]) -> dict[str, list[tuple[str, ...]]]:
        """For each dimension, the categories of each unit (a member can be in two groups)."""
        names = ["cluster", "kabupaten"]
        if level is Level.MEMBER:
            names += ["sector", "sex", "business_type", "kecamatan", "desa", "group", "cooperative"]
        elif level is Level.GROUP:
            names.append("sector")
        return {name: list(self.dimension(level, name, units) or ()) for name in names}

    def dimension(
        self, level: Level, name: str, units: Sequence[str]
    ) -> Sequence[tuple[str, ...]] | None:
        """The categories of each unit in dimension ``name`` (``None``: not a dimension here).

        ``()`` for a unit without a category (a member in no group, a village not in the
        region); a member in two groups or cooperatives has both.
        """
        # Keyed by the units' identity (hashing a thousand IDs per call adds up); the units are
        # kept with the categories, so their id cannot be reused by another sequence meanwhile.
        key = ("dim", level, name, id(units))
        found = self.cache.get(key)
        if found is None or found[0] is not units:
            found = self.cache[key] = (units, self._dimension(level, name, tuple(units)))
        return found[1]

    def _dimension(
        self, level: Level, name: str, units: tuple[str, ...]
    ) -> Sequence[tuple[str, ...]] | None:
        if name == "cluster":
            return [(self.cluster.id,)] * len(units)
        if level is Level.GROUP and name == "sector":
            groups = self.cluster.groups
            return [(g.sector,) if g else () for g in map(groups.get, units)]
        if level is not Level.MEMBER:
            if name == "kabupaten":
                return [self._kabupaten()] * len(units)
            return None
        if name == "group":
            of_member = self._groups_by_member()
            return [of_member.get(u, ()) for u in units]
        if name == "cooperative":
            in_coops = self._cooperatives_by_member()
            return [in_coops.get(u, ()) for u in units]
        if name in ("sector", "sex", "business_type", "kabupaten", "kecamatan", "desa"):
            categories = self.member_categories(name)
            return list(map(categories.__getitem__, units))
        return None

    def _kabupaten(self) -> tuple[str, ...]:
        found = self.shared.get("kabupaten")
        if found is None:
            found = self.shared["kabupaten"] = cluster_kabupaten(self.cluster)
        return found

    def member_categories(self, name: str) -> dict[str, tuple[str, ...]]:
        """Each member's categories in dimension ``name``, once per cluster (internal)."""
        key = ("categories", name)
        found = self.shared.get(key)
        if found is not None:
            return found  # type: ignore[no-any-return]
        members = list(self.cluster.members)
        values: list[tuple[str, ...]]
        if name == "sector":
            values = [(m.sector,) for m in members]
        elif name == "sex":
            values = [(m.sex.value,) for m in members]
        elif name == "business_type":
            values = [(m.business_type,) if m.business_type else () for m in members]
        else:
            villages = self._village_index()
            places = [villages.get(m.village.casefold()) for m in members]
            at = ("kecamatan", "desa", "kabupaten").index(name)
            values = [(p[at],) if p else () for p in places]
            if name == "kabupaten":
                fallback = self._kabupaten()  # a village not in the region: the cluster's
                values = [v or fallback for v in values]
        found = self.shared[key] = _Categories(zip([m.id for m in members], values, strict=True))
        return found

    def _groups_by_member(self) -> dict[str, tuple[str, ...]]:
        cached = self.cache.get("groups_by_member")
        if cached is not None:
            return cached  # type: ignore[no-any-return]
        found: dict[str, list[str]] = {}
        for group in self.cluster.groups:
            for member_id in group.member_ids(self.round.on):
                found.setdefault(member_id, []).append(group.id)
        result = self.cache["groups_by_member"] = {k: tuple(v) for k, v in found.items()}
        return result

    def _cooperatives_by_member(self) -> dict[str, tuple[str, ...]]:
        # A cooperative's members do not depend on the date: once per cluster and report.
        cached = self.shared.get("cooperatives_by_member")
        if cached is not None:
            return cached  # type: ignore[no-any-return]
        found: dict[str, list[str]] = {}
        for coop in self.cluster.cooperatives:
            for member_id in coop.member_ids:
                found.setdefault(member_id, []).append(coop.id)
        result = self.shared["cooperatives_by_member"] = {k: tuple(v) for k, v in found.items()}
        return result


class _Categories(dict[str, tuple[str, ...]]):
    """Member ID to category; an ID that is not a member has none (``()``)."""

    def __missing__(self, key: str) -> tuple[str, ...]:
        return ()


class _ShiftedFrame(UnitFrame):
    """Reads another round but keeps the current round's units (for ``baseline(x)``...)."""

    def __init__(self, current: UnitFrame, other: Round) -> None:
        super().__init__(current.cluster, other, current.observations, None, current.lines)
        self.current = current
        self.shared = current.shared

    def unit_ids(self, level: Level) -> tuple[str, ...]:
        return self.current.unit_ids(level)

    def _units_round(self) -> Round:
        return self.current.round
