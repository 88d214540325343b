"""DR workflows: realised RPO / RTO of replication, snapshots, restore and failover.

The spec-language layer (parsing ``data``, ``recovery``, ``objectives``) is
:mod:`hadr_model.topology.dataprotection`; this package simulates the workflows:

* :func:`run_scenario` — zone loss, region loss or logical corruption over many disasters,
  with the SimPy process model (:mod:`.workflows`, the reference) or the vectorised fast path
  (:mod:`.fastpath`); restore contention between (tenant) databases is in :mod:`.contention`;
* :func:`expected_outage_h` — ``E[min(region repair, failover RTO)]`` (:mod:`.failover`), and
  :func:`availability_with_failover` — the exact engine with that failover cost folded in
  (:mod:`.availability`);
* :func:`topology_scenarios` — every scenario for every stateful role of a topology, with
  disaster rates from its zone / region laws (:mod:`.topology_scenarios`);
* :func:`compare_strategies`, :func:`plot_rpo_rto`, :func:`apply_strategy` — DR strategy
  presets side by side (:mod:`.strategies`);
* :mod:`.budget` — the limits (disasters, databases, restore jobs, snapshots, memory) checked
  from the spec before anything is drawn.

Examples
--------
>>> from hadr_model.topology.dataprotection import parse_data, parse_recovery, parse_objectives
>>> data = parse_data({"db": {"size": "2TB", "snapshots": {"every": "12h"}}})["db"]
>>> result = run_scenario(data, parse_recovery(None), parse_objectives(None), "region-loss",
...                       n_disasters=2000, seed=3)
>>> 1.5 <= result.summary()["rpo_mean_h"] <= 13.5
True
"""

from .availability import (
    FailoverCost,
    availability_with_failover,
    failover_costs,
    region_loss_rto_by_region,
    region_loss_rto_samples,
)
from .contention import restore_schedule
from .failover import expected_outage_h
from .fastpath import sample_outcomes
from .results import Outcomes, ScenarioResult
from .scenarios import ENGINES, SCENARIO_NAMES, normalise_scenario, run_scenario
from .strategies import STRATEGIES, Strategy, apply_strategy, compare_strategies, plot_rpo_rto
from .topology_scenarios import disasters_per_year, topology_scenarios
from .workflows import simulate_outcomes

__all__ = [
    "ENGINES",
    "SCENARIO_NAMES",
    "STRATEGIES",
    "FailoverCost",
    "Outcomes",
    "ScenarioResult",
    "Strategy",
    "apply_strategy",
    "availability_with_failover",
    "compare_strategies",
    "disasters_per_year",
    "expected_outage_h",
    "failover_costs",
    "normalise_scenario",
    "plot_rpo_rto",
    "region_loss_rto_by_region",
    "region_loss_rto_samples",
    "restore_schedule",
    "run_scenario",
    "sample_outcomes",
    "simulate_outcomes",
    "topology_scenarios",
]
