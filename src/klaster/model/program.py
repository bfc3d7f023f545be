"""A program (e.g. *Klaster Mandiri*): the organisation's clusters and the parties it works with."""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterable, Iterator
from typing import Any

import attrs
from attrs import define, field

from klaster._support.validate import check_id, check_optional_text, check_text
from klaster.errors import DuplicateIdError, InvalidReferenceError, KlasterError, ValidationError
from klaster.model import _summaries
from klaster.model._frame_columns import all_distinct, program_column
from klaster.model.cluster import Cluster
from klaster.model.fieldwork import Fieldwork
from klaster.model.intake import Intake
from klaster.model.location_choice import LocationChoice
from klaster.model.member import Member
from klaster.model.organisation import Organisation
from klaster.model.people import Person
from klaster.model.records import Records, columns_of, drop_record, put_record
from klaster.model.results_framework import (
    Result,
    ResultsFramework,
    ResultsHistory,
    append_version,
)
from klaster.model.results_window import check_in_program

__all__ = ["Program"]


def _to_organisations(value: Iterable[Organisation]) -> Records[Organisation]:
    return value if isinstance(value, Records) else Records("organisations", value)


def _to_people(value: Iterable[Person]) -> Records[Person]:
    return value if isinstance(value, Records) else Records("people", value)


def _to_fieldwork(value: Fieldwork | None) -> Fieldwork:
    return Fieldwork() if value is None else value


def _to_results(value: ResultsHistory | Iterable[ResultsFramework] | None) -> ResultsHistory:
    if isinstance(value, ResultsHistory):
        return value
    return ResultsHistory(() if value is None else value)


def _to_locations(value: Iterable[LocationChoice]) -> Records[LocationChoice]:
    return value if isinstance(value, Records) else Records("locations", value)


def _to_intake(value: Intake | None) -> Intake:
    return Intake() if value is None else value


def _to_clusters(value: Iterable[Cluster]) -> Records[Cluster]:
    return value if isinstance(value, Records) else Records("clusters", value)


