"""The core variables: what every cluster records, whatever its sectors.

Sector plugins add their own variables (herd size, harvest, revenue...); these are the ones the
core indicators read: household income and expenditure (poverty lines, CIBEST material value),
household size (per-capita figures), the five CIBEST spiritual items, a short social-capital
questionnaire, and the state of groups and cooperatives. All have the sector code
:data:`CORE_SECTOR` (``"core"``), so they apply to members, groups and cooperatives of any
sector. None is ``required``: a round may collect only some of them.

Sources and choices:

- **CIBEST** (Beik & Arsyianti 2015, *Construction of CIBEST model as measurement of poverty and
  welfare indices from Islamic perspective*, Al-Iqtishad 7(1)): a household's spiritual score is
  the mean of five items scored 1 (lowest) to 5 (highest): prayer (*shalat*), fasting (*puasa*),
  zakat and *infak*, the family environment and government policy (how far the environment lets
  the household practise worship). The spiritual line (3 in the model) belongs to the indicator,
  not here: the items only hold the scores.
- **Social capital**: four 5-point Likert items (1 strongly disagree ... 5 strongly agree) on the
  dimensions the program reports name: ties between mitra, trust, participation in group
  meetings, links to outside parties. The scoring into an index is configurable in the indicator
  layer; these are the raw answers.
- **Bounds** are plausibility limits for a program household, not standards: more than Rp 1
  billion of income a month or 50 people in a household is a data-entry error.
- **Income and expenditure are per household per month**; per-capita figures (for BPS poverty
  lines, which are per capita per month) divide by ``household_size`` (this round's value, or
  the member record's when the round did not record it).
"""

from __future__ import annotations

from types import MappingProxyType
from typing import TYPE_CHECKING, Final

from klaster.catalogue.variable import Level, ValueType, Variable
from klaster.label import Label

if TYPE_CHECKING:
    from klaster.plugins.host import PluginHost

__all__ = [
    "CIBEST_ITEMS",
    "CORE_SECTOR",
    "CORE_VARIABLES",
    "SOCIAL_CAPITAL_ITEMS",
    "core_variables",
    "variable_catalogue",
]

CORE_SECTOR: Final = "core"
"""Sector code of the core variables: they apply to units of every sector."""

_MONEY_MAX = 1_000_000_000
_IDR_MONTH = "IDR/month"
_LIKERT = Label(
    "1 sangat tidak setuju, 2 tidak setuju, 3 ragu-ragu, 4 setuju, 5 sangat setuju.",
    "1 strongly disagree, 2 disagree, 3 neither, 4 agree, 5 strongly agree.",
)


def _score(code: str, label: Label, description: Label, *, level: Level = Level.MEMBER) -> Variable:
    return Variable(
        code,
        CORE_SECTOR,
        level,
        ValueType.INTEGER,
        label,
        unit="score",
        minimum=1,
        maximum=5,
        description=description,
    )


def _cibest(code: str, label: Label, about: Label) -> Variable:
    return _score(
        code,
        label,
        Label(
            f"Skor CIBEST 1 (terendah) sampai 5 (tertinggi): {about.id}",
            f"CIBEST score from 1 (lowest) to 5 (highest): {about.en}",
        ),
    )


def _likert(code: str, label: Label, statement: Label) -> Variable:
    return _score(
        code,
        label,
        Label(
            f"Pernyataan: {statement.id} {_LIKERT.id}", f"Statement: {statement.en} {_LIKERT.en}"
        ),
    )


