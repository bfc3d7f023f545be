"""The list columns' entries of a Parquet program document (internal: its reader).

Each member row holds its group spells (``memberships``) and the cooperatives that list it
(``cooperatives``) as lists of structs; :func:`entries` takes them out as one frame each, in
their owners' order, with each owner's number, and checks what only they can get wrong (an
owner the member's cluster lacks, positions that are not 0, 1, 2...), located by row. The
usual file is taken the short way (one entry a member: no explode; each owner's entries
together: the owners joined to the first of each run; in order already: not sorted), each
short way giving what the long way gives.
"""

from __future__ import annotations

from typing import Any

from klaster.documents import _program_parquet_columns as typed
from klaster.errors import DocumentError

__all__ = ["entries", "exploded", "numbered", "spell_entries", "starts"]


def _first(frame: Any, column: str = "__row") -> Any:
    return frame[column][0]


def starts(clusters: Any, count: int) -> list[int]:
    """Where each number's run begins in ``clusters`` (sorted numbers, a Series), and the end."""
    import polars as pl  # (a Series: polars is installed)

    bounds = pl.Series(range(count + 1), dtype=pl.UInt32)
    return list(clusters.search_sorted(bounds, side="left").to_list())


def entries(pl: Any, frame: Any, name: str, owners: list[tuple[int, str]], source: str) -> Any:
    """The entries of the list column ``name`` with their owner's number, in owners' order.

    ``owners``: (cluster, ID) of every group (cooperative) in the program's order.
    """
    key, _ = typed.LISTS[name]
    owner_key = next(iter(key))
    entries = exploded(pl, frame, name)
    for field in key:  # (an optional field left out: all null)
        if field not in entries.columns:
            entries = entries.with_columns(pl.lit(None).alias(field))
    missing = entries.filter(pl.col(owner_key).is_null() | pl.col("position").is_null())
    if missing.height:
        raise DocumentError(
            f"{source} row {_first(missing)} column {name!r}: an entry without its "
            f"{owner_key} or position"
        )
    entries = numbered(
        pl, entries.with_columns(pl.col(owner_key).cast(pl.String)), owners, owner_key
    )
    unknown = entries.filter(pl.col("__o").is_null())
    if unknown.height:
        raise DocumentError(
            f"{source} row {_first(unknown)} column {name!r}: no {owner_key} "
            f"{_first(unknown, owner_key)!r} in the member's cluster"
        )
    # A file klaster wrote lists each owner's entries in order already: checked, not sorted.
    order = pl.col("__o").cast(pl.UInt64) * (1 << 32) + pl.col("position").cast(pl.UInt64)
    low, high = entries["position"].min(), entries["position"].max()
    if low is None or low < 0 or high >= 1 << 32 or not entries.select(order.is_sorted()).item():
        entries = entries.sort("__o", "position", maintain_order=True)
    # Sorted by owner and position, the positions are 0, 1, 2... of each owner iff each owner's
    # first is 0 and each next one follows the one before.
    o, place = pl.col("__o"), pl.col("position")
    wrong = entries.filter(
        pl.when(o != o.shift(1).fill_null(-1))
        .then(place != 0)
        .otherwise(place != place.shift(1) + 1)
    )
    if wrong.height:
        raise DocumentError(
            f"{source} row {_first(wrong)} column {name!r}: {owner_key} "
            f"{_first(wrong, owner_key)!r} has position {_first(wrong, 'position')} out of "
            "place; the positions of a "
            f"{owner_key}'s entries are 0, 1, 2... (its order), each once"
        )
    return entries


def exploded(pl: Any, frame: Any, name: str) -> Any:
    """Each entry of list column ``name``, with its member's ``__row``, ``__c``, ID, sector."""
    lists = frame[name]
    if not lists.null_count() and bool((lists.list.len() == 1).all()):
        # One entry a member (the usual file): the lists' values are the entries, as they are.
        entries = lists.explode()
        if not entries.null_count():
            return frame.select("__row", "__c", "id", "sector").with_columns(entries).unnest(name)
    return (
        frame.select("__row", "__c", "id", "sector", name)
        .explode(name)
        .filter(pl.col(name).is_not_null())
        .unnest(name)
    )


def numbered(pl: Any, entries: Any, owners: list[tuple[int, str]], owner_key: str) -> Any:
    """``entries`` with their owner's number ``__o`` (null: none of that ID in the cluster)."""
    # A file klaster wrote lists each owner's entries together: the owners are joined to the
    # first entry of each run (a few thousand), not to a million entries.
    run = pl.struct("__c", owner_key).rle_id()
    runs = entries.select(run.alias("run"), (run != run.shift(1)).fill_null(True).alias("new"))
    firsts = entries.select("__c", owner_key).filter(runs["new"])
    numbers = _joined(pl, firsts, owners, owner_key)["__o"]
    return entries.with_columns(numbers.gather(runs["run"]))


def _joined(pl: Any, entries: Any, owners: list[tuple[int, str]], owner_key: str) -> Any:
    """As :func:`numbered`, each entry joined to its owner."""
    table = pl.DataFrame(
        {"__oc": [c for c, _ in owners], owner_key: [o for _, o in owners]},
        schema={"__oc": pl.UInt32, owner_key: pl.String},
    ).with_row_index("__o")
    if table[owner_key].n_unique() == table.height:  # (IDs unique in the program: one key)
        entries = entries.join(table, on=owner_key, how="left", maintain_order="left")
        same = pl.col("__oc") == pl.col("__c")
        return entries.with_columns(pl.when(same).then(pl.col("__o"))).drop("__oc")
    table = table.rename({"__oc": "__c"})
    return entries.join(table, on=["__c", owner_key], how="left", maintain_order="left")


def spell_entries(pl: Any, frame: Any, shells: list[dict[str, Any]], source: str) -> Any:
    """The spells' entries in the groups' order (``None``: the file has no spells)."""
    if "memberships" not in frame.columns or frame["memberships"].dtype == pl.Null:
        return None
    owners = [(c, g["id"]) for c, shell in enumerate(shells) for g in shell.get("groups", [])]
    return entries(pl, frame, "memberships", owners, source)
