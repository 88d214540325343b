"""Parameter sweeps over spec parameters: grids, random and Latin-hypercube samples.

A sweep runs one model function in-process per point (function mode, fast) or one
parameterised notebook per point through papermill (notebook mode), on local processes or a
Dask cluster, and keeps one table per sweep that survives interruptions (``--resume``).

* :func:`run_sweep`, :func:`load_sweep` — run a sweep / read its table;
* :func:`load_grid`, :class:`Grid` — the grid file format (:mod:`.grid`);
* :data:`FUNCTIONS` — built-in sweep functions (:mod:`.functions`);
* :func:`pareto_mask`, :func:`heatmap_table` — reading a table (:mod:`.analysis`);
* :class:`SweepError` — a sweep directory that cannot be used as asked.

Examples
--------
>>> from hadr_model.sweeps import run_sweep
>>> table = run_sweep({"parameters": {"roles.invoker.per_zone": [8, 12]}}, function="availability")
>>> list(table["status"])
['ok', 'ok']
"""

from .analysis import heatmap_table, pareto_mask
from .functions import FUNCTIONS, function_options, resolve_function
from .grid import Axis, Grid, load_grid
from .points import Point, make_points, point_id, point_seed
from .runner import SweepPlan, plan_sweep, run_sweep
from .store import SweepError, load_sweep

__all__ = [
    "FUNCTIONS",
    "Axis",
    "Grid",
    "Point",
    "SweepError",
    "SweepPlan",
    "function_options",
    "heatmap_table",
    "load_grid",
    "load_sweep",
    "make_points",
    "pareto_mask",
    "plan_sweep",
    "point_id",
    "point_seed",
    "resolve_function",
    "run_sweep",
]
