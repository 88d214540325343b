"""What a worker runs: a chunk of points of one function or notebook sweep.

Everything here is picklable and importable by name, so it runs the same in this process,
in a local process pool and on a Dask worker. A point never raises: its failure is part of
its record. A function point's timeout is enforced by ``SIGALRM`` in a main thread; in other
threads (a Dask worker's) such points run in a helper process (:mod:`.isolated`).

Examples
--------
>>> from hadr_model.topology.spec import default_spec_path, read_yaml
>>> from hadr_model.sweeps.points import make_points
>>> task = FunctionTask("availability", read_yaml(default_spec_path().read_text()))
>>> [row["status"] for row in run_chunk(task, make_points([{"zone.mttr": 4.0}, {"zone.mttr": -1}]))]
['ok', 'error']
"""

from __future__ import annotations

import contextlib
import gc
import signal
import threading
import time
from collections import OrderedDict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..topology.paths import with_values
from ..topology.spec import parse_spec
from .functions import SweepFunction, clean_value, resolve_function
from .notebook import NotebookTask, run_notebook_point
from .points import Point, canonical_json

__all__ = ["FunctionTask", "PointTimeout", "batches", "run_batch", "run_chunk", "run_function_point"]

_MODEL_CACHE_SIZE = 32
_models: OrderedDict[str, Any] = OrderedDict()


class PointTimeout(BaseException):
    """Raised in a point that ran past its timeout (a BaseException, so ``except Exception`` in
    the model function cannot swallow it)."""


@dataclass(frozen=True)
class FunctionTask:
    """A function sweep: the function, the parsed base spec, fixed options and the timeout."""

    function: str | SweepFunction
    base: dict[str, Any]
    options: dict[str, Any] = field(default_factory=dict)
    option_names: tuple[str, ...] = ()
    timeout: float | None = None
    source: str | None = None


def _alarm_usable() -> bool:
    """SIGALRM can interrupt a point here: POSIX, and this process's main thread."""
    return hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()


