"""Strategies for organisations and their place in a cluster: partners of sectors, stakeholders.

Requires `hypothesis <https://hypothesis.readthedocs.io>`_ (``pip install klaster[test]``).
"""

from __future__ import annotations

from collections.abc import Sequence

from hypothesis import strategies as st

from klaster.model.organisation import ClusterSector, Organisation, OrgKind, Stakeholder
from klaster.testing._drawing import pick
from klaster.testing.basic_strategies import DEFAULT_SECTORS, ids, texts
from klaster.testing.basic_strategies import ids as any_ids

__all__ = ["cluster_sectors", "organisations", "stakeholders"]


@st.composite
def _organisations(draw: st.DrawFn, id_strategy: st.SearchStrategy[str]) -> Organisation:
    return Organisation(
        id=draw(id_strategy),
        name=draw(texts()),
        kind=draw(st.sampled_from(OrgKind)),
        note=draw(st.none() | texts()),
    )


def organisations(*, ids: st.SearchStrategy[str] | None = None) -> st.SearchStrategy[Organisation]:
    """Organisations: the NGO, implementing partners, government offices, funders.

    Args:
        ids: Strategy for the organisation's ID (default :func:`ids`).

    Returns:
        A strategy of valid :class:`~klaster.Organisation` records.
    """
    return _organisations(ids if ids is not None else any_ids())


def cluster_sectors(
    *, sectors: Sequence[str] | None = None, partner_ids: Sequence[str] = ()
) -> st.SearchStrategy[ClusterSector]:
    """A sector of a cluster with its implementing partner (or none).

    Args:
        sectors: Sector codes to choose from (default :data:`DEFAULT_SECTORS`).
        partner_ids: Organisation IDs to choose the partner from; with none, no partner is named.

    Returns:
        A strategy of valid :class:`~klaster.ClusterSector` records.
    """
    partners = st.none() | st.sampled_from(list(partner_ids)) if partner_ids else st.none()
    return st.builds(ClusterSector, pick(sectors, st.sampled_from(DEFAULT_SECTORS)), partners)


def stakeholders(*, organisation_ids: Sequence[str]) -> st.SearchStrategy[Stakeholder]:
    """An organisation's role in a cluster.

    Args:
        organisation_ids: Organisation IDs to choose from (at least one).

    Returns:
        A strategy of valid :class:`~klaster.Stakeholder` records.
    """
    return st.builds(Stakeholder, pick(organisation_ids, ids()), texts())
