"""Constraint mapping: locations with rules, colocations, orders, sets, references."""

# ruff: noqa: E501 - XML fixtures read best one element per line, however long.

from __future__ import annotations

import pytest

from placement.cib import import_cib
from placement.errors import InvalidInput
from placement.model import (
    Action,
    BoolExpr,
    Colocation,
    ColocationSet,
    Comparison,
    Defined,
    Discovery,
    Location,
    Operator,
    Order,
    OrderKind,
    OrderSet,
    Role,
    ValueType,
)
from placement.score import INFINITY
from tests.cib.cibxml import cib, config_of, dummy

THREE = dummy("a") + dummy("b") + dummy("c")


def constraints(xml: str, resources: str = THREE) -> tuple:
    return config_of(cib(resources, xml)).constraints


# ----------------------------------------------------------------------------- location


def test_simple_location_with_role_and_discovery() -> None:
    (loc,) = constraints(
        '<rsc_location id="l" rsc="a" node="alice" score="-INFINITY" role="Master" resource-discovery="never"/>'
    )
    assert loc == Location(
        resource="a", node="alice", score=-INFINITY, role=Role.PROMOTED, discovery=Discovery.NEVER, id="l"
    )


@pytest.mark.parametrize("role", ["Started", "Slave", "Unpromoted"])
def test_started_and_unpromoted_location_roles_apply_to_every_role(role: str) -> None:
    (loc,) = constraints(f'<rsc_location id="l" rsc="a" node="alice" score="5" role="{role}"/>')
    assert loc.role is None


def test_location_rules_nested_and_or_defined_and_types() -> None:
    xml = (
        '<rsc_location id="l" rsc="a">'
        '<rule id="r1" score="100" boolean-op="or">'
        '<expression id="e1" attribute="rack" operation="eq" value="r1"/>'
        '<rule id="r1b" boolean-op="and"><expression id="e2" attribute="cpus" operation="gte" value="4" type="integer"/>'
        '<expression id="e3" attribute="gpu" operation="not_defined"/></rule></rule>'
        '<rule id="r2" score-attribute="weight" role="Promoted"><expression id="e4" attribute="weight" operation="defined"/></rule>'
        '<rule id="r3" score="-INFINITY"/>'
        "</rsc_location>"
    )
    (loc,) = constraints(xml)
    r1, r2, r3 = loc.rules
    assert r1.score == 100 and r1.expression == BoolExpr(
        "or",
        (
            Comparison("rack", Operator.EQ, "r1"),
            BoolExpr("and", (Comparison("cpus", Operator.GE, "4", ValueType.INTEGER), Defined("gpu", negated=True))),
        ),
    )
    assert (r2.score_attribute, r2.role, r2.expression) == ("weight", Role.PROMOTED, Defined("weight"))
    assert r3.score == -INFINITY and r3.expression == Defined("#uname")  # an empty rule matches every node


def test_rsc_pattern_keeps_the_pattern() -> None:
    (loc,) = constraints('<rsc_location id="l" rsc-pattern="^web" node="bob" score="10"/>')
    assert (loc.pattern, loc.resource, loc.node, loc.score) == ("^web", None, "bob", 10)


def test_location_on_unknown_node_or_resource_is_ignored_with_a_warning(tmp_path) -> None:
    path = tmp_path / "cib.xml"
    path.write_text(
        cib(
            THREE,
            '<rsc_location id="l1" rsc="a" node="zed" score="5"/>'
            '<rsc_location id="l2" rsc="ghost" node="alice" score="5"/>',
        )
    )
    result = import_cib(path)
    assert result.config.constraints == ()
    assert [w.split(": ", 1)[1] for w in result.warnings] == [
        "ignoring rsc_location 'l1': node 'zed' does not exist",
        "ignoring rsc_location 'l2': resource 'ghost' does not exist",
    ]




def test_location_with_a_set_and_a_tag_expands_per_resource() -> None:
    xml = (
        '<rsc_location id="l" node="alice" score="7"><resource_set id="s" role="Promoted">'
        '<resource_ref id="a"/><resource_ref id="b"/></resource_set></rsc_location>'
        '<rsc_location id="t" rsc="tag1" node="bob" score="3"/>'
    )
    tags = '<tags><tag id="tag1"><obj_ref id="b"/><obj_ref id="c"/></tag></tags>'
    config = config_of(cib(THREE, xml, extra=tags))
    assert [(c.resource, c.node, c.role, c.id) for c in config.constraints] == [
        ("a", "alice", Role.PROMOTED, "l-a"),
        ("b", "alice", Role.PROMOTED, "l-b"),
        ("b", "bob", None, "t-b"),
        ("c", "bob", None, "t-c"),
    ]


