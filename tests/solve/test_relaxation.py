"""The LP relaxation: a valid bound on every level, and the optimum when it is integral."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from placement.model import Strategy
from placement.solve import build_problem, objective
from placement.solve.cpsat import encode, score_bound
from placement.solve.evaluate import violations
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


def _held_and_kept(ctx, answer):
    """Every placement variable held at first except where ``answer`` and the pins put units."""
    kept = {var.Index() for pair, var in ctx.x.items() if pair in answer.pairs()}
    kept |= {ctx.x[(key, node)].Index() for key, nodes in ctx.problem.pinned.items() for node in nodes}
    return [var.Index() for var in ctx.x.values()], kept


@settings(max_examples=40)
@given(clusters(), st.sampled_from(["running", "score"]))
def test_starting_from_few_columns_reaches_the_whole_lps_bound(case, level):
    """Column generation is exact: holding most placement variables at 0 and releasing them by
    reduced cost ends at the same optimum as the LP over every variable."""
    cfg, state = case
    problem = build_problem(cfg, state)
    reference = greedy(problem)
    bounds = []
    for restricted in (False, True):
        ctx = encode(problem)
        ctx.model.maximize(objective.expression(ctx, level, reference, reference))
        columns = _held_and_kept(ctx, reference) if restricted else ([], set())
        relaxed = LinearRelaxation(ctx.model, *columns).solve(10.0)
        assert relaxed is not None
        bounds.append(relaxed.bound)
    assert abs(bounds[0] - bounds[1]) <= 1e-6


@settings(max_examples=40)
@given(clusters())
def test_the_score_bound_never_undercuts_the_best_score_of_answers_that_run_everything(case):
    """`score_bound` holds running and required at their upper bounds: when some answer reaches
    them, no such answer scores more than the bound."""
    cfg, state = case
    problem = build_problem(cfg, state)
    best = best_levels(problem)
    bounds = objective.upper_bounds(problem)
    assert best is not None
    bound = score_bound(problem, 10.0, greedy(problem))
    if best[:2] == (bounds["running"], bounds["required"]):
        assert bound is not None and bound >= best[2]


@settings(max_examples=40)
@given(clusters(), st.randoms(use_true_random=False))
def test_columns_to_start_with_do_not_change_the_score_bound(case, random):
    """`score_bound`'s ``columns`` (those a related LP ended with) only change where pricing
    starts: any set of them, even pairs the problem does not have, gives the same bound."""
    cfg, state = case
    problem = build_problem(cfg, state)
    start = greedy(problem)
    pairs = [(key, node) for key, nodes in problem.allowed.items() for node in nodes]
    columns = frozenset([*random.sample(pairs, random.randint(0, len(pairs))), ("no such unit", "nowhere")])
    assert score_bound(problem, 10.0, start, columns) == score_bound(problem, 10.0, start)


def test_a_freed_group_member_without_its_predecessor_keeps_its_score_in_the_free_bound():
    """The relaxed problem of `certify` keeps only the freed units: a later group member freed
    without the member before it (a finite colocation's one hop reaches only the member it
    names) is tied to nothing there, so its score counts in the bound instead of being lost."""
    from placement.model import Group, Location
    from placement.solve.incremental import relaxed
    from placement.solve.solution import Solution

    cfg = config(
        ["alice", "bob"],
        [primitive("a"), primitive("b"), Group("g", ("a", "b"))],
        constraints=(Location(resource="b", node="bob", score=50),),
    )
    alone = relaxed(build_problem(cfg), {"b"})
    assert violations(alone, Solution({"b": frozenset({"bob"})}, {})) == []
    assert score_bound(alone, 10.0) == 50


def test_closeness_needs_no_relaxation_when_the_best_answer_is_the_reference(monkeypatch):
    """Two units prefer alice, which has room for one: greedy's answer is optimal but below the
    naive bound, so the LP proves the score level; that answer is also the closeness level's
    reference, the only answer at distance 0 from it, so no second LP (or search) runs."""
    from placement.model import Location
    from placement.solve import relaxation
    from placement.solve.cpsat import solve_levels
    from placement.solve.options import SolverOptions

    cfg = config(
        [node("alice", {"cpu": 1}), node("bob", {"cpu": 2})],
        [primitive("a", {"cpu": 1}), primitive("b", {"cpu": 1})],
        constraints=(Location(resource="a", node="alice", score=10), Location(resource="b", node="alice", score=10)),
        strategy=Strategy.UTILIZATION,
    )
    problem = build_problem(cfg)
    reference = greedy(problem)
    solves = []
    original = relaxation.LinearRelaxation.solve
    monkeypatch.setattr(
        relaxation.LinearRelaxation, "solve", lambda self, limit: solves.append(1) or original(self, limit)
    )
    outcome = solve_levels(problem, reference, reference, reference, SolverOptions(time_limit=10))
    assert outcome.optimal and outcome.tie_break_optimal
    assert outcome.solution == reference and outcome.values["score"] == 10
    assert len(solves) == 1
