"""Run one OCF resource agent action as a subprocess and name its exit code.

An OCF agent is an executable at ``$OCF_ROOT/resource.d/<provider>/<type>`` called
with the action as its only argument; everything else travels in the environment
(``OCF_RESKEY_<param>`` for instance parameters, ``OCF_RESKEY_CRM_meta_<name>`` for
meta-attributes such as the operation's timeout and interval). The agent answers
with its exit code (OCF resource agent API 1.1, ``ocf-returncodes``).

The subprocess runs in a new process group with stdin closed, from an argv list
(no shell); when the timeout expires the whole group is killed, because agents
routinely leave helpers behind (``sleep``, ``crm_attribute``).
"""

from __future__ import annotations

import contextlib
import enum
import os
import re
import signal
import subprocess
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from placement.errors import InvalidInput
from placement.model import EMPTY, Role, frozen_map

DEFAULT_OCF_ROOT = Path("/usr/lib/ocf")
DEFAULT_TIMEOUT_MS = 20_000
# Kept from the agent's output so a runaway agent cannot fill the controller's memory.
OUTPUT_LIMIT = 4096

_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.+-]*\Z")
_ENV_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
_EXIT_REASON = "ocf-exit-reason:"

ACTIONS = frozenset(
    {
        "start",
        "stop",
        "monitor",
        "promote",
        "demote",
        "migrate_to",
        "migrate_from",
        "reload",
        "reload-agent",
        "notify",
        "validate-all",
        "meta-data",
    }
)


class OcfStatus(enum.IntEnum):
    """OCF exit codes (``/usr/lib/ocf/lib/heartbeat/ocf-returncodes``)."""

    SUCCESS = 0
    ERR_GENERIC = 1
    ERR_ARGS = 2
    ERR_UNIMPLEMENTED = 3
    ERR_PERM = 4
    ERR_INSTALLED = 5
    ERR_CONFIGURED = 6
    NOT_RUNNING = 7
    RUNNING_PROMOTED = 8
    FAILED_PROMOTED = 9

    @classmethod
    def of(cls, code: int) -> OcfStatus:
        """The status for an exit code; codes outside the API count as a generic error.

        >>> OcfStatus.of(7).name, OcfStatus.of(42).name
        ('NOT_RUNNING', 'ERR_GENERIC')
        """
        try:
            return cls(code)
        except ValueError:
            return cls.ERR_GENERIC


@dataclass(frozen=True, slots=True)
class OcfRequest:
    """One action on one resource instance.

    ``instance`` is ``OCF_RESOURCE_INSTANCE`` (``db`` or ``iscsi:1`` for a clone copy);
    ``meta`` holds extra ``CRM_meta_*`` values (clone numbers, migrate source...);
    timeout and interval are always passed, in milliseconds, as Pacemaker does.
    """

    provider: str
    type: str
    instance: str
    action: str
    params: Mapping[str, str] = field(default_factory=lambda: EMPTY)
    meta: Mapping[str, str] = field(default_factory=lambda: EMPTY)
    timeout_ms: int = DEFAULT_TIMEOUT_MS
    interval_ms: int = 0

    def __post_init__(self) -> None:
        problems = []
        for what, value in (("provider", self.provider), ("type", self.type)):
            if not _NAME.match(value):
                problems.append(f"OCF {what} {value!r} is not a plain name")
        if self.action not in ACTIONS:
            problems.append(f"OCF action {self.action!r} is not one of {', '.join(sorted(ACTIONS))}")
        if not self.instance or "\0" in self.instance:
            problems.append(f"resource instance {self.instance!r} is empty or has a NUL byte")
        for key in [*self.params, *self.meta]:
            if not _ENV_KEY.match(key.replace("-", "_")):
                problems.append(f"parameter name {key!r} cannot be an environment variable")
        if self.timeout_ms <= 0 or self.interval_ms < 0:
            problems.append("timeout must be positive and interval not negative")
        if problems:
            raise InvalidInput("; ".join(problems))
        object.__setattr__(self, "params", frozen_map(self.params))
        object.__setattr__(self, "meta", frozen_map(self.meta))

    @property
    def is_probe(self) -> bool:
        """A one-shot monitor: Pacemaker's way of asking "is it running here?"."""
        return self.action == "monitor" and self.interval_ms == 0


@dataclass(frozen=True, slots=True)
class OcfResult:
    """What an action returned. ``exit_code`` is the raw code, ``status`` its name.

    ``reason`` is the agent's ``ocf_exit_reason`` (or ours: "timed out after 20s").
    """

    status: OcfStatus
    exit_code: int
    duration_ms: int
    timed_out: bool = False
    reason: str = ""
    output: str = field(default="", repr=False)

    @property
    def ok(self) -> bool:
        return self.status is OcfStatus.SUCCESS and not self.timed_out

    def to_json(self) -> dict:
        return {
            "status": self.status.name,
            "exit_code": self.exit_code,
            "duration_ms": self.duration_ms,
            "timed_out": self.timed_out,
            "reason": self.reason,
            "output": self.output,
        }

    @classmethod
    def from_json(cls, data: Mapping) -> OcfResult:
        return cls(
            status=OcfStatus[data["status"]],
            exit_code=int(data["exit_code"]),
            duration_ms=int(data["duration_ms"]),
            timed_out=bool(data.get("timed_out", False)),
            reason=str(data.get("reason", "")),
            output=str(data.get("output", "")),
        )