# ----------------------------------------------------------------------------- colocation


def test_colocation_with_roles_attribute_and_influence() -> None:
    (col,) = constraints(
        '<rsc_colocation id="col" rsc="a" with-rsc="b" score="-500" rsc-role="Started" '
        'with-rsc-role="Master" node-attribute="rack" influence="false"/>'
    )
    assert col == Colocation("a", "b", -500, None, Role.PROMOTED, "rack", False, id="col")


def test_colocation_sets() -> None:
    xml = (
        '<rsc_colocation id="col" score="INFINITY"><resource_set id="s1" sequential="false">'
        '<resource_ref id="a"/><resource_ref id="b"/></resource_set>'
        '<resource_set id="s2" role="Master"><resource_ref id="c"/></resource_set></rsc_colocation>'
    )
    (col,) = constraints(xml)
    assert isinstance(col, ColocationSet) and col.score == INFINITY
    assert [(s.resources, s.sequential, s.role) for s in col.sets] == [
        (("a", "b"), False, None),
        (("c",), True, Role.PROMOTED),
    ]


def test_colocation_with_a_template_becomes_an_unordered_set() -> None:
    resources = (
        '<template id="t" class="ocf" provider="pacemaker" type="Dummy"/>'
        '<primitive id="x" template="t"/><primitive id="y" template="t"/>' + dummy("a")
    )
    (col,) = constraints('<rsc_colocation id="col" rsc="a" with-rsc="t" score="10"/>', resources)
    assert isinstance(col, ColocationSet)
    assert [(s.resources, s.sequential) for s in col.sets] == [(("a",), True), (("x", "y"), False)]


# ----------------------------------------------------------------------------- order


def test_order_kind_actions_and_symmetry() -> None:
    (order,) = constraints(
        '<rsc_order id="o" first="a" first-action="promote" then="b" then-action="start" '
        'kind="Optional" symmetrical="false"/>'
    )
    assert order == Order("a", "b", Action.PROMOTE, Action.START, OrderKind.OPTIONAL, False, id="o")


@pytest.mark.parametrize(
    ("score", "kind"),
    [("0", OrderKind.OPTIONAL), ("INFINITY", OrderKind.MANDATORY), ("50", OrderKind.MANDATORY)],
)
def test_deprecated_order_score_sets_the_kind(score: str, kind: OrderKind) -> None:
    (order,) = constraints(f'<rsc_order id="o" first="a" then="b" score="{score}"/>')
    assert order.kind is kind and order.then_action is None


def test_order_sets_with_require_all_and_actions() -> None:
    xml = (
        '<rsc_order id="o" kind="Serialize"><resource_set id="s1" require-all="false" action="promote">'
        '<resource_ref id="a"/><resource_ref id="b"/></resource_set>'
        '<resource_set id="s2"><resource_ref id="c"/></resource_set></rsc_order>'
    )
    (order,) = constraints(xml)
    assert isinstance(order, OrderSet) and order.kind is OrderKind.SERIALIZE
    first, then = order.sets
    assert (first.resources, first.require_all, first.action) == (("a", "b"), False, Action.PROMOTE)
    assert (then.resources, then.require_all, then.action) == (("c",), True, None)


def test_order_require_all_false_becomes_a_set() -> None:
    (order,) = constraints('<rsc_order id="o" first="a" then="b" require-all="false"/>')
    assert isinstance(order, OrderSet)
    assert [(s.resources, s.require_all) for s in order.sets] == [(("a",), False), (("b",), True)]


def test_resource_set_id_ref_is_resolved_and_a_dangling_one_is_an_error() -> None:
    xml = (
        '<rsc_order id="o1"><resource_set id="s1"><resource_ref id="a"/><resource_ref id="b"/></resource_set>'
        '<resource_set id="s2"><resource_ref id="c"/></resource_set></rsc_order>'
        '<rsc_order id="o2"><resource_set id-ref="s2"/><resource_set id-ref="s1"/></rsc_order>'
    )
    _, second = constraints(xml)
    assert [s.resources for s in second.sets] == [("c",), ("a", "b")]
    with pytest.raises(InvalidInput, match="id-ref 'nope' does not name any element"):
        constraints('<rsc_order id="o"><resource_set id-ref="nope"/></rsc_order>')
