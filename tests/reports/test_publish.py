"""Fast checks of the report's building blocks: escaping by construction, folder hygiene, locks.

No notebook is run here (the full report, in a browser, is in ``test_report.py`` and
``tests/hostile/test_reports.py``).
"""

from __future__ import annotations

import base64
import html
import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import nbformat
import pandas as pd
import pytest
from matplotlib.figure import Figure
from matplotlib.text import Text

from hadr_model.errors import HadrError
from hadr_model.reports import notebook_path, publish, write_index
from hadr_model.reports import sections as rs

PAYLOAD = '<img src=x onerror="document.title=\'pwned\'">'


# --- HTML: every spec text is escaped ----------------------------------------------------------

def test_html_text_escapes_values_and_keeps_number_formats():
    page = rs.html_text("<p title=\"{name}\">{name}: {x:.1f}</p>", name=PAYLOAD, x=52.56)
    assert page == ('<p title="&lt;img src=x onerror=&quot;document.title=&#x27;pwned&#x27;&quot;&gt;">'
                    "&lt;img src=x onerror=&quot;document.title=&#x27;pwned&#x27;&quot;&gt;: 52.6</p>")
    assert isinstance(page, rs.SafeHtml) and page._repr_html_() == page
    # Markup made by html_text is inserted as it is; anything else, even a str of markup, is text.
    assert rs.html_text("<div>{a}{b}</div>", a=rs.html_text("<b>{x}</b>", x="<"), b="<b>") == \
        "<div><b>&lt;</b>&lt;b&gt;</div>"
    assert not isinstance(page + "", rs.SafeHtml)  # joining gives plain text again


def test_styled_escapes_cells_headers_and_objects():
    frame = pd.DataFrame({PAYLOAD: [PAYLOAD, "PASS"], "value": [["<script>x</script>"], {"<b>": 1}],
                          "availability": [0.999, 0.9999]}, index=["<i>a</i>", "<i>b</i>"])
    page = rs.styled(frame).to_html()
    assert "<img" not in page and "<script>" not in page and "<b>" not in page and "<i>" not in page
    assert page.count("&lt;img src=x onerror=") == 2 and html.unescape(page).count(PAYLOAD) == 2  # header, cell
    assert "&lt;script&gt;x&lt;/script&gt;" in page and "{&#39;&lt;b&gt;&#39;: 1}" in page  # objects, as text
    assert "99.90 %" in page and "PASS" in page                      # formats and verdicts still apply


def test_prose_helpers_escape_spec_names():
    item = SimpleNamespace(element=PAYLOAD, kind="region", criticality=0.5, risk_reduction_worth=2.0)
    advice = rs.importance_advice(SimpleNamespace(importance=[item]))
    assert advice.startswith("<ul><li><strong>&lt;img src=x") and "<img" not in advice
    facts = {"spec_file": f"{PAYLOAD}.yaml", "spec_sha256": "ab", "seed": 1, "hadr_model_version": "1",
             "python": "3", "libraries": {"numpy": "2"}, "parameters": {"sweep_dir": PAYLOAD},
             "generated_at": "now"}
    footer = rs.reproducibility_html(facts)
    assert "<img" not in footer and footer.count("&lt;img src=x") == 2


def test_notebook_shows_text_only_through_the_escaping_helpers():
    """By construction: no Markdown or raw HTML display in the report notebook."""
    notebook = nbformat.read(str(notebook_path()), as_version=4)
    code = "\n".join(cell.source for cell in notebook.cells if cell.cell_type == "code")
    assert "Markdown" not in code and "HTML(" not in code and "print(" not in code
    displays = re.findall(r"display\((\w+)", code)
    assert displays and set(displays) == {"rs"}, displays   # display(rs.…) only: SafeHtml or a Styler


def test_charts_draw_spec_names_as_plain_text():
    figure = Figure()
    axes = figure.add_subplot()
    axes.barh([0, 1], [1.0, 10.0])
    axes.set_xscale("log")
    axes.set_yticks([0, 1], ["$\\x$ {{7*7}}", "b"], parse_math=False)
    axes.set_title("role '$\\x$'")   # made by someone else's chart function: plain_texts fixes it
    axes.legend(["$\\frac$"])
    rs.plain_texts(figure)
    figure.savefig(io.BytesIO(), format="png")   # mathtext would raise on \x and \frac
    texts = {t.get_text(): t for t in figure.findobj(Text)}
    for text in ("$\\x$ {{7*7}}", "role '$\\x$'", "$\\frac$"):
        assert texts[text].get_parse_math() is False and texts[text].get_usetex() is False
    # The log axis still formats its own numbers with mathtext (10^1 as a power).
    assert any(t.get_text().startswith("$\\mathdefault") and t.get_parse_math() for t in axes.get_xticklabels())


