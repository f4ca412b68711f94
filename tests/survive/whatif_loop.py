"""The reference survive is checked against: one whatif per scenario, nothing shared, nothing skipped.

For every scenario it runs `placement.planning.plan` with a ``NodeDown`` per lost node —
the planner behind ``placement whatif`` — and reads which resources it stops, blocks or
leaves with fewer copies, against the plan with no failure.
"""

from __future__ import annotations

from itertools import combinations

from placement.events import NodeDown, apply_events
from placement.model import Config
from placement.planning import plan
from placement.remote import with_lost_guests
from placement.solve.problem import build_problem
from placement.state import State
from placement.survival.outcome import Answer, Baseline, impacts


def whatif_loop(config: Config, state: State, failures: int) -> dict[tuple[str, ...], set[tuple[str, str]]]:
    """Scenario (lost nodes) → {(resource, kind)} by running the whatif planner on each."""
    baseline = Baseline.of(plan(config, state).placement)
    up = [n for n in config.nodes if state.node(n).status.is_up]
    found = {}
    for nodes in combinations(up, failures):
        events = [NodeDown(n) for n in nodes]
        result = plan(config, state, events)
        after, lost = apply_events(config, state, events)
        problem = build_problem(after, with_lost_guests(after, lost))
        answer = Answer.of_placement(problem, result.placement)
        found[nodes] = {(i.resource, i.kind) for i in impacts(after, problem, baseline, answer)}
    return found


def survive_sets(report) -> dict[tuple[str, ...], set[tuple[str, str]]]:  # type: ignore[no-untyped-def]
    return {r.scenario.nodes: {(i.resource, i.kind) for i in r.outcome.impacts} for r in report.results}
