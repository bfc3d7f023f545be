"""Which round a survey's rows belong to: one the observations hold, or one the mapping declares."""

from __future__ import annotations

from attrs import evolve

from klaster.errors import ImportDataError, KlasterError
from klaster.importing._mapping_checks import check_round_shape
from klaster.importing._problems import listing
from klaster.importing._toml_tables import TableReader
from klaster.importing.mapping import ImportMapping, RoundDeclaration
from klaster.model.program import Program
from klaster.observations.rounds import Round, check_round
from klaster.observations.values import Observations

CLUSTER_FIELD = "{cluster}"


class Rounds:
    """Resolves the mapping's round, once per cluster when its ID holds ``{cluster}``."""

    def __init__(self, mapping: ImportMapping, program: Program, observations: Observations):
        assert mapping.round is not None  # checked when the mapping was read
        self.decl: RoundDeclaration = mapping.round
        self.mapping = mapping
        self.program = program
        self.held = {r.id: r for r in observations.rounds()}
        self.new: dict[str, Round] = {}
        self._by_cluster: dict[str, Round | str] = {}

    @property
    def per_cluster(self) -> bool:
        """Whether the round ID depends on each row's cluster."""
        return CLUSTER_FIELD in self.decl.id

    def fixed(self) -> Round:
        """The one round of a mapping without ``{cluster}``.

        Raises:
            ImportDataError: Not held and not declared, or declared but refused.
        """
        cluster = self.decl.cluster_id or self.mapping.cluster_id
        found = self._resolve(self.decl.id, cluster)
        if isinstance(found, str):
            raise ImportDataError(f"{self.mapping.name} round: {found}")
        if self.mapping.cluster_id is not None and found.cluster_id != self.mapping.cluster_id:
            raise ImportDataError(
                f"{self.mapping.name} round: round {found.id!r} is of cluster "
                f"{found.cluster_id!r}, but the mapping's cluster is {self.mapping.cluster_id!r}"
            )
        return found

    def for_cluster(self, cluster_id: str) -> Round | str:
        """The round of rows of ``cluster_id``, or why there is none."""
        found = self._by_cluster.get(cluster_id)
        if found is None:
            if cluster_id not in self.program.clusters:
                found = "not a cluster ID (the value is not shown); the program's clusters are "
                found += listing(self.program.clusters.ids())
            else:
                found = self._resolve(self.decl.id.replace(CLUSTER_FIELD, cluster_id), cluster_id)
            self._by_cluster[cluster_id] = found
        return found

    def _resolve(self, round_id: str, cluster_id: str | None) -> Round | str:
        held = self.held.get(round_id) or self.new.get(round_id)
        if not self.decl.declared:
            if held is None:
                return (
                    f"round {round_id!r} is neither held by the observations nor declared in "
                    f"the mapping (give kind and on to declare it); held rounds: "
                    + listing(self.held)
                )
            return held
        assert self.decl.kind is not None
        assert self.decl.on is not None
        if cluster_id is None:  # pragma: no cover - refused when the mapping was read
            return "a new round needs its cluster"
        try:
            wanted = Round(
                round_id,
                cluster_id,
                self.decl.kind,
                self.decl.on,
                label=self.decl.label,
                note=self.decl.note,
            )
        except KlasterError as exc:
            return f"cannot declare round {round_id!r}: {exc}"
        if held is not None:
            if (held.cluster_id, held.kind, held.on) != (wanted.cluster_id, wanted.kind, wanted.on):
                return (
                    f"round {round_id!r} already exists as a {held.kind.value} round of cluster "
                    f"{held.cluster_id!r} on {held.on}; the mapping declares a {wanted.kind.value}"
                    f" round of {wanted.cluster_id!r} on {wanted.on}: use another ID, or give "
                    "only the ID to add to the existing round"
                )
            return held
        if cluster_id not in self.program.clusters:
            return (
                f"round {round_id!r}: unknown cluster {cluster_id!r}; the program's clusters "
                "are " + listing(self.program.clusters.ids())
            )
        try:
            check_round([*self.held.values(), *self.new.values()], wanted)
        except KlasterError as exc:
            return f"cannot declare round {round_id!r}: {exc.message}"
        self.new[round_id] = wanted
        return wanted


def with_round(mapping: ImportMapping, round: str | RoundDeclaration | None) -> ImportMapping:
    """A survey mapping with the round given when importing (``klaster import --round``).

    Args:
        mapping: A survey mapping; its ``[round]`` may be left open.
        round: A round ID the observations hold, or a declaration of a new round; ``None``
            keeps the mapping's.

    Raises:
        ImportDataError: No round at all, or one that does not fit the mapping's cluster.
    """
    if round is None:
        if mapping.round is None:
            raise ImportDataError(
                f"{mapping.name} round: the mapping leaves the round open; give it when "
                "importing: read_submissions(..., round='<round ID>') or klaster import --round"
            )
        return mapping
    if isinstance(round, str):
        if not round.strip():
            raise ImportDataError(f"{mapping.name} round: the round ID is empty")
        round = RoundDeclaration(round.strip())
    elif not isinstance(round, RoundDeclaration):
        raise ImportDataError(
            f"round must be a round ID or a RoundDeclaration, got {type(round).__name__}"
        )
    found = evolve(mapping, round=round)
    p = TableReader(mapping.name)
    check_round_shape(p, found)
    if p.problems:
        raise ImportDataError(f"{mapping.name}: the round does not fit", problems=p.problems)
    return found
