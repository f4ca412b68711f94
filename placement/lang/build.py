"""Build the model from the parse: one Transformer method per grammar rule.

`build_text` runs the methods during the parse, as lark's inline transformer (no tree
is built); `build` runs them over a lark tree. Each statement becomes a model object
with its `Span`. Problems local to a statement (unknown option, bad value, a size that
does not parse) are collected, not raised, so that one run reports all of them;
`assemble` then puts the statements into a `Config`, reporting duplicate definitions.
Cross-references are checked later (`placement.lang.check`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from contextvars import ContextVar
from dataclasses import dataclass, replace
from functools import cache
from typing import Any

from lark import Lark, Token, Transformer, Tree

from placement.bundle import LAUNCHERS, retarget, valid_network
from placement.bundle import expand as expand_bundle
from placement.errors import Diagnostic, Severity
from placement.lang import vocabulary as vocab
from placement.lang.grammar import make_parser
from placement.lang.syntax import parse_with
from placement.lang.values import parse_duration_ms, parse_size, unquote
from placement.model import (
    EMPTY,
    NO_META,
    Action,
    Agent,
    BoolExpr,
    Bundle,
    Clone,
    ClusterOptions,
    Colocation,
    ColocationSet,
    Comparison,
    Config,
    Constraint,
    Defined,
    FencingLevel,
    Group,
    Location,
    Meta,
    Node,
    NodeKind,
    Operation,
    Operator,
    Order,
    OrderKind,
    OrderSet,
    Primitive,
    ResourceSet,
    Role,
    Rule,
    Span,
    ValueType,
    frozen_map,
)
from placement.score import INFINITY, parse_score
from placement.suggest import did_you_mean


@dataclass(frozen=True, slots=True)
class Param:
    """A ``key=value`` as written, with its position."""

    key: str
    value: str
    span: Span


@dataclass(frozen=True, slots=True)
class Flag:
    """A bare option word (``interleave``, ``standby``), with its position."""

    key: str
    span: Span


@dataclass(frozen=True, slots=True)
class DefaultsStatement:
    meta: Meta
    span: Span


@dataclass(frozen=True, slots=True)
class OpDefaultsStatement:
    options: Mapping[str, str]
    span: Span


@dataclass(frozen=True, slots=True)
class StickinessStatement:
    resource: str
    score: int
    span: Span


@dataclass(frozen=True, slots=True)
class BundleStatement:
    """A ``bundle``: expanded by `assemble` into its containers, IPs, guest nodes and clone."""

    bundle: Bundle
    child: Primitive | None
    span: Span


@dataclass(frozen=True, slots=True)
class Located:
    """One ``[role] prefers|avoids <node or (rule)> [score]`` clause."""

    role: Role | None
    node: str | None
    rule: Rule | None
    score: int
    span: Span


def _statement(method):  # type: ignore[no-untyped-def]
    """Pass a statement method its keyword's position, and the children after the keyword."""

    def wrapper(self: Builder, children: list) -> object:
        return method(self, self.span_of(children[0]), self.params(children[1:]))

    wrapper.__name__ = method.__name__
    wrapper.__doc__ = method.__doc__
    return wrapper


class ParseState:
    """What one parse collects: the file's path (for spans) and the problems found."""

    __slots__ = ("path", "problems")

    def __init__(self, path: str | None) -> None:
        self.path = path
        self.problems: list[Diagnostic] = []


