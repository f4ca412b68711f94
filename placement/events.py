"""What-if events: things that happen to a cluster, applied to its configuration and state.

Each event is a small frozen dataclass; `apply_events` applies them in order and returns
the new configuration and state (a ban or a target-role change is configuration, like
``crm_resource --ban``; a node failure is state). Unknown names are `InvalidInput` with a
did-you-mean, never a silently ignored event.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from placement.errors import InvalidInput
from placement.hierarchy import Hierarchy
from placement.model import Clone, Config, Group, Location, Primitive, Role, frozen_map
from placement.score import INFINITY
from placement.state import FailCount, FailedOperation, Instance, NodeState, NodeStatus, State
from placement.suggest import did_you_mean

BAN_PREFIX = "cli-ban-"


@dataclass(frozen=True, slots=True)
class NodeDown:
    """The node is lost without a clean shutdown: it must be fenced before recovery
    (without fencing it is simply offline, and what it ran counts as stopped, as in Pacemaker)."""

    node: str


@dataclass(frozen=True, slots=True)
class NodeLeave:
    """The node shuts down cleanly: its resources are stopped, then it leaves."""

    node: str


@dataclass(frozen=True, slots=True)
class NodeUp:
    """The node (re)joins the cluster, running nothing."""

    node: str


@dataclass(frozen=True, slots=True)
class Standby:
    node: str


@dataclass(frozen=True, slots=True)
class Online:
    """The node leaves standby or maintenance."""

    node: str


@dataclass(frozen=True, slots=True)
class Fail:
    """An operation of ``resource`` fails on ``node`` (``monitor``, ``start`` or ``stop``)."""

    resource: str
    node: str
    operation: str = "monitor"


@dataclass(frozen=True, slots=True)
class SetAttribute:
    node: str
    name: str
    value: str


@dataclass(frozen=True, slots=True)
class Ban:
    """Keep ``resource`` off ``node`` (a ``-inf`` location, like ``crm_resource --ban``)."""

    resource: str
    node: str


@dataclass(frozen=True, slots=True)
class Clear:
    """Remove the bans that events put on ``resource``."""

    resource: str


@dataclass(frozen=True, slots=True)
class StopResource:
    """Set ``target-role=stopped``."""

    resource: str


@dataclass(frozen=True, slots=True)
class StartResource:
    """Set ``target-role=started`` (undo a stop)."""

    resource: str


Event = (NodeDown | NodeLeave | NodeUp | Standby | Online | Fail | SetAttribute | Ban | Clear | StopResource
         | StartResource)

OPERATIONS = ("monitor", "start", "stop")


def parse_resource_at_node(text: str, with_operation: bool = False) -> tuple[str, str, str]:
    """Split ``RSC@NODE[:op]`` as written on the command line."""
    where, _, operation = text.partition(":") if with_operation else (text, "", "")
    resource, at, node = where.rpartition("@")
    if not at or not resource or not node:
        shape = "RESOURCE@NODE[:monitor|start|stop]" if with_operation else "RESOURCE@NODE"
        raise InvalidInput(f"expected {shape}, got {text!r}")
    operation = operation or "monitor"
    if operation not in OPERATIONS:
        raise InvalidInput(f"{text!r}: the operation must be one of {', '.join(OPERATIONS)}")
    return resource, node, operation


def apply_events(config: Config, state: State, events: list[Event] | tuple[Event, ...]) -> tuple[Config, State]:
    """Apply ``events`` in order; raises `InvalidInput` for a name the configuration lacks."""
    for event in events:
        config, state = apply_event(config, state, event)
    return config, state


def apply_event(config: Config, state: State, event: Event) -> tuple[Config, State]:
    """One event's effect."""
    node = getattr(event, "node", None)
    if node is not None:
        _require_node(config, node)
    if isinstance(event, NodeDown):
        if not config.cluster.fencing:
            # compat(pacemaker): without fencing a lost node is simply offline
            # (determine_online_status_no_fencing) and what it ran is taken as stopped.
            kept = tuple(i for i in state.instances if i.node != event.node)
            down = replace(state.node(event.node), status=NodeStatus.OFFLINE)
            return config, replace(state, instances=kept).with_node(event.node, down)
        return config, state.with_node(event.node, replace(state.node(event.node), status=NodeStatus.UNCLEAN))
    if isinstance(event, NodeLeave):
        return config, state.with_node(event.node, replace(state.node(event.node), shutdown=True))
    if isinstance(event, NodeUp):
        # A returning node runs nothing: it was rebooted, or it was cleanly down.
        kept = tuple(i for i in state.instances if i.node != event.node)
        fresh = NodeState(NodeStatus.ONLINE, state.node(event.node).attributes)
        return config, replace(state, instances=kept).with_node(event.node, fresh)
    if isinstance(event, Standby):
        return config, state.with_node(event.node, replace(state.node(event.node), status=NodeStatus.STANDBY))
    if isinstance(event, Online):
        current = state.node(event.node)
        if not current.status.is_up:
            raise InvalidInput(f"node '{event.node}' is {current.status.value}: bring it up with --node-up")
        return config, state.with_node(event.node, replace(current, status=NodeStatus.ONLINE))
    if isinstance(event, SetAttribute):
        current = state.node(event.node)
        attributes = frozen_map({**current.attributes, event.name: event.value})
        return config, state.with_node(event.node, replace(current, attributes=attributes))
    if isinstance(event, Fail):
        failed = _fail(config, state, event)
        primitive = _primitive_for(config, event.resource)
        role = next((i.role for i in state.instances if i.resource == primitive and i.node == event.node), None)
        if on_fail_policy(config, primitive, event.operation, role) == "stop":
            # on-fail=stop: the resource's next role is Stopped, and it stays stopped.
            return apply_event(config, failed, StopResource(Hierarchy(config).root(primitive)))
        return config, failed
    if isinstance(event, Ban):
        _require_resource(config, event.resource)
        ban = Location(event.resource, node=event.node, score=-INFINITY,
                       id=f"{BAN_PREFIX}{event.resource}-on-{event.node}")
        kept = tuple(c for c in config.constraints if getattr(c, "id", None) != ban.id)
        return replace(config, constraints=(*kept, ban)), state
    if isinstance(event, Clear):
        _require_resource(config, event.resource)
        prefix = f"{BAN_PREFIX}{event.resource}-on-"
        kept = tuple(c for c in config.constraints if not (getattr(c, "id", None) or "").startswith(prefix))
        return replace(config, constraints=kept), state
    if isinstance(event, (StopResource, StartResource)):
        _require_resource(config, event.resource)
        role = Role.STOPPED if isinstance(event, StopResource) else Role.STARTED
        resource = config.resources[event.resource]
        changed = replace(resource, meta=replace(resource.meta, target_role=role))
        return replace(config, resources=frozen_map({**config.resources, event.resource: changed})), state
    raise TypeError(f"not an event: {event!r}")


