"""What changes for each resource copy between the current state and the target placement.

A `Change` is one line of the transition summary people know from ``crm_simulate``:
``Move xray ( charlie -> alice )``, ``Recover db:0 ( bob )``, ``Restart web ( alice )``.
The graph builder turns each change into actions; the summary prints them.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, replace

from placement.hierarchy import Hierarchy
from placement.model import Config, Role
from placement.remote import allows_migration, guest_resets
from placement.solve.availability import can_fence
from placement.state import Instance, NodeStatus, State
from placement.target import Assignment, Placement


class ChangeKind(enum.Enum):
    """The summary verbs of SEMANTICS.md §12.1."""

    START = "start"
    STOP = "stop"
    MOVE = "move"
    MIGRATE = "migrate"
    RECOVER = "recover"
    RESTART = "restart"
    PROMOTE = "promote"
    DEMOTE = "demote"


@dataclass(frozen=True, slots=True)
class Change:
    """One copy of a primitive changes: from ``source`` (None if stopped) to ``target`` (None if stopping)."""

    kind: ChangeKind
    resource: str
    source: str | None
    target: str | None
    from_role: Role = Role.STOPPED
    to_role: Role = Role.STOPPED
    clone_instance: str | None = None
    reason: str = ""

    @property
    def instance_name(self) -> str:
        """``iscsi:2`` for a clone copy, else the primitive's id."""
        return self.resource if self.clone_instance is None else f"{self.resource}:{self.clone_instance}"


@dataclass(frozen=True, slots=True)
class Blocked:
    """A copy that should change but cannot (its node is unclean and cannot be fenced)."""

    resource: str
    node: str
    reason: str


