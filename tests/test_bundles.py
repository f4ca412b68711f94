"""Bundles in the language and the solver: the rules of pe__unpack_bundle and pcmk_sched_bundle.c."""

from __future__ import annotations

import networkx as nx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import placement
from placement.events import NodeDown
from placement.lang import dumps, loads, parse
from placement.model import NodeKind
from placement.state import Instance, NodeState, NodeStatus, State
from placement.transition import Op

BASE = """\
cluster stickiness=0 fencing=off
node alice
node bob
node carol
bundle web-bundle podman image=httpd replicas=2 ip-range-start=192.0.2.10 control-port=3121 {
    resource web ocf:heartbeat:apache uses cpu=1
}
bundle proxy docker image=haproxy replicas=2 network=host
resource vip ocf:heartbeat:IPaddr2 ip=192.0.2.1
resource other ocf:heartbeat:Dummy
"""


def where(result: placement.planning.Plan, rid: str) -> list[str]:
    return sorted(a.node for a in result.placement.assignments_of(rid))


def test_a_bundle_round_trips_through_the_canonical_form() -> None:
    config = loads(BASE + "colocation vip with proxy\n")
    text = dumps(config)
    assert "bundle web-bundle podman image=httpd replicas=2" in text and "web-bundle-podman-0" not in text
    assert loads(text) == config
    assert dumps(loads(text)) == text


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("bundle b docker image=x {\n    resource p ocf:heartbeat:Dummy\n}",
         "without either ip-range-start or control-port"),
        ("bundle b lxc image=x", "docker, podman or rkt"),
        ("bundle b docker image=x replica=2", "unknown option 'replica'"),
        ("bundle b docker replicas=0", "replicas=0 is not a count"),
        ("bundle b docker control-port=1 replicas-per-host=2", "needs replicas-per-host=1"),
    ],
)
def test_nonsense_bundles_are_refused(line: str, message: str) -> None:
    _, diagnostics = parse(f"node alice\n{line}\n")
    assert any(message in d.message for d in diagnostics), [d.message for d in diagnostics]


def test_each_replica_runs_its_container_ip_and_one_child_copy_on_its_guest() -> None:
    result = placement.plan(loads(BASE))
    containers = where(result, "web-bundle-podman-0") + where(result, "web-bundle-podman-1")
    assert len(set(containers)) == 2  # replicas-per-host=1: one container per node
    assert where(result, "web-bundle-ip-192.0.2.10") == where(result, "web-bundle-podman-0")
    assert where(result, "web") == ["web-bundle-0", "web-bundle-1"]


def test_a_bundles_guest_nodes_run_only_its_child() -> None:
    config = loads(BASE + "location other prefers web-bundle-0 inf\nlocation vip prefers web-bundle-1 100\n")
    result = placement.plan(config)
    assert where(result, "other")[0] in {"alice", "bob", "carol"}
    assert where(result, "vip")[0] in {"alice", "bob", "carol"}


def test_a_location_on_the_bundle_applies_to_every_container_and_ip() -> None:
    result = placement.plan(loads(BASE + "location web-bundle avoids alice\n"))
    for rid in ("web-bundle-podman-0", "web-bundle-podman-1", "web-bundle-ip-192.0.2.10", "web-bundle-ip-192.0.2.11"):
        assert "alice" not in where(result, rid)


def test_with_a_bundle_means_where_any_of_its_containers_runs() -> None:
    config = loads(BASE + "colocation vip with proxy\nlocation vip avoids carol\nlocation proxy avoids alice\n")
    result = placement.plan(config)
    assert where(result, "vip") == ["bob"]  # the only node with a proxy container that vip may use


def test_a_child_less_bundle_is_just_its_containers() -> None:
    config = loads(BASE)
    assert not any(node.via and node.via.startswith("proxy") for node in config.nodes.values())


def test_a_failed_container_fences_its_guest_and_the_child_starts_again() -> None:
    config = loads(BASE)
    steady = placement.steady_state(config)
    host = next(i.node for i in steady.instances_of("web-bundle-podman-0"))
    instances = tuple(
        Instance(i.resource, i.node, i.role, failed=i.resource == "web-bundle-podman-0") for i in steady.instances
    )
    now = State(nodes={**steady.nodes, "web-bundle-0": NodeState(NodeStatus.UNCLEAN)}, instances=instances)
    result = placement.plan(config, now)
    graph = result.transition
    fence = next(a for a in graph if a.op is Op.FENCE)
    assert fence.node == "web-bundle-0"
    stop = next(a for a in graph if a.resource == "web-bundle-podman-0" and a.op is Op.STOP)
    start = next(a for a in graph if a.resource == "web-bundle-podman-0" and a.op is Op.START)
    assert nx.has_path(graph, stop, fence) and nx.has_path(graph, fence, start)
    assert stop.node == host
    after = result.apply()
    assert placement.plan(config, after).is_empty


# ----------------------------------------------------------------------------- properties


@st.composite
def bundle_clusters(draw: st.DrawFn) -> tuple[placement.Config, list[str]]:
    """Three nodes, a bundle with or without a child, IPs and replicas drawn; random bans."""
    replicas = draw(st.integers(1, 4))
    ips = draw(st.booleans())
    child = draw(st.booleans())
    promoted = draw(st.integers(0, 2)) if child else 0
    network = "ip-range-start=10.0.0.1 " if ips else ""
    network += "control-port=3121" if child or draw(st.booleans()) else ""
    lines = ["cluster stickiness=0", "node alice", "node bob", "node carol", "fence ipmi stonith:fence_ipmilan"]
    head = f"bundle b docker image=x replicas={replicas} {network}"
    if promoted:
        head += f" promoted-max={promoted}"
    lines.append(head + (" {\n    resource p ocf:heartbeat:Stateful\n}" if child else ""))
    for node in draw(st.lists(st.sampled_from(["alice", "bob", "carol"]), max_size=2, unique=True)):
        lines.append(f"location b avoids {node} {draw(st.sampled_from(['10', 'inf']))}")
    if draw(st.booleans()):
        lines += ["resource r ocf:heartbeat:Dummy", "colocation r with b"]
    events = draw(st.lists(st.sampled_from(["alice", "bob", "carol"]), max_size=1))
    return loads("\n".join(lines) + "\n"), events


@settings(max_examples=40, deadline=None)
@given(bundle_clusters())
def test_bundles_keep_their_invariants(case: tuple[placement.Config, list[str]]) -> None:
    cluster, downs = case
    now = placement.steady_state(cluster)
    result = placement.plan(cluster, now, events=[NodeDown(n) for n in downs])
    assert nx.is_directed_acyclic_graph(result.transition)
    hosts = [a.node for rid in cluster.primitives if rid.startswith("b-docker-")
             for a in result.placement.assignments_of(rid)]
    assert len(hosts) == len(set(hosts))  # one container per host
    for name, node in cluster.nodes.items():
        if node.kind is NodeKind.GUEST:
            on_node = [rid for rid in cluster.primitives
                       for a in result.placement.assignments_of(rid) if a.node == name]
            assert set(on_node) <= {"p"}
            assert not on_node or result.placement.assignments_of(node.via or "")
    fences = [a for a in result.transition if a.op is Op.FENCE]
    for action in result.transition:
        if action.op in (Op.START, Op.PROMOTE):
            assert all(nx.has_path(result.transition, fence, action) for fence in fences)
    after = result.apply()
    assert placement.plan(result.config, after).is_empty
