"""Repair teams: who repairs what, with how many crews (the spec's ``repair`` section).

A *team* has ``crews`` crews shared by the elements it repairs. A failed copy waits for a free
crew; one crew repairs one copy at a time. The discipline, the same in every engine:

* priority levels (``priority``: a list of the team's entries, highest first; entries not listed
  form the lowest level). A failure of a higher level takes a crew from the lowest-level repair
  in progress, which waits and *resumes* later (preemptive-resume);
* within a level, first come, first served (the earliest failure is repaired first).

Elements that no team names keep independent repair (one crew per failed copy, infinitely many
crews). Region form: a team ``repairs`` entries ``region``, ``zones``, ``links``, ``global``,
``instances``, ``common_causes``, a role name (its instances) or a global service name;
``per_region: true`` makes one such team in every region (named ``TEAM@REGION``). Block form:
``components`` (a component name names every copy ``name[i]``; ``name[ccf]`` its common-cause
element). Fault-tree form: ``events``.

Examples
--------
>>> from hadr_model import load_spec
>>> spec = {"blocks": {"parallel": [{"component": {"name": "db", "mttf": "1000h", "mttr": "10h",
...                                                "count": 2}}]},
...         "repair": {"ops": {"crews": 1, "components": ["db"]}}}
>>> [(t.name, t.crews, t.rows) for t in load_spec(spec).compiled.teams]
[('ops', 1, (0, 1))]
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ..errors import SpecError
from . import _checks as check
from . import schema

__all__ = ["Team", "resolve_teams"]


@dataclass(frozen=True)
class Team:
    """One pool of crews and the table rows it repairs.

    ``levels[i]`` is the priority of ``rows[i]`` (higher is repaired first); ``field`` the
    spec field of the team (named by the engines' refusals).
    """

    name: str
    crews: int
    rows: tuple[int, ...]
    levels: tuple[int, ...]
    field: str

    def level_of(self, row: int) -> int:
        return self.levels[self.rows.index(row)]


_KINDS = {"region": "region", "zones": "zone", "links": "link", "global": "global", "instances": "instance",
          "common_causes": "common-cause"}
_FORM_KEYS = {"regions": ("repair_team", "repairs"), "blocks": ("block_repair_team", "components")}


def resolve_teams(compiled: Any) -> tuple[Team, ...]:
    """The teams of a compiled model from its spec's ``repair`` section (``()`` without one).

    Raises
    ------
    SpecError
        Naming the field: crews not a whole number ≥ 1, an entry that names nothing, an element in
        two teams, a team element with a fixed availability or that is never repaired, a
        per-region team that names global services.
    """
    model = compiled.model
    raw = getattr(model, "raw", None) or {}
    if "repair" not in raw:
        return ()
    section = check.mapping(raw["repair"], "repair", "a mapping of team names to {crews, …}")
    if not section:
        raise SpecError("repair", dict(section), "at least one team")
    if len(section) > schema.MAX_TEAMS:
        raise SpecError("repair", f"{len(section)} teams", f"at most {schema.MAX_TEAMS} teams")
    fault_tree = bool(getattr(model, "fault_tree", False))
    obj, entries = ("event_repair_team", "events") if fault_tree else _FORM_KEYS[compiled.form]
    teams: list[Team] = []
    owner: dict[int, str] = {}
    for name, body in section.items():
        field = f"repair.{name}"
        check.name(name, field, "a team name")
        body = check.mapping(body, field, "{crews: n, " + entries + ": […]}")
        check.check_keys(body, schema.keys(obj), field)
        for key in schema.required(obj):
            if key not in body:
                raise SpecError(f"{field}.{key}", SpecError.NO_VALUE, f"'{key}' in a repair team")
        crews = check.integer(body["crews"], f"{field}.crews", *schema.bounds(obj, "crews"))
        selected = _entries(body[entries], f"{field}.{entries}")
        matches = [_match(compiled, entry, f"{field}.{entries}[{i}]") for i, entry in enumerate(selected)]
        levels = _levels(body, field, selected, matches)
        per_region = False
        if compiled.form == "regions":
            if "per_region" not in body:
                schema.note_default(f"{field}.per_region", "false", obj, "per_region")
            per_region = check.boolean(body.get("per_region", schema.default(obj, "per_region")),
                                       f"{field}.per_region")
        rows = sorted({row for rows in matches for row in rows})
        _check_rows(compiled, rows, field, name, owner)
        if per_region:
            teams += _per_region(compiled, name, crews, rows, levels, field, selected, matches)
        elif rows:
            teams.append(Team(name, crews, tuple(rows), tuple(levels[r] for r in rows), field))
    return tuple(teams)


def _entries(raw: Any, field: str) -> list[str]:
    items = check.sequence(raw, field, "a list of names")
    if not items:
        raise SpecError(field, items, "at least one entry")
    names = [check.text(item, f"{field}[{i}]", "a name") for i, item in enumerate(items)]
    for i, item in enumerate(names):
        if item in names[:i]:
            raise SpecError(f"{field}[{i}]", item, "each entry once")
    return names


def _match(compiled: Any, entry: str, field: str) -> list[int]:
    """Table rows an entry names (every row, even those that can never be down)."""
    table = compiled.elements
    if compiled.form == "blocks":
        rows = [i for i, name in enumerate(table.names)
                if name == entry or (name.startswith(f"{entry}[") and name[len(entry) + 1:-1].isdecimal()
                                     and name.endswith("]"))]
        what = "event" if getattr(compiled.model, "fault_tree", False) else "component"
        if not rows:
            known = ", ".join(sorted({n.split("[")[0] for n in table.names})[:10])
            raise SpecError(field, entry, f"the name of a {what} ({known})")
        return rows
    roles = {role.name for site in compiled.regions for role in site.roles}
    services = {table.names[g].removeprefix("global:") for g in compiled.globals}
    if entry in _KINDS and (entry in roles or entry in services):
        raise SpecError(field, entry, f"an entry that means one thing: '{entry}' is both a kind of element and "
                        "a role or global service name (rename the role or service)")
    if entry in _KINDS:
        rows = [i for i, kind in enumerate(table.kinds) if kind == _KINDS[entry]]
    elif entry in roles:
        rows = [i for i, (kind, role) in enumerate(zip(table.kinds, table.role))
                if kind == "instance" and role == entry]
    elif entry in services:
        rows = [table.index(f"global:{entry}")]
    else:
        raise SpecError(field, entry, f"one of {', '.join(schema.REPAIR_SELECTORS)}, a role name "
                        f"({', '.join(sorted(roles)[:10])}) or a global service some role depends on")
    if not rows:
        raise SpecError(field, entry, f"an entry that names some element (this spec has no {entry})")
    return rows


def _levels(body: Mapping[str, Any], field: str, selected: Sequence[str], matches: Sequence[list[int]]
            ) -> dict[int, int]:
    """Priority of every row the team names: ``len(priority) - position``, 0 when not listed."""
    levels = {row: 0 for rows in matches for row in rows}
    if "priority" not in body:
        return levels
    order = _entries(body["priority"], f"{field}.priority")
    by_entry = dict(zip(selected, matches))
    for i, entry in enumerate(order):
        if entry not in by_entry:
            raise SpecError(f"{field}.priority[{i}]", entry, f"an entry of the team's list ({', '.join(selected)})")
    for i, entry in reversed(list(enumerate(order))):
        for row in by_entry[entry]:
            levels[row] = len(order) - i
    return levels


def _check_rows(compiled: Any, rows: Sequence[int], field: str, name: str, owner: dict[int, str]) -> None:
    table = compiled.elements
    for row in rows:
        behaviour = table.behaviours[row]
        label = table.names[row]
        if row in owner:
            raise SpecError(field, label, f"an element repaired by one team (it is already in team {owner[row]})")
        owner[row] = name
        if behaviour.has_time_law:
            if behaviour.repair is not None and behaviour.repair.is_never:
                raise SpecError(field, label, "elements that are repaired (this one is never repaired: no crew)")
        elif behaviour.availability < 1.0:
            raise SpecError(field, label, "elements with time laws (mttf/mttr): a fixed availability has no "
                            "repair for a crew to do")


def _per_region(compiled: Any, name: str, crews: int, rows: Sequence[int], levels: Mapping[int, int], field: str,
                selected: Sequence[str], matches: Sequence[list[int]]) -> list[Team]:
    table = compiled.elements
    for entry, found in zip(selected, matches):
        if any(table.region[row] is None for row in found):
            raise SpecError(f"{field}.per_region", True, f"a team for all regions (per_region: false) to repair "
                            f"global services ('{entry}' are in no region)")
    teams = []
    for site in compiled.regions:
        inside = [row for row in rows if table.region[row] == site.name]
        if inside:
            teams.append(Team(f"{name}@{site.name}", crews, tuple(inside), tuple(levels[r] for r in inside), field))
    return teams
