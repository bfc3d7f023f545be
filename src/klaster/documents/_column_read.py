"""Program documents read through column-wise checks (internal: :mod:`klaster.documents.program`).

The members, groups and membership spells of each cluster (nearly all of a large document) are
gathered into columns and built through the bulk path (:mod:`klaster.model.bulk`): each rule is
checked once per column, or once per distinct value, and the records are built without running
their validators again. Everything else (region, sectors, lifecycle, overrides, cooperatives and
the program's own fields) goes through the fast converter, as before.

This road only says "yes" or gives up: a refusal, a value of an unexpected JSON type or anything
it does not take raises, and the caller reads the document again through the converter, which
accepts the same documents (building equal programs) and words the error with its path
(``clusters[2].members[5].sex: ...``). Repeated values are shared as the converter shares them:
one string per village, sector or business type in a cluster, and a member's own ID string in
the group spells and cooperatives that list it.

A cluster may also arrive with its members and spells already in columns
(:class:`ClusterColumns`: the Parquet form, :mod:`klaster.documents._program_parquet`): they
take the same road from the same point, with the same checks.
"""

from __future__ import annotations

import functools
import itertools
import operator
from collections.abc import Callable
from types import GenericAlias
from typing import Any

import attrs
import cattrs
from cattrs.gen import make_dict_structure_fn

from klaster.documents.converter import fast_converter, make_converter
from klaster.model.bulk import fill_cluster_columns
from klaster.model.cluster import Cluster
from klaster.model.cooperative import Cooperative
from klaster.model.group import Group, Membership, Role
from klaster.model.member import Member, Sex
from klaster.model.program import Program
from klaster.model.sector_areas import AreaOverride

__all__ = [
    "ClusterColumns",
    "ColumnsRefused",
    "cluster_decoder",
    "structure_parts",
    "structure_program",
]

# More overrides than this in one cluster: recording them one at a time costs O(n²), so the
# converter reads the document instead (a program records a few dozen at most).
MAX_OVERRIDES = 2_000


class ColumnsRefused(Exception):
    """This road does not take the document (the converter then reads it and decides)."""


@attrs.frozen
class ClusterColumns:
    """A cluster's object whose members and group spells are given as columns (internal).

    Handed to :func:`structure_program` in place of a cluster's JSON object (the Parquet form).

    Attributes:
        shell: The cluster's object as in a JSON document, but without ``members`` and with
            its groups without ``memberships`` (its cooperatives list their ``member_ids``).
        members: A column (list) per :class:`~klaster.model.member.Member` field, each value as
            a JSON document holds it (the sex as its value), dates as ISO text or dates.
        spells: ``member_id``, ``group_id``, ``joined``, ``left``, ``role`` columns: the spells
            of each group in the group's order, its groups in the cluster's order.
    """

    shell: dict[str, Any]
    members: dict[str, list[Any]]
    spells: dict[str, list[Any]]


def _keys(cls: type) -> tuple[frozenset[str], tuple[str, ...]]:
    """The document keys of ``cls`` and those without a default (required)."""
    fields = [a for a in attrs.fields(cls) if a.init]
    required = tuple(a.name for a in fields if a.default is attrs.NOTHING)
    return frozenset(a.name for a in fields), required


_MEMBER_KEYS, _MEMBER_REQUIRED = _keys(Member)
_MEMBER_OPTIONAL = tuple(sorted(_MEMBER_KEYS - set(_MEMBER_REQUIRED)))
_GROUP_KEYS, _GROUP_REQUIRED = _keys(Group)
_GROUP_OPTIONAL = tuple(sorted(_GROUP_KEYS - set(_GROUP_REQUIRED) - {"memberships"}))
_SPELL_KEYS = _keys(Membership)[0]
_CLUSTER_KEYS = _keys(Cluster)[0]
# Taken from the cluster's object by this road; the rest is the converter's.
_RECORDS = ("members", "groups", "cooperatives", "area_overrides")
_OVERRIDES = tuple[AreaOverride, ...]
_COOPERATIVES = tuple[Cooperative, ...]
_TEXTS = tuple[str, ...]
_SEXES = frozenset(sex.value for sex in Sex)
_SPELLS_OF = operator.methodcaller("get", "memberships", [])
_ROLE_OF = operator.methodcaller("get", "role", Role.MEMBER.value)
_SPELLS_PARSED = operator.attrgetter("memberships")
_ROLE_PARSED = operator.attrgetter("role")
_MEMBER_ROLE = Role.MEMBER.value
_ROLES = frozenset(role.value for role in Role)


