"""Remote and guest nodes: which resource brings each one up (SEMANTICS.md §2 "Remote nodes").

A remote node (`NodeKind.REMOTE`) is reachable while its connection resource — an
``ocf:pacemaker:remote`` primitive — runs on a cluster node; a guest node
(`NodeKind.GUEST`) while the resource that runs the VM or container does. In both cases
the node's ``via`` names that resource. These are the questions every layer asks (the
solver's availability, its bans, the transition's fencing), answered once here.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from placement.model import Agent, Config, Node, NodeKind, Role
from placement.state import NodeStatus, State
from placement.target import Placement

if TYPE_CHECKING:
    from placement.transition.changes import Change

REMOTE_AGENT = Agent("ocf", "pacemaker", "remote")


def is_connection_agent(agent: Agent) -> bool:
    """``ocf:pacemaker:remote``, the agent of a remote node's connection."""
    return agent == REMOTE_AGENT


def is_hosted(node: Node) -> bool:
    """A remote or guest node: up only through another resource."""
    return node.kind is not NodeKind.CLUSTER


def hosted_nodes(config: Config) -> dict[str, str | None]:
    """Every remote and guest node → the resource that brings it up (None: none configured)."""
    return {name: node.via for name, node in config.nodes.items() if node.kind is not NodeKind.CLUSTER}


def hosting_resources(config: Config) -> dict[str, list[str]]:
    """Connection and container resources → the remote/guest nodes each brings up."""
    found: dict[str, list[str]] = {}
    for name, node in config.nodes.items():
        if node.kind is not NodeKind.CLUSTER and node.via is not None:
            found.setdefault(node.via, []).append(name)
    return found


def guest_nodes_of(config: Config, container: str) -> list[str]:
    """The guest nodes ``container`` runs."""
    return [n for n, node in config.nodes.items() if node.kind is NodeKind.GUEST and node.via == container]


def must_avoid_hosted_nodes(config: Config, primitive: str) -> bool:
    """Whether ``primitive`` may never run on a remote or guest node.

    compat(pacemaker): ``pcmk__primitive_internal_constraints`` bans connections and fence
    devices from every Pacemaker Remote node (``rsc_avoids_remote_nodes``), and a guest's
    container too, so that guests never nest.
    """
    item = config.primitives.get(primitive)
    if item is None:
        return False
    return item.agent.is_fencing or is_connection_agent(item.agent) or primitive in hosting_resources(config)


def guest_connections(config: Config, state: State) -> list[tuple[str, str]]:
    """(guest node, host) for every guest whose container runs: its implicit connection's place.

    compat(pacemaker): a guest node's connection is an implicit ``ocf:pacemaker:remote``
    resource named after the guest, colocated with the container (``expand_remote_rsc_meta``);
    crm_mon lists it as a resource. placement does not model it as one: it is wherever the
    container is, so the reports derive it.
    """
    found = []
    for name, node in config.nodes.items():
        if node.kind is NodeKind.GUEST and node.via is not None:
            found.extend((name, instance.node) for instance in state.instances_of(node.via))
    return found


def unrecoverable(config: Config, state: State, target: Placement) -> list[str]:
    """Remote nodes that must be fenced because their connection will not be re-established.

    compat(pacemaker): ``get_remote_node_state`` is "failed" when the connection will run
    nowhere and either its host is lost or the connection itself failed; resources active
    on such a node cannot be stopped through it, so the node is fenced ("resources are
    active but connection is unrecoverable", ``apply_remote_ordering``).
    """
    found = []
    for name, node in config.nodes.items():
        if node.kind is not NodeKind.REMOTE or node.via is None or state.node(name).status is NodeStatus.UNCLEAN:
            continue
        if target.assignments_of(node.via) or not any(i.node == name and i.managed for i in state.instances):
            continue
        connection = state.instances_of(node.via)
        lost = any(state.node(i.node).status is NodeStatus.UNCLEAN for i in connection)
        if lost or any(i.failed for i in connection):
            found.append(name)
    return found


def fence_unrecoverable(config: Config, state: State, target: Placement) -> State:
    """``state`` with the `unrecoverable` remote nodes unclean, so the transition fences them."""
    for name in unrecoverable(config, state, target):
        state = state.with_node(name, replace(state.node(name), status=NodeStatus.UNCLEAN))
    return state


def guest_resets(config: Config, state: State, fenced: tuple[str, ...]) -> set[str]:
    """The fenced guests and, for those where something ran, their containers: recovered.

    compat(pacemaker): fencing a guest stops what runs there, which starts again after its
    container; the container itself is marked failed (recovered, not merely moved) only when
    resources were active on the guest (``pe_fence_node`` from ``process_rsc_state``).
    """
    found: set[str] = set()
    for name in fenced:
        node = config.nodes.get(name)
        if node is not None and node.kind is NodeKind.GUEST and node.via is not None:
            found.add(name)
            if any(i.node == name for i in state.instances):
                found.add(node.via)
    return found


def allows_migration(config: Config, rid: str, effective: bool) -> bool:
    """``allow-migrate``, which defaults to true for a remote node's connection.

    compat(pacemaker): ``common_unpack`` lets connections float between cluster nodes without
    stopping what runs on their remote node, unless allow-migrate is set (to false).
    """
    item = config.primitives.get(rid)
    if item is None or not is_connection_agent(item.agent):
        return effective
    configured = item.meta.allow_migrate
    if configured is None:
        configured = config.resource_defaults.allow_migrate
    return True if configured is None else configured


def connection_changes(config: Config, changes: list[Change]) -> list[Change]:
    """What happens to each guest's implicit connection: it follows its container.

    compat(pacemaker): crm_simulate lists the guest's connection resource on its own line:
    started, stopped, moved or migrated with the container, and restarted when the
    container is recovered in place ("due to required <container> start").
    """
    from placement.transition.changes import Change, ChangeKind  # the transition imports this module

    guests = {node.via: name for name, node in config.nodes.items() if node.kind is NodeKind.GUEST}
    found = []
    for change in changes:
        guest = guests.get(change.resource)
        if guest is None:
            continue
        kind, reason = change.kind, ""
        if kind in (ChangeKind.RECOVER, ChangeKind.RESTART):
            if change.source == change.target:
                kind, reason = ChangeKind.RESTART, f"due to required {change.resource} start"
            else:
                kind = ChangeKind.MOVE
        if kind in (ChangeKind.PROMOTE, ChangeKind.DEMOTE):
            continue
        before = Role.STARTED if change.source else Role.STOPPED
        after = Role.STARTED if change.target else Role.STOPPED
        found.append(Change(kind, guest, change.source, change.target, before, after, reason=reason))
    return found


def with_lost_guests(config: Config, state: State) -> State:
    """``state`` with every guest whose container runs on an unclean node unclean too.

    compat(pacemaker): ``determine_remote_online_status`` — "Guest node UNCLEAN because host
    is unclean": a guest goes down with its host, and is fenced (its container recovered)
    once the host is.
    """
    for name, node in config.nodes.items():
        if node.kind is not NodeKind.GUEST or node.via is None or state.node(name).status is NodeStatus.UNCLEAN:
            continue
        if any(state.node(i.node).status is NodeStatus.UNCLEAN for i in state.instances_of(node.via)):
            state = state.with_node(name, replace(state.node(name), status=NodeStatus.UNCLEAN))
    return state
