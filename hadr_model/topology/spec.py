"""Load a YAML spec into a validated model.

A spec has either ``regions`` (the region form, :class:`~hadr_model.topology.model.Topology`)
or ``blocks`` (the block form, :class:`~hadr_model.topology.model.BlockSystem`) at the top.
YAML is read with the safe loader; nothing in a spec is ever evaluated. Every problem raises
:class:`~hadr_model.errors.SpecError` naming the file, line (when known), field path, value
and what was expected.

Region form keys
----------------
``name``, ``description``, ``year_hours`` (default 8760);
``zone`` and ``region`` — the failure behaviour of every zone / region;
``regions`` — ``NAME: {zones: 3 | [names], fails_over_to: NAME, home: true, zone: …, region: …,
network: …, per_zone: {role: n}, recovery: {region_loss: {step: …}}}`` (``home: false`` marks a
failover-only region where no tenant lives; ``recovery`` replaces some steps of the top-level
``recovery`` when this region is lost);
``roles`` — ``NAME: {per_zone: n, needs: any|all|quorum|k|NN%, mttf, mttr | failure, repair |
availability, depends_on: [global services], beta: 0.05}``;
``global`` — ``NAME: behaviour`` for services shared by every region;
``network`` — ``{ingress_link: behaviour, zone_link: behaviour}``: every zone has a link to the
region's ingress and every pair of zones a link; a zone's instances count only while the zone
reaches the ingress over up links and up zones (per region override allowed);
``data``, ``recovery``, ``objectives`` — see :mod:`hadr_model.topology.dataprotection`.

A behaviour is ``{mttf: DURATION, mttr: DURATION}`` (exponential laws), ``{failure: LAW,
repair: LAW}`` (any law, see :mod:`hadr_model.topology.laws`), a mix of both, or
``{availability: 0.9999}`` (a fixed figure, no time behaviour).

Block form keys
---------------
``blocks`` — one block: ``series: [blocks]``, ``parallel: [blocks]``, ``k_of_n: {k, of:
[blocks]}``, ``component: {name, behaviour…, count: n, beta: b}``, or ``network: {source,
target, nodes: [{name, behaviour…}], edges: [{between: [a, b], name, behaviour…}]}``.
``count: n`` expands into n independent copies ``name[1]`` … ``name[n]`` inside the
enclosing block; ``beta`` adds one common-cause element ``name[ccf]`` that fails all copies.

Names and limits
----------------
Region, zone, role and global service names may hold any text but '@', '|' and control
characters (those join the parts of element labels, ``instance:ROLE@ZONE``,
``zone_link:A|B@REGION``, and of internal names such as the ingress ``@ingress``), and a
global service is named unlike every region and zone. Sizes are checked from the spec before
anything is built: aliases may add at most :data:`MAX_ALIAS_NODES` nodes, a block diagram
holds at most :data:`MAX_BLOCK_COMPONENTS` components counting every copy (and
:data:`MAX_BLOCKS` blocks), a region form at most :data:`MAX_ELEMENTS` element groups.

Keys, choices, bounds and defaults
----------------------------------
The keys every mapping accepts, the required keys, the choices (``needs``, replication modes
…), numeric bounds and the defaults come from the table of :mod:`hadr_model.topology.schema`,
which also generates the JSON Schema (``hadr schema``); the checks that need more than one
value (references, ``k`` at most ``n``, limits) stay here. Each default is recorded where it
is applied: :func:`load_spec_with_defaults` returns them (``hadr validate`` lists them). A
``description`` may be any text and is shown nowhere in the figures.

Examples
--------
>>> model = load_spec()          # the shipped default topology
>>> len(model.regions)
7
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import replace
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from ..errors import SpecError
from ..units import parse_fraction
from . import _checks as check
from . import schema
from .laws import Law, exponential, is_uncertain, never, outage_law, parse_law, parse_uncertain
from .model import (
    INGRESS,
    PERFECT,
    Behaviour,
    Block,
    BlockSystem,
    Component,
    GlobalService,
    KOfN,
    Model,
    Network,
    Parallel,
    Region,
    Role,
    Series,
    Topology,
    ZoneNetwork,
)

__all__ = ["MAX_ALIAS_NODES", "MAX_BLOCKS", "MAX_BLOCK_COMPONENTS", "MAX_ELEMENTS", "MAX_REGIONS", "MAX_ZONES",
           "default_spec_path", "load_spec", "load_spec_with_defaults", "parse_spec", "read_yaml"]

MAX_ZONES = 12
MAX_REGIONS = 1000
MAX_BLOCK_COMPONENTS = 10_000
MAX_BLOCKS = 2 * MAX_BLOCK_COMPONENTS
MAX_ALIAS_NODES = 100_000
_SCALAR_CHARS_PER_NODE = 100
_CACHE_KEY_NODES = 10_000
MAX_ELEMENTS = 250_000
# The keys, choices, bounds and defaults of every mapping come from the table of
# hadr_model.topology.schema (which also generates the JSON Schema): one definition.
_BEHAVIOUR_KEYS = schema.BEHAVIOUR_KEYS
_NEEDS_EXPECTED = "any, all, quorum, a whole number k, or a percentage such as '60%'"


def default_spec_path() -> Path:
    """Path of the shipped default topology (the serverless Functions platform)."""
    # importlib.resources costs ~3 ms of imports (tempfile, shutil…) that a given spec never needs.
    from importlib import resources

    return Path(str(resources.files("hadr_model") / "specs" / "functions_platform.yaml"))


class _UniqueKeyLoader(yaml.SafeLoader):
    """Safe loader that refuses duplicate keys and bounds what aliases expand to.

    An alias (``*name``) shares the node its anchor (``&name``) marks, so a few hundred bytes
    of nested aliases ("billion laughs") stand for billions of nodes: harmless while shared,
    but every walk of the value (an error message, a cache key, a JSON dump) expands them.
    Each alias therefore counts the size of the subtree it repeats, and reading stops with a
    SpecError once aliases have added more than :data:`MAX_ALIAS_NODES` nodes (a scalar
    counts one node per :data:`_SCALAR_CHARS_PER_NODE` characters, so a long repeated text
    counts by its length). A recursive alias (inside the node its anchor marks) is refused.
    """

    def __init__(self, stream: Any) -> None:
        super().__init__(stream)
        self._sizes: dict[int, int] = {}    # id(node) -> nodes in its subtree, aliases expanded
        self._aliased = 0                   # nodes added by every alias so far

    def compose_node(self, parent: Any, index: Any) -> Any:
        if not self.check_event(yaml.AliasEvent):
            node = super().compose_node(parent, index)
            self._sizes[id(node)] = _node_size(node, self._sizes)
            return node
        event = self.peek_event()
        node = super().compose_node(parent, index)     # an unknown alias raises ComposerError
        line = event.start_mark.line + 1
        size = self._sizes.get(id(node))
        if size is None:     # the anchored node is not complete yet: it would contain itself
            raise SpecError("", f"*{event.anchor}", "an alias outside the node its anchor marks "
                            "(a recursive alias has no finite value)", line=line)
        self._aliased += size
        if self._aliased > MAX_ALIAS_NODES:
            raise SpecError("", f"*{event.anchor}", f"YAML aliases that add at most {MAX_ALIAS_NODES:,} nodes "
                            f"to the document once expanded (with this one: {self._aliased:,})", line=line)
        return node


def _node_size(node: yaml.Node, sizes: dict[int, int]) -> int:
    """Nodes in ``node``'s subtree, aliases expanded (children are already in ``sizes``)."""
    if isinstance(node, yaml.ScalarNode):
        return 1 + len(node.value) // _SCALAR_CHARS_PER_NODE
    children = node.value if isinstance(node, yaml.SequenceNode) else [n for pair in node.value for n in pair]
    return 1 + sum(sizes[id(child)] for child in children)


