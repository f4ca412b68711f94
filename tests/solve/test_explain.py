"""`placement why`: score terms for a running resource, the unsatisfiable core for a stopped one."""

from __future__ import annotations

import pytest

from placement.errors import InvalidInput
from placement.model import Colocation, Location, Order, Span, Strategy
from placement.score import INFINITY
from placement.solve.explain import explain, unsatisfiable_core
from placement.solve.problem import build_problem
from placement.state import Instance, State
from tests.solve.builders import config, node, primitive

NODES = ["alice", "bob", "charlie"]


def test_running_resource_shows_its_terms_and_the_losers():
    cfg = config(
        NODES,
        [primitive("xray", stickiness=100)],
        constraints=(Location(resource="xray", node="alice", score=50, id="pref-alice"),),
    )
    text = str(explain(cfg, State(instances=(Instance("xray", "alice"),)), "xray"))
    assert "xray runs on alice" in text
    assert "alice 150 = location pref-alice 50 + stickiness 100" in text
    assert "bob 0 = 0" in text


def test_core_names_the_colocation_and_the_primary_bans_with_lines():
    bans = tuple(Location(resource="storage", node=n, score=-INFINITY, id=f"no-{n}") for n in NODES)
    coloc = Colocation("xray", "storage", INFINITY, id="xray-with-storage", span=Span("kvm.place", 14, 1))
    cfg = config(NODES, [primitive("storage"), primitive("xray")], constraints=(*bans, coloc))
    explanation = explain(cfg, None, "xray")
    assert not explanation.runs
    text = str(explanation)
    assert "xray cannot run" in text
    assert "colocation xray-with-storage: xray with storage inf (kvm.place:14)" in text
    assert "storage cannot run" in text and "no-alice" in text


def test_core_is_minimal():
    """Only the constraints that together forbid the resource, not every hard constraint."""
    cfg = config(
        ["alice"],
        [primitive("a", managed=False), primitive("b"), primitive("c")],
        constraints=(
            Colocation("b", "a", -INFINITY, id="b-apart-a"),
            Order("a", "c", id="a-then-c"),
            Location(resource="a", node="alice", score=10),
        ),
    )
    problem = build_problem(cfg, State(instances=(Instance("a", "alice"),)))  # a is pinned there
    assert unsatisfiable_core(problem, "b") == ["b-apart-a"]
    assert unsatisfiable_core(problem, "c") is None  # c runs


def test_capacity_appears_as_a_cost_not_a_core():
    """b could run on its own; it is stopped because a (higher priority) needs the room."""
    cfg = config(
        [node("alice", {"cpu": 1})],
        [primitive("a", {"cpu": 1}, priority=5), primitive("b", {"cpu": 1})],
        strategy=Strategy.UTILIZATION,
    )
    text = str(explain(cfg, None, "b"))
    assert "running it would stop a" in text


def test_static_ban_is_explained_per_node():
    cfg = config(
        [node("alice", standby=True), "bob"],
        [primitive("db")],
        constraints=(Location(resource="db", node="bob", score=-INFINITY, id="never-bob"),),
    )
    text = str(explain(cfg, None, "db"))
    assert "node alice is in standby" in text
    assert "never-bob" in text


def test_unknown_resource_is_invalid_input():
    with pytest.raises(InvalidInput, match="unknown resource 'nope'"):
        explain(config(NODES, [primitive("db")]), None, "nope")
