r"""Uncertain DR parameters: find them, rewrite a spec at sampled values, run the DR workflows.

A DR law of the ``data`` and ``recovery`` sections (a recovery step, the replication lag, a
snapshot's take / copy time, the restore throughput, the index rebuild, a size) may carry an
epistemic law over its mean (:data:`~hadr_model.topology.dataprotection.UNCERTAIN_DR_KEYS`):
``{uncertain: LAW}`` in place of its value, or ``uncertainty: {KEY: LAW}`` beside the written
value — the spelling of an uncertain mttf / mttr.

For parameter samples :math:`\theta_1 … \theta_M` the spec is rewritten with each sampled mean
(:func:`dr_spec_at`: a law keeps its shape and takes the mean, a fixed value becomes the
sample), parsed again, and the per-site DR workflows (:func:`hadr_model.dr.site_outcomes`) draw
``n`` disasters of every scenario the parameters reach. Every sample uses the **same seed**:
common random numbers, so the spread between samples is the parameters' (epistemic), not
Monte Carlo noise between independent runs — and a sample at the point values reproduces the
point verdict's figures exactly. (The draws coincide one for one while a parameter does not
change how many numbers are drawn: a restore throughput or a step duration. A snapshot's take
or copy time decides how far back the walk over snapshots goes, after which the later draws of
that walk fall differently.)

The cost is ``M × n`` disaster draws per scenario, bounded before anything is drawn
(:func:`check_dr_cost`). The service layer (:mod:`hadr_model.service.uncertainty`) turns the
outcomes into credible bands and the probability that each objective is met.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..errors import SpecError
from ..topology import schema
from ..topology.dataprotection import SCENARIOS, UNCERTAIN_DR_KEYS, parse_dr_uncertain, read_dr_law
from ..topology.laws import Uncertain, is_uncertain
from ..topology.model import Model, Topology
from ..topology.paths import set_path
from .scenarios import normalise_scenario
from .sites import SiteOutcomes, site_outcomes

__all__ = ["MAX_DR_CELLS", "MAX_DR_SAMPLES", "DRParameter", "check_dr_cost", "dr_outcomes", "dr_parameters",
           "dr_spec_at", "reached"]

MAX_DR_SAMPLES = 512
MAX_DR_CELLS = 2_000_000     # parameter samples × disasters: each sample runs every scenario it reaches
_UNIT_LABELS = {"h": "h", "bytes": "B", "bytes/h": "B/h"}


@dataclass(frozen=True)
class DRParameter:
    """An uncertain DR parameter: its law (in ``unit``), where its value sits, which scenarios it reaches."""

    law: Uncertain
    mapping: tuple[str | int, ...]        # path of the mapping holding the value
    key: str                              # the value's key in that mapping
    unit: str                             # "h", "bytes" or "bytes/h"
    scenarios: tuple[str, ...]

    @property
    def field(self) -> str:
        return self.law.field

    def as_dict(self) -> dict[str, Any]:
        low, high = self.law.interval_h(0.9)
        unit = _UNIT_LABELS[self.unit]
        return {"field": self.field, "unit": unit, "law": self.law.describe(), "point": self.law.point_h,
                "median": self.law.median_h, "p05": low, "p95": high, "scenarios": list(self.scenarios),
                "point_is": "written value" if ".uncertainty." in self.field else "median"}


def _node(raw: Any, path: Sequence[str | int]) -> Any:
    for part in path:
        raw = raw[part]
    return raw


def _reached(path: Sequence[str | int]) -> tuple[str, ...]:
    """The scenarios a value at ``path`` takes part in: a step its own scenario's, data all of them."""
    parts = [p for p in path if isinstance(p, str)]
    if "recovery" in parts:
        after = parts[parts.index("recovery") + 1:]
        if after and after[0] in SCENARIOS:
            return (after[0],)
    return SCENARIOS


def dr_parameters(model: Model | Mapping[str, Any]) -> tuple[DRParameter, ...]:
    """Every uncertain DR parameter of a region-form spec, in the spec's order.

    Examples
    --------
    >>> from hadr_model import load_spec
    >>> raw = dict(load_spec().raw)
    >>> raw["recovery"] = {**raw["recovery"], "region_loss": {**raw["recovery"]["region_loss"],
    ...                    "uncertainty": {"provision": {"dist": "lognorm", "s": 0.5, "scale": "1h"}}}}
    >>> [(p.field, p.scenarios) for p in dr_parameters(raw)]
    [('recovery.region_loss.uncertainty.provision', ('region_loss',))]
    """
    raw = model.raw if hasattr(model, "raw") else model
    if schema.top_form(raw) != "region_form":
        return ()
    found = []
    for site in schema.walk(raw):
        owner = site.owner
        if owner is None or owner.name not in UNCERTAIN_DR_KEYS or not isinstance(site.key, str):
            continue
        laws = UNCERTAIN_DR_KEYS[owner.name]
        parent = tuple(site.path[:-1])
        if site.key in laws and is_uncertain(site.value):
            law = parse_dr_uncertain(site.value, site.field, laws[site.key])
            found.append(DRParameter(law, parent, site.key, laws[site.key], _reached(site.path)))
        elif site.key == "uncertainty" and isinstance(site.value, Mapping):
            holder = _node(raw, parent)
            base = site.field.rpartition(".")[0]
            for key, entry in site.value.items():
                point = read_dr_law(holder[key], f"{base}.{key}", laws[key]).mean
                law = parse_dr_uncertain(entry, f"{site.field}.{key}", laws[key], point=point)
                found.append(DRParameter(law, parent, key, laws[key], _reached(site.path)))
    return tuple(found)


