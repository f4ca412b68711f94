"""Between the same two actions, the first order constraint is the one that counts (§7).

compat(pacemaker): ``order_actions`` filters duplicate orderings between the same pair of
actions ("Filter dups"): an ordering is dropped when one already links the two actions
with any flag in common, and every kind carries ``pe_order_optional``
(``ordering_flags_for_kind``). So with ``order A then B optional`` written before
``order A then B`` (or a set holding both), the mandatory one is dropped and B starts
even when A cannot; written the other way round, B waits. Constraints apply in document
order.

`drop_shadowed` keeps a `Precedence` only when its own constraint is the first to order
its pair of actions. One-or-more precedences (``require-all=false``) go through a pseudo
action of their own in Pacemaker and are never shadowed.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from itertools import pairwise

from placement.model import Action, Config, Order, OrderSet, Role
from placement.solve.order import Precedence

Pair = tuple[str, Action, str, Action]


def _action(role: Role | None) -> Action:
    return Action.PROMOTE if role is Role.PROMOTED else Action.START


def constraint_name(constraint: Order | OrderSet, index: int) -> str:
    """The id a precedence of ``constraint`` carries (`placement.solve.order.lower`)."""
    return constraint.id or f"order#{index}"


def _pairs(constraint: Order | OrderSet) -> Iterator[Pair]:
    """The (first, action, then, action) pairs a constraint orders, of any kind."""
    if isinstance(constraint, Order):
        then_action = constraint.then_action or constraint.first_action
        yield constraint.first, constraint.first_action, constraint.then, then_action
        return
    for resource_set in constraint.sets:
        action = resource_set.action or Action.START
        if resource_set.sequential:
            for before, after in pairwise(resource_set.resources):
                yield before, action, after, action
    for earlier, later in pairwise(constraint.sets):
        if not earlier.require_all:
            continue  # through a pseudo action of its own
        for first in earlier.resources:
            for then in later.resources:
                yield first, earlier.action or Action.START, then, later.action or Action.START


def drop_shadowed(config: Config, precedences: Iterable[Precedence]) -> list[Precedence]:
    """``precedences`` without those whose pair of actions an earlier constraint orders."""
    owner: dict[Pair, str] = {}
    for index, constraint in enumerate(config.constraints):
        if isinstance(constraint, Order | OrderSet):
            name = constraint_name(constraint, index)
            for pair in _pairs(constraint):
                owner.setdefault(pair, name)
    kept = []
    for precedence in precedences:
        if precedence.require_all and len(precedence.firsts) == 1:
            first = precedence.firsts[0]
            pair = (first.resource, _action(first.role), precedence.then.resource, _action(precedence.then.role))
            if owner.get(pair, precedence.id) != precedence.id:
                continue
        kept.append(precedence)
    return kept
