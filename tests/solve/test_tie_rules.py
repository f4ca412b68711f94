"""Rules that decide between equally good answers, each as Pacemaker 2.1.5 has it.

Every case is a family of small CIBs on which placement's objective ties (or where the
rule is a hard one Pacemaker applies), checked against crm_simulate when it is installed
(`agreed_placement`) and against the rule itself always. Found by shrinking disagreements
of `bench/differential.py` (seed 1: clusters 826, 568, 974, 119, 1067).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cib.cibxml import ONLINE, agreed_placement, cib, dummy, meta, option

NODES = ("node1", "node2", "node3")


def _nodes(names=NODES) -> str:
    return "".join(f'<node id="{i + 1}" uname="{n}"/>' for i, n in enumerate(names))


def _op(rid: str, operation: str, rc: int = 0, interval: int = 0, call: int = 1) -> str:
    return (
        f'<lrm_rsc_op id="{rid}_{operation}_{interval}" operation="{operation}" call-id="{call}" rc-code="{rc}" '
        f'op-status="0" interval="{interval}" crm-debug-origin="test" crm_feature_set="3.16.1" '
        f'transition-key="1:1:0:00000000-0000-0000-0000-000000000000" '
        f'transition-magic="0:{rc};1:1:0:00000000-0000-0000-0000-000000000000" '
        f'op-digest="f2317cad3d54cec5d7d7aa7d0bf35cf8" last-rc-change="1700000000" exec-time="0" queue-time="0"/>'
    )


def _status(running: dict[str, list[tuple[str, str]]], names=NODES) -> str:
    """node → [(resource id in the status, operation)], operation ``start`` or ``probe``."""
    states = []
    for i, name in enumerate(names):
        entries = "".join(
            f'<lrm_resource id="{rid}" class="ocf" provider="pacemaker" type="Dummy">'
            + (_op(rid, "monitor", 0) if how == "probe" else _op(rid, "start"))
            + "</lrm_resource>"
            for rid, how in running.get(name, [])
        )
        states.append(
            f'<node_state id="{i + 1}" uname="{name}" {ONLINE}><lrm id="{i + 1}"><lrm_resources>'
            f"{entries}</lrm_resources></lrm></node_state>"
        )
    return "".join(states)


def _write(
    tmp_path: Path,
    resources: str,
    constraints: str = "",
    status: str = "",
    names=NODES,
    options: str = "",
    nodes: str | None = None,
) -> Path:
    """The CIB at ``tmp_path``; ``nodes`` replaces the plain ``<node>`` list of ``names``."""
    path = tmp_path / "cib.xml"
    path.write_text(
        cib(
            resources,
            constraints,
            nodes=nodes or _nodes(names),
            status=status or _status({}, names),
            options=option("stonith-enabled", "false") + options,
        )
    )
    return path


@pytest.mark.parametrize("found_first", ["node2", "node3"])
def test_a_resource_active_on_two_nodes_counts_only_the_first_for_the_tie_break(
    tmp_path: Path, found_first: str
) -> None:
    """``pe__current_node``: of the nodes a resource is found active on, only the first the
    status lists is its current node. ``fence``-less and stickiness-free, ``r`` is stopped on
    both (multiple-active=stop_start) and started where the tie-break puts it: ``f``, placed
    first, stays on node2 and makes it busier, so ``r`` goes to node3 only if node3 is its
    current node, and to node1 (the lowest name) otherwise."""
    if found_first == "node2":
        running = {"node2": [("f", "start"), ("r", "probe")], "node3": [("r", "start")]}
    else:
        # node3's state is listed before node2's: r is seen there first.
        running = {"node2": [("f", "start"), ("r", "start")], "node3": [("r", "probe")]}
    names = NODES if found_first == "node2" else ("node1", "node3", "node2")
    path = _write(tmp_path, dummy("f") + dummy("r"), status=_status(running, names), names=names)
    placed = dict(agreed_placement(path))
    assert placed["r"] == ("node1" if found_first == "node2" else "node3")


@pytest.mark.parametrize("stickiness", [0, 200])
def test_a_stopped_group_member_still_pulls_its_group(tmp_path: Path, stickiness: int) -> None:
    """``pcmk__primitive_assign`` bans a member with target-role=Stopped only when that member
    is assigned, after the first member has folded in its scores: its stickiness on node1
    still draws the group's first member to node5, where it runs; without stickiness the
    first member goes to the lowest name."""
    group = (
        '<group id="g">'
        + dummy("m1")
        + dummy("m2", meta("m2", resource_stickiness=str(stickiness), target_role="Stopped"))
        + "</group>"
    )
    status = _status({"node5": [("m2", "start")]}, ("node1", "node5"))
    path = _write(tmp_path, group, status=status, names=("node1", "node5"))
    placed = dict(agreed_placement(path))
    assert "m2" not in placed
    assert placed["m1"] == ("node5" if stickiness else "node1")


@pytest.mark.parametrize("score", ["5", "-5"])
def test_a_finite_colocation_with_a_group_follows_its_first_member(tmp_path: Path, score: str) -> None:
    """``colocate_with_group``: an optional colocation with a group applies by its first
    member (a mandatory one by its last). Here the last member cannot start (unmanaged and
    stopped), so only the first member's node counts."""
    group = '<group id="g">' + dummy("g1") + dummy("g2", meta("g2", is_managed="false")) + "</group>"
    constraint = f'<rsc_colocation id="x-with-g" rsc="x" with-rsc="g" score="{score}"/>'
    path = _write(tmp_path, group + dummy("x"), constraint, names=("node3", "node4"))
    placed = dict(agreed_placement(path))
    assert "g2" not in placed
    assert (placed["x"] == placed["g1"]) == score.startswith("5")


