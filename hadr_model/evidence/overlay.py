"""Spec overlays: the fitted laws, keyed by spec path, with where each figure came from.

An overlay is a flat YAML mapping from a dotted spec path to a law in the spec language of
:mod:`hadr_model.topology.laws`::

    # zone.mttf: chosen weibull: lowest AIC (812.40); next gamma at ΔAIC 3.10 (some support); BIC agrees
    #   from data/incidents_example.csv: 87 failures, 18 right-censored, exposure 788400 h; 18 elements, 123 rows
    #   mean 8731 h, 95 % CI 7402–10298 h (Wald, observed information, log scale); c 1.41 (1.19–1.68)
    zone.mttf: {dist: weibull_min, c: 1.41, mean: 8731.2h}

A behaviour's path is its place in the spec: ``zone``, ``region``, ``roles.db``,
``global.iam``, ``network.zone_link``, ``regions.eu-de.zone``, or a block component
(``blocks.series[1].component``); the last key is the one the spec uses for that behaviour
(``mttf`` / ``mttr`` when it writes those, else ``failure`` / ``repair``: both accept a law
mapping). :func:`apply_overlay` puts an overlay into a raw spec, replacing the other key of
the pair and a fixed ``availability``.

Examples
--------
>>> raw = {"zone": {"mttf": "1y", "mttr": "8h"}, "roles": {"db": {"per_zone": 1, "mttf": 10, "mttr": 1}}}
>>> sorted(element_classes(raw))
['roles.db', 'zone']
>>> apply_overlay(raw, {"zone.failure": {"dist": "exponential", "mean": "2y"}})["zone"]
{'mttr': '8h', 'failure': {'dist': 'exponential', 'mean': '2y'}}
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from typing import Any

import yaml

from ..errors import SpecError
from ..topology.paths import parse_path, set_path
from .fit import Fit

__all__ = ["PAIRS", "apply_overlay", "element_classes", "load_with_overlay", "overlay_entries", "overlay_text",
           "posterior", "read_overlay"]

Path = tuple[str | int, ...]
# Per quantity, the spec keys that hold it: the shorthand and the long form.
PAIRS = {"failure": ("mttf", "failure"), "repair": ("mttr", "repair")}
_LAW_KEYS = {key: quantity for quantity, keys in PAIRS.items() for key in keys}
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_BLOCK_KINDS = ("series", "parallel", "k_of_n", "component", "network")


def render(path: Path) -> str:
    """A path as dotted text: ``('blocks', 'series', 1, 'component')`` → ``blocks.series[1].component``."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


# --- which classes a spec has ---------------------------------------------------------------

def element_classes(raw: Mapping[str, Any]) -> dict[str, tuple[Path, ...]]:
    """The element classes of a raw (already validated) spec and where each behaviour sits.

    Region form: ``zone``, ``region``, ``roles.NAME``, ``global.NAME``, ``network.LINK`` and
    per-region overrides ``regions.NAME.zone`` …; block form: each component name (a name used
    twice has two paths).
    """
    found: dict[str, list[Path]] = {}
    if isinstance(raw.get("blocks"), Mapping):
        _block_classes(raw["blocks"], ("blocks",), found)
    else:
        _region_classes(raw, found)
    return {name: tuple(paths) for name, paths in found.items()}


