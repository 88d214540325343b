"""The exact block engine beside SCRAM on the same fault trees (issue 12, item 1).

Two systems of repairable components with their own MTTF and MTTR (seeded draws):

* 100 × (2-of-3) in series (300 components);
* 3,000 components in series.

Each is written once as a block-form spec for ``hadr`` and once as Open-PSA MEF XML for
SCRAM (Debian package ``scram``, installed by :mod:`peers` when missing): a series is an OR
of failures, a k-of-n block is down when at least ``n − k + 1`` children are down
(``atleast``), and each basic event has the component's steady-state unavailability
``q = MTTR / (MTTF + MTTR)`` as its probability (a constant, so SCRAM's mission time plays no
part). SCRAM runs with ``--probability true --importance true`` and its default algorithm,
the BDD, whose probability is exact (its report says ``approximation="none"``; the rare-event
and MCUB approximations are only used when asked for).

Measured, median of 3 each:

* ``hadr engine``: :func:`hadr_model.engines.exact.exact_availability` in this process on a
  spec loaded once with :func:`hadr_model.load_spec` (availability, failure frequency and
  every importance measure);
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
from xml.sax.saxutils import quoteattr

import numpy as np
import peers

from hadr_model import load_spec
from hadr_model.engines.exact import exact_availability

SEED = 20261202
REPEATS = 3
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


def mef_xml(tree: Tree, name: str) -> str:
    """The tree as an Open-PSA MEF fault tree whose top event is the system's failure.

    ``name`` must be an MEF identifier (letters, digits, '-' and '_').
    """
    gates: list[str] = []

    def formula(node: Tree, gate: str | None = None) -> str:
        kind = node[0]
        if kind == "component":
            return f'<basic-event name="{node[1].name}"/>'
        children = "".join(formula(child) for child in node[-1])
        if kind == "series":
            body = f"<or>{children}</or>"
        else:   # k of n up = at least n - k + 1 down
            body = f'<atleast min="{len(node[2]) - node[1] + 1}">{children}</atleast>'
        gate = gate or f"g{len(gates)}"
        gates.append(f'<define-gate name="{gate}">{body}</define-gate>')
        return f'<gate name="{gate}"/>'

    if tree[0] == "component":
        gates.append(f'<define-gate name="top"><or>{formula(tree)}</or></define-gate>')
    else:
        formula(tree, "top")
    events = "".join(f'<define-basic-event name="{c.name}"><float value={quoteattr(repr(c.q))}/>'
                     "</define-basic-event>" for c in leaves(tree))
    return (f'<?xml version="1.0"?>\n<opsa-mef><define-fault-tree name="{name}">{"".join(gates)}'
            f"</define-fault-tree><model-data>{events}</model-data></opsa-mef>\n")


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
    model = load_spec(spec)
    engine_s, result = peers.median_time(lambda: exact_availability(model), REPEATS)
    command_s, run = _median_run(peers.hadr_command("availability", str(spec_path), "--json"),
                                 "hadr availability")
    printed = json.loads(run.stdout)
    q_engine = result.system.unavailability
    assert _relative(printed["unavailability"], q_engine) < 1e-12, "hadr command and engine disagree"
    row = {"label": label, "components": len(leaves(tree)), "q": q_engine, "engine_s": engine_s,
           "command_s": command_s, "scram": None}
    if scram is None:
        return row
    xml_path, report_path = folder / f"{slug}.xml", folder / f"{slug}-report.xml"
    xml_path.write_text(mef_xml(tree, "system"))
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
    headers = ["system", "components", "unavailability", "hadr engine", "hadr command", "scram command",
               "scram calc", "engine vs scram", "command vs scram", "|dU|/U", "max |dB|/B"]
    lines, verdicts, failed = [], [], False
    for row in rows:
        s = row["scram"]
        cells = [row["label"], f"{row['components']:,}", f"{row['q']:.6e}", _ms(row["engine_s"]),
                 _ms(row["command_s"])]
        if s is None:
            cells += ["skipped"] * 2 + ["-"] * 4
        else:
            cells += [_ms(s["command_s"]), _ms(s["report"].calculation_s),
                      f"{s['command_s'] / row['engine_s']:,.0f}x", f"{s['command_s'] / row['command_s']:,.2f}x",
                      f"{s['q_rel_diff']:.1e}", f"{s['birnbaum_rel_diff']:.1e}"]
            agree = s["q_rel_diff"] < SCRAM_DIGITS_RTOL and s["birnbaum_rel_diff"] < SCRAM_DIGITS_RTOL
            failed |= not agree
            verdicts.append(f"{row['label']}: SCRAM ({s['report'].method}, approximation="
                            f"{s['report'].approximation}) {'agrees' if agree else 'DISAGREES'} with the exact "
                            f"engine on U and all {s['events']} Birnbaum importances (6 printed digits)")
        lines.append(cells)
    print(peers.table(headers, lines))
    print("\nmedian of 3; 'engine' = exact_availability in-process (availability, frequency, every importance),"
          "\n'command' = the whole subprocess; 'scram calc' = the calculation times SCRAM reports.\n")
    series_row = rows[1]
    met = "met" if series_row["engine_s"] < SERIES_TARGET_S else "NOT met"
    verdicts.append(f"3000 in series, engine with importance: {_ms(series_row['engine_s'])} "
                    f"(target < {_ms(SERIES_TARGET_S)}: {met})")
    kofn = rows[0]
    if kofn["scram"] is not None:
        ratio = kofn["scram"]["command_s"] / kofn["engine_s"]
        met = "met" if ratio >= SCRAM_SPEEDUP_TARGET else "NOT met"
        verdicts.append(f"100x(2-of-3): engine {ratio:,.0f}x faster than the scram command, command "
                        f"{kofn['scram']['command_s'] / kofn['command_s']:.2f}x "
                        f"(target >= {SCRAM_SPEEDUP_TARGET:.0f}x: {met})")
    print("\n".join(verdicts))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