def test_report_charts_survive_dollar_names():
    from hadr_model import load_spec
    from hadr_model.engines.exact import exact_availability

    model = load_spec({"zone": {"mttf": "1y", "mttr": "8h"}, "region": {"mttf": "5y", "mttr": "10h"},
                       "regions": {"$\\x$": {"zones": 2, "fails_over_to": "b$"}, "b$": {"zones": 2}},
                       "roles": {"$\\frac{": {"per_zone": 1, "needs": "any", "mttf": "1000h", "mttr": "1h"}}})
    result = exact_availability(model)
    for figure in (rs.plot_downtime_by_region(result, 0.9999), rs.plot_importance(result)):
        figure.savefig(io.BytesIO(), format="png")
        labels = [t.get_text() for t in figure.axes[0].get_yticklabels()]
        assert any("$\\x$" in label for label in labels)


# --- index.html ----------------------------------------------------------------------------

def _summary(name: object, **report: object) -> dict:
    return {"name": name, "headline": {"availability": 0.99, "verdict": '"><script>alert(1)</script>'},
            "reproducibility": {"generated_at": "2025-01-01", "seed": PAYLOAD},
            "report": {"kind": publish.SUMMARY_KIND, "stem": "s", **report}}


def test_index_escapes_what_summaries_say(tmp_path):
    (tmp_path / "a.html").write_text("report")
    (tmp_path / "a.json").write_text(json.dumps(_summary(PAYLOAD, html="a.html", notebook="javascript:x")))
    (tmp_path / "javascript:alert(1)").write_text("a file with a scheme-like name")
    (tmp_path / "b.json").write_text(json.dumps(_summary("b", html="javascript:alert(1)")))
    (tmp_path / "c.json").write_text(json.dumps({**_summary("c", html="../a.html"), "reproducibility": 3}))
    index = write_index(tmp_path).read_text(encoding="utf-8")
    body = index.split("<tbody>")[1]
    assert "<script" not in body and "<img" not in body and "javascript:" not in body
    assert body.count("&lt;img src=x onerror=&quot;") == 3           # a name and two seeds, as text
    assert 'href="javascript%3Aalert%281%29"' in body                  # a relative file link, not a scheme
    assert 'href="a.json"' in body and "../a.html" not in body        # a path outside the folder is skipped
    assert body.count("<tr>") == 2


# --- folder hygiene --------------------------------------------------------------------------

def _killed_staging(folder: Path) -> Path:
    """A staging folder whose process was SIGKILLed right after making it."""
    code = ("import os, sys; from pathlib import Path; from hadr_model.reports.publish import _Staging; "
            "box = _Staging(Path(sys.argv[1])); (box.path / 'half.html').write_text('half'); "
            "print(box.path, flush=True); os.kill(os.getpid(), 9)")
    done = subprocess.run([sys.executable, "-c", code, str(folder)], capture_output=True, text=True, timeout=60,
                          check=False)
    assert done.returncode == -9, done.stderr
    return Path(done.stdout.strip())


def test_leftovers_of_dead_runs_are_removed_and_live_ones_kept(tmp_path):
    dead = _killed_staging(tmp_path)
    legacy = tmp_path / ".staging-abc123"            # made by a version without owner files
    legacy.mkdir()
    live = publish._Staging(tmp_path)                 # this process holds its owner lock
    for name in (".index-x1.tmp", ".index.html.tmp"):
        (tmp_path / name).write_text("half an index")
    (tmp_path / ".keep-me").write_text("not ours")
    try:
        write_index(tmp_path)
        left = sorted(p.name for p in tmp_path.iterdir())
        assert left == sorted([".keep-me", ".lock", live.path.name, "index.html"])
        assert not dead.exists() and live.path.name.startswith(f".staging-{os.getpid()}-")
    finally:
        live.remove()
    assert not live.path.exists()


