"""Status mapping: node membership, transient attributes, fail counts, operation history."""

# ruff: noqa: E501 - XML fixtures read best one element per line, however long.

from __future__ import annotations

import pytest

from placement.cib import loads_cib
from placement.errors import Unsupported
from placement.model import Role
from placement.state import FailCount, Instance, NodeStatus
from tests.cib.cibxml import ONLINE, cib, dummy, load, meta, option

FENCE = '<primitive id="fence" class="stonith" type="fence_dummy"/>'


def node_state(uname: str, attrs: str = ONLINE, inner: str = "", ident: str | None = None) -> str:
    return f'<node_state id="{ident or uname}" uname="{uname}" {attrs}>{inner}</node_state>'


def nodes(*names: str) -> str:
    return "".join(f'<node id="{n}" uname="{n}"/>' for n in names)


def history(rid: str, *ops: str) -> str:
    return f'<lrm id="x"><lrm_resources><lrm_resource id="{rid}" class="ocf" type="Dummy">{"".join(ops)}</lrm_resource></lrm_resources></lrm>'


def op(task: str, call: int, rc: int = 0, *, expected: int = 0, interval: int = 0, status: int | None = None) -> str:
    op_status = status if status is not None else (0 if rc == expected else 4)
    return (
        f'<lrm_rsc_op id="{task}{call}" operation="{task}" call-id="{call}" rc-code="{rc}" op-status="{op_status}"'
        f' interval="{interval}" transition-key="1:1:{expected}:uuid" last-rc-change="{1000 + call}"/>'
    )


def status_of(
    nodes_xml: str, status_xml: str, resources: str = FENCE, options: str = "", root: str = 'have-quorum="1"'
):
    return load(cib(resources, nodes=nodes_xml, status=status_xml, options=options, root=root))[1]


# ----------------------------------------------------------------------------- node membership


@pytest.mark.parametrize(
    ("attrs", "expected"),
    [
        (ONLINE, NodeStatus.ONLINE),
        ('in_ccm="false" crmd="offline" join="down" expected="down"', NodeStatus.OFFLINE),  # clean shutdown
        ('in_ccm="false" crmd="offline" join="down" expected="member"', NodeStatus.UNCLEAN),  # lost
        ('in_ccm="true" crmd="offline" join="down" expected="member"', NodeStatus.UNCLEAN),  # controller died
        ('in_ccm="true" crmd="online" join="pending" expected="member"', NodeStatus.STANDBY),  # still joining
        ('in_ccm="true" crmd="online" join="banned" expected="member"', NodeStatus.UNCLEAN),
        ("", NodeStatus.UNCLEAN),  # never seen by the membership
        # Pacemaker 2.1.7 and later write when the node joined and the controller came up
        ('in_ccm="1700000000" crmd="1700000005" join="member" expected="member"', NodeStatus.ONLINE),
        ('in_ccm="0" crmd="0" join="down" expected="member"', NodeStatus.UNCLEAN),
        ('in_ccm="0" crmd="0" join="down" expected="down"', NodeStatus.OFFLINE),
    ],
)
def test_membership_with_fencing(attrs: str, expected: NodeStatus) -> None:
    state = status_of(nodes("n1"), node_state("n1", attrs))
    assert state.node("n1").status is expected


def test_without_fencing_a_lost_node_is_unclean_only_if_expected_up() -> None:
    no_fencing = option("stonith-enabled", "false")
    lost = node_state("n1", 'in_ccm="true" crmd="offline" join="down" expected="member"')
    gone = node_state("n2", 'in_ccm="false" crmd="offline" join="down" expected="member"')
    state = status_of(nodes("n1", "n2", "n3"), lost + gone, options=no_fencing)
    assert state.node("n1").status is NodeStatus.UNCLEAN
    assert state.node("n2").status is NodeStatus.OFFLINE
    assert state.node("n3").status is NodeStatus.OFFLINE  # unseen, and could not be fenced anyway


def test_unseen_node_with_startup_fencing_off_is_offline() -> None:
    state = status_of(nodes("n1"), "", options=option("startup-fencing", "false"))
    assert state.node("n1").status is NodeStatus.OFFLINE


def test_transient_attributes_standby_shutdown_and_promotion_scores() -> None:
    transient = (
        '<transient_attributes id="t"><instance_attributes id="ti">'
        '<nvpair id="t1" name="standby" value="true"/><nvpair id="t2" name="master-db" value="10"/>'
        '<nvpair id="t3" name="shutdown" value="1700000000"/></instance_attributes></transient_attributes>'
    )
    state = status_of(nodes("n1"), node_state("n1", inner=transient))
    n1 = state.node("n1")
    assert n1.status is NodeStatus.STANDBY and n1.shutdown
    assert n1.attributes["master-db"] == "10"


