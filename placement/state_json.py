"""The state as a versioned JSON document (``docs/state.md``, schema ``docs/state.schema.json``).

Reading is strict: a malformed document, a wrong version, an unknown key or a value of
the wrong kind is an `InvalidInput` naming the file, the line and column for JSON syntax
errors, and the path inside the document (``instances[2].role``) for everything else.
`validate_against` then checks the names against a configuration.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from placement.errors import Diagnostic, InvalidInput, Severity
from placement.model import Config, Role, Span, frozen_map
from placement.state import FailCount, FailedOperation, Instance, NodeState, NodeStatus, State
from placement.suggest import did_you_mean

VERSION = 1


def dumps_state(state: State) -> str:
    """The JSON text of ``state`` (sorted, stable, ending with a newline)."""
    return json.dumps(to_document(state), indent=2, sort_keys=False) + "\n"


def to_document(state: State) -> dict[str, Any]:
    """``state`` as plain JSON data."""
    return {
        "version": VERSION,
        "quorum": state.quorum,
        "now": state.now,
        "dc": state.dc,
        "nodes": {
            name: {
                "status": node.status.value,
                "attributes": dict(node.attributes),
                "shutdown": node.shutdown,
                **({"in_membership": True} if node.in_membership else {}),
                **({"pending": True, "probed": sorted(node.probed)} if node.pending else {}),
            }
            for name, node in sorted(state.nodes.items())
        },
        "instances": [
            {
                "resource": i.resource,
                "node": i.node,
                "role": i.role.value,
                "failed": i.failed,
                "managed": i.managed,
                "clone_instance": i.clone_instance,
            }
            for i in sorted(state.instances, key=lambda i: (i.resource, i.node, i.clone_instance or ""))
        ],
        "fail_counts": [
            {
                "resource": f.resource,
                "node": f.node,
                "count": f.count,
                "last_failure": f.last_failure,
                **({"clone_instance": f.clone_instance} if f.clone_instance is not None else {}),
            }
            for f in sorted(state.fail_counts, key=lambda f: (f.resource, f.node, f.clone_instance or ""))
        ],
        "failed_operations": [
            {"resource": f.resource, "node": f.node, "operation": f.operation, "interval_ms": f.interval_ms,
             "rc": f.rc, "reason": f.reason, "on_fail": f.on_fail,
             **({"clone_instance": f.clone_instance} if f.clone_instance is not None else {})}
            for f in state.failed_operations
        ],
    }


def loads_state(text: str, path: str | None = None) -> State:
    """Parse a state document; raises `InvalidInput` on any problem."""
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        raise InvalidInput(Diagnostic(Severity.ERROR, f"not valid JSON: {error.msg}",
                                      Span(path, error.lineno, error.colno))) from None
    return from_document(document, path)


def load_state(path: str | Path) -> State:
    """The state in the JSON file at ``path``."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise InvalidInput(f"{path}: cannot read: {getattr(error, 'strerror', None) or error}") from None
    return loads_state(text, str(path))


class _Reader:
    """Checks one document field by field, collecting every problem with its path."""

    def __init__(self, path: str | None) -> None:
        self.path = path
        self.problems: list[Diagnostic] = []

    def problem(self, where: str, message: str) -> None:
        prefix = f"{self.path}: " if self.path else ""
        self.problems.append(Diagnostic(Severity.ERROR, f"{prefix}{where}: {message}"))

    def object(self, value: Any, where: str, keys: set[str], required: set[str] = frozenset()) -> dict:
        if not isinstance(value, dict):
            self.problem(where, f"expected an object, got {_kind(value)}")
            return {}
        for key in value:
            if key not in keys:
                self.problem(f"{where}.{key}" if where else key, "unknown key" + did_you_mean(key, keys))
        for key in required - value.keys():
            self.problem(where or "document", f"missing key '{key}'")
        return value

    def typed(self, value: Any, where: str, kind: type | tuple[type, ...], default: Any) -> Any:
        if value is None and default is None:
            return None
        if isinstance(value, bool) and kind is int:
            self.problem(where, "expected a whole number, got a boolean")
            return default
        if not isinstance(value, kind):
            self.problem(where, f"expected {_name(kind)}, got {_kind(value)}")
            return default
        return value

    def enum(self, value: Any, where: str, cls: type, default: Any) -> Any:
        try:
            return cls(value) if cls is not Role else Role.parse(str(value))
        except (ValueError, TypeError):
            choices = ", ".join(m.value for m in cls)
            self.problem(where, f"expected one of {choices}, got {value!r}")
            return default


