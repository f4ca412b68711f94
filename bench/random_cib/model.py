"""A generated cluster as plain data: configuration, current status and events.

Everything is a frozen dataclass of tuples so a shrinker can rebuild smaller variants
with `dataclasses.replace`, and two equal models write byte-identical CIBs.
"""

from __future__ import annotations

from dataclasses import dataclass, field

INFINITY = 1_000_000  # written as "INFINITY"; Pacemaker caps every score there


@dataclass(frozen=True, slots=True)
class Node:
    name: str
    attributes: tuple[tuple[str, str], ...] = ()
    capacity: tuple[tuple[str, int], ...] = ()
    standby: bool = False  # permanent (configuration) standby
    maintenance: bool = False


@dataclass(frozen=True, slots=True)
class Primitive:
    id: str
    agent: str = "Dummy"  # ocf:pacemaker:<agent>; Stateful inside promotable clones
    stickiness: int | None = None
    migration_threshold: int | None = None
    failure_timeout: int | None = None  # seconds
    allow_migrate: bool = False
    target_role: str | None = None
    managed: bool = True
    priority: int | None = None
    utilization: tuple[tuple[str, int], ...] = ()
    monitor_on_fail: str | None = None


@dataclass(frozen=True, slots=True)
class Group:
    id: str
    members: tuple[Primitive, ...]
    target_role: str | None = None


@dataclass(frozen=True, slots=True)
class Clone:
    id: str
    child: Primitive | Group
    promotable: bool = False
    clone_max: int | None = None
    clone_node_max: int | None = None
    promoted_max: int | None = None
    interleave: bool = False
    unique: bool = False


@dataclass(frozen=True, slots=True)
class Fence:
    """A stonith device (class stonith); with no host list it may fence any node."""

    id: str
    hosts: tuple[str, ...] = ()


Resource = Primitive | Group | Clone


@dataclass(frozen=True, slots=True)
class Location:
    id: str
    rsc: str
    node: str
    score: int
    role: str | None = None


@dataclass(frozen=True, slots=True)
class LocationRule:
    """A location whose rule tests one node attribute (``op`` as in CIB expressions)."""

    id: str
    rsc: str
    score: int
    attribute: str
    op: str
    value: str | None
    kind: str = "string"


@dataclass(frozen=True, slots=True)
class Colocation:
    id: str
    rsc: str
    with_rsc: str
    score: int
    rsc_role: str | None = None
    with_role: str | None = None


@dataclass(frozen=True, slots=True)
class Order:
    id: str
    first: str
    then: str
    kind: str = "Mandatory"
    symmetrical: bool | None = None
    first_action: str | None = None
    then_action: str | None = None


@dataclass(frozen=True, slots=True)
class ColocationSet:
    """Resource sets in one colocation; each set is (resources, sequential)."""

    id: str
    score: int
    sets: tuple[tuple[tuple[str, ...], bool], ...]


@dataclass(frozen=True, slots=True)
class OrderSet:
    id: str
    kind: str
    sets: tuple[tuple[tuple[str, ...], bool], ...]


Constraint = Location | LocationRule | Colocation | Order | ColocationSet | OrderSet


@dataclass(frozen=True, slots=True)
class Options:
    stonith: bool = False
    no_quorum_policy: str = "stop"
    have_quorum: bool = True
    symmetric: bool = True
    placement_strategy: str = "default"
    stickiness: int = 0
    start_failure_is_fatal: bool = True
    probes: bool = True  # enable-startup-probes


@dataclass(frozen=True, slots=True)
class Active:
    """A copy of a primitive active on a node now: its history says started (or promoted)."""

    rsc: str  # primitive id as the lrm records it (``rsc:N`` for a unique clone instance)
    node: str
    promoted: bool = False


# Events: what happened since the last transition, written into the status.
@dataclass(frozen=True, slots=True)
class NodeLost:
    node: str
    clean: bool = False  # clean: the node left on purpose (expected=down)


@dataclass(frozen=True, slots=True)
class OpFailed:
    """An operation of an active copy failed: monitor (not running / error), start, stop."""

    rsc: str
    node: str
    operation: str = "monitor"
    rc: int = 1
    count: int = 1
    age: int = 0  # seconds before the execution date


@dataclass(frozen=True, slots=True)
class NodeAttribute:
    """A transient node attribute set now (standby=on, maintenance=true, …)."""

    node: str
    name: str
    value: str


@dataclass(frozen=True, slots=True)
class FoundRunning:
    """A probe found the primitive already running on a node it was not known on."""

    rsc: str
    node: str


Event = NodeLost | OpFailed | NodeAttribute | FoundRunning


@dataclass(frozen=True, slots=True)
class Cluster:
    nodes: tuple[Node, ...]
    resources: tuple[Resource, ...]
    constraints: tuple[Constraint, ...] = ()
    options: Options = field(default_factory=Options)
    fencing: tuple[Fence, ...] = ()
    active: tuple[Active, ...] = ()
    probed: tuple[tuple[str, str], ...] = ()  # (primitive, node) probed, found not running
    events: tuple[Event, ...] = ()


def primitives(resource: Resource) -> tuple[Primitive, ...]:
    """The primitives inside a resource, in configuration order."""
    if isinstance(resource, Primitive):
        return (resource,)
    if isinstance(resource, Group):
        return resource.members
    return primitives(resource.child)


def all_primitives(cluster: Cluster) -> tuple[Primitive, ...]:
    return tuple(p for r in cluster.resources for p in primitives(r))


def resource_ids(cluster: Cluster) -> set[str]:
    """Every id a constraint may name: top-level resources, group members, clone children."""
    ids: set[str] = set()
    for resource in cluster.resources:
        ids.add(resource.id)
        if isinstance(resource, Clone):
            ids.add(resource.child.id)
        ids.update(p.id for p in primitives(resource))
    return ids


def constraint_resources(constraint: Constraint) -> tuple[str, ...]:
    if isinstance(constraint, Location | LocationRule):
        return (constraint.rsc,)
    if isinstance(constraint, Colocation):
        return (constraint.rsc, constraint.with_rsc)
    if isinstance(constraint, Order):
        return (constraint.first, constraint.then)
    return tuple(r for members, _ in constraint.sets for r in members)
