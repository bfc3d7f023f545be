"""Build the bundled screening export of the Bantaeng intake example, its mapping and program.

Writes:

- ``data/bantaeng_intake.json``: the program applicants are screened for: Klaster Mandiri
  Bantaeng with three sectors and their areas (UMKM in Kecamatan Bantaeng and Bissappu, farming
  in Eremerasa, livestock in Pajukukang, as in the source reports), one group per sector.
- ``data/kobo/screening.csv`` and ``screening.xlsx``: 40 submissions of a KoboToolbox form
  "Penyaringan Calon Mitra" (screening of prospective members), as Kobo exports them
  (``;``-separated CSV, group paths in the header, the meta columns ``_uuid``...): the household,
  its desa and sector, and the screening answers (monthly income in thousands of Rupiah,
  expenditure, house floor, wall and roof, *asnaf*, and for livestock whether there is space for
  the animals).
- ``data/kobo/screening.toml``: the mapping of both (``form = "screening"``).

Everything here is SYNTHETIC (households, names, NIK, answers, group capacities), drawn with a
fixed seed: the same run always gives the same files. The region codes are Kemendagri's
(DOMAIN.md). Run ``python examples/build_screening.py`` to rewrite them.
"""

from __future__ import annotations

import datetime as dt
import random
import sys
import uuid
from pathlib import Path

import klaster
from klaster import Cluster, ClusterSector, Group, Organisation, Program, Region

sys.path.insert(0, str(Path(__file__).parent))  # the sibling builder's CSV and XLSX writers
from build_kobo import _csv, _xlsx  # type: ignore[import-not-found]

DATA = Path(__file__).parent / "data"
OUT = DATA / "kobo"
SEED = 13
APPLICANTS = 40
SHEET = "Penyaringan Calon Mitra"

DESA = {
    "Bissappu": ("73.03.01", ["Bonto Manai", "Bonto Jai", "Bonto Lebang", "Bonto Sunggu"]),
    "Bantaeng": ("73.03.02", ["Lamalaka", "Letta", "Pallantikang", "Karatuang"]),
    "Eremerasa": ("73.03.03", ["Barua", "Kampala", "Lonrong", "Mappilawing"]),
    "Pajukukang": ("73.03.05", ["Pa'jukukang", "Baruga", "Borong Loe", "Rappoa"]),
}
AREAS = {"umkm": ("Bantaeng", "Bissappu"), "farming": ("Eremerasa",), "livestock": ("Pajukukang",)}
SECTORS = ["umkm"] * 18 + ["farming"] * 11 + ["livestock"] * 11
KIND = {"umkm": "seaweed_processing", "farming": "food_crops", "livestock": "goat_fattening"}
GIVEN = ["Hasnah", "Nurhayati", "Sitti", "Rosmini", "Jamaluddin", "Baharuddin", "Syamsul", "Rahman"]
FAMILY = ["Daeng Ngintang", "Daeng Bau", "Daeng Sannging", "Daeng Tayang", "Daeng Rannu"]
FLOORS = ["tanah", "bambu", "kayu", "semen", "keramik"]
WALLS = ["bambu", "kayu", "tembok"]
ROOFS = ["rumbia", "seng", "genteng"]
ASNAF = ["fakir", "miskin", "miskin", "miskin", "gharim", "ibnu_sabil"]

HEADER = [
    "start",
    "end",
    "deviceid",
    "calon/id_calon",
    "calon/nama",
    "calon/jenis_kelamin",
    "calon/jumlah_art",
    "calon/desa",
    "calon/sektor",
    "calon/jenis_usaha",
    "calon/tanggal",
    "calon/nik",
    "calon/no_hp",
    "ekonomi/pendapatan",
    "ekonomi/pengeluaran",
    "rumah/lantai",
    "rumah/dinding",
    "rumah/atap",
    "zakat/asnaf",
    "ternak/tempat_kandang",
    "_id",
    "_uuid",
    "_submission_time",
    "_index",
]

MAPPING_TOML = """\
# Screening of prospective mitra of Klaster Mandiri Bantaeng (KoboToolbox form "Penyaringan
# Calon Mitra"): one applicant per submission, with its screening answers. SYNTHETIC data.
mapping_version = 1
form = "screening"

[cluster]
id = "bantaeng"

[fields]
id = "calon/id_calon"
name = "calon/nama"
household_size = "calon/jumlah_art"
village = "calon/desa"
sector = "calon/sektor"
business_type = "calon/jenis_usaha"
applied_on = "calon/tanggal"
national_id = "calon/nik"
phone = "calon/no_hp"

[fields.sex]
column = "calon/jenis_kelamin"
values = { L = "male", P = "female" }

# The screening answers, by variable (klaster.targeting.screening_catalogue()).
[variables.monthly_income]
column = "ekonomi/pendapatan"
scale = "ribu"                      # asked in thousands of Rupiah

[variables.monthly_expenditure]
column = "ekonomi/pengeluaran"
scale = "ribu"

[variables.house_floor]
column = "rumah/lantai"
values = { tanah = "earth", bambu = "bamboo", kayu = "wood", semen = "cement", keramik = "tile" }

[variables.house_wall]
column = "rumah/dinding"
values = { bambu = "bamboo", kayu = "wood", tembok = "brick" }

[variables.house_roof]
column = "rumah/atap"
values = { rumbia = "thatch", seng = "zinc", genteng = "tile" }

[variables.asnaf]
column = "zakat/asnaf"

[variables.has_animal_space]        # asked of livestock applicants only (empty otherwise)
column = "ternak/tempat_kandang"
values = { ya = true, tidak = false }
"""


