"""A location on a group scores the group once, on its first member (`placement.solve.location`).

compat(pacemaker): ``pcmk__group_apply_location`` gives the other members the same nodes
at score 0. Random groups (a location on the group, maybe one on a member, stickiness,
a current node) are placed and compared with the rule's consequence and, when
``crm_simulate`` is installed, with Pacemaker's own placement.
"""

# ruff: noqa: E501 - XML fixtures read best one element per line, however long.

from __future__ import annotations

import random
import shutil
from pathlib import Path

import pytest

from placement.cib import import_cib
from placement.solve.scores import ScoreTable
from tests.cib.cibxml import ONLINE, cib, dummy, meta, option, our_placement, pacemaker_placement

NODES = ("n1", "n2", "n3")
DIGEST = 'op-digest="f2317cad3d54cec5d7d7aa7d0bf35cf8"'


def _started(rid: str, call: int) -> str:
    return (f'<lrm_resource id="{rid}" class="ocf" provider="pacemaker" type="Dummy"><lrm_rsc_op id="{rid}_last_0" operation_key="{rid}_start_0"'
            f' operation="start" call-id="{call}" rc-code="0" op-status="0" interval="0" {DIGEST} transition-key="{call}:1:0:x" transition-magic="0:0;{call}:1:0:x"/></lrm_resource>')


def _group_cib(draw: random.Random) -> str:
    size = draw.randint(2, 4)
    members = [f"m{i}" for i in range(size)]
    stickiness = draw.choice([0, 5, 20])
    resources = '<group id="g">' + "".join(dummy(m, meta(m, resource_stickiness=str(stickiness)) if stickiness else "") for m in members) + "</group>"
    constraints = ""
    for index, node in enumerate(draw.sample(NODES, draw.randint(1, 3))):
        score = draw.choice(["-INFINITY", "-30", "-7", "7", "30", "INFINITY"])
        constraints += f'<rsc_location id="g-{index}" rsc="g" node="{node}" score="{score}"/>'
    if draw.random() < 0.5:
        constraints += f'<rsc_location id="member" rsc="{draw.choice(members)}" node="{draw.choice(NODES)}" score="{draw.choice(["-15", "12", "-INFINITY"])}"/>'
    running_on = draw.choice([None, *NODES])
    running = members[: draw.randint(1, size)] if running_on else []
    states = "".join(
        f'<node_state id="{n}" uname="{n}" {ONLINE}><lrm><lrm_resources>'
        + ("".join(_started(m, i + 1) for i, m in enumerate(running)) if n == running_on else "")
        + "</lrm_resources></lrm></node_state>"
        for n in NODES
    )
    return cib(resources, constraints, nodes="".join(f'<node id="{n}" uname="{n}"/>' for n in NODES),
               options=option("stonith-enabled", "false"), status=states, root='have-quorum="1" crm_feature_set="3.16.1"')


def test_later_members_get_the_groups_nodes_at_zero(tmp_path: Path) -> None:
    path = tmp_path / "cib.xml"
    path.write_text(cib('<group id="g">' + dummy("m0") + dummy("m1") + "</group>",
                        '<rsc_location id="l" rsc="g" node="n1" score="-10"/>',
                        nodes="".join(f'<node id="{n}" uname="{n}"/>' for n in NODES), options=option("stonith-enabled", "false"),
                        status="".join(f'<node_state id="{n}" uname="{n}" {ONLINE}/>' for n in NODES)))
    imported = import_cib(path)
    table = ScoreTable(imported.planning_config, imported.state)
    assert table.score("m0", "n1").total == -10
    assert table.score("m1", "n1").total == 0
    assert table.allowed("m1").keys() == set(NODES)
    assert "n1" not in table.allowed("m0")  # the group's own score there is negative


def test_later_members_lift_a_negative_first_member(tmp_path: Path) -> None:
    """m0 at -2 on n1 where m1 and m2 are sticky by 5: the group's 8 there beats 7 on n3."""
    path = tmp_path / "cib.xml"
    members = "".join(dummy(m, meta(m, resource_stickiness="5")) for m in ("m0", "m1", "m2"))
    states = "".join(
        f'<node_state id="{n}" uname="{n}" {ONLINE}><lrm><lrm_resources>'
        + ("".join(_started(m, i + 1) for i, m in enumerate(("m0", "m1", "m2"))) if n == "n1" else "")
        + "</lrm_resources></lrm></node_state>" for n in NODES)
    path.write_text(cib('<group id="g">' + members + "</group>",
                        '<rsc_location id="a" rsc="g" node="n1" score="-7"/><rsc_location id="b" rsc="g" node="n3" score="7"/>',
                        nodes="".join(f'<node id="{n}" uname="{n}"/>' for n in NODES), options=option("stonith-enabled", "false"),
                        status=states, root='have-quorum="1" crm_feature_set="3.16.1"'))
    placed = our_placement(path)
    assert placed == {("m0", "n1"), ("m1", "n1"), ("m2", "n1")}
    if shutil.which("crm_simulate"):
        assert placed == pacemaker_placement(path)


@pytest.mark.parametrize("seed", range(24))
def test_random_groups_are_placed_as_pacemaker_places_them(tmp_path: Path, seed: int) -> None:
    if not shutil.which("crm_simulate"):
        pytest.skip("crm_simulate (Debian pacemaker-cli-utils) is not installed")
    path = tmp_path / "cib.xml"
    path.write_text(_group_cib(random.Random(seed)))
    assert our_placement(path) == pacemaker_placement(path)


def test_a_later_member_banned_from_a_node_keeps_the_group_off_it(tmp_path):
    """``pcmk__add_colocated_node_scores``: a later member's -INFINITY on carol folds into
    the first member's table (the step leaves other nodes at 0, so it is not rolled back):
    the group, though it prefers carol, goes to the emptier of the other two nodes (bob:
    ``x`` took alice first), as Pacemaker's tie-break of fewest resources wants."""
    from tests.cib.cibxml import agreed_placement, cib, dummy, option

    group = '<group id="g">' + dummy("m1") + dummy("m2") + dummy("m3") + "</group>"
    constraints = (
        '<rsc_location id="x-alice" rsc="x" node="alice" score="100"/>'
        '<rsc_location id="g-carol" rsc="g" node="carol" score="5"/>'
        '<rsc_location id="m3-not-carol" rsc="m3" node="carol" score="-INFINITY"/>'
    )
    nodes = '<node id="1" uname="alice"/><node id="2" uname="bob"/><node id="3" uname="carol"/>'
    status = "".join(
        f'<node_state id="{i}" uname="{n}" in_ccm="true" crmd="online" join="member" expected="member"/>'
        for i, n in enumerate(("alice", "bob", "carol"), 1)
    )
    path = tmp_path / "cib.xml"
    path.write_text(
        cib(dummy("x") + group, constraints, nodes=nodes, status=status, options=option("stonith-enabled", "false"))
    )
    assert agreed_placement(path) == {("x", "alice"), ("m1", "bob"), ("m2", "bob"), ("m3", "bob")}
