"""Where points run: this process, a local process pool, or a Dask cluster.

All three offer ``submit(fn, *args) -> concurrent.futures.Future``, ``slots`` (how many tasks
to keep in flight) and ``restart()`` (a fresh pool after a worker process died).

* :class:`InlineExecutor` — ``workers=1``: no pool, no pickling; timeouts by SIGALRM.
* :class:`ProcessExecutor` — ``workers=N``: :class:`concurrent.futures.ProcessPoolExecutor`.
  Processes, not threads: papermill's ``cwd`` is process-wide, and CPU-bound model code
  needs separate interpreters anyway. Workers are forked on POSIX (fast to start, and they
  see every module the parent imported, including ``module:callable`` functions). They
  ignore Ctrl-C (the sweep process handles it, and stops them) and leave with their parent.
* :class:`DaskExecutor` — ``scheduler="tcp://HOST:PORT"``: ``distributed.Client(...).
  get_executor()``; the optional extra ``hadr_model[dask]``. Workers need ``hadr_model``
  (and any ``module:callable``) installed; in notebook mode the sweep directory must be on a
  filesystem the workers share to keep the executed notebooks. The address is probed first
  (:func:`hadr_model.cluster.check_reachable`): a refused port or a server that accepts and
  stays silent is a :class:`~hadr_model.errors.SpecError` within about 5 s, not a hang.

Examples
--------
>>> with make_executor(workers=1) as executor:
...     executor.submit(sum, [1, 2]).result()
3
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import contextmanager
from typing import Any

from ..cluster import check_reachable
from .store import SweepError, close_inherited_locks

__all__ = ["DaskExecutor", "InlineExecutor", "ProcessExecutor", "make_executor"]


class InlineExecutor:
    """Runs each task at submit time in this process."""

    kind = "inline"
    slots = 1

    def submit(self, fn: Callable[..., Any], *args: Any) -> Future:
        future: Future = Future()
        try:
            future.set_result(fn(*args))
        except Exception as error:
            future.set_exception(error)
        return future

    def restart(self) -> None:
        """Nothing to restart."""

    def shutdown(self, cancel: bool = False) -> None:
        """Nothing to shut down."""


class ProcessExecutor:
    """A local process pool of ``workers`` processes."""

    kind = "processes"

    def __init__(self, workers: int, clean_start: bool = False) -> None:
        self.workers = workers
        self.clean_start = clean_start
        self.slots = 2 * workers   # one task queued behind each running one keeps workers busy
        self._pool = self._new_pool()

    def _new_pool(self) -> ProcessPoolExecutor:
        method = "fork" if sys.platform != "win32" and sys.platform != "darwin" else "spawn"
        if self.clean_start and method == "fork":
            # Workers that keep a kernel alive must not inherit this process's kernel-client
            # state (ZeroMQ, event loops, threads): a forked copy of it can deadlock.
            method = "forkserver"
        return ProcessPoolExecutor(self.workers, mp_context=multiprocessing.get_context(method),
                                   initializer=_worker_start)

    def submit(self, fn: Callable[..., Any], *args: Any) -> Future:
        return self._pool.submit(fn, *args)

    def restart(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
        self._pool = self._new_pool()

    def shutdown(self, cancel: bool = False) -> None:
        if cancel:
            # Interrupted (Ctrl-C) or failed: stop the points in flight rather than wait for
            # them (a notebook cell may run for hours). Their results are not journaled, so
            # --resume runs them again. (ProcessPoolExecutor.terminate_workers is Python 3.14+.)
            for process in list(getattr(self._pool, "_processes", {}).values()):
                with contextlib.suppress(Exception):
                    process.terminate()
        self._pool.shutdown(wait=not cancel, cancel_futures=cancel)


class DaskExecutor:
    """Tasks on a running Dask cluster, through ``Client.get_executor()``."""

    kind = "dask"

    def __init__(self, address: str, connect_timeout: float = 20.0) -> None:
        try:
            from distributed import Client
        except ImportError:
            raise SweepError("--scheduler needs Dask, an optional extra: pip install 'hadr_model[dask]'") from None
        check_reachable(address)   # a refused or silent address: a SpecError within seconds
        try:
            self._client = Client(address, timeout=connect_timeout, set_as_default=False)
        except (OSError, TimeoutError, ValueError) as error:
            raise SweepError(f"cannot reach the Dask scheduler at {address!r} ({error.__class__.__name__}: "
                             f"{error})") from None
        threads = sum(self._client.nthreads().values())
        self.slots = 2 * max(1, threads)
        self._executor = self._client.get_executor(pure=False)

    def submit(self, fn: Callable[..., Any], *args: Any) -> Future:
        return self._executor.submit(fn, *args)

    def restart(self) -> None:
        """Dask reschedules tasks of a dead worker itself."""

    def shutdown(self, cancel: bool = False) -> None:
        try:
            self._executor.shutdown(wait=not cancel)
        finally:
            self._client.close()


def _worker_start() -> None:
    """Worker initializer: ignore Ctrl-C, drop the parent's lock, leave with the parent.

    A terminal's Ctrl-C reaches the whole process group: the sweep process handles it (one
    "interrupted" line, the journal closed) and stops its workers; workers that handled it too
    would each print a traceback. A forked worker also holds a copy of the sweep directory's
    lock, which must not outlive the sweep process.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    close_inherited_locks()
    _exit_with_parent()


def _exit_with_parent() -> None:
    """Leave when the sweep process dies (a SIGKILL gives it no chance to stop its pool, and an
    idle worker would otherwise wait for tasks forever)."""
    parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(1)

    threading.Thread(target=watch, name="exit-with-parent", daemon=True).start()


@contextmanager
def make_executor(workers: int = 1, scheduler: str | None = None, *, clean_start: bool = False) -> Iterator[Any]:
    """The executor for ``workers`` local processes or a Dask ``scheduler`` address.

    ``clean_start`` starts local workers from a fresh server process instead of forking this one.
    """
    if scheduler:
        executor: Any = DaskExecutor(scheduler)
    elif workers <= 1:
        executor = InlineExecutor()
    else:
        executor = ProcessExecutor(workers, clean_start)
    cancel = True
    try:
        yield executor
        cancel = False
    finally:
        executor.shutdown(cancel=cancel)
