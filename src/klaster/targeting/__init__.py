"""Choosing where and whom: location targeting, eligibility screening, targeting errors.

Candidate regions and their ranking (:func:`read_regions_csv`, :class:`RankingRule`,
:func:`rank`), eligibility screening of applicants, and inclusion and exclusion errors against a
later survey. See docs/targeting.md and docs/intake.md.
"""

from klaster.targeting.candidates import (
    STAT_INDICATORS,
    SYNTHETIC_NOTE,
    CandidateRegion,
    Figure,
    RegionIndicator,
    indicators_of,
)
from klaster.targeting.decisions import EligibilityDecision, Screening
from klaster.targeting.eligibility_file import RULES_VERSION, load_rules, read_rules
from klaster.targeting.eligibility_rules import EligibilityRules, Form, rule_problems
from klaster.targeting.error_table import (
    Breakdown,
    TargetingErrorRow,
    TargetingErrors,
    TargetingMeasure,
)
from klaster.targeting.had_kifayah import HadKifayah, KifayahBasis, KifayahMatch, KifayahValue
from klaster.targeting.ranking import NORMALISED_PLACES, rank
from klaster.targeting.ranking_rule import Exclusion, RankingRule, Threshold, Weight
from klaster.targeting.ranking_table import RankingTable
from klaster.targeting.regions_csv import (
    MAX_REGION_ROWS,
    REGION_COLUMNS,
    parse_regions_csv,
    read_regions_csv,
)
from klaster.targeting.rule_file import RULE_VERSION, load_rule, parse_rule
from klaster.targeting.screen_file import screen_file, screen_frame, write_decisions
from klaster.targeting.screening import Backend, screen
from klaster.targeting.screening_variables import (
    ASNAF,
    HOUSEHOLD_SIZE,
    SCREENING_VARIABLES,
    screening_catalogue,
)
from klaster.targeting.targeting_errors import SCREENING_NOTE, targeting_errors
from klaster.targeting.verification import Verification

__all__: list[str] = []
# Location targeting: candidate regions and their ranking.
__all__ += [
    "MAX_REGION_ROWS",
    "NORMALISED_PLACES",
    "REGION_COLUMNS",
    "RULE_VERSION",
    "STAT_INDICATORS",
    "SYNTHETIC_NOTE",
    "CandidateRegion",
    "Exclusion",
    "Figure",
    "RankingRule",
    "RankingTable",
    "RegionIndicator",
    "Threshold",
    "Weight",
    "indicators_of",
    "load_rule",
    "parse_regions_csv",
    "parse_rule",
    "rank",
    "read_regions_csv",
]
# Eligibility rules and screening.
__all__ += [
    "ASNAF",
    "HOUSEHOLD_SIZE",
    "RULES_VERSION",
    "SCREENING_VARIABLES",
    "Backend",
    "EligibilityDecision",
    "EligibilityRules",
    "Form",
    "HadKifayah",
    "KifayahBasis",
    "KifayahMatch",
    "KifayahValue",
    "Screening",
    "load_rules",
    "read_rules",
    "rule_problems",
    "screen",
    "screen_file",
    "screen_frame",
    "screening_catalogue",
    "write_decisions",
]
# Inclusion and exclusion error.
__all__ += [
    "SCREENING_NOTE",
    "Breakdown",
    "TargetingErrorRow",
    "TargetingErrors",
    "TargetingMeasure",
    "Verification",
    "targeting_errors",
]
