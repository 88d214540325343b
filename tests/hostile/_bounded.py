"""Run the ``hadr`` CLI (or a Python snippet) in a subprocess with a wall-clock and memory cap.

A hostile input must be refused (exit 2, one message naming the field, no traceback) or
answered correctly *within* these bounds; a hang or a blow-up of memory fails the test
instead of the machine.
"""

from __future__ import annotations

import resource
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

# Address space, not resident memory: numpy, scipy and matplotlib map ~1 GiB at import.
DEFAULT_MEMORY_BYTES = 3 * 1024**3
DEFAULT_SECONDS = 60.0


@dataclass(frozen=True)
class Done:
    returncode: int
    stdout: str
    stderr: str

    def assert_refused(self, *fragments: str) -> None:
        """Exit 2, one message line on stderr naming every fragment, no traceback."""
        assert self.returncode == 2, (self.returncode, self.stderr[-2000:])
        assert "Traceback" not in self.stderr, self.stderr[-2000:]
        lines = [line for line in self.stderr.strip().splitlines() if line.startswith("hadr: error")]
        assert len(lines) == 1, self.stderr[-2000:]
        for fragment in fragments:
            assert fragment in lines[0], (fragment, lines[0])


def _limit(memory_bytes: int):
    def apply() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))

    return apply


def run_bounded(argv: Sequence[str], *, seconds: float = DEFAULT_SECONDS,
                memory_bytes: int = DEFAULT_MEMORY_BYTES, cwd: str | Path | None = None,
                env: dict[str, str] | None = None) -> Done:
    """Run ``python -m hadr_model.cli ARGV`` under the caps; a time-out fails the test."""
    return run_python(["-m", "hadr_model.cli", *argv], seconds=seconds, memory_bytes=memory_bytes,
                      cwd=cwd, env=env)


def run_python(argv: Sequence[str], *, seconds: float = DEFAULT_SECONDS,
               memory_bytes: int = DEFAULT_MEMORY_BYTES, cwd: str | Path | None = None,
               env: dict[str, str] | None = None) -> Done:
    try:
        done = subprocess.run([sys.executable, *argv], capture_output=True, text=True, timeout=seconds,
                              preexec_fn=_limit(memory_bytes), cwd=cwd, env=env, check=False)
    except subprocess.TimeoutExpired as expired:
        raise AssertionError(f"did not finish within {seconds} s: {list(argv)}") from expired
    return Done(done.returncode, done.stdout, done.stderr)
