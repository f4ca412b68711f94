"""Remote and guest nodes end to end: the language, the solver, fencing, the transition.

Each rule has a small example; the properties at the end run generated clusters with a
remote and a guest node through plan → apply → plan again.
"""

from __future__ import annotations

import networkx as nx
import pytest
from hypothesis import given
from hypothesis import strategies as st

import placement
from placement.events import NodeDown
from placement.lang import dumps, loads, parse
from placement.model import NodeKind
from placement.state import Instance, NodeState, NodeStatus, State
from placement.transition import Op

BASE = """\
cluster stickiness=0
node alice
node bob
node db1 remote via conn_db1
node vm1 guest via vm1-domain
fence ipmi stonith:fence_ipmilan
resource conn_db1 ocf:pacemaker:remote server=db1.example.com
resource vm1-domain ocf:heartbeat:VirtualDomain config=/etc/vm1.xml
resource db ocf:heartbeat:pgsql
location db prefers db1 100
resource web ocf:heartbeat:apache
location web prefers vm1 100
"""


def config(extra: str = "") -> placement.Config:
    return loads(BASE + extra)


def where(result: placement.planning.Plan, rid: str) -> list[str]:
    return sorted(a.node for a in result.placement.assignments_of(rid))


def state_of(**instances: str) -> State:
    return State(instances=tuple(Instance(rid, node) for rid, node in instances.items()))


# ----------------------------------------------------------------------------- language


def test_nodes_say_what_brings_them_up_and_round_trip() -> None:
    parsed = config()
    assert (parsed.nodes["db1"].kind, parsed.nodes["db1"].via) == (NodeKind.REMOTE, "conn_db1")
    assert (parsed.nodes["vm1"].kind, parsed.nodes["vm1"].via) == (NodeKind.GUEST, "vm1-domain")
    assert loads(dumps(parsed)) == parsed
    assert "node db1 remote via conn_db1" in dumps(parsed)


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("node r2 remote via db", "must be an ocf:pacemaker:remote connection"),
        ("node g2 guest via conn_db1", "must run the guest"),
        ("node g2 guest via vm1-domain", "already brings up node 'vm1'"),
        ("node g2 guest via nothing", "resource 'nothing' does not exist"),
    ],
)
def test_what_brings_a_node_up_is_checked(line: str, message: str) -> None:
    _, diagnostics = parse(BASE + line + "\n")
    assert any(message in d.message for d in diagnostics), [d.message for d in diagnostics]


# ----------------------------------------------------------------------------- solver


def test_resources_run_on_remote_and_guest_nodes_while_their_connections_run() -> None:
    result = placement.plan(config())
    assert where(result, "db") == ["db1"] and where(result, "web") == ["vm1"]
    assert where(result, "conn_db1")[0] in ("alice", "bob")
    assert where(result, "vm1-domain")[0] in ("alice", "bob")


def test_a_stopped_connection_takes_its_remote_node_down() -> None:
    result = placement.plan(config("location conn_db1 avoids alice\nlocation conn_db1 avoids bob\n"))
    # db runs, but not on db1: which other node wins is Pacemaker's tie-break (fewest
    # resources: the guest vm1, since the device and the container took alice and bob).
    assert where(result, "conn_db1") == [] and len(where(result, "db")) == 1 and where(result, "db") != ["db1"]


def test_a_stopped_container_takes_its_guest_down() -> None:
    result = placement.plan(loads(BASE.replace("config=/etc/vm1.xml", "config=/etc/vm1.xml meta target-role=stopped")))
    assert where(result, "vm1-domain") == [] and where(result, "web") in (["alice"], ["bob"])


def test_connections_containers_and_fence_devices_never_run_on_remote_nodes() -> None:
    hosting = ("conn_db1", "vm1-domain", "ipmi")
    extra = "".join(f"location {r} prefers {n} inf\n" for r in hosting for n in ("db1", "vm1"))
    result = placement.plan(config(extra))
    for rid in ("conn_db1", "vm1-domain", "ipmi"):
        assert set(where(result, rid)) <= {"alice", "bob"}


def test_hosted_nodes_count_as_nodes_for_clones() -> None:
    result = placement.plan(config("resource agent ocf:heartbeat:Dummy\nclone agents of agent\n"))
    assert where(result, "agent") == ["alice", "bob", "db1", "vm1"]


def test_rules_see_the_kind_of_node() -> None:
    local = 'resource local ocf:heartbeat:Dummy\nlocation local avoids ("#kind" != cluster) inf\n'
    result = placement.plan(config(local))
    assert where(result, "local")[0] in ("alice", "bob")
    inside = 'resource inside ocf:heartbeat:Dummy\nlocation inside prefers ("#kind" == container) 500\n'
    result = placement.plan(config(inside))
    assert where(result, "inside") == ["vm1"]


# ----------------------------------------------------------------------------- transition


def test_moving_a_connection_does_not_restart_what_runs_on_its_node() -> None:
    now = placement.steady_state(config())
    host = next(i.node for i in now.instances_of("conn_db1"))
    result = placement.plan(config(), now, events=[NodeDown(host)])
    moved = {(a.resource, a.op) for a in result.transition if a.resource is not None}
    assert ("conn_db1", Op.START) in moved
    assert not any(resource == "db" for resource, _ in moved)
    assert where(result, "db") == ["db1"]


