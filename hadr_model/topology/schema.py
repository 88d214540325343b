"""The keys of a spec in one table: the validator's key, bound and choice checks, and the JSON Schema.

:func:`table` describes every mapping a spec may hold (name, keys, what each key holds, its
default and why, which keys are required). The validator (:mod:`~hadr_model.topology.spec`,
:mod:`~hadr_model.topology.dataprotection`) takes from it the keys it accepts, the required
keys, the allowed choices and the numeric bounds; :func:`json_schema` turns the same table into
a JSON Schema (draft 2020-12) that ``hadr schema`` prints, for editors (completion, inline
errors) and other tools. There is one definition of the spec's vocabulary.

What the schema checks, and what stays in code
----------------------------------------------
The schema and the validator agree on keys (unknown, missing required, the either/or rules
of behaviours), JSON types, choices (``needs``, ``within_region``, ``copy_to``, ``strategy``
…) and the grammar of durations, sizes, throughputs and fractions. Only the validator checks
what needs more than one value or arithmetic: references (``fails_over_to``, ``depends_on``,
``per_zone`` and ``data`` role names), ``needs: k`` at most the instances, ``k`` of a
``k_of_n`` at most its blocks, ranges of quantities written as text (``0h`` where zero is
refused, a million years), distribution parameters (which depend on ``dist``), unique names,
a snapshot retention at least its interval, and every size limit. JSON has one number type:
the schema accepts ``2.0`` where the validator wants a whole number.

Defaults the validator falls back to are recorded where it applies them
(:func:`recording`, :func:`note_default`): ``hadr validate`` lists them.

Examples
--------
>>> keys("snapshots")
('every', 'takes', 'copy_to', 'copy_takes', 'keep', 'uncertainty')
>>> default("role", "needs"), bounds("role", "per_zone")
('any', (1, 10000))
>>> json_schema()["$schema"]
'https://json-schema.org/draft/2020-12/schema'
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from .. import units
from ..options import NEEDS_WORDS as _NEEDS_WORDS

__all__ = ["AnyOf", "Default", "Enum", "Key", "Law", "ListOf", "MapOf", "Obj", "Ref", "Scalar", "Site",
           "bare_hours", "bounds", "default", "json_schema", "json_types", "key", "keys", "note_default", "recording",
           "required", "table", "values", "walk"]

SCHEMA_DRAFT = "https://json-schema.org/draft/2020-12/schema"
NEEDS_WORDS = _NEEDS_WORDS      # re-exported from hadr_model.options (the one list of these words)
MAX_PER_ZONE = 10_000
LAW_EXAMPLES = ("expon", "exponential", "weibull_min", "lognorm", "gamma", "deterministic")


class _Missing:
    def __repr__(self) -> str:
        return "no default"


NO_DEFAULT: Any = _Missing()


# --- the nodes of the table ------------------------------------------------------------------

@dataclass(frozen=True)
class Scalar:
    """A single value. ``kind`` is one of ``text`` (not blank), ``name`` (text without '@', '|'
    or control characters), ``description`` (any text), ``integer``, ``number``, ``boolean``,
    ``duration``, ``size``, ``rate`` (a throughput), ``fraction`` or ``needs``.

    ``low`` / ``high`` bound numbers (``open_low``: more than ``low``); ``zero`` allows a
    duration of 0; ``nullable`` allows ``null`` (read as absent)."""

    kind: str
    low: float | None = None
    high: float | None = None
    open_low: bool = False
    zero: bool = False
    nullable: bool = False


@dataclass(frozen=True)
class Enum:
    """One of fixed ``values``."""

    values: tuple[Any, ...]
    nullable: bool = False


@dataclass(frozen=True)
class Law:
    """A law (:func:`~hadr_model.topology.laws.parse_law`): a value in ``unit`` (``h``,
    ``bytes``, ``bytes/h``) or ``{dist: NAME, …}``; ``zero`` allows a bare 0 (a duration)."""

    unit: str = "h"
    zero: bool = False


@dataclass(frozen=True)
class Ref:
    """The mapping named ``name`` in the table (blocks nest)."""

    name: str


@dataclass(frozen=True)
class MapOf:
    """A mapping of names (``keys="name"``) or of any text (``"text"``) to ``value``."""

    value: Node
    keys: str = "name"
    min_items: int = 0
    max_items: int | None = None
    nullable: bool = False


@dataclass(frozen=True)
class ListOf:
    """A list of ``item``."""

    item: Node
    min_items: int = 0
    max_items: int | None = None
    unique: bool = False


@dataclass(frozen=True)
class AnyOf:
    """Any of ``options`` (the first whose JSON type fits a value describes it)."""

    options: tuple[Node, ...]


@dataclass(frozen=True)
class Key:
    """A key of a mapping: what it holds, what it means, its default and why."""

    node: Node
    doc: str
    default: Any = NO_DEFAULT
    why: str = ""
    deprecated: bool = False


@dataclass(frozen=True)
class Obj:
    """A mapping with fixed keys.

    ``behaviour`` is ``"required"`` when the mapping holds a failure/repair behaviour
    (``mttf``/``failure`` and ``mttr``/``repair``, or ``availability``), ``"optional"`` when it
    may; ``one_key`` asks for exactly one key (a block); ``rules`` are JSON Schema fragments for
    what involves several keys (``size`` or ``databases.size`` …)."""

    name: str
    doc: str
    keys: Mapping[str, Key]
    required: tuple[str, ...] = ()
    nullable: bool = False
    behaviour: str = ""
    one_key: bool = False
    rules: tuple[Mapping[str, Any], ...] = ()


Node = Scalar | Enum | Law | Ref | MapOf | ListOf | AnyOf | Obj


# --- the table -------------------------------------------------------------------------------

def _hours(value: float) -> float | int:
    """A default in hours as a spec writes it (a bare number is hours)."""
    return int(value) if float(value).is_integer() else value


def _law_default(law: Any) -> Any:
    if law.fixed is not None:
        return _hours(law.fixed)
    if law.is_exponential:
        return {"dist": "exponential", "mean": _hours(law.mean)}
    return {"dist": law.dist, **dict(law.params)}


def _rate_text(bytes_per_h: float) -> str:
    per_s = bytes_per_h / 3600.0
    spelled = {"B": 1.0, "KB": 1e3, "MB": 1e6, "GB": 1e9, "KiB": 2.0**10, "MiB": 2.0**20, "GiB": 2.0**30}
    texts = [f"{per_s / size:g}{unit}/s" for unit, size in spelled.items() if (per_s / size) >= 1]
    return min(texts, key=len) if texts else f"{per_s:g}B/s"


NEVER_WORD = "never"
"""``mttr: never`` (or ``repair: never``): an element that is not repaired once it has failed."""


def _behaviour_keys(failure_doc: str = "time to failure") -> dict[str, Key]:
    return {
        "mttf": Key(AnyOf((Law(), *_UNCERTAIN)), f"mean {failure_doc} (exponential), or a law, or an "
                    "uncertainty in place of the value (its median is the point value)"),
        "mttr": Key(AnyOf((Law(), Enum((NEVER_WORD,)), *_UNCERTAIN)),
                    f"mean time to repair (exponential), or a law; '{NEVER_WORD}': a non-repairable element"),
        "failure": Key(Law(), "law of the time to failure, e.g. {dist: weibull_min, c: 0.8, mean: 1y}"),
        "repair": Key(AnyOf((Law(), Enum((NEVER_WORD,)))),
                      f"law of the repair time, e.g. {{dist: lognorm, s: 0.8, mean: 6h}}; '{NEVER_WORD}': "
                      "a non-repairable element"),
        "mttd": Key(Law(), "mean time to detect a failure before its repair starts (exponential), or a law: "
                    "the outage is detect + repair, A = MTTF / (MTTF + MTTD + MTTR)",
                    why="no detection delay: repair starts at the failure"),
        "detect": Key(Law(), "law of the time to detect a failure before its repair starts, e.g. "
                      "{dist: deterministic, value: 15m}", why="no detection delay: repair starts at the failure"),
        "availability": Key(Scalar("fraction", 0.0, 1.0, open_low=True),
                            "a fixed availability (an SLA figure, no time behaviour), e.g. 0.9999 or '99.99%'"),
        "uncertainty": Key(Ref("uncertainty"), "epistemic laws of the mttf / mttr beside their point values "
                           "(hadr availability --uncertainty samples them)",
                           why="no uncertainty: the figures are points"),
    }


# An MTTF / MTTR may carry its uncertainty in place of its value (hadr_model.topology.laws.parse_uncertain).
_UNCERTAIN = (Ref("gamma_posterior"), Ref("uncertain_law"))


def _uncertainty_objs() -> list[Obj]:
    """The epistemic laws of a behaviour's means: a gamma posterior of the rate, or any law."""
    over = AnyOf((Law(), Ref("gamma_posterior")))
    prior_keys = {
        "failures": Key(Scalar("number", 0.0), "pseudo-failures a0 of the prior"),
        "exposure": Key(Scalar("duration", zero=True), "pseudo-exposure b0 of the prior"),
        "repairs": Key(Scalar("number", 0.0), "pseudo-repairs a0 of the prior"),
        "repair_time": Key(Scalar("duration", zero=True), "pseudo repair time b0 of the prior"),
    }
    return [
        Obj("uncertainty", "Laws over the means beside the point values; the point figures keep the values.", {
            "mttf": Key(over, "law over the MTTF, e.g. {dist: gamma-posterior, failures: 3, exposure: 12y} "
                        "or {dist: lognorm, s: 0.5, scale: 1y}"),
            "mttr": Key(over, "law over the MTTR, e.g. {dist: lognorm, s: 0.4, scale: 8h}"),
        }),
        Obj("gamma_posterior", "Gamma posterior of an exponential rate from counts: rate ~ Gamma(events + a0, "
            "rate exposure + b0), the mean 1/rate inverse-gamma; prior Jeffreys (a0 1/2, b0 0) by default.", {
                "dist": Key(Enum(("gamma-posterior",)), "gamma-posterior"),
                "failures": Key(Scalar("number", 0.0), "failures observed (an MTTF)"),
                "exposure": Key(Scalar("duration"), "time at risk over which they were observed, e.g. 12y"),
                "repairs": Key(Scalar("number", 0.0), "repairs observed (an MTTR)"),
                "repair_time": Key(Scalar("duration"), "their total duration"),
                "prior": Key(AnyOf((Enum(("jeffreys", "uniform")), Ref("gamma_prior"))),
                             "jeffreys (a0 1/2, b0 0), uniform (a0 1, b0 0) or pseudo-evidence",
                             default="jeffreys", why="Jeffreys prior of a Poisson rate"),
            }, required=("dist",)),
        Obj("gamma_prior", "A Gamma(a0, rate b0) prior as pseudo-evidence: a0 events in b0 of time.", prior_keys),
        Obj("uncertain_law", "A law over the parameter in place of its value; its median is the point value.", {
            "uncertain": Key(Law(), "any scipy.stats law over the parameter in hours, e.g. {dist: lognorm, "
                             "s: 0.5, scale: 10h}"),
        }, required=("uncertain",)),
    ]