def observed_role(result: OcfResult) -> tuple[Role, bool]:
    """What a monitor result says about the resource: its role and whether it failed.

    Not running is a clean stop; a failed promoted instance is still promoted (it
    must be demoted and stopped); any other error means "active here, failed" — the
    cautious reading Pacemaker takes, since a broken agent may have left it running.

    >>> def r(code): return OcfResult(OcfStatus.of(code), code, 0)
    >>> [(role.value, failed) for role, failed in map(observed_role, map(r, (0, 7, 8, 9, 1)))]
    [('started', False), ('stopped', False), ('promoted', False), ('promoted', True), ('started', True)]
    """
    if result.timed_out:
        return Role.STARTED, True
    if result.status is OcfStatus.SUCCESS:
        return Role.STARTED, False
    if result.status is OcfStatus.NOT_RUNNING:
        return Role.STOPPED, False
    if result.status is OcfStatus.RUNNING_PROMOTED:
        return Role.PROMOTED, False
    if result.status is OcfStatus.FAILED_PROMOTED:
        return Role.PROMOTED, True
    return Role.STARTED, True


def agent_path(request: OcfRequest, ocf_root: Path = DEFAULT_OCF_ROOT) -> Path:
    """Where the agent lives: ``<root>/resource.d/<provider>/<type>``."""
    return ocf_root / "resource.d" / request.provider / request.type


def environment(request: OcfRequest, ocf_root: Path, extra: Mapping[str, str] = EMPTY) -> dict[str, str]:
    """The OCF environment for ``request``.

    ``extra`` carries the node agent's own settings (``HA_RSCTMP``, ``HA_VARRUN``),
    which point the agents' state files into the node's directory.

    >>> env = environment(OcfRequest("heartbeat", "Dummy", "db", "monitor",
    ...                   params={"state": "/tmp/x"}, meta={"clone-max": "2"}), Path("/usr/lib/ocf"))
    >>> env["OCF_RESKEY_state"], env["OCF_RESKEY_CRM_meta_clone_max"], env["OCF_RESKEY_CRM_meta_interval"]
    ('/tmp/x', '2', '0')
    """
    env = {
        "PATH": "/usr/sbin:/usr/bin:/sbin:/bin",
        "LANG": "C",
        "OCF_ROOT": str(ocf_root),
        "OCF_RA_VERSION_MAJOR": "1",
        "OCF_RA_VERSION_MINOR": "1",
        "OCF_RESOURCE_INSTANCE": request.instance,
        "OCF_RESOURCE_TYPE": request.type,
        "OCF_RESOURCE_PROVIDER": request.provider,
        **extra,
    }
    for key, value in request.params.items():
        env[f"OCF_RESKEY_{key}"] = str(value)
    for key, value in request.meta.items():
        env[f"OCF_RESKEY_CRM_meta_{key.replace('-', '_')}"] = str(value)
    env["OCF_RESKEY_CRM_meta_timeout"] = str(request.timeout_ms)
    env["OCF_RESKEY_CRM_meta_interval"] = str(request.interval_ms)
    return env


def run(request: OcfRequest, ocf_root: Path = DEFAULT_OCF_ROOT, extra_env: Mapping[str, str] = EMPTY) -> OcfResult:
    """Run ``request`` and wait for it, at most its timeout.

    A missing or non-executable agent is ``ERR_INSTALLED`` (what Pacemaker's
    executor reports), not an exception: the caller treats it as a failed action.
    """
    path = agent_path(request, ocf_root)
    started = time.monotonic()
    if not (path.is_file() and os.access(path, os.X_OK)):
        return OcfResult(OcfStatus.ERR_INSTALLED, 5, 0, reason=f"agent {path} is not installed")
    env = environment(request, ocf_root, extra_env)
    exit_code, stdout, stderr, timed_out = run_process([str(path), request.action], env, request.timeout_ms)
    duration = int((time.monotonic() - started) * 1000)
    if timed_out:
        reason = f"timed out after {request.timeout_ms} ms"
        return OcfResult(OcfStatus.ERR_GENERIC, exit_code, duration, True, reason, _tail(stdout + stderr))
    return OcfResult(OcfStatus.of(exit_code), exit_code, duration, False, exit_reason(stderr), _tail(stdout + stderr))


def run_process(
    argv: list[str], env: Mapping[str, str], timeout_ms: int, stdin: str | None = None
) -> tuple[int, str, str, bool]:
    """Run ``argv`` in its own process group; kill the group on timeout.

    Returns exit code (negative signal number if killed), stdout, stderr and
    whether it timed out. Shared by OCF and fence agents.
    """
    process = subprocess.Popen(
        argv,
        env=dict(env),
        stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,  # its own process group, so a timeout kills helpers too
        text=True,
        errors="replace",
    )
    try:
        stdout, stderr = process.communicate(stdin, timeout=timeout_ms / 1000)
        return process.returncode, stdout, stderr, False
    except subprocess.TimeoutExpired:
        _kill_group(process.pid)
        try:
            stdout, stderr = process.communicate(timeout=5)
        except subprocess.TimeoutExpired:  # a helper escaped the group and holds the pipe
            process.kill()
            stdout, stderr = "", ""
            process.wait()
        return process.returncode, stdout or "", stderr or "", True


def _kill_group(pgid: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pgid, signal.SIGKILL)


def exit_reason(stderr: str) -> str:
    """The last ``ocf-exit-reason:`` line an agent printed (``ocf_exit_reason``).

    >>> exit_reason("noise\\nocf-exit-reason:No process state file found\\n")
    'No process state file found'
    """
    reasons = [line[len(_EXIT_REASON) :].strip() for line in stderr.splitlines() if line.startswith(_EXIT_REASON)]
    return reasons[-1] if reasons else ""


def _tail(text: str) -> str:
    return text[-OUTPUT_LIMIT:]
