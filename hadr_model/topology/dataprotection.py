"""Spec language for data protection, recovery workflows and objectives.

Three top-level sections of a topology spec are read here: ``data`` (how each stateful role
protects its data), ``recovery`` (the steps of each failover workflow) and ``objectives``
(availability, RPO and RTO targets). Each section may be absent; the defaults below apply.
Time is in hours, sizes in bytes, throughputs in bytes per hour (see :mod:`hadr_model.units`);
a law of sizes or throughputs carries its unit (``Law.unit``) and is read with ``.mean``, never
``.mean_h``.
A *law* is anything :func:`hadr_model.topology.laws.parse_law` accepts: a bare duration is a
fixed duration, ``{dist: lognorm, s: 0.5, mean: 1h}`` a random one.

``data`` — a mapping ``ROLE: {...}``, one entry per stateful role (absent: ``{}``)
----------------------------------------------------------------------------------
===================================  ==========================================================
key                                  meaning (default)
===================================  ==========================================================
``size``                             size of the database, a size (``2TB``) or a size law
                                     (``{dist: lognorm, s: 1, mean: 10GB}``); required unless
                                     ``databases.size`` is given
``write_rate``                       optional; ``{records_per_s: 200, bytes_per_record: 2KB}``
                                     or a throughput ``5MB/s``: data loss is then also reported
                                     in records / bytes
``replication.within_region``        ``synchronous`` (quorum writes across the zones: a zone
                                     loss loses nothing) or ``none`` (default ``synchronous``,
                                     Cloudant: "data is stored in triplicate" across 3 zones)
``replication.across_regions``       ``none`` (default), ``synchronous``, or
                                     ``{mode: async, lag: LAW}``: the replica in the failover
                                     region is ``lag`` behind (Cloudant gives no lag guarantee,
                                     so the lag is an input law; IBM read replicas aim at
                                     < 15 min)
``snapshots``                        ``none``, or a mapping:
``snapshots.every``                  interval between snapshot starts (``24h``, IBM Cloud
                                     Databases automatic backups)
``snapshots.takes``                  law of the time to take one snapshot (``30m``)
``snapshots.copy_to``                ``fails_over_to`` (a copy lands in the failover region,
                                     default) or ``none`` (snapshots stay in the region and
                                     die with it)
``snapshots.copy_takes``             law of the cross-region copy time (``1h``: IBM COS
                                     cross-region replication RPO ≈ 1 h)
``snapshots.keep``                   retention, counted from a snapshot's start (``30d``)
``restore.throughput``               restore rate of one restore job, a throughput
                                     (``100MiB/s``: TiDB BR ≈ 100 MiB/s per node) or a law of
                                     throughputs (``{dist: gamma, a: 4, mean: 200MB/s}``)
``restore.index_rebuild``            law, after the copy (``30m``; Cloudant: indexes must be
                                     rebuilt after a restore)
``restore.verify``                   law, after the rebuild (``0``)
``databases``                        optional; the role holds many (tenant) databases restored
                                     together after a region loss. ``tenants`` is its deprecated
                                     former name, read the same way; giving both is an error.
                                     (A *tenant* is a user homed in a region, as in the
                                     availability figures; a *database* is what is restored.)
``databases.count``                  number of databases per region (``1``)
``databases.size``                   size (law) of one database (``size / count``)
``databases.slots``                  parallel restore jobs in the failover region (``4``)
``databases.shared_throughput``      bandwidth shared by all jobs (unlimited); each running job
                                     gets ``min(throughput, shared / min(slots, count))``
===================================  ==========================================================

``recovery`` — failover workflows (absent: the ``backup_restore`` values)
----------------------------------------------------------------------------------
``strategy: NAME`` (``backup_restore``, ``pilot_light``, ``warm_standby``, ``active_active``)
takes the step values of that preset; explicit steps override them. Every step is a law.

==================  ==============================================================================
scenario            steps (default = backup & restore preset)
==================  ==============================================================================
``zone_loss``       ``detect`` (``10s``: OpenWhisk marks an invoker offline after 10 s),
                    ``failover`` (``1m``)
``region_loss``     ``detect`` (``15m``), ``decide`` (``30m``: a person declares the disaster),
                    ``provision`` (``1h``: compute in the failover region, restore path only),
                    ``promote`` (``10m``: IBM read-replica promotion ≈ 10 min, replica path only),
                    ``traffic_shift`` (``5m``: DNS / GSLB)
``corruption``      ``detect`` (exponential, mean ``2d``: an assumption — no public figure),
                    ``decide`` (``30m``), ``provision`` (``0``), ``traffic_shift`` (``5m``);
                    optional ``per_year``: how often logical corruption strikes (enables the
                    per-year data-loss figures of that scenario)
==================  ==============================================================================

``objectives`` (absent: the values shown)
----------------------------------------------------------------------------------
``availability`` (``0.9999``, IBM MZR SLA), ``rpo: {zone_loss: 0, region_loss: 25h,
corruption: 24h}``, ``rto: {zone_loss: 5m, region_loss: 4h, corruption: 8h}``, and
``confidence`` (``0.95``): an objective passes when it is met with at least this probability.
"""

