"""``rsc_defaults`` and ``op_defaults`` sets guarded by resource or operation rules.

Pacemaker 2.1 lets a defaults set apply only to some resources (``rsc_expression``:
class, provider, type) or operations (``op_expression``: name, interval). Unlike time
rules these are static: which resources and operations match is known at import. So
such sets are applied where they match, the way ``get_meta_attributes`` and
``unpack_operation`` would see them: sets in order (``score`` first, then the later set
first), the first value for a name wins, and a value only fills what the resource (or
the group or clone around it) or the operation leaves unset. Sets guarded by anything
else (dates, node attributes) raise `Unsupported`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from xml.etree.ElementTree import Element

from placement.cib import attributes, resources
from placement.cib.values import parse_duration_ms, parse_score_or_none
from placement.cib.xml import Document
from placement.errors import Unsupported
from placement.hierarchy import Hierarchy
from placement.model import Agent, Config, Meta, Operation, Primitive, frozen_map

# (agent, operation name, interval in ms) → does the rule hold? None for a resource.
Predicate = Callable[[Agent, str | None, int | None], bool]


@dataclass(frozen=True)
class DefaultSet:
    """One defaults set: its values and, when guarded, the rule as a predicate."""

    values: dict[str, str]
    applies: Predicate | None = None


def sets(document: Document, section: Element | None, operations: bool) -> list[DefaultSet]:
    """The ``meta_attributes`` sets of a defaults section, in Pacemaker's order."""
    if section is None:
        return []
    found = [document.resolve(child) for child in section.findall("meta_attributes")]
    ranked = sorted(
        # compat(pacemaker): by score, equal scores last set first (see placement.cib.attributes)
        enumerate(found),
        key=lambda item: (-(parse_score_or_none(item[1].get("score", "0")) or 0), -item[0]),
    )
    result = []
    for _, element in ranked:
        values: dict[str, str] = {}
        for reference in element.findall("nvpair"):
            name, value = attributes.pair(document, reference)
            values.setdefault(name, value)
        rules = element.findall("rule")
        applies = _all(document, rules, operations) if rules else None
        result.append(DefaultSet(values, applies))
    return result


def unconditional(found: list[DefaultSet]) -> dict[str, str]:
    """The values every resource (or operation) gets: first wins over unguarded sets."""
    values: dict[str, str] = {}
    for default in found:
        if default.applies is None:
            for name, value in default.values.items():
                values.setdefault(name, value)
    return values


def apply_resource_defaults(
    document: Document, config: Config, found: list[DefaultSet], warnings: list[str] | None = None
) -> Config:
    """Give each primitive the guarded ``rsc_defaults`` that match it (see module docstring)."""
    if all(default.applies is None for default in found):
        return config
    hierarchy = Hierarchy(config)
    everyone = unconditional(found)
    updated = dict(config.resources)
    for rid, primitive in config.primitives.items():
        mine = _values_for(found, primitive.agent, None, None)
        specific = {name: value for name, value in mine.items() if everyone.get(name) != value}
        if not specific:
            continue
        extra = resources.meta(document, Element("rsc_defaults", {"id": rid}), specific, warnings)
        for holder in [rid, *hierarchy.ancestors(rid)]:
            extra = _unset_where_set(extra, config.resources[holder].meta)
        updated[rid] = replace(primitive, meta=primitive.meta.over(extra))
    return replace(config, resources=frozen_map(updated))


def apply_operation_defaults(config: Config, found: list[DefaultSet]) -> Config:
    """Give each configured operation the guarded ``op_defaults`` that match it."""
    if all(default.applies is None for default in found):
        return config
    everyone = unconditional(found)
    updated = dict(config.resources)
    for rid, primitive in config.primitives.items():
        operations = tuple(_operation_with(op, found, everyone, primitive) for op in primitive.operations)
        if operations != primitive.operations:
            updated[rid] = replace(primitive, operations=operations)
    return replace(config, resources=frozen_map(updated))


def _operation_with(op: Operation, found: list[DefaultSet], everyone: dict[str, str], primitive: Primitive):
    mine = _values_for(found, primitive.agent, op.name, op.interval_ms)
    specific = {name: value for name, value in mine.items() if everyone.get(name) != value}
    if not specific:
        return op
    timeout_ms, on_fail, options = op.timeout_ms, op.on_fail, dict(op.options)
    for name, value in specific.items():
        if name == "timeout":
            timeout_ms = timeout_ms if timeout_ms is not None else parse_duration_ms(value)
        elif name == "on-fail":
            on_fail = on_fail or value.strip().lower()
        else:
            options.setdefault(name, value)
    return replace(op, timeout_ms=timeout_ms, on_fail=on_fail, options=frozen_map(options))


def _values_for(found: list[DefaultSet], agent: Agent, name: str | None, interval: int | None) -> dict[str, str]:
    values: dict[str, str] = {}
    for default in found:
        if default.applies is None or default.applies(agent, name, interval):
            for key, value in default.values.items():
                values.setdefault(key, value)
    return values


def _unset_where_set(extra: Meta, own: Meta) -> Meta:
    """``extra`` without the fields ``own`` already sets (the resource's own value wins)."""
    return Meta(**{f: None if getattr(own, f) is not None else getattr(extra, f) for f in Meta.__dataclass_fields__})


# ----------------------------------------------------------------------------- rules


def _all(document: Document, rules: list[Element], operations: bool) -> Predicate:
    predicates = [_rule(document, rule, operations) for rule in rules]
    return lambda agent, name, interval: all(p(agent, name, interval) for p in predicates)


def _rule(document: Document, rule: Element, operations: bool, depth: int = 0) -> Predicate:
    rule = document.resolve(rule)
    if depth > 64:
        raise document.error(rule, "rules nested more than 64 deep")
    parts: list[Predicate] = []
    for child in rule:
        child = document.resolve(child)
        if child.tag == "rsc_expression":
            parts.append(_resource_expression(child))
        elif child.tag == "op_expression" and operations:
            parts.append(_operation_expression(document, child))
        elif child.tag == "rule":
            parts.append(_rule(document, child, operations, depth + 1))
        else:
            raise Unsupported(f"rule with <{child.tag}> in defaults", rule.get("id"))
    if (rule.get("boolean-op") or "and").strip().lower() == "or":
        return lambda agent, name, interval: any(p(agent, name, interval) for p in parts)
    return lambda agent, name, interval: all(p(agent, name, interval) for p in parts)


def _resource_expression(element: Element) -> Predicate:
    wanted = {key: element.get(key) for key in ("class", "provider", "type")}

    def holds(agent: Agent, name: str | None, interval: int | None) -> bool:
        actual = {"class": agent.standard, "provider": agent.provider, "type": agent.type}
        return all(value is None or actual[key] == value for key, value in wanted.items())

    return holds


def _operation_expression(document: Document, element: Element) -> Predicate:
    wanted_name = document.require(element, "name")
    interval_text = element.get("interval")
    wanted_interval = parse_duration_ms(interval_text) if interval_text is not None else None
    if interval_text is not None and wanted_interval is None:
        raise document.error(element, f"op_expression {element.get('id')!r}: interval is not a duration")

    def holds(agent: Agent, name: str | None, interval: int | None) -> bool:
        if name is None:
            return False  # an operation rule never matches a resource as a whole
        return name == wanted_name and (wanted_interval is None or interval == wanted_interval)

    return holds