def _construct_mapping(loader: _UniqueKeyLoader, node: yaml.MappingNode, deep: bool = False) -> Any:
    seen: set[Any] = set()
    for key_node, _ in node.value:
        if key_node.tag == "tag:yaml.org,2002:merge":
            continue  # '<<: *defaults' merge keys: construct_mapping below flattens them
        key = loader.construct_object(key_node, deep=deep)
        if isinstance(key, (str, int, float, bool)) and key in seen:
            raise SpecError(str(key), key, "each key once in a mapping (this one is repeated)",
                            line=key_node.start_mark.line + 1)
        if isinstance(key, (str, int, float, bool)):
            seen.add(key)
    return loader.construct_mapping(node, deep=deep)


_UniqueKeyLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def read_yaml(text: str, file: str | None = None) -> Any:
    """Parse YAML safely; syntax errors become SpecError with the line.

    Nothing is evaluated (safe loader: no Python tags); a key may appear once per mapping;
    aliases may add at most :data:`MAX_ALIAS_NODES` nodes once expanded, and an alias may
    not be recursive (see :class:`_UniqueKeyLoader`).

    Examples
    --------
    >>> read_yaml("d: &d {mttf: 1h}\\nx: {<<: *d, mttr: 2h}")["x"]
    {'mttf': '1h', 'mttr': '2h'}
    """
    try:
        return yaml.load(text, Loader=_UniqueKeyLoader)
    except SpecError as error:
        raise SpecError(error.field, error.value, error.expected, file=file, line=error.line) from None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        problem = getattr(error, "problem", None) or str(error).splitlines()[0]
        # Show the offending line rather than "missing": a syntax error has no field, but it has text.
        lines = text.splitlines()
        value = lines[line - 1].strip() if line is not None and 0 < line <= len(lines) else SpecError.NO_VALUE
        raise SpecError("", value, f"valid YAML ({problem})", file=file, line=line) from None
    except RecursionError:
        raise SpecError("", "nesting too deep to read", "YAML nested at most a few hundred levels deep",
                        file=file) from None
    except (ValueError, TypeError, OverflowError) as error:
        raise SpecError("", SpecError.NO_VALUE, f"valid YAML ({error})", file=file) from None


def load_spec(source: str | Path | Mapping[str, Any] | None = None) -> Model:
    """Load and validate a spec.

    Parameters
    ----------
    source : path, mapping or None
        A YAML file, an already-parsed mapping, or ``None`` for the shipped default topology.

    Returns
    -------
    Topology or BlockSystem

    Raises
    ------
    SpecError
        On any problem, naming file, line, field, value and what was expected.

    Examples
    --------
    >>> load_spec({"blocks": {"component": {"name": "db", "availability": 0.999}}}).name
    'spec'
    """
    if isinstance(source, Mapping):
        return parse_spec(source)
    path = Path(source) if source is not None else default_spec_path()
    file = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SpecError("", file, "an existing spec file") from None
    except (OSError, UnicodeDecodeError) as error:
        raise SpecError("", file, f"a readable UTF-8 text file ({error.__class__.__name__})") from None
    raw = read_yaml(text, file)
    try:
        return parse_spec(raw, source=file)
    except SpecError as error:
        line = error.line or _line_of(text, error.field)
        raise SpecError(error.field, error.value, error.expected, file=file, line=line) from None


def load_spec_with_defaults(source: str | Path | Mapping[str, Any] | None = None) -> tuple[Model, list[schema.Default]]:
    """Load a spec as :func:`load_spec` does, with the defaults the validator fell back to.

    Each default is recorded where the validator applies it (the value it took, and why), in
    the order met, once per field.

    Examples
    --------
    >>> model, found = load_spec_with_defaults({"blocks": {"component": {"name": "db", "availability": 0.999}}})
    >>> [(d.field, d.value) for d in found]   # doctest: +NORMALIZE_WHITESPACE
    [('name', 'spec'), ('objectives.availability', '0.9999'), ('objectives.confidence', '0.95'),
     ('year_hours', '8760')]
    """
    with schema.recording() as found:
        model = load_spec(source)
    unique: dict[str, schema.Default] = {}
    for default in found:
        unique.setdefault(default.field, default)
    return model, list(unique.values())


def _line_of(text: str, field: str) -> int | None:
    """1-based line of a dotted field path in YAML text, when it can be found."""
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return None
    line = None
    for part in field.replace("[", ".[").split("."):
        if not part or node is None:
            continue
        if isinstance(node, yaml.MappingNode):
            match = [(k, v) for k, v in node.value if k.value == part]
            if not match:
                break
            line, node = match[0][0].start_mark.line + 1, match[0][1]
        elif isinstance(node, yaml.SequenceNode) and part.startswith("["):
            digits = part.strip("[]")
            # isdigit() is true for "²", which int() refuses: a key "x[²]" crashed the locator
            index = int(digits) if digits.isdecimal() else -1
            if not 0 <= index < len(node.value):
                break
            node = node.value[index]
            line = node.start_mark.line + 1
        else:
            break
    return line


def parse_spec(raw: Any, source: str | None = None) -> Model:
    """Validate an already-parsed spec mapping (see :func:`load_spec`)."""
    model = _parse_form(raw, source)
    if "repair" in raw:
        _ = model.compiled.teams    # repair teams name elements of the compiled table: checked at load
    from .standby import declared

    if declared(raw):
        _ = model.compiled.standby  # standby groups are rows of the compiled table: checked at load
    return model