from __future__ import annotations

import difflib
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from ..errors import SpecError
from ..options import SCENARIOS as _SCENARIOS
from ..units import format_duration, parse_duration, parse_fraction, parse_rate, parse_size
from . import _checks, schema
from .laws import GAMMA_POSTERIOR, Law, Uncertain, deterministic, exponential, is_uncertain, parse_law

__all__ = [
    "SCENARIOS",
    "STRATEGY_NAMES",
    "UNCERTAIN_DR_KEYS",
    "DataProtection",
    "Databases",
    "Objectives",
    "RecoveryPlan",
    "Replication",
    "Restore",
    "Snapshots",
    "WriteRate",
    "parse_data",
    "parse_dr_uncertain",
    "parse_objectives",
    "parse_recovery",
    "read_dr_law",
    "recovery_preset",
]

SCENARIOS = _SCENARIOS    # re-exported from hadr_model.options (the one list of scenario names)
_GB = 1e9  # laws over sizes / rates are parsed in GB (GB/h) to stay within duration bounds
MAX_RECORDS_PER_S = 1e12   # with records of at most 1 ZB, a write rate stays a finite float


def _check_keys(raw: Mapping[str, Any], allowed: tuple[str, ...], field: str) -> None:
    for key in raw:
        if key not in allowed:
            close = difflib.get_close_matches(str(key), allowed, n=1)
            hint = f"did you mean {close[0]!r}? " if close else ""
            raise SpecError(f"{field}.{key}", raw[key], f"{hint}one of: {', '.join(allowed)}")


def _mapping(raw: Any, field: str, what: str) -> Mapping[str, Any]:
    if raw is None:
        return {}
    if not isinstance(raw, Mapping):
        raise SpecError(field, raw, what)
    return raw


def _shown(law: Law) -> str:
    """A default law for people: ``15 min`` for a fixed duration, else its description."""
    if law.unit == "h" and law.fixed is not None:
        return format_duration(law.fixed)
    return law.describe()


def _note_absent(body: Mapping[str, Any], field: str, name: str, shown: Mapping[str, str]) -> None:
    """Record the defaults taken for the keys of ``shown`` that ``body`` (mapping ``name``) lacks."""
    for key, value in shown.items():
        if key not in body:
            schema.note_default(f"{field}.{key}", value, name, key)


def _parse_scaled_law(raw: Any, field: str, parse_unit: Any, unit: str, example: str) -> Law:
    """A law over sizes (``unit="bytes"``) or throughputs (``"bytes/h"``), written with units."""
    if not isinstance(raw, Mapping):
        return deterministic(parse_unit(raw, field), unit=unit)
    in_gb = dict(raw)
    for key in ("mean", "scale", "loc", "value"):
        if key in in_gb:
            value = in_gb[key]
            # Only a shift may be zero: a size or throughput of 0 (a deterministic value, a
            # mean) divides by zero downstream (restore time = size / throughput).
            zero_shift = key == "loc" and _checks.finite(value) and value == 0
            in_gb[key] = 0.0 if zero_shift else parse_unit(value, f"{field}.{key}") / _GB
    if "dist" not in in_gb:
        expected = f"a value such as {example} or a law {{dist: NAME, ..., mean: VALUE}}"
        raise SpecError(field, dict(raw), expected)
    law = parse_law(in_gb, field)
    # Parsed as a law of durations (GB standing for hours); stretched back to bytes, then labelled.
    return replace(law.with_mean(law.mean * _GB), unit=unit)


# ---------------------------------------------------------------------------------------- data


@dataclass(frozen=True)
class WriteRate:
    """Write rate of a role: ``records_per_h`` records of ``bytes_per_record`` bytes."""

    records_per_h: float
    bytes_per_record: float

    @property
    def bytes_per_h(self) -> float:
        return self.records_per_h * self.bytes_per_record


@dataclass(frozen=True)
class Replication:
    """Replication of a role's data.

    ``within_region`` is ``"synchronous"`` or ``"none"``; ``across_regions`` is ``"none"``,
    ``"synchronous"`` or ``"async"`` (then ``lag`` is the law of the replica's lag in hours).
    """

    within_region: str = "synchronous"
    across_regions: str = "none"
    lag: Law | None = None


@dataclass(frozen=True)
class Snapshots:
    """Periodic snapshots: start every ``every_h``; durable locally after ``takes``, in the
    failover region after ``takes + copy_takes`` (when ``copy_to == "fails_over_to"``);
    deleted ``keep_h`` after their start."""

    every_h: float = 24.0
    takes: Law = field(default_factory=lambda: deterministic(0.5))
    copy_to: str = "fails_over_to"
    copy_takes: Law = field(default_factory=lambda: deterministic(1.0))
    keep_h: float = 30 * 24.0


