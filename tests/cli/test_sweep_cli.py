"""``hadr sweep``: exit codes, messages, and a sweep killed with SIGKILL then resumed."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from hadr_model.cli import main
from hadr_model.sweeps import load_sweep, run_sweep

HERE = Path(__file__).resolve().parent
HADR = [sys.executable, "-m", "hadr_model.cli"]
SLOW_POINTS = 40


def slow(model, *, seed: int, x: int = 0, delay: float = 0.15) -> dict[str, float]:
    """Test-only sweep function, slow enough to kill half-way (``--function test_sweep_cli:slow``)."""
    time.sleep(delay)
    return {"y": float(x * x), "u": float(np.random.default_rng(seed).random())}


def _grid(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "grid.yaml"
    path.write_text(text)
    return path


def _sweep(*args: str) -> int:
    return main(["sweep", *args])


def test_function_sweep_exits_0_with_a_summary(tmp_path, capsys):
    grid = _grid(tmp_path, "parameters:\n  roles.invoker.per_zone: [8, 10]\n")
    assert _sweep("--function", "availability", "--grid", str(grid), "--out", str(tmp_path / "s"), "--csv") == 0
    out = capsys.readouterr().out
    assert "2 ok, 0 failed of 2 points" in out
    assert (tmp_path / "s" / "results.parquet").exists() and (tmp_path / "s" / "results.csv").exists()


def test_all_points_failing_exits_1(tmp_path, capsys):
    grid = _grid(tmp_path, "parameters:\n  roles.invoker.needs: [25]\n  roles.invoker.per_zone: [8]\n")
    assert _sweep("--function", "availability", "--grid", str(grid), "--out", str(tmp_path / "s")) == 1
    assert "0 ok, 1 failed" in capsys.readouterr().out


@pytest.mark.parametrize(("text", "field"), [
    ("parameters:\n  roles.invokr.per_zone: [1]\n", "parameters.roles.invokr.per_zone"),
    ("parameters:\n  zone.mttr: {low: 8h, high: 2h, num: 3}\n", "parameters.zone.mttr"),
    ("parameters:\n  zone.mttr: []\n", "parameters.zone.mttr"),
    ("parameters:\n  zone.mttr: 4h\n", "parameters.zone.mttr"),
    ("parameters:\n  zone.mttr: [4]\nsample: {method: lhs, n: ten}\n", "sample.n"),
    ("parameters:\n  roles.kafka.needs: [quorum, most]\n", "parameters.roles.kafka.needs"),
    ("parameters:\n  zone.mttr: [4]\nspec: missing.yaml\n", "missing.yaml"),
    ("parameters: [\n", "valid YAML"),
    # Sizes are checked before anything is built (a MemoryError, exit 1, before).
    ("parameters:\n  zone.mttr: {low: 1h, high: 2h, num: 100000000000}\n", "parameters.zone.mttr.num"),
    ("parameters:\n  zone.mttr: {low: 1h, high: 2h, num: 100000}\n  region.mttr: {low: 1h, high: 2h, num: 100000}\n",
     "at most 1000000 points"),
    ("parameters:\n  roles.invoker.per_zone: {low: 8, high: 10, num: 5}\n", "parameters.roles.invoker.per_zone.num"),
])
def test_bad_grid_files_exit_2_naming_the_field(tmp_path, capsys, text, field):
    grid = _grid(tmp_path, text)
    assert _sweep("--function", "availability", "--grid", str(grid), "--out", str(tmp_path / "s")) == 2
    err = capsys.readouterr().err
    assert field in err and "Traceback" not in err
    # Errors found while planning (names, values against the spec, the spec's path) name the grid file too.
    assert err.startswith(f"hadr: error: {grid}:")
    assert not (tmp_path / "s").exists()


@pytest.mark.parametrize("args", [
    ["--function", "nope"],
    ["--function", "availability", "notebooks/sweep_point.ipynb"],
    [],
    ["--function", "availability", "--workers", "0"],
])
def test_bad_options_exit_2(tmp_path, capsys, args):
    grid = _grid(tmp_path, "parameters:\n  zone.mttr: [4]\n")
    with pytest.raises(SystemExit) as stop:
        code = _sweep(*args, "--grid", str(grid), "--out", str(tmp_path / "s"))
        raise SystemExit(code)
    assert stop.value.code == 2
    assert "Traceback" not in capsys.readouterr().err


def test_a_foreign_results_file_exits_2_and_is_kept(tmp_path, capsys):
    out = tmp_path / "s"
    out.mkdir()
    (out / "results.parquet").write_bytes(b"someone else's table")
    grid = _grid(tmp_path, "parameters:\n  zone.mttr: [4]\n")
    assert _sweep("--function", "availability", "--grid", str(grid), "--out", str(out)) == 2
    assert "foreign or corrupt" in capsys.readouterr().err
    assert (out / "results.parquet").read_bytes() == b"someone else's table"


def test_an_out_that_is_a_file_exits_2_and_is_kept(tmp_path, capsys):
    out = tmp_path / "taken.txt"
    out.write_text("not a sweep")
    grid = _grid(tmp_path, "parameters:\n  zone.mttr: [4]\n")
    assert _sweep("--function", "availability", "--grid", str(grid), "--out", str(out)) == 2
    err = capsys.readouterr().err
    assert f"{out} is a file, not a directory" in err and "--out" in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1
    assert out.read_text() == "not a sweep"


def test_a_dask_scheduler_that_is_not_there_exits_2(tmp_path, capsys):
    grid = _grid(tmp_path, "parameters:\n  zone.mttr: [4]\n")
    code = _sweep("--function", "availability", "--grid", str(grid), "--out", str(tmp_path / "s"),
                  "--scheduler", "tcp://127.0.0.1:9")
    assert code == 2
    assert "Dask scheduler" in capsys.readouterr().err


def _processes_naming(path: Path) -> list[str]:
    """Live (not zombie) processes whose command line names ``path``."""
    found = []
    for proc in Path("/proc").iterdir():
        try:
            command = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            state = (proc / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except (OSError, IndexError, ValueError):
            continue
        if str(path) in command and state != "Z":
            found.append(proc.name)
    return found


def test_sigkill_half_way_then_resume_equals_an_uninterrupted_run(tmp_path):
    grid = _grid(tmp_path, f"parameters:\n  x: {list(range(SLOW_POINTS))}\n")
    out = tmp_path / "killed"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(HERE), os.environ.get("PYTHONPATH", "")])}
    command = [*HADR, "sweep", "--function", "test_sweep_cli:slow", "--grid", str(grid), "--out", str(out),
               "--workers", "2", "--seed", "3", "--no-progress"]
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    journal = out / "journal.jsonl"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and process.poll() is None:
        if journal.exists() and journal.read_bytes().count(b"\n") >= SLOW_POINTS // 4:
            break
        time.sleep(0.05)
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert process.returncode == -signal.SIGKILL, process.stderr.read().decode()
    # Its worker processes notice and leave, rather than wait for tasks forever.
    deadline = time.monotonic() + 15
    while _processes_naming(out) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not _processes_naming(out)
    done = journal.read_bytes().count(b"\n")
    assert 0 < done < SLOW_POINTS
    assert not (out / "results.parquet").exists()

    resumed = subprocess.run([*command, "--resume"], env=env, capture_output=True, text=True, timeout=120)
    assert resumed.returncode == 0, resumed.stderr
    assert f"{SLOW_POINTS} ok, 0 failed" in resumed.stdout
    killed = load_sweep(out)

    sys.path.insert(0, str(HERE))
    try:
        whole = run_sweep(grid, function="test_sweep_cli:slow", out=tmp_path / "whole", seed=3, workers=2)
    finally:
        sys.path.remove(str(HERE))
    assert killed["point_id"].is_unique and len(killed) == SLOW_POINTS
    pd.testing.assert_frame_equal(killed.drop(columns="seconds"), whole.drop(columns="seconds"),
                                  check_dtype=False)


def _hold(out: Path) -> subprocess.Popen:
    """A process that holds ``out``'s sweep lock until killed, and says when it has it."""
    code = ("import sys, time\nfrom hadr_model.sweeps.store import SweepStore\n"
            "SweepStore.open(sys.argv[1], {'grid_hash': 'x', 'points': 1}, resume=True)\n"
            "print('locked', flush=True)\ntime.sleep(600)")
    holder = subprocess.Popen([sys.executable, "-c", code, str(out)], stdout=subprocess.PIPE, text=True)
    assert holder.stdout.readline().strip() == "locked"
    return holder


