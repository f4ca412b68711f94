"""Shrink a disagreeing cluster to a minimal one that still disagrees the same way.

Delta debugging over the model (not over XML): try each smaller variant — a resource,
node, event, constraint or history entry removed, a group or clone simplified, a meta
attribute or option back to its default — and keep the first that still fails with the
same `Verdict.signature`; repeat until nothing can go. Every variant is a valid cluster
by construction (constraints naming what was removed go with it), and one crm_simulate
refuses is simply not kept.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import fields, replace

from bench.random_cib.model import (
    Active,
    Clone,
    Cluster,
    Colocation,
    ColocationSet,
    Constraint,
    Group,
    Location,
    LocationRule,
    NodeLost,
    OpFailed,
    Options,
    Order,
    OrderSet,
    Primitive,
    Resource,
    constraint_resources,
    primitives,
)


def _base(rsc: str) -> str:
    return rsc.split(":")[0]


def _without_ids(cluster: Cluster, gone: set[str]) -> Cluster:
    """``cluster`` minus every constraint, history entry and event naming an id in ``gone``."""

    def keep(c: Constraint) -> bool:
        return not (set(constraint_resources(c)) & gone)

    constraints = []
    for c in cluster.constraints:
        if isinstance(c, ColocationSet | OrderSet):
            sets = tuple((tuple(r for r in members if r not in gone), seq) for members, seq in c.sets)
            sets = tuple(s for s in sets if s[0])
            if sum(len(m) for m, _ in sets) >= 2:
                constraints.append(replace(c, sets=sets))
        elif keep(c):
            constraints.append(c)
    return replace(
        cluster,
        constraints=tuple(constraints),
        active=tuple(a for a in cluster.active if _base(a.rsc) not in gone),
        probed=tuple(p for p in cluster.probed if p[0] not in gone),
        events=tuple(e for e in cluster.events if _base(getattr(e, "rsc", "")) not in gone),
    )


def _ids(resource: Resource) -> set[str]:
    ids = {resource.id} | {p.id for p in primitives(resource)}
    if isinstance(resource, Clone):
        ids.add(resource.child.id)
    return ids


def _drop_resource(cluster: Cluster, index: int) -> Cluster:
    resource = cluster.resources[index]
    smaller = replace(cluster, resources=cluster.resources[:index] + cluster.resources[index + 1:])
    return _without_ids(smaller, _ids(resource))


def _drop_node(cluster: Cluster, index: int) -> Cluster:
    name = cluster.nodes[index].name
    return replace(
        cluster,
        nodes=cluster.nodes[:index] + cluster.nodes[index + 1:],
        constraints=tuple(c for c in cluster.constraints if not (isinstance(c, Location) and c.node == name)),
        active=tuple(a for a in cluster.active if a.node != name),
        probed=tuple(p for p in cluster.probed if p[1] != name),
        events=tuple(e for e in cluster.events if getattr(e, "node", None) != name),
        fencing=tuple(replace(d, hosts=tuple(h for h in d.hosts if h != name)) for d in cluster.fencing),
    )


def _rename(cluster: Cluster, old: str, new: str) -> Cluster:
    """Constraints naming ``old`` name ``new`` instead (a clone replaced by its child)."""

    def swap(value: str) -> str:
        return new if value == old else value

    constraints = []
    for c in cluster.constraints:
        if isinstance(c, Colocation):
            c = replace(c, rsc=swap(c.rsc), with_rsc=swap(c.with_rsc), rsc_role=None if c.rsc == old else c.rsc_role,
                        with_role=None if c.with_rsc == old else c.with_role)
        elif isinstance(c, Order):
            c = replace(c, first=swap(c.first), then=swap(c.then))
        elif isinstance(c, Location | LocationRule):
            c = replace(c, rsc=swap(c.rsc))
        else:
            c = replace(c, sets=tuple((tuple(swap(r) for r in m), s) for m, s in c.sets))
        constraints.append(c)
    return replace(cluster, constraints=tuple(constraints))


def _simpler_resources(resource: Resource) -> Iterator[Resource]:
    """Simpler variants of one resource with the same id set or fewer ids."""
    if isinstance(resource, Primitive):
        for f in fields(Primitive):
            if f.name in ("id", "agent"):
                continue
            default = f.default
            if getattr(resource, f.name) != default:
                yield replace(resource, **{f.name: default})
    elif isinstance(resource, Group):
        if resource.target_role:
            yield replace(resource, target_role=None)
        for i, member in enumerate(resource.members):
            for simpler in _simpler_resources(member):
                yield replace(resource, members=(*resource.members[:i], simpler, *resource.members[i + 1:]))
    else:
        for name in ("clone_max", "clone_node_max", "promoted_max"):
            if getattr(resource, name) is not None:
                yield replace(resource, **{name: None})
        if resource.interleave:
            yield replace(resource, interleave=False)
        if resource.unique:
            # an anonymous clone runs one copy per node (clone_unpack refuses more)
            yield replace(resource, unique=False, clone_node_max=None)
        for child in _simpler_resources(resource.child):
            yield replace(resource, child=child)


def candidates(cluster: Cluster) -> Iterator[Cluster]:
    """Smaller or simpler variants of ``cluster``, the biggest cuts first."""
    for i in range(len(cluster.resources)):
        yield _drop_resource(cluster, i)
    if len(cluster.nodes) > 1:
        for i in range(len(cluster.nodes)):
            yield _drop_node(cluster, i)
    for i in range(len(cluster.events)):
        yield replace(cluster, events=cluster.events[:i] + cluster.events[i + 1:])
    for i in range(len(cluster.constraints)):
        yield replace(cluster, constraints=cluster.constraints[:i] + cluster.constraints[i + 1:])
    if cluster.probed:
        yield replace(cluster, probed=())
        half = len(cluster.probed) // 2
        if half:
            yield replace(cluster, probed=cluster.probed[:half])
            yield replace(cluster, probed=cluster.probed[half:])
    for i, active in enumerate(cluster.active):
        events = tuple(e for e in cluster.events
                       if not (isinstance(e, OpFailed) and (e.rsc, e.node) == (active.rsc, active.node)))
        yield replace(cluster, active=cluster.active[:i] + cluster.active[i + 1:], events=events)
        if active.promoted:
            demoted = Active(active.rsc, active.node)
            yield replace(cluster, active=(*cluster.active[:i], demoted, *cluster.active[i + 1:]))
    for i, resource in enumerate(cluster.resources):
        if isinstance(resource, Group) and len(resource.members) > 1:
            for j, member in enumerate(resource.members):
                smaller = replace(resource, members=resource.members[:j] + resource.members[j + 1:])
                changed = replace(cluster, resources=(*cluster.resources[:i], smaller, *cluster.resources[i + 1:]))
                yield _without_ids(changed, {member.id})
        if isinstance(resource, Clone) and isinstance(resource.child, Primitive) and not resource.unique:
            child = replace(resource.child, agent="Dummy")
            plain = replace(cluster, resources=(*cluster.resources[:i], child, *cluster.resources[i + 1:]))
            # a plain primitive runs once: keep only its first copy's history
            copies = [a for a in plain.active if a.rsc == child.id]
            plain = replace(plain, active=tuple(a for a in plain.active if a.rsc != child.id or a is copies[0]))
            yield _rename(plain, resource.id, child.id) if not resource.promotable else _strip_roles(
                _rename(plain, resource.id, child.id))
        for simpler in _simpler_resources(resource):
            yield replace(cluster, resources=(*cluster.resources[:i], simpler, *cluster.resources[i + 1:]))
    for f in fields(Options):
        default = getattr(Options(), f.name)
        if getattr(cluster.options, f.name) != default:
            simpler = replace(cluster, options=replace(cluster.options, **{f.name: default}))
            if f.name == "stonith":
                simpler = _without_ids(replace(simpler, fencing=()), {d.id for d in cluster.fencing})
                simpler = _no_fence_on_fail(simpler)
            yield simpler
    for i, node in enumerate(cluster.nodes):
        for name, value in (("attributes", ()), ("capacity", ()), ("standby", False), ("maintenance", False)):
            if getattr(node, name) != value:
                nodes = (*cluster.nodes[:i], replace(node, **{name: value}), *cluster.nodes[i + 1:])
                yield replace(cluster, nodes=nodes)
    for i, device in enumerate(cluster.fencing):
        if device.hosts:
            yield replace(cluster, fencing=(*cluster.fencing[:i], replace(device, hosts=()), *cluster.fencing[i + 1:]))
    for i, event in enumerate(cluster.events):
        if isinstance(event, OpFailed) and (event.age or event.count != 1 or event.rc != 1):
            simpler = replace(event, age=0, count=1, rc=1)
            yield replace(cluster, events=(*cluster.events[:i], simpler, *cluster.events[i + 1:]))
        if isinstance(event, NodeLost) and event.clean:
            yield replace(cluster, events=(*cluster.events[:i], replace(event, clean=False), *cluster.events[i + 1:]))


def _strip_roles(cluster: Cluster) -> Cluster:
    """Without a promotable clone, constraints must not name roles or promote actions."""
    promotable = {r.id for r in cluster.resources if isinstance(r, Clone) and r.promotable}
    out = []
    for c in cluster.constraints:
        if isinstance(c, Colocation):
            c = replace(c, rsc_role=c.rsc_role if c.rsc in promotable else None,
                        with_role=c.with_role if c.with_rsc in promotable else None)
        elif isinstance(c, Order) and c.first not in promotable:
            c = replace(c, first_action=None)
        elif isinstance(c, Location) and c.rsc not in promotable:
            c = replace(c, role=None)
        out.append(c)
    return replace(cluster, constraints=tuple(out),
                   active=tuple(replace(a, promoted=False) if _base(a.rsc) not in _promotable_prims(cluster) else a
                                for a in cluster.active))


def _promotable_prims(cluster: Cluster) -> set[str]:
    return {p.id for r in cluster.resources if isinstance(r, Clone) and r.promotable for p in primitives(r)}


def _no_fence_on_fail(cluster: Cluster) -> Cluster:
    def fix(p: Primitive) -> Primitive:
        return replace(p, monitor_on_fail=None) if p.monitor_on_fail == "fence" else p

    def walk(r: Resource) -> Resource:
        if isinstance(r, Primitive):
            return fix(r)
        if isinstance(r, Group):
            return replace(r, members=tuple(fix(m) for m in r.members))
        return replace(r, child=walk(r.child))

    return replace(cluster, resources=tuple(walk(r) for r in cluster.resources))


def size(cluster: Cluster) -> int:
    """How big a cluster is (what shrinking lowers), for reports."""
    return (len(cluster.nodes) + sum(len(primitives(r)) for r in cluster.resources) + len(cluster.constraints)
            + len(cluster.events) + len(cluster.active) + len(cluster.probed))


def shrink(cluster: Cluster, still_fails: Callable[[Cluster], bool], budget: int = 300) -> tuple[Cluster, int]:
    """The smallest variant found that ``still_fails``, and how many variants were tried.

    After a variant is kept the pass goes on from the same position in the new
    cluster's candidates (the earlier ones were just refused and mostly still would
    be); a final full pass with nothing kept ends it.
    """
    tried, start = 0, 0
    seen: set[Cluster] = {cluster}
    while tried < budget:
        kept = False
        options = list(candidates(cluster))
        for position in range(start, len(options)):
            candidate = options[position]
            if candidate in seen:
                continue
            seen.add(candidate)
            tried += 1
            if still_fails(candidate):
                cluster, start, kept = candidate, position, True
                break
            if tried >= budget:
                break
        if not kept:
            if start == 0:
                break
            start = 0
    return cluster, tried

