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
:mod:`~klaster.testing.program_strategies`); this module gathers them all.
"""

from __future__ import annotations

# Private names stay importable from here: tests written before the split use them.
from klaster.testing._drawing import _ANY_ID as _ANY_ID
from klaster.testing._drawing import _CODE as _CODE
from klaster.testing._drawing import _DIGITS as _DIGITS
from klaster.testing._drawing import _ID_CHARS as _ID_CHARS
from klaster.testing._drawing import _LOWER as _LOWER
from klaster.testing._drawing import _MAX_DATE as _MAX_DATE
from klaster.testing._drawing import _MIN_DATE as _MIN_DATE
from klaster.testing._drawing import _PLACE_NAME as _PLACE_NAME
from klaster.testing._drawing import _READABLE_ID as _READABLE_ID
from klaster.testing._drawing import _TEXT as _TEXT
from klaster.testing._drawing import _TEXT_CHARS as _TEXT_CHARS
from klaster.testing._drawing import _TEXT_SIZE as _TEXT_SIZE
from klaster.testing._drawing import _UNICODE_ID as _UNICODE_ID
from klaster.testing._drawing import _WORD as _WORD
from klaster.testing._drawing import T as T
from klaster.testing._drawing import _check_size as _check_size
from klaster.testing._drawing import _later as _later
from klaster.testing._drawing import _maybe as _maybe
from klaster.testing._drawing import _on_or_after as _on_or_after
from klaster.testing._drawing import _pick as _pick
from klaster.testing._drawing import _text as _text
from klaster.testing.basic_strategies import DEFAULT_SECTORS, codes, dates, ids, texts
from klaster.testing.basic_strategies import _any_ids as _any_ids
from klaster.testing.lifecycle_strategies import _lifecycles as _lifecycles
from klaster.testing.lifecycle_strategies import _phase_changes as _phase_changes
from klaster.testing.lifecycle_strategies import _returning as _returning
from klaster.testing.lifecycle_strategies import (
    check_results,
    lifecycles,
    overrides,
    phase_changes,
)
from klaster.testing.member_strategies import _NIK as _NIK
from klaster.testing.member_strategies import _PHONE as _PHONE
from klaster.testing.member_strategies import _cooperatives as _cooperatives
from klaster.testing.member_strategies import _groups as _groups
from klaster.testing.member_strategies import _legal_statuses as _legal_statuses
from klaster.testing.member_strategies import _members as _members
from klaster.testing.member_strategies import _memberships as _memberships
from klaster.testing.member_strategies import _spells as _spells
from klaster.testing.member_strategies import (
    cooperatives,
    groups,
    legal_statuses,
    members,
    memberships,
)
from klaster.testing.organisation_strategies import _organisations as _organisations
from klaster.testing.organisation_strategies import cluster_sectors, organisations, stakeholders
from klaster.testing.program_strategies import _clusters as _clusters
from klaster.testing.program_strategies import _programs as _programs
from klaster.testing.program_strategies import clusters, programs
from klaster.testing.region_strategies import _BPS_CODE as _BPS_CODE
from klaster.testing.region_strategies import _REGION_STATS as _REGION_STATS
from klaster.testing.region_strategies import _STAT_KINDS as _STAT_KINDS
from klaster.testing.region_strategies import _region as _region
from klaster.testing.region_strategies import _region_stats as _region_stats
from klaster.testing.region_strategies import _regions as _regions
from klaster.testing.region_strategies import region_stats, regions, village_keys

__all__ = [
    "DEFAULT_SECTORS",
    "check_results",
    "cluster_sectors",
    "clusters",
    "codes",
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
    "phase_changes",
    "programs",
    "region_stats",
    "regions",
    "stakeholders",
    "texts",
    "village_keys",
]
