"""What gets placed: one unit per primitive, per unique clone instance, or per anonymous clone.

A *unit* owns one Boolean per node in the CP-SAT model (“the unit runs there”):

* a plain primitive (also inside a group) is one unit that runs on at most one node;
* an anonymous clone's primitive is **one** unit that may run on several nodes, at most one
  copy per node (compat(pacemaker): §8, ``clone-node-max`` is forced to 1 for anonymous
  clones), so its copies need no symmetry breaking;
* a globally-unique clone has one unit per instance (``web:0``, ``web:1``…), each on at
  most one node, with ``clone-node-max`` copies per node.

Groups stay groups: a member unit names its predecessor in the same copy (`Unit.after`).
A promotable clone of a group gives every member a promotable unit; the copy is promoted
as a whole (`placement.solve.promotable`), which `group_copies` lets the encoders find.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from placement.errors import Unsupported
from placement.hierarchy import Hierarchy
from placement.model import Clone, Config, Primitive, Role
from placement.state import NodeStatus, State


@dataclass(frozen=True, slots=True)
class Unit:
    """Something the solver places. ``key`` is ``primitive`` or ``primitive:N`` for unique instances."""

    key: str
    primitive: str
    clone: str | None = None
    instance: int | None = None  # unique clone instance number
    multi: bool = False  # anonymous clone: one copy per node, up to `max_copies`
    max_copies: int = 1
    after: str | None = None  # key of the previous group member in the same copy
    group: str | None = None
    promotable: bool = False
    priority: int = 0
    managed: bool = True
    utilization: Mapping[str, int] = field(default_factory=dict)


def build_units(config: Config, hierarchy: Hierarchy | None = None) -> tuple[Unit, ...]:
    """Every unit of ``config`` in assignment-relevant order: top-level resources in definition order.

    >>> from placement.model import Agent, Primitive, frozen_map
    >>> dummy = Agent.parse("ocf:pacemaker:Dummy")
    >>> resources = {"ping": Primitive("ping", dummy), "cl": Clone("cl", "ping", globally_unique=True, max=2)}
    >>> [u.key for u in build_units(Config(resources=frozen_map(resources)))]
    ['ping:0', 'ping:1']
    """
    hierarchy = hierarchy or Hierarchy(config)
    units: list[Unit] = []
    node_count = max(1, len(config.nodes))
    for top in hierarchy.top_level:
        resource = config.resources[top]
        if isinstance(resource, Clone):
            units.extend(_clone_units(config, hierarchy, resource, node_count))
        else:
            units.extend(_copy_units(config, hierarchy, top, clone=None, instance=None))
    return tuple(units)


def _clone_units(config: Config, hierarchy: Hierarchy, clone: Clone, node_count: int) -> list[Unit]:
    child = config.resources[clone.child]
    if isinstance(child, Clone):
        raise Unsupported("a clone of a clone", clone.id)
    copies = node_count if clone.max is None else max(0, clone.max)
    if clone.globally_unique:
        units: list[Unit] = []
        for instance in range(copies):
            units.extend(_copy_units(config, hierarchy, clone.child, clone=clone, instance=instance))
        return units
    return _copy_units(config, hierarchy, clone.child, clone=clone, instance=None, copies=copies)


def _copy_units(
    config: Config,
    hierarchy: Hierarchy,
    rid: str,
    clone: Clone | None,
    instance: int | None,
    copies: int = 1,
) -> list[Unit]:
    """Units for one copy of ``rid`` (a primitive or group); groups chain their members."""
    units: list[Unit] = []
    previous: str | None = None
    for primitive_id in hierarchy.primitives_in(rid):
        primitive = config.resources[primitive_id]
        assert isinstance(primitive, Primitive)
        meta = hierarchy.effective_meta(primitive_id)
        group = hierarchy.group_of(primitive_id)
        key = primitive_id if instance is None else f"{primitive_id}:{instance}"
        units.append(
            Unit(
                key=key,
                primitive=primitive_id,
                clone=clone.id if clone else None,
                instance=instance,
                multi=clone is not None and instance is None,
                max_copies=copies,
                after=previous,
                group=group.id if group else None,
                promotable=bool(clone and clone.promotable),
                priority=meta.priority or 0,
                managed=bool(meta.managed) and not meta.maintenance and not config.cluster.maintenance,
                utilization=dict(primitive.utilization),
            )
        )
        previous = key
    return units


def group_copies(units: Iterable[Unit]) -> dict[str, tuple[str, ...]]:
    """Every copy of a group among ``units``: its first member's key → all its members' keys, in order.

    A unit's `Unit.after` names the previous member of its own copy, so following it back
    finds the copy's first member (for an anonymous cloned group the units stand for every
    copy at once: the copy on a node is the members on that node). Units whose predecessor
    is not among ``units`` start a copy of their own.
    """
    head_of: dict[str, str] = {}
    copies: dict[str, list[str]] = {}
    for unit in units:
        if unit.group is None:
            continue
        head = head_of.get(unit.after, unit.key) if unit.after is not None else unit.key
        head_of[unit.key] = head
        copies.setdefault(head, []).append(unit.key)
    return {head: tuple(keys) for head, keys in copies.items()}


@dataclass(frozen=True, slots=True)
class Current:
    """Where units run now: nodes per unit key, and the nodes where they are promoted."""

    nodes: Mapping[str, frozenset[str]]
    promoted: Mapping[str, frozenset[str]]
    instance_numbers: Mapping[tuple[str, str], str]  # (primitive, node) → clone instance number now

    def of(self, key: str) -> frozenset[str]:
        return self.nodes.get(key, frozenset())


# A copy on a node in these states still runs there (until fenced, for unclean nodes).
_STILL_RUNNING = (NodeStatus.ONLINE, NodeStatus.STANDBY, NodeStatus.MAINTENANCE, NodeStatus.UNCLEAN)


def current_placement(config: Config, state: State, units: tuple[Unit, ...]) -> Current:
    """Map the state's active instances onto units.

    Copies on offline or fenced nodes are not running; unique clone instances keep their
    number when the state knows it, the rest fill free numbers in order.
    """
    by_primitive: dict[str, list[Unit]] = defaultdict(list)
    for unit in units:
        by_primitive[unit.primitive].append(unit)
    nodes: dict[str, set[str]] = defaultdict(set)
    promoted: dict[str, set[str]] = defaultdict(set)
    numbers: dict[tuple[str, str], str] = {}
    active: dict[str, list] = defaultdict(list)
    running = {name for name in config.nodes if state.node(name).status in _STILL_RUNNING}
    for instance in state.instances:
        if instance.node in running:
            active[instance.resource].append(instance)
    for primitive, owned in by_primitive.items():
        instances = active.get(primitive, [])
        for instance in instances:
            if instance.clone_instance is not None:
                numbers[(primitive, instance.node)] = instance.clone_instance
        if owned[0].instance is None:
            for instance in instances:
                nodes[owned[0].key].add(instance.node)
                if instance.role is Role.PROMOTED:
                    promoted[owned[0].key].add(instance.node)
            continue
        # Each instance number names one unit: match by number, then fill the lowest free ones.
        by_number = {str(u.instance): u for u in reversed(owned)}  # the first unit wins a number
        taken: set[str] = set()
        placed: list[tuple[Unit, object]] = []
        unnumbered = []
        for instance in instances:
            match = by_number.get(instance.clone_instance)  # type: ignore[arg-type]
            if match is None or match.key in taken:
                unnumbered.append(instance)
            else:
                taken.add(match.key)
                placed.append((match, instance))
        free = iter([u for u in owned if u.key not in taken])
        for instance in unnumbered:
            unit = next(free, None)
            if unit is not None:
                placed.append((unit, instance))
        for unit, instance in placed:
            nodes[unit.key].add(instance.node)  # type: ignore[attr-defined]
            if instance.role is Role.PROMOTED:  # type: ignore[attr-defined]
                promoted[unit.key].add(instance.node)  # type: ignore[attr-defined]
    # Most units run on one node: units on the same nodes share one frozenset.
    shared: dict[frozenset[str], frozenset[str]] = {}

    def frozen(found: set[str]) -> frozenset[str]:
        value = frozenset(found)
        return shared.setdefault(value, value)

    return Current(
        nodes={k: frozen(v) for k, v in nodes.items()},
        promoted={k: frozen(v) for k, v in promoted.items()},
        instance_numbers=numbers,
    )
