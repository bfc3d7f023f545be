"""Plugin traces on the command line: ``KLASTER_TRACE_PLUGINS=1 klaster ...`` shows them.

The library only logs (logger ``klaster.plugins``, :mod:`klaster.plugins.tracing`); a command
adds a handler for its run so each hook call appears on stderr, as ``trace: ...`` lines, or as
``{"trace": ...}`` lines with ``--json``.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TextIO

from klaster.plugins.settings import trace_from_environment
from klaster.plugins.tracing import LOGGER_NAME


class _Lines(logging.Formatter):
    def __init__(self, *, json_mode: bool) -> None:
        super().__init__()
        self.json_mode = json_mode

    def format(self, record: logging.LogRecord) -> str:
        text = record.getMessage()
        return json.dumps({"trace": text}) if self.json_mode else f"trace: {text}"


@contextmanager
def plugin_traces(stream: TextIO, *, json_mode: bool) -> Iterator[None]:
    """Show the plugin traces on ``stream`` in this context, when the switch is on."""
    if not trace_from_environment():
        yield
        return
    logger = logging.getLogger(LOGGER_NAME)
    handler = logging.StreamHandler(stream)
    handler.setFormatter(_Lines(json_mode=json_mode))
    previous = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        yield
    finally:
        logger.removeHandler(handler)
        logger.setLevel(previous)
