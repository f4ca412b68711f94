"""Tickets become the bans, fencing and freezing Pacemaker derives from them."""

from __future__ import annotations

import pytest

from placement.model import Defined, Location, Role
from placement.score import INFINITY
from placement.state import NodeStatus
from tests.cib.cibxml import ONLINE, cib, dummy, load, meta

FENCE = '<primitive id="fence" class="stonith" type="fence_dummy"/>'
RUNNING = (
    '<lrm id="l"><lrm_resources><lrm_resource id="r" class="ocf" type="Dummy">'
    '<lrm_rsc_op id="s" operation="start" call-id="2" rc-code="0" op-status="0" interval="0" transition-key="1:1:0:u"/>'
    "</lrm_resource></lrm_resources></lrm>"
)


def imported(policy: str, ticket: str, *, role: str = "", running: bool = True, resources: str = dummy("r")):
    constraint = f'<rsc_ticket id="dep" rsc="r" ticket="T" loss-policy="{policy}" {role}/>'
    status = f'<node_state id="1" uname="alice" {ONLINE}>{RUNNING if running else ""}</node_state>'
    status += f'<node_state id="2" uname="bob" {ONLINE}/><tickets>{ticket}</tickets>'
    return load(cib(FENCE + resources, constraint, status=status))


def bans(config) -> list[tuple[str, Role | None]]:
    out = []
    for c in config.constraints:
        assert isinstance(c, Location) and c.rules[0].expression == Defined("#uname")
        assert c.rules[0].score == -INFINITY
        out.append((c.resource, c.rules[0].role))
    return out


GRANTED = '<ticket_state id="T" granted="true"/>'
REVOKED = '<ticket_state id="T" granted="false"/>'
STANDBY = '<ticket_state id="T" granted="true" standby="true"/>'


@pytest.mark.parametrize("policy", ["stop", "demote", "fence", "freeze"])
def test_a_granted_ticket_changes_nothing(policy: str) -> None:
    config, state = imported(policy, GRANTED)
    assert config.constraints == ()
    assert state.node("alice").status is NodeStatus.ONLINE and state.instances[0].managed


def test_a_ticket_never_granted_bans_the_resource_everywhere() -> None:
    config, _ = imported("stop", "", running=False)  # no ticket_state at all
    assert bans(config) == [("r", None)]


def test_loss_policy_stop_bans_and_standby_does_too() -> None:
    assert bans(imported("stop", REVOKED)[0]) == [("r", None)]
    assert bans(imported("stop", STANDBY)[0]) == [("r", None)]


def test_loss_policy_fence_fences_the_nodes_running_it() -> None:
    config, state = imported("fence", REVOKED)
    assert bans(config) == [("r", None)]
    assert state.node("alice").status is NodeStatus.UNCLEAN
    assert state.node("bob").status is NodeStatus.ONLINE


def test_loss_policy_freeze_leaves_running_copies_unmanaged() -> None:
    config, state = imported("freeze", REVOKED)
    assert config.constraints == ()
    assert [(i.node, i.managed) for i in state.instances] == [("alice", False)]
    # not running: it may not start
    assert bans(imported("freeze", REVOKED, running=False)[0]) == [("r", None)]


def test_a_promoted_role_ticket_only_blocks_promotion() -> None:
    ms = f'<clone id="ms">{dummy("r")}{meta("ms", promotable="true")}</clone>'
    config, _ = imported("demote", REVOKED, role='rsc-role="Promoted"', resources=ms)
    assert bans(config) == [("r", Role.PROMOTED)]
    config, _ = imported("stop", REVOKED, role='rsc-role="Promoted"', resources=ms)
    assert bans(config) == [("r", None), ("r", Role.PROMOTED)]


def test_tickets_on_a_group_ban_each_member() -> None:
    group = f'<group id="g">{dummy("a")}{dummy("b")}</group>'
    text = cib(
        FENCE + group,
        '<rsc_ticket id="dep" rsc="g" ticket="T"/>',
        status=f'<node_state id="1" uname="alice" {ONLINE}/><node_state id="2" uname="bob" {ONLINE}/>',
    )
    assert bans(load(text)[0]) == [("a", None), ("b", None)]
