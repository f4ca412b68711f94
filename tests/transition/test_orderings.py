"""Orderings and changes, each from a small configuration that shows the rule."""

from __future__ import annotations

import itertools

import networkx as nx
import pytest

import placement
from placement.events import Fail, NodeDown, Standby
from placement.transition import ChangeKind, Op


def plan_after(text: str, *events):
    config = placement.loads(text)
    return placement.plan(config, placement.steady_state(config), list(events))


def labels(result) -> set[str]:
    return {str(a) for a in result.transition}


def before(result, first: str, then: str) -> bool:
    by_label = {str(a): a for a in result.transition}
    return by_label[then] in nx.descendants(result.transition, by_label[first])


BASE = "cluster stickiness=100\nnode a\nnode b\nfence f stonith:fence_dummy\n"


def test_a_failed_monitor_is_recovered_in_place_and_restarts_mandatory_dependents() -> None:
    result = plan_after(BASE + "resource db ocf:heartbeat:Dummy\nresource app ocf:heartbeat:Dummy\n"
                        "location db prefers a 10\ncolocation app with db\norder db then app\n",
                        Fail("db", "a"))
    kinds = {c.resource: c.kind for c in result.details.changes}
    assert kinds == {"db": ChangeKind.RECOVER, "app": ChangeKind.RESTART}
    # app stops before db stops (symmetrical order), db restarts, then app starts again.
    assert before(result, "stop app@a", "stop db@a")
    assert before(result, "stop db@a", "start db@a")
    assert before(result, "start db@a", "start app@a")
    assert "Restart    app          ( a ) due to required db start" in result.summary()


def test_an_optional_order_does_not_restart_and_only_sequences() -> None:
    result = plan_after(BASE + "resource db ocf:heartbeat:Dummy\nresource app ocf:heartbeat:Dummy\n"
                        "location db prefers a 10\norder db then app optional\n", Fail("db", "a"))
    assert [c.resource for c in result.details.changes] == ["db"]


def test_group_members_start_in_order_and_stop_in_reverse() -> None:
    result = plan_after(BASE + "resource vip ocf:heartbeat:Dummy\nresource web ocf:heartbeat:Dummy\n"
                        "group g of vip web\nlocation g prefers a 10\n", Standby("a"))
    assert before(result, "stop web@a", "stop vip@a")
    assert before(result, "start vip@b", "start web@b")
    assert before(result, "stop vip@a", "start vip@b")


def test_a_promotable_group_copy_promotes_in_member_order_and_demotes_in_reverse() -> None:
    """compat(pacemaker): a promotable clone's group copy promotes its members in order and
    demotes them in reverse, like starts and stops."""
    result = plan_after(BASE + "resource x ocf:heartbeat:Dummy\nresource y ocf:heartbeat:Dummy\n"
                        "group g of x y\npromotable ms of g\n"
                        "location ms promoted prefers a 10\nlocation ms promoted prefers b 5\n", Standby("a"))
    assert before(result, "demote y:0@a", "demote x:0@a")
    assert before(result, "promote x:1@b", "promote y:1@b")
    assert before(result, "demote x:0@a", "promote x:1@b")


def test_allow_migrate_moves_by_live_migration_and_cleans_up_the_source() -> None:
    result = plan_after(BASE + "resource vm ocf:heartbeat:Dummy meta allow-migrate=true\nlocation vm prefers a 10\n",
                        Standby("a"))
    assert {label for label in labels(result) if "vm" in label} == {"migrate_to vm@a", "migrate_from vm@b",
                                                                     "stop vm@a"}
    assert before(result, "migrate_to vm@a", "migrate_from vm@b")
    assert before(result, "migrate_from vm@b", "stop vm@a")
    assert "Migrate    vm           ( a -> b )" in result.summary()


def test_a_failed_resource_is_not_migrated() -> None:
    result = plan_after(BASE + "resource vm ocf:heartbeat:Dummy meta allow-migrate=true migration-threshold=1\n"
                        "location vm prefers a 10\n", Fail("vm", "a"))
    assert [c.kind for c in result.details.changes if c.resource == "vm"] == [ChangeKind.RECOVER]
    assert "Recover    vm           ( a -> b )" in result.summary()


def test_promotion_moves_after_the_promoted_node_is_fenced() -> None:
    result = plan_after(BASE + "node c\nresource p ocf:pacemaker:Stateful { monitor every 10s role=promoted }\n"
                        "promotable db of p\nlocation db promoted prefers a 100\n"
                        "location db promoted prefers b 50\n", NodeDown("a"))
    promote = [a for a in result.transition if a.op is Op.PROMOTE]
    assert [a.node for a in promote] == ["b"]
    fence = next(a for a in result.transition if a.op is Op.FENCE)
    assert promote[0] in nx.descendants(result.transition, fence)
    after = result.apply()
    assert sorted(i.role.value for i in after.instances_of("p")) == ["promoted", "unpromoted"]


