"""Applicants (*calon pemetik manfaat*): households that ask to join, and what became of them.

An :class:`Applicant` is a household screened before it becomes a member: who it is (personal
data, as for members), where it lives, the sector it would work in, and its screening answers
(per-capita income, assets, housing, *asnaf*...). Its status is the last of its
:class:`StatusChange` history, appended and never rewritten: applicant → eligible / not eligible
(with the rules it failed) → enrolled as a member / waitlisted / declined.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any, TypeAlias

from attrs import field, frozen

from klaster._support.validate import (
    check_code,
    check_date,
    check_enum,
    check_id,
    check_optional_id,
    check_optional_text,
    check_text,
    check_texts,
    enum_value,
    int_at_least,
    to_date,
    to_str_tuple,
)
from klaster.errors import ValidationError
from klaster.label import LabelledEnum, labelled
from klaster.model.member import Sex, check_nik, check_phone

__all__ = ["Answer", "Applicant", "ApplicationStatus", "StatusChange"]

Answer: TypeAlias = Decimal | bool | str | _dt.date
"""A screening answer: an exact number, yes/no, a category code or text, or a date."""


class ApplicationStatus(LabelledEnum):
    """Where an application stands."""

    APPLIED = labelled("applied", "Pendaftar", "Applicant")
    """Registered, not yet screened."""
    ELIGIBLE = labelled("eligible", "Memenuhi syarat", "Eligible")
    """Screened and eligible."""
    NOT_ELIGIBLE = labelled("not_eligible", "Tidak memenuhi syarat", "Not eligible")
    """Screened and not eligible (the rules it failed are kept)."""
    ENROLLED = labelled("enrolled", "Menjadi mitra", "Enrolled")
    """Enrolled as a member (the member's ID is kept)."""
    WAITLISTED = labelled("waitlisted", "Daftar tunggu", "Waitlisted")
    """Eligible, waiting for a place."""
    DECLINED = labelled("declined", "Mengundurkan diri / ditolak", "Declined")
    """Withdrew or was turned down for another reason."""

    @property
    def next(self) -> tuple[ApplicationStatus, ...]:
        """The statuses an application may move to from this one."""
        return _NEXT[self]


_S = ApplicationStatus
# Screening may be repeated (new answers, a revised rule), so eligible and not eligible lead to
# each other; enrolment of an application that is not eligible, or not yet screened, needs an
# override (checked by the intake), and enrolled and declined are final.
_NEXT: dict[ApplicationStatus, tuple[ApplicationStatus, ...]] = {
    _S.APPLIED: (_S.ELIGIBLE, _S.NOT_ELIGIBLE, _S.ENROLLED, _S.DECLINED),
    _S.ELIGIBLE: (_S.ELIGIBLE, _S.NOT_ELIGIBLE, _S.ENROLLED, _S.WAITLISTED, _S.DECLINED),
    _S.NOT_ELIGIBLE: (_S.ELIGIBLE, _S.NOT_ELIGIBLE, _S.ENROLLED, _S.DECLINED),
    _S.WAITLISTED: (_S.ELIGIBLE, _S.NOT_ELIGIBLE, _S.ENROLLED, _S.DECLINED),
    _S.ENROLLED: (),
    _S.DECLINED: (),
}


def _to_status(value: ApplicationStatus | str) -> ApplicationStatus:
    return enum_value(ApplicationStatus, value)


def _to_sex(value: Sex | str) -> Sex:
    return enum_value(Sex, value)


def _to_answers(
    value: Mapping[str, Any] | Iterable[tuple[str, Any]],
) -> tuple[tuple[str, Any], ...]:
    items = value.items() if isinstance(value, Mapping) else value
    out = []
    for pair in items:
        code, answer = pair
        if isinstance(answer, int | float) and not isinstance(answer, bool):
            # An exact number; a float is refused by the check below, not rounded here.
            answer = Decimal(answer) if isinstance(answer, int) else answer
        out.append((code, answer))
    return tuple(sorted(out, key=lambda item: str(item[0])))


def _check_answers(_inst: object, attribute: Any, value: tuple[tuple[str, Any], ...]) -> None:
    for code, answer in value:
        try:
            check_code(None, attribute, code)
        except ValidationError as exc:
            raise exc.at(f"{attribute.name}") from None
        where = f"{attribute.name}.{code}"
        if isinstance(answer, float):
            raise ValidationError(
                "must be an exact number (Decimal, int or a numeric string), not a float",
                path=where,
            )
        if not isinstance(answer, Decimal | bool | str | _dt.date):
            raise ValidationError(
                f"must be a number, true/false, a code or text, or a date; got "
                f"{type(answer).__name__}",
                path=where,
            )
        if isinstance(answer, Decimal) and not answer.is_finite():
            raise ValidationError("must be a finite number", path=where)


@frozen
class Applicant:
    """A household that applied to join a cluster, with its screening answers.

    Personal fields (``name``, ``national_id``, ``phone``) are hidden from ``repr`` and never
    appear in error messages, as for :class:`~klaster.model.member.Member`. Screening answers
    (income, assets) are personal too: errors name the applicant's ID and the variable, never
    the value.

    Args:
        id: Stable ID, unique in the program (``"APL-0001"``).
        cluster_id: The cluster applied to.
        name: Name of the head of household or the applicant (personal data).
        sex: :class:`~klaster.model.member.Sex`.
        household_size: People in the household, at least 1.
        village: The desa where the household lives (name or Kemendagri code of a desa of the
            cluster's region).
        sector: The sector it would work in (one of the cluster's).
        applied_on: Date of the application or screening interview.
        answers: Screening answers by variable code (``{"monthly_income": Decimal("900000"),
            "asnaf": "miskin", "has_animal_space": True}``); kept sorted by code.
        business_type: The business it runs or would run, if known.
        national_id: *NIK*, 16 digits (personal data).
        phone: Phone number (personal data).
        note: Free text.

    Example:
        >>> import datetime
        >>> a = Applicant("APL-0001", "bantaeng", "Siti", "female", 4, "Pa'jukukang",
        ...               "livestock", datetime.date(2011, 3, 1),
        ...               answers={"monthly_income": 900_000, "asnaf": "miskin"})
        >>> a.answer("monthly_income")
        Decimal('900000')
    """

    id: str = field(validator=check_id)
    cluster_id: str = field(validator=check_id)
    name: str = field(validator=check_text, repr=False)
    sex: Sex = field(converter=_to_sex, validator=check_enum(Sex))
    household_size: int = field(validator=int_at_least(1))
    village: str = field(validator=check_text)
    sector: str = field(validator=check_code)
    applied_on: _dt.date = field(converter=to_date, validator=check_date)
    answers: tuple[tuple[str, Answer], ...] = field(
        default=(), converter=_to_answers, validator=_check_answers, repr=False
    )
    business_type: str | None = field(default=None, validator=check_optional_text)
    national_id: str | None = field(default=None, validator=check_nik, repr=False)
    phone: str | None = field(default=None, validator=check_phone, repr=False)
    note: str | None = field(default=None, validator=check_optional_text)

    def answer(self, code: str) -> Answer | None:
        """The answer to variable ``code``, or ``None`` when it was not asked or not answered."""
        for key, value in self.answers:
            if key == code:
                return value
        return None

    @property
    def answer_map(self) -> dict[str, Answer]:
        """The answers as a new dict."""
        return dict(self.answers)


def _check_failed(_inst: object, attribute: Any, value: tuple[str, ...]) -> None:
    check_texts(_inst, attribute, value)


def _check_change(inst: StatusChange, _attribute: Any, _value: object) -> None:
    if inst.status is ApplicationStatus.ENROLLED and inst.member_id is None:
        raise ValidationError("an enrolment names the member it created", path="member_id")
    if inst.status is not ApplicationStatus.ENROLLED and (
        inst.member_id is not None or inst.group_id is not None
    ):
        raise ValidationError(
            f"only an enrolment names a member or group, not a {inst.status.value!r} decision",
            path="member_id" if inst.member_id is not None else "group_id",
        )
    if inst.status is ApplicationStatus.NOT_ELIGIBLE and not inst.failed and not inst.reason:
        raise ValidationError(
            "a 'not eligible' decision lists the rules failed or gives a reason", path="failed"
        )
    if inst.status is ApplicationStatus.DECLINED and not inst.reason:
        raise ValidationError("a 'declined' decision gives the reason", path="reason")


@frozen
class StatusChange:
    """One decision on an application, appended to its history.

    Args:
        applicant_id: The applicant.
        status: The new :class:`ApplicationStatus`.
        on: Date of the decision.
        failed: Codes of the eligibility rules not met (for ``not_eligible``; kept as evidence).
        evidence: The screening's evidence in a line (``"income_per_capita = 180000 <= 211726:
            met; ..."``): values of derived variables, never names.
        reason: Why, in words; required for an override and for a decline.
        override: For an enrolment of an application that was not eligible: the reason the
            rules were set aside (required then).
        decided_by: Who decided (a person's ID or a role).
        member_id: For ``enrolled``: the member created.
        group_id: For ``enrolled``: the group joined, if any.
    """

    applicant_id: str = field(validator=check_id)
    status: ApplicationStatus = field(converter=_to_status, validator=check_enum(ApplicationStatus))
    on: _dt.date = field(converter=to_date, validator=check_date)
    failed: tuple[str, ...] = field(default=(), converter=to_str_tuple, validator=_check_failed)
    evidence: str | None = field(default=None, validator=check_optional_text)
    reason: str | None = field(default=None, validator=check_optional_text)
    override: str | None = field(default=None, validator=check_optional_text)
    decided_by: str | None = field(default=None, validator=check_optional_text)
    member_id: str | None = field(default=None, validator=check_optional_id)
    group_id: str | None = field(default=None, validator=[check_optional_id, _check_change])
