r"""Open-PSA Model Exchange Format (MEF) XML: write a spec's fault tree, read one back.

Writing (:func:`write_mef`)
---------------------------
The compiled structure of a block or fault-tree spec (:mod:`~hadr_model.topology.compiled`)
is written as one ``<define-fault-tree>`` whose gate ``top`` is the system's *failure*: a
node down when at least ``m`` of its ``n`` inputs are down is ``<or>`` (``m = 1``), ``<and>``
(``m = n``) or ``<atleast min="m">``; a part shared by several gates is one gate, referenced
by name. A network is first rewritten, exactly, as the gates of its minimal path sets
(:func:`hadr_model.engines.cutsets.expand_networks`). Each basic event (a component, a
fault-tree event, a beta-factor common cause) has as its probability ``<float>`` its
steady-state unavailability ``q`` (``MTTR / (MTTF + MTTR)`` for time laws, ``1 − A`` for a
fixed availability), written with every digit (``repr``); its hadr name, which may hold
characters an MEF identifier may not (``web[1]``), is kept in an ``<attribute
name="hadr-name">`` and the identifier is a cleaned, unique form of it. The region form has
roles and zones, not gates: it is refused.

Reading (:func:`read_mef`, :func:`load_mef`)
--------------------------------------------
An MEF file is turned into a ``fault_tree`` spec (:func:`mef_to_spec`) and read by the one
fault-tree reader (:func:`~hadr_model.topology.faulttree.parse_fault_tree_form`), so the same
checks apply (undefined events, cycles, gates without inputs, ``k`` out of range, limits).
Understood: ``define-fault-tree`` (and ``define-component`` inside it), ``define-gate``
with ``or``, ``and``, ``atleast`` — nested formulas become gates of their own, named
``GATE__1`` … —, references ``gate``, ``basic-event`` and ``event``, ``define-basic-event``
with a ``float`` or ``int`` probability, an ``exponential`` (``P = 1 − exp(−λ t)``, both
constants) or a ``parameter`` defined by ``define-parameter``, in ``model-data`` or a fault
tree; ``label`` and ``attributes`` are read for names only. Anything else (``not``, ``xor``,
house events, CCF groups, event trees, ``system-mission-time`` …) is refused, naming the
element and its line. The top event is the one gate no other gate uses.

Safety: the file is read with :mod:`xml.parsers.expat` directly; a document type
declaration (``<!DOCTYPE``, hence any entity: "billion laughs", external entities) is refused
as soon as it starts, and so are files over :data:`MAX_MEF_BYTES` (before reading),
more than :data:`MAX_MEF_ELEMENTS` elements or nesting deeper than :data:`MAX_MEF_DEPTH`
(while parsing). Every error is a :class:`~hadr_model.errors.SpecError` naming the file, the
line, the element and the attribute.

Examples
--------
>>> from hadr_model import load_spec
>>> spec = {"name": "pair", "blocks": {"parallel": [
...     {"component": {"name": "a", "availability": 0.9}}, {"component": {"name": "b", "availability": 0.8}}]}}
>>> text = write_mef(load_spec(spec))
>>> '<define-gate name="top"><and>' in text
True
>>> mef_to_spec(text)["fault_tree"]["gates"]
{'top': {'and': ['a', 'b']}}
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from xml.parsers import expat
from xml.sax.saxutils import quoteattr

from ..errors import SpecError
from ..topology.model import BlockSystem, Model

__all__ = ["MAX_MEF_BYTES", "MAX_MEF_DEPTH", "MAX_MEF_ELEMENTS", "load_mef", "mef_to_spec", "read_file", "read_mef",
           "write_mef"]

MAX_MEF_BYTES = 32_000_000
MAX_MEF_ELEMENTS = 500_000
MAX_MEF_DEPTH = 256
NAME_ATTRIBUTE = "hadr-name"


# --- writing --------------------------------------------------------------------------------

def _identifier(name: str, taken: set[str]) -> str:
    """An MEF identifier (an XML NCName without '.' or an empty '-' part) for ``name``, unique."""
    base = re.sub(r"[^A-Za-z0-9_-]", "_", name)
    base = re.sub(r"-(?=-)|^-|-$", "_", base) or "_"
    if not (base[0].isalpha() or base[0] == "_"):
        base = f"e_{base}"
    out, i = base, 1
    while out.lower() in taken:
        i += 1
        out = f"{base}_{i}"
    taken.add(out.lower())
    return out


def write_mef(model: Model, *, name: str | None = None) -> str:
    """The spec's failure as an Open-PSA MEF fault tree (see the module docstring).

    Parameters
    ----------
    model : BlockSystem
        A block or fault-tree spec (the region form is refused).
    name : str, optional
        The fault tree's name (default: the spec's).

    Raises
    ------
    SpecError
        The region form, an element of several copies, or a part that can never fail.
    """
    from ..engines.cutsets import expand_networks
    from ..engines.exact import check_independent
    from ..topology.compiled import AtLeast, Leaf, Node

    if not isinstance(model, BlockSystem):
        raise SpecError("regions", "the region form", "a 'blocks' or 'fault_tree' spec to write as an Open-PSA "
                        "fault tree (roles and zones are not gates)")
    check_independent(model, "an Open-PSA export (its basic events are independent)")
    compiled = model.compiled
    table = compiled.elements
    root = expand_networks(compiled.tenants()[0])
    taken: set[str] = {"top"}
    events: dict[int, str] = {}
    gates: dict[int, str] = {}
    lines: list[str] = []

    def reference(part: Any) -> str:
        if isinstance(part, Leaf):
            if int(table.counts[part.element]) != 1:
                raise SpecError(table.names[part.element], f"{int(table.counts[part.element])} copies",
                                "one copy per basic event for an Open-PSA fault tree")
            if part.element not in events:
                events[part.element] = _identifier(table.names[part.element], taken)
            return f'<basic-event name="{events[part.element]}"/>'
        return f'<gate name="{gates[id(part)]}"/>'

    # Children before parents (iteratively: a deep tree must not exhaust the stack).
    order: list[Any] = []
    seen: set[int] = set()
    stack: list[tuple[Any, bool]] = [(root, False)]
    while stack:
        part, expanded = stack.pop()
        if expanded:
            order.append(part)
            continue
        if id(part) in seen or isinstance(part, Leaf):
            continue
        if not (isinstance(part, Node) and isinstance(part.rule, AtLeast) and len(part.channels) == 1):
            what = type(part.rule).__name__ if isinstance(part, Node) else type(part).__name__
            raise SpecError(model.name, what, "AND, OR and k-of-n gates over basic events for an Open-PSA "
                            "fault tree (standby, repair crews and failover are not gates)")
        seen.add(id(part))
        stack.append((part, True))
        stack.extend((child, False) for child in reversed(part.channels[0]))
    if isinstance(root, Leaf):
        lines.append(f'<define-gate name="top"><or>{reference(root)}</or></define-gate>')
    for part in order:
        children = part.channels[0]
        m, n = part.rule.m, len(children)
        if not 1 <= m <= n:
            raise SpecError(model.name, "a part that is never (or always) down",
                            "a structure of gates that can fail for an Open-PSA fault tree")
        gates[id(part)] = "top" if part is root else _identifier(f"g{len(gates) + 1}", taken)
        inputs = "".join(reference(child) for child in children)
        tag = "or" if m == 1 else "and" if m == n else "atleast"
        open_tag = f'<atleast min="{m}">' if tag == "atleast" else f"<{tag}>"
        lines.append(f'<define-gate name="{gates[id(part)]}">{open_tag}{inputs}</{tag}></define-gate>')
    defined = []
    for element in sorted(events):
        q = float(table.q[element])
        defined.append(f'<define-basic-event name="{events[element]}">'
                       f'<attributes><attribute name="{NAME_ATTRIBUTE}" value={quoteattr(table.names[element])}/>'
                       f"</attributes><float value=\"{q!r}\"/></define-basic-event>")
    title = name or model.name
    tree = _identifier(title, set())
    return ('<?xml version="1.0" encoding="UTF-8"?>\n'
            f"<!-- {_comment(title)}: written by hadr_model; top is the system's failure, each basic event's "
            "probability its steady-state unavailability -->\n"
            f'<opsa-mef>\n<define-fault-tree name="{tree}">\n'
            f'<attributes><attribute name="{NAME_ATTRIBUTE}" value={quoteattr(title)}/></attributes>\n'
            + "\n".join(lines) + "\n</define-fault-tree>\n<model-data>\n" + "\n".join(defined)
            + "\n</model-data>\n</opsa-mef>\n")


def _comment(text: str) -> str:
    return text.replace("--", "- -").replace("\n", " ")


# --- parsing XML safely ---------------------------------------------------------------------

@dataclass
class _Element:
    tag: str
    attrib: dict[str, str]
    line: int
    path: str
    children: list[_Element] = field(default_factory=list)


def _parse_xml(data: bytes, source: str | None) -> _Element:
    """A tree of elements with their lines; no DTD, entity, or oversized document."""
    parser = expat.ParserCreate()
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    stack: list[_Element] = []
    root: list[_Element] = []
    count = [0]

    def refuse(what: str, expected: str) -> None:
        raise SpecError(stack[-1].path if stack else "", what, expected, file=source, line=parser.CurrentLineNumber)

    def start(tag: str, attrib: dict[str, str]) -> None:
        count[0] += 1
        if count[0] > MAX_MEF_ELEMENTS:
            refuse(f"more than {MAX_MEF_ELEMENTS:,} elements", f"at most {MAX_MEF_ELEMENTS:,} XML elements")
        if len(stack) >= MAX_MEF_DEPTH:
            refuse(f"elements nested {len(stack) + 1} deep", f"XML nested at most {MAX_MEF_DEPTH} levels deep")
        label = attrib.get("name")
        path = (f"{stack[-1].path}/" if stack else "") + (f"{tag}[{label}]" if label else tag)
        element = _Element(tag, dict(attrib), parser.CurrentLineNumber, path)
        (stack[-1].children if stack else root).append(element)
        stack.append(element)

    def end(tag: str) -> None:
        stack.pop()

    def doctype(*_: Any) -> None:
        refuse("a document type declaration (<!DOCTYPE ...>)",
               "XML without a DTD (entities and DTDs are refused: they can expand without bound)")

    def entity(*_: Any) -> None:
        refuse("an entity declaration", "XML without entities")

    def external(*_: Any) -> int:
        refuse("an external entity reference", "XML without external entities")
        return 0

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.StartDoctypeDeclHandler = doctype
    parser.EntityDeclHandler = entity
    parser.ExternalEntityRefHandler = external
    try:
        parser.Parse(data, True)
    except expat.ExpatError as error:
        raise SpecError("", f"not well-formed XML ({expat.errors.messages[error.code]})",
                        "an Open-PSA MEF XML file", file=source, line=error.lineno) from None
    if not root or root[0].tag != "opsa-mef":
        raise SpecError(root[0].path if root else "", root[0].tag if root else SpecError.NO_VALUE,
                        "an <opsa-mef> document", file=source, line=root[0].line if root else None)
    return root[0]


# --- from MEF elements to a fault-tree spec -------------------------------------------------

_FORMULAS = {"or", "and", "atleast"}
_REFERENCES = {"gate", "basic-event", "event"}
_NUMBERS = {"float", "int"}


class _Reader:
    def __init__(self, source: str | None) -> None:
        self.source = source
        self.gates: dict[str, dict[str, Any]] = {}
        self.events: dict[str, dict[str, Any]] = {}
        self.where: dict[str, _Element] = {}        # name -> its define element
        self.names: dict[str, str] = {}             # MEF name (lowercase) -> spec name
        self.parameters: dict[str, _Element] = {}
        self.used: set[str] = set()
        self.pending: list[tuple[list[str], int, _Element]] = []   # untyped <event> references

    def error(self, element: _Element, value: Any, expected: str, attribute: str | None = None) -> SpecError:
        path = f"{element.path}@{attribute}" if attribute else element.path
        return SpecError(path, value, expected, file=self.source, line=element.line)

    def attribute(self, element: _Element, name: str) -> str:
        value = element.attrib.get(name)
        if value is None or not value.strip():
            raise self.error(element, SpecError.NO_VALUE, f"a '{name}' attribute", name)
        return value

    def spec_name(self, element: _Element) -> str:
        """The name a definition takes in the spec: its hadr-name attribute, else its MEF name."""
        mef = self.attribute(element, "name")
        for child in element.children:
            if child.tag == "attributes":
                for attribute in child.children:
                    if attribute.tag == "attribute" and attribute.attrib.get("name") == NAME_ATTRIBUTE:
                        return self.attribute(attribute, "value")
        return mef

    def define(self, element: _Element) -> str:
        mef = self.attribute(element, "name")
        name = self.spec_name(element)
        if mef.lower() in self.names or name in self.where:
            first = self.where.get(name) or self.where[self.names[mef.lower()]]
            raise self.error(element, mef, f"a name defined once (first defined on line {first.line})", "name")
        self.names[mef.lower()] = name
        self.where[name] = element
        return name

    def document(self, root: _Element) -> str:
        title = None
        for child in root.children:
            if child.tag == "define-fault-tree":
                title = title or self.spec_name(child)
                self.container(child)
            elif child.tag == "model-data":
                self.container(child, events_only=True)
            elif child.tag not in ("label", "attributes"):
                raise self.error(child, child.tag, "define-fault-tree or model-data (the other MEF constructs — "
                                 "event trees, CCF groups, substitutions … — are not read)")
        return title or "mef"

    def container(self, element: _Element, events_only: bool = False) -> None:
        for child in element.children:
            tag = child.tag
            if tag == "define-gate" and not events_only:
                self.gate(child)
            elif tag == "define-basic-event":
                self.events[self.define(child)] = {"element": child}
            elif tag == "define-parameter":
                self.parameters[self.attribute(child, "name").lower()] = child
            elif tag == "define-component" and not events_only:
                self.container(child)
            elif tag not in ("label", "attributes"):
                raise self.error(child, tag, "define-gate, define-basic-event, define-parameter or "
                                 "define-component (house events and CCF groups are not read)")

    def gate(self, element: _Element) -> None:
        name = self.define(element)
        formulas = [c for c in element.children if c.tag not in ("label", "attributes")]
        if len(formulas) != 1:
            raise self.error(element, f"{len(formulas)} formulas", "one formula: or, and or atleast")
        self.gates[name] = self.formula(formulas[0], name, [0])

    def formula(self, element: _Element, gate: str, counter: list[int]) -> dict[str, Any]:
        tag = element.tag
        if tag not in _FORMULAS:
            raise self.error(element, tag, "a coherent formula: or, and or atleast (not, xor, nand, nor, "
                             "iff, imply, cardinality and constants are not read)")
        inputs: list[str] = []
        for child in element.children:
            if child.tag in _REFERENCES:
                inputs.append(self.reference(child, inputs))
            elif child.tag in _FORMULAS:
                counter[0] += 1
                nested = f"{gate}__{counter[0]}"
                if nested in self.where:
                    raise self.error(child, nested, "a nested formula whose generated gate name is free")
                self.where[nested] = child
                self.gates[nested] = self.formula(child, gate, counter)
                inputs.append(nested)
            else:
                raise self.error(child, child.tag, "an input: gate, basic-event, event or a nested or/and/atleast")
        if tag == "atleast":
            text = self.attribute(element, "min")
            if not text.strip().isdecimal():
                raise self.error(element, text, "a whole number of failed inputs", "min")
            return {"atleast": {"k": int(text), "of": inputs}}
        return {tag: inputs}

    def reference(self, element: _Element, inputs: list[str]) -> str:
        mef = self.attribute(element, "name")
        self.used.add(mef.lower())
        if element.tag == "event" or mef.lower() not in self.names:
            # resolved once every definition is read (a gate may be defined after its use)
            self.pending.append((inputs, len(inputs), element))
        return mef

    def resolve(self) -> None:
        for inputs, i, element in self.pending:
            mef = inputs[i]
            if mef.lower() in self.names:
                inputs[i] = self.names[mef.lower()]
            elif element.tag == "event" and element.attrib.get("type") == "house-event":
                raise self.error(element, mef, "gates and basic events (house events are not read)")
            # an undefined name is left as written: the fault-tree reader names it
        for body in self.gates.values():
            (kind, value), = body.items()
            inputs = value["of"] if kind == "atleast" else value
            for i, mef in enumerate(inputs):
                inputs[i] = self.names.get(mef.lower(), mef)

    def probability(self, name: str) -> float:
        element = self.events[name]["element"]
        expressions = [c for c in element.children if c.tag not in ("label", "attributes")]
        if len(expressions) != 1:
            raise self.error(element, f"{len(expressions)} expressions", "one probability expression: float, int, "
                             "exponential or parameter")
        return self.value(expressions[0], 0)

    def value(self, element: _Element, depth: int) -> float:
        tag = element.tag
        if depth > 20:
            raise self.error(element, "parameters nested too deep", "at most 20 levels of parameters")
        if tag in _NUMBERS:
            text = self.attribute(element, "value")
            try:
                number = float(text)
            except ValueError:
                raise self.error(element, text, "a number", "value") from None
            if not math.isfinite(number):
                raise self.error(element, text, "a finite number", "value")
            return number
        if tag == "parameter":
            key = self.attribute(element, "name").lower()
            if key not in self.parameters:
                raise self.error(element, element.attrib["name"], "a parameter defined by define-parameter", "name")
            definition = self.parameters[key]
            expressions = [c for c in definition.children if c.tag not in ("label", "attributes")]
            if len(expressions) != 1:
                raise self.error(definition, f"{len(expressions)} expressions", "one expression")
            return self.value(expressions[0], depth + 1)
        if tag == "exponential":
            args = [c for c in element.children if c.tag not in ("label", "attributes")]
            if len(args) != 2:
                raise self.error(element, f"{len(args)} arguments", "two: the failure rate and the time")
            rate, time = (self.value(a, depth + 1) for a in args)
            if rate < 0 or time < 0:
                raise self.error(element, (rate, time), "a rate and a time of 0 or more")
            return -math.expm1(-rate * time)
        raise self.error(element, tag, "float, int, exponential or parameter (other expressions, and "
                         "system-mission-time, are not read)")

    def top(self) -> str:
        used: set[str] = set()
        for body in self.gates.values():
            (kind, value), = body.items()
            used.update(value["of"] if kind == "atleast" else value)
        tops = [name for name in self.gates if name not in used]
        if len(tops) != 1:
            where = self.where[tops[1]] if len(tops) > 1 else None
            raise SpecError(where.path if where else "define-gate", ", ".join(tops[:6]) if tops else "no top gate",
                            "one top gate, a gate no other gate uses" + ("" if tops else " (every gate here "
                            "feeds another: a cycle)"), file=self.source, line=where.line if where else None)
        return tops[0]


def _read(data: str | bytes, source: str | None) -> tuple[dict[str, Any], _Reader]:
    data = data.encode("utf-8") if isinstance(data, str) else data
    if len(data) > MAX_MEF_BYTES:
        raise SpecError("", f"{len(data):,} bytes", f"an Open-PSA file of at most {MAX_MEF_BYTES:,} bytes",
                        file=source)
    reader = _Reader(source)
    title = reader.document(_parse_xml(data, source))
    reader.resolve()
    if not reader.gates:
        raise SpecError("define-gate", SpecError.NO_VALUE, "at least one gate", file=source)
    events = {name: {"probability": reader.probability(name)} for name in reader.events}
    return {"name": title, "fault_tree": {"top": reader.top(), "gates": reader.gates, "events": events}}, reader


def mef_to_spec(text: str | bytes, source: str | None = None) -> dict[str, Any]:
    """The ``fault_tree`` spec (a mapping) an Open-PSA MEF document states.

    Raises
    ------
    SpecError
        Unsafe or malformed XML, or an MEF construct that is not read (module docstring).
    """
    return _read(text, source)[0]


def _where(field: str, reader_where: Mapping[str, _Element]) -> _Element | None:
    """The MEF element a fault-tree field ``fault_tree.gates.NAME…`` came from."""
    parts = field.split(".")
    if len(parts) >= 3 and parts[0] == "fault_tree" and parts[1] in ("gates", "events"):
        for cut in range(len(parts), 2, -1):   # names may hold dots
            name = ".".join(parts[2:cut])
            if name in reader_where:
                return reader_where[name]
    return None


def read_mef(text: str | bytes, source: str | None = None) -> BlockSystem:
    """Read an Open-PSA MEF fault tree into a model, through the fault-tree reader.

    An error of the fault-tree reader is reported at the MEF element it concerns (file, line,
    element path), with the fault-tree field in the message.
    """
    from ..topology.faulttree import parse_fault_tree_form

    spec, reader = _read(text, source)
    try:
        return parse_fault_tree_form(spec, source)
    except SpecError as error:
        element = _where(error.field, reader.where)
        if element is None:
            raise error.located(source) from None
        raise SpecError(f"{element.path} ({error.field})", error.value, error.expected, file=source,
                        line=element.line) from None


def read_file(path: str | Path) -> bytes:
    """The bytes of an Open-PSA file, its size checked before it is read."""
    path = Path(path)
    file = str(path)
    try:
        size = path.stat().st_size
        if size > MAX_MEF_BYTES:
            raise SpecError("", f"{size:,} bytes", f"an Open-PSA file of at most {MAX_MEF_BYTES:,} bytes", file=file)
        return path.read_bytes()
    except FileNotFoundError:
        raise SpecError("", file, "an existing Open-PSA MEF file") from None
    except OSError as error:
        raise SpecError("", file, f"a readable file ({error.__class__.__name__})") from None


def load_mef(path: str | Path) -> BlockSystem:
    """Read an Open-PSA MEF file (size checked before reading; see :func:`read_mef`)."""
    return read_mef(read_file(path), str(path))
