"""Rules: location ``<rule>`` → `Rule`, and the rules of attribute sets decided at import.

A location rule keeps its node-attribute expressions: placement evaluates them per node.
Everything else in a rule is decided here, once, as Pacemaker decides it (SEMANTICS.md §3
"Rules", lib/pengine/rules.c):

* a ``date_expression`` at the scheduler's "now" (`placement.cib.dates.now_of`) becomes
  a constant, so the imported configuration is the one in force at that moment;
* ``rsc_expression`` / ``op_expression`` in a location rule are false (Pacemaker passes
  no resource or operation data there);
* ``value-source="param"`` / ``"meta"`` compares the node attribute with the value of the
  resource's parameter or meta-attribute of that name (``expand_value_source``); the
  location is then made per resource (`Resource`), and a parameter that differs per node
  becomes one comparison per group of nodes.

`holds` evaluates the rule of an attribute set (``pe_eval_rules``) in a `Scope`: the
resource and operation the set belongs to, and a node or none. Without a node every
node-attribute expression fails, as it does in Pacemaker when ``node_hash`` is NULL.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Final
from xml.etree.ElementTree import Element

from placement.cib import dates
from placement.cib.values import parse_duration_ms, parse_score_or_none
from placement.cib.xml import Document
from placement.model import Agent, BoolExpr, Comparison, Defined, Expression, Operator, Role, Rule, ValueType

_OPERATORS: Final = {
    "eq": Operator.EQ,
    "ne": Operator.NE,
    "lt": Operator.LT,
    "lte": Operator.LE,
    "gt": Operator.GT,
    "gte": Operator.GE,
}
# compat(pacemaker): "int" is accepted as an alias of "integer" (pcmk__parse_type).
_TYPES: Final = {
    "string": ValueType.STRING,
    "integer": ValueType.INTEGER,
    "int": ValueType.INTEGER,
    "number": ValueType.NUMBER,
    "version": ValueType.VERSION,
}
# Nested rules deeper than this are refused: no real CIB comes close, and a hostile one
# must not exhaust the stack.
MAX_DEPTH: Final = 64
# Constants: "#uname is defined" holds on every node, its negation on none.
_EVERY_NODE: Final = Defined("#uname")
_NO_NODE: Final = Defined("#uname", negated=True)


@dataclass(frozen=True)
class Resource:
    """What ``value-source`` reads: a resource's parameters on each node, and its meta."""

    params: Callable[[str | None], Mapping[str, str]]  # node name (None = no node) → params
    meta: Mapping[str, str]
    nodes: tuple[str, ...]


def rule(document: Document, element: Element, resource: Resource | None = None) -> Rule:
    """One location ``<rule>``: its score (or score attribute), role and expression.

    ``resource`` is the resource the location applies to; only a rule that reads
    ``value-source`` needs it (see `uses_value_source`).
    """
    element = document.resolve(element)
    score_text = element.get("score")
    score_attribute = element.get("score-attribute")
    score = 0
    if score_text is not None:
        parsed = parse_score_or_none(score_text)
        if parsed is None:
            raise document.error(element, f"rule {element.get('id')!r}: score {score_text!r} is not a score")
        score = parsed
    role = element.get("role")
    return Rule(
        expression=expression(document, element, resource=resource),
        score=score,
        score_attribute=score_attribute.strip() if score_attribute and score_text is None else None,
        role=_role(document, element, role) if role else None,
        id=element.get("id"),
        span=document.span(element),
    )


def expression(
    document: Document, rule_element: Element, depth: int = 0, resource: Resource | None = None
) -> Expression:
    """The condition of a rule: its expressions joined by ``boolean-op`` (default ``and``),
    with what does not depend on the node already decided (see the module docstring)."""
    if depth > MAX_DEPTH:
        raise document.error(rule_element, f"rules nested more than {MAX_DEPTH} deep")
    op = (rule_element.get("boolean-op") or "and").strip().lower()
    operands: list[Expression] = []
    for child in rule_element:
        child = document.resolve(child)
        if child.tag == "expression":
            operands.append(_comparison(document, child, resource))
        elif child.tag == "rule":
            # compat(pacemaker): a nested rule's own score is ignored; only its truth counts.
            operands.append(expression(document, child, depth + 1, resource))
        elif child.tag == "date_expression":
            operands.append(_EVERY_NODE if dates.holds(child, dates.now_of(document)) else _NO_NODE)
        elif child.tag in ("rsc_expression", "op_expression"):
            # compat(pacemaker): generate_location_rule gives no resource or operation
            # data, so pe__eval_rsc_expr / pe__eval_op_expr fail.
            operands.append(_NO_NODE)
        # Anything else (descriptions, comments) carries no meaning for placement.
    if op not in ("and", "or"):
        if len(operands) > 1:
            raise document.error(rule_element, f"rule {rule_element.get('id')!r}: boolean-op {op!r} is not and/or")
        op = "and"  # compat(pacemaker): anything but "or" joins with and
    return _joined(op, operands, document.span(rule_element), empty=_EVERY_NODE if op == "and" else _NO_NODE)