class Builder(Transformer):
    """lark tree → model objects; problems go to ``self.problems``.

    ``Builder(path).transform(tree)`` builds from a tree. The parser of `build_text` runs the
    same methods inline, during the parse, on one shared `_InlineBuilder`.
    """

    def __init__(self, path: str | None = None) -> None:
        # Tokens are converted where rules use them: a callback per token made building slow.
        super().__init__(visit_tokens=False)
        self._own = ParseState(path)

    @property
    def state(self) -> ParseState:
        return self._own

    @property
    def path(self) -> str | None:
        return self.state.path

    @property
    def problems(self) -> list[Diagnostic]:
        return self.state.problems

    def params(self, items: list) -> list:
        """``items`` with every ``key=value`` token turned into a `Param`."""
        param = self.param
        return [param(item) if isinstance(item, Token) and item.type == "PARAM" else item for item in items]

    # ------------------------------------------------------------------ helpers

    def span_of(self, item: Token | Span | None) -> Span:
        if isinstance(item, Token):
            return Span(self.state.path, item.line or 1, item.column or 1)
        if isinstance(item, Span):
            return item
        return Span(self.path, getattr(item, "line", 1) or 1, getattr(item, "column", 1) or 1)

    def error(self, span: Span, message: str) -> None:
        self.problems.append(Diagnostic(Severity.ERROR, message, span))

    def text(self, token: Token) -> str:
        text = str(token)
        return unquote(text) if text[:1] == '"' else text

    def options(self, items: Iterable[Param | Flag], specs: Mapping[str, vocab.OptionSpec],
                what: str) -> dict[str, Any]:
        """Check ``items`` against ``specs``: field name → parsed value."""
        values: dict[str, Any] = {}
        seen: dict[str, Span] = {}
        for item in items:
            spec = specs.get(item.key)
            if spec is None:
                self.error(item.span, f"unknown {what} option '{item.key}'"
                           + did_you_mean(item.key, specs))
                continue
            if spec.field in seen:
                self.error(item.span, f"{what} option '{spec.key}' is given twice")
                continue
            seen[spec.field] = item.span
            if isinstance(item, Flag):
                if not spec.flag:
                    self.error(item.span, f"{what} option '{item.key}' needs a value: "
                               f"{item.key}=<{spec.kind.describe}>")
                    continue
                values[spec.field] = True
                continue
            try:
                values[spec.field] = spec.kind.parse(item.value)
            except ValueError as problem:
                self.error(item.span, f"{what} option '{item.key}': {problem}")
        return values

    def meta_of(self, params: Iterable[Param] | None) -> Meta:
        if not params:
            return NO_META
        return Meta(**self.options(params, vocab.META_OPTIONS, "meta"))

    def sizes(self, tokens: Iterable[Token], what: str) -> Mapping[str, int]:
        """Amounts from ``key=value`` tokens (no `Param` for each: they are many)."""
        if not tokens:
            return EMPTY
        amounts: dict[str, int] = {}
        for token in tokens:
            key, value = _key_value(token)
            if key in amounts:
                self.error(self.span_of(token), f"{what} '{key}' is given twice")
                continue
            try:
                amounts[key] = parse_size(value)
            except ValueError as problem:
                self.error(self.span_of(token), f"{what} '{key}': {problem}")
        return frozen_map(amounts)

    def plain(self, params: Iterable[Param], what: str) -> Mapping[str, str]:
        if not params:
            return EMPTY
        values: dict[str, str] = {}
        for param in params:
            if param.key in values:
                self.error(param.span, f"{what} '{param.key}' is given twice")
            values[param.key] = param.value
        return frozen_map(values)

    # ------------------------------------------------------------------ terminals

    def param(self, token: Token) -> Param:
        key, value = _key_value(token)
        return Param(key, value, Span(self.state.path, token.line or 1, token.column or 1))

    # ------------------------------------------------------------------ small rules

    def flag(self, children: list) -> Flag:
        return Flag(self.text(children[0]), self.span_of(children[0]))

    def score(self, children: list) -> int:
        token = children[0]
        value = parse_score(str(token))
        if token.type == "INT" and abs(int(token)) > INFINITY:
            self.problems.append(Diagnostic(
                Severity.WARNING, f"score {token} is beyond ±{INFINITY} and means {'-' if value < 0 else ''}inf",
                self.span_of(token)))
        return value

    def label(self, children: list) -> str:
        return self.text(children[0])

    def role(self, children: list) -> Role:
        return Role(str(children[0]))

    def action(self, children: list) -> Action:
        return Action(str(children[0]))

    def order_kind(self, children: list) -> OrderKind:
        return OrderKind(str(children[0]))

    def direction(self, children: list) -> Token:
        return children[0]  # the token itself: a str that knows its position

    def value_type(self, children: list) -> ValueType:
        return ValueType(str(children[0]))

    def meta(self, children: list) -> list[Param]:
        return self.params(children)

    def uses(self, children: list) -> list[Token]:
        return children  # key=value tokens, for `sizes`

    def fences(self, children: list) -> list[str]:
        return [self.text(c) for c in children]

    def on_attribute(self, children: list) -> str:
        return self.text(children[0])

    def score_attribute(self, children: list) -> str:
        return self.text(children[0])

    def pattern(self, children: list) -> tuple[str, str]:
        return ("pattern", self.text(children[0]))

    # ------------------------------------------------------------------ cluster and nodes

    @_statement
    def cluster(self, meta: Span, children: list) -> ClusterOptions:
        values = self.options(children, vocab.CLUSTER_OPTIONS, "cluster")
        return ClusterOptions(**values, span=self.span_of(meta))

    @_statement
    def defaults(self, meta: Span, children: list) -> DefaultsStatement:
        span = self.span_of(meta)
        values = self.options(children, vocab.META_OPTIONS, "defaults")
        if "stickiness" in values:
            self.error(span, "the default stickiness is a cluster option: write 'cluster stickiness=N'")
            values.pop("stickiness")
        return DefaultsStatement(Meta(**values), span)

    @_statement
    def op_defaults(self, meta: Span, children: list) -> OpDefaultsStatement:
        span = self.span_of(meta)
        flags = [c for c in children if isinstance(c, Flag)]
        for flag in flags:
            self.error(flag.span, f"op-defaults option '{flag.key}' needs a value")
        params = [c for c in children if isinstance(c, Param)]
        for param in params:
            if param.key in ("timeout", "interval"):
                try:
                    parse_duration_ms(param.value)
                except ValueError as problem:
                    self.error(param.span, f"op-defaults option '{param.key}': {problem}")
        return OpDefaultsStatement(self.plain(params, "op-defaults option"), span)

    def node_score(self, children: list) -> tuple[str, int]:
        return ("score", children[0])

    def capacity(self, children: list) -> tuple[str, list[Token]]:
        return ("capacity", children)  # key=value tokens, for `sizes`

    def hosted(self, children: list) -> tuple[str, NodeKind, str | None]:
        via = children[-1] if len(children) > 1 else None
        return ("hosted", NodeKind(str(children[0])), None if via is None else self.text(via))

    @_statement
    def node(self, meta: Span, children: list) -> Node:
        name, *items = children
        attributes: list[Param] = []
        flags: list[Param | Flag] = []
        capacity: Mapping[str, int] = EMPTY
        score = 0
        hosted: dict[str, object] = {}
        for item in items:
            if isinstance(item, tuple) and item[0] == "score":
                score = item[1]
            elif isinstance(item, tuple) and item[0] == "hosted":
                hosted = {"kind": item[1], "via": item[2]}
            elif isinstance(item, tuple):
                capacity = self.sizes(item[1], "capacity")
            elif isinstance(item, Flag) or item.key in vocab.NODE_FLAGS:
                flags.append(item)
            else:
                attributes.append(item)
        values = self.options(flags, vocab.NODE_FLAGS, "node")
        return Node(
            name=self.text(name),
            attributes=self.plain(attributes, "node attribute"),
            capacity=capacity,
            score=score,
            span=self.span_of(meta),
            **values,
            **hosted,  # type: ignore[arg-type]
        )

    # ------------------------------------------------------------------ resources

    def every(self, children: list) -> tuple[str, Token]:
        return ("every", children[0])

    def timeout(self, children: list) -> tuple[str, Token]:
        return ("timeout", children[0])

    def operation(self, children: list) -> Operation:
        name, *items = self.params(children)
        interval = 0
        timeout: int | None = None
        known: list[Param] = []
        options: dict[str, str] = {}
        params: dict[str, str] = {}
        for item in items:
            if isinstance(item, tuple):
                try:
                    value = parse_duration_ms(str(item[1]))
                except ValueError as problem:
                    self.error(self.span_of(item[1]), f"operation {item[0]}: {problem}")
                    continue
                if item[0] == "every":
                    interval = value
                else:
                    timeout = value
            elif item.key in vocab.OPERATION_OPTIONS:
                known.append(item)
            elif item.key in vocab.OPERATION_PASSTHROUGH:
                options[item.key] = item.value
            else:
                close = did_you_mean(item.key, {**vocab.OPERATION_OPTIONS,
                                                **dict.fromkeys(vocab.OPERATION_PASSTHROUGH)})
                if close:
                    self.error(item.span, f"unknown operation option '{item.key}'{close}")
                params[item.key] = item.value
        typed = self.options(known, vocab.OPERATION_OPTIONS, "operation")
        return Operation(
            name=str(name),
            interval_ms=interval,
            timeout_ms=timeout,
            options=frozen_map(options),
            params=frozen_map(params),
            span=self.span_of(name),
            **typed,
        )

    def operations(self, children: list) -> tuple[str, tuple[Operation, ...]]:
        return ("operations", tuple(children))

    def _agent(self, token: Token) -> Agent:
        try:
            return Agent.parse(str(token))
        except ValueError as problem:
            self.error(self.span_of(token), str(problem))
            return Agent("ocf", "heartbeat", "Dummy")

    def _primitive_parts(self, rest: list) -> tuple[list[Param], Meta, Mapping[str, int],
                                                     tuple[Operation, ...]]:
        *params, meta, uses, operations = rest
        return (
            params,
            self.meta_of(meta),
            self.sizes(uses or (), "utilization"),
            operations[1] if operations else (),
        )

    @_statement
    def resource(self, meta: Span, children: list) -> Primitive:
        name, agent_token, *rest = children
        params, resource_meta, utilization, operations = self._primitive_parts(rest)
        agent = self._agent(agent_token)
        span = self.span_of(meta)
        if agent.is_fencing:
            self.error(span, f"'{self.text(name)}' is a fence device: write 'fence {self.text(name)} "
                       f"{agent} for <nodes> …'")
        return Primitive(self.text(name), agent, self.plain(params, "parameter"), resource_meta,
                         operations, utilization, span=span)

    @_statement
    def fence(self, meta: Span, children: list) -> Primitive:
        name, agent_token, targets, *rest = children
        params, resource_meta, utilization, operations = self._primitive_parts(rest)
        agent = self._agent(agent_token)
        span = self.span_of(meta)
        if not agent.is_fencing:
            self.error(self.span_of(agent_token),
                       f"a fence device needs a stonith agent (stonith:<type>), got '{agent}'")
        return Primitive(self.text(name), agent, self.plain(params, "parameter"), resource_meta,
                         operations, utilization, tuple(targets or ()), span=span)

    @_statement
    def fence_level(self, meta: Span, children: list) -> FencingLevel:
        index, target, *devices = children
        span = self.span_of(meta)
        if int(index) < 1:
            self.error(self.span_of(index), "fencing levels are numbered from 1")
        return FencingLevel(self.text(target), int(index), tuple(self.text(d) for d in devices),
                            span=span)

    @_statement
    def group(self, meta: Span, children: list) -> Group:
        name, *members, group_meta = children
        return Group(self.text(name), tuple(self.text(m) for m in members), self.meta_of(group_meta),
                     span=self.span_of(meta))

    def _clone(self, meta: Span, children: list, promotable: bool) -> Clone:
        name, child, *options, clone_meta = children
        specs = vocab.PROMOTABLE_OPTIONS if promotable else vocab.CLONE_OPTIONS
        if not promotable:
            for option in options:
                if option.key in vocab.PROMOTABLE_OPTIONS and option.key not in specs:
                    self.error(option.span, f"'{option.key}' is an option of promotable clones: "
                               f"write 'promotable {self.text(name)} of …'")
            options = [o for o in options if o.key not in vocab.PROMOTABLE_OPTIONS or o.key in specs]
        values = self.options(options, specs, "promotable" if promotable else "clone")
        return Clone(self.text(name), self.text(child), promotable=promotable,
                     meta=self.meta_of(clone_meta), span=self.span_of(meta), **values)

    @_statement
    def clone(self, meta: Span, children: list) -> Clone:
        return self._clone(meta, children, promotable=False)

    @_statement
    def promotable(self, meta: Span, children: list) -> Clone:
        return self._clone(meta, children, promotable=True)

    @_statement
    def bundle(self, meta: Span, children: list) -> BundleStatement:
        name, launcher, *params, bundle_meta, body = children
        span = self.span_of(meta)
        bid, kind = self.text(name), self.text(launcher)
        if kind not in LAUNCHERS:
            self.error(self.span_of(launcher), f"bundle '{bid}': the container is run by docker, podman or rkt, "
                       f"not '{kind}'")
        values = dict(self.plain(params, "bundle option"))
        unknown = sorted(set(values) - set(BUNDLE_OPTIONS))
        if unknown:
            self.error(span, f"bundle '{bid}': unknown option '{unknown[0]}'"
                       + did_you_mean(unknown[0], BUNDLE_OPTIONS))

        def count(key: str, default: int, least: int) -> int:
            text = values.pop(key, None)
            if text is None:
                return default
            if not text.isdigit() or int(text) < least:
                self.error(span, f"bundle '{bid}': {key}={text} is not a count of at least {least}")
                return default
            return int(text)

        promoted_max = count("promoted-max", 0, 0)
        child = body
        bundle = Bundle(
            id=bid,
            launcher=kind,
            image=values.pop("image", None),
            replicas=count("replicas", promoted_max or 1, 1),
            per_host=count("replicas-per-host", 1, 1),
            promoted_max=promoted_max,
            ip_range_start=values.pop("ip-range-start", None),
            control_port=values.pop("control-port", None),
            child=child.id if child is not None else None,
            attribute_target=values.pop("container-attribute-target", None),
            options=frozen_map({k: v for k, v in values.items() if k in BUNDLE_OPTIONS}),
            meta=self.meta_of(bundle_meta),
            span=span,
        )
        if child is not None and not valid_network(bundle):
            # compat(pacemaker): pe__unpack_bundle refuses to control a child it cannot reach.
            self.error(span, f"bundle '{bid}': cannot control '{child.id}' without either ip-range-start "
                       "or control-port")
        if bundle.control_port is not None and bundle.ip_range_start is None and bundle.per_host > 1:
            self.error(span, f"bundle '{bid}': a control-port without ip-range-start needs replicas-per-host=1")
        return BundleStatement(bundle, child, span)

    def bundle_body(self, children: list) -> Primitive | None:
        return children[0] if children else None

    @_statement
    def stickiness(self, meta: Span, children: list) -> StickinessStatement:
        return StickinessStatement(self.text(children[0]), children[1], self.span_of(meta))

    # ------------------------------------------------------------------ rules

    def comparison(self, children: list) -> Comparison:
        attribute, comparator, literal, value_type = children
        return Comparison(self.text(attribute), Operator(str(comparator)), self.text(literal),
                          value_type, span=self.span_of(attribute))

    def defined(self, children: list) -> Defined:
        return Defined(self.text(children[-1]), span=self.span_of(children[-1]))

    def not_defined(self, children: list) -> Defined:
        return Defined(self.text(children[-1]), negated=True, span=self.span_of(children[-1]))

    def _join(self, op: str, children: list) -> BoolExpr:
        # Flatten a and (b and c) into one operand list: it means the same.
        operands: list[Any] = []
        for child in children:
            if isinstance(child, BoolExpr) and child.op == op:
                operands.extend(child.operands)
            else:
                operands.append(child)
        return BoolExpr(op, tuple(operands), span=operands[0].span)

    def all_of(self, children: list) -> BoolExpr:
        return self._join("and", children)

    def any_of(self, children: list) -> BoolExpr:
        return self._join("or", children)

    # ------------------------------------------------------------------ location

    def located(self, children: list) -> Located:
        role, direction, where, score_spec = children
        span = self.span_of(direction)
        avoid = str(direction) == "avoids"
        score_attribute = score_spec if isinstance(score_spec, str) else None
        if isinstance(score_spec, int):
            score = -score_spec if avoid else score_spec
        else:
            score = -INFINITY if avoid else INFINITY
        if isinstance(where, Token):
            if score_attribute is not None:
                self.error(span, "score-attribute needs a rule: prefers (<expression>) "
                           "score-attribute <name>")
            return Located(role, self.text(where), None, score, span)
        if avoid and score_attribute is not None:
            self.error(span, "'avoids' cannot take its score from an attribute; use 'prefers'")
        rule = Rule(where, 0 if score_attribute else score, score_attribute, role, span=span)
        return Located(role, None, rule, score, span)

    @_statement
    def location(self, meta: Span, children: list) -> Location:
        label, target, *rest = children
        span = self.span_of(meta)
        clauses = [c for c in rest if isinstance(c, Located)]
        params = [c for c in rest if isinstance(c, Param)]
        values = self.options(params, vocab.LOCATION_OPTIONS, "location")
        if isinstance(target, tuple):
            resource, pattern = None, target[1]
        else:
            resource, pattern = self.text(target), None
        if not clauses:
            self.error(span, "a location block needs at least one 'prefers' or 'avoids' rule")
            return Location(resource, pattern, node="", id=label, span=span)
        if len(clauses) == 1 and clauses[0].node is not None:
            only = clauses[0]
            return Location(resource, pattern, node=only.node, score=only.score, role=only.role,
                            id=label, span=span, **values)
        for clause in clauses:
            if clause.node is not None:
                self.error(clause.span, "a location block holds rules only; write one "
                           f"'location … prefers {clause.node}' statement per node")
        rules = tuple(c.rule for c in clauses if c.rule is not None)
        return Location(resource, pattern, rules=rules, id=label, span=span, **values)

    # ------------------------------------------------------------------ colocation

    def member(self, children: list) -> tuple[str, Role | None, Span]:
        return (self.text(children[0]), children[1], self.span_of(children[0]))

    def resource_set(self, children: list) -> ResourceSet:
        children = self.params(children)
        names = tuple(self.text(c) for c in children if isinstance(c, Token))
        params = [c for c in children if isinstance(c, Param)]
        values = self.options(params, vocab.SET_OPTIONS, "set")
        first = children[0]
        return ResourceSet(names, span=first.span if isinstance(first, Param) else self.span_of(first), **values)

    def _colocation(self, meta: Span, children: list, apart: bool) -> Colocation:
        label, dependent, primary, score, attribute, *params = children
        span = self.span_of(meta)
        values = self.options(params, vocab.COLOCATION_OPTIONS, "colocation")
        if score is None:
            score = INFINITY
        if apart:
            if score < 0:
                self.error(span, "'apart from' takes a positive score (it is negated); "
                           f"write 'apart from {primary[0]} {-score}'")
            score = -abs(score)
        if score == 0:
            self.problems.append(Diagnostic(Severity.WARNING, "a colocation with score 0 has no effect "
                                            "(Pacemaker ignores it)", span))
        return Colocation(dependent[0], primary[0], score, dependent[1], primary[1], attribute,
                          id=label, span=span, **values)

    @_statement
    def colocate_with(self, meta: Span, children: list) -> Colocation:
        return self._colocation(meta, children, apart=False)

    @_statement
    def colocate_apart(self, meta: Span, children: list) -> Colocation:
        return self._colocation(meta, children, apart=True)

    @_statement
    def colocate_sets(self, meta: Span, children: list) -> ColocationSet:
        label, *rest = children
        sets = tuple(c for c in rest if isinstance(c, ResourceSet))
        score, attribute, *params = rest[len(sets):]
        span = self.span_of(meta)
        self.options(params, {}, "colocation set")
        for item in sets:
            if item.action is not None:
                self.error(item.span, "a colocation set has no action (that is for order sets)")
            if not item.require_all:
                self.error(item.span, "require-all is for order sets")
        return ColocationSet(sets, INFINITY if score is None else score, attribute, id=label,
                             span=span)

    # ------------------------------------------------------------------ order

    def step(self, children: list) -> tuple[str, Action | None]:
        return (self.text(children[0]), children[1])

    @_statement
    def order_pair(self, meta: Span, children: list) -> Order:
        label, first, then, kind, *params = children
        values = self.options(params, vocab.ORDER_OPTIONS, "order")
        return Order(first[0], then[0], first[1] or Action.START, then[1],
                     kind or OrderKind.MANDATORY, id=label, span=self.span_of(meta), **values)

    @_statement
    def order_sets(self, meta: Span, children: list) -> OrderSet:
        label, *rest = children
        sets = tuple(c for c in rest if isinstance(c, ResourceSet))
        kind, *params = rest[len(sets):]
        values = self.options(params, vocab.ORDER_OPTIONS, "order")
        for item in sets:
            if item.role is not None:
                self.error(item.span, "an order set has no role (that is for colocation sets)")
        return OrderSet(sets, kind or OrderKind.MANDATORY, id=label, span=self.span_of(meta),
                        **values)

    def start(self, children: list) -> list:
        return children


