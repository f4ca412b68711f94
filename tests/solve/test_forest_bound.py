"""The forest cap on what freed units can score (`placement.solve.forest_bound`).

It replaces the LP relaxation in the node-down certificate whenever it proves as much, so it
must be a true cap (never below what a placement breaking no hard constraint earns) and
tight where the structure is a forest (or it would prove nothing).
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from placement.model import Colocation, Group, Location, Strategy
from placement.score import INFINITY
from placement.solve import build_problem, current_solution, objective
from placement.solve.cpsat import SolverOptions
from placement.solve.evaluate import violations
from placement.solve.forest_bound import earned, forest_bound, score_cap
from placement.solve.incremental import relaxed, replan
from placement.state import Instance, NodeState, NodeStatus, State
from tests.solve.brute import candidates
from tests.solve.builders import config, node, primitive
from tests.solve.test_exact_vs_brute_force import clusters


def best_earned(problem, keys) -> int:
    """The brute-force best `earned` of ``keys`` over every placement that breaks nothing."""
    return max(earned(problem, keys, s) for s in candidates(problem) if not violations(problem, s))


@settings(max_examples=150, deadline=None)
@given(clusters(), st.data())
def test_the_forest_cap_is_never_below_what_a_valid_placement_earns(case, data):
    """Every shape (groups, clones, unique and promotable clones, mandatory and finite
    colocations either way, on the node or by attribute, orders), for any set of freed units."""
    cfg, state = case
    problem = build_problem(cfg, state)
    keys = [unit.key for unit in problem.units]
    free = set(data.draw(st.lists(st.sampled_from(keys), min_size=1, unique=True))) if keys else set()
    alone = relaxed(problem, free)
    assert forest_bound(alone) >= best_earned(alone, free)


@settings(max_examples=150, deadline=None)
@given(clusters(), st.data())
def test_the_score_cap_is_never_below_the_score_of_a_valid_placement(case, data):
    """The cap a neighbourhood is settled by without a model: promotions included, for the
    whole problem or for freed units alone."""
    cfg, state = case
    problem = build_problem(cfg, state)
    keys = [unit.key for unit in problem.units]
    if keys and data.draw(st.booleans()):
        problem = relaxed(problem, set(data.draw(st.lists(st.sampled_from(keys), min_size=1, unique=True))))
    valid = [s for s in candidates(problem) if not violations(problem, s)]
    assert score_cap(problem) >= max(objective.score(problem, s) for s in valid)


def test_a_group_is_capped_at_its_best_shared_node_not_at_each_members_best():
    """``a`` scores 100 on n1, ``b`` 100 on n2: apart they would earn 200, together 100 at most."""
    cfg = config(
        ["n1", "n2"],
        [primitive("a"), primitive("b"), Group("g", ("a", "b"))],
        constraints=(Location(resource="a", node="n1", score=100), Location(resource="b", node="n2", score=100)),
    )
    problem = build_problem(cfg)
    assert forest_bound(problem) == best_earned(problem, {"a", "b"}) == 100


@pytest.mark.parametrize(("reward", "best"), [(30, 200), (300, 400)])
def test_a_finite_colocation_is_earned_only_where_it_pays_for_leaving_a_best_node(reward, best):
    """``a`` with ``b`` for ``reward``: apart they earn 200, together 100 plus the reward."""
    cfg = config(
        ["n1", "n2"],
        [primitive("a"), primitive("b")],
        constraints=(
            Location(resource="a", node="n1", score=100),
            Location(resource="b", node="n2", score=100),
            Colocation("a", "b", reward, id="ab"),
        ),
    )
    problem = build_problem(cfg)
    assert forest_bound(problem) == best_earned(problem, {"a", "b"}) == best


@pytest.mark.parametrize(("primary", "dependent"), [("a", "b"), ("b", "a")])
@pytest.mark.parametrize("as_group", [False, True])
def test_a_dependent_that_cannot_follow_does_not_hold_its_primary_back(primary, dependent, as_group):
    """The dependent is banned from n1, where its primary scores 100: the primary runs
    there and the dependent stops (100), whichever of them the tree is walked from."""
    tie = Group("g", (primary, dependent)) if as_group else Colocation(dependent, primary, INFINITY, id="tie")
    resources = [primitive("a"), primitive("b"), *([tie] if as_group else [])]
    cfg = config(
        ["n1", "n2"],
        resources,
        constraints=(
            Location(resource=primary, node="n1", score=100),
            Location(resource=dependent, node="n1", score=-INFINITY),
            Location(resource=dependent, node="n2", score=30),
            *([] if as_group else [tie]),
        ),
    )
    problem = build_problem(cfg)
    assert forest_bound(problem) == best_earned(problem, {"a", "b"}) == 100


def test_a_dependent_of_two_primaries_keeps_the_cap_above_the_truth():
    """``c`` needs both ``a`` (best on n1) and ``b`` (best on n2); stopping ``c`` lets them
    apart. One of its ties is cut, so the cap may be loose, never low."""
    cfg = config(
        ["n1", "n2"],
        [primitive("a"), primitive("b"), primitive("c")],
        constraints=(
            Location(resource="a", node="n1", score=100),
            Location(resource="b", node="n2", score=100),
            Location(resource="c", node="n1", score=150),
            Colocation("c", "a", INFINITY, id="ca"),
            Colocation("c", "b", INFINITY, id="cb"),
        ),
    )
    problem = build_problem(cfg)
    assert forest_bound(problem) >= best_earned(problem, {"a", "b", "c"}) == 250


def test_a_node_leaving_is_proven_without_the_lp_relaxation(monkeypatch):
    """n1 leaves. The group ``g`` (``a`` best on n2, ``b`` on n4) loses 100 wherever it
    goes; ``d`` would score 10 on n3, full with the sticky ``c`` (move cost 10): moving
    ``c`` gains exactly what it loses, so staying is optimal. The LP prices n3's cpu at 10,
    which ``c``'s move cost does not exceed, and the regrets (110) exceed it: without another
    cap the certificate frees ``c`` for another round. The forest caps the freed units at
    110 (the group earns 100 at most), 10 above what they earn: proven in one round,
    without building the freed units' LP relaxation."""
    from placement.solve import incremental

    def no_lp(*_args, **_kwargs):
        raise AssertionError("the LP relaxation of the freed units was built")

    monkeypatch.setattr(incremental, "_free_bound", no_lp)
    cfg = config(
        [node("n1", {"cpu": 4}), node("n2", {"cpu": 4}), node("n3", {"cpu": 1}), node("n4", {"cpu": 4})],
        [
            primitive("a"),
            primitive("b"),
            Group("g", ("a", "b")),
            primitive("c", {"cpu": 1}, stickiness=10),
            primitive("d", {"cpu": 1}),
        ],
        constraints=(
            Location(resource="a", node="n2", score=100),
            Location(resource="b", node="n4", score=100),
            Location(resource="d", node="n3", score=10),
        ),
        strategy=Strategy.UTILIZATION,
    )
    state = State(
        instances=(Instance("a", "n1"), Instance("b", "n1"), Instance("d", "n1"), Instance("c", "n3")),
        nodes={"n1": NodeState(NodeStatus.OFFLINE)},
    )
    problem = build_problem(cfg, state)
    outcome = replan(problem, current_solution(problem), SolverOptions(time_limit=20), deadline=float("inf"))
    assert outcome is not None and outcome.proven and outcome.rounds == 1
    assert outcome.solution.nodes("c") == {"n3"}
    assert outcome.solution.nodes("a") == outcome.solution.nodes("b") != {"n1"}


