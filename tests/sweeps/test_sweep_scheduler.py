"""``hadr sweep --scheduler``: the address is probed before anything is planned or written
(:mod:`hadr_model.cluster`, shared with ``hadr simulate --scheduler``)."""

from __future__ import annotations

import socket
import time

import pytest

from hadr_model import cluster
from hadr_model.cli import main
from hadr_model.errors import SpecError
from hadr_model.sweeps import run_sweep

GRID = {"parameters": {"zone.mttr": [4]}}


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def silent():
    """A server that accepts connections and never sends a byte (no Dask handshake)."""
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(4)
        yield f"tcp://127.0.0.1:{server.getsockname()[1]}"


def _cli(tmp_path, address: str) -> int:
    grid = tmp_path / "grid.yaml"
    grid.write_text("parameters:\n  zone.mttr: [4]\n")
    return main(["sweep", "--function", "availability", "--grid", str(grid), "--out", str(tmp_path / "s"),
                 "--scheduler", address, "--no-progress"])


def test_a_silent_server_exits_2_within_the_probe_time(tmp_path, capsys, monkeypatch, silent):
    monkeypatch.setattr(cluster, "PROBE_SECONDS", 1.0)
    started = time.monotonic()
    assert _cli(tmp_path, silent) == 2
    assert time.monotonic() - started < 1.0 + 2.0
    err = capsys.readouterr().err
    assert err.startswith(f"hadr: error: --scheduler: got '{silent}'") and "sent nothing within 1 s" in err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "s").exists()      # refused before the sweep directory is made


def test_a_closed_port_exits_2_at_once(tmp_path, capsys):
    address = f"tcp://127.0.0.1:{_closed_port()}"
    started = time.monotonic()
    assert _cli(tmp_path, address) == 2
    assert time.monotonic() - started < 5.0
    err = capsys.readouterr().err
    assert err.startswith(f"hadr: error: --scheduler: got '{address}'; expected a reachable Dask scheduler")
    assert "Traceback" not in err and not (tmp_path / "s").exists()


@pytest.mark.parametrize("address", ["no-port", "tcp://host:99999", "tcp://h:1\n", "x" * 5000])
def test_a_malformed_address_is_refused_by_the_api(address):
    with pytest.raises(SpecError) as error:
        run_sweep(GRID, function="availability", scheduler=address)
    assert error.value.field == "scheduler" and "tcp://host:8786" in str(error.value)
    assert len(str(error.value)) < 300


def test_the_api_refuses_a_silent_server_naming_the_field(monkeypatch, silent):
    monkeypatch.setattr(cluster, "PROBE_SECONDS", 0.5)
    with pytest.raises(SpecError, match=r"scheduler: .*sent nothing within 0\.5 s") as error:
        run_sweep(GRID, function="availability", scheduler=silent)
    assert error.value.field == "scheduler"
