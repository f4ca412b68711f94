"""Configuration mapping: cluster options, nodes, defaults, resources."""

# ruff: noqa: E501 - XML fixtures read best one element per line, however long.

from __future__ import annotations

import re

import pytest

from placement.cib import import_cib
from placement.errors import InvalidInput, Unsupported
from placement.hierarchy import Hierarchy
from placement.model import Agent, Clone, FencingAction, Group, NoQuorumPolicy, Primitive, Role, Strategy
from placement.score import INFINITY
from tests.cib.cibxml import cib, config_of, dummy, meta, option

# ----------------------------------------------------------------------------- cluster options


def test_cluster_options_map_to_cluster_options() -> None:
    config = config_of(
        cib(
            options=option("stonith-enabled", "false")
            + option("symmetric-cluster", "false")
            + option("placement-strategy", "balanced")
            + option("no-quorum-policy", "freeze")
            + option("stonith-action", "poweroff")
            + option("maintenance-mode", "true")
            + option("stop-all-resources", "yes")
            + option("start-failure-is-fatal", "0")
            + option("concurrent-fencing", "on")
            + option("cluster-name", "prod")
        )
    )
    cluster = config.cluster
    assert (cluster.fencing, cluster.symmetric, cluster.maintenance, cluster.stop_all) == (
        False,
        False,
        True,
        True,
    )
    assert cluster.strategy is Strategy.BALANCED
    assert cluster.no_quorum is NoQuorumPolicy.FREEZE
    assert cluster.fencing_action is FencingAction.OFF  # poweroff is the old spelling
    assert (cluster.start_failure_is_fatal, cluster.concurrent_fencing, cluster.name) == (False, True, "prod")


def test_defaults_when_crm_config_is_empty() -> None:
    cluster = config_of(cib()).cluster
    assert (cluster.fencing, cluster.symmetric, cluster.no_quorum, cluster.stickiness) == (
        True,
        True,
        NoQuorumPolicy.STOP,
        None,
    )


def test_bootstrap_property_set_wins_over_others() -> None:
    text = cib(options=option("no-quorum-policy", "ignore")).replace(
        "</crm_config>",
        '<cluster_property_set id="other"><nvpair id="x" name="no-quorum-policy" value="freeze"/>'
        "</cluster_property_set></crm_config>",
    )
    assert config_of(text).cluster.no_quorum is NoQuorumPolicy.IGNORE


@pytest.mark.parametrize(
    ("fencing", "root", "expected"),
    [
        ("true", 'have-quorum="true"', NoQuorumPolicy.SUICIDE),
        ("true", 'have-quorum="false"', NoQuorumPolicy.STOP),  # never had quorum
        ("true", 'have-quorum="false" no-quorum-panic="1"', NoQuorumPolicy.SUICIDE),
        ("false", 'have-quorum="true"', NoQuorumPolicy.STOP),  # suicide needs fencing
    ],
)
def test_suicide_policy_is_downgraded_like_pacemaker(fencing: str, root: str, expected: NoQuorumPolicy) -> None:
    text = cib(options=option("no-quorum-policy", "suicide") + option("stonith-enabled", fencing), root=root)
    assert config_of(text).cluster.no_quorum is expected


def test_invalid_option_value_is_an_error_with_position() -> None:
    with pytest.raises(InvalidInput, match=r"test.xml:1:\d+: error: cluster option placement-strategy"):
        config_of(cib(options=option("placement-strategy", "fastest")))


def test_unknown_health_strategy_is_invalid() -> None:
    with pytest.raises(InvalidInput, match="node-health-strategy='greenish' is not valid"):
        config_of(cib(options=option("node-health-strategy", "greenish")))


# ----------------------------------------------------------------------------- nodes


def test_nodes_with_attributes_utilization_standby_and_score() -> None:
    nodes = (
        '<node id="1" uname="alice" score="5"><instance_attributes id="a">'
        '<nvpair id="a1" name="rack" value="r1"/><nvpair id="a2" name="standby" value="on"/>'
        '</instance_attributes><utilization id="u"><nvpair id="u1" name="cpu" value="8"/>'
        '<nvpair id="u2" name="memory" value="junk"/></utilization></node>'
        '<node id="2" uname="bob"><instance_attributes id="b">'
        '<nvpair id="b1" name="maintenance" value="true"/></instance_attributes></node>'
    )
    config = config_of(cib(nodes=nodes))
    alice, bob = config.nodes["alice"], config.nodes["bob"]
    assert dict(alice.attributes) == {"rack": "r1", "#id": "1"}  # the node id, for #id in rules
    assert dict(alice.capacity) == {"cpu": 8, "memory": 0}  # Pacemaker reads junk as 0
    assert (alice.standby, alice.maintenance, alice.score) == (True, False, 5)
    assert (bob.standby, bob.maintenance) == (False, True)


