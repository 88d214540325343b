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

Warm kernels (``warm_kernel=True``): each worker process keeps one kernel alive between its
points instead of starting one per point (about 0.6 s each) and importing the toolkit again
(about 0.9 s). Before each point the kernel's namespace is reset (``%reset -f``) and its
working directory set, so no variable of one point is seen by the next; imported modules stay
loaded — that is the saving, and the price: a notebook that changes module state (a global
setting of a library) would see the previous point's change. Any failure discards the kernel.

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

__all__ = ["DEAD_KERNEL_RETRIES", "NotebookTask", "notebook_parameters", "release_warm_kernel", "run_notebook_point"]

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
    warm_kernel: bool = False

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

    if task.warm_kernel:
        _WARM.execute(task, point, output, results)
        return
    papermill.execute_notebook(
        task.notebook, str(output), parameters=task.papermill_parameters(point, results),
        kernel_name="python3", progress_bar=False, log_output=False,
        execution_timeout=task.timeout, config=_kernel_config(),
        # The notebook is saved by then: kill the kernel rather than wait for a polite exit.
        shutdown_kernel="immediate",
        # The kernel's working directory, set per kernel: papermill's cwd= is process-wide.
        resources={"metadata": {"path": task.points_dir}},
    )


class _WarmKernel:
    """The one kernel this process keeps alive between notebook points."""

    def __init__(self) -> None:
        self.manager: Any = None

    def execute(self, task: NotebookTask, point: Point, output: Path, results: Path) -> None:
        import papermill

        _register_warm_engine()
        try:
            self._ensure_kernel(task.points_dir)
            papermill.execute_notebook(
                _with_reset_cell(task.notebook, task.points_dir), str(output),
                parameters=task.papermill_parameters(point, results), kernel_name="python3", progress_bar=False,
                log_output=False, execution_timeout=task.timeout, engine_name=_WARM_ENGINE, km=self.manager)
        except BaseException:
            self.release()   # a failed point may leave the kernel busy or broken: start afresh
            raise

    def _ensure_kernel(self, directory: str) -> None:
        if self.manager is not None and self.manager.is_alive():
            return
        self.release()
        from jupyter_client.manager import KernelManager

        self.manager = KernelManager(kernel_name="python3", config=_kernel_config())
        self.manager.start_kernel(cwd=directory)

    def release(self) -> None:
        if self.manager is not None:
            try:
                self.manager.shutdown_kernel(now=True)
            except Exception:
                pass
            self.manager = None


def _with_reset_cell(notebook: str, directory: str) -> Any:
    """The notebook with a first cell that clears the warm kernel and enters the points folder.

    The cell stays in the executed notebook, so what ran is what is kept.
    """
    import nbformat

    node = nbformat.read(notebook, as_version=4)
    source = (f"# hadr sweep: a warm kernel, reset for this point\n"
              f"get_ipython().run_line_magic('reset', '-f')\n"
              f"import os as _os\n_os.chdir({directory!r})\ndel _os")
    node.cells.insert(0, nbformat.v4.new_code_cell(source, metadata={"tags": ["hadr-warm-kernel-reset"]}))
    return node


_WARM = _WarmKernel()
_WARM_ENGINE = "hadr-warm-kernel"


def release_warm_kernel() -> None:
    """Shut down this process's warm kernel, if any (the runner calls it when a sweep ends)."""
    _WARM.release()


def _register_warm_engine() -> None:
    from papermill.engines import NBClientEngine, papermill_engines

    if _WARM_ENGINE in papermill_engines._engines:
        return

    class WarmKernelEngine(NBClientEngine):
        """papermill's nbclient engine on a kernel it does not own: the kernel outlives the run."""

        @classmethod
        def execute_managed_notebook(cls, nb_man: Any, kernel_name: str, **kwargs: Any) -> Any:
            from papermill.clientwrap import PapermillNotebookClient

            timeout = kwargs.pop("execution_timeout", None)
            kwargs.pop("input_path", None)
            client = PapermillNotebookClient(nb_man, kernel_name=kernel_name, timeout=timeout,
                                             startup_timeout=kwargs.pop("start_timeout", 60), **kwargs)
            try:
                return client.execute()
            finally:
                if client.kc is not None:   # the client is ours to close; the kernel is not
                    client.kc.stop_channels()

    papermill_engines.register(_WARM_ENGINE, WarmKernelEngine)
    import atexit
    import multiprocessing.util

    atexit.register(release_warm_kernel)
    # Pool workers leave through os._exit, which skips atexit but runs these finalizers.
    multiprocessing.util.Finalize(_WARM, release_warm_kernel, exitpriority=10)


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
