"""What is true now: node status, where each resource runs and in which role, failures.

The state is the runtime's current truth (or a CIB's ``<status>``, or a what-if's
assumption). Like the configuration it is immutable; events produce a new state.
An empty `State` means a fresh cluster: every configured node online, nothing running.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from functools import cached_property

from placement.model import Role, _no_items, frozen_map


class NodeStatus(enum.Enum):
    """A node's membership as the planner sees it (SEMANTICS.md §2)."""

    ONLINE = "online"
    OFFLINE = "offline"  # cleanly down: nothing runs there
    UNCLEAN = "unclean"  # lost without a clean shutdown: must be fenced first
    FENCED = "fenced"  # fenced in this or an earlier transition: down and clean
    STANDBY = "standby"  # online, but may run nothing
    MAINTENANCE = "maintenance"  # online, resources left alone, nothing new

    @property
    def is_up(self) -> bool:
        """Member of the cluster (whether or not it may take resources)."""
        return self in (NodeStatus.ONLINE, NodeStatus.STANDBY, NodeStatus.MAINTENANCE)


@dataclass(frozen=True, slots=True)
class NodeState:
    """One node now. ``attributes`` are transient ones that override the configuration's."""

    status: NodeStatus = NodeStatus.ONLINE
    attributes: Mapping[str, str] = _no_items()
    shutdown: bool = False
    # An UNCLEAN node still in this partition's membership ("UNCLEAN (online)": a failed
    # stop, on-fail=fence, suicide): it can be fenced even without quorum (pe_can_fence).
    in_membership: bool = False
    # A node that is joining (STANDBY until it has joined): nothing can run there, not even
    # a probe, so a resource whose state there is unknown cannot start anywhere yet (its
    # start waits for that probe). ``probed`` names the primitives whose state there is known.
    pending: bool = False
    probed: frozenset[str] = frozenset()


ONLINE = NodeState()


@dataclass(frozen=True, slots=True)
class Instance:
    """One active copy of a primitive: where it runs and in which role.

    ``clone_instance`` is the clone instance number (``"0"`` in ``iscsi:0``) when the
    primitive is part of a clone and the source knew it; the planner does not need it.
    ``failed`` marks a copy whose last operation failed (it needs recovery);
    ``managed`` False marks one the cluster must leave alone.
    """

    resource: str
    node: str
    role: Role = Role.STARTED
    failed: bool = False
    managed: bool = True
    clone_instance: str | None = None


@dataclass(frozen=True, slots=True)
class FailCount:
    """Failures of ``resource`` on ``node`` (summed over operations), and when the last one was."""

    resource: str
    node: str
    count: int
    last_failure: int | None = None  # seconds since the epoch
    # The instance of a globally-unique clone the failures belong to (``web:1`` → "1"): each
    # instance is a resource of its own there. None: every copy (an anonymous clone's fail
    # count is the clone's, ``fail-count-web``).
    clone_instance: str | None = None


@dataclass(frozen=True, slots=True)
class FailedOperation:
    """A failed operation from the history, for display and on-fail handling."""

    resource: str
    node: str
    operation: str
    interval_ms: int = 0
    rc: int = 1
    reason: str = ""
    on_fail: str | None = None
    # The clone instance the history names (``web:1`` → "1"), as for `Instance`: a
    # globally-unique clone's failure bans that instance, not its siblings.
    clone_instance: str | None = None


@dataclass(frozen=True)
class State:
    """The cluster now. Nodes not in ``nodes`` are online with no transient attributes.

    ``nodes`` is in the order the source lists them (a CIB's status; a state file's, which
    its writer sorts by name): a tie-break of Pacemaker's follows that order.
    """

    nodes: Mapping[str, NodeState] = _no_items()
    instances: tuple[Instance, ...] = ()
    fail_counts: tuple[FailCount, ...] = ()
    failed_operations: tuple[FailedOperation, ...] = ()
    quorum: bool = True
    now: int | None = None  # seconds since the epoch, for failure-timeout; None = never expire
    dc: str | None = None
    source: str | None = field(default=None, compare=False)

    def node(self, name: str) -> NodeState:
        """The state of node ``name`` (online and plain if the state does not mention it)."""
        return self.nodes.get(name, ONLINE)

    def instances_of(self, resource: str) -> tuple[Instance, ...]:
        """Active copies of primitive ``resource``."""
        return self._instances_by_resource.get(resource, ())

    def fail_count(self, resource: str, node: str) -> int:
        """Summed fail count of ``resource`` on ``node`` (0 if none)."""
        return self._fail_counts_by_key.get((resource, node), 0)

    # Indexes built on first use: a 10,000-resource state is asked about each resource.
    # (cached_property writes the instance __dict__ directly, which a frozen dataclass allows.)
    @cached_property
    def _instances_by_resource(self) -> dict[str, tuple[Instance, ...]]:
        index: dict[str, list[Instance]] = {}
        for instance in self.instances:
            index.setdefault(instance.resource, []).append(instance)
        return {resource: tuple(copies) for resource, copies in index.items()}

    @cached_property
    def _fail_counts_by_key(self) -> dict[tuple[str, str], int]:
        index: dict[tuple[str, str], int] = {}
        for failure in self.fail_counts:
            key = (failure.resource, failure.node)
            index[key] = index.get(key, 0) + failure.count
        return index

    def with_node(self, name: str, node_state: NodeState) -> State:
        """A copy with node ``name`` replaced."""
        return replace(self, nodes=frozen_map({**self.nodes, name: node_state}))
