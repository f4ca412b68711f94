"""One example per statement: the text and the model it must build."""

from __future__ import annotations

import pytest

from placement.errors import InvalidInput
from placement.lang import loads, parse
from placement.model import (
    Action,
    Agent,
    BoolExpr,
    Clone,
    Colocation,
    ColocationSet,
    Comparison,
    Defined,
    Discovery,
    FencingAction,
    Group,
    Location,
    NoQuorumPolicy,
    Operator,
    Order,
    OrderKind,
    OrderSet,
    Primitive,
    Role,
    Strategy,
    ValueType,
)
from placement.score import INFINITY

NODES = "node alice rack=a\nnode bob rack=b\nfence f stonith:fence_dummy for alice bob\n"


def one(text: str, kind: type = object):
    """The configuration of NODES + text, and its single constraint if it has one."""
    config = loads(NODES + text)
    return config, (config.constraints[-1] if config.constraints else None)


def test_cluster_options_accept_short_and_pacemaker_names() -> None:
    config = loads("cluster stickiness=100 symmetric-cluster=false stonith-enabled=yes "
                   "fencing-action=poweroff placement-strategy=balanced no-quorum=freeze "
                   "maintenance stop-all=off start-failure-is-fatal=false concurrent-fencing name=prod")
    cluster = config.cluster
    assert cluster.stickiness == 100
    assert cluster.symmetric is False and cluster.fencing is True
    assert cluster.fencing_action is FencingAction.OFF
    assert cluster.strategy is Strategy.BALANCED
    assert cluster.no_quorum is NoQuorumPolicy.FREEZE
    assert cluster.maintenance is True and cluster.stop_all is False
    assert cluster.start_failure_is_fatal is False and cluster.concurrent_fencing is True
    assert cluster.name == "prod"


def test_node_attributes_flags_score_and_capacity_with_units() -> None:
    config = loads('node charlie rack=b site="east coast" standby maintenance score 10 '
                   "capacity cpu=16 memory=64G disk=2048")
    node = config.nodes["charlie"]
    assert dict(node.attributes) == {"rack": "b", "site": "east coast"}
    assert node.standby and node.maintenance and node.score == 10
    assert dict(node.capacity) == {"cpu": 16, "memory": 64 << 30, "disk": 2048}


def test_standby_written_as_an_attribute_is_the_flag() -> None:
    assert loads("node a standby=on").nodes["a"].standby is True
    assert loads("node a standby=off").nodes["a"].standby is False


def test_primitive_with_params_meta_utilization_and_operations() -> None:
    config = loads(
        "resource xray ocf:heartbeat:VirtualDomain config=/etc/libvirt/qemu/xray.xml hv=\"qemu:///system\"\n"
        "    meta allow-migrate=true priority=10 migration-threshold=3 failure-timeout=2m target-role=Stopped\n"
        "    uses cpu=4 memory=8G {\n"
        "    monitor every 10s timeout 20s on-fail=restart OCF_CHECK_LEVEL=10\n"
        "    start timeout 90s\n"
        "    monitor every 11s role=promoted enabled=false\n"
        "}")
    xray = config.resources["xray"]
    assert isinstance(xray, Primitive)
    assert xray.agent == Agent("ocf", "heartbeat", "VirtualDomain")
    assert dict(xray.params) == {"config": "/etc/libvirt/qemu/xray.xml", "hv": "qemu:///system"}
    assert xray.meta.allow_migrate is True and xray.meta.priority == 10
    assert xray.meta.migration_threshold == 3 and xray.meta.failure_timeout == 120
    assert xray.meta.target_role is Role.STOPPED
    assert dict(xray.utilization) == {"cpu": 4, "memory": 8 << 30}
    monitor, start, promoted_monitor = xray.operations
    assert (monitor.name, monitor.interval_ms, monitor.timeout_ms) == ("monitor", 10_000, 20_000)
    assert monitor.on_fail == "restart"
    assert dict(monitor.params) == {"OCF_CHECK_LEVEL": "10"}
    assert (start.name, start.interval_ms, start.timeout_ms) == ("start", 0, 90_000)
    assert promoted_monitor.role is Role.PROMOTED and dict(promoted_monitor.options) == {"enabled": "false"}


def test_fence_device_names_the_nodes_it_fences() -> None:
    config = loads("node alice\nfence ipmi_alice stonith:external/ipmi for alice hostname=alice ipaddr=192.0.2.1")
    device = config.resources["ipmi_alice"]
    assert device.agent.is_fencing and device.agent.type == "external/ipmi"
    assert device.fences == ("alice",)
    assert dict(device.params) == {"hostname": "alice", "ipaddr": "192.0.2.1"}


