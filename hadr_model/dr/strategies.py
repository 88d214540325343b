"""DR strategy presets — backup & restore, pilot light, warm standby, active/active.

A preset sets the region-loss workflow steps (in
:mod:`hadr_model.topology.dataprotection`, so a spec can say ``recovery: {strategy: NAME}``)
and the cross-region replication of the data (here). Sources (public documents):

* AWS, "Disaster Recovery of Workloads on AWS" whitepaper (secondary summary): backup &
  restore RPO/RTO hours; pilot light tens of minutes; warm standby minutes; multi-site
  active/active near zero. IBM Cloud docs, "Disaster recovery approaches"
  (https://cloud.ibm.com/docs/overview?topic=overview-bcdr-approaches): zero footprint, basic
  standby, minimal operation, active/active.
* IBM Cloud Databases: automatic backups every 24 h; async read replicas aim to keep data
  loss under 15 min; replica promotion ≈ 10 min (IBM Cloud docs, the DR design example for
  IBM Cloud Databases in the same "Resiliency" section). The pilot-light lag law is exponential with mean 5 min, so
  that its p95 (3 × mean) is the published 15 min.
* IBM COS cross-region copy: RPO ≈ 1 h (``cloud-object-storage:ha-dr.md``).
* Region-loss RTO targets (§4.5 item 7, from the AWS DR workshop tiers): backup & restore
  4–24 h, pilot light 10–60 min, warm standby 5–20 min, active/active ≈ 1 min.

Relative cost units are an *assumption*, not a published figure: 1 + the share of the
primary's footprint kept running in the failover region (backup & restore 1.0: storage
only; pilot light 1.2: database replica, compute off; warm standby 1.5: a scaled-down copy;
active/active 2.0: two full deployments). The AWS whitepaper only orders them by cost.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import numpy as np

from ..errors import SpecError
from ..options import DrEngine, Scenario
from ..topology.dataprotection import (
    STRATEGY_NAMES,
    DataProtection,
    Objectives,
    RecoveryPlan,
    Replication,
    recovery_preset,
)
from ..topology.laws import Law, exponential
from ..topology.model import Topology
from .scenarios import Seed, run_scenario, seed_sequence

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.figure import Figure

__all__ = ["STRATEGIES", "Strategy", "apply_strategy", "by_cost", "compare_strategies", "plot_rpo_rto",
           "with_strategy"]

# Okabe & Ito (2008) colour-blind-safe palette.
_PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#D55E00", "#56B4E9", "#F0E442", "#000000")
_MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*")


@dataclass(frozen=True)
class Strategy:
    """A DR strategy preset: cross-region replication and relative cost."""

    name: str
    label: str
    across_regions: str
    lag: Law | None
    cost_units: float


STRATEGIES: dict[str, Strategy] = {
    "backup_restore": Strategy("backup_restore", "Backup & restore", "none", None, 1.0),
    "pilot_light": Strategy("pilot_light", "Pilot light", "async", exponential(5 / 60), 1.2),
    "warm_standby": Strategy("warm_standby", "Warm standby", "async", exponential(1 / 60), 1.5),
    "active_active": Strategy("active_active", "Active/active", "async", exponential(5 / 3600), 2.0),
}
assert tuple(STRATEGIES) == STRATEGY_NAMES


def apply_strategy(data: DataProtection, recovery: RecoveryPlan, name: str
                   ) -> tuple[DataProtection, RecoveryPlan]:
    """``data`` and ``recovery`` with a preset's replication and region-loss steps.

    Snapshots, restore, databases and the zone-loss / corruption steps are kept.

    Examples
    --------
    >>> from hadr_model.topology.dataprotection import parse_data, parse_recovery
    >>> db = parse_data({"db": {"size": "1TB"}})["db"]
    >>> data, plan = apply_strategy(db, parse_recovery(None), "pilot_light")
    >>> data.replication.across_regions, plan.strategy
    ('async', 'pilot_light')
    """
    _check_name(name)
    return _with_replication(data, name), _with_steps(recovery, name)


def _check_name(name: str) -> None:
    if name not in STRATEGIES:
        raise SpecError("strategy", name, f"one of {', '.join(STRATEGIES)}")


def _with_replication(data: DataProtection, name: str) -> DataProtection:
    preset = STRATEGIES[name]
    return data.with_changes(replication=Replication(data.replication.within_region, preset.across_regions,
                                                     preset.lag))


def _with_steps(recovery: RecoveryPlan, name: str) -> RecoveryPlan:
    # Every region-loss step is the preset's; everything else of the plan (the zone-loss and
    # corruption steps, how often corruption strikes) is kept.
    return replace(recovery.with_steps("region_loss", **recovery_preset(name).region_loss), strategy=name)


def by_cost() -> tuple[str, ...]:
    """The preset names from the cheapest (relative cost units; a tie keeps :data:`STRATEGY_NAMES` order).

    Examples
    --------
    >>> by_cost()
    ('backup_restore', 'pilot_light', 'warm_standby', 'active_active')
    """
    return tuple(sorted(STRATEGIES, key=lambda name: STRATEGIES[name].cost_units))


def with_strategy(topology: Topology, name: str) -> Topology:
    """``topology`` with preset ``name`` everywhere, as :func:`apply_strategy` does to one role and plan.

    Every stateful role gets the preset's cross-region replication; the top-level plan **and every
    region's own plan** (``regions.NAME.recovery``) get the preset's region-loss steps. A region's
    own region-loss steps describe how its failover site is set up today (e.g. no compute running
    there), which is what a preset replaces; its own zone-loss and corruption steps are kept.

    Examples
    --------
    >>> from hadr_model import load_spec
    >>> model = with_strategy(load_spec(), "warm_standby")
    >>> model.recovery_of(model.region("eu-de")).step("region_loss", "provision").mean_h
    0.0
    """
    _check_name(name)
    regions = tuple(region if region.recovery is None else replace(region, recovery=_with_steps(region.recovery, name))
                    for region in topology.regions)
    data = {role: _with_replication(protection, name) for role, protection in (topology.data or {}).items()}
    recovery = None if topology.recovery is None else _with_steps(topology.recovery, name)
    return replace(topology, regions=regions, data=data or topology.data, recovery=recovery)


def compare_strategies(
    data: DataProtection,
    recovery: RecoveryPlan,
    objectives: Objectives,
    *,
    scenario: Scenario = "region_loss",
    strategies: tuple[str, ...] = STRATEGY_NAMES,
    n_disasters: int = 10_000,
    seed: Seed = 0,
    engine: DrEngine = "fast",
) -> pd.DataFrame:
    """Side-by-side RPO / RTO of the strategy presets for one scenario.

    Returns
    -------
    pandas.DataFrame
        One row per strategy: ``strategy``, ``label``, ``rpo_p95_h``, ``rto_p95_h``,
        ``p_rpo_met``, ``p_rto_met``, ``p_objectives_met``, ``cost_units``.

    Examples
    --------
    >>> from hadr_model.topology.dataprotection import parse_data, parse_recovery, parse_objectives
    >>> table = compare_strategies(parse_data({"db": {"size": "1TB"}})["db"], parse_recovery(None),
    ...                            parse_objectives(None), n_disasters=500, seed=1)
    >>> table["strategy"].tolist()[:2]
    ['backup_restore', 'pilot_light']
    """
    children = seed_sequence(seed).spawn(len(strategies))
    rows = []
    for name, child in zip(strategies, children):
        preset_data, preset_plan = apply_strategy(data, recovery, name)
        result = run_scenario(preset_data, preset_plan, objectives, scenario, n_disasters=n_disasters,
                              seed=child, engine=engine)
        summary = result.summary()
        compliance = result.compliance().set_index("objective")
        rows.append({
            "strategy": name, "label": STRATEGIES[name].label,
            "rpo_p95_h": compliance.loc["rpo", "p95_h"], "rto_p95_h": compliance.loc["rto", "p95_h"],
            "p_rpo_met": summary["p_rpo_met"], "p_rto_met": summary["p_rto_met"],
            "p_objectives_met": summary["p_objectives_met"], "cost_units": STRATEGIES[name].cost_units,
        })
    import pandas as pd  # ~0.4 s to import: only for the table

    return pd.DataFrame(rows)


def plot_rpo_rto(table: pd.DataFrame, objectives: Objectives | None = None, scenario: str = "region_loss",
                 *, title: str | None = None) -> Figure:
    """RPO p95 against RTO p95 per strategy (a table from :func:`compare_strategies`).

    Both axes are in hours on a symmetric-log scale (linear below one minute, so a zero RPO
    still shows). Dashed lines mark the objectives when given. Returns a
    ``matplotlib.figure.Figure`` (no pyplot state is touched).

    Examples
    --------
    >>> import pandas as pd
    >>> table = pd.DataFrame({"strategy": ["a"], "label": ["A"], "rpo_p95_h": [1.0], "rto_p95_h": [2.0],
    ...                       "cost_units": [1.0]})
    >>> plot_rpo_rto(table).axes[0].get_xlabel()
    'RPO p95 (hours)'
    """
    # Imported here so that importing the DR layer (e.g. from the CLI) stays fast.
    from matplotlib.figure import Figure

    figure = Figure(figsize=(8.4, 4.8), layout="constrained")
    axes = figure.add_subplot()
    for index, row in enumerate(table.itertuples(index=False)):
        axes.scatter(row.rpo_p95_h, row.rto_p95_h, s=80, color=_PALETTE[index % len(_PALETTE)],
                     marker=_MARKERS[index % len(_MARKERS)], label=f"{row.label} (cost {row.cost_units:g})",
                     edgecolor="black", linewidth=0.6, zorder=3)
    if objectives is not None:
        axes.axvline(objectives.rpo_h[scenario], linestyle="--", label="RPO objective", color="0.3", linewidth=1)
        axes.axhline(objectives.rto_h[scenario], linestyle=":", label="RTO objective", color="0.3", linewidth=1)
    values = table[["rpo_p95_h", "rto_p95_h"]].to_numpy(dtype=float)
    finite = np.isfinite(values)
    targets = [] if objectives is None else [objectives.rpo_h[scenario], objectives.rto_h[scenario]]
    upper = 3 * max([*values[finite].tolist(), *targets, 1.0])
    for set_scale, set_limits in ((axes.set_xscale, axes.set_xlim), (axes.set_yscale, axes.set_ylim)):
        set_scale("symlog", linthresh=1 / 60)
        set_limits(0, upper)
    if not finite.all():
        axes.annotate("unrecoverable strategies are not drawn", (0.02, 0.02), xycoords="axes fraction",
                      fontsize=8)
    axes.set_xlabel("RPO p95 (hours)")
    axes.set_ylabel("RTO p95 (hours)")
    axes.set_title(title or f"{scenario.replace('_', ' ').capitalize()}: RPO vs RTO (p95) by DR strategy")
    axes.grid(True, which="both", linewidth=0.3, alpha=0.5)
    axes.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.02, 1.0), borderaxespad=0.0)  # never over a marker
    return figure
