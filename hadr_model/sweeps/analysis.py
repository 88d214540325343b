"""Reading a sweep table: Pareto fronts and heatmap tables.

Examples
--------
>>> import pandas as pd
>>> table = pd.DataFrame({"availability": [0.999, 0.9999, 0.99], "cost_units": [1.0, 2.0, 1.5]})
>>> pareto_mask(table, maximize=["availability"], minimize=["cost_units"]).tolist()
[True, True, False]
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

__all__ = ["heatmap_table", "pareto_mask"]


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

    Examples
    --------
    >>> table = pd.DataFrame({"a": [1, 1, 2], "b": [3, 4, 3], "v": [0.1, 0.2, 0.3]})
    >>> float(heatmap_table(table, "a", "b", "v").loc[3, 2])
    0.3
    """
    ok = frame[frame["status"] == "ok"] if "status" in frame else frame
    return ok.pivot_table(index=y, columns=x, values=value, aggfunc=aggregate).sort_index().sort_index(axis=1)
