"""CIBEST quadrants and indices (Beik & Arsyianti 2015), used by Indonesian zakat institutions.

A household is placed by two tests:

* **Material**: its income against a material line *MV*, chosen by :class:`MaterialLine`: the
  value of basic needs from a needs survey, a per-capita poverty line (e.g. BPS) × household size,
  or the zakat *nisab* of 524 kg of rice × the rice price.
* **Spiritual**: its spiritual score, the mean of five items scored 1–5 (prayer, fasting,
  zakat/infak, family environment, government policy; :class:`SpiritualItem`), against the
  spiritual line *SV* (3 by default).

===================== ================================ ==================================
                      spiritual score above SV         spiritual score not above SV
===================== ================================ ==================================
income above MV       I welfare (*sejahtera*)          III spiritual poverty
income not above MV   II material poverty              IV absolute poverty
===================== ================================ ==================================

**The boundary is a setting, and every result records it.** By default a household exactly *on*
a line is counted as poor on that dimension (:attr:`OnLine.POOR`: income ≤ MV is materially
poor, score ≤ SV spiritually poor): the cautious reading, under which a household must be
*above* both lines to count as welfare (quadrant I). Studies applying CIBEST differ on this and
klaster does not settle it. Means of five whole scores land exactly on 3.0 often, so the choice
moves households: set :attr:`CibestConfig.spiritual_on_line` and
:attr:`CibestConfig.material_on_line` to the rule of your study protocol and report it. Note
that FGT (:mod:`klaster.measurement.methods.fgt`) counts a person on the BPS line as *not* poor.

The indices are shares of the placed households: W (quadrant I), Pm (II), Ps (III), Pa (IV);
they sum to 1. :func:`cibest_transitions` cross-tabulates two rounds over the households placed
in both, and counts those placed in only one.

Spiritual scores are sensitive personal data: errors name the item and the household's ID, never
the score.

This module gathers the CIBEST names in one place; each concept lives in its own module:

- :mod:`klaster.measurement.methods.cibest_config`: :class:`MaterialLine`, :class:`CibestConfig`
and the
  boundary rules;
- :mod:`klaster.measurement.methods.cibest_quadrants`: :class:`Quadrant`, :class:`SpiritualItem`,
  :func:`spiritual_score`, :func:`classify`;
- :mod:`klaster.measurement.methods.cibest_indices`: :func:`place_households`, :class:`CibestRound`,
  :class:`CibestIndices`;
- :mod:`klaster.measurement.methods.cibest_transition_matrix`: :func:`cibest_transitions`,
  :class:`CibestTransitions`.
"""

from __future__ import annotations

from klaster.measurement.methods.cibest_config import (
    NISAB_RICE_KG,
    SPIRITUAL_LINE,
    CibestConfig,
    MaterialLine,
    MaterialMethod,
    OnLine,
)
from klaster.measurement.methods.cibest_config import check_material as check_material
from klaster.measurement.methods.cibest_config import check_nisab as check_nisab
from klaster.measurement.methods.cibest_config import (
    check_optional_positive as check_optional_positive,
)
from klaster.measurement.methods.cibest_config import check_positive as check_positive
from klaster.measurement.methods.cibest_config import check_spiritual_line as check_spiritual_line

# Private names stay importable from here.
from klaster.measurement.methods.cibest_config import is_below as is_below
from klaster.measurement.methods.cibest_config import to_method as to_method
from klaster.measurement.methods.cibest_config import to_on_line as to_on_line
from klaster.measurement.methods.cibest_indices import CibestIndices, CibestRound, place_households
from klaster.measurement.methods.cibest_indices import to_placements as to_placements
from klaster.measurement.methods.cibest_quadrants import QUADRANT_ORDER as QUADRANT_ORDER
from klaster.measurement.methods.cibest_quadrants import (
    SPIRITUAL_ITEMS,
    Quadrant,
    SpiritualItem,
    classify,
    spiritual_score,
)
from klaster.measurement.methods.cibest_quadrants import check_score as check_score
from klaster.measurement.methods.cibest_quadrants import quadrant_of as quadrant_of
from klaster.measurement.methods.cibest_transition_matrix import (
    CibestTransitions,
    cibest_transitions,
)

__all__ = [
    "NISAB_RICE_KG",
    "SPIRITUAL_ITEMS",
    "SPIRITUAL_LINE",
    "CibestConfig",
    "CibestIndices",
    "CibestRound",
    "CibestTransitions",
    "MaterialLine",
    "MaterialMethod",
    "OnLine",
    "Quadrant",
    "SpiritualItem",
    "cibest_transitions",
    "classify",
    "place_households",
    "spiritual_score",
]
