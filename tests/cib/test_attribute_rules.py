"""Rules decided at import: inside attribute sets, dates in locations, ``value-source``.

Pacemaker merges a set only when its rule holds (``unpack_attr_set``), judged with what
the unpacking passes it: the moment always, the resource's agent for meta-attributes
and defaults, the operation for op meta, a node only for per-node parameters. The
last tests ask ``crm_simulate`` (when installed) to place the same CIBs.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from placement.cib import import_cib, rules
from placement.cib.xml import parse
from placement.model import Comparison, Defined, Location, Operator
from tests.cib.cibxml import cib, config_of, dummy, load, option, our_placement, pacemaker_placement

NOON = 'execution-date="1569240000"'  # 2019-09-23 12:00:00 UTC
ROOT = f'have-quorum="true" {NOON}'
BEFORE = '<date_expression id="{id}" operation="gt" start="2019-09-23 11:00:00 Z"/>'  # holds at noon
AFTER = '<date_expression id="{id}" operation="gt" start="2019-09-23 13:00:00 Z"/>'  # fails at noon


def guarded(tag: str, ident: str, rule: str, pairs: dict[str, str], score: int = 10) -> str:
    nvpairs = "".join(f'<nvpair id="{ident}-{k}" name="{k}" value="{v}"/>' for k, v in pairs.items())
    return f'<{tag} id="{ident}" score="{score}"><rule id="{ident}-r" score="0">{rule}</rule>{nvpairs}</{tag}>'


def run(tmp_path: Path, text: str):
    """The whole import (with its warnings) of CIB ``text``."""
    path = tmp_path / "cib.xml"
    path.write_text(text)
    return import_cib(path)


# ----------------------------------------------------------------------------- cluster options


@pytest.mark.parametrize(("date", "maintenance"), [(BEFORE, True), (AFTER, False)])
def test_a_cluster_property_set_applies_while_its_date_rule_holds(date: str, maintenance: bool) -> None:
    crm_config = guarded("cluster_property_set", "window", date.format(id="d"), {"maintenance-mode": "true"}, 100)
    text = cib(dummy("a"), root=ROOT).replace("</crm_config>", crm_config + "</crm_config>")
    config = config_of(text)
    assert config.cluster.maintenance is maintenance


def test_node_expressions_never_hold_outside_a_node() -> None:
    # compat(pacemaker): unpack_config passes no node, so even "not_defined" fails
    rule = '<expression id="e" attribute="foo" operation="not_defined"/>'
    crm_config = guarded("cluster_property_set", "x", rule, {"maintenance-mode": "true"}, 100)
    text = cib(dummy("a")).replace("</crm_config>", crm_config + "</crm_config>")
    assert config_of(text).cluster.maintenance is False


def test_node_attributes_and_capacity_sets_follow_their_date_rules() -> None:
    node = (
        '<node id="1" uname="alice"><instance_attributes id="n1" score="1">'
        '<nvpair id="n1s" name="standby" value="off"/></instance_attributes>'
        + guarded("instance_attributes", "n1r", BEFORE.format(id="d1"), {"standby": "on"}, 20)
        + '<utilization id="u1" score="1"><nvpair id="u1c" name="cpu" value="10"/></utilization>'
        + guarded("utilization", "u1r", AFTER.format(id="d2"), {"cpu": "5"}, 20)
        + '</node><node id="2" uname="bob"/>'
    )
    config = config_of(cib(dummy("a"), nodes=node, root=ROOT))
    assert config.nodes["alice"].standby is True
    assert dict(config.nodes["alice"].capacity) == {"cpu": 10}


# ----------------------------------------------------------------------------- resources


def test_resource_meta_rules_see_the_resources_agent() -> None:
    mine = '<rsc_expression id="e1" class="ocf" provider="pacemaker" type="Dummy"/>'
    other = '<rsc_expression id="e2" class="ocf" provider="heartbeat" type="IPaddr2"/>'
    inner = guarded("meta_attributes", "m1", mine, {"priority": "7"}, 20) + guarded(
        "meta_attributes", "m2", other, {"priority": "9"}, 30
    )
    config = config_of(cib(dummy("a", inner)))
    assert config.resources["a"].meta.priority == 7


def test_an_operations_meta_rule_sees_the_operation() -> None:
    rule = '<op_expression id="{}" name="monitor" interval="10s"/>'
    op = (
        '<operations><op id="a-mon" name="monitor" interval="10s">'
        + guarded("meta_attributes", "om", rule.format("e1"), {"timeout": "42s"})
        + '</op><op id="a-start" name="start" interval="0">'
        + guarded("meta_attributes", "os", rule.format("e2"), {"timeout": "43s"})
        + "</op></operations>"
    )
    (monitor, start) = config_of(cib(dummy("a", op))).resources["a"].operations
    assert (monitor.timeout_ms, start.timeout_ms) == (42000, None)


def test_node_dependent_parameters_keep_the_node_independent_ones_with_a_note(tmp_path: Path) -> None:
    per_node = guarded("instance_attributes", "on-alice", '<expression id="e" attribute="#uname" operation="eq"'
                       ' value="alice"/>', {"nic": "eth1"}, 3)
    plain = '<instance_attributes id="p" score="1"><nvpair id="p1" name="nic" value="eth0"/>' \
            '<nvpair id="p2" name="ip" value="10.0.0.1"/></instance_attributes>'
    result = run(tmp_path, cib(dummy("a", per_node + plain)))
    assert dict(result.config.resources["a"].params) == {"nic": "eth0", "ip": "10.0.0.1"}
    assert any("'on-alice'" in w and "depends on the node" in w for w in result.warnings)


def test_a_dated_parameter_set_is_decided_without_a_note(tmp_path: Path) -> None:
    inner = guarded("instance_attributes", "later", AFTER.format(id="d"), {"nic": "eth9"}, 3) + (
        '<instance_attributes id="p"><nvpair id="p1" name="nic" value="eth0"/></instance_attributes>'
    )
    result = run(tmp_path, cib(dummy("a", inner), root=ROOT))
    assert dict(result.config.resources["a"].params) == {"nic": "eth0"}
    assert not any("depends on the node" in w for w in result.warnings)
    assert any("date rules evaluated at 2019-09-23 12:00:00 +00:00" in w for w in result.warnings)


# ----------------------------------------------------------------------------- defaults


def test_a_dated_rsc_defaults_set_applies_to_everyone_or_no_one() -> None:
    for date, managed in ((BEFORE, False), (AFTER, None)):
        extra = "<rsc_defaults>" + guarded("meta_attributes", "d", date.format(id="x"), {"is-managed": "false"}) + (
            "</rsc_defaults>"
        )
        assert config_of(cib(dummy("a"), extra=extra, root=ROOT)).resource_defaults.managed is managed


def test_a_resource_expression_without_provider_misses_an_ocf_agent() -> None:
    # compat(pacemaker): 2.1.5's pe__eval_rsc_expr compares the provider even when the
    # expression omits it (crm_simulate starts the resource)
    rule = '<rsc_expression id="e" class="ocf" type="Dummy"/>'
    extra = "<rsc_defaults>" + guarded("meta_attributes", "d", rule, {"target-role": "Stopped"}) + "</rsc_defaults>"
    assert config_of(cib(dummy("a"), extra=extra)).resources["a"].meta.target_role is None


# ----------------------------------------------------------------------------- locations


def location_rules(constraints: str, resources: str = dummy("a"), root: str = ROOT) -> tuple[Location, ...]:
    config = config_of(cib(resources, constraints, root=root))
    return tuple(c for c in config.constraints if isinstance(c, Location))


@pytest.mark.parametrize(
    ("inner", "expected"),
    [
        (BEFORE.format(id="d"), Defined("#uname")),
        (AFTER.format(id="d"), Defined("#uname", negated=True)),
        ('<rsc_expression id="x" type="Dummy"/>', Defined("#uname", negated=True)),  # no resource data there
        ('<op_expression id="x" name="start"/>', Defined("#uname", negated=True)),
    ],
)
def test_what_is_not_about_the_node_is_a_constant_in_a_location(inner: str, expected: object) -> None:
    (location,) = location_rules(f'<rsc_location id="l" rsc="a"><rule id="r" score="5">{inner}</rule></rsc_location>')
    assert location.rules[0].expression == expected


def test_constants_fold_away_in_and_and_or() -> None:
    node = '<expression id="{}" attribute="rack" operation="eq" value="1"/>'
    kept = f'<rule id="r1" score="5">{node.format("e1")}{BEFORE.format(id="d1")}</rule>'
    dropped = f'<rule id="r2" score="5" boolean-op="or">{node.format("e2")}{BEFORE.format(id="d2")}</rule>'
    (location,) = location_rules(f'<rsc_location id="l" rsc="a">{kept}{dropped}</rsc_location>')
    first, second = (rule.expression for rule in location.rules)
    assert (first.attribute, second) == ("rack", Defined("#uname"))  # type: ignore[union-attr]


DATES = st.sampled_from([BEFORE, AFTER])


@st.composite
def date_rules(draw: st.DrawFn, depth: int = 0) -> tuple[str, bool]:
    """A random rule of date expressions, and whether it holds at noon."""
    count = draw(st.integers(min_value=0, max_value=3))
    either = draw(st.booleans())
    parts: list[tuple[str, bool]] = []
    for index in range(count):
        if depth < 2 and draw(st.booleans()):
            parts.append(draw(date_rules(depth + 1)))
        else:
            date = draw(DATES)
            parts.append((date.format(id=f"d{depth}-{index}"), date is BEFORE))
    truth = any(t for _, t in parts) if either else all(t for _, t in parts)
    op = "or" if either else "and"
    return f'<rule id="r{depth}-{count}" boolean-op="{op}">{"".join(x for x, _ in parts)}</rule>', truth


@given(date_rules())
def test_folding_a_rule_agrees_with_evaluating_it(drawn: tuple[str, bool]) -> None:
    text, truth = drawn
    document = parse(f"<cib {NOON}><x>{text}</x></cib>")
    element = document.root.find("x/rule")
    assert element is not None
    assert rules.holds(document, element, rules.Scope()) is truth
    folded = rules.expression(document, element)
    assert folded == (Defined("#uname") if truth else Defined("#uname", negated=True))


VALUES = (
    '<node id="1" uname="alice"><instance_attributes id="n1"><nvpair id="n1f" name="fake" value="100"/>'
    '<nvpair id="n1r" name="rack" value="1"/></instance_attributes></node>'
    '<node id="2" uname="bob"><instance_attributes id="n2"><nvpair id="n2f" name="fake" value="200"/>'
    '<nvpair id="n2r" name="rack" value="2"/></instance_attributes></node>'
)


def fake(rid: str, value: str, extra: str = "") -> str:
    return dummy(rid, f'<instance_attributes id="{rid}-p"><nvpair id="{rid}-f" name="fake" value="{value}"/>'
                      f"</instance_attributes>{extra}")


def by_value(attribute: str, operation: str, source: str) -> str:
    return (f'<rule id="r" score="INFINITY"><expression id="e" attribute="{attribute}" operation="{operation}"'
            f' value="{attribute}" value-source="{source}"/></rule>')


def test_value_source_param_compares_with_the_resources_parameter() -> None:
    config = config_of(cib(fake("a", "200"), f'<rsc_location id="l" rsc="a">{by_value("fake", "eq", "param")}'
                       "</rsc_location>", nodes=VALUES))
    (location,) = [c for c in config.constraints if isinstance(c, Location)]
    assert location.rules[0].expression == Comparison("fake", Operator.EQ, "200")


def test_value_source_meta_reads_the_resources_meta() -> None:
    meta = '<meta_attributes id="m"><nvpair id="m1" name="rack" value="2"/></meta_attributes>'
    config = config_of(cib(fake("a", "1", meta), f'<rsc_location id="l" rsc="a">{by_value("rack", "eq", "meta")}'
                       "</rsc_location>", nodes=VALUES))
    (location,) = [c for c in config.constraints if isinstance(c, Location)]
    assert location.rules[0].expression == Comparison("rack", Operator.EQ, "2")


@pytest.mark.parametrize(("operation", "expected"), [("eq", Defined("fake", negated=True)),
                                                     ("ne", Defined("fake")),
                                                     ("gt", Defined("#uname", negated=True))])
def test_a_missing_parameter_is_pacemakers_missing_value(operation: str, expected: object) -> None:
    config = config_of(cib(dummy("a"), f'<rsc_location id="l" rsc="a">{by_value("fake", operation, "param")}'
                       "</rsc_location>", nodes=VALUES))
    (location,) = [c for c in config.constraints if isinstance(c, Location)]
    assert location.rules[0].expression == expected


def test_a_pattern_with_value_source_becomes_one_location_per_matching_resource() -> None:
    resources = fake("rsc1", "100") + fake("rsc2", "200") + fake("other", "100")
    config = config_of(cib(resources, f'<rsc_location id="l" rsc-pattern="^rsc">{by_value("fake", "gt", "param")}'
                       "</rsc_location>", nodes=VALUES))
    found = {c.resource: c.rules[0].expression for c in config.constraints if isinstance(c, Location)}
    assert found == {"rsc1": Comparison("fake", Operator.GT, "100"), "rsc2": Comparison("fake", Operator.GT, "200")}


# ----------------------------------------------------------------------------- crm_simulate

PER_NODE_PARAM = (
    dummy("a", '<instance_attributes id="p" score="10"><nvpair id="p1" name="fake" value="300"/></instance_attributes>'
               + guarded("instance_attributes", "on-bob", '<expression id="u" attribute="#uname" operation="eq"'
                         ' value="bob"/>', {"fake": "200"}, 20))
)
SIMULATED = {
    "maintenance-window": (
        dummy("a"), "",
        guarded("cluster_property_set", "w", BEFORE.format(id="d"), {"stop-all-resources": "true"}, 100),
    ),
    "meta-by-agent": (
        dummy("a", guarded("meta_attributes", "m", '<rsc_expression id="e" class="ocf" provider="pacemaker"'
                           ' type="Dummy"/>', {"target-role": "Stopped"})), "", "",
    ),
    "meta-by-date": (
        dummy("a", guarded("meta_attributes", "m", AFTER.format(id="d"), {"target-role": "Stopped"})), "", "",
    ),
    "value-source-param": (
        fake("a", "200"), f'<rsc_location id="l" rsc="a">{by_value("fake", "eq", "param")}</rsc_location>', "",
    ),
    "value-source-per-node": (
        PER_NODE_PARAM, f'<rsc_location id="l" rsc="a">{by_value("fake", "eq", "param")}</rsc_location>', "",
    ),
    "value-source-missing": (
        dummy("a"), f'<rsc_location id="l" rsc="a">{by_value("fake", "ne", "param")}</rsc_location>'
                    '<rsc_location id="p" rsc="a" node="alice" score="10"/>', "",
    ),
}


def _simulated_cib(name: str) -> str:
    resources, constraints, crm_config = SIMULATED[name]
    text = cib(resources, constraints, nodes=VALUES, options=option("stonith-enabled", "false"), root=ROOT)
    return text.replace("</crm_config>", crm_config + "</crm_config>")


@pytest.mark.parametrize("name", sorted(SIMULATED))
def test_simulated_cibs_import(name: str) -> None:
    load(_simulated_cib(name))


@pytest.mark.skipif(shutil.which("crm_simulate") is None, reason="crm_simulate (pacemaker-cli-utils) not installed")
@pytest.mark.parametrize("name", sorted(SIMULATED))
def test_crm_simulate_places_rule_guarded_cibs_alike(tmp_path: Path, name: str) -> None:
    path = tmp_path / "cib.xml"
    path.write_text(_simulated_cib(name))
    assert our_placement(path) == pacemaker_placement(path)