@pytest.mark.slow
def test_a_second_sweep_into_a_busy_folder_exits_2_and_a_killed_holder_does_not_block(tmp_path):
    grid = _grid(tmp_path, "parameters:\n  zone.mttr: [4]\n")
    out = tmp_path / "busy"
    holder = _hold(out)
    try:
        second = subprocess.run([*HADR, "sweep", "--function", "availability", "--grid", str(grid), "--out", str(out),
                                 "--resume"], capture_output=True, text=True, timeout=120)
        assert second.returncode == 2, second.stderr
        assert second.stderr.strip() == (f"hadr: error: {out} is in use by another sweep (pid {holder.pid}; lock "
                                         f"{out / '.sweep.lock'}); wait for it to finish, or choose another --out")
        assert not (out / "journal.jsonl").read_bytes()   # it ran nothing
    finally:
        holder.kill()   # SIGKILL: no chance to unlock; the kernel releases the lock with the process
        holder.wait()
    third = subprocess.run([*HADR, "sweep", "--function", "availability", "--grid", str(grid), "--out",
                            str(tmp_path / "fresh")], capture_output=True, text=True, timeout=120)
    assert third.returncode == 0, third.stderr
    # The stale lock file of the killed holder is still there, and does not block.
    assert (out / ".sweep.lock").read_text().strip() == str(holder.pid)
    store_code = ("import sys\nfrom hadr_model.sweeps.store import SweepStore\n"
                  "SweepStore.open(sys.argv[1], {'grid_hash': 'x', 'points': 1}, resume=True).close()")
    reopened = subprocess.run([sys.executable, "-c", store_code, str(out)], capture_output=True, text=True, timeout=60)
    assert reopened.returncode == 0, reopened.stderr