def _region_classes(raw: Mapping[str, Any], found: dict[str, list[Path]]) -> None:
    def add(path: Path) -> None:
        found.setdefault(".".join(map(str, path)), []).append(path)

    for key in ("zone", "region"):
        if isinstance(raw.get(key), Mapping):
            add((key,))
    for section in ("roles", "global"):
        for name, entry in _mapping(raw.get(section)).items():
            if isinstance(entry, Mapping):
                add((section, name))
    for link in _mapping(raw.get("network")):
        add(("network", link))
    for region, entry in _mapping(raw.get("regions")).items():
        entry = _mapping(entry)
        for key in ("zone", "region"):
            if isinstance(entry.get(key), Mapping):
                add(("regions", region, key))
        for link in _mapping(entry.get("network")):
            add(("regions", region, "network", link))


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _block_classes(block: Mapping[str, Any], path: Path, found: dict[str, list[Path]]) -> None:
    for kind in _BLOCK_KINDS:
        if kind not in block:
            continue
        body = block[kind]
        if kind == "component" and isinstance(body, Mapping) and "name" in body:
            found.setdefault(str(body["name"]), []).append((*path, kind))
        elif kind in ("series", "parallel") and isinstance(body, list):
            for i, child in enumerate(body):
                if isinstance(child, Mapping):
                    _block_classes(child, (*path, kind, i), found)
        elif kind == "k_of_n" and isinstance(body, Mapping) and isinstance(body.get("of"), list):
            for i, child in enumerate(body["of"]):
                if isinstance(child, Mapping):
                    _block_classes(child, (*path, kind, "of", i), found)
        elif kind == "network" and isinstance(body, Mapping):
            for part in ("nodes", "edges"):
                for i, item in enumerate(body.get(part) or []):
                    if isinstance(item, Mapping) and "name" in item and _has_behaviour(item):
                        found.setdefault(str(item["name"]), []).append((*path, kind, part, i))


def _has_behaviour(entry: Mapping[str, Any]) -> bool:
    return any(key in entry for key in ("mttf", "mttr", "failure", "repair", "availability"))


# --- writing --------------------------------------------------------------------------------

def _node(raw: Mapping[str, Any] | None, path: Path) -> Any:
    node: Any = raw
    for part in path:
        if isinstance(part, int):
            node = node[part] if isinstance(node, list) and part < len(node) else None
        else:
            node = node.get(part) if isinstance(node, Mapping) else None
    return node


def _key_for(behaviour: Any, quantity: str) -> str:
    """``mttf`` / ``mttr`` where the spec writes those, else ``failure`` / ``repair``."""
    shorthand, long = PAIRS[quantity]
    return shorthand if isinstance(behaviour, Mapping) and shorthand in behaviour else long


def overlay_entries(fits: Iterable[Fit], raw: Mapping[str, Any] | None = None) -> list[tuple[str, Fit]]:
    """``(overlay key, fit)`` for each fit and each place its class sits in ``raw``.

    Without a spec, the key is ``CLASS.failure`` / ``CLASS.repair``.
    """
    classes = element_classes(raw) if raw is not None else {}
    entries = []
    for fit in fits:
        paths = classes.get(fit.sample.element_class)
        if not paths:
            entries.append((f"{fit.sample.element_class}.{fit.sample.quantity}", fit))
            continue
        for path in paths:
            entries.append((f"{render(path)}.{_key_for(_node(raw, path), fit.sample.quantity)}", fit))
    return entries


def _comment(text: str) -> str:
    return _CONTROL.sub(lambda match: repr(match.group())[1:-1], text)


def _figure_comment(key: str, fit: Fit) -> list[str]:
    sample = fit.sample
    source = f"from {sample.source}: " if sample.source else ""
    lines = [f"# {key}: " + (f"chosen {fit.reason}" if fit.chosen else fit.reason),
             f"#   {source}{sample.describe()}; {sample.elements} elements, {sample.rows} rows of class "
             f"{sample.element_class}"]
    chosen = fit.chosen
    if chosen is not None:
        low, high = chosen.mean_interval_h
        shape = "".join(f"; {name} {value:.4g} ({chosen.intervals[name][0]:.4g}–{chosen.intervals[name][1]:.4g})"
                        for name, value in chosen.params.items() if name != "scale")
        lines.append(f"#   mean {chosen.mean_h:.6g} h, {fit.level:.0%} CI {low:.6g}–{high:.6g} h "
                     f"(Wald, observed information, log scale){shape}")
    return [_comment(line) for line in lines]


