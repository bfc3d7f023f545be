"""Writing a report to a file: HTML, Markdown, XLSX or PDF, in Indonesian or English, atomically."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Final, Literal, TypeAlias

from klaster.documents.files import atomic_write, atomic_write_bytes
from klaster.errors import KlasterError, ValidationError
from klaster.formatting import Lang, check_lang
from klaster.reports.document import Report

__all__ = ["FORMATS", "Format", "render", "write_report"]

Format: TypeAlias = Literal["html", "md", "xlsx", "pdf"]
"""A report file format."""

FORMATS: Final[tuple[Format, ...]] = ("html", "md", "xlsx", "pdf")
"""The formats :func:`write_report` writes."""


def check_format(value: object) -> Format:
    """``value`` as a :data:`Format`, or a :class:`ValidationError` naming the formats."""
    if value in FORMATS:
        return value
    raise ValidationError(
        f"unknown report format {value!r}: use {', '.join(FORMATS)}", path="format"
    )


def render(report: Report, format: Format = "html", lang: Lang = "id") -> str | bytes:
    """The report in ``format`` and ``lang``: text for HTML and Markdown, bytes for XLSX and PDF.

    Raises:
        ValidationError: An unknown format or language.
        KlasterError: The format's extra is not installed (``pip install 'klaster[reports]'``).
    """
    kind = check_format(format)
    language = check_lang(lang)
    if kind == "html":
        from klaster.reports.html import render_html

        return render_html(report, language)
    if kind == "md":
        from klaster.reports.markdown import render_markdown

        return render_markdown(report, language)
    renderer = (
        _renderer("xlsx", "render_xlsx") if kind == "xlsx" else _renderer("pdf", "render_pdf")
    )
    content: bytes = renderer(report, language)
    return content


def _renderer(module: str, name: str) -> Any:
    import importlib

    try:
        found = importlib.import_module(f"klaster.reports.{module}")
        return getattr(found, name)
    except (ImportError, AttributeError):
        raise KlasterError(
            f"the {module.upper()} report renderer is not available in this klaster",
            path="format",
        ) from None


def write_report(
    report: Report,
    path: str | os.PathLike[str],
    *,
    format: Format | None = None,
    lang: Lang = "id",
) -> Path:
    """Write ``report`` to ``path`` in ``format`` and ``lang``, atomically.

    The whole file is rendered in memory first, then put in place by the one atomic writer
    (:mod:`klaster.documents.files`): a failure (a missing extra, a full disk) leaves no file
    and never a half-written one, and an existing file is kept until the new one is complete.

    Args:
        report: The report (:func:`klaster.reports.build_report`).
        path: The file to write.
        format: ``"html"``, ``"md"``, ``"xlsx"`` or ``"pdf"`` (default: from the file's
            suffix, else HTML).
        lang: ``"id"`` (Bahasa Indonesia) or ``"en"``.

    Returns:
        The path written.

    Raises:
        ValidationError: An unknown format or language.
        KlasterError: The format's extra is not installed (charts, XLSX and PDF need
            ``pip install 'klaster[reports]'``).
        DocumentError: The file cannot be written.
    """
    target = Path(path)
    suffix = target.suffix.lower().lstrip(".")
    chosen = format if format is not None else ("md" if suffix == "markdown" else suffix)
    if format is None and chosen not in FORMATS:
        chosen = "html"
    content = render(report, check_format(chosen), lang)
    if isinstance(content, str):
        atomic_write(target, lambda handle: handle.write(content))
    else:
        atomic_write_bytes(target, content)
    return target
