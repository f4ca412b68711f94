"""More SEMANTICS.md rules: clone-min, ordered sets, promoted dependents, group stickiness,
anonymous-clone failure bans, quorum freeze, determinism of replans."""

from __future__ import annotations

import pytest

from placement.errors import InvalidInput, Unsupported
from placement.model import (
    Action,
    Clone,
    Colocation,
    Group,
    Location,
    NoQuorumPolicy,
    Order,
    OrderSet,
    ResourceSet,
    Role,
    Span,
    frozen_map,
)
from placement.score import INFINITY
from placement.solve import solve
from placement.state import FailCount, Instance, NodeState, NodeStatus, State
from tests.solve.builders import config, node, primitive

NODES = ["alice", "bob", "carol"]


def test_clone_min_blocks_then_until_enough_copies_run():
    """§7: clone-min on the first clone — then runs only when that many copies run."""
    bans = tuple(Location(resource="cl", node=n, score=-INFINITY) for n in ("bob", "carol"))
    cfg = config(
        NODES,
        [primitive("disk"), Clone("cl", "disk", min=2), primitive("vm")],
        constraints=(*bans, Order("cl", "vm", id="storage-first")),
    )
    assert solve(cfg).nodes_of("vm") == ()
    relaxed = config(
        NODES,
        [primitive("disk"), Clone("cl", "disk", min=1), primitive("vm")],
        constraints=(*bans, Order("cl", "vm", id="storage-first")),
    )
    assert solve(relaxed).nodes_of("vm") != ()


def test_order_set_with_require_all_false_needs_any_one():
    """§7 ordered sets: a later set waits for any member of a require-all=false set."""
    sets = (ResourceSet(("a", "b"), sequential=False, require_all=False), ResourceSet(("c",)))
    stopped_a = config(
        NODES,
        [primitive("a", target_role=Role.STOPPED), primitive("b"), primitive("c")],
        constraints=(OrderSet(sets, id="any-then-c"),),
    )
    assert solve(stopped_a).nodes_of("c") != ()
    both_stopped = config(
        NODES,
        [primitive("a", target_role=Role.STOPPED), primitive("b", target_role=Role.STOPPED), primitive("c")],
        constraints=(OrderSet(sets, id="any-then-c"),),
    )
    assert solve(both_stopped).nodes_of("c") == ()


def test_promote_order_blocks_on_promotion():
    """§7: 'promote ms then start app' — app needs a promoted copy somewhere."""
    cfg = config(
        NODES,
        [primitive("db"), Clone("ms", "db", promotable=True), primitive("app")],
        constraints=(Order("ms", "app", first_action=Action.PROMOTE, then_action=Action.START, id="p"),),
    )
    assert solve(cfg).nodes_of("app") == ()  # no master-db score anywhere: nothing is promoted
    scored = config(
        [node("alice", attributes={"master-db": "10"}), "bob", "carol"],
        [primitive("db"), Clone("ms", "db", promotable=True), primitive("app")],
        constraints=(Order("ms", "app", first_action=Action.PROMOTE, then_action=Action.START, id="p"),),
    )
    assert solve(scored).nodes_of("app") != ()


def test_promoted_dependent_must_be_with_its_primary():
    """§5: rsc-role=Promoted — the promoted copy goes where the primary runs."""
    nodes = [node(n, attributes={"master-db": "10"}) for n in NODES]
    cfg = config(
        nodes,
        [primitive("db"), Clone("ms", "db", promotable=True), primitive("vip")],
        constraints=(
            Colocation("ms", "vip", INFINITY, dependent_role=Role.PROMOTED, id="primary-with-vip"),
            Location(resource="vip", node="carol", score=50),
        ),
    )
    placement = solve(cfg)
    promoted = [a.node for a in placement.assignments if a.role is Role.PROMOTED]
    assert promoted == ["carol"] == list(placement.nodes_of("vip"))