def test_a_lost_remote_node_is_fenced_by_the_cluster_devices() -> None:
    now = placement.steady_state(config())
    result = placement.plan(config(), now, events=[NodeDown("db1")])
    assert result.details.fenced == ("db1",)
    assert where(result, "db") not in ([], ["db1"])


def test_a_guest_is_fenced_by_recovering_its_container() -> None:
    now = State(
        nodes={"vm1": NodeState(NodeStatus.UNCLEAN)},
        instances=(Instance("vm1-domain", "alice", failed=True), Instance("web", "vm1"), Instance("conn_db1", "bob"),
                   Instance("ipmi", "bob"), Instance("db", "db1")),
    )
    unfenced = loads(BASE.replace("cluster stickiness=0", "cluster stickiness=0 fencing=off"))
    result = placement.plan(unfenced, now)  # a guest needs no fencing to be "fenced"
    graph = result.transition
    fence = next(a for a in graph if a.op is Op.FENCE)
    assert fence.node == "vm1"
    stop = next(a for a in graph if a.resource == "vm1-domain" and a.op is Op.STOP)
    start = next(a for a in graph if a.resource == "vm1-domain" and a.op is Op.START)
    web = next(a for a in graph if a.resource == "web" and a.op is Op.START)
    assert nx.has_path(graph, stop, fence) and nx.has_path(graph, fence, start) and nx.has_path(graph, start, web)
    after = result.apply()
    assert [i.node for i in after.instances_of("web")] == ["vm1"]
    assert placement.plan(unfenced, after).is_empty


def test_the_guest_connection_is_reported_where_its_container_runs() -> None:
    from placement.render.plan_json import plan_document

    result = placement.plan(config())
    document = plan_document(result, result.apply())
    host = where(result, "vm1-domain")[0]
    assert {"resource": "vm1", "role": "Started", "node": host, "connection": True} in document["placement"]


# ----------------------------------------------------------------------------- properties


@st.composite
def hosted_clusters(draw: st.DrawFn) -> tuple[placement.Config, list[str]]:
    """Two cluster nodes, a remote and a guest node; resources with random preferences; the
    connection and the container sometimes disabled or banned from every cluster node."""
    lines = [BASE.split("resource db")[0].rstrip("\n")]
    for rid in ("conn_db1", "vm1-domain"):
        if draw(st.booleans()):
            lines.append(f"location {rid} avoids {draw(st.sampled_from(['alice', 'bob']))}")
        if draw(st.integers(0, 3)) == 0:
            lines += [f"location {rid} avoids alice", f"location {rid} avoids bob"]
    for index in range(draw(st.integers(1, 4))):
        lines.append(f"resource r{index} ocf:heartbeat:Dummy")
        for node in draw(st.lists(st.sampled_from(["alice", "bob", "db1", "vm1"]), max_size=2, unique=True)):
            lines.append(f"location r{index} prefers {node} {draw(st.sampled_from(['10', '100', 'inf']))}")
    if draw(st.booleans()):
        lines += ["resource agent ocf:heartbeat:Dummy", "clone agents of agent"]
    events = draw(st.lists(st.sampled_from(["alice", "bob", "db1", "vm1"]), max_size=1))
    return loads("\n".join(lines) + "\n"), events


@given(hosted_clusters())
def test_hosted_nodes_never_run_anything_without_their_connection(case: tuple[placement.Config, list[str]]) -> None:
    cluster, downs = case
    now = placement.steady_state(cluster)
    result = placement.plan(cluster, now, events=[NodeDown(n) for n in downs])
    assert nx.is_directed_acyclic_graph(result.transition)
    for name, node in cluster.nodes.items():
        if node.kind is NodeKind.CLUSTER:
            continue
        connected = bool(result.placement.assignments_of(node.via or ""))
        on_node = [a for rid in cluster.primitives for a in result.placement.assignments_of(rid) if a.node == name]
        assert connected or not on_node, f"{on_node} on {name} without {node.via}"
        assert set(a.node for a in result.placement.assignments_of(node.via or "")) <= {"alice", "bob"}
    fences = [a for a in result.transition if a.op is Op.FENCE]
    for fence in fences:
        if cluster.nodes[fence.node].kind is NodeKind.GUEST:  # fenced by stopping its container
            stops = [a for a in result.transition if a.resource == "vm1-domain" and a.op is Op.STOP]
            assert all(nx.has_path(result.transition, stop, fence) for stop in stops)
    for action in result.transition:
        if action.op in (Op.START, Op.PROMOTE):
            assert all(nx.has_path(result.transition, fence, action) for fence in fences)
    after = result.apply()
    assert placement.plan(result.config, after).is_empty


def test_a_remote_node_in_standby_stays_in_standby_when_its_connection_stops() -> None:
    cluster = config("location conn_db1 avoids alice\nlocation conn_db1 avoids bob\n")
    now = State(nodes={"db1": NodeState(NodeStatus.STANDBY)}, instances=(Instance("conn_db1", "alice"),))
    result = placement.plan(cluster, now)
    after = result.apply()
    assert after.node("db1").status is NodeStatus.STANDBY
    assert placement.plan(cluster, after).is_empty
