"""Plain functions over a transition graph: is it a DAG, its parallel waves, its critical path."""

from __future__ import annotations

import networkx as nx

from placement.errors import InvalidInput
from placement.transition.action import Action


def find_cycle(graph: nx.DiGraph) -> list[tuple] | None:
    """The edges of one cycle of ``graph``, or None when it is acyclic."""
    try:
        return list(nx.find_cycle(graph))
    except nx.NetworkXNoCycle:
        return None


def check_acyclic(graph: nx.DiGraph) -> None:
    """Raise `InvalidInput` naming a cycle if ``graph`` has one (contradictory mandatory orders)."""
    if nx.is_directed_acyclic_graph(graph):
        return
    cycle = nx.find_cycle(graph)
    steps = " → ".join(f"{a} ({graph.edges[a, b]['why']})" for a, b in cycle)
    raise InvalidInput(f"no transition can satisfy every mandatory ordering; they form a cycle: {steps}")


def waves(graph: nx.DiGraph) -> list[list[Action]]:
    """Group actions into waves; every action in a wave may run in parallel.

    Examples
    --------
    >>> from placement.transition.action import Op
    >>> fence, start = Action(Op.FENCE, "charlie"), Action(Op.START, "alice", "xray")
    >>> g = nx.DiGraph([(fence, start)])
    >>> [[str(a) for a in wave] for wave in waves(g)]
    [['fence charlie'], ['start xray@alice']]
    """
    return [sorted(wave) for wave in nx.topological_generations(graph)]


def critical_path(graph: nx.DiGraph) -> list[Action]:
    """The longest chain of actions that must run one after another."""
    if graph.number_of_nodes() == 0:
        return []
    return list(nx.dag_longest_path(graph, topo_order=list(nx.lexicographical_topological_sort(graph))))


def execution_order(graph: nx.DiGraph) -> list[Action]:
    """One deterministic order that respects every edge (actions sorted within the freedom left)."""
    return list(nx.lexicographical_topological_sort(graph))
