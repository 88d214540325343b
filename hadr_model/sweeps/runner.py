"""Run a sweep: check the grid against the spec and the target, run the points, keep the table.

Examples
--------
>>> grid = {"parameters": {"roles.invoker.per_zone": [8, 10]}}
>>> table = run_sweep(grid, function="availability")
>>> table[["roles.invoker.per_zone", "status"]].to_dict("records")
[{'roles.invoker.per_zone': 8, 'status': 'ok'}, {'roles.invoker.per_zone': 10, 'status': 'ok'}]
"""

from __future__ import annotations

import hashlib
import sys
import tempfile
from collections import deque
from collections.abc import Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
from tqdm import tqdm

from ..errors import SpecError
from ..topology.paths import check_path, parse_path, with_values
from ..topology.spec import default_spec_path, load_spec, parse_spec, read_yaml
from .executors import make_executor
from .functions import SweepFunction, function_name, function_options, resolve_function
from .grid import Axis, Grid, load_grid
from .notebook import NotebookTask, notebook_parameters, release_warm_kernel
from .points import Point, canonical_json, make_points
from .store import SweepStore, check_directory
from .tasks import FunctionTask, batches, run_chunk

__all__ = ["SweepPlan", "plan_sweep", "run_sweep"]

MAX_WORKER_DEATHS = 2


@dataclass(frozen=True)
class SweepPlan:
    """A checked sweep: its points, the task template and the manifest (with the grid hash)."""

    grid: Grid
    points: list[Point]
    mode: str
    target: str
    spec_path: Path
    base: dict[str, Any]
    option_names: tuple[str, ...]
    options: dict[str, Any]
    spec_options: dict[str, Any]
    manifest: dict[str, Any]
    function: SweepFunction | None = None
    notebook_parameters: tuple[str, ...] = ()


class _Bar(tqdm):
    monitor_interval = 0   # no monitor thread: worker processes are forked after the bar exists


def _load_base(grid: Grid) -> tuple[Path, dict[str, Any]]:
    path = grid.spec or default_spec_path()
    if grid.spec is not None and not path.is_file():
        raise SpecError("spec", str(path), "an existing spec file (a relative path is relative to the grid file)",
                        file=grid.source)
    load_spec(path)   # full check with file and line numbers before any point runs
    return path, read_yaml(path.read_text(encoding="utf-8"), str(path))


def _target_names(function: str | SweepFunction | None, notebook: str | Path | None
                  ) -> tuple[str, str, SweepFunction | None, tuple[str, ...], str]:
    """Mode, target name, function, option names, and a fingerprint of the target's code."""
    if (function is None) == (notebook is None):
        raise SpecError("", SpecError.NO_VALUE, "either a function or a notebook to run at each point, not both")
    if function is not None:
        resolved = resolve_function(function)
        return "function", function_name(function), resolved, tuple(function_options(resolved)), ""
    assert notebook is not None, "exactly one of function and notebook is given (checked above)"
    path = Path(notebook).resolve()
    names = tuple(notebook_parameters(path))
    import nbformat

    cells = nbformat.read(str(path), as_version=4).cells
    code = "\n".join(cell.source for cell in cells if cell.cell_type == "code")
    return "notebook", str(path), None, names, hashlib.sha256(code.encode()).hexdigest()[:16]


def _classify(name: str, field: str, base: Mapping[str, Any], options: Sequence[str], mode: str) -> bool:
    """True for a target option, False for a spec path; unknown names raise SpecError."""
    if name in options and name not in ("overrides", "results_path", "spec_path", "seed"):
        return True
    try:
        check_path(base, name)
    except SpecError as error:
        kind = "function" if mode == "function" else "notebook"
        known = ", ".join(n for n in options if n not in ("overrides", "results_path")) or "none"
        raise SpecError(field, name, f"{error.expected}; nor is it an option of the {kind} ({known})") from None
    if mode == "notebook" and "overrides" not in options:
        raise SpecError(field, name, "a parameter of the notebook; spec paths need an 'overrides' "
                        "parameter in the notebook, and it has none")
    return False


def _values_to_check(axis: Axis) -> list[Any]:
    """Every listed value; a range by its two ends (spec bounds are intervals, so the inside passes)."""
    if axis.values is not None:
        return list(axis.values)
    low, high = axis.at(0.0), axis.at(0.999999999999)
    return [low] if low == high else [low, high]


def _check_value(base: dict[str, Any], name: str, value: Any, field: str) -> None:
    try:
        parse_spec(with_values(base, {name: value}))
    except SpecError as error:
        where = f"{error.field}: " if error.field and error.field != name else ""
        raise SpecError(field, value, f"a value the spec accepts ({where}expected {error.expected})") from None