def _parse_form(raw: Any, source: str | None) -> Model:
    top = check.mapping(raw, "", "a mapping at the top level with 'regions', 'blocks' or 'fault_tree'")
    forms = [form for form in ("regions", "blocks", "fault_tree") if form in top]
    if len(forms) > 1:
        raise SpecError("", " and ".join(forms), "one of 'regions', 'blocks' or 'fault_tree' at the top, not several")
    if "blocks" in top:
        return _parse_block_form(top, source)
    if "fault_tree" in top:
        from .faulttree import parse_fault_tree_form  # the fault-tree form reads into a block system

        return parse_fault_tree_form(top, source)
    if "regions" in top:
        return _parse_region_form(top, source)
    check.check_keys(top, schema.keys("region_form") + ("blocks",), "")
    raise SpecError("", sorted(top), "a 'regions' or a 'blocks' section at the top level")


# --- behaviours ----------------------------------------------------------------------------

def parse_behaviour(raw: Mapping[str, Any], field: str) -> Behaviour:
    """Read a failure/repair behaviour from the behaviour keys of ``raw``."""
    if "availability" in raw:
        extra = [k for k in ("mttf", "mttr", "failure", "repair", "mttd", "detect") if k in raw]
        if extra:
            raise SpecError(check.join(field, extra[0]), raw[extra[0]],
                            "either a fixed 'availability' or time laws (mttf/mttr), not both")
        if "uncertainty" in raw:
            raise SpecError(check.join(field, "uncertainty"), raw["uncertainty"],
                            "an uncertainty of time laws (mttf/mttr), not of a fixed 'availability'")
        value = raw["availability"]
        availability = parse_fraction(value, check.join(field, "availability"),
                                      expected="an availability in (0, 1], e.g. 0.9999 or '99.99%'")
        if availability <= 0.0:
            raise SpecError(check.join(field, "availability"), value, "an availability more than 0")
        return Behaviour(fixed_availability=availability)
    failure = _law(raw, field, "mttf", "failure")
    repair = _law(raw, field, "mttr", "repair")
    if "uncertainty" in raw:
        _check_uncertainty_beside(raw, field, failure, repair)
    # A detection delay comes first in every outage: the repair law becomes detect + repair.
    return Behaviour(failure=failure, repair=outage_law(_detection(raw, field), repair))


def _detection(raw: Mapping[str, Any], field: str) -> Law | None:
    """The detection delay, ``mttd`` (exponential mean) or ``detect`` (a law), or ``None``.

    Written like ``mttr``: a bare duration is an exponential mean, ``{dist: deterministic,
    value: 15m}`` a fixed delay; a law of mean 0 is no delay.
    """
    if "mttd" in raw and "detect" in raw:
        raise SpecError(check.join(field, "detect"), raw["detect"], "either 'mttd' or 'detect', not both")
    key = "mttd" if "mttd" in raw else "detect" if "detect" in raw else None
    if key is None:
        return None
    return _parse_law(raw[key], check.join(field, key), fixed_means_exponential=True)


def _parse_law(raw: Any, field: str, *, fixed_means_exponential: bool) -> Law:
    """:func:`parse_law`, cached for a bare duration (a sweep re-reads the same ``"8h"`` texts
    point after point; laws are frozen values, safe to share). Errors are never cached."""
    if isinstance(raw, (str, float, int)) and not isinstance(raw, bool):
        return _parse_scalar_law(raw, field, fixed_means_exponential)
    return parse_law(raw, field, fixed_means_exponential=fixed_means_exponential)


@lru_cache(maxsize=1024, typed=True)
def _parse_scalar_law(raw: str | float, field: str, fixed_means_exponential: bool) -> Law:
    return parse_law(raw, field, fixed_means_exponential=fixed_means_exponential)


def _check_uncertainty_beside(raw: Mapping[str, Any], field: str, failure: Law, repair: Law) -> None:
    """``uncertainty: {mttf: …, mttr: …}`` beside the point figures: each a law over the mean
    (validated here; :mod:`hadr_model.service.uncertainty` samples it); the point stays as written."""
    # Validation only (the result is not kept): a sweep re-reads the same entries beside the
    # same points point after point, so each distinct case is checked once.
    text = _json_key([raw.get(k) for k in ("uncertainty", "mttf", "mttr")])
    key = (text, field, failure.mean_h, repair.mean_h) if text else None
    if key and key in _UNCERTAINTY_CHECKED:
        return
    _check_uncertainty_entries(raw, field, failure, repair)
    if key:
        if len(_UNCERTAINTY_CHECKED) >= _SMALL_CACHE_SIZE:
            _UNCERTAINTY_CHECKED.clear()
        _UNCERTAINTY_CHECKED.add(key)


def _json_key(value: Any) -> str | None:
    """JSON text of a small spec value that reads back equal, else ``None`` (no cache key)."""
    if not check.size_within(value, _CACHE_KEY_NODES):
        return None
    try:
        key = json.dumps(value, sort_keys=True, allow_nan=False)
        return key if json.loads(key) == value else None
    except (TypeError, ValueError, RecursionError):
        return None


_SMALL_CACHE_SIZE = 256
_UNCERTAINTY_CHECKED: set[tuple] = set()
_OVERRIDDEN: dict[tuple, tuple[Any, Any]] = {}


def _check_uncertainty_entries(raw: Mapping[str, Any], field: str, failure: Law, repair: Law) -> None:
    where = check.join(field, "uncertainty")
    entries = check.mapping(raw["uncertainty"], where, "{mttf: LAW or gamma posterior, mttr: …}")
    check.check_keys(entries, schema.keys("uncertainty"), where)
    for quantity, law in (("mttf", failure), ("mttr", repair)):
        if quantity not in entries:
            continue
        if is_uncertain(raw.get(quantity)):
            raise SpecError(check.join(where, quantity), entries[quantity],
                            f"one uncertainty per parameter ('{quantity}' already carries one)")
        if not math.isfinite(law.mean_h):
            raise SpecError(check.join(where, quantity), entries[quantity], "a parameter with a finite point value")
        parse_uncertain(entries[quantity], check.join(where, quantity), point_h=law.mean_h)


def _law(raw: Mapping[str, Any], field: str, shorthand: str, long: str) -> Law:
    if shorthand in raw and long in raw:
        raise SpecError(check.join(field, long), raw[long], f"either '{shorthand}' or '{long}', not both")
    key = shorthand if shorthand in raw else long
    if key not in raw:
        raise SpecError(field, dict(raw), f"'{shorthand}' (or '{long}'), or a fixed 'availability'")
    if shorthand == "mttr" and isinstance(raw[key], str) and raw[key].strip().lower() == schema.NEVER_WORD:
        return never()      # a non-repairable element: down for good once it has failed
    if key == shorthand and is_uncertain(raw[key]):
        # An uncertainty in place of the value: the point figures use its median (validate says so).
        uncertain = parse_uncertain(raw[key], check.join(field, key))
        schema.note_default(check.join(field, key), f"{uncertain.point_h:.6g}h", "", why=(
            f"point value of an uncertain parameter = its median; {uncertain.describe()}"))
        return exponential(uncertain.point_h)
    law = _parse_law(raw[key], check.join(field, key), fixed_means_exponential=True)
    # A bare duration is refused at 0 by parse_duration; a law such as {dist: deterministic,
    # value: 0} is not. Mean 0 means an element that is never up (failure) or a repair that
    # takes no time, for which the engines have no meaning: availability 1 says "never down".
    if not law.mean_h > 0:
        what = ("a time to failure with a mean more than zero (an element that fails at once never works)"
                if shorthand == "mttf" else
                "a repair time with a mean more than zero (for an element that is never down, "
                "write availability: 1)")
        raise SpecError(check.join(field, key), raw[key], what)
    return law


