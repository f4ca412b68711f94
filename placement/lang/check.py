"""Semantic checks of a configuration: every problem at once, each with its position.

Works on any `Config` (written in the language or imported from a CIB): unknown
names with a did-you-mean, resources contained twice, clones of clones, roles and
actions that the resource cannot take, mandatory order cycles, and warnings for
contradictions that force a resource to stay stopped.
"""

from __future__ import annotations

import graphlib
import re
from collections import defaultdict
from collections.abc import Iterable
from functools import cached_property

from placement.errors import Diagnostic, Severity
from placement.hierarchy import Hierarchy
from placement.model import (
    Action,
    Clone,
    Colocation,
    ColocationSet,
    Config,
    Group,
    Location,
    NodeKind,
    Order,
    OrderKind,
    OrderSet,
    Primitive,
    Role,
    Span,
)
from placement.remote import is_connection_agent
from placement.score import INFINITY
from placement.suggest import did_you_mean

INVERSE_ACTION = {Action.START: Action.STOP, Action.STOP: Action.START,
                  Action.PROMOTE: Action.DEMOTE, Action.DEMOTE: Action.PROMOTE}


class _Report:
    def __init__(self, config: Config) -> None:
        self.items: list[Diagnostic] = []
        self.config = config

    @cached_property
    def hierarchy(self) -> Hierarchy:
        # One per check: a new one per question re-derived every parent (quadratic).
        return Hierarchy(self.config)

    def error(self, span: Span | None, message: str) -> None:
        self.items.append(Diagnostic(Severity.ERROR, message, span))

    def warning(self, span: Span | None, message: str) -> None:
        self.items.append(Diagnostic(Severity.WARNING, message, span))


def check(config: Config) -> list[Diagnostic]:
    """Every semantic problem of ``config`` (errors and warnings), in no particular order."""
    report = _Report(config)
    _check_containment(config, report)
    _check_fencing(config, report)
    _check_hosted_nodes(config, report)
    for constraint in config.constraints:
        if isinstance(constraint, Location):
            _check_location(config, constraint, report)
        elif isinstance(constraint, Colocation):
            _check_colocation(config, constraint, report)
        elif isinstance(constraint, ColocationSet):
            _check_sets(config, constraint, "colocation", report)
        elif isinstance(constraint, Order):
            _check_order(config, constraint, report)
        elif isinstance(constraint, OrderSet):
            _check_sets(config, constraint, "order", report)
    _check_order_cycles(config, report)
    _check_contradictions(config, report)
    return report.items


def _check_hosted_nodes(config: Config, report: _Report) -> None:
    """A remote node needs an ``ocf:pacemaker:remote`` connection, a guest a plain primitive.

    Each resource brings up one node at most, and neither may be cloned: one connection is
    one node (Pacemaker creates the nodes from top-level primitives and group members).
    """
    brought_up: dict[str, str] = {}
    for name, node in config.nodes.items():
        if node.via is None:
            continue
        where = f"{node.kind.value} node '{name}'"
        if not _resource(config, node.via, node.span, where, report):
            continue
        item = config.resources[node.via]
        if not isinstance(item, Primitive) or report.hierarchy.clone_of(node.via) is not None:
            report.error(node.span, f"{where}: '{node.via}' must be a primitive that is not cloned")
            continue
        connection = is_connection_agent(item.agent)
        if node.kind is NodeKind.REMOTE and not connection:
            report.error(node.span, f"{where}: '{node.via}' must be an ocf:pacemaker:remote connection,"
                         f" not {item.agent}")
        elif node.kind is NodeKind.GUEST and (connection or item.agent.is_fencing):
            report.error(node.span, f"{where}: '{node.via}' must run the guest (a VM or container), not {item.agent}")
        if node.via in brought_up:
            report.error(node.span, f"{where}: '{node.via}' already brings up node '{brought_up[node.via]}'")
        brought_up.setdefault(node.via, name)


def _describe(constraint: object, kind: str) -> str:
    label = getattr(constraint, "id", None)
    return f"{kind} '{label}'" if label else kind


def _resource(config: Config, name: str, span: Span | None, where: str, report: _Report) -> bool:
    if name in config.resources or name in config.bundles:
        return True
    report.error(span, f"{where}: resource '{name}' does not exist" + did_you_mean(name, config.resources))
    return False


def _node(config: Config, name: str, span: Span | None, where: str, report: _Report) -> bool:
    if name in config.nodes:
        return True
    report.error(span, f"{where}: node '{name}' does not exist" + did_you_mean(name, config.nodes))
    return False


def _is_promotable(config: Config, name: str, report: _Report) -> bool:
    clone = report.hierarchy.clone_of(name) if name in config.resources else None
    return clone is not None and clone.promotable


# ---------------------------------------------------------------------------- resources


