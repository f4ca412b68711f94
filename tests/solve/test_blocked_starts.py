"""What must start after a blocked copy cannot run (`placement.solve.blocked_stops.waits_for_blocked_start`).

A copy that failed with ``on-fail=block`` needs a recovery the cluster may not run, so its
start is unrunnable, and so is every start ordered after it: the next member of its group
and the ``then`` of a mandatory order, symmetrical or not. A running one is stopped. Each
shape is checked against the rule and, when ``crm_simulate`` is installed, against
Pacemaker's own placement of the same CIB.
"""

# ruff: noqa: E501 - XML fixtures read best one element per line, however long.

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from tests.cib.cibxml import ONLINE, agreed_placement, cib, crm_simulate, dummy, option, our_placement

DIGEST = 'op-digest="f2317cad3d54cec5d7d7aa7d0bf35cf8"'
BLOCK_ON_STOP = '<operations><op id="b-stop" name="stop" interval="0" on-fail="block"/></operations>'
BLOCK_ON_MONITOR = '<operations><op id="b-mon" name="monitor" interval="10s" on-fail="block"/></operations>'


def _started(rid: str, call: int) -> str:
    return (f'<lrm_resource id="{rid}" class="ocf" provider="pacemaker" type="Dummy"><lrm_rsc_op id="{rid}_last_0" operation_key="{rid}_start_0"'
            f' operation="start" call-id="{call}" rc-code="0" op-status="0" interval="0" {DIGEST} transition-key="{call}:1:0:x" transition-magic="0:0;{call}:1:0:x"/></lrm_resource>')


def _stop_failed(rid: str) -> str:
    return (f'<lrm_resource id="{rid}" class="ocf" provider="pacemaker" type="Dummy"><lrm_rsc_op id="{rid}_last_0" operation_key="{rid}_stop_0"'
            f' operation="stop" call-id="9" rc-code="1" op-status="0" interval="0" {DIGEST} transition-key="9:1:0:x" transition-magic="0:1;9:1:0:x"/></lrm_resource>')


def _monitor_failed(rid: str) -> str:
    return (f'<lrm_resource id="{rid}" class="ocf" provider="pacemaker" type="Dummy"><lrm_rsc_op id="{rid}_last_0" operation_key="{rid}_start_0"'
            f' operation="start" call-id="3" rc-code="0" op-status="0" interval="0" {DIGEST} transition-key="3:1:0:x" transition-magic="0:0;3:1:0:x"/>'
            f'<lrm_rsc_op id="{rid}_last_failure_0" operation_key="{rid}_monitor_10000" operation="monitor" call-id="4" rc-code="7" op-status="0"'
            ' interval="10000" transition-key="4:1:0:x" transition-magic="0:7;4:1:0:x"/></lrm_resource>')


def _cib(resources: str, constraints: str, histories: str) -> str:
    return cib(resources, constraints, nodes='<node id="1" uname="alice"/><node id="2" uname="bob"/>',
               options=option("stonith-enabled", "false"),
               status=f'<node_state id="1" uname="alice" {ONLINE}><lrm><lrm_resources>{histories}</lrm_resources></lrm></node_state>'
                      f'<node_state id="2" uname="bob" {ONLINE}/>',
               root='have-quorum="1" crm_feature_set="3.16.1"')


def _placed(tmp_path: Path, resources: str, constraints: str, histories: str) -> set[tuple[str, str]]:
    text = _cib(resources, constraints, histories)
    path = tmp_path / "cib.xml"
    path.write_text(text)
    return agreed_placement(path)


ORDERS = {
    "symmetrical": '<rsc_order id="o" first="b" then="c" kind="Mandatory"/>',
    "asymmetrical": '<rsc_order id="o" first="b" then="c" kind="Mandatory" symmetrical="false"/>',
}


