"""Restarts forced by mandatory orders: if ``first`` stops, a running ``then`` must stop too.

SEMANTICS.md §7: with a mandatory, symmetrical order ``A then B``, B stops before A stops
and starts after A starts again, so a B that otherwise stays put is restarted
(``Restart B due to required A start``). Only real stops count: a copy that disappears
because its node was fenced is not stopped by anyone. When ``first`` is a clone, only a
``then`` on the node where a copy stops is restarted: a copy leaving another node does not
take this node's dependency away (placement's choice; it avoids restarting every virtual
machine of a cluster when one node goes to standby).
"""

from __future__ import annotations

from placement.hierarchy import Hierarchy
from placement.model import Action, Config
from placement.state import State
from placement.transition.changes import Change, ChangeKind
from placement.transition.dependencies import precedences

# Kinds that stop a running copy on an up node.
STOPPING = {ChangeKind.STOP, ChangeKind.MOVE, ChangeKind.RECOVER, ChangeKind.RESTART}


def add_restarts(config: Config, state: State, changes: list[Change], fenced: tuple[str, ...]) -> list[Change]:
    """``changes`` plus the restarts they force, to a fixed point."""
    edges = [p for p in precedences(config)
             if p.mandatory and p.symmetrical and p.first_action is Action.START and p.then_action is Action.START]
    if not edges:
        return changes
    hierarchy = Hierarchy(config)
    changed = {c.resource for c in changes}
    result = list(changes)
    stopping = [c for c in changes if c.kind in STOPPING and c.source not in fenced]
    while stopping:
        forced: list[Change] = []
        for stop in stopping:
            for edge in edges:
                if edge.first != stop.resource or edge.then in changed:
                    continue
                for instance in state.instances_of(edge.then):
                    local = edge.same_node or hierarchy.clone_of(edge.first) is not None
                    if local and instance.node != stop.source:
                        continue
                    if instance.node in fenced or not instance.managed:
                        continue
                    if not state.node(instance.node).status.is_up:
                        # compat(pacemaker): on a node that is not up and not fenced (an
                        # unclean node without quorum or a device) nothing can run: the
                        # copy stays ("Stop B ( n ) due to … (blocked)").
                        continue
                    forced.append(Change(ChangeKind.RESTART, edge.then, instance.node, instance.node,
                                         instance.role, instance.role, instance.clone_instance,
                                         f"due to required {stop.resource} start"))
                    changed.add(edge.then)
        result += forced
        stopping = forced
    return result
