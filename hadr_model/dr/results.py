"""Results of a disaster scenario: raw outcomes per disaster and their summary.

Statistics of realised RPO and RTO (mean, p50, p95, p99, max) are taken over the disasters
the data survives; an unrecoverable disaster (no copy survives, or the last clean snapshot
expired before a corruption was found) counts as *not meeting* both objectives and is
reported on its own as ``p_unrecoverable``. With a yearly disaster rate λ:

* expected data loss per year (hours of writes) = λ · E[RPO · 1{recoverable}];
* records / bytes lost per year = that × the write rate;
* unrecoverable disasters per year = λ · P(unrecoverable);
* DR downtime per year = λ · E[RTO · 1{recoverable}].
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from ..topology.dataprotection import Objectives, WriteRate

if TYPE_CHECKING:   # pandas costs ~0.4 s to import: only the table methods need it
    import pandas as pd

__all__ = ["Outcomes", "ScenarioResult", "quantile"]

_PERCENTILES = (("p50", 0.50), ("p95", 0.95), ("p99", 0.99))


def quantile(values: np.ndarray, q: float) -> float:
    """Quantile that stays defined when ``values`` holds ``inf`` (unrecoverable disasters).

    Linear interpolation for finite samples, the inverse empirical CDF otherwise (where
    interpolating between two infinities would give NaN).

    Examples
    --------
    >>> quantile(np.array([1.0, 2.0, np.inf]), 0.5)
    2.0
    """
    if values.size == 0:
        return float("nan")
    if np.isfinite(values).all():
        return float(np.quantile(values, q, method="linear"))
    return float(np.quantile(values, q, method="inverted_cdf"))


@dataclass(frozen=True)
class Outcomes:
    """Per-disaster outcomes in hours (``inf`` where unrecoverable).

    ``rto_h`` is the RTO of one database drawn uniformly per disaster (so its distribution is
    that of a random database); ``first_h`` / ``median_h`` / ``last_h`` are the RTO of the
    first, median (⌈n/2⌉-th) and last database restored. ``detection_h`` is the detection
    delay of a corruption (zero for other scenarios): a corruption's RTO runs from detection.
    """

    rpo_h: np.ndarray
    rto_h: np.ndarray
    first_h: np.ndarray
    median_h: np.ndarray
    last_h: np.ndarray
    detection_h: np.ndarray

    @property
    def unrecoverable(self) -> np.ndarray:
        return ~np.isfinite(self.rpo_h)

    def __len__(self) -> int:
        return int(self.rpo_h.size)


def _describe(prefix: str, values: np.ndarray) -> dict[str, float]:
    finite = values[np.isfinite(values)]
    stats = {f"{prefix}_mean_h": float(finite.mean()) if finite.size else float("nan")}
    for name, q in _PERCENTILES:
        stats[f"{prefix}_{name}_h"] = quantile(finite, q)
    stats[f"{prefix}_max_h"] = float(finite.max()) if finite.size else float("nan")
    return stats


@dataclass(frozen=True)
class ScenarioResult:
    """Realised RPO / RTO of one scenario over many disasters.

    Examples
    --------
    >>> from hadr_model.topology.dataprotection import parse_data, parse_recovery, parse_objectives
    >>> from hadr_model.dr import run_scenario
    >>> data = parse_data({"db": {"size": "1TB"}})["db"]
    >>> result = run_scenario(data, parse_recovery(None), parse_objectives(None), "region-loss",
    ...                       n_disasters=1000, seed=1)
    >>> round(result.summary()["rpo_max_h"], 3) <= 25.5
    True
    """

    scenario: str
    outcomes: Outcomes
    objectives: Objectives
    engine: str
    databases: int = 1   # databases restored together per disaster
    disasters_per_year: float | None = None
    write_rate: WriteRate | None = None

    @property
    def rpo_target_h(self) -> float:
        return float(self.objectives.rpo_h[self.scenario])

    @property
    def rto_target_h(self) -> float:
        return float(self.objectives.rto_h[self.scenario])

    def p_met(self) -> tuple[float, float, float]:
        """Probabilities that the RPO, the RTO, and both objectives are met."""
        rpo_met = self.outcomes.rpo_h <= self.rpo_target_h
        rto_met = self.outcomes.rto_h <= self.rto_target_h
        return float(rpo_met.mean()), float(rto_met.mean()), float((rpo_met & rto_met).mean())

    def summary(self) -> dict[str, float | int]:
        """Plain numbers, units in the key names (``rpo_p95_h``, ``p_rto_met`` …); counts are ints."""
        out = self.outcomes
        summary: dict[str, float | int] = {"n_disasters": len(out), "databases": int(self.databases)}
        summary |= _describe("rpo", out.rpo_h)
        summary |= _describe("rto", out.rto_h)
        for name, values in (("first", out.first_h), ("median", out.median_h), ("last", out.last_h)):
            finite = values[np.isfinite(values)]
            summary[f"rto_{name}_database_mean_h"] = float(finite.mean()) if finite.size else float("nan")
            summary[f"rto_{name}_database_p95_h"] = quantile(finite, 0.95)
        summary["detection_mean_h"] = float(out.detection_h.mean())
        p_rpo, p_rto, p_both = self.p_met()
        summary |= {"p_rpo_met": p_rpo, "p_rto_met": p_rto, "p_objectives_met": p_both,
                    "p_unrecoverable": float(out.unrecoverable.mean()),
                    "rpo_target_h": self.rpo_target_h, "rto_target_h": self.rto_target_h}
        summary |= self._per_year()
        return summary

    def _per_year(self) -> dict[str, float]:
        if self.disasters_per_year is None:
            return {}
        rate = float(self.disasters_per_year)
        recoverable = ~self.outcomes.unrecoverable
        loss_h = rate * float(np.where(recoverable, self.outcomes.rpo_h, 0.0).mean())
        per_year = {
            "disasters_per_year": rate,
            "data_loss_h_per_year": loss_h,
            "unrecoverable_per_year": rate * float(self.outcomes.unrecoverable.mean()),
            "downtime_h_per_year": rate * float(np.where(recoverable, self.outcomes.rto_h, 0.0).mean()),
        }
        if self.write_rate is not None:
            per_year["records_lost_per_year"] = loss_h * self.write_rate.records_per_h
            per_year["bytes_lost_per_year"] = loss_h * self.write_rate.bytes_per_h
        return per_year

    def compliance(self) -> pd.DataFrame:
        """One row per objective: target, p95 / p99 achieved, probability met, pass / fail.

        An objective passes when it is met with probability at least
        ``objectives.confidence`` (0.95 by default). Achieved quantiles include
        unrecoverable disasters (as ``inf``).
        """
        p_rpo, p_rto, _ = self.p_met()
        rows = []
        for name, values, target, p in (("rpo", self.outcomes.rpo_h, self.rpo_target_h, p_rpo),
                                        ("rto", self.outcomes.rto_h, self.rto_target_h, p_rto)):
            rows.append({
                "scenario": self.scenario, "objective": name, "target_h": target,
                "p95_h": quantile(values, 0.95), "p99_h": quantile(values, 0.99),
                "probability_met": p, "required_probability": self.objectives.confidence,
                "passed": bool(p >= self.objectives.confidence),
            })
        import pandas as pd

        return pd.DataFrame(rows)
