"""Evidence: incident records in, fitted time laws out.

This layer sits beside :mod:`hadr_model.topology`: it reads incident records
(:mod:`.records`), fits time-to-failure and time-to-repair laws per element class
(:mod:`.fit`), draws their probability and goodness-of-fit figures (:mod:`.plots`) and writes
the fitted laws as a spec overlay (:mod:`.overlay`). It knows laws and units, not engines or
models: a spec enters only as its raw mapping (which element classes exist, where their
behaviours sit).
"""

from __future__ import annotations

import importlib
from typing import Any

# Imported on first use: the fitter needs scipy (~0.5 s), reading records does not.
_WHERE = {"Candidate": "fit", "Fit": "fit", "fit_records": "fit", "fit_sample": "fit",
          "apply_overlay": "overlay", "element_classes": "overlay", "overlay_text": "overlay",
          "MAX_ROWS": "records", "Records": "records", "Sample": "records", "read_records": "records"}

__all__ = [
    "MAX_ROWS",
    "Candidate",
    "Fit",
    "Records",
    "Sample",
    "apply_overlay",
    "element_classes",
    "fit_records",
    "fit_sample",
    "overlay_text",
    "read_records",
]


def __getattr__(name: str) -> Any:
    if name not in _WHERE:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f".{_WHERE[name]}", __name__), name)
