"""``hadr sweep``: exit codes, messages, and a sweep killed with SIGKILL then resumed."""

from __future__ import annotations

import os
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
