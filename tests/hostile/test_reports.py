"""Hostile input and faults for reports and rendering.

* A spec full of script payloads (names, description, zones, roles, global services and YAML
  comments) is published with ``hadr report`` and opened in a real headless Chromium: no
  script runs (no console message, no dialog, the title unchanged, no request but the page),
  and every payload is visible as text.
* That report is the second run into its folder: the first was SIGKILLed mid-run. The folder
  must end clean (no staging folder, no temporary file) with the report in the index once.
* Publishers finishing together all land in the index exactly once.
* ``hadr show`` escapes control characters in names; ``--png`` of 1,000 regions is refused at
  once instead of taking minutes and gigabytes.
"""

from __future__ import annotations

import importlib.util
import os
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from hadr_model.topology.drawing import MAX_DRAWN_LABELS

from ._bounded import Done, run_bounded


def _load_browser():
    # The DevTools harness lives with the report tests (tests/reports has no package to import from).
    path = Path(__file__).resolve().parents[1] / "reports" / "_browser.py"
    spec = importlib.util.spec_from_file_location("report_browser", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


_browser = _load_browser()

NAME = "<img src=x onerror=\"document.title='pwned-name'\">"
REGION_A = "\"><svg onload=document.title='pwned-region'>"
REGION_B = "$\\x$ {{7*7}}"
ROLE = "<script>document.title='pwned-role'</script>"
DB = "<img src=x onerror=alert('pwned-db')>"
GLOBAL = "<svg onload=alert('pwned-global')>"
ZONE = "<b onmouseover=alert('pwned-zone')>z1"
COMMENT = "<img src=x onerror=\"console.log('pwned-comment')\">"
HEADER = "``` </pre><img src=x onerror=\"document.title='pwned-header'\">"
DESCRIPTION = "<script>document.title='pwned-description'</script>"


def _quoted(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


PAYLOAD_SPEC = f"""\
# Payload header <script>document.title='pwned-h1'</script>
# {HEADER}
name: {_quoted(NAME)}
description: {_quoted(DESCRIPTION)}
zone: {{mttf: 1y, mttr: 8h}}        # {COMMENT}
region: {{mttf: 5y, mttr: 10h}}     # {{{{7*7}}}} $\\x$ "><svg onload=alert('pwned-c2')>
global:
  {_quoted(GLOBAL)}: {{mttf: 99999h, mttr: 1h}}
regions:
  {_quoted(REGION_A)}:
    zones: [{_quoted(ZONE)}, "z2 $\\\\x$", "z3 {{{{7*7}}}}"]
    fails_over_to: {_quoted(REGION_B)}
  {_quoted(REGION_B)}:
    zones: 3
    fails_over_to: {_quoted(REGION_A)}
roles:
  {_quoted(ROLE)}:
    per_zone: 2
    needs: any
    depends_on: [{_quoted(GLOBAL)}]
    mttf: 2000h
    mttr: 30m       # <script>console.log('pwned-c3')</script>
  {_quoted(DB)}: {{per_zone: 1, needs: quorum, mttf: 5000h, mttr: 2h}}
data:
  {_quoted(DB)}:
    size: 2TB
    write_rate: {{records_per_s: 200, bytes_per_record: 2KB}}
    replication: {{within_region: synchronous, across_regions: none}}
    snapshots: {{every: 24h, takes: 30m, copy_to: fails_over_to, copy_takes: 1h, keep: 30d}}
    restore: {{throughput: 100MiB/s, index_rebuild: 30m, verify: 10m}}
    databases: {{count: 3, size: 10GB, slots: 2, shared_throughput: 1GB/s}}
recovery:
  zone_loss:   {{detect: 10s, failover: 1m}}
  region_loss: {{detect: 15m, decide: 30m, provision: 1h, traffic_shift: 5m}}
  corruption:  {{detect: 2d, decide: 30m}}
objectives:
  availability: 0.9999
  rpo: {{zone_loss: 0, region_loss: 25h, corruption: 24h}}
  rto: {{zone_loss: 5m, region_loss: 4h, corruption: 8h}}
"""
VISIBLE = (NAME, DESCRIPTION, REGION_A, REGION_B, ROLE, DB, GLOBAL, ZONE, COMMENT, HEADER, "{{7*7}} $\\x$")
REPORT_ARGS = ("--runs", "50", "--disasters", "200")


def test_payload_spec_is_what_the_test_means():
    raw = yaml.safe_load(PAYLOAD_SPEC)
    assert raw["name"] == NAME and raw["description"] == DESCRIPTION
    assert list(raw["regions"]) == [REGION_A, REGION_B] and raw["regions"][REGION_A]["zones"][0] == ZONE
    assert raw["regions"][REGION_A]["zones"][1:] == ["z2 $\\x$", "z3 {{7*7}}"]
    assert list(raw["roles"]) == [ROLE, DB] and list(raw["global"]) == [GLOBAL]


# --- one report, published after a killed run --------------------------------------------------

def _children(pid: int) -> list[int]:
    """Processes whose parent is ``pid`` (from /proc)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.append(int(entry.name))
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def _kill_mid_run(argv: list[str], out: Path) -> list[str]:
    """Start ``hadr report``, SIGKILL it while its kernel runs the notebook; what it left in ``out``."""
    process = subprocess.Popen([sys.executable, "-m", "hadr_model.cli", *argv],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    kernels: list[int] = []
    try:
        deadline = time.monotonic() + 120
        # Mid-run: papermill has written the output notebook into the staging folder and a kernel runs.
        while not (kernels and list(out.glob(".staging-*/*.ipynb"))):
            assert process.poll() is None, "the report finished before it could be killed"
            assert time.monotonic() < deadline, "the report did not start its kernel within 120 s"
            time.sleep(0.1)
            kernels = _children(process.pid)
        time.sleep(1.0)
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
    # The kernel notices its parent is gone and exits (JPY_PARENT_PID); end it if it does not.
    deadline = time.monotonic() + 15
    while any(_alive(pid) for pid in kernels) and time.monotonic() < deadline:
        time.sleep(0.2)
    for pid in kernels:
        if _alive(pid):
            os.kill(pid, signal.SIGKILL)
    return sorted(p.name for p in out.iterdir())


@dataclass(frozen=True)
class Published:
    out: Path
    left_by_kill: list[str]
    done: Done

    @property
    def html(self) -> Path:
        return next(p for p in self.out.glob("*.html") if p.name != "index.html")


@pytest.fixture(scope="module")
def published(tmp_path_factory) -> Published:
    root = tmp_path_factory.mktemp("hostile-report")
    spec = root / "payload.yaml"
    spec.write_text(PAYLOAD_SPEC, encoding="utf-8")
    out = root / "reports"
    argv = ["report", str(spec), "--out", str(out), *REPORT_ARGS]
    left = _kill_mid_run(argv, out)
    (out / ".index-killed.tmp").write_text("half an index")  # what a writer killed mid-write leaves
    done = run_bounded(argv, seconds=300)
    return Published(out, left, done)


@pytest.mark.slow
def test_killed_report_leaves_staging_and_the_next_run_cleans_it(published):
    assert any(name.startswith(".staging-") for name in published.left_by_kill), published.left_by_kill
    assert published.done.returncode == 0, published.done.stderr[-3000:]
    stem = published.html.stem
    assert sorted(p.name for p in published.out.iterdir()) == sorted(
        [".lock", "index.html", f"{stem}.html", f"{stem}.ipynb", f"{stem}.json"])
    index = (published.out / "index.html").read_text(encoding="utf-8")
    assert index.count("<tr><td><a href=") == 1 and index.count(f'href="{stem}.html"') == 1


@pytest.fixture(scope="module")
def rendered(published) -> dict[str, dict]:
    """What Chromium saw of the report page and of the index: events, title, text, DOM facts."""
    assert published.done.returncode == 0, published.done.stderr[-3000:]
    executable = _browser.chromium_executable()
    views = {}
    with tempfile.TemporaryDirectory() as profile:
        browser = _browser.DevTools(executable, Path(profile))
        try:
            for name, page in (("report", published.html), ("index", published.out / "index.html")):
                browser.events.clear()
                browser.open(page, settle_s=1.0)
                views[name] = {
                    "url": page.resolve().as_uri(),
                    "title": browser.evaluate("document.title"),
                    "text": browser.evaluate("document.body.innerText"),
                    "handlers": browser.evaluate(
                        "Array.from(document.querySelectorAll('*')).flatMap(e => Array.from(e.attributes)"
                        ".filter(a => a.name.startsWith('on')).map(a => e.tagName + ' ' + a.name))"),
                    "images": browser.evaluate("Array.from(document.images).map(i => i.src.slice(0, 22))"),
                    "scripts": browser.evaluate(
                        "Array.from(document.scripts).filter(s => s.textContent.includes('pwned')).length"),
                    "events": list(browser.events),
                }
        finally:
            browser.close()
    return views


@pytest.mark.slow
@pytest.mark.parametrize("page", ["report", "index"])
def test_no_script_from_the_spec_runs_in_the_browser(rendered, page):
    view = rendered[page]
    events = view["events"]
    methods = [e.get("method") for e in events]
    console = [e["params"] for e in events if e.get("method") == "Runtime.consoleAPICalled"]
    assert console == [], console
    assert "Runtime.exceptionThrown" not in methods and "Page.javascriptDialogOpening" not in methods
    expected_title = f"Availability report: {NAME}" if page == "report" else "hadr_model reports"
    assert view["title"] == expected_title
    assert view["handlers"] == []          # no element carries an on… attribute
    assert view["scripts"] == 0            # no script element holds spec text
    requests = [e["params"]["request"]["url"] for e in events if e.get("method") == "Network.requestWillBeSent"]
    assert all(url == view["url"] or url.startswith("data:") for url in requests), requests   # no <img src=x>
    assert all(src.startswith("data:image/png;base64") for src in view["images"]), view["images"]


@pytest.mark.slow
def test_every_payload_is_visible_as_text(rendered):
    text = rendered["report"]["text"]
    missing = [payload for payload in VISIBLE if payload not in text]
    assert missing == []
    assert "Payload header <script>document.title='pwned-h1'</script>" in text   # the spec header, in a <pre>
    assert NAME in rendered["index"]["text"]


# --- concurrent publishers -------------------------------------------------------------------

_PUBLISHER = r"""
import json, sys, time
from pathlib import Path

import nbformat

from hadr_model.reports import publish

out, barrier, worker, rounds, workers = Path(sys.argv[1]), Path(sys.argv[2]), *map(int, sys.argv[3:6])


def notebook_done(notebook, output, parameters, timeout_s, **options):
    # The notebook's work reduced to the two files it leaves in the staging folder.
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("report")]), str(output))
    seed = parameters["seed"]
    Path(parameters["summary_path"]).write_text(json.dumps({
        "name": f"spec-{seed}", "headline": {"availability": 0.999, "verdict": "FAIL"},
        "reproducibility": {"seed": seed, "generated_at": "2025-01-01T00:00:00+00:00"}}))
    return output