@define(eq=True, repr=False)
class Program:
    """A program run by an organisation: its clusters and the organisations involved.

    The whole program is one JSON document (:func:`klaster.dumps`, :func:`klaster.save`). IDs of
    members, groups and cooperatives are unique across the program; :meth:`validate` checks that
    and every reference to an organisation, and runs before anything is written.

    Args:
        id: Stable ID (``"klaster-mandiri"``).
        name: Name (``"Klaster Mandiri"``).
        organisation_id: ID of the organisation running it (an :class:`Organisation` listed in
            ``organisations``).
        organisations: Every party the clusters refer to.
        clusters: The clusters.
        note: Free text.
        people: Facilitators, staff and officials (not beneficiaries) the fieldwork names.
        fieldwork: Activities, assignments, mentoring visits, plans and commitments
            (:class:`~klaster.model.fieldwork.Fieldwork`), checked against the program.
        results: Every version of the results framework
            (:class:`~klaster.model.results_framework.ResultsHistory`), the latest checked
            against the program's clusters and dates; extended by :meth:`revise_framework`.
        intake: Applicants and the decisions on them (:class:`~klaster.model.intake.Intake`),
            checked against the program; members are enrolled with ``program.intake.enrol``.
        locations: Every recorded choice of locations
            (:class:`~klaster.model.location_choice.LocationChoice`, with its evidence),
            append-only: extended by :meth:`choose_locations`.

    Example:
        >>> p = Program(id="km", name="Klaster Mandiri", organisation_id="dd",
        ...             organisations=[Organisation("dd", "Dompet Dhuafa", "ngo")])
        >>> len(p.clusters)
        0
    """

    id: str = field(validator=check_id, on_setattr=attrs.setters.frozen)
    name: str = field(validator=check_text)
    organisation_id: str = field(validator=check_id)
    organisations: Records[Organisation] = field(
        factory=tuple, converter=_to_organisations, on_setattr=attrs.setters.frozen
    )
    clusters: Records[Cluster] = field(
        factory=tuple, converter=_to_clusters, on_setattr=attrs.setters.frozen
    )
    note: str | None = field(default=None, validator=check_optional_text)
    people: Records[Person] = field(
        factory=tuple, converter=_to_people, on_setattr=attrs.setters.frozen
    )
    fieldwork: Fieldwork = field(
        factory=Fieldwork, converter=_to_fieldwork, on_setattr=attrs.setters.frozen
    )
    results: ResultsHistory = field(
        factory=ResultsHistory, converter=_to_results, on_setattr=attrs.setters.frozen
    )
    intake: Intake = field(factory=Intake, converter=_to_intake, on_setattr=attrs.setters.frozen)
    locations: Records[LocationChoice] = field(
        factory=tuple, converter=_to_locations, on_setattr=attrs.setters.frozen
    )
    __repr__ = _summaries.program_repr  # IDs and counts: no wall of members, no names
    _repr_html_ = _summaries.program_html

    def __attrs_post_init__(self) -> None:
        self.validate()

    def add_organisation(self, organisation: Organisation) -> Organisation:
        """Add an organisation; its ID must be new."""
        if organisation.id in self.organisations:
            raise DuplicateIdError(
                f"duplicate ID {organisation.id!r}: an organisation with that ID already exists",
                path=f"organisations[{len(self.organisations)}].id",
            )
        put_record(self.organisations, organisation)
        return organisation

    def add_person(self, person: Person) -> Person:
        """Add a facilitator, staff member or official after checking their organisations."""
        where = f"people[{len(self.people)}]"
        if not isinstance(person, Person):
            raise ValidationError(f"must be a Person, got {type(person).__name__}", path=where)
        if person.id in self.people:
            raise DuplicateIdError(
                f"duplicate ID {person.id!r}: a person with that ID already exists",
                path=f"{where}.id",
            )
        self._check_person(person, where)
        put_record(self.people, person)
        return person

    def add_cluster(self, cluster: Cluster) -> Cluster:
        """Add a cluster after checking its IDs against the rest of the program; return it."""
        where = f"clusters[{len(self.clusters)}]"
        if cluster.id in self.clusters:
            raise DuplicateIdError(
                f"duplicate ID {cluster.id!r}: a cluster with that ID already exists",
                path=f"{where}.id",
            )
        put_record(self.clusters, cluster)
        try:
            self.validate()
        except KlasterError:
            drop_record(self.clusters, cluster.id)
            raise
        return cluster

    def revise_framework(
        self, results: Iterable[Result], *, recorded_on: _dt.date | str, reason: str
    ) -> ResultsFramework:
        """Record a new version of the results framework after checking it; return it.

        The version is numbered after the last one; earlier versions stay as they were.

        Raises:
            ValidationError: An invalid framework, or a target period outside the program
                (located, e.g. ``results.versions[1].results[0].indicators[0].targets[2].start``).
            InvalidReferenceError: An unknown parent result or cluster.
        """
        where = f"results.versions[{len(self.results)}]"
        try:
            framework = ResultsFramework(len(self.results) + 1, recorded_on, reason, tuple(results))
        except KlasterError as exc:
            raise exc.at(where) from None
        try:  # refuses a date before the last version's
            candidate = ResultsHistory((*self.results.versions, framework))
        except KlasterError as exc:
            raise exc.at("results") from None
        check_in_program(candidate, self)
        append_version(self.results, framework)
        return framework

    def choose_locations(self, choice: LocationChoice) -> LocationChoice:
        """Record a choice of locations (appended; earlier choices stay as they were); return it.

        Raises:
            ValidationError: Not a :class:`~klaster.model.location_choice.LocationChoice`.
            DuplicateIdError: A choice with that ID is already recorded.
        """
        where = f"locations[{len(self.locations)}]"
        if not isinstance(choice, LocationChoice):
            raise ValidationError(
                f"must be a LocationChoice, got {type(choice).__name__}", path=where
            )
        if choice.id in self.locations:
            raise DuplicateIdError(
                f"duplicate ID {choice.id!r}: a choice of locations with that ID is already "
                "recorded; a new decision gets a new ID",
                path=f"{where}.id",
            )
        put_record(self.locations, choice)
        return choice

    def members(self) -> Iterator[Member]:
        """Every member of every cluster."""
        for cluster in self.clusters:
            yield from cluster.members

    def cluster_of_member(self, member_id: str) -> Cluster | None:
        """The cluster a member belongs to, or ``None``."""
        for cluster in self.clusters:
            if member_id in cluster.members:
                return cluster
        return None

    def validate(self) -> None:
        """Check what no single cluster can: program-wide unique IDs and organisation references.

        Raises:
            DuplicateIdError: A member, group or cooperative ID is used in two clusters.
            InvalidReferenceError: A reference names an organisation that is not listed.
            KlasterError: A fieldwork record does not fit the program (``fieldwork....``).
        """
        if self.organisation_id not in self.organisations:
            raise InvalidReferenceError(
                f"organisation {self.organisation_id!r} is not in organisations; "
                "list the running organisation there",
                path="organisation_id",
            )
        # ID → index of the first cluster using it (an int per record: this runs on every load
        # of a million-member program, so no tuple per record).
        owners: dict[str, dict[str, int]] = {"members": {}, "groups": {}, "cooperatives": {}}
        clusters = list(self.clusters)
        # The usual case, one set of IDs a kind, needs no loop over the records in Python.
        unique = all(isinstance(c, Cluster) for c in clusters) and all(
            _unique_across(clusters, kind) for kind in owners
        )
        for c_index, cluster in enumerate(self.clusters):
            where = f"clusters[{c_index}]"
            if not isinstance(cluster, Cluster):
                raise ValidationError(
                    f"must be a Cluster, got {type(cluster).__name__}", path=where
                )
            self._check_parties(cluster, where)
            for kind, seen in () if unique else owners.items():
                records: Records[Any] = getattr(cluster, kind)
                for record in records:
                    first = seen.setdefault(record.id, c_index)
                    if first != c_index:
                        raise DuplicateIdError(
                            f"duplicate ID {record.id!r}: already used in clusters[{first}] "
                            f"({clusters[first].id!r}); {kind} IDs must be unique in the program",
                            path=f"{where}.{kind}[{records.index_of(record.id)}].id",
                        )
        for index, person in enumerate(self.people):
            self._check_person(person, f"people[{index}]")
        self.fieldwork.bind(self)
        self.intake.bind(self)
        check_in_program(self.results, self)
        for index, choice in enumerate(self.locations):
            if not isinstance(choice, LocationChoice):
                raise ValidationError(
                    f"must be a LocationChoice, got {type(choice).__name__}",
                    path=f"locations[{index}]",
                )

    def _check_person(self, person: Person, where: str) -> None:
        for index, position in enumerate(person.positions):
            if position.organisation_id not in self.organisations:
                raise InvalidReferenceError(
                    f"organisation {position.organisation_id!r} is not in the program's "
                    f"organisations; known: {', '.join(self.organisations.ids())}",
                    path=f"{where}.positions[{index}].organisation_id",
                )

    def _check_parties(self, cluster: Cluster, where: str) -> None:
        for index, sector in enumerate(cluster.sectors):
            if sector.partner_id is not None and sector.partner_id not in self.organisations:
                raise InvalidReferenceError(
                    f"partner {sector.partner_id!r} is not in the program's organisations; "
                    f"known: {', '.join(self.organisations.ids())}",
                    path=f"{where}.sectors[{index}].partner_id",
                )
        for index, holder in enumerate(cluster.stakeholders):
            if holder.organisation_id not in self.organisations:
                raise InvalidReferenceError(
                    f"organisation {holder.organisation_id!r} is not in the program's "
                    f"organisations; known: {', '.join(self.organisations.ids())}",
                    path=f"{where}.stakeholders[{index}].organisation_id",
                )


def _unique_across(clusters: list[Cluster], kind: str) -> bool:
    """Whether no ID of ``kind`` (``"members"``...) is used in two of the clusters."""
    # A million members loaded whole from an accepted file: counted in the file's column.
    whole = program_column([columns_of(getattr(c, kind)) for c in clusters], "id")
    if whole is not None:
        return all_distinct(whole)
    ids: set[str] = set()
    total = 0
    for cluster in clusters:
        records: Records[Any] = getattr(cluster, kind)
        ids.update(records.ids())
        total += len(records)
    return len(ids) == total
