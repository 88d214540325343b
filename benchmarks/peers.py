"""Shared helpers of the side-by-side benchmarks against peer tools (``bench_peers_*.py``).

The peers are never dependencies of ``hadr_model``: each Python peer gets its own virtualenv
under ``benchmarks/.venvs/<peer>``, created on first use with the ordinary ``venv`` and
``pip`` (PyPI only), and SCRAM comes from the Debian package ``scram`` (installed with
``apt-get`` when the benchmark runs as root and the command is missing). A peer that cannot
be installed is skipped with a one-line ``skipped: <reason>`` and the benchmark goes on with
the figures of ``hadr_model`` alone.
"""

from __future__ import annotations

import datetime
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
VENVS = HERE / ".venvs"
# The pinned requirement of each Python peer (the issue measures against these releases).
PYTHON_PEERS = {"availsim4": "availsim4==2.2.1", "stormpy": "stormpy"}
INSTALL_TIMEOUT_S = 900


def skipped(peer: str, reason: str) -> None:
    """Print the one line that says a peer is left out, and why."""
    print(f"skipped: {peer}: {reason}", flush=True)


def _base_python() -> str:
    """The interpreter a peer's virtualenv is made from: python3.11 if present, else ours."""
    return shutil.which("python3.11") or sys.executable


def peer_python(peer: str) -> Path | None:
    """The Python of ``peer``'s own virtualenv, created and installed on first use.

    Parameters
    ----------
    peer : str
        A key of :data:`PYTHON_PEERS`.

    Returns
    -------
    pathlib.Path or None
        The virtualenv's ``bin/python``, or ``None`` (after printing ``skipped: …``) when
        the venv cannot be made or the package has no installable release here.
    """
    requirement = PYTHON_PEERS[peer]
    venv = VENVS / peer
    python = venv / "bin" / "python"
    stamp = venv / ".installed"
    # The stamp names the requirement, so changing the pin reinstalls.
    if stamp.exists() and stamp.read_text().strip() == requirement and python.exists():
        return python
    print(f"setting up {peer} ({requirement}) in {venv.relative_to(REPO)} …", flush=True)
    try:
        subprocess.run([_base_python(), "-m", "venv", str(venv)], check=True, capture_output=True,
                       timeout=INSTALL_TIMEOUT_S)
        done = subprocess.run([str(python), "-m", "pip", "install", "--quiet", requirement],
                              capture_output=True, text=True, timeout=INSTALL_TIMEOUT_S)
    except (OSError, subprocess.SubprocessError) as error:
        skipped(peer, f"could not create its virtualenv ({error})")
        return None
    if done.returncode != 0:
        errors = [line for line in done.stderr.splitlines() if "ERROR" in line] or done.stderr.splitlines()[-1:]
        skipped(peer, f"pip install {requirement} failed: {' / '.join(errors)[:300]}")
        return None
    stamp.write_text(requirement + "\n")
    return python


def scram_command() -> str | None:
    """Path of the ``scram`` command, installing Debian's ``scram`` when root and missing.

    Returns
    -------
    str or None
        ``None`` (after printing ``skipped: …``) where SCRAM is not installable.
    """
    found = shutil.which("scram")
    if found:
        return found
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        skipped("scram", "the 'scram' command is missing and this is not a root shell with apt-get "
                "(install the Debian package 'scram')")
        return None
    print("setting up scram: apt-get install -y scram …", flush=True)
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for command in (["apt-get", "install", "-y", "-q", "scram"], ["apt-get", "update", "-q"],
                    ["apt-get", "install", "-y", "-q", "scram"]):
        try:
            subprocess.run(command, check=False, capture_output=True, timeout=INSTALL_TIMEOUT_S, env=env)
        except (OSError, subprocess.SubprocessError):
            break
        found = shutil.which("scram")
        if found:
            return found
    skipped("scram", "apt-get install scram did not provide a 'scram' command")
    return None


def installed_env() -> dict[str, str]:
    """The environment of a timed command: Python's bytecode cache on, as after ``pip install``.

    ``pip install`` compiles every module of a package, so an installed tool starts from its
    ``.pyc`` files. A shell with ``PYTHONDONTWRITEBYTECODE`` set (this workplace sets it) would
    instead make ``hadr_model``'s editable checkout compile its sources again on every command
    (~0.1-0.2 s), which no user pays. The cache goes under ``benchmarks/.venvs/pycache`` (not
    beside the sources); the first command of a run fills it, so benchmarks warm up once first.
    """
    env = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPYCACHEPREFIX"] = str(VENVS / "pycache")
    return env


@dataclass(frozen=True)
class Run:
    """One finished subprocess: wall time, peak resident memory, exit code and output."""

    seconds: float
    max_rss_mib: float
    returncode: int
    stdout: str
    stderr: str

    def check(self, what: str) -> Run:
        """Raise with the tail of stderr when the command failed."""
        if self.returncode != 0:
            tail = "\n".join(self.stderr.strip().splitlines()[-5:])
            raise RuntimeError(f"{what} failed (exit {self.returncode}):\n{tail}")
        return self


def run_command(command: Sequence[str], *, cwd: Path | None = None, env: dict | None = None,
                timeout: float = 900.0) -> Run:
    """Run ``command`` to the end and measure it as a whole (in :func:`installed_env` by default).

    The wall time spans process creation to exit; the peak memory is the child's own
    ``ru_maxrss`` (from ``os.wait4`` on its pid, so other children do not mix in).
    """
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        started = time.perf_counter()
        process = subprocess.Popen(list(command), stdout=out, stderr=err, cwd=cwd,
                                   env=installed_env() if env is None else env)
        killer = threading.Timer(timeout, process.kill)
        killer.start()
        try:
            _, status, usage = os.wait4(process.pid, 0)
        finally:
            killer.cancel()
        seconds = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        return Run(seconds, usage.ru_maxrss / 1024.0, process.returncode, out.read(), err.read())


def hadr_command(*args: str) -> list[str]:
    """The ``hadr`` command line of this checkout (the venv's console script if present)."""
    script = Path(sys.executable).with_name("hadr")
    if script.exists():
        return [str(script), *args]
    return [sys.executable, "-m", "hadr_model.cli", *args]


def median_time(function: Callable[[], object], repeats: int = 3) -> tuple[float, object]:
    """Median wall time of ``repeats`` calls, and the last call's value."""
    times, value = [], None
    for _ in range(repeats):
        started = time.perf_counter()
        value = function()
        times.append(time.perf_counter() - started)
    return statistics.median(times), value


def machine_line() -> str:
    """Date, time and load average, for the header of every benchmark's output."""
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    now = datetime.datetime.now().strftime("%Y-%m-%d %H:%M")
    return f"{now}, {os.cpu_count()} cores, load average {load}"


def table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """A plain left-aligned text table."""
    widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(headers)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(headers, widths)), "  ".join("-" * w for w in widths)]
    lines += ["  ".join(c.ljust(w) for c, w in zip(row, widths)) for row in rows]
    return "\n".join(lines)
