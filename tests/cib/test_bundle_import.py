"""Bundles from a CIB: what a ``<bundle>`` expands into, and the plan against crm_simulate."""

# ruff: noqa: E501 - XML fixtures read best one element per line, however long.

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from placement.errors import InvalidInput
from placement.model import Clone, Colocation, Location, NodeKind, Order, Primitive
from placement.remote import guest_connections
from tests.cib.cibxml import ONLINE, cib, dummy, load, option, our_placement, pacemaker_placement

WEB = (
    '<bundle id="web-bundle"><podman image="httpd" replicas="3"/>'
    '<network ip-range-start="192.168.122.131" control-port="3121"/>'
    '<primitive id="web" class="ocf" provider="heartbeat" type="apache">'
    '<utilization id="wu"><nvpair id="wu1" name="cpu" value="2"/></utilization></primitive></bundle>'
)
PROXY = '<bundle id="proxy"><docker image="haproxy" replicas="2" network="host"/></bundle>'
THREE = '<node id="1" uname="alice"/><node id="2" uname="bob"/><node id="3" uname="carol"/>'
UP = "".join(f'<node_state id="{i}" uname="{n}" {ONLINE}/>' for i, n in ((1, "alice"), (2, "bob"), (3, "carol")))
NO_FENCING = option("stonith-enabled", "false")


def test_a_bundle_becomes_containers_ips_guest_nodes_and_a_clone() -> None:
    config, _ = load(cib(WEB, nodes=THREE, status=UP, options=NO_FENCING))
    assert [r for r in config.resources] == [
        "web-bundle-podman-0", "web-bundle-ip-192.168.122.131", "web-bundle-podman-1",
        "web-bundle-ip-192.168.122.132", "web-bundle-podman-2", "web-bundle-ip-192.168.122.133",
        "web", "web-bundle-clone",
    ]
    container = config.resources["web-bundle-podman-0"]
    assert isinstance(container, Primitive) and str(container.agent) == "ocf:heartbeat:podman"
    assert dict(container.utilization) == {"cpu": 2}  # moved from the inner primitive
    assert dict(config.primitives["web"].utilization) == {}
    clone = config.resources["web-bundle-clone"]
    assert isinstance(clone, Clone) and (clone.max, clone.per_node, clone.globally_unique) == (3, 1, False)
    guest = config.nodes["web-bundle-1"]
    assert (guest.kind, guest.via) == (NodeKind.GUEST, "web-bundle-podman-1")
    assert Colocation("web-bundle-ip-192.168.122.131", "web-bundle-podman-0", id="web-bundle-ip-192.168.122.131-with-web-bundle-podman-0") in config.constraints
    assert any(isinstance(c, Order) and (c.first, c.then) == ("web-bundle-ip-192.168.122.131", "web-bundle-podman-0") for c in config.constraints)


def test_replicas_default_to_promoted_max_and_a_promoted_bundle_is_a_master() -> None:
    bundle = '<bundle id="db"><docker image="x" promoted-max="2"/><network control-port="3121"/><primitive id="pg" class="ocf" provider="heartbeat" type="pgsql"/></bundle>'
    config, _ = load(cib(bundle, options=NO_FENCING))
    clone = config.resources["db-master"]
    assert isinstance(clone, Clone) and clone.promotable and (clone.max, clone.promoted_max) == (2, 2)
    assert set(config.nodes) == {"alice", "bob", "db-0", "db-1"}


def test_a_bundle_without_a_child_or_network_has_no_guest_nodes() -> None:
    config, _ = load(cib(PROXY))
    assert set(config.resources) == {"proxy-docker-0", "proxy-docker-1"}
    assert set(config.nodes) == {"alice", "bob"}


def test_an_inner_primitive_without_a_network_is_refused() -> None:
    bundle = '<bundle id="b"><docker image="x"/><primitive id="p" class="ocf" provider="heartbeat" type="Dummy"/></bundle>'
    with pytest.raises(InvalidInput, match="without either ip-range-start or control-port"):
        load(cib(bundle))


def test_constraints_on_a_bundle_go_to_its_parts() -> None:
    constraints = (
        '<rsc_location id="l1" rsc="web-bundle" node="alice" score="-INFINITY"/>'
        '<rsc_colocation id="c1" rsc="vip" with-rsc="proxy" score="INFINITY"/>'
        '<rsc_colocation id="c2" rsc="proxy" with-rsc="vip" score="INFINITY"/>'
        '<rsc_order id="o1" first="proxy" then="web-bundle"/>'
    )
    config, _ = load(cib(WEB + PROXY + dummy("vip"), constraints, nodes=THREE, status=UP, options=NO_FENCING))
    banned = {c.resource for c in config.constraints if isinstance(c, Location) and c.node == "alice"}
    assert banned == {f"web-bundle-podman-{i}" for i in range(3)} | {f"web-bundle-ip-192.168.122.13{i}" for i in (1, 2, 3)}
    assert any(isinstance(c, Colocation) and (c.dependent, c.primary) == ("vip", "proxy") for c in config.constraints)
    assert {c.dependent for c in config.constraints if isinstance(c, Colocation) and c.primary == "vip"} == {"proxy-docker-0", "proxy-docker-1"}
    orders = {(c.first, c.then) for c in config.constraints if isinstance(c, Order) and c.first.startswith("proxy")}
    assert orders == {(f"proxy-docker-{i}", f"web-bundle-podman-{j}") for i in range(2) for j in range(3)}


