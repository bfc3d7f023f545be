"""The exact pure-Python backend: the reference every other backend must agree with."""
