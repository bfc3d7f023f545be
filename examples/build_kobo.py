"""Build the bundled KoboToolbox exports of the Bantaeng example, and their mapping files.

Writes ``examples/data/kobo/``:

- ``monitoring_2015.csv`` and ``monitoring_2015-usaha.csv``: a monitoring visit in March 2015,
  a year after the exit, as KoboToolbox exports it in ``;``-separated CSV (every cell quoted,
  group paths in the header, the meta columns ``_id``, ``_uuid``, ``_submission_time``,
  ``_index``...). The ``usaha`` repeat group (one row per business of the household) is in its
  own file, joined by ``_parent_index``.
- ``monitoring_2015.xlsx``: the same submissions as Kobo's XLSX export: the main sheet first,
  the repeat group on its own sheet.
- ``monitoring.toml``: the mapping of both (one mapping serves the CSV and the XLSX export).
- ``registrasi_2015.csv`` and ``registrasi.toml``: a registration form adding five new mitra
  to existing groups, saved from a spreadsheet (UTF-8 with a BOM, dates as ``dd/mm/yyyy``).
- ``training_attendance.csv`` (+ ``training_attendance-peserta.csv``), ``.xlsx`` and ``.toml``:
  an activity form, one training per submission, its participants and their attendance in the
  repeat group ``peserta`` (one row per member, group, board or guest).
- ``mentoring_visits.csv``, ``.xlsx`` and ``.toml``: a visit form, one mentoring visit of the
  facilitator ``pd-btg-1`` per submission (groups visited as a select-multiple).

The answers and people are SYNTHETIC, drawn with a fixed seed from the members of
``examples/data/bantaeng.json``: the same program always gives the same files. Run
``python examples/build_kobo.py`` to rewrite them.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import random
import re
import uuid
import zipfile
from pathlib import Path

import klaster
from klaster import Program

DATA = Path(__file__).parent / "data"
OUT = DATA / "kobo"
SURVEYED = 40
FORM_VERSION = "vJ8dQk3mPz2Lr5Hs7Bn9Xc"
MAIN_SHEET = "Monitoring Klaster Bantaeng"
REPEAT = "usaha"
DOCUMENTS = ("nib", "pirt", "halal")

MAIN = [
    "start",
    "end",
    "today",
    "deviceid",
    "identitas/enumerator",
    "identitas/id_mitra",
    "identitas/desa",
    "ekonomi/pendapatan",
    "ekonomi/pengeluaran",
    "ekonomi/jumlah_art",
    "usaha_ringkas/masih_jalan",
    "usaha_ringkas/dokumen",
    *(f"usaha_ringkas/dokumen/{d}" for d in DOCUMENTS),
    "usaha_ringkas/jumlah_usaha",
    "_id",
    "_uuid",
    "_submission_time",
    "_validation_status",
    "_notes",
    "_status",
    "_submitted_by",
    "__version__",
    "_tags",
    "_index",
]
BUSINESS = [
    "usaha/jenis",
    "usaha/omzet",
    "usaha/biaya",
    "usaha/pekerja",
    "_index",
    "_parent_table_name",
    "_parent_index",
    "_submission__id",
    "_submission__uuid",
    "_submission__submission_time",
    "_submission__validation_status",
    "_submission__notes",
    "_submission__status",
    "_submission__submitted_by",
    "_submission___version__",
    "_submission__tags",
]
REGISTRATION = [
    "start",
    "end",
    "data_mitra/id_mitra",
    "data_mitra/nama",
    "data_mitra/jenis_kelamin",
    "data_mitra/tahun_lahir",
    "data_mitra/jumlah_art",
    "data_mitra/desa",
    "data_mitra/jenis_usaha",
    "data_mitra/kelompok",
    "data_mitra/tanggal_gabung",
    "data_mitra/nik",
    "data_mitra/no_hp",
    "_id",
    "_uuid",
    "_submission_time",
    "_index",
]

MONITORING_TOML = """\
# Monitoring visit of Klaster Mandiri Bantaeng, March 2015 (KoboToolbox form
# "Monitoring Klaster Bantaeng"). One mapping reads both exports of the form: the ';' CSV
# (the repeat group in its own file) and the XLSX (the repeat group on its own sheet).
mapping_version = 1
form = "survey"
unit = "identitas/id_mitra"       # the member (mitra) each submission is about