def nodes_to_fence(config: Config, state: State) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Unclean nodes that will be fenced, and those that cannot be (both sorted)."""
    unclean = sorted(n for n, s in state.nodes.items() if s.status is NodeStatus.UNCLEAN and n in config.nodes)
    fenceable = tuple(n for n in unclean if can_fence(config, state, n))
    return fenceable, tuple(n for n in unclean if n not in fenceable)


def compute_changes(config: Config, state: State, placement: Placement) -> tuple[list[Change], list[Blocked]]:
    """Every change from ``state`` to ``placement``, primitive by primitive in configuration order."""
    hierarchy = Hierarchy(config)
    fenced, unfenceable = nodes_to_fence(config, state)
    changes: list[Change] = []
    blocked: list[Blocked] = []
    reset = guest_resets(config, state, fenced)
    for rid in config.primitives:
        current = list(state.instances_of(rid))
        if reset:
            current = [replace(i, failed=True) if i.node in reset or rid in reset else i for i in current]
        target = list(placement.assignments_of(rid))
        clone = hierarchy.clone_of(rid)
        unique = clone is not None and clone.globally_unique
        if _unchanged(current, target, unique) and not any(i.node in unfenceable for i in current):
            continue  # the common case in a large cluster: nothing to compare further
        meta = hierarchy.effective_meta(rid)
        if not meta.managed or meta.maintenance or config.cluster.maintenance:
            continue
        # Copies left alone (unmanaged, or on a node in maintenance) are neither touched nor
        # counted. A globally-unique clone's other instances may still start beside one
        # (a failed stop bans only the instance that failed), so there a copy is its instance.
        alone = {
            (i.node, i.clone_instance if unique else None)
            for i in current
            if not i.managed or not _node_managed(config, state, i.node)
        }
        current = [i for i in current if (i.node, i.clone_instance if unique else None) not in alone]
        target = [a for a in target if (a.node, a.clone_instance if unique else None) not in alone]
        promotable = clone is not None and clone.promotable
        for instance in current:
            if instance.node in unfenceable:
                # It may still run there: it can be neither stopped nor recovered elsewhere.
                blocked.append(Blocked(rid, instance.node, f"{instance.node} is unclean and cannot be fenced"))
        for change in _diff(rid, current, target, allows_migration(config, rid, meta.allow_migrate or False),
                            promotable, unique):
            if change.source in unfenceable:
                continue
            if change.source in fenced and change.kind is ChangeKind.MIGRATE:
                change = Change(ChangeKind.MOVE, *_fields_after_kind(change))
            changes.append(change)
    return changes, blocked


def _unchanged(current: list[Instance], target: list[Assignment], unique: bool = False) -> bool:
    """Same nodes and roles now and in the target (and instances, for a unique clone), nothing failed."""
    if len(current) != len(target) or any(i.failed for i in current):
        return False
    if unique:
        return sorted((i.node, i.role.value, i.clone_instance or "") for i in current) == sorted(
            (a.node, a.role.value, a.clone_instance or "") for a in target
        )
    return sorted((i.node, i.role.value) for i in current) == sorted((a.node, a.role.value) for a in target)


def _fields_after_kind(change: Change) -> tuple:
    return (change.resource, change.source, change.target, change.from_role, change.to_role,
            change.clone_instance, change.reason)


def _node_managed(config: Config, state: State, node: str) -> bool:
    """Resources on a node in maintenance are left alone (SEMANTICS.md §2)."""
    configured = config.nodes.get(node)
    return state.node(node).status is not NodeStatus.MAINTENANCE and not (configured and configured.maintenance)


def _diff(rid: str, current: list[Instance], target: list[Assignment], allow_migrate: bool,
          promotable: bool, unique: bool = False) -> list[Change]:
    """Changes for one primitive: copies that stay, move, stop and start.

    A globally-unique clone's instances are resources of their own, so a copy matches
    only the same instance: on its node (it stays), then elsewhere (``c3:1`` leaving node3
    for node4 is a move of ``c3:1``, not a recovery of whatever instance lands on node3).
    The target's numbers are kept even where another instance runs now: an instance may be
    banned where another may go (its own fail count), and the graph stops the one leaving
    before the other starts. An anonymous clone's copies match by node only.
    """
    changes: list[Change] = []
    remaining = list(target)
    leaving: list[Instance] = []

    def same(instance: Instance, assignment: Assignment) -> bool:
        return assignment.node == instance.node and (
            not unique or assignment.clone_instance in (None, instance.clone_instance)
        )

    for instance in sorted(current, key=lambda i: (i.node, i.clone_instance or "")):
        match = next((a for a in remaining if same(instance, a)), None)
        if match is None:
            leaving.append(instance)
            continue
        remaining.remove(match)
        changes.extend(_in_place(rid, instance, match))
    arriving = sorted(remaining, key=lambda a: (a.clone_instance or "", a.node))
    pairs = list(zip(leaving, arriving, strict=False))
    if unique:  # each leaving instance goes where the same instance arrives, if anywhere
        pairs = []
        for instance in list(leaving):
            assignment = next((a for a in arriving if a.clone_instance == instance.clone_instance), None)
            if assignment is not None:
                pairs.append((instance, assignment))
        for instance, assignment in pairs:
            leaving.remove(instance)
            arriving.remove(assignment)
        leaving, arriving = [i for i, _ in pairs] + leaving, [a for _, a in pairs] + arriving
    for instance, assignment in pairs:
        number = assignment.clone_instance if assignment.clone_instance is not None else instance.clone_instance
        if instance.failed:
            kind = ChangeKind.RECOVER
        elif (allow_migrate and not promotable and instance.role is Role.STARTED
              and assignment.role is Role.STARTED):
            kind = ChangeKind.MIGRATE
        else:
            kind = ChangeKind.MOVE
        changes.append(Change(kind, rid, instance.node, assignment.node, instance.role, assignment.role, number))
    for instance in leaving[len(pairs):]:
        changes.append(Change(ChangeKind.STOP, rid, instance.node, None, instance.role, Role.STOPPED,
                              instance.clone_instance))
    for assignment in arriving[len(pairs):]:
        start_role = assignment.role if assignment.role is not Role.STARTED or not promotable else Role.UNPROMOTED
        changes.append(Change(ChangeKind.START, rid, None, assignment.node, Role.STOPPED, start_role,
                              assignment.clone_instance))
    return changes


def _in_place(rid: str, instance: Instance, match: Assignment) -> list[Change]:
    """A copy that stays on its node: recovered if it failed, promoted or demoted to the target's role."""
    number = instance.clone_instance if instance.clone_instance is not None else match.clone_instance
    if instance.failed:
        return [Change(ChangeKind.RECOVER, rid, instance.node, instance.node, instance.role, match.role, number,
                       "failed")]
    if _rank(instance.role) < _rank(match.role):
        return [Change(ChangeKind.PROMOTE, rid, instance.node, instance.node, instance.role, match.role, number)]
    if _rank(instance.role) > _rank(match.role):
        return [Change(ChangeKind.DEMOTE, rid, instance.node, instance.node, instance.role, match.role, number)]
    return []


def _rank(role: Role) -> int:
    return {Role.STOPPED: 0, Role.STARTED: 1, Role.UNPROMOTED: 1, Role.PROMOTED: 2}[role]