def on_fail_policy(config: Config, primitive: str, operation: str, role: Role | None = None) -> str:
    """The configured ``on-fail`` of an operation, or Pacemaker's default (SEMANTICS.md §4).

    Defaults: ``fence`` for a stop when fencing is enabled, ``block`` for a stop without it,
    ``restart`` for everything else; ``fence`` without fencing becomes ``stop``.
    """
    configured = None
    for op in config.primitives[primitive].operations:
        recurring = op.interval_ms > 0
        if op.name == operation and (operation != "monitor" or recurring) and op.role in (None, role):
            configured = op.on_fail
            break
    if configured is None:
        if operation == "stop":
            return "fence" if config.cluster.fencing else "block"
        return "restart"
    if configured == "fence" and not config.cluster.fencing:
        return "stop"
    return configured


def _fail(config: Config, state: State, event: Fail) -> State:
    primitive = _primitive_for(config, event.resource)
    running = [i for i in state.instances if i.resource == primitive and i.node == event.node]
    if event.operation in ("monitor", "stop") and not running:
        raise InvalidInput(f"'{event.resource}' is not running on '{event.node}', so its "
                           f"{event.operation} cannot fail there")
    policy = on_fail_policy(config, primitive, event.operation, running[0].role if running else None)
    operations = (*state.failed_operations,
                  FailedOperation(primitive, event.node, event.operation, 0, 1, "what-if failure", policy))
    if policy == "ignore":
        # compat(pacemaker): the failure is recorded and otherwise pretended away (§4 on-fail).
        return replace(state, failed_operations=operations)
    fatal = event.operation == "start" and config.cluster.start_failure_is_fatal
    increment = INFINITY if fatal else 1
    counts = [f for f in state.fail_counts if not (f.resource == primitive and f.node == event.node)]
    count = min(INFINITY, state.fail_count(primitive, event.node) + increment)
    counts.append(FailCount(primitive, event.node, count, state.now))
    if not running:
        instances = (*state.instances, Instance(primitive, event.node, Role.STARTED, True, True, None))
    elif policy == "demote":
        # The promoted copy is demoted in place, not restarted (on-fail=demote).
        instances = tuple(replace(i, role=Role.UNPROMOTED) if i in running and i.role is Role.PROMOTED else i
                          for i in state.instances)
    else:
        blocked = policy == "block"
        instances = tuple(replace(i, failed=True, managed=i.managed and not blocked) if i in running else i
                          for i in state.instances)
    failed = replace(state, instances=instances, fail_counts=tuple(counts), failed_operations=operations)
    node = failed.node(event.node)
    if policy == "fence":
        return failed.with_node(event.node, replace(node, status=NodeStatus.UNCLEAN))
    if policy == "standby":
        return failed.with_node(event.node, replace(node, status=NodeStatus.STANDBY))
    return failed


def _primitive_for(config: Config, name: str) -> str:
    """The primitive a failure names: itself, or the primitive a clone copies."""
    _require_resource(config, name)
    resource = config.resources[name]
    if isinstance(resource, Primitive):
        return name
    if isinstance(resource, Clone):
        children = Hierarchy(config).primitives_in(name)
        if len(children) == 1:
            return children[0]
    kind = "group" if isinstance(resource, Group) else "clone of a group"
    raise InvalidInput(f"'{name}' is a {kind}: name the primitive that failed "
                       f"({', '.join(Hierarchy(config).primitives_in(name))})")


def _require_node(config: Config, node: str) -> None:
    if node not in config.nodes:
        raise InvalidInput(f"node '{node}' does not exist" + did_you_mean(node, config.nodes))


def _require_resource(config: Config, name: str) -> None:
    if name not in config.resources:
        raise InvalidInput(f"resource '{name}' does not exist" + did_you_mean(name, config.resources))
