"""What the controller believes about the cluster, and the `State` the planner gets from it.

The belief is built from probes, action results, monitor events and heartbeats,
journalled after every change so a restarted controller starts from it. It is
deliberately cautious: a copy is believed active on a node until a stop succeeds
there, a probe says it is not running, or the node has been fenced — never
merely because the node went silent.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

from placement.model import Config, Role, frozen_map
from placement.score import INFINITY
from placement.state import FailCount, FailedOperation, Instance, NodeState, NodeStatus, State


class Membership(enum.Enum):
    """A node as the controller sees it."""

    UNKNOWN = "unknown"  # not heard from yet (start-up grace)
    ONLINE = "online"  # heartbeats arrive
    UNCLEAN = "unclean"  # lost, frozen, or a stop failed there: must be fenced
    FENCED = "fenced"  # fenced; down and clean until its agent comes back with a new boot id


@dataclass
class NodeView:
    """One node's membership and the agent boot we know it by."""

    membership: Membership = Membership.UNKNOWN
    boot_id: str | None = None  # the agent boot we last probed (or fenced)
    reason: str = ""


@dataclass
class Belief:
    """The controller's mutable picture; ``to_state`` freezes it for the planner."""

    nodes: dict[str, NodeView] = field(default_factory=dict)
    # (resource, node, clone_instance) → the copy believed active there
    instances: dict[tuple[str, str, str | None], Instance] = field(default_factory=dict)
    # (resource, node) → (count, last failure time)
    fail_counts: dict[tuple[str, str], tuple[int, int]] = field(default_factory=dict)
    failed_operations: list[FailedOperation] = field(default_factory=list)

    # ------------------------------------------------------------------ changes

    def node(self, name: str) -> NodeView:
        return self.nodes.setdefault(name, NodeView())

    def set_instance(self, instance: Instance) -> None:
        self.instances[(instance.resource, instance.node, instance.clone_instance)] = instance

    def drop_instance(self, resource: str, node: str, clone_instance: str | None) -> None:
        self.instances.pop((resource, node, clone_instance), None)
        if clone_instance is not None:  # a probe may have recorded the copy without its number
            self.instances.pop((resource, node, None), None)

    def forget_node_instances(self, node: str) -> None:
        """Fencing or a fresh probe: nothing of the old picture of ``node`` holds."""
        for key in [k for k in self.instances if k[1] == node]:
            del self.instances[key]

    def record_failure(self, resource: str, node: str, now: int, fatal: bool = False) -> int:
        """Count a failure (INFINITY when ``fatal``); returns the new count."""
        count, _ = self.fail_counts.get((resource, node), (0, now))
        count = INFINITY if fatal else min(INFINITY, count + 1)
        self.fail_counts[(resource, node)] = (count, now)
        return count

    def active_nodes(self, resource: str) -> list[str]:
        return sorted({node for (rid, node, _) in self.instances if rid == resource})

    # ------------------------------------------------------------------ the planner's view

    def to_state(self, config: Config, now: int) -> State:
        """The `State` to plan from. A node not heard from yet is offline: nothing is placed there."""
        statuses = {
            Membership.UNKNOWN: NodeStatus.OFFLINE,
            Membership.ONLINE: NodeStatus.ONLINE,
            Membership.UNCLEAN: NodeStatus.UNCLEAN,
            Membership.FENCED: NodeStatus.FENCED,
        }
        nodes = {}
        for name in config.nodes:
            view = self.nodes.get(name, NodeView())
            nodes[name] = NodeState(status=statuses[view.membership])
        known = set(config.nodes)
        instances = tuple(
            sorted(
                (i for i in self.instances.values() if i.node in known and i.resource in config.resources),
                key=lambda i: (i.resource, i.node, i.clone_instance or ""),
            )
        )
        fail_counts = tuple(
            FailCount(resource, node, count, last)
            for (resource, node), (count, last) in sorted(self.fail_counts.items())
            if count > 0
        )
        return State(
            nodes=frozen_map(nodes),
            instances=instances,
            fail_counts=fail_counts,
            failed_operations=tuple(self.failed_operations[-50:]),
            now=now,
        )

    # ------------------------------------------------------------------ journal form

    def to_json(self) -> dict:
        return {
            "nodes": {
                name: {"membership": v.membership.value, "boot_id": v.boot_id, "reason": v.reason}
                for name, v in sorted(self.nodes.items())
            },
            "instances": [
                {
                    "resource": i.resource,
                    "node": i.node,
                    "role": i.role.value,
                    "failed": i.failed,
                    "clone_instance": i.clone_instance,
                }
                for _, i in sorted(self.instances.items(), key=lambda kv: (kv[0][0], kv[0][1], kv[0][2] or ""))
            ],
            "fail_counts": [
                {"resource": r, "node": n, "count": c, "last": t} for (r, n), (c, t) in sorted(self.fail_counts.items())
            ],
        }

    @classmethod
    def from_json(cls, data: dict) -> Belief:
        belief = cls()
        for name, view in data.get("nodes", {}).items():
            belief.nodes[name] = NodeView(Membership(view["membership"]), view.get("boot_id"), view.get("reason", ""))
        for item in data.get("instances", []):
            belief.set_instance(
                Instance(
                    item["resource"],
                    item["node"],
                    Role(item["role"]),
                    bool(item["failed"]),
                    clone_instance=item.get("clone_instance"),
                )
            )
        for item in data.get("fail_counts", []):
            belief.fail_counts[(item["resource"], item["node"])] = (int(item["count"]), int(item["last"]))
        return belief
