"""BDD engine on random fault trees with shared events, and minimal cut sets of a 200-event tree.

Run: ``.venv/bin/python benchmarks/bench_bdd.py [--markdown PATH] [--seeds N]``.

Trees (:func:`random_fault_tree`, seeded by ``seed``): the basic events, shuffled, fill a
first-in first-out pool; a gate takes the next 2–5 parts of the pool (events first, then the
gates made so far), is an OR (50 %), an AND (35 %) or an ATLEAST ``m`` of its ``n`` inputs
(15 %, ``2 ≤ m < n``), and goes back at the end of the pool, until one gate — the top event
— is left. Shared events: until 10 % of the events have been reused, a gate takes with
probability ``0.2 · n`` one more input, an event already used by another gate among the last
100 used (shared events stay within a neighbourhood of the tree, as support systems do
within a subsystem; sharing across the whole tree makes BDDs — ours and SCRAM's — explode,
see the report). Event probabilities are log-uniform in [1e-3, 1e-1] (as SCRAM's own
generator's default range).

Timed, median of 3 runs, per tree:

* **modules**: :func:`~hadr_model.engines.bdd.build_modules` then
  :func:`~hadr_model.engines.bdd.analyse` — top-event probability, Birnbaum importance and
  forced unavailabilities of every event (all the exact engine needs);
* **one BDD**: :func:`~hadr_model.engines.bdd.build` (what the cut sets start from);
* **cut sets** (200-event trees): :func:`~hadr_model.engines.cutsets.minimal_cut_sets`
  with ``top=100`` — the count, rare-event sum and cut-set Fussell–Vesely cover all of
  them, the 100 most probable are listed.

Peers in the same run, when installed: SCRAM (Debian package ``scram``) on the same trees
written as Open-PSA MEF — its own reported BDD probability and cut-set times, its
probability (6 digits) and cut-set count against ours (SCRAM lists every cut set, so where
there are more than a million it is asked for those of order ≤ 4 only); and the ``dd``
package (pure Python, ``dd.autoref``) building the same BDD in the same variable order.
"""

from __future__ import annotations

import argparse
import math
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from hadr_model.engines.bdd import analyse, build, build_modules, variable_order
from hadr_model.engines.cutsets import minimal_cut_sets
from hadr_model.topology.compiled import AtLeast, Leaf, Node, Part

REPEATS = 3
SIZES = (50, 200, 1000)
SCRAM_SECONDS = 120


def random_fault_tree(events: int, seed: int, repeated: float = 0.1, window: int = 100
                      ) -> tuple[Part, np.ndarray]:
    """A random coherent fault tree with shared events (see the module docstring) and its
    event probabilities."""
    rng = np.random.default_rng(seed)
    pool: list[Part] = [Leaf(int(i)) for i in rng.permutation(events)]
    used: list[Leaf] = []
    reuses = round(repeated * events)
    while len(pool) > 1:
        k = min(int(rng.integers(2, 6)), len(pool))
        inputs = pool[:k]
        del pool[:k]
        used.extend(x for x in inputs if isinstance(x, Leaf))
        if reuses and rng.random() < 2 * repeated * k:
            extra = used[-1 - int(rng.integers(min(window, len(used))))]
            if all(extra is not x for x in inputs):
                inputs.append(extra)
                reuses -= 1
        n, draw = len(inputs), rng.random()
        m = int(rng.integers(2, n)) if draw < 0.15 and n >= 3 else n if draw < 0.5 else 1
        pool.append(Node((tuple(inputs),), AtLeast(m)))
    return pool[0], 10.0 ** rng.uniform(-3, -1, events)


def median_seconds(run: Callable[[], Any]) -> tuple[float, Any]:
    times, result = [], None
    for _ in range(REPEATS):
        start = time.perf_counter()
        result = run()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


# --- peers ----------------------------------------------------------------------------------

