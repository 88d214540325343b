"""Notebook mode: execute a parameterised notebook with papermill, one run per point.

The notebook gets, as parameters, the swept names that are its own parameters, and in
``overrides`` (a dict) the swept dotted spec paths; ``spec_path``, ``seed`` and
``results_path`` when it declares them. They arrive as one JSON text decoded in a cell placed
after the notebook's ``parameters`` cell (:func:`parameter_cell`), never as Python literals,
so no grid value can become code. The notebook must write a JSON object to ``results_path``;
its scalar members become the result columns (scrapbook is not used: it is broken on
pandas 3). Each executed notebook is kept under ``DIR/points/``, and the kernels' own output
goes to ``DIR/points/kernels.log``.

Failures are recorded, not raised: a raising cell (``PapermillExecutionError``) and a cell
running past ``timeout`` seconds (``nbclient.exceptions.CellTimeoutError``) are final; a dead
kernel (``DeadKernelError``: the kernel process ended mid-point, or died while starting) is
retried up to :data:`DEAD_KERNEL_RETRIES` times, since it is usually transient (memory,
start-up race). Timeouts and deaths are noticed in both modes because the kernel is driven
through an asynchronous client, which polls for them every second.

Warm kernels (``warm_kernel=True``): each worker process (each thread, on Dask) keeps one
kernel alive between its points instead of starting one per point (about 0.6 s each) and
importing the toolkit again (about 0.9 s). Before each point the kernel's namespace is reset
(``%reset -f``) and its working directory set, so no variable of one point is seen by the
next; imported modules stay loaded — that is the saving, and the price: a notebook that
changes module state (a global setting of a library) would see the previous point's change.
Any failure (an error, a timeout, a dead kernel) discards the kernel: the next point gets a
fresh one.

Examples
--------
>>> sorted(notebook_parameters(Path("notebooks/sweep_point.ipynb")))  # doctest: +SKIP
['function', 'options', 'overrides', 'results_path', 'seed', 'spec_path']
"""

from __future__ import annotations

import contextlib
import json
import keyword
import logging
import math
import os
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import SpecError
from .points import Point

__all__ = ["DEAD_KERNEL_RETRIES", "KERNEL_LOG", "NotebookTask", "notebook_parameters", "parameter_cell",
           "prepared_notebook", "release_warm_kernel", "run_notebook_point"]

DEAD_KERNEL_RETRIES = 2
KERNEL_LOG = "kernels.log"
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


def kernel_config() -> Any:
    """Kernel manager settings for every notebook the package runs (sweeps and ``hadr report``).

    ipykernel ≥ 7.3 warns "Kernel is running over TCP without encryption" on every start over
    TCP without CurveZMQ keys; ``transport_encryption = "auto"`` (jupyter_client ≥ 8.9) has the
    kernel manager provision the keys, which removes the cause rather than hiding the message.
    Older jupyter_client has no such setting (nor its kernels the warning): the config is empty.
    """
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


def parameter_cell(values: dict[str, Any]) -> str:
    """The source of the cell that gives a point its parameters: one JSON text, decoded in the kernel.

    No value is ever written as Python code: the values are encoded as JSON (plain values only,
    see :mod:`.plain`), and the JSON text is one Python string literal made by ``repr`` — the
    language's own round-trip guarantee, not an escaping rule — that ``json.loads`` decodes.
    Only the parameter names, which the notebook's own ``parameters`` cell declares, appear as
    code, and they must be Python identifiers.

    Raises
    ------
    SpecError
        When a name is not a Python identifier.

    Examples
    --------
    >>> print(parameter_cell({"x": 'a"b'}))
    # Parameters (hadr sweep): one JSON text, decoded here; no value is Python code
    import json as _hadr_json
    _hadr_parameters = _hadr_json.loads('{"x":"a\\\\"b"}')
    x = _hadr_parameters['x']
    del _hadr_json, _hadr_parameters
    <BLANKLINE>
    """
    for name in values:
        if not isinstance(name, str) or not name.isidentifier() or keyword.iskeyword(name):
            raise SpecError("notebook", name, "parameter names that are Python identifiers")
    text = json.dumps(values, allow_nan=False, ensure_ascii=True, separators=(",", ":"))
    lines = ["# Parameters (hadr sweep): one JSON text, decoded here; no value is Python code",
             "import json as _hadr_json",
             f"_hadr_parameters = _hadr_json.loads({text!r})",
             *(f"{name} = _hadr_parameters[{name!r}]" for name in values),
             "del _hadr_json, _hadr_parameters"]
    return "\n".join(lines) + "\n"