BEHAVIOUR_KEYS = tuple(_behaviour_keys())


def _behaviour(name: str, doc: str) -> Obj:
    return Obj(name, doc, _behaviour_keys(), behaviour="required")


def _description() -> Key:
    return Key(Scalar("description"), "free text, shown nowhere in the figures")


def _top_keys() -> dict[str, Key]:
    """The keys every form of a spec starts with."""
    return {
        "name": Key(Scalar("text"), "the service's name", default="spec", why="no name given"),
        "description": _description(),
        "year_hours": Key(Scalar("number", 8760.0, 8784.0), "hours in a year: 8760 (365 d) to 8784 (366 d)",
                          default=8760, why="a year of 365 days"),
    }


def _region_form(spec: Any) -> Obj:
    return Obj("region_form", "A topology: regions of zones hosting role instances (hadr_model.topology.spec).", {
        **_top_keys(),
        "zone": Key(Ref("behaviour"), "how every zone fails and is repaired"),
        "region": Key(Ref("behaviour"), "how every whole region fails and is repaired"),
        "global": Key(MapOf(Ref("behaviour")), "services shared by every region (DNS, identity …)"),
        "network": Key(Ref("network_links"), "zone networks: a zone counts only while it reaches the region's ingress",
                       why="no zone network: every zone always reaches its region's ingress"),
        "regions": Key(MapOf(Ref("region"), min_items=1, max_items=spec.MAX_REGIONS), "the regions, by name"),
        "roles": Key(MapOf(Ref("role"), min_items=1), "the roles replicated in every zone, by name"),
        "data": Key(MapOf(Ref("data_role"), keys="text", nullable=True),
                    "data protection of each stateful role (by role name)"),
        "recovery": Key(Ref("recovery"), "the steps of each failover workflow"),
        "objectives": Key(Ref("objectives"), "availability, RPO and RTO targets"),
        "repair": Key(MapOf(Ref("repair_team"), min_items=1, max_items=MAX_TEAMS),
                      "repair teams shared by some elements (crews, priorities), by team name",
                      why="independent repair: every failed element has its own crew"),
    }, required=("regions", "zone", "region", "roles"))


def _ccf_groups_key(what: str) -> Key:
    return Key(MapOf(Ref("common_cause_group"), min_items=1),
               f"common-cause groups of {what} in the PRA convention (beta, MGL, alpha factor), by group name",
               why="no common-cause group: the members fail independently")


