"""Stops that cannot run because they wait for a stop that cannot run (SEMANTICS.md §7, §9).

compat(pacemaker): a copy whose stop failed with ``on-fail=block`` (or whose failure blocked
it otherwise) is failed *and* unmanaged: it needs a stop the cluster may not run. Every
stop ordered after that stop is unrunnable too, so those resources stay where they are
(crm_simulate: ``Stop A ( n ) due to unrunnable B stop (blocked)``). The stops ordered
after a resource's stop are:

* the inverse of a symmetrical mandatory ``start B then start A``-style order: ``then``
  stops before ``first`` (``pcmk__new_ordering`` with ``invert_action``) — only when the
  order names the two primitives themselves: one naming a group or a clone orders pseudo
  actions, and the copies' own stops still run;
* inside a group, member i+1 stops before member i (the group's implicit order, §8).

Held copies hold their own predecessors in turn, so the rule is applied to a fixpoint. A
copy that is merely unmanaged needs no stop and holds nothing (its dependents may stop).

The same copy needs a start the cluster may not run either (its recovery), so what must
start after it cannot run (`waits_for_blocked_start`): the next member of its group, and
the ``then`` of a mandatory order it is the ``first`` of, symmetrical or not
(crm_simulate: ``Stop B ( n ) due to unrunnable A start``): a running one stops.

An unmanaged member of a group (one left alone where it runs, failed or not) never stops,
so the members before it, whose stops come after its stop, stay where they run
(``Stop A ( n ) due to unrunnable B stop (blocked)``); and when one of those may not stay
where it is, the unmanaged member would have to start again after it, which it may not,
so the members after it cannot run (``due to unrunnable B start``): `unmanaged_members`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping

from placement.hierarchy import Hierarchy
from placement.model import Config
from placement.solve.order import Precedence
from placement.solve.units import Unit
from placement.state import NodeStatus, State


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
    stuck = blocked_primitives(config, state, units)
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
    # Inside a clone the chain runs within one instance (a cloned group's members stop in
    # order on each copy): only the copies beside a blocked one wait for it.
    origins: dict[str, set[tuple[str, str | None]]] = {}
    for instance in state.instances:
        if instance.resource in stuck and instance.failed and not instance.managed:
            origins.setdefault(instance.resource, set()).add((instance.node, instance.clone_instance))
    by_key = {unit.key: unit for unit in units}
    result: dict[str, tuple[frozenset[str], str]] = {}
    for primitive, why in held.items():
        cloned = hierarchy.clone_of(primitive) is not None
        for key in keys_of.get(primitive, ()):
            nodes = current.get(key, frozenset())
            if cloned:
                unit = by_key[key]
                beside = origins.get(why, set())
                if unit.instance is not None:  # a unique clone's instance: the same number
                    nodes = nodes if any(number == str(unit.instance) for _, number in beside) else frozenset()
                else:  # an anonymous copy: the same node
                    nodes = nodes & {node for node, _ in beside}
            if nodes:
                result[key] = (nodes, f"its stop waits for the stop of {why}, which is blocked")
    return result


def blocked_primitives(config: Config, state: State, units: Iterable[Unit]) -> set[str]:
    """Primitives with a *blocked* copy: failed, and unmanaged because of that failure.

    compat(pacemaker): ``pe_rsc_block`` — set by ``on-fail=block`` and by a stop that can
    neither succeed nor be fenced around (``check_recoverable``). A failed copy of a
    resource that is unmanaged anyway (``is-managed=false``, maintenance of the resource,
    the cluster or its node) is not blocked: nothing was going to stop or start it, so
    nothing ordered after it waits (``pcmk__update_action_for_orderings`` tests the flag).
    """
    managed = {unit.primitive for unit in units if unit.managed}
    return {
        i.resource
        for i in state.instances
        if i.failed
        and not i.managed
        and i.resource in managed
        and state.node(i.node).status is not NodeStatus.MAINTENANCE
        and not (i.node in config.nodes and config.nodes[i.node].maintenance)
    }


def _stops_after(config: Config, hierarchy: Hierarchy, primitive: str, orders: list[Precedence]) -> list[str]:
    """Primitives whose stop must wait for ``primitive``'s stop."""
    found: list[str] = []
    group = hierarchy.group_of(primitive)
    if group is not None:
        members = list(group.members)
        found.extend(members[: members.index(primitive)])
    # compat(pacemaker): the blocked stop makes the inverse ordering's `then` unrunnable only
    # between the two primitives themselves (pcmk__update_action_for_orderings looks at the
    # blocked resource of `first`); an order naming a group or a clone orders its pseudo
    # actions, and the members' and instances' own stops still run.
    if hierarchy.clone_of(primitive) is not None:
        return found
    for precedence in orders:
        if precedence.then.resource != primitive:
            continue
        for first in precedence.firsts:
            named = first.resource
            if first.role is None and named in config.primitives and hierarchy.clone_of(named) is None:
                found.append(named)
    return found


