"""The JSON Schema of a spec and the validator come from one table, and agree.

Every example spec validates against the schema. A hypothesis property mutates valid specs and
checks that the schema rejects a mutant exactly when the validator does, for these classes of
mutation (each picked at a place the table describes, in any example):

* ``drop``: remove a required key (``required`` of the table, or a behaviour key of a mapping
  that holds a behaviour);
* ``unknown``: add a key the mapping does not have (a typo of one of its keys, or a new word),
  in any fixed-key mapping (not in a mapping of names, nor inside a law, whose keys depend on
  the distribution);
* ``type``: replace any value but the top by one of a JSON type its place does not accept
  (text, a whole number, 2.5, true, null, a list, a mapping);
* ``choice``: replace a text choice (``needs``, ``within_region``, ``strategy`` …) by a word
  that is not one of them;
* ``quantity``: replace a duration, size or throughput by a number with an unknown unit or by
  a word;
* ``same`` (the accepting direction): rewrite a duration as the same number of hours in
  another spelling (``30m`` → ``0.5 hours``): both accept.

Outside these classes the schema is looser than the validator by design (references, k ≤ n,
ranges of quantities written as text, distribution parameters, ``2.0`` for a whole number).
"""

from __future__ import annotations

import copy
import json
import math
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from hadr_model.cli import main
from hadr_model.errors import SpecError
from hadr_model.topology import schema
from hadr_model.topology.spec import load_spec, load_spec_with_defaults, parse_spec
from hadr_model.units import parse_duration

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = sorted([*ROOT.glob("data/*.yaml"), *(ROOT / "hadr_model" / "specs").glob("*.yaml")], key=str)
BASES = {path.name: yaml.safe_load(path.read_text()) for path in EXAMPLES}
VALIDATOR = jsonschema.Draft202012Validator(schema.json_schema())
WRONG_VALUES = {"string": "oops", "integer": 7, "number": 2.5, "boolean": True, "null": None,
                "array": ["x"], "object": {"x": 1}}
UNITS = {u.lower() for u in (*schema.units._DURATION_UNITS_H, *schema.units._SIZE_UNITS_B)}


def validator_accepts(raw: Any) -> bool:
    try:
        parse_spec(raw)
    except SpecError:
        return False
    return True


def schema_accepts(raw: Any) -> bool:
    return VALIDATOR.is_valid(raw)


# --- the schema itself -------------------------------------------------------------------------

def test_the_schema_is_a_valid_draft_2020_12_schema():
    jsonschema.Draft202012Validator.check_schema(schema.json_schema())
    assert schema.json_schema()["$schema"] == "https://json-schema.org/draft/2020-12/schema"


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_every_example_validates_against_the_schema(path):
    raw = yaml.safe_load(path.read_text())
    errors = [f"{list(e.absolute_path)}: {e.message[:120]}" for e in VALIDATOR.iter_errors(raw)]
    assert errors == []
    load_spec(path)


def test_hadr_schema_prints_the_generated_schema(capsys):
    assert main(["schema"]) == 0
    assert json.loads(capsys.readouterr().out) == schema.json_schema()


def test_the_validator_reads_its_keys_from_the_table():
    # A key the table lists is accepted; one it does not is refused by both, with the table's keys named.
    raw = copy.deepcopy(BASES["two_regions.yaml"])
    raw["roles"]["api"]["description"] = "stateless"
    assert validator_accepts(raw) and schema_accepts(raw)
    raw["roles"]["api"]["neds"] = "any"
    with pytest.raises(SpecError, match=r"roles\.api\.neds: .*expected one of .*needs.*did you mean 'needs'"):
        parse_spec(raw)
    assert not schema_accepts(raw)