def test_quorum_dc_and_execution_date_come_from_the_root() -> None:
    state = status_of(nodes("n1"), node_state("n1"), root='have-quorum="0" dc-uuid="n1" execution-date="1600000000"')
    assert (state.quorum, state.dc, state.now) == (False, "n1", 1600000000)


def test_node_states_are_matched_by_id_then_uname() -> None:
    state = status_of('<node id="42" uname="n1"/>', node_state("n1", ident="42"))
    assert state.node("n1").status is NodeStatus.ONLINE


# ----------------------------------------------------------------------------- fail counts


def test_fail_counts_are_summed_per_resource_and_node() -> None:
    transient = (
        '<transient_attributes id="t"><instance_attributes id="ti">'
        '<nvpair id="a" name="fail-count-db#monitor_10000" value="2"/>'
        '<nvpair id="b" name="fail-count-db#start_0" value="INFINITY"/>'
        '<nvpair id="c" name="last-failure-db#start_0" value="1600000100"/>'
        '<nvpair id="d" name="fail-count-web:1#monitor_5000" value="1"/>'
        '<nvpair id="e" name="fail-count-ghost#start_0" value="5"/></instance_attributes></transient_attributes>'
    )
    resources = FENCE + dummy("db") + f'<clone id="wc">{dummy("web")}</clone>'
    state = status_of(nodes("n1"), node_state("n1", inner=transient), resources,
                      root='have-quorum="1" crm_feature_set="3.16.1"')
    assert state.fail_counts == (
        FailCount("db", "n1", 1_000_000, 1600000100),
        FailCount("web", "n1", 1, None),
    )


# ----------------------------------------------------------------------------- history


def run(resources: str, *ops: str, attrs: str = ONLINE, options: str = "", rid: str = "r"):
    return status_of(nodes("n1"), node_state("n1", attrs, history(rid, *ops)), FENCE + resources, options)


def test_started_then_stopped_is_not_active() -> None:
    assert run(dummy("r"), op("start", 2), op("stop", 3)).instances == ()


def test_probe_finding_it_running_counts_as_active() -> None:
    state = run(dummy("r"), op("monitor", 1, rc=0, expected=7))
    assert state.instances == (Instance("r", "n1"),)
    assert state.failed_operations == ()


def test_probe_finding_it_promoted_in_a_promotable_clone() -> None:
    ms = f'<clone id="ms">{dummy("r")}{meta("ms", promotable="true")}</clone>'
    state = run(ms, op("monitor", 1, rc=8, expected=7), rid="r:0")
    assert state.instances == (Instance("r", "n1", Role.PROMOTED, clone_instance="0"),)


def test_started_in_a_promotable_clone_is_unpromoted() -> None:
    ms = f'<clone id="ms">{dummy("r")}{meta("ms", promotable="true")}</clone>'
    state = run(ms, op("start", 2), rid="r:1")
    # The only active copy is instance 0, whatever its history id says (find_anonymous_clone).
    assert [(i.role, i.clone_instance) for i in state.instances] == [(Role.UNPROMOTED, "0")]


def test_failed_monitor_marks_the_instance_failed_until_a_restart() -> None:
    failed = run(dummy("r"), op("start", 2), op("monitor", 3, rc=1, interval=10000))
    assert failed.instances == (Instance("r", "n1", failed=True),)
    (failure,) = failed.failed_operations
    assert (failure.operation, failure.interval_ms, failure.rc, failure.on_fail) == (
        "monitor",
        10000,
        1,
        "restart",
    )
    recovered = run(dummy("r"), op("start", 2), op("monitor", 3, rc=1, interval=10000), op("stop", 4), op("start", 5))
    assert recovered.instances == (Instance("r", "n1"),)


def test_on_fail_ignore_pretends_success() -> None:
    ops = '<operations><op id="m" name="monitor" interval="10s" on-fail="ignore"/></operations>'
    state = run(dummy("r", ops), op("start", 2), op("monitor", 3, rc=7, interval=10000))
    assert state.instances == (Instance("r", "n1"),)
    assert [f.on_fail for f in state.failed_operations] == ["ignore"]


