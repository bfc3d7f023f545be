"""Short reprs and notebook tables of a program and a cluster: IDs and counts, never a person.

A program holds thousands of members; its attrs repr printed every one of them (names
included). These say what an analyst looks for first: which clusters, in which phase since
when, in which sectors, how many members, groups and cooperatives. People are counted, never
named. Cells are formatted by :mod:`klaster.formatting` (``KLASTER_LANG``, else English) and
escaped. The program and cluster are read through their public fields (typed ``Any``: the
model's classes import this module).
"""

from __future__ import annotations

from typing import Any, Final

from klaster._support import html as _html
from klaster.formatting import Lang, default_lang, format_count, format_date

__all__ = ["cluster_html", "cluster_repr", "program_html", "program_repr"]

_HEAD: Final[dict[str, tuple[str, ...]]] = {
    "id": ("Klaster", "Tahap", "Sejak", "Kabupaten", "Sektor", "Mitra", "Kelompok", "Koperasi"),
    "en": (
        "Cluster",
        "Phase",
        "Since",
        "Kabupaten",
        "Sectors",
        "Members",
        "Groups",
        "Cooperatives",
    ),
}
_TOTAL: Final = {"id": "Jumlah", "en": "Total"}
_NOT_STARTED: Final = {"id": "belum dimulai", "en": "not started"}


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def _phase(cluster: Any) -> str:
    phase = cluster.phase
    return "not started" if phase is None else str(phase.value)


def cluster_repr(cluster: Any) -> str:
    """``Cluster('bantaeng', strengthening, umkm, 190 members, 12 groups, 1 cooperative)``."""
    sectors = ", ".join(s.sector for s in cluster.sectors)
    return (
        f"Cluster({cluster.id!r}, {_phase(cluster)}, {sectors}, "
        f"{_plural(len(cluster.members), 'member')}, {_plural(len(cluster.groups), 'group')}, "
        f"{_plural(len(cluster.cooperatives), 'cooperative')})"
    )


def program_repr(program: Any) -> str:
    """``Program('km', 2 clusters (bantaeng, lebak), 380 members)``."""
    ids = [c.id for c in program.clusters]
    shown = ", ".join(ids[:5]) + (f", … {len(ids) - 5} more" if len(ids) > 5 else "")
    members = sum(len(c.members) for c in program.clusters)
    return (
        f"Program({program.id!r}, {_plural(len(ids), 'cluster')}"
        + (f" ({shown})" if ids else "")
        + f", {_plural(members, 'member')})"
    )


def _row(cluster: Any, lang: Lang) -> list[str]:
    phase = cluster.phase
    history = cluster.lifecycle.history
    kabupaten = cluster.region.at_level("kabupaten")
    return [
        cluster.id,
        _NOT_STARTED[lang] if phase is None else phase.label.id if lang == "id" else phase.label.en,
        format_date(history[-1].on, lang, style="medium") if history else "",
        kabupaten[0].name if kabupaten else "",
        ", ".join(s.sector for s in cluster.sectors),
        format_count(len(cluster.members), lang),
        format_count(len(cluster.groups), lang),
        format_count(len(cluster.cooperatives), lang),
    ]


def cluster_html(cluster: Any, lang: Lang | None = None) -> str:
    """One cluster as a one-line table."""
    chosen = lang or default_lang()
    return _html.table(
        _HEAD[chosen], [_row(cluster, chosen)], caption=cluster.name, right={5, 6, 7}
    )


def program_html(program: Any, lang: Lang | None = None) -> str:
    """A line per cluster and the program's total, labelled."""
    chosen = lang or default_lang()
    clusters = list(program.clusters)
    rows = [_row(c, chosen) for c in clusters]
    counts = [
        sum(len(getattr(c, name)) for c in clusters)
        for name in ("members", "groups", "cooperatives")
    ]
    rows.append([_TOTAL[chosen], "", "", "", "", *(format_count(n, chosen) for n in counts)])
    caption = f"{program.name} ({program.id})"
    return _html.table(_HEAD[chosen], rows, caption=caption, right={5, 6, 7})
