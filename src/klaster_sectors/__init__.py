"""Built-in sector plugins of klaster: ``umkm``, ``farming``, ``livestock``.

Each module is a plugin registered through the ``klaster`` entry-point group exactly like a
third-party one (see ``pyproject.toml``), and keeps its variables, indicators and readiness
criteria in a TOML file beside it (``umkm.toml``...), whose header says where the numbers come
from. Importing this package loads nothing: the plugin host imports each module when it loads
plugins.
"""