def _no_model(*_args, **_kwargs):
    raise AssertionError("a CP-SAT model was built for the neighbourhood")


def test_a_neighbourhood_at_its_forest_cap_is_settled_without_a_model(monkeypatch):
    """n1 leaves with the group ``g`` on it: ``a`` scores 100 on n2, ``b`` 100 on n3, so the
    group earns 100 wherever it goes — below the 200 of each member at its best alone (the
    upper bound), but at the forest's cap. Greedy's answer is proven without CP-SAT (``c``
    stays where it is, outside the neighbourhood)."""
    from placement.solve import cpsat

    monkeypatch.setattr(cpsat, "solve_levels", _no_model)
    cfg = config(
        ["n1", "n2", "n3"],
        [primitive("a"), primitive("b"), Group("g", ("a", "b")), primitive("c", stickiness=10)],
        constraints=(Location(resource="a", node="n2", score=100), Location(resource="b", node="n3", score=100)),
    )
    state = State(
        instances=(Instance("a", "n1"), Instance("b", "n1"), Instance("c", "n2")),
        nodes={"n1": NodeState(NodeStatus.OFFLINE)},
    )
    problem = build_problem(cfg, state)
    assert objective.upper_bounds(problem)["score"] == 210 and score_cap(problem) == 110
    outcome = replan(problem, current_solution(problem), SolverOptions(time_limit=20), deadline=float("inf"))
    assert outcome is not None and outcome.proven and outcome.rounds == 1 and outcome.variables == 0
    assert outcome.solution.nodes("a") == outcome.solution.nodes("b") in ({"n2"}, {"n3"})


def test_a_settled_neighbourhood_prices_capacity_at_zero_for_the_certificate(monkeypatch):
    """``d`` (on n1, which leaves) gains 50 beside ``e``, which gains 50 beside ``f`` but may
    not run on f's node n4: ``d`` and ``e`` are freed (a finite colocation one hop), ``f`` is
    pinned as their partner, and the unearned e–f colocation (50) stays in the certificate's
    sum, more than ``x`` (sticky 10 on n2, no tie to the neighbourhood) loses by moving. The
    neighbourhood is settled at its forest cap, which leaves capacity out, so no capacity
    ``x`` frees is worth anything to it: ``x`` stays pinned and one round proves the answer.
    (Without a price the certificate would free ``x`` for a second round.)"""
    from placement.solve import cpsat

    monkeypatch.setattr(cpsat, "solve_levels", _no_model)
    cfg = config(
        ["n1", "n2", "n3", "n4"],
        [primitive("d"), primitive("e"), primitive("f", stickiness=100), primitive("x", stickiness=10)],
        constraints=(
            Location(resource="e", node="n4", score=-INFINITY),
            Colocation("d", "e", 50, id="de"),
            Colocation("e", "f", 50, id="ef"),
        ),
    )
    state = State(
        instances=(Instance("d", "n1"), Instance("e", "n3"), Instance("f", "n4"), Instance("x", "n2")),
        nodes={"n1": NodeState(NodeStatus.OFFLINE)},
    )
    problem = build_problem(cfg, state)
    outcome = replan(problem, current_solution(problem), SolverOptions(time_limit=20), deadline=float("inf"))
    assert outcome is not None and outcome.proven and outcome.rounds == 1 and outcome.variables == 0
    assert outcome.free == 2
    assert outcome.solution.nodes("f") == {"n4"} and outcome.solution.nodes("x") == {"n2"}
    assert outcome.solution.nodes("d") == outcome.solution.nodes("e") != {"n4"}
