"""Colocation (§5), order blocking (§7), groups, clones and promotable clones (§8)."""

from __future__ import annotations

from placement.model import (
    Clone,
    Colocation,
    ColocationSet,
    Group,
    Location,
    Meta,
    Order,
    OrderKind,
    ResourceSet,
    Role,
)
from placement.score import INFINITY
from placement.solve import solve
from placement.state import Instance, State
from tests.solve.builders import config, node, primitive

NODES = ["alice", "bob", "carol"]


def test_mandatory_colocation_follows_the_primary():
    """§5: with +INF the dependent runs only where the primary runs."""
    cfg = config(
        NODES,
        [primitive("db"), primitive("web")],
        constraints=(
            Colocation("web", "db", INFINITY, id="web-with-db"),
            Location(resource="db", node="carol", score=10),
        ),
    )
    placement = solve(cfg)
    assert placement.nodes_of("web") == placement.nodes_of("db") == ("carol",)


def test_dependent_stops_when_primary_cannot_run():
    """§5 "When the primary cannot run": mandatory dependents stop too."""
    cfg = config(
        NODES,
        [primitive("db", target_role=Role.STOPPED), primitive("web")],
        constraints=(Colocation("web", "db", INFINITY, id="web-with-db"),),
    )
    assert solve(cfg).nodes_of("web") == ()


def test_finite_colocation_can_pull_the_primary():
    """§13: a dependent's preference pulls its primary when together they score more."""
    cfg = config(
        NODES,
        [primitive("db"), primitive("web")],
        constraints=(
            Colocation("web", "db", 100, id="web-near-db"),
            Location(resource="db", node="alice", score=20),
            Location(resource="web", node="bob", score=60),
        ),
    )
    placement = solve(cfg)
    assert placement.nodes_of("db") == placement.nodes_of("web") == ("bob",)


def test_finite_anti_colocation_spreads():
    cfg = config(
        ["alice", "bob"],
        [primitive("a"), primitive("b")],
        constraints=(
            Colocation("b", "a", -50, id="apart"),
            Location(resource="a", node="alice", score=10),
            Location(resource="b", node="alice", score=10),
        ),
    )
    placement = solve(cfg)
    assert {placement.nodes_of("a"), placement.nodes_of("b")} == {("alice",), ("bob",)}


def test_mandatory_anti_colocation():
    cfg = config(
        ["alice", "bob"],
        [primitive("a"), primitive("b")],
        constraints=(
            Colocation("b", "a", -INFINITY, id="apart"),
            Location(resource="a", node="alice", score=10),
            Location(resource="b", node="alice", score=20),
        ),
    )
    placement = solve(cfg)
    assert placement.nodes_of("a") != placement.nodes_of("b")
    assert len(placement.assignments) == 2


def test_node_attribute_colocation_uses_the_same_rack():
    """§5 node-attribute: nodes with the same attribute value count as together."""
    nodes = [
        node("alice", attributes={"rack": "a"}),
        node("bob", attributes={"rack": "a"}),
        node("carol", attributes={"rack": "b"}),
    ]
    cfg = config(
        nodes,
        [primitive("db"), primitive("web")],
        constraints=(
            Colocation("web", "db", INFINITY, node_attribute="rack", id="same-rack"),
            Location(resource="db", node="carol", score=-INFINITY),
            Location(resource="web", node="bob", score=-INFINITY),
        ),
    )
    placement = solve(cfg)
    assert placement.nodes_of("web") == ("alice",)
    assert placement.nodes_of("db") in (("alice",), ("bob",))


def test_colocation_set_chains_members():
    """§5 Sets: in a sequential set each member is colocated with the previous one."""
    cfg = config(
        NODES,
        [primitive("a"), primitive("b"), primitive("c")],
        constraints=(
            ColocationSet((ResourceSet(("a", "b", "c")),), INFINITY, id="abc"),
            Location(resource="a", node="bob", score=10),
        ),
    )
    placement = solve(cfg)
    assert placement.nodes_of("a") == placement.nodes_of("b") == placement.nodes_of("c") == ("bob",)