def _ccf_group() -> Obj:
    fraction = Scalar("number", 0.0, 1.0)
    return Obj("common_cause_group", "Members that can fail together from one cause (hadr_model.topology.ccf).", {
        "model": Key(Enum(("beta", "mgl", "alpha")), "beta factor, multiple Greek letter or alpha factor "
                     "(NUREG/CR-5485)"),
        "members": Key(ListOf(Scalar("text"), min_items=2, max_items=8, unique=True),
                       "the members (2 to 8), by name: they need not be copies of one another"),
        "beta": Key(fraction, "beta factor (model beta), or the MGL β = ρ_2"),
        "gamma": Key(fraction, "MGL γ = ρ_3 (3 members or more)"),
        "delta": Key(fraction, "MGL δ = ρ_4 (4 members or more)"),
        "factors": Key(ListOf(fraction, min_items=1, max_items=7), "MGL ρ_2 … ρ_m as a list (any m; instead "
                       "of beta, gamma, delta)"),
        "alpha": Key(ListOf(fraction, min_items=2, max_items=8), "alpha factors α_1 … α_m, summing to 1"),
        "staggered": Key(Scalar("boolean"), "alpha factors estimated under staggered testing", default=False,
                         why="non-staggered testing: Q_k = k / C(m−1, k−1) · α_k / α_t · Q_t"),
        "q_total": Key(Scalar("fraction", 0.0, 1.0, open_low=True),
                       "the group's total failure probability Q_t of one member (instead of the members' own)",
                       why="the members' own unavailability (one Q_t for all)"),
        "description": _description(),
    }, required=("model", "members"))


def _block_form() -> Obj:
    return Obj("block_form", "A reliability-block diagram (hadr_model.topology.spec).", {
        **_top_keys(),
        "blocks": Key(Ref("block"), "the root block"),
        "objectives": Key(Ref("objectives"), "availability, RPO and RTO targets"),
        "repair": Key(MapOf(Ref("block_repair_team"), min_items=1, max_items=MAX_TEAMS),
                      "repair teams shared by some components (crews, priorities), by team name",
                      why="independent repair: every failed component has its own crew"),
        "common_cause_groups": _ccf_groups_key("components"),
    }, required=("blocks",))


def _fault_tree(spec: Any) -> list[Obj]:
    inputs = ListOf(Scalar("name"), min_items=1)
    form = Obj("fault_tree_form", "A fault tree: gates over named basic events, which may feed several gates.", {
        **_top_keys(),
        "fault_tree": Key(Ref("fault_tree"), "the top event, its gates and its basic events"),
        "objectives": Key(Ref("objectives"), "availability, RPO and RTO targets"),
        "common_cause_groups": _ccf_groups_key("basic events"),
        "repair": Key(MapOf(Ref("event_repair_team"), min_items=1, max_items=MAX_TEAMS),
                      "repair teams shared by some basic events with time laws, by team name",
                      why="independent repair: every failed event has its own crew"),
    }, required=("fault_tree",))
    tree = Obj("fault_tree", "Gates over basic events; the top event is the service being down.", {
        "top": Key(Scalar("name"), "the gate (or event) whose failure is the service's failure"),
        "gates": Key(MapOf(Ref("gate"), min_items=1, max_items=spec.MAX_BLOCKS), "the gates, by name"),
        "events": Key(MapOf(Ref("event"), min_items=1, max_items=spec.MAX_BLOCK_COMPONENTS),
                      "the basic events, by name"),
    }, required=("top", "gates", "events"))
    gate = Obj("gate", "One gate: exactly one of or, and, atleast (coherent: no NOT).", {
        "or": Key(inputs, "fails when any input fails"),
        "and": Key(inputs, "fails when every input fails"),
        "atleast": Key(Ref("atleast"), "fails when at least k inputs fail (a voting gate)"),
    }, one_key=True)
    atleast = Obj("atleast", "k of the inputs failing fail the gate.", {
        "k": Key(Scalar("integer", 1), "failed inputs that fail the gate (at most the inputs)"),
        "of": Key(inputs, "the inputs (gates or events)"),
    }, required=("k", "of"))
    event = Obj("event", "A basic event: a probability of being failed, or time laws, or an availability.", {
        "probability": Key(Scalar("fraction", 0.0, 1.0), "its probability of being failed (no time behaviour)"),
        "description": _description(),
        **_behaviour_keys(),
    }, behaviour="optional")
    return [form, tree, gate, atleast, event]


def _region(spec: Any) -> Obj:
    return Obj("region", "A region: its zones and failover target; may override the top-level behaviours.", {
        "zones": Key(AnyOf((Scalar("integer", 1, spec.MAX_ZONES),
                            ListOf(Scalar("name"), 1, spec.MAX_ZONES, unique=True))),
                     f"the number of zones (1 to {spec.MAX_ZONES}), or their names"),
        "fails_over_to": Key(Scalar("text", nullable=True), "the region its tenants fail over to when it is lost"),
        "home": Key(Scalar("boolean"), "whether tenants are homed here (false: a failover-only site)",
                    default=True, why="tenants are homed in every region unless home: false"),
        "zone": Key(Ref("behaviour"), "this region's zones (instead of the top-level zone)"),
        "region": Key(Ref("behaviour"), "this region (instead of the top-level region)"),
        "network": Key(Ref("network_links"), "this region's zone network (instead of the top-level network)"),
        "per_zone": Key(MapOf(_zone_counts(by_name=True), keys="text"),
                        "instances per zone of some roles in this region (role name: n, a list with one "
                        "count per zone, or a mapping of zone name to count)"),
        "recovery": Key(Ref("region_recovery"), "steps replacing those of the top-level recovery when this region "
                        "is lost", why="the top-level recovery plan"),
        "description": _description(),
    }, required=("zones",))


def _zone_counts(*, by_name: bool) -> Node:
    """Instances per zone: the same in every zone, one per zone in zone order, or (in a region)
    by zone name; a zone may hold 0 when another holds some."""
    even = Scalar("integer", 1, MAX_PER_ZONE)
    each = Scalar("integer", 0, MAX_PER_ZONE)
    options: tuple[Node, ...] = (even, ListOf(each, min_items=1))
    if by_name:
        options += (MapOf(each, keys="text", min_items=1),)
    return AnyOf(options)


def _role() -> Obj:
    return Obj("role", "A role replicated in every zone of every region.", {
        "per_zone": Key(_zone_counts(by_name=False), "instances in each zone, or a list with one count per "
                        "zone (uneven placement, e.g. [2, 1, 1])", default=1, why="one instance per zone"),
        "needs": Key(Scalar("needs"), "instances that must be up in a region: any, all, quorum (a majority), "
                     "a whole number k, or a percentage such as '60%'", default="any",
                     why="one instance up in the region suffices"),
        "depends_on": Key(AnyOf((Scalar("text"), ListOf(Scalar("text")))), "global services the role needs"),
        "beta": Key(Scalar("number", 0.0, 0.999999), "beta factor: the fraction of failures common to all the "
                    "role's instances in a region", default=0, why="no common-cause failure of the instances"),
        "standby": Key(Ref("standby"), "spares in every zone holding instances, switched in when an instance fails"),
        "description": _description(),
        **_behaviour_keys("time to failure of one instance"),
    }, behaviour="required")


def _network_links() -> Obj:
    return Obj("network_links", "Links of a zone network, each a behaviour.", {
        "ingress_link": Key(Ref("behaviour"), "the link from every zone to the region's ingress"),
        "zone_link": Key(Ref("behaviour"), "the link between every pair of zones"),
    })