@pytest.mark.parametrize("order", ORDERS)
@pytest.mark.parametrize("running", [True, False], ids=["then-running", "then-stopped"])
@pytest.mark.parametrize("failure", ["stop", "monitor"])
def test_the_then_of_a_blocked_first_cannot_run(tmp_path: Path, order: str, running: bool, failure: str) -> None:
    ops, history = (BLOCK_ON_STOP, _stop_failed("b")) if failure == "stop" else (BLOCK_ON_MONITOR, _monitor_failed("b"))
    histories = _started("a", 1) + history + (_started("c", 2) if running else "")
    placed = _placed(tmp_path, dummy("a") + dummy("b", ops) + dummy("c"), ORDERS[order], histories)
    assert ("b", "alice") in placed  # blocked where it is
    assert ("a", "alice") in placed  # not ordered after b: untouched
    assert not any(rid == "c" for rid, _ in placed)


def test_an_optional_order_waits_for_nothing(tmp_path: Path) -> None:
    placed = _placed(tmp_path, dummy("b", BLOCK_ON_STOP) + dummy("c"),
                     '<rsc_order id="o" first="b" then="c" kind="Optional"/>', _stop_failed("b") + _started("c", 2))
    assert any(rid == "c" for rid, _ in placed)


@pytest.mark.parametrize("position", [0, 1, 2])
def test_the_members_after_a_blocked_member_stop_and_those_before_stay(tmp_path: Path, position: int) -> None:
    members = ["m0", "m1", "m2"]
    blocked = members[position]
    resources = '<group id="g">' + "".join(dummy(m, BLOCK_ON_STOP if m == blocked else "") for m in members) + "</group>"
    histories = "".join(_stop_failed(m) if m == blocked else _started(m, i + 1) for i, m in enumerate(members))
    placed = _placed(tmp_path, resources, "", histories)
    for index, member in enumerate(members):
        assert ((member, "alice") in placed) == (index <= position), member


UNMANAGED = '<meta_attributes id="m1-meta"><nvpair id="m1-managed" name="is-managed" value="false"/></meta_attributes>'
DISABLED = '<meta_attributes id="m0-meta"><nvpair id="m0-role" name="target-role" value="Stopped"/></meta_attributes>'


@pytest.mark.parametrize("disturbance", ["none", "first-disabled", "group-banned"])
def test_an_unmanaged_member_holds_the_members_before_it_and_stops_those_after(tmp_path: Path, disturbance: str) -> None:
    """Group m0 m1 m2 on alice, m1 unmanaged. Nothing to do: all stay. When m0 may not
    stay (disabled, or the group is banned from alice), m0's stop waits for m1's, which
    never comes, so m0 stays; m1 would have to start again after m0, so m2 stops."""
    m0 = dummy("m0", DISABLED if disturbance == "first-disabled" else "")
    resources = '<group id="g">' + m0 + dummy("m1", UNMANAGED) + dummy("m2") + "</group>"
    ban = '<rsc_location id="ban" rsc="g" node="alice" score="-INFINITY"/>' if disturbance == "group-banned" else ""
    placed = _placed(tmp_path, resources, ban, _started("m0", 1) + _started("m1", 2) + _started("m2", 3))
    assert {("m0", "alice"), ("m1", "alice")} <= placed
    assert (("m2", "alice") in placed) == (disturbance == "none")


@pytest.mark.parametrize("failed", [True, False], ids=["failed", "healthy"])
def test_an_unmanaged_copy_blocks_nothing_even_when_its_monitor_failed(tmp_path: Path, failed: bool) -> None:
    """``is-managed=false`` on the first member, whose monitor failed: no recovery was ever
    going to be scheduled, so it is not *blocked* (``pe_rsc_block`` comes from a failure's
    ``on-fail=block`` or an unrecoverable stop): the next member starts beside it."""
    # (rc 1, a generic error: the copy is still running, FAILED; rc 7 would mean stopped.)
    history = _monitor_failed("m1").replace('rc-code="7"', 'rc-code="1"').replace("0:7;", "0:1;")
    history = history if failed else _started("m1", 1)
    resources = '<group id="g">' + dummy("m1", UNMANAGED) + dummy("m2") + "</group>"
    placed = _placed(tmp_path, resources, "", history)
    assert placed == {("m1", "alice"), ("m2", "alice")}