@dataclass(frozen=True)
class Restore:
    """Restore of one database: ``size / throughput + index_rebuild + verify``."""

    throughput_bytes_per_h: Law = field(default_factory=lambda: deterministic(parse_rate("100MiB/s"), unit="bytes/h"))
    index_rebuild: Law = field(default_factory=lambda: deterministic(0.5))
    verify: Law = field(default_factory=lambda: deterministic(0.0))


@dataclass(frozen=True)
class Databases:
    """The (tenant) databases of a role, restored together after a region loss (restore contention).

    ``key`` is how the spec spelled the section (``databases``, or its deprecated alias
    ``tenants``), so that a message about it names the field the user wrote.
    """

    count: int = 1
    size_bytes: Law | None = None
    slots: int = 4
    shared_throughput_bytes_per_h: float | None = None
    key: str = field(default="databases", compare=False, repr=False)


@dataclass(frozen=True)
class DataProtection:
    """How one stateful role protects its data.

    Examples
    --------
    >>> dp = parse_data({"db": {"size": "2TB"}})["db"]
    >>> dp.snapshots.every_h, dp.replication.within_region
    (24.0, 'synchronous')
    """

    role: str
    size_bytes: Law
    replication: Replication = field(default_factory=Replication)
    snapshots: Snapshots | None = field(default_factory=Snapshots)
    restore: Restore = field(default_factory=Restore)
    databases: Databases = field(default_factory=Databases)
    write_rate: WriteRate | None = None

    @property
    def database_size_bytes(self) -> Law:
        """Law of the size of one database (the role's whole size when it holds one)."""
        if self.databases.size_bytes is not None:
            return self.databases.size_bytes
        return self.size_bytes.with_mean(self.size_bytes.mean / self.databases.count)

    def with_changes(self, **changes: Any) -> DataProtection:
        """A copy with some fields replaced (``dataclasses.replace``)."""
        return replace(self, **changes)


DATABASES_ALIAS = "tenants"   # the former name of ``databases``: deprecated, read the same way


def parse_data(raw: Any, field: str = "data") -> dict[str, DataProtection]:
    """Read the ``data`` section: one :class:`DataProtection` per stateful role.

    Parameters
    ----------
    raw : mapping or None
        ``{ROLE: {size: ..., replication: ..., snapshots: ..., restore: ..., databases: ...}}``;
        ``None`` / absent means no role has data protection modelled.
    field : str
        Field path for error messages.

    Raises
    ------
    SpecError
        Naming the field, the value and what is expected.

    Examples
    --------
    >>> data = parse_data({"db": {"size": "2TB", "snapshots": {"every": "12h"}}})
    >>> data["db"].snapshots.every_h
    12.0
    """
    sections = _mapping(raw, field, "a mapping of role name to its data protection")
    result: dict[str, DataProtection] = {}
    for role, body in sections.items():
        result[str(role)] = _parse_role(str(role), body, f"{field}.{role}")
    return result


def _parse_role(role: str, raw: Any, field: str) -> DataProtection:
    body = _mapping(raw, field, "a mapping with size, replication, snapshots, restore, databases")
    _check_keys(body, schema.keys("data_role"), field)
    _check_uncertainty(body, field, "data_role")
    databases = _parse_databases(body, field)
    if "size" in body:
        size = _dr_law(body["size"], f"{field}.size", "bytes")
    elif databases.size_bytes is not None:
        size = databases.size_bytes.with_mean(databases.size_bytes.mean * databases.count)
    else:
        raise SpecError(f"{field}.size", SpecError.NO_VALUE,
                        f"a size such as '2TB' (or {databases.key}.size)")
    return DataProtection(
        role=role,
        size_bytes=size,
        replication=_parse_replication(body.get("replication"), f"{field}.replication"),
        snapshots=_parse_snapshots(body.get("snapshots", {}), f"{field}.snapshots"),
        restore=_parse_restore(body.get("restore"), f"{field}.restore"),
        databases=databases,
        write_rate=_parse_write_rate(body.get("write_rate"), f"{field}.write_rate"),
    )


def _parse_write_rate(raw: Any, field: str) -> WriteRate | None:
    if raw is None:
        schema.note_default(field, "none", "data_role", "write_rate")
        return None
    if isinstance(raw, str):
        return WriteRate(records_per_h=parse_rate(raw, field), bytes_per_record=1.0)
    body = _mapping(raw, field, "{records_per_s: N, bytes_per_record: SIZE} or a throughput such as '5MB/s'")
    _check_keys(body, schema.keys("write_rate"), field)
    records = body.get("records_per_s")
    if not (_checks.finite(records) and 0 < records <= MAX_RECORDS_PER_S):
        raise SpecError(f"{field}.records_per_s", records,
                        f"a number of records per second, more than zero and at most {MAX_RECORDS_PER_S:g}")
    one_record = schema.default("write_rate", "bytes_per_record")
    _note_absent(body, field, "write_rate", {"bytes_per_record": f"{one_record} B"})
    record_size = parse_size(body.get("bytes_per_record", schema.default("write_rate", "bytes_per_record")),
                             f"{field}.bytes_per_record")
    return WriteRate(records_per_h=float(records) * 3600.0, bytes_per_record=record_size)