def _behaviour_section(top: Mapping[str, Any], key: str, field: str | None = None) -> Behaviour:
    field = field or key
    raw = check.mapping(top[key], field, "a behaviour mapping such as {mttf: 2y, mttr: 4h}")
    check.check_keys(raw, _BEHAVIOUR_KEYS, field)
    return parse_behaviour(raw, field)


# --- region form ---------------------------------------------------------------------------

def _parse_region_form(top: Mapping[str, Any], source: str | None) -> Topology:
    check.check_keys(top, schema.keys("region_form"), "")
    for key in schema.required("region_form"):
        if key not in top:
            raise SpecError(key, SpecError.NO_VALUE, f"a '{key}' section (region form)")
    _check_description(top, "")
    name = _name(top, "region_form")
    year_hours = _year_hours(top, "region_form")
    zone = _behaviour_section(top, "zone")
    region = _behaviour_section(top, "region")
    global_services = _parse_globals(top.get("global", {}))
    network = _parse_network(top["network"], "network") if "network" in top else None
    if network is None:
        schema.note_default("network", "none", "region_form", "network")
    regions = _parse_regions(top["regions"], zone, region, network)
    _check_global_names(global_services, regions)
    if isinstance(top["roles"], Mapping):   # before reading the roles: their cost is roles × regions
        _check_element_count(regions, len(top["roles"]), 0)
    roles = _parse_roles(top["roles"], {g.name for g in global_services}, regions)
    _check_element_count(regions, len(roles), sum(role.common_cause is not None for role in roles))
    data, recovery, objectives = _parse_data_sections(top, {r.name for r in roles})
    regions = _with_region_recovery(regions, top["regions"], recovery)
    return Topology(
        name=name, regions=regions, roles=roles, global_services=global_services,
        year_hours=year_hours, data=data, recovery=recovery, objectives=objectives,
        source=source, raw=dict(top),
    )


def _name(top: Mapping[str, Any], form: str) -> str:
    if "name" not in top:
        schema.note_default("name", schema.default(form, "name"), form, "name")
    return check.text(top.get("name", schema.default(form, "name")), "name")


def _year_hours(top: Mapping[str, Any], form: str) -> float:
    if "year_hours" not in top:
        schema.note_default("year_hours", schema.default(form, "year_hours"), form, "year_hours")
        return float(schema.default(form, "year_hours"))
    low, high = schema.bounds(form, "year_hours")
    return check.number(top["year_hours"], "year_hours", low, high, schema.key(form, "year_hours").doc)


def _check_description(entry: Mapping[str, Any], field: str) -> None:
    """A ``description`` is free text: shown nowhere, but text (a list there is a slip)."""
    if "description" in entry and not isinstance(entry["description"], str):
        raise SpecError(check.join(field, "description"), entry["description"], "free text")


def _with_region_recovery(regions: tuple[Region, ...], raw: Mapping[str, Any], recovery: Any) -> tuple[Region, ...]:
    """Regions whose spec entry has its own ``recovery`` steps get the topology's plan with those."""
    for region in regions:
        if "recovery" not in raw[region.name]:
            schema.note_default(f"regions.{region.name}.recovery", "the top-level plan", "region", "recovery")
    return tuple(
        replace(region, recovery=_override_recovery(recovery, raw[region.name]["recovery"],
                                                    f"regions.{region.name}.recovery"))
        if "recovery" in raw[region.name] else region
        for region in regions
    )


def _override_recovery(recovery: Any, raw: Any, field: str) -> Any:
    """:func:`~hadr_model.topology.dataprotection.override_recovery`, cached by the (cached,
    frozen) plan object and the override's text: a sweep point then gets the same plan object,
    whose DR figures are cached by identity. The entry keeps the plan, so its ``id`` stays its own."""
    from . import dataprotection

    text = None if schema.is_recording() else _json_key(raw)   # a cached parse would record no defaults
    key = (id(recovery), text, field)
    entry = _OVERRIDDEN.get(key) if text is not None else None
    if entry is not None and entry[0] is recovery:
        return entry[1]
    plan = dataprotection.override_recovery(recovery, raw, field)
    if text is not None:
        if len(_OVERRIDDEN) >= _SMALL_CACHE_SIZE:
            _OVERRIDDEN.pop(next(iter(_OVERRIDDEN)))
        _OVERRIDDEN[key] = (recovery, plan)
    return plan


def _parse_data_sections(top: Mapping[str, Any], role_names: set[str]) -> tuple[Any, Any, Any]:
    sections = tuple(top.get(key, {}) for key in ("data", "recovery", "objectives"))
    key = None
    # A sweep re-parses the same sections point after point: parse each distinct one once
    # (the results are frozen values, safe to share). The key is JSON text, built only for
    # sections of bounded size: JSON expands every shared (aliased) subtree.
    if check.size_within(sections, _CACHE_KEY_NODES):
        try:
            key = json.dumps(sections, sort_keys=True, allow_nan=False)
            if json.loads(key) != list(sections):   # e.g. integer keys, which JSON turns into text
                key = None
        except (TypeError, ValueError, RecursionError):
            key = None
    if schema.is_recording():   # a cached parse would record no defaults
        key = None
    data, recovery, objectives = _parse_data_cached(key) if key is not None else _parse_data_raw(*sections)
    for role_name in data:
        if role_name not in role_names:
            raise SpecError(f"data.{role_name}", role_name, f"the name of a role ({', '.join(sorted(role_names))})")
    return data, recovery, objectives


def _parse_data_raw(data: Any, recovery: Any, objectives: Any) -> tuple[Any, Any, Any]:
    from . import dataprotection

    return (dataprotection.parse_data(data, "data"), dataprotection.parse_recovery(recovery, "recovery"),
            dataprotection.parse_objectives(objectives, "objectives"))


@lru_cache(maxsize=256)
def _parse_data_cached(key: str) -> tuple[Any, Any, Any]:
    return _parse_data_raw(*json.loads(key))


