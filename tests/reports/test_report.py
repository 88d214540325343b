"""The published report: self-contained HTML, numbers equal to the engines', opens in a browser.

The browser test drives Debian's headless Chromium over the Chrome DevTools Protocol
(``_browser.DevTools``): it loads the page from disk, records console errors, exceptions and
network requests, checks every ``<img>`` decoded (``naturalWidth > 0``) and saves a full-page
screenshot. Outside CI it skips when Chromium is missing; with ``CI=true`` it must run.
"""

from __future__ import annotations

import base64
import json
import re
import shutil
import tempfile
from pathlib import Path
from typing import Any

import nbformat
import pandas as pd
import pytest
from _browser import DevTools, chromium_executable

import hadr_model
from hadr_model import load_spec
from hadr_model.engines.exact import exact_availability
from hadr_model.errors import HadrError, SpecError
from hadr_model.reports import publish_report, write_index
from hadr_model.reports.sections import json_ready, spec_parameters

SEED = 3
PARAMS = {"mc_runs": 300, "mc_years": 1.0, "dr_disasters": 3000}
REPO_REPORTS = Path(hadr_model.__file__).resolve().parents[1] / "reports"

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def published(tmp_path_factory):
    out = tmp_path_factory.mktemp("reports")
    paths = publish_report(None, out=out, seed=SEED, **PARAMS)
    return paths, json.loads(paths.summary.read_text(encoding="utf-8"))


def _round_trip(value: Any) -> Any:
    return json.loads(json.dumps(json_ready(value)))


# --- files and HTML --------------------------------------------------------------------------

def test_publishes_html_notebook_summary_and_index(published):
    paths, _ = published
    for path in (paths.html, paths.notebook, paths.summary, paths.index):
        assert path.is_file() and path.stat().st_size > 0
    assert paths.pdf is None
    # No staging folder or temporary file left; only the folder's lock file stays.
    assert [p.name for p in paths.html.parent.iterdir() if p.name.startswith(".")] == [".lock"]


def test_html_is_self_contained_and_hides_code(published):
    page = published[0].html.read_text(encoding="utf-8")
    assert not re.search(r"<script[^>]*\bsrc=[\"']https?://", page, re.IGNORECASE)
    assert not re.search(r"<link[^>]*\bhref=[\"']https?://", page, re.IGNORECASE)
    images = re.findall(r"<img[^>]*src=\"([^\"]{0,40})", page)
    assert "No description has been provided" not in page  # every figure has alternative text
    assert len(images) >= 5
    assert all(src.startswith("data:image/png;base64,") for src in images)
    assert 'highlight hl-ipython3' not in page  # code cells hidden (pygments would mark them up)
    assert "rs.show(" not in page and "import hadr_model" not in page
    for heading in ("Summary", "Topology", "What to improve first", "Monte Carlo", "RPO", "strategy",
                    "Assumptions and parameters", "Reproducibility"):
        assert heading in page


def test_html_shows_the_spec_parameters_with_sources(published):
    page = published[0].html.read_text(encoding="utf-8")
    assert "objectives.availability" in page
    assert "99.99 % SLA of all GA IBM Cloud services [fn-hadr]" in page


def test_executed_notebook_is_kept_and_source_notebook_has_no_outputs(published):
    executed = nbformat.read(str(published[0].notebook), as_version=4)
    assert any(cell.get("outputs") for cell in executed.cells if cell.cell_type == "code")
    source = nbformat.read(str(hadr_model.reports.notebook_path()), as_version=4)
    assert all(not cell.get("outputs") and cell.get("execution_count") is None
               for cell in source.cells if cell.cell_type == "code")
    parameters = [cell for cell in source.cells if "parameters" in cell.metadata.get("tags", [])]
    assert len(parameters) == 1
    assert source.metadata.kernelspec.name == "python3"


def test_index_lists_the_report(published):
    paths, summary = published
    index = paths.index.read_text(encoding="utf-8")
    assert f'href="{paths.html.name}"' in index
    assert summary["headline"]["verdict"] in index


def test_index_is_regenerated_from_disk(published, tmp_path):
    paths, _ = published
    for file in (paths.html, paths.summary):
        shutil.copy(file, tmp_path / file.name)
    (tmp_path / "unrelated.json").write_text("{}")
    index = write_index(tmp_path).read_text(encoding="utf-8")
    assert index.count("<tr><td><a href=") == 1
    paths_html = tmp_path / paths.html.name
    paths_html.unlink()
    assert "no reports yet" in write_index(tmp_path).read_text(encoding="utf-8")


