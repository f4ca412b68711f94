"""The node agent: runs resource and fence agents on one node and remembers what it saw.

This is the transport-free core (`placement.runtime.server` puts it behind
authenticated HTTP). It plays the part of Pacemaker's executor on one node:

- operations on one resource copy never overlap (a lock per instance), so a probe
  sent while a start is still running reports the state after that start;
- recurring monitors cancel themselves before the copy is stopped, promoted,
  demoted or migrated, as Pacemaker cancels them; the controller asks for the
  new role's monitor afterwards;
- a recurring monitor whose result changes appends an event the controller polls;
- ``stonith:`` devices are "started" by a successful fence-agent ``monitor``
  (remembered as a file in the node's runtime directory) and fence other nodes
  on request.

The node directory holds the pid file and the agents' state (``HA_RSCTMP``,
``HA_VARRUN``): wiping it is what a reboot does to ``/run``. Its ``lib/``
subdirectory is the node's persistent state (``/var/lib``, kept by a power-off):
the newest **fencing token** seen. Every operation and fence carries the sending
controller's token; one older than the newest seen is refused, so a deposed
leader that wakes up cannot start or fence anything (`admit`).
"""

from __future__ import annotations

import json
import logging
import os
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from placement.model import Role
from placement.runtime import fencing, ocf
from placement.runtime.fence_process import NODE_DIR_VARIABLE, PERSISTENT_DIR
from placement.runtime.fence_records import RECORDS_FILE, FenceRecords
from placement.runtime.fencing import FenceAction, FenceDevice, FenceResult
from placement.runtime.messages import MonitorEvent, OperationRequest
from placement.runtime.ocf import OcfResult, OcfStatus

log = logging.getLogger(__name__)

PID_FILE = "agent.pid"
TOKEN_FILE = "fencing-token"
ORDERS_FILE = "orders.jsonl"  # every controller order admitted, in order: the audit trail of who did what
REFUSED_FILE = "refused.jsonl"  # every order refused for a stale fencing token: what a deposed leader tried
# Recurring monitors are cancelled before these actions change the copy's role.
_CANCELS_MONITORS = frozenset({"stop", "promote", "demote", "migrate_to", "migrate_from", "start"})
EVENT_LIMIT = 10_000  # oldest events are dropped beyond this; the controller polls far more often


@dataclass(frozen=True, slots=True)
class ResourceRecord:
    """What the agent last learnt about one resource copy on this node."""

    resource: str
    instance: str
    agent: str
    role: Role
    failed: bool
    last_action: str
    last_exit_code: int
    last_reason: str
    updated: float

    def to_json(self) -> dict:
        return {
            "resource": self.resource,
            "instance": self.instance,
            "agent": self.agent,
            "role": self.role.value,
            "failed": self.failed,
            "last_action": self.last_action,
            "last_exit_code": self.last_exit_code,
            "last_reason": self.last_reason,
            "updated": self.updated,
        }


def role_after(action: str, result: OcfResult) -> tuple[Role, bool]:
    """The copy's role and failure flag after ``action`` returned ``result``.

    A failed start or stop leaves the copy "active and failed" (it may be half
    up); Pacemaker reads a failed action the same cautious way.

    >>> ok = OcfResult(OcfStatus.SUCCESS, 0, 0)
    >>> role_after("promote", ok), role_after("migrate_to", ok)
    ((<Role.PROMOTED: 'promoted'>, False), (<Role.STOPPED: 'stopped'>, False))
    >>> role_after("stop", OcfResult(OcfStatus.ERR_GENERIC, 1, 0))
    (<Role.STARTED: 'started'>, True)
    """
    if action == "monitor":
        return ocf.observed_role(result)
    if not result.ok:
        return (Role.PROMOTED if action in ("promote", "demote") else Role.STARTED), True
    return {
        "start": Role.STARTED,
        "migrate_from": Role.STARTED,
        "demote": Role.STARTED,
        "promote": Role.PROMOTED,
        "stop": Role.STOPPED,
        "migrate_to": Role.STOPPED,
    }.get(action, Role.STARTED), False


class StaleToken(Exception):
    """An action from a controller whose leadership has been superseded."""


