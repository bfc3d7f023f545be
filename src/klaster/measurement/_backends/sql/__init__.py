"""The SQL backend: compiled formulas as SQL on exact scaled integers, run by an engine (internal).

``dialect`` (how to write SQL for an engine), ``runner`` (where it runs: DuckDB in-process),
``formulas`` (the formula IR to SQL expressions), ``members`` (the members' table and the plans
over it), ``core`` (income, poverty, CIBEST and social capital), ``cells`` (one query per scope
to the cells of every disaggregation), ``path`` (what a report computes here). Spark's dialect
and runner are in ``spark`` (when present).
"""
