"""Publish the availability report: papermill run → self-contained HTML, notebook, JSON summary.

Everything is produced in a hidden staging folder inside ``out`` and moved into place only
once the whole report exists, so a failure (bad spec, kernel error, missing PDF extra) leaves
nothing half-written next to the published reports. ``index.html`` is then regenerated from
the summaries on disk.

Crash and concurrency hygiene:

* ``out/.lock`` is an exclusive ``flock`` held while the folder's published files change
  (staging folders created or removed, reports moved in, ``index.html`` rebuilt), so reports
  finishing together each appear in the index exactly once;
* each staging folder ``.staging-<pid>-…`` holds an ``flock`` on its ``.owner`` file for as
  long as its process lives (the kernel releases it when the process dies, even by SIGKILL);
  every run removes the staging folders whose owner lock is free, and the temporary index
  files a killed writer left;
* ``index.html`` is written to a temporary file unique to the writer and renamed into place.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import html
import json
import os
import re
import shutil
import socket
import tempfile
import time
import urllib.parse
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import HadrError, SpecError
from ..topology.spec import default_spec_path, load_spec
from .sections import read_spec_source

__all__ = ["NOTEBOOK_NAME", "ReportPaths", "export_html", "notebook_path", "publish_report", "report_stem",
           "write_index"]

NOTEBOOK_NAME = "availability_report.ipynb"
SUMMARY_KIND = "hadr-availability-report"
_KERNEL = "python3"
LOCK_NAME = ".lock"
_STAGING_PREFIX = ".staging-"
_OWNER_NAME = ".owner"
_INDEX_TEMP_PREFIX = ".index"  # .index-XXXX.tmp (and .index.html.tmp, the name older versions used)
LOCK_WAIT_S = 60.0  # the lock is held for milliseconds; longer means a stopped process holds it

# nbconvert's templates reference CDN scripts (require.js, MathJax, mermaid); the report uses
# none of them, and a report must open offline without fetching anything.
_EXTERNAL_TAGS = (
    re.compile(r"<script\b[^>]*\bsrc=[\"']https?://[^>]*>\s*</script>", re.IGNORECASE),
    re.compile(r"<link\b[^>]*\bhref=[\"']https?://[^>]*>", re.IGNORECASE),
    re.compile(r"<script\b[^>]*type=[\"']module[\"'][^>]*>(?:(?!</script>).)*?https?://(?:(?!</script>).)*</script>",
               re.IGNORECASE | re.DOTALL),
)
_STYLE = """<style>
/* hadr report: a readable column on any screen; tables and figures scroll inside their own box
   instead of widening the page or being clipped. */