def _data_role(dp: Any) -> Obj:
    size_law = AnyOf((Scalar("size", 0.0, open_low=True), Law("bytes")))
    return Obj("data_role", "How a stateful role protects its data (hadr_model.topology.dataprotection).", {
        "size": Key(size_law, "size of the database, e.g. 2TB, or a law of sizes"),
        "write_rate": Key(AnyOf((Scalar("rate", nullable=True), Ref("write_rate"))),
                          "writes: {records_per_s, bytes_per_record} or a throughput '5MB/s'",
                          why="data loss is reported in hours of writes only (no records or bytes)"),
        "replication": Key(Ref("replication"), "replication within the region and across regions"),
        "snapshots": Key(AnyOf((Enum(("none", False)), Ref("snapshots"))), "periodic snapshots, or none"),
        "restore": Key(Ref("restore"), "how one database is restored"),
        "databases": Key(Ref("databases"), "many (tenant) databases restored together after a region loss"),
        dp.DATABASES_ALIAS: Key(Ref("databases"), "deprecated former name of 'databases'", deprecated=True),
    }, rules=(
        {"anyOf": [{"required": ["size"]},
                   {"required": ["databases"], "properties": {"databases": {"type": "object", "required": ["size"]}}},
                   {"required": [dp.DATABASES_ALIAS],
                    "properties": {dp.DATABASES_ALIAS: {"type": "object", "required": ["size"]}}}]},
        {"not": {"required": ["databases", dp.DATABASES_ALIAS]}},
    ))


def _write_rate(dp: Any) -> Obj:
    return Obj("write_rate", "Writes as records per second of a size.", {
        "records_per_s": Key(Scalar("number", 0.0, dp.MAX_RECORDS_PER_S, open_low=True), "records written per second"),
        "bytes_per_record": Key(Scalar("size", 0.0, open_low=True), "size of one record", default=1,
                                why="one byte per record"),
    }, required=("records_per_s",), nullable=True)


def _replication(dp: Any) -> Obj:
    default = dp.Replication()
    return Obj("replication", "Replication of a role's data.", {
        "within_region": Key(Enum(("synchronous", "none")), "synchronous (quorum writes across the zones: a zone "
                             "loss loses nothing) or none", default=default.within_region,
                             why="quorum writes across the zones"),
        "across_regions": Key(AnyOf((Enum(("none", "synchronous")), Ref("async_replication"))),
                              "none, synchronous, or {mode: async, lag: LAW}", default=default.across_regions,
                              why="no live replica in the failover region: restore from snapshots"),
    }, nullable=True)


def _async_replication() -> Obj:
    return Obj("async_replication", "An asynchronous replica in the failover region.", {
        "mode": Key(Enum(("async",)), "async"),
        "lag": Key(Law(zero=True), "law of the replica's lag, e.g. 30s"),
    }, required=("mode", "lag"))


def _snapshots(dp: Any) -> Obj:
    default = dp.Snapshots()
    return Obj("snapshots", "Periodic snapshots, copied to the failover region.", {
        "every": Key(Scalar("duration"), "interval between snapshot starts", default=_hours(default.every_h),
                     why="daily snapshots"),
        "takes": Key(Law(zero=True), "law of the time to take one snapshot", default=_law_default(default.takes),
                     why="time to take a snapshot"),
        "copy_to": Key(Enum(("fails_over_to", "none")), "fails_over_to (a copy lands in the failover region) or none "
                       "(snapshots die with the region)", default=default.copy_to,
                       why="a copy of each snapshot lands in the failover region"),
        "copy_takes": Key(Law(zero=True), "law of the cross-region copy time", default=_law_default(default.copy_takes),
                          why="time to copy a snapshot to the failover region"),
        "keep": Key(Scalar("duration"), "retention, counted from a snapshot's start", default=_hours(default.keep_h),
                    why="a month of snapshots"),
    }, nullable=True)


def _restore(dp: Any) -> Obj:
    default = dp.Restore()
    return Obj("restore", "The restore of one database: size / throughput + index_rebuild + verify.", {
        "throughput": Key(AnyOf((Scalar("rate"), Law("bytes/h"))), "restore rate of one job, e.g. 100MiB/s, or a law",
                          default=_rate_text(default.throughput_bytes_per_h.mean), why="one restore job's rate"),
        "index_rebuild": Key(Law(zero=True), "law of the index rebuild after the copy",
                             default=_law_default(default.index_rebuild), why="index rebuild after a restore"),
        "verify": Key(Law(zero=True), "law of the check after the rebuild", default=_law_default(default.verify),
                      why="no check after the restore"),
    }, nullable=True)


def _databases() -> Obj:
    return Obj("databases", "Many databases of one role, restored together after a region loss.", {
        "count": Key(Scalar("integer", 1, nullable=True), "databases per region", default=1,
                     why="one database per region"),
        "size": Key(AnyOf((Scalar("size", 0.0, open_low=True), Law("bytes"))),
                    "size (or law of sizes) of one database (default: size / count)"),
        "slots": Key(Scalar("integer", 1, nullable=True), "parallel restore jobs in the failover region", default=4,
                     why="parallel restore jobs"),
        "shared_throughput": Key(Scalar("rate", nullable=True), "bandwidth shared by all jobs",
                                 why="no shared bandwidth limit: each job at its own rate"),
    }, nullable=True)


def _recovery(dp: Any) -> Obj:
    keys = {"strategy": Key(Enum(tuple(dp.STRATEGY_NAMES), nullable=True),
                            "a preset of step values; explicit steps override it",
                            why="no strategy: the backup & restore values")}
    keys.update({scenario: Key(Ref(f"steps_{scenario}"), f"steps of the {scenario} workflow")
                 for scenario in dp.SCENARIOS})
    return Obj("recovery", "Failover workflows (hadr_model.topology.dataprotection).", keys, nullable=True)


def _region_recovery(dp: Any) -> Obj:
    keys = {scenario: Key(Ref(f"steps_{scenario}"), f"steps of the {scenario} workflow replaced for this region")
            for scenario in dp.SCENARIOS}
    return Obj("region_recovery", "Steps of the top-level recovery replaced when this region is lost.", keys,
               nullable=True)


def _steps(dp: Any, scenario: str) -> Obj:
    preset = dp.recovery_preset()
    keys = {step: Key(Law(zero=True), f"law of the {step} step", default=_law_default(preset.step(scenario, step)),
                      why="the backup & restore preset")
            for step in dp.STEPS[scenario]}
    if scenario == "corruption":
        keys["per_year"] = Key(Scalar("number", 0.0, 1e6), "how often logical corruption strikes, per year",
                               why="no per-year data-loss figures for corruption")
    return Obj(f"steps_{scenario}", f"Steps of the {scenario} workflow.", keys, nullable=True)


def _objectives(dp: Any) -> Obj:
    default = dp.Objectives()
    return Obj("objectives", "Targets the verdict judges: only those the spec states.", {
        "availability": Key(Scalar("fraction", 0.0, 1.0), "availability target, e.g. 0.9999 or '99.99%'",
                            default=default.availability,
                            why="not stated: not judged (the per-role tables compare with this value)"),
        "rpo": Key(Ref("targets"), "RPO target per scenario"),
        "rto": Key(Ref("targets"), "RTO target per scenario"),
        "confidence": Key(Scalar("fraction", 0.0, 1.0), "an objective passes when met with at least this probability",
                          default=default.confidence, why="an objective passes when met with 95 % probability"),
    }, nullable=True)