def posterior(fit: Fit) -> tuple[dict[str, Any], str] | None:
    """The epistemic law of a fitted mean, for ``PATH.uncertainty.mttf`` / ``.mttr``, and how it was made.

    * an exponential fit without interval-censored times: the conjugate **gamma posterior** of the
      rate, ``Gamma(events + 1/2, rate exposure)`` (Jeffreys prior), exact;
    * any other fit: a **Laplace** approximation, a lognormal law of the mean with ``s`` the
      Wald standard error of ``log mean`` (observed information, delta method) and median the
      fitted mean — the same interval ``hadr fit`` prints.

    ``None`` when no law was fitted.
    """
    chosen, sample = fit.chosen, fit.sample
    if chosen is None:
        return None
    events_key, exposure_key = ("failures", "exposure") if sample.quantity == "failure" else ("repairs", "repair_time")
    if chosen.dist == "expon" and not sample.interval_count and sample.events > 0:
        return ({"dist": "gamma-posterior", events_key: int(sample.events), exposure_key: f"{sample.exposure_h:.10g}h"},
                "conjugate gamma posterior of the rate (Jeffreys prior)")
    low, high = chosen.mean_interval_h
    spread = math.log(high / low) / (2 * 1.959963984540054)
    if not (math.isfinite(spread) and spread > 0):
        return None
    return ({"dist": "lognorm", "s": float(f"{spread:.6g}"), "scale": f"{chosen.mean_h:.10g}h"},
            "Laplace approximation: lognormal mean, s = Wald standard error of log mean")


def overlay_text(fits: Iterable[Fit], raw: Mapping[str, Any] | None = None, *, records: str = "",
                 uncertainty: bool = False) -> str:
    """The overlay YAML: one law per fitted figure, each with a comment saying where it came from.

    A fit with no law (no failure observed) is a comment only. With ``uncertainty``, each law is
    followed by ``PATH.uncertainty.mttf`` (or ``.mttr``): its epistemic law (:func:`posterior`).
    """
    fits = list(fits)
    header = ["# Spec overlay written by `hadr fit`" + (f" from {records}" if records else "") + ".",
              "# Each key is a spec path; apply with hadr_model.evidence.apply_overlay(spec, overlay),",
              "# or copy each law to its place in the spec. Laws: hadr_model.topology.laws."]
    lines = [_comment(line) for line in header]
    for key, fit in overlay_entries(fits, raw):
        lines.append("")
        lines.extend(_figure_comment(key, fit))
        if fit.chosen is not None:
            lines.append(yaml.safe_dump({key: fit.chosen.law()}, default_flow_style=None, sort_keys=False,
                                        allow_unicode=True, width=10_000).rstrip("\n"))
            law = posterior(fit) if uncertainty else None
            if law is not None:
                path, _, last = key.rpartition(".")
                mean = "mttf" if _LAW_KEYS[last] == "failure" else "mttr"
                lines.append(_comment(f"#   its uncertainty: {law[1]}"))
                lines.append(yaml.safe_dump({f"{path}.uncertainty.{mean}": law[0]}, default_flow_style=None,
                                            sort_keys=False, allow_unicode=True, width=10_000).rstrip("\n"))
    if not any(fit.chosen is not None for fit in fits):
        lines.append("{}")
    return "\n".join(lines) + "\n"


# --- reading and applying -------------------------------------------------------------------

def read_overlay(text: str, file: str | None = None) -> dict[str, Any]:
    """Parse an overlay's YAML text into ``{key: law}`` (safe loader)."""
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise SpecError("", SpecError.NO_VALUE, f"valid YAML ({error.__class__.__name__})", file=file) from None
    if raw is None:
        return {}
    if not isinstance(raw, Mapping) or not all(isinstance(k, str) for k in raw):
        raise SpecError("", type(raw).__name__, "an overlay: a mapping of spec paths to laws", file=file)
    return dict(raw)