# ----------------------------------------------------------------------------- defaults


def test_rsc_defaults_stickiness_goes_to_cluster_and_the_rest_to_resource_defaults() -> None:
    extra = (
        '<rsc_defaults><meta_attributes id="d"><nvpair id="d1" name="resource-stickiness" value="100"/>'
        '<nvpair id="d2" name="migration-threshold" value="3"/><nvpair id="d3" name="is-managed" value="false"/>'
        '</meta_attributes></rsc_defaults><op_defaults><meta_attributes id="o">'
        '<nvpair id="o1" name="timeout" value="90s"/></meta_attributes></op_defaults>'
    )
    config = config_of(cib(dummy("r"), extra=extra))
    assert config.cluster.stickiness == 100
    assert config.resource_defaults.stickiness is None
    assert (config.resource_defaults.migration_threshold, config.resource_defaults.managed) == (3, False)
    assert dict(config.op_defaults) == {"timeout": "90s"}
    assert Hierarchy(config).effective_meta("r").stickiness == 100


def test_resource_defaults_for_some_agents_apply_where_they_match() -> None:
    extra = (
        '<rsc_defaults><meta_attributes id="all"><nvpair id="a1" name="migration-threshold" value="3"/></meta_attributes>'
        '<meta_attributes id="dummies"><rule id="r" score="INFINITY"><rsc_expression id="e" class="ocf" provider="pacemaker" type="Dummy"/></rule>'
        '<nvpair id="d1" name="is-managed" value="false"/><nvpair id="d2" name="migration-threshold" value="9"/></meta_attributes>'
        "</rsc_defaults>"
    )
    resources = (
        dummy("d")
        + dummy("own", meta("own", is_managed="true"))
        + f'<group id="g">{dummy("member")}{meta("g", is_managed="true")}</group>'
        + dummy("ip", cls='class="ocf" provider="heartbeat" type="IPaddr2"')
    )
    config = config_of(cib(resources, extra=extra))
    hierarchy = Hierarchy(config)
    effective = {rid: hierarchy.effective_meta(rid) for rid in ("d", "own", "member", "ip")}
    # equal scores: the later set is read first, so the Dummy-only set wins where it applies;
    # is-managed only where nothing closer (the resource, its group) sets it
    assert {rid: m.migration_threshold for rid, m in effective.items()} == {"d": 9, "own": 9, "member": 9, "ip": 3}
    assert {rid: m.managed for rid, m in effective.items()} == {"d": False, "own": True, "member": True, "ip": True}


def test_operation_defaults_for_some_operations_apply_where_they_match() -> None:
    extra = (
        '<op_defaults><meta_attributes id="all"><nvpair id="a1" name="timeout" value="5s"/></meta_attributes>'
        '<meta_attributes id="mon"><rule id="r" score="INFINITY"><op_expression id="e" name="monitor" interval="10s"/></rule>'
        '<nvpair id="m1" name="timeout" value="8s"/></meta_attributes></op_defaults>'
    )
    ops = (
        '<operations><op id="m10" name="monitor" interval="10s"/><op id="m20" name="monitor" interval="20s"/>'
        '<op id="m30" name="monitor" interval="10s" timeout="30s" role="Promoted"/></operations>'
    )
    config = config_of(cib(dummy("d", ops), extra=extra))
    assert dict(config.op_defaults) == {"timeout": "5s"}
    assert [op.timeout_ms for op in config.resources["d"].operations] == [8000, None, 30000]


# ----------------------------------------------------------------------------- resources


