"""Kinds of activity: the documented core kinds and those the sector plugins add.

The model never imports the plugins (docs/architecture.md): :mod:`klaster.plugins` installs a
source of the plugins' kinds (the ``klaster_activity_kinds`` hook) here, and every path that
takes an activity in (the API, a program document, the store, an import) checks its kind
through :func:`check_activity_kind`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from attrs import field, frozen

from klaster._support.validate import check_code, check_optional_id
from klaster.errors import ValidationError
from klaster.label import Label

__all__ = [
    "CORE_ACTIVITY_KINDS",
    "MENTORING_VISIT",
    "ActivityKind",
    "activity_kinds",
    "check_activity_kind",
    "install_kind_source",
    "unknown_kinds_kept",
]


def _check_label(_inst: object, attribute: Any, value: Any) -> None:
    if not isinstance(value, Label):
        raise ValidationError(
            "must be a Label, e.g. Label('Pelatihan', 'Training')",
            path=attribute.name,
        )


@frozen
class ActivityKind:
    """A kind of activity.

    Args:
        code: Code (``"training"``; a plugin's own, e.g. ``"harvest_day"``).
        label: Bilingual name.
        sector: The sector code of the plugin that declares it; ``None`` for the core kinds.
        description: Bilingual explanation.
    """

    code: str = field(validator=check_code)
    label: Label = field(validator=_check_label)
    sector: str | None = field(default=None, validator=check_optional_id)
    description: Label | None = None


CORE_ACTIVITY_KINDS: tuple[ActivityKind, ...] = (
    ActivityKind(
        "study",
        Label("Studi / pemetaan kemiskinan", "Study / poverty mapping"),
        description=Label(
            "Studi lokasi, peta kemiskinan dan potensi", "Location, poverty-map or potential study"
        ),
    ),
    ActivityKind(
        "socialisation",
        Label("Sosialisasi", "Socialisation"),
        description=Label(
            "Sosialisasi program kepada mitra dan pemerintah daerah",
            "Introducing the program to members and local government",
        ),
    ),
    ActivityKind(
        "workshop",
        Label("Lokakarya (workshop)", "Workshop"),
        description=Label(
            "Workshop pembukaan, penguatan atau pemandirian",
            "Opening, strengthening or independence (closing) workshop",
        ),
    ),
    ActivityKind("training", Label("Pelatihan", "Training")),
    ActivityKind(
        "group_meeting",
        Label("Pertemuan kelompok", "Group meeting"),
        description=Label(
            "Pertemuan rutin kelompok, termasuk pembacaan Ikrar Mitra",
            "A group's regular meeting, including the members' pledge (Ikrar Mitra)",
        ),
    ),
    ActivityKind("field_visit", Label("Kunjungan lapangan", "Field visit")),
    ActivityKind("ceremony", Label("Seremoni / peresmian", "Ceremony")),
    ActivityKind("other", Label("Kegiatan lain", "Other activity")),
)
"""The core kinds every program has. Mentoring visits are the mentoring log's, not a kind."""

MENTORING_VISIT = "mentoring_visit"
"""How listings show a visit of the mentoring log beside activities; no activity has this kind."""

KindSource = Callable[[], Iterable[ActivityKind]]
_sources: list[KindSource] = []


def install_kind_source(source: KindSource | None) -> KindSource | None:
    """Install where the plugins' kinds come from (``None`` removes it); return the previous.

    Internal: :mod:`klaster.plugins` installs one backed by the shared plugin host.
    """
    previous = _sources[0] if _sources else None
    _sources.clear()
    if source is not None:
        _sources.append(source)
    return previous


def activity_kinds() -> Mapping[str, ActivityKind]:
    """Every known kind by code: the core kinds, then the installed plugins'."""
    kinds = {kind.code: kind for kind in CORE_ACTIVITY_KINDS}
    if _sources:
        for kind in _sources[0]():
            kinds.setdefault(kind.code, kind)
    return kinds


_kept: ContextVar[list[str] | None] = ContextVar("klaster_unknown_kinds", default=None)


@contextmanager
def unknown_kinds_kept() -> Iterator[list[str]]:
    """While a program is read: keep activities of kinds no loaded plugin declares.

    Internal, for program documents and the store: a kind's plugin may be missing, and a missing
    plugin must not make the whole program unreadable. The kinds kept are collected in the list
    yielded; the reader reports them with the missing plugins, or reads again with every check
    when no plugin is missing (then the unknown kind is an error, located as ever).
    """
    kept: list[str] = []
    token = _kept.set(kept)
    try:
        yield kept
    finally:
        _kept.reset(token)


def check_activity_kind(code: str, path: str = "kind") -> None:
    """Raise unless ``code`` is a known kind (kept, while a program is read, for its report).

    Raises:
        ValidationError: At ``path``, listing the known kinds.
    """
    known = activity_kinds()
    if code not in known:
        kept = _kept.get()
        if kept is not None:
            kept.append(code)
            return
        raise ValidationError(
            f"unknown activity kind {code!r}; known kinds: {', '.join(sorted(known))} "
            "(mentoring visits go in the mentoring log; sectors add kinds through the "
            "klaster_activity_kinds hook)",
            path=path,
        )
