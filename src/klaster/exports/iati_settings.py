"""What an IATI export needs that a program does not hold: who reports, and how to code it.

:class:`IatiSettings` names the reporting organisation (its IATI organisation identifier, type and
names), the identifier prefix, the currency and language, the date-time the file says it was
generated (passed in, so that the same input always gives the same file), the map from lifecycle
phases to IATI activity statuses, and optional identities of the program's organisations
(:class:`OrgIdentity`) and a crosswalk of Kemendagri region codes to a geographic vocabulary IATI
lists (:class:`AdminCode`). Every field is checked on construction against the IATI 2.03 codes
it may hold, with the path of the field in the message.
"""

from __future__ import annotations

import datetime as _dt
import re
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from attrs import field, frozen

from klaster.errors import ValidationError
from klaster.label import Label, check_label, to_label
from klaster.model.phases import Phase

__all__ = [
    "ACTIVITY_STATUS",
    "DEFAULT_STATUS",
    "GEOGRAPHIC_VOCABULARY",
    "ORGANISATION_TYPE",
    "AdminCode",
    "IatiSettings",
    "OrgIdentity",
]

# Codes of the IATI 2.03 codelists the settings may hold (codelists/*.xml of the standard; the
# tests check these sets against the official files).
ACTIVITY_STATUS: Mapping[str, str] = MappingProxyType(
    {
        "1": "Pipeline/identification",
        "2": "Implementation",
        "3": "Finalisation",
        "4": "Closed",
        "5": "Cancelled",
        "6": "Suspended",
    }
)
"""ActivityStatus codes and names."""
ORGANISATION_TYPE: Mapping[str, str] = MappingProxyType(
    {
        "10": "Government",
        "11": "Local Government",
        "15": "Other Public Sector",
        "21": "International NGO",
        "22": "National NGO",
        "23": "Regional NGO",
        "24": "Partner Country based NGO",
        "30": "Public Private Partnership",
        "40": "Multilateral",
        "60": "Foundation",
        "70": "Private Sector",
        "71": "Private Sector in Provider Country",
        "72": "Private Sector in Aid Recipient Country",
        "73": "Private Sector in Third Country",
        "80": "Academic, Training and Research",
        "90": "Other",
    }
)
"""OrganisationType codes and names."""
GEOGRAPHIC_VOCABULARY: Mapping[str, str] = MappingProxyType(
    {
        "A1": "Global Admininistrative Unit Layers",
        "A2": "UN Second Administrative Level Boundary Project",
        "A3": "Global Administrative Areas",
        "A4": "ISO Country (3166-1 alpha-2)",
        "G1": "Geonames",
        "G2": "OpenStreetMap",
    }
)
"""GeographicVocabulary codes and names."""

DEFAULT_STATUS: Mapping[Phase, str] = MappingProxyType({p: str(p.iati_status) for p in Phase})
"""Lifecycle phase → IATI ActivityStatus: planning is pipeline (1), growth and strengthening are
implementation (2), independence and the monitoring after it finalisation (3: the work is done,
the activity stays open for monitoring and evaluation), cancelled 5, suspended 6. Closed (4) is
no phase of a cluster's lifecycle; map one to it in ``status`` when a donor asks for it."""

# An IATI organisation identifier: a registration agency code ("XM-DAC", "ID-KHH") then the
# agency's identifier. The standard forbids spaces and the characters / & | ? in identifiers.
ORG_REF = re.compile(r"^[A-Z]{2}-[A-Z0-9]+-[A-Za-z0-9][A-Za-z0-9._:-]*\Z")
_EXAMPLE = "e.g. 'XM-DAC-41114' or 'ID-KHH-AHU-0012345'"


def check_org_ref(value: object, path: str) -> None:
    """Raise :class:`ValidationError` at ``path`` unless ``value`` is an IATI organisation ID."""
    if not isinstance(value, str) or not value.strip():
        raise ValidationError(
            f"an IATI organisation identifier is required ({_EXAMPLE})", path=path
        )
    if not ORG_REF.match(value):
        raise ValidationError(
            f"{value!r} is not an IATI organisation identifier: write the registration agency "
            f"code, a '-', then the agency's identifier, without spaces or / & | ? ({_EXAMPLE})",
            path=path,
        )