def program() -> Program:
    """Klaster Mandiri Bantaeng with its three sectors and their areas, one group each."""
    kecamatan = [
        Region.kecamatan(name, code, [Region.desa(d) for d in desa])
        for name, (code, desa) in DESA.items()
    ]
    region = Region.province(
        "Sulawesi Selatan", "73", [Region.kabupaten("Bantaeng", "73.03", kecamatan)]
    )
    partners = {"umkm": "mm", "farming": "mm", "livestock": "ktn"}
    cluster = Cluster(
        "bantaeng",
        "Klaster Mandiri Bantaeng",
        region,
        [ClusterSector(code, partners[code], areas=areas) for code, areas in AREAS.items()],
    )
    formed = dt.date(2011, 6, 1)
    for number, code in enumerate(AREAS, start=1):
        # Capacity: a kelompok of ten (SYNTHETIC: the program's usual size, no source).
        cluster.add_group(
            Group(f"BTG-K{number:02d}", f"Kelompok {code}", code, formed, capacity=10)
        )
    return Program(
        "km-bantaeng",
        "Klaster Mandiri Bantaeng",
        "dd",
        [
            Organisation("dd", "Dompet Dhuafa", "ngo"),
            Organisation("mm", "Masyarakat Mandiri", "implementing_partner"),
            Organisation("ktn", "Kampoeng Ternak Nusantara", "implementing_partner"),
        ],
        [cluster],
    )


def rows() -> list[list[object]]:
    """The 40 submissions (typed cell values), in submission order."""
    rng = random.Random(SEED)
    out: list[list[object]] = []
    for index, sector in enumerate(SECTORS):
        home = AREAS[sector]
        # Most live in their sector's area; a few (about one in eight) outside it.
        kecamatan = rng.choice(home) if rng.random() > 0.125 else rng.choice(list(DESA))
        desa = rng.choice(DESA[kecamatan][1])
        day = dt.date(2011, 4, 11) + dt.timedelta(days=rng.randrange(10))
        start = dt.datetime.combine(day, dt.time(9)) + dt.timedelta(minutes=rng.randrange(420))
        size = rng.randint(2, 8)
        income = rng.randrange(300, 3600, 50)  # thousands of Rupiah a month
        female = rng.random() < 0.6
        out.append(
            [
                start.isoformat(timespec="milliseconds") + "+08:00",
                (start + dt.timedelta(minutes=25)).isoformat(timespec="milliseconds") + "+08:00",
                f"collect:{rng.getrandbits(64):016X}",
                f"APL-{index + 1:04d}",
                f"{rng.choice(GIVEN)} {rng.choice(FAMILY)}",
                "P" if female else "L",
                size,
                desa,
                sector,
                KIND[sector],
                day.isoformat(),
                f"7303{rng.randrange(10**11, 10**12)}",
                f"+62 81{rng.randrange(10**8, 10**9)}",
                income,
                income + rng.randrange(-100, 300, 50),
                rng.choice(FLOORS),
                rng.choice(WALLS),
                rng.choice(ROOFS),
                rng.choice(ASNAF),
                rng.choice(["ya", "ya", "tidak"]) if sector == "livestock" else "",
                91001 + index,
                str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                (start + dt.timedelta(hours=6)).isoformat(timespec="seconds"),
                index + 1,
            ]
        )
    return out


def build() -> dict[Path, bytes]:
    """Every file the example bundles, by path."""
    submissions = rows()
    return {
        DATA / "bantaeng_intake.json": klaster.dumps(program()).encode("utf-8"),
        OUT / "screening.csv": _csv(HEADER, submissions),
        OUT / "screening.xlsx": _xlsx([(SHEET, HEADER, submissions)]),
        OUT / "screening.toml": MAPPING_TOML.encode("utf-8"),
    }


def main() -> None:
    """Write the files."""
    for path, content in build().items():
        path.write_bytes(content)
    print(f"wrote {len(build())} files")


if __name__ == "__main__":
    main()
