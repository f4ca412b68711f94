"""The feature families a cluster uses: the vocabulary of disagreement causes.

A disagreement is classified by the features of its *shrunk* cluster (`shrink`): what is
left once nothing more can be removed is what the disagreement needs.
"""

from __future__ import annotations

from bench.random_cib.model import (
    INFINITY,
    Clone,
    Cluster,
    Colocation,
    ColocationSet,
    FoundRunning,
    Group,
    Location,
    LocationRule,
    NodeAttribute,
    NodeLost,
    OpFailed,
    Order,
    OrderSet,
    all_primitives,
)


def features(cluster: Cluster) -> frozenset[str]:
    found: set[str] = set()
    o = cluster.options
    for resource in cluster.resources:
        if isinstance(resource, Group):
            found.add("group")
        if isinstance(resource, Clone):
            found.add("promotable" if resource.promotable else "clone")
            if isinstance(resource.child, Group):
                found.add("cloned-group")
            if resource.unique:
                found.add("unique-clone")
            if resource.clone_max is not None or resource.clone_node_max is not None:
                found.add("clone-max")
            if resource.interleave:
                found.add("interleave")
        if getattr(resource, "target_role", None):
            found.add("target-role")
    for p in all_primitives(cluster):
        if p.stickiness is not None:
            found.add("stickiness")
        if p.migration_threshold is not None:
            found.add("migration-threshold")
        if p.failure_timeout is not None:
            found.add("failure-timeout")
        if p.allow_migrate:
            found.add("allow-migrate")
        if p.target_role:
            found.add("target-role")
        if not p.managed:
            found.add("unmanaged")
        if p.priority is not None:
            found.add("priority")
        if p.monitor_on_fail:
            found.add(f"on-fail={p.monitor_on_fail}")
    for c in cluster.constraints:
        if isinstance(c, Location):
            found.add("location-inf" if abs(c.score) >= INFINITY else "location")
            if c.role:
                found.add("location-role")
        elif isinstance(c, LocationRule):
            found.add("location-rule")
        elif isinstance(c, Colocation):
            found.add("colocation-inf" if abs(c.score) >= INFINITY else "colocation-finite")
            if c.rsc_role or c.with_role:
                found.add("colocation-role")
        elif isinstance(c, Order):
            found.add(f"order-{c.kind.lower()}")
            if c.symmetrical is False:
                found.add("order-asymmetric")
            if c.first_action:
                found.add("order-action")
        elif isinstance(c, ColocationSet):
            found.add("colocation-set")
        elif isinstance(c, OrderSet):
            found.add("order-set")
    if o.stonith:
        found.add("fencing")
    if not o.have_quorum:
        found.add(f"no-quorum={o.no_quorum_policy}")
    if not o.symmetric:
        found.add("asymmetric")
    if o.placement_strategy != "default":
        found.add(f"utilization={o.placement_strategy}")
    if o.stickiness:
        found.add("stickiness")
    if not o.start_failure_is_fatal:
        found.add("start-failure-not-fatal")
    if any(n.standby for n in cluster.nodes):
        found.add("standby")
    if any(n.maintenance for n in cluster.nodes):
        found.add("maintenance")
    if cluster.probed:
        found.add("probes")
    if cluster.active:
        found.add("running")
    for event in cluster.events:
        if isinstance(event, NodeLost):
            found.add("node-left" if event.clean else "node-lost")
        elif isinstance(event, OpFailed):
            found.add(f"failed-{event.operation}")
            if event.age:
                found.add("failure-age")
        elif isinstance(event, NodeAttribute):
            found.add(event.name)
        elif isinstance(event, FoundRunning):
            found.add("found-running")
    return frozenset(found)
