"""Writing a generated form as ``.xlsx`` (openpyxl) and its mapping as ``.toml``, atomically."""

from __future__ import annotations

import io
import os
from pathlib import Path

from klaster.documents.files import atomic_write, atomic_write_bytes
from klaster.errors import DocumentError, KlasterError
from klaster.forms.xlsform import XLSForm

__all__ = ["form_bytes", "save_form"]


def form_bytes(form: XLSForm) -> bytes:
    """The form as the bytes of an ``.xlsx`` workbook: sheets survey, choices and settings.

    Raises:
        KlasterError: openpyxl is not installed (``pip install 'klaster[xlsform]'``).
    """
    try:
        from openpyxl import Workbook
    except ImportError:
        raise KlasterError(
            "writing an XLSForm needs openpyxl: pip install 'klaster[xlsform]'"
        ) from None
    book = Workbook()
    default = book.active
    for name, rows in form.sheets().items():
        sheet = book.create_sheet(name)
        for row in rows:
            sheet.append(list(row))
    if default is not None:
        book.remove(default)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def save_form(
    form: XLSForm,
    path: str | os.PathLike[str],
    *,
    mapping: str | os.PathLike[str] | None = None,
) -> tuple[Path, Path]:
    """Write the form (``.xlsx``) and the mapping generated alongside it (``.toml``).

    Both are built in memory first and each is written atomically (a temporary file beside it,
    then renamed), so a failure leaves no half-written file.

    Args:
        form: From :func:`~klaster.forms.build_form`.
        path: The ``.xlsx`` file.
        mapping: The mapping file (default: ``path`` with the suffix ``.toml``).

    Returns:
        The form's and the mapping's paths.

    Raises:
        DocumentError: A path is not an ``.xlsx`` / ``.toml`` file, its folder is missing, or it
            cannot be written.
    """
    target = Path(path)
    toml = Path(mapping) if mapping is not None else target.with_suffix(".toml")
    if target.suffix.lower() != ".xlsx":
        raise DocumentError(f"{target}: an XLSForm is written as .xlsx; name it {target.stem}.xlsx")
    if toml.suffix.lower() != ".toml":
        raise DocumentError(f"{toml}: the mapping is written as .toml; name it {toml.stem}.toml")
    if toml.resolve() == target.resolve():  # pragma: no cover - suffixes differ
        raise DocumentError(f"{toml}: the mapping and the form need two files")
    for each in (target, toml):
        folder = each.parent if str(each.parent) else Path(".")
        if not folder.is_dir():
            raise DocumentError(f"{each}: cannot write the file (no folder {str(folder)!r})")
    data = form_bytes(form)
    atomic_write_bytes(target, data)
    atomic_write(toml, lambda handle: handle.write(form.mapping))
    return target, toml