def from_document(document: Any, path: str | None = None) -> State:
    """Build a `State` from parsed JSON data, or raise `InvalidInput` listing every problem."""
    read = _Reader(path)
    top = read.object(document, "", {"version", "quorum", "now", "dc", "nodes", "instances", "fail_counts",
                                      "failed_operations"}, {"version"})
    if top and top.get("version") != VERSION:
        read.problem("version", f"this placement reads state version {VERSION}, got {top.get('version')!r}")
        raise InvalidInput(read.problems)
    nodes = {}
    raw_nodes = read.typed(top.get("nodes", {}), "nodes", dict, {})
    for name, raw in raw_nodes.items():
        where = f"nodes.{name}"
        item = read.object(raw, where, {"status", "attributes", "shutdown", "in_membership", "pending", "probed"})
        attributes = read.typed(item.get("attributes", {}), f"{where}.attributes", dict, {})
        for key, value in attributes.items():
            read.typed(value, f"{where}.attributes.{key}", str, "")
        probed = read.typed(item.get("probed", []), f"{where}.probed", list, [])
        for index, value in enumerate(probed):
            read.typed(value, f"{where}.probed[{index}]", str, "")
        nodes[name] = NodeState(
            read.enum(item.get("status", "online"), f"{where}.status", NodeStatus, NodeStatus.ONLINE),
            frozen_map({k: v for k, v in attributes.items() if isinstance(v, str)}),
            bool(read.typed(item.get("shutdown", False), f"{where}.shutdown", bool, False)),
            bool(read.typed(item.get("in_membership", False), f"{where}.in_membership", bool, False)),
            bool(read.typed(item.get("pending", False), f"{where}.pending", bool, False)),
            frozenset(value for value in probed if isinstance(value, str)),
        )
    instances = []
    for index, raw in enumerate(read.typed(top.get("instances", []), "instances", list, [])):
        where = f"instances[{index}]"
        item = read.object(raw, where, {"resource", "node", "role", "failed", "managed", "clone_instance"},
                           {"resource", "node"})
        instances.append(Instance(
            read.typed(item.get("resource", ""), f"{where}.resource", str, ""),
            read.typed(item.get("node", ""), f"{where}.node", str, ""),
            read.enum(item.get("role", "started"), f"{where}.role", Role, Role.STARTED),
            read.typed(item.get("failed", False), f"{where}.failed", bool, False),
            read.typed(item.get("managed", True), f"{where}.managed", bool, True),
            read.typed(item.get("clone_instance"), f"{where}.clone_instance", str, None),
        ))
    fail_counts = []
    for index, raw in enumerate(read.typed(top.get("fail_counts", []), "fail_counts", list, [])):
        where = f"fail_counts[{index}]"
        item = read.object(raw, where, {"resource", "node", "count", "last_failure", "clone_instance"},
                           {"resource", "node", "count"})
        fail_counts.append(FailCount(
            read.typed(item.get("resource", ""), f"{where}.resource", str, ""),
            read.typed(item.get("node", ""), f"{where}.node", str, ""),
            read.typed(item.get("count", 0), f"{where}.count", int, 0),
            read.typed(item.get("last_failure"), f"{where}.last_failure", int, None),
            read.typed(item.get("clone_instance"), f"{where}.clone_instance", str, None),
        ))
    failed_operations = []
    for index, raw in enumerate(read.typed(top.get("failed_operations", []), "failed_operations", list, [])):
        where = f"failed_operations[{index}]"
        item = read.object(raw, where, {"resource", "node", "operation", "interval_ms", "rc", "reason",
                                        "on_fail", "clone_instance"}, {"resource", "node", "operation"})
        failed_operations.append(FailedOperation(
            read.typed(item.get("resource", ""), f"{where}.resource", str, ""),
            read.typed(item.get("node", ""), f"{where}.node", str, ""),
            read.typed(item.get("operation", ""), f"{where}.operation", str, ""),
            read.typed(item.get("interval_ms", 0), f"{where}.interval_ms", int, 0),
            read.typed(item.get("rc", 1), f"{where}.rc", int, 1),
            read.typed(item.get("reason", ""), f"{where}.reason", str, ""),
            read.typed(item.get("on_fail"), f"{where}.on_fail", str, None),
            read.typed(item.get("clone_instance"), f"{where}.clone_instance", str, None),
        ))
    state = State(
        nodes=frozen_map(nodes),
        instances=tuple(instances),
        fail_counts=tuple(fail_counts),
        failed_operations=tuple(failed_operations),
        quorum=bool(read.typed(top.get("quorum", True), "quorum", bool, True)),
        now=read.typed(top.get("now"), "now", int, None),
        dc=read.typed(top.get("dc"), "dc", str, None),
        source=path,
    )
    if read.problems:
        raise InvalidInput(read.problems)
    return state


def validate_against(state: State, config: Config) -> None:
    """Raise `InvalidInput` if ``state`` names nodes or resources ``config`` does not have."""
    problems = []
    prefix = f"{state.source}: " if state.source else "state: "

    def unknown(kind: str, name: str, known: Any) -> None:
        problems.append(Diagnostic(Severity.ERROR, f"{prefix}{kind} '{name}' is not in the configuration"
                                   + did_you_mean(name, known)))

    for name in state.nodes:
        if name not in config.nodes:
            unknown("node", name, config.nodes)
    primitives = config.primitives
    for item in (*state.instances, *state.fail_counts, *state.failed_operations):
        if item.node not in config.nodes:
            unknown("node", item.node, config.nodes)
        if item.resource not in primitives:
            unknown("resource", item.resource, primitives)
    if problems:
        # One report per name, in a stable order.
        unique = list({d.message: d for d in problems}.values())
        raise InvalidInput(unique)


def _kind(value: Any) -> str:
    return {dict: "an object", list: "a list", str: "text", bool: "a boolean", int: "a number",
            float: "a number", type(None): "null"}.get(type(value), type(value).__name__)


def _name(kind: type | tuple[type, ...]) -> str:
    names = {str: "text", int: "a whole number", bool: "true or false", dict: "an object", list: "a list"}
    kinds = kind if isinstance(kind, tuple) else (kind,)
    return " or ".join(names.get(k, k.__name__) for k in kinds)
