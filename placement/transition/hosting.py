"""Orderings for remote and guest nodes: nothing runs there before its connection (container).

compat(pacemaker): ``pcmk__order_remote_connection_actions`` (``pcmk_sched_remote.c``):
an action on a remote or guest node needs the node's connection up, so starts there come
after the connection's (container's) start, and stops there before its stop. A guest is
fenced by recovering its container: the guest's fence pseudo-action comes after the
container's stop, and — like every fence — before anything starts.
"""

from __future__ import annotations

from typing import Protocol

import networkx as nx

from placement.model import Config, NodeKind
from placement.transition.action import Action, Op

_UP = (Op.START, Op.MIGRATE_FROM, Op.PROMOTE, Op.MONITOR)
_DOWN = (Op.STOP, Op.DEMOTE, Op.MIGRATE_TO)


class _Orders(Protocol):
    graph: nx.DiGraph
    by_resource: dict[str, list[Action]]

    def order(self, before: Action, after: Action, why: str, soft: bool = False) -> None: ...


def add_orderings(builder: _Orders, config: Config, fenced: set[str]) -> None:
    """Order actions on each remote/guest node against its connection's (container's) actions."""
    for name, node in config.nodes.items():
        if node.kind is NodeKind.CLUSTER or node.via is None:
            continue
        via_actions = builder.by_resource.get(node.via, [])
        starts = [a for a in via_actions if a.op in (Op.START, Op.MIGRATE_FROM)]
        stops = [a for a in via_actions if a.op is Op.STOP]
        here = [a for a in list(builder.graph) if a.node == name and a.resource is not None]
        for action in here:
            if action.op in _UP:
                for start in starts:
                    builder.order(start, action, f"{name} is up once {node.via} has started")
            elif action.op in _DOWN:
                for stop in stops:
                    builder.order(action, stop, f"{name} goes down when {node.via} stops")
        if node.kind is NodeKind.GUEST and name in fenced:
            fence = Action(Op.FENCE, name, reason=f"{name} is unclean")
            for stop in stops:
                builder.order(stop, fence, f"guest {name} is fenced by stopping its container {node.via}")
