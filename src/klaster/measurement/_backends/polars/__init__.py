"""The polars columnar backend (``backend="polars"``, the ``columnar`` extra), imported on use."""
