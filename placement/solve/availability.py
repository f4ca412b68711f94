"""Which nodes may take resources, which can be fenced, and what quorum allows (SEMANTICS.md §2, §10).

Pure functions of the configuration and the state; the solver, the greedy reference and
the transition builder all ask the same questions here.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from placement.model import Config, NodeKind, NoQuorumPolicy
from placement.state import NodeStatus, State

# Reasons are constants so explanations and tests name them the same way.
OFFLINE = "is offline"
UNCLEAN = "is unclean (lost, not yet fenced)"
FENCED = "was fenced and is down"
STANDBY = "is in standby"
MAINTENANCE = "is in maintenance"
SHUTTING_DOWN = "is shutting down"
UNKNOWN_NODE = "is not a configured node"
NO_CONNECTION = "is a remote node without a connection resource"


def unavailable_reason(config: Config, state: State, node: str) -> str | None:
    """Why ``node`` may not take resources now, or ``None`` if it may (§2 ``pcmk__node_available``).

    Standby and maintenance come from the configuration or the state, whichever says so.

    >>> from placement.model import Node, frozen_map
    >>> config = Config(nodes=frozen_map({"alice": Node("alice", standby=True), "bob": Node("bob")}))
    >>> unavailable_reason(config, State(), "alice"), unavailable_reason(config, State(), "bob")
    ('is in standby', None)
    """
    configured = config.nodes.get(node)
    if configured is None:
        return UNKNOWN_NODE
    now = state.node(node)
    if configured.kind is not NodeKind.CLUSTER:
        # A remote or guest node comes up when its connection (container) runs: the solver
        # ties that to its placement (`placement.solve.hosting`), so "down" is not a reason.
        if configured.via is None:
            return NO_CONNECTION
        if now.status is NodeStatus.OFFLINE or (
            configured.kind is NodeKind.GUEST and now.status in (NodeStatus.UNCLEAN, NodeStatus.FENCED)
        ):
            # compat(pacemaker): a guest is "fenced" by recovering its container, and may run
            # resources again in the same transition (pe_fence_node leaves it clean).
            now = replace(now, status=NodeStatus.ONLINE)
    by_status = {
        NodeStatus.OFFLINE: OFFLINE,
        NodeStatus.UNCLEAN: UNCLEAN,
        NodeStatus.FENCED: FENCED,
        NodeStatus.STANDBY: STANDBY,
        NodeStatus.MAINTENANCE: MAINTENANCE,
    }
    if now.status in by_status:
        return by_status[now.status]
    if configured.standby:
        return STANDBY
    if configured.maintenance:
        return MAINTENANCE
    if now.shutdown:
        return SHUTTING_DOWN
    return None


def available_nodes(config: Config, state: State) -> tuple[str, ...]:
    """Configured nodes that may take resources now, in configuration order."""
    return tuple(name for name in config.nodes if unavailable_reason(config, state, name) is None)


def fence_devices(config: Config) -> tuple[str, ...]:
    """Primitives of class ``stonith``, in configuration order."""
    return tuple(rid for rid, p in config.primitives.items() if p.agent.is_fencing)


def can_fence(config: Config, state: State, node: str) -> bool:
    """Whether ``node`` can be fenced now (SEMANTICS.md §10 ``pe_can_fence``).

    Fencing must be enabled, the partition must have quorum (or ignore its loss, or the node
    must still be in its membership: an unclean node that is online), and some
    fence device must be able to target ``node`` (its ``fences`` list is empty or names it).
    compat(pacemaker): like the scheduler, this does not ask whether the device runs or
    could run somewhere — fencing is done by the fencer, not as a resource action. If the
    fence then fails, the runtime keeps retrying and recovers nothing (fencing first).

    >>> from placement.model import Agent, Node, Primitive, frozen_map
    >>> nodes = frozen_map({"alice": Node("alice"), "bob": Node("bob")})
    >>> ipmi = Primitive("ipmi-bob", Agent.parse("stonith:fence_ipmilan"), fences=("bob",))
    >>> config = Config(nodes=nodes, resources=frozen_map({"ipmi-bob": ipmi}))
    >>> can_fence(config, State(), "bob"), can_fence(config, State(), "alice")
    (True, False)
    """
    configured = config.nodes.get(node)
    if configured is not None and configured.kind is NodeKind.GUEST:
        # compat(pacemaker): a guest is fenced by stopping its container, which needs no
        # device: possible while the container's host is up or can itself be fenced.
        hosts = [i.node for i in state.instances_of(configured.via or "")]
        return all(state.node(h).status.is_up or (h != node and can_fence(config, state, h)) for h in hosts)
    if not config.cluster.fencing:
        return False
    # compat(pacemaker): without quorum a node still in our membership can be fenced
    # ("We can fence X without quorum because they're in our membership").
    inquorate = not state.quorum and config.cluster.no_quorum is not NoQuorumPolicy.IGNORE
    if inquorate and not state.node(node).in_membership:
        return False
    if configured is not None and configured.kind is NodeKind.REMOTE:
        # compat(pacemaker): a remote node is fenced through the cluster's devices, whose host
        # lists name cluster nodes; pe_can_fence only asks that a device exists.
        return bool(fence_devices(config))
    return any(not config.primitives[device].fences or node in config.primitives[device].fences
               for device in fence_devices(config))


@dataclass(frozen=True, slots=True)
class QuorumEffect:
    """What the quorum situation allows: may inactive resources start, may running ones stay."""

    may_start: bool  # inactive resources (that require quorum) may start
    may_keep: bool  # active resources (that require quorum) may keep running (and move)
    may_promote: bool
    reason: str | None = None
    # compat(pacemaker): effective_quorum_policy — with no-quorum-policy=demote a promotable
    # copy that runs now is treated as if quorate (it may keep running or recover), but
    # capped at Unpromoted; everything else stops as with "stop".
    keeps_promotable: bool = False


def quorum_effect(config: Config, state: State) -> QuorumEffect:
    """The no-quorum-policy applied to this state (SEMANTICS.md §2 "Quorum").

    >>> from placement.model import ClusterOptions
    >>> effect = quorum_effect(Config(cluster=ClusterOptions(no_quorum=NoQuorumPolicy.FREEZE)), State(quorum=False))
    >>> effect.may_start, effect.may_keep, effect.may_promote, effect.keeps_promotable, effect.reason
    (False, True, False, False, 'no quorum (policy freeze)')
    """
    if state.quorum:
        return QuorumEffect(True, True, True)
    policy = config.cluster.no_quorum
    if policy is NoQuorumPolicy.IGNORE:
        return QuorumEffect(True, True, True)
    reason = f"no quorum (policy {policy.value})"
    if policy is NoQuorumPolicy.FREEZE:
        return QuorumEffect(False, True, False, reason)
    if policy is NoQuorumPolicy.DEMOTE:
        return QuorumEffect(False, False, False, reason, keeps_promotable=True)
    # stop and suicide (downgraded to stop when it cannot fence) stop what requires quorum.
    return QuorumEffect(False, False, False, reason)
