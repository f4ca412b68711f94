"""Utilization and strategies (SEMANTICS.md §6.3) and where greedy fails but exact succeeds (§6.4)."""

from __future__ import annotations

import pytest

from placement.model import Colocation, Location, Strategy
from placement.score import INFINITY
from placement.solve import build_problem, solve
from placement.solve.greedy import greedy
from tests.solve.builders import config, node, primitive


def pacemaker_documentation_example(strategy: Strategy = Strategy.UTILIZATION):
    """Pacemaker Explained, "Utilization and Placement Strategy"."""
    return config(
        [node("node1", {"cpu": 2, "memory": 2048}), node("node2", {"cpu": 4, "memory": 4096})],
        [
            primitive("small", {"cpu": 1, "memory": 1024}),
            primitive("medium", {"cpu": 2, "memory": 2048}),
            primitive("large", {"cpu": 3, "memory": 3072}),
        ],
        strategy=strategy,
    )


def test_documentation_example_greedy_leaves_large_stopped():
    """§6.4: the one-by-one assignment puts small on node1, medium on node2, and large fits nowhere."""
    reference = greedy(build_problem(pacemaker_documentation_example()))
    assert reference.nodes("small") == {"node1"}
    assert reference.nodes("medium") == {"node2"}
    assert reference.nodes("large") == frozenset()


@pytest.mark.parametrize("strategy", [Strategy.UTILIZATION, Strategy.MINIMAL, Strategy.BALANCED])
def test_documentation_example_exact_runs_all_three(strategy):
    placement = solve(pacemaker_documentation_example(strategy))
    assert placement.nodes_of("medium") == ("node1",)
    assert placement.nodes_of("small") == ("node2",)
    assert placement.nodes_of("large") == ("node2",)
    assert placement.stopped == ()
    assert placement.optimal
    assert placement.stats.method == "cp-sat"


def test_default_strategy_ignores_capacity():
    """§6.3: utilization only counts when placement-strategy is not default."""
    placement = solve(pacemaker_documentation_example(Strategy.DEFAULT))
    assert placement.stopped == ()


def test_missing_capacity_attribute_is_zero():
    """§6.3: a node without the attribute has capacity 0 for it."""
    cfg = config(
        [node("alice", {"cpu": 4}), node("bob", {})],
        [primitive("db", {"cpu": 1})],
        strategy=Strategy.UTILIZATION,
        constraints=(Location(resource="db", node="bob", score=100),),
    )
    assert solve(cfg).nodes_of("db") == ("alice",)


def test_capacity_overflow_stops_the_lowest_priority():
    """Objective level 1: a higher-priority resource is never stopped to run lower ones."""
    cfg = config(
        [node("alice", {"cpu": 2})],
        [primitive("a", {"cpu": 1}), primitive("b", {"cpu": 1}), primitive("vip", {"cpu": 2}, priority=10)],
        strategy=Strategy.UTILIZATION,
    )
    placement = solve(cfg)
    assert placement.nodes_of("vip") == ("alice",)
    assert {s.resource for s in placement.stopped} == {"a", "b"}


def test_anti_colocation_packing_greedy_fails_exact_succeeds():
    """§6.4 "Anti-colocation packing": A takes the only node B may use; exact moves A."""
    cfg = config(
        ["alice", "bob"],
        [primitive("a"), primitive("b")],
        constraints=(
            Colocation("b", "a", -INFINITY, id="b-apart-a"),
            Location(resource="b", node="bob", score=-INFINITY, id="b-not-bob"),
        ),
    )
    reference = greedy(build_problem(cfg))
    assert reference.nodes("b") == frozenset()  # a took alice (lowest name), b has nowhere left
    placement = solve(cfg)
    assert placement.nodes_of("a") == ("bob",)
    assert placement.nodes_of("b") == ("alice",)


def test_colocation_chain_under_capacity_exact_runs_more():
    """A mandatory chain needs one big node; greedy fills it with an unrelated resource first."""
    cfg = config(
        [node("alice", {"mem": 4}), node("bob", {"mem": 2})],
        [primitive("cache", {"mem": 2}), primitive("db", {"mem": 2}), primitive("app", {"mem": 2})],
        constraints=(Colocation("app", "db", INFINITY, id="app-with-db"),),
        strategy=Strategy.UTILIZATION,
    )
    reference = greedy(build_problem(cfg))
    placement = solve(cfg)
    greedy_running = sum(len(nodes) for nodes in reference.placed.values())
    assert len(placement.assignments) == 3 > greedy_running
    assert placement.nodes_of("db") == placement.nodes_of("app") == ("alice",)


@pytest.mark.parametrize("incremental", [True, False])
def test_a_copy_pinned_over_capacity_stays_and_leaves_no_room_for_others(incremental):
    """An unmanaged copy keeps its node whatever its utilization (Pacemaker assigns it
    without a capacity check); a movable one may not add to the overflow."""
    from placement.state import Instance, State

    cfg = config(
        [node("alice", {"cpu": 1}), node("bob", {"cpu": 2})],
        [primitive("held", {"cpu": 2}, managed=False), primitive("web", {"cpu": 1}, stickiness=100)],
        strategy=Strategy.UTILIZATION,
    )
    state = State(instances=(Instance("held", "alice", managed=False), Instance("web", "alice")))
    placement = solve(cfg, state, incremental=incremental)
    assert placement.nodes_of("held") == ("alice",)
    assert placement.nodes_of("web") == ("bob",)


@pytest.mark.parametrize(
    ("strategy", "stickiness", "where"),
    [
        (Strategy.MINIMAL, 0, ("alice",)),  # compare_nodes: score, then straight to the name
        (Strategy.MINIMAL, 10, ("bob",)),  # assign_best_node keeps a current node scoring > 0
        (Strategy.UTILIZATION, 0, ("bob",)),  # elsewhere the current node wins the tie
    ],
)
def test_with_minimal_an_unsticky_resource_goes_to_the_first_node_by_name(strategy, stickiness, where):
    from placement.state import Instance, State

    cfg = config(
        [node("alice", {"cpu": 2}), node("bob", {"cpu": 2})],
        [primitive("web", {"cpu": 1}, stickiness=stickiness)],
        strategy=strategy,
    )
    assert solve(cfg, State(instances=(Instance("web", "bob"),))).nodes_of("web") == where
