"""The what-if result as one stable JSON document (documented in docs/whatif.md)."""

from __future__ import annotations

from typing import Any

from placement.model import Role
from placement.planning import Plan
from placement.remote import guest_connections
from placement.state import State

ROLE_NAMES = {Role.STARTED: "Started", Role.PROMOTED: "Promoted", Role.UNPROMOTED: "Unpromoted"}


def plan_document(plan: Plan, after: State) -> dict[str, Any]:
    """``placement`` (active copies after the transition), ``stopped``, ``fenced``, ``actions``, ``waves``…"""
    active = {i.resource for i in after.instances}
    stats = plan.placement.stats
    return {
        "placement": [
            {"resource": i.resource if i.clone_instance is None else f"{i.resource}:{i.clone_instance}",
             "role": ROLE_NAMES[i.role], "node": i.node}
            for i in sorted(after.instances, key=lambda i: (i.resource, i.node))
        ] + [{"resource": guest, "role": "Started", "node": host, "connection": True}
             for guest, host in guest_connections(plan.config, after)],
        "stopped": sorted(rid for rid in plan.config.primitives if rid not in active),
        "fenced": list(plan.details.fenced),
        "unfenceable": list(plan.details.unfenceable),
        "actions": [item.as_json() for item in plan.details.summary],
        "waves": [[str(action) for action in wave] for wave in plan.waves],
        "critical_path": [str(action) for action in plan.details.critical_path],
        "reasons": {s.resource: s.reason for s in plan.placement.stopped},
        "blocked": [{"resource": b.resource, "node": b.node, "reason": b.reason} for b in plan.details.blocked],
        "objective": dict(plan.placement.objective),
        "optimal": plan.placement.optimal,
        "method": stats.method if stats else None,
    }
