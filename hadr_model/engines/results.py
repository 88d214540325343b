"""Plain result types shared by the availability engines (units in the names)."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Any

from .importance import ElementImportance

__all__ = ["AvailabilityResult", "RegionAvailability", "SystemMetrics"]


@dataclass(frozen=True)
class SystemMetrics:
    """Steady-state figures of one system.

    ``downtime_min_per_year = U × year_hours × 60``, ``nines = −log10(U)``, failure frequency
    per year ``ω × year_hours`` and ``mean_outage_h = U / ω``.
    """

    availability: float
    unavailability: float
    downtime_min_per_year: float
    nines: float
    failure_frequency_per_year: float
    mean_outage_h: float

    @classmethod
    def from_unavailability(cls, unavailability: float, failures_per_hour: float,
                            year_hours: float = 8760.0) -> SystemMetrics:
        q = min(max(float(unavailability), 0.0), 1.0)
        nines = math.inf if q == 0.0 else -math.log10(q)
        mean_outage = q / failures_per_hour if failures_per_hour > 0 else math.nan
        return cls(
            availability=1.0 - q,
            unavailability=q,
            downtime_min_per_year=q * year_hours * 60.0,
            nines=nines,
            failure_frequency_per_year=failures_per_hour * year_hours,
            mean_outage_h=mean_outage,
        )

    def as_dict(self) -> dict[str, float]:
        return {k: _json_number(v) for k, v in asdict(self).items()}


def _json_number(value: float) -> Any:
    # JSON has no inf / nan: say so with null rather than emit invalid JSON.
    return value if math.isfinite(value) else None


@dataclass(frozen=True)
class RegionAvailability:
    """One region: its own service, and a tenant homed there with failover as modelled."""

    name: str
    own: SystemMetrics
    with_failover: SystemMetrics
    fails_over_to: str | None
    home: bool

    def as_dict(self) -> dict[str, Any]:
        return {
            "fails_over_to": self.fails_over_to,
            "home": self.home,
            **self.own.as_dict(),
            "with_failover": self.with_failover.as_dict(),
        }


@dataclass(frozen=True)
class AvailabilityResult:
    """Exact steady-state availability of a model.

    ``system`` is the service as the spec defines it: for the region form, a tenant whose home
    region is drawn uniformly among the home regions, with failover as modelled; for the
    block form, the root block. ``importance`` is ranked by criticality (the share of the
    system unavailability each element causes), highest first.
    """

    name: str
    form: str
    system: SystemMetrics
    regions: tuple[RegionAvailability, ...] = ()
    importance: tuple[ElementImportance, ...] = ()
    notes: tuple[str, ...] = field(default=())
    failover_model: str = "none"
    engine: str = "exact"     # which engine produced it, in words (e.g. the Markov chain with crews)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dictionary: the system keys at the top, then regions and importance."""
        return {
            "name": self.name,
            "form": self.form,
            "failover_model": self.failover_model,
            "engine": self.engine,
            **self.system.as_dict(),
            "regions": {r.name: r.as_dict() for r in self.regions},
            "importance": [
                {k: (_json_number(v) if isinstance(v, float) else v) for k, v in item.as_dict().items()}
                for item in self.importance
            ],
            "notes": list(self.notes),
        }

    def importance_frame(self) -> Any:
        """The importance ranking as a pandas DataFrame."""
        import pandas as pd

        return pd.DataFrame([item.as_dict() for item in self.importance])

    def regions_frame(self) -> Any:
        """Per-region figures as a pandas DataFrame (own service and with failover)."""
        import pandas as pd

        rows = []
        for region in self.regions:
            row: dict[str, Any] = {"region": region.name, "fails_over_to": region.fails_over_to,
                                   "home": region.home}
            row.update({f"{k}": v for k, v in asdict(region.own).items()})
            row.update({f"failover_{k}": v for k, v in asdict(region.with_failover).items()})
            rows.append(row)
        return pd.DataFrame(rows)
