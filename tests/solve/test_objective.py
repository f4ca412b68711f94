"""The objective levels, the greedy fast path, determinism and the pinned solver parameters."""

from __future__ import annotations

from dataclasses import replace

from ortools.sat.python import cp_model

from placement.model import Colocation, ColocationSet, Config, Location, Order, OrderSet, Strategy
from placement.score import INFINITY
from placement.solve import build_problem, current_solution, problem, solve, solve_problem
from placement.solve.cpsat import ENCODERS, SolverOptions, configure, solve_levels
from placement.solve.evaluate import violations
from placement.solve.greedy import greedy
from placement.solve.result import to_solution
from placement.state import Instance, State
from tests.solve.builders import config, node, primitive


def test_every_constraint_class_is_lowered_and_every_relation_encoded():
    """STYLE §5: the registry covers the model's constraint classes (Location is static scores)."""
    lowered = {Colocation, ColocationSet, Order, OrderSet}
    assert set(problem.LOWERINGS) == lowered | {Location}
    assert set(ENCODERS) == set(problem.RELATION_TYPES)


def test_plus_infinity_location_is_a_level_above_finite_scores_not_a_weight():
    """§3: +INF = must run there if it can; it beats any sum of finite scores, but is not hard."""
    cfg = config(
        ["alice", "bob"],
        [primitive("a"), primitive("b")],
        constraints=(
            Location(resource="a", node="alice", score=INFINITY, id="a-alice"),
            Colocation("b", "a", -INFINITY, id="apart"),
            Location(resource="b", node="alice", score=900_000, id="b-alice"),
        ),
    )
    placement = solve(cfg)
    assert placement.nodes_of("a") == ("alice",)
    assert placement.nodes_of("b") == ("bob",)
    unavailable = config(
        [node("alice", standby=True), "bob"],
        [primitive("a")],
        constraints=(Location(resource="a", node="alice", score=INFINITY),),
    )
    assert solve(unavailable).nodes_of("a") == ("bob",)


def test_priority_is_lexicographic():
    """Level 1: one priority-1 copy outweighs any number of priority-0 copies."""
    cfg = config(
        [node("alice", {"cpu": 3})],
        [primitive("big", {"cpu": 3}, priority=1), *(primitive(f"s{i}", {"cpu": 1}) for i in range(3))],
        strategy=Strategy.UTILIZATION,
    )
    placement = solve(cfg)
    assert placement.nodes_of("big") == ("alice",)
    assert len(placement.stopped) == 3


def test_greedy_fast_path_needs_no_model_when_every_resource_is_at_its_best():
    cfg = config(
        ["alice", "bob"],
        [primitive("db"), primitive("web")],
        constraints=(Location(resource="db", node="bob", score=10),),
    )
    placement = solve(cfg)
    assert placement.stats.method == "greedy"
    assert placement.stats.optimal
    assert placement.nodes_of("db") == ("bob",)


def test_ties_follow_pacemaker_spread_and_names():
    """Level 3: among equal answers, Pacemaker's — spread by fewest assigned, then node name."""
    cfg = config(["bob", "alice", "carol"], [primitive("a"), primitive("b"), primitive("c")])
    placement = solve(cfg, use_greedy=False)
    assert [placement.nodes_of(r) for r in "abc"] == [("alice",), ("bob",), ("carol",)]


def test_fewest_moves_among_equal_answers():
    """Level 4: with nothing else to choose, nothing moves (stickiness 0 here)."""
    cfg = config(["alice", "bob"], [primitive("a"), primitive("b")])
    state = State(instances=(Instance("a", "bob"), Instance("b", "bob")))
    exact = solve(cfg, state, use_greedy=False)
    # Pacemaker spreads (quorum-1: b moves to alice); the closeness level follows it.
    reference = greedy(build_problem(cfg, state))
    assert {k: set(v) for k, v in reference.placed.items()} == {"a": {"bob"}, "b": {"alice"}}
    assert exact.nodes_of("a") == ("bob",)


