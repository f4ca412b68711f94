"""The LP relaxation: a valid bound on every level, and the optimum when it is integral."""

from __future__ import annotations

from hypothesis import given, settings

from placement.model import Strategy
from placement.solve import build_problem, objective
from placement.solve.cpsat import encode
from placement.solve.greedy import greedy
from placement.solve.relaxation import LinearRelaxation, proves
from tests.solve.brute import best_levels
from tests.solve.builders import config, node, primitive
from tests.solve.test_exact_vs_brute_force import clusters


@settings(max_examples=40)
@given(clusters())
def test_the_relaxation_never_undercuts_the_true_optimum(case):
    """An upper bound must be ≥ the brute-force optimum of the running level, always."""
    cfg, state = case
    problem = build_problem(cfg, state)
    best = best_levels(problem)
    ctx = encode(problem)
    reference = greedy(problem)
    ctx.model.maximize(objective.expression(ctx, "running", reference, reference))
    relaxed = LinearRelaxation(ctx.model).solve(10.0)
    assert relaxed is not None and best is not None
    assert relaxed.bound >= best[0] - 1e-6
    if proves(relaxed, best[0], maximise=True):
        assert best[0] >= relaxed.bound - 1  # a proof means the bound is tight


def test_documentation_example_bound_proves_all_three_and_refutes_greedy():
    """Pacemaker's utilization example: the LP bound is 3 copies; greedy's 2 is not optimal."""
    cfg = config(
        [node("node1", {"cpu": 2, "memory": 2048}), node("node2", {"cpu": 4, "memory": 4096})],
        [
            primitive("small", {"cpu": 1, "memory": 1024}),
            primitive("medium", {"cpu": 2, "memory": 2048}),
            primitive("large", {"cpu": 3, "memory": 3072}),
        ],
        strategy=Strategy.UTILIZATION,
    )
    problem = build_problem(cfg)
    ctx = encode(problem)
    reference = greedy(problem)
    ctx.model.maximize(objective.expression(ctx, "running", reference, reference))
    relaxed = LinearRelaxation(ctx.model).solve(10.0)
    assert relaxed is not None
    assert round(relaxed.bound) == 3
    assert proves(relaxed, 3, maximise=True)
    assert not proves(relaxed, objective.running(problem, reference), maximise=True)
