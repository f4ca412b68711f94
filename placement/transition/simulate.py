"""Carry out a transition on a state, action by action, as if every action succeeded.

The simulation checks each action against the state it meets — a start of a copy that
already runs, a stop of one that does not, anything on a node that is down and not yet
fenced — so a wrong graph fails loudly instead of producing a plausible state.
"""

from __future__ import annotations

import itertools
from dataclasses import replace

import networkx as nx

from placement.hierarchy import Hierarchy
from placement.model import Config, NodeKind, Role, frozen_map
from placement.state import Instance, NodeState, NodeStatus, State
from placement.transition.action import Action, Op
from placement.transition.schedule import execution_order


class SimulationError(RuntimeError):
    """An action could not happen in the state it met: the transition is wrong."""


def simulate(config: Config, state: State, graph: nx.DiGraph) -> State:
    """The state after every action of ``graph`` succeeded, in a topological order."""
    hierarchy = Hierarchy(config)
    nodes = dict(state.nodes)
    # The running instances in order (a start appends, a role change keeps the place), keyed
    # so that a stop or a look-up by (resource, node) costs the same on 10,000 resources.
    live: dict[int, Instance] = dict(enumerate(state.instances))
    at: dict[tuple[str, str], list[int]] = {}
    copies: dict[str, int] = {}
    for key, instance in live.items():
        at.setdefault((instance.resource, instance.node), []).append(key)
        copies[instance.resource] = copies.get(instance.resource, 0) + 1
    fenced: set[str] = set()
    new_keys = itertools.count(len(live))

    def add(instance: Instance) -> None:
        key = next(new_keys)
        live[key] = instance
        at.setdefault((instance.resource, instance.node), []).append(key)
        copies[instance.resource] = copies.get(instance.resource, 0) + 1

    def remove(key: int) -> None:
        instance = live.pop(key)
        at[instance.resource, instance.node].remove(key)
        copies[instance.resource] -= 1

    def status(node: str) -> NodeStatus:
        current = nodes[node].status if node in nodes else NodeStatus.ONLINE
        configured = config.nodes.get(node)
        if configured is None or configured.kind is NodeKind.CLUSTER:
            return current
        # A remote or guest node is up exactly while its connection (container) runs; a
        # guest's fencing is its container's recovery, after which it is up again.
        if current is NodeStatus.UNCLEAN or (current is NodeStatus.FENCED and configured.kind is NodeKind.REMOTE):
            return current
        if not copies.get(configured.via or ""):
            return NodeStatus.OFFLINE
        return NodeStatus.ONLINE if current in (NodeStatus.OFFLINE, NodeStatus.FENCED) else current

    def find(action: Action) -> int:
        """The key of the instance ``action`` acts on."""
        candidates = at.get((action.resource, action.node)) or []
        if not candidates:
            raise SimulationError(f"{action}: {action.resource} is not running on {action.node}")
        numbered = [k for k in candidates if live[k].clone_instance == action.clone_instance]
        return (numbered or candidates)[0]

    for action in execution_order(graph):
        if action.op is Op.FENCE:
            if status(action.node) is not NodeStatus.UNCLEAN:
                raise SimulationError(f"{action}: {action.node} is {status(action.node).value}, not unclean")
            nodes[action.node] = replace(nodes[action.node], status=NodeStatus.FENCED)
            for key in [k for k, i in live.items() if i.node == action.node]:
                remove(key)
            fenced.add(action.node)
            continue
        if not status(action.node).is_up:
            raise SimulationError(f"{action}: {action.node} is {status(action.node).value}")
        if action.op is Op.STOP:
            remove(find(action))
        elif action.op in (Op.START, Op.MIGRATE_FROM):
            clone = hierarchy.clone_of(action.resource)
            already = [live[k] for k in at.get((action.resource, action.node)) or []]
            unique = clone is not None and clone.globally_unique
            limit = (clone.per_node or 1) if unique and clone is not None else 1
            counted = already
            if unique:
                # A copy whose instance has a member held unmanaged there (its stop failed)
                # takes no slot, nor does a later member of a cloned group
                # (`Problem.takes_node_slot`); the same instance twice is always wrong.
                group = hierarchy.group_of(action.resource)
                members = group.members if group is not None else (action.resource,)
                here = [live[k] for m in members for k in at.get((m, action.node), ())]
                stuck = {i.clone_instance for i in here if not i.managed}
                later = members[0] != action.resource
                counted = [i for i in already if i.managed and i.clone_instance not in stuck and not later]
            if len(counted) >= limit or any(i.clone_instance == action.clone_instance for i in already if unique):
                raise SimulationError(f"{action}: {action.resource} already runs on {action.node}")
            role = Role.UNPROMOTED if clone is not None and clone.promotable else Role.STARTED
            add(Instance(action.resource, action.node, role, clone_instance=action.clone_instance))
        elif action.op in (Op.PROMOTE, Op.DEMOTE):
            key = find(action)
            role = Role.PROMOTED if action.op is Op.PROMOTE else Role.UNPROMOTED
            live[key] = replace(live[key], role=role)
        elif action.op is Op.MIGRATE_TO:
            find(action)  # the source must run it; it keeps running until the stop
    instances = list(live.values())
    for name, configured in config.nodes.items():
        # A remote/guest node's membership follows its connection; standby and maintenance
        # are the administrator's and stay.
        recorded = nodes[name].status if name in nodes else NodeStatus.ONLINE
        follows = recorded in (NodeStatus.ONLINE, NodeStatus.OFFLINE, NodeStatus.FENCED, NodeStatus.UNCLEAN)
        if configured.kind is not NodeKind.CLUSTER and follows and status(name) is not recorded:
            nodes[name] = replace(nodes.get(name, NodeState()), status=status(name))
    occupied = {i.node for i in instances}
    for name, node_state in list(nodes.items()):
        if node_state.shutdown and name not in occupied:
            nodes[name] = replace(node_state, status=NodeStatus.OFFLINE, shutdown=False)
    return replace(state, nodes=frozen_map(nodes), instances=tuple(instances))