def test_each_active_clone_copy_is_sticky_on_its_own_node_only(tmp_path: Path) -> None:
    """``distribute_children``: three copies run; a +INFINITY location takes the lowest
    instance (numbered in status order: the one on node2) to node1, and the other two stay
    where they run — not the two lowest names among the three nodes."""
    names = ("node1", "node2", "node3", "node5")
    clone = '<clone id="cl">' + meta("cl", clone_max="3") + dummy("c") + "</clone>"
    location = '<rsc_location id="cl-on-1" rsc="cl" node="node1" score="INFINITY"/>'
    status = _status({"node2": [("c", "start")], "node3": [("c", "start")], "node5": [("c", "start")]}, names)
    path = _write(tmp_path, clone, location, status=status, names=names)
    assert {node for _, node in agreed_placement(path)} == {"node1", "node3", "node5"}


@pytest.mark.parametrize("stickiness", [5, 10, 50])
def test_no_clone_copy_runs_where_the_clone_scores_below_zero(tmp_path: Path, stickiness: int) -> None:
    """``can_run_instance``: a copy running on node3, where the clone scores -10, moves even
    when its stickiness makes up for the location: the clone's own score bans it there."""
    clone = '<clone id="cl">' + meta("cl", clone_max="2") + dummy("c") + "</clone>"
    location = '<rsc_location id="cl-not-3" rsc="cl" node="node3" score="-10"/>'
    status = _status({"node3": [("c", "start")]})
    defaults = (
        '<rsc_defaults><meta_attributes id="rsc-options"><nvpair id="rsc-options-stickiness" '
        f'name="resource-stickiness" value="{stickiness}"/></meta_attributes></rsc_defaults>'
    )
    path = tmp_path / "cib.xml"
    path.write_text(
        cib(clone, location, nodes=_nodes(), status=status, options=option("stonith-enabled", "false"), extra=defaults)
    )
    assert {node for _, node in agreed_placement(path)} == {"node1", "node2"}


def _promotable(clone_max: int) -> str:
    child = '<primitive id="c" class="ocf" provider="pacemaker" type="Stateful"/>'
    return f'<clone id="cl">{meta("cl", promotable="true", clone_max=str(clone_max))}{child}</clone>'


def test_a_promotable_clones_unassigned_instances_come_first_when_a_dependent_folds_it_in(
    tmp_path: Path,
) -> None:
    """``pcmk__set_instance_roles`` sorts the instances by sort index once the clone is
    assigned: the two that found no node keep index 0 and come before the two running
    copies (priority -1, no promotion score). ``x`` (+10 with the clone) folds them in that
    order: the two "runs nowhere" steps (-10 everywhere) are rolled back first, then both
    copies add 10, so ``x`` scores 10 on both and stays on node1, where it runs. Walked the
    other way round, the second copy's +10 would be cancelled: at 0 a current node is no
    reason to stay, and ``x`` would go to node3, where ``y`` (placed first) leaves fewer
    resources."""
    names = ("node1", "node3")
    constraint = '<rsc_colocation id="x-with-cl" rsc="x" with-rsc="cl" score="10"/>'
    path = _write(
        tmp_path,
        dummy("y") + _promotable(4) + dummy("x"),
        constraint,
        status=_status({"node1": [("x", "start")]}, names),
        names=names,
    )
    placed = agreed_placement(path)
    assert ("x", "node1") in placed and ("y", "node1") in placed


def test_a_clone_with_fewer_copies_than_nodes_follows_its_dependents(tmp_path: Path) -> None:
    """``append_parent_colocation``: with two copies for three nodes, each instance folds in
    the clone's dependents — ``x``, stopped by its target-role but +INFINITY on node5, still
    draws a copy to node5 (with three copies every node gets one anyway)."""
    names = ("node3", "node4", "node5")
    resources = _promotable(2) + dummy("x", meta("x", target_role="Stopped"))
    constraints = (
        '<rsc_location id="x-on-5" rsc="x" node="node5" score="INFINITY"/>'
        '<rsc_colocation id="x-with-cl" rsc="x" with-rsc="cl" score="10"/>'
    )
    path = _write(tmp_path, resources, constraints, names=names)
    assert {node for _, node in agreed_placement(path)} == {"node3", "node5"}


