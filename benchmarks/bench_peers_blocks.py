"""The exact block engine beside SCRAM on the same fault trees (issue 12, item 1).

Two systems of repairable components with their own MTTF and MTTR (seeded draws):

* 100 × (2-of-3) in series (300 components);
* 3,000 components in series.

Each is written once as a block-form spec for ``hadr`` and once as Open-PSA MEF XML for
SCRAM (Debian package ``scram``, installed by :mod:`peers` when missing) by
:func:`hadr_model.interchange.openpsa.write_mef` (what ``hadr export --format openpsa`` writes): a series is an OR
of failures, a k-of-n block is down when at least ``n − k + 1`` children are down
(``atleast``), and each basic event has the component's steady-state unavailability
``q = MTTR / (MTTF + MTTR)`` as its probability (a constant, so SCRAM's mission time plays no
part). SCRAM runs with ``--probability true --importance true`` and its default algorithm,
the BDD, whose probability is exact (its report says ``approximation="none"``; the rare-event
and MCUB approximations are only used when asked for).

Measured, median of 3 each:

* ``hadr engine``: :func:`hadr_model.engines.exact.exact_availability` in this process on a
  spec already loaded (parsed) with :func:`hadr_model.load_spec`: compiling the model, the
  block evaluation (availability), the failure frequency and every importance measure. Each
  run gets a model of its own, freshly loaded and not yet compiled (median of 7);
  ``hadr engine, compiled`` is the same call again on a model already compiled (what a sweep
  over numbers, or a second question on one model, pays);
* ``hadr command``: ``hadr availability SPEC --json`` as a subprocess (start-up, YAML, engine,
  JSON);
* ``scram command``: the whole ``scram`` run, and the calculation times SCRAM reports.

Checks: the top-event unavailability and every component's Birnbaum importance (SCRAM's MIF)
agree to SCRAM's printed precision (6 significant digits). Targets: 3,000 in series under
50 ms for the engine; 100 × (2-of-3) at least 10× faster than SCRAM.

Run: ``.venv/bin/python benchmarks/bench_peers_blocks.py``
"""

from __future__ import annotations

import json
import sys
import tempfile
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import peers

from hadr_model import load_spec
from hadr_model.engines.exact import exact_availability
from hadr_model.interchange.openpsa import write_mef

SEED = 20261202
REPEATS = 3
ENGINE_REPEATS = 7        # in-process runs of a few milliseconds: more of them, as cheap as one command
SERIES_TARGET_S = 0.050
SCRAM_SPEEDUP_TARGET = 10.0
# SCRAM prints 6 significant digits; allow one unit in the last place of both values.
SCRAM_DIGITS_RTOL = 2e-5


@dataclass(frozen=True)
class Component:
    """One repairable component (hours)."""

    name: str
    mttf: float
    mttr: float

    @property
    def q(self) -> float:
        """Steady-state unavailability ``MTTR / (MTTF + MTTR)``."""
        return self.mttr / (self.mttf + self.mttr)


Tree = tuple  # ("series", [trees]) | ("k_of_n", k, [trees]) | ("component", Component)


def _components(count: int, seed: int) -> list[Component]:
    rng = np.random.default_rng(seed)
    mttf = rng.uniform(2e4, 2e5, count)
    mttr = rng.uniform(1.0, 24.0, count)
    return [Component(f"c{i}", float(f), float(r)) for i, (f, r) in enumerate(zip(mttf, mttr))]


def two_of_three_series(groups: int = 100) -> Tree:
    """``groups`` 2-of-3 blocks in series, each of three different components."""
    parts = _components(3 * groups, SEED)
    return ("series", [("k_of_n", 2, [("component", c) for c in parts[3 * g:3 * g + 3]]) for g in range(groups)])


def series(count: int = 3000) -> Tree:
    """``count`` different components in series."""
    return ("series", [("component", c) for c in _components(count, SEED + 1)])


def leaves(tree: Tree) -> list[Component]:
    """The components of a tree, in order."""
    if tree[0] == "component":
        return [tree[1]]
    return [c for child in tree[-1] for c in leaves(child)]


