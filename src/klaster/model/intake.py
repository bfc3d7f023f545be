"""Intake: the program's applicants and the decisions on them (``program.intake``).

:class:`Intake` holds every :class:`~klaster.model.applicant.Applicant` and the history of
decisions on each (:class:`~klaster.model.applicant.StatusChange`, appended, never rewritten). A
status follows :attr:`ApplicationStatus.next`; an application's status is the last decision on
it, or ``applied`` before any.

In a program (``program.intake``) every applicant and decision is checked in the program's
context on every path (this API, a document, the store, an import): the cluster applied to
exists, the sector is one of its sectors, the village a desa of its region (an applicant may
live outside a sector's area: the area rule applies at enrolment); an enrolment names a member
of that cluster whose ``application_id`` links back. Applicant IDs are unique in the program and
form their own namespace: an applicant may be enrolled under the same ID as a member.
:meth:`Intake.enrol` creates the member from the application, all or nothing.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Callable, Iterable
from typing import Any

from attrs import define, field

from klaster.errors import DuplicateIdError, InvalidReferenceError, KlasterError, ValidationError
from klaster.model import _intake_checks as checks
from klaster.model.applicant import Applicant, ApplicationStatus, StatusChange
from klaster.model.group import Role
from klaster.model.member import Member
from klaster.model.records import Records, put_record
from klaster.model.sector_areas import AreaOverride

__all__ = ["Intake"]


def _to_applicants(value: Iterable[Applicant]) -> Records[Applicant]:
    return value if isinstance(value, Records) else Records("applicants", value)


def _to_decisions(value: Iterable[StatusChange]) -> tuple[StatusChange, ...]:
    return tuple(value)


@define(eq=True)
class Intake:
    """Applicants and the decisions on them, checked as they come in.

    Args:
        applicants: The applicants (IDs unique in the program).
        decisions: Every decision, in the order made (a status change per applicant follows
            :attr:`ApplicationStatus.next` and is not dated before the previous one).

    Example:
        >>> import datetime
        >>> from klaster.model.applicant import Applicant
        >>> intake = Intake()
        >>> _ = intake.add_applicant(Applicant("APL-1", "btg", "Siti", "female", 4, "Gaji",
        ...                                    "umkm", datetime.date(2011, 3, 1)))
        >>> _ = intake.decide("APL-1", "eligible", datetime.date(2011, 3, 8))
        >>> intake.status("APL-1").value
        'eligible'
    """

    applicants: Records[Applicant] = field(factory=tuple, converter=_to_applicants)
    decisions: tuple[StatusChange, ...] = field(factory=tuple, converter=_to_decisions)
    _history: dict[str, list[StatusChange]] = field(init=False, repr=False, eq=False)
    _program: Any = field(default=None, init=False, repr=False, eq=False)

    def __attrs_post_init__(self) -> None:
        self._history = {}
        for index, change in enumerate(self.decisions):
            self._check_change(change, f"decisions[{index}]")
            self._history.setdefault(change.applicant_id, []).append(change)

    # -- queries ----------------------------------------------------------------------------
    def status(self, applicant_id: str) -> ApplicationStatus:
        """The applicant's current status (``applied`` before any decision)."""
        self._require(applicant_id)
        history = self._history.get(applicant_id)
        return history[-1].status if history else ApplicationStatus.APPLIED

    def history(self, applicant_id: str) -> tuple[StatusChange, ...]:
        """Every decision on the applicant, oldest first."""
        self._require(applicant_id)
        return tuple(self._history.get(applicant_id, ()))

    def member_of(self, applicant_id: str) -> str | None:
        """The ID of the member the applicant was enrolled as, or ``None``."""
        for change in reversed(self._history.get(applicant_id, ())):
            if change.status is ApplicationStatus.ENROLLED:
                return change.member_id
        return None

    def applicant_of(self, member_id: str) -> str | None:
        """The ID of the application a member was enrolled from, or ``None``."""
        for change in self.decisions:
            if change.status is ApplicationStatus.ENROLLED and change.member_id == member_id:
                return change.applicant_id
        return None

    def with_status(self, status: ApplicationStatus | str) -> tuple[Applicant, ...]:
        """The applicants whose current status is ``status``."""
        wanted = ApplicationStatus(status)
        return tuple(a for a in self.applicants if self.status(a.id) is wanted)

    # -- binding (internal: the owning Program) ---------------------------------------------
    def bind(self, program: checks.ProgramView) -> None:
        """Check every record against ``program`` and attach to it (internal: ``Program``)."""
        cache: checks.Villages = {}
        for index, applicant in enumerate(self.applicants):
            _at(f"intake.applicants[{index}]", checks.check_applicant, program, applicant, cache)
        for index, change in enumerate(self.decisions):
            if change.status is ApplicationStatus.ENROLLED:
                applicant = self.applicants[change.applicant_id]
                _at(
                    f"intake.decisions[{index}]", checks.check_enrolment, program, applicant, change
                )
        for where, member in checks.member_links(program):
            applicant_id = member.application_id or ""
            if applicant_id not in self.applicants or self.member_of(applicant_id) != member.id:
                raise InvalidReferenceError(
                    f"member {member.id!r} names application {applicant_id!r}, but the "
                    "program's intake has no enrolment of that applicant as this member; "
                    "enrol members through program.intake.enrol",
                    path=where,
                )
        self._program = program

    @property
    def _prefix(self) -> str:
        # In a program, paths start from the program (``intake.decisions[3]``).
        return "" if self._program is None else "intake."

    def _bound(self) -> checks.ProgramView:
        if self._program is None:
            raise ValidationError(
                "this Intake belongs to no program yet; use program.intake", path="intake"
            )
        program: checks.ProgramView = self._program
        return program

    # -- changes ----------------------------------------------------------------------------
    def add_applicant(self, applicant: Applicant) -> Applicant:
        """Add an applicant; its ID must be new. Return it.

        In a program, the applicant is checked against it first (cluster, sector, village).

        Raises:
            DuplicateIdError: The applicant ID is taken (``intake.applicants[n].id``).
            InvalidReferenceError: An unknown cluster, sector or village (the path names it).
        """
        where = f"{self._prefix}applicants[{len(self.applicants)}]"
        if not isinstance(applicant, Applicant):
            raise ValidationError(
                f"must be an Applicant, got {type(applicant).__name__}", path=where
            )
        if applicant.id in self.applicants:
            raise DuplicateIdError(
                f"duplicate ID {applicant.id!r}: an applicant with that ID already exists",
                path=f"{where}.id",
            )
        if self._program is not None:
            _at(where, checks.check_applicant, self._program, applicant, {})
        put_record(self.applicants, applicant)
        return applicant

    def check_applicant(self, applicant: Applicant) -> None:
        """Check an applicant against the program as :meth:`add_applicant` would; add nothing.

        Imports check each row with it before anything is written. The ID is not checked; error
        paths are relative to the applicant (``village``).

        Raises:
            InvalidReferenceError: An unknown cluster, sector or village.
        """
        if not isinstance(applicant, Applicant):
            raise ValidationError(f"must be an Applicant, got {type(applicant).__name__}")
        checks.check_applicant(self._bound(), applicant, {})

    def check_decision(self, change: StatusChange) -> None:
        """Check that a decision may follow the applicant's history, recording nothing.

        For imports: a registration that enrols an applicant checks its ``enrolled`` decision
        with it (the member it names is not in the cluster yet). Paths are relative to the
        decision (``status``, ``override``, ``on``).

        Raises:
            KlasterError: As :meth:`record` would for the applicant's history.
        """
        try:
            self._check_change(change, "")
        except KlasterError as exc:
            path = (exc.path or "").removeprefix(".")
            raise type(exc)(exc.message, path=path or None) from None

    def record(self, change: StatusChange) -> StatusChange:
        """Append a decision after checking it follows the applicant's current status.

        In a program, an enrolment must name a member already in the applicant's cluster that
        links back to it (:meth:`enrol` creates that member and records the decision).
        """
        where = f"{self._prefix}decisions[{len(self.decisions)}]"
        self._check_change(change, where)
        if self._program is not None and change.status is ApplicationStatus.ENROLLED:
            applicant = self.applicants[change.applicant_id]
            _at(where, checks.check_enrolment, self._program, applicant, change)
        self.decisions = (*self.decisions, change)
        self._history.setdefault(change.applicant_id, []).append(change)
        return change

    def decide(
        self,
        applicant_id: str,
        status: ApplicationStatus | str,
        on: object,
        **details: object,
    ) -> StatusChange:
        """Record a decision (see :class:`StatusChange` for ``details``); return it."""
        try:
            change = StatusChange(applicant_id, status, on, **details)  # type: ignore[arg-type]
        except TypeError as exc:
            raise ValidationError(
                f"unknown detail of a decision ({exc}); use failed, evidence, reason, override, "
                "decided_by, member_id or group_id",
                path=f"{self._prefix}decisions[{len(self.decisions)}]",
            ) from None
        except ValidationError as exc:
            raise exc.at(f"{self._prefix}decisions[{len(self.decisions)}]") from None
        return self.record(change)

    def enrol(
        self,
        applicant_id: str,
        *,
        member_id: str,
        on: _dt.date | str,
        group_id: str | None = None,
        role: Role | str = Role.MEMBER,
        override: str | None = None,
        reason: str | None = None,
        decided_by: str | None = None,
        business_type: str | None = None,
        evidence: str | None = None,
        outside_area: AreaOverride | str | None = None,
    ) -> Member:
        """Enrol an applicant: create its member, join the group, record the decision.

        The member takes the application's personal data, household, village and sector, joins
        on ``on`` and links back (``application_id``). It is added through
        :meth:`Cluster.add_member <klaster.model.cluster.Cluster.add_member>`, so the sector,
        village, business-type (and sector-area) checks run. All or nothing: when anything is
        refused, the cluster, its groups and the intake are as they were.

        Args:
            applicant_id: The applicant.
            member_id: The new member's ID (unique among the program's members; it may equal
                the applicant's ID: the two are separate namespaces).
            on: The day of the decision, and the member's ``joined`` day.
            group_id: A group of the cluster to join on ``on`` (its ``capacity`` is respected).
            role: The role in that group.
            override: Required when the applicant is ``not_eligible`` or not screened yet
                (``applied``): why the rules are set aside.
            reason: Why, in words.
            decided_by: Who decided.
            business_type: The member's business type (the application's if ``None``).
            evidence: The screening's evidence in a line, if not recorded before.
            outside_area: For a household living outside its sector's area: the reason (or an
                :class:`~klaster.model.sector_areas.AreaOverride`), recorded on the cluster as
                for :meth:`Cluster.add_member <klaster.model.cluster.Cluster.add_member>`.

        Returns:
            The new member.

        Raises:
            ValidationError: Enrolled already, not eligible or not screened without an
                override (``intake.decisions[n].status`` / ``.override``), a full group
                (``clusters[0].groups[2].memberships[7]``), a refused member (its path).
            InvalidReferenceError: An unknown applicant or group.
            DuplicateIdError: The member ID is taken in the program.
        """
        program = self._bound()
        self._require(applicant_id)
        where = f"decisions[{len(self.decisions)}]"
        try:
            change = StatusChange(
                applicant_id, ApplicationStatus.ENROLLED, on, evidence=evidence, reason=reason,
                override=override, decided_by=decided_by, member_id=member_id, group_id=group_id,
            )  # fmt: skip
        except KlasterError as exc:
            raise exc.at(f"intake.{where}") from None
        _at("intake", self._check_change, change, where)
        applicant = self.applicants[applicant_id]
        member = checks.admit(
            program, applicant, change, business_type=business_type, role=role,
            outside_area=outside_area,
        )  # fmt: skip
        self.decisions = (*self.decisions, change)  # checked above, before the member was added
        self._history.setdefault(applicant_id, []).append(change)
        return member

    def waitlist(
        self, applicant_id: str, on: _dt.date | str, *, reason: str | None = None,
        decided_by: str | None = None,
    ) -> StatusChange:  # fmt: skip
        """Put an eligible applicant on the waiting list (no place yet); return the decision."""
        return self.decide(
            applicant_id, ApplicationStatus.WAITLISTED, on, reason=reason, decided_by=decided_by
        )

    def decline(
        self, applicant_id: str, on: _dt.date | str, *, reason: str,
        decided_by: str | None = None,
    ) -> StatusChange:  # fmt: skip
        """Record that the applicant withdrew or was turned down, and why; return it."""
        return self.decide(
            applicant_id, ApplicationStatus.DECLINED, on, reason=reason, decided_by=decided_by
        )

    # -- checks -----------------------------------------------------------------------------
    def _require(self, applicant_id: str) -> None:
        if applicant_id not in self.applicants:
            raise InvalidReferenceError(
                f"unknown applicant {applicant_id!r}; add it with add_applicant first",
                path=f"{self._prefix}applicants",
            )

    def _check_change(self, change: StatusChange, where: str) -> None:
        if not isinstance(change, StatusChange):
            raise ValidationError(
                f"must be a StatusChange, got {type(change).__name__}", path=where
            )
        if change.applicant_id not in self.applicants:
            raise InvalidReferenceError(
                f"unknown applicant {change.applicant_id!r}; decisions name an applicant of "
                "the intake",
                path=f"{where}.applicant_id",
            )
        history = self._history.get(change.applicant_id)
        current = history[-1] if history else None
        status = current.status if current else ApplicationStatus.APPLIED
        if status is ApplicationStatus.ENROLLED and change.status is ApplicationStatus.ENROLLED:
            raise ValidationError(
                f"applicant {change.applicant_id!r} is already enrolled as member "
                f"{self.member_of(change.applicant_id)!r}; an application is enrolled once",
                path=f"{where}.status",
            )
        if change.status not in status.next:
            allowed = ", ".join(repr(s.value) for s in status.next) or "nothing (it is final)"
            raise ValidationError(
                f"applicant {change.applicant_id!r} is {status.value!r}; it can become "
                f"{allowed}, not {change.status.value!r}",
                path=f"{where}.status",
            )
        if current is not None and change.on < current.on:
            raise ValidationError(
                f"dated {change.on}, before the previous decision on {current.on}",
                path=f"{where}.on",
            )
        applied = self.applicants[change.applicant_id].applied_on
        if change.on < applied:
            raise ValidationError(
                f"dated {change.on}, before the application on {applied}", path=f"{where}.on"
            )
        if (
            change.status is ApplicationStatus.ENROLLED
            and status in (ApplicationStatus.NOT_ELIGIBLE, ApplicationStatus.APPLIED)
            and not change.override
        ):
            found = "was found not eligible" if current else "was not screened yet"
            raise ValidationError(
                f"applicant {change.applicant_id!r} {found}; enrol it only with an override "
                "that gives the reason the rules are set aside (screen it first otherwise)",
                path=f"{where}.override",
            )


def _at(where: str, check: Callable[..., None], *args: object) -> None:
    try:
        check(*args)
    except KlasterError as exc:
        raise exc.at(where) from None
