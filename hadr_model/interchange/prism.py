r"""The Markov model of a spec as a PRISM CTMC file, for cross-checks with PRISM or Storm.

The chain is the one the Markov bridge solves (:func:`hadr_model.engines.markov.solve_compiled`):
one module per element the structure uses (:func:`~hadr_model.engines.markov.compiled_groups`),
with a variable ``dK : [0..n]`` — its down copies, all up at the start — and two commands,
independent repair (a crew per failed copy):

``[] dK < n -> (n − dK) · λ_K : (dK' = dK + 1);``   ``[] dK > 0 -> dK · μ_K : (dK' = dK − 1);``

with ``λ = 1 / MTTF`` and ``μ = 1 / MTTR`` (the laws' means: exponential laws; a steady state
under independent repair does not depend on their shapes). The structure function is written
as PRISM formulas over the ``dK``, one per gate of the compiled tree (a gate shared by several
parents is one formula): a gate down when its channel counts at least ``m`` down is
``(v_1 + … + v_n >= m)``, a gate's value in its parent's sum ``(gJ ? 1 : 0)``; a role, a
tenant (instantaneous failover) and a network (as the gates of its minimal path sets,
:func:`hadr_model.engines.cutsets.expand_networks`) likewise. ``label "down"`` marks the
states where the service is down (region form: ``"down_<i>"`` per home region, the service's
unavailability being their mean), and the file ends with the properties to ask:

``S=? [ "down" ]`` (steady-state unavailability), ``P=? [ F<=T "down" ]`` (``1 − R(T)``).

Refused, naming the element: a fixed availability (no rates), failover after an RTO (a
time-domain model), more states than the Markov engine's :data:`~hadr_model.engines.markov.MAX_STATES`.

Examples
--------
>>> from hadr_model import load_spec
>>> spec = {"name": "pair", "blocks": {"parallel": [{"component": {"name": "a", "mttf": "99h", "mttr": "1h",
...                                                                  "count": 2}}]}}
>>> text = write_prism(load_spec(spec))
>>> print(text.split("copies down ---")[1].split("endmodule")[0].strip())   # doctest: +NORMALIZE_WHITESPACE
const double lambda0 = 0.010101010101010102; // a[1]: 1 / MTTF per hour
const double mu0 = 1.0; // 1 / MTTR per hour
module e0
  d0 : [0..1] init 0;
  [] d0 < 1 -> (1 - d0) * lambda0 : (d0' = d0 + 1);
  [] d0 > 0 -> d0 * mu0 : (d0' = d0 - 1);
"""

from __future__ import annotations

import math
import re
from typing import Any

from ..errors import SpecError
from ..topology.model import Model

__all__ = ["write_prism"]


def _comment(text: str) -> str:
    return re.sub(r"[\x00-\x1f\x7f]", " ", str(text))


class _Formulas:
    """PRISM formulas of the compiled tree's gates, children first."""

    def __init__(self, rows: dict[int, int]) -> None:
        self.rows = rows                    # table element -> its variable's index
        self.names: dict[int, str] = {}
        self.lines: list[str] = []

    def value(self, part: Any) -> str:
        from ..topology.compiled import Leaf

        if isinstance(part, Leaf):
            return f"d{self.rows[part.element]}"
        return f"({self.names[id(part)]} ? 1 : 0)"

    def gate(self, part: Any) -> str:
        from ..topology.compiled import Leaf, Node, Served

        stack: list[tuple[Any, bool]] = [(part, False)]
        while stack:
            item, expanded = stack.pop()
            if isinstance(item, Leaf) or id(item) in self.names:
                continue
            if isinstance(item, Served):
                raise SpecError("failover", "dr-workflow", "instantaneous failover for a Markov (PRISM) model: "
                                "failover after an RTO needs a time-domain engine")
            assert isinstance(item, Node)
            if not expanded:
                stack.append((item, True))
                stack.extend((c, False) for ch in reversed(item.channels) for c in reversed(ch))
                continue
            name = f"g{len(self.names)}"
            sums = [" + ".join(self.value(c) for c in channel) or "0" for channel in item.channels]
            self.lines.append(f"formula {name} = {self._rule(item.rule, sums)};")
            self.names[id(item)] = name
        return self.names[id(part)] if not isinstance(part, Leaf) else f"({self.value(part)} > 0)"

    @staticmethod
    def _rule(rule: Any, sums: list[str]) -> str:
        from ..topology.compiled import AtLeast, RoleDown, TenantDown

        if isinstance(rule, AtLeast):
            return f"({sums[0]}) >= {rule.m}"
        if isinstance(rule, RoleDown):
            lost = " + ".join(f"(({sums[2 * z]}) > 0 ? {n} : ({sums[2 * z + 1]}))" for z, n in enumerate(rule.per_zone))
            down = f"({lost or '0'}) >= {rule.m}"
            return f"({down}) | (({sums[-1]}) > 0)" if rule.common_cause else down
        if isinstance(rule, TenantDown):
            rest = list(sums)
            global_down = f"(({rest.pop(0)}) > 0)" if rule.has_global else None
            if rule.region_loss_only:
                raise SpecError("failover", "dr-workflow", "instantaneous failover for a Markov (PRISM) model")
            down = f"(({rest[0]}) > 0)"
            if rule.has_partner:
                down = f"({down} & (({rest[1]}) > 0))"
            return f"{down} | {global_down}" if global_down else down
        raise SpecError("structure", type(rule).__name__, "gates, roles and tenants for a PRISM model")


