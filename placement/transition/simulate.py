"""Carry out a transition on a state, action by action, as if every action succeeded.

The simulation checks each action against the state it meets — a start of a copy that
already runs, a stop of one that does not, anything on a node that is down and not yet
fenced — so a wrong graph fails loudly instead of producing a plausible state.
"""

from __future__ import annotations

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
    instances = list(state.instances)
    fenced: set[str] = set()

    def status(node: str) -> NodeStatus:
        current = nodes[node].status if node in nodes else NodeStatus.ONLINE
        configured = config.nodes.get(node)
        if configured is None or configured.kind is NodeKind.CLUSTER:
            return current
        # A remote or guest node is up exactly while its connection (container) runs; a
        # guest's fencing is its container's recovery, after which it is up again.
        if current is NodeStatus.UNCLEAN or (current is NodeStatus.FENCED and configured.kind is NodeKind.REMOTE):
            return current
        if not any(i.resource == configured.via for i in instances):
            return NodeStatus.OFFLINE
        return NodeStatus.ONLINE if current in (NodeStatus.OFFLINE, NodeStatus.FENCED) else current

    def find(action: Action) -> Instance:
        candidates = [i for i in instances if i.resource == action.resource and i.node == action.node]
        if not candidates:
            raise SimulationError(f"{action}: {action.resource} is not running on {action.node}")
        numbered = [i for i in candidates if i.clone_instance == action.clone_instance]
        return (numbered or candidates)[0]

    for action in execution_order(graph):
        if action.op is Op.FENCE:
            if status(action.node) is not NodeStatus.UNCLEAN:
                raise SimulationError(f"{action}: {action.node} is {status(action.node).value}, not unclean")
            nodes[action.node] = replace(nodes[action.node], status=NodeStatus.FENCED)
            instances = [i for i in instances if i.node != action.node]
            fenced.add(action.node)
            continue
        if not status(action.node).is_up:
            raise SimulationError(f"{action}: {action.node} is {status(action.node).value}")
        if action.op is Op.STOP:
            instances.remove(find(action))
        elif action.op in (Op.START, Op.MIGRATE_FROM):
            clone = hierarchy.clone_of(action.resource)
            already = [i for i in instances if i.resource == action.resource and i.node == action.node]
            limit = (clone.per_node or 1) if clone is not None and clone.globally_unique else 1
            if len(already) >= limit:
                raise SimulationError(f"{action}: {action.resource} already runs on {action.node}")
            role = Role.UNPROMOTED if clone is not None and clone.promotable else Role.STARTED
            instances.append(Instance(action.resource, action.node, role, clone_instance=action.clone_instance))
        elif action.op in (Op.PROMOTE, Op.DEMOTE):
            instance = find(action)
            role = Role.PROMOTED if action.op is Op.PROMOTE else Role.UNPROMOTED
            instances[instances.index(instance)] = replace(instance, role=role)
        elif action.op is Op.MIGRATE_TO:
            find(action)  # the source must run it; it keeps running until the stop
    for name, configured in config.nodes.items():
        # A remote/guest node's membership follows its connection; standby and maintenance
        # are the administrator's and stay.
        recorded = nodes[name].status if name in nodes else NodeStatus.ONLINE
        follows = recorded in (NodeStatus.ONLINE, NodeStatus.OFFLINE, NodeStatus.FENCED, NodeStatus.UNCLEAN)
        if configured.kind is not NodeKind.CLUSTER and follows and status(name) is not recorded:
            nodes[name] = replace(nodes.get(name, NodeState()), status=status(name))
    for name, node_state in list(nodes.items()):
        if node_state.shutdown and not any(i.node == name for i in instances):
            nodes[name] = replace(node_state, status=NodeStatus.OFFLINE, shutdown=False)
    return replace(state, nodes=frozen_map(nodes), instances=tuple(instances))
