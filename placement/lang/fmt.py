"""Print a configuration as canonical ``.place`` text.

Canonical means: sections in a fixed order (cluster, defaults, nodes, resources,
fencing levels, constraints), canonical option names, defaults left out, long
lines wrapped with an indented continuation. ``loads(dumps(c)) == c`` and
``dumps(loads(dumps(c))) == dumps(c)`` for every configuration the language can
express; tests check both.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from placement.lang import vocabulary as vocab
from placement.lang.values import format_duration_ms, format_key, format_name, format_size, format_value, quote
from placement.model import (
    Action,
    Clone,
    ClusterOptions,
    Colocation,
    ColocationSet,
    Comparison,
    Config,
    Constraint,
    Defined,
    Expression,
    FencingLevel,
    Group,
    Location,
    Meta,
    Node,
    NodeKind,
    Operation,
    Order,
    OrderKind,
    OrderSet,
    Primitive,
    ResourceSet,
    Role,
    Rule,
)
from placement.score import INFINITY, format_score

WIDTH = 100
INDENT = "    "


def dumps(config: Config) -> str:
    """The canonical text of ``config``."""
    sections = [
        _cluster_lines(config),
        list(_node_lines(config.nodes.values())),
        list(_resource_lines(config)),
        [_fencing_level(level) for level in config.fencing_levels],
        *_constraint_sections(config.constraints),
    ]
    return "\n\n".join("\n".join(lines) for lines in sections if lines) + "\n"


def _constraint_sections(constraints: tuple[Constraint, ...]) -> list[list[str]]:
    """Constraints in their order, a blank line wherever the kind changes."""
    sections: list[list[str]] = []
    previous: str | None = None
    for constraint in constraints:
        kind = type(constraint).__name__.removesuffix("Set")
        if kind != previous:
            sections.append([])
            previous = kind
        sections[-1].append(_constraint(constraint))
    return sections


# ---------------------------------------------------------------------------- helpers


def _name(name: str) -> str:
    return format_name(name, vocab.KEYWORDS)


def _canonical(table: Mapping[str, vocab.OptionSpec]) -> dict[str, vocab.OptionSpec]:
    """Field name → the spec whose canonical key it is."""
    return {spec.field: spec for key, spec in table.items() if key == spec.key}


def _options(values: object, table: Mapping[str, vocab.OptionSpec], defaults: object) -> list[str]:
    """``key=value`` words for each field of ``values`` that differs from ``defaults``."""
    words = []
    for field, spec in _canonical(table).items():
        value = getattr(values, field)
        if value == getattr(defaults, field):
            continue
        if spec.flag and value is True:
            words.append(spec.key)
        else:
            words.append(f"{spec.key}={format_value(spec.kind.format(value))}")
    return words


def _pairs(mapping: Mapping[str, object], show=str) -> list[str]:
    return [f"{format_key(key)}={format_value(show(value))}" for key, value in mapping.items()]


def _wrap(words: list[str], *groups: list[str]) -> str:
    """Join words into a line, continuing on indented lines past ``WIDTH`` characters.

    Each extra group (``meta …``, ``uses …``) starts a continuation line as a whole
    when it does not fit, so a keyword is never separated from its options.
    """
    lines = [words[0]]

    def add(word: str) -> None:
        if len(lines[-1]) + 1 + len(word) > WIDTH and lines[-1].strip():
            lines.append(INDENT + word)
        else:
            lines[-1] += " " + word

    for word in words[1:]:
        add(word)
    for group in groups:
        if not group:
            continue
        if len(lines[-1]) + 1 + len(" ".join(group)) > WIDTH:
            lines.append(INDENT + group[0])
        else:
            lines[-1] += " " + group[0]
        for word in group[1:]:
            add(word)
    return "\n".join(lines)


def _meta_words(meta: Meta, keyword: str = "meta") -> list[str]:
    words = _options(meta, vocab.META_OPTIONS, Meta())
    return [keyword, *words] if words else []


# ---------------------------------------------------------------------------- sections


def _cluster_lines(config: Config) -> list[str]:
    lines = []
    words = _options(config.cluster, vocab.CLUSTER_OPTIONS, ClusterOptions())
    if words:
        lines.append(_wrap(["cluster", *words]))
    defaults = _options(config.resource_defaults, vocab.META_OPTIONS, Meta())
    if defaults:
        lines.append(_wrap(["defaults", *defaults]))
    if config.op_defaults:
        lines.append(_wrap(["op-defaults", *_pairs(config.op_defaults)]))
    return lines


def _node_lines(nodes: Iterable[Node]) -> Iterable[str]:
    for node in nodes:
        words = ["node", _name(node.name)]
        if node.kind is not NodeKind.CLUSTER:
            words += [node.kind.value, *(["via", _name(node.via)] if node.via is not None else [])]
        words += _pairs(node.attributes)
        words += [flag for flag in ("standby", "maintenance") if getattr(node, flag)]
        if node.score:
            words += ["score", format_score(node.score)]
        capacity = ["capacity", *_pairs(node.capacity, format_size)] if node.capacity else []
        yield _wrap(words, capacity)


def _resource_lines(config: Config) -> Iterable[str]:
    printed: set[str] = set()

    def emit(rid: str) -> Iterable[str]:
        if rid in printed or rid not in config.resources:
            return
        printed.add(rid)
        resource = config.resources[rid]
        if isinstance(resource, Group):
            for member in resource.members:
                yield from emit(member)
            yield _group(resource)
        elif isinstance(resource, Clone):
            yield from emit(resource.child)
            yield _clone(resource)
        else:
            yield _primitive(resource)

    for rid in config.resources:
        yield from emit(rid)


def _primitive(primitive: Primitive) -> str:
    if primitive.agent.is_fencing:
        words = ["fence", _name(primitive.id), str(primitive.agent)]
        if primitive.fences:
            words += ["for", *map(_name, primitive.fences)]
    else:
        words = ["resource", _name(primitive.id), str(primitive.agent)]
    words += _pairs(primitive.params)
    uses = ["uses", *_pairs(primitive.utilization, format_size)] if primitive.utilization else []
    text = _wrap(words, _meta_words(primitive.meta), uses)
    if not primitive.operations:
        return text
    ops = [_operation(op) for op in primitive.operations]
    inline = f"{text} {{ {ops[0]} }}"
    if len(ops) == 1 and "\n" not in text and len(inline) <= WIDTH:
        return inline
    return text + " {\n" + "\n".join(INDENT + op for op in ops) + "\n}"


def _operation(op: Operation) -> str:
    words = [op.name]
    if op.interval_ms:
        words += ["every", format_duration_ms(op.interval_ms)]
    if op.timeout_ms is not None:
        words += ["timeout", format_duration_ms(op.timeout_ms)]
    words += _options(op, vocab.OPERATION_OPTIONS, Operation(""))
    words += _pairs(op.options) + _pairs(op.params)
    return " ".join(words)


def _group(group: Group) -> str:
    return _wrap(["group", _name(group.id), "of", *map(_name, group.members)], _meta_words(group.meta))


def _clone(clone: Clone) -> str:
    kind = "promotable" if clone.promotable else "clone"
    table = vocab.PROMOTABLE_OPTIONS if clone.promotable else vocab.CLONE_OPTIONS
    words = [kind, _name(clone.id), "of", _name(clone.child)]
    words += _options(clone, table, Clone("", ""))
    return _wrap(words, _meta_words(clone.meta))


def _fencing_level(level: FencingLevel) -> str:
    return _wrap(["fence-level", str(level.index), _name(level.target), *map(_name, level.devices)])


# ---------------------------------------------------------------------------- constraints


def _constraint(constraint: Constraint) -> str:
    if isinstance(constraint, Location):
        return _location(constraint)
    if isinstance(constraint, Colocation):
        return _colocation(constraint)
    if isinstance(constraint, ColocationSet):
        return _colocation_sets(constraint)
    if isinstance(constraint, Order):
        return _order(constraint)
    return _order_sets(constraint)


def _head(keyword: str, label: str | None) -> list[str]:
    return [keyword, f"{_name(label)}:"] if label else [keyword]


def _role(role: Role | None) -> list[str]:
    return [role.value] if role is not None else []


def _direction(score: int) -> list[str]:
    """``prefers`` / ``avoids`` with the score, leaving out the implied ±inf."""
    if score >= 0:
        return ["prefers"] if score >= INFINITY else ["prefers", "{}", format_score(score)]
    return ["avoids"] if score <= -INFINITY else ["avoids", "{}", format_score(-score)]


def _located(role: Role | None, where: str, score: int) -> list[str]:
    words = _direction(score)
    if "{}" in words:
        words[words.index("{}")] = where
    else:
        words.append(where)
    return [*_role(role), *words]


def _rule(rule: Rule) -> list[str]:
    where = f"({_expression(rule.expression)})"
    if rule.score_attribute is not None:
        return [*_role(rule.role), "prefers", where, "score-attribute", _name(rule.score_attribute)]
    return _located(rule.role, where, rule.score)


def _location(location: Location) -> str:
    target = _name(location.resource) if location.resource is not None \
        else f"pattern {quote(location.pattern or '')}"
    words = [*_head("location", location.id), target]
    options = _options(location, vocab.LOCATION_OPTIONS, Location())
    if location.node is not None:
        return _wrap([*words, *_located(location.role, _name(location.node), location.score), *options])
    if len(location.rules) == 1:
        return _wrap([*words, *_rule(location.rules[0]), *options])
    body = "\n".join(INDENT + " ".join(_rule(rule)) for rule in location.rules)
    return " ".join(words) + " {\n" + body + "\n}" + "".join(" " + o for o in options)


def _expression(expression: Expression, parent: str | None = None) -> str:
    if isinstance(expression, Comparison):
        words = [_name(expression.attribute), expression.operator.value, format_value(expression.value)]
        if expression.type is not None:
            words += ["as", expression.type.value]
        return " ".join(words)
    if isinstance(expression, Defined):
        return ("not defined " if expression.negated else "defined ") + _name(expression.attribute)
    inner = f" {expression.op} ".join(_expression(op, expression.op) for op in expression.operands)
    return f"({inner})" if parent is not None else inner


def _member(name: str, role: Role | None) -> list[str]:
    return [_name(name), *_role(role)]


def _colocation(colocation: Colocation) -> str:
    words = [*_head("colocation", colocation.id), *_member(colocation.dependent, colocation.dependent_role)]
    if colocation.score > 0:
        words += ["with", *_member(colocation.primary, colocation.primary_role)]
        if colocation.score < INFINITY:
            words.append(format_score(colocation.score))
    else:
        words += ["apart", "from", *_member(colocation.primary, colocation.primary_role)]
        if colocation.score > -INFINITY:
            words.append(format_score(-colocation.score))
    if colocation.node_attribute is not None:
        words += ["on", _name(colocation.node_attribute)]
    words += _options(colocation, vocab.COLOCATION_OPTIONS, Colocation("", ""))
    return _wrap(words)


def _resource_set(resource_set: ResourceSet) -> str:
    options = _options(resource_set, vocab.SET_OPTIONS, ResourceSet(()))
    return "[" + " ".join([*map(_name, resource_set.resources), *options]) + "]"


def _colocation_sets(constraint: ColocationSet) -> str:
    words = [*_head("colocation", constraint.id), "set", *map(_resource_set, constraint.sets)]
    if constraint.score != INFINITY:
        words.append(format_score(constraint.score))
    if constraint.node_attribute is not None:
        words += ["on", _name(constraint.node_attribute)]
    return _wrap(words)


def _order_tail(kind: OrderKind, symmetrical: bool | None) -> list[str]:
    words = [] if kind is OrderKind.MANDATORY else [kind.value]
    if symmetrical is not None:
        words.append(f"symmetrical={'true' if symmetrical else 'false'}")
    return words


def _order(order: Order) -> str:
    words = [*_head("order", order.id), _name(order.first)]
    if order.first_action is not Action.START:
        words.append(order.first_action.value)
    words += ["then", _name(order.then)]
    if order.then_action is not None:
        words.append(order.then_action.value)
    return _wrap(words + _order_tail(order.kind, order.symmetrical))


def _order_sets(constraint: OrderSet) -> str:
    words = [*_head("order", constraint.id), "set", *map(_resource_set, constraint.sets)]
    return _wrap(words + _order_tail(constraint.kind, constraint.symmetrical))