def _parse_replication(raw: Any, field: str) -> Replication:
    expected = "{within_region: synchronous|none, across_regions: none|{mode: async, lag: LAW}}"
    body = _mapping(raw, field, expected)
    _check_keys(body, schema.keys("replication"), field)
    default = Replication()
    _note_absent(body, field, "replication", {"within_region": default.within_region,
                                              "across_regions": default.across_regions})
    within = body.get("within_region", default.within_region)
    if within not in schema.values("replication", "within_region"):
        raise SpecError(f"{field}.within_region", within, " or ".join(schema.values("replication", "within_region")))
    across = body.get("across_regions", default.across_regions)
    if across in schema.values("replication", "across_regions"):
        return Replication(within_region=within, across_regions=across)
    across_field = f"{field}.across_regions"
    across_body = _mapping(across, across_field, "none, synchronous or {mode: async, lag: LAW}")
    _check_keys(across_body, schema.keys("async_replication"), across_field)
    if across_body.get("mode") not in schema.values("async_replication", "mode"):
        raise SpecError(f"{across_field}.mode", across_body.get("mode"), "async (with a lag law)")
    if "lag" not in across_body:
        raise SpecError(f"{across_field}.lag", SpecError.NO_VALUE, "a law of the replication lag, e.g. '5m'")
    _check_uncertainty(across_body, across_field, "async_replication")
    lag = _dr_law(across_body["lag"], f"{across_field}.lag", "h")
    return Replication(within_region=within, across_regions="async", lag=lag)


def _parse_snapshots(raw: Any, field: str) -> Snapshots | None:
    if raw == "none" or raw is False:
        return None
    body = _mapping(raw, field, "none or {every, takes, copy_to, copy_takes, keep}")
    _check_keys(body, schema.keys("snapshots"), field)
    _check_uncertainty(body, field, "snapshots")
    default = Snapshots()
    _note_absent(body, field, "snapshots", {
        "every": format_duration(default.every_h), "takes": _shown(default.takes), "copy_to": default.copy_to,
        "copy_takes": _shown(default.copy_takes), "keep": format_duration(default.keep_h)})
    copy_to = body.get("copy_to", default.copy_to)
    if copy_to not in schema.values("snapshots", "copy_to"):
        raise SpecError(f"{field}.copy_to", copy_to, "fails_over_to or none")
    snapshots = Snapshots(
        every_h=parse_duration(body["every"], f"{field}.every") if "every" in body else default.every_h,
        takes=_dr_law(body["takes"], f"{field}.takes", "h") if "takes" in body else default.takes,
        copy_to=copy_to,
        copy_takes=_dr_law(body["copy_takes"], f"{field}.copy_takes", "h") if "copy_takes" in body
        else default.copy_takes,
        keep_h=parse_duration(body["keep"], f"{field}.keep") if "keep" in body else default.keep_h,
    )
    if snapshots.keep_h < snapshots.every_h:
        expected = f"a retention at least the interval ({snapshots.every_h:g} h)"
        raise SpecError(f"{field}.keep", body.get("keep"), expected)
    return snapshots


def _parse_restore(raw: Any, field: str) -> Restore:
    body = _mapping(raw, field, "{throughput, index_rebuild, verify}")
    _check_keys(body, schema.keys("restore"), field)
    _check_uncertainty(body, field, "restore")
    default = Restore()
    _note_absent(body, field, "restore", {
        "throughput": schema.default("restore", "throughput"), "index_rebuild": _shown(default.index_rebuild),
        "verify": _shown(default.verify)})
    throughput = default.throughput_bytes_per_h
    if "throughput" in body:
        throughput = _dr_law(body["throughput"], f"{field}.throughput", "bytes/h")
    return Restore(
        throughput_bytes_per_h=throughput,
        index_rebuild=_dr_law(body["index_rebuild"], f"{field}.index_rebuild", "h") if "index_rebuild" in body
        else default.index_rebuild,
        verify=_dr_law(body["verify"], f"{field}.verify", "h") if "verify" in body else default.verify,
    )


def _positive_int(raw: Any, field: str, default: int) -> int:
    if raw is None:
        return default
    if isinstance(raw, bool) or not isinstance(raw, int) or raw < 1:
        raise SpecError(field, raw, "a whole number, at least 1")
    return raw