[round]                           # a new round: added with the first import of this form
id = "btg-monitoring-2015"
kind = "monitoring"
on = 2015-03-02
cluster = "bantaeng"
label = { id = "Kunjungan pemantauan 2015", en = "Monitoring visit 2015" }

[variables.monthly_income]
column = "ekonomi/pendapatan"
scale = "ribu"                    # the form asks in thousands of Rupiah

[variables.monthly_expenditure]
column = "ekonomi/pengeluaran"
scale = "ribu"

[variables.household_size]
column = "ekonomi/jumlah_art"

[variables.business_running]
column = "usaha_ringkas/masih_jalan"
values = { ya = true, tidak = false }

[variables.business_registered]   # a select-multiple: was "nib" among the documents held?
column = "usaha_ringkas/dokumen"
option = "nib"

[[repeats]]                       # one row per business of the household
name = "usaha"
sheet = "usaha"                   # in the XLSX export
file = "monitoring_2015-usaha.csv"  # in the CSV export

[repeats.variables.monthly_revenue]
column = "usaha/omzet"
aggregate = "sum"
scale = "ribu"

[repeats.variables.monthly_costs]
column = "usaha/biaya"
aggregate = "sum"
scale = "ribu"

[repeats.variables.workers]
column = "usaha/pekerja"
aggregate = "sum"
"""

REGISTRATION_TOML = """\
# Registration of new mitra of Klaster Mandiri Bantaeng (KoboToolbox form "Registrasi Mitra"),
# exported to CSV and saved again from a spreadsheet: dates became dd/mm/yyyy.
mapping_version = 1
form = "registration"

[cluster]
id = "bantaeng"

[fields]
id = "data_mitra/id_mitra"
name = "data_mitra/nama"
birth_year = "data_mitra/tahun_lahir"
household_size = "data_mitra/jumlah_art"
village = "data_mitra/desa"
business_type = "data_mitra/jenis_usaha"
group = "data_mitra/kelompok"     # joins this kelompok on the day the mitra joins
national_id = "data_mitra/nik"
phone = "data_mitra/no_hp"

[fields.sex]
column = "data_mitra/jenis_kelamin"
values = { L = "male", P = "female" }

[fields.sector]
value = "umkm"

