"""What-if events: each one's effect on configuration and state, and bad names."""

from __future__ import annotations

from pathlib import Path

import pytest

import placement
from placement import events as ev
from placement.errors import InvalidInput
from placement.score import INFINITY
from placement.state import NodeStatus

KVM = placement.load(Path(__file__).parents[1] / "examples" / "kvm.place")
NOW = placement.steady_state(KVM)


def apply(*events):
    return ev.apply_events(KVM, NOW, list(events))


def test_node_down_makes_it_unclean_and_keeps_what_it_ran() -> None:
    _, state = apply(ev.NodeDown("charlie"))
    assert state.node("charlie").status is NodeStatus.UNCLEAN
    assert sorted(i.resource for i in state.instances if i.node == "charlie") == ["iscsi", "zulu"]


def test_without_fencing_a_lost_node_is_offline_and_its_resources_recover_elsewhere() -> None:
    """compat(pacemaker): determine_online_status_no_fencing; crm_simulate --node-fail agrees."""
    from dataclasses import replace

    unfenced = replace(KVM, cluster=replace(KVM.cluster, fencing=False))
    now = placement.steady_state(unfenced)
    on_charlie = {i.resource for i in now.instances if i.node == "charlie"}
    _, state = ev.apply_events(unfenced, now, [ev.NodeDown("charlie")])
    assert state.node("charlie").status is NodeStatus.OFFLINE
    assert not any(i.node == "charlie" for i in state.instances)
    result = placement.plan(unfenced, now, [ev.NodeDown("charlie")])
    assert not result.details.fenced  # nothing to fence: it is simply down
    for resource in on_charlie - {"iscsi"}:  # iscsi is a clone: one copy per node
        assert result.placement.nodes_of(resource) and "charlie" not in result.placement.nodes_of(resource)


def test_node_leave_shuts_down_cleanly() -> None:
    result = placement.plan(KVM, NOW, [ev.NodeLeave("charlie")])
    assert not result.details.fenced
    assert "stop zulu@charlie" in {str(a) for a in result.transition}
    assert result.apply().node("charlie").status is NodeStatus.OFFLINE


def test_node_up_brings_back_an_empty_node() -> None:
    _, down = apply(ev.NodeDown("charlie"))
    _, up = ev.apply_events(KVM, down, [ev.NodeUp("charlie")])
    assert up.node("charlie").status is NodeStatus.ONLINE
    assert not [i for i in up.instances if i.node == "charlie"]


def test_standby_and_online() -> None:
    _, state = apply(ev.Standby("bob"))
    assert state.node("bob").status is NodeStatus.STANDBY
    _, state = ev.apply_events(KVM, state, [ev.Online("bob")])
    assert state.node("bob").status is NodeStatus.ONLINE


def test_online_refuses_a_node_that_is_down() -> None:
    _, down = apply(ev.NodeDown("charlie"))
    with pytest.raises(InvalidInput, match="charlie' is unclean: bring it up with --node-up"):
        ev.apply_events(KVM, down, [ev.Online("charlie")])


def test_monitor_failure_marks_the_copy_failed_and_counts() -> None:
    _, state = apply(ev.Fail("xray", "alice"))
    (xray,) = state.instances_of("xray")
    assert xray.failed and state.fail_count("xray", "alice") == 1


def test_start_failure_is_fatal_by_default() -> None:
    _, state = apply(ev.Fail("yankee", "alice", "start"))
    assert state.fail_count("yankee", "alice") == INFINITY
    result = placement.plan(KVM, NOW, [ev.Fail("yankee", "alice", "start")])
    assert "alice" not in result.placement.nodes_of("yankee")


def test_stop_failure_fences_the_node() -> None:
    result = placement.plan(KVM, NOW, [ev.Fail("xray", "alice", "stop")])
    assert result.details.fenced == ("alice",)


def test_failure_of_a_clone_names_its_primitive() -> None:
    _, state = apply(ev.Fail("cl_iscsi", "bob"))
    assert [i.node for i in state.instances_of("iscsi") if i.failed] == ["bob"]


def test_a_monitor_cannot_fail_where_the_resource_does_not_run() -> None:
    with pytest.raises(InvalidInput, match="'xray' is not running on 'bob'"):
        apply(ev.Fail("xray", "bob"))


def test_ban_clear_stop_and_start_change_the_configuration() -> None:
    config, _ = apply(ev.Ban("xray", "alice"))
    assert placement.plan(config, NOW).placement.nodes_of("xray") != ("alice",)
    config, _ = ev.apply_events(config, NOW, [ev.Clear("xray")])
    assert config.constraints == KVM.constraints
    config, _ = apply(ev.StopResource("zulu"))
    assert placement.plan(config, NOW).placement.nodes_of("zulu") == ()
    config, _ = ev.apply_events(config, NOW, [ev.StartResource("zulu")])
    assert placement.plan(config, NOW).placement.nodes_of("zulu") == ("charlie",)


def test_set_attribute_is_a_transient_node_attribute() -> None:
    _, state = apply(ev.SetAttribute("bob", "pingd", "0"))
    assert dict(state.node("bob").attributes) == {"pingd": "0"}


@pytest.mark.parametrize(("event", "message"), [
    (ev.NodeDown("charly"), "node 'charly' does not exist (did you mean 'charlie'?)"),
    (ev.Ban("xrya", "alice"), "resource 'xrya' does not exist (did you mean 'xray'?)"),
    (ev.Fail("web", "alice"), "resource 'web' does not exist"),
])
def test_unknown_names_are_errors_with_a_suggestion(event, message) -> None:
    with pytest.raises(InvalidInput, match=message.replace("(", r"\(").replace(")", r"\)").replace("?", r"\?")):
        apply(event)


@pytest.mark.parametrize("text", ["xray", "@alice", "xray@", "xray@alice:reboot"])
def test_resource_at_node_syntax(text: str) -> None:
    with pytest.raises(InvalidInput):
        ev.parse_resource_at_node(text, with_operation=True)
    assert ev.parse_resource_at_node("xray@alice:start", with_operation=True) == ("xray", "alice", "start")


ON_FAIL = ("cluster stickiness=100\nnode a\nnode b\nfence f stonith:fence_dummy\n"
           "resource r ocf:heartbeat:Dummy {{ monitor every 10s on-fail={policy} }}\nlocation r prefers a 10\n")


def plan_on_fail(policy: str):
    config = placement.loads(ON_FAIL.format(policy=policy))
    return placement.plan(config, placement.steady_state(config), [ev.Fail("r", "a")])


def test_on_fail_restart_recovers_in_place() -> None:
    assert plan_on_fail("restart").summary()[-1] == "Recover    r            ( a )"


def test_on_fail_ignore_changes_nothing() -> None:
    assert plan_on_fail("ignore").is_empty


def test_on_fail_stop_stops_and_keeps_it_stopped() -> None:
    result = plan_on_fail("stop")
    assert result.placement.nodes_of("r") == ()
    assert "stop r@a" in {str(a) for a in result.transition}


def test_on_fail_block_leaves_it_alone() -> None:
    result = plan_on_fail("block")
    assert not [a for a in result.transition if a.resource == "r"]
    (copy,) = result.apply().instances_of("r")
    assert copy.failed and not copy.managed


def test_on_fail_standby_moves_everything_off_the_node() -> None:
    result = plan_on_fail("standby")
    assert result.state.node("a").status.value == "standby"
    assert result.placement.nodes_of("r") == ("b",)


def test_on_fail_fence_fences_the_node() -> None:
    assert plan_on_fail("fence").details.fenced == ("a",)
