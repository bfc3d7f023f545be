"""Members (*mitra*, *pemetik manfaat*): the people a cluster serves, usually one per household."""

from __future__ import annotations

import datetime as _dt
import re
from typing import Any

from attrs import field, frozen

from klaster._support.validate import (
    check_code,
    check_date,
    check_enum,
    check_id,
    check_optional_date,
    check_optional_id,
    check_optional_text,
    check_order,
    check_text,
    enum_value,
    int_at_least,
    optional_int_at_least,
    to_date,
    to_optional_date,
)
from klaster.errors import ValidationError
from klaster.label import LabelledEnum, labelled

__all__ = ["Member", "Sex"]


class Sex(LabelledEnum):
    """Sex of a member, as recorded in beneficiary registers (*jenis kelamin*)."""

    FEMALE = labelled("female", "Perempuan", "Female")
    """Perempuan."""
    MALE = labelled("male", "Laki-laki", "Male")
    """Laki-laki."""


def _to_sex(value: Sex | str) -> Sex:
    return enum_value(Sex, value)


# ASCII digits only (\d also matches other scripts' digits) and \Z (``$`` allows a final newline).
_NIK = re.compile(r"^[0-9]{16}\Z")
_PHONE = re.compile(r"^\+?[0-9][0-9 -]{6,18}[0-9]\Z")


def check_nik(_inst: object, attribute: Any, value: str | None) -> None:
    """Attrs validator: a NIK of 16 ASCII digits, or ``None`` (shared with applicants)."""
    # Never echo the value: a national ID number is personal data.
    if value is not None and not (isinstance(value, str) and _NIK.match(value)):
        raise ValidationError(
            "national ID number (NIK) must be exactly 16 digits", path=attribute.name
        )


def check_phone(_inst: object, attribute: Any, value: str | None) -> None:
    """Attrs validator: a phone number of 8-20 digits, or ``None`` (shared with applicants)."""
    if value is not None and not (isinstance(value, str) and _PHONE.match(value)):
        raise ValidationError(
            "phone must be 8-20 digits, optionally starting with '+' (e.g. '+62 812 3456 7890')",
            path=attribute.name,
        )


def _check_birth_year(_inst: object, attribute: Any, value: int | None) -> None:
    optional_int_at_least(1900)(_inst, attribute, value)
    if value is not None and value > _dt.date.today().year:
        raise ValidationError(f"birth year {value} is in the future", path=attribute.name)


@frozen
class Member:
    """A member (*mitra*) of a cluster: one person, usually standing for a household (*KK*).

    Personal fields (``name``, ``national_id``, ``phone``) are hidden from ``repr`` and never appear
    in error messages; exports can pseudonymise them.

    Args:
        id: Stable ID, unique in the program (e.g. ``"BTG-0001"``).
        name: Full name (personal data).
        sex: :class:`Sex`.
        household_size: People in the household (*jumlah anggota keluarga*), at least 1.
        village: The desa where the member lives: the name or Kemendagri code of a desa in the
            cluster's region.
        sector: Code of the sector the member works in (``"umkm"``, ``"farming"``...); must be one
            of the cluster's sectors.
        joined: Date the member joined the program.
        business_type: Free code of the business (``"batik"``, ``"seaweed"``...); sector plugins
            may restrict it.
        left: Date the member left the program, if they did; not before ``joined``.
        national_id: *NIK*, 16 digits (personal data).
        phone: Phone number (personal data).
        birth_year: Year of birth.
        application_id: The application (:class:`~klaster.model.applicant.Applicant`) the
            member was enrolled from, if any; checked against ``program.intake``. Applicant and
            member IDs are separate namespaces: an applicant may keep its ID as a member.

    Example:
        >>> import datetime
        >>> m = Member(id="BTG-0001", name="Siti", sex=Sex.FEMALE, household_size=4,
        ...            village="Pa'jukukang", sector="umkm", joined=datetime.date(2011, 6, 1))
        >>> m.is_active(datetime.date(2012, 1, 1))
        True
    """

    id: str = field(validator=check_id)
    name: str = field(validator=check_text, repr=False)
    sex: Sex = field(converter=_to_sex, validator=check_enum(Sex))
    household_size: int = field(validator=int_at_least(1))
    village: str = field(validator=check_text)
    sector: str = field(validator=check_code)
    joined: _dt.date = field(converter=to_date, validator=check_date)
    business_type: str | None = field(default=None, validator=check_optional_text)
    left: _dt.date | None = field(
        default=None,
        converter=to_optional_date,
        validator=[check_optional_date, check_order("joined", "left")],
    )
    national_id: str | None = field(default=None, validator=check_nik, repr=False)
    phone: str | None = field(default=None, validator=check_phone, repr=False)
    birth_year: int | None = field(default=None, validator=_check_birth_year)
    application_id: str | None = field(default=None, validator=check_optional_id)

    def is_active(self, on: _dt.date) -> bool:
        """Whether the member is in the program on ``on`` (joined on or before, not yet left)."""
        return self.joined <= on and (self.left is None or on < self.left)