def test_lock_waits_then_says_who_holds_it(tmp_path, monkeypatch):
    monkeypatch.setattr(publish, "LOCK_WAIT_S", 0.3)
    with publish._folder_lock(tmp_path), pytest.raises(HadrError, match=r"\.lock for over 0\.3 s"):
        write_index(tmp_path)
    assert write_index(tmp_path).is_file()            # released when the holder is done


def test_lock_on_a_removed_lock_file_is_not_held(tmp_path):
    path = tmp_path / ".lock"
    old = os.open(path, os.O_RDWR | os.O_CREAT)
    try:
        path.unlink()                                 # a failed first report removed its folder's lock
        path.write_text("")
        assert publish._try_lock(old, path) is False  # locked an orphan inode: must reopen
        fresh = os.open(path, os.O_RDWR)
        try:
            assert publish._try_lock(fresh, path) is True
        finally:
            os.close(fresh)
    finally:
        os.close(old)


def test_owner_lock_dies_with_its_process_not_with_its_children(tmp_path):
    """The kernel runs as a child: it must not keep a dead publisher's staging folder 'alive'."""
    box = publish._Staging(tmp_path)
    child = subprocess.Popen([sys.executable, "-c", "import time; print('up', flush=True); time.sleep(30)"],
                             close_fds=False, stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout.readline() == "up\n"   # past its exec: it kept every descriptor it inherited
        assert publish._owner_alive(box.path) is True
        fd, box._fd = box._fd, None
        os.close(fd)                                  # what the kernel does when the publisher dies
        assert publish._owner_alive(box.path) is False
    finally:
        child.kill()
        child.wait()
        box.remove()


# --- any screen, any reader --------------------------------------------------------------------

def _png_size(data: bytes) -> tuple[int, int]:
    return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")


def test_figures_are_2x_pngs_that_scroll_rather_than_shrink_and_carry_their_description():
    figure = Figure(figsize=(9.0, 4.0), layout="constrained")   # as the report's charts
    figure.add_subplot().barh([0, 1], [142.4, 5.8])
    figure.axes[0].bar_label(figure.axes[0].containers[0])     # the first text of the Axes: "142.4"
    figure.axes[0].set_title("Expected downtime")
    assert rs.alt_text(figure) == "Expected downtime"          # a title, never a bar label
    rs.describe(figure, f"Bar chart  of  two values:\n{PAYLOAD}")
    page = rs.figure_html(figure)
    match = re.fullmatch(r'<div class="hadr-figure"><img src="data:image/png;base64,([^"]+)" width="(\d+)" '
                         r'height="(\d+)" style="min-width: (\d+)px" alt="([^"]*)"></div>', page)
    assert match, page[:300]
    data, width, height, narrowest, alt = match.groups()
    png_width, png_height = _png_size(base64.b64decode(data))
    assert 880 <= int(width) <= 960                            # 9 in at 100 CSS px per inch (tight box)
    assert abs(png_width - 2 * int(width)) <= 2 and abs(png_height - 2 * int(height)) <= 2   # 2x pixels
    assert int(narrowest) == round(int(width) * rs.NARROWEST_SCALE)
    assert html.unescape(alt) == f"Bar chart of two values: {PAYLOAD}" and "<img src=x" not in alt


def test_header_names_the_service_date_and_verdict_escaped():
    page = rs.header_html(PAYLOAD, date="2025-03-04", spec_file="a <b>.yaml", seed=7, runs=2000, disasters=20000,
                          verdict="FAIL")
    assert "<img src=x" not in page and "&lt;b&gt;" in page
    text = html.unescape(re.sub(r"<[^>]+>", " ", page))
    assert f"Availability report: {PAYLOAD}" in text
    for fact in ("FAIL", "2025-03-04", "seed 7", "2,000 Monte Carlo runs", "20,000 disasters"):
        assert fact in text
    assert 'class="hadr-badge fail"' in page
    assert 'class="hadr-badge none"' in rs.header_html("x", date="d", spec_file="f", seed=0, runs=2, disasters=1,
                                                        verdict="no objectives")


def test_tables_scroll_in_their_own_box():
    page = rs.table(pd.DataFrame({"<i>col</i>": ["PASS"]}))
    assert page.startswith('<div class="hadr-table"><style') and page.endswith("</table>\n</div>")
    assert "<i>" not in page
    assert '<div class="hadr-table">' in rs.verdict_html(SimpleNamespace(
        passed=True, headline="h", checks=(), rows=lambda: [("availability", "99.99 %", "-", "-", "PASS")]))


def test_spec_is_named_without_a_local_path(tmp_path):
    assert rs.spec_label(rs.default_spec_path()) == "hadr_model/specs/functions_platform.yaml"
    assert rs.spec_label(tmp_path / "deep" / "web.yaml") == "web.yaml"
    facts = rs.reproducibility(rs.read_spec_source(None), 3, {"mc_runs": 10})
    assert facts["spec_file"] == "hadr_model/specs/functions_platform.yaml" and "spec_path" not in facts


def test_file_names_keep_every_run():
    stems = {publish.report_stem("svc", "ab" * 32, seed=seed, runs=runs, years=years, disasters=disasters)
             for seed in (0, 1) for runs in (100, 2000) for years in (1.0, 2.0) for disasters in (500, 20000)}
    assert len(stems) == 16                                    # each number that changes the figures: a file
    stem = publish.report_stem("My Service!", "0123456789abcdef", seed=3, runs=2000, years=1.0, disasters=20000)
    assert stem == "my-service-0123456789-runs2000-disasters20000-seed3"


def test_index_shows_runs_and_disasters(tmp_path):
    summary = _summary("svc", html="a.html")
    summary["reproducibility"]["parameters"] = {"mc_runs": 2000, "dr_disasters": 20000}
    (tmp_path / "a.html").write_text("report")
    (tmp_path / "a.json").write_text(json.dumps(summary))
    index = write_index(tmp_path).read_text(encoding="utf-8")
    assert "<th>runs / disasters</th>" in index and "<td>2000 / 20000</td>" in index
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in index


# --- the notebook ships with the package --------------------------------------------------------

REPOSITORY = Path(__file__).resolve().parents[2]


def test_notebook_is_package_data_and_the_repository_copy_is_the_same():
    import tomllib

    path = notebook_path()
    assert path.parent == Path(rs.__file__).resolve().parents[1] / "notebooks"
    package_data = tomllib.loads((REPOSITORY / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]
    assert "notebooks/*.ipynb" in package_data["hadr_model"]
    copy = REPOSITORY / "notebooks" / path.name
    if copy.exists():   # the copy people open with `make lab`: byte for byte the shipped one
        assert copy.read_bytes() == path.read_bytes(), f"cp {path} {copy}"


def test_notebook_only_displays_what_build_report_computed():
    notebook = nbformat.read(str(notebook_path()), as_version=4)
    code = [cell.source for cell in notebook.cells if cell.cell_type == "code"]
    assert code[1].count("build_report(") == 1 and all("build_report(" not in c for c in code[2:])
    body = "\n".join(code[2:])
    # Nothing is computed in the notebook: no engine, facade or DR call, no summary assembled there.
    for computing in ("hadr_model.", "import ", "simulate(", "availability(", "verdict(", "topology_scenarios",
                      "compare_strategies", "load_spec"):
        assert computing not in body, computing
    assert not re.search(r"summary\[[^\]]*\]\s*=", body)


def test_default_spec_cites_public_sources_only():
    text = rs.default_spec_path().read_text(encoding="utf-8")
    for stale in ("cloud-hadr-facts", "DESIGN.md", "/work/", "/home/"):
        assert stale not in text, stale
    header = rs.spec_header(text)
    entries = re.split(r"\n(?=\s{2}\[)", header.split("\n  [", 1)[1].join(["\n  [", ""]))
    defined = {}
    for entry in entries:
        if match := re.match(r"\s*\[([a-z0-9-]+)\]\s", entry):
            defined[match.group(1)] = entry
    assert len(defined) >= 10
    for name, entry in defined.items():   # an address anyone can open, or a dated publication
        assert "https://" in entry or re.search(r"\b(19|20)\d\d\b", entry), name
    cited = set()
    for line in text.splitlines()[len(header.splitlines()):]:
        if comment := re.search(r"(?:^|\s)#(.*)$", line):
            cited |= {re.split(r"[\s,;:]+", inner)[0] for inner in re.findall(r"\[([^\]]+)\]", comment.group(1))}
    assert cited - {"assumption"} <= set(defined), cited - set(defined)
    assert {"fn-hadr", "ow-ansible", "naldi"} <= cited