class _Monitor:
    """One recurring monitor: a thread that runs the check every interval until cancelled."""

    def __init__(self, agent: NodeAgent, request: OperationRequest, last_exit_code: int) -> None:
        self.request = request
        self.last_exit_code = last_exit_code
        self.cancelled = threading.Event()
        self._agent = agent
        self._thread = threading.Thread(
            target=self._loop, name=f"monitor {request.instance} {request.interval_ms}ms", daemon=True
        )
        self._thread.start()

    def _loop(self) -> None:
        while not self.cancelled.wait(self.request.interval_ms / 1000):
            self._agent._run_recurring(self)

    def cancel(self) -> None:
        self.cancelled.set()


class NodeAgent:
    """The executor of one node. Thread-safe: the HTTP server calls it from many threads."""

    def __init__(
        self,
        node: str,
        directory: Path,
        ocf_root: Path = ocf.DEFAULT_OCF_ROOT,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.node = node
        self.directory = Path(directory)
        self.ocf_root = Path(ocf_root)
        self.boot_id = secrets.token_hex(8)  # changes with every start: tells a rebooted node apart
        self.started = clock()
        self._clock = clock
        self._guard = threading.Lock()
        self._instance_locks: dict[str, threading.Lock] = {}
        self._records: dict[str, ResourceRecord] = {}
        self._monitors: dict[tuple[str, int], _Monitor] = {}
        self._events: list[MonitorEvent] = []
        self._seq = 0
        for sub in ("rsctmp", "run", PERSISTENT_DIR):
            (self.directory / sub).mkdir(parents=True, exist_ok=True)
        # Fences run here, by dispatch, on the node's disk: a new leader asks about them after a takeover.
        self.fence_records = FenceRecords(self.directory / PERSISTENT_DIR / RECORDS_FILE, self.boot_id)
        self._token_lock = threading.Lock()  # held while persisting: admissions are serialised
        self._token = self._read_token()
        self.refused_stale = 0

    # ------------------------------------------------------------------ fencing tokens

    @property
    def token(self) -> int:
        """The newest controller fencing token seen (0: none, a single controller)."""
        return self._token

    def admit(self, token: int, dispatch: str = "", action: str = "", subject: str = "") -> None:
        """Accept an action sent under ``token``, or raise `StaleToken` if a newer one was seen.

        A newer token is made durable before the action runs, so a restarted (or
        powered-off and restarted) agent still refuses the deposed leader. A refusal
        is appended to ``lib/refused.jsonl``: the evidence that a deposed leader tried.
        """
        with self._token_lock:
            self._admit_locked(token, dispatch, action, subject)

    def _admit_locked(self, token: int, dispatch: str, action: str, subject: str) -> None:
        if token < self._token:
            self.refused_stale += 1
            log.warning(
                "refused %s under stale fencing token %d (newest seen %d)",
                f"{action} {subject} ({dispatch or 'no dispatch'})" if action else "an announcement",
                token,
                self._token,
            )
            line = {"time": self._clock(), "token": token, "newest": self._token, "dispatch": dispatch,
                    "action": action or "announce", "subject": subject}
            with (self.directory / PERSISTENT_DIR / REFUSED_FILE).open("a") as handle:
                handle.write(json.dumps(line, sort_keys=True) + "\n")
            raise StaleToken(f"fencing token {token} is older than {self._token}: that controller was deposed")
        if token > self._token:
            self._write_token(token)
            log.info("fencing token is now %d (was %d)", token, self._token)
            # In the audit trail too: an order under an older token after this line is a stale one.
            self._log_order_locked(token, "", "token", f"was {self._token}", 0)
            self._token = token

    def _log_order_locked(self, token: int, dispatch: str, action: str, subject: str, interval_ms: int) -> None:
        line = {"time": self._clock(), "token": token, "dispatch": dispatch, "action": action, "subject": subject}
        if interval_ms:
            line["interval_ms"] = interval_ms
        with (self.directory / PERSISTENT_DIR / ORDERS_FILE).open("a") as handle:
            handle.write(json.dumps(line, sort_keys=True) + "\n")

    def _token_path(self) -> Path:
        return self.directory / PERSISTENT_DIR / TOKEN_FILE

    def _read_token(self) -> int:
        try:
            return int(self._token_path().read_text().strip() or 0)
        except FileNotFoundError:
            return 0
        except ValueError:
            # A torn or garbled file: refuse to guess low (that would re-admit a deposed leader).
            path = self._token_path()
            raise RuntimeError(f"{path}: not a fencing token (remove it only if no controller ran)") from None

    def _write_token(self, token: int) -> None:
        path = self._token_path()
        temporary = path.with_suffix(".tmp")
        with temporary.open("w") as handle:
            handle.write(f"{token}\n")
            handle.flush()
            os.fsync(handle.fileno())
        temporary.replace(path)
        descriptor = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)

    # ------------------------------------------------------------------ environment

    @property
    def environment(self) -> dict[str, str]:
        """Settings every agent run gets: state directories inside the node directory."""
        return {
            "HA_RSCTMP": str(self.directory / "rsctmp"),
            "HA_VARRUN": str(self.directory / "run"),
            "HA_LOGFACILITY": "none",  # ocf_log to stderr, which we keep, not to syslog
            "PLACEMENT_NODE": self.node,
            "OCF_RESKEY_CRM_meta_on_node": self.node,  # Pacemaker tells agents where they run
            NODE_DIR_VARIABLE: str(self.directory.resolve()),  # lets a fence find everything we started
        }

    def write_pid_file(self) -> Path:
        """Record our pid where the fence agent looks for it."""
        path = self.directory / PID_FILE
        temporary = path.with_suffix(".tmp")
        temporary.write_text(f"{os.getpid()}\n")
        temporary.replace(path)
        return path

    def remove_pid_file(self) -> None:
        path = self.directory / PID_FILE
        try:
            if path.read_text().strip() == str(os.getpid()):
                path.unlink()
        except FileNotFoundError:
            pass

    # ------------------------------------------------------------------ operations

    def execute(self, request: OperationRequest, token: int | None = None, dispatch: str = "") -> OcfResult:
        """Run one operation; a monitor with an interval keeps running afterwards.

        With a ``token`` the operation is a controller's order: refused (`StaleToken`)
        if a newer token was seen, checked again under the copy's lock, so an order of
        a deposed leader can neither slip in after a new leader's probe of the copy
        nor change it behind that probe's back.
        """
        if token is not None:
            self.admit(token, dispatch, request.action, request.resource)
        if request.action in _CANCELS_MONITORS:
            self.cancel_monitors(request.instance)
        with self._lock_for(request.instance):
            if token is not None:
                with self._token_lock:  # one step: no token raise can fall between the check and the audit line
                    self._admit_locked(token, dispatch, request.action, request.resource)
                    self._log_order_locked(token, dispatch, request.action, request.resource, request.interval_ms)
            result = self._run(request)
            self._remember(request, result)
        log.info(
            "%s %s on %s: %s (%d ms) %s",
            request.action,
            request.instance,
            self.node,
            result.status.name,
            result.duration_ms,
            result.reason,
        )
        if request.action == "monitor" and request.interval_ms > 0:
            with self._guard:
                old = self._monitors.pop((request.instance, request.interval_ms), None)
                if old is not None:
                    old.cancel()
                self._monitors[(request.instance, request.interval_ms)] = _Monitor(self, request, result.exit_code)
        return result

    def probe(self, requests: list[OperationRequest]) -> dict[str, OcfResult]:
        """One-shot monitors of many copies, by instance name."""
        return {r.instance: self.execute(r.with_action("monitor")) for r in requests}

    def fence(
        self, device: FenceDevice, action: FenceAction, target: str, token: int | None = None, dispatch: str = ""
    ) -> FenceResult:
        """Fence ``target`` with ``device`` from this node.

        ``dispatch`` names the controller's journal entry: a new leader finding that
        fence in doubt asks the executors whether it completed instead of fencing twice
        (`placement.runtime.fence_records`). The record of the run is durable before the
        fence agent starts, its outcome before we answer.
        """
        # Admission and the "began" record are one step under the token lock: a new leader's
        # announcement, which needs that lock, comes either before (this order is refused) or
        # after (its question about this dispatch finds it running).
        with self._token_lock:
            if token is not None:
                self._admit_locked(token, dispatch, f"fence-{action.value}", target)
                self._log_order_locked(token, dispatch, f"fence-{action.value}", target, 0)
            self.fence_records.began(dispatch, token or 0, device.id, action.value, target, self._clock())
        result = fencing.run_agent(device, action, target, self.environment)
        self.fence_records.ended(dispatch, token or 0, result.to_json(), self._clock())
        log.warning(
            "fence %s %s with %s from %s: %s",
            action.value,
            target,
            device.id,
            self.node,
            "ok" if result.ok else f"failed rc={result.exit_code}",
        )
        return result

    def cancel_monitors(self, instance: str) -> None:
        with self._guard:
            for key in [k for k in self._monitors if k[0] == instance]:
                self._monitors.pop(key).cancel()

    def shutdown(self) -> None:
        """Stop every recurring monitor (resources keep running, as on an agent restart)."""
        with self._guard:
            for monitor in self._monitors.values():
                monitor.cancel()
            self._monitors.clear()

    # ------------------------------------------------------------------ reports

    def events_after(self, seq: int) -> list[MonitorEvent]:
        with self._guard:
            return [e for e in self._events if e.seq > seq]

    def status(self) -> dict:
        """Everything ``placement status`` shows about this node."""
        with self._guard:
            return {
                "node": self.node,
                "boot_id": self.boot_id,
                "pid": os.getpid(),
                "started": self.started,
                "resources": [r.to_json() for _, r in sorted(self._records.items())],
                "monitors": [
                    {"instance": i, "interval_ms": ms, "last_exit_code": m.last_exit_code}
                    for (i, ms), m in sorted(self._monitors.items())
                ],
                "fencing": self.fence_records.results(),
                "last_event": self._seq,
                "token": self._token,
                "refused_stale": self.refused_stale,
            }

    def heartbeat(self) -> dict:
        with self._guard:
            last_event = self._seq
        return {
            "node": self.node,
            "boot_id": self.boot_id,
            "pid": os.getpid(),
            "time": self._clock(),
            "last_event": last_event,
            "token": self._token,
        }

    # ------------------------------------------------------------------ internals

    def _lock_for(self, instance: str) -> threading.Lock:
        with self._guard:
            return self._instance_locks.setdefault(instance, threading.Lock())

    def _run(self, request: OperationRequest) -> OcfResult:
        if request.parsed_agent.is_fencing:
            return self._run_stonith(request)
        return ocf.run(request.ocf(), self.ocf_root, self.environment)

    def _stonith_marker(self, request: OperationRequest) -> Path:
        return self.directory / "rsctmp" / f"stonith-{request.instance}.state"

    def _run_stonith(self, request: OperationRequest) -> OcfResult:
        """A fence device as a resource: started = registered here after a good monitor."""
        marker = self._stonith_marker(request)
        device = FenceDevice(request.resource, request.parsed_agent.type, request.params)
        if request.action == "stop":
            marker.unlink(missing_ok=True)
            return OcfResult(OcfStatus.SUCCESS, 0, 0)
        if request.action == "monitor" and (request.interval_ms == 0 or not marker.exists()):
            code = OcfStatus.SUCCESS if marker.exists() else OcfStatus.NOT_RUNNING
            return OcfResult(code, int(code), 0)
        if request.action not in ("start", "monitor"):
            return OcfResult(OcfStatus.ERR_UNIMPLEMENTED, 3, 0, reason=f"stonith devices cannot {request.action}")
        checked = fencing.run_agent(device, FenceAction.MONITOR, None, self.environment)
        if not checked.ok:
            return OcfResult(
                OcfStatus.ERR_GENERIC,
                checked.exit_code,
                checked.duration_ms,
                checked.timed_out,
                f"fence agent monitor failed (rc={checked.exit_code})",
                checked.output,
            )
        if request.action == "start":
            marker.touch()
        return OcfResult(OcfStatus.SUCCESS, 0, checked.duration_ms, output=checked.output)

    def _remember(self, request: OperationRequest, result: OcfResult) -> None:
        role, failed = role_after(request.action, result)
        if request.action == "monitor" and request.interval_ms > 0 and result.exit_code != request.expected:
            failed = True
        record = ResourceRecord(
            request.resource,
            request.instance,
            request.agent,
            role,
            failed,
            request.action,
            result.exit_code,
            result.reason,
            self._clock(),
        )
        with self._guard:
            self._records[request.instance] = record

    def _run_recurring(self, monitor: _Monitor) -> None:
        request = monitor.request
        with self._lock_for(request.instance):
            if monitor.cancelled.is_set():  # cancelled while waiting for the lock
                return
            result = self._run(request)
            self._remember(request, result)
        if result.exit_code == monitor.last_exit_code:
            return
        monitor.last_exit_code = result.exit_code
        log.warning(
            "monitor %s on %s changed: rc=%d (expected %d) %s",
            request.instance,
            self.node,
            result.exit_code,
            request.expected,
            result.reason,
        )
        with self._guard:
            self._seq += 1
            event = MonitorEvent(
                self._seq,
                request.resource,
                request.instance,
                request.interval_ms,
                result.exit_code,
                request.expected,
                result.reason,
                self._clock(),
            )
            self._events.append(event)
            del self._events[:-EVENT_LIMIT]