def _resolve(raw: Mapping[str, Any], text: str, classes: Mapping[str, tuple[Path, ...]]) -> tuple[Path, ...]:
    # A class name may hold a dot (a role 'a.b'): match the spec's own classes first.
    if text in classes:
        return classes[text]
    for paths in classes.values():
        matching = tuple(p for p in paths if render(p) == text)
        if matching:
            return matching
    return (parse_path(text),)


def apply_overlay(raw: Mapping[str, Any], overlay: Mapping[str, Any]) -> dict[str, Any]:
    """``raw`` with each overlay law in place (copy on write: ``raw`` is not changed).

    Each key ``PATH.KEY`` with ``KEY`` one of ``mttf``, ``failure``, ``mttr``, ``repair`` sets
    that key of the behaviour at ``PATH`` and removes its pair (``failure`` removes ``mttf``)
    and any fixed ``availability``.

    Raises
    ------
    SpecError
        When a key does not end in one of those or its path is not a behaviour of the spec.
    """
    classes = element_classes(raw)
    result: Any = dict(raw)
    # Laws first, then uncertainties: a fitted law drops the spec's uncertainty of that mean (it was
    # about the figure the fit replaces); the overlay's own uncertainty entries then set theirs.
    ordered = sorted(overlay.items(), key=lambda item: ".uncertainty." in str(item[0]))
    for key, law in ordered:
        text, _, last = str(key).rpartition(".")
        base, _, middle = text.rpartition(".")
        uncertain = middle == "uncertainty" and last in ("mttf", "mttr") and base
        if not uncertain and (last not in _LAW_KEYS or not text):
            raise SpecError(str(key), law, "a key PATH.mttf, PATH.failure, PATH.mttr, PATH.repair or "
                            "PATH.uncertainty.mttf / .mttr")
        for path in _resolve(raw, base if uncertain else text, classes):
            behaviour = _node(result, path)
            if not isinstance(behaviour, Mapping):
                raise SpecError(str(key), law, f"a path to a behaviour of the spec ({base if uncertain else text} "
                                "is not one)")
            if uncertain:
                replaced = {**behaviour, "uncertainty": {**(behaviour.get("uncertainty") or {}), last: law}}
            else:
                mean = "mttf" if _LAW_KEYS[last] == "failure" else "mttr"
                replaced = {k: v for k, v in behaviour.items()
                            if k not in PAIRS[_LAW_KEYS[last]] and k != "availability"}
                kept = {k: v for k, v in (replaced.get("uncertainty") or {}).items() if k != mean}
                replaced.pop("uncertainty", None)
                if kept:
                    replaced["uncertainty"] = kept
                replaced[last] = law
            result = set_path(result, path, replaced)
    return result


def load_with_overlay(spec: str | None, overlay: str) -> Any:
    """Load ``spec`` (``None``: the shipped default) with the ``hadr fit`` overlay file ``overlay`` applied.

    Errors name the overlay file when they are about a field the overlay sets (a law it writes),
    the spec file otherwise.

    Raises
    ------
    SpecError
        An unreadable overlay, a key that is not a behaviour of the spec, or a law it refuses.
    """
    from pathlib import Path

    from ..topology.spec import default_spec_path, load_spec, parse_spec

    try:
        text = Path(overlay).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise SpecError("--overlay", overlay, f"a readable overlay file ({error.__class__.__name__})") from None
    entries = read_overlay(text, overlay)
    base = load_spec(spec)
    source = str(spec) if spec is not None else str(default_spec_path())
    try:
        applied = apply_overlay(base.raw, entries)
    except SpecError as error:
        raise SpecError(error.field, error.value, error.expected, file=overlay) from None
    try:
        return parse_spec(applied, source=source)
    except SpecError as error:
        mine = any(error.field == key or error.field.startswith(f"{key}.") for key in entries)
        raise SpecError(error.field, error.value, error.expected, file=overlay if mine else source,
                        line=error.line if not mine else None) from None
