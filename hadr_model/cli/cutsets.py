"""``hadr cutsets SPEC [--top N] [--json]``: minimal cut sets of a block or fault-tree spec.

The sets come from the binary decision diagram of the compiled structure
(:func:`hadr_model.engines.cutsets.minimal_cut_sets`), most probable first, each with its
probability ``Π q_i`` (steady-state unavailabilities). Beside them: the exact top-event
probability (the BDD), the rare-event sum ``Σ P(C)`` over all sets, and per element the
*cut-set* Fussell–Vesely importance ``Σ_{C ∋ i} P(C) / Σ_C P(C)`` — not the diagnostic
Fussell–Vesely of ``hadr availability``, and labelled so.
"""

from __future__ import annotations

import argparse

from ..engines import bdd
from ..engines.cutsets import expand_networks, minimal_cut_sets, minimal_path_sets
from ..engines.exact import check_independent
from ..errors import SpecError
from ..topology.model import BlockSystem
from ._common import add_json_argument, add_spec_argument, load, print_json, printable, table, whole_number, with_spec

DEFAULT_TOP = 20


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("cutsets", help="minimal cut sets of a block or fault-tree spec")
    add_spec_argument(parser)
    parser.add_argument("--top", type=whole_number(1), default=DEFAULT_TOP,
                        help=f"list the N most probable sets (default {DEFAULT_TOP}); counts cover all")
    parser.add_argument("--paths", action="store_true",
                        help="also list the minimal path sets (the sets of elements whose being up keeps it up)")
    add_json_argument(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    model = load(args)
    if not isinstance(model, BlockSystem):
        raise SpecError("regions", "the region form", "a 'blocks' or 'fault_tree' spec for minimal cut sets "
                        "(the region form's roles and zones are not written as gates)")
    # Spares make the failure logic depend on the order of failures, and shared crews make the
    # events dependent: neither is a static fault tree of independent events.
    check_independent(model, "hadr cutsets (a fault tree of independent events)")
    compiled = model.compiled
    table_ = compiled.elements
    root = expand_networks(compiled.tenants()[0])   # a network as the gates of its minimal path sets
    where = "fault_tree" if model.fault_tree else "blocks"
    # One diagram for the cut sets, the path sets and the exact top event (copies are refused by name).
    diagram = bdd.build(root, len(table_), counts=table_.counts, names=table_.names, name=where)
    sets = minimal_cut_sets(diagram, table_.q, top=args.top, name=where)
    exact = bdd.top_event_probability(diagram, table_.q)
    ranked = sorted(range(len(table_)), key=lambda i: -sets.fussell_vesely[i])
    importance = [{"element": table_.names[i], "cut_set_fussell_vesely": float(sets.fussell_vesely[i])}
                  for i in ranked if sets.fussell_vesely[i] > 0]
    paths = minimal_path_sets(diagram, table_.q, top=args.top, name=where) if args.paths else None
    if args.json:
        extra = {"path_sets": paths.as_dicts(table_.names), "path_sets_count": paths.count} if paths else {}
        payload = {**extra, "name": model.name, "model": "bdd", "top_event_probability": exact,
                   "rare_event_sum": sets.total_probability, "cut_sets_count": sets.count,
                   "cut_sets": sets.as_dicts(table_.names), "importance": importance,
                   "importance_definition": "cut-set Fussell-Vesely: sum of P(C) over the sets C containing the "
                                            "element / sum of P(C) over all sets"}
        print_json(with_spec(payload, model, args.spec))
        return 0
    print(f"{printable(model.name)}: {sets.count} minimal cut set(s); top event probability {exact:.6g} (exact, BDD), "
          f"rare-event sum {sets.total_probability:.6g}")
    rows = [(", ".join(printable(n) for n in s.names(table_.names)), s.order, s.probability) for s in sets.sets]
    print(table(["cut set", "order", "probability"], rows))
    print()
    print("importance: cut-set Fussell-Vesely (share of the rare-event sum in the sets holding the element)")
    print(table(["element", "cut-set FV"], [(printable(r["element"]), r["cut_set_fussell_vesely"])
                                           for r in importance[: args.top]]))
    if paths is not None:
        print(f"\n{paths.count} minimal path set(s) (every element of one up keeps the service up):")
        print(table(["path set", "order", "probability up"],
                    [(", ".join(printable(n) for n in s.names(table_.names)), s.order, s.probability)
                     for s in paths.sets]))
    return 0
