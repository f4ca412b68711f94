"""A stop that waits for a blocked stop is blocked too (placement.solve.blocked_stops, §7, §9)."""

from __future__ import annotations

import shutil
import subprocess
from itertools import pairwise

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from placement.model import Group, Location, Order, Role, frozen_map
from placement.score import INFINITY
from placement.solve import solve
from placement.state import Instance, NodeState, NodeStatus, State
from tests.cib.cibxml import ONLINE, cib, dummy, load, meta, option
from tests.solve.builders import config, primitive


def _state(*instances: Instance, shutdown: str | None = None) -> State:
    nodes = {"alice": NodeState(NodeStatus.ONLINE, shutdown=shutdown == "alice")}
    return State(nodes=frozen_map(nodes), instances=instances)


BLOCKED = Instance("b", "alice", failed=True, managed=False)  # a failed stop with on-fail=block


def test_first_of_a_mandatory_order_cannot_stop_before_its_blocked_then():
    """``a then b``: b stops before a; b's stop cannot run, so a stays although it should stop."""
    cfg = config(
        ["alice", "bob"],
        [primitive("a", target_role=Role.STOPPED), primitive("b")],
        constraints=(Order("a", "b"),),
    )
    placement = solve(cfg, _state(Instance("a", "alice"), BLOCKED))
    assert placement.nodes_of("a") == ("alice",)
    assert any(b.resource == "a" and "blocked" in b.reason for b in placement.blocked)


def test_a_merely_unmanaged_then_holds_nothing():
    """An unmanaged copy that has not failed needs no stop: the first may stop (crm_simulate agrees)."""
    cfg = config(
        ["alice", "bob"],
        [primitive("a", target_role=Role.STOPPED), primitive("b", managed=False)],
        constraints=(Order("a", "b"),),
    )
    placement = solve(cfg, _state(Instance("a", "alice"), Instance("b", "alice", managed=False)))
    assert placement.nodes_of("a") == ()


def test_asymmetrical_orders_do_not_order_stops():
    cfg = config(
        ["alice", "bob"],
        [primitive("a", target_role=Role.STOPPED), primitive("b")],
        constraints=(Order("a", "b", symmetrical=False),),
    )
    assert solve(cfg, _state(Instance("a", "alice"), BLOCKED)).nodes_of("a") == ()


def test_earlier_group_members_wait_for_a_blocked_later_member():
    """In a group member i+1 stops before member i; the chain is followed to a fixpoint."""
    members = ("m1", "m2", "b", "m4")
    cfg = config(
        ["alice", "bob"],
        [*(primitive(m) for m in members), Group("g", members)],
        constraints=(Location(resource="g", node="alice", score=-INFINITY),),
    )
    state = _state(Instance("m1", "alice"), Instance("m2", "alice"), BLOCKED, Instance("m4", "alice"))
    placement = solve(cfg, state)
    assert placement.nodes_of("m1") == placement.nodes_of("m2") == ("alice",)
    # m4 stops before b, so it can; and it must, since its start follows b's blocked recovery.
    assert placement.nodes_of("m4") == ()


@settings(max_examples=30, deadline=None)
@given(st.integers(min_value=2, max_value=6), st.data())
def test_everything_before_a_blocked_link_of_an_order_chain_stays(length, data):
    """A chain r0 → r1 → … of mandatory orders, all told to stop, with one blocked copy rk:
    exactly r0 … r(k-1) stay (their stops come after rk's), the rest stop."""
    blocked = data.draw(st.integers(min_value=0, max_value=length - 1))
    names = [f"r{i}" for i in range(length)]
    cfg = config(
        ["alice", "bob"],
        [primitive(n, target_role=Role.STOPPED) for n in names],
        constraints=tuple(Order(a, b) for a, b in pairwise(names)),
    )
    instances = [Instance(n, "alice", failed=i == blocked, managed=i != blocked) for i, n in enumerate(names)]
    placement = solve(cfg, _state(*instances))
    for i, name in enumerate(names):
        assert placement.nodes_of(name) == (("alice",) if i <= blocked else ())


def _blocked_stop_cib() -> str:
    """a then b; b's stop failed with on-fail=block; a is disabled."""
    ops = '<operations><op id="b-stop" name="stop" interval="0" on-fail="block"/></operations>'
    history = (
        '<lrm><lrm_resources><lrm_resource id="a" class="ocf" provider="pacemaker" type="Dummy">'
        '<lrm_rsc_op id="a_last_0" operation_key="a_start_0" operation="start" call-id="1" rc-code="0" '
        'op-status="0" interval="0" transition-key="1:1:0:x" transition-magic="0:0;1:1:0:x"/></lrm_resource>'
        '<lrm_resource id="b" class="ocf" provider="pacemaker" type="Dummy">'
        '<lrm_rsc_op id="b_last_0" operation_key="b_stop_0" operation="stop" call-id="3" rc-code="1" '
        'op-status="0" interval="0" transition-key="3:1:0:x" transition-magic="0:1;3:1:0:x"/></lrm_resource>'
        "</lrm_resources></lrm>"
    )
    return cib(
        dummy("a", meta("a", target_role="Stopped")) + dummy("b", ops),
        '<rsc_order id="o" first="a" then="b" kind="Mandatory"/>',
        nodes='<node id="1" uname="alice"/>',
        options=option("stonith-enabled", "false"),
        status=f'<node_state id="1" uname="alice" {ONLINE}>{history}</node_state>',
    )


def test_imported_blocked_stop_holds_its_first():
    cfg, state = load(_blocked_stop_cib())
    assert solve(cfg, state).nodes_of("a") == ("alice",)


@pytest.mark.skipif(shutil.which("crm_simulate") is None, reason="needs Pacemaker's crm_simulate")
def test_crm_simulate_agrees(tmp_path):
    path = tmp_path / "cib.xml"
    path.write_text(_blocked_stop_cib())
    out = subprocess.run(["crm_simulate", "-x", str(path), "-S"], capture_output=True, text=True).stdout
    assert "Stop       a" in out and "(blocked)" in out
