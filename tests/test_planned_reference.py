"""Pacemaker's plan read from ``crm_simulate --output-as=xml`` (`bench.random_cib.planned`),
for clusters whose simulated transition stalls. Pure XML in, placement out: no Pacemaker needed."""

from __future__ import annotations

import pytest

from bench.random_cib.planned import planned_placement


def _document(resources: str, actions: str) -> str:
    return (f'<pacemaker-result><cluster_status><nodes/><resources>{resources}</resources></cluster_status>'
            f"<actions>{actions}</actions></pacemaker-result>")


def _resource(rid: str, node: str | None, role: str = "Started") -> str:
    if node is None:
        return f'<resource id="{rid}" role="Stopped" active="false"/>'
    return f'<resource id="{rid}" role="{role}" active="true"><node name="{node}"/></resource>'


def test_runnable_actions_apply_and_blocked_ones_do_not() -> None:
    document = _document(
        _resource("a", "n1") + _resource("b", "n1") + _resource("c", None) + _resource("d", "n2"),
        '<rsc_action action="move" resource="a" source="n1" dest="n2"/>'
        '<rsc_action action="stop" resource="b" node="n1"/>'
        '<rsc_action action="start" resource="c" node="n2" blocked="true"/>'
        '<rsc_action action="restart" resource="d" node="n2"/>',
    )
    assert planned_placement(document) == [
        {"resource": "a", "role": "Started", "node": "n2"},
        {"resource": "d", "role": "Started", "node": "n2"},
    ]


def test_clone_instances_and_roles() -> None:
    clone = ('<clone id="db-clone" multi_state="true">' + _resource("db:0", "n1", "Promoted")
             + _resource("db:1", "n2", "Unpromoted") + _resource("db:2", None) + "</clone>")
    document = _document(
        clone,
        '<rsc_action action="demote" resource="db:0" role="Promoted" next-role="Unpromoted" source="n1" dest="n1"/>'
        '<rsc_action action="promote" resource="db:1" role="Unpromoted" next-role="Promoted" source="n2" dest="n2"/>'
        '<rsc_action action="start" resource="db:2" node="n3"/>',
    )
    assert planned_placement(document) == [
        {"resource": "db", "role": "Promoted", "node": "n2"},
        {"resource": "db", "role": "Unpromoted", "node": "n1"},
        {"resource": "db", "role": "Unpromoted", "node": "n3"},  # a promotable start is unpromoted
    ]


def test_a_recovery_or_restart_in_place_takes_its_next_role() -> None:
    """``Recover db:0 (Promoted -> Unpromoted n1)`` and ``Restart db:1 (Promoted -> Unpromoted
    n2)`` name only a source: the copy stays on that node in its next role."""
    clone = ('<clone id="db-clone" multi_state="true">' + _resource("db:0", "n1", "Promoted")
             + _resource("db:1", "n2", "Promoted") + _resource("db:2", "n3", "Unpromoted") + "</clone>")
    document = _document(
        clone,
        '<rsc_action action="recover" resource="db:0" role="Promoted" next-role="Unpromoted" source="n1"/>'
        '<rsc_action action="restart" resource="db:1" role="Promoted" next-role="Unpromoted" source="n2"/>'
        '<rsc_action action="recover" resource="db:2" source="n3"/>',
    )
    assert planned_placement(document) == [
        {"resource": "db", "role": "Unpromoted", "node": "n1"},
        {"resource": "db", "role": "Unpromoted", "node": "n2"},
        {"resource": "db", "role": "Unpromoted", "node": "n3"},
    ]


def test_a_stop_the_graph_ran_on_another_node_belongs_to_the_plan() -> None:
    """A copy active on two nodes: the summary says "Stop g (n1)", the graph stops it on both.
    A stop followed by a start on the same node (a restart) leaves it running there."""
    document = _document(
        '<resource id="g" role="Started" active="true"><node name="n1"/><node name="n2"/></resource>'
        + _resource("r", "n3"),
        '<rsc_action action="stop" resource="g" node="n1"/>'
        '<rsc_action action="restart" resource="r" source="n3"/>',
    ).replace("</pacemaker-result>", '<transition><rsc_action resource="g" op="stop" node="n2"/>'
              '<rsc_action resource="g" op="stop" node="n1"/><rsc_action resource="r" op="stop" node="n3"/>'
              '<rsc_action resource="r" op="start" node="n3"/></transition></pacemaker-result>')
    assert planned_placement(document) == [{"resource": "r", "role": "Started", "node": "n3"}]


def test_a_document_without_a_status_is_refused() -> None:
    with pytest.raises(ValueError, match="no cluster status"):
        planned_placement("<pacemaker-result/>")


def test_a_fenced_node_runs_nothing_afterwards() -> None:
    """Fencing n1 takes every copy there with it, even one whose stop is listed as blocked;
    unfencing (``Fence (on)``) takes nothing."""
    document = _document(
        _resource("a", "n1") + _resource("b", "n1") + _resource("c", "n2"),
        '<node_action task="Fence (reboot)" node="n1" reason="peer is no longer part of the cluster"/>'
        '<node_action task="Fence (on)" node="n2"/>'
        '<rsc_action action="stop" resource="a" node="n1" blocked="true"/>',
    )
    assert planned_placement(document) == [{"resource": "c", "role": "Started", "node": "n2"}]
