"""Reports: publish the availability report as one self-contained HTML page.

* :func:`publish_report` runs the report notebook (``hadr_model/notebooks/availability_report.ipynb``,
  shipped as package data) with papermill for a spec and publishes the HTML page (code hidden,
  figures embedded, nothing fetched at view time), the executed notebook and a JSON summary
  under ``reports/``, then regenerates ``reports/index.html`` (:func:`write_index`);
* :func:`build_report` (:mod:`hadr_model.reports.build`) computes everything the report shows
  as plain data — the notebook only displays it;
* :mod:`hadr_model.reports.sections` holds the tables and charts the notebook shows.

Examples
--------
>>> from hadr_model.reports import publish_report
>>> paths = publish_report(None, out="reports/", seed=0)     # doctest: +SKIP
>>> paths.html.suffix                                       # doctest: +SKIP
'.html'
"""

from .build import ReportData, build_report
from .publish import NOTEBOOK_NAME, ReportPaths, export_html, notebook_path, publish_report, report_stem, write_index

__all__ = ["NOTEBOOK_NAME", "ReportData", "ReportPaths", "build_report", "export_html", "notebook_path",
           "publish_report", "report_stem", "write_index"]
