"""Pacemaker's assignment order and balanced tie-break (placement.solve.sequence, §6.1, §6.2)."""

from __future__ import annotations

from itertools import pairwise

from hypothesis import given, settings
from hypothesis import strategies as st

from placement.model import Colocation, Group, Location, Strategy, frozen_map
from placement.score import INFINITY
from placement.solve import build_problem, solve
from placement.solve.greedy import greedy
from placement.solve.sequence import assignment_order, capacity_points, node_order
from placement.state import Instance, NodeState, State
from tests.solve.builders import config, node, primitive


def _running(*instances: Instance) -> State:
    return State(nodes=frozen_map({}), instances=instances)


def test_running_resource_is_assigned_before_an_earlier_stopped_one():
    """cmp_resources: with a strategy, the higher score on the current node goes first.

    Both answers run one resource and score 0, so the tie goes to Pacemaker's: y, which runs
    already, keeps the only room (crm_simulate: x stays stopped). With the default strategy
    configuration order is kept and capacity is not checked.
    """
    for strategy in (Strategy.UTILIZATION, Strategy.BALANCED, Strategy.MINIMAL):
        cfg = config(
            [node("alice", {"mem": 1})],
            [primitive("x", {"mem": 1}), primitive("y", {"mem": 1})],
            strategy=strategy,
        )
        state = _running(Instance("y", "alice"))
        problem = build_problem(cfg, state)
        assert assignment_order(problem, ["x", "y"]) == ["y", "x"]
        assert solve(cfg, state).nodes_of("y") == ("alice",)
        assert solve(cfg, state).nodes_of("x") == ()
    default = build_problem(config([node("alice", {"mem": 1})], [primitive("x"), primitive("y")]), state)
    assert assignment_order(default, ["x", "y"]) == ["x", "y"]


def test_priority_still_comes_first_and_scores_break_ties_node_by_node():
    cfg = config(
        ["alice", "bob"],
        [primitive("a"), primitive("b"), primitive("c", priority=5)],
        constraints=(Location(resource="b", node="bob", score=10),),
        strategy=Strategy.UTILIZATION,
    )
    problem = build_problem(cfg)
    # c by priority; then b, which scores 10 on bob where a scores 0 (nothing runs anywhere).
    assert assignment_order(problem, ["a", "b", "c"]) == ["c", "b", "a"]


def test_colocated_primaries_scores_count_at_full_weight():
    """pcmk__add_colocated_node_scores: a mandatory "this with" adds the primary's scores."""
    cfg = config(
        ["alice", "bob"],
        [primitive("a"), primitive("b"), primitive("p")],
        constraints=(
            Location(resource="p", node="bob", score=20),
            Location(resource="b", node="bob", score=10),
            Colocation("a", "p", INFINITY),
        ),
        strategy=Strategy.UTILIZATION,
    )
    # a scores 0 + 20 on bob, b 10: a first; p has 20 as well and keeps configuration order after a.
    assert assignment_order(build_problem(cfg), ["a", "b", "p"]) == ["a", "p", "b"]


def test_group_scores_sum_its_members():
    cfg = config(
        ["alice", "bob"],
        [primitive("g1"), primitive("g2"), Group("g", ("g1", "g2")), primitive("z")],
        constraints=(
            Location(resource="g2", node="bob", score=10),
            Location(resource="g1", node="bob", score=10),
            Location(resource="z", node="bob", score=15),
        ),
        strategy=Strategy.UTILIZATION,
    )
    assert assignment_order(build_problem(cfg), ["z", "g"]) == ["g", "z"]


def test_balanced_compares_free_capacity_attribute_by_attribute():
    """pcmk__compare_node_capacities: a point per attribute, not the sum (crm_simulate: bob)."""
    cfg = config(
        [node("alice", {"a": 1, "b": 1, "c": 100}), node("bob", {"a": 2, "b": 2, "c": 1})],
        [primitive("x")],
        strategy=Strategy.BALANCED,
    )
    assert greedy(build_problem(cfg)).nodes("x") == {"bob"}
    assert solve(cfg).nodes_of("x") == ("bob",)
    assert node_order(build_problem(cfg)) == ["bob", "alice"]


capacities = st.dictionaries(st.sampled_from("abc"), st.integers(min_value=0, max_value=5), max_size=3)


@settings(max_examples=200, deadline=None)
@given(capacities, capacities)
def test_capacity_points_are_antisymmetric(one, other):
    assert capacity_points(one, other) == -capacity_points(other, one)
    assert capacity_points(one, one) == 0


@settings(max_examples=40, deadline=None)
@given(st.lists(st.integers(min_value=-3, max_value=3), min_size=1, max_size=6), st.data())
def test_order_is_a_stable_sort_of_priority_then_current_score(priorities, data):
    """Whatever the scores, the order is sorted by priority, and equal keys keep configuration order."""
    names = [f"r{i}" for i in range(len(priorities))]
    running = data.draw(st.sets(st.sampled_from(names)))
    cfg = config(
        ["alice", "bob"],
        [primitive(n, priority=p, stickiness=1) for n, p in zip(names, priorities, strict=True)],
        strategy=Strategy.UTILIZATION,
    )
    state = State(nodes=frozen_map({"alice": NodeState()}), instances=tuple(Instance(n, "alice") for n in running))
    order = assignment_order(build_problem(cfg, state), names)
    keys = [(-priorities[names.index(n)], n not in running) for n in order]
    assert keys == sorted(keys)
    for a, b in pairwise(order):
        if keys[order.index(a)] == keys[order.index(b)]:
            assert names.index(a) < names.index(b)
