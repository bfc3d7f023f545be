"""Which books a figure reads, and the key each loan is counted under (internal helpers).

Shared by :mod:`klaster.finance.portfolio` and :mod:`klaster.finance.statements`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from klaster.errors import ValidationError
from klaster.finance.book import Finance
from klaster.finance.ratio import Dimension

__all__ = ["Books", "as_books", "loan_keys"]

Books = Finance | Iterable[Finance]
"""One book or several."""


def as_books(books: Books) -> list[Finance]:
    """``books`` as a list, each checked to be a :class:`Finance` book."""
    found = [books] if isinstance(books, Finance) else list(books)
    for index, book in enumerate(found):
        if not isinstance(book, Finance):
            raise ValidationError(
                f"must be a Finance book, got {type(book).__name__}", path=f"books[{index}]"
            )
    return found


def loan_keys(
    book: Finance, by: Dimension | str | None
) -> tuple[Sequence[int] | None, Sequence[str | None]]:
    """Per loan number, the code of its key under ``by``, and the key of each code.

    The codes are ``None`` when every loan has the same key (code 0): no breakdown (``None``)
    or by cluster (the book's cluster ID).
    """
    if by is None:
        return None, [None]
    dim = Dimension(by)
    if dim is Dimension.CLUSTER:
        return None, [book.cluster_id]
    keys = book.derived.keys
    return keys.codes[dim.value], keys.values[dim.value]