def _parse_databases(role_body: Mapping[str, Any], role_field: str) -> Databases:
    """The ``databases`` section of a role, or its deprecated alias ``tenants`` (not both)."""
    if "databases" in role_body and DATABASES_ALIAS in role_body:
        raise SpecError(f"{role_field}.{DATABASES_ALIAS}", role_body[DATABASES_ALIAS],
                        f"either {role_field}.databases or {role_field}.{DATABASES_ALIAS} (its deprecated "
                        f"former name), not both")
    key = DATABASES_ALIAS if DATABASES_ALIAS in role_body else "databases"
    field = f"{role_field}.{key}"
    if key == DATABASES_ALIAS:
        warnings.warn(f"{field} is deprecated: write {role_field}.databases (the same fields)",
                      DeprecationWarning, stacklevel=2)
    body = _mapping(role_body.get(key), field, "{count, size, slots, shared_throughput}")
    _check_keys(body, schema.keys("databases"), field)
    _check_uncertainty(body, field, "databases")
    if key in role_body:   # without the section the role is one database: nothing to say
        _note_absent({k: v for k, v in body.items() if v is not None}, field, "databases",
                     {"count": str(schema.default("databases", "count")),
                      "slots": str(schema.default("databases", "slots")), "shared_throughput": "unlimited"})
    shared = body.get("shared_throughput")
    return Databases(
        count=_positive_int(body.get("count"), f"{field}.count", schema.default("databases", "count")),
        size_bytes=_dr_law(body["size"], f"{field}.size", "bytes") if "size" in body else None,
        slots=_positive_int(body.get("slots"), f"{field}.slots", schema.default("databases", "slots")),
        shared_throughput_bytes_per_h=None if shared is None
        else parse_rate(shared, f"{field}.shared_throughput"),
        key=key,
    )


# ------------------------------------------------------------------------------------ recovery

STEPS = {
    "zone_loss": ("detect", "failover"),
    "region_loss": ("detect", "decide", "provision", "promote", "traffic_shift"),
    "corruption": ("detect", "decide", "provision", "traffic_shift"),
}

# Region-loss step values of the four classic DR strategies. RTO ranges by strategy come
# from AWS "Disaster Recovery of Workloads on AWS" (backup & restore: hours; pilot light:
# tens of minutes; warm standby: minutes; multi-site: near zero) and the IBM Cloud mapping
# (resiliency bcdr-approaches.md: zero footprint / basic standby / minimal operation /
# active-active); the reference file's grounded defaults (§4.5 item 7) give backup&restore
# 4-24 h, pilot light 10-60 min, warm standby 5-20 min, active/active ≈ 1 min. Replica
# promotion ≈ 10 min is IBM Cloud Databases read-replica promotion (bcdr-approaches.md).
def _minutes(**steps: float) -> dict[str, Law]:
    return {name: deterministic(minutes / 60) for name, minutes in steps.items()}


_STRATEGY_STEPS: dict[str, dict[str, dict[str, Law]]] = {
    "backup_restore": {
        "region_loss": _minutes(detect=15, decide=30, provision=60, promote=10, traffic_shift=5),
    },
    "pilot_light": {
        # Data is replicated live; compute is off and must be scaled up around the promotion.
        "region_loss": _minutes(detect=15, decide=15, provision=15, promote=25, traffic_shift=5),
    },
    "warm_standby": {
        "region_loss": _minutes(detect=5, decide=0, provision=0, promote=5, traffic_shift=2),
    },
    "active_active": {
        # Both regions serve: failover is the health check noticing and routing away.
        "region_loss": _minutes(detect=0.5, decide=0, provision=0, promote=0, traffic_shift=0.5),
    },
}
STRATEGY_NAMES = tuple(_STRATEGY_STEPS)

_BASE_STEPS: dict[str, dict[str, Law]] = {
    "zone_loss": {"detect": deterministic(10 / 3600), "failover": deterministic(1 / 60)},
    "region_loss": dict(_STRATEGY_STEPS["backup_restore"]["region_loss"]),
    "corruption": {"detect": exponential(48.0), "decide": deterministic(0.5), "provision": deterministic(0.0),
                   "traffic_shift": deterministic(5 / 60)},
}


@dataclass(frozen=True)
class RecoveryPlan:
    """The steps of each failover workflow, as laws in hours.

    Examples
    --------
    >>> plan = parse_recovery({"region_loss": {"detect": "15m"}})
    >>> plan.step("region_loss", "detect").mean_h
    0.25
    """

    zone_loss: Mapping[str, Law]
    region_loss: Mapping[str, Law]
    corruption: Mapping[str, Law]
    strategy: str | None = None
    corruption_per_year: float | None = None   # how often logical corruption strikes, if known

    def step(self, scenario: str, name: str) -> Law:
        """The law of step ``name`` of ``scenario`` (``zone_loss``, ``region_loss``, ``corruption``)."""
        return getattr(self, scenario)[name]

    def with_steps(self, scenario: str, **steps: Law) -> RecoveryPlan:
        """A copy with some steps of one scenario replaced."""
        merged = dict(getattr(self, scenario))
        merged.update(steps)
        changes: dict[str, Any] = {scenario: merged}
        return replace(self, **changes)


