"""Publish the availability report: papermill run → self-contained HTML, notebook, JSON summary.

Everything is produced in a hidden staging folder inside ``out`` and moved into place only
once the whole report exists, so a failure (bad spec, kernel error, missing PDF extra) leaves
nothing half-written next to the published reports. ``index.html`` is then regenerated from
the summaries on disk.
"""

from __future__ import annotations

import datetime as dt
import html
import json
import os
import re
import shutil
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import HadrError, SpecError
from ..topology.spec import default_spec_path, load_spec
from .sections import read_spec_source

__all__ = ["NOTEBOOK_NAME", "ReportPaths", "export_html", "notebook_path", "publish_report", "write_index"]

NOTEBOOK_NAME = "availability_report.ipynb"
SUMMARY_KIND = "hadr-availability-report"
_KERNEL = "python3"

# nbconvert's templates reference CDN scripts (require.js, MathJax, mermaid); the report uses
# none of them, and a report must open offline without fetching anything.
_EXTERNAL_TAGS = (
    re.compile(r"<script\b[^>]*\bsrc=[\"']https?://[^>]*>\s*</script>", re.IGNORECASE),
    re.compile(r"<link\b[^>]*\bhref=[\"']https?://[^>]*>", re.IGNORECASE),
    re.compile(r"<script\b[^>]*type=[\"']module[\"'][^>]*>(?:(?!</script>).)*?https?://(?:(?!</script>).)*</script>",
               re.IGNORECASE | re.DOTALL),
)
_STYLE = """<style>
/* hadr report: a readable column, tables that scroll instead of squeezing. */
body { max-width: 1180px; margin: 0 auto; padding: 0 16px 48px; }
.jp-RenderedHTMLCommon table { font-size: 12px; }
.jp-OutputArea-output { overflow-x: auto; }
.jp-RenderedImage img { max-width: 100%; height: auto; }
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
    """The canonical report notebook: ``notebooks/`` next to the package.

    Examples
    --------
    >>> notebook_path().name
    'availability_report.ipynb'
    """
    import hadr_model

    path = Path(hadr_model.__file__).resolve().parents[1] / "notebooks" / NOTEBOOK_NAME
    if not path.is_file():
        raise HadrError(f"the report notebook {path} is missing: run from a checkout of the repository "
                        "(the notebooks/ folder sits next to the hadr_model package)")
    return path


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
        probe = tempfile.NamedTemporaryFile(dir=folder, prefix=".write-test-", delete=True)
        probe.close()
    except OSError as error:
        raise HadrError(f"cannot write reports to {folder}: {error.strerror or error}") from None
    return folder, existed


def publish_report(spec: str | Path | None = None, *, out: str | Path = "reports/",
                   sweep: str | Path | None = None, seed: int = 0, pdf: bool = False,
                   mc_runs: int = 2000, mc_years: float = 1.0, dr_disasters: int = 20_000,
                   name: str | None = None, timeout_s: int = 900) -> ReportPaths:
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
        File stem of the report (default ``<model>-<spec hash>-seed<seed>``).
    timeout_s : int
        Longest a notebook cell may run.

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
    'functions-platform-3f2a9c1b07-seed1.html'
    """
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise SpecError("--seed", seed, "a non-negative integer")
    spec_path, model = _check_inputs(spec, sweep, pdf)
    notebook = notebook_path()
    folder, existed = _prepare_out(out)
    stem = name or f"{_slug(model.name)}-{read_spec_source(spec_path).sha256[:10]}-seed{seed}"
    if sweep is not None and name is None:
        stem += f"-sweep-{_slug(Path(sweep).resolve().name)}"  # a sweep report does not replace the plain one
    # Absolute: the kernel runs inside the staging folder, so a relative path would point elsewhere.
    staging = Path(tempfile.mkdtemp(dir=folder.resolve(), prefix=".staging-"))
    try:
        parameters = {
            "spec_path": str(spec_path), "seed": seed, "mc_runs": mc_runs, "mc_years": mc_years,
            "dr_disasters": dr_disasters, "sweep_dir": str(Path(sweep).resolve()) if sweep else None,
            "summary_path": str(staging / f"{stem}.json"),
        }
        executed = _execute(notebook, staging / f"{stem}.ipynb", parameters, timeout_s)
        page = export_html(executed, title=f"Availability report: {model.name}")
        (staging / f"{stem}.html").write_text(page, encoding="utf-8")
        if pdf:
            _write_pdf(staging / f"{stem}.html", staging / f"{stem}.pdf")
        _finish_summary(staging / f"{stem}.json", stem, pdf)
        for file in sorted(staging.iterdir()):
            os.replace(file, folder / file.name)
    except OSError as error:
        raise HadrError(f"cannot write the report into {folder}: {error.strerror or error}") from None
    finally:
        shutil.rmtree(staging, ignore_errors=True)
        if not existed and not any(folder.iterdir()):
            folder.rmdir()  # a failed first report leaves no empty folder behind either
    index = write_index(folder)
    return ReportPaths(html=folder / f"{stem}.html", notebook=folder / f"{stem}.ipynb",
                       summary=folder / f"{stem}.json", index=index,
                       pdf=folder / f"{stem}.pdf" if pdf else None)