def structure_program(raw: Any) -> Program:
    """The program of a (current-version) document's ``"program"`` object.

    Raises:
        Exception: Anything: the document is refused or not for this road; read it with the
            converter for the verdict and the located message.
    """
    program: Program = _converter().structure(raw, Program)
    return program


@functools.cache
def _converter() -> cattrs.Converter:
    # The fast converter's configuration, with clusters built here; built on first use.
    conv = make_converter(detailed=False)
    # A list of texts judged whole, at C speed (a cooperative lists its cluster's members);
    # anything else goes to the converter's own hook, for its verdict.
    as_tuple = conv.get_structure_hook(_TEXTS)

    def texts(value: Any, type_: Any) -> tuple[Any, ...]:
        if type(value) is list and {str}.issuperset(map(type, value)):
            return tuple(value)
        return as_tuple(value, type_)  # type: ignore[no-any-return]

    conv.register_structure_hook_func(lambda type_: type_ == _TEXTS, texts)
    # Cooperatives without the converter's shared-value table: their member IDs are made the
    # members' own strings here, before structuring (see _cooperatives).
    conv.register_structure_hook(Cooperative, make_dict_structure_fn(Cooperative, conv))
    conv.register_structure_hook(Cluster, _structure_cluster)
    conv.register_structure_hook(Program, make_dict_structure_fn(Program, conv))
    return conv


@functools.cache
def cluster_decoder() -> Callable[[bytes], Any] | None:
    """The parser of one cluster's JSON object for this road (msgspec's), or ``None``.

    The cluster, its members, groups and spells are parsed straight into msgspec structs
    (attributes, not a dict per record) with every field's value as :func:`json.loads` gives
    it; a key the record does not have, a missing required key or records that are not a list
    of objects make the parser raise (the document is then read as plain JSON by the
    converter). An absent optional key is ``None``, as ``dict.get`` gives it here, except
    where absent and null differ (a spell's role, a group's spells): :data:`msgspec.UNSET`.
    ``None`` when msgspec is not installed.
    """
    try:
        import msgspec
    except ImportError:  # pragma: no cover - depends on the environment
        return None
    unset = msgspec.UNSET

    def struct(cls: type, typed: dict[str, Any], absent: Any = None) -> Any:
        fields: list[tuple[Any, ...]] = []
        for field in attrs.fields(cls):
            if not field.init:
                continue
            if field.name in typed:
                fields.append((field.name, typed[field.name], unset))
            elif field.default is attrs.NOTHING and absent is None:
                fields.append((field.name, Any))
            else:
                fields.append((field.name, Any, absent))
        name = f"{cls.__name__}Fields"
        return msgspec.defstruct(name, fields, kw_only=True, forbid_unknown_fields=True)

    spells = GenericAlias(list, (struct(Membership, {"role": Any}),))
    rows = {
        "members": GenericAlias(list, (struct(Member, {}),)),
        "groups": GenericAlias(list, (struct(Group, {"memberships": spells}),)),
    }
    cluster = struct(Cluster, rows, absent=unset)  # the converter words a missing field
    return msgspec.json.Decoder(cluster).decode


def _unset() -> Any:
    import msgspec  # (only for what cluster_decoder() parsed: it is installed)

    return msgspec.UNSET


def structure_parts(
    shell: dict[str, Any],
) -> tuple[Cluster, tuple[AreaOverride, ...], dict[str, list[Any]], tuple[Cooperative, ...]]:
    """A cluster object without members and spells, in parts (internal: the Parquet form).

    The cluster itself (no members, groups, cooperatives or overrides yet), its overrides,
    its groups as columns (each field's values as the document holds them) and its built
    cooperatives (listing their ``member_ids``), as this road reads them.

    Raises:
        Exception: Anything: not for this road (the caller takes the usual one).
    """
    if not shell.keys() <= _CLUSTER_KEYS or "members" in shell:
        raise ColumnsRefused
    cluster: Cluster = fast_converter().structure(
        {key: item for key, item in shell.items() if key not in _RECORDS}, Cluster
    )
    overrides = fast_converter().structure(shell.get("area_overrides", []), _OVERRIDES)
    rows = shell.get("groups", [])
    _check_objects(rows, _GROUP_KEYS - {"memberships"})
    groups = _columns(rows, _GROUP_REQUIRED, _GROUP_OPTIONAL)
    cooperatives = _converter().structure(shell.get("cooperatives", []), _COOPERATIVES)
    return cluster, overrides, groups, cooperatives