def _primitives(config: Config, hierarchy: Hierarchy, resource: str) -> list[str]:
    """Every primitive a constraint's resource stands for (a group's or clone's whole content)."""
    if resource not in config.resources:
        return []
    return hierarchy.primitives_in(resource)


def waits_for_blocked_start(
    config: Config, state: State, units: Iterable[Unit], precedences: Iterable[Precedence]
) -> dict[str, str]:
    """Unit → why it may not run, for the units whose start follows a start that may not
    run (the recovery of a blocked copy).

    Only a copy outside clones is followed this way: a clone's other copies start without it.
    An instance of a globally-unique cloned group is a group of its own, though: the member
    after a blocked one in the same instance cannot start either (crm_simulate: ``Start z:1
    ( n ) due to unrunnable b:1 start (blocked)``).
    """
    units = tuple(units)
    stuck = blocked_primitives(config, state, units)
    if not stuck:
        return {}
    by_key = {unit.key: unit for unit in units}
    stuck_keys = {unit.key for unit in units if unit.primitive in stuck and unit.clone is None}
    stuck_keys.update(
        f"{i.resource}:{i.clone_instance}"
        for i in state.instances
        if i.resource in stuck and i.failed and not i.managed and i.clone_instance is not None
    )
    stuck_keys &= by_key.keys()
    if not stuck_keys:
        return {}
    found: dict[str, str] = {}
    for unit in units:
        if (unit.clone is None or unit.instance is not None) and unit.after in stuck_keys:
            found[unit.key] = _waits(by_key[unit.after].primitive)
    for precedence in precedences:
        if not precedence.require_all or precedence.then.role is not None:
            continue
        firsts = precedence.firsts
        if not firsts or any(f.role is not None or not f.units or not set(f.units) <= stuck_keys for f in firsts):
            continue
        for key in precedence.then.units:
            if key in by_key and by_key[key].clone is None:
                found.setdefault(key, _waits(by_key[firsts[0].units[0]].primitive))
    return found


def unmanaged_members(
    state: State, units: Iterable[Unit], current: Mapping[str, frozenset[str]], may_stay: Callable[[str, str], bool]
) -> tuple[dict[str, tuple[frozenset[str], str]], dict[str, str]]:
    """(unit → nodes where it must stay, why) for the members before an unmanaged group
    member, and (unit → why it cannot run) for the members after one whose predecessors
    may not all stay (``may_stay(key, node)``), outside clones."""
    unmanaged = {(i.resource, i.node) for i in state.instances if not i.managed}
    if not unmanaged:
        return {}, {}
    units = tuple(units)
    by_key = {unit.key: unit for unit in units}
    after: dict[str, str] = {unit.after: unit.key for unit in units if unit.after is not None}
    held: dict[str, tuple[frozenset[str], str]] = {}
    stopped: dict[str, str] = {}
    for unit in units:
        if unit.clone is not None or unit.group is None:
            continue
        for node in sorted(current.get(unit.key, ())):
            if (unit.primitive, node) not in unmanaged or state.node(node).status is NodeStatus.UNCLEAN:
                continue  # fencing a node implies every stop there: nothing waits
            earlier, leaving = unit.after, False
            # compat(pacemaker): the group's stop order is between its members, not per node:
            # a member before it is held wherever it runs (but on an unclean node, where
            # fencing implies its stop).
            while earlier is not None:
                there = frozenset(n for n in current.get(earlier, ()) if state.node(n).status is not NodeStatus.UNCLEAN)
                if not there:
                    break
                why = f"its stop waits for the stop of {unit.primitive}, which is unmanaged"
                held.setdefault(earlier, (there, why))
                leaving = leaving or not all(may_stay(earlier, n) for n in there)
                earlier = by_key[earlier].after
            follower = after.get(unit.key)
            while leaving and follower is not None:
                stopped.setdefault(follower, f"its start must follow a restart of {unit.primitive}, which is unmanaged")
                follower = after.get(follower)
    return held, stopped


def _waits(blocked: str) -> str:
    return f"its start must follow the recovery of {blocked}, which is blocked"
