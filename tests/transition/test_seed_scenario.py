"""The seed scenario end to end: charlie dies, is fenced first, its VMs come back elsewhere;
charlie returns: with stickiness the VMs stay, with a stronger preference they fail back."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import networkx as nx

import placement
from placement.events import NodeDown, NodeUp
from placement.model import Location
from placement.state import NodeStatus
from placement.transition import Op

KVM = placement.load(Path(__file__).parents[2] / "examples" / "kvm.place")


def nodes_of(state, resource: str) -> list[str]:
    return sorted(i.node for i in state.instances_of(resource))


def test_charlie_dies_fenced_first_then_his_vm_restarts_on_a_survivor() -> None:
    now = placement.steady_state(KVM)
    assert nodes_of(now, "zulu") == ["charlie"] and nodes_of(now, "iscsi") == ["alice", "bob", "charlie"]
    result = placement.plan(KVM, now, [NodeDown("charlie")])
    graph = result.transition
    fence = next(a for a in graph if a.op is Op.FENCE)
    assert fence.node == "charlie"
    recovery = [a for a in graph if a.resource == "zulu" and a.op in (Op.START, Op.MIGRATE_FROM)]
    assert len(recovery) == 1 and recovery[0].node in ("alice", "bob")
    assert recovery[0] in nx.descendants(graph, fence)
    # Nothing runs on charlie before (or after) it is fenced; the survivors' iSCSI copies stay.
    assert all(a.node != "charlie" for a in graph if a.op is not Op.FENCE)
    assert not [a for a in graph if a.resource in ("iscsi", "xray", "yankee")]
    after = result.apply()
    assert after.node("charlie").status is NodeStatus.FENCED
    assert nodes_of(after, "iscsi") == ["alice", "bob"]
    assert nodes_of(after, "zulu") == recovery[0].node.split()
    assert result.summary()[0] == "Fence (reboot) charlie 'peer is no longer part of the cluster'"
    assert any(line.startswith("Move       zulu") and "charlie -> " in line for line in result.summary())


def test_charlie_returns_with_stickiness_the_vm_stays() -> None:
    down = placement.plan(KVM, placement.steady_state(KVM), [NodeDown("charlie")]).apply()
    back = placement.plan(KVM, down, [NodeUp("charlie")])
    assert [c.instance_name for c in back.details.changes] == ["iscsi:2"]  # only the iSCSI copy comes back
    assert nodes_of(back.apply(), "zulu") == nodes_of(down, "zulu")


def test_charlie_returns_with_a_stronger_preference_the_vm_fails_back_after_its_disk() -> None:
    constraints = tuple(replace(c, score=500) if isinstance(c, Location) and c.id == "zulu-on-charlie" else c
                        for c in KVM.constraints)
    config = replace(KVM, constraints=constraints)
    down = placement.plan(config, placement.steady_state(config), [NodeDown("charlie")]).apply()
    back = placement.plan(config, down, [NodeUp("charlie")])
    graph = back.transition
    iscsi_start = next(a for a in graph if a.resource == "iscsi" and a.op is Op.START)
    arrival = next(a for a in graph if a.resource == "zulu" and a.op in (Op.START, Op.MIGRATE_FROM))
    assert iscsi_start.node == arrival.node == "charlie"
    assert arrival.op is Op.MIGRATE_FROM  # allow-migrate: a live migration, not a restart
    assert arrival in nx.descendants(graph, iscsi_start)  # order cl_iscsi then zulu
    assert nodes_of(back.apply(), "zulu") == ["charlie"]
    assert any(line.startswith("Migrate    zulu") for line in back.summary())


def test_without_a_fence_device_for_charlie_nothing_of_his_is_recovered() -> None:
    text = (Path(__file__).parents[2] / "examples" / "kvm.place").read_text()
    config = placement.loads("\n".join(line for line in text.splitlines() if "ipmi_charlie" not in line))
    result = placement.plan(config, placement.steady_state(config), [NodeDown("charlie")])
    assert not [a for a in result.transition if a.resource == "zulu"]
    assert result.details.unfenceable == ("charlie",)
    blocked = [line for line in result.summary() if "blocked" in line]
    assert blocked == ["Stop       iscsi        ( charlie ) blocked: charlie is unclean and cannot be fenced",
                       "Stop       zulu         ( charlie ) blocked: charlie is unclean and cannot be fenced"]
    assert nodes_of(result.apply(), "zulu") == ["charlie"]  # still believed there: blocked, not recovered


def test_without_fencing_charlie_is_just_down_and_zulu_starts_elsewhere() -> None:
    """compat(pacemaker): fencing off, a lost node is offline (crm_simulate --node-fail agrees)."""
    config = replace(KVM, cluster=replace(KVM.cluster, fencing=False))
    result = placement.plan(config, placement.steady_state(config), [NodeDown("charlie")])
    assert not result.details.unfenceable and not result.details.fenced
    assert nodes_of(result.apply(), "zulu") in (["alice"], ["bob"])