def test_colocation_with_a_clone_runs_where_a_copy_runs():
    """§5 "With a clone": a dependent may run on any node with a copy."""
    cfg = config(
        NODES,
        [primitive("iscsi"), Clone("cl", "iscsi", max=2), primitive("vm")],
        constraints=(
            Colocation("vm", "cl", INFINITY, id="vm-with-storage"),
            Location(resource="cl", node="carol", score=-INFINITY),
            Location(resource="vm", node="carol", score=100),
        ),
    )
    placement = solve(cfg)
    assert placement.nodes_of("vm")[0] in placement.nodes_of("iscsi")
    assert "carol" not in placement.nodes_of("vm")


def test_colocation_with_promoted_role():
    """§5: with-rsc-role=Promoted restricts the dependent to the promoted copy's node."""
    nodes = [node("alice", attributes={"master-db": "10"}), node("bob", attributes={"master-db": "5"})]
    cfg = config(
        nodes,
        [primitive("db"), Clone("ms", "db", promotable=True), primitive("vip")],
        constraints=(
            Colocation("vip", "ms", INFINITY, primary_role=Role.PROMOTED, id="vip-with-primary"),
            Location(resource="vip", node="bob", score=100),
        ),
    )
    placement = solve(cfg)
    promoted = [a.node for a in placement.assignments if a.resource == "db" and a.role is Role.PROMOTED]
    # Promoting on bob (5) with vip there (100) beats promoting on alice (10) with vip away.
    assert promoted == ["bob"]
    assert placement.nodes_of("vip") == ("bob",)


def test_mandatory_order_blocks_then_when_first_cannot_run():
    """§7: if first cannot run, then cannot run (mandatory); optional orders never block."""
    resources = [primitive("db", target_role=Role.STOPPED), primitive("web"), primitive("report")]
    cfg = config(
        NODES,
        resources,
        constraints=(
            Order("db", "web", id="db-then-web"),
            Order("db", "report", kind=OrderKind.OPTIONAL, id="soft"),
        ),
    )
    placement = solve(cfg)
    assert placement.nodes_of("web") == ()
    assert placement.nodes_of("report") != ()


def test_order_does_not_move_resources():
    cfg = config(
        NODES,
        [primitive("db"), primitive("web")],
        constraints=(
            Order("db", "web", id="db-then-web"),
            Location(resource="db", node="alice", score=10),
            Location(resource="web", node="bob", score=10),
        ),
    )
    placement = solve(cfg)
    assert (placement.nodes_of("db"), placement.nodes_of("web")) == (("alice",), ("bob",))


def test_group_members_share_a_node_and_a_failing_member_stops_the_rest():
    """§8 Group: member i+1 runs only with member i; the group goes where all members score best."""
    cfg = config(
        NODES,
        [primitive("ip"), primitive("fs"), primitive("web"), Group("g", ("ip", "fs", "web"))],
        constraints=(
            Location(resource="ip", node="alice", score=10),
            Location(resource="fs", node="bob", score=30),
            Location(resource="web", node="carol", score=-INFINITY),
        ),
    )
    placement = solve(cfg)
    assert placement.nodes_of("ip") == placement.nodes_of("fs") == placement.nodes_of("web") == ("bob",)
    stopped_fs = config(
        NODES,
        [
            primitive("ip"),
            primitive("fs", target_role=Role.STOPPED),
            primitive("web"),
            Group("g", ("ip", "fs", "web")),
        ],
    )
    placement = solve(stopped_fs)
    assert placement.nodes_of("ip") != () and placement.nodes_of("web") == ()


def test_a_group_with_an_unmanaged_first_member_still_obeys_its_mandatory_colocation():
    """Pacemaker's colocate-unmanaged-group: the group must run with `db`, which cannot run.
    The unmanaged first member stays where it is (left alone), but the later members may not
    start beside it: the group's mandatory colocation binds every member."""
    cfg = config(
        NODES,
        [
            primitive("db", target_role=Role.STOPPED),
            primitive("ip", managed=False),
            primitive("fs"),
            Group("g", ("ip", "fs")),
        ],
        constraints=(Colocation("g", "db", INFINITY, id="g-with-db"),),
    )
    placement = solve(cfg, State(instances=(Instance("ip", "alice"),)))
    assert placement.nodes_of("ip") == ("alice",) and placement.nodes_of("fs") == ()


