"""Location rules over node attributes (SEMANTICS.md §3 "Rules").

A rule matches a node when its expression holds over that node's attributes: the
configured ones, overridden by the state's transient ones, plus the built-in ``#uname``.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Mapping

from placement.model import BoolExpr, Comparison, Config, Defined, Expression, Operator, Rule, ValueType
from placement.score import INFINITY, parse_score
from placement.state import State


def node_attributes(config: Config, state: State, node: str) -> dict[str, str]:
    """Attributes of ``node`` as rules see them: configuration, then state, then built-ins.

    >>> from placement.model import Node, frozen_map
    >>> from placement.state import NodeState
    >>> config = Config(nodes=frozen_map({"alice": Node("alice", attributes=frozen_map({"rack": "1"}))}))
    >>> state = State(nodes=frozen_map({"alice": NodeState(attributes=frozen_map({"rack": "2"}))}))
    >>> node_attributes(config, state, "alice")
    {'rack': '2', '#uname': 'alice', '#kind': 'cluster', '#id': 'alice', '#is_dc': 'false'}
    """
    configured = config.nodes[node].attributes if node in config.nodes else {}
    attributes = {**configured, **state.node(node).attributes}
    # compat(pacemaker): #kind is "remote" on a remote node and "container" on a guest.
    kind = config.nodes[node].kind.value if node in config.nodes else "cluster"
    attributes.update({"#uname": node, "#kind": {"guest": "container"}.get(kind, kind)})
    attributes.setdefault("#id", node)  # an importer that knows the node's id sets it
    if config.cluster.name is not None:
        attributes["#cluster-name"] = config.cluster.name
    attributes["#is_dc"] = "true" if state.dc == node else "false"
    return attributes


def matches(expression: Expression, attributes: Mapping[str, str]) -> bool:
    """Whether ``expression`` holds over ``attributes``.

    >>> from placement.model import Comparison, Operator
    >>> matches(Comparison("cpus", Operator.GE, "8"), {"cpus": "16"})
    True
    >>> matches(Comparison("cpus", Operator.GE, "8"), {})
    False
    """
    if isinstance(expression, Defined):
        return (expression.attribute in attributes) != expression.negated
    if isinstance(expression, BoolExpr):
        results = (matches(operand, attributes) for operand in expression.operands)
        return all(results) if expression.op == "and" else any(results)
    return _compare(expression, attributes)


def _compare(comparison: Comparison, attributes: Mapping[str, str]) -> bool:
    actual = attributes.get(comparison.attribute)
    if actual is None:
        # compat(pacemaker): §3 — a missing attribute only satisfies "!=".
        return comparison.operator is Operator.NE
    kind = comparison.type or _default_type(actual, comparison.value)
    try:
        left, right = _converted(actual, kind), _converted(comparison.value, kind)
    except ValueError:
        # compat(pacemaker): values that do not parse as the type compare as strings.
        left, right = actual, comparison.value
    return _COMPARE[comparison.operator](left, right)


_COMPARE = {
    Operator.EQ: operator.eq,
    Operator.NE: operator.ne,
    Operator.LT: operator.lt,
    Operator.LE: operator.le,
    Operator.GT: operator.gt,
    Operator.GE: operator.ge,
}
_NUMERIC = re.compile(r"^[+-]?\d+(\.\d+)?$")


def _default_type(actual: str, expected: str) -> ValueType:
    """Numbers compare as numbers when both sides look like numbers, else as strings."""
    numeric = _NUMERIC
    if numeric.match(actual) and numeric.match(expected):
        return ValueType.NUMBER if "." in actual + expected else ValueType.INTEGER
    return ValueType.STRING


def _converted(text: str, kind: ValueType) -> object:
    if kind is ValueType.INTEGER:
        return int(float(text))
    if kind is ValueType.NUMBER:
        return float(text)
    if kind is ValueType.VERSION:
        return tuple(int(part) for part in text.split("."))
    return text


def rule_score(rule: Rule, attributes: Mapping[str, str]) -> int | None:
    """The score ``rule`` gives a node with ``attributes``; ``None`` when it does not match.

    With ``score_attribute``, a matching node that lacks the attribute gets -INFINITY
    (compat(pacemaker): §3 ``get_node_score``).

    >>> from placement.model import Defined
    >>> rule_score(Rule(Defined("ssd"), score_attribute="weight"), {"ssd": "yes"})
    -1000000
    """
    if not matches(rule.expression, attributes):
        return None
    if rule.score_attribute is None:
        return rule.score
    value = attributes.get(rule.score_attribute)
    if value is None:
        return -INFINITY
    try:
        return parse_score(value)
    except ValueError:
        return -INFINITY