def test_primitive_with_params_meta_ops_and_utilization() -> None:
    inner = (
        '<instance_attributes id="p"><nvpair id="p1" name="ip" value="192.0.2.5"/></instance_attributes>'
        + meta(
            "vip",
            priority="10",
            resource_stickiness="INFINITY",
            target_role="Slave",
            is_managed="false",
            migration_threshold="3",
            failure_timeout="2min",
            allow_migrate="true",
            requires="quorum",
        )
        + '<utilization id="u"><nvpair id="u1" name="cpu" value="2"/></utilization>'
        '<operations><op id="m" name="monitor" interval="10s" timeout="20s" on-fail="Block" role="Master"'
        ' start-delay="5s"><instance_attributes id="oi"><nvpair id="oi1" name="OCF_CHECK_LEVEL" value="10"/>'
        '</instance_attributes></op><op id="s" name="start" interval="0"/></operations>'
    )
    vip = config_of(cib(dummy("vip", inner, 'class="ocf" provider="heartbeat" type="IPaddr2"'))).resources["vip"]
    assert isinstance(vip, Primitive)
    assert vip.agent == Agent("ocf", "heartbeat", "IPaddr2")
    assert dict(vip.params) == {"ip": "192.0.2.5"}
    assert dict(vip.utilization) == {"cpu": 2}
    m = vip.meta
    assert (m.priority, m.stickiness, m.target_role, m.managed) == (10, INFINITY, Role.UNPROMOTED, False)
    assert (m.migration_threshold, m.failure_timeout, m.allow_migrate, m.requires) == (3, 120, True, "quorum")
    monitor, start = vip.operations
    assert (monitor.name, monitor.interval_ms, monitor.timeout_ms, monitor.on_fail) == (
        "monitor",
        10000,
        20000,
        "block",
    )
    assert monitor.role is Role.PROMOTED
    assert dict(monitor.options) == {"start-delay": "5s"}
    assert dict(monitor.params) == {"OCF_CHECK_LEVEL": "10"}
    assert (start.name, start.interval_ms, start.timeout_ms) == ("start", 0, None)


def test_of_two_sets_with_equal_score_the_later_one_wins() -> None:
    # As crm_simulate does: with target-role Stopped then Started, the resource starts.
    sets = (
        '<meta_attributes id="m1"><nvpair id="a" name="target-role" value="Stopped"/></meta_attributes>'
        '<meta_attributes id="m2"><nvpair id="b" name="target-role" value="Started"/></meta_attributes>'
        '<meta_attributes id="m3" score="10"><nvpair id="c" name="priority" value="5"/></meta_attributes>'
        '<meta_attributes id="m4"><nvpair id="d" name="priority" value="1"/></meta_attributes>'
    )
    meta_of_r = config_of(cib(dummy("r", sets))).resources["r"].meta
    assert (meta_of_r.target_role, meta_of_r.priority) == (Role.STARTED, 5)  # a higher score still wins


def test_meta_values_are_read_as_unpack_resource_reads_them_with_a_warning_at_the_resource(tmp_path) -> None:
    """complex.c: crm_is_true (anything else is false), char2score (no number is 0),
    an unknown multiple-active is stop_start, an unknown target-role is ignored."""
    values = meta(
        "r", is_managed="perhaps", priority="high", multiple_active="sometimes", target_role="Boss", critical="nah"
    )
    path = tmp_path / "test.xml"
    path.write_text(cib(dummy("r", values)))
    result = import_cib(path)
    got = result.config.resources["r"].meta
    assert (got.managed, got.priority, got.multiple_active, got.target_role, got.critical) == (False, 0, None, None, False)
    assert len(result.warnings) == 5
    assert all(re.search(r"test\.xml:1:\d+: <primitive id='r'>: meta [a-z-]+=", w) for w in result.warnings)


def test_group_and_clones_keep_children_before_containers() -> None:
    resources = (
        f'<group id="g">{dummy("a")}{dummy("b")}{meta("g", target_role="Stopped")}</group>'
        f'<clone id="c">{dummy("p")}{meta("c", clone_max="3", clone_node_max="2", interleave="true", globally_unique="true")}</clone>'
        f'<clone id="ms">{dummy("s")}{meta("ms", promotable="true", promoted_max="2")}</clone>'
        f'<master id="old">{dummy("o")}{meta("old", master_max="1", master_node_max="1")}</master>'
    )
    config = config_of(cib(resources))
    assert list(config.resources) == ["a", "b", "g", "p", "c", "s", "ms", "o", "old"]
    group = config.resources["g"]
    assert isinstance(group, Group) and group.members == ("a", "b") and group.meta.target_role is Role.STOPPED
    clone, ms, old = config.resources["c"], config.resources["ms"], config.resources["old"]
    assert isinstance(clone, Clone) and isinstance(ms, Clone) and isinstance(old, Clone)
    assert (clone.max, clone.per_node, clone.interleave, clone.globally_unique, clone.promotable) == (
        3,
        2,
        True,
        True,
        False,
    )
    assert (ms.promotable, ms.promoted_max) == (True, 2)
    assert (old.promotable, old.promoted_max, old.promoted_per_node) == (True, 1, 1)  # legacy <master>


