"""Mandatory order blocking: ``then`` cannot run when ``first`` cannot (SEMANTICS.md §7).

Orders never move resources; they only block. A mandatory order whose first action is
start (or promote) lowers to a `Precedence`: ``then`` (in its role) may be active only if
``first`` (in its role) is active somewhere — at least ``clone-min`` copies for a clone.
Optional and serialize orders only sequence actions and leave placement alone.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from itertools import pairwise
from typing import TYPE_CHECKING

from placement.model import Action, Clone, Config, Order, OrderKind, OrderSet, ResourceSet, Role, Span
from placement.solve.refs import Ref, RefResolver

if TYPE_CHECKING:
    from placement.solve.context import EncodeContext
    from placement.solve.problem import Problem
    from placement.solve.solution import SolutionView

KIND = "order"
_ROLE_OF_ACTION = {Action.START: None, Action.PROMOTE: Role.PROMOTED}


@dataclass(frozen=True, slots=True)
class Precedence:
    """``then`` may run only if ``first`` runs (``firsts`` any of them when ``require_all`` is False)."""

    id: str
    firsts: tuple[Ref, ...]
    then: Ref
    require_all: bool = True
    min_copies: int = 1
    span: Span | None = field(default=None, compare=False)
    # compat(pacemaker): §7 — an asymmetrical order only blocks starts: a ``then`` copy that
    # already runs keeps running when a running ``first`` stops (see `keeps_running`).
    symmetrical: bool = True

    def __str__(self) -> str:
        firsts = " and ".join(map(str, self.firsts)) if self.require_all else " or ".join(map(str, self.firsts))
        name = "" if "#" in self.id else f" {self.id}:"
        return f"order{name} {self.then} needs {firsts} running"


def lower(constraint: Order | OrderSet, resolver: RefResolver, config: Config, index: int) -> list[Precedence]:
    """The precedences a mandatory order (or order set) stands for."""
    if constraint.kind is not OrderKind.MANDATORY:
        return []
    name = constraint.id or f"order#{index}"
    found = _lower(constraint, resolver, config, name)
    if constraint.symmetrical is False:
        found = [replace(p, symmetrical=False) for p in found]
    return found


def _lower(constraint: Order | OrderSet, resolver: RefResolver, config: Config, name: str) -> list[Precedence]:
    if isinstance(constraint, Order):
        then_action = constraint.then_action or constraint.first_action
        if constraint.first_action not in _ROLE_OF_ACTION or then_action not in _ROLE_OF_ACTION:
            return []
        first = resolver.resolve(constraint.first, _ROLE_OF_ACTION[constraint.first_action], True, constraint)
        then = resolver.resolve(constraint.then, _ROLE_OF_ACTION[then_action], False, constraint)
        return [Precedence(name, (first,), then, True, _clone_min(config, constraint.first), constraint.span)]
    return _lower_sets(constraint, resolver, config, name)


def _clone_min(config: Config, resource: str) -> int:
    item = config.resources.get(resource)
    return max(1, item.min or 1) if isinstance(item, Clone) else 1


def _lower_sets(constraint: OrderSet, resolver: RefResolver, config: Config, name: str) -> list[Precedence]:
    """compat(pacemaker): §7 "Ordered sets" — sequential sets chain their members; a later set
    waits for the earlier one (for any member of it when ``require-all=false``)."""
    found: list[Precedence] = []

    def ref(resource: str, resource_set: ResourceSet, as_primary: bool) -> Ref:
        role = _ROLE_OF_ACTION.get(resource_set.action or Action.START)
        return resolver.resolve(resource, role, as_primary, constraint)

    for resource_set in constraint.sets:
        if resource_set.action not in (None, *_ROLE_OF_ACTION):
            continue
        if resource_set.sequential:
            members = resource_set.resources
            for before, after in pairwise(members):
                found.append(
                    Precedence(
                        name,
                        (ref(before, resource_set, True),),
                        ref(after, resource_set, False),
                        span=constraint.span,
                    )
                )
    for earlier, later in zip(constraint.sets, constraint.sets[1:], strict=False):
        if earlier.action not in (None, *_ROLE_OF_ACTION) or later.action not in (None, *_ROLE_OF_ACTION):
            continue
        firsts = tuple(ref(r, earlier, True) for r in earlier.resources)
        for resource in later.resources:
            then = ref(resource, later, False)
            if earlier.require_all:
                found.extend(Precedence(name, (first,), then, span=constraint.span) for first in firsts)
            else:
                found.append(Precedence(name, firsts, then, require_all=False, span=constraint.span))
    return found


# ----------------------------------------------------------------------------- CP-SAT


def keeps_running(problem: Problem, precedence: Precedence) -> bool:
    """Whether a ``then`` copy that runs now may keep running without ``first``.

    compat(pacemaker): §7 — with ``symmetrical=false`` only ``first``'s stop is not ordered
    before ``then``'s, and ``handle_asymmetric_ordering`` ignores the order for a ``then``
    that runs and stays where it is: whatever ``first`` does — stops
    (``bug-5014-A-stop-B-started``), is unmanaged, cannot start — ``then`` keeps running.
    Only a ``then`` that must restart (it failed) needs ``first``'s start: if that is
    unrunnable, ``then`` stops (``asymmetrical-order-restart``: ``Stop B due to unrunnable
    A start``), unless ``first`` runs now.
    """
    if precedence.symmetrical:
        return False
    current = problem.table.current
    if any(current.of(key) for first in precedence.firsts for key in first.units):
        return True
    primitives = {problem.by_key[key].primitive for key in precedence.then.units}
    return not any(i.failed for i in problem.state.instances if i.resource in primitives)


def encode(ctx: EncodeContext, precedence: Precedence) -> None:
    """``then`` active anywhere ⇒ ``first`` active (enough copies), as guarded clauses."""
    then_lits = ctx.active_lits(precedence.then, movable=True, keep_running=keeps_running(ctx.problem, precedence))
    if not then_lits:
        return
    if precedence.min_copies > 1:
        (first,) = precedence.firsts
        first_lits = ctx.active_lits(first)
        for lit in then_lits:
            guard = ctx.guard(precedence.id)
            constraint = ctx.model.add(sum(first_lits) >= precedence.min_copies).only_enforce_if(lit)
            if guard is not None:
                constraint.only_enforce_if([lit, guard])
        return
    if precedence.require_all:
        for first in precedence.firsts:
            anywhere = ctx.anywhere(first)
            for lit in then_lits:
                ctx.require([ctx.negate(lit), *([] if anywhere is None else [anywhere])], precedence.id)
    else:
        options = [a for a in (ctx.anywhere(first) for first in precedence.firsts) if a is not None]
        for lit in then_lits:
            ctx.require([ctx.negate(lit), *options], precedence.id)


# ----------------------------------------------------------------------------- pure evaluation


def satisfied(view: SolutionView, precedence: Precedence) -> list[str]:
    """Violations of ``precedence`` in a candidate solution."""
    if not view.copies(precedence.then, movable=True, keep_running=keeps_running(view.problem, precedence)):
        return []
    counts = [view.copies(first) for first in precedence.firsts]
    if precedence.require_all:
        needed = precedence.min_copies
        ok = all(count >= needed for count in counts)
    else:
        ok = any(count >= 1 for count in counts)
    return [] if ok else [f"{precedence}: {precedence.then} runs without it"]
