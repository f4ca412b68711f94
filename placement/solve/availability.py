"""Which nodes may take resources, which can be fenced, and what quorum allows (SEMANTICS.md §2, §10).

Pure functions of the configuration and the state; the solver, the greedy reference and
the transition builder all ask the same questions here.
"""

from __future__ import annotations

from dataclasses import dataclass

from placement.hierarchy import Hierarchy
from placement.model import Config, Location, NoQuorumPolicy, Role
from placement.score import INFINITY
from placement.state import NodeStatus, State

# Reasons are constants so explanations and tests name them the same way.
OFFLINE = "is offline"
UNCLEAN = "is unclean (lost, not yet fenced)"
FENCED = "was fenced and is down"
STANDBY = "is in standby"
MAINTENANCE = "is in maintenance"
SHUTTING_DOWN = "is shutting down"
UNKNOWN_NODE = "is not a configured node"


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

    Fencing must be enabled, the partition must have quorum (or ignore its loss), and
    some fence device whose ``fences`` list is empty or names ``node`` must be able to run
    on another available node: a device cannot fence the node it would have to run on.

    >>> from placement.model import Agent, Node, Primitive, frozen_map
    >>> nodes = frozen_map({"alice": Node("alice"), "bob": Node("bob")})
    >>> ipmi = Primitive("ipmi-bob", Agent.parse("stonith:fence_ipmilan"), fences=("bob",))
    >>> config = Config(nodes=nodes, resources=frozen_map({"ipmi-bob": ipmi}))
    >>> can_fence(config, State(), "bob"), can_fence(config, State(), "alice")
    (True, False)
    """
    if not config.cluster.fencing:
        return False
    if not state.quorum and config.cluster.no_quorum is not NoQuorumPolicy.IGNORE:
        return False
    hosts = [n for n in available_nodes(config, state) if n != node]
    if not hosts:
        return False
    hierarchy = Hierarchy(config)
    for device in fence_devices(config):
        primitive = config.primitives[device]
        if primitive.fences and node not in primitive.fences:
            continue
        meta = hierarchy.effective_meta(device)
        if meta.target_role is Role.STOPPED:
            continue
        if any(_device_allowed_on(config, device, host) for host in hosts):
            return True
    return False


def _device_allowed_on(config: Config, device: str, node: str) -> bool:
    """A device may run on ``node`` unless a plain location bans it there (or opt-in leaves it out).

    Rules are not evaluated here on purpose: this answers "could the device run at all"
    for the fencing decision; `placement.solve` still places the device exactly.
    """
    named = [c for c in config.constraints if isinstance(c, Location) and c.resource == device and c.node == node]
    if any(c.score <= -INFINITY for c in named):
        return False
    return config.cluster.symmetric or bool(named)


@dataclass(frozen=True, slots=True)
class QuorumEffect:
    """What the quorum situation allows: may inactive resources start, may running ones stay."""

    may_start: bool  # inactive resources (that require quorum) may start
    may_keep: bool  # active resources (that require quorum) may keep running (and move)
    may_promote: bool
    reason: str | None = None


def quorum_effect(config: Config, state: State) -> QuorumEffect:
    """The no-quorum-policy applied to this state (SEMANTICS.md §2 "Quorum").

    >>> from placement.model import ClusterOptions
    >>> quorum_effect(Config(cluster=ClusterOptions(no_quorum=NoQuorumPolicy.FREEZE)), State(quorum=False))
    QuorumEffect(may_start=False, may_keep=True, may_promote=False, reason='no quorum (policy freeze)')
    """
    if state.quorum:
        return QuorumEffect(True, True, True)
    policy = config.cluster.no_quorum
    if policy is NoQuorumPolicy.IGNORE:
        return QuorumEffect(True, True, True)
    reason = f"no quorum (policy {policy.value})"
    if policy is NoQuorumPolicy.FREEZE:
        return QuorumEffect(False, True, False, reason)
    # stop, demote and suicide (downgraded to stop when it cannot fence) all stop what requires quorum.
    return QuorumEffect(False, False, False, reason)
