"""Hostile ``hadr simulate --scheduler`` addresses (issue 12, item 5): refused within seconds.

A Dask client waits until its timeout on a refused address, and forever on a server that
accepts the connection and stays silent; each case here exits 2 with one line naming
``--scheduler`` (or ``--workers``), no traceback, within a few seconds.
"""

from __future__ import annotations

import socket
import time

import pytest

from ._bounded import run_bounded


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _refused(argv: list[str], *fragments: str, seconds: float = 20.0) -> float:
    started = time.monotonic()
    done = run_bounded(["simulate", "--runs", "100", *argv], seconds=seconds)
    done.assert_refused(*fragments)
    return time.monotonic() - started


@pytest.mark.parametrize("address, fragment", [
    ("tcp://127.0.0.1:{port}", "reachable Dask scheduler"),
    ("tcp://127.0.0.1:65536", "such as 'tcp://host:8786'"),
    ("nonsense", "such as 'tcp://host:8786'"),
    ("tcp://no-such-host.invalid:8786", "reachable Dask scheduler"),
    ("x" * 100_000, "such as 'tcp://host:8786'"),
    ("tcp://127.0.0.1:8786\x1b[2J", "such as 'tcp://host:8786'"),
])
def test_bad_scheduler_addresses_are_refused_at_once(address, fragment):
    address = address.replace("{port}", str(_closed_port()))
    assert _refused(["--scheduler", address], "--scheduler", fragment) < 15


@pytest.mark.slow
def test_a_silent_server_is_refused_within_the_probe_time():
    with socket.socket() as server:     # accepts connections (the backlog), never speaks
        server.bind(("127.0.0.1", 0))
        server.listen(4)
        elapsed = _refused(["--scheduler", f"tcp://127.0.0.1:{server.getsockname()[1]}"], "--scheduler",
                           "sent nothing within 5 s")
    assert elapsed < 15


def test_workers_with_a_scheduler_are_refused():
    _refused(["--scheduler", f"tcp://127.0.0.1:{_closed_port()}", "--workers", "2"], "--workers", "cluster's workers")