def _parse_globals(raw: Any) -> tuple[GlobalService, ...]:
    section = check.mapping(raw, "global", "a mapping of global service names to behaviours")
    services = []
    for name, entry in section.items():
        field = f"global.{name}"
        check.name(name, field, "a global service name")
        entry = check.mapping(entry, field, "a behaviour mapping such as {mttf: 5y, mttr: 1h}")
        check.check_keys(entry, _BEHAVIOUR_KEYS, field)
        services.append(GlobalService(name, parse_behaviour(entry, field)))
    return tuple(services)


def _parse_network(raw: Any, field: str) -> dict[str, Behaviour]:
    section = check.mapping(raw, field, "{ingress_link: behaviour, zone_link: behaviour}")
    check.check_keys(section, schema.keys("network_links"), field)
    return {key: _behaviour_section(section, key, f"{field}.{key}") for key in section}


def _zone_network(zones: tuple[str, ...], links: dict[str, Behaviour] | None) -> ZoneNetwork | None:
    if not links:
        return None
    edges: list[tuple[str, str, Behaviour]] = []
    perfect = Behaviour(fixed_availability=1.0)
    ingress = links.get("ingress_link", perfect)
    edges += [(INGRESS, zone, ingress) for zone in zones]
    if "zone_link" in links:
        edges += [(a, b, links["zone_link"]) for i, a in enumerate(zones) for b in zones[i + 1:]]
    return ZoneNetwork(tuple(edges))


def _parse_regions(raw: Any, zone: Behaviour, region: Behaviour,
                   network: dict[str, Behaviour] | None) -> tuple[Region, ...]:
    section = check.mapping(raw, "regions", "a mapping of region names to {zones: n, fails_over_to: …}")
    if not section:
        raise SpecError("regions", dict(section), "at least one region")
    if len(section) > MAX_REGIONS:
        raise SpecError("regions", f"{len(section)} regions", f"at most {MAX_REGIONS} regions")
    regions = [_parse_region(name, entry, zone, region, network) for name, entry in section.items()]
    names = {r.name for r in regions}
    zone_names: dict[str, str] = {}
    for r in regions:
        if r.fails_over_to is not None and r.fails_over_to not in names:
            others = sorted(names - {r.name})
            known = f"({_listing(others)})" if others else \
                f"(this spec has no other region: add one, or remove fails_over_to from {r.name})"
            raise SpecError(f"regions.{r.name}.fails_over_to", r.fails_over_to, f"the name of another region {known}")
        if r.fails_over_to == r.name:
            raise SpecError(f"regions.{r.name}.fails_over_to", r.fails_over_to, "a different region")
        for z in r.zones:
            if z in zone_names or z in names:
                raise SpecError(f"regions.{r.name}.zones", z, "zone names unique across all regions")
            zone_names[z] = r.name
    if not any(r.home for r in regions):
        raise SpecError("regions", sorted(names), "at least one region with home: true")
    return tuple(regions)


def _check_element_count(regions: tuple[Region, ...], roles: int, common_causes: int) -> None:
    """Refuse a spec with more than :data:`MAX_ELEMENTS` element groups, before any engine runs.

    A group is a region, a zone, a link, the instances of one role in one zone, or a role's
    common cause in one region: what the engines hold per element, whatever the copies.
    """
    zones = sum(len(r.zones) for r in regions)
    links = sum(len(r.network.links) for r in regions if r.network)
    total = len(regions) + zones + links + roles * zones + common_causes * len(regions)
    if total > MAX_ELEMENTS:
        raise SpecError("roles", f"{roles} roles × {zones} zones ({total:,} element groups)",
                        f"at most {MAX_ELEMENTS:,} element groups (regions, zones, links, one per role "
                        "and zone, common causes): fewer roles, regions or zones")


def _listing(names: list[str], most: int = 10) -> str:
    """Up to ``most`` names for a message (a spec may have a thousand regions)."""
    shown = ", ".join(names[:most])
    return shown + (f", … ({len(names)} in all)" if len(names) > most else "")


def _check_global_names(services: tuple[GlobalService, ...], regions: tuple[Region, ...]) -> None:
    # Regions, zones and global services are nodes of one graph (to_graph): one name each.
    taken = {r.name for r in regions} | {z for r in regions for z in r.zones}
    for service in services:
        if service.name in taken:
            raise SpecError(f"global.{service.name}", service.name,
                            "a global service name different from every region and zone name")


def _parse_region(name: str, entry: Any, zone: Behaviour, region: Behaviour,
                  network: dict[str, Behaviour] | None) -> Region:
    field = f"regions.{name}"
    check.name(name, field, "a region name")
    entry = check.mapping(entry, field, "a mapping such as {zones: 3, fails_over_to: other-region}")
    check.check_keys(entry, schema.keys("region"), field)
    _check_description(entry, field)
    if "zones" not in entry:
        raise SpecError(f"{field}.zones", SpecError.NO_VALUE, "the number of zones (or their names)")
    zones = _parse_zones(entry["zones"], f"{field}.zones", name)
    fails_over_to = entry.get("fails_over_to")
    if fails_over_to is not None:
        fails_over_to = check.text(fails_over_to, f"{field}.fails_over_to", "the name of another region")
    if "home" not in entry:
        schema.note_default(f"{field}.home", "true", "region", "home")
    home = check.boolean(entry.get("home", schema.default("region", "home")), f"{field}.home")
    if "zone" in entry:
        zone = _behaviour_section(entry, "zone", f"{field}.zone")
    if "region" in entry:
        region = _behaviour_section(entry, "region", f"{field}.region")
    if "network" in entry:
        network = _parse_network(entry["network"], f"{field}.network")
    per_zone = check.mapping(entry.get("per_zone", {}), f"{field}.per_zone",
                             "a mapping of role names to instances per zone in this region")
    counts = tuple((role, _parse_zone_counts(n, f"{field}.per_zone.{role}", zones, by_name=True))
                   for role, n in per_zone.items())
    return Region(name=name, zones=zones, zone=zone, region=region, fails_over_to=fails_over_to,
                  home=home, network=_zone_network(zones, network), per_zone=counts)


def _parse_zones(raw: Any, field: str, region: str) -> tuple[str, ...]:
    expected = f"a number of zones from 1 to {MAX_ZONES}, or a list of distinct zone names"
    if isinstance(raw, list):
        if not raw or len(raw) > MAX_ZONES:
            raise SpecError(field, raw, expected)
        names = tuple(check.name(z, f"{field}[{i}]", "a zone name") for i, z in enumerate(raw))
        if len(set(names)) != len(names):
            raise SpecError(field, raw, "distinct zone names (a name is repeated)")
        return names
    if isinstance(raw, bool) or not isinstance(raw, int) or not 1 <= raw <= MAX_ZONES:
        raise SpecError(field, raw, expected)
    count = raw
    return tuple(f"{region}-{i}" for i in range(1, count + 1))