def recovery_preset(strategy: str | None = None) -> RecoveryPlan:
    """The recovery plan of a strategy preset (``None``: the defaults, backup & restore).

    Examples
    --------
    >>> recovery_preset("warm_standby").step("region_loss", "promote").mean_h * 60
    5.0
    """
    steps = {scenario: dict(values) for scenario, values in _BASE_STEPS.items()}
    if strategy is not None:
        if strategy not in _STRATEGY_STEPS:
            raise SpecError("recovery.strategy", strategy, f"one of {', '.join(STRATEGY_NAMES)}")
        for scenario, values in _STRATEGY_STEPS[strategy].items():
            steps[scenario].update(values)
    return RecoveryPlan(zone_loss=steps["zone_loss"], region_loss=steps["region_loss"],
                        corruption=steps["corruption"], strategy=strategy)


def parse_recovery(raw: Any, field: str = "recovery") -> RecoveryPlan:
    """Read the ``recovery`` section (absent: backup & restore defaults).

    Examples
    --------
    >>> plan = parse_recovery({"strategy": "pilot_light", "zone_loss": {"failover": "2m"}})
    >>> plan.strategy, round(plan.step("zone_loss", "failover").mean_h * 60, 6)
    ('pilot_light', 2.0)
    """
    body = _mapping(raw, field, "a mapping with strategy, zone_loss, region_loss, corruption")
    _check_keys(body, schema.keys("recovery"), field)
    if body.get("strategy") is None:
        schema.note_default(f"{field}.strategy", "none", "recovery", "strategy")
    strategy = body.get("strategy")
    if strategy is not None and strategy not in STRATEGY_NAMES:
        close = difflib.get_close_matches(str(strategy), STRATEGY_NAMES, n=1)
        hint = f"did you mean {close[0]!r}? " if close else ""
        raise SpecError(f"{field}.strategy", strategy, f"{hint}one of: {', '.join(STRATEGY_NAMES)}")
    plan = _with_scenario_steps(recovery_preset(strategy), body, field)
    _note_preset_steps(plan, body, field)
    return plan


def _note_preset_steps(plan: RecoveryPlan, body: Mapping[str, Any], field: str) -> None:
    """Record the steps ``body`` leaves to the preset (a region's own plan leaves them to the top level)."""
    preset = f"the {plan.strategy} preset" if plan.strategy else "the backup & restore values (no strategy)"
    for scenario in SCENARIOS:
        steps = body.get(scenario) or {}
        for name in STEPS[scenario]:
            if name not in steps:
                schema.note_default(f"{field}.{scenario}.{name}", _shown(plan.step(scenario, name)),
                                    f"steps_{scenario}", name, why=preset)
        if scenario == "corruption" and "per_year" not in steps:
            schema.note_default(f"{field}.{scenario}.per_year", "not given", "steps_corruption", "per_year")


def _with_scenario_steps(plan: RecoveryPlan, body: Mapping[str, Any], field: str) -> RecoveryPlan:
    for scenario in SCENARIOS:
        scenario_field = f"{field}.{scenario}"
        expected = f"a mapping of steps ({', '.join(STEPS[scenario])})"
        steps = dict(_mapping(body.get(scenario), scenario_field, expected))
        _check_uncertainty(steps, scenario_field, f"steps_{scenario}")
        steps.pop("uncertainty", None)
        if scenario == "corruption" and "per_year" in steps:
            plan = replace(plan, corruption_per_year=_per_year(steps.pop("per_year"), f"{scenario_field}.per_year"))
        _check_keys(steps, STEPS[scenario], scenario_field)
        parsed = {name: _dr_law(value, f"{scenario_field}.{name}", "h") for name, value in steps.items()}
        plan = plan.with_steps(scenario, **parsed)
    return plan


def override_recovery(plan: RecoveryPlan, raw: Any, field: str) -> RecoveryPlan:
    """``plan`` with some steps replaced (a region's own ``recovery`` section, no strategy).

    Examples
    --------
    >>> plan = override_recovery(parse_recovery(None), {"region_loss": {"provision": "4h"}}, "regions.x.recovery")
    >>> plan.step("region_loss", "provision").mean_h, plan.step("region_loss", "detect").mean_h
    (4.0, 0.25)
    """
    body = _mapping(raw, field, "a mapping with zone_loss, region_loss, corruption steps")
    _check_keys(body, schema.keys("region_recovery"), field)
    return _with_scenario_steps(plan, body, field)


def _per_year(raw: Any, field: str) -> float:
    if isinstance(raw, bool) or not isinstance(raw, (int, float)) or not 0 <= raw <= 1e6:
        raise SpecError(field, raw, "events per year, a number from 0 to 1e6")
    return float(raw)


# ---------------------------------------------------------------------------------- objectives