def prepared_notebook(task: NotebookTask, values: dict[str, Any]) -> Any:
    """The notebook of one point: its parameters cell, then ours (see :func:`parameter_cell`).

    papermill is given no parameters, so its translator — which writes values it does not know
    (bytes, say) between quotes unescaped — never sees them. A warm kernel's reset cell goes
    first. Both cells stay in the executed notebook, so what ran is what is kept.
    """
    import nbformat
    import papermill

    node = nbformat.read(task.notebook, as_version=4)
    # A notebook saved from an earlier papermill run may carry its injected cell: replace it.
    node.cells = [cell for cell in node.cells if "injected-parameters" not in cell.metadata.get("tags", [])]
    index = next((i for i, cell in enumerate(node.cells) if "parameters" in cell.metadata.get("tags", [])), -1)
    injected = nbformat.v4.new_code_cell(parameter_cell(values), metadata={"tags": ["injected-parameters"]})
    node.cells.insert(index + 1, injected)
    if task.warm_kernel:
        node.cells.insert(0, _reset_cell(task.points_dir))
    node.metadata["papermill"] = {"parameters": values, "default_parameters": {}, "environment_variables": {},
                                  "version": papermill.__version__}
    return node


def _reset_cell(directory: str) -> Any:
    """A first cell that clears the warm kernel and enters the points folder."""
    import nbformat

    source = (f"# hadr sweep: a warm kernel, reset for this point\n"
              f"get_ipython().run_line_magic('reset', '-f')\n"
              f"import os as _os\n_os.chdir({directory!r})\ndel _os")
    return nbformat.v4.new_code_cell(source, metadata={"tags": ["hadr-warm-kernel-reset"]})


class _Kernel:
    """A kernel this process started for notebook points (one per point, or kept when warm).

    It is driven through an *asynchronous* client: a blocking client reads output in the event
    loop's thread and waits for it forever, so neither a cell timeout nor a dead kernel was
    ever noticed. The kernel's own stdout and stderr (start-up errors, "parent exited") go to
    ``points/kernels.log`` rather than the terminal.
    """

    def __init__(self) -> None:
        self.manager: Any = None

    def _ensure(self, directory: str) -> Any:
        if self.manager is not None and self.manager.is_alive():
            return self.manager
        self.release()
        from jupyter_client.manager import KernelManager

        manager = KernelManager(kernel_name="python3", config=kernel_config(),
                                client_class="jupyter_client.asynchronous.AsyncKernelClient", **_transport())
        with open(Path(directory) / KERNEL_LOG, "ab") as log:   # the kernel keeps its own copy
            manager.start_kernel(cwd=directory, stdout=log, stderr=log)
        self.manager = manager
        return manager

    def run(self, node: Any, output: Path, task: NotebookTask) -> None:
        import papermill

        _register_engine()
        manager = self._ensure(task.points_dir)
        # papermill formats the output path with its parameters: braces in --out are literal.
        literal = str(output).replace("{", "{{").replace("}", "}}")
        papermill.execute_notebook(node, literal, kernel_name="python3", progress_bar=False, log_output=False,
                                   execution_timeout=task.timeout, engine_name=_ENGINE, km=manager)

    def release(self) -> None:
        if self.manager is not None:
            manager, self.manager = self.manager, None
            try:
                manager.shutdown_kernel(now=True)
            except Exception:
                pass


def _transport() -> dict[str, str]:
    """Where a kernel listens: IPC sockets under a path of its own, on POSIX.

    Over TCP each kernel manager probes for free ports on its own, so two worker processes
    starting kernels at the same moment can pick the same port; the second kernel then fails
    to bind ("Address already in use", seen in CI) and its point waits out the 60 s start-up
    timeout. Socket files named after a path unique to the kernel cannot collide; the kernel
    manager removes them when the kernel shuts down.
    """
    if os.name != "posix":
        return {}
    return {"transport": "ipc", "ip": os.path.join(tempfile.gettempdir(), f"hadr-kernel-{uuid.uuid4().hex[:16]}")}


