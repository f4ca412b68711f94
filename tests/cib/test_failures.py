"""Bans implied by failed operations (stop failures, hard and fatal errors, on-fail=stop)."""

from __future__ import annotations

import shutil

import pytest

from placement.cib.failures import bans
from placement.model import Defined
from placement.score import INFINITY
from placement.state import FailedOperation, State
from tests.cib.cibxml import ONLINE, cib, config_of, dummy, load, our_placement, pacemaker_placement

CONFIG = config_of(cib(dummy("r") + f'<clone id="c">{dummy("k")}</clone>'))


def banned(*failures: FailedOperation) -> list[tuple[str, str | None]]:
    out = []
    for location in bans(CONFIG, State(failed_operations=failures)):
        assert location.score == -INFINITY or location.rules[0].score == -INFINITY
        out.append((location.resource, location.node))
    return out


def test_a_stop_failure_bans_that_node() -> None:
    assert banned(FailedOperation("r", "alice", "stop", rc=1, on_fail="fence")) == [("r", "alice")]


def test_failures_pacemaker_pretends_succeeded_ban_nothing() -> None:
    """unpack_rsc_op: on-fail=ignore, and a contained resource's failed stop (its container
    is recovered), never reach unpack_rsc_op_failure's "__stop_fail__" ban."""
    assert banned(FailedOperation("r", "alice", "stop", rc=1, on_fail="ignore")) == []
    assert banned(FailedOperation("r", "alice", "stop", rc=1, on_fail="restart-container")) == []
    assert banned(FailedOperation("r", "alice", "start", rc=5, on_fail="restart-container")) == [("r", "alice")]


def test_a_contained_resource_whose_stop_failed_restarts_with_its_container_in_place(tmp_path) -> None:
    group = (
        '<group id="g"><meta_attributes id="gm"><nvpair id="gc" name="container" value="box"/></meta_attributes>'
        + dummy("box")
        + dummy("app")
        + "</group>"
    )
    ops = (
        '<lrm_resource id="box" class="ocf" provider="pacemaker" type="Dummy">'
        '<lrm_rsc_op id="b1" operation="start" call-id="1" rc-code="0" op-status="0" interval="0"'
        ' transition-key="1:1:0:x"/></lrm_resource>'
        '<lrm_resource id="app" class="ocf" provider="pacemaker" type="Dummy">'
        '<lrm_rsc_op id="a1" operation="start" call-id="2" rc-code="0" op-status="0" interval="0"'
        ' transition-key="2:1:0:x"/>'
        '<lrm_rsc_op id="a2" operation="stop" call-id="3" rc-code="1" op-status="0" interval="0"'
        ' transition-key="3:1:0:x"/></lrm_resource>'
    )
    status = (
        f'<node_state id="1" uname="alice" {ONLINE}><lrm id="l1"><lrm_resources>{ops}</lrm_resources></lrm>'
        f'</node_state><node_state id="2" uname="bob" {ONLINE}/>'
    )
    path = tmp_path / "cib.xml"
    path.write_text(cib(group, status=status, options='<nvpair id="o" name="stonith-enabled" value="false"/>'))
    assert our_placement(path) == {("box", "alice"), ("app", "alice")}
    if shutil.which("crm_simulate") is None:
        pytest.skip("crm_simulate (pacemaker-cli-utils) not installed")
    assert pacemaker_placement(path) == {("box", "alice"), ("app", "alice")}


def test_hard_errors_ban_that_node_but_not_from_a_probe() -> None:
    assert banned(FailedOperation("r", "bob", "start", rc=5, on_fail="restart")) == [("r", "bob")]
    assert banned(FailedOperation("r", "bob", "monitor", interval_ms=0, rc=5, on_fail="restart")) == []
    assert banned(FailedOperation("r", "bob", "monitor", interval_ms=10000, rc=1, on_fail="restart")) == []


def test_fatal_errors_and_on_fail_stop_ban_every_node() -> None:
    (fatal,) = bans(CONFIG, State(failed_operations=(FailedOperation("r", "bob", "start", rc=6),)))
    assert fatal.node is None and fatal.rules[0].expression == Defined("#uname")
    assert banned(FailedOperation("r", "bob", "start", rc=1, on_fail="stop")) == [("r", None)]


def test_on_fail_stop_of_a_clone_copy_bans_only_its_node() -> None:
    assert banned(FailedOperation("k", "bob", "start", rc=1, on_fail="stop")) == [("k", "bob")]


def test_ignored_failures_ban_nothing_and_duplicates_collapse() -> None:
    assert banned(FailedOperation("r", "bob", "stop", rc=5, on_fail="ignore")) == []
    twice = FailedOperation("r", "alice", "stop", rc=1, on_fail="block")
    assert banned(twice, twice) == [("r", "alice")]


def test_from_a_cib_history() -> None:
    ops = '<operations><op id="s" name="start" interval="0" on-fail="stop"/></operations>'
    history = (
        '<lrm id="l"><lrm_resources><lrm_resource id="r" class="ocf" type="Dummy">'
        '<lrm_rsc_op id="f" operation="start" call-id="2" rc-code="1" op-status="4" interval="0"'
        ' transition-key="1:1:0:u"/>'
        "</lrm_resource></lrm_resources></lrm>"
    )
    status = (
        f'<node_state id="1" uname="alice" {ONLINE}>{history}</node_state><node_state id="2" uname="bob" {ONLINE}/>'
    )
    config, state = load(cib(dummy("r", ops), status=status))
    assert [(b.resource, b.node, b.id) for b in bans(config, state)] == [("r", None, "on-fail-stop-r")]


def test_multiply_active_with_stop_only_is_stopped_everywhere() -> None:
    from placement.state import Instance

    config = config_of(
        cib(
            dummy(
                "r",
                '<meta_attributes id="m"><nvpair id="m1" name="multiple-active" value="stop_only"/></meta_attributes>',
            )
            + dummy("q")
        )
    )
    twice = (Instance("r", "alice"), Instance("r", "bob"), Instance("q", "alice"), Instance("q", "bob"))
    assert [(b.resource, b.node) for b in bans(config, State(instances=twice))] == [("r", None)]
    assert bans(config, State(instances=twice[:1])) == ()


def test_planning_config_adds_the_bans_and_config_stays_clean(tmp_path) -> None:
    from placement.cib import import_cib

    ops = '<operations><op id="s" name="start" interval="0" on-fail="stop"/></operations>'
    history = (
        '<lrm id="l"><lrm_resources><lrm_resource id="r" class="ocf" type="Dummy">'
        '<lrm_rsc_op id="f" operation="start" call-id="2" rc-code="1" op-status="4" interval="0"'
        ' transition-key="1:1:0:u"/></lrm_resource></lrm_resources></lrm>'
    )
    path = tmp_path / "cib.xml"
    path.write_text(cib(dummy("r", ops), status=f'<node_state id="1" uname="alice" {ONLINE}>{history}</node_state>'))
    result = import_cib(path)
    assert result.config.constraints == ()
    assert [c.id for c in result.planning_config.constraints] == ["on-fail-stop-r"]
