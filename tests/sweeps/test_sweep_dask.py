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
GRID = {"parameters": {"roles.invoker.per_zone": [8, 10, 12], "scenario": ["zone-loss", "region-loss"]},
        "options": {"n_disasters": 200}}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _start(args: list[str], log: Path) -> subprocess.Popen:
    # A session of its own, so the worker's nanny and its child go down together at the end.
    return subprocess.Popen([str(DASK if DASK.exists() else shutil.which("dask")), *args],
                            stdout=log.open("wb"), stderr=subprocess.STDOUT, start_new_session=True)


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