def test_fence_levels() -> None:
    config = loads(NODES + "fence g stonith:fence_dummy\nfence-level 1 alice f\nfence-level 2 alice f g")
    assert [(lv.target, lv.index, lv.devices) for lv in config.fencing_levels] == [
        ("alice", 1, ("f",)), ("alice", 2, ("f", "g"))]


def test_group_clone_and_promotable() -> None:
    config = loads(
        "resource vip ocf:heartbeat:IPaddr2 ip=192.0.2.5\nresource apache ocf:heartbeat:apache\n"
        "group web of vip apache meta target-role=started\n"
        "resource iscsi ocf:heartbeat:iscsi\nclone cl_iscsi of iscsi max=3 per-node=1 min=2 interleave ordered\n"
        "resource pgsql ocf:heartbeat:pgsql\npromotable db of pgsql promoted-max=1 promoted-node-max=1 unique notify")
    assert config.resources["web"] == Group("web", ("vip", "apache"), config.resources["web"].meta)
    assert config.resources["web"].meta.target_role is Role.STARTED
    clone = config.resources["cl_iscsi"]
    assert isinstance(clone, Clone) and not clone.promotable
    assert (clone.max, clone.per_node, clone.min, clone.interleave, clone.ordered) == (3, 1, 2, True, True)
    db = config.resources["db"]
    assert db.promotable and db.promoted_max == 1 and db.promoted_per_node == 1
    assert db.globally_unique and db.notify


def test_stickiness_statement_sets_the_resource_meta() -> None:
    config = loads("resource zulu ocf:heartbeat:Dummy\nstickiness zulu 500")
    assert config.resources["zulu"].meta.stickiness == 500


def test_defaults_and_op_defaults() -> None:
    config = loads("defaults migration-threshold=3 is-managed=false\nop-defaults timeout=20s record-pending=true")
    assert config.resource_defaults.migration_threshold == 3
    assert config.resource_defaults.managed is False
    assert dict(config.op_defaults) == {"timeout": "20s", "record-pending": "true"}


@pytest.mark.parametrize(("text", "node", "score"), [
    ("location x prefers alice 50", "alice", 50),
    ("location x prefers alice", "alice", INFINITY),
    ("location x avoids bob", "bob", -INFINITY),
    ("location x avoids bob 20", "bob", -20),
    ("location x prefers bob -inf", "bob", -INFINITY),
    ("location x prefers bob 0", "bob", 0),
])
def test_location_on_a_node(text: str, node: str, score: int) -> None:
    _, location = one("resource x ocf:heartbeat:Dummy\n" + text)
    assert isinstance(location, Location)
    assert (location.resource, location.node, location.score) == ("x", node, score)


def test_location_label_role_and_discovery() -> None:
    _, location = one("resource p ocf:pacemaker:Stateful\npromotable db of p\n"
                      "location pref-alice: db promoted prefers alice 100 discovery=exclusive")
    assert location.id == "pref-alice" and location.role is Role.PROMOTED
    assert location.discovery is Discovery.EXCLUSIVE and location.score == 100


def test_location_rule_with_and_or_and_types() -> None:
    _, location = one("resource web ocf:heartbeat:apache\n"
                      'location web prefers (rack == a and (cpu_gen >= 3 as integer or defined gpu)'
                      ' and not defined "#cluster-name") 20')
    (rule,) = location.rules
    assert rule.score == 20
    expression = rule.expression
    assert isinstance(expression, BoolExpr) and expression.op == "and"
    first, middle, last = expression.operands
    assert first == Comparison("rack", Operator.EQ, "a")
    assert middle == BoolExpr("or", (Comparison("cpu_gen", Operator.GE, "3", ValueType.INTEGER),
                                     Defined("gpu")))
    assert last == Defined("#cluster-name", negated=True)


def test_location_block_of_rules_and_score_attribute() -> None:
    _, location = one("resource web ocf:heartbeat:apache\nlocation ping: web {\n"
                      "    prefers (defined pingd) score-attribute pingd\n"
                      "    avoids (not_defined pingd or pingd <= 0)\n}")
    first, second = location.rules
    assert first.score_attribute == "pingd" and first.expression == Defined("pingd")
    assert second.score == -INFINITY
    assert second.expression == BoolExpr("or", (Defined("pingd", True), Comparison("pingd", Operator.LE, "0")))


def test_location_by_pattern() -> None:
    _, location = one('resource vm-1 ocf:heartbeat:Dummy\nlocation pattern "^vm-" avoids bob')
    assert location.resource is None and location.pattern == "^vm-" and location.node == "bob"


