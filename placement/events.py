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
from placement.lang.build import did_you_mean
from placement.model import Clone, Config, Group, Location, Primitive, Role, frozen_map
from placement.score import INFINITY
from placement.state import FailCount, FailedOperation, Instance, NodeState, NodeStatus, State

BAN_PREFIX = "cli-ban-"


@dataclass(frozen=True, slots=True)
class NodeDown:
    """The node is lost without a clean shutdown: it must be fenced before recovery."""

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
        return config, _fail(config, state, event)
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


def _fail(config: Config, state: State, event: Fail) -> State:
    primitive = _primitive_for(config, event.resource)
    running = [i for i in state.instances if i.resource == primitive and i.node == event.node]
    if event.operation in ("monitor", "stop") and not running:
        raise InvalidInput(f"'{event.resource}' is not running on '{event.node}', so its "
                           f"{event.operation} cannot fail there")
    fatal = event.operation == "start" and config.cluster.start_failure_is_fatal
    increment = INFINITY if fatal else 1
    counts = [f for f in state.fail_counts if not (f.resource == primitive and f.node == event.node)]
    count = min(INFINITY, state.fail_count(primitive, event.node) + increment)
    counts.append(FailCount(primitive, event.node, count, state.now))
    operations = (*state.failed_operations,
                  FailedOperation(primitive, event.node, event.operation, 0, 1, "what-if failure"))
    if running:
        instances = tuple(replace(i, failed=True) if i in running else i for i in state.instances)
    else:
        clone_instance = None
        instances = (*state.instances, Instance(primitive, event.node, Role.STARTED, True, True, clone_instance))
    failed = replace(state, instances=instances, fail_counts=tuple(counts), failed_operations=operations)
    if event.operation == "stop" and config.cluster.fencing:
        # compat(pacemaker): a failed stop defaults to on-fail=fence (SEMANTICS.md §9).
        return failed.with_node(event.node, replace(failed.node(event.node), status=NodeStatus.UNCLEAN))
    if event.operation == "stop":
        # Without fencing the stop failure blocks the resource where it is (on-fail=block).
        return replace(failed, instances=tuple(replace(i, managed=False) if i.resource == primitive
                                                and i.node == event.node else i for i in failed.instances))
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