_ENGINE = "hadr-own-kernel"
_KERNEL_LOGGER = logging.getLogger("hadr_model.sweeps.kernel")
# The client's own log lines ("Kernel died while waiting…") repeat what the point's record
# says; without a handler of its own, Python's last-resort handler would print them.
_KERNEL_LOGGER.addHandler(logging.NullHandler())
_warm = threading.local()


class _Kernels(list[Any]):
    """The warm kernels of this process (a list subclass: Finalize needs a weak reference)."""


_warm_kernels = _Kernels()
_lock = threading.Lock()


def _warm_kernel() -> _Kernel:
    """This thread's warm kernel (threads of a Dask worker each keep their own)."""
    kernel = getattr(_warm, "kernel", None)
    if kernel is None:
        kernel = _warm.kernel = _Kernel()
        with _lock:
            if not _warm_kernels:
                import atexit
                import multiprocessing.util

                atexit.register(_release_all)
                # Pool workers leave through os._exit, which skips atexit but runs these finalizers.
                multiprocessing.util.Finalize(_warm_kernels, _release_all, exitpriority=10)
            _warm_kernels.append(kernel)
    return kernel


def _release_all() -> None:
    for kernel in list(_warm_kernels):
        kernel.release()


def release_warm_kernel() -> None:
    """Shut down this thread's warm kernel, if any (the runner calls it when a sweep ends)."""
    kernel = getattr(_warm, "kernel", None)
    if kernel is not None:
        kernel.release()


def _execute(task: NotebookTask, point: Point, output: Path, results: Path) -> None:
    node = prepared_notebook(task, task.papermill_parameters(point, results))
    kernel = _warm_kernel() if task.warm_kernel else _Kernel()
    try:
        kernel.run(node, output, task)
    except BaseException:
        kernel.release()   # a failed point may leave the kernel busy or broken: start afresh
        raise
    if not task.warm_kernel:
        kernel.release()


def _cancel_pending_tasks() -> None:
    """Cancel the client's tasks left in this thread's event loop by an interrupt.

    Ctrl-C stops the loop mid-cell; its polling tasks would otherwise finish later, when the
    kernel is shut down, and print "Task exception was never retrieved" tracebacks.
    """
    import asyncio

    from jupyter_core.utils import ensure_event_loop

    loop = ensure_event_loop()
    if loop.is_running() or loop.is_closed():
        return
    pending = [task for task in asyncio.all_tasks(loop) if not task.done()]
    for task in pending:
        task.cancel()
    if pending:
        with contextlib.suppress(BaseException):
            loop.run_until_complete(asyncio.wait(pending, timeout=1.0))
    for task in pending:
        # nbclient turns the cancellation of a cell into DeadKernelError: read it, so that it
        # is not reported as "never retrieved" when the task is collected.
        if task.done() and not task.cancelled():
            task.exception()


def _register_engine() -> None:
    from papermill.engines import NBClientEngine, papermill_engines

    if _ENGINE in papermill_engines._engines:
        return

    class OwnKernelEngine(NBClientEngine):
        """papermill's nbclient engine on a kernel it does not own: the kernel may outlive the run."""

        @classmethod
        def execute_managed_notebook(cls, nb_man: Any, kernel_name: str, **kwargs: Any) -> Any:
            from papermill.clientwrap import PapermillNotebookClient

            timeout = kwargs.pop("execution_timeout", None)
            kwargs.pop("input_path", None)
            # nbclient's `timeout` is a whole number of seconds; timeout_func may return any number.
            limits: dict[str, Any] = {}
            if timeout is not None:
                limits = {"timeout": max(1, math.ceil(timeout)), "timeout_func": lambda cell: timeout}
            client = PapermillNotebookClient(nb_man, kernel_name=kernel_name, log=_KERNEL_LOGGER,
                                             startup_timeout=kwargs.pop("start_timeout", 60), **limits, **kwargs)
            try:
                return client.execute()
            except KeyboardInterrupt:
                _cancel_pending_tasks()
                raise
            finally:
                if client.kc is not None:   # the client is ours to close; the kernel is not
                    client.kc.stop_channels()

    papermill_engines.register(_ENGINE, OwnKernelEngine)


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
            dead = _is_dead_kernel(failure)
            if dead and attempts <= DEAD_KERNEL_RETRIES:
                continue
            status, error = "error", f"{failure.__class__.__name__}: {failure}"
            if dead:
                error += f" (the kernel's own output is in points/{KERNEL_LOG})"
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