[fields.joined]
column = "data_mitra/tanggal_gabung"
date_format = "%d/%m/%Y"
"""

GIVEN_F = ["Sitti", "Hasna", "Nurhayati", "Rahmawati", "Jumriah", "Hasmiah", "Sumarni"]
GIVEN_M = ["Baharuddin", "Muhammad", "Syamsul", "Abdul", "Rustan", "Jamaluddin"]
FAMILY = ["Daeng Ngintang", "Daeng Bau", "Daeng Sannging", "Daeng Tayang", "Daeng Rannu"]


def _uuid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def _device(rng: random.Random) -> str:
    return f"collect:{rng.getrandbits(64):016X}"


def monitoring(program: Program) -> tuple[list[list[object]], list[list[object]]]:
    """The main rows and the repeat rows of the monitoring survey (typed cell values)."""
    rng = random.Random(2015)
    cluster = program.clusters["bantaeng"]
    active = [m for m in cluster.members if m.left is None]
    sample = sorted(rng.sample(active, SURVEYED), key=lambda m: m.id)
    rows: list[list[object]] = []
    businesses: list[list[object]] = []
    for index, member in enumerate(sample, start=1):
        start = dt.datetime(2015, 3, 2, 8, 30) + dt.timedelta(minutes=37 * index)
        sent = start + dt.timedelta(hours=9, minutes=rng.randrange(60))
        sub = _uuid(rng)
        running = rng.random() < 0.88
        count = (1 if rng.random() < 0.7 else 2) if running else 0
        held = [d for d in DOCUMENTS if rng.random() < (0.45 if d == "nib" else 0.25)]
        size = max(1, member.household_size + rng.choice([-1, 0, 0, 0, 1]))
        income = rng.randrange(180, 520, 5) * size
        meta = [48_210 + index, sub, sent.isoformat(timespec="seconds")]
        rows.append(
            [
                start.isoformat(timespec="milliseconds") + "+08:00",
                (start + dt.timedelta(minutes=rng.randrange(14, 31))).isoformat(
                    timespec="milliseconds"
                )
                + "+08:00",
                start.date().isoformat(),
                _device(rng),
                f"ENUM-{rng.randint(1, 4):02d}",
                member.id,
                member.village,
                income,
                round(income * rng.uniform(0.7, 0.95) / 5) * 5,
                size,
                "ya" if running else "tidak",
                " ".join(held),
                *(1 if d in held else 0 for d in DOCUMENTS),
                count,
                *meta,
                "",
                "",
                "submitted_via_web",
                "enumerator_btg",
                FORM_VERSION,
                "",
                index,
            ]
        )
        for _ in range(count):
            revenue = rng.randrange(300, 4200, 10)
            businesses.append(
                [
                    member.business_type,
                    revenue,
                    round(revenue * rng.uniform(0.55, 0.85) / 10) * 10,
                    rng.choice([1, 1, 1, 2, 3]),
                    len(businesses) + 1,
                    "monitoring_klaster_bantaeng",
                    index,
                    *meta,
                    "",
                    "",
                    "submitted_via_web",
                    "enumerator_btg",
                    FORM_VERSION,
                    "",
                ]
            )
    return rows, businesses


def registration(program: Program) -> list[list[object]]:
    """Five new mitra joining existing groups in February 2015."""
    rng = random.Random(2016)
    cluster = program.clusters["bantaeng"]
    groups = [g for g in cluster.groups if g.dissolved is None]
    rows: list[list[object]] = []
    number = len(cluster.members)
    for index in range(1, 6):
        number += 1
        group = rng.choice(groups)
        first = cluster.members[group.memberships[0].member_id]
        female = rng.random() < 0.7
        joined = dt.date(2015, 2, 2) + dt.timedelta(days=rng.randrange(20))
        start = dt.datetime.combine(joined, dt.time(9, 0)) + dt.timedelta(
            minutes=rng.randrange(300)
        )
        rows.append(
            [
                start.isoformat(timespec="milliseconds") + "+08:00",
                (start + dt.timedelta(minutes=11)).isoformat(timespec="milliseconds") + "+08:00",
                f"BTG-{number:04d}",
                f"{rng.choice(GIVEN_F if female else GIVEN_M)} {rng.choice(FAMILY)}",
                "P" if female else "L",
                rng.randint(1970, 1995),
                rng.randint(2, 7),
                first.village,
                first.business_type,
                group.id,
                joined.strftime("%d/%m/%Y"),
                "7303" + "".join(str(rng.randrange(10)) for _ in range(12)),
                "+62 81" + "".join(str(rng.randrange(10)) for _ in range(9)),
                51_300 + index,
                _uuid(rng),
                (start + dt.timedelta(hours=2)).isoformat(timespec="seconds"),
                index,
            ]
        )
    return rows


def _csv(header: list[str], rows: list[list[object]], *, bom: bool = False) -> bytes:
    text = io.StringIO()
    out = csv.writer(text, delimiter=";", quoting=csv.QUOTE_ALL, lineterminator="\r\n")
    out.writerow(header)
    out.writerows([["" if v is None else v for v in row] for row in rows])
    return (b"\xef\xbb\xbf" if bom else b"") + text.getvalue().encode("utf-8")


def _xlsx(sheets: list[tuple[str, list[str], list[list[object]]]]) -> bytes:
    """An XLSX workbook whose bytes depend on nothing but the cells (fixed timestamps)."""
    from openpyxl import Workbook

    book = Workbook()
    book.remove(book.active)
    for name, header, rows in sheets:
        sheet = book.create_sheet(name)
        sheet.append(header)
        for row in rows:
            sheet.append([None if v == "" else v for v in row])
    fixed = dt.datetime(2015, 3, 3, 0, 0, 0)
    book.properties.creator = "KoboToolbox"
    book.properties.created = fixed
    book.properties.modified = fixed
    raw = io.BytesIO()
    book.save(raw)
    # openpyxl stamps the save time into docProps/core.xml and every zip entry: fix both.
    stamp = fixed.isoformat() + "Z"
    out = io.BytesIO()
    with zipfile.ZipFile(raw) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dest:
        for info in source.infolist():
            content = source.read(info.filename)
            if info.filename == "docProps/core.xml":
                text = re.sub(r"(<dcterms:modified[^>]*>)[^<]*", rf"\g<1>{stamp}", content.decode())
                content = text.encode()
            entry = zipfile.ZipInfo(info.filename, date_time=fixed.timetuple()[:6])
            entry.compress_type = zipfile.ZIP_DEFLATED
            dest.writestr(entry, content)
    return out.getvalue()


TRAINING_MAIN = [
    "start",
    "end",
    "deviceid",
    "pelatihan/kode",
    "pelatihan/judul",
    "pelatihan/tanggal",
    "pelatihan/desa",
    "pelatihan/tempat",
    "pelatihan/penyelenggara",
    "pelatihan/fasilitator",
    "pelatihan/materi",
    "_id",
    "_uuid",
    "_submission_time",
    "_index",
]
TRAINING_REPEAT = [
    "peserta/jenis",
    "peserta/id_peserta",
    "peserta/hadir",
    "peserta/peran",
    "_index",
    "_parent_table_name",
    "_parent_index",
    "_submission__id",
    "_submission__uuid",
    "_submission__submission_time",
]
TRAININGS = [  # code, title, day, groups invited, topics
    ("btg-lat-pembukuan", "Pelatihan pembukuan usaha", dt.date(2012, 6, 12), 0, "pembukuan kas"),
    ("btg-lat-pemasaran", "Pelatihan pemasaran", dt.date(2012, 11, 20), 4, "pemasaran kemasan"),
    ("btg-lat-koperasi", "Pelatihan pengurus koperasi", dt.date(2013, 5, 14), 8, "koperasi"),
]
TRAINING_TOML = """\
# Trainings of Klaster Mandiri Bantaeng (KoboToolbox form "Pelatihan Klaster"): one training per
# submission, who was invited and who attended in the repeat group "peserta". One mapping reads
# the ';' CSV (the repeat group in its own file) and the XLSX (the repeat on its own sheet).
mapping_version = 1
form = "activity"

