"""Remote and guest nodes from a CIB: the nodes resources create, and their status."""

# ruff: noqa: E501 - XML fixtures read best one element per line, however long.

from __future__ import annotations

from placement.model import Location, NodeKind
from placement.state import NodeStatus
from tests.cib.cibxml import cib, dummy, load, meta
from tests.cib.test_status import FENCE, history, node_state, nodes, op

CONNECTION = '<primitive id="rem1" class="ocf" provider="pacemaker" type="remote">{}</primitive>'
RECONNECT = '<instance_attributes id="ri"><nvpair id="ri1" name="reconnect_interval" value="60s"/></instance_attributes>'
GUEST = dummy("vm1", meta("vm1", remote_node="guest1"), 'class="ocf" provider="heartbeat" type="VirtualDomain"')


def remote_state(inner: str = "") -> str:
    return f'<node_state id="rem1" uname="rem1" remote_node="true">{inner}</node_state>'


def connection_history(*ops: str) -> str:
    """The connection's history on cluster node n1."""
    return node_state("n1", inner=history("rem1", *ops))


def test_a_connection_creates_its_remote_node_and_a_node_entry_adds_attributes() -> None:
    config, _ = load(cib(FENCE + CONNECTION.format(""), nodes=nodes("n1") + '<node id="rem1" uname="rem1" type="remote"><instance_attributes id="a"><nvpair id="a1" name="rack" value="r2"/></instance_attributes></node>', status=""))
    remote = config.nodes["rem1"]
    assert (remote.kind, remote.via, remote.attributes.get("rack")) == (NodeKind.REMOTE, "rem1", "r2")


def test_a_remote_node_is_online_while_its_connection_runs() -> None:
    status = connection_history(op("start", 1)) + remote_state()
    _, state = load(cib(FENCE + CONNECTION.format(""), nodes=nodes("n1"), status=status))
    assert state.node("rem1").status is NodeStatus.ONLINE
    _, state = load(cib(FENCE + CONNECTION.format(""), nodes=nodes("n1"), status=node_state("n1") + remote_state()))
    assert state.node("rem1").status is NodeStatus.OFFLINE  # stopped connection: down, not unclean


def test_a_failed_connection_monitor_makes_the_remote_node_unclean() -> None:
    status = connection_history(op("start", 1), op("monitor", 2, 1, interval=10000)) + remote_state()
    _, state = load(cib(FENCE + CONNECTION.format(""), nodes=nodes("n1"), status=status))
    assert state.node("rem1").status is NodeStatus.UNCLEAN  # "remote connection is unrecoverable"


def test_a_reconnect_interval_keeps_a_failed_connection_stopped() -> None:
    status = connection_history(op("start", 1), op("monitor", 2, 1, interval=10000), op("stop", 3)) + remote_state()
    _, state = load(cib(FENCE + CONNECTION.format(RECONNECT), nodes=nodes("n1"), status=status))
    assert {f.on_fail for f in state.failed_operations if f.resource == "rem1"} == {"stop"}  # banned everywhere


def test_a_guest_is_up_while_its_container_runs_and_unclean_when_it_fails() -> None:
    running = node_state("n1", inner=history("vm1", op("start", 1)))
    config, state = load(cib(FENCE + GUEST, nodes=nodes("n1"), status=running))
    assert (config.nodes["guest1"].kind, config.nodes["guest1"].via) == (NodeKind.GUEST, "vm1")
    assert state.node("guest1").status is NodeStatus.ONLINE
    failed = node_state("n1", inner=history("vm1", op("start", 1), op("monitor", 2, 1, interval=10000)))
    guest = '<node_state id="guest1" uname="guest1" remote_node="true">' + history("app", op("start", 3)) + "</node_state>"
    _, state = load(cib(FENCE + GUEST + dummy("app"), nodes=nodes("n1"), status=failed + guest))
    assert state.node("guest1").status is NodeStatus.UNCLEAN
    assert [(i.resource, i.failed) for i in state.instances] == [("app", True), ("vm1", True)]  # both recovered


def test_a_container_meta_naming_a_guest_container_pins_the_resource_to_the_guest() -> None:
    config, _ = load(cib(FENCE + GUEST + dummy("app", meta("app", container="vm1")), nodes=nodes("n1"), status=""))
    pinned = [c for c in config.constraints if isinstance(c, Location) and c.resource == "app"]
    assert len(pinned) == 1 and pinned[0].rules[0].score == -1_000_000