def write_mef(root: Part, q: np.ndarray, path: Path) -> None:
    """The tree as Open-PSA MEF XML (gates ``g*``, basic events ``e<index>``)."""
    names: dict[int, str] = {}
    gates: list[tuple[str, Node, list[str]]] = []
    stack: list[tuple[Part, bool]] = [(root, False)]
    while stack:                                  # children named before their gate
        part, expanded = stack.pop()
        if id(part) in names:
            continue
        if isinstance(part, Leaf):
            names[id(part)] = f"e{part.element}"
            continue
        assert isinstance(part, Node)
        if not expanded:
            stack.append((part, True))
            stack.extend((child, False) for child in part.channels[0])
            continue
        names[id(part)] = f"g{len(gates)}"
        gates.append((names[id(part)], part, [names[id(c)] for c in part.channels[0]]))
    lines = ['<?xml version="1.0"?>', "<opsa-mef>", '<define-fault-tree name="bench">']
    for name, gate, inputs in reversed(gates):
        n, m = len(inputs), gate.rule.m
        tag, attributes = ("or", "") if m == 1 else ("and", "") if m == n else ("atleast", f' min="{m}"')
        body = "".join(f'<{"gate" if i.startswith("g") else "basic-event"} name="{i}"/>' for i in inputs)
        lines.append(f'<define-gate name="{name}"><{tag}{attributes}>{body}</{tag}></define-gate>')
    lines += [f'<define-basic-event name="e{i}"><float value="{float(v)!r}"/></define-basic-event>'
              for i, v in enumerate(q)]
    lines += ["</define-fault-tree>", "</opsa-mef>"]
    path.write_text("\n".join(lines))


def run_scram(root: Part, q: np.ndarray, limit_order: int) -> dict[str, Any] | None:
    """SCRAM's BDD analysis of the tree: its probability, cut-set count and own timings."""
    if shutil.which("scram") is None:
        return None
    with tempfile.TemporaryDirectory() as tmp:
        tree, report = Path(tmp) / "tree.xml", Path(tmp) / "report.xml"
        write_mef(root, q, tree)
        start = time.perf_counter()
        try:
            subprocess.run(["scram", "--bdd", "--probability", "true", "--limit-order", str(limit_order),
                            str(tree), "-o", str(report)], check=True, capture_output=True, timeout=SCRAM_SECONDS)
        except subprocess.TimeoutExpired:
            return {"timeout": True}
        wall = time.perf_counter() - start
        xml = ET.parse(report).getroot()
    products = xml.find(".//sum-of-products")
    timing = xml.find(".//calculation-time")
    assert products is not None and timing is not None
    return {"timeout": False, "probability": float(products.get("probability", "nan")),
            "products": int(products.get("products", "0")), "wall": wall,
            "probability_s": float(timing.findtext("probability", "nan")),
            "products_s": float(timing.findtext("products", "nan"))}


def run_dd(root: Part) -> tuple[float, int] | None:
    """Seconds and nodes for the ``dd`` package to build the same BDD, or None."""
    try:
        from dd import autoref
    except ImportError:
        return None
    manager = autoref.BDD()
    manager.configure(reordering=False)
    manager.declare(*[f"x{i}" for i in variable_order(root)])
    memo: dict[int, Any] = {}
    start = time.perf_counter()
    stack: list[tuple[Part, bool]] = [(root, False)]
    while stack:
        part, expanded = stack.pop()
        if id(part) in memo:
            continue
        if isinstance(part, Leaf):
            memo[id(part)] = manager.var(f"x{part.element}")
            continue
        assert isinstance(part, Node)
        if not expanded:
            stack.append((part, True))
            stack.extend((child, False) for child in part.channels[0])
            continue
        m, row = part.rule.m, None
        row = [manager.true] + [manager.false] * m
        for child in reversed([memo[id(c)] for c in part.channels[0]]):
            row = [row[0]] + [row[j] | (child & row[j - 1]) for j in range(1, m + 1)]
        memo[id(part)] = row[m]
    seconds = time.perf_counter() - start
    nodes = len(manager)
    memo.clear()           # dd checks at exit that no node is still referenced
    return seconds, nodes


# --- the benchmark --------------------------------------------------------------------------