[cluster]
id = "bantaeng"

[fields]
id = "pelatihan/kode"
title = "pelatihan/judul"
kind = { value = "training" }
held_on = "pelatihan/tanggal"     # status: held (a held_on date and no status mapped)
village = "pelatihan/desa"
venue = "pelatihan/tempat"
organiser_ids = "pelatihan/penyelenggara"   # select-multiple of organisation IDs
facilitator_ids = "pelatihan/fasilitator"

[fields.topics]                   # select-multiple: each option becomes a topic
column = "pelatihan/materi"
values = { kas = "buku kas", pembukuan = "pembukuan", kemasan = "kemasan produk" }

[[repeats]]                       # one row per participant
name = "peserta"
sheet = "peserta"                 # in the XLSX export
file = "training_attendance-peserta.csv"  # in the CSV export

[repeats.fields]
kind = "peserta/jenis"            # mitra, kelompok, pengurus (a cooperative's board), tamu
id = "peserta/id_peserta"
role = "peserta/peran"

[repeats.fields.attended]
column = "peserta/hadir"
values = { hadir = true, absen = false }
"""
VISIT_MAIN = [
    "start",
    "end",
    "deviceid",
    "kunjungan/pendamping",
    "kunjungan/tanggal",
    "kunjungan/kelompok",
    "kunjungan/materi",
    "kunjungan/tindak_lanjut",
    "_id",
    "_uuid",
    "_submission_time",
    "_index",
]
VISIT_TOPICS = ("pembukuan", "pemasaran", "angsuran", "ikrar", "koperasi")
FOLLOW_UPS = (
    "Rekap buku kas kelompok sebelum pertemuan berikutnya",
    "Menagih angsuran yang tertunda",
    "Menyiapkan contoh kemasan baru",
    "",
)
VISITS_TOML = """\
# Mentoring visits (pendampingan) of Klaster Mandiri Bantaeng (KoboToolbox form "Kunjungan
# Pendampingan"): one visit per submission, the groups visited as a select-multiple. The visit's
# ID is the submission's _uuid (no fields.id).
mapping_version = 1
form = "visit"

[cluster]
id = "bantaeng"