def test_colocation_forms() -> None:
    base = ("resource x ocf:heartbeat:Dummy\nresource y ocf:heartbeat:Dummy\n"
            "resource p ocf:pacemaker:Stateful\npromotable db of p\n")
    config = loads(NODES + base + "colocation x with y\ncolocation c2: x apart from y 500\n"
                   "colocation x apart from y\ncolocation x with db promoted 200 on rack influence=false\n"
                   "colocation db unpromoted with y -50")
    with_y, apart_500, apart, promoted, negative = config.constraints
    assert with_y == Colocation("x", "y", INFINITY)
    assert apart_500 == Colocation("x", "y", -500, id="c2")
    assert apart.score == -INFINITY
    assert promoted == Colocation("x", "db", 200, None, Role.PROMOTED, "rack", False)
    assert negative.dependent_role is Role.UNPROMOTED and negative.score == -50


def test_colocation_and_order_sets() -> None:
    base = "".join(f"resource {n} ocf:heartbeat:Dummy\n" for n in "abcd")
    config = loads(NODES + base + "colocation cs: set [a b] [c d sequential=false] 100 on rack\n"
                   "order os: set [a b action=stop] [c require-all=false] optional symmetrical=false")
    colocation_set, order_set = config.constraints
    assert isinstance(colocation_set, ColocationSet) and colocation_set.score == 100
    assert [s.resources for s in colocation_set.sets] == [("a", "b"), ("c", "d")]
    assert colocation_set.sets[1].sequential is False and colocation_set.node_attribute == "rack"
    assert isinstance(order_set, OrderSet) and order_set.kind is OrderKind.OPTIONAL
    assert order_set.sets[0].action is Action.STOP and order_set.sets[1].require_all is False
    assert order_set.symmetrical is False


def test_order_forms() -> None:
    base = "resource x ocf:heartbeat:Dummy\nresource p ocf:pacemaker:Stateful\npromotable db of p\n"
    config = loads(NODES + base + "order db then x\norder o2: db promote then x start optional\n"
                   "order x then db serialize symmetrical=true")
    plain, promote, serialize = config.constraints
    assert plain == Order("db", "x")
    assert promote == Order("db", "x", Action.PROMOTE, Action.START, OrderKind.OPTIONAL, id="o2")
    assert serialize.kind is OrderKind.SERIALIZE and serialize.symmetrical is True


def test_quoted_names_and_continuation_lines() -> None:
    config = loads('node "node 1.example"\nresource "my rsc" ocf:heartbeat:Dummy\n'
                   '    meta priority=5   # a comment\n\n'
                   '  # an indented comment is not a continuation\n'
                   'location "my rsc" prefers "node 1.example" 5')
    assert "node 1.example" in config.nodes
    assert config.resources["my rsc"].meta.priority == 5
    assert config.constraints[0].node == "node 1.example"


def test_scores_beyond_infinity_are_clamped_with_a_warning() -> None:
    config, diagnostics = parse(NODES + "resource x ocf:heartbeat:Dummy\nlocation x prefers alice -5000000")
    assert config.constraints[0].score == -INFINITY
    assert [d.message for d in diagnostics] == ["score -5000000 is beyond ±1000000 and means -inf"]


def test_positions_are_kept_for_diagnostics() -> None:
    config = loads("node a\n\nresource x ocf:heartbeat:Dummy\nlocation x prefers a 1", "f.place")
    assert (config.resources["x"].span.line, config.constraints[0].span.line) == (3, 4)
    assert config.constraints[0].span.file == "f.place"


def test_a_stonith_agent_must_be_declared_with_fence() -> None:
    with pytest.raises(InvalidInput, match="is a fence device: write 'fence ipmi"):
        loads("resource ipmi stonith:fence_ipmilan")


def test_a_comment_that_looks_like_an_option_is_still_a_comment() -> None:
    config = loads('node a #rack=b\nnode b "#id"=uuid2')
    assert dict(config.nodes["a"].attributes) == {}
    assert dict(config.nodes["b"].attributes) == {"#id": "uuid2"}


def test_parameter_keys_that_are_not_plain_words_are_quoted() -> None:
    config = loads('resource r ocf:heartbeat:Dummy 1=one "two words"=2 "a=b"="c d"')
    assert dict(config.resources["r"].params) == {"1": "one", "two words": "2", "a=b": "c d"}


def test_a_fence_device_may_be_cloned() -> None:
    config = loads("node a\nfence f stonith:fence_dummy\nclone cl_f of f")
    assert config.resources["cl_f"].child == "f"