def _check_containment(config: Config, report: _Report) -> None:
    holders: dict[str, list[str]] = defaultdict(list)
    for rid, resource in config.resources.items():
        if isinstance(resource, Group):
            if not resource.members:
                report.error(resource.span, f"group '{rid}' has no members")
            for member in resource.members:
                if not _resource(config, member, resource.span, f"group '{rid}'", report):
                    continue
                holders[member].append(f"group '{rid}'")
                if not isinstance(config.resources[member], Primitive):
                    report.error(resource.span, f"group '{rid}': member '{member}' is not a primitive "
                                 "(groups hold primitives only)")
        elif isinstance(resource, Clone):
            kind = "promotable" if resource.promotable else "clone"
            if not _resource(config, resource.child, resource.span, f"{kind} '{rid}'", report):
                continue
            holders[resource.child].append(f"{kind} '{rid}'")
            child = config.resources[resource.child]
            if isinstance(child, Clone):
                report.error(resource.span, f"{kind} '{rid}' clones '{resource.child}', which is "
                             "already a clone (a clone of a clone is not allowed)")
            if resource.promotable and resource.promoted_max is not None and resource.max is not None \
                    and resource.promoted_max > resource.max:
                report.warning(resource.span, f"promotable '{rid}': promoted-max {resource.promoted_max} "
                               f"is more than max {resource.max} copies")
    for child, containers in holders.items():
        if len(containers) > 1:
            span = config.resources[child].span
            report.error(span, f"resource '{child}' is in more than one container: "
                         + " and ".join(containers))
    for rid, resource in config.resources.items():
        threshold = resource.meta.migration_threshold
        if threshold is not None and threshold < 0:
            report.warning(resource.span, f"'{rid}': a negative migration-threshold means 1")
        if resource.meta.stickiness is not None and resource.meta.stickiness < 0:
            report.warning(resource.span, f"'{rid}': negative stickiness has no effect")


def _check_fencing(config: Config, report: _Report) -> None:
    devices = {rid: r for rid, r in config.primitives.items() if r.agent.is_fencing}
    for rid, device in devices.items():
        for target in device.fences:
            _node(config, target, device.span, f"fence '{rid}'", report)
    for level in config.fencing_levels:
        where = f"fence-level {level.index} for '{level.target}'"
        _node(config, level.target, level.span, where, report)
        for device in level.devices:
            if device in devices:
                if devices[device].fences and level.target not in devices[device].fences:
                    report.warning(level.span, f"{where}: '{device}' cannot fence '{level.target}' "
                                   f"(it fences {', '.join(devices[device].fences)})")
            elif device in config.resources:
                report.error(level.span, f"{where}: '{device}' is not a fence device")
            else:
                report.error(level.span, f"{where}: fence device '{device}' does not exist"
                             + did_you_mean(device, devices))
    seen: dict[tuple[str, int], Span | None] = {}
    for level in config.fencing_levels:
        key = (level.target, level.index)
        if key in seen:
            report.error(level.span, f"fence-level {level.index} for '{level.target}' is defined twice")
        seen[key] = level.span
    if config.cluster.fencing and config.nodes and not devices:
        report.warning(config.cluster.span, "fencing is on but no fence device is configured: a lost "
                       "node can never be fenced, so nothing it ran can be recovered (Pacemaker would "
                       "manage no resource at all); add a 'fence' device or set 'cluster fencing=off'")


# ---------------------------------------------------------------------------- constraints


def _check_location(config: Config, location: Location, report: _Report) -> None:
    where = _describe(location, "location")
    if location.resource is not None:
        _resource(config, location.resource, location.span, where, report)
    elif location.pattern is not None:
        try:
            re.compile(location.pattern.removeprefix("!"))
        except re.error as problem:
            report.error(location.span, f"{where}: pattern {location.pattern!r} is not a valid "
                         f"regular expression: {problem}")
    if location.node is not None and location.node != "":
        _node(config, location.node, location.span, where, report)
    promotion = (Role.PROMOTED, Role.UNPROMOTED)
    if (location.role in promotion or any(rule.role in promotion for rule in location.rules)) \
            and location.resource and location.resource in config.resources \
            and not _is_promotable(config, location.resource, report):
        report.error(location.span, f"{where}: '{location.resource}' is not promotable, so it has "
                     "no promoted or unpromoted role")


def _check_role(config: Config, name: str, role: Role | None, span: Span | None, where: str,
                report: _Report) -> None:
    if role in (Role.PROMOTED, Role.UNPROMOTED) and name in config.resources \
            and not _is_promotable(config, name, report):
        report.error(span, f"{where}: '{name}' is not promotable, so it has no {role.value} role")


def _check_colocation(config: Config, colocation: Colocation, report: _Report) -> None:
    where = _describe(colocation, "colocation")
    known = [_resource(config, name, colocation.span, where, report)
             for name in (colocation.dependent, colocation.primary)]
    if colocation.dependent == colocation.primary:
        report.error(colocation.span, f"{where}: '{colocation.dependent}' cannot be colocated with itself")
    if all(known):
        _check_role(config, colocation.dependent, colocation.dependent_role, colocation.span, where, report)
        _check_role(config, colocation.primary, colocation.primary_role, colocation.span, where, report)