# --- numbers ---------------------------------------------------------------------------------

def test_summary_availability_equals_exact_engine(published):
    _, summary = published
    facade = hadr_model.availability(load_spec(), seed=SEED, n_disasters=PARAMS["dr_disasters"])
    assert facade.failover_model == "dr-workflow"
    assert summary["availability"] == _round_trip(facade.to_dict())
    assert summary["availability_instantaneous"] == _round_trip(exact_availability(load_spec()).to_dict())
    assert summary["verdict"] == _round_trip(hadr_model.verdict(load_spec(), seed=SEED,
                                                                n_disasters=PARAMS["dr_disasters"]).as_dict())


def test_summary_sections_equal_the_engines_for_the_same_seed(published):
    _, summary = published
    model = load_spec()
    assert summary["reproducibility"]["seed"] == SEED
    # Every engine has landed: each section is live and equals the engine's own numbers.
    assert summary["sections"] == {"montecarlo": "live", "dr": "live", "strategies": "live",
                                   "sweep": "not requested"}
    from hadr_model.dr import (
        availability_with_failover,
        compare_strategies,
        region_loss_rto_by_region,
        topology_scenarios,
    )
    from hadr_model.engines.montecarlo import simulate

    rto_h = region_loss_rto_by_region(model, n_disasters=PARAMS["dr_disasters"], seed=SEED)
    expected = simulate(model, years=PARAMS["mc_years"], runs=PARAMS["mc_runs"], seed=SEED,
                        failover_rto_h=rto_h).as_dict()
    assert expected["failover_model"] == "dr-workflow"
    expected.pop("seconds")
    got = dict(summary["montecarlo"])
    got.pop("seconds")
    assert got == _round_trip(expected)
    scenarios = topology_scenarios(model, n_disasters=PARAMS["dr_disasters"], seed=SEED)
    assert summary["dr"] == _round_trip({name: {role: r.summary() for role, r in roles.items()}
                                         for name, roles in scenarios.items()})
    realistic, _ = availability_with_failover(model, n_disasters=PARAMS["dr_disasters"], seed=SEED)
    assert summary["availability"] == _round_trip(realistic.to_dict())
    assert summary["headline"]["availability"] == realistic.system.availability
    table = compare_strategies(model.data["db"], model.recovery, model.objectives,
                               n_disasters=PARAMS["dr_disasters"], seed=SEED)
    assert summary["strategies"]["db"] == _round_trip(table.to_dict("records"))


def test_summary_reproducibility_footer(published):
    _, summary = published
    facts = summary["reproducibility"]
    import hashlib

    spec_bytes = hadr_model.default_spec_path().read_bytes()
    assert facts["spec_sha256"] == hashlib.sha256(spec_bytes).hexdigest()
    assert facts["hadr_model_version"] == hadr_model.__version__
    assert facts["generated_at"]


def test_allowed_downtime_follows_the_spec_year():
    import numpy as np

    from hadr_model.reports import sections as rs
    from hadr_model.topology.spec import parse_spec
    from hadr_model.units import MINUTES_PER_YEAR

    assert rs.allowed_downtime_min(0.9999) == pytest.approx(1e-4 * MINUTES_PER_YEAR)
    assert rs.allowed_downtime_min(0.9999, year_hours=8784) == pytest.approx(1e-4 * 8784 * 60)   # 52.704
    with pytest.raises(SpecError):
        rs.allowed_downtime_min(0.9999, year_hours=0)
    raw = {"name": "leap", "year_hours": 8784, "objectives": {"availability": 0.999},
           "blocks": {"parallel": [{"component": {"name": "web", "mttf": "999h", "mttr": "1h", "count": 2}}]}}
    model = parse_spec(raw)
    result = exact_availability(model)
    allowed = 1e-3 * model.year_hours * 60   # 527.04 min; a 525 600-minute year would say 525.6
    headline = rs.availability_headline(result, 0.999, year_hours=model.year_hours)
    assert f"({allowed:.1f} min per year)" in headline and "525.6" not in headline
    # The engine's own downtime uses the same year: the report compares like with like.
    assert result.system.downtime_min_per_year == pytest.approx(result.system.unavailability * allowed / 1e-3)
    figure = rs.plot_downtime_distribution(np.array([10.0, 600.0]), 0.999, year_hours=model.year_hours)
    lines = [line for line in figure.axes[0].get_lines() if "objective" in line.get_label()]
    assert lines[0].get_xdata()[0] == pytest.approx(allowed)
    assert f"objective allows {allowed:.1f} min" in lines[0].get_label()
    sweep = pd.DataFrame({"zone.mttr": [1.0, 2.0], "downtime_min_per_year": [100.0, 200.0],
                          "status": ["ok", "ok"]})
    figure = rs.plot_sweep(sweep, 0.999, year_hours=model.year_hours)
    lines = [line for line in figure.axes[0].get_lines() if line.get_label() == "objective"]
    assert lines[0].get_ydata()[0] == pytest.approx(allowed)


