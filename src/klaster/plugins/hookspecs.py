"""The hooks a klaster plugin may implement (pluggy project name ``"klaster"``).

A plugin is any module or object whose functions are marked with :data:`hookimpl` and named after
the specifications below. It is found through the ``klaster`` entry-point group::

    [project.entry-points.klaster]
    seaweed = "klaster_seaweed"

A plugin implements only the hooks it needs. Do not call the hooks yourself: the
:class:`klaster.plugins.host.PluginHost` calls them, checks what they return, reports broken plugins
and sorts the results. The hooks that declare things (sectors, variables, indicators, criteria,
activity kinds, eligibility criteria) are called once, when the plugin is loaded; the
``klaster_validate_*`` hooks each time the host checks a member, a group or a survey round of one
of the plugin's sectors: those it provides and those it extends (declares variables, indicators
or readiness criteria for), so a plugin that adds variables to another's sector can check them.
A plugin of several sectors reads the member's, group's or round's sector to tell them apart.

Every hook returns a sequence: a list or a tuple (not a generator, set or dict). A validation
hook may also return ``None`` for no problems. An implementation may take fewer parameters than
its specification (pluggy passes only those it names), never one the specification lacks.

Codes are shared by all plugins: a sector, variable, indicator or criterion code already taken by
a plugin loaded earlier (the built-in sectors load first) makes the later plugin fail to load.
Variables and indicators share one namespace, because formulas name both by code.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import pluggy

from klaster.catalogue.criterion import ReadinessCriterion
from klaster.catalogue.eligibility import EligibilityCriterion
from klaster.catalogue.indicator import Indicator
from klaster.catalogue.report_section import ReportSection
from klaster.catalogue.sector import Sector
from klaster.catalogue.variable import Level, Variable
from klaster.model.activity_kinds import ActivityKind
from klaster.model.group import Group
from klaster.model.member import Member

if TYPE_CHECKING:  # polars is the `columnar` extra: imported by the hosts that use the hook
    import polars as pl

__all__ = [
    "PROJECT",
    "hookimpl",
    "hookspec",
    "klaster_activity_kinds",
    "klaster_eligibility_criteria",
    "klaster_indicators",
    "klaster_readiness_criteria",
    "klaster_report_sections",
    "klaster_sectors",
    "klaster_validate_columns",
    "klaster_validate_group",
    "klaster_validate_member",
    "klaster_validate_values",
    "klaster_variables",
]

PROJECT = "klaster"
"""The pluggy project name, which is also the entry-point group plugins are found in."""

hookspec = pluggy.HookspecMarker(PROJECT)
"""Marks a hook specification (for klaster itself; plugins use :data:`hookimpl`)."""

hookimpl = pluggy.HookimplMarker(PROJECT)
"""Marks a plugin's function as the implementation of the hook of the same name.

Example:
    >>> from klaster.plugins.hookspecs import hookimpl
    >>> @hookimpl
    ... def klaster_sectors():
    ...     return []
