"""From the current state to the target placement: changes, an action graph, a summary.

`build_transition` is the one entry point; the pieces live one concept per module:
`changes` (what changes per resource copy), `restart` (restarts forced by mandatory
orders), `graph` (actions and their orderings, fencing first), `schedule` (waves and the
critical path), `simulate` (carry it out on a state), `summary` (crm_simulate's words).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import networkx as nx

from placement.model import Config, NodeKind
from placement.remote import connection_changes
from placement.state import State
from placement.target import Placement
from placement.transition.action import Action, Op
from placement.transition.changes import Blocked, Change, ChangeKind, compute_changes, nodes_to_fence
from placement.transition.graph import build_graph
from placement.transition.restart import add_restarts
from placement.transition.schedule import check_acyclic, critical_path, find_cycle, waves
from placement.transition.summary import SummaryItem, summarize

__all__ = ["Action", "Blocked", "Change", "ChangeKind", "Op", "SummaryItem", "Transition", "build_transition"]


@dataclass(frozen=True)
class Transition:
    """Everything that happens to go from a state to a target placement."""

    graph: nx.DiGraph
    changes: tuple[Change, ...]
    fenced: tuple[str, ...]
    unfenceable: tuple[str, ...]
    blocked: tuple[Blocked, ...]
    summary: tuple[SummaryItem, ...]

    @property
    def waves(self) -> list[list[Action]]:
        return waves(self.graph)

    @property
    def critical_path(self) -> list[Action]:
        return critical_path(self.graph)

    @property
    def is_empty(self) -> bool:
        return self.graph.number_of_nodes() == 0 and not self.blocked


def build_transition(config: Config, state: State, placement: Placement) -> Transition:
    """The transition from ``state`` to ``placement``; its graph is checked acyclic."""
    fenced, unfenceable = nodes_to_fence(config, state)
    changes, blocked = compute_changes(config, state, placement)
    changes = add_restarts(config, state, changes, fenced)
    graph, changes = _acyclic_graph(config, changes, fenced)
    items = summarize([*changes, *connection_changes(config, changes)], fenced, config.cluster.fencing_action.value,
                      blocked, {n: node.via for n, node in config.nodes.items() if node.kind is NodeKind.GUEST})
    return Transition(graph, tuple(changes), fenced, unfenceable, tuple(blocked), tuple(items))


def _acyclic_graph(config: Config, changes: list[Change],
                   fenced: tuple[str, ...]) -> tuple[nx.DiGraph, list[Change]]:
    """Build the graph, breaking cycles the way Pacemaker does.

    A cycle through a soft ordering loses that ordering. A cycle through a live migration
    turns the migration into a plain move (SEMANTICS.md §11: a migration whose ordering
    cannot hold falls back to stop and start). Any other cycle is a contradiction in the
    configuration's mandatory orders, reported with its steps.
    """
    graph = build_graph(config, changes, fenced)
    while (cycle := find_cycle(graph)) is not None:
        soft = [(a, b) for a, b in cycle if graph.edges[a, b].get("soft")]
        if soft:
            graph.remove_edge(*soft[0])
            continue
        migrating = {a.resource for a, _ in cycle if a.op in (Op.MIGRATE_TO, Op.MIGRATE_FROM)}
        if not migrating:
            check_acyclic(graph)  # raises, naming the cycle
        changes = [replace(c, kind=ChangeKind.MOVE) if c.kind is ChangeKind.MIGRATE and c.resource in migrating
                   else c for c in changes]
        graph = build_graph(config, changes, fenced)
    return graph, changes

