"""Runs inside stormpy's own virtualenv (see :mod:`peers`); never imported by hadr_model.

``python _storm_driver.py MODEL.json`` builds, with Storm's sparse engine, the CTMC of ``m``
independent repairable components written in the PRISM language (one module, one boolean
per component, ``[] u_i -> λ_i : (u_i' = false)`` and ``[] !u_i -> μ_i · share : (u_i' = true)``
where ``share`` is 1 with independent repair and ``min(1, crews / failed)`` with shared crews,
the processor-sharing rule of ``hadr_model.engines.markov``), and computes the steady-state
probability of "not all up" (``S=? [ !"allup" ]``, summed by Storm over the down states) with
Storm's default environment. Prints one JSON line: times of parsing, building and checking,
the number of states and transitions, and the probability.
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from pathlib import Path


def prism_text(failure_rates: list[float], repair_rates: list[float], crews: int | None) -> str:
    """The PRISM model (rates as exact decimal literals)."""
    m = len(failure_rates)
    lines = ["ctmc", ""]
    if crews is not None:
        lines.append("formula failed = " + " + ".join(f"(u{i} ? 0 : 1)" for i in range(m)) + ";")
        share = f" * min(1, {crews} / failed)"
    else:
        share = ""
    lines.append("module components")
    lines += [f"  u{i} : bool init true;" for i in range(m)]
    for i, (lam, mu) in enumerate(zip(failure_rates, repair_rates)):
        lines.append(f"  [] u{i} -> {lam!r} : (u{i}' = false);")
        lines.append(f"  [] !u{i} -> {mu!r}{share} : (u{i}' = true);")
    lines.append("endmodule")
    lines.append('label "allup" = ' + " & ".join(f"u{i}" for i in range(m)) + ";")
    return "\n".join(lines) + "\n"


def main(model_path: str) -> None:
    spec = json.loads(Path(model_path).read_text())
    started = time.perf_counter()
    import stormpy

    imported = time.perf_counter()
    with tempfile.NamedTemporaryFile("w", suffix=".sm", delete=False) as handle:
        handle.write(prism_text(spec["failure_rates"], spec["repair_rates"], spec["crews"]))
    # prism_compatibility: Storm otherwise refuses PRISM-style CTMC commands.
    program = stormpy.parse_prism_program(handle.name, prism_compatibility=True)
    properties = stormpy.parse_properties('S=? [ !"allup" ]', program)
    parsed = time.perf_counter()
    model = stormpy.build_model(program, properties)
    built = time.perf_counter()
    result = stormpy.model_checking(model, properties[0], only_initial_states=True)
    checked = time.perf_counter()
    Path(handle.name).unlink()
    environment = stormpy.environments.default(model)
    print(json.dumps({
        "import_s": imported - started, "parse_s": parsed - imported, "build_s": built - parsed,
        "check_s": checked - built, "n_states": model.nr_states, "n_transitions": model.nr_transitions,
        "unavailability": float(result.get_value(model.initial_states[0])),
        "solver": str(environment.solver().get_linear_equation_solver_type()),
        "steady_state": str(environment.modelchecker().steady_state_distribution_algorithm),
        "precision": str(environment.solver().native().precision),
    }), flush=True)


if __name__ == "__main__":
    main(sys.argv[1])