def _targets(dp: Any) -> Obj:
    return Obj("targets", "A duration per scenario.", {
        scenario: Key(Scalar("duration", zero=True), f"target for {scenario}",
                      why="not stated: not judged (the per-role tables compare with this value)")
        for scenario in dp.SCENARIOS
    }, nullable=True)


def _blocks(spec: Any) -> list[Obj]:
    child = ListOf(Ref("block"), min_items=1)
    block = Obj("block", "One block: exactly one of series, parallel, k_of_n, component, network.", {
        "series": Key(child, "up when every block is up"),
        "parallel": Key(child, "up when any block is up"),
        "k_of_n": Key(Ref("k_of_n"), "up when at least k of the blocks are up"),
        "component": Key(Ref("component"), "a component (count: n expands into n copies)"),
        "network": Key(Ref("network_block"), "a network: two-terminal, K-terminal or all-terminal"),
    }, one_key=True)
    k_of_n = Obj("k_of_n", "k of n blocks.", {
        "k": Key(Scalar("integer", 1), "blocks that must be up (at most the number of blocks)"),
        "of": Key(child, "the blocks"),
    }, required=("k", "of"))
    component = Obj("component", "A component of a block diagram.", {
        "name": Key(Scalar("text"), "its name (copies are named name[1] … name[n])"),
        "count": Key(Scalar("integer", 1, spec.MAX_BLOCK_COMPONENTS), "independent copies", default=1,
                     why="one copy"),
        "beta": Key(Scalar("number", 0.0, 0.999999), "beta factor over the copies (count of 2 or more)", default=0,
                    why="no common-cause failure of the copies"),
        "standby": Key(Ref("standby"), "spares behind the copies, switched in when a copy fails"),
        "description": _description(),
        **_behaviour_keys(),
    }, required=("name",), behaviour="required")
    network = Obj("network_block", "Up while source reaches target (or every terminal is connected to every "
                  "other) over up nodes and edges.", {
        "source": Key(Scalar("text"), "the source node (two-terminal)"),
        "target": Key(Scalar("text"), "the target node (two-terminal)"),
        "terminals": Key(AnyOf((Enum(("all",)), ListOf(Scalar("text"), min_items=2, unique=True))),
                         "instead of source and target: the nodes that must all be connected (K-terminal), "
                         "or 'all' (every node: all-terminal)"),
        "nodes": Key(ListOf(Ref("network_node")), "nodes that can fail (others never do)"),
        "edges": Key(ListOf(Ref("network_edge"), min_items=1), "undirected edges"),
    }, required=("edges",), rules=(
        {"oneOf": [{"required": ["source", "target"]}, {"required": ["terminals"]}]},
        {"not": {"required": ["terminals", "source"]}},
        {"not": {"required": ["terminals", "target"]}},
    ))
    node = Obj("network_node", "A node; with a behaviour it can fail.", {
        "name": Key(Scalar("text"), "the node's name"), "description": _description(), **_behaviour_keys(),
    }, required=("name",), behaviour="optional")
    edge = Obj("network_edge", "An edge; with a behaviour it can fail.", {
        "between": Key(ListOf(Scalar("text"), 2, 2), "its two nodes [a, b]"),
        "name": Key(Scalar("text"), "its name (default a-b)"), "description": _description(), **_behaviour_keys(),
    }, required=("between",), behaviour="optional")
    return [block, k_of_n, component, network, node, edge]


MAX_TEAMS = 1000
MAX_SPARES = 1000
STANDBY_MODES = ("cold", "warm", "hot")


def _standby() -> Obj:
    """Standby spares (:mod:`hadr_model.topology.standby`)."""
    return Obj("standby", "Standby spares behind the active units of a role (per zone) or a component.", {
        "spares": Key(Scalar("integer", 0, MAX_SPARES), "spare units: in every zone holding instances of the role, "
                      "or behind all the component's copies"),
        "mode": Key(Enum(STANDBY_MODES), "cold (a waiting spare does not fail), warm (it fails at 1/dormant_mttf) "
                    "or hot (it runs and fails like an active unit)"),
        "dormant_mttf": Key(Scalar("duration"), "mean time to failure of a waiting warm spare (exponential; warm "
                            "only; at least the unit's MTTF)"),
        "switch_success": Key(Scalar("number", 0.0, 1.0, open_low=True), "probability that switching a spare in "
                              "succeeds; a failed attempt loses that spare (it waits for repair) and the next one "
                              "is tried", default=1, why="a perfect switch-over"),
        "switch_time": Key(Law(zero=True), "time from a failure to the spare serving, a duration or a law (the "
                           "exact engine takes 0 only; hadr simulate any)", default=0,
                           why="an instantaneous switch-over"),
        "description": _description(),
    }, required=("spares", "mode"))
MAX_CREWS = 10_000
REPAIR_SELECTORS = ("region", "zones", "links", "global", "instances", "common_causes")


def _repair_teams() -> list[Obj]:
    """A repair team: ``crews`` shared by the elements it repairs (first come, first served within
    a priority level; a higher level preempts a lower one, which resumes its repair)."""
    crews = Key(Scalar("integer", 1, MAX_CREWS), "crews of the team: at most this many repairs at once")
    names = ListOf(Scalar("text"), min_items=1, unique=True)
    priority_doc = ("repaired first, highest first: a failure of an earlier entry takes a crew from a later one "
                    "(which resumes later); entries not listed come last")
    why = "one priority level: first come, first served"
    region = Obj("repair_team", "A repair team of the region form: what it repairs and with how many crews.", {
        "crews": crews,
        "repairs": Key(names, "what it repairs: region, zones, links, global, instances, common_causes, a role "
                       "name (its instances) or a global service name"),
        "per_region": Key(Scalar("boolean"), "true: one such team in each region (global services are then "
                          "refused); false: one team for all regions", default=False, why="one team for all regions"),
        "priority": Key(names, priority_doc + " (entries of repairs)", why=why),
        "description": _description(),
    }, required=("crews", "repairs"))
    block = Obj("block_repair_team", "A repair team of the block form.", {
        "crews": crews,
        "components": Key(names, "the components it repairs (a name with count: n names every copy, "
                          "or one copy name[i]; name[ccf] its common cause)"),
        "priority": Key(names, priority_doc + " (entries of components)", why=why),
        "description": _description(),
    }, required=("crews", "components"))
    event = Obj("event_repair_team", "A repair team of the fault-tree form.", {
        "crews": crews,
        "events": Key(names, "the basic events it repairs (events with time laws)"),
        "priority": Key(names, priority_doc + " (entries of events)", why=why),
        "description": _description(),
    }, required=("crews", "events"))
    return [region, block, event]


