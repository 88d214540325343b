"""Open-PSA MEF: spec → MEF → spec keeps the top event and the cut sets; SCRAM agrees.

The round trip is checked against the original spec's own figures (exact top-event
probability and minimal cut sets by name, 1e-12). SCRAM (Debian package ``scram``, an
independent BDD code) runs on the exported trees when installed: its top-event probability,
minimal cut sets and Birnbaum importance (its MIF) must match ours to its printed 6 digits.
"""

from __future__ import annotations

import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from hadr_model import load_spec
from hadr_model.engines import bdd
from hadr_model.engines.cutsets import expand_networks, minimal_cut_sets
from hadr_model.engines.exact import exact_availability
from hadr_model.errors import SpecError
from hadr_model.interchange.openpsa import mef_to_spec, read_mef, write_mef

ROOT = Path(__file__).resolve().parents[2]
SCRAM = shutil.which("scram")
# SCRAM prints 6 significant digits: one unit in the last place of both values.
SCRAM_RTOL = 2e-5

BETA_BLOCKS = {"name": "pumps and power", "blocks": {"series": [
    {"k_of_n": {"k": 2, "of": [{"component": {"name": "pump", "mttf": "1000h", "mttr": "10h", "count": 3,
                                              "beta": 0.1}}]}},
    {"parallel": [{"component": {"name": "grid-feed", "mttf": "2000h", "mttr": "4h"}},
                  {"component": {"name": "diesel.1", "availability": 0.97}}]}]}}

SPECS = {
    "fault-tree": lambda: load_spec(ROOT / "data" / "cooling_fault_tree.yaml"),
    "beta-blocks": lambda: load_spec(BETA_BLOCKS),
    "k-terminal": lambda: load_spec(ROOT / "data" / "network_k_terminal.yaml"),
    "bridge": lambda: load_spec(ROOT / "data" / "bridge.yaml"),
}


def cut_sets_by_name(model):
    compiled = model.compiled
    table = compiled.elements
    diagram = bdd.build(expand_networks(compiled.tenants()[0]), len(table))
    return {frozenset(c.names(table.names)) for c in minimal_cut_sets(diagram, table.q).sets}


@pytest.mark.parametrize("make", SPECS.values(), ids=SPECS.keys())
def test_round_trip_keeps_top_event_and_cut_sets(make):
    model = make()
    text = write_mef(model)
    again = read_mef(text)
    assert again.fault_tree and again.name == model.name
    q = exact_availability(model).system.unavailability
    assert exact_availability(again).system.unavailability == pytest.approx(q, rel=1e-12)
    assert cut_sets_by_name(again) == cut_sets_by_name(model)
    spec = mef_to_spec(text)    # and the YAML spec `hadr import` writes reads back the same
    assert exact_availability(load_spec(spec)).system.unavailability == pytest.approx(q, rel=1e-12)


def test_names_an_mef_identifier_cannot_hold_are_kept():
    model = load_spec(BETA_BLOCKS)
    text = write_mef(model)
    ids = [e.get("name") for e in ET.fromstring(text).iter("define-basic-event")]
    assert "pump_1_" in ids and "diesel_1" in ids and all("[" not in i and "." not in i for i in ids)
    assert set(mef_to_spec(text)["fault_tree"]["events"]) == {"pump[1]", "pump[2]", "pump[3]", "pump[ccf]",
                                                              "grid-feed", "diesel.1"}


def test_reading_a_hand_written_mef_with_nested_formulas_parameters_and_exponential():
    # Top = a OR (b AND c) OR atleast-2-of(a, d, e); P(d) = 1 - exp(-1e-3 · 100) (MEF exponential)
    text = """<?xml version="1.0"?>
    <opsa-mef>
      <define-fault-tree name="hand">
        <define-gate name="top"><or><basic-event name="a"/><and><event name="b"/><basic-event name="c"/></and>
          <gate name="vote"/></or></define-gate>
        <define-gate name="vote"><atleast min="2"><basic-event name="a"/><basic-event name="d"/>
          <basic-event name="e"/></atleast></define-gate>
        <define-basic-event name="e"><parameter name="pe"/></define-basic-event>
      </define-fault-tree>
      <model-data>
        <define-parameter name="pe"><float value="0.2"/></define-parameter>
        <define-basic-event name="a"><float value="0.01"/></define-basic-event>
        <define-basic-event name="b"><float value="0.1"/></define-basic-event>
        <define-basic-event name="c"><int value="0"/></define-basic-event>
        <define-basic-event name="d"><exponential><float value="1e-3"/><float value="100"/></exponential>
        </define-basic-event>
      </model-data>
    </opsa-mef>"""
    import math

    spec = mef_to_spec(text)
    assert spec["fault_tree"]["top"] == "top"
    assert spec["fault_tree"]["gates"]["top"] == {"or": ["a", "top__1", "vote"]}
    pa, pb, pc, pd, pe = 0.01, 0.1, 0.0, -math.expm1(-0.1), 0.2
    # a fails it alone; otherwise (b and c) or (d and e)
    expected = pa + (1 - pa) * (1 - (1 - pb * pc) * (1 - pd * pe))
    assert exact_availability(read_mef(text)).system.unavailability == pytest.approx(expected, rel=1e-13)