def write_prism(model: Model) -> str:
    """The spec's Markov chain (independent repair) as a PRISM CTMC (see the module docstring).

    Raises
    ------
    SpecError
        An element with a fixed availability, failover after an RTO, or too many states.
    """
    from ..engines.cutsets import expand_networks
    from ..engines.exact import check_independent
    from ..engines.markov import _state_count, compiled_groups

    check_independent(model, "a PRISM export (it writes a crew per element and no spares)")
    groups, rows = compiled_groups(model)
    states = _state_count([g.n + 1 for g in groups])
    compiled = model.compiled
    formulas = _Formulas({row: k for k, row in enumerate(rows)})
    # Every expanded tree is kept until the end: the formulas are named by the id() of their node,
    # which a freed tree's successor could reuse.
    expanded = [expand_networks(t) for t in compiled.tenants()]
    tenants = [formulas.gate(tree) for tree in expanded]
    names = compiled.home_regions if compiled.form == "regions" else ("root",)
    out = [f"// {_comment(model.name)}: the Markov chain of hadr_model's Markov bridge (independent repair),",
           f"// {len(groups)} elements, {states:,} states; rates per hour; every element up at the start.",
           "ctmc", "", "// --- elements: a module per element, dK = its copies down ---"]
    for k, group in enumerate(groups):
        n = group.n
        out.append(f"const double lambda{k} = {1.0 / group.mttf_h!r}; // {_comment(group.name)}: 1 / MTTF per hour")
        repaired = math.isfinite(group.mttr_h)
        if repaired:
            out.append(f"const double mu{k} = {1.0 / group.mttr_h!r}; // 1 / MTTR per hour")
        out += [f"module e{k}", f"  d{k} : [0..{n}] init 0;",
                f"  [] d{k} < {n} -> ({n} - d{k}) * lambda{k} : (d{k}' = d{k} + 1);"]
        if repaired:
            out.append(f"  [] d{k} > 0 -> d{k} * mu{k} : (d{k}' = d{k} - 1);")
        out += ["endmodule", ""]
    out += ["// --- the structure: a formula per gate, true while it is down ---", *formulas.lines, ""]
    if len(tenants) == 1:
        out += [f'label "down" = {tenants[0]};', "", 'rewards "downtime"', f"  {tenants[0]} : 1;", "endrewards"]
        labels = ['"down"']
    else:
        labels = []
        for i, (name, tenant) in enumerate(zip(names, tenants)):
            out.append(f'label "down_{i}" = {tenant}; // tenant homed in {_comment(name)}')
            labels.append(f'"down_{i}"')
        out.append(f"// the service's unavailability is the mean over the {len(tenants)} home regions")
    out += ["", "// properties (a .props file, or --prop):"]
    out += [f"//   S=? [ {label} ]   steady-state unavailability; P=? [ F<=8760 {label} ]   1 - R(8760 h)"
            for label in labels]
    return "\n".join(out) + "\n"
