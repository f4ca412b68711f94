"""One resource's operation history on one node (``lrm_resource``) → role and failure.

This follows ``lib/pengine/unpack.c`` of Pacemaker 2.1.5 (SEMANTICS.md §9):
operations are replayed in call order; each result is first remapped against the
result the controller expected (the ``transition-key``), then a success moves the
role (start → Started, promote → Promoted, stop → Stopped, a probe that finds the
resource → Started/Promoted) and clears earlier recoverable failures, while a failure
raises the effective ``on-fail`` response. Pending operations count as begun.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Final
from xml.etree.ElementTree import Element

from placement.cib.values import parse_int_prefix
from placement.model import Role


class Exec(enum.IntEnum):
    """Executor status of an operation (``op-status``, ``enum pcmk_exec_status``)."""

    UNKNOWN = -2
    PENDING = -1
    DONE = 0
    CANCELLED = 1
    TIMEOUT = 2
    NOT_SUPPORTED = 3
    ERROR = 4
    ERROR_HARD = 5
    ERROR_FATAL = 6
    NOT_INSTALLED = 7
    NOT_CONNECTED = 8
    INVALID = 9
    NO_FENCE_DEVICE = 10
    NO_SECRETS = 11


class OcfRc(enum.IntEnum):
    """OCF exit codes that change how a result is read."""

    OK = 0
    ERROR = 1
    INVALID_PARAM = 2
    UNIMPLEMENT_FEATURE = 3
    INSUFFICIENT_PRIV = 4
    NOT_INSTALLED = 5
    NOT_CONFIGURED = 6
    NOT_RUNNING = 7
    RUNNING_PROMOTED = 8
    FAILED_PROMOTED = 9
    DEGRADED = 190
    DEGRADED_PROMOTED = 191


class OnFail(enum.IntEnum):
    """Failure responses, least to most severe (``cmp_on_fail``'s order)."""

    IGNORE = 0
    DEMOTE = 1
    RESTART = 2
    RESTART_CONTAINER = 3  # recover the resource's container (the default inside one)
    MIGRATE = 4  # ban this node (a missing agent that on-fail=ignore cannot ignore)
    BLOCK = 5
    STOP = 6
    STANDBY = 7
    FENCE = 8

    @classmethod
    def parse(cls, text: str) -> OnFail | None:
        """Pacemaker's spelling (``restart``, ``fence``…); None for anything else."""
        return _ON_FAIL_WORDS.get(text.strip().lower())


_ON_FAIL_WORDS: Final = {
    "ignore": OnFail.IGNORE,
    "demote": OnFail.DEMOTE,
    "restart": OnFail.RESTART,
    "restart-container": OnFail.RESTART_CONTAINER,
    "block": OnFail.BLOCK,
    "stop": OnFail.STOP,
    "standby": OnFail.STANDBY,
    "fence": OnFail.FENCE,
}
# Exit codes that mean "this node can never run it" (check_recoverable / hard error).
_HARD_RC: Final = frozenset({OcfRc.INVALID_PARAM, OcfRc.INSUFFICIENT_PRIV, OcfRc.NOT_INSTALLED})


@dataclass(frozen=True, slots=True)
class Op:
    """One recorded operation, decoded."""

    task: str
    interval_ms: int
    rc: int
    status: int
    call_id: int
    target_rc: int
    last_change: int | None  # seconds since the epoch
    reason: str
    position: int  # document order, the last tie-break
    migrate_source: str | None = None
    migrate_target: str | None = None

    @property
    def is_probe(self) -> bool:
        return self.task == "monitor" and self.interval_ms == 0

    @classmethod
    def from_xml(cls, element: Element, position: int) -> Op:
        """Decode an ``lrm_rsc_op``; unreadable numbers become Pacemaker's defaults."""
        key = element.get("transition-key", "")
        fields = key.split(":")
        target_rc = int(fields[2]) if len(fields) >= 4 and fields[2].lstrip("-").isdigit() else -1
        last_change = element.get("last-rc-change") or element.get("last-run")
        return cls(
            task=element.get("operation", ""),
            interval_ms=parse_int_prefix(element.get("interval")),  # already milliseconds
            rc=parse_int_prefix(element.get("rc-code")),
            status=parse_int_prefix(element.get("op-status")),
            call_id=parse_int_prefix(element.get("call-id")) if element.get("call-id") else -1,
            target_rc=target_rc,
            last_change=parse_int_prefix(last_change) if last_change else None,
            reason=element.get("exit-reason", ""),
            position=position,
            migrate_source=element.get("migrate_source"),
            migrate_target=element.get("migrate_target"),
        )

    @property
    def succeeded(self) -> bool:
        """Finished with the result the controller expected."""
        return self.status == Exec.DONE and self.rc == self.target_rc

    @property
    def pending(self) -> bool:
        return self.status == Exec.PENDING


@dataclass(frozen=True, slots=True)
class Failure:
    """A failed operation that still counts, with the response it calls for."""

    op: Op
    on_fail: OnFail
    hard: bool  # this node is banned for the resource (agent missing, bad parameters…)
    fatal: bool  # every node is banned (configuration error)


@dataclass(frozen=True, slots=True)
class Outcome:
    """What the history says now: the role (STOPPED if not active) and the failure response."""

    role: Role
    on_fail: OnFail
    failures: tuple[Failure, ...]
    start_pending: bool
    ops: tuple[Op, ...]  # the history, oldest first


class Policy:
    """What `replay` needs from the configuration; built by the status unpacker."""

    def __init__(
        self,
        promotable: bool,
        managed: bool,
        on_fail_of: dict[tuple[str, int], OnFail],
        default_on_fail: OnFail,
        stop_on_fail: OnFail,
        failure_timeout_s: int,
        now: int | None,
    ) -> None:
        self.promotable = promotable
        self.managed = managed
        self.on_fail_of = on_fail_of
        self.default_on_fail = default_on_fail
        self.stop_on_fail = stop_on_fail
        self.failure_timeout_s = failure_timeout_s
        self.now = now

    def on_fail(self, op: Op) -> OnFail:
        """The response configured for this operation (op, then op_defaults, then Pacemaker)."""
        configured = self.on_fail_of.get((op.task, op.interval_ms))
        if configured is not None:
            return configured
        return self.stop_on_fail if op.task == "stop" else self.default_on_fail

    def expired(self, op: Op) -> bool:
        """A failure older than ``failure-timeout`` no longer counts (``check_operation_expiry``).

        Only an operation *configured* with on-fail=block keeps its failure forever
        (``block_failure`` looks for ``op[@on-fail='block']`` in the primitive): a stop
        that blocks by default because nothing can fence expires like any failure.
        """
        return (
            self.failure_timeout_s > 0
            and self.on_fail_of.get((op.task, op.interval_ms)) is not OnFail.BLOCK
            and self.now is not None
            and op.last_change is not None
            and self.now >= op.last_change + self.failure_timeout_s
        )


def sort_key(op: Op) -> tuple[int, int, int]:
    """Call order; a pending operation (call id -1) is the newest (``sort_op_by_callid``)."""
    return (op.call_id if op.call_id >= 0 else 1 << 62, op.last_change or 0, op.position)


def replay(ops: list[Op], policy: Policy) -> Outcome:
    """Replay a resource's operations on one node, oldest first."""
    state = _Replay(policy)
    ordered = tuple(sorted(ops, key=sort_key))
    for op in ordered:
        state.apply(op)
    role = state.role if state.role is not None else Role.STOPPED
    return Outcome(role, state.on_fail, tuple(state.failures), state.start_pending, ordered)


class _Replay:
    """The mutable walk over one history; `replay` is its only user."""

    def __init__(self, policy: Policy) -> None:
        self.policy = policy
        self.role: Role | None = None  # None = unknown (no informative operation yet)
        self.on_fail = OnFail.IGNORE
        self.failures: list[Failure] = []
        self.start_pending = False
        self.last_failure: Op | None = None

    def active_role(self) -> Role:
        return Role.UNPROMOTED if self.policy.promotable else Role.STARTED

    def set_active(self) -> None:
        if self.role in (None, Role.STOPPED):
            self.role = self.active_role()

    def apply(self, op: Op) -> None:
        status, rc = op.status, op.rc
        if op.is_probe and (rc in (OcfRc.NOT_INSTALLED, OcfRc.INVALID_PARAM) or status == Exec.NOT_INSTALLED):
            # compat(pacemaker): a probe that cannot even run the agent means "not running
            # here" — and, unless it expired, bans the node ("masked-probe-failure").
            if self.policy.expired(op):
                return
            self.role = Role.STOPPED  # update_resource_state: stopped, earlier failures stand
            self.failures.append(Failure(op, OnFail.MIGRATE, True, False))
            return
        if status == Exec.CANCELLED:
            return
        if status in (Exec.DONE, Exec.ERROR):
            status = self.remap(op, rc)
        if status == Exec.PENDING:
            if op.task == "start":
                self.start_pending = True
                self.set_active()
            elif op.task == "promote":
                self.role = Role.PROMOTED
            return
        if status == Exec.DONE:
            self.succeeded(op, rc)
            return
        if self.policy.expired(op):
            return  # an expired failure is ignored altogether
        response = self.policy.on_fail(op)
        hard = status in (Exec.ERROR_HARD, Exec.NOT_INSTALLED) or (rc in _HARD_RC and not op.is_probe)
        fatal = status == Exec.ERROR_FATAL or rc == OcfRc.NOT_CONFIGURED
        if response is OnFail.IGNORE and status != Exec.NOT_INSTALLED:
            # compat(pacemaker): on-fail=ignore pretends the operation succeeded.
            self.succeeded(op, op.target_rc if op.target_rc >= 0 else OcfRc.OK)
            self.failures.append(Failure(op, response, hard, fatal))
            return
        if response is OnFail.RESTART_CONTAINER and op.task == "stop":
            # compat(pacemaker): a contained resource's stop "succeeds" when its container
            # is recovered anyway; the container restart is still due.
            self.succeeded(op, op.target_rc if op.target_rc >= 0 else OcfRc.OK)
            self.failures.append(Failure(op, response, hard, fatal))
            self.on_fail = max(self.on_fail, OnFail.RESTART_CONTAINER)
            return
        if response is OnFail.IGNORE:
            response = OnFail.MIGRATE
        self.failed(op, rc, response, hard, fatal)

    def remap(self, op: Op, rc: int) -> int:
        """``remap_operation``: judge a finished operation against its expected result."""
        # No expected result recorded (pre-1.0 CIBs) means Pacemaker cannot trust it.
        status = Exec.DONE if op.target_rc == rc and op.target_rc >= 0 else Exec.ERROR
        if rc == OcfRc.OK:
            if op.is_probe and op.target_rc == OcfRc.NOT_RUNNING:
                status = Exec.DONE  # a probe found it running: information, not failure
        elif rc == OcfRc.NOT_RUNNING:
            if op.is_probe or op.target_rc == rc or not self.policy.managed:
                status = Exec.DONE
                self.role = Role.STOPPED
                self.on_fail = OnFail.IGNORE  # a clean "not running" clears past failures
        elif rc == OcfRc.RUNNING_PROMOTED:
            if op.is_probe:
                status = Exec.DONE
            self.role = Role.PROMOTED
        elif rc == OcfRc.FAILED_PROMOTED:
            self.role = Role.PROMOTED
            status = Exec.ERROR
        elif rc in (OcfRc.DEGRADED, OcfRc.DEGRADED_PROMOTED):
            # compat(pacemaker): degraded still runs; it is not a failure (ocf_degraded-* cases).
            status = Exec.DONE
            if rc == OcfRc.DEGRADED_PROMOTED:
                self.role = Role.PROMOTED
        elif rc == OcfRc.NOT_CONFIGURED:
            status = Exec.ERROR_FATAL
        elif rc == OcfRc.UNIMPLEMENT_FEATURE:
            status = Exec.ERROR_HARD if op.interval_ms == 0 else Exec.NOT_SUPPORTED
        elif rc in _HARD_RC:
            status = Exec.ERROR_HARD
        elif status == Exec.DONE and op.target_rc != rc:
            status = Exec.ERROR
        return status

    def succeeded(self, op: Op, rc: int) -> None:
        """``update_resource_state``: a successful operation moves the role."""
        clear = False
        task = op.task
        if rc == OcfRc.NOT_RUNNING:
            self.role = Role.STOPPED
            clear = True
        elif task == "monitor" and rc in (OcfRc.RUNNING_PROMOTED, OcfRc.DEGRADED_PROMOTED):
            self.role = Role.PROMOTED
        elif task == "monitor":
            if self.last_failure is not None and (self.last_failure.task, self.last_failure.interval_ms) == (
                op.task,
                op.interval_ms,
            ):
                clear = True
            self.set_active()
        elif task == "start":
            self.role = self.active_role()
            clear = True
        elif task == "stop":
            self.role = Role.STOPPED
            clear = True
        elif task == "promote":
            self.role = Role.PROMOTED
            clear = True
        elif task == "demote":
            clear = self.on_fail is OnFail.DEMOTE
            self.role = Role.UNPROMOTED
        elif task == "migrate_from":
            self.role = self.active_role()
            clear = True
        elif task == "migrate_to":
            # The source keeps the resource until the migration is confirmed elsewhere;
            # the status unpacker settles it with the target's history.
            self.set_active()
        else:
            self.set_active()
        if clear and self.on_fail in (
            OnFail.IGNORE,
            OnFail.DEMOTE,
            OnFail.RESTART,
            OnFail.RESTART_CONTAINER,
            OnFail.BLOCK,
        ):
            # compat(pacemaker): stop, migrate, standby and fence responses survive a success.
            self.on_fail = OnFail.IGNORE

    def failed(self, op: Op, rc: int, response: OnFail, hard: bool, fatal: bool) -> None:
        """``unpack_rsc_op_failure``: a failure raises the response and fixes the role."""
        self.last_failure = op
        self.failures.append(Failure(op, response, hard, fatal))
        if response > self.on_fail:
            self.on_fail = response
        if op.task == "promote":
            self.role = Role.PROMOTED
        elif op.task == "demote":
            if response is OnFail.BLOCK:
                self.role = Role.PROMOTED
            elif rc == OcfRc.NOT_RUNNING:
                self.role = Role.STOPPED
            else:
                self.role = Role.UNPROMOTED
        if op.is_probe and rc == OcfRc.NOT_INSTALLED:
            self.role = Role.STOPPED
        elif self.role in (None, Role.STOPPED):
            self.set_active()