def test_anonymous_clone_max_and_one_copy_per_node():
    cfg = config(NODES, [primitive("ping"), Clone("cl", "ping", max=2)])
    placement = solve(cfg)
    assert len(placement.nodes_of("ping")) == 2
    assert sorted(a.clone_instance for a in placement.assignments) == ["0", "1"]


def test_anonymous_clone_defaults_to_one_copy_on_every_node():
    placement = solve(config(NODES, [primitive("ping"), Clone("cl", "ping")]))
    assert placement.nodes_of("ping") == tuple(NODES)


def test_unique_clone_per_node_limit():
    cfg = config(["alice", "bob"], [primitive("web"), Clone("cl", "web", max=4, per_node=2, globally_unique=True)])
    placement = solve(cfg)
    nodes = [a.node for a in placement.assignments]
    assert len(nodes) == 4 and nodes.count("alice") == nodes.count("bob") == 2
    assert sorted(a.clone_instance for a in placement.assignments) == ["0", "1", "2", "3"]


def test_cloned_group_copies_keep_members_together():
    cfg = config(
        NODES,
        [primitive("a"), primitive("b"), Group("g", ("a", "b")), Clone("cl", "g", max=2)],
        constraints=(Location(resource="b", node="alice", score=-INFINITY),),
    )
    placement = solve(cfg)
    assert placement.nodes_of("a") == placement.nodes_of("b") == ("bob", "carol")


def test_clone_copies_keep_their_instance_numbers():
    cfg = config(NODES, [primitive("ping"), Clone("cl", "ping", max=2)])
    state = State(instances=(Instance("ping", "carol", clone_instance="1"),))
    placement = solve(cfg, state)
    numbers = {a.node: a.clone_instance for a in placement.assignments}
    assert numbers["carol"] == "1"
    assert sorted(numbers.values()) == ["0", "1"]


def test_promotion_follows_the_promotion_score():
    """§8: the copy with the highest master-<rsc> is promoted; no score means not promotable."""
    nodes = [
        node("alice", attributes={"master-db": "5"}),
        node("bob", attributes={"master-db": "50"}),
        "carol",
    ]
    cfg = config(nodes, [primitive("db"), Clone("ms", "db", promotable=True)])
    placement = solve(cfg)
    roles = {a.node: a.role for a in placement.assignments}
    assert roles == {"alice": Role.UNPROMOTED, "bob": Role.PROMOTED, "carol": Role.UNPROMOTED}


def test_a_unique_clone_instance_reads_its_own_promotion_score():
    """§8 (Pacemaker's promoted-2, rec-node-13): instance N of a globally-unique clone is
    promoted by `master-<rsc>:<N>`, the name its agent sets; the bare `master-<rsc>` is not its."""
    nodes = [
        node("alice", attributes={"master-db:0": "10", "master-db": "100"}),
        node("bob", attributes={"master-db:1": "50"}),
    ]
    cfg = config(nodes, [primitive("db"), Clone("ms", "db", max=2, promotable=True, globally_unique=True)])
    state = State(
        instances=(Instance("db", "alice", clone_instance="0"), Instance("db", "bob", clone_instance="1"))
    )
    placement = solve(cfg, state)
    roles = {(a.node, a.clone_instance): a.role for a in placement.assignments}
    assert roles == {("alice", "0"): Role.UNPROMOTED, ("bob", "1"): Role.PROMOTED}


def test_promoted_max_two_and_target_role_unpromoted():
    nodes = [node(n, attributes={"master-db": "1"}) for n in NODES]
    cfg = config(nodes, [primitive("db"), Clone("ms", "db", promotable=True, promoted_max=2)])
    assert sum(a.role is Role.PROMOTED for a in solve(cfg).assignments) == 2
    unpromoted = Meta(target_role=Role.UNPROMOTED)
    capped = config(nodes, [primitive("db"), Clone("ms", "db", promotable=True, promoted_max=2, meta=unpromoted)])
    assert not any(a.role is Role.PROMOTED for a in solve(capped).assignments)


def test_fence_devices_are_placed_like_any_resource():
    cfg = config(
        ["alice", "bob"],
        [primitive("fence_alice", fences=("alice",))],
        fencing=True,
        constraints=(Location(resource="fence_alice", node="alice", score=-INFINITY),),
    )
    assert solve(cfg).nodes_of("fence_alice") == ("bob",)