CORE_VARIABLES: Final[tuple[Variable, ...]] = (
    # -- household economy ------------------------------------------------------------------
    Variable(
        "monthly_income",
        CORE_SECTOR,
        Level.MEMBER,
        ValueType.DECIMAL,
        Label("Pendapatan rumah tangga per bulan", "Household income per month"),
        unit=_IDR_MONTH,
        minimum=0,
        maximum=_MONEY_MAX,
        description=Label(
            "Seluruh pendapatan rumah tangga mitra sebulan terakhir, dari semua sumber, dalam "
            "Rupiah.",
            "All income of the member's household in the last month, from every source, in Rupiah.",
        ),
    ),
    Variable(
        "monthly_expenditure",
        CORE_SECTOR,
        Level.MEMBER,
        ValueType.DECIMAL,
        Label("Pengeluaran rumah tangga per bulan", "Household expenditure per month"),
        unit=_IDR_MONTH,
        minimum=0,
        maximum=_MONEY_MAX,
        description=Label(
            "Pengeluaran konsumsi rumah tangga sebulan (makanan dan bukan makanan); per kapita "
            "= dibagi jumlah anggota rumah tangga.",
            "Household consumption spending in a month (food and non-food); per capita = "
            "divided by the household size.",
        ),
    ),
    Variable(
        "household_size",
        CORE_SECTOR,
        Level.MEMBER,
        ValueType.INTEGER,
        Label("Jumlah anggota rumah tangga", "Household size"),
        unit="person",
        minimum=1,
        maximum=50,
        description=Label(
            "Jumlah orang dalam rumah tangga pada saat survei; menggantikan data mitra untuk "
            "putaran ini.",
            "People in the household at the time of the round; overrides the member record "
            "for this round.",
        ),
    ),
    # -- CIBEST spiritual items -------------------------------------------------------------
    _cibest(
        "cibest_prayer",
        Label("Shalat", "Prayer (shalat)"),
        Label("pelaksanaan shalat.", "how the household performs prayer."),
    ),
    _cibest(
        "cibest_fasting",
        Label("Puasa", "Fasting (puasa)"),
        Label("pelaksanaan puasa.", "how the household observes fasting."),
    ),
    _cibest(
        "cibest_zakat",
        Label("Zakat dan infak", "Zakat and infak"),
        Label("pembayaran zakat dan infak.", "how the household pays zakat and gives infak."),
    ),
    _cibest(
        "cibest_family",
        Label("Lingkungan keluarga", "Family environment"),
        Label(
            "dukungan lingkungan keluarga terhadap ibadah.",
            "how far the family environment supports worship.",
        ),
    ),
    _cibest(
        "cibest_policy",
        Label("Kebijakan pemerintah", "Government policy"),
        Label(
            "dukungan kebijakan pemerintah terhadap ibadah.",
            "how far government policy supports worship.",
        ),
    ),
    # -- social capital ---------------------------------------------------------------------
    _likert(
        "social_ties",
        Label("Hubungan antar mitra", "Ties between members"),
        Label(
            "Saya bisa meminta bantuan sesama mitra ketika membutuhkan.",
            "I can ask other members for help when I need it.",
        ),
    ),
    _likert(
        "social_trust",
        Label("Kepercayaan", "Trust"),
        Label(
            "Saya percaya pada sesama mitra dan pengurus kelompok.",
            "I trust the other members and the group's officers.",
        ),
    ),
    _likert(
        "social_meetings",
        Label("Partisipasi dalam pertemuan kelompok", "Participation in group meetings"),
        Label(
            "Saya hadir dan ikut bicara dalam pertemuan kelompok.",
            "I attend group meetings and speak in them.",
        ),
    ),
    _likert(
        "social_links",
        Label("Jejaring dengan pihak luar", "Links to outside parties"),
        Label(
            "Saya punya hubungan dengan pihak luar (pemerintah, pembeli, bank, koperasi lain).",
            "I have links to outside parties (government, buyers, banks, other cooperatives).",
        ),
    ),
    # -- groups -----------------------------------------------------------------------------
    Variable(
        "group_active",
        CORE_SECTOR,
        Level.GROUP,
        ValueType.BOOLEAN,
        Label("Kelompok aktif", "Group active"),
        description=Label(
            "Kelompok mengadakan pertemuan dan menjalankan usaha atau dana bergulirnya pada "
            "periode ini.",
            "The group met and ran its business or revolving fund in the period.",
        ),
    ),
    Variable(
        "group_meetings",
        CORE_SECTOR,
        Level.GROUP,
        ValueType.INTEGER,
        Label("Jumlah pertemuan kelompok", "Group meetings held"),
        unit="meeting",
        minimum=0,
        maximum=366,
        description=Label(
            "Pertemuan kelompok yang diadakan sejak putaran sebelumnya.",
            "Group meetings held since the previous round.",
        ),
    ),
    # -- cooperatives -----------------------------------------------------------------------
    Variable(
        "coop_legal",
        CORE_SECTOR,
        Level.COOPERATIVE,
        ValueType.BOOLEAN,
        Label("Koperasi berbadan hukum", "Cooperative has legal status"),
        description=Label(
            "Koperasi sudah berbadan hukum pada tanggal survei (periksa akta).",
            "The cooperative is a legal entity on the date of the round (check the deed).",
        ),
    ),
    Variable(
        "coop_active",
        CORE_SECTOR,
        Level.COOPERATIVE,
        ValueType.BOOLEAN,
        Label("Koperasi aktif", "Cooperative active"),
        description=Label(
            "Koperasi melayani anggota dan mengadakan rapat pengurus pada periode ini.",
            "The cooperative served its members and its board met in the period.",
        ),
    ),
)
"""The core variables, in a stable order."""

CIBEST_ITEMS: Final = (
    "cibest_prayer",
    "cibest_fasting",
    "cibest_zakat",
    "cibest_family",
    "cibest_policy",
)
"""Codes of the five CIBEST spiritual items (the spiritual score is their mean)."""

SOCIAL_CAPITAL_ITEMS: Final = ("social_ties", "social_trust", "social_meetings", "social_links")
"""Codes of the social-capital questionnaire items."""

_BY_CODE = MappingProxyType({variable.code: variable for variable in CORE_VARIABLES})


def core_variables() -> MappingProxyType[str, Variable]:
    """The core variables by code (a read-only mapping).

    Example:
        >>> core_variables()["monthly_income"].unit
        'IDR/month'
    """
    return _BY_CODE


def variable_catalogue(host: PluginHost | None = None) -> dict[str, Variable]:
    """Every variable a program can record: the core variables and the sector plugins' ones.

    This is the catalogue :class:`~klaster.measurement.Observations`, the store and the importer
    use by default.

    Args:
        host: The plugin host whose sectors' variables are added (default: :func:`get_host`).

    Returns:
        Variables by code, core variables first.

    Example:
        >>> catalogue = variable_catalogue()
        >>> "monthly_income" in catalogue and "monthly_revenue" in catalogue
        True
    """
    from klaster.plugins.default import get_host  # the plugins layer, loaded on use

    found = host if host is not None else get_host()
    return {**core_variables(), **{v.code: v for v in found.variables()}}