body { max-width: 1180px; margin: 0 auto; padding: 0 16px 48px; }
.jp-Cell, .jp-Cell-outputWrapper, .jp-OutputArea, .jp-OutputArea-child, .jp-OutputArea-output { min-width: 0; }
.jp-OutputArea-output { overflow-x: auto; }
.jp-RenderedHTMLCommon table { font-size: 12px; }
.hadr-table, .hadr-figure { overflow-x: auto; max-width: 100%; margin: 0.5em 0 1em;
  /* a shadow at the edge that has more to scroll to (it stays put while the content moves) */
  background:
    linear-gradient(to right, #fff 30%, rgba(255, 255, 255, 0)) left / 40px 100% no-repeat local,
    linear-gradient(to left, #fff 30%, rgba(255, 255, 255, 0)) right / 40px 100% no-repeat local,
    radial-gradient(farthest-side at 0 50%, rgba(0, 0, 0, .18), rgba(0, 0, 0, 0)) left / 12px 100% no-repeat scroll,
    radial-gradient(farthest-side at 100% 50%, rgba(0, 0, 0, .18), transparent) right / 12px 100% no-repeat scroll; }
.hadr-table table { background: transparent; }
.hadr-figure img { display: block; max-width: 100%; height: auto; }
.jp-RenderedImage img { max-width: 100%; height: auto; }
.hadr-header h1 { margin: 0.6em 0 0.2em; font-size: 1.9em; overflow-wrap: anywhere; }
.hadr-meta { color: #444; margin: 0 0 0.8em; }
.hadr-badge { display: inline-block; padding: 0 0.5em; border-radius: 3px; color: #fff; font-weight: bold;
  background: #555; }
.hadr-badge.pass { background: #0072B2; } .hadr-badge.fail { background: #D55E00; }
p.verdict { font-size: 1.1em; padding: 0.4em 0.7em; border-left: 6px solid #555; background: #f5f5f5; }
p.verdict.pass { border-color: #0072B2; } p.verdict.fail { border-color: #D55E00; }
code, pre { overflow-wrap: anywhere; white-space: pre-wrap; }
@media (max-width: 640px) {
  body { padding: 0 10px 32px; }
  .jp-Cell { padding: 0; }
  /* table cells wrap on a phone (the tables set nowrap per cell, hence !important) */
  .hadr-table th, .hadr-table td { white-space: normal !important; }
}
@media print {
  .hadr-figure img { min-width: 0 !important; }
  .hadr-table, .hadr-figure { overflow: visible; background: none; }
}
</style>
"""


@dataclass(frozen=True)
class ReportPaths:
    """Files of one published report."""

    html: Path
    notebook: Path
    summary: Path
    index: Path
    pdf: Path | None = None


def notebook_path() -> Path:
    """The report notebook, shipped inside the package (``hadr_model/notebooks/``).

    It is package data, so an installed ``hadr_model`` (``pip install``) publishes reports
    without a checkout of the repository.

    Examples
    --------
    >>> notebook_path().relative_to(notebook_path().parents[2]).as_posix()
    'hadr_model/notebooks/availability_report.ipynb'
    """
    path = Path(__file__).resolve().parents[1] / "notebooks" / NOTEBOOK_NAME
    if not path.is_file():
        raise HadrError(f"the report notebook {path} is missing: reinstall hadr_model "
                        "(it ships as package data)")
    return path


def report_stem(name: str, sha256: str, *, seed: int, runs: int, years: float, disasters: int) -> str:
    """The file stem of a report: the spec and everything that changes its numbers.

    Another seed, number of runs or of disasters gives another file (and another row in the
    index) instead of replacing the report made with other numbers. The seed comes last.

    Examples
    --------
    >>> report_stem("Functions platform", "3f2a9c1b07aa", seed=1, runs=2000, years=1.0, disasters=20000)
    'functions-platform-3f2a9c1b07-runs2000-disasters20000-seed1'
    >>> report_stem("web", "ab" * 32, seed=0, runs=50, years=2.5, disasters=100)
    'web-ababababab-runs50x2.5y-disasters100-seed0'
    """
    runs_part = f"runs{runs}" if years == 1 else f"runs{runs}x{years:g}y"
    return f"{_slug(name)}-{sha256[:10]}-{runs_part}-disasters{disasters}-seed{seed}"


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "report"


def _check_inputs(spec: str | Path | None, sweep: str | Path | None, pdf: bool) -> tuple[Path, Any]:
    spec_path = Path(spec).resolve() if spec is not None else default_spec_path()
    model = load_spec(spec_path)  # a bad spec fails here, before a kernel is started
    if sweep is not None and not Path(sweep).is_dir():
        raise SpecError("--sweep", str(sweep), "the folder of a finished sweep")
    if pdf:
        try:
            import weasyprint  # noqa: F401
        except ImportError:
            raise HadrError("--pdf needs WeasyPrint: pip install 'hadr_model[pdf]' "
                            "(and Debian's libpango-1.0-0 libpangoft2-1.0-0)") from None
        except OSError as error:  # WeasyPrint installed but its system libraries are not
            raise HadrError(f"--pdf: WeasyPrint cannot load its system libraries ({error})") from None
    return spec_path, model


def _prepare_out(out: str | Path) -> tuple[Path, bool]:
    folder = Path(out)
    existed = folder.is_dir()
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise HadrError(f"cannot write reports to {folder}: {error.strerror or error}") from None
    return folder, existed


# --- locks and staging -----------------------------------------------------------------------

@contextlib.contextmanager
def _folder_lock(folder: Path) -> Iterator[None]:
    """Hold the exclusive lock ``folder/.lock`` (creating it; it is also the write test)."""
    path = folder / LOCK_NAME
    deadline = time.monotonic() + LOCK_WAIT_S
    while True:
        try:
            folder.mkdir(parents=True, exist_ok=True)  # a failed first report may have removed it
            fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        except OSError as error:
            raise HadrError(f"cannot write reports to {folder}: {error.strerror or error}") from None
        if _try_lock(fd, path):
            break
        os.close(fd)
        if time.monotonic() > deadline:
            raise HadrError(f"another process has held {path} for over {LOCK_WAIT_S:g} s (a stopped "
                            "`hadr report`?); wait for it to finish, or end it and run again")
        time.sleep(0.05)
    try:
        yield
    finally:
        os.close(fd)  # closing the descriptor releases the lock


def _try_lock(fd: int, path: Path) -> bool:
    """Lock ``fd`` if free; True only if ``path`` still names the locked file."""
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    # A failed first report removes the folder and this file under the lock: whoever waited
    # on the removed file must lock the one now at the path, or two processes would both "hold" it.
    try:
        here, held = os.stat(path), os.fstat(fd)
    except FileNotFoundError:
        return False
    return (here.st_dev, here.st_ino) == (held.st_dev, held.st_ino)


class _Staging:
    """A staging folder ``.staging-<pid>-…`` whose ``.owner`` file stays locked while we live."""

    def __init__(self, folder: Path) -> None:
        # Absolute: the kernel runs inside the staging folder, so a relative path would point elsewhere.
        self.path = Path(tempfile.mkdtemp(dir=folder.resolve(), prefix=f"{_STAGING_PREFIX}{os.getpid()}-"))
        self._fd: int | None = os.open(self.path / _OWNER_NAME, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)  # new file: nobody else can hold it
        os.write(self._fd, f"pid {os.getpid()} on {socket.gethostname()}\n".encode())

    def files(self) -> list[Path]:
        return sorted(p for p in self.path.iterdir() if p.name != _OWNER_NAME)

    def remove(self) -> None:
        shutil.rmtree(self.path, ignore_errors=True)
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


def _owner_alive(staging: Path) -> bool:
    """Whether the process that made ``staging`` still holds its owner lock."""
    try:
        fd = os.open(staging / _OWNER_NAME, os.O_RDWR | os.O_CLOEXEC)
    except FileNotFoundError:
        return False  # made before its owner file (under the folder lock, so: by an older version)
    except OSError:
        return True   # cannot tell: leave it alone
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)
    return False


def _remove_leftovers(folder: Path) -> None:
    """Remove what killed runs left: staging folders of dead owners, temporary index files.

    Called with the folder lock held: a live writer's temporary index exists only under the lock.
    """
    for entry in folder.iterdir():
        if entry.name.startswith(_STAGING_PREFIX) and entry.is_dir() and not entry.is_symlink():
            if not _owner_alive(entry):
                shutil.rmtree(entry, ignore_errors=True)
        elif entry.name.startswith(_INDEX_TEMP_PREFIX) and entry.name.endswith(".tmp"):
            entry.unlink(missing_ok=True)


def _remove_if_unused(folder: Path) -> None:
    """Remove a folder this run created when nothing but the lock file is in it (best effort:
    it runs while another error is on its way to the user)."""
    with contextlib.suppress(HadrError, OSError), _folder_lock(folder):
        if {p.name for p in folder.iterdir()} <= {LOCK_NAME}:
            (folder / LOCK_NAME).unlink(missing_ok=True)
            folder.rmdir()


def _open_staging(folder: Path, existed: bool) -> _Staging:
    """Clean what killed runs left, then make this run's staging folder (under the folder lock)."""
    try:
        with _folder_lock(folder):
            _remove_leftovers(folder)
            return _Staging(folder)
    except (OSError, HadrError) as error:
        if not existed:
            _remove_if_unused(folder)
        if isinstance(error, HadrError):
            raise
        raise HadrError(f"cannot write reports to {folder}: {error.strerror or error}") from None


def publish_report(spec: str | Path | None = None, *, out: str | Path = "reports/",
                   sweep: str | Path | None = None, seed: int = 0, pdf: bool = False,
                   mc_runs: int = 2000, mc_years: float = 1.0, dr_disasters: int = 20_000,
                   name: str | None = None, timeout_s: int = 900,
                   progress: Callable[[str], None] | None = None, progress_bar: bool = False,
                   records: str | Path | None = None) -> ReportPaths:
    """Run the report notebook for a spec and publish it under ``out``.

    Parameters
    ----------
    spec : path or None
        YAML spec (``None``: the shipped default topology).
    out : path
        Folder of the published reports (created if needed).
    sweep : path, optional
        Folder of a finished sweep, for the sweep charts.
    seed : int
        Seed of every random engine (Monte Carlo, DR scenarios).
    pdf : bool
        Also render a PDF with WeasyPrint (the ``pdf`` extra).
    mc_runs, mc_years : int, float
        Monte Carlo runs and years per run.
    dr_disasters : int
        Disasters simulated per DR scenario.
    name : str, optional
        File stem of the report (default :func:`report_stem`: the model, the spec's hash, the
        runs, the disasters and the seed, so that other numbers never replace a report).
    timeout_s : int
        Longest a notebook cell may run.
    progress : callable, optional
        Called with a line of text at each step (running the notebook, writing the page …).
    progress_bar : bool
        Show papermill's per-cell progress bar on standard error (for a terminal).
    records : path, optional
        Incident records for the "How sure are we" section (their fitted laws and fit plots).

    Returns
    -------
    ReportPaths

    Raises
    ------
    SpecError, HadrError
        Bad spec, missing sweep folder, unwritable ``out``, missing PDF extra, or an error the
        notebook raised on purpose; nothing is left in ``out`` then.

    Examples
    --------
    >>> paths = publish_report(out="reports/", seed=1)          # doctest: +SKIP
    >>> paths.html.name                                        # doctest: +SKIP
    'functions-platform-3f2a9c1b07-runs2000-disasters20000-seed1.html'
    """
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise SpecError("--seed", seed, "a non-negative integer")
    spec_path, model = _check_inputs(spec, sweep, pdf)
    if records is not None:       # bad records are refused (file, row, column) before a kernel is started
        from ..evidence.overlay import element_classes
        from ..evidence.records import read_records

        read_records(records, classes=element_classes(model.raw))
    notebook = notebook_path()
    folder, existed = _prepare_out(out)
    stem = name or report_stem(model.name, read_spec_source(spec_path).sha256, seed=seed, runs=mc_runs,
                               years=mc_years, disasters=dr_disasters)
    if sweep is not None and name is None:
        stem += f"-sweep-{_slug(Path(sweep).resolve().name)}"  # a sweep report does not replace the plain one
    if records is not None and name is None:
        stem += f"-records-{_slug(Path(records).stem)}"        # nor does a report with incident records
    say = progress or (lambda line: None)
    box = _open_staging(folder, existed)
    staging = box.path
    try:
        parameters = {
            "spec_path": str(spec_path), "seed": seed, "mc_runs": mc_runs, "mc_years": mc_years,
            "dr_disasters": dr_disasters, "sweep_dir": str(Path(sweep).resolve()) if sweep else None,
            "summary_path": str(staging / f"{stem}.json"),
        }
        if records is not None:     # only then: an older report notebook has no such parameter
            parameters["records_path"] = str(Path(records).resolve())
        say(f"running the report notebook for {model.name} ({mc_runs:,} Monte Carlo runs, "
            f"{dr_disasters:,} disasters per DR scenario)")
        executed = _execute(notebook, staging / f"{stem}.ipynb", parameters, timeout_s, progress_bar=progress_bar)
        say("writing the HTML page")
        page = export_html(executed, title=f"Availability report: {model.name}")
        (staging / f"{stem}.html").write_text(page, encoding="utf-8")
        if pdf:
            say("writing the PDF")
            _write_pdf(staging / f"{stem}.html", staging / f"{stem}.pdf")
        _finish_summary(staging / f"{stem}.json", stem, pdf)
        with _folder_lock(folder):
            for file in box.files():
                os.replace(file, folder / file.name)
            box.remove()
            index = _write_index(folder)
    except OSError as error:
        raise HadrError(f"cannot write the report into {folder}: {error.strerror or error}") from None
    finally:
        box.remove()
        if not existed:
            _remove_if_unused(folder)  # a failed first report leaves no empty folder behind either
    return ReportPaths(html=folder / f"{stem}.html", notebook=folder / f"{stem}.ipynb",
                       summary=folder / f"{stem}.json", index=index,
                       pdf=folder / f"{stem}.pdf" if pdf else None)


def _execute(notebook: Path, output: Path, parameters: Mapping[str, Any], timeout_s: int, *,
             progress_bar: bool = False) -> Path:
    import papermill
    from papermill.exceptions import PapermillExecutionError

    from ..sweeps.notebook import kernel_config

    try:
        papermill.execute_notebook(str(notebook), str(output), parameters=dict(parameters),
                                   kernel_name=_KERNEL, progress_bar=progress_bar, log_output=False,
                                   cwd=str(output.parent), execution_timeout=timeout_s,
                                   config=kernel_config())   # no "running over TCP without encryption"
    except PapermillExecutionError as error:
        # Errors the package raises on purpose are bad input (exit 2); anything else is a bug.
        if error.ename in ("SpecError", "HadrError"):
            raise HadrError(f"the report notebook stopped: {error.evalue}") from None
        raise RuntimeError(f"the report notebook failed in cell {error.exec_count}: "
                           f"{error.ename}: {error.evalue}") from None
    except Exception as error:
        if type(error).__name__ == "NoSuchKernel":
            raise HadrError(f"no '{_KERNEL}' Jupyter kernel: run `python -m ipykernel install "
                            "--sys-prefix --name python3` (make setup does)") from None
        raise
    return output


def export_html(notebook: str | Path, *, title: str | None = None) -> str:
    """A self-contained HTML page of an executed notebook: no code, embedded figures, no CDN tags.

    Examples
    --------
    >>> page = export_html("reports/example.ipynb")                 # doctest: +SKIP
    >>> "<script src=\\"http" in page                               # doctest: +SKIP
    False
    """
    import nbformat
    from nbconvert import HTMLExporter

    node = nbformat.read(str(notebook), as_version=4)
    exporter = HTMLExporter(template_name="lab", exclude_input=True, exclude_input_prompt=True,
                            exclude_output_prompt=True, embed_images=True)
    exporter.mathjax_url = ""
    exporter.require_js_url = ""
    resources = {"metadata": {"name": title or Path(notebook).stem}}
    page, _ = exporter.from_notebook_node(node, resources=resources)
    for pattern in _EXTERNAL_TAGS:
        page = pattern.sub("", page)
    return page.replace("</head>", _STYLE + "</head>", 1)


def _write_pdf(html_file: Path, pdf_file: Path) -> None:
    import weasyprint

    weasyprint.HTML(filename=str(html_file)).write_pdf(str(pdf_file))


def _finish_summary(summary_file: Path, stem: str, pdf: bool) -> None:
    if not summary_file.is_file():
        raise RuntimeError("the report notebook did not write its JSON summary")
    summary = json.loads(summary_file.read_text(encoding="utf-8"))
    summary["report"] = {"kind": SUMMARY_KIND, "stem": stem, "html": f"{stem}.html",
                         "notebook": f"{stem}.ipynb", "pdf": f"{stem}.pdf" if pdf else None}
    summary_file.write_text(json.dumps(summary, indent=2, allow_nan=False) + "\n", encoding="utf-8")


# --- index -----------------------------------------------------------------------------------

def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _file_name(value: Any) -> str | None:
    """A plain file name in the folder (no path, not hidden), or None."""
    if not isinstance(value, str) or not value or value.startswith(".") or Path(value).name != value:
        return None
    return value


def _published(folder: Path) -> list[tuple[dict[str, Any], str]]:
    """(summary, JSON file name) of every published report in ``folder``, newest first.

    Anything else (other JSON files, summaries whose page is missing, hand-edited fields of the
    wrong type) is skipped or shown as blank: the index is built from files anyone can drop there.
    """
    entries = []
    for file in folder.glob("*.json"):
        try:
            summary = json.loads(file.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        report = summary.get("report") if isinstance(summary, dict) else None
        if not isinstance(report, dict) or report.get("kind") != SUMMARY_KIND:
            continue
        page = _file_name(report.get("html"))
        if page is not None and (folder / page).is_file():
            entries.append((summary, file.name))

    def generated(entry: tuple[dict[str, Any], str]) -> str:
        repro = entry[0].get("reproducibility")
        return _text(repro.get("generated_at")) if isinstance(repro, dict) else ""

    return sorted(entries, key=lambda e: (generated(e), e[1]), reverse=True)


def _link(name: str, text: str) -> str:
    # Quoted as a relative URL (a ':' cannot make it a javascript: or other scheme), then escaped.
    return f'<a href="{html.escape(urllib.parse.quote(name))}">{html.escape(text)}</a>'


def _mapping(value: Any) -> Mapping[str, Any]:
    # A summary written by an older or foreign version may lack a section or hold another type.
    return value if isinstance(value, dict) else {}


def _index_row(summary: Mapping[str, Any], json_name: str) -> str:
    report = summary["report"]
    repro = _mapping(summary.get("reproducibility"))
    headline = _mapping(summary.get("headline"))
    availability = headline.get("availability")
    verdict = headline.get("verdict") if headline.get("verdict") in ("PASS", "FAIL") else ""
    numbers = _mapping(repro.get("parameters"))
    files = [_link(name, key) for key in ("notebook", "pdf") if (name := _file_name(report.get(key)))]
    cells = [
        _link(report["html"], str(summary.get("name") or report.get("stem") or report["html"])),
        html.escape(str(repro.get("generated_at", ""))),
        f"{100 * availability:.4f} %" if isinstance(availability, (int, float)) and not isinstance(
            availability, bool) else "-",
        f'<span class="{verdict.lower()}">{verdict}</span>' if verdict else "-",
        html.escape(str(repro.get("seed", ""))),
        html.escape(f"{numbers.get('mc_runs', '-')} / {numbers.get('dr_disasters', '-')}"),
        f'<code>{html.escape(str(repro.get("spec_sha256", ""))[:12])}</code>',
        html.escape(str(repro.get("hadr_model_version", ""))),
        " · ".join([*files, _link(json_name, "json")]),
    ]
    return "<tr>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>"


def write_index(folder: str | Path) -> Path:
    """Regenerate ``index.html`` in ``folder`` from the report summaries found there.

    Takes the folder's lock (``.lock``), so it is safe while other reports are published.

    Examples
    --------
    >>> write_index("reports/").name                                 # doctest: +SKIP
    'index.html'
    """
    folder = Path(folder)
    with _folder_lock(folder):
        _remove_leftovers(folder)
        return _write_index(folder)


def _write_index(folder: Path) -> Path:
    """Write ``index.html`` (the caller holds the folder lock)."""
    rows = ("\n".join(_index_row(summary, name) for summary, name in _published(folder))
            or '<tr><td colspan="9">no reports yet</td></tr>')
    now = dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()
    page = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>hadr_model reports</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body {{ font-family: system-ui, sans-serif; max-width: 1100px; margin: 2em auto; padding: 0 1em;
        color: #222; }}
.scroll {{ overflow-x: auto; }}
table {{ border-collapse: collapse; width: 100%; font-size: 14px; }}
th, td {{ border-bottom: 1px solid #ddd; padding: 6px 8px; text-align: left; }}
th {{ background: #f3f3f3; }}
.pass {{ color: #0072B2; font-weight: bold; }} .fail {{ color: #D55E00; font-weight: bold; }}
</style></head><body>
<h1>Published availability reports</h1>
<p>Newest first. Regenerated from the reports in this folder at {now}. Each seed, number of Monte Carlo
runs and of disasters has a report of its own.</p>
<div class="scroll"><table><thead><tr><th>report</th><th>generated (UTC)</th><th>service availability</th>
<th>objective</th><th>seed</th><th>runs / disasters</th><th>spec sha256</th><th>hadr_model</th><th>files</th>
</tr></thead>
<tbody>
{rows}
</tbody></table></div></body></html>
"""
    target = folder / "index.html"
    temporary = None
    try:
        # A name of its own: an older hadr_model writing without the lock cannot clash with it.
        handle, name = tempfile.mkstemp(dir=folder, prefix=f"{_INDEX_TEMP_PREFIX}-", suffix=".tmp")
        temporary = Path(name)
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(page)
        os.chmod(temporary, 0o644)  # mkstemp makes it private; the index is for everyone who reads the folder
        os.replace(temporary, target)
    except OSError as error:
        if temporary is not None:
            temporary.unlink(missing_ok=True)
        raise HadrError(f"cannot write {target}: {error.strerror or error}") from None
    return target