@pytest.mark.parametrize(("xml", "words"), [
    ('<opsa-mef><define-fault-tree name="t"><define-gate name="top"><not><basic-event name="a"/></not>'
     '</define-gate></define-fault-tree></opsa-mef>', "coherent formula"),
    ('<opsa-mef><define-fault-tree name="t"><define-gate name="top"><or><basic-event name="zz"/></or>'
     '</define-gate><define-basic-event name="a"><float value="0.1"/></define-basic-event></define-fault-tree>'
     '</opsa-mef>', "the name of a gate or an event"),
    ('<opsa-mef><define-fault-tree name="t"><define-gate name="top"><or><gate name="g"/></or></define-gate>'
     '<define-gate name="g"><and><gate name="top"/></and></define-gate></define-fault-tree></opsa-mef>', "a cycle"),
    ('<opsa-mef><define-fault-tree name="t"><define-gate name="top"><atleast min="3"><basic-event name="a"/>'
     '</atleast></define-gate><define-basic-event name="a"><float value="0.1"/></define-basic-event>'
     '</define-fault-tree></opsa-mef>', "atleast.k"),
    ('<opsa-mef><define-fault-tree name="t"><define-gate name="top"><or><basic-event name="a"/></or></define-gate>'
     '<define-basic-event name="a"><float value="abc"/></define-basic-event></define-fault-tree></opsa-mef>',
     "@value"),
    ('<opsa-mef><define-fault-tree name="t"><define-gate name="top"><or></or></define-gate>'
     '<define-basic-event name="a"><float value="0.1"/></define-basic-event></define-fault-tree></opsa-mef>',
     "at least one input"),
    ('<opsa-mef><define-CCF-group name="c"/></opsa-mef>', "define-fault-tree or model-data"),
    ("<opsa-mef><define-fault-tree name='t'><define-gate name='top'><or>", "not well-formed"),
    ("<scram/>", "an <opsa-mef> document"),
])
def test_bad_mef_names_the_element(xml, words):
    with pytest.raises(SpecError) as error:
        read_mef(xml, "bad.xml")
    message = str(error.value)
    assert message.startswith("bad.xml:") and words in message, message


def test_region_form_is_refused():
    with pytest.raises(SpecError, match="'blocks' or 'fault_tree' spec"):
        write_mef(load_spec())


# --- SCRAM ----------------------------------------------------------------------------------

def scram_report(xml_path: Path, tmp_path: Path) -> tuple[float, set[frozenset[str]], dict[str, float]]:
    report = tmp_path / "report.xml"
    subprocess.run([SCRAM, "--probability", "true", "--importance", "true", str(xml_path), "-o", str(report)],
                   check=True, capture_output=True, timeout=60, cwd=tmp_path)
    root = ET.parse(report).getroot()
    products = root.find("results/sum-of-products")
    cuts = {frozenset(e.get("name") for e in p.iter("basic-event")) for p in products.iter("product")}
    mif = {e.get("name"): float(e.get("MIF")) for e in root.find("results/importance").iter("basic-event")}
    return float(products.get("probability")), cuts, mif


@pytest.mark.skipif(SCRAM is None, reason="SCRAM is not installed (Debian package 'scram'; .ci/run installs it)")
@pytest.mark.parametrize("make", SPECS.values(), ids=SPECS.keys())
def test_scram_agrees_on_exported_trees(make, tmp_path):
    model = make()
    text = write_mef(model)
    path = tmp_path / "tree.xml"
    path.write_text(text)
    # SCRAM reports MEF identifiers: map them back with the hadr-name attributes we wrote
    names = {e.get("name"): e.find("attributes/attribute").get("value")
             for e in ET.fromstring(text).iter("define-basic-event")}
    probability, cuts, mif = scram_report(path, tmp_path)
    exact = exact_availability(model)
    assert probability == pytest.approx(exact.system.unavailability, rel=SCRAM_RTOL)
    assert {frozenset(names[n] for n in c) for c in cuts} == cut_sets_by_name(model)
    birnbaum = {item.element: item.birnbaum for item in exact.importance}
    for mef_name, value in mif.items():
        assert value == pytest.approx(birnbaum[names[mef_name]], rel=SCRAM_RTOL, abs=1e-12), mef_name
