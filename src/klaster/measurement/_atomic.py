"""Moved to :mod:`klaster._files`; kept while in-flight code still imports it from here."""

from klaster._files import atomic_write

__all__ = ["atomic_write"]
