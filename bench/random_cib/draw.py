"""Draw a random `Cluster`: seeded for the bench, or as a hypothesis strategy.

One generator, two sources of choices: `RandomChoices` (``random.Random``, so
``--seed S`` gives the same clusters on every machine) and `HypothesisChoices`
(hypothesis ``draw``, so `clusters()` is a strategy hypothesis can shrink). Every choice
goes through the small `Choices` protocol; a feature family is drawn with the
probability `Weights` gives it, so agreement can be measured per family and a family
switched off (``--features clones=0``).

Validity rules the generator keeps (crm_simulate refuses or ignores otherwise): ids
are unique; constraints name existing resources, never a group member inside a clone;
orders only go from earlier to later resources (no cycles); fencing on implies a
fence device; a promotable clone wraps the Stateful agent.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, fields, replace
from typing import Protocol, TypeVar

from bench.random_cib.model import (
    INFINITY,
    Active,
    Clone,
    Cluster,
    Colocation,
    ColocationSet,
    Constraint,
    Event,
    Fence,
    FoundRunning,
    Group,
    Location,
    LocationRule,
    Node,
    NodeAttribute,
    NodeLost,
    OpFailed,
    Options,
    Order,
    OrderSet,
    Primitive,
    Resource,
    primitives,
)

T = TypeVar("T")


class Choices(Protocol):
    def integer(self, low: int, high: int) -> int: ...
    def chance(self, probability: float) -> bool: ...


class RandomChoices:
    def __init__(self, seed: int) -> None:
        self.random = random.Random(seed)

    def integer(self, low: int, high: int) -> int:
        return self.random.randint(low, high)

    def chance(self, probability: float) -> bool:
        return self.random.random() < probability


class HypothesisChoices:
    """Choices from hypothesis's ``draw``; every choice shrinks towards 0 / "off"."""

    def __init__(self, draw: Callable) -> None:
        from hypothesis import strategies as st

        self.draw, self.st = draw, st

    def integer(self, low: int, high: int) -> int:
        return self.draw(self.st.integers(low, high))

    def chance(self, probability: float) -> bool:
        if probability <= 0:
            return False
        if probability >= 1:
            return True
        # 0 (the shrink target) means "no": the feature is left out.
        return self.draw(self.st.integers(0, 999)) >= 1000 - int(probability * 1000)


def pick(choices: Choices, options: Sequence[T]) -> T:
    return options[choices.integer(0, len(options) - 1)]


def sample(choices: Choices, options: Sequence[T], k: int) -> list[T]:
    pool, out = list(options), []
    for _ in range(min(k, len(pool))):
        out.append(pool.pop(choices.integer(0, len(pool) - 1)))
    return out


@dataclass(frozen=True, slots=True)
class Weights:
    """Probability of each feature family.

    For a constraint family the probability is per resource ("this resource has a
    location"); for a meta attribute family (stickiness of its own, thresholds,
    migration, target-role, unmanaged, priority, on-fail) it is per cluster, and a
    cluster that has the family gives it to each primitive with probability
    `PER_PRIMITIVE` — so most clusters have few such attributes, not a little of each.
    """

    groups: float = 0.25  # a resource is a group
    clones: float = 0.2  # a resource is a clone
    promotable: float = 0.35  # a clone is promotable
    unique: float = 0.1  # a clone is globally unique
    location: float = 0.6  # per resource: a location score on a node
    rules: float = 0.25  # per resource: a location rule on a node attribute
    roles: float = 0.15  # a constraint on a promotable clone names a role
    colocation: float = 0.35  # per resource: a colocation with an earlier resource
    order: float = 0.3  # per resource: an order after an earlier resource
    sets: float = 0.1  # per cluster: a colocation or order with resource sets
    stickiness: float = 0.5  # per cluster: a default stickiness (and per resource: its own)
    utilization: float = 0.2  # per cluster: utilization with a placement strategy
    failures: float = 0.35  # per cluster: a failed operation event
    thresholds: float = 0.3  # migration-threshold / failure-timeout
    probes: float = 0.5  # per cluster: probe history on the nodes a resource is not on
    migration: float = 0.2  # allow-migrate
    fencing: float = 0.4  # per cluster: stonith-enabled with a fence device
    node_down: float = 0.3  # per cluster: a node is lost (or leaves cleanly)
    quorum: float = 0.1  # per cluster: the partition has no quorum
    standby: float = 0.2  # per cluster: a node goes to standby (event or configuration)
    maintenance: float = 0.05  # per cluster: a node in maintenance
    target_role: float = 0.15  # target-role=Stopped
    unmanaged: float = 0.1  # is-managed=false
    priority: float = 0.1  # a priority meta attribute
    on_fail: float = 0.1  # a monitor with its own on-fail
    asymmetric: float = 0.1  # per cluster: symmetric-cluster=false (opt-in)
    found_running: float = 0.05  # per cluster: a probe finds a resource running elsewhere

    @classmethod
    def parse(cls, text: str) -> Weights:
        """``"clones=0,fencing=1"`` over the defaults; ``"only:groups,order"`` switches off the rest."""
        weights = cls()
        if not text:
            return weights
        if text.startswith("only:"):
            keep = set(text[5:].split(","))
            unknown = keep - {f.name for f in fields(cls)}
            if unknown:
                raise ValueError(f"unknown feature(s): {', '.join(sorted(unknown))}")
            return replace(weights, **{f.name: 0.0 for f in fields(cls) if f.name not in keep})
        changes = {}
        for item in text.split(","):
            name, _, value = item.partition("=")
            if name not in {f.name for f in fields(cls)}:
                raise ValueError(f"unknown feature {name!r}")
            changes[name] = float(value)
        return replace(weights, **changes)


