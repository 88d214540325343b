"""Reading a sweep table: Pareto fronts, heatmap tables and their axis labels.

Examples
--------
>>> import pandas as pd
>>> table = pd.DataFrame({"availability": [0.999, 0.9999, 0.99], "cost_units": [1.0, 2.0, 1.5]})
>>> pareto_mask(table, maximize=["availability"], minimize=["cost_units"]).tolist()
[True, True, False]
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from ..errors import SpecError
from ..units import parse_duration

__all__ = ["axis_labels", "heatmap_table", "pareto_mask"]


def pareto_mask(frame: pd.DataFrame, *, maximize: Sequence[str] = (), minimize: Sequence[str] = ()) -> pd.Series:
    """Rows no other row beats on every objective (and strictly on one): the Pareto front.

    Rows with a missing objective value are never on the front.

    Parameters
    ----------
    frame : pandas.DataFrame
        A sweep table.
    maximize, minimize : sequence of str
        Columns to maximise (availability) and to minimise (RPO, RTO, cost).

    Returns
    -------
    pandas.Series of bool
        Aligned with ``frame``.
    """
    columns = list(maximize) + list(minimize)
    if not columns:
        raise ValueError("pareto_mask needs at least one column to maximise or minimise")
    # Turn every objective into "smaller is better".
    values = np.column_stack([-frame[c].to_numpy(float) for c in maximize]
                             + [frame[c].to_numpy(float) for c in minimize])
    valid = ~np.isnan(values).any(axis=1)
    front = valid.copy()
    for i in np.flatnonzero(valid):
        others = values[valid]
        dominated = np.all(others <= values[i], axis=1) & np.any(others < values[i], axis=1)
        front[i] = not dominated.any()
    return pd.Series(front, index=frame.index, name="pareto")


def heatmap_table(frame: pd.DataFrame, x: str, y: str, value: str, aggregate: str = "mean") -> pd.DataFrame:
    """``value`` by ``y`` (rows) and ``x`` (columns), aggregated over the other parameters.

    Both axes are in increasing order of their values: numbers (durations are hours in a sweep
    table, see :mod:`.store`) in numeric order, and a column of duration texts (a table written
    before durations were stored in hours) in the order of their hours: ``15m, 30m, 1h``, not
    ``15m, 1h, 30m``. Other texts sort alphabetically.

    Examples
    --------
    >>> table = pd.DataFrame({"a": [1, 1, 2], "b": [3, 4, 3], "v": [0.1, 0.2, 0.3]})
    >>> float(heatmap_table(table, "a", "b", "v").loc[3, 2])
    0.3
    >>> table = pd.DataFrame({"p": ["1h", "15m", "30m"], "q": [1, 1, 1], "v": [3.0, 1.0, 2.0]})
    >>> heatmap_table(table, "p", "q", "v").columns.tolist()
    ['15m', '30m', '1h']
    """
    ok = frame[frame["status"] == "ok"] if "status" in frame else frame
    table = ok.pivot_table(index=y, columns=x, values=value, aggfunc=aggregate)
    return table.sort_index(key=_order_key).sort_index(axis=1, key=_order_key)


def _hours_or_none(label: Any) -> float | None:
    if not isinstance(label, str):
        return None
    try:
        return parse_duration(label, "", allow_zero=True)
    except SpecError:
        return None


def _order_key(labels: pd.Index) -> pd.Index:
    """Sort key of heatmap labels: hours when every label is a duration text, else the labels."""
    hours = [_hours_or_none(label) for label in labels]
    if len(hours) and all(h is not None for h in hours):
        return pd.Index(hours, dtype=float)
    return labels


def axis_labels(frame: pd.DataFrame, name: str, values: Sequence[Any]) -> list[str]:
    """Tick labels of heatmap axis ``name`` for its ``values`` (hours in a sweep table): the text
    as written in the grid (``15m``) when the table keeps it (``<name>_text``), else ``:g``.

    Examples
    --------
    >>> table = pd.DataFrame({"p": [0.25, 1.0], "p_text": ["15m", "1h"]})
    >>> axis_labels(table, "p", [0.25, 1.0]), axis_labels(table, "q", [0.5, "x"])
    (['15m', '1h'], ['0.5', 'x'])
    """
    written: dict[Any, str] = {}
    text = f"{name}_text"
    if name in frame and text in frame:
        for value, label in zip(frame[name], frame[text]):
            written.setdefault(value, str(label))
    return [written.get(v, f"{v:g}" if isinstance(v, float) else str(v)) for v in values]
