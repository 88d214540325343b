"""What the availability report says, as plain data: :func:`build_report`.

The report notebook (``hadr_model/notebooks/availability_report.ipynb``) calls
:func:`build_report` once and only displays what it returns, so every decision of the report —
which figures to compute, which sections do not apply to a spec and why, what goes into the
JSON summary — is made here, where the unit tests reach it (``tests/reports/test_build.py``).

Every figure comes from the service facade with the report's seed and sizes —
:func:`hadr_model.availability`, :func:`hadr_model.simulate`, :func:`hadr_model.verdict` — so the
report gives the same answer as the CLI and the API for the same question.

Examples
--------
>>> report = build_report(None, seed=1, runs=50, disasters=500)       # doctest: +SKIP
>>> report.sections["dr"].status, report.summary["headline"]["verdict"]  # doctest: +SKIP
('live', 'FAIL')
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, cast

import pandas as pd

from ..errors import SpecError
from ..topology.model import Model, Topology
from .sections import SpecSource, by_role, json_ready, read_spec_source, reproducibility, spec_label

__all__ = ["HOW_SURE_SAMPLES", "LIVE", "NOT_APPLICABLE", "NOT_REQUESTED", "HowSure", "ReportData", "Section",
           "build_report"]

LIVE, NOT_APPLICABLE, NOT_REQUESTED = "live", "not applicable", "not requested"
MAX_RUNS = 10_000_000
MAX_DISASTERS = 10_000_000
# Parameter samples of the "How sure are we" band (and about as many again for the Sobol' indices):
# the default of `hadr availability --uncertainty`, a few seconds on the default topology.
HOW_SURE_SAMPLES = 4096


@dataclass(frozen=True)
class Section:
    """Whether a section of the report has figures (``status``) and, when not, why (``reason``)."""

    status: str
    reason: str = ""

    @property
    def live(self) -> bool:
        return self.status == LIVE


@dataclass(frozen=True)
class HowSure:
    """The "How sure are we" section: the credible band under the parameter uncertainty.

    ``result`` is the :class:`hadr_model.service.uncertainty.UncertaintyResult` (``None`` when
    the section does not apply: ``section`` says why). With incident records, ``fits`` are the
    laws fitted to them (:func:`hadr_model.evidence.fit_records`), ``fitted_keys`` the spec
    paths the band took from them (their laws and posteriors, ``hadr fit --uncertainty``), and
    ``records_file`` the records' file name (never a local path).
    """

    section: Section
    result: Any = None
    samples_cap: int = HOW_SURE_SAMPLES
    fits: tuple[Any, ...] = ()
    fitted_keys: tuple[str, ...] = ()
    records_file: str | None = None
    records_rows: int = 0

    @property
    def live(self) -> bool:
        return self.section.live


@dataclass(frozen=True)
class ReportData:
    """Everything the report shows, computed once.

    The engine results are the facade's own objects (``verdict``, ``availability``,
    ``montecarlo`` …); ``summary`` is the JSON summary (plain JSON types, written next to the
    page). ``sections`` maps ``"montecarlo"``, ``"dr"``, ``"strategies"`` and ``"sweep"`` to
    their :class:`Section`; ``how_sure`` is the "How sure are we" section (:class:`HowSure`).
    """

    name: str
    date: str
    source: SpecSource
    spec_file: str
    model: Model
    seed: int
    runs: int
    years: float
    disasters: int
    objective: float | None
    year_hours: float
    verdict: Any
    remedies: tuple[Any, ...]
    strategy: Any
    availability: Any
    upper: Any
    realistic: Any
    notes: tuple[str, ...]
    top: int
    montecarlo: Any
    montecarlo_unit: str
    dr: dict[str, dict[str, Any]]
    strategies: dict[str, pd.DataFrame]
    sweep: pd.DataFrame | None
    sweep_name: str | None
    sections: dict[str, Section]
    how_sure: HowSure
    summary: dict[str, Any] = field(repr=False)

    @property
    def is_topology(self) -> bool:
        return isinstance(self.model, Topology)

    @property
    def stated(self) -> bool:
        """Whether the spec states any objective (else there is nothing to pass or fail)."""
        return any(check.status != "absent" for check in self.verdict.checks)

    @property
    def verdict_word(self) -> str:
        """``PASS``, ``FAIL`` or ``no objectives``: the word of the first screen and the index."""
        if not self.stated:
            return "no objectives"
        return "PASS" if self.verdict.passed else "FAIL"


def _count(value: Any, field_name: str, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise SpecError(field_name, value, f"a whole number from {low:,} to {high:,}")
    return value


def _years(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not (math.isfinite(value) and value > 0):
        raise SpecError("mc_years", value, "a positive number of years per Monte Carlo run")
    return float(value)


def build_report(spec: str | Path | None = None, *, seed: int = 0, runs: int = 2000, years: float = 1.0,
                 disasters: int = 20_000, sweep: str | Path | None = None, top: int = 12,
                 records: str | Path | None = None, samples: int = HOW_SURE_SAMPLES) -> ReportData:
    """Compute everything the availability report shows for a spec.

    Parameters
    ----------
    spec : path, model or None
        YAML spec file, or a model loaded from one (``None``: the shipped default topology).
    seed : int
        Seed of every random engine (Monte Carlo, DR scenarios, what it takes).
    runs, years : int, float
        Monte Carlo runs, and years per run.
    disasters : int
        Disasters simulated per DR scenario and stateful role (and per recovery plan for the
        failover RTO the verdict's availability uses).
    sweep : path, optional
        Folder of a finished ``hadr sweep``, for the sweep section.
    top : int
        Rows of the importance ranking kept.
    records : path, optional
        Incident records (CSV / Parquet, :mod:`hadr_model.evidence.records`): their fitted laws and
        posteriors replace the spec's figures in the "How sure are we" band, and their fit plots are shown.
    samples : int
        Parameter samples of that band (1 to :data:`HOW_SURE_SAMPLES`, seeded with ``seed``).

    Returns
    -------
    ReportData

    Raises
    ------
    SpecError
        A bad spec or argument (the report stops with one clear message).
    """
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise SpecError("seed", seed, "a non-negative integer")
    runs = _count(runs, "mc_runs", 2, MAX_RUNS)
    disasters = _count(disasters, "dr_disasters", 1, MAX_DISASTERS)
    years = _years(years)
    top = _count(top, "top", 1, 1000)
    samples = _count(samples, "samples", 1, HOW_SURE_SAMPLES)
    if spec is not None and not isinstance(spec, (str, Path)):
        # A loaded model: the report hashes and cites the file it came from.
        if getattr(spec, "source", None) is None:
            raise SpecError("spec", type(spec).__name__, "a spec file (the report cites and hashes it), or a "
                            "model loaded from one")
        spec = spec.source
    source = read_spec_source(spec)
    from ..topology.spec import load_spec

    model = load_spec(source.path)
    table, sweep_section = _sweep(sweep)     # a bad sweep folder is refused before anything runs
    evidence = _records(model, records)       # so are bad records
    core = _core(model, seed, disasters)
    simulation, montecarlo_section = _montecarlo(model, seed=seed, runs=runs, years=years, disasters=disasters)
    dr, dr_section = _dr(model, seed, disasters)
    strategies, strategies_section = _strategies(model, seed, disasters)
    how_sure = _how_sure(model, evidence, seed=seed, disasters=disasters, samples=samples)
    sections = {"montecarlo": montecarlo_section, "dr": dr_section, "strategies": strategies_section,
                "sweep": sweep_section}
    sweep_name = Path(sweep).resolve().name if sweep is not None else None
    draft = ReportData(
        name=model.name, date=dt.datetime.now(dt.UTC).date().isoformat(), source=source,
        spec_file=spec_label(source.path), model=model, seed=seed, runs=runs, years=years, disasters=disasters,
        objective=core["objective"], year_hours=model.year_hours, verdict=core["verdict"],
        remedies=core["remedies"], strategy=core["strategy"], availability=core["availability"],
        upper=core["upper"], realistic=core["realistic"], notes=tuple(core["availability"].notes), top=top,
        montecarlo=simulation,
        montecarlo_unit="per tenant-year" if years == 1 else f"per year of a tenant, runs of {years:g} years",
        dr=dr, strategies=strategies, sweep=table, sweep_name=sweep_name, sections=sections, how_sure=how_sure,
        summary={})
    return replace(draft, summary=_summary(draft, core.get("failover_costs")))


# --- the verdict and the exact figures -------------------------------------------------------

def _core(model: Model, seed: int, disasters: int) -> dict[str, Any]:
    """The verdict, what it takes, and the exact figures (DR-workflow failover and the upper bound)."""
    from ..service import availability, verdict
    from ..service.whatif import cheapest_strategy, what_it_takes

    objectives = model.objectives
    # The availability objective only when the spec states one: without it, nothing passes or fails.
    objective = objectives.availability if "availability" in objectives.given else None
    result = availability(model, seed=seed, n_disasters=disasters)            # the verdict's model
    upper = availability(model, failover="instantaneous")                    # the labelled upper bound
    judged = verdict(model, seed=seed, n_disasters=disasters, result=result)
    remedies: tuple[Any, ...] = ()
    strategy = None
    if not judged.passed:
        remedies = what_it_takes(model.raw, judged, seed=seed, n_disasters=disasters)
        strategy = cheapest_strategy(model, judged, seed=seed, n_disasters=disasters)  # the same disasters
    core: dict[str, Any] = {"objective": objective, "availability": result, "upper": upper, "verdict": judged,
                            "remedies": tuple(remedies), "strategy": strategy,
                            "realistic": result if result.failover_model == "dr-workflow" else None}
    if core["realistic"] is not None:
        from ..dr import failover_costs

        # A "dr-workflow" result comes only from a Topology with failover pairs (service.fails_over).
        core["failover_costs"] = {name: vars(cost) for name, cost in
                                  failover_costs(cast(Topology, model), n_disasters=disasters, seed=seed).items()}
    return core


# --- sections that may not apply -------------------------------------------------------------

def _montecarlo(model: Model, *, seed: int, runs: int, years: float, disasters: int) -> tuple[Any, Section]:
    from ..service import simulate

    try:
        simulation = simulate(model, years=years, runs=runs, seed=seed, n_disasters=disasters)
    except SpecError as error:   # e.g. a block with a fixed availability has no failures to draw
        return None, Section(NOT_APPLICABLE, str(error))
    return simulation, Section(LIVE)


def _has_data(model: Model) -> bool:
    return isinstance(model, Topology) and bool(model.data)


_NO_DATA = "this spec has no 'data' section (no stateful role to protect), so there is no RPO / RTO to compute"


def _dr(model: Model, seed: int, disasters: int) -> tuple[dict[str, dict[str, Any]], Section]:
    """``{role: {scenario: ScenarioResult}}`` of every DR scenario, or why there is none."""
    if not _has_data(model):
        return {}, Section(NOT_APPLICABLE, _NO_DATA)
    from ..dr import topology_scenarios

    scenarios = topology_scenarios(model, n_disasters=disasters, seed=seed)
    return by_role(scenarios), Section(LIVE)


def _strategies(model: Model, seed: int, disasters: int) -> tuple[dict[str, pd.DataFrame], Section]:
    """Region loss under each DR strategy preset, per stateful role."""
    if not _has_data(model):
        return {}, Section(NOT_APPLICABLE, "the strategy comparison needs a region-form spec with a 'data' section")
    from ..dr import compare_strategies

    assert isinstance(model, Topology)
    tables = {role: compare_strategies(data, model.recovery, model.objectives, scenario="region_loss",
                                       n_disasters=disasters, seed=seed)
              for role, data in model.data.items()}
    return tables, Section(LIVE)


def _sweep(folder: str | Path | None) -> tuple[pd.DataFrame | None, Section]:
    if folder is None:
        return None, Section(NOT_REQUESTED, "no sweep was given ('hadr report --sweep DIR' adds one)")
    if not Path(folder).is_dir():
        raise SpecError("--sweep", str(folder), "the folder of a finished sweep")
    from ..sweeps import load_sweep

    return load_sweep(folder), Section(LIVE)


# --- how sure are we ------------------------------------------------------------------------

_NO_UNCERTAINTY = ("the spec carries no uncertain parameter and no incident records were given "
                   "('hadr report --records FILE' adds them; a spec states one as mttf: {dist: gamma-posterior, ...})")


def _records(model: Model, records: str | Path | None) -> tuple[Any, list[Any], Model] | None:
    """Read and fit the records (refused with file, row and column when bad), and the spec with
    their laws and posteriors applied: ``(records, fits, model with overlay)``."""
    if records is None:
        return None
    from ..evidence.fit import fit_records
    from ..evidence.overlay import apply_overlay, element_classes, overlay_text, read_overlay
    from ..evidence.records import read_records
    from ..topology.spec import parse_spec

    read = read_records(records, classes=element_classes(model.raw))
    fits = fit_records(read)
    # The overlay `hadr fit --uncertainty` writes: the same laws, the same posteriors.
    overlay = read_overlay(overlay_text(fits, model.raw, records=Path(records).name, uncertainty=True))
    applied = parse_spec(apply_overlay(model.raw, overlay), source=model.source)
    return read, fits, applied


def _how_sure(model: Model, evidence: tuple[Any, list[Any], Model] | None, *, seed: int, disasters: int,
              samples: int) -> HowSure:
    """The credible band, P(objective met) and the Sobol' ranking, or why the section does not apply."""
    from ..service.uncertainty import propagate, uncertain_parameters

    target = model if evidence is None else evidence[2]
    if not uncertain_parameters(target):
        return HowSure(Section(NOT_APPLICABLE, _NO_UNCERTAINTY))
    # The same call as `hadr availability --uncertainty`: same seed, same DR disasters as the verdict.
    result = propagate(target, samples=samples, seed=seed, n_disasters=disasters)
    if evidence is None:
        return HowSure(Section(LIVE), result)
    read, fits, _ = evidence
    keys = tuple(sorted(_fitted_keys(model, fits)))
    return HowSure(Section(LIVE), result, fits=tuple(fits), fitted_keys=keys,
                   records_file=Path(read.file).name, records_rows=read.rows)


def _fitted_keys(model: Model, fits: list[Any]) -> list[str]:
    from ..evidence.overlay import overlay_entries

    return [key for key, fit in overlay_entries(fits, model.raw) if fit.chosen is not None]


def _how_sure_summary(how: HowSure) -> dict[str, Any]:
    """The band figures for the JSON summary (``how_sure``), or the status and why not."""
    out: dict[str, Any] = {"status": how.section.status}
    if not how.live:
        out["reason"] = how.section.reason
        return out
    out.update(how.result.as_dict())
    out["samples_cap"] = how.samples_cap
    if how.records_file is not None:
        out["records"] = {"file": how.records_file, "rows": how.records_rows, "fitted_keys": list(how.fitted_keys),
                          "fits": [{"key": fit.key, "chosen": fit.chosen.family if fit.chosen else None,
                                    "law": fit.chosen.law() if fit.chosen else None, "reason": fit.reason}
                                   for fit in how.fits]}
    return out


# --- the JSON summary ------------------------------------------------------------------------

def _summary(report: ReportData, failover_costs: dict[str, Any] | None) -> dict[str, Any]:
    """The JSON summary of the report (the same figures the page shows; no local path in it)."""
    from ..service import failover_label
    from .sections import sweep_columns, sweep_table

    result, objectives = report.availability, report.model.objectives
    summary: dict[str, Any] = {
        "name": report.name, "form": result.form, "date": report.date,
        "sections": {name: section.status for name, section in report.sections.items()},
        "not_applicable": {name: section.reason for name, section in report.sections.items() if not section.live},
        "objectives": {"given": sorted(objectives.given), "availability": report.objective,
                       "rpo_h": dict(objectives.rpo_h), "rto_h": dict(objectives.rto_h),
                       "confidence": objectives.confidence},
        "verdict": report.verdict.as_dict(), "what_it_takes": [r.as_dict() for r in report.remedies],
        "strategy": None if report.strategy is None else report.strategy.as_dict(),
        "availability": result.to_dict(), "availability_instantaneous": report.upper.to_dict(),
    }
    if failover_costs is not None:
        summary["failover_costs"] = failover_costs
    headline = result.system
    summary["headline"] = {"availability": headline.availability,
                           "downtime_min_per_year": headline.downtime_min_per_year, "nines": headline.nines,
                           "objective": report.objective, "verdict": report.verdict_word,
                           "source": f"exact engine, {failover_label(result.failover_model)}"}
    summary["importance_top"] = [item.as_dict() for item in result.importance[:report.top]]
    if report.montecarlo is not None:
        summary["montecarlo"] = report.montecarlo.as_dict()
    if report.dr:
        summary["dr"] = _dr_summary(report.dr)
        summary["dr_compliance"] = [row for scenarios in report.dr.values() for item in scenarios.values()
                                    for row in item.compliance().to_dict("records")]
    if report.strategies:
        summary["strategies"] = {role: table.to_dict("records") for role, table in report.strategies.items()}
    if report.sweep is not None:
        swept, result_column = sweep_columns(report.sweep)
        summary["sweep"] = {"directory": report.sweep_name, "points": len(report.sweep), "parameters": swept,
                            "result": result_column, "table": sweep_table(report.sweep, rows=len(report.sweep))}
    summary["how_sure"] = _how_sure_summary(report.how_sure)
    parameters = {"mc_runs": report.runs, "mc_years": report.years, "dr_disasters": report.disasters,
                  "sweep": report.sweep_name}
    if report.how_sure.records_file is not None:
        parameters["records"] = report.how_sure.records_file
    summary["reproducibility"] = reproducibility(
        report.source, report.seed, parameters)
    return json_ready(summary)


def _dr_summary(by_role_results: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """``{scenario: {role: summary}}``, the order :func:`hadr_model.dr.topology_scenarios` gives."""
    out: dict[str, dict[str, Any]] = {}
    for role, scenarios in by_role_results.items():
        for scenario, item in scenarios.items():
            out.setdefault(scenario, {})[role] = item.summary()
    return out