def _check_names_and_values(grid: Grid, base: dict[str, Any], options: Sequence[str], mode: str
                            ) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any], list[str]]:
    """Classify every grid name as a target option or a spec path, and apply each spec value.

    Returns the base spec with the fixed spec options applied, the target options, the fixed
    spec options and the names of swept target options.
    """
    option_values, spec_options = {}, {}
    for name, value in grid.options.items():
        if _classify(name, f"options.{name}", base, options, mode):
            option_values[name] = value
        else:
            _check_value(base, name, value, f"options.{name}")
            spec_options[name] = value
    # Function mode runs on this base; notebook mode gets the same through fixed_overrides.
    base = with_values(base, spec_options)
    option_names = []
    for axis in grid.axes:
        field = f"parameters.{axis.name}"
        if _classify(axis.name, field, base, options, mode):
            option_names.append(axis.name)
            continue
        for value in _values_to_check(axis):
            _check_value(base, axis.name, value, field)
    return base, option_values, spec_options, option_names


def _is_duration_field(base: dict[str, Any], name: str, value: Any) -> bool:
    """Whether the spec reads ``name`` (with ``value`` applied) as a duration (hours)."""
    from ..topology import schema

    path = parse_path(name)
    for site in schema.walk(with_values(base, {name: value})):
        if site.path == path:
            node = site.node
            return (isinstance(node, schema.Law) and node.unit == "h") or \
                (isinstance(node, schema.Scalar) and node.kind == "duration")
    return False


def _duration_parameters(grid: Grid, base: dict[str, Any], option_names: Sequence[str]) -> list[str]:
    """Listed spec parameters whose values are durations written with a unit (``[15m, 1h]``).

    Their table columns hold hours (numbers sort and plot in order: 15m < 30m < 1h), with the
    text as written beside them in ``<name>_text`` (:func:`~hadr_model.sweeps.store.rows_to_frame`).
    Ranges are hours already; a list holding a law mapping stays as written.
    """
    names = []
    for axis in grid.axes:
        if axis.values is None or axis.name in option_names:
            continue
        texts = [v for v in axis.values if isinstance(v, str)]
        plain = all(isinstance(v, str) or (isinstance(v, (int, float)) and not isinstance(v, bool))
                    for v in axis.values)
        if texts and plain and _is_duration_field(base, axis.name, texts[0]):
            names.append(axis.name)
    return names


def plan_sweep(grid: Grid | str | Path | Mapping[str, Any], *, function: str | SweepFunction | None = None,
               notebook: str | Path | None = None, seed: int = 0) -> SweepPlan:
    """Check a grid against its spec and target; list its points.

    Every name must be a path into the spec or an option of the target. Every listed value of
    a spec path, and both ends of every range, is applied to the spec and parsed, so a bad
    value fails here — naming the parameter — before anything runs. (Combinations are not
    all checked: a combination the spec rejects, e.g. a k-of-n above the new instance count,
    is recorded as a failed point; so is an option value the function rejects.)

    Raises
    ------
    SpecError
        Naming the grid field.
    """
    grid = load_grid(grid)
    mode, target, resolved, options, fingerprint = _target_names(function, notebook)
    spec_path, base = _load_base(grid)
    try:
        base, option_values, spec_options, option_names = _check_names_and_values(grid, base, options, mode)
    except SpecError as error:
        # These name grid fields: say which grid (an error about the spec keeps the spec's name).
        raise error.located(grid.source) from None
    points = make_points(grid.values(seed), seed)
    description = {"grid": grid.describe(), "spec": canonical_json(base), "mode": mode, "seed": seed,
                   "target": target if mode == "function" else Path(target).name, "code": fingerprint}
    grid_hash = hashlib.sha256(canonical_json(description).encode()).hexdigest()[:16]
    manifest = {"grid_hash": grid_hash, "mode": mode, "target": target, "seed": seed, "points": len(points),
                "parameters": list(grid.names), "spec": str(spec_path), "grid": grid.source,
                "duration_parameters": _duration_parameters(grid, base, option_names)}
    return SweepPlan(grid=grid, points=points, mode=mode, target=target, spec_path=spec_path, base=base,
                     option_names=tuple(option_names), options=option_values, spec_options=spec_options,
                     manifest=manifest, function=resolved, notebook_parameters=options)


def _task(plan: SweepPlan, directory: Path, timeout: float | None, function: Any, warm_kernel: bool = False) -> Any:
    if plan.mode == "function":
        assert plan.function is not None, "a function sweep's plan holds its resolved function"
        # Built-ins travel by name; a callable is pickled by reference (module and name).
        return FunctionTask(function=function if isinstance(function, str) else plan.function,
                            base=plan.base, options=plan.options, option_names=plan.option_names,
                            timeout=timeout, source=str(plan.spec_path))
    points_dir = directory / "points"
    points_dir.mkdir(exist_ok=True)
    options = dict(plan.options)
    return NotebookTask(notebook=plan.target, points_dir=str(points_dir.resolve()),
                        parameters=plan.notebook_parameters, options=options, timeout=timeout,
                        spec_path="" if plan.grid.spec is None else str(plan.spec_path),
                        fixed_overrides=plan.spec_options, warm_kernel=warm_kernel)


