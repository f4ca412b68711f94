"""The cluster configuration as immutable data: nodes, resources, constraints.

One frozen dataclass per kind. The parser (`placement.lang`) and the CIB
importer (`placement.cib`) both build these; the solver, the transition builder
and the renderers only read them. Nothing here knows about text or XML.

Positions (`Span`) are kept for diagnostics but do not take part in equality,
so a configuration parsed from formatted text equals the original.

Mappings are read-only (`types.MappingProxyType`) and keep definition order;
`Config.resources` holds every resource (primitives, groups, clones) by id in
the order they were defined, a container after its children.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from types import MappingProxyType

from placement.score import INFINITY

EMPTY: Mapping[str, str] = MappingProxyType({})


def frozen_map(items: Mapping | None = None) -> Mapping:
    """A read-only copy of ``items`` that keeps its order."""
    return MappingProxyType(dict(items or {}))


@dataclass(frozen=True, slots=True)
class Span:
    """Where something was written: file, 1-based line and column."""

    file: str | None
    line: int
    column: int

    def __str__(self) -> str:
        return f"{self.file or '<string>'}:{self.line}:{self.column}"


def _no_items() -> Mapping:
    # A read-only mapping is unhashable, so dataclasses want a factory for it.
    return field(default_factory=lambda: EMPTY)  # type: ignore[return-value]


def _span() -> Span | None:
    return field(default=None, compare=False, repr=False)  # type: ignore[return-value]


class Role(enum.Enum):
    """A resource's role. ``STARTED`` covers unpromoted non-promotable resources."""

    STOPPED = "stopped"
    STARTED = "started"
    UNPROMOTED = "unpromoted"
    PROMOTED = "promoted"

    @classmethod
    def parse(cls, text: str) -> Role:
        """Accept Pacemaker's spellings, old and new (``Master``/``Slave`` too)."""
        word = text.strip().lower()
        aliases = {"master": "promoted", "slave": "unpromoted"}
        return cls(aliases.get(word, word))

    @property
    def pacemaker(self) -> str:
        """The name Pacemaker 2.1 uses (``Promoted``)."""
        return self.value.capitalize()


class Strategy(enum.Enum):
    """``placement-strategy``: how utilization is taken into account (§6.3)."""

    DEFAULT = "default"
    UTILIZATION = "utilization"
    MINIMAL = "minimal"
    BALANCED = "balanced"


class NoQuorumPolicy(enum.Enum):
    """What a partition without quorum does (§2)."""

    STOP = "stop"
    FREEZE = "freeze"
    IGNORE = "ignore"
    DEMOTE = "demote"
    SUICIDE = "suicide"


class FencingAction(enum.Enum):
    """``stonith-action``: what fencing does to a node."""

    REBOOT = "reboot"
    OFF = "off"


class OrderKind(enum.Enum):
    """Order constraint kinds (§7)."""

    MANDATORY = "mandatory"
    OPTIONAL = "optional"
    SERIALIZE = "serialize"


class Action(enum.Enum):
    """Actions an order constraint can name."""

    START = "start"
    STOP = "stop"
    PROMOTE = "promote"
    DEMOTE = "demote"


class NodeKind(enum.Enum):
    """What a node is (SEMANTICS.md §2): a cluster member, or a node reached through a resource.

    A *remote* node runs pacemaker-remoted and is up while its connection resource
    (``ocf:pacemaker:remote``) runs on a cluster node; a *guest* node is a VM or container
    run by a resource (Pacemaker's ``remote-node`` meta), up while that resource runs.
    """

    CLUSTER = "cluster"
    REMOTE = "remote"
    GUEST = "guest"


class Discovery(enum.Enum):
    """``resource-discovery`` on a location constraint (§3)."""

    ALWAYS = "always"
    NEVER = "never"
    EXCLUSIVE = "exclusive"


# ----------------------------------------------------------------------------- cluster