def _execute(notebook: Path, output: Path, parameters: Mapping[str, Any], timeout_s: int) -> Path:
    import papermill
    from papermill.exceptions import PapermillExecutionError

    try:
        papermill.execute_notebook(str(notebook), str(output), parameters=dict(parameters),
                                   kernel_name=_KERNEL, progress_bar=False, log_output=False,
                                   cwd=str(output.parent), execution_timeout=timeout_s)
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

def _published(folder: Path) -> list[dict[str, Any]]:
    entries = []
    for file in folder.glob("*.json"):
        try:
            summary = json.loads(file.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        report = summary.get("report") if isinstance(summary, dict) else None
        if not isinstance(report, dict) or report.get("kind") != SUMMARY_KIND:
            continue
        if (folder / str(report.get("html"))).is_file():
            entries.append(summary)
    return sorted(entries, key=lambda s: s.get("reproducibility", {}).get("generated_at", ""), reverse=True)


def _index_row(summary: Mapping[str, Any]) -> str:
    report, repro = summary["report"], summary.get("reproducibility", {})
    headline = summary.get("headline", {})
    availability = headline.get("availability")
    verdict = headline.get("verdict", "")
    cells = [
        f'<a href="{html.escape(report["html"])}">{html.escape(str(summary.get("name", report["stem"])))}'
        "</a>",
        html.escape(str(repro.get("generated_at", ""))),
        f"{100 * availability:.4f} %" if isinstance(availability, (int, float)) else "-",
        f'<span class="{verdict.lower()}">{html.escape(verdict)}</span>',
        html.escape(str(repro.get("seed", ""))),
        f'<code>{html.escape(str(repro.get("spec_sha256", ""))[:12])}</code>',
        html.escape(str(repro.get("hadr_model_version", ""))),
        " · ".join(f'<a href="{html.escape(report[k])}">{k}</a>'
                   for k in ("notebook", "pdf") if report.get(k))
        + f' · <a href="{html.escape(report["stem"])}.json">json</a>',
    ]
    return "<tr>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>"


def write_index(folder: str | Path) -> Path:
    """Regenerate ``index.html`` in ``folder`` from the report summaries found there.

    Examples
    --------
    >>> write_index("reports/").name                                 # doctest: +SKIP
    'index.html'
    """
    folder = Path(folder)
    rows = ("\n".join(_index_row(s) for s in _published(folder))
            or '<tr><td colspan="8">no reports yet</td></tr>')
    now = dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()
    page = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>hadr_model reports</title>
<style>
body {{ font-family: system-ui, sans-serif; max-width: 1100px; margin: 2em auto; padding: 0 1em;
        color: #222; }}
table {{ border-collapse: collapse; width: 100%; font-size: 14px; }}
th, td {{ border-bottom: 1px solid #ddd; padding: 6px 8px; text-align: left; }}
th {{ background: #f3f3f3; }}
.pass {{ color: #0072B2; font-weight: bold; }} .fail {{ color: #D55E00; font-weight: bold; }}
</style></head><body>
<h1>Published availability reports</h1>
<p>Newest first. Regenerated from the reports in this folder at {now}.</p>
<table><thead><tr><th>report</th><th>generated (UTC)</th><th>service availability</th><th>objective</th>
<th>seed</th><th>spec sha256</th><th>hadr_model</th><th>files</th></tr></thead>
<tbody>
{rows}
</tbody></table></body></html>
"""
    target = folder / "index.html"
    temporary = folder / ".index.html.tmp"
    try:
        temporary.write_text(page, encoding="utf-8")
        os.replace(temporary, target)
    except OSError as error:
        raise HadrError(f"cannot write {target}: {error.strerror or error}") from None
    return target