def _parse_roles(raw: Any, global_names: set[str], regions: tuple[Region, ...]) -> tuple[Role, ...]:
    section = check.mapping(raw, "roles", "a mapping of role names to {per_zone, needs, mttf, mttr}")
    if not section:
        raise SpecError("roles", dict(section), "at least one role")
    roles = tuple(_parse_role(name, entry, global_names, regions) for name, entry in section.items())
    names = {role.name for role in roles}
    for region in regions:
        for role_name, _ in region.per_zone:
            if role_name not in names:
                raise SpecError(f"regions.{region.name}.per_zone.{role_name}", role_name,
                                f"the name of a role ({', '.join(sorted(names))})")
    return roles


def _parse_role(name: str, entry: Any, global_names: set[str], regions: tuple[Region, ...]) -> Role:
    field = f"roles.{name}"
    check.name(name, field, "a role name")
    entry = check.mapping(entry, field, "a mapping such as {per_zone: 1, needs: quorum, mttf: 4000h, mttr: 1h}")
    check.check_keys(entry, schema.keys("role"), field)
    _check_description(entry, field)
    for key in ("per_zone", "needs", "beta"):
        if key not in entry:
            schema.note_default(f"{field}.{key}", schema.default("role", key), "role", key)
    raw_per_zone = entry.get("per_zone", schema.default("role", "per_zone"))
    per_zone = _parse_zone_counts(raw_per_zone, f"{field}.per_zone", None, by_name=False)
    if isinstance(per_zone, tuple):
        for region in regions:
            if len(per_zone) != len(region.zones) and name not in dict(region.per_zone):
                raise SpecError(f"{field}.per_zone", raw_per_zone,
                                f"one count per zone: {len(region.zones)} for region {region.name} "
                                f"(or a per_zone override in regions.{region.name})")
    probe = Role(name=name, per_zone=per_zone, needs="any", instance=PERFECT)
    smallest = min(regions, key=lambda r: r.instances(probe))
    needs = _parse_needs(entry.get("needs", schema.default("role", "needs")), f"{field}.needs",
                         smallest.instances(probe), smallest)
    depends_on = _parse_depends_on(entry.get("depends_on", []), f"{field}.depends_on", global_names)
    behaviour = parse_behaviour(entry, field)
    beta = check.number(entry.get("beta", schema.default("role", "beta")), f"{field}.beta",
                        *schema.bounds("role", "beta"),
                        "a beta factor in [0, 1): the fraction of failures common to all instances")
    instance, common = _split_beta(behaviour, beta, f"{field}.beta")
    return Role(name=name, per_zone=per_zone, needs=needs, instance=instance,
                depends_on=depends_on, beta=beta, common_cause=common)


def _split_beta(behaviour: Behaviour, beta: float, field: str) -> tuple[Behaviour, Behaviour | None]:
    """Beta-factor model: rate λ splits into (1−β)λ per element and βλ shared by the group."""
    if beta == 0.0:
        return behaviour, None
    if not behaviour.has_time_law:
        raise SpecError(field, beta, "a beta factor only with time laws (mttf/mttr), not a fixed availability")
    assert behaviour.failure is not None
    mttf = behaviour.failure.mean_h
    independent = Behaviour(behaviour.failure.with_mean(mttf / (1.0 - beta)), behaviour.repair)
    common = Behaviour(behaviour.failure.with_mean(mttf / beta), behaviour.repair)
    return independent, common


def _parse_zone_counts(raw: Any, field: str, zones: tuple[str, ...] | None, *, by_name: bool
                       ) -> int | tuple[int, ...]:
    """Instances per zone: ``n`` in every zone, ``[n_1, …]`` one per zone in zone order, or (in a
    region, ``by_name``) ``{zone: n}`` naming every zone of the region. Zones may hold 0 when the
    total is at least 1 (``zones``: the region's, when known)."""
    low, high = schema.bounds("role", "per_zone")
    expected = (f"a whole number of instances from {low} to {high} in every zone, or a list of one count "
                "(0 or more) per zone" + (", or a mapping of each zone's name to its count" if by_name else ""))
    if isinstance(raw, list):
        if not raw or len(raw) > (len(zones) if zones is not None else MAX_ZONES):
            # Checked before reading the items: a list longer than any region's zones is refused whole.
            raise SpecError(field, raw, expected + f" ({len(zones) if zones is not None else MAX_ZONES} at most)")
        counts = tuple(check.integer(n, f"{field}[{i}]", 0, high) for i, n in enumerate(raw))
    elif isinstance(raw, Mapping) and by_name and zones is not None:
        unknown = [z for z in raw if z not in zones]
        if unknown:
            raise SpecError(f"{field}.{unknown[0]}", unknown[0], f"a zone of this region ({', '.join(zones)})")
        missing = [z for z in zones if z not in raw]
        if missing:
            raise SpecError(f"{field}.{missing[0]}", SpecError.NO_VALUE, "a count for every zone (0 allowed)")
        counts = tuple(check.integer(raw[z], f"{field}.{z}", 0, high) for z in zones)
    else:
        if isinstance(raw, Mapping):
            raise SpecError(field, dict(raw), expected)
        return check.integer(raw, field, low, high)
    if zones is not None and len(counts) != len(zones):
        raise SpecError(field, list(counts), f"one count per zone: {len(zones)} ({', '.join(zones)})")
    if sum(counts) < 1:
        raise SpecError(field, list(counts), "at least one instance in some zone")
    return counts


def _parse_needs(raw: Any, field: str, total: int, region: Region) -> str:
    zones = len(region.zones)
    if isinstance(raw, bool):
        raise SpecError(field, raw, _NEEDS_EXPECTED)
    if isinstance(raw, int):
        if raw < 1:
            raise SpecError(field, raw, f"k at least 1 ({_NEEDS_EXPECTED})")
        if raw > total:
            raise SpecError(field, raw, f"k at most {total} (the instances of the role across the {zones} "
                                        f"zones of region {region.name})")
        return str(raw)
    if isinstance(raw, str):
        value = raw.strip()
        if value in schema.NEEDS_WORDS:
            return value
        if value.endswith("%"):
            try:
                percent = float(value[:-1])
            except ValueError:
                raise SpecError(field, raw, _NEEDS_EXPECTED) from None
            if not (0.0 < percent <= 100.0) or not math.isfinite(percent):
                raise SpecError(field, raw, "a percentage more than 0% and at most 100%")
            return value
    raise SpecError(field, raw, _NEEDS_EXPECTED)


def _parse_depends_on(raw: Any, field: str, global_names: set[str]) -> tuple[str, ...]:
    items = [raw] if isinstance(raw, str) else check.sequence(raw, field, "a list of global service names")
    names = []
    for i, item in enumerate(items):
        name = check.text(item, f"{field}[{i}]", "a global service name")
        if name not in global_names:
            known = ", ".join(sorted(global_names)) or "none are defined under 'global'"
            raise SpecError(f"{field}[{i}]", name, f"the name of a global service ({known})")
        names.append(name)
    return tuple(names)