def test_a_guest_node_entry_keeps_its_attributes() -> None:
    entry = '<node id="web-bundle-0" uname="web-bundle-0" type="remote"><instance_attributes id="a"><nvpair id="a1" name="rack" value="r2"/></instance_attributes></node>'
    config, _ = load(cib(WEB, nodes=THREE + entry, status=UP, options=NO_FENCING))
    node = config.nodes["web-bundle-0"]
    assert (node.kind, node.via, node.attributes.get("rack")) == (NodeKind.GUEST, "web-bundle-podman-0", "r2")


def _crm_placement(path: Path) -> set[tuple[str, str]]:
    from placement.cib import import_cib
    from placement.planning import plan

    imported = import_cib(path)
    after = plan(imported.planning_config, imported.state).apply()
    return our_placement(path) | set(guest_connections(imported.config, after))


SCENARIOS = {
    "fresh": (WEB + PROXY + dummy("vip"), '<rsc_location id="l1" rsc="web-bundle" node="alice" score="-INFINITY"/><rsc_colocation id="c1" rsc="vip" with-rsc="proxy" score="INFINITY"/>'),
    "prefers": (WEB + PROXY, '<rsc_location id="l1" rsc="proxy" node="carol" score="100"/><rsc_colocation id="c1" rsc="web-bundle" with-rsc="proxy" score="INFINITY"/>'),
}


@pytest.mark.skipif(shutil.which("crm_simulate") is None, reason="crm_simulate (pacemaker-cli-utils) not installed")
@pytest.mark.parametrize("scenario", sorted(SCENARIOS))
def test_pacemaker_places_bundles_alike(tmp_path: Path, scenario: str) -> None:
    resources, constraints = SCENARIOS[scenario]
    path = tmp_path / "cib.xml"
    path.write_text(cib(resources, constraints, nodes=THREE, status=UP, options=NO_FENCING))
    assert _crm_placement(path) == pacemaker_placement(path)


def _lrm(*entries: tuple[str, str]) -> str:
    """An ``<lrm>`` with one history per (resource, ops)."""
    inner = "".join(f'<lrm_resource id="{rid}" class="ocf" type="Dummy">{ops}</lrm_resource>' for rid, ops in entries)
    return f'<lrm id="x"><lrm_resources>{inner}</lrm_resources></lrm>'


def test_a_failed_implicit_connection_makes_its_bundle_guest_unclean() -> None:
    from placement.state import NodeStatus
    from tests.cib.test_status import FENCE, node_state, op

    bundle = '<bundle id="b"><docker image="x"/><network control-port="3121"/><primitive id="p" class="ocf" provider="heartbeat" type="Dummy"/></bundle>'
    ok = _lrm(("b-docker-0", op("start", 1)), ("b-0", op("start", 2)))
    failed = _lrm(("b-docker-0", op("start", 1)), ("b-0", op("start", 2) + op("monitor", 3, 1, interval=30000)))
    guest = '<node_state id="b-0" uname="b-0" remote_node="true">' + _lrm(("p", op("start", 4))) + "</node_state>"
    _, state = load(cib(FENCE + bundle, status=node_state("alice", inner=ok) + node_state("bob") + guest))
    assert state.node("b-0").status is NodeStatus.ONLINE
    _, state = load(cib(FENCE + bundle, status=node_state("alice", inner=failed) + node_state("bob") + guest))
    assert state.node("b-0").status is NodeStatus.UNCLEAN


def test_a_bundle_container_on_a_remote_node_is_read_before_its_guest() -> None:
    from placement.state import NodeStatus
    from tests.cib.test_status import FENCE, node_state, op

    bundle = '<bundle id="b"><docker image="x"/><network control-port="3121"/><primitive id="p" class="ocf" provider="heartbeat" type="Dummy"/></bundle>'
    connection = '<primitive id="rem1" class="ocf" provider="pacemaker" type="remote"/>'
    alice = node_state("alice", inner=_lrm(("rem1", op("start", 1)), ("b-0", op("start", 3))))
    remote = '<node_state id="rem1" uname="rem1" remote_node="true">' + _lrm(("b-docker-0", op("start", 2))) + "</node_state>"
    guest = '<node_state id="b-0" uname="b-0" remote_node="true">' + _lrm(("p", op("start", 4))) + "</node_state>"
    config, state = load(cib(FENCE + connection + bundle, status=alice + node_state("bob") + remote + guest))
    assert state.node("b-0").status is NodeStatus.ONLINE
    assert [i.node for i in state.instances_of("b-docker-0")] == ["rem1"]
    assert guest_connections(config, state) == [("b-0", "alice")]  # where rem1's connection runs
