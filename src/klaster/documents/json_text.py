"""Parsing a document's JSON text, with errors located in the source and the text never echoed."""

from __future__ import annotations

import json
from typing import Any

from klaster.errors import DocumentError

__all__ = ["parse_json"]


def parse_json(text: str | bytes, source: str) -> Any:
    """Parse ``text`` as JSON.

    Args:
        text: The document's text, or its bytes (UTF-8, with or without BOM, as :func:`json.loads`
            reads them).
        source: The document's name in messages (a file name, or ``"<string>"``).

    Raises:
        DocumentError: Malformed JSON (with its line and column) or bytes that are not UTF-8.
    """
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise DocumentError(
            f"{source} line {exc.lineno} column {exc.colno}: malformed JSON: {exc.msg}"
        ) from None
    except UnicodeDecodeError as exc:
        raise DocumentError(
            f"{source}: not UTF-8 text (byte {exc.start}); save the file as UTF-8"
        ) from None
