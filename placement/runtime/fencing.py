"""The fence-agent protocol, and fencing a node through its levels of devices.

A fence agent (``fence_ipmilan``, ``fence_dummy``, our ``fence_process``) is an
executable that reads ``key=value`` lines on stdin — ``action=off``, ``plug=charlie``
and the device's own parameters — and exits 0 when the action succeeded. That is
the whole protocol (fence-agents' ``fencing.py``, Pacemaker's fencer).

A node is fenced level by level (``fencing-topology``): every device of level 1,
in order, must succeed; if one fails, level 2 is tried, and so on. Without levels
each device able to fence the node is tried alone, in definition order.
"""

from __future__ import annotations

import enum
import re
import shutil
import sys
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from placement.errors import InvalidInput
from placement.model import EMPTY, Config, Primitive, frozen_map
from placement.runtime.ocf import OUTPUT_LIMIT, run_process

DEFAULT_FENCE_TIMEOUT_MS = 60_000  # Pacemaker's stonith-timeout default
FENCE_AGENT_DIRS = ("/usr/sbin", "/usr/bin", "/sbin")
# Agents shipped inside placement, run with this interpreter (no install step needed).
BUILTIN_AGENTS: Mapping[str, tuple[str, ...]] = {
    "fence_process": ("-m", "placement.runtime.fence_process"),
}
_AGENT_NAME = re.compile(r"fence_[A-Za-z0-9_]+\Z")
_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*\Z")


class FenceAction(enum.Enum):
    """Fence-agent actions placement uses."""

    OFF = "off"
    REBOOT = "reboot"
    ON = "on"
    STATUS = "status"
    MONITOR = "monitor"
    LIST = "list"
    METADATA = "metadata"


@dataclass(frozen=True, slots=True)
class FenceDevice:
    """A configured fence device: which agent, its parameters, which nodes it can fence.

    ``params`` are passed to the agent except Pacemaker's own ``pcmk_*`` settings;
    ``pcmk_host_argument`` names the argument that carries the target (default
    ``plug``; ``none`` sends no target).
    """

    id: str
    agent: str
    params: Mapping[str, str] = field(default_factory=lambda: EMPTY)
    targets: tuple[str, ...] = ()  # empty: any node

    def __post_init__(self) -> None:
        if not _AGENT_NAME.match(self.agent):
            raise InvalidInput(f"fence device {self.id!r}: agent {self.agent!r} is not a fence_* name")
        for key, value in self.params.items():
            if not _KEY.match(key) or "\n" in str(value) or "\r" in str(value):
                raise InvalidInput(f"fence device {self.id!r}: parameter {key!r} cannot travel as key=value")
        object.__setattr__(self, "params", frozen_map(self.params))

    @classmethod
    def from_primitive(cls, primitive: Primitive) -> FenceDevice:
        """The device a ``stonith:`` primitive describes."""
        if not primitive.agent.is_fencing:
            raise InvalidInput(f"resource {primitive.id!r} is not a stonith device")
        return cls(primitive.id, primitive.agent.type, primitive.params, primitive.fences)

    def can_fence(self, node: str) -> bool:
        return not self.targets or node in self.targets

    def timeout_ms(self, action: FenceAction) -> int:
        """``pcmk_<action>_timeout`` (seconds, ``30`` or ``30s``), else the default."""
        text = self.params.get(f"pcmk_{action.value}_timeout") or self.params.get("pcmk_timeout")
        if not text:
            return DEFAULT_FENCE_TIMEOUT_MS
        try:
            return int(float(str(text).rstrip("s")) * 1000)
        except ValueError:
            raise InvalidInput(f"fence device {self.id!r}: timeout {text!r} is not a number of seconds") from None

    def to_json(self) -> dict:
        return {
            "id": self.id,
            "agent": self.agent,
            "params": dict(self.params),
            "targets": list(self.targets),
        }

    @classmethod
    def from_json(cls, data: Mapping) -> FenceDevice:
        return cls(str(data["id"]), str(data["agent"]), dict(data.get("params", {})), tuple(data.get("targets", ())))


@dataclass(frozen=True, slots=True)
class FenceResult:
    """One run of one fence agent."""

    device: str
    action: str
    target: str | None
    ok: bool
    exit_code: int
    duration_ms: int
    timed_out: bool = False
    output: str = ""

    def to_json(self) -> dict:
        return {
            "device": self.device,
            "action": self.action,
            "target": self.target,
            "ok": self.ok,
            "exit_code": self.exit_code,
            "duration_ms": self.duration_ms,
            "timed_out": self.timed_out,
            "output": self.output,
        }

    @classmethod
    def from_json(cls, data: Mapping) -> FenceResult:
        return cls(
            str(data["device"]),
            str(data["action"]),
            data.get("target"),
            bool(data["ok"]),
            int(data["exit_code"]),
            int(data["duration_ms"]),
            bool(data.get("timed_out")),
            str(data.get("output", "")),
        )