@lru_cache(maxsize=1)
def table() -> dict[str, Obj]:
    """Every mapping a spec may hold, by name (``region_form`` and ``block_form`` at the top).

    Built on first use: it reads the limits of :mod:`~hadr_model.topology.spec` and the
    scenarios, steps, strategies and default values of
    :mod:`~hadr_model.topology.dataprotection`, which read their keys from here.
    """
    from . import dataprotection as dp
    from . import spec

    objs = [_region_form(spec), _block_form(), _behaviour("behaviour", "How an element fails and is repaired: "
            "{mttf, mttr}, {failure: LAW, repair: LAW}, a mix, or {availability: 0.9999}."),
            _region(spec), _role(), _network_links(), _data_role(dp), _write_rate(dp), _replication(dp),
            _async_replication(), _snapshots(dp), _restore(dp), _databases(), _recovery(dp), _region_recovery(dp),
            *(_steps(dp, scenario) for scenario in dp.SCENARIOS), _objectives(dp), _targets(dp), *_blocks(spec),
            *_fault_tree(spec), *_repair_teams(), *_uncertainty_objs(), _ccf_group(), _standby()]
    return _with_dr_uncertainty({obj.name: obj for obj in objs}, dp)


_UNCERTAIN_DR = {"h": "uncertain_law", "bytes": "uncertain_size", "bytes/h": "uncertain_rate"}


def _with_dr_uncertainty(objs: dict[str, Obj], dp: Any) -> dict[str, Obj]:
    """The DR laws of ``dp.UNCERTAIN_DR_KEYS`` also take ``{uncertain: LAW}`` in place of their value,
    and their mappings an ``uncertainty: {KEY: LAW}`` beside the written values (the syntax of an
    mttf / mttr, :func:`hadr_model.topology.dataprotection.parse_dr_uncertain`)."""
    from dataclasses import replace

    for unit, word in (("bytes", "size"), ("bytes/h", "rate")):
        objs[_UNCERTAIN_DR[unit]] = Obj(f"uncertain_{word}", f"A law over the {word} in place of its value; its "
                                        "median is the point value.", {
            "uncertain": Key(Law(unit), f"any scipy.stats law over the {word}, e.g. {{dist: lognorm, s: 0.5, "
                             f"scale: {'2TB' if word == 'size' else '100MiB/s'}}}"),
        }, required=("uncertain",))
    for name, laws in dp.UNCERTAIN_DR_KEYS.items():
        obj = objs[name]
        keys = {key: replace(entry, node=AnyOf((entry.node, Ref(_UNCERTAIN_DR[laws[key]])))) if key in laws else entry
                for key, entry in obj.keys.items()}
        keys["uncertainty"] = Key(Ref(f"uncertainty_{name}"), "epistemic laws over the means of "
                                  f"{', '.join(laws)} beside their written values (hadr availability "
                                  "--uncertainty samples them)", why="no uncertainty: the figures are points")
        objs[name] = replace(obj, keys=keys)
        objs[f"uncertainty_{name}"] = Obj(f"uncertainty_{name}", "Laws over the means beside the point values; "
                                          "the point figures keep the values.", {
            key: Key(Law(unit), f"law over the mean of {key}, e.g. {{dist: lognorm, s: 0.5, scale: ...}}")
            for key, unit in laws.items()})
    return objs


# --- what the validator reads ----------------------------------------------------------------

def keys(name: str) -> tuple[str, ...]:
    """The keys mapping ``name`` accepts, in table order."""
    return tuple(table()[name].keys)


def required(name: str) -> tuple[str, ...]:
    """The keys mapping ``name`` requires."""
    return table()[name].required


def key(name: str, key_name: str) -> Key:
    """The entry of ``key_name`` in mapping ``name``."""
    return table()[name].keys[key_name]


def default(name: str, key_name: str) -> Any:
    """The default of a key the validator applies when the key is absent."""
    value = key(name, key_name).default
    if value is NO_DEFAULT:
        raise KeyError(f"{name}.{key_name} has no default")
    return value


def bounds(name: str, key_name: str) -> tuple[Any, Any]:
    """``(low, high)`` of a numeric key (of its first numeric option)."""
    node = key(name, key_name).node
    if isinstance(node, AnyOf):
        node = next(option for option in node.options if isinstance(option, Scalar))
    assert isinstance(node, Scalar), node
    return node.low, node.high


def values(name: str, key_name: str) -> tuple[Any, ...]:
    """The choices of a key (of its first choice node)."""
    node = key(name, key_name).node
    for option in node.options if isinstance(node, AnyOf) else (node,):
        if isinstance(option, Enum):
            return option.values
    raise KeyError(f"{name}.{key_name} has no choices")


# --- defaults the validator applied ------------------------------------------------------------

@dataclass(frozen=True)
class Default:
    """A default the validator fell back to: the field, the value it took, and why."""

    field: str
    value: str
    why: str

    def as_dict(self) -> dict[str, str]:
        return {"field": self.field, "value": self.value, "why": self.why}


_RECORDED: ContextVar[list[Default] | None] = ContextVar("hadr_spec_defaults", default=None)


@contextmanager
def recording() -> Iterator[list[Default]]:
    """Collect every :func:`note_default` made inside the block (``hadr validate``).

    Examples
    --------
    >>> with recording() as found:
    ...     note_default("year_hours", 8760, "region_form", "year_hours")
    >>> [d.field for d in found]
    ['year_hours']
    """
    found: list[Default] = []
    token = _RECORDED.set(found)
    try:
        yield found
    finally:
        _RECORDED.reset(token)


def is_recording() -> bool:
    """Whether defaults are being collected (parse caches are bypassed then)."""
    return _RECORDED.get() is not None


def note_default(field: str, value: Any, name: str, key_name: str = "", *, why: str = "") -> None:
    """Record that ``field`` took ``value`` by default (a no-op unless :func:`recording`).

    ``why`` defaults to the table's reason for key ``key_name`` of mapping ``name``.
    """
    found = _RECORDED.get()
    if found is None:
        return
    if not why:
        entry = table()[name].keys[key_name]
        why = entry.why or entry.doc
    found.append(Default(field, str(value), why))


# --- walking a spec along the table ------------------------------------------------------------

@dataclass(frozen=True)
class Site:
    """One value of a spec and what the table says it is.

    ``node`` describes the value (a reference followed, the option of an either/or that fits
    it); ``declared`` is what its place accepts (the either/or itself); ``path`` is the keys
    and list indexes from the top; ``owner`` and ``key`` name the mapping and key it sits
    under (``None`` for the top, a list item or a named entry)."""

    field: str
    node: Node
    value: Any
    owner: Obj | None = None
    key: str | None = None
    declared: Node | None = None
    path: tuple[str | int, ...] = ()


