"""Build the transition graph: actions for each change, and the orderings between them.

Nodes are `Action` objects, an edge ``a → b`` means "a completes before b starts", and
each edge carries ``why``. Orderings, in the order they are added:

1. within one copy: demote → stop → start → promote → monitor; migrate_to → migrate_from → stop;
2. fencing first: every fence before every start, promote and migrate_from (SEMANTICS.md §10),
   fences one at a time unless ``concurrent-fencing``;
3. order constraints and groups (`dependencies.precedences`), the inverse for stops when
   symmetrical, per node for interleaved clones;
4. demotes of a promotable before its promotes; mandatory anti-colocation: stops on a node
   before the other's starts there; utilization strategies: stops on a node before starts
   on it (``load_stopped``).
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Iterable

import networkx as nx

from placement.hierarchy import Hierarchy
from placement.model import Action as OrderAction
from placement.model import Colocation, Config, Role, Strategy
from placement.score import INFINITY
from placement.transition import hosting
from placement.transition.action import Action, Op
from placement.transition.changes import Change, ChangeKind
from placement.transition.dependencies import precedences

STARTING = (Op.START, Op.MIGRATE_FROM)
INVERSE = {OrderAction.START: OrderAction.STOP, OrderAction.STOP: OrderAction.START,
           OrderAction.PROMOTE: OrderAction.DEMOTE, OrderAction.DEMOTE: OrderAction.PROMOTE}
OPS_OF = {OrderAction.START: STARTING, OrderAction.STOP: (Op.STOP,), OrderAction.PROMOTE: (Op.PROMOTE,),
          OrderAction.DEMOTE: (Op.DEMOTE,)}


class _Builder:
    def __init__(self, config: Config) -> None:
        self.config = config
        self.hierarchy = Hierarchy(config)
        self.graph = nx.DiGraph()
        self.by_resource: dict[str, list[Action]] = defaultdict(list)

    def add(self, action: Action) -> Action:
        if action not in self.graph:
            self.graph.add_node(action)
            if action.resource is not None:
                self.by_resource[action.resource].append(action)
        return action

    def chain(self, actions: Iterable[Action | None], why: str) -> None:
        present = [a for a in actions if a is not None]
        for before, after in itertools.pairwise(present):
            self.order(before, after, why)

    def order(self, before: Action, after: Action, why: str, soft: bool = False) -> None:
        """``before`` completes before ``after``; a ``soft`` ordering may be dropped to break a cycle."""
        if before == after:
            return
        if self.graph.has_edge(before, after):
            if not soft:
                self.graph.edges[before, after]["soft"] = False
            return
        self.graph.add_edge(before, after, why=why, soft=soft)

    def has_monitor(self, resource: str, role: Role) -> bool:
        primitive = self.config.primitives[resource]
        return any(op.name == "monitor" and op.interval_ms > 0 and op.role in (None, role)
                   for op in primitive.operations)


def build_graph(config: Config, changes: list[Change], fenced: tuple[str, ...]) -> nx.DiGraph:
    """The transition graph for ``changes`` after fencing ``fenced`` nodes.

    Edges have ``why`` and ``soft``: soft orderings (optional orders, ``load_stopped``, an
    anonymous clone copy's stop before its start on another node) only sequence what
    could also run the other way, and `placement.transition` drops them to break a cycle.
    """
    builder = _Builder(config)
    fences = [builder.add(Action(Op.FENCE, node, reason=f"{node} is unclean")) for node in fenced]
    if not config.cluster.concurrent_fencing:
        builder.chain(fences, "one fencing at a time (concurrent-fencing=false)")
    for change in changes:
        _add_change(builder, change, set(fenced))
    for fence in fences:
        for action in list(builder.graph):
            if action.op in (*STARTING, Op.PROMOTE):
                builder.order(fence, action, f"fencing first: {fence.node} is fenced before anything starts")
    _add_precedences(builder)
    _add_role_and_node_orderings(builder)
    hosting.add_orderings(builder, config, set(fenced))
    return builder.graph


def _add_change(builder: _Builder, change: Change, fenced: set[str]) -> None:
    rid, number, kind = change.resource, change.clone_instance, change.kind
    reason = change.reason or kind.value

    def action(op: Op, node: str) -> Action:
        return builder.add(Action(op, node, rid, number, reason))

    def leaving(node: str) -> list[Action | None]:
        if node in fenced:
            return []  # the fence stops it
        demote = action(Op.DEMOTE, node) if change.from_role is Role.PROMOTED else None
        return [demote, action(Op.STOP, node)]

    def arriving(node: str) -> list[Action | None]:
        start = action(Op.START, node)
        promote = action(Op.PROMOTE, node) if change.to_role is Role.PROMOTED else None
        monitor = action(Op.MONITOR, node) if builder.has_monitor(rid, change.to_role) else None
        return [start, promote, monitor]

    if kind is ChangeKind.START:
        builder.chain(arriving(change.target), "start, then promote, then monitor")
    elif kind is ChangeKind.STOP:
        builder.chain(leaving(change.source), "demote before stop")
    elif kind in (ChangeKind.MOVE, ChangeKind.RECOVER, ChangeKind.RESTART):
        clone = builder.hierarchy.clone_of(rid)
        if clone is not None and not clone.globally_unique and change.source != change.target:
            # Copies of an anonymous clone are interchangeable: stopping one here and
            # starting one there need not wait for each other.
            gone, come = leaving(change.source), arriving(change.target)
            builder.chain(gone, "demote before stop")
            builder.chain(come, "start, then promote, then monitor")
            if gone and gone[-1] is not None:
                builder.order(gone[-1], come[0], "stop before start (a clone copy moves)", soft=True)
        else:
            builder.chain([*leaving(change.source), *arriving(change.target)], "stop before start")
    elif kind is ChangeKind.MIGRATE:
        migrate_to, migrate_from = action(Op.MIGRATE_TO, change.source), action(Op.MIGRATE_FROM, change.target)
        stop = action(Op.STOP, change.source)
        builder.chain([migrate_to, migrate_from, stop], "live migration, then clean up the source")
        if builder.has_monitor(rid, change.to_role):
            builder.order(migrate_from, action(Op.MONITOR, change.target), "monitor after migration")
    elif kind is ChangeKind.PROMOTE:
        promote = action(Op.PROMOTE, change.target)
        if builder.has_monitor(rid, Role.PROMOTED):
            builder.order(promote, action(Op.MONITOR, change.target), "monitor the promoted role")
    elif kind is ChangeKind.DEMOTE:
        demote = action(Op.DEMOTE, change.source)
        if builder.has_monitor(rid, Role.UNPROMOTED):
            builder.order(demote, action(Op.MONITOR, change.source), "monitor the unpromoted role")


def _actions(builder: _Builder, resource: str, order_action: OrderAction) -> list[Action]:
    return [a for a in builder.by_resource.get(resource, ()) if a.op in OPS_OF[order_action]]


def _add_precedences(builder: _Builder) -> None:
    for p in precedences(builder.config):
        soft = not p.mandatory
        pairs = [(p.first, p.then, p.first_action, p.then_action)]
        if p.symmetrical:
            pairs.append((p.then, p.first, INVERSE[p.then_action], INVERSE[p.first_action]))
        for first, then, first_action, then_action in pairs:
            for before in _actions(builder, first, first_action):
                for after in _actions(builder, then, then_action):
                    if p.same_node and before.node != after.node:
                        continue
                    builder.order(before, after, p.why, soft=soft)


def _add_role_and_node_orderings(builder: _Builder) -> None:
    config = builder.config
    hierarchy = builder.hierarchy
    for rid, actions in builder.by_resource.items():
        demotes = [a for a in actions if a.op is Op.DEMOTE]
        for promote in (a for a in actions if a.op is Op.PROMOTE):
            for demote in demotes:
                builder.order(demote, promote, "demote before promote")
        clone = hierarchy.clone_of(rid)
        if clone is not None:
            # A copy leaving a node goes before another copy of the same resource starts
            # there: the node may hold only so many (clone-node-max); a globally-unique
            # clone's instances are distinct, so there it is a must.
            stops = [a for a in actions if a.op is Op.STOP]
            for start in (a for a in actions if a.op in STARTING):
                for stop in stops:
                    if stop.node == start.node and stop.clone_instance != start.clone_instance:
                        builder.order(stop, start, "a copy leaves before another takes its place",
                                      soft=not clone.globally_unique)
    for constraint in config.constraints:
        if isinstance(constraint, Colocation) and constraint.score <= -INFINITY:
            for one, other in ((constraint.dependent, constraint.primary),
                               (constraint.primary, constraint.dependent)):
                for stop in (a for p in _primitives(hierarchy, one) for a in builder.by_resource.get(p, ())
                             if a.op in (Op.STOP, Op.DEMOTE)):
                    for start in (a for p in _primitives(hierarchy, other) for a in builder.by_resource.get(p, ())
                                  if a.op in (*STARTING, Op.PROMOTE) and a.node == stop.node):
                        builder.order(stop, start, f"anti-colocation {one} / {other}")
    if config.cluster.strategy is not Strategy.DEFAULT:
        stops = defaultdict(list)
        for action in builder.graph:
            if action.op is Op.STOP:
                stops[action.node].append(action)
        for action in list(builder.graph):
            if action.op in STARTING:
                for stop in stops.get(action.node, ()):
                    builder.order(stop, action, f"load_stopped_{action.node}: free capacity first", soft=True)


def _primitives(hierarchy: Hierarchy, rid: str) -> list[str]:
    return hierarchy.primitives_in(rid) if rid in hierarchy.config.resources else []
