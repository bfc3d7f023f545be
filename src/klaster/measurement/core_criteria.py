"""The core's own readiness criteria for independence (*kriteria kesiapan pemandirian*).

Sector plugins contribute the criteria of their trade through the ``klaster_readiness_criteria``
hook; these three hold for every cluster whatever its sectors, because they are what the
*Klaster Mandiri* exit rests on: a cooperative with legal status (*koperasi berbadan hukum*) to
receive the assets, groups that still meet, and member income clearly up over the baseline
(the seed reports speak of farmers' income up more than 50%). They read core indicators
(:mod:`klaster.measurement.core_indicators`), at cluster level, in the round being judged.

The thresholds are arguments because programs set their own; the defaults are the ones the
seed reports give.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from klaster.catalogue.criterion import Operator, ReadinessCriterion
from klaster.catalogue.variable import Level
from klaster.label import Label
from klaster.observations.core_variables import CORE_SECTOR

if TYPE_CHECKING:
    from klaster.model.cluster import Cluster
    from klaster.plugins.host import PluginHost

__all__ = ["cluster_exit_criteria", "core_criteria", "mentoring_criteria"]


def core_criteria(
    *,
    income_change_pct: Decimal | int | str = 50,
    active_group_share: Decimal | int | str = "0.80",
    legal_cooperatives: int = 1,
) -> tuple[ReadinessCriterion, ...]:
    """The core readiness criteria, checked at cluster level.

    Args:
        income_change_pct: Paired income change over the baseline, in percent, that must be
            exceeded (``income_change_pct`` indicator; default more than 50%).
        active_group_share: Share of groups active, at least (``active_group_share``; default
            0.80).
        legal_cooperatives: Cooperatives with legal status, at least (``legal_cooperatives``;
            default 1). This one is essential: without a legal cooperative nobody can receive
            the handed-over assets.

    Returns:
        ``core_legal_cooperative`` (essential), ``core_groups_active`` and ``core_income_up``.

    Example:
        >>> [c.code for c in core_criteria()]
        ['core_legal_cooperative', 'core_groups_active', 'core_income_up']
        >>> core_criteria(income_change_pct=30)[2].threshold
        Decimal('30')
    """
    return (
        ReadinessCriterion(
            "core_legal_cooperative", CORE_SECTOR, Level.CLUSTER,
            Label("Koperasi berbadan hukum sudah ada", "A cooperative with legal status exists"),
            "legal_cooperatives", Operator.GE, legal_cooperatives, essential=True,
            description=Label(
                "Aset diserahkan kepada koperasi saat pemandirian; koperasi harus berbadan hukum.",
                "Assets are handed over to the cooperative at exit; it must be a legal entity.",
            ),
        ),
        ReadinessCriterion(
            "core_groups_active", CORE_SECTOR, Level.CLUSTER,
            Label("Kelompok masih aktif", "Groups still active"),
            "active_group_share", Operator.GE, active_group_share,
        ),
        ReadinessCriterion(
            "core_income_up", CORE_SECTOR, Level.CLUSTER,
            Label("Pendapatan mitra naik dari data awal", "Members' income up over the baseline"),
            "income_change_pct", Operator.GT, income_change_pct,
            description=Label(
                "Perubahan pendapatan berpasangan (mitra yang disurvei di kedua putaran), persen.",
                "Paired income change (members surveyed in both rounds), in percent.",
            ),
        ),
    )  # fmt: skip


def mentoring_criteria(
    *,
    groups_visited_share: Decimal | int | str = 1,
    months_since_mentoring: int = 6,
) -> tuple[ReadinessCriterion, ...]:
    """Readiness criteria on the mentoring log, for a program to combine as it decides.

    Not among :func:`core_criteria` (a program without a mentoring log would have them not
    apply): add them to a rule, e.g. ``AllOf([*core_criteria(), *mentoring_criteria()])``, or
    pick one: during strengthening, every group visited in the last quarter; at exit, mentoring
    ended some months before.

    Args:
        groups_visited_share: Share of groups visited in the last 90 days, at least
            (``groups_visited_90d``; default 1: all groups).
        months_since_mentoring: Whole months since the cluster's last visit, at least
            (``months_since_mentoring_ended``; default 6).

    Returns:
        ``core_groups_visited_quarter`` and ``core_mentoring_ended``.

    Example:
        >>> [(c.code, c.reads, str(c.threshold)) for c in mentoring_criteria()]
        [('core_groups_visited_quarter', 'groups_visited_90d', '1'), \
('core_mentoring_ended', 'months_since_mentoring_ended', '6')]
    """
    return (
        ReadinessCriterion(
            "core_groups_visited_quarter", CORE_SECTOR, Level.CLUSTER,
            Label("Semua kelompok dikunjungi dalam triwulan terakhir",
                  "All groups visited in the last quarter"),
            "groups_visited_90d", Operator.GE, groups_visited_share,
        ),
        ReadinessCriterion(
            "core_mentoring_ended", CORE_SECTOR, Level.CLUSTER,
            Label("Pendampingan berakhir sedikitnya 6 bulan sebelum pemandirian",
                  "Mentoring ended at least 6 months before exit"),
            "months_since_mentoring_ended", Operator.GE, months_since_mentoring,
            description=Label(
                "Bulan kalender penuh sejak kunjungan terakhir di klaster.",
                "Whole calendar months since the cluster's last mentoring visit.",
            ),
        ),
    )  # fmt: skip


def cluster_exit_criteria(
    cluster: Cluster, host: PluginHost | None = None
) -> tuple[ReadinessCriterion, ...]:
    """Every cluster-level criterion a cluster's move to independence is judged on.

    The core criteria (:func:`core_criteria`, default thresholds) and the cluster-level criteria
    of each of the cluster's sectors from the plugin host. Combine them in a rule
    (``AllOf(cluster_exit_criteria(cluster))``, or ``Weighted``/``KOfN`` as a program decides) and
    pass ``Measurement.guard(rule, round_id)`` to the lifecycle; the ``klaster advance`` command
    uses ``AllOf`` of these.

    Args:
        cluster: The cluster to judge.
        host: Where the sectors' criteria come from (default: :func:`~klaster.plugins.get_host`).

    Returns:
        Core criteria first, then each sector's in the order of ``cluster.sectors``.
    """
    from klaster.plugins.default import get_host  # the plugins layer, loaded on use

    found = host if host is not None else get_host()
    sectoral = (
        criterion
        for sector in cluster.sector_codes
        for criterion in found.readiness_criteria(sector=sector, level="cluster")
    )
    return (*core_criteria(), *sectoral)
