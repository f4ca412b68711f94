"""A deliberately small planner for runtime tests (test code only, never product code).

It knows just enough of the semantics to drive the runtime scenarios: fence
unclean nodes first; keep healthy copies where they are (stickiness); place each
primitive on its best-scored online node under its migration-threshold; run a
clone on every online node and promote one copy of a promotable clone; order
starts after every fence, after stops of the same resource, and after the
copies of the resources they are ordered after.
"""

from __future__ import annotations

import networkx as nx

from placement.hierarchy import Hierarchy
from placement.model import Clone, Config, Location, Order, Role
from placement.score import INFINITY
from placement.state import NodeStatus, State
from placement.transition.action import Action, Op


def _score(config: Config, rid: str, node: str, hierarchy: Hierarchy) -> int:
    names = {rid, hierarchy.root(rid)}
    return sum(
        c.score
        for c in config.constraints
        if isinstance(c, Location) and c.resource in names and c.node == node and c.role is None
    )


def plan(config: Config, state: State) -> nx.DiGraph:
    hierarchy = Hierarchy(config)
    graph = nx.DiGraph()
    has_devices = any(p.agent.is_fencing for p in config.primitives.values())
    fences = [
        Action(Op.FENCE, n)
        for n in sorted(config.nodes)
        if state.node(n).status is NodeStatus.UNCLEAN and has_devices and config.cluster.fencing
    ]
    graph.add_nodes_from(fences)
    unclean = {n for n in config.nodes if state.node(n).status is NodeStatus.UNCLEAN}
    online = [n for n in sorted(config.nodes) if state.node(n).status is NodeStatus.ONLINE]
    starts: dict[str, list[Action]] = {}
    for rid, primitive in config.primitives.items():
        meta = hierarchy.effective_meta(rid)
        threshold = meta.migration_threshold or INFINITY

        def allowed(node: str, rid: str = rid, threshold: int = threshold) -> bool:
            return state.fail_count(rid, node) < threshold and _score(config, rid, node, hierarchy) > -INFINITY

        running = [i for i in state.instances_of(rid)]
        healthy = [i for i in running if not i.failed and i.node in online and allowed(i.node)]
        clone = hierarchy.clone_of(rid)
        if isinstance(clone, Clone):
            target = [n for n in online if allowed(n)]
        elif healthy:
            target = [healthy[0].node]
        else:
            ranked = sorted((n for n in online if allowed(n)), key=lambda n: (-_score(config, rid, n, hierarchy), n))
            target = ranked[:1]
        if primitive.agent.is_fencing and not target:
            continue
        stops = []
        for instance in running:
            if instance.node in unclean:
                continue  # implied by fencing
            keep = instance.node in target and not instance.failed
            if not keep:
                stop = Action(Op.STOP, instance.node, rid)
                graph.add_node(stop)
                stops.append(stop)
                if instance.role is Role.PROMOTED:
                    demote = Action(Op.DEMOTE, instance.node, rid)
                    graph.add_edge(demote, stop)
        keeps = {i.node for i in running if i.node in target and not i.failed}
        starts[rid] = []
        for node in target:
            if node in keeps:
                continue
            start = Action(Op.START, node, rid)
            monitor = Action(Op.MONITOR, node, rid)
            graph.add_edge(start, monitor)
            for earlier in [*fences, *stops]:
                graph.add_edge(earlier, start)
            starts[rid].append(start)
        if isinstance(clone, Clone) and clone.promotable and target:
            promoted = [i.node for i in running if i.role is Role.PROMOTED and i.node in target and not i.failed]
            if not promoted:
                node = sorted(target, key=lambda n: (-_score(config, rid, n, hierarchy), n))[0]
                promote = Action(Op.PROMOTE, node, rid)
                graph.add_edge(promote, Action(Op.MONITOR, node, rid))
                for start in starts[rid]:
                    graph.add_edge(start, promote)
                for earlier in fences:
                    graph.add_edge(earlier, promote)
    for constraint in config.constraints:
        if isinstance(constraint, Order):
            firsts = [a for p in hierarchy.primitives_in(constraint.first) for a in starts.get(p, [])]
            thens = [a for p in hierarchy.primitives_in(constraint.then) for a in starts.get(p, [])]
            for first in firsts:
                for then in thens:
                    graph.add_edge(first, then)
    # A monitor without its start (resource kept) is not needed.
    for action in [a for a in graph.nodes if a.op is Op.MONITOR and graph.in_degree(a) == 0]:
        graph.remove_node(action)
    return graph