def test_on_fail_block_leaves_it_unmanaged() -> None:
    ops = '<operations><op id="m" name="monitor" interval="10s" on-fail="block"/></operations>'
    state = run(dummy("r", ops), op("start", 2), op("monitor", 3, rc=1, interval=10000))
    assert state.instances == (Instance("r", "n1", failed=True, managed=False),)


def test_stop_failure_fences_the_node_when_fencing_is_on() -> None:
    state = run(dummy("r"), op("start", 2), op("stop", 3, rc=1))
    assert state.node("n1").status is NodeStatus.UNCLEAN
    assert [f.on_fail for f in state.failed_operations] == ["fence"]


def test_stop_failure_blocks_when_fencing_is_off() -> None:
    state = run(dummy("r"), op("start", 2), op("stop", 3, rc=1), options=option("stonith-enabled", "false"))
    assert state.node("n1").status is NodeStatus.ONLINE
    assert state.instances == (Instance("r", "n1", failed=True, managed=False),)


def test_on_fail_standby_puts_the_node_in_standby() -> None:
    ops = '<operations><op id="m" name="monitor" interval="10s" on-fail="standby"/></operations>'
    state = run(dummy("r", ops), op("start", 2), op("monitor", 3, rc=1, interval=10000))
    assert state.node("n1").status is NodeStatus.STANDBY


def test_pending_start_counts_as_active() -> None:
    state = run(
        dummy("r"),
        '<lrm_rsc_op id="p" operation="start" call-id="-1" rc-code="193" op-status="-1" '
        'interval="0" transition-key="1:1:0:uuid"/>',
    )
    assert state.instances == (Instance("r", "n1"),)


def test_active_resource_on_a_cleanly_down_node_makes_it_unclean() -> None:
    down = 'in_ccm="false" crmd="offline" join="down" expected="down"'
    state = run(dummy("r"), op("start", 2), attrs=down)
    assert state.node("n1").status is NodeStatus.UNCLEAN
    assert state.instances == (Instance("r", "n1"),)


def test_expired_failure_is_ignored_when_now_is_known() -> None:
    text = cib(
        FENCE + dummy("r", meta("r", failure_timeout="60s")),
        nodes=nodes("n1"),
        status=node_state("n1", inner=history("r", op("start", 2), op("monitor", 3, rc=1, interval=10000))),
    )
    assert loads_cib(text, now=1003 + 61)[1].instances == (Instance("r", "n1"),)
    assert loads_cib(text, now=1003 + 30)[1].instances == (Instance("r", "n1", failed=True),)
    assert loads_cib(text)[1].instances == (Instance("r", "n1", failed=True),)  # no clock: failures stay


def test_a_stop_that_blocks_by_default_expires_but_a_configured_block_does_not() -> None:
    """block_failure: only an op configured with on-fail=block ignores failure-timeout."""
    no_fencing = option("stonith-enabled", "false")

    def after_failed_stop(ops: str) -> tuple[Instance, ...]:
        text = cib(
            dummy("r", meta("r", failure_timeout="60s") + ops),
            nodes=nodes("n1"),
            status=node_state("n1", inner=history("r", op("start", 2), op("stop", 3, rc=1))),
            options=no_fencing,
        )
        return loads_cib(text, now=1003 + 61)[1].instances

    assert after_failed_stop("") == (Instance("r", "n1"),)  # the failed stop is forgotten: still running
    configured = '<operations><op id="r-stop" name="stop" interval="0" on-fail="block"/></operations>'
    assert after_failed_stop(configured) == (Instance("r", "n1", failed=True, managed=False),)


def test_orphan_history_is_dropped_but_still_needs_fencing_when_down() -> None:
    down = 'in_ccm="false" crmd="offline" join="down" expected="down"'
    state = run("", op("start", 2), attrs=down, rid="ghost")
    assert state.instances == ()
    assert state.node("n1").status is NodeStatus.UNCLEAN


def test_orphans_kept_running_are_unsupported() -> None:
    with pytest.raises(Unsupported, match="orphan"):
        run("", op("start", 2), rid="ghost", options=option("stop-orphan-resources", "false"))