def test_no_not_landed_paths_are_left():
    from hadr_model.reports import sections as rs
    from hadr_model.reports.publish import notebook_path

    assert not hasattr(rs, "engine_available") and "engine_available" not in rs.__all__
    notebook = nbformat.read(str(notebook_path()), as_version=4)
    code = "\n".join(cell.source for cell in notebook.cells)
    assert "engine_available" not in code and "not landed" not in code.lower()
    assert "year_hours=report.year_hours" in code
    assert "rs.not_applicable_html(" in code   # block-form specs: Monte Carlo does not apply, and says so


def test_spec_parameters_carry_their_source_comments():
    table = spec_parameters(hadr_model.default_spec_path().read_text(encoding="utf-8"))
    rows = table.set_index("parameter")
    assert rows.loc["zone.mttf", "value"] == "1y"
    assert "[assumption" in rows.loc["zone", "source"]
    # A comment block of up to three lines above a key is that key's source.
    assert rows.loc["region.uncertainty.mttf", "value"] == "{dist: gamma-posterior, failures: 1, exposure: 5y}"
    assert "[gunawi]" in rows.loc["region.uncertainty.mttf", "source"]
    assert rows.loc["roles.kafka.needs", "value"] == "quorum"
    assert "[ow-ansible]" in rows.loc["roles.kafka.needs", "source"]


# --- failures leave nothing behind -----------------------------------------------------------