_DEFAULT_RPO = {"zone_loss": 0.0, "region_loss": 25.0, "corruption": 24.0}
_DEFAULT_RTO = {"zone_loss": 5 / 60, "region_loss": 4.0, "corruption": 8.0}


@dataclass(frozen=True)
class Objectives:
    """Availability, RPO and RTO targets (hours) per scenario.

    Examples
    --------
    >>> parse_objectives({"rto": {"region_loss": "2h"}}).rto_h["region_loss"]
    2.0
    """

    availability: float = 0.9999
    rpo_h: Mapping[str, float] = field(default_factory=lambda: dict(_DEFAULT_RPO))
    rto_h: Mapping[str, float] = field(default_factory=lambda: dict(_DEFAULT_RTO))
    confidence: float = 0.95
    # What the spec states ("availability", "rpo.region_loss" …): a verdict checks only these;
    # the defaults above serve the per-role tables of a spec that states nothing.
    given: frozenset[str] = frozenset()


def _parse_targets(raw: Any, field: str, defaults: Mapping[str, float]) -> dict[str, float]:
    body = _mapping(raw, field, f"a mapping of scenario ({', '.join(SCENARIOS)}) to a duration")
    _check_keys(body, schema.keys("targets"), field)
    _note_absent(body, field, "targets", {scenario: format_duration(value) for scenario, value in defaults.items()})
    targets = dict(defaults)
    for scenario, value in body.items():
        targets[scenario] = parse_duration(value, f"{field}.{scenario}", allow_zero=True)
    return targets


def parse_objectives(raw: Any, field: str = "objectives") -> Objectives:
    """Read the ``objectives`` section (absent: the defaults of :class:`Objectives`).

    Examples
    --------
    >>> parse_objectives({"availability": "99.95%"}).availability
    0.9995
    """
    body = _mapping(raw, field, "a mapping with availability, rpo, rto, confidence")
    _check_keys(body, schema.keys("objectives"), field)
    default = Objectives()
    _note_absent(body, field, "objectives", {"availability": f"{default.availability:g}",
                                             "confidence": f"{default.confidence:g}"})
    availability = default.availability
    if "availability" in body:
        availability = parse_fraction(body["availability"], f"{field}.availability")
    confidence = default.confidence
    if "confidence" in body:
        confidence = parse_fraction(body["confidence"], f"{field}.confidence")
    return Objectives(
        availability=availability,
        rpo_h=_parse_targets(body.get("rpo"), f"{field}.rpo", default.rpo_h),
        rto_h=_parse_targets(body.get("rto"), f"{field}.rto", default.rto_h),
        confidence=confidence,
        given=_given(body),
    )


def _given(body: Mapping[str, Any]) -> frozenset[str]:
    given = {"availability"} if "availability" in body else set()
    for objective in ("rpo", "rto"):
        given |= {f"{objective}.{scenario}" for scenario in (body.get(objective) or {})}
    return frozenset(given)


# ------------------------------------------------------------------- uncertain DR parameters

# The DR laws that may carry an epistemic uncertainty over their mean, by the mapping (the
# schema's name for it) that holds them, with their unit: the same two spellings as an mttf /
# mttr (hadr_model.topology.laws.parse_uncertain) — ``{uncertain: LAW}`` in place of the value
# (the point figures use a fixed value at the law's median) or ``uncertainty: {KEY: LAW}``
# beside the written value (the point figures keep it). A gamma posterior counts events per
# time at risk, a rate: it is an mttf / mttr's, not a duration's or a throughput's.
UNCERTAIN_DR_KEYS: dict[str, dict[str, str]] = {
    "data_role": {"size": "bytes"},
    "databases": {"size": "bytes"},
    "async_replication": {"lag": "h"},
    "snapshots": {"takes": "h", "copy_takes": "h"},
    "restore": {"throughput": "bytes/h", "index_rebuild": "h", "verify": "h"},
    **{f"steps_{scenario}": {step: "h" for step in STEPS[scenario]} for scenario in SCENARIOS},
}
_EXAMPLES = {"h": "{dist: lognorm, s: 0.5, scale: 1h}", "bytes": "{dist: lognorm, s: 0.5, scale: 2TB}",
             "bytes/h": "{dist: lognorm, s: 0.5, scale: 100MiB/s}"}


def read_dr_law(raw: Any, field: str, unit: str) -> Law:
    """A law of durations (``unit="h"``), sizes (``"bytes"``) or throughputs (``"bytes/h"``)."""
    if unit == "h":
        return parse_law(raw, field)
    if unit == "bytes":
        return _parse_scaled_law(raw, field, parse_size, "bytes", "'2TB'")
    return _parse_scaled_law(raw, field, parse_rate, "bytes/h", "'200MB/s'")


