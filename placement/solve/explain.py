"""Why a resource runs where it does, or why it cannot run: `placement why` (issue 4).

A running resource is explained by its score table (the terms that make the chosen node
win, and why the other nodes lose) plus the colocations it earned. A resource that does
not run is explained by the hard constraints that forbid it: the model is rebuilt with a
guard literal per hard constraint, the resource is required to run, the guards are passed
to CP-SAT as assumptions, and the infeasible core (minimised by deletion) names the
constraints — each with its file:line — together with the static bans of the resources
they involve. If running it is possible, the answer says what it would cost instead.
"""

from __future__ import annotations

from dataclasses import dataclass

from placement.errors import InvalidInput
from placement.model import Config, Span
from placement.solve import coloc_lift, cpsat, objective, promotable, promotion_priority
from placement.solve.cp_model_import import cp_model
from placement.solve.problem import Problem, build_problem
from placement.solve.refs import Ref
from placement.solve.solution import Solution
from placement.state import State
from placement.target import Placement


@dataclass(frozen=True, slots=True)
class Explanation:
    """The answer to "why": a headline and supporting lines."""

    resource: str
    runs: bool
    lines: tuple[str, ...]

    def __str__(self) -> str:
        return "\n".join(self.lines)


def where(span: Span | None) -> str:
    """`` (file:line)`` for a span, empty when unknown."""
    return f" ({span.file or '<string>'}:{span.line})" if span else ""


def explain(config: Config, state: State | None, resource: str, placement: Placement | None = None) -> Explanation:
    """Explain the placement of ``resource`` (a primitive, group or clone id)."""
    if resource not in config.resources:
        known = ", ".join(sorted(config.resources)) or "none"
        raise InvalidInput(f"unknown resource {resource!r} (resources: {known})")
    from placement.solve import solve_problem

    problem = build_problem(config, state)
    placement = placement or solve_problem(problem)
    primitives = problem.hierarchy.primitives_in(resource)
    keys = [u.key for u in problem.units if u.primitive in primitives]
    lines: list[str] = []
    running = [a for a in placement.assignments if a.resource in primitives]
    stopped_keys = [k for k in keys if _missing(problem, placement, k)]
    if running:
        for key in keys:
            lines.extend(_why_here(problem, placement, key))
    for key in stopped_keys:
        lines.extend(_why_not(problem, placement, key))
    if not lines:
        lines.append(f"{resource} has nothing to place")
    return Explanation(resource, bool(running), tuple(lines))


def _missing(problem: Problem, placement: Placement, key: str) -> bool:
    unit = problem.by_key[key]
    count = sum(1 for a in placement.assignments if a.resource == unit.primitive)
    if unit.instance is not None:
        count = sum(
            1 for a in placement.assignments if a.resource == unit.primitive and a.clone_instance == str(unit.instance)
        )
    return count < problem.most_copies(unit)


def _why_here(problem: Problem, placement: Placement, key: str) -> list[str]:
    unit = problem.by_key[key]
    nodes = [
        a.node
        for a in placement.assignments
        if a.resource == unit.primitive and (unit.instance is None or a.clone_instance == str(unit.instance))
    ]
    if not nodes:
        return []
    scores = problem.table.scores(key)
    lines = [f"{key} runs on {', '.join(nodes)}"]
    for node in nodes:
        lines.append(f"  {scores[node].explain()}")
    for link in problem.links:
        if key in link.dependent.units:
            lines.append(f"  {link}{where(link.span)}")
    if key in problem.pinned:
        lines.append(f"  pinned in place: {problem.blocked.get(key, 'unmanaged or on a maintenance node')}")
    others = [s for n, s in scores.items() if n not in nodes]
    if others:
        lines.append("  other nodes:")
        lines.extend(f"    {score.explain()}" for score in others)
    return lines


def _why_not(problem: Problem, placement: Placement, key: str) -> list[str]:
    unit = problem.by_key[key]
    label = f"{unit.primitive} (more copies)" if unit.multi else key
    static = problem.not_running.get(key)
    if static is not None:
        return [f"{label} cannot run: {static}"]
    core = unsatisfiable_core(problem, key)
    if core is None:
        return [f"{label} could run, but only at a cost the objective ranks higher:", *_cost(problem, key)]
    lines = [f"{label} cannot run:"]
    described = _describe(problem)
    involved: dict[str, str] = {}
    for name in core:
        for text, units in described.get(name, [(name, {})]):
            lines.append(f"  {text}")
            involved.update(units)
    for other, shown in sorted(involved.items()):
        reason = problem.not_running.get(other)
        if reason is not None and other != key:
            lines.append(f"  and {shown} cannot run: {reason}")
    # The nodes the constraints above never needed to rule out: the score table did.
    allowed = problem.allowed.get(key, {})
    for node, score in problem.table.scores(key).items():
        reason = None if node in allowed else score.why_not()
        if reason is not None:
            lines.append(f"  and not on {node}: {reason}")
    return lines


