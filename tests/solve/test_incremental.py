"""Incremental replanning (§ issue 4): the neighbourhood answer equals the full one when proven.

After a node is lost, only the displaced resources and their neighbourhood are re-solved;
the certificate must never claim optimality the full model would beat.
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from placement.model import Colocation, Location, Strategy
from placement.score import INFINITY
from placement.solve import build_problem, current_solution, solve, solve_problem
from placement.solve.cpsat import SolverOptions
from placement.solve.evaluate import violations
from placement.solve.incremental import certify, displaced, neighbourhood, replan
from placement.solve.result import to_solution
from placement.state import Instance, NodeState, NodeStatus, State
from tests.solve.builders import config, node, primitive

LEVELS = ("running", "required", "score")


def running(placement) -> State:
    return State(
        instances=tuple(
            Instance(a.resource, a.node, a.role, clone_instance=a.clone_instance) for a in placement.assignments
        )
    )


@st.composite
def clusters_after_a_failure(draw):
    names = [f"n{i}" for i in range(draw(st.integers(2, 4)))]
    nodes = [node(n, {"cpu": draw(st.integers(2, 4))}) for n in names]
    count = draw(st.integers(2, 7))
    resources = [
        primitive(f"r{i}", {"cpu": draw(st.integers(1, 2))}, stickiness=draw(st.sampled_from([0, 50])))
        for i in range(count)
    ]
    constraints = []
    for i in range(count):
        if draw(st.booleans()):
            constraints.append(
                Location(
                    resource=f"r{i}",
                    node=draw(st.sampled_from(names)),
                    score=draw(st.sampled_from([-INFINITY, 20, 60])),
                )
            )
    for index in range(draw(st.integers(0, 3))):
        a, b = draw(st.permutations(range(count)))[:2]
        constraints.append(
            Colocation(f"r{a}", f"r{b}", draw(st.sampled_from([-INFINITY, -40, 30, INFINITY])), id=f"c{index}")
        )
    cfg = config(nodes, resources, tuple(constraints), strategy=Strategy.UTILIZATION)
    before = running(solve(cfg, incremental=False))
    lost = draw(st.sampled_from(names))
    status = draw(st.sampled_from([NodeStatus.OFFLINE, NodeStatus.STANDBY]))
    return cfg, before.with_node(lost, NodeState(status))


@settings(max_examples=60)
@given(clusters_after_a_failure())
def test_a_proven_neighbourhood_answer_is_as_good_as_the_full_model(case):
    cfg, state = case
    problem = build_problem(cfg, state)
    current = current_solution(problem)
    outcome = replan(problem, current, SolverOptions(time_limit=20), deadline=float("inf"))
    full = solve_problem(problem, incremental=False)
    if outcome is None:
        return
    assert violations(problem, outcome.solution) == []
    if outcome.proven:
        from placement.solve import objective

        mine = objective.values(problem, outcome.solution, current, current)
        assert [mine[level] for level in LEVELS] == [full.objective[level] for level in LEVELS]


@settings(max_examples=40)
@given(clusters_after_a_failure())
def test_solve_with_incremental_is_exactly_as_good_as_without(case):
    """The public entry point falls back to the full model when it cannot prove the neighbourhood."""
    cfg, state = case
    with_neighbourhood = solve(cfg, state)
    without = solve(cfg, state, incremental=False)
    assert with_neighbourhood.optimal
    assert [with_neighbourhood.objective[level] for level in LEVELS] == [without.objective[level] for level in LEVELS]


def test_only_the_displaced_and_their_colocated_partners_are_freed():
    cfg = config(
        ["alice", "bob", "carol"],
        [primitive(r, stickiness=100) for r in ("db", "web", "mail", "dns")],
        constraints=(Colocation("web", "db", INFINITY, id="web-with-db"),),
    )
    state = State(
        instances=(
            Instance("db", "alice"),
            Instance("web", "alice"),
            Instance("mail", "bob"),
            Instance("dns", "carol"),
        ),
        nodes={"alice": NodeState(NodeStatus.OFFLINE)},
    )
    problem = build_problem(cfg, state)
    current = current_solution(problem)
    assert displaced(problem, current) == {"db", "web"}
    assert neighbourhood(problem, {"db"}) == {"db", "web"}
    placement = solve(cfg, state)
    assert placement.stats.method == "incremental" and placement.optimal
    assert placement.nodes_of("mail") == ("bob",) and placement.nodes_of("dns") == ("carol",)
    assert placement.nodes_of("db") == placement.nodes_of("web") != ("alice",)
    assert certify(problem, {"db", "web"}, to_solution(problem, placement)).proven