def _joined(op: str, operands: list[Expression], span: object, empty: Expression) -> Expression:
    """``op`` over ``operands`` with the constants folded away.

    compat(pacemaker): ``pe_eval_expr`` passes an empty ``and`` rule and fails an empty
    ``or`` one.
    """
    absorbing, neutral = (_NO_NODE, _EVERY_NODE) if op == "and" else (_EVERY_NODE, _NO_NODE)
    if absorbing in operands:
        return absorbing
    kept = [operand for operand in operands if operand != neutral]
    if not kept:
        return empty if not operands else neutral
    if len(kept) == 1:
        return kept[0]
    return BoolExpr(op, tuple(kept), span=span)  # type: ignore[arg-type]


def uses_value_source(document: Document, rule_elements: list[Element]) -> bool:
    """Whether any expression of these rules reads a resource's param or meta."""
    return any(
        (document.resolve(e).get("value-source") or "literal").strip().lower() != "literal"
        for r in rule_elements
        for e in document.resolve(r).iter("expression")
    )


def _comparison(document: Document, element: Element, resource: Resource | None = None) -> Expression:
    ident = element.get("id")
    attribute = document.require(element, "attribute")
    operation = document.require(element, "operation").lower()
    span = document.span(element)
    if operation in ("defined", "not_defined"):
        return Defined(attribute, negated=operation == "not_defined", span=span)
    if _OPERATORS.get(operation) is None:
        raise document.error(element, f"expression {ident!r}: unknown operation {operation!r}")
    source = (element.get("value-source") or "literal").strip().lower()
    if source in ("param", "meta"):
        if resource is None:
            raise document.error(element, f"expression {ident!r}: value-source={source} outside a location")
        return _from_resource(document, element, resource, source)
    value = element.get("value")
    if value is None:
        raise document.error(element, f"expression {ident!r}: operation {operation!r} needs a value")
    return _against(document, element, value)


def _against(document: Document, element: Element, value: str | None) -> Expression:
    """The node attribute compared with ``value``; None is Pacemaker's missing value."""
    attribute = element.get("attribute", "")
    operator = _OPERATORS[element.get("operation", "").lower()]
    span = document.span(element)
    if value is None:
        # compat(pacemaker): accept_attr_expr — a missing value equals only a missing
        # attribute, differs from any present one, and is never less or greater.
        if operator in (Operator.EQ, Operator.NE):
            return Defined(attribute, negated=operator is Operator.EQ, span=span)
        return _NO_NODE
    type_text = element.get("type")
    value_type = None
    if type_text is not None:
        value_type = _TYPES.get(type_text.strip().lower())
        if value_type is None:
            raise document.error(element, f"expression {element.get('id')!r}: unknown type {type_text!r}")
    return Comparison(attribute, operator, value, value_type, span=span)


def _from_resource(document: Document, element: Element, resource: Resource, source: str) -> Expression:
    """``expand_value_source``: the value is the resource's param (on each node) or meta
    named by ``value``. Nodes on which the param differs get one comparison each."""
    name = element.get("value")

    def value_on(node: str | None) -> str | None:
        if not name:
            return None  # compat(pacemaker): an empty value makes value-source irrelevant
        table = resource.params(node) if source == "param" else resource.meta
        return table.get(name)

    groups: dict[str | None, list[str]] = {}
    for node in resource.nodes:
        groups.setdefault(value_on(node), []).append(node)
    if len(groups) <= 1:
        return _against(document, element, next(iter(groups)) if groups else value_on(None))
    span = document.span(element)
    operands: list[Expression] = []
    for value, nodes in groups.items():
        on_these = _joined("or", [Comparison("#uname", Operator.EQ, n) for n in nodes], span, _NO_NODE)
        operands.append(_joined("and", [on_these, _against(document, element, value)], span, _EVERY_NODE))
    return _joined("or", operands, span, _NO_NODE)


