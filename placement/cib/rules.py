"""Location rules: ``<rule>`` with ``<expression>`` children (and nested rules) → `Rule`.

Only node-attribute expressions can be represented. Date expressions, resource and
operation expressions, and ``value-source`` other than ``literal`` depend on time or on
the resource being evaluated: they raise `Unsupported` (SEMANTICS.md §3 "Rules").
"""

from __future__ import annotations

from typing import Final
from xml.etree.ElementTree import Element

from placement.cib.values import parse_score_or_none
from placement.cib.xml import Document
from placement.errors import Unsupported
from placement.model import BoolExpr, Comparison, Defined, Expression, Operator, Role, Rule, ValueType

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
_UNSUPPORTED_EXPRESSIONS: Final = {
    "date_expression": "date rule",
    "rsc_expression": "resource expression in a rule",
    "op_expression": "operation expression in a rule",
}
# Nested rules deeper than this are refused: no real CIB comes close, and a hostile one
# must not exhaust the stack.
MAX_DEPTH: Final = 64
# A rule with no expressions matches every node; "#uname is defined" says exactly that.
_EVERY_NODE: Final = Defined("#uname")


def rule(document: Document, element: Element) -> Rule:
    """One location ``<rule>``: its score (or score attribute), role and expression."""
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
        expression=expression(document, element),
        score=score,
        score_attribute=score_attribute.strip() if score_attribute and score_text is None else None,
        role=_role(document, element, role) if role else None,
        id=element.get("id"),
        span=document.span(element),
    )


def expression(document: Document, rule_element: Element, depth: int = 0) -> Expression:
    """The condition of a rule: its expressions joined by ``boolean-op`` (default ``and``)."""
    if depth > MAX_DEPTH:
        raise document.error(rule_element, f"rules nested more than {MAX_DEPTH} deep")
    operands: list[Expression] = []
    for child in rule_element:
        child = document.resolve(child)
        if child.tag == "expression":
            operands.append(_comparison(document, child))
        elif child.tag == "rule":
            if child.get("score") or child.get("score-attribute"):
                # compat(pacemaker): a nested rule's own score is ignored; only its truth counts.
                pass
            operands.append(expression(document, child, depth + 1))
        elif child.tag in _UNSUPPORTED_EXPRESSIONS:
            raise Unsupported(_UNSUPPORTED_EXPRESSIONS[child.tag], child.get("id") or rule_element.get("id"))
        # Anything else (descriptions, comments) carries no meaning for placement.
    if not operands:
        return _EVERY_NODE
    if len(operands) == 1:
        return operands[0]
    op = (rule_element.get("boolean-op") or "and").strip().lower()
    if op not in ("and", "or"):
        raise document.error(rule_element, f"rule {rule_element.get('id')!r}: boolean-op {op!r} is not and/or")
    return BoolExpr(op, tuple(operands), span=document.span(rule_element))


def _comparison(document: Document, element: Element) -> Expression:
    ident = element.get("id")
    attribute = document.require(element, "attribute")
    operation = document.require(element, "operation").lower()
    source = (element.get("value-source") or "literal").strip().lower()
    if source != "literal":
        raise Unsupported(f"value-source={source} in a rule expression", ident)
    span = document.span(element)
    if operation in ("defined", "not_defined"):
        return Defined(attribute, negated=operation == "not_defined", span=span)
    operator = _OPERATORS.get(operation)
    if operator is None:
        raise document.error(element, f"expression {ident!r}: unknown operation {operation!r}")
    value = element.get("value")
    if value is None:
        raise document.error(element, f"expression {ident!r}: operation {operation!r} needs a value")
    type_text = element.get("type")
    value_type = None
    if type_text is not None:
        value_type = _TYPES.get(type_text.strip().lower())
        if value_type is None:
            raise document.error(element, f"expression {ident!r}: unknown type {type_text!r}")
    return Comparison(attribute, operator, value, value_type, span=span)


def _role(document: Document, element: Element, text: str) -> Role | None:
    try:
        role = Role.parse(text)
    except ValueError:
        raise document.error(element, f"<{element.tag} id={element.get('id')!r}>: unknown role {text!r}") from None
    # compat(pacemaker): Started and Unpromoted filters apply to every role (§3 "role").
    return role if role is Role.PROMOTED else None
