"""``rsc_defaults`` and ``op_defaults`` sets guarded by resource or operation rules.

Pacemaker 2.1 lets a defaults set apply only to some resources (``rsc_expression``:
class, provider, type) or operations (``op_expression``: name, interval). Unlike time
rules these are static: which resources and operations match is known at import. So
such sets are applied where they match, the way ``get_meta_attributes`` and
``unpack_operation`` would see them: sets in order (``score`` first, then the later set
first), the first value for a name wins, and a value only fills what the resource (or
the group or clone around it) or the operation leaves unset. The rest of a rule is
decided for everyone at once (`placement.cib.rules.holds`): dates at the scheduler's
"now", node-attribute expressions false (Pacemaker unpacks defaults without a node). A
set whose rule reads neither the resource nor the operation is thus simply kept or
dropped.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from xml.etree.ElementTree import Element

from placement.cib import attributes, resources, rules
from placement.cib.values import parse_duration_ms, parse_score_or_none
from placement.cib.xml import Document
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
        found_rules = element.findall("rule")
        if not found_rules:
            result.append(DefaultSet(values))
        elif not any(_reads_resource(document, r) for r in found_rules):
            if rules.set_applies(document, element, rules.Scope()):
                result.append(DefaultSet(values))  # decided now: applies to everyone
        else:
            result.append(DefaultSet(values, _predicate(document, element, operations)))
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


def _reads_resource(document: Document, rule: Element) -> bool:
    """Whether a rule's truth depends on the resource or operation it is asked about."""
    return any(child.tag in ("rsc_expression", "op_expression") for child in document.resolve(rule).iter())


def _predicate(document: Document, element: Element, operations: bool) -> Predicate:
    def applies(agent: Agent, name: str | None, interval: int | None) -> bool:
        # compat(pacemaker): rsc_defaults rules get no operation data (get_meta_attributes).
        operation = (name, interval or 0) if operations and name is not None else None
        return rules.set_applies(document, element, rules.Scope(agent=agent, operation=operation))

    return applies
