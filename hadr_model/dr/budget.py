"""Cost of the DR simulations, computed from the spec *before* anything is allocated.

Each check names the option or field, the value, the limit and the product that exceeds it,
as a :class:`~hadr_model.errors.SpecError` (exit 2 in the CLI):

* ``n_disasters`` (``--disasters``): 1 to :data:`MAX_DISASTERS`;
* ``data.ROLE.databases.count`` (or its deprecated alias ``tenants.count``): at most
  :data:`MAX_DATABASES` databases restored together;
* restore jobs of one scenario, ``disasters × databases``: at most :data:`MAX_RESTORE_JOBS`
  (per engine: a SimPy process per job is about a thousand times slower than a vectorised one);
* snapshots retained at once, ``keep / every``: at most :data:`MAX_SNAPSHOTS_KEPT` (SimPy keeps
  a process per snapshot alive), and snapshot look-ups of the fast path, ``disasters × (1 +
  min(keep, takes + copy_takes) / every)`` (it walks back over the snapshots until one is usable),
  at most :data:`MAX_SNAPSHOT_LOOKUPS`;
* memory: the per-disaster arrays held at the peak of a command within :data:`MEMORY_BUDGET`.
  A result keeps six float64 arrays (``OUTCOME_BYTES`` per disaster); one scenario being
  simulated needs about ``RUN_BYTES[engine]`` more per disaster; the failover costs keep the
  RTO samples of each distinct recovery plan and build them from one array per stateful role.
  The working arrays of the restore queue are chunked (:data:`CHUNK_CELLS` cells), so the
  number of databases does not change the memory per disaster.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from ..errors import SpecError
from ..topology.dataprotection import DataProtection

__all__ = [
    "CHUNK_CELLS",
    "MAX_DATABASES",
    "MAX_DISASTERS",
    "MAX_RESTORE_JOBS",
    "MAX_SNAPSHOTS_KEPT",
    "MAX_SNAPSHOT_LOOKUPS",
    "MEMORY_BUDGET",
    "OUTCOME_BYTES",
    "RUN_BYTES",
    "bytes_per_disaster",
    "check_disasters",
    "check_scenario",
]

MAX_DISASTERS = 10_000_000
MAX_DATABASES = 10_000
MAX_RESTORE_JOBS = {"fast": 1_000_000_000, "simpy": 10_000_000}
MAX_SNAPSHOTS_KEPT = {"fast": 1_000_000, "simpy": 100_000}
MAX_SNAPSHOT_LOOKUPS = 2_000_000_000
MEMORY_BUDGET = 2 * 2**30
OUTCOME_BYTES = 48
# Measured peaks of one scenario beyond its result (tracemalloc, 400 000 disasters, fast path;
# 2 000, SimPy, whose records are Python tuples), with a margin.
RUN_BYTES = {"fast": 128, "simpy": 1024}
CHUNK_CELLS = 1 << 21     # cells (disasters × databases) of one chunk of the restore queue: 16 MB per array
_RTO_SAMPLE_BYTES = 8


def _whole(value: Any) -> bool:
    return isinstance(value, (int, np.integer)) and not isinstance(value, bool)


def _check_count(n_disasters: Any, field: str) -> int:
    if not (_whole(n_disasters) and 1 <= n_disasters <= MAX_DISASTERS):
        raise SpecError(field, n_disasters, f"a whole number of disasters from 1 to {MAX_DISASTERS:,}")
    return int(n_disasters)


def _gib(nbytes: float) -> str:
    return f"{nbytes / 2**30:.3g} GiB"


def _restores(data: DataProtection, scenario: str, contention: bool) -> int:
    """Databases restored per disaster (0: the scenario restores nothing)."""
    if scenario == "corruption":
        return 1
    if scenario == "region_loss" and data.replication.across_regions in ("async", "synchronous"):
        return 0
    if scenario == "zone_loss" and data.replication.within_region == "synchronous":
        return 0
    return data.databases.count if contention else 1


def _check_databases(data: DataProtection) -> None:
    count = data.databases.count
    if count > MAX_DATABASES:
        # Named as the spec spells it (``databases``, or the deprecated ``tenants``).
        raise SpecError(f"data.{data.role}.{data.databases.key}.count", count,
                        f"at most {MAX_DATABASES:,} databases restored together (each disaster "
                        "simulates the restore queue one database at a time)")


def _check_snapshots(data: DataProtection, n: int, engine: str, field: str) -> None:
    snapshots = data.snapshots
    if snapshots is None:
        return
    kept = snapshots.keep_h / snapshots.every_h
    if kept > MAX_SNAPSHOTS_KEPT[engine]:
        raise SpecError(f"data.{data.role}.snapshots.keep", f"{snapshots.keep_h:g}h",
                        f"at most {MAX_SNAPSHOTS_KEPT[engine]:,} snapshots retained at once with the {engine} "
                        f"engine: keep / every = {snapshots.keep_h:g} h / {snapshots.every_h:g} h = {kept:.3g}")
    ready_h = snapshots.takes.mean_h + (snapshots.copy_takes.mean_h if snapshots.copy_to != "none" else 0.0)
    walk = 1.0 + min(snapshots.keep_h, ready_h) / snapshots.every_h
    if engine == "fast" and n * walk > MAX_SNAPSHOT_LOOKUPS:
        raise SpecError(field, n, f"at most {int(MAX_SNAPSHOT_LOOKUPS // walk):,} disasters for data.{data.role}: "
                        f"{n:,} disasters × {walk:.3g} snapshots walked back each (takes + copy_takes / every) "
                        f"exceed {MAX_SNAPSHOT_LOOKUPS:,} snapshot look-ups")


def check_scenario(data: DataProtection, scenario: str, n_disasters: Any, engine: str = "fast", *,
                   contention: bool = True, field: str = "n_disasters") -> int:
    """Refuse one scenario of one role that would not fit the limits; returns ``n_disasters``.

    ``scenario`` is a normalised name (``"region_loss"`` …); ``field`` names the disaster count
    in the messages (``"--disasters"`` from the CLI).

    Examples
    --------
    >>> from hadr_model.topology.dataprotection import parse_data
    >>> data = parse_data({"db": {"size": "1TB", "databases": {"count": 5_000}}})["db"]
    >>> check_scenario(data, "region_loss", 200_000)
    200000
    >>> check_scenario(data, "region_loss", 200_001)
    Traceback (most recent call last):
    ...
    hadr_model.errors.SpecError: n_disasters: got 200001; expected at most 200,000 disasters for data.db: ...
    """
    n = _check_count(n_disasters, field)
    _check_databases(data)
    restores = _restores(data, scenario, contention)
    jobs = n * restores
    if jobs > MAX_RESTORE_JOBS[engine]:
        raise SpecError(field, n, f"at most {MAX_RESTORE_JOBS[engine] // restores:,} disasters for data.{data.role}: "
                        f"{n:,} disasters × {restores:,} databases = {jobs:.3g} restore jobs exceed "
                        f"{MAX_RESTORE_JOBS[engine]:,} with the {engine} engine")
    _check_snapshots(data, n, engine, field)
    _check_memory(n, OUTCOME_BYTES + RUN_BYTES[engine], "one scenario's outcomes and working arrays", field)
    return n


def _check_memory(n: int, per_disaster: float, what: str, field: str) -> None:
    if n * per_disaster > MEMORY_BUDGET:
        raise SpecError(field, n, f"at most {int(MEMORY_BUDGET // per_disaster):,} disasters for this spec: "
                        f"{n:,} disasters × {per_disaster:.0f} bytes ({what}) = {_gib(n * per_disaster)} "
                        f"exceed the {_gib(MEMORY_BUDGET)} memory budget")


def _recovery_plans(model: Any) -> int:
    """Distinct recovery plans of the regions that fail over (each has its own RTO samples)."""
    return len({text_key(model.recovery_of(r)) for r in model.regions if r.fails_over_to})


_TEXT_KEYS: dict[int, tuple[Any, str]] = {}
_TEXT_KEYS_SIZE = 256


def text_key(value: Any) -> str:
    """``repr(value)``, computed once per object: the cache key of an immutable spec part.

    A sweep point re-reads the same parsed sections (they are cached by the spec reader), and
    the repr of a recovery plan or a data section costs ~0.1 ms. The object is kept with its
    text, so its ``id`` cannot be reused while the entry lives.
    """
    entry = _TEXT_KEYS.get(id(value))
    if entry is not None and entry[0] is value:
        return entry[1]
    text = repr(value)
    if len(_TEXT_KEYS) >= _TEXT_KEYS_SIZE:
        _TEXT_KEYS.pop(next(iter(_TEXT_KEYS)))
    _TEXT_KEYS[id(value)] = (value, text)
    return text


def check_disasters(model: Any, n_disasters: Any, scenarios: Iterable[str] = (), engine: str = "fast", *,
                    failover: bool = False, held: int = 0, field: str = "n_disasters") -> int:
    """Refuse a DR computation of a topology that would not fit the limits; returns ``n_disasters``.

    Parameters
    ----------
    model : Topology
        The spec (its ``data`` roles and recovery plans size the arrays).
    n_disasters : int
        Disasters per scenario and role.
    scenarios : iterable of str
        Normalised scenario names simulated for every stateful role, their results all held.
    engine : {"fast", "simpy"}
        Engine of those scenarios (the failover RTO samples always use the fast path).
    failover : bool
        Also the failover costs (RTO samples of each recovery plan), computed after the scenarios.
    held : int
        Results of other calls already held (e.g. the scenarios when the costs come next).
    field : str
        The name of the disaster count in the messages.
    """
    n = _check_count(n_disasters, field)
    names = list(scenarios)
    for data in _roles(model):
        for name in names:
            check_scenario(data, name, n, engine, field=field)
        if failover:
            check_scenario(data, "region_loss", n, "fast", field=field)
    per_disaster, what = _per_disaster(model, names, engine, failover=failover, held=held)
    _check_memory(n, per_disaster, what, field)
    return n


def _roles(model: Any) -> list[DataProtection]:
    return list((getattr(model, "data", None) or {}).values())


def bytes_per_disaster(model: Any, scenarios: Iterable[str] = (), engine: str = "fast", *,
                       failover: bool = False, held: int = 0) -> float:
    """Bytes per disaster at the peak of the computation :func:`check_disasters` checks."""
    return _per_disaster(model, list(scenarios), engine, failover=failover, held=held)[0]


def _per_disaster(model: Any, names: list[str], engine: str, *, failover: bool, held: int) -> tuple[float, str]:
    roles = _roles(model)
    results = held + len(names) * len(roles)
    per_disaster = float(OUTCOME_BYTES * results)
    run = RUN_BYTES[engine] if names else 0
    what = f"{results} result(s) of {OUTCOME_BYTES} bytes"
    if failover:
        plans = _recovery_plans(model)
        # Each plan's samples are kept; one plan is built from an array per role plus two.
        per_disaster += _RTO_SAMPLE_BYTES * (plans + len(roles) + 2)
        run = max(run, RUN_BYTES["fast"] + OUTCOME_BYTES)
        what += f", RTO samples of {plans} recovery plan(s)"
    return per_disaster + run, f"{what}, and working arrays"