finish_summary = publish._finish_summary


def finish_then_wait(summary_file, stem, pdf):
    # The last step before publishing: every publisher waits here for the others, so that all
    # of them move their files in and rebuild the index at the same moment.
    finish_summary(summary_file, stem, pdf)
    step = int(stem.rsplit("seed", 1)[1]) % rounds
    (barrier / f"{step}-{worker}").touch()
    deadline = time.monotonic() + 60
    while len(list(barrier.glob(f"{step}-*"))) < workers:
        assert time.monotonic() < deadline, "the other publishers did not arrive"
        time.sleep(0.001)


publish._execute = notebook_done
publish._finish_summary = finish_then_wait
for step in range(rounds):
    publish.publish_report(None, out=out, seed=worker * rounds + step)
print("published")
"""


@pytest.mark.slow
def test_publishers_finishing_together_are_each_listed_once(tmp_path):
    out, barrier = tmp_path / "reports", tmp_path / "barrier"
    barrier.mkdir()
    workers, rounds = 4, 3
    processes = [subprocess.Popen([sys.executable, "-c", _PUBLISHER, str(out), str(barrier), str(w), str(rounds),
                                   str(workers)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                 for w in range(workers)]
    results = [p.communicate(timeout=180) for p in processes]
    assert [p.returncode for p in processes] == [0] * workers, [err[-2000:] for _, err in results]
    index = (out / "index.html").read_text(encoding="utf-8")
    stems = sorted(p.stem for p in out.glob("*.json"))
    assert len(stems) == workers * rounds
    assert index.count("<tr><td><a href=") == workers * rounds
    assert all(index.count(f'href="{stem}.html"') == 1 for stem in stems)
    assert sorted(p.name for p in out.iterdir() if p.name.startswith(".")) == [".lock"]


# --- terminal and pictures -------------------------------------------------------------------

def test_show_escapes_control_characters(tmp_path):
    """Names of elements cannot hold control characters (the spec refuses them); the service's
    name can, and a bidirectional override is not a control character: both are escaped."""
    spec = tmp_path / "ansi.yaml"
    spec.write_text('name: "svc\\e]0;pwned\\a\\e[2J\\r\\x08"\nzone: {mttf: 1y, mttr: 8h}\n'
                    'region: {mttf: 5y, mttr: 10h}\nregions:\n  "eu\\u202egb": {zones: 2}\n'
                    'roles:\n  "web\\u2066x": {per_zone: 1, needs: any, mttf: 1000h, mttr: 1h}\n')
    done = run_bounded(["show", str(spec)], seconds=60)
    assert done.returncode == 0, done.stderr
    assert not any(ch in done.stdout for ch in "\x1b\x07\x08\r\u202e\u2066")
    for shown in ("svc\\x1b]0;pwned\\x07\\x1b[2J\\r\\x08: 1 regions", "eu\\u202egb", "web\\u2066x"):
        assert shown in done.stdout, done.stdout


def test_show_png_of_a_thousand_regions_is_refused_at_once(tmp_path):
    spec = tmp_path / "big.yaml"
    spec.write_text(yaml.safe_dump({
        "zone": {"mttf": "1y", "mttr": "8h"}, "region": {"mttf": "5y", "mttr": "10h"},
        "regions": {f"r{i}": {"zones": 3} for i in range(1000)},
        "roles": {f"role{j}": {"per_zone": 1, "needs": "any", "mttf": "1000h", "mttr": "1h"} for j in range(5)}}))
    target = tmp_path / "big.png"
    start = time.monotonic()
    done = run_bounded(["show", str(spec), "--png", str(target)], seconds=30, memory_bytes=2 * 1024**3)
    done.assert_refused("--png", "1,000 regions", "21,001 labels", f"at most {MAX_DRAWN_LABELS:,}")
    assert time.monotonic() - start < 20 and not target.exists()
