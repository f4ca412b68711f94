"""Anonymous clone instances are numbered in status order (unpack.c ``find_anonymous_clone``)."""

from __future__ import annotations

import shutil

import pytest

from placement.solve import solve
from placement.state import Role
from tests.cib.cibxml import ONLINE, cib, crm_simulate, load, option

CLONE = (
    '<clone id="ms"><meta_attributes id="ms-m">'
    '<nvpair id="ms-p" name="promotable" value="true"/><nvpair id="ms-x" name="promoted-max" value="1"/>'
    '</meta_attributes><primitive id="st" class="ocf" provider="pacemaker" type="Stateful"/></clone>'
)


def _promoted(history_id: str, node_id: str, name: str) -> str:
    """``name`` runs ``history_id`` promoted, with promotion score 10."""
    op = (
        f'<lrm_rsc_op id="{history_id}_last_0" operation_key="{history_id}_promote_0" operation="promote" '
        'call-id="3" rc-code="0" op-status="0" interval="0" transition-key="3:1:0:x" transition-magic="0:0;3:1:0:x"/>'
    )
    score = f'<nvpair id="{name}-ms" name="master-{history_id}" value="10"/>'
    return (
        f'<node_state id="{node_id}" uname="{name}" {ONLINE}>'
        f'<transient_attributes id="{node_id}"><instance_attributes id="{name}-ta">{score}</instance_attributes>'
        "</transient_attributes>"
        f'<lrm><lrm_resources><lrm_resource id="{history_id}" class="ocf" provider="pacemaker" type="Stateful">'
        f"{op}</lrm_resource></lrm_resources></lrm></node_state>"
    )


def _cib(first: str, second: str) -> str:
    """Both nodes run a copy promoted, with equal scores; ``first`` is listed first in the status.

    The history ids name the opposite instance numbers (``st:1`` on the first node), which
    Pacemaker ignores for an anonymous clone.
    """
    ids = {"alice": "1", "bob": "2"}
    return cib(
        CLONE,
        options=option("stonith-enabled", "false"),
        status=_promoted("st:1", ids[first], first) + _promoted("st:0", ids[second], second),
    )


@pytest.mark.parametrize(("first", "second"), [("alice", "bob"), ("bob", "alice")])
def test_the_first_node_in_the_status_holds_instance_0(first, second):
    _, state = load(_cib(first, second))
    numbers = {i.node: i.clone_instance for i in state.instances}
    assert numbers == {first: "0", second: "1"}


@pytest.mark.parametrize(("first", "second"), [("alice", "bob"), ("bob", "alice")])
def test_equal_promotions_keep_the_lower_instance(first, second):
    config, state = load(_cib(first, second))
    promoted = [a.node for a in solve(config, state).assignments if a.role is Role.PROMOTED]
    assert promoted == [first]


@pytest.mark.skipif(shutil.which("crm_simulate") is None, reason="needs Pacemaker's crm_simulate")
@pytest.mark.parametrize(("first", "second"), [("alice", "bob"), ("bob", "alice")])
def test_crm_simulate_agrees(tmp_path, first, second):
    summary = crm_simulate(tmp_path, _cib(first, second))
    assert f"Promoted -> Unpromoted {second}" in summary


def _located_cib() -> str:
    """As `_cib`, plus a +50 location of the clone (every role) on bob, the second node."""
    location = '<rsc_location id="l" rsc="ms" node="bob" score="50"/>'
    return _cib("alice", "bob").replace("<constraints></constraints>", f"<constraints>{location}</constraints>")


def test_the_clones_own_location_breaks_equal_promotions():
    """sort_promotable_instances: the clone's score on the node is added to equal promotion
    scores, so the copy on bob is promoted although alice holds instance 0."""
    config, state = load(_located_cib())
    promoted = [a.node for a in solve(config, state).assignments if a.role is Role.PROMOTED]
    assert promoted == ["bob"]


@pytest.mark.skipif(shutil.which("crm_simulate") is None, reason="needs Pacemaker's crm_simulate")
def test_crm_simulate_agrees_on_the_location(tmp_path):
    summary = crm_simulate(tmp_path, _located_cib())
    assert "Promoted -> Unpromoted alice" in summary