def block_spec(tree: Tree) -> dict:
    """The tree as a ``blocks:`` entry (durations as strings with their unit, exact digits)."""
    kind = tree[0]
    if kind == "component":
        c = tree[1]
        return {"component": {"name": c.name, "mttf": f"{c.mttf!r}h", "mttr": f"{c.mttr!r}h"}}
    if kind == "series":
        return {"series": [block_spec(child) for child in tree[1]]}
    return {"k_of_n": {"k": tree[1], "of": [block_spec(child) for child in tree[2]]}}


@dataclass(frozen=True)
class ScramReport:
    """What the SCRAM report says: top-event probability, Birnbaum (MIF) per event, times."""

    probability: float
    birnbaum: dict[str, float]
    method: str
    approximation: str
    calculation_s: float


def read_scram_report(path: Path) -> ScramReport:
    """Parse SCRAM's XML report."""
    root = ET.parse(path).getroot()
    products = root.find("results/sum-of-products")
    assert products is not None, "no sum-of-products in the SCRAM report"
    mif = {e.get("name", ""): float(e.get("MIF", "nan")) for e in root.iterfind("results/importance/basic-event")}
    quantity = root.find("information/calculated-quantity[@name='Probability Analysis']")
    method = quantity.find("calculation-method") if quantity is not None else None
    times = root.find("information/performance/calculation-time")
    seconds = sum(float(t.text or 0) for t in times) if times is not None else float("nan")
    return ScramReport(
        probability=float(products.get("probability", "nan")), birnbaum=mif,
        method=method.get("name", "?") if method is not None else "?",
        approximation=quantity.get("approximation", "?") if quantity is not None else "?",
        calculation_s=seconds,
    )


def _median_run(command: list[str], what: str) -> tuple[float, peers.Run]:
    runs = [peers.run_command(command).check(what) for _ in range(REPEATS)]
    return float(np.median([r.seconds for r in runs])), runs[-1]


def _relative(a: float, b: float) -> float:
    return abs(a - b) / max(abs(a), abs(b), 1e-300)


def measure(label: str, tree: Tree, scram: str | None, folder: Path) -> dict:
    """Every figure of one system; SCRAM's entries are ``None`` when it is skipped."""
    spec = {"name": label, "blocks": block_spec(tree)}
    slug = "".join(ch if ch.isalnum() else "-" for ch in label)
    spec_path = folder / f"{slug}.yaml"
    spec_path.write_text(json.dumps(spec))   # JSON is YAML; durations are strings, so no float ambiguity
    fresh = [load_spec(spec) for _ in range(ENGINE_REPEATS)]      # parsed, not yet compiled
    runs = iter(fresh)
    engine_s, result = peers.median_time(lambda: exact_availability(next(runs)), ENGINE_REPEATS)
    model = fresh[-1]
    compiled_s, _ = peers.median_time(lambda: exact_availability(model), ENGINE_REPEATS)
    command_s, run = _median_run(peers.hadr_command("availability", str(spec_path), "--json"),
                                 "hadr availability")
    printed = json.loads(run.stdout)
    q_engine = result.system.unavailability
    assert _relative(printed["unavailability"], q_engine) < 1e-12, "hadr command and engine disagree"
    row = {"label": label, "components": len(leaves(tree)), "q": q_engine, "engine_s": engine_s,
           "compiled_s": compiled_s, "command_s": command_s, "scram": None}
    if scram is None:
        return row
    xml_path, report_path = folder / f"{slug}.xml", folder / f"{slug}-report.xml"
    xml_path.write_text(write_mef(model, name="system"))   # the one Open-PSA writer (hadr export)
    scram_s, _ = _median_run([scram, "--probability", "true", "--importance", "true", str(xml_path),
                              "-o", str(report_path)], "scram")
    report = read_scram_report(report_path)
    hadr_birnbaum = {item.element: item.birnbaum for item in result.importance}
    worst = max(_relative(hadr_birnbaum[name], value) for name, value in report.birnbaum.items())
    row["scram"] = {"command_s": scram_s, "report": report, "q_rel_diff": _relative(report.probability, q_engine),
                    "birnbaum_rel_diff": worst, "events": len(report.birnbaum)}
    return row


