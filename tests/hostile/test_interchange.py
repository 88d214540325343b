"""Hostile Open-PSA files given to ``hadr import`` (and hostile specs to ``hadr export``).

Each is refused with exit 2 and one line naming the file (and line, element) — within a
wall-clock and memory cap (``tests/hostile/_bounded.py``), so an entity expansion or a huge
document fails the test rather than the machine.
"""

from __future__ import annotations

from hadr_model.interchange.openpsa import MAX_MEF_BYTES, MAX_MEF_DEPTH, MAX_MEF_ELEMENTS

from ._bounded import run_bounded

LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE opsa-mef [
  <!ENTITY lol "lol">
  <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
  <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
  <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
  <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
  <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
  <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
  <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
  <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
  <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<opsa-mef><define-fault-tree name="&lol9;"/></opsa-mef>
"""

EXTERNAL = """<?xml version="1.0"?>
<!DOCTYPE opsa-mef [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<opsa-mef><define-fault-tree name="&secret;"/></opsa-mef>
"""


def _import(tmp_path, text: str | bytes, name: str = "hostile.xml"):
    path = tmp_path / name
    (path.write_bytes if isinstance(text, bytes) else path.write_text)(text)
    return run_bounded(["import", str(path)], seconds=30, memory_bytes=1024**3 * 2), str(path)


def test_billion_laughs_is_refused_at_the_doctype(tmp_path):
    done, path = _import(tmp_path, LAUGHS)
    done.assert_refused(f"{path}:2:", "document type declaration", "DTD")


def test_external_entity_is_refused_and_nothing_is_read(tmp_path):
    done, path = _import(tmp_path, EXTERNAL)
    done.assert_refused(path, "document type declaration")
    assert "root:" not in done.stderr + done.stdout


def test_a_file_over_the_size_limit_is_refused_before_reading(tmp_path):
    path = tmp_path / "huge.xml"
    with path.open("wb") as out:       # sparse: the size is checked, the bytes are never read
        out.truncate(MAX_MEF_BYTES + 1)
    done = run_bounded(["import", str(path)], seconds=30, memory_bytes=1024**3 * 2)
    done.assert_refused(str(path), f"at most {MAX_MEF_BYTES:,} bytes")


def test_too_many_elements_are_refused_while_parsing(tmp_path):
    text = "<opsa-mef>" + "<label/>" * (MAX_MEF_ELEMENTS + 1) + "</opsa-mef>"
    done, path = _import(tmp_path, text)
    done.assert_refused(path, f"at most {MAX_MEF_ELEMENTS:,} XML elements")


def test_deep_nesting_is_refused(tmp_path):
    depth = MAX_MEF_DEPTH + 5
    text = ('<opsa-mef><define-fault-tree name="t"><define-gate name="top">' + "<or>" * depth
            + '<basic-event name="a"/>' + "</or>" * depth + "</define-gate></define-fault-tree></opsa-mef>")
    done, path = _import(tmp_path, text)
    done.assert_refused(path, f"at most {MAX_MEF_DEPTH} levels")


def test_not_xml_and_not_utf8_are_refused(tmp_path):
    done, path = _import(tmp_path, b"\xff\xfe<opsa-mef>\x00\x00", "binary.xml")
    done.assert_refused(path, "not well-formed")
    done, path = _import(tmp_path, "name: not xml\n", "spec.xml")
    done.assert_refused(path, "not well-formed")


def test_export_of_a_region_spec_to_openpsa_is_refused(tmp_path):
    done = run_bounded(["export", "--format", "openpsa"], seconds=60)
    done.assert_refused("region form", "'blocks' or 'fault_tree'")