[fields]
facilitator_id = "kunjungan/pendamping"
on = "kunjungan/tanggal"
group_ids = "kunjungan/kelompok"
topics = "kunjungan/materi"
follow_up = "kunjungan/tindak_lanjut"
"""


def training(program: Program) -> tuple[list[list[object]], list[list[object]]]:
    """Three trainings of 2012-2013 and their participants with attendance."""
    rng = random.Random(2012)
    cluster = program.clusters["bantaeng"]
    groups = sorted(cluster.groups, key=lambda g: g.id)
    rows: list[list[object]] = []
    people: list[list[object]] = []
    for index, (code, title, day, first, topics) in enumerate(TRAININGS, start=1):
        start = dt.datetime.combine(day, dt.time(15, 10))
        sub = _uuid(rng)
        sent = (start + dt.timedelta(hours=2, minutes=rng.randrange(60))).isoformat()
        village = rng.choice([m.village for m in cluster.members])
        organisers = "dd mm" if index < 3 else "dd mm diskop-bantaeng"
        rows.append(
            [
                start.isoformat(timespec="milliseconds") + "+08:00",
                (start + dt.timedelta(minutes=12)).isoformat(timespec="milliseconds") + "+08:00",
                _device(rng),
                code,
                title,
                day.isoformat(),
                village,
                f"Balai Desa {village}",
                organisers,
                "pd-btg-1",
                topics,
                61_000 + index,
                sub,
                sent,
                index,
            ]
        )
        invited: list[tuple[str, str, str]] = []
        if code == "btg-lat-koperasi":
            invited.append(("pengurus", "irman", "peserta"))
            invited.append(("tamu", "diskop-btg-1", "narasumber"))
        for group in groups[first : first + 4]:
            invited.append(("kelompok", group.id, ""))
            invited += [("mitra", m, "") for m in sorted(group.member_ids(day))]
        for kind, subject, role in invited:
            present = "hadir" if rng.random() < 0.85 or kind != "mitra" else "absen"
            meta = [61_000 + index, sub, sent]
            row = [kind, subject, present, role, len(people) + 1, "pelatihan", index, *meta]
            people.append(row)
    return rows, people


def visits(program: Program) -> list[list[object]]:
    """The facilitator pd-btg-1's visits, about one a fortnight from 2012 to 2013."""
    rng = random.Random(2013)
    groups = sorted(program.clusters["bantaeng"].groups, key=lambda g: g.id)
    rows: list[list[object]] = []
    day = dt.date(2012, 1, 10)
    index = 0
    while day < dt.date(2014, 1, 1):
        index += 1
        start = dt.datetime.combine(day, dt.time(9, rng.randrange(60)))
        visited = sorted(g.id for g in rng.sample(groups, rng.choice([1, 1, 2, 3])))
        topics = sorted(rng.sample(VISIT_TOPICS, rng.choice([1, 2])))
        rows.append(
            [
                start.isoformat(timespec="milliseconds") + "+08:00",
                (start + dt.timedelta(minutes=50)).isoformat(timespec="milliseconds") + "+08:00",
                _device(rng),
                "pd-btg-1",
                day.isoformat(),
                " ".join(visited),
                " ".join(topics),
                rng.choice(FOLLOW_UPS),
                72_000 + index,
                _uuid(rng),
                (start + dt.timedelta(hours=6)).isoformat(timespec="seconds"),
                index,
            ]
        )
        day += dt.timedelta(days=rng.randrange(11, 18))
    return rows


def build(program: Program) -> dict[str, bytes]:
    """Every file of ``examples/data/kobo``, by name."""
    rows, businesses = monitoring(program)
    return {
        "monitoring_2015.csv": _csv(MAIN, rows),
        "monitoring_2015-usaha.csv": _csv(BUSINESS, businesses),
        "monitoring_2015.xlsx": _xlsx([(MAIN_SHEET, MAIN, rows), (REPEAT, BUSINESS, businesses)]),
        "monitoring.toml": MONITORING_TOML.encode("utf-8"),
        "registrasi_2015.csv": _csv(REGISTRATION, registration(program), bom=True),
        "registrasi.toml": REGISTRATION_TOML.encode("utf-8"),
        **fieldwork_files(program),
    }


def fieldwork_files(program: Program) -> dict[str, bytes]:
    """The activity (training attendance) and mentoring-visit exports and their mappings."""
    trainings, participants = training(program)
    logged = visits(program)
    return {
        "training_attendance.csv": _csv(TRAINING_MAIN, trainings),
        "training_attendance-peserta.csv": _csv(TRAINING_REPEAT, participants),
        "training_attendance.xlsx": _xlsx(
            [
                ("Pelatihan Klaster", TRAINING_MAIN, trainings),
                ("peserta", TRAINING_REPEAT, participants),
            ]
        ),
        "training_attendance.toml": TRAINING_TOML.encode("utf-8"),
        "mentoring_visits.csv": _csv(VISIT_MAIN, logged),
        "mentoring_visits.xlsx": _xlsx([("Kunjungan Pendampingan", VISIT_MAIN, logged)]),
        "mentoring_visits.toml": VISITS_TOML.encode("utf-8"),
    }


def main() -> None:
    """Write the files."""
    OUT.mkdir(parents=True, exist_ok=True)
    for name, content in build(klaster.load(DATA / "bantaeng.json")).items():
        (OUT / name).write_bytes(content)
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