def _ms(seconds: float) -> str:
    return f"{seconds * 1e3:,.1f} ms"


def main() -> int:
    print(f"bench_peers_blocks: {peers.machine_line()}")
    scram = peers.scram_command()
    systems = {"100x(2-of-3)": two_of_three_series(), "3000 in series": series()}
    with tempfile.TemporaryDirectory(prefix="hadr-peers-") as tmp:
        rows = [measure(label, tree, scram, Path(tmp)) for label, tree in systems.items()]
    headers = ["system", "components", "unavailability", "hadr engine", "hadr engine, compiled", "hadr command",
               "scram command", "scram calc", "engine vs scram command", "engine vs scram calc",
               "command vs scram command", "|dU|/U", "max |dB|/B"]
    lines, verdicts, failed = [], [], False
    for row in rows:
        s = row["scram"]
        cells = [row["label"], f"{row['components']:,}", f"{row['q']:.6e}", _ms(row["engine_s"]),
                 _ms(row["compiled_s"]), _ms(row["command_s"])]
        if s is None:
            cells += ["skipped"] * 2 + ["-"] * 5
        else:
            cells += [_ms(s["command_s"]), _ms(s["report"].calculation_s),
                      f"{s['command_s'] / row['engine_s']:,.1f}x",
                      f"{s['report'].calculation_s / row['engine_s']:,.2f}x",
                      f"{s['command_s'] / row['command_s']:,.2f}x",
                      f"{s['q_rel_diff']:.1e}", f"{s['birnbaum_rel_diff']:.1e}"]
            agree = s["q_rel_diff"] < SCRAM_DIGITS_RTOL and s["birnbaum_rel_diff"] < SCRAM_DIGITS_RTOL
            failed |= not agree
            verdicts.append(f"{row['label']}: SCRAM ({s['report'].method}, approximation="
                            f"{s['report'].approximation}) {'agrees' if agree else 'DISAGREES'} with the exact "
                            f"engine on U and all {s['events']} Birnbaum importances (6 printed digits)")
        lines.append(cells)
    print(peers.table(headers, lines))
    print(f"\nWhat is timed. hadr engine: exact_availability(model) in this process on a spec already loaded,"
          f"\n  not yet compiled (compile + evaluation + frequency + every importance; median of {ENGINE_REPEATS},"
          f"\n  a fresh model each run); hadr engine, compiled: the same call on a model already compiled."
          f"\nhadr command: the whole `hadr availability SPEC --json` subprocess (start-up, YAML, engine, JSON)."
          f"\nscram command: the whole `scram --probability true --importance true` subprocess;"
          f"\n  scram calc: the calculation times SCRAM reports itself. Commands: median of {REPEATS}.\n")
    series_row = rows[1]
    met = "met" if series_row["engine_s"] < SERIES_TARGET_S else "NOT met"
    verdicts.append(f"3000 in series, engine with importance: {_ms(series_row['engine_s'])} "
                    f"(target < {_ms(SERIES_TARGET_S)}: {met})")
    kofn = rows[0]
    if kofn["scram"] is not None:
        ratio = kofn["scram"]["command_s"] / kofn["engine_s"]
        met = "met" if ratio >= SCRAM_SPEEDUP_TARGET else "NOT met"
        verdicts.append(f"100x(2-of-3): hadr engine {ratio:,.1f}x faster than the scram command "
                        f"(target >= {SCRAM_SPEEDUP_TARGET:.0f}x: {met}); "
                        f"{kofn['scram']['report'].calculation_s / kofn['engine_s']:,.2f}x SCRAM's own calculation "
                        f"time; hadr command {kofn['scram']['command_s'] / kofn['command_s']:.2f}x the scram command")
    print("\n".join(verdicts))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
