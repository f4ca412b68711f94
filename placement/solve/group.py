"""Groups: member i runs only where member i−1 runs (SEMANTICS.md §8 "Group").

compat(pacemaker): a group is an implicit chain — member i+1 colocated INFINITY with member
i and ordered after it — so a member that cannot run stops every later member. Units carry
the chain (`Unit.after`); for an anonymous cloned group the chain holds node by node.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from placement.solve.context import EncodeContext
    from placement.solve.problem import Problem
    from placement.solve.solution import SolutionView

KIND = "group"


def _chained(problem: Problem, after: str | None) -> bool:
    """Whether a member's tie to the member before it is part of ``problem``.

    A problem scoped to some units (`Problem.scope`) that leaves the predecessor out is a
    relaxation (`placement.solve.incremental.relaxed`: every tie to a unit outside is
    dropped); holding the member to a predecessor that has no variables would forbid it
    everywhere and make that bound too low. (`restrict` always keeps whole group copies.)
    """
    return after is not None and (problem.scope is None or after in problem.scope)


def encode(ctx: EncodeContext, problem: Problem) -> None:
    """Each member copy on a node implies its predecessor's copy on that node."""
    for unit in problem.units:
        if not _chained(problem, unit.after):
            continue
        name = unit.group or unit.key
        for node in problem.nodes_of(unit.key):
            if (unit.key, node) in problem.exempt:
                continue  # left alone where it runs
            here = ctx.lit(unit.key, node, None)
            before = ctx.lit(unit.after, node, None)
            if here is not None:
                ctx.require([ctx.negate(here), *([] if before is None else [before])], name)


def check(view: SolutionView) -> list[str]:
    """Group chain violations in a candidate solution."""
    problems = []
    for unit in view.problem.units:
        if not _chained(view.problem, unit.after):
            continue
        for node in view.solution.nodes(unit.key) - view.solution.nodes(unit.after):
            if (unit.key, node) in view.problem.exempt:
                continue
            problems.append(f"group {unit.group}: {unit.key} on {node} without {unit.after}")
    return problems
