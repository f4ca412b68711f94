"""Hypothesis strategies for whole configurations the language can express.

Every generated `Config` references only names it defines, so it is also a valid
input for the checker; names include odd ones that need quoting and keywords.
"""

from __future__ import annotations

import string

from hypothesis import strategies as st

from placement.model import (
    Action,
    Agent,
    BoolExpr,
    Clone,
    ClusterOptions,
    Colocation,
    ColocationSet,
    Comparison,
    Config,
    Defined,
    Discovery,
    FencingAction,
    FencingLevel,
    Group,
    Location,
    Meta,
    Node,
    NoQuorumPolicy,
    Operation,
    Operator,
    Order,
    OrderKind,
    OrderSet,
    Primitive,
    ResourceSet,
    Role,
    Rule,
    Strategy,
    ValueType,
    frozen_map,
)
from placement.score import INFINITY

BARE = st.from_regex(r"[A-Za-z_][A-Za-z0-9_.-]{0,8}", fullmatch=True)
ODD = st.text(alphabet=string.ascii_letters + string.digits + " #:/\"\\=é-", min_size=1, max_size=8)
NAMES = st.one_of(BARE, BARE, BARE, ODD, st.sampled_from(["with", "start", "inf", "node", "promoted"]))
KEYS = st.one_of(st.from_regex(r"[a-z_0-9][a-z0-9_.-]{0,8}", fullmatch=True),
                 st.text(alphabet=string.ascii_letters + " =\"\\-", min_size=1, max_size=6)).filter(
    lambda k: k not in {"standby", "maintenance"})
VALUES = st.one_of(
    st.from_regex(r"[A-Za-z0-9_./:,-]{1,12}", fullmatch=True),
    st.text(alphabet=string.printable, max_size=12),
)
SCORES = st.one_of(st.integers(-INFINITY, INFINITY), st.sampled_from([INFINITY, -INFINITY, 0]))
DURATIONS = st.one_of(st.integers(0, 10**7), st.sampled_from([0, 10_000, 60_000, 3_600_000]))
SIZES = st.one_of(st.integers(0, 10**6), st.sampled_from([1 << 30, 64 << 30, 512 << 20]))


def _optional(strategy: st.SearchStrategy) -> st.SearchStrategy:
    return st.one_of(st.none(), strategy)


def _mapping(keys: st.SearchStrategy, values: st.SearchStrategy, max_size: int = 3) -> st.SearchStrategy:
    return st.dictionaries(keys, values, max_size=max_size).map(frozen_map)


METAS = st.builds(
    Meta,
    priority=_optional(st.integers(-1000, 1000)),
    stickiness=_optional(SCORES),
    target_role=_optional(st.sampled_from(Role)),
    managed=_optional(st.booleans()),
    migration_threshold=_optional(SCORES),
    failure_timeout=_optional(st.integers(0, 100_000)),
    allow_migrate=_optional(st.booleans()),
    requires=_optional(st.sampled_from(["nothing", "quorum", "fencing"])),
    critical=_optional(st.booleans()),
    multiple_active=_optional(st.sampled_from(["stop_start", "block"])),
)

OPERATIONS = st.builds(
    Operation,
    name=st.sampled_from(["monitor", "start", "stop", "promote", "demote", "migrate_to", "notify"]),
    interval_ms=DURATIONS,
    timeout_ms=_optional(DURATIONS),
    role=_optional(st.sampled_from([Role.PROMOTED, Role.UNPROMOTED])),
    on_fail=_optional(st.sampled_from(["restart", "block", "fence", "ignore"])),
    options=_mapping(st.sampled_from(["enabled", "start-delay", "record-pending"]), VALUES, 2),
    params=_mapping(st.from_regex(r"[A-Z][A-Z_]{2,10}", fullmatch=True), VALUES, 2),
)

CLUSTERS = st.builds(
    ClusterOptions,
    stickiness=_optional(SCORES),
    symmetric=st.booleans(),
    fencing=st.booleans(),
    fencing_action=st.sampled_from(FencingAction),
    strategy=st.sampled_from(Strategy),
    no_quorum=st.sampled_from(NoQuorumPolicy),
    maintenance=st.booleans(),
    stop_all=st.booleans(),
    start_failure_is_fatal=st.booleans(),
    concurrent_fencing=st.booleans(),
    name=_optional(VALUES),
)


def _expressions(attributes: st.SearchStrategy) -> st.SearchStrategy:
    leaves = st.one_of(
        st.builds(Comparison, attributes, st.sampled_from(Operator), VALUES,
                  _optional(st.sampled_from(ValueType))),
        st.builds(Defined, attributes, st.booleans()),
    )

    def join(children: st.SearchStrategy) -> st.SearchStrategy:
        # Operands of an `and` are never themselves `and`s: the parser flattens those.
        def build(op: str, operands: list) -> BoolExpr:
            flat = []
            for operand in operands:
                flat.extend(operand.operands if isinstance(operand, BoolExpr) and operand.op == op
                            else [operand])
            return BoolExpr(op, tuple(flat))
        return st.builds(build, st.sampled_from(["and", "or"]), st.lists(children, min_size=2, max_size=3))

    return st.recursive(leaves, join, max_leaves=5)