def _spelled(value: float, unit: str) -> Any:
    """A value as the spec reads it: hours and bytes as bare numbers, a throughput as ``x B/h``."""
    return float(value) if unit != "bytes/h" else f"{float(value)!r}B/h"


def _law_at(raw: Any, value: float, unit: str) -> Any:
    """The written value ``raw`` with its mean set to ``value`` (a law keeps its shape)."""
    written = _spelled(value, unit)
    if isinstance(raw, Mapping) and "dist" in raw and not is_uncertain(raw):
        if raw["dist"] == "deterministic":
            return {"dist": "deterministic", "value": written}
        return {**{k: v for k, v in raw.items() if k not in ("scale", "mean")}, "mean": written}
    return written        # a bare value, or an uncertainty in place of one: a fixed value


def dr_spec_at(raw: Mapping[str, Any], values: Mapping[DRParameter, float]) -> dict[str, Any]:
    """The raw spec with each DR parameter's mean set to ``values[parameter]`` (its unit; a copy).

    An uncertainty in place of a value becomes the sampled (fixed) value; one beside a value
    stays (it is checked against the new point, not used). The result is a point spec for the
    DR figures: the reference every sample is computed from.
    """
    result: Any = dict(raw)
    for parameter, value in values.items():
        if not (np.isfinite(value) and (value > 0 or (parameter.unit == "h" and value == 0))):
            raise SpecError(parameter.field, float(value), "a law over the parameter whose samples are finite and "
                            f"{'0 or more' if parameter.unit == 'h' else 'more than 0'}")
        holder = dict(_node(result, parameter.mapping))
        holder[parameter.key] = _law_at(holder[parameter.key], float(value), parameter.unit)
        result = set_path(result, parameter.mapping, holder)
    return result


def check_dr_cost(samples: int, n_disasters: int) -> None:
    """Refuse ``samples × n_disasters`` beyond :data:`MAX_DR_SAMPLES` / :data:`MAX_DR_CELLS` (nothing drawn yet)."""
    for name, value in (("dr_samples", samples), ("dr_disasters", n_disasters)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
            raise SpecError(name, value, "a whole number, at least 1")
    if samples > MAX_DR_SAMPLES:
        raise SpecError("dr_samples", samples, f"at most {MAX_DR_SAMPLES} DR parameter samples")
    if samples * n_disasters > MAX_DR_CELLS:
        raise SpecError("dr_samples × dr_disasters", f"{samples} × {n_disasters} = {samples * n_disasters:,}",
                        f"at most {MAX_DR_CELLS:,} disasters in all (fewer samples or disasters)")


def dr_outcomes(model: Topology, parameters: Sequence[DRParameter], theta: np.ndarray, *, n_disasters: int,
                seed: int, scenarios: Sequence[str] | None = None
                ) -> Iterator[tuple[Topology, dict[str, dict[str, SiteOutcomes]]]]:
    """Per parameter sample (a row of ``theta``), the rewritten model and its DR outcomes per site.

    Parameters
    ----------
    model : Topology
        A region-form spec with a ``data`` section.
    parameters, theta
        The DR parameters and an ``M × d`` array of their sampled means (each in its unit).
    n_disasters, seed
        Disasters per scenario and sample, and their seed — the same for every sample (common
        random numbers).
    scenarios : sequence of str, optional
        The scenarios to run (default: those the parameters reach).

    Yields
    ------
    (Topology, dict)
        The model at the sample and ``{scenario: {home region: SiteOutcomes}}``, one sample at a
        time (memory stays that of one sample).
    """
    from ..topology.spec import parse_spec

    theta = np.atleast_2d(np.asarray(theta, dtype=float))
    if theta.shape[1] != len(parameters):
        raise ValueError(f"theta has {theta.shape[1]} columns for {len(parameters)} parameters")
    check_dr_cost(len(theta), n_disasters)
    names = tuple(normalise_scenario(s) for s in scenarios) if scenarios is not None else reached(parameters)
    for row in theta:
        sampled = parse_spec(dr_spec_at(model.raw, dict(zip(parameters, row))), model.source)
        assert isinstance(sampled, Topology)
        yield sampled, site_outcomes(sampled, names, n_disasters=n_disasters, seed=seed)


def reached(parameters: Sequence[DRParameter]) -> tuple[str, ...]:
    """The scenarios any of ``parameters`` takes part in, in the scenarios' order."""
    return tuple(s for s in SCENARIOS if any(s in p.scenarios for p in parameters))