def json_type(value: Any) -> str:
    """The JSON type of a YAML value (``number`` for a float, whole or not)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object" if isinstance(value, Mapping) else "other"


_SCALAR_TYPES = {
    "text": {"string"}, "name": {"string"}, "description": {"string"}, "integer": {"integer"},
    "number": {"integer", "number"}, "boolean": {"boolean"}, "duration": {"integer", "number", "string"},
    "size": {"integer", "number", "string"}, "rate": {"string"}, "fraction": {"integer", "number", "string"},
    "needs": {"integer", "string"},
}


def json_types(node: Node) -> set[str]:
    """The JSON types a node accepts (``null`` when nullable)."""
    if isinstance(node, Ref):
        return json_types(table()[node.name])
    if isinstance(node, Scalar):
        return _SCALAR_TYPES[node.kind] | ({"null"} if node.nullable else set())
    if isinstance(node, Enum):
        return {json_type(v) for v in node.values} | ({"null"} if node.nullable else set())
    if isinstance(node, Law):
        return {"string", "object"} | (set() if node.unit == "bytes/h" else {"integer", "number"})
    if isinstance(node, AnyOf):
        return set().union(*(json_types(option) for option in node.options))
    if isinstance(node, ListOf):
        return {"array"}
    return {"object"} | ({"null"} if node.nullable else set())


def _join(field: str, part: str | int) -> str:
    if isinstance(part, int):
        return f"{field}[{part}]"
    return f"{field}.{part}" if field else part


def _resolve(node: Node, value: Any) -> Node:
    """The node that describes ``value``: a Ref followed, an AnyOf's option of the right type."""
    while isinstance(node, Ref | AnyOf):
        if isinstance(node, Ref):
            node = table()[node.name]
            continue
        kind = json_type(value)
        node = next((option for option in node.options if kind in json_types(option)), node.options[0])
    return node


def walk(raw: Any, node: Node | None = None, field: str = "") -> Iterator[Site]:
    """Every value of a spec with its node, top first (depth first, in the spec's order).

    ``node`` defaults to the top form (``block_form`` when ``blocks`` is at the top). Values
    under a law mapping are not visited: their keys depend on the distribution. Meant for a
    spec that parses: the walk holds no bounds of its own.

    Examples
    --------
    >>> [s.field for s in walk({"blocks": {"component": {"name": "a", "availability": 0.9}}})]
    ['', 'blocks', 'blocks.component', 'blocks.component.name', 'blocks.component.availability']
    """
    if node is None:
        node = Ref(top_form(raw))
    Todo = tuple[Node, Any, str, Obj | None, str | None, tuple[str | int, ...]]
    stack: list[Todo] = [(node, raw, field, None, None, ())]
    while stack:
        declared, value, where, owner, key_name, path = stack.pop()
        node = _resolve(declared, value)
        yield Site(where, node, value, owner, key_name, declared, path)
        children: list[Todo] = []
        if isinstance(node, Obj) and isinstance(value, Mapping):
            children = [(node.keys[k].node, v, _join(where, k), node, k, (*path, k))
                        for k, v in value.items() if k in node.keys]
        elif isinstance(node, MapOf) and isinstance(value, Mapping):
            children = [(node.value, v, _join(where, str(k)), None, None, (*path, k)) for k, v in value.items()]
        elif isinstance(node, ListOf) and isinstance(value, list):
            children = [(node.item, v, _join(where, i), None, None, (*path, i)) for i, v in enumerate(value)]
        stack.extend(reversed(children))


def top_form(raw: Any) -> str:
    """The top mapping a spec is read as: ``block_form``, ``fault_tree_form`` or ``region_form``."""
    if isinstance(raw, Mapping) and "blocks" in raw:
        return "block_form"
    if isinstance(raw, Mapping) and "fault_tree" in raw:
        return "fault_tree_form"
    return "region_form"


def bare_hours(raw: Any) -> list[str]:
    """Fields of a spec where a duration is a bare number (read as hours), in the spec's order.

    Examples
    --------
    >>> bare_hours({"blocks": {"component": {"name": "a", "mttf": 1000, "mttr": "1h"}}})
    ['blocks.component.mttf']
    """
    found = []
    for site in walk(raw):
        node, value = site.node, site.value
        timed = (isinstance(node, Law) and node.unit == "h") or (isinstance(node, Scalar) and node.kind == "duration")
        if not timed:
            continue
        if isinstance(value, Mapping):   # a law: its mean, scale, loc or value
            found += [_join(site.field, k) for k in ("mean", "scale", "loc", "value") if _is_bare(value.get(k))]
        elif _is_bare(value):
            found.append(site.field)
    return found


def _is_bare(value: Any) -> bool:
    """A number with no unit (0 aside: zero is zero in every unit)."""
    if isinstance(value, str):
        digits = value.strip().lstrip("+")
        if not digits.replace(".", "", 1).isdecimal():
            return False
        value = float(digits)
    return isinstance(value, int | float) and not isinstance(value, bool) and value != 0


# --- the JSON Schema ---------------------------------------------------------------------------

def _ci(word: str) -> str:
    """``word`` matched in any case without regex flags (JSON Schema patterns have none)."""
    return "".join(f"[{c.lower()}{c.upper()}]" if c.isalpha() else c for c in word)


_NUMBER = r"[+]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][-+]?[0-9]+)?"


def _units_pattern(names: Any) -> str:
    ordered = sorted(names, key=len, reverse=True)   # longest first: 'min' before 'm'
    return "(?:" + "|".join(_ci(name) for name in ordered) + ")"


def _text_patterns() -> dict[str, dict[str, Any]]:
    durations = units.duration_unit_pattern()   # any case, but a lone 'M' (ambiguous) is refused
    sizes = _units_pattern(units._SIZE_UNITS_B)
    size = rf"{_NUMBER}\s*{sizes}?"
    return {
        "duration_text": {"type": "string", "maxLength": units.MAX_QUANTITY_CHARS,
                          "pattern": rf"^\s*{_NUMBER}\s*{durations}?\s*$",
                          "description": "a duration: a number (hours) or a number with a unit, e.g. 30s, 15m, "
                                         "4h, 30d, 2w, 1y; time units, in any case but 'M': "
                                         + units.duration_units_text()},
        "size_text": {"type": "string", "maxLength": units.MAX_QUANTITY_CHARS, "pattern": rf"^\s*{size}\s*$",
                      "description": "a size: bytes, or a number with a unit, e.g. 500GB, 2TB, 100MiB"},
        "rate_text": {"type": "string", "pattern": rf"^\s*{size}\s*/\s*{durations}\s*$",
                      "description": "a throughput: a size per time, e.g. 200MB/s, 1TB/h"},
        "fraction_text": {"type": "string", "pattern": rf"^\s*{_NUMBER}\s*%\s*$",
                          "description": "a percentage, e.g. '99.99%'"},
    }


_CONTROL = "\\u0000-\\u001f\\u007f-\\u009f\\u2028\\u2029"
NAME_PATTERN = f"^(?=[\\s\\S]*\\S)[^@|{_CONTROL}]+$"


def _number(low: float | None, high: float | None, open_low: bool, kind: str = "number") -> dict[str, Any]:
    schema: dict[str, Any] = {"type": kind}
    if low is not None:
        schema["exclusiveMinimum" if open_low else "minimum"] = low
    if high is not None:
        schema["maximum"] = high
    return schema