def test_partial_migration_counts_on_both_nodes_and_a_finished_one_only_on_the_target() -> None:
    vm = dummy("vm", meta("vm", allow_migrate="true"))

    def migrate(to_status: str, from_ops: str) -> list[tuple[str, str]]:
        source = (
            '<lrm id="a"><lrm_resources><lrm_resource id="vm" class="ocf" type="Dummy">'
            + op("start", 2)
            + f'<lrm_rsc_op id="mt" operation="migrate_to" call-id="3" rc-code="0" op-status="{to_status}" '
            'interval="0" transition-key="1:1:0:uuid" migrate_source="n1" migrate_target="n2"/>'
            "</lrm_resource></lrm_resources></lrm>"
        )
        target = f'<lrm id="b"><lrm_resources><lrm_resource id="vm" class="ocf" type="Dummy">{from_ops}</lrm_resource></lrm_resources></lrm>'
        state = status_of(
            nodes("n1", "n2"), node_state("n1", inner=source) + node_state("n2", inner=target), FENCE + vm
        )
        return sorted((i.node, str(i.failed)) for i in state.instances)

    done = (
        '<lrm_rsc_op id="mf" operation="migrate_from" call-id="4" rc-code="0" op-status="0" interval="0" '
        'transition-key="1:1:0:uuid" migrate_source="n1" migrate_target="n2"/>'
    )
    assert migrate("0", done) == [("n2", "False")]
    assert migrate("0", op("monitor", 1, rc=7, expected=7)) == [("n1", "False"), ("n2", "False")]


def test_per_instance_promotion_scores_give_the_bare_score_for_anonymous_clones() -> None:
    ms = f'<clone id="ms">{dummy("r")}{meta("ms", promotable="true")}</clone>'

    def transient(pairs: str) -> str:
        return f'<transient_attributes id="t"><instance_attributes id="ti">{pairs}</instance_attributes></transient_attributes>'

    n1 = node_state(
        "n1",
        inner=history("r:1", op("start", 2))
        + transient('<nvpair id="a" name="master-r:0" value="5"/><nvpair id="b" name="master-r:1" value="10"/>'),
    )
    n2 = node_state("n2", inner=transient('<nvpair id="c" name="master-r:3" value="7"/>'))
    n3 = node_state(
        "n3", inner=transient('<nvpair id="d" name="master-r" value="1"/><nvpair id="e" name="master-r:0" value="9"/>')
    )
    state = status_of(nodes("n1", "n2", "n3"), n1 + n2 + n3, FENCE + ms)
    # n1: the instance running there (r:1); n2: its only per-instance score; n3: the bare one wins.
    assert [state.node(n).attributes.get("master-r") for n in ("n1", "n2", "n3")] == ["10", "7", "1"]


def test_fail_counts_do_not_count_when_failures_are_ignored() -> None:
    ops = '<operations><op id="m" name="monitor" interval="10s" on-fail="ignore"/></operations>'
    transient = (
        '<transient_attributes id="t"><instance_attributes id="ti">'
        '<nvpair id="a" name="fail-count-r" value="2"/></instance_attributes></transient_attributes>'
    )
    inner = history("r", op("start", 2), op("monitor", 3, rc=7, interval=10000)) + transient
    state = status_of(nodes("n1"), node_state("n1", inner=inner), FENCE + dummy("r", ops))
    assert state.fail_counts == ()
    assert state.instances == (Instance("r", "n1"),)


def test_a_failure_inside_a_container_recovers_the_container() -> None:
    resources = dummy("vm") + dummy("app", meta("app", container="vm"))
    ops = (
        '<lrm id="l"><lrm_resources>'
        '<lrm_resource id="vm" class="ocf" type="Dummy">' + op("start", 2) + "</lrm_resource>"
        '<lrm_resource id="app" class="ocf" type="Dummy">'
        + op("start", 3)
        + op("monitor", 4, rc=1, interval=10000)
        + "</lrm_resource></lrm_resources></lrm>"
    )
    state = status_of(nodes("n1"), node_state("n1", inner=ops), FENCE + resources)
    assert [(i.resource, i.failed) for i in state.instances] == [("app", True), ("vm", True)]
    assert [f.on_fail for f in state.failed_operations] == ["restart-container"]


def test_a_container_counts_the_failures_of_what_it_contains() -> None:
    resources = FENCE + dummy("vm") + dummy("app", meta("app", container="vm"))
    transient = (
        '<transient_attributes id="t"><instance_attributes id="ti">'
        '<nvpair id="a" name="fail-count-vm" value="1"/><nvpair id="b" name="fail-count-app" value="2"/>'
        "</instance_attributes></transient_attributes>"
    )
    state = status_of(nodes("n1"), node_state("n1", inner=transient), resources)
    assert [(f.resource, f.count) for f in state.fail_counts] == [("app", 2), ("vm", 3)]
