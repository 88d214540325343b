"""``hadr export`` and ``hadr import``: a spec to other tools' formats, and an Open-PSA fault tree in.

* ``hadr export SPEC --format openpsa [-o FILE]`` — the spec's failure as an Open-PSA MEF
  fault tree (:func:`hadr_model.interchange.openpsa.write_mef`), for SCRAM and other PSA codes;
* ``hadr export SPEC --format prism [-o FILE]`` — its Markov chain (independent repair) as a
  PRISM CTMC (:func:`hadr_model.interchange.prism.write_prism`), for PRISM or Storm;
* ``hadr import FILE.xml [-o SPEC.yaml]`` — an Open-PSA MEF fault tree as a ``fault_tree``
  spec (:func:`hadr_model.interchange.openpsa.mef_to_spec`), read through the fault-tree reader
  first so that a file it would refuse is refused here, naming the element and line.

Without ``-o`` the text goes to standard output. ``--json`` prints one JSON document instead:
the spec, the format, the file written (or the text itself without ``-o``) and its size.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import yaml

from ..errors import SpecError
from ._common import add_spec_argument, load, spec_json

FORMATS = ("openpsa", "prism")


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("export", help="write a spec as an Open-PSA fault tree or a PRISM CTMC")
    add_spec_argument(parser)
    parser.add_argument("--format", required=True, choices=FORMATS,
                        help="openpsa: Open-PSA MEF XML fault tree (SCRAM); prism: PRISM CTMC (PRISM, Storm)")
    parser.add_argument("-o", "--output", help="file to write (default: standard output)")
    parser.add_argument("--json", action="store_true", help="print a JSON document (with the text unless -o)")
    parser.set_defaults(run=run_export)
    reader = subparsers.add_parser("import", help="read an Open-PSA MEF fault tree into a fault-tree spec (YAML)")
    reader.add_argument("spec", metavar="FILE", help="Open-PSA MEF XML file")
    reader.add_argument("-o", "--output", help="YAML spec to write (default: standard output)")
    reader.add_argument("--json", action="store_true", help="print a JSON document (with the spec unless -o)")
    reader.set_defaults(run=run_import)


def _write(text: str, output: str | None, document: dict | None = None) -> None:
    """Write ``text`` to ``output`` (or print it); with ``document``, print that as JSON instead."""
    if output is None:
        if document is None:
            sys.stdout.write(text)
        else:
            print(json.dumps({**document, "output": None, "bytes": len(text.encode("utf-8")), "text": text},
                             indent=2))
        return
    try:
        Path(output).write_text(text, encoding="utf-8")
    except OSError as error:
        raise SpecError("--output", output, f"a file that can be written ({error.__class__.__name__})") from None
    print(f"{output}: written ({len(text.encode('utf-8')):,} bytes)", file=sys.stderr)
    if document is not None:
        print(json.dumps({**document, "output": output, "bytes": len(text.encode("utf-8"))}, indent=2))


def run_export(args: argparse.Namespace) -> int:
    model = load(args)
    if args.format == "openpsa":
        from ..interchange.openpsa import write_mef

        text = write_mef(model)
    else:
        from ..interchange.prism import write_prism

        text = write_prism(model)
    document = {"name": model.name, "spec": spec_json(model, args.spec), "format": args.format} if args.json \
        else None
    _write(text, args.output, document)
    return 0


def run_import(args: argparse.Namespace) -> int:
    from ..interchange import openpsa

    data = openpsa.read_file(args.spec)
    openpsa.read_mef(data, args.spec)       # every check of the fault-tree reader, at the MEF element
    spec = openpsa.mef_to_spec(data, args.spec)
    header = (f"# Imported from the Open-PSA MEF file {Path(args.spec).name} by `hadr import` "
              f"({len(spec['fault_tree']['gates'])} gates, {len(spec['fault_tree']['events'])} basic events).\n")
    document = None
    if args.json:
        document = {"name": spec.get("name"), "spec": {**spec_json(None, args.spec), "name": spec.get("name")},
                    "format": "openpsa",
                    "gates": len(spec["fault_tree"]["gates"]),
                    "basic_events": len(spec["fault_tree"]["events"])}
    _write(header + yaml.safe_dump(spec, sort_keys=False, allow_unicode=True, width=120), args.output, document)
    return 0
