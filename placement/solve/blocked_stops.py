"""Stops that cannot run because they wait for a stop that cannot run (SEMANTICS.md §7, §9).

compat(pacemaker): a copy whose stop failed with ``on-fail=block`` (or whose failure blocked
it otherwise) is failed *and* unmanaged: it needs a stop the cluster may not run. Every
stop ordered after that stop is unrunnable too, so those resources stay where they are
(crm_simulate: ``Stop A ( n ) due to unrunnable B stop (blocked)``). The stops ordered
after a resource's stop are:

* the inverse of a symmetrical mandatory ``start B then start A``-style order: ``then``
  stops before ``first`` (``pcmk__new_ordering`` with ``invert_action``);
* inside a group, member i+1 stops before member i (the group's implicit order, §8).

Held copies hold their own predecessors in turn, so the rule is applied to a fixpoint. A
copy that is merely unmanaged needs no stop and holds nothing (its dependents may stop).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from placement.hierarchy import Hierarchy
from placement.model import Config
from placement.solve.order import Precedence
from placement.solve.units import Unit
from placement.state import State


def held_copies(
    config: Config,
    state: State,
    hierarchy: Hierarchy,
    units: Iterable[Unit],
    current: Mapping[str, frozenset[str]],
    precedences: Iterable[Precedence],
) -> dict[str, tuple[frozenset[str], str]]:
    """Unit → (nodes where its running copies must stay, why), for stops blocked by blocked stops."""
    units = tuple(units)
    keys_of: dict[str, list[str]] = {}
    for unit in units:
        keys_of.setdefault(unit.primitive, []).append(unit.key)
    # Primitives with a copy that needs a stop the cluster may not run.
    stuck = {i.resource for i in state.instances if i.failed and not i.managed}
    if not stuck:
        return {}
    orders = [p for p in precedences if p.symmetrical and p.require_all and p.then.role is None]
    held: dict[str, str] = {}  # primitive → the blocked primitive whose stop it waits for
    frontier = sorted(stuck)
    blocking = dict.fromkeys(stuck, "")
    while frontier:
        found: list[str] = []
        for primitive in frontier:
            why = blocking[primitive] or primitive
            for earlier in _stops_after(config, hierarchy, primitive, orders):
                if earlier not in blocking and any(current.get(k) for k in keys_of.get(earlier, ())):
                    blocking[earlier] = why
                    held[earlier] = why
                    found.append(earlier)
        frontier = found
    result: dict[str, tuple[frozenset[str], str]] = {}
    for primitive, why in held.items():
        for key in keys_of.get(primitive, ()):
            nodes = current.get(key, frozenset())
            if nodes:
                result[key] = (nodes, f"its stop waits for the stop of {why}, which is blocked")
    return result


def _stops_after(config: Config, hierarchy: Hierarchy, primitive: str, orders: list[Precedence]) -> list[str]:
    """Primitives whose stop must wait for ``primitive``'s stop."""
    found: list[str] = []
    group = hierarchy.group_of(primitive)
    if group is not None:
        members = list(group.members)
        found.extend(members[: members.index(primitive)])
    for precedence in orders:
        if primitive not in _primitives(config, hierarchy, precedence.then.resource):
            continue
        for first in precedence.firsts:
            if first.role is None:
                found.extend(_primitives(config, hierarchy, first.resource))
    return found


def _primitives(config: Config, hierarchy: Hierarchy, resource: str) -> list[str]:
    """Every primitive a constraint's resource stands for (a group's or clone's whole content)."""
    if resource not in config.resources:
        return []
    return hierarchy.primitives_in(resource)