def _key_value(token: Token) -> tuple[str, str]:
    """The key and the value of a ``key=value`` token, unquoted."""
    # Slices of a token are plain strings; only quoted text needs unquoting.
    if token[0] == '"':
        split = _quoted_prefix_length(token)
        key = unquote(token[:split])
    else:
        split = token.index("=")
        key = token[:split]
    value = token[split + 1:]
    if value[:1] == '"':
        value = unquote(value)
    return key, value


def _quoted_prefix_length(text: str) -> int:
    """Length of the quoted string ``text`` starts with (the grammar guarantees it closes)."""
    index = 1
    while text[index] != '"':
        index += 2 if text[index] == "\\" else 1
    return index + 1


def assemble(statements: list, path: str | None, problems: list[Diagnostic]) -> Config:
    """Put built statements into a `Config`, reporting duplicate definitions."""
    cluster = ClusterOptions()
    cluster_span: Span | None = None
    defaults = Meta()
    op_defaults: dict[str, str] = {}
    nodes: dict[str, Node] = {}
    resources: dict[str, Any] = {}
    constraints: list[Constraint] = []
    levels: list[FencingLevel] = []
    stickiness: list[StickinessStatement] = []
    labels: dict[str, Span | None] = {}
    bundles: dict[str, BundleStatement] = {}

    def duplicate(kind: str, name: str, span: Span | None, first: Span | None) -> None:
        where = f" (first defined at line {first.line})" if first else ""
        problems.append(Diagnostic(Severity.ERROR, f"{kind} '{name}' is defined twice{where}", span))

    for item in statements:
        if isinstance(item, ClusterOptions):
            if cluster_span is not None:
                duplicate("cluster options", "cluster", item.span, cluster_span)
            cluster, cluster_span = item, item.span
        elif isinstance(item, DefaultsStatement):
            defaults = item.meta.over(defaults)
        elif isinstance(item, OpDefaultsStatement):
            op_defaults.update(item.options)
        elif isinstance(item, Node):
            if item.name in nodes:
                duplicate("node", item.name, item.span, nodes[item.name].span)
            else:
                nodes[item.name] = item
        elif isinstance(item, (Primitive, Group, Clone)):
            if item.id in resources:
                duplicate("resource", item.id, item.span, resources[item.id].span)
            else:
                resources[item.id] = item
        elif isinstance(item, FencingLevel):
            levels.append(item)
        elif isinstance(item, StickinessStatement):
            stickiness.append(item)
        elif isinstance(item, BundleStatement):
            if item.bundle.id in resources or item.bundle.id in bundles:
                first = bundles[item.bundle.id].span if item.bundle.id in bundles else resources[item.bundle.id].span
                duplicate("resource", item.bundle.id, item.span, first)
                continue
            bundles[item.bundle.id] = item
            # Expanded where it stands, so its resources keep the bundle's place in the order.
            for rid, resource in expand_bundle(item.bundle, item.child, {}).resources.items():
                if rid in resources:
                    duplicate("resource", rid, item.span, resources[rid].span)
                else:
                    resources[rid] = resource
        else:
            label = getattr(item, "id", None)
            if label is not None:
                if label in labels:
                    duplicate("constraint", label, item.span, labels[label])
                labels[label] = item.span
            constraints.append(item)

    for statement in stickiness:
        resource = resources.get(statement.resource)
        if resource is None:
            problems.append(Diagnostic(
                Severity.ERROR,
                f"stickiness: resource '{statement.resource}' does not exist"
                + did_you_mean(statement.resource, resources),
                statement.span))
            continue
        if resource.meta.stickiness is not None:
            problems.append(Diagnostic(Severity.ERROR,
                                       f"stickiness of '{statement.resource}' is set twice",
                                       statement.span))
            continue
        resources[statement.resource] = replace(
            resource, meta=replace(resource.meta, stickiness=statement.score))

    # What names a bundle goes to its parts, as the CIB import does; then what the bundles imply.
    constraints = list(retarget(tuple(constraints), {bid: s.bundle for bid, s in bundles.items()}))
    for statement in bundles.values():
        expansion = expand_bundle(statement.bundle, statement.child, nodes)
        nodes.update(expansion.nodes)
        constraints.extend(expansion.constraints)

    return Config(
        cluster=cluster,
        nodes=frozen_map(nodes),
        resources=frozen_map(resources),
        constraints=tuple(constraints),
        bundles=frozen_map({bid: statement.bundle for bid, statement in bundles.items()}),
        fencing_levels=tuple(levels),
        resource_defaults=defaults,
        op_defaults=frozen_map(op_defaults),
        source=path,
    )


