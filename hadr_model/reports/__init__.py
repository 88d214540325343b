"""Reports: publish the availability report as one self-contained HTML page.

* :func:`publish_report` runs ``notebooks/availability_report.ipynb`` with papermill for a
  spec and publishes the HTML page (code hidden, figures embedded, nothing fetched at view
  time), the executed notebook and a JSON summary under ``reports/``, then regenerates
  ``reports/index.html`` (:func:`write_index`);
* :mod:`hadr_model.reports.sections` holds the tables and charts the notebook shows.

Examples
--------
>>> from hadr_model.reports import publish_report
>>> paths = publish_report(None, out="reports/", seed=0)     # doctest: +SKIP
>>> paths.html.suffix                                       # doctest: +SKIP
'.html'
"""

from .publish import NOTEBOOK_NAME, ReportPaths, export_html, notebook_path, publish_report, write_index

__all__ = ["NOTEBOOK_NAME", "ReportPaths", "export_html", "notebook_path", "publish_report", "write_index"]
