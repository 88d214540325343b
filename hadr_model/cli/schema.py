"""``hadr schema``: print the JSON Schema of a spec (draft 2020-12).

The schema is generated from the table the validator reads
(:mod:`hadr_model.topology.schema`), so it always matches this version of ``hadr``. Save it
and point an editor at it for completion and inline errors::

    hadr schema > hadr-spec.schema.json
    # first line of a spec, for the YAML language server (VS Code YAML, Neovim, Helix …):
    # yaml-language-server: $schema=./hadr-spec.schema.json

What a schema cannot express (references between sections, ``k`` at most ``n``, ranges of
quantities written as text, size limits) stays with ``hadr validate``.
"""

from __future__ import annotations

import argparse
import json
import sys


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("schema", help="print the JSON Schema of a spec (for editors and other tools)")
    # Accepted like on every command; the schema is JSON either way (and about no one spec).
    parser.add_argument("--json", action="store_true", help="the same JSON Schema (it is always JSON)")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from ..topology.schema import json_schema

    json.dump(json_schema(), sys.stdout, indent=2, ensure_ascii=False)
    sys.stdout.write("\n")
    return 0