def _code_in(codes: Mapping[str, str], name: str) -> Any:
    def check(_inst: object, attribute: Any, value: object) -> None:
        require_code_in(codes, name, value, attribute.name)

    return check


def require_code_in(codes: Mapping[str, str], name: str, value: object, path: str) -> None:
    """Raise :class:`ValidationError` at ``path`` unless ``value`` is one of the codelist's."""
    if not isinstance(value, str) or value not in codes:
        valid = ", ".join(f"{code} ({label})" for code, label in codes.items())
        raise ValidationError(
            f"{value!r} is not an IATI {name} code; use one of: {valid}", path=path
        )


@frozen
class OrgIdentity:
    """How one of the program's organisations is identified in IATI.

    Args:
        type: OrganisationType code (``"22"`` national NGO, ``"10"`` government...).
        ref: Its IATI organisation identifier, if it has one (``"XM-DAC-41114"``).
    """

    type: str = field(validator=_code_in(ORGANISATION_TYPE, "OrganisationType"))
    ref: str | None = field(default=None)

    def __attrs_post_init__(self) -> None:
        if self.ref is not None:
            check_org_ref(self.ref, "ref")


@frozen
class AdminCode:
    """A region's code in a geographic vocabulary IATI lists (a crosswalk entry).

    IATI's GeographicVocabulary has no Indonesian national vocabulary, so a Kemendagri code is
    never written as an ``administrative`` code; it is the location's ``ref``. A publisher who
    holds, say, the GADM code of a kabupaten gives it here.

    Args:
        vocabulary: GeographicVocabulary code (``"A3"`` GADM, ``"G1"`` GeoNames...).
        code: The region's code in that vocabulary.
        level: The administrative level (1 province, 2 kabupaten, 3 kecamatan, 4 desa).
    """

    vocabulary: str = field(validator=_code_in(GEOGRAPHIC_VOCABULARY, "GeographicVocabulary"))
    code: str = field()
    level: int = field()

    def __attrs_post_init__(self) -> None:
        if not isinstance(self.code, str) or not self.code.strip():
            raise ValidationError("must be a non-empty code", path="code")
        if type(self.level) is not int or not 1 <= self.level <= 4:
            raise ValidationError(
                "must be 1 (province) to 4 (desa), got " + repr(self.level), path="level"
            )


def _to_status(value: Mapping[Phase | str, str | int]) -> Mapping[Phase, str]:
    if not isinstance(value, Mapping):
        return value
    converted: dict[Any, Any] = {}
    for phase, code in value.items():
        try:
            key: Any = Phase(phase)
        except ValueError:
            key = phase  # refused with its name by _check_status
        converted[key] = str(code) if isinstance(code, int) and not isinstance(code, bool) else code
    return MappingProxyType(converted)


def _check_status(_inst: object, attribute: Any, value: Any) -> None:
    if not isinstance(value, Mapping):
        raise ValidationError("must map lifecycle phases to ActivityStatus codes", path="status")
    for phase, code in value.items():
        if not isinstance(phase, Phase):
            valid = ", ".join(p.value for p in Phase)
            raise ValidationError(f"{phase!r} is not a phase; use one of: {valid}", path="status")
        require_code_in(ACTIVITY_STATUS, "ActivityStatus", code, f"status.{phase.value}")


def _to_identities(value: Mapping[str, OrgIdentity]) -> Mapping[str, OrgIdentity]:
    return MappingProxyType(dict(value)) if isinstance(value, Mapping) else value


def _check_mapping(cls: type) -> Any:
    def check(_inst: object, attribute: Any, value: Any) -> None:
        if not isinstance(value, Mapping):
            raise ValidationError(f"must map keys to {cls.__name__}s", path=attribute.name)
        for key, item in value.items():
            if not isinstance(key, str) or not isinstance(item, cls):
                raise ValidationError(
                    f"must be a {cls.__name__}, got {type(item).__name__}",
                    path=f"{attribute.name}[{key!r}]",
                )

    return check