"""


@hookspec
def klaster_sectors() -> Sequence[Sector]:
    """Return the sectors this plugin provides.

    Returns:
        A list or tuple (may be empty) of :class:`klaster.catalogue.sector.Sector` records. Each
        sector code must be new: a code another plugin already provides makes this plugin fail
        to load.

    Example:
        >>> from klaster.label import Label
        >>> from klaster.catalogue.sector import BusinessType, Sector
        >>> @hookimpl
        ... def klaster_sectors():
        ...     return [Sector("seaweed", Label("Rumput laut", "Seaweed"),
        ...                    Label("Budidaya rumput laut.", "Seaweed farming."),
        ...                    [BusinessType("cottonii", Label("Cottonii", "Cottonii"))],
        ...                    dac_code="31320")]
    """
    raise NotImplementedError  # a specification: pluggy never calls its body


@hookspec
def klaster_variables() -> Sequence[Variable]:
    """Return the variables collected for members, groups or cooperatives of this plugin's sectors.

    Core variables (member income, household size) belong to klaster itself, not to a sector.

    Returns:
        A list or tuple of :class:`klaster.catalogue.variable.Variable` records. Each variable's
        ``sector`` must be provided by some loaded plugin (usually this one; a plugin may add
        variables to another plugin's sector, and is then one of that sector's plugins: its
        ``klaster_validate_*`` hooks are called for it). Codes are shared with indicators and
        must be new.

    Example:
        >>> from klaster.label import Label
        >>> from klaster.catalogue.variable import Level, ValueType, Variable
        >>> @hookimpl
        ... def klaster_variables():
        ...     return [Variable("seaweed_lines", "seaweed", Level.MEMBER, ValueType.INTEGER,
        ...                      Label("Jumlah tali", "Lines planted"), unit="line",
        ...                      minimum=0, maximum=2000, required=True)]
    """
    raise NotImplementedError  # a specification: pluggy never calls its body


@hookspec
def klaster_indicators() -> Sequence[Indicator]:
    """Return the indicators this plugin defines over variables (its own or others').

    Returns:
        A list or tuple of :class:`klaster.catalogue.indicator.Indicator` records. Every code an
        indicator's formula refers to (its ``references``) must be a variable or indicator of a
        loaded plugin, or a core name the host knows; an unknown one leaves the plugin out with
        ``indicators[i].formula`` located and the closest known codes suggested.

    Example:
        >>> from klaster.catalogue.indicator import Aggregation, Direction, Indicator
        >>> from klaster.label import Label
        >>> from klaster.catalogue.variable import Level
        >>> @hookimpl
        ... def klaster_indicators():
        ...     return [Indicator("dry_yield_per_line", "seaweed",
        ...                       Label("Hasil kering per tali", "Dry yield per line"),
        ...                       Level.MEMBER, "dry_harvest_kg / seaweed_lines",
        ...                       Aggregation.RATIO_OF_SUMS, Direction.HIGHER, unit="kg/line")]
    """
    raise NotImplementedError  # a specification: pluggy never calls its body


@hookspec
def klaster_readiness_criteria() -> Sequence[ReadinessCriterion]:
    """Return the criteria this plugin contributes to readiness for independence.

    Returns:
        A list or tuple of :class:`klaster.catalogue.criterion.ReadinessCriterion` records. Each
        reads an indicator or variable of a loaded plugin; its threshold must suit what it reads
        (a number for numbers and indicators, true/false for a boolean variable, a category
        code for a category variable). A composite criterion (``all_of``/``any_of`` a list of
        :class:`~klaster.catalogue.criterion.Condition` s) is held to this part by part.

    Example:
        >>> from klaster.catalogue.criterion import Operator, ReadinessCriterion
        >>> from klaster.label import Label
        >>> from klaster.catalogue.variable import Level
        >>> @hookimpl
        ... def klaster_readiness_criteria():
        ...     return [ReadinessCriterion("seaweed_income_positive", "seaweed", Level.MEMBER,
        ...                                Label("Pendapatan rumput laut positif",
        ...                                      "Positive seaweed income"),
        ...                                "seaweed_income", Operator.GT, "0")]
    """
    raise NotImplementedError  # a specification: pluggy never calls its body


@hookspec
def klaster_activity_kinds() -> Sequence[ActivityKind]:
    """Return the kinds of activity this plugin's sectors add (a harvest day, a vaccination round).

    Activities of these kinds are accepted on every path (the API, program documents, the store,
    imports) while the plugin is loaded. The core kinds (socialisation, workshop, training, group
    meeting, field visit, ceremony...) belong to klaster; mentoring visits are the mentoring log's.

    Returns:
        A list or tuple of :class:`klaster.model.activity_kinds.ActivityKind` records (a kind's
        sector does not make the plugin one of that sector's). Each code must be
        new: one of a core kind, ``mentoring_visit`` or another plugin's kind makes this plugin
        fail to load. A kind's ``sector``, when set, must be provided by a loaded plugin.

    Example:
        >>> from klaster.label import Label
        >>> from klaster.model.activity_kinds import ActivityKind
        >>> @hookimpl
        ... def klaster_activity_kinds():
        ...     return [ActivityKind("seaweed_harvest_day", Label("Panen rumput laut",
        ...                          "Seaweed harvest day"), sector="seaweed")]
    """
    raise NotImplementedError  # a specification: pluggy never calls its body


@hookspec
def klaster_eligibility_criteria() -> Sequence[EligibilityCriterion]:
    """Return the eligibility criteria this plugin adds for applicants of its sectors.

    Screening (:func:`klaster.targeting.screen`) applies them to applicants of the criterion's
    sector, besides the program's rules: each essential one must pass, the others wherever they
    apply (an unanswered question does not apply).

    Returns:
        A list or tuple of :class:`klaster.catalogue.eligibility.EligibilityCriterion` records
        (a criterion's sector does not make the plugin one of that sector's), each
        naming its ``sector`` (provided by a loaded plugin) and reading a screening variable
        (a core one such as ``monthly_income``, or a member variable a plugin declares).
        Codes are shared by all plugins and must be new.

    Example:
        >>> from klaster.catalogue.eligibility import EligibilityCriterion
        >>> from klaster.label import Label
        >>> @hookimpl
        ... def klaster_eligibility_criteria():
        ...     return [EligibilityCriterion("seaweed_has_coast",
        ...                                  Label("Tinggal di pesisir", "Lives on the coast"),
        ...                                  "lives_on_coast", "==", True, essential=True,
        ...                                  sector="seaweed")]
    """
    raise NotImplementedError  # a specification: pluggy never calls its body


@hookspec
def klaster_report_sections() -> Sequence[ReportSection]:
    """Return the report sections this plugin adds to the program report.

    The report (:func:`klaster.reports.build_report`, ``klaster report --format html``) adds
    each section after its own when the report covers the section's sector: a table of its
    indicators per survey round with their ``n`` (and broken down by its ``by`` dimensions),
    and, with ``chart``, a baseline → endline chart of its first indicator by sector. A section
    whose indicators cannot be computed says "not available (why)" under its title; the rest of
    the report is built as usual.

    Returns:
        A list or tuple of :class:`klaster.catalogue.report_section.ReportSection` records,
        each naming its ``sector`` (provided by a loaded plugin) and indicator codes (the
        plugin's own or klaster's core ones). Codes are shared by all plugins and must be new.

    Example:
        >>> from klaster.catalogue.report_section import ReportSection
        >>> from klaster.label import Label
        >>> @hookimpl
        ... def klaster_report_sections():
        ...     return [ReportSection("seaweed_harvest", "seaweed",
        ...                           Label("Panen rumput laut", "Seaweed harvest"),
        ...                           ("seaweed_yield",), chart=True)]
    """
    raise NotImplementedError  # a specification: pluggy never calls its body


@hookspec
def klaster_validate_member(member: Member) -> Sequence[str]:
    """Return what is wrong with a member of one of this plugin's sectors.

    The host calls it with members of the sectors this plugin provides and of those it extends
    (declares variables, indicators or readiness criteria for), after its own checks (the
    sector exists, the business type is one of the sector's). Check ``member.sector`` when a
    rule is for one sector only.

    Args:
        member: The :class:`klaster.model.member.Member` to check.

    Returns:
        Problems as short English sentences naming the field, in a list or tuple (empty, or
        ``None``, when all is well). Never put personal data (name, national ID, phone) in
        them: the host adds the member's ID.

    Example:
        >>> @hookimpl
        ... def klaster_validate_member(member):
        ...     if member.business_type is None:
        ...         return ["business_type is required for seaweed farmers (e.g. 'cottonii')"]
        ...     return []
    """
    raise NotImplementedError  # a specification: pluggy never calls its body


@hookspec
def klaster_validate_group(group: Group) -> Sequence[str]:
    """Return what is wrong with a business group of one of this plugin's sectors.

    The host calls it with groups of the sectors this plugin provides or extends, as
    :func:`klaster_validate_member`.

    Args:
        group: The :class:`klaster.model.group.Group` to check.

    Returns:
        Problems as short English sentences in a list or tuple (empty, or ``None``, when all is
        well), naming members by ID only.

    Example:
        >>> @hookimpl
        ... def klaster_validate_group(group):
        ...     size = len(group.member_ids())
        ...     return [] if size >= 3 else [f"only {size} members; a group needs at least 3"]
    """
    raise NotImplementedError  # a specification: pluggy never calls its body


@hookspec
def klaster_validate_values(
    sector: str, level: Level, values: Mapping[str, object]
) -> Sequence[str]:
    """Return what is wrong with one survey round of one member, group or cooperative.

    The host first checks each value against its variable (type, bounds, required) and passes
    only known, well-typed values (``Decimal``, ``int``, ``bool``, ``str``, ``datetime.date``;
    unrecorded optional values are absent). This hook adds checks across variables.

    The host calls it for the sectors this plugin provides or extends, as
    :func:`klaster_validate_member`.

    Args:
        sector: Code of the sector (one this plugin provides or declares variables for).
        level: The :class:`klaster.catalogue.variable.Level` the values describe.
        values: Variable code to value.

    Returns:
        Problems as short English sentences naming the variables, in a list or tuple (empty, or
        ``None``, when all is well); do not repeat the values (survey answers are personal
        data).

    Example:
        >>> @hookimpl
        ... def klaster_validate_values(sector, level, values):
        ...     wet, dry = values.get("wet_harvest_kg"), values.get("dry_harvest_kg")
        ...     if wet is not None and dry is not None and dry > wet:
        ...         return ["dry_harvest_kg is more than wet_harvest_kg"]
        ...     return []
    """
    raise NotImplementedError  # a specification: pluggy never calls its body


@hookspec
def klaster_validate_columns(
    sector: str, level: Level, columns: Mapping[str, pl.Series], units: pl.Series
) -> Sequence[tuple[int, str]]:
    """Return what is wrong with many units' values of a round at once: the column-wise form.

    :func:`klaster_validate_values` for a whole batch (one row per unit and round, all of one
    level and of a sector this plugin provides or extends): the same rules on columns, so that
    reading a sidecar, recording columns and importing check a million units in a few
    vectorised operations instead of a million calls. The per-unit hook stays the reference:
    a plugin implementing this one must implement :func:`klaster_validate_values` too
    (checking one record runs that one, and so do hosts without polars), and both must find
    the same problems (``klaster.testing.plugins`` checks that they agree on samples).

    Columns are polars ``Series`` (the ``columnar`` extra), one per variable a unit of the
    batch recorded, all of the same length and in its row order, in the types the per-unit hook
    gets: ``Decimal`` (exact, any scale), ``Int64``, ``Boolean``, ``String`` (texts and category
    codes) and ``Date``. A value the per-unit hook would not find (unrecorded) is null; a
    variable no unit recorded may have no column at all (``columns.get(code)``).

    Args:
        sector: Code of the sector (one this plugin provides or declares variables for).
        level: The :class:`klaster.catalogue.variable.Level` the values describe.
        columns: Variable code to column.
        units: The units' IDs, one per row (a ``String`` series).

    Returns:
        ``(row, problem)`` pairs in a list or tuple (empty, or ``None``, when all is well): the
        row (0-based) and the same text :func:`klaster_validate_values` gives for that unit.
        Rows may come in any order; for one row, give its problems in the per-unit hook's
        order (the host keeps them in that order).

    Example:
        >>> @hookimpl
        ... def klaster_validate_columns(sector, level, columns):
        ...     wet, dry = columns.get("wet_harvest_kg"), columns.get("dry_harvest_kg")
        ...     if wet is None or dry is None:
        ...         return []
        ...     rows = (dry > wet).fill_null(False).arg_true().to_list()
        ...     return [(row, "dry_harvest_kg is more than wet_harvest_kg") for row in rows]
    """
    raise NotImplementedError  # a specification: pluggy never calls its body
