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


def documentation_example():
    """Pacemaker's utilization example (Pacemaker Explained, "Utilization and Placement Strategy")."""
    return config(
        [node("node1", {"cpu": 2, "memory": 2048}), node("node2", {"cpu": 4, "memory": 4096})],
        [
            primitive("small", {"cpu": 1, "memory": 1024}),
            primitive("medium", {"cpu": 2, "memory": 2048}),
            primitive("large", {"cpu": 3, "memory": 3072}),
        ],
        strategy=Strategy.UTILIZATION,
    )


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
    cfg = documentation_example()
    problem = build_problem(cfg)
    ctx = encode(problem)
    reference = greedy(problem)
    ctx.model.maximize(objective.expression(ctx, "running", reference, reference))
    relaxed = LinearRelaxation(ctx.model).solve(10.0)
    assert relaxed is not None
    assert round(relaxed.bound) == 3
    assert proves(relaxed, 3, maximise=True)
    assert not proves(relaxed, objective.running(problem, reference), maximise=True)


def test_a_full_node_prices_its_capacity_at_what_it_blocks():
    """The dual value of a capacity row: `db` would score 100 more on alice, which has no room
    left for it (its capacity is taken by what stays pinned), so one more cpu there is worth 100;
    bob has room to spare, so its cpu is worth nothing."""
    from placement.model import Location
    from placement.solve import current_solution
    from placement.solve.incremental import restrict
    from placement.state import Instance, NodeState, NodeStatus, State

    cfg = config(
        [node("alice", {"cpu": 1}), node("bob", {"cpu": 4}), node("carol", {"cpu": 4})],
        [primitive("db", {"cpu": 1}), primitive("keep", {"cpu": 1}), primitive("web", {"cpu": 1})],
        constraints=(Location(resource="db", node="alice", score=100),),
        strategy=Strategy.UTILIZATION,
    )
    state = State(
        instances=(Instance("keep", "alice"), Instance("web", "bob"), Instance("db", "carol")),
        nodes={"carol": NodeState(NodeStatus.OFFLINE)},
    )
    whole = build_problem(cfg, state)
    problem = restrict(whole, {"db"}, current_solution(whole))
    ctx = encode(problem)
    reference = greedy(problem)
    ctx.model.maximize(objective.expression(ctx, "score", reference, reference))
    relaxation = LinearRelaxation(ctx.model)
    assert relaxation.solve(10.0) is not None
    prices = relaxation.prices(ctx.capacity_rows)
    assert round(prices[("alice", "cpu")]) == 100
    assert round(prices.get(("bob", "cpu"), 0.0)) == 0


def test_without_a_temporary_directory_the_solver_searches_instead(monkeypatch, tmp_path):
    """The relaxation reads the model through a temporary file; if none can be written it
    steps aside (no bound) and the answer is still the exact one."""
    import tempfile

    from placement.solve import solve

    cfg = documentation_example()
    problem = build_problem(cfg)
    ctx = encode(problem)
    ctx.model.maximize(objective.expression(ctx, "running", greedy(problem), greedy(problem)))
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "missing"))
    assert LinearRelaxation(ctx.model).solve(10.0) is None
    placement = solve(cfg)
    assert placement.optimal and len(placement.assignments) == 3


def test_an_enforced_capacity_row_gets_no_price_rather_than_a_zero_one():
    """When explaining, capacity rows are guarded (enforced) and the LP drops them: `prices`
    leaves them out, so the solver can tell "unknown" from "free" and use no prices at all."""
    problem = build_problem(documentation_example())
    ctx = encode(problem, explain=True)
    ctx.model.maximize(objective.expression(ctx, "running", greedy(problem), greedy(problem)))
    relaxation = LinearRelaxation(ctx.model)
    assert relaxation.solve(10.0) is not None
    assert ctx.capacity_rows and relaxation.prices(ctx.capacity_rows) == {}
