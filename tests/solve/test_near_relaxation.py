"""The search near the LP optimum (`cpsat._near_relaxation`): fix what the LP optimum and the
best answer agree on, search the rest briefly, keep the answer only when the LP bound proves it."""

from __future__ import annotations

from hypothesis import given, settings

from placement.model import Colocation, Location, Order
from placement.score import INFINITY
from placement.solve import build_problem, cpsat, solve_problem
from placement.solve.evaluate import violations
from placement.solve.result import to_solution
from placement.state import Instance, State
from tests.solve.brute import best_levels
from tests.solve.builders import config, node, primitive
from tests.solve.test_exact_vs_brute_force import clusters


def anti_by_rack():
    """Two racked nodes, both rack b: ``r0`` and ``r1`` may not share a rack with ``r2``,
    which may run only on n1; ``r0`` runs on n2 now. (Found by hypothesis: greedy's answer
    is below the LP bound and the LP optimum is fractional, so a level needs search.)"""
    cfg = config(
        [node("n1", {"cpu": 2}, attributes={"rack": "b"}), node("n2", {"cpu": 3}, attributes={"rack": "b"})],
        [
            primitive("r0", {"cpu": 2}, priority=5, stickiness=30),
            primitive("r1", {"cpu": 0}),
            primitive("r2", {"cpu": 2}, priority=5),
        ],
        constraints=(
            Location(resource="r0", node="n2", score=0),
            Location(resource="r1", node="n1", score=40),
            Location(resource="r1", node="n2", score=-20),
            Location(resource="r2", node="n1", score=40),
            Location(resource="r2", node="n2", score=-INFINITY),
            Colocation("r0", "r2", -INFINITY, node_attribute="rack", id="col0"),
            Colocation("r1", "r2", -INFINITY, node_attribute="rack", id="col1"),
            Order("r1", "r2", id="ord"),
        ),
    )
    return cfg, State(instances=(Instance("r0", "n2"),))


def test_a_level_proven_near_the_relaxation_is_the_brute_force_optimum(monkeypatch):
    proofs = []
    near = cpsat._near_relaxation

    def counted(*args, **kwargs):
        found = near(*args, **kwargs)
        proofs.append(found[1])
        return found

    monkeypatch.setattr(cpsat, "_near_relaxation", counted)
    cfg, state = anti_by_rack()
    problem = build_problem(cfg, state)
    placement = solve_problem(problem)
    assert any(proofs), "the search near the relaxation proved no level here"
    assert placement.stats.optimal
    solution = to_solution(problem, placement)
    values = placement.objective
    assert (values["running"], values["required"], values["score"]) == best_levels(problem)
    assert not violations(problem, solution)


@settings(max_examples=150, deadline=None)
@given(
    clusters(),
)
def test_the_search_near_the_relaxation_changes_no_level_of_the_answer(case):
    """With it and without it (the whole level searched) the answer is as good on every level."""
    cfg, state = case
    problem = build_problem(cfg, state)
    with_it = solve_problem(problem).objective
    original = cpsat._near_relaxation
    try:
        cpsat._near_relaxation = lambda *args, **kwargs: (None, False)
        without = solve_problem(build_problem(cfg, state)).objective
    finally:
        cpsat._near_relaxation = original
    assert with_it == without
