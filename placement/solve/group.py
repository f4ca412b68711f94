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
    from placement.solve.units import Unit

KIND = "group"


def encode(ctx: EncodeContext, problem: Problem) -> None:
    """Each member copy on a node implies its predecessor's copy on that node."""
    for unit in problem.units:
        if not _chained(problem, unit):
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
        if not _chained(view.problem, unit):
            continue
        for node in view.solution.nodes(unit.key) - view.solution.nodes(unit.after):
            if (unit.key, node) in view.problem.exempt:
                continue
            problems.append(f"group {unit.group}: {unit.key} on {node} without {unit.after}")
    return problems


def _chained(problem: Problem, unit: Unit) -> bool:
    """Whether ``unit`` follows a predecessor this problem is about.

    A predecessor outside the problem's scope is gone from it (`incremental.relaxed` keeps
    only the freed units, dropping every tie to the rest): the chain is one of those ties.
    A neighbourhood model keeps whole group copies, so there it always holds.
    """
    return unit.after is not None and (problem.scope is None or unit.after in problem.scope)
