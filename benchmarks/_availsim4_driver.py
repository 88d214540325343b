"""Runs inside AvailSim4's own virtualenv (see :mod:`peers`); never imported by hadr_model.

Two sub-commands:

``write MODEL.json FOLDER``
    Writes AvailSim4's two Excel inputs, ``FOLDER/system.xlsx`` (sheets ARCHITECTURE,
    FAILURE_MODES, FAILURE_MODE_ASSIGNMENTS and the empty optional ones, as in AvailSim4's own
    ``test/E2E/input/benchmark`` files) and ``FOLDER/simulation.xlsx`` (MONTE_CARLO, a fixed
    number of histories, seed, history length, diagnostics SUMMARY).

``run --simulation S --system Y --output_folder O``
    Exactly the ``availsim4`` command (``availsim4core.main.main``), with two observers added
    before it starts: the wall time of the Monte Carlo loop (``MonteCarlo.run``: every history
    built, simulated and recorded, without reading the inputs or writing the results), and
    each history's root-component downtime, read from the history's own timeline when
    AvailSim4 records it. AvailSim4's SUMMARY gives per (component, status, cause) the mean
    and standard deviation over histories, not the per-history total over causes that the
    standard error needs; the observer adds only that sum. The last stdout line is
    ``AVAILSIM4_BENCH {json}`` with the per-history mean and standard deviation of the
    root's down fraction, the loop time, and the mean that AvailSim4's own SUMMARY gives
    (a cross-check of the observer).
"""

from __future__ import annotations

import json
import math
import sys
import time
from pathlib import Path

UP = {"RUNNING", "DEGRADED", "BLIND_DEGRADED"}
ARCHITECTURE = ("COMPONENT_NAME", "COMPONENT_TYPE", "COMPONENT_NUMBER", "CHILDREN_NAME", "CHILDREN_LOGIC",
                "IN_MRU", "TRIGGER_MRU")
FAILURE_MODES = ("FAILURE_MODE_NAME", "FAILURE_LAW", "FAILURE_PARAMETERS", "REPAIR_LAW", "REPAIR_PARAMETERS",
                 "TYPE_OF_FAILURE", "HELD_BEFORE_REPAIR", "INSPECTION_NAME", "PHASE_NAME",
                 "NEXT_PHASE_IF_FAILURE", "PHASE_CHANGE_TRIGGER", "HELD_AFTER_REPAIR")
EMPTY_SHEETS = {
    "PHASES": ("PHASE_NAME", "PHASE_LAW", "PHASE_PARAMETERS", "NEXT_DEFAULT_PHASE", "FIRST_PHASE",
               "NEXT_DEFAULT_PHASE_IF_FAILURE"),
    "MRU": ("MRU_NAME", "MRU_LAW", "MRU_PARAMETERS", "MRU_SCHEDULE", "LOWEST_COMMON_ANCESTOR_SCOPE",
            "TRIGGERING_STATUS"),
    "INSPECTIONS": ("INSPECTION_NAME", "INSPECTION_PERIOD", "INSPECTION_DURATION"),
    "ROOT_CAUSE_ANALYSIS": ("TRIGGERING_COMPONENT_NAME", "TRIGGERED_BY_COMPONENT_STATUS", "TRIGGERED_IN_PHASE"),
    "PHASE_JUMP": ("TRIGGERING_COMPONENT_NAME", "TRIGGERED_BY_COMPONENT_STATUS", "FROM_PHASE", "TO_PHASE"),
}
SIMULATION = ("SIMULATION_TYPE", "MIN_NUMBER_OF_SIMULATION", "MAX_NUMBER_OF_SIMULATION", "CONVERGENCE_MARGIN",
              "MAX_EXECUTION_TIME", "SEED", "DIAGNOSTICS", "SIMULATION_DURATION")


def _workbook(sheets: dict[str, list[tuple]], path: Path) -> None:
    import openpyxl

    book = openpyxl.Workbook()
    book.remove(book.active)
    for title, rows in sheets.items():
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(list(row))
    book.save(path)