def _structure_cluster(value: Any, _type: Any) -> Cluster:
    if type(value) is Cluster:  # filled already (structure_parts, then the bulk path)
        return value
    given = None
    if type(value) is ClusterColumns:
        given, value = value, value.shell
    if type(value) is dict:
        if not value.keys() <= _CLUSTER_KEYS:
            raise ColumnsRefused
        shell = {key: item for key, item in value.items() if key not in _RECORDS}
        parsed = False
    else:  # parsed by cluster_decoder(): the same fields as attributes, UNSET where absent
        present = {key: getattr(value, key) for key in value.__struct_fields__}
        value = {key: item for key, item in present.items() if item is not _unset()}
        shell = {key: item for key, item in value.items() if key not in _RECORDS}
        parsed = True
    cluster: Cluster = fast_converter().structure(shell, Cluster)
    overrides = fast_converter().structure(value.get("area_overrides", []), _OVERRIDES)
    if len(overrides) > MAX_OVERRIDES:
        raise ColumnsRefused
    shared: dict[object, object] = {}
    if given is None:
        members, ids = _member_columns(value.get("members", []), shared, parsed)
        groups, spells = _group_columns(value.get("groups", []), ids, shared, parsed)
    else:  # (the shell holds no members nor spells: the columns do)
        if "members" in value:
            raise ColumnsRefused
        members, ids = _prepared_members(dict(given.members), shared)
        groups, spells = _group_columns(value.get("groups", []), ids, shared, False, given.spells)
    cooperatives = _converter().structure(
        _cooperatives(value.get("cooperatives", []), ids, shared), _COOPERATIVES
    )
    # Every check Cluster(..., members=..., groups=..., area_overrides=..., cooperatives=...)
    # runs on them (a cooperative's members judged a whole list at a time).
    fill_cluster_columns(
        cluster, members, groups, spells, overrides=overrides, cooperatives=cooperatives
    )
    return cluster


def _member_columns(
    rows: Any, shared: dict[object, object], parsed: bool
) -> tuple[dict[str, list[Any]], dict[str, str]]:
    """The member objects ``rows`` as columns, and their IDs (each its own string) by ID."""
    if parsed:
        columns = _attributes(rows, _MEMBER_REQUIRED + _MEMBER_OPTIONAL)
    else:
        _check_objects(rows, _MEMBER_KEYS)
        columns = _columns(rows, _MEMBER_REQUIRED, _MEMBER_OPTIONAL)
    return _prepared_members(columns, shared)


def _prepared_members(
    columns: dict[str, list[Any]], shared: dict[object, object]
) -> tuple[dict[str, list[Any]], dict[str, str]]:
    """Members' columns with repeated values shared, and their IDs (each its own string) by ID."""
    if not _SEXES.issuperset(_distinct(columns["sex"])):
        raise ColumnsRefused  # (the converter reads an enum by its value alone)
    for name in ("village", "sector", "business_type"):
        columns[name] = _shared(columns[name], shared, str)
    columns["birth_year"] = _shared(columns["birth_year"], shared, int)
    ids = columns["id"]
    return columns, dict(zip(ids, ids, strict=True))