def protocol_input(device: FenceDevice, action: FenceAction, target: str | None) -> str:
    """The stdin lines for one call.

    >>> d = FenceDevice("f1", "fence_dummy", {"status_file": "/tmp/s", "pcmk_host_list": "a b"})
    >>> print(protocol_input(d, FenceAction.OFF, "charlie"), end="")
    action=off
    plug=charlie
    status_file=/tmp/s
    """
    lines = [f"action={action.value}"]
    host_argument = device.params.get("pcmk_host_argument", "plug")
    if target is not None and host_argument != "none":
        if "\n" in target or "=" in target:
            raise InvalidInput(f"node name {target!r} cannot travel as a fence target")
        lines.append(f"{host_argument}={target}")
    lines += [f"{key}={value}" for key, value in device.params.items() if not key.startswith("pcmk_")]
    return "\n".join(lines) + "\n"


def agent_argv(agent: str) -> list[str]:
    """The command for a fence agent: a builtin module, or an executable on the agent path."""
    if agent in BUILTIN_AGENTS:
        return [sys.executable, *BUILTIN_AGENTS[agent]]
    if not _AGENT_NAME.match(agent):
        raise InvalidInput(f"fence agent {agent!r} is not a fence_* name")
    found = shutil.which(agent, path=":".join(FENCE_AGENT_DIRS))
    if found is None:
        raise InvalidInput(f"fence agent {agent!r} is not installed in {', '.join(FENCE_AGENT_DIRS)}")
    return [found]


def builtin_environment(agent: str) -> dict[str, str]:
    """A builtin agent imports placement: point it at this very copy, wherever we run from."""
    if agent not in BUILTIN_AGENTS:
        return {}
    import placement

    return {"PYTHONPATH": str(Path(placement.__file__).resolve().parents[1])}


def run_agent(
    device: FenceDevice, action: FenceAction, target: str | None, env: Mapping[str, str] = EMPTY
) -> FenceResult:
    """Run ``action`` of ``device`` against ``target`` and wait, at most its timeout."""
    began = time.monotonic()
    try:
        argv = agent_argv(device.agent)
    except InvalidInput as error:
        return FenceResult(device.id, action.value, target, False, 5, 0, False, str(error))
    full_env = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "LANG": "C", **builtin_environment(device.agent), **env}
    exit_code, stdout, stderr, timed_out = run_process(
        argv, full_env, device.timeout_ms(action), stdin=protocol_input(device, action, target)
    )
    duration = int((time.monotonic() - began) * 1000)
    output = (stdout + stderr)[-OUTPUT_LIMIT:]
    return FenceResult(
        device.id,
        action.value,
        target,
        exit_code == 0 and not timed_out,
        exit_code,
        duration,
        timed_out,
        output,
    )


def levels_for(config: Config, target: str) -> list[tuple[FenceDevice, ...]]:
    """The device lists to try, in order, to fence ``target``.

    Configured levels for the node win; otherwise every stonith device whose host
    list allows the node is a level of its own, in definition order.
    """
    devices = {rid: FenceDevice.from_primitive(p) for rid, p in config.primitives.items() if p.agent.is_fencing}
    configured = sorted((lvl for lvl in config.fencing_levels if lvl.target == target), key=lambda lvl: lvl.index)
    if configured:
        levels = []
        for level in configured:
            missing = [d for d in level.devices if d not in devices]
            if missing:
                raise InvalidInput(f"fencing level {level.index} of {target}: unknown device(s) {', '.join(missing)}")
            levels.append(tuple(devices[d] for d in level.devices))
        return levels
    return [(device,) for device in devices.values() if device.can_fence(target)]


@dataclass(frozen=True, slots=True)
class FenceOutcome:
    """The result of fencing a node: success, and every agent run on the way."""

    target: str
    ok: bool
    level: int | None  # 1-based level that succeeded
    attempts: tuple[FenceResult, ...]

    @property
    def summary(self) -> str:
        if self.ok:
            return f"{self.target} fenced at level {self.level} by {self.attempts[-1].device}"
        if not self.attempts:
            return f"no fence device can fence {self.target}"
        tried = ", ".join(f"{a.device} rc={a.exit_code}{' timeout' if a.timed_out else ''}" for a in self.attempts)
        return f"fencing {self.target} failed: {tried}"


Runner = Callable[[FenceDevice, FenceAction, str], FenceResult]


def fence(target: str, levels: list[tuple[FenceDevice, ...]], action: FenceAction, run: Runner) -> FenceOutcome:
    """Walk the levels: the first level whose devices all succeed fences the node.

    ``run`` executes one device (locally, or on a node agent); a level stops at its
    first failing device, as Pacemaker's fencer does.
    """
    attempts: list[FenceResult] = []
    for number, level in enumerate(levels, start=1):
        for device in level:
            result = run(device, action, target)
            attempts.append(result)
            if not result.ok:
                break
        else:
            if level:
                return FenceOutcome(target, True, number, tuple(attempts))
    return FenceOutcome(target, False, None, tuple(attempts))
