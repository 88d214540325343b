"""A sweep on a real Dask cluster (scheduler and worker started here on 127.0.0.1) equals the local one."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from hadr_model.sweeps import run_sweep

pytest.importorskip("distributed")
pytestmark = pytest.mark.slow

DASK = Path(sys.executable).with_name("dask")
HERE = Path(__file__).resolve().parent
GRID = {"parameters": {"roles.invoker.per_zone": [8, 10, 12], "scenario": ["zone-loss", "region-loss"]},
        "options": {"n_disasters": 200}}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _start(args: list[str], log: Path) -> subprocess.Popen:
    # A session of its own, so the worker's nanny and its child go down together at the end.
    # This folder on the path: workers import the test functions below as test_sweep_dask:NAME.
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(HERE), os.environ.get("PYTHONPATH")]))}
    return subprocess.Popen([str(DASK if DASK.exists() else shutil.which("dask")), *args],
                            stdout=log.open("wb"), stderr=subprocess.STDOUT, start_new_session=True, env=env)


def stuck(model, *, seed: int, x: int = 0) -> dict[str, float]:
    """Test-only sweep function: x == 1 sleeps (no alarm reaches a Dask thread), x == 2 spins."""
    if x == 1:
        time.sleep(600)
    while x == 2:
        pass
    return {"y": float(x), "pid": float(os.getpid())}


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


@pytest.fixture(scope="module")
def scheduler(tmp_path_factory):
    logs = tmp_path_factory.mktemp("dask")
    port = _free_port()
    address = f"tcp://127.0.0.1:{port}"
    processes = [_start(["scheduler", "--host", "127.0.0.1", "--port", str(port), "--no-dashboard"],
                        logs / "scheduler.log")]
    try:
        processes.append(_start(["worker", address, "--nworkers", "1", "--nthreads", "1", "--no-dashboard",
                                 "--host", "127.0.0.1", "--local-directory", str(logs)], logs / "worker.log"))
        from distributed import Client

        deadline = time.monotonic() + 60
        while True:
            try:
                with Client(address, timeout=5, set_as_default=False) as client:
                    client.wait_for_workers(1, timeout=60)
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.3)
        yield address
    finally:
        for process in reversed(processes):
            _stop(process)


def test_dask_sweep_equals_the_local_sweep(scheduler, tmp_path):
    local = run_sweep(GRID, function="dr", out=tmp_path / "local", seed=11, workers=2)
    remote = run_sweep(GRID, function="dr", out=tmp_path / "dask", seed=11, scheduler=scheduler)
    assert (remote["status"] == "ok").all()
    pd.testing.assert_frame_equal(local.drop(columns="seconds"), remote.drop(columns="seconds"))


def test_dask_enforces_the_function_timeout(scheduler, tmp_path, monkeypatch):
    # A Dask worker runs points in threads, where SIGALRM cannot stop them: the point used to
    # hold its worker (and the sweep) until it returned by itself.
    monkeypatch.syspath_prepend(str(HERE))
    grid = {"parameters": {"x": [0, 1, 2, 3]}}
    start = time.monotonic()
    frame = run_sweep(grid, function="test_sweep_dask:stuck", out=tmp_path / "s", timeout=2, scheduler=scheduler)
    assert time.monotonic() - start < 60
    assert frame["status"].tolist() == ["ok", "timeout", "timeout", "ok"], frame["error"].tolist()
    assert frame["y"].tolist()[::3] == [0.0, 3.0]
    assert all("longer than 2 s" in error for error in frame["error"][1:3])
    assert (frame["seconds"][1:3] < 2 + 10).all()