def write(model_path: str, folder: str) -> None:
    """Write ``system.xlsx`` and ``simulation.xlsx`` for the model described in JSON.

    The JSON holds ``nodes`` (rows: name, "basic"/"compound", number, children, logic),
    ``modes`` (basic name -> [mttf, mttr] in hours), ``histories``, ``seed``, ``duration_h``.
    """
    model = json.loads(Path(model_path).read_text())
    out = Path(folder)
    architecture = [ARCHITECTURE] + [
        (name, kind, number, ",".join(children) if children else "none", logic or "none", "none", "none")
        for name, kind, number, children, logic in model["nodes"]
    ]
    modes = [FAILURE_MODES] + [
        (f"{name}_FM", "EXP", mttf, "EXP", mttr, "DETECTABLE", "NEVER_HELD", "none", "None", "None",
         "after_repair", "never_held")
        for name, (mttf, mttr) in model["modes"].items()
    ]
    assignments = [("COMPONENT_NAME", "FAILURE_MODE_NAME")] + [(name, f"{name}_FM") for name in model["modes"]]
    sheets = {"ARCHITECTURE": architecture, "FAILURE_MODES": modes, "FAILURE_MODE_ASSIGNMENTS": assignments,
              **{title: [header] for title, header in EMPTY_SHEETS.items()}}
    _workbook(sheets, out / "system.xlsx")
    histories = int(model["histories"])
    simulation = [SIMULATION, ("MONTE_CARLO", histories, histories, 2, 36000, int(model["seed"]), "['SUMMARY']",
                               float(model["duration_h"]))]
    _workbook({"SIMULATION": simulation}, out / "simulation.xlsx")


class _Observer:
    """Per-history root downtime and the Monte Carlo loop time."""

    def __init__(self) -> None:
        self.duration_h = math.nan
        self.down_fractions: list[float] = []
        self.loop_s = 0.0
        self.results = None

    def history(self, results, timeline) -> None:
        self.results = results
        self.duration_h = float(results.duration_of_a_simulation)
        records = [r for r in timeline.record_list
                   if hasattr(r, "component") and not r.component.get_parents()]
        down = 0.0
        for record, following in zip(records, records[1:] + [None]):
            end = following.timestamp if following is not None else self.duration_h
            if str(record.status) not in UP:
                down += end - record.timestamp
        self.down_fractions.append(down / self.duration_h)

    def summary_mean(self) -> float:
        """Root down fraction from AvailSim4's own SUMMARY statistics (summed over causes)."""
        total = 0.0
        for entry, statistics in self.results.duration_statistics.items():
            component = getattr(entry, "component", None)
            if component is not None and not component.get_parents() and str(entry.status) not in UP:
                total += statistics.mean
        return total / self.duration_h


def run(argv: list[str]) -> None:
    """The ``availsim4`` command with the observers of the module docstring."""
    from availsim4core import main as availsim_main
    from availsim4core.src.results.simulation_results import SimulationResults
    from availsim4core.src.simulation.monte_carlo import MonteCarlo

    observer = _Observer()

    original_update = SimulationResults.update_with_des_results
    original_run = MonteCarlo.run

    def update(self, execution_metrics, timeline, weight=1):
        original_update(self, execution_metrics, timeline, weight)
        observer.history(self, timeline)

    def timed_run(self, context):
        started = time.perf_counter()
        try:
            return original_run(self, context)
        finally:
            observer.loop_s += time.perf_counter() - started

    SimulationResults.update_with_des_results = update
    MonteCarlo.run = timed_run
    sys.argv = ["availsim4", *argv]
    availsim_main.main()
    n = len(observer.down_fractions)
    mean = math.fsum(observer.down_fractions) / n
    var = math.fsum((x - mean) ** 2 for x in observer.down_fractions) / (n - 1) if n > 1 else float("nan")
    print("AVAILSIM4_BENCH " + json.dumps({
        "histories": n, "unavailability": mean, "std_per_history": math.sqrt(var),
        "standard_error": math.sqrt(var / n), "loop_s": observer.loop_s,
        "summary_unavailability": observer.summary_mean(),
    }), flush=True)


if __name__ == "__main__":
    if sys.argv[1] == "write":
        write(sys.argv[2], sys.argv[3])
    elif sys.argv[1] == "run":
        run(sys.argv[2:])
    else:
        raise SystemExit(f"usage: {sys.argv[0]} write MODEL.json FOLDER | run AVAILSIM4-ARGS")