# --- block form ----------------------------------------------------------------------------


class _BlockReader:
    """Reads a block tree, expanding copies and collecting names and common causes."""

    def __init__(self) -> None:
        self.names: set[str] = set()
        self.common_causes: list[tuple[str, Behaviour]] = []

    def block(self, raw: Any, field: str) -> Block:
        blocks = self.blocks_of(raw, field)
        if len(blocks) != 1:
            raise SpecError(field, raw, "one block here; 'count' needs an enclosing series/parallel/k_of_n")
        return blocks[0]

    def blocks_of(self, raw: Any, field: str) -> list[Block]:
        """A block entry as a list (a component with count n is n blocks)."""
        kinds = schema.keys("block")
        entry = check.mapping(raw, field, f"a block: a mapping with one key of {', '.join(kinds)}")
        if len(entry) != 1:
            raise SpecError(field, sorted(entry), f"exactly one key of {', '.join(kinds)}")
        check.check_keys(entry, kinds, field)
        (kind, body), = entry.items()
        field = f"{field}.{kind}"
        if kind == "component":
            return self.components(body, field)
        if kind == "network":
            return [self.network(body, field)]
        if kind == "k_of_n":
            return [self.k_of_n(body, field)]
        children = self.children(body, field)
        return [Series(children) if kind == "series" else Parallel(children)]

    def children(self, raw: Any, field: str) -> tuple[Block, ...]:
        items = check.sequence(raw, field, "a list of blocks")
        if not items:
            raise SpecError(field, raw, "at least one block")
        blocks: list[Block] = []
        for i, item in enumerate(items):
            blocks.extend(self.blocks_of(item, f"{field}[{i}]"))
        return tuple(blocks)

    def k_of_n(self, raw: Any, field: str) -> KOfN:
        body = check.mapping(raw, field, "{k: number, of: [blocks]}")
        check.check_keys(body, schema.keys("k_of_n"), field)
        if "of" not in body or "k" not in body:
            raise SpecError(field, dict(body), "both 'k' and 'of'")
        children = self.children(body["of"], f"{field}.of")
        k = body["k"]
        if isinstance(k, bool) or not isinstance(k, int) or not 1 <= k <= len(children):
            raise SpecError(f"{field}.k", k, f"a whole number k from 1 to n = {len(children)}")
        return KOfN(k, children)

    def unique(self, name: str, field: str) -> str:
        if name in self.names:
            raise SpecError(field, name, "a name used once (this name is already used)")
        self.names.add(name)
        return name

    def components(self, raw: Any, field: str) -> list[Block]:
        body = check.mapping(raw, field, "{name: …, mttf: …, mttr: …} or {name: …, availability: …}")
        check.check_keys(body, schema.keys("component"), field)
        _check_description(body, field)
        name = check.text(body.get("name"), f"{field}.name", "a component name")
        count = check.integer(body.get("count", schema.default("component", "count")), f"{field}.count",
                              *schema.bounds("component", "count"))
        behaviour = parse_behaviour(body, field)
        beta = check.number(body.get("beta", schema.default("component", "beta")), f"{field}.beta",
                            *schema.bounds("component", "beta"), "a beta factor in [0, 1)")
        if beta and count < 2:
            raise SpecError(f"{field}.beta", beta, "a beta factor only with count of 2 or more")
        behaviour, common = _split_beta(behaviour, beta, f"{field}.beta")
        common_name = None
        if common is not None:
            common_name = self.unique(f"{name}[ccf]", f"{field}.name")
            self.common_causes.append((common_name, common))
        if count == 1:
            return [Component(self.unique(name, f"{field}.name"), behaviour, common_name)]
        return [Component(self.unique(f"{name}[{i}]", f"{field}.name"), behaviour, common_name)
                for i in range(1, count + 1)]

    def element(self, raw: Any, field: str, default_name: str) -> Component | None:
        body = check.mapping(raw, field, "a mapping")
        _check_description(body, field)
        # The name is checked even when the element never fails: a name that is not text is a slip.
        name = check.text(body.get("name", default_name), f"{field}.name", "a name")
        if not any(k in body for k in _BEHAVIOUR_KEYS):
            return None
        return Component(self.unique(name, f"{field}.name"), parse_behaviour(body, field))

    def network(self, raw: Any, field: str) -> Network:
        body = check.mapping(raw, field, "{source, target, nodes, edges} or {terminals, nodes, edges}")
        check.check_keys(body, schema.keys("network_block"), field)
        ends = ("terminals",) if "terminals" in body else ("source", "target")
        for key in (*schema.required("network_block"), *ends):
            if key not in body:
                raise SpecError(f"{field}.{key}", SpecError.NO_VALUE, f"'{key}' in a network block")
        for key in ("source", "target"):
            if "terminals" in body and key in body:
                raise SpecError(f"{field}.{key}", body[key], "either source and target, or terminals (not both)")
        wanted = _network_terminals(body, field)
        nodes: dict[str, Component | None] = {}
        for i, item in enumerate(check.sequence(body.get("nodes", []), f"{field}.nodes")):
            item_field = f"{field}.nodes[{i}]"
            node_body = check.mapping(item, item_field, "{name: …, behaviour…}")
            check.check_keys(node_body, schema.keys("network_node"), item_field)
            node = check.text(node_body.get("name"), f"{item_field}.name", "a node name")
            if node in nodes:
                raise SpecError(f"{item_field}.name", node, "each node listed once")
            nodes[node] = self.element(node_body, item_field, node)
        edges = []
        items = check.sequence(body["edges"], f"{field}.edges", "a list of {between: [a, b], …}")
        if not items:
            raise SpecError(f"{field}.edges", items, "at least one edge")
        for i, item in enumerate(items):
            edges.append(self.edge(item, f"{field}.edges[{i}]", nodes))
        every = wanted == "all"
        terminals = tuple(nodes) if isinstance(wanted, str) else wanted     # the one text is "all"
        for i, end in enumerate(terminals):
            if end not in nodes:
                where = f"{field}.terminals[{i}]" if "terminals" in body else field
                raise SpecError(where, end, "terminals (source and target) that are nodes of some edge")
        source, target = terminals[0], terminals[-1]
        for end in terminals[1:]:
            if not _connected(edges, source, end):
                # Availability 0 whatever the elements do: a typo in an edge, not a model.
                raise SpecError(f"{field}.edges", f"no path from {source} to {end}",
                                "edges that join every terminal to the others (with every element up)")
        return Network(source, target, tuple(nodes.items()), tuple(edges),
                       terminals=terminals if "terminals" in body else (), all_terminal=every, spec_field=field)

    def edge(self, raw: Any, field: str, nodes: dict[str, Component | None]) -> tuple[str, str, Component | None]:
        body = check.mapping(raw, field, "{between: [a, b], name, behaviour…}")
        check.check_keys(body, schema.keys("network_edge"), field)
        ends = body.get("between")
        if not (isinstance(ends, list) and len(ends) == 2 and all(isinstance(e, str) and e for e in ends)
                and ends[0] != ends[1]):
            raise SpecError(f"{field}.between", ends, "two different node names [a, b]")
        for end in ends:
            nodes.setdefault(end, None)
        return ends[0], ends[1], self.element(body, field, f"{ends[0]}-{ends[1]}")