@pytest.mark.slow
def test_two_concurrent_sweeps_into_one_folder_never_both_run(tmp_path):
    grid = _grid(tmp_path, "parameters:\n  x: [1, 2, 3, 4, 5, 6, 7, 8]\noptions: {delay: 1.0}\n")
    out = tmp_path / "shared"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(HERE), os.environ.get("PYTHONPATH", "")])}
    command = [*HADR, "sweep", "--function", "test_sweep_cli:slow", "--grid", str(grid), "--out", str(out),
               "--no-progress", "--resume"]
    runs = [subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            for _ in range(2)]
    results = [(run.wait(timeout=120), run.stderr.read()) for run in runs]
    assert sorted(code for code, _ in results) == [0, 2], results
    # The holder writes its pid just after taking the lock: a loser that looks in between is told
    # "a process that is still starting" (store._lock), which is right too.
    refused = next(err for code, err in results if code == 2)
    assert re.search(r"is in use by another sweep \((pid \d+|a process that is still starting);", refused)
    lines = (out / "journal.jsonl").read_bytes().splitlines()
    assert len(lines) == 8   # each point ran once


def _interrupt_notebook(path: Path) -> Path:
    import nbformat

    notebook = nbformat.v4.new_notebook()
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    parameters = nbformat.v4.new_code_cell('x: int = 0\nresults_path: str = "out.json"')
    parameters.metadata["tags"] = ["parameters"]
    body = nbformat.v4.new_code_cell("import json, time\ntime.sleep(1.5)\njson.dump({'y': x}, open(results_path, 'w'))")
    notebook.cells = [parameters, body]
    nbformat.write(notebook, str(path))
    return path


@pytest.mark.slow
@pytest.mark.parametrize("mode", [["--warm-kernel"], ["--workers", "2"]])
def test_ctrl_c_during_a_notebook_sweep_prints_one_line_and_resume_finishes(tmp_path, mode):
    grid = _grid(tmp_path, f"parameters:\n  x: {list(range(12))}\n")
    notebook = _interrupt_notebook(tmp_path / "slow.ipynb")
    out = tmp_path / "s"
    command = [*HADR, "sweep", str(notebook), "--grid", str(grid), "--out", str(out), "--no-progress", *mode]
    # A session of its own: Ctrl-C in a terminal signals the whole foreground process group.
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               start_new_session=True)
    journal = out / "journal.jsonl"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and process.poll() is None:
        if journal.exists() and journal.read_bytes().count(b"\n") >= 2:
            break
        time.sleep(0.05)
    time.sleep(0.7)   # in the middle of a cell
    os.killpg(process.pid, signal.SIGINT)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 130, stderr
    assert stderr == "hadr: interrupted\n"   # no kernel or worker tracebacks
    lines = journal.read_bytes().splitlines()
    assert 2 <= len(lines) < 12 and all(json.loads(line)["status"] == "ok" for line in lines)
    assert journal.read_bytes().endswith(b"\n")
    resumed = subprocess.run([*command, "--resume"], capture_output=True, text=True, timeout=300)
    assert resumed.returncode == 0, resumed.stderr
    table = load_sweep(out)
    failed = table[table["status"] != "ok"]
    assert failed.empty, failed.to_dict("records")
    assert table["y"].tolist() == list(range(12))


def test_sweep_help_lists_the_built_in_functions():
    from hadr_model.cli import sweep
    from hadr_model.sweeps.functions import FUNCTIONS

    assert sweep._FUNCTION_NAMES == tuple(FUNCTIONS)