PER_PRIMITIVE = 0.35
META_FAMILIES = ("stickiness", "thresholds", "migration", "target_role", "unmanaged", "priority", "on_fail")
SCORES = (-INFINITY, -100, -10, 5, 10, 50, 100, 200, INFINITY)
ATTRIBUTES = {"rack": ("a", "b"), "zone": ("1", "2", "3"), "ssd": ("yes",)}


def draw_cluster(c: Choices, w: Weights = Weights()) -> Cluster:
    """One random cluster, with a current status and events."""
    node_count = c.integer(2, 6)
    utilization = c.chance(w.utilization)
    nodes = tuple(_node(c, f"node{i}", utilization) for i in range(1, node_count + 1))
    names = [n.name for n in nodes]
    fencing = c.chance(w.fencing)
    used = {name: c.chance(getattr(w, name)) for name in META_FAMILIES}
    cluster_stickiness = c.chance(w.stickiness)
    w = replace(w, **{name: PER_PRIMITIVE if on else 0.0 for name, on in used.items()})
    resources: list[Resource] = []
    budget = c.integer(1, 12)
    index = 0
    while budget > 0:
        index += 1
        resource = _resource(c, w, index, utilization, node_count, fencing)
        resources.append(resource)
        budget -= len(primitives(resource))
    options = Options(
        stonith=fencing,
        no_quorum_policy=pick(c, ("stop", "freeze", "ignore", "demote")) if c.chance(w.quorum) else "stop",
        have_quorum=not c.chance(w.quorum),
        symmetric=not c.chance(w.asymmetric),
        placement_strategy=pick(c, ("utilization", "balanced", "minimal")) if utilization else "default",
        stickiness=pick(c, (0, 10, 100, 1000, INFINITY)) if cluster_stickiness else 0,
        start_failure_is_fatal=not c.chance(0.1),
        probes=True,
    )
    devices = (Fence("fence1", tuple(names) if c.chance(0.3) else ()),) if fencing else ()
    constraints = _constraints(c, w, resources, names)
    active, probed = _status(c, w, resources, names, devices)
    cluster = Cluster(nodes, tuple(resources), tuple(constraints), options, devices, tuple(active), tuple(probed))
    events, nodes = _events(c, w, cluster)
    return replace(cluster, nodes=nodes, events=tuple(events))


def _node(c: Choices, name: str, utilization: bool) -> Node:
    attributes = tuple((k, pick(c, v)) for k, v in ATTRIBUTES.items() if c.chance(0.6))
    capacity = (("cpu", c.integer(1, 8)), ("memory", pick(c, (1024, 2048, 4096)))) if utilization else ()
    return Node(name, attributes, capacity)


def _primitive(c: Choices, w: Weights, ident: str, utilization: bool, fencing: bool, agent: str = "Dummy") -> Primitive:
    need = (("cpu", c.integer(0, 4)), ("memory", pick(c, (256, 512, 1024, 2048)))) if utilization else ()
    threshold = c.chance(w.thresholds)
    return Primitive(
        ident,
        agent=agent,
        stickiness=pick(c, (0, 50, 200)) if c.chance(w.stickiness) else None,
        migration_threshold=pick(c, (1, 2, 3)) if threshold else None,
        failure_timeout=pick(c, (60, 3600)) if threshold and c.chance(0.5) else None,
        allow_migrate=c.chance(w.migration),
        target_role="Stopped" if c.chance(w.target_role) else None,
        managed=not c.chance(w.unmanaged),
        priority=pick(c, (1, 10)) if c.chance(w.priority) else None,
        utilization=need,
        # on-fail=fence without fencing is a configuration error (unpack_operation)
        monitor_on_fail=pick(c, ("restart", "stop", "block", "ignore", "standby") + (("fence",) if fencing else ()))
        if c.chance(w.on_fail) else None,
    )