def _describe(problem: Problem) -> dict[str, list[tuple[str, dict[str, str]]]]:
    """Guard name → what the constraint says (with file:line) and its units, by the name it uses."""
    found: dict[str, list[tuple[str, dict[str, str]]]] = {}

    def named(*refs: Ref) -> dict[str, str]:
        return {key: ref.resource for ref in refs for key in ref.units}

    for link in problem.links:
        found.setdefault(link.id, []).append((f"{link}{where(link.span)}", named(link.dependent, link.primary)))
    for precedence in problem.precedences:
        text = f"{precedence}{where(precedence.span)}"
        found.setdefault(precedence.id, []).append((text, named(precedence.then, *precedence.firsts)))
    for unit in problem.units:
        if unit.group is not None and unit.after is not None:
            span = problem.config.resources[unit.group].span
            text = f"group {unit.group}: {unit.key} runs only with {unit.after}{where(span)}"
            found.setdefault(unit.group, []).append((text, {unit.key: unit.key, unit.after: unit.after}))
    for name, described in coloc_lift.describe(problem).items():
        found.setdefault(name, []).append(described)
    for head, keys in promotable.copies(problem).items():
        unit = problem.by_key[head]
        assert unit.clone is not None
        span = problem.config.resources[unit.clone].span
        members = ", ".join(keys)
        text = f"promotable {unit.clone}: a copy of {unit.group} is promoted as a whole ({members}){where(span)}"
        found.setdefault(promotable.tie_name(problem, head), []).append((text, {key: key for key in keys}))
    for key in problem.promotion_gates:
        unit = problem.by_key[key]
        assert unit.clone is not None
        span = problem.config.resources[unit.clone].span
        text = f"promotable {unit.clone}: {key} is promoted only where its promotion priority is 0 or more{where(span)}"
        found.setdefault(promotion_priority.gate_name(key), []).append((text, {key: key}))
    return found


def unsatisfiable_core(problem: Problem, key: str) -> list[str] | None:
    """Names of hard constraints that together forbid unit ``key`` from running; None if it can run."""
    ctx = cpsat.encode(problem, explain=True)
    lits = [var for (k, _node), var in ctx.x.items() if k == key]
    if not lits:
        return []
    ctx.model.add_bool_or(lits)
    names = sorted(ctx.guards)
    status, core = _solve_with(ctx, names)
    if status != cp_model.INFEASIBLE:
        return None
    # Deletion-based minimisation: drop each constraint the infeasibility does not need.
    needed = list(core)
    for name in list(needed):
        trial = [n for n in needed if n != name]
        status, smaller = _solve_with(ctx, trial)
        if status == cp_model.INFEASIBLE:
            needed = [n for n in trial if n in smaller] or trial
    return needed


def _solve_with(ctx: cpsat.EncodeContext, names: list[str]) -> tuple[int, list[str]]:
    ctx.model.clear_assumptions()
    ctx.model.add_assumptions([ctx.guards[n] for n in names])
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.random_seed = 0
    solver.parameters.max_time_in_seconds = 10.0
    status = solver.solve(ctx.model)
    if status != cp_model.INFEASIBLE:
        return status, []
    by_index = {ctx.guards[n].Index(): n for n in names}
    core = [by_index[i] for i in solver.sufficient_assumptions_for_infeasibility() if i in by_index]
    return status, sorted(core)


def _cost(problem: Problem, key: str) -> list[str]:
    """What would stop (or score less) if ``key`` had to run."""
    ctx = cpsat.encode(problem)
    lits = [var for (k, _node), var in ctx.x.items() if k == key]
    ctx.model.add_bool_or(lits)
    nothing = Solution({}, {})
    ctx.model.maximize(objective.expression(ctx, "running", nothing, nothing))
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.max_time_in_seconds = 10.0
    if solver.solve(ctx.model) not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return ["  (no answer within the time limit)"]
    forced = cpsat.read(ctx, solver)
    stopped = sorted({problem.by_key[k].primitive for k in problem.by_key if not forced.nodes(k)} - {key})
    if stopped:
        return [f"  running it would stop {', '.join(stopped)} (higher priority or more copies in all)"]
    return ["  running it would lower the total score of the placement"]
