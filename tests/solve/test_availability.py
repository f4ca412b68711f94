"""Node availability, quorum, fencing and unmanaged resources (SEMANTICS.md §2, §4, §10)."""

from __future__ import annotations

from placement.model import Location, NoQuorumPolicy, frozen_map
from placement.score import INFINITY
from placement.solve import solve
from placement.solve.availability import can_fence, quorum_effect
from placement.state import Instance, NodeState, NodeStatus, State
from tests.solve.builders import config, node, primitive


def state_with(nodes: dict[str, NodeStatus] | None = None, instances=(), quorum: bool = True) -> State:
    return State(
        nodes=frozen_map({n: NodeState(s) for n, s in (nodes or {}).items()}),
        instances=tuple(instances),
        quorum=quorum,
    )


def test_standby_offline_and_maintenance_nodes_take_nothing():
    """§2 pcmk__node_available: only online, non-standby, non-maintenance nodes take resources."""
    cfg = config(
        [node("alice", standby=True), "bob", "carol", "dave"],
        [primitive("db")],
        constraints=tuple(
            Location(resource="db", node=n, score=s) for n, s in (("alice", 40), ("bob", 30), ("carol", 20))
        ),
    )
    state = state_with({"bob": NodeStatus.OFFLINE, "carol": NodeStatus.MAINTENANCE})
    assert solve(cfg, state).nodes_of("db") == ("dave",)


def test_resource_on_maintenance_node_is_left_alone():
    """§2: resources already on a maintenance node stay there, although the node takes nothing new."""
    cfg = config(["alice", "bob"], [primitive("db")], constraints=(Location(resource="db", node="bob", score=100),))
    state = state_with({"alice": NodeStatus.MAINTENANCE}, [Instance("db", "alice")])
    assert solve(cfg, state).nodes_of("db") == ("alice",)


def test_unmanaged_resource_stays_put_even_where_banned():
    """§4 is-managed=false: the resource stays exactly where it is."""
    cfg = config(
        ["alice", "bob"],
        [primitive("db", managed=False)],
        constraints=(Location(resource="db", node="alice", score=-INFINITY),),
    )
    placement = solve(cfg, state_with(instances=[Instance("db", "alice")]))
    assert placement.nodes_of("db") == ("alice",)


def test_stop_all_resources_stops_everything():
    cfg = config(["alice"], [primitive("db")], stop_all=True)
    placement = solve(cfg)
    assert placement.assignments == ()
    assert "stop-all" in placement.stopped[0].reason


def test_no_fence_device_with_fencing_enabled_leaves_everything_alone():
    """§2 "Surprise": fencing enabled but no device ⇒ every primitive unmanaged."""
    cfg = config(["alice", "bob"], [primitive("db"), primitive("web")], fencing=True)
    placement = solve(cfg, state_with(instances=[Instance("db", "bob")]))
    assert placement.nodes_of("db") == ("bob",)
    assert placement.nodes_of("web") == ()
    assert "no fence device" in placement.stopped[0].reason


def test_quorum_policies():
    """§2 Quorum: stop stops what requires quorum, freeze keeps the active, ignore ignores."""
    resources = [primitive("running"), primitive("idle"), primitive("free", requires="nothing")]
    state = state_with(instances=[Instance("running", "alice")], quorum=False)
    for policy, expected in [
        (NoQuorumPolicy.STOP, {"free"}),
        (NoQuorumPolicy.FREEZE, {"running", "free"}),
        (NoQuorumPolicy.IGNORE, {"running", "idle", "free"}),
    ]:
        placement = solve(config(["alice", "bob"], resources, no_quorum=policy), state)
        assert {a.resource for a in placement.assignments} == expected, policy


def test_quorum_effect_with_quorum_is_unrestricted():
    effect = quorum_effect(config(["alice"], []), State(quorum=True))
    assert effect.may_start and effect.may_keep and effect.may_promote


def test_can_fence_needs_fencing_on_quorum_and_a_device_that_targets_the_node():
    """§10 pe_can_fence: fencing on, quorum (or ignore), a device that can target the node."""
    nodes = ["alice", "bob"]
    device = primitive("fence_bob", fences=("bob",))
    with_device = config(nodes, [device], fencing=True)
    assert can_fence(with_device, State(), "bob")
    assert not can_fence(with_device, State(), "alice")  # the device only fences bob
    assert not can_fence(config(nodes, [device], fencing=False), State(), "bob")
    banned = config(
        nodes,
        [device],
        fencing=True,
        constraints=(Location(resource="fence_bob", node="alice", score=-INFINITY),),
    )
    # compat(pacemaker): whether the device could run anywhere is the fencer's business.
    assert can_fence(banned, State(), "bob")
    assert not can_fence(with_device, State(quorum=False), "bob")


def test_unclean_node_that_can_be_fenced_frees_its_resources():
    """§10: once fenced, the victim's resources are recovered elsewhere."""
    cfg = config(["alice", "bob"], [primitive("fence_any"), primitive("db")], fencing=True)
    state = state_with({"bob": NodeStatus.UNCLEAN}, [Instance("db", "bob")])
    placement = solve(cfg, state)
    assert placement.nodes_of("db") == ("alice",)
    assert placement.blocked == ()


def test_unclean_node_that_cannot_be_fenced_blocks_its_resources():
    """§10: if fencing is impossible the unclean node's resources are blocked, not recovered."""
    cfg = config(["alice", "bob"], [primitive("db")], fencing=False)
    state = state_with({"bob": NodeStatus.UNCLEAN}, [Instance("db", "bob")])
    placement = solve(cfg, state)
    assert placement.nodes_of("db") == ("bob",)
    assert [b.resource for b in placement.blocked] == ["db"]
    assert "cannot be fenced" in placement.blocked[0].reason


def test_opt_in_cluster_runs_only_where_a_location_allows():
    """§2 symmetric-cluster=false: only nodes with a location entry (score ≥ 0, 0 included)."""
    cfg = config(
        ["alice", "bob", "carol"],
        [primitive("db"), primitive("web")],
        symmetric=False,
        constraints=(Location(resource="db", node="carol", score=0),),
    )
    placement = solve(cfg)
    assert placement.nodes_of("db") == ("carol",)
    assert placement.nodes_of("web") == ()