def bench_tree(events: int, seed: int) -> dict[str, Any]:
    root, q = random_fault_tree(events, seed)
    modules_s, modules = median_seconds(lambda: build_modules(root, events))
    analyse_s, result = median_seconds(lambda: analyse(modules, q))
    flat_s, flat = median_seconds(lambda: build(root, events))
    row: dict[str, Any] = {"events": events, "seed": seed, "modules": len(modules.diagrams),
                           "module_nodes": modules.size, "modules_s": modules_s, "analyse_s": analyse_s,
                           "flat_nodes": flat.size, "flat_s": flat_s, "probability": result.q_system}
    # the two routes are independent computations of the same number
    assert abs(analyse(flat, q).q_system - result.q_system) <= 1e-12 * result.q_system
    if events <= 200:
        cut_s, cuts = median_seconds(lambda: minimal_cut_sets(flat, q, top=100))
        row.update(cut_s=cut_s, cut_sets=cuts.count, rare_event=cuts.total_probability,
                   top_order=cuts.sets[0].order if cuts.sets else 0)
    # SCRAM lists every cut set: all of them where that is feasible, else those of order ≤ 4
    listable = row.get("cut_sets", math.inf) <= 1_000_000
    row["scram"] = scram = run_scram(root, q, limit_order=events if listable else 4)
    if scram and not scram["timeout"]:       # SCRAM writes 6 significant digits
        assert abs(scram["probability"] - result.q_system) <= 5e-6 * result.q_system, (scram, result.q_system)
        if listable:
            assert scram["products"] == row["cut_sets"], (scram["products"], row["cut_sets"])
    row["dd"] = run_dd(root)
    return row


def table(rows: list[dict[str, Any]]) -> list[str]:
    lines = ["| events | seed | modules (nodes) | modules build + analyse | one BDD (nodes) | one BDD build |"
             " P(top) | SCRAM P(top) | SCRAM BDD prob. / total | dd build (nodes) |",
             "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        scram = r["scram"]
        if scram is None:
            s_p = s_t = "not installed"
        elif scram["timeout"]:
            s_p, s_t = "timeout", f"> {SCRAM_SECONDS} s"
        else:
            s_p = f"{scram['probability']:.6g}"
            s_t = f"{scram['probability_s'] * 1e3:.3g} ms / {scram['wall']:.2f} s"
        dd = "not installed" if r["dd"] is None else f"{r['dd'][0]:.2f} s ({r['dd'][1]:,})"
        lines.append(f"| {r['events']} | {r['seed']} | {r['modules']} ({r['module_nodes']:,}) | "
                     f"{r['modules_s'] + r['analyse_s']:.3f} s | {r['flat_nodes']:,} | {r['flat_s']:.3f} s | "
                     f"{r['probability']:.10g} | {s_p} | {s_t} | {dd} |")
    return lines


def cut_table(rows: list[dict[str, Any]]) -> list[str]:
    lines = ["| events | seed | minimal cut sets | rare-event sum | top 100 + count + FV | SCRAM count | "
             "SCRAM cut sets (own timer) |", "|---:|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        if "cut_s" not in r:
            continue
        scram = r["scram"]
        complete = scram and not scram["timeout"] and r["cut_sets"] <= 1_000_000
        count = f"{scram['products']:,}" if complete else "(order ≤ 4 only)" if scram else "—"
        own = f"{scram['products_s'] * 1e3:.3g} ms" if complete else "—"
        lines.append(f"| {r['events']} | {r['seed']} | {r['cut_sets']:,} | {r['rare_event']:.6g} | "
                     f"{r['cut_s'] * 1e3:.1f} ms | {count} | {own} |")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--markdown", type=Path, help="also write the tables to this file")
    parser.add_argument("--seeds", type=int, default=3)
    args = parser.parse_args(argv)
    rows = []
    for events in SIZES:
        for seed in range(args.seeds):
            rows.append(bench_tree(events, seed))
            print(f"  done: {events} events, seed {seed}", file=sys.stderr, flush=True)
    lines = ["BDD engine, random fault trees with shared events (median of 3 runs)", "", *table(rows), "",
             "Minimal cut sets", "", *cut_table(rows)]
    text = "\n".join(lines)
    print(text)
    if args.markdown:
        args.markdown.write_text(text + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