def test_a_groups_colocations_reach_its_members_only_once_the_group_is_assigned(tmp_path: Path) -> None:
    """``expand_group_colocations`` runs when ``pcmk__group_assign`` starts: before that,
    ``x``'s pull on ``g`` (``x`` -INFINITY with the group) is not walked into ``p``'s
    scores when ``p`` is assigned as the group's primary ahead of it — so ``p`` keeps its
    +5 on node2 — but once ``g`` is being assigned, "with group" colocations count at its
    last member."""
    names = ("node1", "node2", "node4")
    nodes = (
        '<node id="1" uname="node1"/><node id="2" uname="node2"><instance_attributes id="n2-a">'
        '<nvpair id="n2-zone" name="zone" value="2"/></instance_attributes></node><node id="3" uname="node4"/>'
    )
    resources = dummy("p") + '<group id="g">' + dummy("g1") + "</group>" + dummy("y") + dummy("x")
    constraints = (
        '<rsc_location id="p-on-2" rsc="p" node="node2" score="5"/>'
        '<rsc_colocation id="g-not-p" rsc="g" with-rsc="p" score="-INFINITY"/>'
        '<rsc_location id="x-zone" rsc="x"><rule id="x-zone-r" score="-10">'
        '<expression id="x-zone-e" attribute="zone" operation="eq" value="2"/></rule></rsc_location>'
        '<rsc_colocation id="x-not-g" rsc="x" with-rsc="g" score="-INFINITY"/>'
    )
    path = _write(tmp_path, resources, constraints, names=names, nodes=nodes)
    placed = dict(agreed_placement(path))
    assert placed["p"] == "node2"


def test_an_interleaved_copy_pairs_with_one_copy_of_its_primary(tmp_path: Path) -> None:
    """``find_compatible_child``: each copy of the interleaved ``d`` pairs with the copy of
    ``cl`` on the first node of its own sorted scores — node1 for both (one runs there) —
    and node1 has no memory left, so no copy of ``d`` runs, though node3 would have room
    beside ``cl``'s other copy. ``r``, assigned after ``d`` (which runs, so it goes first),
    takes that room."""
    util = '<utilization id="{0}-u"><nvpair id="{0}-u-m" name="memory" value="{1}"/></utilization>'
    nodes = (
        f'<node id="1" uname="node1">{util.format("n1", 1024)}</node>'
        f'<node id="2" uname="node3">{util.format("n3", 2048)}</node>'
    )
    names = ("node1", "node3")
    stateful = 'class="ocf" provider="pacemaker" type="Stateful"'
    resources = (
        '<clone id="cl">'
        + meta("cl", promotable="true")
        + dummy("c", util.format("c", 1024), stateful)
        + "</clone>"
        + dummy("r", util.format("r", 1024))
        + '<clone id="dcl">'
        + meta("dcl", promotable="true", interleave="true")
        + dummy("d", util.format("d", 256), stateful)
        + "</clone>"
    )
    constraints = '<rsc_colocation id="d-with-cl" rsc="dcl" with-rsc="cl" score="INFINITY"/>'
    status = _status({"node1": [("d", "start")]}, names)
    utilization = option("placement-strategy", "utilization")
    path = _write(tmp_path, resources, constraints, status, names, options=utilization, nodes=nodes)
    placed = agreed_placement(path)
    assert ("r", "node3") in placed and not any(rid == "d" for rid, _ in placed)


def test_a_later_primary_sees_the_colocations_already_applied_to_its_dependent(tmp_path: Path) -> None:
    """``apply_this_with`` assigns each primary and applies its colocation in turn: ``x``
    goes with ``a`` and ``b`` (a set, 100 each), so ``a`` is placed, ``x`` gains 100 where it
    runs, and ``b`` — folding in ``x``'s scores as they now stand — follows ``a`` to node3.
    The two free resources then go by fewest assigned: node5 for both. Read with ``x``'s
    scores as they were before, ``b`` would go to node5 and ``z`` to node3."""
    names = ("node3", "node5")
    resources = dummy("x") + dummy("y") + dummy("z") + dummy("a") + dummy("b")
    constraint = (
        '<rsc_colocation id="x-with-ab" score="100">'
        '<resource_set id="x-set"><resource_ref id="x"/></resource_set>'
        '<resource_set id="ab-set" sequential="false"><resource_ref id="a"/><resource_ref id="b"/></resource_set>'
        "</rsc_colocation>"
    )
    path = _write(tmp_path, resources, constraint, names=names)
    placed = dict(agreed_placement(path))
    assert placed["a"] == placed["b"] == placed["x"] == "node3"
    assert placed["y"] == placed["z"] == "node5"