def test_same_input_same_output():
    cfg = config(
        ["alice", "bob", "carol"],
        [primitive(f"r{i}", {"cpu": 1}) for i in range(6)],
        strategy=Strategy.BALANCED,
        constraints=(Colocation("r1", "r0", -20, id="x"), Colocation("r2", "r3", 30, id="y")),
    )
    cfg = Config(
        cluster=cfg.cluster,
        nodes={n: node(n, {"cpu": 2}) for n in cfg.nodes},
        resources=cfg.resources,
        constraints=cfg.constraints,
    )
    first = solve(cfg, use_greedy=False)
    assert all(solve(cfg, use_greedy=False) == first for _ in range(3))


def _chain_of_anti_colocations(size: int) -> Config:
    """Many equally good answers and a greedy reference the exact answer must move from."""
    resources = [primitive(f"r{i}", {"cpu": (i % 7) + 1}) for i in range(size)]
    nodes = [node(f"n{i}", {"cpu": 13}) for i in range(12)]
    constraints = tuple(Colocation(f"r{i}", f"r{i + 1}", -7 - i, id=f"c{i}") for i in range(size - 1))
    return config(nodes, resources, constraints, strategy=Strategy.UTILIZATION)


def test_a_cut_tie_break_is_the_same_answer_whatever_the_time_left():
    """The closeness tie-break stops after a count of work, not at a wall-clock share.

    Cut long before it is proven (``tie_break_optimal`` False), it still returns the same
    placement when the wall-clock limit — what a busier machine shortens — differs.
    """
    lowered = build_problem(_chain_of_anti_colocations(40))
    reference, current = greedy(lowered), current_solution(lowered)
    answers = []
    for time_limit in (20.0, 40.0, 20.0):
        options = SolverOptions(time_limit=time_limit, tie_break_work=0.05)
        outcome = solve_levels(lowered, reference, reference, current, options)
        assert outcome.optimal and not outcome.tie_break_optimal  # really cut, by its budget
        answers.append((outcome.solution, outcome.values))
    assert answers[0] == answers[1] == answers[2]


def test_the_tie_break_budget_is_fixed_from_the_limit_given():
    """A share of the caller's time limit, in deterministic time, kept when the solve narrows the limit."""
    options = SolverOptions(time_limit=60.0)
    narrowed = replace(options, time_limit=7.5)  # what is left, later in a solve
    assert narrowed.tie_break_work == options.tie_break_work == 60.0 * options.tie_break_share
    solver = cp_model.CpSolver()
    configure(solver, narrowed, 7.5, narrowed.tie_break_work)
    assert solver.parameters.max_deterministic_time == 15.0
    assert solver.parameters.max_time_in_seconds == 7.5  # the wall clock still caps the solve


def test_solver_parameters_are_pinned_deliberately():
    """One worker: max_lp linearization; two: the max_lp and core subsolvers; fixed seed."""
    solver = cp_model.CpSolver()
    configure(solver, SolverOptions(num_workers=1, seed=7), 5.0)
    assert (solver.parameters.num_workers, solver.parameters.random_seed) == (1, 7)
    assert solver.parameters.linearization_level == 2
    solver = cp_model.CpSolver()
    configure(solver, SolverOptions(num_workers=2), 5.0)
    assert list(solver.parameters.subsolvers) == ["max_lp", "core"]


def test_time_limit_reports_not_proven_optimal():
    """A hit time limit returns the best answer found, flagged as not proven optimal."""
    many = [primitive(f"r{i}", {"cpu": (i % 7) + 1}) for i in range(60)]
    nodes = [node(f"n{i}", {"cpu": 13}) for i in range(12)]
    constraints = tuple(Colocation(f"r{i}", f"r{i + 1}", -7 - i, id=f"c{i}") for i in range(59))
    cfg = config(nodes, many, constraints, strategy=Strategy.UTILIZATION)
    lowered = build_problem(cfg)
    placement = solve_problem(lowered, use_greedy=False, time_limit=0.02)
    assert placement.stats.method == "cp-sat"
    assert violations(lowered, to_solution(lowered, placement)) == []
    if not placement.optimal:
        assert placement.stats.gap is not None and placement.stats.gap >= 0