@pytest.mark.parametrize(("path", "value", "accepted"), [
    (("roles", "api", "needs"), "most", False),
    (("roles", "api", "needs"), " quorum ", True),
    (("roles", "api", "needs"), "50%", True),
    (("roles", "api", "needs"), 2.5, False),
    (("roles", "api", "mttr"), "15 mins", True),
    (("roles", "api", "mttr"), "15M", False),        # ambiguous: refused by both
    (("roles", "api", "mttr"), "15m", True),
    (("roles", "api", "mttr"), "2mo", False),        # a month: refused by both
    (("data", "db", "write_rate"), "5MB/M", False),
    (("roles", "api", "mttr"), "15 minutes", True),
    (("roles", "api", "mttr"), "15MIN", True),
    (("roles", "api", "mttr"), 0, False),
    (("roles", "api", "mttr"), True, False),
    (("regions", "east", "zones"), ["a", "a"], False),
    (("regions", "east", "zones"), ["a@b"], False),
    (("regions", "east", "fails_over_to"), None, True),
    (("regions", "east", "home"), "yes", False),
    (("description",), ["not", "text"], False),
    (("data",), None, True),
    (("data", "db", "snapshots"), "none", True),
    (("data", "db", "snapshots"), False, True),
    (("data", "db", "snapshots"), "weekly", False),
    (("data", "db", "replication"), {"across_regions": {"mode": "async"}}, False),
    (("data", "db", "replication"), {"across_regions": {"mode": "async", "lag": "30s"}}, True),
    (("data", "db", "write_rate"), "5MB/s", True),
    (("data", "db", "write_rate"), "5MB", False),
    (("objectives", "availability"), "99.9%", True),
    (("objectives", "availability"), "high", False),
])
def test_schema_and_validator_agree_on_chosen_cases(path, value, accepted):
    raw = copy.deepcopy(BASES["two_regions.yaml"])
    _set(raw, path, value)
    assert validator_accepts(raw) is accepted
    assert schema_accepts(raw) is accepted


def test_what_only_the_validator_checks_is_documented_as_semantic():
    # k larger than the instances and an unknown failover target pass the schema: the validator refuses them.
    for path, value in ((("roles", "api", "needs"), 99), (("regions", "east", "fails_over_to"), "nowhere")):
        raw = copy.deepcopy(BASES["two_regions.yaml"])
        _set(raw, path, value)
        assert schema_accepts(raw) and not validator_accepts(raw)


# --- the property --------------------------------------------------------------------------------

def _set(raw: Any, path: tuple, value: Any) -> None:
    for part in path[:-1]:
        raw = raw[part]
    raw[path[-1]] = value


def _delete(raw: Any, path: tuple) -> None:
    for part in path[:-1]:
        raw = raw[part]
    del raw[path[-1]]


def _sites(raw: Any) -> list[schema.Site]:
    return list(schema.walk(raw))


def _is_duration(site: schema.Site) -> bool:
    node = site.node
    return ((isinstance(node, schema.Scalar) and node.kind == "duration")
            or (isinstance(node, schema.Law) and node.unit == "h")) and not isinstance(site.value, dict)


def _is_quantity(site: schema.Site) -> bool:
    node = site.node
    return ((isinstance(node, schema.Scalar) and node.kind in ("duration", "size", "rate"))
            or isinstance(node, schema.Law)) and not isinstance(site.value, dict)


def _choices(site: schema.Site) -> tuple[Any, ...]:
    options = site.declared.options if isinstance(site.declared, schema.AnyOf) else (site.declared,)
    words: tuple[Any, ...] = ()
    for option in options:
        if isinstance(option, schema.Enum):
            words += option.values
        if isinstance(option, schema.Scalar) and option.kind == "needs":
            words += schema.NEEDS_WORDS
    return words


def _droppable(site: schema.Site) -> list[str]:
    """Required keys present in a mapping, and the behaviour keys of a mapping holding a behaviour."""
    node = site.node
    assert isinstance(node, schema.Obj)
    # A behaviour's optional keys (a detection delay, an uncertainty) can be dropped: the rest fail without them.
    needed = [k for k in schema.BEHAVIOUR_KEYS if k not in ("mttd", "detect", "uncertainty")] if node.behaviour else []
    return [k for k in (*node.required, *needed) if k in site.value]


KINDS = ("drop", "unknown", "type", "choice", "quantity", "same")


