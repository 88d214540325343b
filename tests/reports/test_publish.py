"""Fast checks of the report's building blocks: escaping by construction, folder hygiene, locks.

No notebook is run here (the full report, in a browser, is in ``test_report.py`` and
``tests/hostile/test_reports.py``).
"""

from __future__ import annotations

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
    facts = {"spec_path": f"/tmp/{PAYLOAD}.yaml", "spec_sha256": "ab", "seed": 1, "hadr_model_version": "1",
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
