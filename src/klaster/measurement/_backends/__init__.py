"""The two backends that execute a report: exact pure Python and polars (internal).

Both run the operations :mod:`klaster.measurement.compiler` lowers formulas to and share how a
frame splits into parts and cells (``layout``), what a part contributes (``partials``) and how
cells become figures (``figures``). They read the engine only through ``context.Engine``.
"""
