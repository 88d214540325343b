"""Notebook mode with warm kernels: same results as fresh kernels, no state between points."""

from __future__ import annotations

import os
import time
from pathlib import Path

import nbformat
import pandas as pd
import pytest

from hadr_model.sweeps import run_sweep

SWEEP_POINT = Path(__file__).resolve().parents[2] / "notebooks" / "sweep_point.ipynb"
GRID = {"parameters": {"zone.mttr": [2.0, 6.0, 12.0]}}
RESULT_COLUMNS = ["availability", "downtime_min_per_year", "failure_frequency_per_year"]


def _probe_notebook(path: Path) -> Path:
    """A notebook that fails when it sees a variable an earlier point left behind."""
    notebook = nbformat.v4.new_notebook()
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    parameters = nbformat.v4.new_code_cell('x: int = 0  # a swept value\nresults_path: str = "out.json"  # results')
    parameters.metadata["tags"] = ["parameters"]
    body = nbformat.v4.new_code_cell(
        "import json, os\n"
        "assert 'left_behind' not in globals(), 'state leaked from an earlier point'\n"
        "left_behind = x\n"
        "if x == 2:\n    raise ValueError('point two fails on purpose')\n"
        "json.dump({'x_squared': x * x, 'cwd_is_points': os.path.basename(os.getcwd()) == 'points'},\n"
        "          open(results_path, 'w'))")
    notebook.cells = [parameters, body]
    nbformat.write(notebook, str(path))
    return path


def test_warm_kernels_give_the_same_table_as_fresh_kernels(tmp_path):
    fresh = run_sweep(GRID, notebook=SWEEP_POINT, out=tmp_path / "fresh", seed=5)
    warm = run_sweep(GRID, notebook=SWEEP_POINT, out=tmp_path / "warm", seed=5, warm_kernel=True)
    assert set(warm["status"]) == {"ok"}
    pd.testing.assert_frame_equal(fresh[["point_id", "seed", *RESULT_COLUMNS]],
                                  warm[["point_id", "seed", *RESULT_COLUMNS]])
    kept = nbformat.read(str(tmp_path / "warm" / warm["notebook"].iloc[0]), as_version=4)
    assert "hadr-warm-kernel-reset" in kept.cells[0].metadata["tags"]   # what ran is what is kept


def test_no_state_crosses_points_and_a_failure_does_not_stop_the_next(tmp_path):
    grid = {"parameters": {"x": [1, 2, 3, 4]}}
    frame = run_sweep(grid, notebook=_probe_notebook(tmp_path / "probe.ipynb"), out=tmp_path / "sweep",
                      warm_kernel=True)
    by_x = frame.set_index("x")
    assert by_x.loc[2, "status"] == "error" and "fails on purpose" in by_x.loc[2, "error"]
    for x in (1, 3, 4):
        assert by_x.loc[x, "status"] == "ok", by_x.loc[x, "error"]
        assert by_x.loc[x, "x_squared"] == x * x and by_x.loc[x, "cwd_is_points"]


def test_two_workers_after_a_warm_kernel_in_this_process(tmp_path):
    # This process has just run a warm kernel: its workers must not be forked copies of it.
    run_sweep({"parameters": {"zone.mttr": [3.0]}}, notebook=SWEEP_POINT, out=tmp_path / "one", warm_kernel=True)
    frame = run_sweep(GRID, notebook=SWEEP_POINT, out=tmp_path / "two", workers=2, warm_kernel=True, seed=5)
    assert set(frame["status"]) == {"ok"} and len(frame) == 3


def _fault_notebook(path: Path) -> Path:
    """x == 2 sleeps past the timeout; x == 4 kills its kernel once, x == 5 every time."""
    notebook = nbformat.v4.new_notebook()
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    parameters = nbformat.v4.new_code_cell('x: int = 0\nresults_path: str = "out.json"')
    parameters.metadata["tags"] = ["parameters"]
    body = nbformat.v4.new_code_cell(
        "import json, os, signal, time\n"
        "if x == 2:\n    time.sleep(120)\n"
        "if x == 4 and not os.path.exists('died-once'):\n"
        "    open('died-once', 'w').close()\n    os.kill(os.getpid(), signal.SIGKILL)\n"
        "if x == 5:\n    os.kill(os.getpid(), signal.SIGKILL)\n"
        "json.dump({'kernel_pid': os.getpid()}, open(results_path, 'w'))")
    notebook.cells = [parameters, body]
    nbformat.write(notebook, str(path))
    return path


@pytest.mark.slow
@pytest.mark.parametrize("warm", [True, False])
def test_timeouts_and_dead_kernels_are_recorded_and_the_sweep_goes_on(tmp_path, warm):
    # The warm kernel's blocking client used to wait for output forever: neither the timeout
    # nor the kernel's death was noticed, and the sweep hung.
    grid = {"parameters": {"x": [0, 1, 2, 3, 4, 5, 6]}}
    start = time.monotonic()
    frame = run_sweep(grid, notebook=_fault_notebook(tmp_path / "faults.ipynb"), out=tmp_path / "sweep",
                      timeout=3, warm_kernel=warm)
    assert time.monotonic() - start < 90
    by_x = frame.set_index("x")
    assert by_x.loc[2, "status"] == "timeout" and "after 3 seconds" in by_x.loc[2, "error"]
    assert 3 <= by_x.loc[2, "seconds"] < 15
    assert (by_x.loc[4, "status"], by_x.loc[4, "attempts"]) == ("ok", 2)            # retried once
    assert (by_x.loc[5, "status"], by_x.loc[5, "attempts"]) == ("error", 3)         # given up
    assert "DeadKernelError" in by_x.loc[5, "error"] and "kernels.log" in by_x.loc[5, "error"]
    assert [by_x.loc[x, "status"] for x in (0, 1, 3, 6)] == ["ok"] * 4
    pids = by_x["kernel_pid"]
    if warm:
        assert pids[0] == pids[1]       # a warm kernel is kept between points …
        assert pids[3] != pids[1]       # … and replaced after a timeout: a fresh kernel for x == 3
        assert pids[6] != pids[3]       # … and after a dead one
    else:
        assert pids[[0, 1, 3, 4, 6]].is_unique


@pytest.mark.skipif(os.name != "posix", reason="IPC sockets are a POSIX transport")
def test_kernels_listen_on_sockets_of_their_own_and_remove_them(tmp_path):
    # Two worker processes probing for free TCP ports at once could pick the same one (seen in
    # CI: "Address already in use", then a 60 s wait); IPC paths unique per kernel cannot collide.
    from hadr_model.sweeps.notebook import _Kernel, _transport

    assert _transport()["ip"] != _transport()["ip"]
    kernel = _Kernel()
    manager = kernel._ensure(str(tmp_path))
    try:
        assert manager.transport == "ipc" and manager.is_alive()
        sockets = [f"{manager.ip}-{port}" for port in (manager.shell_port, manager.iopub_port, manager.hb_port)]
        client = manager.blocking_client()
        client.start_channels()
        try:
            client.wait_for_ready(timeout=60)
        finally:
            client.stop_channels()
        assert all(os.path.exists(path) for path in sockets)
    finally:
        kernel.release()
    assert not any(os.path.exists(path) for path in sockets)