def _network_terminals(body: Mapping[str, Any], field: str) -> tuple[str, ...] | str:
    """``(source, target)``, the ``terminals`` listed, or ``"all"``."""
    if "terminals" not in body:
        source = check.text(body["source"], f"{field}.source", "a node name")
        target = check.text(body["target"], f"{field}.target", "a node name")
        if source == target:
            raise SpecError(f"{field}.target", target, "a node other than the source")
        return source, target
    raw = body["terminals"]
    if raw == "all":
        return "all"
    items = check.sequence(raw, f"{field}.terminals", "'all' or a list of two or more node names")
    if len(items) < 2:
        raise SpecError(f"{field}.terminals", items, "'all' or a list of two or more node names")
    names = [check.text(item, f"{field}.terminals[{i}]", "a node name") for i, item in enumerate(items)]
    for i, name in enumerate(names):
        if name in names[:i]:
            raise SpecError(f"{field}.terminals[{i}]", name, "each terminal listed once")
    return tuple(names)


def _connected(edges: list[tuple[str, str, Component | None]], source: str, target: str) -> bool:
    """Whether ``target`` can be reached from ``source`` over the (undirected) edges."""
    neighbours: dict[str, list[str]] = {}
    for a, b, _ in edges:
        neighbours.setdefault(a, []).append(b)
        neighbours.setdefault(b, []).append(a)
    seen, todo = {source}, [source]
    while todo:
        for node in neighbours.get(todo.pop(), ()):
            if node not in seen:
                seen.add(node)
                todo.append(node)
    return target in seen


def _check_block_count(raw: Any) -> None:
    """Refuse more than :data:`MAX_BLOCK_COMPONENTS` components before building any of them.

    Counts what the reader would name (every copy of a ``count``, a common cause per group
    with a beta factor, each network node or edge with a behaviour) from the raw spec, and
    refuses more than :data:`MAX_BLOCKS` block entries. The walk stops as soon as a total is
    over its limit, so it costs O(limit) even when aliases repeat a block many times.
    Malformed entries count as one: the reader reports them.
    """
    total, blocks = 0, 0
    stack: list[tuple[Any, str]] = [(raw, "blocks")]
    while stack:
        entry, field = stack.pop()
        if not (isinstance(entry, Mapping) and len(entry) == 1):
            continue
        blocks += 1
        if blocks > MAX_BLOCKS:
            raise SpecError("blocks", f"more than {MAX_BLOCKS:,} blocks", f"at most {MAX_BLOCKS:,} blocks "
                            "(series, parallel, k_of_n, component and network entries)")
        (kind, body), = entry.items()
        field = f"{field}.{kind}"
        stack.extend(_child_entries(kind, body, field))
        added, count = _entry_elements(kind, body)
        total += added
        if total > MAX_BLOCK_COMPONENTS:
            where, value = (f"{field}.count", count) if count > 1 else ("blocks", f"{total:,} components")
            raise SpecError(where, value, f"at most {MAX_BLOCK_COMPONENTS:,} components in all, counting "
                            f"every copy of 'count' (with this block: {total:,})")


def _child_entries(kind: str, body: Any, field: str) -> list[tuple[Any, str]]:
    """The child block entries of a series, parallel or k_of_n body, last first (a stack)."""
    if kind == "k_of_n":
        body, field = (body.get("of"), f"{field}.of") if isinstance(body, Mapping) else (None, field)
    if kind not in ("series", "parallel", "k_of_n") or not isinstance(body, list):
        return []
    children = body[: MAX_BLOCKS + 1]
    return [(children[i], f"{field}[{i}]") for i in range(len(children) - 1, -1, -1)]


def _entry_elements(kind: str, body: Any) -> tuple[int, int]:
    """Elements a component or network entry adds, and the component's ``count`` (else 1)."""
    if not isinstance(body, Mapping):
        return 0, 1
    if kind == "component":
        count = body.get("count", 1)
        count = count if isinstance(count, int) and not isinstance(count, bool) and count > 1 else 1
        return count + (1 if count > 1 and body.get("beta") else 0), count
    if kind == "network":
        items = [item for part in ("nodes", "edges") if isinstance(body.get(part), list)
                 for item in body[part][: MAX_BLOCK_COMPONENTS + 1]]
        return sum(1 for item in items if isinstance(item, Mapping) and any(k in item for k in _BEHAVIOUR_KEYS)), 1
    return 0, 1


def _parse_block_form(top: Mapping[str, Any], source: str | None) -> BlockSystem:
    check.check_keys(top, schema.keys("block_form"), "")
    _check_description(top, "")
    name = _name(top, "block_form")
    _check_block_count(top["blocks"])
    reader = _BlockReader()
    root = reader.block(top["blocks"], "blocks")
    if len(reader.names) > MAX_BLOCK_COMPONENTS:
        raise SpecError("blocks", f"{len(reader.names)} components", f"at most {MAX_BLOCK_COMPONENTS} components")
    from . import dataprotection

    with schema.recording() as found:
        objectives = dataprotection.parse_objectives(top.get("objectives", {}), "objectives")
    for noted in found:   # a block diagram has no DR workflows: its RPO / RTO defaults mean nothing
        if not noted.field.startswith(("objectives.rpo", "objectives.rto")):
            schema.note_default(noted.field, noted.value, "", why=noted.why)
    root, groups = _block_common_cause(top, root, reader)
    return BlockSystem(name=name, root=root, common_causes=tuple(reader.common_causes),
                       year_hours=_year_hours(top, "block_form"), objectives=objectives, source=source, raw=dict(top),
                       ccf_groups=groups)


def _block_common_cause(top: Mapping[str, Any], root: Block, reader: _BlockReader) -> tuple[Block, tuple[Any, ...]]:
    """The root with the members of ``common_cause_groups`` expanded (:mod:`hadr_model.topology.ccf`)."""
    if "common_cause_groups" not in top:
        return root, ()
    from . import ccf

    components = {c.name: c for c in BlockSystem("", root).components()}
    unusable = {name: "a node or edge of a network block" for name in ccf.network_members(root)}
    unusable.update({c.name: "a copy with a beta factor of its own" for c in components.values() if c.common_cause})
    groups = ccf.parse_groups(top["common_cause_groups"], {n: c.behaviour for n, c in components.items()},
                              set(reader.names), unusable)
    return ccf.expand(root, groups, components)