def _resource(c: Choices, w: Weights, index: int, utilization: bool, node_count: int, fencing: bool) -> Resource:
    if c.chance(w.clones):
        promotable = c.chance(w.promotable)
        agent = "Stateful" if promotable else "Dummy"
        if c.chance(w.groups / 2):
            child: Primitive | Group = Group(f"cg{index}", tuple(
                replace(_primitive(c, w, f"cg{index}m{j}", utilization, fencing, agent), target_role=None, managed=True)
                for j in range(1, c.integer(2, 3) + 1)))
        else:
            # is-managed=false on a clone's child leaves the clone's "running" pseudo-action
            # waiting for ever: crm_simulate's transition never completes
            child = replace(_primitive(c, w, f"c{index}", utilization, fencing, agent), target_role=None,
                            managed=True)
        unique = c.chance(w.unique)
        interleave = c.chance(0.4)
        return Clone(
            f"clone{index}",
            child,
            promotable=promotable,
            clone_max=c.integer(1, node_count + 1) if c.chance(0.3) else None,
            # interleave needs the same copies per node on both sides (pcmk__clone_apply_coloc_score)
            clone_node_max=2 if unique and not interleave and c.chance(0.5) else None,
            promoted_max=c.integer(1, 2) if promotable and c.chance(0.3) else None,
            interleave=interleave,
            unique=unique,
        )
    if c.chance(w.groups):
        members = tuple(_primitive(c, w, f"g{index}m{j}", utilization, fencing) for j in range(1, c.integer(2, 4) + 1))
        return Group(f"group{index}", members)
    return _primitive(c, w, f"rsc{index}", utilization, fencing)


def _constraints(c: Choices, w: Weights, resources: list[Resource], names: list[str]) -> list[Constraint]:
    out: list[Constraint] = []

    def ident(kind: str) -> str:
        return f"{kind}{len(out) + 1}"

    def role(r: Resource, roles: tuple[str, ...] = ("Promoted", "Unpromoted")) -> str | None:
        promotable = isinstance(r, Clone) and r.promotable
        return pick(c, roles) if promotable and c.chance(w.roles) else None

    for i, r in enumerate(resources):
        if c.chance(w.location):
            out.append(Location(ident("loc"), r.id, pick(c, names), pick(c, SCORES), role(r, ("Promoted",))))
        if c.chance(w.rules):
            attribute = pick(c, tuple(ATTRIBUTES))
            op = pick(c, ("eq", "ne", "defined", "not_defined"))
            value = None if op.endswith("defined") else pick(c, ATTRIBUTES[attribute])
            out.append(LocationRule(ident("rule"), r.id, pick(c, SCORES), attribute, op, value))
        if i and c.chance(w.colocation):
            other = resources[c.integer(0, i - 1)]
            colocation = Colocation(ident("col"), r.id, other.id, pick(c, SCORES), role(r), role(other))
            if _interleavable(r, other):
                out.append(colocation)
        if i and c.chance(w.order):
            other = resources[c.integer(0, i - 1)]
            kind = pick(c, ("Mandatory", "Mandatory", "Optional", "Serialize"))
            first_action = "promote" if isinstance(other, Clone) and other.promotable and c.chance(w.roles) else None
            symmetrical = False if c.chance(0.15) and kind != "Serialize" else None
            out.append(Order(ident("ord"), other.id, r.id, kind, symmetrical, first_action))
    if len(resources) >= 3 and c.chance(w.sets):
        chosen = sample(c, resources, c.integer(3, min(5, len(resources))))
        members = [r.id for r in chosen if all(_interleavable(r, o) and _interleavable(o, r) for o in chosen)]
        # Keep set orders acyclic against the pairwise ones: sets list resources in
        # configuration order too.
        members.sort(key=[r.id for r in resources].index)
        split = c.integer(1, max(1, len(members) - 1))
        sets = ((tuple(members[:split]), c.chance(0.7)), (tuple(members[split:]), c.chance(0.7)))
        colocate = c.chance(0.5)
        score, kind = pick(c, (INFINITY, 100, -INFINITY)), pick(c, ("Mandatory", "Optional"))
        if len(members) >= 2:
            out.append(ColocationSet(ident("cset"), score, sets) if colocate else OrderSet(ident("oset"), kind, sets))
    return out


def _interleavable(dependent: Resource, primary: Resource) -> bool:
    """Whether crm_simulate accepts colocating these: an interleaved clone needs the same
    copies per node as a clone it is colocated with (`pcmk__clone_apply_coloc_score`)."""
    if not (isinstance(dependent, Clone) and isinstance(primary, Clone)):
        return True
    if not (dependent.interleave or primary.interleave):
        return True
    return (dependent.clone_node_max or 1) == (primary.clone_node_max or 1)


