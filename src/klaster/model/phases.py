"""The phases of a cluster's lifecycle and the moves the main path allows between them.

A cluster runs for about three years: planning, growth (*penumbuhan*), strengthening
(*penguatan*), independence (*pemandirian*, exit with the asset handover) and monitoring after
exit. It can be suspended and resumed, or cancelled.
"""

from __future__ import annotations

from collections.abc import Mapping

from klaster._support.validate import enum_value
from klaster.label import LabelledEnum, labelled

__all__ = ["Phase"]


class Phase(LabelledEnum):
    """A phase of a cluster's lifecycle.

    The main path is ``PLANNING → GROWTH → STRENGTHENING → INDEPENDENCE → MONITORING``.
    ``SUSPENDED`` pauses any phase before independence and resumes to the phase it paused;
    ``CANCELLED`` ends a cluster that never reached independence.
    """

    PLANNING = labelled("planning", "Perencanaan", "Planning")
    """Perencanaan: location study, poverty data, choice of kecamatan and desa."""
    GROWTH = labelled("growth", "Penumbuhan", "Growth")
    """Penumbuhan: socialisation, opening workshop, forming groups, first financing."""
    STRENGTHENING = labelled("strengthening", "Penguatan", "Strengthening")
    """Penguatan: group financing (revolving fund), capacity, markets, the legal cooperative."""
    INDEPENDENCE = labelled("independence", "Pemandirian", "Independence")
    """Pemandirian: exit; assets are handed over to the cooperative at the closing workshop."""
    MONITORING = labelled("monitoring", "Pemantauan pasca-pemandirian", "Post-exit monitoring")
    """Pemantauan pasca-pemandirian: monitoring after exit, by the NGO or local government."""
    SUSPENDED = labelled("suspended", "Dihentikan sementara", "Suspended")
    """Dihentikan sementara: paused; resumes to the phase it paused."""
    CANCELLED = labelled("cancelled", "Dibatalkan", "Cancelled")
    """Dibatalkan: ended before independence."""

    @property
    def iati_status(self) -> int:
        """The IATI ActivityStatus code (1 pipeline ... 6 suspended) this phase maps to."""
        return _IATI_STATUS[self]


_IATI_STATUS: Mapping[Phase, int] = {
    Phase.PLANNING: 1,
    Phase.GROWTH: 2,
    Phase.STRENGTHENING: 2,
    Phase.INDEPENDENCE: 3,
    Phase.MONITORING: 3,  # finalisation: open for monitoring; closed (4) is said explicitly
    Phase.CANCELLED: 5,
    Phase.SUSPENDED: 6,
}


def to_phase(value: Phase | str) -> Phase:
    """``value`` as a :class:`Phase` (internal converter; raises ValidationError naming them)."""
    return enum_value(Phase, value)
