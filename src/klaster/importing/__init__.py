"""Importing field data: KoboToolbox / ODK Collect exports and plain CSV, through a mapping file.

See ``docs/importing.md``.
"""

from __future__ import annotations

from klaster.importing.batch import ImportBatch, NewMember, ObservationBlock, Rejection

__all__ = ["ImportBatch", "NewMember", "ObservationBlock", "Rejection"]