@st.composite
def mutants(draw: Any, kind: str) -> tuple[str, str, Any]:
    name = draw(st.sampled_from(sorted(BASES)))
    raw = copy.deepcopy(BASES[name])
    sites = _sites(raw)
    kinds = {
        "drop": [s for s in sites if isinstance(s.node, schema.Obj) and isinstance(s.value, dict) and _droppable(s)],
        "unknown": [s for s in sites if isinstance(s.node, schema.Obj) and isinstance(s.value, dict)],
        "type": [s for s in sites if s.path],
        "choice": [s for s in sites if s.path and isinstance(s.value, str) and s.value.strip() in _choices(s)],
        "quantity": [s for s in sites if s.path and _is_quantity(s)],
        "same": [s for s in sites if s.path and _is_duration(s)],
    }
    assume(kinds[kind])   # e.g. a block diagram has no text choices
    site = draw(st.sampled_from(kinds[kind]))
    node, value = site.node, site.value
    if kind == "drop":
        _delete(raw, (*site.path, draw(st.sampled_from(_droppable(site)))))
    elif kind == "unknown":
        typo = draw(st.sampled_from(sorted(node.keys))) + draw(st.sampled_from(["s", "_", "x", "2"]))
        word = draw(st.from_regex(r"[a-z][a-z_]{0,8}", fullmatch=True))
        new = draw(st.sampled_from([typo, word]))
        if new in node.keys:
            new += "_x"
        if site.path:
            _set(raw, (*site.path, new), 1)
        else:
            raw[new] = 1
    elif kind == "type":
        accepted = schema.json_types(site.declared)
        wrong = sorted(t for t in WRONG_VALUES if t not in accepted and not (t == "integer" and "number" in accepted))
        _set(raw, site.path, copy.deepcopy(WRONG_VALUES[draw(st.sampled_from(wrong))]))
    elif kind == "choice":
        words = {str(w).strip() for w in _choices(site)}
        word = draw(st.from_regex(r"[a-z]{2,10}", fullmatch=True).filter(lambda w: w not in words))
        _set(raw, site.path, word)
    elif kind == "quantity":
        unit = draw(st.from_regex(r"[a-z]{1,4}", fullmatch=True).filter(lambda u: u not in UNITS))
        number = draw(st.integers(1, 1000))
        bad = draw(st.sampled_from([f"{number}{unit}", f"{number} {unit}", unit + "ish",
                                    f"{number}{unit}/s", f"{number}MB/{unit}"]))
        _set(raw, site.path, bad)
    else:
        hours = parse_duration(value, allow_zero=True)
        spelling = draw(st.sampled_from(["h", "hours", " hr", "H"]))
        _set(raw, site.path, f"{hours!r}{spelling}" if not math.isclose(hours, 0) else f"0{spelling}")
    return name, site.field, raw


@pytest.mark.parametrize("kind", KINDS)
@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(data=st.data())
def test_schema_rejects_a_mutant_iff_the_validator_does(kind, data):
    name, field, raw = data.draw(mutants(kind))
    validator = validator_accepts(raw)
    assert schema_accepts(raw) is validator, (name, kind, field)
    # Each class is what it says: the mutant is invalid (or, for 'same', still valid).
    assert validator is (kind == "same"), (name, kind, field)


# --- defaults ------------------------------------------------------------------------------------

def test_defaults_are_recorded_where_the_validator_applies_them():
    _, found = load_spec_with_defaults(ROOT / "data" / "two_regions.yaml")
    taken = {d.field: d.value for d in found}
    assert taken["year_hours"] == "8760"
    assert taken["regions.east.home"] == "true" and taken["regions.west.recovery"] == "the top-level plan"
    assert taken["roles.api.beta"] == "0" and "roles.db.beta" not in taken      # stated: 0.1
    assert taken["data.db.snapshots.keep"] == "30 d" and "data.db.snapshots.every" not in taken
    assert taken["data.db.restore.throughput"] == schema.default("restore", "throughput") == "100MiB/s"
    assert taken["recovery.region_loss.decide"] == "30 min"
    assert taken["objectives.rto.region_loss"] == "4 h" and "objectives.availability" not in taken
    assert len(taken) == len(found)


def test_a_stated_key_is_no_default_and_the_preset_is_named():
    _, found = load_spec_with_defaults(ROOT / "data" / "web_service.yaml")
    whys = {d.field: (d.value, d.why) for d in found}
    assert whys["recovery.region_loss.promote"] == ("5 min", "the warm_standby preset")
    assert not any(f.startswith(("data.", "objectives.")) for f in whys)
    assert "recovery.region_loss.detect" not in whys


def test_block_form_defaults_leave_out_rpo_and_rto():
    _, found = load_spec_with_defaults(ROOT / "data" / "payment_path.yaml")
    assert [d.field for d in found] == ["objectives.confidence", "year_hours"]


def test_bare_hours_are_found_in_values_and_laws():
    raw = {"blocks": {"series": [{"component": {"name": "a", "mttf": 1000, "mttr": "2"}},
                                 {"component": {"name": "b", "failure": {"dist": "gamma", "a": 2, "mean": 50},
                                                "mttr": "1h"}}]}}
    assert schema.bare_hours(raw) == ["blocks.series[0].component.mttf", "blocks.series[0].component.mttr",
                                      "blocks.series[1].component.failure.mean"]
    assert schema.bare_hours({"regions": {}, "objectives": {"rpo": {"zone_loss": 0}}}) == []