@dataclass(frozen=True, slots=True)
class ClusterOptions:
    """Cluster-wide options (Pacemaker's ``crm_config`` and the stickiness default)."""

    stickiness: int | None = None  # resource-stickiness default; None = unset (clones then use 1)
    symmetric: bool = True
    fencing: bool = True
    fencing_action: FencingAction = FencingAction.REBOOT
    strategy: Strategy = Strategy.DEFAULT
    no_quorum: NoQuorumPolicy = NoQuorumPolicy.STOP
    maintenance: bool = False
    stop_all: bool = False
    start_failure_is_fatal: bool = True
    concurrent_fencing: bool = False
    name: str | None = None
    span: Span | None = _span()


@dataclass(frozen=True, slots=True)
class Node:
    """A cluster node with its permanent attributes and utilization capacity."""

    name: str
    attributes: Mapping[str, str] = _no_items()
    capacity: Mapping[str, int] = _no_items()
    standby: bool = False
    maintenance: bool = False
    score: int = 0
    span: Span | None = _span()
    # A remote node's connection resource, a guest node's container (None for cluster nodes).
    kind: NodeKind = NodeKind.CLUSTER
    via: str | None = None


# ----------------------------------------------------------------------------- resources


@dataclass(frozen=True, slots=True)
class Agent:
    """A resource agent: ``class[:provider]:type`` (``ocf:heartbeat:IPaddr2``, ``stonith:fence_ipmilan``)."""

    standard: str
    provider: str | None
    type: str

    def __str__(self) -> str:
        if self.provider:
            return f"{self.standard}:{self.provider}:{self.type}"
        return f"{self.standard}:{self.type}"

    @classmethod
    def parse(cls, text: str) -> Agent:
        """Split an agent spec; raises ``ValueError`` when it has the wrong shape.

        >>> str(Agent.parse("ocf:heartbeat:Dummy")), Agent.parse("stonith:fence_dummy").type
        ('ocf:heartbeat:Dummy', 'fence_dummy')
        """
        parts = text.split(":")
        if len(parts) == 3 and all(parts):
            return cls(parts[0], parts[1], parts[2])
        if len(parts) == 2 and all(parts):
            return cls(parts[0], None, parts[1])
        raise ValueError(f"agent {text!r} is not 'class:provider:type' or 'class:type'")

    @property
    def is_fencing(self) -> bool:
        return self.standard == "stonith"


@dataclass(frozen=True, slots=True)
class Meta:
    """Resource meta-attributes that change planning; ``None`` = not set here.

    Unset values fall back to the parent (group/clone), then the resource
    defaults, then Pacemaker's default (see `placement.hierarchy.effective_meta`).
    """

    priority: int | None = None
    stickiness: int | None = None
    target_role: Role | None = None
    managed: bool | None = None
    maintenance: bool | None = None
    migration_threshold: int | None = None
    failure_timeout: int | None = None  # seconds; 0 = failures never expire
    allow_migrate: bool | None = None
    requires: str | None = None  # nothing | quorum | fencing | unfencing
    critical: bool | None = None
    multiple_active: str | None = None  # stop_start | stop_only | block | stop_unexpected

    def over(self, fallback: Meta) -> Meta:
        """This meta with every unset value taken from ``fallback``."""
        return Meta(
            **{
                name: getattr(self, name) if getattr(self, name) is not None else getattr(fallback, name)
                for name in Meta.__dataclass_fields__
            }
        )


NO_META = Meta()


@dataclass(frozen=True, slots=True)
class Operation:
    """A configured operation (``monitor every 10s timeout 20s``); times in milliseconds."""

    name: str
    interval_ms: int = 0
    timeout_ms: int | None = None
    role: Role | None = None
    on_fail: str | None = None
    options: Mapping[str, str] = _no_items()  # other operation attributes (enabled, start-delay…)
    params: Mapping[str, str] = _no_items()  # instance attributes of the op (OCF_CHECK_LEVEL…)
    span: Span | None = _span()


