"""An XLSForm for Bantaeng's UMKM monitoring, an export of it, and its import into two rounds.

Run ``python examples/xlsform_round_trip.py [FOLDER]``: it writes into FOLDER (default: a new
temporary folder) the form ``monitoring.xlsx`` (upload it to KoboToolbox or ODK Central) and its
mapping ``monitoring.toml``, then, standing in for the field team, two synthetic exports in
Kobo's XLSX layout (SYNTHETIC answers: the repeat group ``usaha`` on its own sheet, joined by
``_parent_index``), and imports both into a store with the one mapping, one round each.
"""

from __future__ import annotations

import datetime as dt
import sys
import tempfile
from pathlib import Path

from openpyxl import Workbook

import klaster
import klaster.observations
from klaster.forms import build_form, save_form
from klaster.importing import load_mapping, read_submissions
from klaster.observations import variable_catalogue
from klaster.observations.rounds import Round, RoundKind
from klaster.store import Store

DATA = Path(__file__).resolve().parent / "data"
USAHA = ["usaha/monthly_revenue", "usaha/monthly_costs", "usaha/workers", "_parent_index"]


def kobo_export(path: Path, header: list[str], members: list[str], tag: str) -> None:
    """A Kobo XLSX export: one submission per member, each with one or two businesses; the
    questions not answered here are empty cells, as in a real export."""
    book = Workbook()
    main = book.active
    assert main is not None
    main.title = "monitoring"
    main.append(header)
    usaha = book.create_sheet("usaha")
    usaha.append(USAHA)
    for index, member in enumerate(members, 1):
        answers = {
            "identitas/member_id": member,
            "core/monthly_income": 1_500_000 + 50_000 * index,
            "umkm/business_running": "ya",
            "_uuid": f"{tag}-{member}",
            "_index": index,
        }
        main.append([answers.get(column) for column in header])
        for business in range(1 + index % 2):
            usaha.append([900_000 + 100_000 * business, 600_000, 1 + business, index])
    book.save(path)


def main(folder: Path) -> dict[str, int]:
    """Write the form and mapping, two exports, and import them; rows added per round."""
    program = klaster.load(DATA / "bantaeng.json")
    observations = klaster.observations.load(
        DATA / "bantaeng.observations.jsonl", program, variable_catalogue()
    )
    form = build_form(["umkm"], program=program, cluster="bantaeng")
    _, toml = save_form(form, folder / "monitoring.xlsx")
    mapping = load_mapping(toml)  # its round left open: given at each import
    members = [c.name for c in form.choices if c.list_name == "members"][:10]
    assert mapping.unit is not None
    header = [mapping.unit, *(str(rule.column) for rule in mapping.variables), "_uuid", "_index"]
    added: dict[str, int] = {}
    with Store.create(folder / "bantaeng.klaster", program, observations=observations) as store:
        for round_id, on in (
            ("btg-mon-2015-06", dt.date(2015, 6, 1)),
            ("btg-mon-2015-12", dt.date(2015, 12, 1)),
        ):
            store.add_round(Round(round_id, "bantaeng", RoundKind.MONITORING, on))
            export = folder / f"{round_id}.xlsx"
            kobo_export(export, header, members, round_id)
            batch = read_submissions(
                export,
                mapping,
                program=store.load_program(),
                observations=store.load_observations(),
                known=store.known_submissions,
                round=round_id,
            )
            added[round_id] = store.apply_import(batch).rows_added
    return added


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(tempfile.mkdtemp())
    for round_id, rows in main(target).items():
        print(f"{round_id}: {rows} rows imported")
    print(f"form, mapping, exports and store in {target}")