def _check_ref(_inst: object, attribute: Any, value: Any) -> None:
    check_org_ref(value, attribute.name)


def _check_prefix(_inst: object, attribute: Any, value: Any) -> None:
    if value is not None:
        check_org_ref(value, attribute.name)


def _check_generated(_inst: object, attribute: Any, value: Any) -> None:
    if not isinstance(value, _dt.datetime):
        raise ValidationError(
            "must be a datetime (the file's generated-datetime, passed in so that the same "
            "input gives the same file), e.g. datetime(2024, 1, 31, 12, 0, tzinfo=UTC)",
            path=attribute.name,
        )


def _check_one_of(*allowed: str) -> Any:
    def check(_inst: object, attribute: Any, value: Any) -> None:
        if value not in allowed:
            raise ValidationError(
                f"{value!r} is not supported; use {' or '.join(map(repr, allowed))}",
                path=attribute.name,
            )

    return check


@frozen
class IatiSettings:
    """The reporting organisation and the choices of one IATI 2.03 activity export.

    Args:
        reporting_org_ref: The reporting organisation's IATI organisation identifier
            (``"XM-DAC-..."``, ``"ID-KHH-..."``); required.
        reporting_org_type: Its OrganisationType code (``"22"`` national NGO).
        reporting_org_name: Its name in Indonesian and English.
        generated: When the file is generated (the ``generated-datetime`` and every activity's
            ``last-updated-datetime``); passed in, never read from the clock.
        identifier_prefix: The prefix of the activity identifiers (default: the reporting
            organisation's identifier): ``{prefix}-{program id}[-{cluster id}]``.
        currency: The default currency; the ledger is in rupiah, so ``"IDR"``.
        language: The activities' default ``xml:lang`` (``"id"`` or ``"en"``); titles and
            descriptions are written in both.
        status: Lifecycle phase → ActivityStatus code (default :data:`DEFAULT_STATUS`); a
            cluster in a phase missing here cannot be exported.
        organisations: IATI identities of the program's organisations by organisation ID (type
            and identifier); the others get a type from their kind and no identifier. The
            program's own organisation is the reporting organisation unless listed here.
        admin_codes: Kemendagri region code → :class:`AdminCode` (a crosswalk to a vocabulary
            IATI lists), written as the locations' ``administrative`` codes.
        budget_status: BudgetStatus code of the budgets: ``"1"`` indicative, ``"2"`` committed.

    Example:
        >>> import datetime as dt
        >>> s = IatiSettings("XM-DAC-00000", "22", Label("Contoh", "Example"),
        ...                  dt.datetime(2024, 1, 31, 12, 0, tzinfo=dt.timezone.utc))
        >>> s.prefix
        'XM-DAC-00000'
    """

    reporting_org_ref: str = field(validator=_check_ref)
    reporting_org_type: str = field(validator=_code_in(ORGANISATION_TYPE, "OrganisationType"))
    reporting_org_name: Label = field(converter=to_label, validator=check_label)
    generated: _dt.datetime = field(validator=_check_generated)
    identifier_prefix: str | None = field(default=None, validator=_check_prefix)
    currency: str = field(default="IDR", validator=_check_one_of("IDR"))
    language: str = field(default="id", validator=_check_one_of("id", "en"))
    status: Mapping[Phase, str] = field(
        default=DEFAULT_STATUS, converter=_to_status, validator=_check_status
    )
    organisations: Mapping[str, OrgIdentity] = field(
        factory=dict, converter=_to_identities, validator=_check_mapping(OrgIdentity)
    )
    admin_codes: Mapping[str, AdminCode] = field(
        factory=dict, converter=_to_identities, validator=_check_mapping(AdminCode)
    )
    budget_status: str = field(default="1", validator=_check_one_of("1", "2"))

    @property
    def prefix(self) -> str:
        """The activity identifiers' prefix."""
        return self.identifier_prefix or self.reporting_org_ref