@dataclass(frozen=True, slots=True)
class Primitive:
    """A resource run by an agent. Fence devices are primitives of class ``stonith``.

    ``fences`` lists the nodes a fence device can fence (``pcmk_host_list``);
    empty means the device can fence any node.
    """

    id: str
    agent: Agent
    params: Mapping[str, str] = _no_items()
    meta: Meta = NO_META
    operations: tuple[Operation, ...] = ()
    utilization: Mapping[str, int] = _no_items()
    fences: tuple[str, ...] = ()
    span: Span | None = _span()


@dataclass(frozen=True, slots=True)
class Group:
    """An ordered, colocated list of primitives (§8)."""

    id: str
    members: tuple[str, ...]
    meta: Meta = NO_META
    span: Span | None = _span()


@dataclass(frozen=True, slots=True)
class Clone:
    """Copies of a primitive or group on several nodes; promotable when ``promotable``.

    ``None`` means Pacemaker's default: ``max`` = number of nodes, ``per_node`` = 1,
    ``promoted_max`` = ``promoted_per_node`` = 1.
    """

    id: str
    child: str
    max: int | None = None
    per_node: int | None = None
    min: int | None = None
    interleave: bool = False
    ordered: bool = False
    globally_unique: bool = False
    notify: bool = False
    promotable: bool = False
    promoted_max: int | None = None
    promoted_per_node: int | None = None
    meta: Meta = NO_META
    span: Span | None = _span()


Resource = Primitive | Group | Clone


@dataclass(frozen=True, slots=True)
class FencingLevel:
    """One fencing-topology level: try these devices together, in this order."""

    target: str
    index: int
    devices: tuple[str, ...]
    id: str | None = None
    span: Span | None = _span()


# ----------------------------------------------------------------------------- rules


class Operator(enum.Enum):
    """Comparison operators in rule expressions."""

    EQ = "=="
    NE = "!="
    LT = "<"
    LE = "<="
    GT = ">"
    GE = ">="


class ValueType(enum.Enum):
    """How a rule compares values (Pacemaker's ``type``)."""

    STRING = "string"
    INTEGER = "integer"
    NUMBER = "number"
    VERSION = "version"


@dataclass(frozen=True, slots=True)
class Comparison:
    """``attribute op value`` over a node attribute; ``type`` None = Pacemaker's default."""

    attribute: str
    operator: Operator
    value: str
    type: ValueType | None = None
    span: Span | None = _span()


@dataclass(frozen=True, slots=True)
class Defined:
    """``defined attr`` (or ``not defined attr`` when ``negated``)."""

    attribute: str
    negated: bool = False
    span: Span | None = _span()


@dataclass(frozen=True, slots=True)
class BoolExpr:
    """``and`` / ``or`` of two or more expressions."""

    op: str  # "and" | "or"
    operands: tuple[Expression, ...]
    span: Span | None = _span()


Expression = Comparison | Defined | BoolExpr


@dataclass(frozen=True, slots=True)
class Rule:
    """A location rule: nodes matching ``expression`` get ``score`` (or an attribute's value)."""

    expression: Expression
    score: int = 0
    score_attribute: str | None = None
    role: Role | None = None
    id: str | None = None
    span: Span | None = _span()


# ----------------------------------------------------------------------------- constraints


@dataclass(frozen=True, slots=True)
class Location:
    """A location constraint: a score for one node, or rules over node attributes.

    Exactly one of ``resource`` / ``pattern`` is set, and exactly one of ``node`` / ``rules``.
    ``score`` and ``role`` belong to the node form; each rule carries its own.
    """

    resource: str | None = None
    pattern: str | None = None
    node: str | None = None
    score: int = INFINITY
    rules: tuple[Rule, ...] = ()
    role: Role | None = None
    discovery: Discovery | None = None
    id: str | None = None
    span: Span | None = _span()
    # One instance of a globally-unique clone (``"0"`` for ``web:0``), or None for every copy.
    # Only the CIB importer's failure bans set it: Pacemaker bans the instance that failed.
    instance: str | None = None


