"""A minimal Chrome DevTools Protocol client driving Debian's headless Chromium.

Shared by the report tests: it loads a page from disk and records console messages,
exceptions, dialogs and network requests (a websocket from ``websocket-client``, which Jupyter
already depends on). Outside CI the tests skip when Chromium is missing; with ``CI=true`` they
must run.
"""

from __future__ import annotations

import itertools
import json
import os
import shutil
import subprocess
import time
import urllib.request
from pathlib import Path
from typing import Any

import pytest

FLAGS = ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run", "--no-default-browser-check",
         "--remote-debugging-port=0", "--remote-allow-origins=*", "--hide-scrollbars")


class DevTools:
    """One page of a headless Chromium; every event received is kept in ``events``.

    A JavaScript dialog (``alert``) is recorded and dismissed at once, so that a page that
    opens one cannot block the test.
    """

    def __init__(self, executable: str, profile: Path) -> None:
        import websocket

        self.process = subprocess.Popen([executable, *FLAGS, f"--user-data-dir={profile}", "about:blank"],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        port = self._port(profile / "DevToolsActivePort")
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=10) as response:
            page = next(t for t in json.load(response) if t["type"] == "page")
        self.socket = websocket.create_connection(page["webSocketDebuggerUrl"], timeout=60,
                                                  suppress_origin=True)
        self.ids = itertools.count(1)
        self.events: list[dict[str, Any]] = []

    def _port(self, port_file: Path) -> str:
        deadline = time.monotonic() + 30
        while not (port_file.is_file() and port_file.read_text().strip()):
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("chromium did not start its DevTools endpoint")
            time.sleep(0.05)
        return port_file.read_text().split()[0]

    def _send(self, method: str, **params: Any) -> int:
        ident = next(self.ids)
        self.socket.send(json.dumps({"id": ident, "method": method, "params": params}))
        return ident

    def _receive(self) -> dict[str, Any]:
        message = json.loads(self.socket.recv())
        if message.get("method") == "Page.javascriptDialogOpening":
            self._send("Page.handleJavaScriptDialog", accept=False)
        return message

    def call(self, method: str, **params: Any) -> dict[str, Any]:
        ident = self._send(method, **params)
        while True:
            message = self._receive()
            if message.get("id") == ident:
                assert "error" not in message, (method, message["error"])
                return message.get("result", {})
            self.events.append(message)

    def wait_for(self, method: str) -> None:
        while not any(e.get("method") == method for e in self.events):
            self.events.append(self._receive())

    def evaluate(self, expression: str) -> Any:
        """The JSON value of a JavaScript expression (promises awaited)."""
        reply = self.call("Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True)
        assert "exceptionDetails" not in reply, reply
        return reply["result"].get("value")

    def open(self, path: Path, *, settle_s: float = 0.5) -> None:
        """Enable the event domains, load ``path`` and wait for its load event, then a moment more."""
        for domain in ("Runtime", "Log", "Page", "Network"):
            self.call(f"{domain}.enable")
        self.call("Emulation.setDeviceMetricsOverride", width=1280, height=900, deviceScaleFactor=1,
                  mobile=False)
        self.call("Page.navigate", url=path.resolve().as_uri())
        self.wait_for("Page.loadEventFired")
        # Handlers such as onerror of a broken image run just after load: give them time to fire.
        deadline = time.monotonic() + settle_s
        while time.monotonic() < deadline:
            self.evaluate("1")
            time.sleep(0.05)

    def close(self) -> None:
        try:
            self.socket.close()
        finally:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)


def chromium_executable() -> str:
    """Chromium's path; skips the test when it is missing (fails instead under ``CI=true``)."""
    executable = shutil.which("chromium") or shutil.which("chromium-browser")
    missing = None
    if executable is None:
        missing = "Chromium is not installed (apt-get install chromium)"
    else:
        try:
            import websocket  # noqa: F401
        except ImportError:
            missing = "websocket-client is not installed"
    if missing and os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{missing}: the browser test must run under CI=true")
    if missing:
        pytest.skip(missing)
    return executable
