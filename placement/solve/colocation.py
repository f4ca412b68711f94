"""Colocation: what runs with (or apart from) what (SEMANTICS.md §5).

A colocation is lowered to `Link`s between two `Ref`s. Mandatory ones (±INFINITY) are hard
clauses, each guarded by the constraint's id so `placement why` can name it; finite ones are
rewards (or penalties) in the score level of the objective, counted once per dependent copy
that runs with (apart from) the primary. Pacemaker's one-way, attenuated "influence" is a
heuristic for its greedy order; an exact optimiser weighs both ends at once instead (§13).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from placement.model import Colocation, ColocationSet, ResourceSet, Span
from placement.score import INFINITY, format_score
from placement.solve.refs import Ref, RefResolver

if TYPE_CHECKING:
    from placement.solve.context import EncodeContext
    from placement.solve.solution import SolutionView

KIND = "colocation"
# A link "attribute" every node shares: the primary may run anywhere (remote/guest hosting).
ANYWHERE = "#anywhere"


@dataclass(frozen=True, slots=True)
class Link:
    """``dependent`` runs with ``primary`` (score > 0) or apart from it (score < 0).

    ``attribute`` None means "the same node"; otherwise nodes with the same value of that
    node attribute count as together.
    """

    id: str
    dependent: Ref
    primary: Ref
    score: int
    attribute: str | None = None
    span: Span | None = field(default=None, compare=False)
    # The dependent's nodes where the link binds (None = every node): a remote node's
    # resources need its connection only there (`placement.solve.hosting`).
    on: frozenset[str] | None = None
    # ``influence`` of the constraint (None: the dependent's ``critical`` meta, default true):
    # only the greedy reference reads it, for the primary's attenuated pull (§5).
    influence: bool | None = field(default=None, compare=False)

    @property
    def mandatory(self) -> bool:
        return abs(self.score) >= INFINITY

    def binds(self, node: str) -> bool:
        """Whether a dependent copy on ``node`` is bound by this link."""
        return self.on is None or node in self.on

    def __str__(self) -> str:
        if self.attribute == ANYWHERE:
            return f"{self.id}: what runs on {', '.join(sorted(self.on or ()))} needs {self.primary} running"
        verb = "with" if self.score > 0 else "apart from"
        where = f" (same {self.attribute})" if self.attribute else ""
        # Unnamed constraints get a synthetic id (``colocation#6``) that is not worth printing.
        name = "" if "#" in self.id else f" {self.id}:"
        return f"colocation{name} {self.dependent} {verb} {self.primary}{where} {format_score(self.score)}"


def lower(constraint: Colocation | ColocationSet, resolver: RefResolver, index: int) -> list[Link]:
    """The links one colocation (or colocation set) stands for; score 0 means none (§5)."""
    if constraint.score == 0:
        return []
    name = constraint.id or f"colocation#{index}"
    # A mandatory colocation binds every member of a dependent group, not only the first: the
    # chain carries it to the others anyway, except past a first member left alone where it
    # runs (unmanaged), which must not let the rest start beside it (colocate-unmanaged-group).
    whole = abs(constraint.score) >= INFINITY
    mandatory = constraint.score >= INFINITY
    if isinstance(constraint, Colocation):
        return [
            Link(
                name,
                resolver.resolve(constraint.dependent, constraint.dependent_role, False, constraint, whole),
                resolver.resolve(constraint.primary, constraint.primary_role, True, constraint, mandatory=mandatory),
                constraint.score,
                constraint.node_attribute,
                constraint.span,
                influence=constraint.influence,
            )
        ]
    return _lower_sets(constraint, resolver, name, whole)


def _lower_sets(constraint: ColocationSet, resolver: RefResolver, name: str, whole: bool) -> list[Link]:
    mandatory = constraint.score >= INFINITY
    """compat(pacemaker): §5 "Sets" — within a sequential set each member goes with the previous
    one (all pairs apart for negative scores); between sets, the later set holds the primaries."""
    links: list[Link] = []

    def link(dependent: str, dep_set: ResourceSet, primary: str, pri_set: ResourceSet) -> None:
        links.append(
            Link(
                name,
                resolver.resolve(dependent, dep_set.role, False, constraint, whole),
                resolver.resolve(primary, pri_set.role, True, constraint, mandatory=mandatory),
                constraint.score,
                constraint.node_attribute,
                constraint.span,
            )
        )

    for resource_set in constraint.sets:
        members = resource_set.resources
        if not resource_set.sequential:
            continue
        for position in range(1, len(members)):
            if constraint.score > 0:
                link(members[position], resource_set, members[position - 1], resource_set)
            else:
                for earlier in members[:position]:
                    link(members[position], resource_set, earlier, resource_set)
    for earlier_set, later_set in zip(constraint.sets, constraint.sets[1:], strict=False):
        dependents = earlier_set.resources[:1] if earlier_set.sequential else earlier_set.resources
        primaries = later_set.resources[-1:] if later_set.sequential else later_set.resources
        for dependent in dependents:
            for primary in primaries:
                link(dependent, earlier_set, primary, later_set)
    return links


# ----------------------------------------------------------------------------- CP-SAT


def encode(ctx: EncodeContext, link: Link) -> None:
    """Add one link: mandatory as guarded clauses, finite as objective terms."""
    if link.mandatory:
        _encode_mandatory(ctx, link)
    else:
        _encode_reward(ctx, link)


def _encode_mandatory(ctx: EncodeContext, link: Link) -> None:
    for unit in link.dependent.units:
        for node in ctx.problem.nodes_of(unit):
            if not link.binds(node):
                continue
            here = ctx.lit(unit, node, link.dependent.role)
            if here is None or (unit, node) in ctx.problem.exempt:
                continue  # a copy left alone where it runs is not moved by constraints
            value = ctx.problem.attribute(node, link.attribute)
            there = ctx.active_at(link.primary, link.attribute, value, exclude=unit)
            if link.score > 0:
                # dependent here ⇒ primary (in its role) somewhere with the same value
                ctx.require([ctx.negate(here), *([] if there is None else [there])], link.id)
            elif there is not None:
                ctx.require([ctx.negate(here), ctx.negate(there)], link.id)


def _encode_reward(ctx: EncodeContext, link: Link) -> None:
    for unit in link.dependent.units:
        for node in ctx.problem.nodes_of(unit):
            here = ctx.lit(unit, node, link.dependent.role) if link.binds(node) else None
            if here is None:
                continue
            value = ctx.problem.attribute(node, link.attribute)
            there = ctx.active_at(link.primary, link.attribute, value, exclude=unit)
            if there is None:
                continue
            together = ctx.model.new_bool_var(f"together[{link.id}|{unit}@{node}]")
            if link.score > 0:
                # Rewarded only when both hold; maximising pushes `together` up to the AND.
                ctx.model.add_implication(together, here)
                ctx.model.add_implication(together, there)
            else:
                # Penalised whenever both hold; minimising pushes `together` down to the AND.
                ctx.model.add_bool_or([ctx.negate(here), ctx.negate(there), together])
            ctx.definitions.append(("and", together, [here, there]))
            ctx.add_score(link.score, together)


# ----------------------------------------------------------------------------- pure evaluation


def satisfied(view: SolutionView, link: Link) -> list[str]:
    """Violations of a mandatory link in a candidate solution (empty when it holds)."""
    problems = []
    for unit in link.dependent.units:
        for node in view.nodes_in_role(unit, link.dependent.role):
            if (unit, node) in view.problem.exempt or not link.binds(node):
                continue
            together = view.active_at(link.primary, link.attribute, view.problem.attribute(node, link.attribute), unit)
            if link.score > 0 and not together:
                problems.append(f"{link}: {unit} on {node} without {link.primary}")
            if link.score < 0 and together:
                problems.append(f"{link}: {unit} on {node} together with {link.primary}")
    return problems


def reward(view: SolutionView, link: Link) -> int:
    """The finite score a candidate solution earns from ``link``."""
    earned = 0
    for unit in link.dependent.units:
        for node in view.nodes_in_role(unit, link.dependent.role):
            if not link.binds(node):
                continue
            if view.active_at(link.primary, link.attribute, view.problem.attribute(node, link.attribute), unit):
                earned += link.score
    return earned