def test_cloned_group() -> None:
    config = config_of(cib(f'<clone id="c"><group id="g">{dummy("a")}{dummy("b")}</group></clone>'))
    assert Hierarchy(config).primitives_in("c") == ["a", "b"]


def test_fence_device_targets_come_from_host_list_and_map() -> None:
    resources = (
        '<primitive id="f1" class="stonith" type="fence_ipmilan"><instance_attributes id="i">'
        '<nvpair id="i1" name="pcmk_host_list" value="alice,carol"/></instance_attributes></primitive>'
        '<primitive id="f2" class="stonith" type="fence_xvm"><instance_attributes id="j">'
        '<nvpair id="j1" name="pcmk_host_map" value="bob:vm2;alice:vm1"/></instance_attributes></primitive>'
        '<primitive id="f3" class="stonith" type="fence_sbd"/>'
    )
    config = config_of(cib(resources))
    # carol is not a node: the fencer is never asked about her.
    assert [config.resources[f].fences for f in ("f1", "f2", "f3")] == [("alice",), ("bob", "alice"), ()]


def test_fence_device_for_unknown_hosts_only_fences_any_node_with_a_warning(tmp_path) -> None:
    path = tmp_path / "cib.xml"
    path.write_text(
        cib(
            '<primitive id="f" class="stonith" type="fence_ipmilan"><instance_attributes id="i">'
            '<nvpair id="i1" name="pcmk_host_list" value="none"/></instance_attributes></primitive>'
        )
    )
    result = import_cib(path)
    assert result.config.resources["f"].fences == ()
    assert "fence device 'f' lists no configured node (none)" in result.warnings[0]


def test_a_device_providing_unfencing_makes_resources_require_it() -> None:
    device = '<primitive id="f" class="stonith" type="fence_scsi">' + meta("f", provides="unfencing") + "</primitive>"
    config = config_of(cib(device + dummy("r") + dummy("q", meta("q", requires="quorum"))))
    hierarchy = Hierarchy(config)
    assert hierarchy.effective_meta("r").requires == "unfencing"
    assert hierarchy.effective_meta("q").requires == "quorum"


def test_cloned_fence_device_is_a_clone_of_a_fencing_primitive() -> None:
    config = config_of(cib('<clone id="fc"><primitive id="f" class="stonith" type="fence_x"/></clone>'))
    assert config.resources["f"].agent.is_fencing and config.resources["fc"].child == "f"


def test_a_contained_resource_runs_with_and_after_its_container() -> None:
    resources = dummy("vm") + dummy("app", meta("app", container="vm"))
    resources += f'<group id="g">{dummy("box")}{dummy("inner")}{meta("g", container="box")}</group>'
    config = config_of(cib(resources))
    pairs = [(type(c).__name__, getattr(c, "dependent", getattr(c, "first", None)), c.id) for c in config.constraints]
    # the group's members inherit "container=box"; box itself is not its own container
    assert pairs == [
        ("Colocation", "app", "container-app-with-vm"),
        ("Order", "vm", "container-vm-then-app"),
        ("Colocation", "inner", "container-inner-with-box"),
        ("Order", "box", "container-box-then-inner"),
    ]
    colocation = config.constraints[0]
    assert (colocation.primary, colocation.score) == ("vm", INFINITY)


def test_templates_give_agent_and_attributes_that_the_primitive_overrides() -> None:
    resources = (
        '<template id="t" class="ocf" provider="heartbeat" type="IPaddr2">'
        '<instance_attributes id="ti"><nvpair id="t1" name="ip" value="1"/><nvpair id="t2" name="nic" value="eth0"/>'
        "</instance_attributes></template>"
        '<primitive id="r" template="t"><instance_attributes id="ri"><nvpair id="r1" name="ip" value="2"/>'
        "</instance_attributes></primitive>"
    )
    r = config_of(cib(resources)).resources["r"]
    assert isinstance(r, Primitive)
    assert str(r.agent) == "ocf:heartbeat:IPaddr2"
    assert dict(r.params) == {"ip": "2", "nic": "eth0"}


@pytest.mark.parametrize(
    ("resources", "feature"),
    [
        ('<bundle id="b"><docker image="x"/></bundle>', "bundle"),
    ],
)
def test_unrepresentable_resources_are_unsupported(resources: str, feature: str) -> None:
    with pytest.raises(Unsupported, match=feature):
        config_of(cib(resources))