def test_a_copy_running_unmanaged_lifts_the_members_before_it(tmp_path: Path) -> None:
    """``native_add_running`` gives a copy running unmanaged +INFINITY on its node; the
    group's first member, at -100 there by the group's location, is lifted by it and
    starts beside it (`placement.solve.scores.UNMANAGED_HERE`)."""
    resources = '<group id="g">' + dummy("m0") + dummy("m1", UNMANAGED) + "</group>"
    text = _cib(resources, '<rsc_location id="l" rsc="g" node="alice" score="-100"/>', _started("m1", 1))
    path = tmp_path / "cib.xml"
    path.write_text(text)
    assert our_placement(path) == {("m0", "alice"), ("m1", "alice")}
    if shutil.which("crm_simulate"):
        # Pacemaker plans the same start; its own simulation of the transition then stalls
        # (the start waits for the unmanaged member's), so its plan is what to compare.
        assert re.search(r"\* Start\s+m0\s+\(\s*alice\s*\)", crm_simulate(tmp_path, text))


def test_members_after_an_unmanaged_first_member_start_beside_it_and_count_for_the_tie_break(tmp_path: Path) -> None:
    """The reference answer (Pacemaker's one-by-one pass) starts the members after an
    unmanaged first member beside it; with that node's copies counted, ``r`` (no
    stickiness) leaves alice, which the fence device took first, for the emptier bob — as
    ``compare_nodes`` (fewest resources before the current node) does in Pacemaker."""
    nodes = '<node id="1" uname="alice"/><node id="2" uname="bob"/><node id="3" uname="carol"/>'
    fence = '<primitive id="fence1" class="stonith" type="fence_dummy"/>'
    resources = fence + '<group id="g">' + dummy("m1", UNMANAGED) + dummy("m2") + "</group>" + dummy("r")
    status = (
        f'<node_state id="1" uname="alice" {ONLINE}><lrm><lrm_resources>{_started("r", 1)}</lrm_resources></lrm></node_state>'
        f'<node_state id="2" uname="bob" {ONLINE}/>'
        f'<node_state id="3" uname="carol" {ONLINE}><lrm><lrm_resources>{_started("m1", 2)}</lrm_resources></lrm></node_state>'
    )
    path = tmp_path / "cib.xml"
    path.write_text(cib(resources, "", nodes=nodes, status=status, root='have-quorum="1" crm_feature_set="3.16.1"'))
    placed = agreed_placement(path)
    assert {("m1", "carol"), ("m2", "carol"), ("r", "bob"), ("fence1", "alice")} <= placed


def test_an_unmanaged_member_holds_the_members_before_it_on_other_nodes_too(tmp_path: Path) -> None:
    """The group's stop order is between members, not per node: m3 (unmanaged, on bob)
    never stops, so m2 — which may not stay on alice, m1 before it being unmanaged and
    stopped — cannot stop either (crm_simulate: "Stop m2 ( alice ) … (blocked)")."""
    import subprocess

    from bench.random_cib.planned import planned_placement

    resources = (
        '<group id="g">' + dummy("m1", UNMANAGED) + dummy("m2")
        + dummy("m3", UNMANAGED.replace("m1-", "m3-")) + "</group>"
    )
    text = cib(
        resources,
        "",
        nodes='<node id="1" uname="alice"/><node id="2" uname="bob"/>',
        options=option("stonith-enabled", "false"),
        status=f'<node_state id="1" uname="alice" {ONLINE}><lrm><lrm_resources>{_started("m2", 1)}</lrm_resources>'
        f'</lrm></node_state><node_state id="2" uname="bob" {ONLINE}><lrm><lrm_resources>{_started("m3", 2)}'
        "</lrm_resources></lrm></node_state>",
        root='have-quorum="1" crm_feature_set="3.16.1"',
    )
    path = tmp_path / "cib.xml"
    path.write_text(text)
    assert our_placement(path) == {("m2", "alice"), ("m3", "bob")}
    if shutil.which("crm_simulate"):
        done = subprocess.run(["crm_simulate", "-x", str(path), "-S", "--output-as=xml"], capture_output=True, text=True)
        assert {(e["resource"], e["node"]) for e in planned_placement(done.stdout)} == {("m2", "alice"), ("m3", "bob")}