def _check_order(config: Config, order: Order, report: _Report) -> None:
    where = _describe(order, "order")
    if order.first == order.then:
        report.error(order.span, f"{where}: '{order.first}' cannot be ordered after itself")
    for name, action in ((order.first, order.first_action), (order.then, order.then_action)):
        if _resource(config, name, order.span, where, report) and action in (Action.PROMOTE, Action.DEMOTE) \
                and not _is_promotable(config, name, report):
            report.error(order.span, f"{where}: '{name}' is not promotable, so it cannot {action.value}")


def _check_sets(config: Config, constraint: ColocationSet | OrderSet, kind: str, report: _Report) -> None:
    where = _describe(constraint, kind)
    if not constraint.sets:
        report.error(constraint.span, f"{where}: no resource set")
    for resource_set in constraint.sets:
        if not resource_set.resources:
            report.error(resource_set.span or constraint.span, f"{where}: an empty resource set")
        for name in resource_set.resources:
            if _resource(config, name, resource_set.span or constraint.span, where, report):
                _check_role(config, name, resource_set.role, resource_set.span or constraint.span,
                            where, report)


# ---------------------------------------------------------------------------- order cycles


def _mandatory_order_edges(config: Config) -> Iterable[tuple[tuple[str, Action], tuple[str, Action], Order]]:
    for constraint in config.constraints:
        if not isinstance(constraint, Order) or constraint.kind is not OrderKind.MANDATORY:
            continue
        first = (constraint.first, constraint.first_action)
        then = (constraint.then, constraint.then_action or constraint.first_action)
        yield first, then, constraint
        if constraint.symmetrical is not False:
            yield (then[0], INVERSE_ACTION[then[1]]), (first[0], INVERSE_ACTION[first[1]]), constraint


def _has_cycle(edges: Iterable[tuple[tuple[str, Action], tuple[str, Action], Order]]) -> bool:
    """Whether the order edges form a cycle, by the standard library's topological sort."""
    sorter: graphlib.TopologicalSorter = graphlib.TopologicalSorter()
    for first, then, _ in edges:
        sorter.add(then, first)
    try:
        sorter.prepare()
    except graphlib.CycleError:
        return True
    return False


def _check_order_cycles(config: Config, report: _Report) -> None:
    edges = list(_mandatory_order_edges(config))
    # Almost every file has no cycle: networkx (slow to import) only lists the cycles there are.
    if not _has_cycle(edges):
        return
    import networkx as nx

    graph = nx.DiGraph()
    for first, then, order in edges:
        graph.add_edge(first, then, order=order)
    # One report per set of resources, preferring the cycle of starts over its inverse of stops.
    cycles: dict[frozenset, list[tuple[str, Action]]] = {}
    for count, cycle in enumerate(nx.simple_cycles(graph)):
        members = frozenset(name for name, _ in cycle)
        starts = all(action in (Action.START, Action.PROMOTE) for _, action in cycle)
        if members not in cycles or starts:
            cycles[members] = cycle
        if count >= 1000:
            break
    for cycle in cycles.values():
        start = cycle.index(min(cycle, key=lambda step: (step[0], step[1].value)))
        cycle = cycle[start:] + cycle[:start]
        orders = [graph.edges[a, b]["order"] for a, b in zip(cycle, cycle[1:] + cycle[:1], strict=True)]
        spans = [o.span for o in orders if o.span is not None]
        path = " then ".join(f"{name} {action.value}" for name, action in [*cycle, cycle[0]])
        lines = sorted({s.line for s in spans})
        at = f" (lines {', '.join(map(str, lines))})" if lines else ""
        report.error(min(spans, key=lambda s: s.line) if spans else None,
                     f"mandatory orders form a cycle: {path}{at}; none of them could ever start")


# ---------------------------------------------------------------------------- contradictions


def _check_contradictions(config: Config, report: _Report) -> None:
    together: dict[tuple[str, str], Colocation] = {}
    apart: dict[tuple[str, str], Colocation] = {}
    for constraint in config.constraints:
        if isinstance(constraint, Colocation) and constraint.node_attribute is None:
            pair = (constraint.dependent, constraint.primary)
            if constraint.score >= INFINITY:
                together[pair] = constraint
            elif constraint.score <= -INFINITY:
                apart[pair] = constraint
    for pair, with_rule in together.items():
        for key in (pair, pair[::-1]):
            if key in apart and with_rule.dependent_role is None and apart[key].dependent_role is None \
                    and with_rule.primary_role is None and apart[key].primary_role is None:
                report.warning(apart[key].span, f"'{pair[0]}' must run with '{pair[1]}' and apart from it: "
                               f"'{pair[0]}' can never run")
    _check_banned_everywhere(config, report)


def _check_banned_everywhere(config: Config, report: _Report) -> None:
    """Warn about resources banned from every node: they can never run."""
    if not config.nodes:
        return
    banned: dict[str, set[str]] = defaultdict(set)
    spans: dict[str, Span | None] = {}
    for constraint in config.constraints:
        if isinstance(constraint, Location) and constraint.resource and constraint.node \
                and constraint.role is None and constraint.score <= -INFINITY:
            banned[constraint.resource].add(constraint.node)
            spans[constraint.resource] = constraint.span
    for rid, nodes in banned.items():
        if set(config.nodes) <= nodes:
            report.warning(spans[rid], f"'{rid}' avoids every node: it can never run")