def _group_columns(
    rows: Any,
    ids: dict[str, str],
    shared: dict[object, object],
    parsed: bool,
    given: dict[str, list[Any]] | None = None,
) -> tuple[dict[str, list[Any]], dict[str, list[Any]]]:
    """The group objects ``rows`` as columns, and their spells as columns (by group, in order).

    ``given``: the spells as columns already (the groups then list none).
    """
    if given is not None:
        _check_objects(rows, _GROUP_KEYS - {"memberships"})
        columns = _columns(rows, _GROUP_REQUIRED, _GROUP_OPTIONAL)
        columns["sector"] = _shared(columns["sector"], shared, str)
        spells = {name: given[name] for name in ("member_id", "joined", "left")}
        spells["member_id"] = list(map(ids.get, spells["member_id"], spells["member_id"]))
        spells["group_id"] = list(given["group_id"])
        spells["role"] = list(given["role"])
        if not _ROLES.issuperset(_distinct(spells["role"])):
            raise ColumnsRefused
        return columns, spells
    if parsed:
        columns = _attributes(rows, _GROUP_REQUIRED + _GROUP_OPTIONAL)
        unset = _unset()
        of_group = [[] if spells is unset else spells for spells in map(_SPELLS_PARSED, rows)]
    else:
        _check_objects(rows, _GROUP_KEYS)
        columns = _columns(rows, _GROUP_REQUIRED, _GROUP_OPTIONAL)
        of_group = list(map(_SPELLS_OF, rows))
    columns["sector"] = _shared(columns["sector"], shared, str)
    listed: list[Any] = []
    group_ids: list[Any] = []
    for group_id, spells in zip(columns["id"], of_group, strict=True):
        if type(spells) is not list:
            raise ColumnsRefused
        listed += spells
        group_ids += itertools.repeat(group_id, len(spells))
    if parsed:  # (msgspec parsed each spell: an object with known keys, the required present)
        spells = _attributes(listed, ("member_id", "joined", "left"))
        unset = _unset()
        roles = [_MEMBER_ROLE if role is unset else role for role in map(_ROLE_PARSED, listed)]
    else:
        _check_objects(listed, _SPELL_KEYS)
        spells = _columns(listed, ("member_id", "joined"), ("left",))
        roles = list(map(_ROLE_OF, listed))
    # A member's own ID string (an ID no member has stays as it is, for the checks to refuse).
    member_ids = spells["member_id"]
    spells["member_id"] = list(map(ids.get, member_ids, member_ids))
    spells["group_id"] = group_ids
    spells["role"] = roles
    if not _ROLES.issuperset(_distinct(spells["role"])):
        raise ColumnsRefused
    return columns, spells


def _cooperatives(rows: Any, ids: dict[str, str], shared: dict[object, object]) -> Any:
    """The cooperative objects with listed member IDs and sectors made the shared strings."""
    if type(rows) is not list:
        return rows  # (the converter refuses it)
    out = []
    for row in rows:
        if type(row) is dict:
            row = dict(row)
            listed = row.get("member_ids")
            if type(listed) is list and {str}.issuperset(map(type, listed)):
                row["member_ids"] = list(map(ids.get, listed, listed))  # (at C speed)
            elif type(listed) is list:
                row["member_ids"] = [ids.get(m, m) if type(m) is str else m for m in listed]
            if type(row.get("sectors")) is list:
                row["sectors"] = _shared(row["sectors"], shared, str)
        out.append(row)
    return out


# -- gathering columns -------------------------------------------------------------------------
def _check_objects(rows: Any, keys: frozenset[str]) -> None:
    """``rows`` is a list of JSON objects with no key but ``keys`` (``forbid_extra_keys``)."""
    if type(rows) is not list or not {dict}.issuperset(map(type, rows)):
        raise ColumnsRefused
    if not keys.issuperset(set().union(*rows)):
        raise ColumnsRefused  # an unknown key


def _columns(
    rows: list[dict[str, Any]], required: tuple[str, ...], optional: tuple[str, ...]
) -> dict[str, list[Any]]:
    """The rows' values by key; a missing optional key is ``None`` (its default: not recorded)."""
    try:
        columns = {name: list(map(operator.itemgetter(name), rows)) for name in required}
    except KeyError:
        raise ColumnsRefused from None  # a required field is missing
    for name in optional:
        columns[name] = list(map(operator.methodcaller("get", name), rows))
    return columns


def _attributes(rows: list[Any], names: tuple[str, ...]) -> dict[str, list[Any]]:
    """The parsed records' attributes by name (see :func:`cluster_decoder`)."""
    return {name: list(map(operator.attrgetter(name), rows)) for name in names}


def _distinct(values: list[Any]) -> set[Any]:
    # The distinct values; an unhashable one (a list) is not for this road.
    try:
        return set(values)
    except TypeError:
        raise ColumnsRefused from None


def _shared(values: list[Any], shared: dict[object, object], kind: type) -> list[Any]:
    """``values`` with each ``kind`` value the one object of ``shared`` equal to it."""
    # Only when every value is of ``kind`` or null: 1 == True == 1.0 must not turn one JSON
    # type into another (the checks refuse the other types; nothing to share then).
    if not {kind, type(None)}.issuperset(map(type, values)):
        return values
    return list(map(shared.setdefault, values, values))  # (one pass, at C speed)