@contextlib.contextmanager
def _deadline(seconds: float | None) -> Iterator[bool]:
    """Interrupt the block after ``seconds`` when possible (SIGALRM: main thread, POSIX only).

    Yields whether the deadline is enforced; when it is not (no SIGALRM: Windows), the caller
    checks the elapsed time afterwards instead. (Other threads, such as a Dask worker's, run
    points with a timeout in a helper process instead: :mod:`.isolated`.)
    """
    if seconds is None or not _alarm_usable():
        yield False
        return

    def expire(signum: int, frame: Any) -> None:
        raise PointTimeout(f"point ran longer than {seconds:g} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield True
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _model(task: FunctionTask, spec_values: dict[str, Any]) -> Any:
    """The model of a point; a small cache skips re-parsing when only options change."""
    key = canonical_json(spec_values)
    if key in _models:
        _models.move_to_end(key)
        return _models[key]
    # Only the containers along each changed path are copied, not the whole spec.
    model = parse_spec(with_values(task.base, spec_values), source=task.source)
    _models[key] = model
    if len(_models) > _MODEL_CACHE_SIZE:
        _models.popitem(last=False)
    return model


def run_function_point(task: FunctionTask, function: SweepFunction, point: Point) -> dict[str, Any]:
    """Call the function on one point; return the point's journal record."""
    options, spec_values = _split(task, point)
    status, error, results = "ok", None, {}
    start = time.perf_counter()
    try:
        with _deadline(task.timeout) as enforced:
            model = _model(task, spec_values)
            raw = function(model, seed=point.seed, **options)
        if not hasattr(raw, "items"):
            raise TypeError(f"the sweep function returned {type(raw).__name__}, expected a mapping")
        results = {str(k): clean_value(v) for k, v in raw.items()}
        if not enforced and task.timeout is not None and time.perf_counter() - start > task.timeout:
            status, error, results = "timeout", f"PointTimeout: point ran longer than {task.timeout:g} s", {}
    except PointTimeout as failure:
        status, error = "timeout", f"PointTimeout: {failure}"
    except Exception as failure:
        status, error = "error", f"{failure.__class__.__name__}: {failure}"
    return _record(point, status, error, results, time.perf_counter() - start)


def _record(point: Point, status: str, error: str | None, results: dict[str, Any], seconds: float
            ) -> dict[str, Any]:
    return {"index": point.index, "point_id": point.point_id, "seed": point.seed, "parameters": point.values,
            "results": results, "status": status, "error": error, "seconds": seconds, "attempts": 1}


def _split(task: FunctionTask, point: Point) -> tuple[dict[str, Any], dict[str, Any]]:
    """A point's values as (function options, spec values)."""
    options = dict(task.options)
    spec_values: dict[str, Any] = {}
    for name, value in point.values.items():
        (options if name in task.option_names else spec_values)[name] = value
    return options, spec_values


def run_batch(task: FunctionTask, function: SweepFunction, points: Sequence[Point]) -> list[dict[str, Any]]:
    """Run points through the function's ``batch`` form: one call per set of equal options.

    Each point's model is parsed on its own (a bad value fails that point only); the batch
    call's time is shared equally among its points. Should the batch call fail, its points run
    one by one, so each failure is recorded against its own point.
    """
    batch = function.batch   # type: ignore[attr-defined]
    records: dict[int, dict[str, Any]] = {}
    groups: dict[str, list[tuple[Point, Any, float]]] = {}
    options_of: dict[str, dict[str, Any]] = {}
    for point in points:
        options, spec_values = _split(task, point)
        start = time.perf_counter()
        try:
            model = _model(task, spec_values)
        except Exception as failure:
            records[point.index] = _record(point, "error", f"{failure.__class__.__name__}: {failure}", {},
                                           time.perf_counter() - start)
            continue
        key = canonical_json(options)
        options_of[key] = options
        groups.setdefault(key, []).append((point, model, time.perf_counter() - start))
    for key, members in groups.items():
        start = time.perf_counter()
        try:
            rows = batch([model for _, model, _ in members], seeds=[point.seed for point, _, _ in members],
                         **options_of[key])
            if len(rows) != len(members) or not all(hasattr(row, "items") for row in rows):
                raise ValueError("the batch did not return one mapping per point")
        except Exception:
            for point, _, _ in members:
                records[point.index] = run_function_point(task, function, point)
            continue
        share = (time.perf_counter() - start) / len(members)
        for (point, _, parse_seconds), raw in zip(members, rows):
            results = {str(k): clean_value(v) for k, v in raw.items()}
            records[point.index] = _record(point, "ok", None, results, parse_seconds + share)
    return [records[point.index] for point in points]


def run_chunk(task: FunctionTask | NotebookTask, points: Sequence[Point]) -> list[dict[str, Any]]:
    """Run a chunk of points; one record per point, in order.

    A function with a ``batch`` form gets the whole chunk at once (:func:`run_batch`), unless
    points have a timeout (enforced per point).
    """
    if isinstance(task, NotebookTask):
        return [run_notebook_point(task, point) for point in points]
    if task.timeout is not None and hasattr(signal, "setitimer") and not _alarm_usable():
        # A worker thread (Dask): no alarm can stop the point here, so it runs where one can.
        from .isolated import run_isolated

        return [run_isolated(task, point) for point in points]
    function = resolve_function(task.function)
    with _collector_paused():
        if len(points) > 1 and batches(task):
            return run_batch(task, function, points)
        return [run_function_point(task, function, point) for point in points]


def batches(task: FunctionTask) -> bool:
    """Whether the task's points run through its function's ``batch`` form (never with a timeout,
    which is enforced per point)."""
    return task.timeout is None and callable(getattr(resolve_function(task.function), "batch", None))


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """No cyclic garbage collection during one chunk.

    Parsing a point allocates thousands of containers, so the collector runs often, and each
    full pass scans everything the sweep holds (journaled records, cached models): a quarter
    of a fast point's time on the default topology. A chunk's cyclic garbage (a model and its
    compiled form refer to each other) waits for the next collection after the chunk instead.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
