"""Function points with a hard time limit where ``SIGALRM`` cannot reach them.

A point's ``timeout`` is enforced in the process's main thread by ``SIGALRM`` (see
:mod:`.tasks`). A Dask worker runs tasks in threads, where no signal can interrupt them, and a
thread cannot be stopped from outside: a point that never returns would hold its worker
forever. So, there, each point runs in a helper process of that thread (``python -m
hadr_model.sweeps.isolated``), in the helper's main thread, where the alarm works; and the
worker waits at most ``timeout`` + :data:`GRACE_S` seconds for its answer, then kills the helper
(which also stops code the alarm cannot interrupt, such as a long call into C) and records
the point as timed out. The next point starts a new helper.

The helper is started once per thread and reused while points succeed or fail normally; its
start-up (importing the toolkit, about a second) is not counted in any point's time. It reads
``(task, point)`` pickles on stdin and answers with ``("ok", record)`` or ``("error", text)``
pickles on its original stdout — private pipes between two processes of the same sweep; what
the point prints goes to stderr. It leaves when its stdin closes (the worker is gone).
"""

from __future__ import annotations

import os
import pickle
import select
import subprocess
import sys
import threading
import time
from typing import Any

from .points import Point

__all__ = ["GRACE_S", "STARTUP_TIMEOUT_S", "run_isolated"]

GRACE_S = 5.0
STARTUP_TIMEOUT_S = 120.0
_READY = b"hadr-isolated-ready\n"
_helpers = threading.local()


def _record(point: Point, status: str, error: str, seconds: float) -> dict[str, Any]:
    return {"index": point.index, "point_id": point.point_id, "seed": point.seed, "parameters": point.values,
            "results": {}, "status": status, "error": error, "seconds": seconds, "attempts": 1}


class _Helper:
    """One helper process and the pipes to it."""

    def __init__(self) -> None:
        # The helper must import what this process can (a module:callable on an added path).
        path = os.pathsep.join(entry for entry in sys.path if entry)
        env = {**os.environ, "PYTHONPATH": path}
        self.process = subprocess.Popen([sys.executable, "-m", "hadr_model.sweeps.isolated"], stdin=subprocess.PIPE,
                                        stdout=subprocess.PIPE, env=env)
        assert self.process.stdin is not None and self.process.stdout is not None, "both pipes were asked for"
        self.stdin, self.stdout = self.process.stdin, self.process.stdout
        if not self._wait_readable(STARTUP_TIMEOUT_S) or self.stdout.readline() != _READY:
            self.kill()
            raise RuntimeError(f"the helper process for points with a timeout did not start within "
                               f"{STARTUP_TIMEOUT_S:g} s")

    def _wait_readable(self, seconds: float) -> bool:
        readable, _, _ = select.select([self.stdout], [], [], max(0.0, seconds))
        return bool(readable)

    def alive(self) -> bool:
        return self.process.poll() is None

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()
        self.stdin.close()
        self.stdout.close()

    def run(self, task: Any, point: Point, limit: float) -> tuple[str, Any]:
        """``("ok", record)``, ``("error", text)``, or ``("timeout", None)`` after ``limit`` seconds."""
        try:
            pickle.dump((task, point), self.stdin, protocol=pickle.HIGHEST_PROTOCOL)
            self.stdin.flush()
        except OSError:
            return "died", None
        if not self._wait_readable(limit):
            return "timeout", None
        try:
            return pickle.load(self.stdout)
        except (EOFError, pickle.UnpicklingError, OSError):
            return "died", None


def run_isolated(task: Any, point: Point) -> dict[str, Any]:
    """Run one function point in this thread's helper process, within ``task.timeout`` (+ grace)."""
    helper: _Helper | None = getattr(_helpers, "helper", None)
    if helper is None or not helper.alive():
        helper = _helpers.helper = _Helper()
    start = time.perf_counter()
    outcome, value = helper.run(task, point, task.timeout + GRACE_S)
    seconds = time.perf_counter() - start
    if outcome == "ok":
        return value
    if outcome == "error":   # the helper could not run it (say, an unimportable function); it lives on
        return _record(point, "error", str(value), seconds)
    helper.kill()
    _helpers.helper = None
    if outcome == "timeout":
        return _record(point, "timeout", f"PointTimeout: point ran longer than {task.timeout:g} s "
                       "(its process was stopped)", seconds)
    code = helper.process.returncode
    return _record(point, "error", f"the process running this point died (exit code {code})", seconds)


def _serve() -> int:
    """The helper's loop: one point at a time, in this process's main thread."""
    import signal

    from .tasks import run_chunk

    signal.signal(signal.SIGINT, signal.SIG_IGN)   # the sweep process handles Ctrl-C
    answers = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)   # what points print goes to stderr, never into the answers
    requests = sys.stdin.buffer
    answers.write(_READY)
    answers.flush()
    while True:
        try:
            task, point = pickle.load(requests)
        except EOFError:
            return 0
        except Exception as error:   # e.g. a module:callable this process cannot import
            answer: tuple[str, Any] = ("error", f"{error.__class__.__name__}: {error}")
        else:
            try:
                answer = ("ok", run_chunk(task, [point])[0])
            except Exception as error:
                answer = ("error", f"{error.__class__.__name__}: {error}")
        pickle.dump(answer, answers, protocol=pickle.HIGHEST_PROTOCOL)
        answers.flush()


if __name__ == "__main__":
    sys.exit(_serve())
