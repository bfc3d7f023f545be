"""Internal helpers every klaster package may use, and nothing else may.

This is the documented internal interface shared across packages (not part of the public API):
``validate`` (attrs validators and converters for IDs, codes, dates, decimals, enums), ``gc``
(the scoped, thread-safe collector pause for bulk work), ``dataframes`` (pandas/polars frames
and the missing-extra message), ``aliases`` (old import paths kept for one release) and
``suggest`` ("did you mean" hints for unknown names).
"""
