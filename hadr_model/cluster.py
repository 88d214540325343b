"""Dask scheduler addresses, checked before a client is started (Monte Carlo and sweeps).

A ``distributed.Client`` retries a refused address until its timeout, and waits forever,
whatever its timeout, on a server that accepts the connection and stays silent (a Dask
scheduler speaks first: its handshake). So both ``hadr simulate --scheduler`` and ``hadr sweep
--scheduler`` probe the address first: a malformed address, a refused port or a silent server is
a :class:`~hadr_model.errors.SpecError` within :data:`PROBE_SECONDS`, naming the address.

This module imports nothing heavier than :mod:`socket`, so that the engines and the sweeps can
both use it without importing each other (or Dask).

Examples
--------
>>> check_address("tcp://10.0.0.5:8786")
'tcp://10.0.0.5:8786'
>>> check_address("no-port")
Traceback (most recent call last):
...
hadr_model.errors.SpecError: scheduler: got 'no-port'; expected a Dask scheduler address such as 'tcp://host:8786'
"""

from __future__ import annotations

import socket
from typing import Any

from .errors import SpecError

__all__ = ["MAX_ADDRESS_CHARS", "PROBE_SECONDS", "check_address", "check_reachable", "killed_worker_error"]

PROBE_SECONDS = 5.0
MAX_ADDRESS_CHARS = 1000
_EXAMPLE = "a Dask scheduler address such as 'tcp://host:8786'"
_PROBED = ("", "tcp", "tls")   # other transports (inproc, ucx, ...): let Dask judge


def check_address(address: Any, field: str = "scheduler") -> str:
    """``address`` when it can be a scheduler address: printable text, ``[scheme://]host:port`` for
    TCP and TLS, at most :data:`MAX_ADDRESS_CHARS` characters (checked before it is quoted)."""
    if not (isinstance(address, str) and 0 < len(address) <= MAX_ADDRESS_CHARS and address.isprintable()):
        raise SpecError(field, address if isinstance(address, (str, int)) else type(address).__name__, _EXAMPLE)
    scheme, _, rest = address.rpartition("://")
    if scheme in _PROBED:
        host, _, port = rest.rpartition(":")
        if not (host and port.isdigit() and 0 < int(port) < 65536):
            raise SpecError(field, address, _EXAMPLE)
    return address


def check_reachable(address: str, field: str = "scheduler", probe_seconds: float | None = None) -> None:
    """Refuse at once a malformed, refused or silent TCP scheduler address.

    Connects with a ``probe_seconds`` timeout (default :data:`PROBE_SECONDS`) and, over plain
    TCP, waits as long for the first byte of the scheduler's handshake (over TLS the client
    speaks first: connecting is all that is checked).

    Raises
    ------
    SpecError
        ``field`` naming the address: refused, unreachable, closed, or silent for ``probe_seconds``.
    """
    check_address(address, field)
    probe_seconds = PROBE_SECONDS if probe_seconds is None else probe_seconds
    scheme, _, rest = address.rpartition("://")
    if scheme not in _PROBED:
        return
    host, _, port = rest.rpartition(":")
    try:
        with socket.create_connection((host.strip("[]"), int(port)), timeout=probe_seconds) as probe:
            if scheme != "tls" and not probe.recv(1):
                raise ConnectionError("closed the connection")
    except TimeoutError:
        raise SpecError(field, address, f"a Dask scheduler: it accepted the connection but sent nothing "
                                        f"within {probe_seconds:g} s") from None
    except OSError as error:
        raise SpecError(field, address, f"a reachable Dask scheduler ({error.strerror or error})") from None


def killed_worker_error(error: BaseException, field: str, where: str) -> SpecError | None:
    """A :class:`SpecError` for a ``distributed.KilledWorker`` (workers died running a task, on
    every retry), or ``None`` for any other error.

    Dask runs a task whose worker died again elsewhere, up to
    ``distributed.scheduler.allowed-failures`` times (3 by default), before it gives up with
    ``KilledWorker``: the task itself is then the likely cause (memory, a crash in native code),
    or the workers are being stopped.
    """
    try:
        from distributed import KilledWorker
    except ImportError:
        return None
    if not isinstance(error, KilledWorker):
        return None
    tries = error.args[2] + 1 if len(error.args) > 2 and isinstance(error.args[2], int) else 0
    last = getattr(error.args[1], "address", None) if len(error.args) > 1 else None
    how = f"{tries} attempt{'s' if tries > 1 else ''}" if tries else "every attempt"
    at = f", the last on worker {str(last)[:100]}" if last else ""
    return SpecError(field, where, f"Dask workers that stay up: the worker running a task died ({how}{at}; "
                                   "out of memory, a crash, or workers stopped? see the worker logs)")
