"""Which primitive must be (re)started after which: mandatory orders and group chains.

Used twice: to know which running resources must restart when something they depend on
stops (``Restart B due to required A start``), and to order actions in the graph.
"""

from __future__ import annotations

from dataclasses import dataclass

from placement.hierarchy import Hierarchy
from placement.model import Action, Config, Group, Order, OrderKind, OrderSet


@dataclass(frozen=True, slots=True)
class Precedence:
    """``first``'s ``first_action`` comes before ``then``'s ``then_action`` (primitive ids).

    ``same_node`` limits it to copies on one node (interleaved clones, group members
    inside a cloned group); ``mandatory`` marks orders that also block and restart;
    ``symmetrical`` adds the inverse order for stops; ``why`` names the source.
    """

    first: str
    then: str
    first_action: Action
    then_action: Action
    mandatory: bool
    symmetrical: bool
    same_node: bool
    why: str


def precedences(config: Config) -> list[Precedence]:
    """Every ordering between primitives the configuration implies."""
    hierarchy = Hierarchy(config)
    result: list[Precedence] = []
    for rid, resource in config.resources.items():
        if isinstance(resource, Group):
            clone = hierarchy.clone_of(rid)
            inside_clone = clone is not None
            for earlier, later in zip(resource.members, resource.members[1:], strict=False):
                result.append(Precedence(earlier, later, Action.START, Action.START, True, True, inside_clone,
                                         f"group {rid}"))
                if clone is not None and clone.promotable:
                    # compat(pacemaker): a promotable group copy promotes its members in order
                    # and demotes them in reverse (the inverse), like starts and stops.
                    result.append(Precedence(earlier, later, Action.PROMOTE, Action.PROMOTE, True, True, True,
                                             f"group {rid}"))
    for constraint in config.constraints:
        if isinstance(constraint, Order):
            result.extend(_expand(hierarchy, constraint.first, constraint.then, constraint.first_action,
                                  constraint.then_action or constraint.first_action, constraint.kind,
                                  constraint.symmetrical, constraint.id or f"order {constraint.first} then "
                                  f"{constraint.then}"))
        elif isinstance(constraint, OrderSet):
            for first, then, action_first, action_then in _set_pairs(constraint):
                result.extend(_expand(hierarchy, first, then, action_first, action_then, constraint.kind,
                                      constraint.symmetrical, constraint.id or "order set"))
    return result


def _set_pairs(constraint: OrderSet) -> list[tuple[str, str, Action, Action]]:
    """Resource pairs a set order implies: along sequential sets, and set to set."""
    pairs = []
    for resource_set in constraint.sets:
        action = resource_set.action or Action.START
        if resource_set.sequential:
            pairs += [(a, b, action, action) for a, b in zip(resource_set.resources, resource_set.resources[1:],
                                                               strict=False)]
    for earlier, later in zip(constraint.sets, constraint.sets[1:], strict=False):
        pairs += [(a, b, earlier.action or Action.START, later.action or Action.START)
                  for a in earlier.resources for b in later.resources]
    return pairs


def _expand(hierarchy: Hierarchy, first: str, then: str, first_action: Action, then_action: Action,
            kind: OrderKind, symmetrical: bool | None, why: str) -> list[Precedence]:
    if first not in hierarchy.config.resources or then not in hierarchy.config.resources:
        return []
    then_clone = hierarchy.clone_of(then)
    first_clone = hierarchy.clone_of(first)
    same_node = bool(then_clone and first_clone and then_clone.interleave)
    mandatory = kind is OrderKind.MANDATORY
    inverse = (kind is not OrderKind.SERIALIZE) if symmetrical is None else symmetrical
    firsts = hierarchy.primitives_in(first)
    thens = hierarchy.primitives_in(then)
    # A group is started when its last member is, and stopped when its first member is.
    if first_action in (Action.START, Action.PROMOTE):
        firsts = firsts[-1:]
    if then_action in (Action.START, Action.PROMOTE):
        thens = thens[:1]
    return [Precedence(a, b, first_action, then_action, mandatory, inverse, same_node, why)
            for a in firsts for b in thens]