def _chunks(points: Sequence[Point], task: Any, slots: int, inline: bool) -> deque[list[Point]]:
    # Big enough to amortise task overhead (and to fill a batch function's vectorised pass),
    # small enough that a kill loses little and every worker stays busy to the end. In this
    # process, without a batch form, one point at a time: an interrupt loses no finished point.
    one_by_one = isinstance(task, NotebookTask) or (inline and not batches(task))
    size = 1 if one_by_one else max(1, min(64, len(points) // (slots * 8)))
    return deque(list(points[i:i + size]) for i in range(0, len(points), size))


def _failed(points: Sequence[Point], error: BaseException | str, attempts: int = 1) -> list[dict[str, Any]]:
    text = error if isinstance(error, str) else f"{error.__class__.__name__}: {error}"
    return [{"index": p.index, "point_id": p.point_id, "seed": p.seed, "parameters": p.values, "results": {},
             "status": "error", "error": text, "seconds": 0.0, "attempts": attempts} for p in points]


def _execute(task: Any, pending: list[Point], executor: Any, store: SweepStore, bar: tqdm, mode: str) -> None:
    queue = _chunks(pending, task, executor.slots, executor.kind == "inline")
    deaths: dict[str, int] = {}
    in_flight: dict[Future, list[Point]] = {}
    while queue or in_flight:
        while queue and len(in_flight) < executor.slots:
            chunk = queue.popleft()
            in_flight[executor.submit(run_chunk, task, chunk)] = chunk
        done, _ = wait(list(in_flight), return_when=FIRST_COMPLETED)
        broken = False
        for future in done:
            chunk = in_flight.pop(future)
            try:
                rows = future.result()
            except BrokenProcessPool:
                broken = True
                rows = _requeue(chunk, deaths, queue)
            except Exception as error:
                rows = _failed(chunk, error)
            _record(store, bar, rows)
        if broken:
            # Every task in flight died with the pool: run them again, one point per task.
            for chunk in in_flight.values():
                _record(store, bar, _requeue(chunk, deaths, queue))
            in_flight.clear()
            executor.restart()


def _requeue(chunk: list[Point], deaths: dict[str, int], queue: deque[list[Point]]) -> list[dict[str, Any]]:
    """Queue points again after their worker process died; give up on a point after repeated deaths."""
    given_up = []
    for point in chunk:
        deaths[point.point_id] = deaths.get(point.point_id, 0) + 1
        if deaths[point.point_id] > MAX_WORKER_DEATHS:
            given_up.append(point)
        else:
            queue.append([point])
    return _failed(given_up, "BrokenProcessPool: the worker process died running this point",
                   attempts=MAX_WORKER_DEATHS + 1)


def _record(store: SweepStore, bar: tqdm, rows: list[dict[str, Any]]) -> None:
    if not rows:
        return
    store.append(rows)
    if not bar.disable:
        failed = store.failed   # counted as rows are journaled: a sum over all records per chunk was O(points²)
        bar.set_postfix_str(f"{len(store.records) - failed} ok, {failed} failed", refresh=False)
        bar.update(len(rows))


def _summary(frame: pd.DataFrame, ran: int) -> dict[str, int]:
    status = frame["status"] if len(frame) else pd.Series([], dtype=object)
    return {"points": len(frame), "ok": int((status == "ok").sum()), "failed": int((status != "ok").sum()),
            "timeout": int((status == "timeout").sum()), "ran": ran, "resumed": len(frame) - ran}


def _check_options(workers: int, timeout: float | None, seed: int, scheduler: str | None = None) -> None:
    if scheduler is not None:
        from ..cluster import check_reachable

        # Before anything is planned or written: a refused or silent address fails within seconds.
        check_reachable(scheduler, "scheduler")
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise SpecError("workers", workers, "a whole number of workers, at least 1")
    if timeout is not None and (isinstance(timeout, bool) or not isinstance(timeout, (int, float))
                                or not timeout > 0):
        raise SpecError("timeout", timeout, "a number of seconds more than 0")
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise SpecError("seed", seed, "a non-negative whole number")


def run_sweep(grid_or_path: Grid | str | Path | Mapping[str, Any], *, function: str | SweepFunction | None = None,
              notebook: str | Path | None = None, out: str | Path | None = None, workers: int = 1,
              scheduler: str | None = None, resume: bool = False, seed: int = 0, timeout: float | None = None,
              progress: bool = False, csv: bool = False, warm_kernel: bool = False) -> pd.DataFrame:
    """Run a parameter sweep and return its table (one row per point).

    Parameters
    ----------
    grid_or_path : Grid, path or mapping
        The grid (see :mod:`hadr_model.sweeps.grid` for the format).
    function : str or callable, optional
        Function mode: a name in :data:`~hadr_model.sweeps.functions.FUNCTIONS`,
        ``"module:callable"``, or a callable ``f(model, *, seed, **options) -> mapping``.
    notebook : path, optional
        Notebook mode: a notebook with a ``parameters`` cell that writes ``results_path``.
    out : path, optional
        Sweep directory (journal, ``results.parquet``, executed notebooks). ``None``: a
        temporary directory, removed afterwards.
    workers : int
        Local worker processes (1: run in this process).
    scheduler : str, optional
        Address of a Dask scheduler (``tcp://host:8786``); ``workers`` is then ignored. Probed
        before anything is planned or written: a malformed address, a refused port or a server
        that stays silent for 5 s is a SpecError (field ``scheduler``). Workers that die on every
        retry of a task (``distributed.KilledWorker``) record its points as failed.
    resume : bool
        Finish an interrupted sweep in ``out``: only points missing from its journal run.
    seed : int
        Sweep seed: every point gets its own seed from it and its id, so the same seed gives
        the same table for any number of workers (``seconds`` apart).
    timeout : float, optional
        Seconds per point (notebook mode: per cell). Enforced in every mode: by ``SIGALRM``
        in a process's main thread, in a helper process per thread on Dask
        (:mod:`~hadr_model.sweeps.isolated`), by the kernel client in notebook mode (warm
        kernels too). A point past it is recorded with status ``timeout``.
    progress : bool
        Show a tqdm progress bar with ETA on stderr.
    csv : bool
        Also write ``results.csv``.
    warm_kernel : bool
        Notebook mode: keep one kernel per worker between points, reset before each point
        (see :mod:`hadr_model.sweeps.notebook`), instead of a fresh kernel per point.

    Returns
    -------
    pandas.DataFrame
        ``index, point_id, seed``, the parameters, the results, ``status`` (``ok``,
        ``error``, ``timeout``), ``error``, ``seconds``, ``attempts`` (and ``notebook``).
        ``attrs["summary"]`` counts points ok / failed / run now / resumed.

    Raises
    ------
    SpecError
        Bad grid, names or values, or an unusable ``scheduler`` (before anything runs).
    SweepError
        ``out`` is a file, holds another sweep, corrupt or foreign files, or this sweep without
        ``resume``; or another sweep process is using ``out`` now (its lock, ``out/.sweep.lock``).

    Examples
    --------
    >>> grid = {"parameters": {"zone.mttr": {"low": "2h", "high": "16h", "num": 3, "scale": "log"}}}
    >>> run_sweep(grid, function="availability")["zone.mttr"].round(3).tolist()
    [2.0, 5.657, 16.0]
    """
    _check_options(workers, timeout, seed, scheduler)
    if out is not None:
        check_directory(out)   # a file given as --out fails before the grid is planned
    plan = plan_sweep(grid_or_path, function=function, notebook=notebook, seed=seed)
    if out is None:
        with tempfile.TemporaryDirectory(prefix="hadr-sweep-") as directory:
            return _run(plan, Path(directory), function, workers, scheduler, False, timeout, progress, csv,
                        warm_kernel)
    return _run(plan, Path(out), function, workers, scheduler, resume, timeout, progress, csv, warm_kernel)


def _run(plan: SweepPlan, directory: Path, function: Any, workers: int, scheduler: str | None, resume: bool,
         timeout: float | None, progress: bool, csv: bool, warm_kernel: bool = False) -> pd.DataFrame:
    expected = {p.point_id: p.index for p in plan.points}
    store = SweepStore.open(directory, plan.manifest, resume=resume, expected=expected)
    try:
        pending = [p for p in plan.points if p.point_id not in store.records]
        task = _task(plan, directory, timeout, function, warm_kernel)
        clean_start = warm_kernel and plan.mode == "notebook"
        with make_executor(workers, scheduler, clean_start=clean_start) as executor, _Bar(
                total=len(plan.points), initial=len(plan.points) - len(pending), unit="pt", desc="sweep",
                disable=not progress, file=sys.stderr, dynamic_ncols=True) as bar:
            _execute(task, pending, executor, store, bar, plan.mode)
        frame = store.write_table(csv=csv)
    finally:
        store.close()
        release_warm_kernel()   # the in-process worker's kernel (pool workers release their own)
    frame.attrs["summary"] = _summary(frame, len(pending))
    frame.attrs["directory"] = str(directory)
    return frame