def test_bad_spec_leaves_no_report(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("regions:\n  r1: {zones: 0}\n")
    out = tmp_path / "out"
    with pytest.raises(SpecError):
        publish_report(bad, out=out)
    assert not out.exists()


def test_unwritable_out_is_a_clear_error(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(HadrError, match="cannot write reports to"):
        publish_report(None, out=blocker / "reports")


def test_error_raised_in_the_notebook_leaves_no_report(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "keep.txt").write_text("an earlier file")
    with pytest.raises(HadrError, match="report notebook stopped"):
        publish_report(None, out=out, mc_runs=2, dr_disasters=0)   # the DR engine refuses 0 disasters
    # Nothing but the folder's lock file (which a reports folder keeps) was added.
    assert sorted(p.name for p in out.iterdir()) == [".lock", "keep.txt"]


def test_kernel_error_leaves_no_report(tmp_path, monkeypatch):
    broken = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell("summary_path = None", metadata={"tags": ["parameters"]}),
        nbformat.v4.new_code_cell("1 / 0"),
    ], metadata={"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}})
    notebook = tmp_path / "broken.ipynb"
    nbformat.write(broken, str(notebook))
    monkeypatch.setattr("hadr_model.reports.publish.notebook_path", lambda: notebook)
    out = tmp_path / "out"
    with pytest.raises(RuntimeError, match="ZeroDivisionError"):
        publish_report(None, out=out)
    assert not out.exists()


# --- the page in a real browser --------------------------------------------------------------

@pytest.fixture(scope="module")  # same scope as `published`, so it is set up first and can skip early
def chromium() -> str:
    return chromium_executable()


def test_report_renders_in_chromium(chromium, published, tmp_path):
    executable = chromium  # requested first: a skip does not wait for the report to be published
    html_path = published[0].html
    with tempfile.TemporaryDirectory() as profile:
        browser = DevTools(executable, Path(profile))
        try:
            browser.open(html_path, settle_s=0.0)
            images = browser.call("Runtime.evaluate", returnByValue=True, awaitPromise=True, expression=(
                "Promise.all(Array.from(document.images).map(i => i.decode().catch(() => null)))"
                ".then(() => Array.from(document.images).map(i => i.naturalWidth))"))["result"]["value"]
            size = browser.call("Page.getLayoutMetrics")["cssContentSize"]
            page = {"x": 0, "y": 0, "width": size["width"], "height": size["height"], "scale": 1}
            shot = browser.call("Page.captureScreenshot", format="png", captureBeyondViewport=True, clip=page)
        finally:
            browser.close()
    screenshot = tmp_path / "report.png"
    screenshot.write_bytes(base64.b64decode(shot["data"]))
    if REPO_REPORTS.is_dir():  # keep the latest one for people to look at
        shutil.copy(screenshot, REPO_REPORTS / "report-screenshot.png")

    errors = [e for e in browser.events
              if e.get("method") == "Runtime.exceptionThrown"
              or (e.get("method") == "Runtime.consoleAPICalled"
                  and e["params"]["type"] in ("error", "assert"))
              or (e.get("method") == "Log.entryAdded" and e["params"]["entry"]["level"] == "error")]
    fetched = [e["params"]["request"]["url"] for e in browser.events
               if e.get("method") == "Network.requestWillBeSent"]
    assert errors == []
    assert len(images) >= 5 and all(width > 0 for width in images), images
    assert all(url.startswith(("file:", "data:")) for url in fetched), [u[:80] for u in fetched]
    assert screenshot.stat().st_size > 50_000 and size["height"] > 3000


_LAYOUT = """(() => {
  const inside = (e) => {   // the nearest box that scrolls or clips sideways, if any
    for (let a = e.parentElement; a && a !== document.body; a = a.parentElement) {
      const x = getComputedStyle(a).overflowX;
      if (x !== 'visible') return {overflow: x, right: a.getBoundingClientRect().right};
    }
    return null;
  };
  const wide = Array.from(document.querySelectorAll('table, img')).filter(
    e => e.getBoundingClientRect().right > window.innerWidth + 1).map(e => ({tag: e.tagName, box: inside(e)}));
  const top = (selector) => {
    const e = document.querySelector(selector);
    return e ? e.getBoundingClientRect().top : 1e9;
  };
  return {
    width: window.innerWidth, height: window.innerHeight,
    page: Math.max(document.documentElement.scrollWidth, document.body.scrollWidth), wide: wide,
    header: document.querySelector('.hadr-header') ? document.querySelector('.hadr-header').innerText : '',
    header_bottom: document.querySelector('.hadr-header').getBoundingClientRect().bottom,
    verdict_top: top('p.verdict'),
    images: Array.from(document.images).map(i => ({alt: i.alt, shown: i.getBoundingClientRect().width,
                                                   natural: Number(i.getAttribute('width'))})),
  };
})()"""


def test_report_reads_on_a_phone_and_a_desktop(chromium, published, tmp_path):
    """400 px (a phone) and 1400 px: the page never gets wider than the screen (tables and figures
    scroll in their own box), the service, date and verdict are on the first screen, figures stay
    legible and every figure has a description."""
    paths, summary = published
    views = {}
    with tempfile.TemporaryDirectory() as profile:
        browser = DevTools(chromium, Path(profile))
        try:
            browser.open(paths.html, settle_s=0.0)
            for width, mobile in ((400, True), (1400, False)):
                browser.call("Emulation.setDeviceMetricsOverride", width=width, height=800, deviceScaleFactor=1,
                             mobile=mobile)
                browser.evaluate("new Promise(done => requestAnimationFrame(() => setTimeout(done, 100)))")
                views[width] = browser.evaluate(_LAYOUT)
                shot = browser.call("Page.captureScreenshot", format="png")
                (tmp_path / f"report-{width}px.png").write_bytes(base64.b64decode(shot["data"]))
        finally:
            browser.close()
    if REPO_REPORTS.is_dir():  # keep the first screens for people to look at
        for width in views:
            shutil.copy(tmp_path / f"report-{width}px.png", REPO_REPORTS / f"report-screenshot-{width}px.png")
    for width, view in views.items():
        assert view["width"] == width
        assert view["page"] <= width, (width, view["page"])       # no horizontal overflow of the body
        # Whatever is wider than the screen is inside a box that scrolls (nothing clipped out of reach).
        assert all(item["box"] and item["box"]["overflow"] in ("auto", "scroll") and item["box"]["right"] <= width + 1
                   for item in view["wide"]), view["wide"]
        header = view["header"]
        assert f"Availability report: {summary['name']}" in header and summary["date"] in header
        assert summary["headline"]["verdict"] in header
        assert view["header_bottom"] <= view["height"] and view["verdict_top"] < view["height"]   # first screen
        assert len(view["images"]) >= 6
        for image in view["images"]:
            assert len(image["alt"]) >= 80 and any(ch.isdigit() for ch in image["alt"]), image["alt"]
            assert image["alt"].split()[0] in ("Bar", "Diagram", "Histogram", "Cumulative", "Scatter"), image["alt"]
            assert image["shown"] >= min(image["natural"], width - 40) * 0.72 - 1, image   # labels stay legible
    assert views[400]["wide"] and not views[1400]["wide"]        # the phone needs the scroll boxes; 1400 px does not


def test_page_has_no_local_path(published):
    paths, _ = published
    page = paths.html.read_text(encoding="utf-8")
    for local in (str(paths.html.parent.resolve()), str(Path(hadr_model.__file__).resolve().parents[1]),
                  str(Path.home()) + "/", "/tmp/"):
        assert local not in page, local
    assert "<code>hadr_model/specs/functions_platform.yaml</code>" in page
    assert f"-runs{PARAMS['mc_runs']}-disasters{PARAMS['dr_disasters']}-seed{SEED}" in paths.html.name


# --- other inputs ----------------------------------------------------------------------------

def test_block_form_spec_says_which_sections_do_not_apply(tmp_path):
    spec = tmp_path / "web.yaml"
    spec.write_text("name: web-tier\nyear_hours: 8784\nobjectives: {availability: 0.9999}\nblocks:\n  series:\n"
                    "    - component: {name: dns, availability: 0.9999}   # SLA [assumption]\n"
                    "    - component: {name: web, mttf: 1000h, mttr: 1h, count: 2}\n")
    paths = publish_report(spec, out=tmp_path / "out", seed=1, mc_runs=50, dr_disasters=100)
    summary = json.loads(paths.summary.read_text(encoding="utf-8"))
    assert summary["availability"] == _round_trip(exact_availability(load_spec(spec)).to_dict())
    assert summary["sections"]["dr"] == "not applicable"
    assert summary["sections"]["montecarlo"] == "not applicable"  # a fixed availability has no failures to draw
    assert summary["sections"]["strategies"] == "not applicable"
    page = paths.html.read_text(encoding="utf-8")
    assert "Not applicable" in page
    assert 'alt="Reliability block diagram of web-tier with 3 components: series of [dns, web[1], web[2]]."' in page
    assert "not landed" not in page.lower() and "not available yet" not in page.lower()
    # year_hours: 8784 (a leap-year calendar): 99.99 % allows 52.70 min, not the 365-day 52.56.
    assert summary["objectives"]["availability"] == 0.9999
    assert "(52.7 min per year)" in page and "52.6 min" not in page
    assert "nan outages" not in page


def test_sweep_section(tmp_path):
    from hadr_model.sweeps import run_sweep

    sweep_dir = tmp_path / "sweep"
    run_sweep({"parameters": {"zone.mttr": ["4h", "8h"]}}, function="availability", out=sweep_dir)
    paths = publish_report(None, out=tmp_path / "out", sweep=sweep_dir, seed=1, mc_runs=50, dr_disasters=200)
    summary = json.loads(paths.summary.read_text(encoding="utf-8"))
    assert summary["sections"]["sweep"] == "live"
    assert summary["sweep"]["points"] == 2 and summary["sweep"]["parameters"] == ["zone.mttr"]
    assert "sweep" in paths.html.name
    page = paths.html.read_text(encoding="utf-8")
    assert "Sweep <code>sweep</code>: 2 points over zone.mttr." in page
    assert "Scatter charts of downtime min per year at each of the 2 sweep points" in page   # the chart's alt text


def test_restore_order_table_shows_first_median_last_database():
    from hadr_model.dr import topology_scenarios
    from hadr_model.reports.sections import restore_order_table

    results = topology_scenarios(load_spec(), ("region-loss",), n_disasters=500, seed=2)["region_loss"]
    table = restore_order_table(results)
    row = table.iloc[0]
    summary = results["db"].summary()
    assert row["databases"] == 200
    assert row["first database mean h"] == summary["rto_first_database_mean_h"]
    assert row["last database p95 h"] == summary["rto_last_database_p95_h"]
    assert row["first database mean h"] < row["median database mean h"] < row["last database mean h"]


def test_pdf_is_written_when_weasyprint_is_installed(tmp_path):
    try:
        import weasyprint  # noqa: F401
    except (ImportError, OSError) as error:   # the optional 'pdf' extra, or its system libraries
        pytest.skip(f"WeasyPrint is not usable here: {error}")
    spec = tmp_path / "web.yaml"
    spec.write_text("name: web\nblocks: {parallel: [{component: {name: web, mttf: 1000h, mttr: 1h, count: 2}}]}\n")
    paths = publish_report(spec, out=tmp_path / "out", seed=1, mc_runs=50, dr_disasters=100, pdf=True)
    data = paths.pdf.read_bytes()
    # A complete PDF file with the report's figures in it (streams are compressed: no page count).
    assert data.startswith(b"%PDF-") and data.rstrip().endswith(b"%%EOF") and len(data) > 20_000
