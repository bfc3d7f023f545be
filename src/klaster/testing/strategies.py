"""Hypothesis strategies for every klaster model, for the tests of klaster, plugins and users.

Everything these strategies generate is *valid*: constructing it never raises, and programs,
clusters and lifecycles are consistent as a whole (members live in the cluster's villages and work
in its sectors, groups list members of their own cluster and sector, IDs are unique program-wide,
lifecycles are histories of legal moves). Sizes are small by default so that a property runs in
milliseconds; every collection strategy has ``max_*`` parameters to scale it up.

Requires `hypothesis <https://hypothesis.readthedocs.io>`_ (``pip install klaster[test]``).

Example:
    A round-trip property for a plugin that stores programs::

        >>> import klaster
        >>> from hypothesis import given, settings
        >>> @settings(max_examples=5, deadline=None, database=None)
        ... @given(programs(max_clusters=1))
        ... def test_round_trip(program):
        ...     assert klaster.loads(klaster.dumps(program)) == program
        >>> test_round_trip()

Strategies that build records from other records take the context as arguments (``sectors``,
``villages``, ``member_ids``, ``organisation_ids``...), so a custom cluster can reuse them::

    >>> strategy = members(sectors=["livestock"], villages=["Gaji"])

The strategies live in one module per model area (:mod:`~klaster.testing.basic_strategies`,
:mod:`~klaster.testing.member_strategies`, :mod:`~klaster.testing.region_strategies`,
:mod:`~klaster.testing.organisation_strategies`, :mod:`~klaster.testing.lifecycle_strategies`,
:mod:`~klaster.testing.program_strategies`, :mod:`~klaster.testing.people_strategies`,
:mod:`~klaster.testing.fieldwork_strategies`, :mod:`~klaster.testing.applicant_strategies`); this
module gathers them all.
"""

from __future__ import annotations

from klaster.testing.applicant_strategies import answers, applicants, programs_with_intake
from klaster.testing.basic_strategies import DEFAULT_SECTORS, codes, dates, ids, texts
from klaster.testing.fieldwork_strategies import (
    activities,
    commitments,
    plans,
    programs_with_fieldwork,
    visits,
)
from klaster.testing.lifecycle_strategies import (
    check_results,
    lifecycles,
    overrides,
    phase_changes,
)
from klaster.testing.member_strategies import (
    cooperatives,
    groups,
    legal_statuses,
    members,
    memberships,
)
from klaster.testing.organisation_strategies import cluster_sectors, organisations, stakeholders
from klaster.testing.people_strategies import (
    assignments,
    board_terms,
    boards,
    persons,
    positions,
)
from klaster.testing.program_strategies import clusters, programs
from klaster.testing.region_strategies import region_stats, regions, village_keys

__all__ = [
    "DEFAULT_SECTORS",
    "activities",
    "answers",
    "applicants",
    "assignments",
    "board_terms",
    "boards",
    "check_results",
    "cluster_sectors",
    "clusters",
    "codes",
    "commitments",
    "cooperatives",
    "dates",
    "groups",
    "ids",
    "legal_statuses",
    "lifecycles",
    "members",
    "memberships",
    "organisations",
    "overrides",
    "persons",
    "phase_changes",
    "plans",
    "positions",
    "programs",
    "programs_with_fieldwork",
    "programs_with_intake",
    "region_stats",
    "regions",
    "stakeholders",
    "texts",
    "village_keys",
    "visits",
]