def test_fences_run_one_at_a_time_unless_concurrent() -> None:
    text = BASE + "node c\nresource r ocf:heartbeat:Dummy\n"
    serial = plan_after(text, NodeDown("a"), NodeDown("b"))
    assert before(serial, "fence a", "fence b")
    concurrent = plan_after(text.replace("stickiness=100", "stickiness=100 concurrent-fencing"),
                            NodeDown("a"), NodeDown("b"))
    assert concurrent.waves[0] == sorted(a for a in concurrent.transition if a.op is Op.FENCE)


def test_mandatory_anti_colocation_stops_before_the_other_starts_on_that_node() -> None:
    result = plan_after(BASE + "node c\nresource x ocf:heartbeat:Dummy\nresource y ocf:heartbeat:Dummy\n"
                        "location x prefers a 200\nlocation x-b: x prefers b 100\nlocation x avoids c\n"
                        "location y prefers b 10\ncolocation y apart from x\n", Standby("a"))
    # x must leave a for b (c is banned); y makes room by moving to c, and must be gone first.
    assert before(result, "stop y@b", "start x@b")


def test_utilization_strategies_stop_on_a_node_before_starting_there() -> None:
    result = plan_after("cluster stickiness=100 strategy=utilization\nnode a capacity cpu=2\nnode b capacity cpu=2\n"
                        "node c capacity cpu=2\nfence f stonith:fence_dummy\n"
                        "resource big ocf:heartbeat:Dummy uses cpu=2\nresource small ocf:heartbeat:Dummy uses cpu=1\n"
                        "location big prefers a 100\nlocation big avoids c\nlocation small prefers b 100\n",
                        Standby("a"))
    assert before(result, "stop small@b", "start big@b")


@pytest.mark.parametrize("events", [[NodeDown("a")], [Standby("a")], [Fail("r", "a", "start")]])
def test_the_critical_path_is_a_path_of_the_graph(events) -> None:
    result = plan_after(BASE + "resource r ocf:heartbeat:Dummy\nlocation r prefers a 10\n", *events)
    path = result.details.critical_path
    assert path and all(result.transition.has_edge(x, y) for x, y in itertools.pairwise(path))


def test_a_migration_whose_orderings_cannot_hold_becomes_a_move() -> None:
    # Pacemaker's 5-am-then-bm-a-not-migratable: A (not migratable) moves n1 -> n2 and B
    # (migratable) moves n2 -> n1 with "order A then B". B's migration would need A started
    # first, and A's stop needs B stopped first: B falls back to a move (SEMANTICS.md §11).
    from placement.state import Instance, State

    config = placement.loads("cluster stickiness=1\nnode n1\nnode n2\nfence f stonith:fence_dummy\n"
                             "resource A ocf:heartbeat:Dummy\nresource B ocf:heartbeat:Dummy meta allow-migrate=true\n"
                             "location A prefers n2 100\nlocation B prefers n1 100\norder A then B\n")
    now = State(instances=(Instance("A", "n1"), Instance("B", "n2"), Instance("f", "n1")))
    result = placement.plan(config, now)
    kinds = {c.resource: c.kind for c in result.details.changes}
    assert kinds == {"A": ChangeKind.MOVE, "B": ChangeKind.MOVE}
    assert before(result, "stop B@n2", "stop A@n1")
    assert before(result, "start A@n2", "start B@n1")


def test_a_migration_with_no_conflicting_order_stays_a_migration() -> None:
    from placement.state import Instance, State

    config = placement.loads("cluster stickiness=1\nnode n1\nnode n2\nfence f stonith:fence_dummy\n"
                             "resource A ocf:heartbeat:Dummy\nresource B ocf:heartbeat:Dummy meta allow-migrate=true\n"
                             "location A prefers n1 100\nlocation B prefers n1 100\norder A then B\n")
    now = State(instances=(Instance("A", "n1"), Instance("B", "n2"), Instance("f", "n1")))
    result = placement.plan(config, now)
    assert {c.resource: c.kind for c in result.details.changes} == {"B": ChangeKind.MIGRATE}


def test_contradictory_mandatory_orders_in_a_transition_are_invalid_input() -> None:
    from placement.errors import InvalidInput
    from placement.transition.action import Action as Step
    from placement.transition.schedule import check_acyclic
    graph = nx.DiGraph()
    one, two = Step(Op.START, "a", "x"), Step(Op.START, "a", "y")
    graph.add_edge(one, two, why="order x then y")
    graph.add_edge(two, one, why="order y then x")
    with pytest.raises(InvalidInput, match="they form a cycle: start x@a"):
        check_acyclic(graph)