@st.composite
def configs(draw: st.DrawFn) -> Config:
    """A whole configuration: nodes, primitives, groups, clones, fencing, constraints."""
    node_names = draw(st.lists(NAMES, min_size=1, max_size=4, unique=True))
    nodes = {
        name: Node(
            name,
            attributes=draw(_mapping(KEYS, VALUES)),
            capacity=draw(_mapping(KEYS, SIZES, 2)),
            standby=draw(st.booleans()),
            maintenance=draw(st.booleans()),
            score=draw(st.sampled_from([0, 0, 10, -INFINITY])),
        )
        for name in node_names
    }
    rids = draw(st.lists(NAMES, min_size=1, max_size=7, unique=True).filter(
        lambda ids: not set(ids) & set(node_names)))
    resources: dict = {}
    primitive_ids = rids[: max(1, len(rids) - 2)]
    for rid in primitive_ids:
        fencing = draw(st.booleans()) and len(resources) < 2
        resources[rid] = Primitive(
            rid,
            Agent("stonith", None, "fence_dummy") if fencing
            else draw(st.sampled_from([Agent("ocf", "heartbeat", "Dummy"), Agent("systemd", None, "httpd"),
                                       Agent("ocf", "pacemaker", "Stateful")])),
            params=draw(_mapping(KEYS, VALUES)),
            meta=draw(METAS),
            operations=tuple(draw(st.lists(OPERATIONS, max_size=2))),
            utilization=draw(_mapping(KEYS, SIZES, 2)),
            fences=tuple(draw(st.lists(st.sampled_from(node_names), max_size=2, unique=True)))
            if fencing else (),
        )
    plain = [rid for rid in primitive_ids if not resources[rid].agent.is_fencing]
    containers = rids[len(primitive_ids):]
    free = list(plain)
    for cid in containers:
        if not free:
            break
        if draw(st.booleans()) and len(free) >= 1:
            members = free[: draw(st.integers(1, len(free)))]
            free = free[len(members):]
            resources[cid] = Group(cid, tuple(members), draw(METAS))
        else:
            child = free.pop(0)
            promotable = draw(st.booleans())
            resources[cid] = Clone(
                cid, child,
                max=draw(_optional(st.integers(0, 5))), per_node=draw(_optional(st.integers(1, 3))),
                min=draw(_optional(st.integers(0, 3))), interleave=draw(st.booleans()),
                ordered=draw(st.booleans()), globally_unique=draw(st.booleans()),
                notify=draw(st.booleans()), promotable=promotable,
                promoted_max=draw(_optional(st.integers(0, 3))) if promotable else None,
                promoted_per_node=draw(_optional(st.integers(0, 3))) if promotable else None,
                meta=draw(METAS),
            )
    names = st.sampled_from(list(resources))
    node = st.sampled_from(node_names)
    labels = st.one_of(st.none(), NAMES)
    sets = st.builds(ResourceSet, st.lists(names, min_size=1, max_size=3).map(tuple),
                     st.booleans(), st.just(True), st.just(None), st.just(None), _optional(BARE))
    order_sets = st.builds(ResourceSet, st.lists(names, min_size=1, max_size=3).map(tuple),
                           st.booleans(), st.booleans(), st.just(None),
                           _optional(st.sampled_from(Action)), _optional(BARE))
    rules = st.builds(Rule, _expressions(st.one_of(KEYS, st.just("#uname"))), SCORES,
                      st.just(None), _optional(st.sampled_from([Role.STARTED, Role.STOPPED])))
    attribute_rules = st.builds(Rule, _expressions(KEYS), st.just(0), KEYS)
    constraint = st.one_of(
        st.builds(Location, names, st.none(), node, SCORES, st.just(()),
                  _optional(st.sampled_from([Role.STARTED, Role.STOPPED])),
                  _optional(st.sampled_from(Discovery)), labels),
        st.builds(Location, names, st.none(), st.none(), st.just(INFINITY),
                  st.lists(st.one_of(rules, attribute_rules), min_size=1, max_size=3).map(tuple),
                  st.none(), st.none(), labels),
        st.builds(Location, st.none(), st.text(min_size=1, max_size=6), node, SCORES, id=labels),
        st.builds(Colocation, names, names, SCORES.filter(bool), st.just(None), st.just(None),
                  _optional(KEYS), _optional(st.booleans()), labels),
        st.builds(ColocationSet, st.lists(sets, min_size=1, max_size=3).map(tuple), SCORES,
                  _optional(KEYS), labels),
        st.builds(Order, names, names, st.sampled_from([Action.START, Action.STOP]),
                  _optional(st.sampled_from([Action.START, Action.STOP])), st.sampled_from(OrderKind),
                  _optional(st.booleans()), labels),
        st.builds(OrderSet, st.lists(order_sets, min_size=1, max_size=3).map(tuple),
                  st.sampled_from(OrderKind), _optional(st.booleans()), labels),
    )
    levels = st.builds(FencingLevel, node, st.integers(1, 9),
                       st.lists(names, min_size=1, max_size=2).map(tuple))
    return Config(
        cluster=draw(CLUSTERS),
        nodes=frozen_map(nodes),
        resources=frozen_map(resources),
        constraints=tuple(draw(st.lists(constraint, max_size=6))),
        fencing_levels=tuple(draw(st.lists(levels, max_size=2))),
        resource_defaults=draw(METAS.map(lambda m: Meta(**{**{f: getattr(m, f) for f in Meta.__dataclass_fields__},
                                                              "stickiness": None}))),
        op_defaults=draw(_mapping(st.sampled_from(["timeout", "record-pending"]),
                                  st.sampled_from(["20s", "true", "90s"]), 2)),
    )