def _scalar_schema(node: Scalar) -> dict[str, Any]:
    kind = node.kind
    hours_max = units._MAX_HOURS
    if kind == "text":
        schema: dict[str, Any] = {"type": "string", "pattern": "\\S"}
    elif kind == "name":
        schema = {"type": "string", "pattern": NAME_PATTERN}
    elif kind == "description":
        schema = {"type": "string"}
    elif kind in ("integer", "number"):
        schema = _number(node.low, node.high, node.open_low, kind)
    elif kind == "boolean":
        schema = {"type": "boolean"}
    elif kind == "duration":
        schema = {"anyOf": [_number(0.0, hours_max, not node.zero), {"$ref": "#/$defs/duration_text"}]}
    elif kind == "size":
        schema = {"anyOf": [_number(0.0, None, True), {"$ref": "#/$defs/size_text"}]}
    elif kind == "rate":
        schema = {"$ref": "#/$defs/rate_text"}
    elif kind == "fraction":
        schema = {"anyOf": [_number(node.low, node.high, node.open_low), {"$ref": "#/$defs/fraction_text"}]}
    elif kind == "needs":
        schema = {"anyOf": [{"enum": list(NEEDS_WORDS)},
                            {"type": "string", "pattern": f"^\\s*(?:{'|'.join(NEEDS_WORDS)})\\s*$"},
                            {"type": "integer", "minimum": 1},
                            {"type": "string", "pattern": f"^\\s*{_NUMBER}\\s*%\\s*$"}]}
    else:
        raise ValueError(f"unknown scalar kind {kind!r}")
    return {"anyOf": [schema, {"type": "null"}]} if node.nullable else schema


def _law_schema(node: Law) -> dict[str, Any]:
    if node.unit == "h":
        value: dict[str, Any] = _scalar_schema(Scalar("duration", zero=node.zero))
        text = {"$ref": "#/$defs/duration_text"}
    elif node.unit == "bytes":
        value, text = _scalar_schema(Scalar("size")), {"$ref": "#/$defs/size_text"}
    else:
        value = text = {"$ref": "#/$defs/rate_text"}
    mapping = {
        "type": "object",
        "description": "a law: {dist: NAME, shape parameters…, mean (or scale), loc}; NAME a scipy.stats "
                       "continuous distribution, or {dist: deterministic, value: …}",
        "required": ["dist"],
        "properties": {"dist": {"type": "string", "minLength": 1, "examples": list(LAW_EXAMPLES)}},
        "additionalProperties": {"anyOf": [{"type": "number"}, text]},
        "if": {"required": ["dist"], "properties": {"dist": {"const": "deterministic"}}},
        "then": {"required": ["value"], "properties": {"dist": True, "value": True}, "additionalProperties": False},
    }
    return {"anyOf": [value, mapping]}


def _required_any(names: tuple[str, ...]) -> dict[str, Any]:
    return {"anyOf": [{"required": [name]} for name in names]}


def _behaviour_rule(optional: bool) -> dict[str, Any]:
    timed = {"allOf": [{"oneOf": [{"required": ["mttf"]}, {"required": ["failure"]}]},
                       {"oneOf": [{"required": ["mttr"]}, {"required": ["repair"]}]}],
             "not": {"anyOf": [{"required": ["availability"]}, {"required": ["mttd", "detect"]}]}}
    fixed = {"required": ["availability"],
             "not": _required_any(("mttf", "mttr", "failure", "repair", "mttd", "detect", "uncertainty"))}
    options = [timed, fixed]
    if optional:
        options.insert(0, {"not": _required_any(BEHAVIOUR_KEYS)})
    return {"anyOf": options}


def _node_schema(node: Node) -> dict[str, Any]:
    if isinstance(node, Ref):
        return {"$ref": f"#/$defs/{node.name}"}
    if isinstance(node, Scalar):
        return _scalar_schema(node)
    if isinstance(node, Enum):
        return {"enum": list(node.values) + ([None] if node.nullable else [])}
    if isinstance(node, Law):
        return _law_schema(node)
    if isinstance(node, AnyOf):
        return {"anyOf": [_node_schema(option) for option in node.options]}
    if isinstance(node, ListOf):
        schema: dict[str, Any] = {"type": "array", "items": _node_schema(node.item)}
        if node.min_items:
            schema["minItems"] = node.min_items
        if node.max_items is not None:
            schema["maxItems"] = node.max_items
        if node.unique:
            schema["uniqueItems"] = True
        return schema
    if isinstance(node, MapOf):
        names = {"type": "string", "pattern": NAME_PATTERN} if node.keys == "name" else {"type": "string"}
        schema = {"type": "object", "propertyNames": names, "additionalProperties": _node_schema(node.value)}
        if node.min_items:
            schema["minProperties"] = node.min_items
        if node.max_items is not None:
            schema["maxProperties"] = node.max_items
        return {"anyOf": [schema, {"type": "null"}]} if node.nullable else schema
    return _obj_schema(node)


def _jsonable(value: Any) -> bool:
    return not (isinstance(value, float) and not math.isfinite(value))


def _key_schema(entry: Key) -> dict[str, Any]:
    schema = dict(_node_schema(entry.node))
    schema["description"] = entry.doc
    if entry.default is not NO_DEFAULT and _jsonable(entry.default):
        schema["default"] = entry.default
    if entry.deprecated:
        schema["deprecated"] = True
    return schema


def _obj_schema(obj: Obj) -> dict[str, Any]:
    schema: dict[str, Any] = {
        "type": "object", "description": obj.doc,
        "properties": {name: _key_schema(entry) for name, entry in obj.keys.items()},
        "additionalProperties": False,
    }
    if obj.required:
        schema["required"] = list(obj.required)
    if obj.one_key:
        schema["minProperties"] = schema["maxProperties"] = 1
    rules = [*obj.rules, *([_behaviour_rule(obj.behaviour == "optional")] if obj.behaviour else [])]
    if rules:
        schema["allOf"] = rules
    if obj.nullable:
        return {"anyOf": [schema, {"type": "null"}], "description": obj.doc}
    return schema


@lru_cache(maxsize=1)
def _schema() -> dict[str, Any]:
    defs: dict[str, Any] = dict(_text_patterns())
    defs.update({name: _obj_schema(obj) for name, obj in table().items()})
    return {
        "$schema": SCHEMA_DRAFT,
        "title": "hadr_model spec",
        "description": "A topology spec for hadr_model: the region form (regions, zones, roles), the block form "
                       "(a reliability-block diagram) or the fault-tree form (gates over shared events). Generated "
                       "by `hadr schema` from the table the validator "
                       "reads (hadr_model.topology.schema); `hadr validate` checks what a schema cannot "
                       "(references, k at most n, ranges of quantities written as text, size limits).",
        "type": "object",
        "if": {"type": "object", "required": ["blocks"]},
        "then": {"$ref": "#/$defs/block_form"},
        "else": {"if": {"type": "object", "required": ["fault_tree"]},
                 "then": {"$ref": "#/$defs/fault_tree_form"},
                 "else": {"$ref": "#/$defs/region_form"}},
        "$defs": defs,
    }


def json_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of a spec, generated from :func:`table` (a fresh copy)."""
    import copy

    return copy.deepcopy(_schema())
