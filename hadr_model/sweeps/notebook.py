"""Notebook mode: execute a parameterised notebook with papermill, one run per point.

The notebook gets, as papermill parameters, the swept names that are its own parameters,
and in ``overrides`` (a dict) the swept dotted spec paths; ``spec_path``, ``seed`` and
``results_path`` when it declares them. It must write a JSON object to ``results_path``;
its scalar members become the result columns (scrapbook is not used: it is broken on
pandas 3). Each executed notebook is kept under ``DIR/points/``.

Failures are recorded, not raised: a raising cell (``PapermillExecutionError``) and a cell
timeout (``nbclient.exceptions.CellTimeoutError``) are final; a dead kernel
(``DeadKernelError``, or a kernel that died while starting) is retried up to twice, since
it is usually transient (memory, start-up race).

Examples
--------
>>> sorted(notebook_parameters(Path("notebooks/sweep_point.ipynb")))  # doctest: +SKIP
['function', 'options', 'overrides', 'results_path', 'seed', 'spec_path']
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import SpecError
from .points import Point

__all__ = ["DEAD_KERNEL_RETRIES", "NotebookTask", "notebook_parameters", "run_notebook_point"]

DEAD_KERNEL_RETRIES = 2
_RESERVED = ("overrides", "spec_path", "seed", "results_path")


def notebook_parameters(path: Path) -> dict[str, dict[str, Any]]:
    """The parameters a notebook declares in its ``parameters`` cell (papermill's inference).

    Raises
    ------
    SpecError
        When the notebook is missing, unreadable, or has no ``results_path`` parameter.
    """
    import papermill

    if not path.is_file():
        raise SpecError("notebook", str(path), "an existing notebook file")
    try:
        parameters = dict(papermill.inspect_notebook(str(path)))
    except Exception as error:
        raise SpecError("notebook", str(path), f"a readable notebook ({error.__class__.__name__}: {error})") from None
    if "results_path" not in parameters:
        raise SpecError("notebook", str(path), "a notebook with a 'results_path' parameter in its 'parameters' "
                        "cell (it must write its results there as JSON)")
    return parameters


def _kernel_config() -> Any:
    """Quiet the per-start 'running over TCP without encryption' warning when jupyter_client can."""
    from jupyter_client.manager import KernelManager
    from traitlets.config import Config

    if "transport_encryption" in KernelManager.class_trait_names():
        return Config({"KernelManager": {"transport_encryption": "auto"}})
    return Config()


@dataclass(frozen=True)
class NotebookTask:
    """Everything a worker needs to run points of one notebook sweep (picklable)."""

    notebook: str
    points_dir: str
    parameters: tuple[str, ...]
    spec_path: str = ""
    options: dict[str, Any] = field(default_factory=dict)
    timeout: float | None = None
    fixed_overrides: dict[str, Any] = field(default_factory=dict)

    def papermill_parameters(self, point: Point, results_path: Path) -> dict[str, Any]:
        params = dict(self.options)
        overrides = dict(self.fixed_overrides)
        for name, value in point.values.items():
            if name in self.parameters and name not in _RESERVED:
                params[name] = value
            else:
                overrides[name] = value
        extra = {"overrides": overrides, "spec_path": self.spec_path, "seed": point.seed,
                 "results_path": str(results_path)}
        params |= {k: v for k, v in extra.items() if k in self.parameters and (k != "overrides" or overrides)}
        return params


def _execute(task: NotebookTask, point: Point, output: Path, results: Path) -> None:
    import papermill

    papermill.execute_notebook(
        task.notebook, str(output), parameters=task.papermill_parameters(point, results),
        kernel_name="python3", progress_bar=False, log_output=False,
        execution_timeout=task.timeout, config=_kernel_config(),
        # The notebook is saved by then: kill the kernel rather than wait for a polite exit.
        shutdown_kernel="immediate",
        # The kernel's working directory, set per kernel: papermill's cwd= is process-wide.
        resources={"metadata": {"path": task.points_dir}},
    )


def _is_dead_kernel(error: BaseException) -> bool:
    from nbclient.exceptions import DeadKernelError

    return isinstance(error, DeadKernelError) or (
        isinstance(error, RuntimeError) and "kernel died" in str(error).lower())


def run_notebook_point(task: NotebookTask, point: Point) -> dict[str, Any]:
    """Run one point's notebook; return its journal record (never raises on a model failure)."""
    from nbclient.exceptions import CellTimeoutError
    from papermill.exceptions import PapermillExecutionError

    stem = f"{point.index:06d}-{point.point_id}"
    points_dir = Path(task.points_dir)
    output, results = points_dir / f"{stem}.ipynb", points_dir / f"{stem}.json"
    results.unlink(missing_ok=True)   # a stale file from a killed run must not pass for this one
    status, error, values, attempts = "ok", None, {}, 0
    start = time.perf_counter()
    while True:
        attempts += 1
        try:
            _execute(task, point, output, results)
            values = _read_results(results)
        except PapermillExecutionError as failure:
            status, error = "error", f"{failure.ename}: {failure.evalue}"
        except CellTimeoutError as failure:
            status, error = "timeout", f"CellTimeoutError: {str(failure).splitlines()[0]}"
        except Exception as failure:
            if _is_dead_kernel(failure) and attempts <= DEAD_KERNEL_RETRIES:
                continue
            status, error = "error", f"{failure.__class__.__name__}: {failure}"
        break
    return {"index": point.index, "point_id": point.point_id, "seed": point.seed, "parameters": point.values,
            "results": values, "status": status, "error": error, "seconds": time.perf_counter() - start,
            "attempts": attempts, "notebook": f"points/{stem}.ipynb"}


def _read_results(path: Path) -> dict[str, Any]:
    from .functions import flat_results

    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise RuntimeError(f"the notebook did not write its results file {path.name}") from None
    except (OSError, ValueError) as error:
        raise RuntimeError(f"unreadable results file {path.name}: {error}") from None
    if not isinstance(raw, dict):
        raise RuntimeError(f"results file {path.name} holds {type(raw).__name__}, expected a JSON object")
    return flat_results(raw)