def _copies(r: Resource, node_count: int) -> int:
    if not isinstance(r, Clone):
        return 1
    per_node = r.clone_node_max or 1
    return min(r.clone_max if r.clone_max is not None else node_count, node_count * per_node)


def _status(c: Choices, w: Weights, resources: list[Resource], names: list[str],
            devices: tuple[Fence, ...]) -> tuple[list[Active], list[tuple[str, str]]]:
    """What runs where now (a plausible earlier placement), and the probe history."""
    active: list[Active] = []
    for device in devices:
        if c.chance(0.8):
            active.append(Active(device.id, pick(c, names)))
    for r in resources:
        if not c.chance(0.75):
            continue  # not started yet: a fresh resource
        if isinstance(r, Clone):
            chosen = sample(c, names, c.integer(1, min(len(names), _copies(r, len(names)))))
            promoted_left = r.promoted_max or 1
            for instance, node in enumerate(chosen):
                promoted = r.promotable and promoted_left > 0 and c.chance(0.5)
                promoted_left -= promoted
                for p in primitives(r.child):
                    rsc = f"{p.id}:{instance}" if r.unique else p.id
                    active.append(Active(rsc, node, promoted))
        else:
            node = pick(c, names)
            members = primitives(r)
            running = c.integer(1, len(members)) if isinstance(r, Group) and c.chance(0.2) else len(members)
            active.extend(Active(p.id, node) for p in members[:running])
    probed = []
    if c.chance(w.probes):
        here = {(a.rsc.split(":")[0], a.node) for a in active}
        for r in resources:
            for p in primitives(r):
                if isinstance(r, Clone) and r.unique:
                    continue  # a unique clone's probes name instances; leave them to Pacemaker
                probed.extend((p.id, n) for n in names if (p.id, n) not in here and c.chance(0.8))
        for device in devices:
            probed.extend((device.id, n) for n in names if (device.id, n) not in here and c.chance(0.8))
    return active, probed


def _events(c: Choices, w: Weights, cluster: Cluster) -> tuple[list[Event], tuple[Node, ...]]:
    """Events since the last transition; a configured standby changes the nodes instead."""
    events: list[Event] = []
    names = [n.name for n in cluster.nodes]
    lost: set[str] = set()
    if c.chance(w.node_down):
        node = pick(c, names)
        lost.add(node)
        events.append(NodeLost(node, clean=c.chance(0.3)))
    up = [n for n in names if n not in lost]
    if c.chance(w.standby):
        if c.chance(0.5):
            events.append(NodeAttribute(pick(c, up), "standby", "on"))
        else:
            victim = c.integer(0, len(cluster.nodes) - 1)
            nodes = list(cluster.nodes)
            nodes[victim] = replace(nodes[victim], standby=True)
            cluster = replace(cluster, nodes=tuple(nodes))
    if c.chance(w.maintenance):
        events.append(NodeAttribute(pick(c, up), "maintenance", "true"))
    running = [a for a in cluster.active if a.node in up and not a.rsc.startswith("fence")]
    if running and c.chance(w.failures):
        for victim in sample(c, running, c.integer(1, 2)):
            operation = pick(c, ("monitor", "monitor", "monitor", "start", "stop"))
            rc = pick(c, (1, 7)) if operation == "monitor" else 1
            age = pick(c, (0, 0, 120, 7200))
            events.append(OpFailed(victim.rsc, victim.node, operation, rc, c.integer(1, 3), age))
    if c.chance(w.found_running):
        candidates = [(p.id, n) for r in cluster.resources if not isinstance(r, Clone)
                      for p in primitives(r) for n in up
                      if not any(a.rsc == p.id and a.node == n for a in cluster.active)]
        if candidates:
            rsc, node = pick(c, candidates)
            events.append(FoundRunning(rsc, node))
    return events, cluster.nodes


def clusters(weights: Weights = Weights()):  # type: ignore[no-untyped-def]
    """A hypothesis strategy of `Cluster`s (import hypothesis only when asked)."""
    from hypothesis import strategies as st

    @st.composite
    def strategy(draw: Callable) -> Cluster:
        return draw_cluster(HypothesisChoices(draw), weights)

    return strategy()


def seeded(seed: int, index: int, weights: Weights = Weights()) -> Cluster:
    """Cluster number ``index`` of the sample ``seed``: independent of the others, so a
    run with ``--clusters 100`` starts with the same clusters as one with 50."""
    return draw_cluster(RandomChoices(seed * 1_000_003 + index), weights)