def _dr_law(raw: Any, field: str, unit: str) -> Law:
    """A DR law; ``{uncertain: LAW}`` in its place reads as a fixed value at that law's median."""
    if is_uncertain(raw):
        uncertain = parse_dr_uncertain(raw, field, unit)
        # As for an mttf in place: the point figures use the median (validate says so).
        shown = {"h": format_duration(uncertain.point_h), "bytes": f"{uncertain.point_h:.6g} B",
                 "bytes/h": f"{uncertain.point_h / 3600:.6g} B/s"}[unit]
        schema.note_default(field, shown, "", why=f"point value of an uncertain parameter = its median; "
                            f"{uncertain.describe()}")
        return deterministic(uncertain.point_h, unit=unit)
    return read_dr_law(raw, field, unit)


def parse_dr_uncertain(raw: Any, field: str, unit: str, *, point: float | None = None) -> Uncertain:
    """Read the epistemic law over the mean of a DR law (a step, a lag, a size, a throughput).

    Parameters
    ----------
    raw : mapping
        ``{uncertain: LAW}`` in place of the value (``point`` ``None``), or, beside the written
        value, a law mapping over the parameter — written in the parameter's unit
        (``{dist: lognorm, s: 0.5, scale: 100MiB/s}`` for a throughput).
    field : str
        Spec path, for errors and as the parameter's name.
    unit : {"h", "bytes", "bytes/h"}
        The parameter's unit; the returned law is in it (``point_h`` and the quantiles too,
        whatever their ``_h`` names say).
    point : float, optional
        The mean of the written value beside the uncertainty; ``None``: the law's median.

    Raises
    ------
    SpecError
        Naming the field: a gamma posterior, a fixed law, a law with mass at 0 (a size or a
        throughput), anything but a law mapping.

    Examples
    --------
    >>> u = parse_dr_uncertain({"uncertain": {"dist": "lognorm", "s": 0.5, "scale": "100MB/s"}},
    ...                        "data.db.restore.throughput", "bytes/h")
    >>> round(u.point_h / 3600 / 1e6, 6)      # the median, in MB/s
    100.0
    """
    if isinstance(raw, Mapping) and raw.get("dist") == GAMMA_POSTERIOR:
        raise SpecError(field, GAMMA_POSTERIOR, "a law over the parameter ({uncertain: LAW} in place of the value, "
                        "or a law beside it): a gamma posterior is the law of an mttf / mttr's rate")
    law_field = field
    if point is None:
        if not isinstance(raw, Mapping) or set(raw) != {"uncertain"}:
            raise SpecError(field, "a mapping" if isinstance(raw, Mapping) else raw,
                            "{uncertain: LAW} alone (a law over the parameter)")
        raw, law_field = raw["uncertain"], f"{field}.uncertain"
    if not isinstance(raw, Mapping) or "dist" not in raw:
        raise SpecError(law_field, "a mapping" if isinstance(raw, Mapping) else raw,
                        f"a law mapping over the parameter, e.g. {_EXAMPLES[unit]}")
    law = read_dr_law(raw, law_field, unit)
    if law.fixed is not None:
        raise SpecError(law_field, law.describe(), "a law with some spread (a fixed value is a point: write it alone)")
    if point is not None:        # beside a point: no quantile needed to load (nor scipy.stats)
        return Uncertain(field, law.dist, law.params, float(point))
    frozen = law.frozen()
    if unit != "h" and not float(frozen.ppf(1e-12)) > 0.0:
        raise SpecError(law_field, law.describe(), "a law with no mass at 0 (its lowest quantiles more than 0: "
                        "a restore divides by the throughput and the size)")
    return Uncertain(field, law.dist, law.params, float(frozen.ppf(0.5)))


def _check_uncertainty(body: Mapping[str, Any], field: str, name: str) -> None:
    """Refuse an uncertainty on a field that is not a law; validate ``uncertainty:`` beside points."""
    allowed = UNCERTAIN_DR_KEYS[name]
    for key, value in body.items():
        if key != "uncertainty" and key not in allowed and is_uncertain(value):
            raise SpecError(f"{field}.{key}", "an uncertainty", f"a point value: only {', '.join(allowed)} "
                            "(laws) may carry an uncertainty here")
    if "uncertainty" not in body:
        return
    where = f"{field}.uncertainty"
    entries = _mapping(body["uncertainty"], where, f"{{KEY: LAW over its mean}}, KEY one of {', '.join(allowed)}")
    _check_keys(entries, tuple(allowed), where)
    for key, raw in entries.items():
        if key not in body:
            raise SpecError(f"{where}.{key}", "an uncertainty", f"the point value {field}.{key} written beside "
                            "it (or {uncertain: LAW} in its place)")
        if is_uncertain(body[key]):
            raise SpecError(f"{where}.{key}", "an uncertainty", f"one uncertainty per parameter ('{key}' already "
                            "carries one)")
        point = read_dr_law(body[key], f"{field}.{key}", allowed[key])
        parse_dr_uncertain(raw, f"{where}.{key}", allowed[key], point=point.mean)