def build(tree: Tree, path: str | None) -> tuple[Config, list[Diagnostic]]:
    """Turn a parse tree into a `Config` and the problems found on the way."""
    builder = Builder(path)
    statements = builder.transform(tree)
    problems = builder.problems
    config = assemble(statements, path, problems)
    return config, problems


BUNDLE_OPTIONS = ("image", "replicas", "replicas-per-host", "promoted-max", "ip-range-start", "control-port",
                  "container-attribute-target", "network", "run-command", "options")

# The state of the parse running in this thread (or asyncio task) for the shared inline builder.
_CURRENT: ContextVar[ParseState] = ContextVar("placement.lang.build.current")


class _InlineBuilder(Builder):
    """The builder of the cached inline parser: it keeps no state, it uses the current parse's.

    lark binds the parser's callbacks to one transformer when the parser is built; the
    state each parse needs (path, problems) is set by `build_text` in a context variable,
    so parses in several threads at once keep their diagnostics apart.
    """

    def __init__(self) -> None:
        Transformer.__init__(self, visit_tokens=False)

    @property
    def state(self) -> ParseState:
        return _CURRENT.get()


@cache
def inline_parser() -> Lark:
    """The parser (built once) that builds the model while it parses, instead of a tree."""
    return make_parser(transformer=_InlineBuilder())


def build_text(text: str, path: str | None = None) -> tuple[Config, list[Diagnostic]]:
    """Parse ``text`` into a `Config` and the problems found, building during the parse.

    The same as ``build(parse_tree(text, path), path)``, without the tree in between.
    Raises `InvalidInput` for a syntax error.
    """
    state = ParseState(path)
    token = _CURRENT.set(state)
    try:
        statements = parse_with(inline_parser(), text, path)
    finally:
        _CURRENT.reset(token)
    config = assemble(statements, path, state.problems)
    return config, state.problems

