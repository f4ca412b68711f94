"""What travels between the controller and a node agent, with strict JSON readers.

Each message is a frozen dataclass with ``to_json`` / ``from_json``; ``from_json``
raises `InvalidInput` naming the bad field, so the agent answers 400 with a reason
instead of failing half-way through an operation.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from placement.errors import InvalidInput
from placement.model import EMPTY, Agent, frozen_map
from placement.runtime.ocf import DEFAULT_TIMEOUT_MS, OcfRequest


def _get(data: Mapping, key: str, kind: type | tuple[type, ...], default: Any = ...) -> Any:
    if not isinstance(data, Mapping):
        raise InvalidInput("message body is not a JSON object")
    if key not in data:
        if default is ...:
            raise InvalidInput(f"message field {key!r} is missing")
        return default
    value = data[key]
    if (kind is int and isinstance(value, bool)) or not isinstance(value, kind):
        name = kind.__name__ if isinstance(kind, type) else "a number"
        raise InvalidInput(f"message field {key!r} must be {name}, not {type(value).__name__}")
    return value


def _strings(data: Mapping, key: str) -> Mapping[str, str]:
    value = _get(data, key, dict, {})
    if not all(isinstance(k, str) and isinstance(v, str) for k, v in value.items()):
        raise InvalidInput(f"message field {key!r} must map strings to strings")
    return frozen_map(value)


@dataclass(frozen=True, slots=True)
class OperationRequest:
    """Run ``action`` of ``resource`` (copy ``instance``) with its agent on the node.

    ``interval_ms`` > 0 on a monitor makes it recurring: run it now, then every
    interval, reporting changes as events. ``expected`` is the monitor result that
    means healthy (0, or 8 for a promoted copy).
    """

    resource: str
    instance: str
    agent: str
    action: str
    params: Mapping[str, str] = field(default_factory=lambda: EMPTY)
    meta: Mapping[str, str] = field(default_factory=lambda: EMPTY)
    timeout_ms: int = DEFAULT_TIMEOUT_MS
    interval_ms: int = 0
    expected: int = 0

    def __post_init__(self) -> None:
        try:
            Agent.parse(self.agent)
        except ValueError as error:
            raise InvalidInput(str(error)) from None
        object.__setattr__(self, "params", frozen_map(self.params))
        object.__setattr__(self, "meta", frozen_map(self.meta))

    @property
    def parsed_agent(self) -> Agent:
        return Agent.parse(self.agent)

    def ocf(self) -> OcfRequest:
        """The OCF call this request makes (raises `InvalidInput` for a non-OCF agent)."""
        agent = self.parsed_agent
        if agent.standard != "ocf" or agent.provider is None:
            raise InvalidInput(f"{self.resource}: agent {self.agent} is not an OCF agent")
        return OcfRequest(
            agent.provider,
            agent.type,
            self.instance,
            self.action,
            self.params,
            self.meta,
            self.timeout_ms,
            self.interval_ms,
        )

    def to_json(self) -> dict:
        return {
            "resource": self.resource,
            "instance": self.instance,
            "agent": self.agent,
            "action": self.action,
            "params": dict(self.params),
            "meta": dict(self.meta),
            "timeout_ms": self.timeout_ms,
            "interval_ms": self.interval_ms,
            "expected": self.expected,
        }

    @classmethod
    def from_json(cls, data: Mapping) -> OperationRequest:
        return cls(
            resource=_get(data, "resource", str),
            instance=_get(data, "instance", str),
            agent=_get(data, "agent", str),
            action=_get(data, "action", str),
            params=_strings(data, "params"),
            meta=_strings(data, "meta"),
            timeout_ms=_get(data, "timeout_ms", int, DEFAULT_TIMEOUT_MS),
            interval_ms=_get(data, "interval_ms", int, 0),
            expected=_get(data, "expected", int, 0),
        )

    def with_action(self, action: str, interval_ms: int = 0, expected: int = 0) -> OperationRequest:
        return OperationRequest(
            self.resource,
            self.instance,
            self.agent,
            action,
            self.params,
            self.meta,
            self.timeout_ms,
            interval_ms,
            expected,
        )


@dataclass(frozen=True, slots=True)
class MonitorEvent:
    """A recurring monitor's result changed (``seq`` orders events of one agent boot)."""

    seq: int
    resource: str
    instance: str
    interval_ms: int
    exit_code: int
    expected: int
    reason: str
    time: float

    @property
    def healthy(self) -> bool:
        return self.exit_code == self.expected

    def to_json(self) -> dict:
        return {
            "seq": self.seq,
            "resource": self.resource,
            "instance": self.instance,
            "interval_ms": self.interval_ms,
            "exit_code": self.exit_code,
            "expected": self.expected,
            "reason": self.reason,
            "time": self.time,
        }

    @classmethod
    def from_json(cls, data: Mapping) -> MonitorEvent:
        return cls(
            _get(data, "seq", int),
            _get(data, "resource", str),
            _get(data, "instance", str),
            _get(data, "interval_ms", int),
            _get(data, "exit_code", int),
            _get(data, "expected", int),
            _get(data, "reason", str, ""),
            float(_get(data, "time", (int, float), 0.0)),
        )