# ----------------------------------------------------------------------------- attribute sets


@dataclass(frozen=True)
class Scope:
    """What the rule of an attribute set is judged against (``pe_rule_eval_data_t``).

    ``agent`` is set for a resource's meta-attributes and the defaults that apply to it,
    ``operation`` (name, interval in ms) for an operation's, ``node`` (its attributes, as
    rules see them) only where Pacemaker evaluates per node.
    """

    agent: Agent | None = None
    operation: tuple[str, int] | None = None
    node: Mapping[str, str] | None = None


def set_applies(document: Document, attribute_set: Element, scope: Scope) -> bool:
    """``pe_eval_rules``: a set without rules applies; otherwise any of its rules must hold."""
    found = attribute_set.findall("rule")
    return not found or any(holds(document, r, scope) for r in found)


def depends_on_node(document: Document, attribute_set: Element) -> bool:
    """Whether the set's rules read node attributes (their truth may differ per node)."""
    return any(
        document.resolve(e).get("attribute", "") != "#role"
        for r in attribute_set.findall("rule")
        for e in document.resolve(r).iter("expression")
    )


def holds(document: Document, element: Element, scope: Scope, depth: int = 0) -> bool:
    """``pe_eval_expr``: a rule's expressions joined by ``boolean-op``, in ``scope``."""
    element = document.resolve(element)
    if depth > MAX_DEPTH:
        raise document.error(element, f"rules nested more than {MAX_DEPTH} deep")
    either = (element.get("boolean-op") or "and").strip().lower() == "or"
    for child in element:
        child = document.resolve(child)
        if child.tag not in _SUBEXPRESSIONS:
            continue  # descriptions carry no meaning
        passed = _SUBEXPRESSIONS[child.tag](document, child, scope, depth)
        if passed and either:
            return True
        if not passed and not either:
            return False
    return not either  # compat(pacemaker): an empty "and" passes, an empty "or" fails


def _node_expression(document: Document, element: Element, scope: Scope, depth: int) -> bool:
    if scope.node is None or element.get("attribute") == "#role":
        # compat(pacemaker): without a node attribute expressions fail, and #role only
        # means something in a location's promotion rules (role unknown here).
        return False
    from placement.solve.rules import matches  # the planner's own evaluator, same semantics

    return matches(_comparison(document, element), scope.node)


def _date_expression(document: Document, element: Element, scope: Scope, depth: int) -> bool:
    return dates.holds(element, dates.now_of(document))


def _resource_expression(document: Document, element: Element, scope: Scope, depth: int) -> bool:
    """``pe__eval_rsc_expr``: class and type match when given; the provider always must
    (compat(pacemaker): 2.1.5 compares it even when the expression leaves it out)."""
    agent = scope.agent
    if agent is None:
        return False
    wanted_class, wanted_type = element.get("class"), element.get("type")
    return (
        (wanted_class is None or wanted_class == agent.standard)
        and element.get("provider") == agent.provider
        and (wanted_type is None or wanted_type == agent.type)
    )


def _operation_expression(document: Document, element: Element, scope: Scope, depth: int) -> bool:
    """``pe__eval_op_expr``: the operation's name, and its interval when given."""
    if scope.operation is None:
        return False
    name, interval = scope.operation
    interval_text = element.get("interval")
    if interval_text is not None:
        wanted = parse_duration_ms(interval_text)
        if wanted is None or wanted != interval:
            return False
    return element.get("name") == name


_SUBEXPRESSIONS: Final[dict[str, Callable[[Document, Element, Scope, int], bool]]] = {
    "rule": lambda document, element, scope, depth: holds(document, element, scope, depth + 1),
    "expression": _node_expression,
    "date_expression": _date_expression,
    "rsc_expression": _resource_expression,
    "op_expression": _operation_expression,
}


def _role(document: Document, element: Element, text: str) -> Role | None:
    try:
        role = Role.parse(text)
    except ValueError:
        raise document.error(element, f"<{element.tag} id={element.get('id')!r}>: unknown role {text!r}") from None
    # compat(pacemaker): Started and Unpromoted filters apply to every role (§3 "role").
    return role if role is Role.PROMOTED else None