@dataclass(frozen=True, slots=True)
class Colocation:
    """``dependent`` runs with (score > 0) or apart from (score < 0) ``primary``."""

    dependent: str
    primary: str
    score: int = INFINITY
    dependent_role: Role | None = None
    primary_role: Role | None = None
    node_attribute: str | None = None  # None = the node itself (#uname)
    influence: bool | None = None
    id: str | None = None
    span: Span | None = _span()


@dataclass(frozen=True, slots=True)
class ResourceSet:
    """A resource set inside a set constraint (``[a b c sequential=false]``)."""

    resources: tuple[str, ...]
    sequential: bool = True
    require_all: bool = True
    role: Role | None = None
    action: Action | None = None
    id: str | None = None
    span: Span | None = _span()


@dataclass(frozen=True, slots=True)
class ColocationSet:
    """A colocation over resource sets (§5 "Sets")."""

    sets: tuple[ResourceSet, ...]
    score: int = INFINITY
    node_attribute: str | None = None
    id: str | None = None
    span: Span | None = _span()


@dataclass(frozen=True, slots=True)
class Order:
    """``first`` (its ``first_action``) happens before ``then`` (its ``then_action``)."""

    first: str
    then: str
    first_action: Action = Action.START
    then_action: Action | None = None  # None = same as first_action
    kind: OrderKind = OrderKind.MANDATORY
    symmetrical: bool | None = None  # None = true, except serialize
    id: str | None = None
    span: Span | None = _span()


@dataclass(frozen=True, slots=True)
class OrderSet:
    """An order over resource sets (§7 "Ordered sets")."""

    sets: tuple[ResourceSet, ...]
    kind: OrderKind = OrderKind.MANDATORY
    symmetrical: bool | None = None
    id: str | None = None
    span: Span | None = _span()


Constraint = Location | Colocation | ColocationSet | Order | OrderSet


@dataclass(frozen=True, slots=True)
class Bundle:
    """A bundle: ``replicas`` containers, each maybe with an IP and a guest node for ``child``.

    The bundle itself is not a resource: `placement.bundle.expand` turns it into the
    primitives, clone, guest nodes and constraints Pacemaker makes of it
    (``pe__unpack_bundle``); this record keeps what later rules need (its members, the
    replicas per host, the guest nodes reserved for its child).
    """

    id: str
    launcher: str = "docker"  # docker | podman | rkt: the container agent
    image: str | None = None
    replicas: int = 1
    per_host: int = 1
    promoted_max: int = 0
    ip_range_start: str | None = None
    control_port: str | None = None
    child: str | None = None  # the inner primitive
    attribute_target: str | None = None  # the child's container-attribute-target ("host": read the host's)
    options: Mapping[str, str] = _no_items()  # other launcher/network attributes, kept for printing
    meta: Meta = NO_META
    span: Span | None = _span()


# ----------------------------------------------------------------------------- root


@dataclass(frozen=True)
class Config:
    """A whole cluster configuration."""

    cluster: ClusterOptions = ClusterOptions()
    nodes: Mapping[str, Node] = _no_items()
    resources: Mapping[str, Resource] = _no_items()
    constraints: tuple[Constraint, ...] = ()
    fencing_levels: tuple[FencingLevel, ...] = ()
    resource_defaults: Meta = NO_META
    op_defaults: Mapping[str, str] = _no_items()
    bundles: Mapping[str, Bundle] = _no_items()  # already expanded into resources, nodes, constraints
    source: str | None = field(default=None, compare=False)

    @cached_property
    def primitives(self) -> dict[str, Primitive]:
        """Every primitive (fence devices included), in definition order (computed once)."""
        return {rid: r for rid, r in self.resources.items() if isinstance(r, Primitive)}