def test_group_stickiness_is_the_sum_of_its_members():
    """§4: every active member adds its stickiness, so a group of 3×40 resists a pull of 120;
    a location on the group counts once, on its first member (pcmk__group_apply_location)."""
    members = [primitive(m, stickiness=40) for m in ("ip", "fs", "web")]
    cfg = config(
        NODES, [*members, Group("g", ("ip", "fs", "web"))], constraints=(Location(resource="g", node="bob", score=120),)
    )
    running = State(instances=tuple(Instance(m, "alice") for m in ("ip", "fs", "web")))
    assert solve(cfg, running).nodes_of("web") == ("alice",)  # 120 of stickiness ties 120: stays
    pulled = config(
        NODES, [*members, Group("g", ("ip", "fs", "web"))], constraints=(Location(resource="g", node="bob", score=130),)
    )
    assert solve(pulled, running).nodes_of("web") == ("bob",)


def test_anonymous_clone_failure_bans_the_whole_clone_on_that_node():
    """§4: a failed member of an anonymous cloned group bans every member there."""
    cfg = config(
        NODES, [primitive("a"), primitive("b", migration_threshold=1), Group("g", ("a", "b")), Clone("cl", "g")]
    )
    placement = solve(cfg, State(fail_counts=(FailCount("b", "bob", 1),)))
    assert "bob" not in placement.nodes_of("a") and "bob" not in placement.nodes_of("b")
    assert placement.nodes_of("a") == ("alice", "carol")


def test_freeze_keeps_active_resources_running_even_when_they_must_move():
    """§2 freeze: an active resource may still move; nothing inactive starts."""
    cfg = config(NODES, [primitive("db"), primitive("idle")], no_quorum=NoQuorumPolicy.FREEZE)
    state = State(
        instances=(Instance("db", "alice"),), quorum=False, nodes=frozen_map({"alice": NodeState(NodeStatus.STANDBY)})
    )
    placement = solve(cfg, state)
    assert placement.nodes_of("db") in (("bob",), ("carol",))
    assert placement.nodes_of("idle") == ()


def test_replans_are_deterministic():
    cfg = config(
        NODES,
        [primitive(f"r{i}", stickiness=10) for i in range(8)],
        constraints=(Colocation("r1", "r0", -30, id="x"), Colocation("r3", "r2", 20, id="y")),
    )
    running = State(
        instances=tuple(Instance(f"r{i}", NODES[i % 3]) for i in range(8)),
        nodes=frozen_map({"alice": NodeState(NodeStatus.OFFLINE)}),
    )
    first = solve(cfg, running)
    assert all(solve(cfg, running).assignments == first.assignments for _ in range(3))


def test_unknown_resource_in_a_constraint_is_invalid_input_with_its_position():
    cfg = config(
        NODES,
        [primitive("db")],
        constraints=(Colocation("web", "db", id="web-with-db", span=Span("x.place", 3, 1)),),
    )
    with pytest.raises(InvalidInput, match=r"x\.place:3:1: error: web-with-db: resource 'web' does not exist"):
        solve(cfg)


def test_a_clone_of_a_clone_is_unsupported():
    """(Promotable clones of groups are supported: tests/solve/test_promotable_groups.py.)"""
    cfg = config(NODES, [primitive("a"), Clone("inner", "a"), Clone("outer", "inner")])
    with pytest.raises(Unsupported, match="clone of a clone"):
        solve(cfg)


def test_asymmetrical_order_blocks_starts_only():
    """§7, handle_asymmetric_ordering: with symmetrical=false a `then` that runs and stays
    keeps running whatever `first` does — stops (bug-5014-A-stop-B-started) or cannot
    start at all; only a `then` that must restart (it failed) needs `first`'s start
    (asymmetrical-order-restart: "Stop B due to unrunnable A start")."""
    resources = [primitive("a", target_role=Role.STOPPED), primitive("b")]
    order = (Order("a", "b", symmetrical=False, id="a-then-b"),)
    both_running = State(instances=(Instance("a", "alice"), Instance("b", "bob")))
    assert solve(config(NODES, resources, order), both_running).nodes_of("b") == ("bob",)
    only_b_running = State(instances=(Instance("b", "bob"),))
    assert solve(config(NODES, resources, order), only_b_running).nodes_of("b") == ("bob",)
    b_failed = State(instances=(Instance("b", "bob", failed=True),))
    assert solve(config(NODES, resources, order), b_failed).nodes_of("b") == ()
    assert solve(config(NODES, resources, order)).nodes_of("b") == ()
    symmetric = (Order("a", "b", id="a-then-b"),)
    assert solve(config(NODES, resources, symmetric), both_running).nodes_of("b") == ()


