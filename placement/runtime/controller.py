"""The controller: probe, plan, execute the graph, watch, and plan again — fencing first.

One loop, Pacemaker's controller in miniature:

1. **watch** — heartbeat every agent, collect monitor events, notice a changed
   configuration file. An agent silent for ``dead_after`` seconds makes its node
   *unclean*; so does a failed stop. A node answering again with a new boot id
   after being fenced (it "rebooted") is probed and rejoins.
2. **plan** — freeze the belief into a `State` and ask the planner for a
   transition graph (a DAG of `Action`).
3. **execute** — dispatch every action whose predecessors are done, in parallel;
   on any failure or event stop dispatching, wait for what is in flight (except
   on nodes that became unclean: fencing settles those), and go back to 1.

Every decision is journalled (fsynced, or written to etcd) before it is acted on.
In a group of controllers (`placement.runtime.group`) this object lives for one
leadership term: ``leading`` says whether the term still holds, every agent call
carries the term's fencing token, and any sign of a newer leader (a refused token,
a refused journal write) raises `LeadershipLost`, which ends the term at once. Independently of
the planner, the executor refuses to start a resource that may still run on an
unclean node, or that runs on another node already: a planner bug cannot make a
resource run twice. Fencing that fails is retried with back-off, and nothing of
the unclean node is recovered meanwhile.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path

import networkx as nx

from placement.errors import PlacementError
from placement.hierarchy import Hierarchy
from placement.model import Config, Operation, Primitive, Role
from placement.runtime import fence_records, fencing
from placement.runtime.belief import Belief, Membership
from placement.runtime.client import AgentClient, AgentError, AgentRefused, Deposed
from placement.runtime.election import LeadershipLost
from placement.runtime.fencing import FenceAction, FenceDevice, FenceOutcome, FenceResult
from placement.runtime.journal import Entry, JournalQueries, fences_done_after
from placement.runtime.messages import MonitorEvent, OperationRequest
from placement.runtime.ocf import DEFAULT_TIMEOUT_MS, OcfResult, OcfStatus, observed_role
from placement.state import FailedOperation, Instance, State
from placement.transition.action import Action, Op

log = logging.getLogger(__name__)

Planner = Callable[[Config, State], nx.DiGraph]


def default_planner(config: Config, state: State) -> nx.DiGraph:
    """The real planner: solver, then transition (`placement.plan`)."""
    import placement

    return placement.plan(config, state).transition


@dataclass(frozen=True, slots=True)
class ControllerOptions:
    """Timing of the control loop, in seconds."""

    dead_after: float = 5.0  # silence after which a node is unclean
    heartbeat_timeout: float = 1.0
    poll_interval: float = 0.25
    startup_grace: float = 10.0  # how long a never-seen node may take to appear
    fence_retry: float = 2.0  # first back-off after a failed fencing; doubles up to fence_retry_max
    fence_retry_max: float = 30.0
    max_parallel: int = 8


@dataclass(frozen=True, slots=True)
class Outcome:
    """What came of one action."""

    ok: bool
    exit_code: int = 0
    reason: str = ""
    fence: FenceOutcome | None = None
    result: OcfResult | None = None
    deposed: bool = False  # an agent refused our fencing token: a newer controller leads


@dataclass
class _Watch:
    """Per-node bookkeeping of the watcher (main thread only)."""

    last_seen: float | None = None
    boot_id: str | None = None
    last_event: int = 0


@dataclass
class _Dispatch:
    action: Action
    seq: int
    future: Future = field(repr=False)


class Controller:
    """Drives the cluster towards the planner's target. ``run`` until ``stop`` is set."""

    def __init__(
        self,
        config: Config | Path,
        agents: Mapping[str, AgentClient],
        journal: JournalQueries,
        planner: Planner = default_planner,
        options: ControllerOptions = ControllerOptions(),
        load: Callable[[Path], Config] | None = None,
        leading: Callable[[], bool] | None = None,
        token: int = 0,
    ) -> None:
        self._config_path = config if isinstance(config, Path) else None
        self._load = load
        self._config_mtime = self._config_path.stat().st_mtime_ns if self._config_path else None
        self.config = self._load_config() if self._config_path else config
        self.agents = dict(agents)
        self.token = token
        for client in self.agents.values():
            client.fencing_token = token
        self._leading = leading
        self.journal = journal
        self.planner = planner
        self.options = options
        self.belief = Belief()
        self.converged = threading.Event()  # set while the last plan was empty
        self.rounds = 0
        self._watch: dict[str, _Watch] = {node: _Watch() for node in self.agents}
        self._started = time.monotonic()
        self._fence_backoff: dict[str, tuple[float, float]] = {}  # node → (not before, next delay)
        self._reissue: dict[str, int] = {}  # node → the previous leader's fence dispatch whose outcome is unknown
        # Copies whose recurring monitor this term knows runs on the agent (started by a graph's
        # monitor action, after a probe, or by `_restore_monitors`).
        self._monitored: set[tuple[str, str, str | None]] = set()
        self._replayed: list[tuple[str, int, str]] = []  # fences found done after the last snapshot
        self._pool = ThreadPoolExecutor(max_workers=options.max_parallel, thread_name_prefix="action")
        self._beats = ThreadPoolExecutor(max_workers=max(1, len(self.agents)), thread_name_prefix="heartbeat")
        self._stop = threading.Event()
        self._last_watch = 0.0
        self._blocked_reported: set[tuple[Action, str]] = set()
        self._last_plan: list[str] = []
        self.graph: nx.DiGraph | None = None  # the transition being executed, for observers (the status page)

    # ------------------------------------------------------------------ the loop

    def run(self, stop: threading.Event | None = None) -> None:
        """Control the cluster until ``stop`` is set."""
        self._stop = stop or threading.Event()
        self.start()
        try:
            while not self._stop.is_set():
                self.round()
        finally:
            self.close()

    def start(self) -> None:
        """Resume from the journal, then learn the truth from every reachable agent."""
        self.check_leading()
        position = self.journal.position
        snapshot = self.journal.last("belief")
        if snapshot is not None:
            self.belief = Belief.from_json(snapshot.data["belief"])
            for node, view in self.belief.nodes.items():
                if view.membership is Membership.ONLINE:
                    view.membership = Membership.UNKNOWN  # re-probe before trusting it
                self._watch.setdefault(node, _Watch())
        self._replay_fences(snapshot.seq if snapshot is not None else 0)
        doubts = self.journal.in_doubt()
        doubts += [e for e in self.journal.fence_doubts() if e not in doubts]
        found = self._announce()
        unknown = sorted(set(self.config.nodes) - set(self.agents))
        log.info(
            "starting: journal at #%d (%s), %d action(s) in doubt; agents answering: %s; silent: %s%s",
            position,
            "resuming from its last belief" if snapshot is not None else "fresh",
            len(doubts),
            ", ".join(found) or "none",
            ", ".join(sorted(set(self.agents) - set(found))) or "none",
            f"; nodes without an agent: {', '.join(unknown)}" if unknown else "",
        )
        self.journal.record(
            "controller-start",
            agents=dict(sorted((n, c.address) for n, c in self.agents.items())),
            resumed=snapshot is not None,
            nodes_without_agent=unknown,
            token=self.token,
            answering=found,
        )
        for node, seq, summary in self._replayed:  # said in this term, so the journal reads in order
            self.journal.record("fenced", node=node, summary=summary, settled=seq)
        if self._replayed:
            self._snapshot()
        for entry in doubts:
            self._settle_in_doubt(entry)
        self.watch()

    def _replay_fences(self, after: int) -> None:
        """Fences that completed after the last belief snapshot: the node is fenced, whatever the snapshot says.

        The previous controller journals a fence's result, then ``fenced``, then a new
        snapshot; dying in between must not make us fence the node a second time. (Probes
        settle everything else; a fenced node cannot be probed.)
        """
        for entry in fences_done_after(self.journal.entries, after):
            data = entry.data
            view = self.belief.node(data["node"])
            if view.membership is not Membership.FENCED:
                view.membership = Membership.FENCED
                view.reason = data.get("summary") or data.get("reason") or "fenced (journal)"
                self.belief.forget_node_instances(data["node"])
                self._replayed.append((data["node"], entry.seq, view.reason))
                log.info("%s was fenced after the last snapshot (#%d): not fencing it again", data["node"], entry.seq)

    def check_leading(self) -> None:
        """Raise `LeadershipLost` when this controller's term is over."""
        if self._leading is not None and not self._leading():
            raise LeadershipLost(f"the lease of token {self.token} is no longer ours")

    def _announce(self) -> list[str]:
        """Tell every agent our fencing token (a deposed leader's orders are refused from now on)."""
        futures = {
            node: self._beats.submit(client.announce, self.options.heartbeat_timeout)
            for node, client in sorted(self.agents.items())
        }
        found = []
        for node, future in futures.items():
            try:
                future.result()
            except Deposed as error:
                raise LeadershipLost(str(error)) from None
            except AgentError as error:
                log.debug("cannot announce token %d to %s: %s", self.token, node, error)
                continue
            found.append(node)
        return found

    def round(self) -> None:
        """One watch → plan → execute cycle."""
        self.rounds += 1
        self.check_leading()
        # Between rounds nothing is in flight and the term's start has settled every doubt:
        # the one moment the journal may be compacted (`placement.runtime.checkpoint`).
        self.journal.checkpoint(self.belief.to_json())
        self.watch()
        self._restore_monitors()
        graph = self.plan()
        if graph is None or graph.number_of_nodes() == 0:
            if graph is not None and not self.converged.is_set():
                self.journal.record("converged", round=self.rounds)
            self.converged.set()
            self._stop.wait(self.options.poll_interval)
            return
        self.converged.clear()
        progressed = self.execute(graph)
        if not progressed:
            self._stop.wait(self.options.poll_interval)

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
        self._beats.shutdown(wait=False, cancel_futures=True)

    # ------------------------------------------------------------------ plan

    def state(self) -> State:
        return self.belief.to_state(self.config, int(time.time()))

    def plan(self) -> nx.DiGraph | None:
        state = self.state()
        try:
            graph = self.planner(self.config, state)
        except PlacementError as error:
            log.error("planning failed: %s", error)
            self.journal.record("plan-failed", error=str(error))
            return None
        except Exception as error:  # a planner bug must not stop the watching and fencing
            log.exception("planner crashed")
            self.journal.record("plan-failed", error=f"{type(error).__name__}: {error}")
            return None
        self.graph = graph
        labels = [a.label for a in nx.lexicographical_topological_sort(graph)]
        if labels and labels != self._last_plan:
            self.journal.record("plan", actions=labels)
        self._last_plan = labels
        return graph

    # ------------------------------------------------------------------ execute

    def execute(self, graph: nx.DiGraph) -> bool:
        """Run ``graph`` until done or interrupted; True if any action completed."""
        done: set[Action] = set()
        dispatched: set[Action] = set()
        in_flight: list[_Dispatch] = []
        stop_dispatch = False
        progressed = False
        while True:
            if self._stop.is_set():
                stop_dispatch = True  # shutting down: finish what runs, start nothing new
            if not stop_dispatch:
                for action in sorted(graph.nodes):
                    if action in dispatched or not all(p in done for p in graph.predecessors(action)):
                        continue
                    dispatched.add(action)
                    implied = self._implied_by_fencing(action)
                    if implied:
                        done.add(action)
                        self.journal.record("implied", action=action.label, reason=implied)
                        continue
                    blocked = self._blocked(action)
                    if blocked:
                        self._report_blocked(action, blocked)
                        continue
                    self.check_leading()
                    in_flight.append(self._dispatch(action, graph))
            if not in_flight:
                break
            finished, _ = wait([d.future for d in in_flight], self.options.poll_interval, FIRST_COMPLETED)
            for entry in [d for d in in_flight if d.future in finished]:
                in_flight.remove(entry)
                outcome = entry.future.result()
                self._apply(entry.action, entry.seq, outcome)
                if outcome.ok:
                    done.add(entry.action)
                    progressed = True
                else:
                    stop_dispatch = True
            if self.watch():
                stop_dispatch = True
            if stop_dispatch:
                # Actions on a node that became unclean are settled by fencing it, not by waiting.
                for entry in [d for d in in_flight if self._abandon(d.action)]:
                    in_flight.remove(entry)
                    self.journal.record("abandoned", dispatch=entry.seq, action=entry.action.label)
        return progressed

    def _report_blocked(self, action: Action, reason: str) -> None:
        # Said once per cause, not once per round: a long wait must not flood the journal.
        if (action, reason) in self._blocked_reported:
            return
        self._blocked_reported.add((action, reason))
        self.journal.record("blocked", action=action.label, reason=reason)
        log.warning("not running %s: %s", action.label, reason)

    def _dispatch(self, action: Action, graph: nx.DiGraph) -> _Dispatch:
        if action.op is Op.FENCE:
            executors = self._fence_executors(action.node)
            levels = fencing.levels_for(self.config, action.node)
            delay = max(0.0, self._fence_backoff.get(action.node, (0.0, 0.0))[0] - time.monotonic())
            reissue = self._reissue.pop(action.node, None)
            entry = self.journal.record(
                "dispatch",
                action=action.label,
                op="fence",
                node=action.node,
                executors=executors,
                wait=round(delay, 3),
                **({"reissue_of": reissue} if reissue is not None else {}),
            )
            log.info(
                "sent #%d %s (executors %s)%s",
                entry.seq,
                action.label,
                ", ".join(executors) or "none",
                f": re-issuing #{reissue}, whose outcome is unknown" if reissue is not None else "",
            )
            future = self._pool.submit(self._fence, action.node, levels, executors, delay, f"#{entry.seq}")
            return _Dispatch(action, entry.seq, future)
        request = self._request(action, graph)
        if action.op is not Op.MONITOR:  # the agent cancels the copy's monitors before these
            self._monitored = {k for k in self._monitored if not (k[0] == action.resource and k[1] == action.node)}
        entry = self.journal.record(
            "dispatch",
            action=action.label,
            op=action.op.value,
            node=action.node,
            resource=action.resource,
            clone_instance=action.clone_instance,
            interval_ms=request.interval_ms if request else 0,
        )
        log.info("sent #%d %s", entry.seq, action.label)
        future = self._pool.submit(self._operate, action.node, request, f"#{entry.seq}")
        return _Dispatch(action, entry.seq, future)

    def _abandon(self, action: Action) -> bool:
        return action.op is not Op.FENCE and self.belief.node(action.node).membership is Membership.UNCLEAN

    # ------------------------------------------------------------------ safety

    def _implied_by_fencing(self, action: Action) -> str | None:
        """A stop or demote on a fenced node already happened: the fence did it."""
        if action.op in (Op.STOP, Op.DEMOTE) and self.belief.node(action.node).membership is Membership.FENCED:
            return f"{action.node} was fenced"
        return None

    def _blocked(self, action: Action) -> str | None:
        """Why ``action`` must not run now (fencing first, never twice), or None."""
        if action.op is Op.FENCE:
            return None
        membership = self.belief.node(action.node).membership
        if membership is not Membership.ONLINE:
            return f"{action.node} is {membership.value}"
        if action.op not in (Op.START, Op.PROMOTE, Op.MIGRATE_FROM):
            return None
        rid = action.resource or ""
        for node in self.belief.active_nodes(rid):
            if self.belief.node(node).membership is Membership.UNCLEAN:
                return f"fencing first: {rid} may still run on unclean node {node}"
        hierarchy = Hierarchy(self.config)
        if action.op is Op.START and hierarchy.clone_of(rid) is None:
            elsewhere = [n for n in self.belief.active_nodes(rid) if n != action.node]
            if elsewhere:
                return f"{rid} is still active on {', '.join(elsewhere)}: starting it would run it twice"
        return None

    # ------------------------------------------------------------------ performing (worker threads)

    def _operate(self, node: str, request: OperationRequest | None, dispatch: str) -> Outcome:
        if request is None:
            return Outcome(True, reason="no recurring monitor configured")
        try:
            result = self.agents[node].execute(request, dispatch)
        except Deposed as error:
            return Outcome(False, -1, str(error), deposed=True)
        except (AgentError, KeyError) as error:
            return Outcome(False, -1, f"agent unreachable: {error}")
        ok = result.exit_code == request.expected and not result.timed_out
        return Outcome(ok, result.exit_code, result.reason or result.status.name, result=result)

    def _fence(
        self, target: str, levels: list[tuple[FenceDevice, ...]], executors: list[str], delay: float, dispatch: str
    ) -> Outcome:
        if delay and self._stop.wait(delay):
            return Outcome(False, -1, "controller stopping")
        action = FenceAction(self.config.cluster.fencing_action.value)

        deposed: list[str] = []

        def run(device: FenceDevice, fence_action: FenceAction, node: str) -> FenceResult:
            for executor in executors:
                try:
                    return self.agents[executor].fence(device, fence_action, node, dispatch)
                except Deposed as error:
                    deposed.append(str(error))
                    break
                except AgentError as error:
                    log.warning("cannot fence %s from %s: %s", node, executor, error)
            return FenceResult(device.id, fence_action.value, node, False, -1, 0, output="no agent could run it")

        outcome = fencing.fence(target, levels, action, run)
        if deposed:
            return Outcome(False, -1, deposed[0], fence=outcome, deposed=True)
        return Outcome(outcome.ok, 0 if outcome.ok else 1, outcome.summary, fence=outcome)

    def _fence_executors(self, target: str) -> list[str]:
        """Healthy nodes that can run a fence agent against ``target``, other than itself."""
        return sorted(
            node
            for node, view in self.belief.nodes.items()
            if view.membership is Membership.ONLINE and node != target and node in self.agents
        )

    # ------------------------------------------------------------------ results (main thread)

    def _apply(self, action: Action, seq: int, outcome: Outcome) -> None:
        if outcome.deposed:
            raise LeadershipLost(outcome.reason)  # its result is the next leader's to learn, by probing
        log.info(
            "result #%d %s: %s%s",
            seq,
            action.label,
            "ok" if outcome.ok else f"failed (rc={outcome.exit_code})",
            f" {outcome.reason}" if outcome.reason and not outcome.ok else "",
        )
        self.journal.record(
            "result",
            dispatch=seq,
            action=action.label,
            op=action.op.value,
            node=action.node,
            resource=action.resource,
            ok=outcome.ok,
            exit_code=outcome.exit_code,
            reason=outcome.reason,
        )
        now = int(time.time())
        if action.op is Op.MONITOR and outcome.ok and action.resource is not None:
            self._monitored.add((action.resource, action.node, action.clone_instance))
        if action.op is Op.FENCE:
            self._apply_fence(action.node, outcome)
        elif action.resource is not None:
            self._apply_operation(action, outcome, now)
        self._snapshot()

    def _apply_fence(self, node: str, outcome: Outcome) -> None:
        view = self.belief.node(node)
        if outcome.ok:
            view.membership = Membership.FENCED
            view.boot_id = self._watch.get(node, _Watch()).boot_id
            view.reason = outcome.reason
            self.belief.forget_node_instances(node)
            self._fence_backoff.pop(node, None)
            self.journal.record("fenced", node=node, summary=outcome.reason)
            log.warning("%s", outcome.reason)
            return
        _, delay = self._fence_backoff.get(node, (0.0, self.options.fence_retry))
        self._fence_backoff[node] = (time.monotonic() + delay, min(delay * 2, self.options.fence_retry_max))
        self.journal.record("fence-failed", node=node, summary=outcome.reason, retry_in=delay)
        log.error("%s; resources of %s stay blocked; retrying in %.0fs", outcome.reason, node, delay)

    def _apply_operation(self, action: Action, outcome: Outcome, now: int) -> None:
        rid = action.resource or ""
        key = (rid, action.node, action.clone_instance)
        hierarchy = Hierarchy(self.config)
        clone = hierarchy.clone_of(rid)
        started_role = Role.UNPROMOTED if clone is not None and clone.promotable else Role.STARTED
        current = self.belief.instances.get(key) or self.belief.instances.get((rid, action.node, None))
        copy = Instance(
            rid, action.node, current.role if current else started_role, clone_instance=action.clone_instance
        )
        op = action.op
        if outcome.ok:
            if op in (Op.START, Op.MIGRATE_FROM):
                self.belief.set_instance(Instance(rid, action.node, started_role, clone_instance=action.clone_instance))
            elif op is Op.STOP:
                self.belief.drop_instance(rid, action.node, action.clone_instance)
            elif op is Op.PROMOTE:
                self.belief.set_instance(
                    Instance(rid, action.node, Role.PROMOTED, clone_instance=action.clone_instance)
                )
            elif op is Op.DEMOTE:
                self.belief.set_instance(Instance(rid, action.node, started_role, clone_instance=action.clone_instance))
            return
        if outcome.exit_code == -1 and outcome.result is None:
            return  # unreachable: the heartbeat decides what that means
        fatal = op is Op.START and self.config.cluster.start_failure_is_fatal
        count = self.belief.record_failure(rid, action.node, now, fatal=fatal)
        self.belief.failed_operations.append(
            FailedOperation(rid, action.node, op.value, 0, outcome.exit_code, outcome.reason)
        )
        role = Role.PROMOTED if op in (Op.PROMOTE, Op.DEMOTE) else copy.role
        if op is Op.START:
            role = started_role
        self.belief.drop_instance(rid, action.node, action.clone_instance)
        self.belief.set_instance(Instance(rid, action.node, role, True, clone_instance=action.clone_instance))
        log.warning(
            "%s failed (rc=%d %s); fail count of %s on %s is %d",
            action.label,
            outcome.exit_code,
            outcome.reason,
            rid,
            action.node,
            count,
        )
        if op is Op.STOP and self.config.cluster.fencing:
            self._declare_unclean(action.node, f"stop of {rid} failed")

    def _declare_unclean(self, node: str, reason: str) -> None:
        view = self.belief.node(node)
        if view.membership is Membership.UNCLEAN:
            return
        view.membership = Membership.UNCLEAN
        view.reason = reason
        self.journal.record("unclean", node=node, reason=reason)
        log.error("%s is unclean (%s): it will be fenced before its resources are recovered", node, reason)

    def _snapshot(self) -> None:
        self.journal.record("belief", belief=self.belief.to_json())

    def _settle_in_doubt(self, entry: Entry) -> None:
        """An action the previous controller sent but never saw answered.

        A fence is asked about (`_settle_fence_in_doubt`); anything else is assumed at
        its worst until probing (or fencing) tells the truth.
        """
        data = entry.data
        if data.get("op") == "fence" and data.get("node"):
            self._settle_fence_in_doubt(entry)
            return
        self._assume_in_doubt(entry)

    def _settle_fence_in_doubt(self, entry: Entry) -> None:
        """A fence the previous controller sent: completed, not completed, or unknown — never silently repeated.

        Every executor the dispatch named keeps a durable record of the fences it ran
        (`placement.runtime.fence_records`), written before the fence agent starts and
        its outcome before it answers; we announced our token first, so no order of the
        previous leader can begin after we ask. We wait for a run still going, then:

        - the runs fenced the node (a whole level succeeded): the dispatch's result is
          journalled as ok and the node is fenced — it is not fenced again;
        - every named executor answered and none has a run in doubt: the fence did not
          complete (it never ran, or it failed) — journalled as a failed result; the
          plan fences again, a retry like any failed fence;
        - otherwise (an executor silent, or restarted during the run) nobody can know:
          an ``in-doubt`` entry says so and the plan's next fence of the node is journalled
          as ``reissue_of`` this dispatch. Powering off a node that is off changes
          nothing; a ``reboot`` would reboot it a second time (its resources count as
          lost either way).
        """
        data, dispatch = entry.data, f"#{entry.seq}"
        node = data["node"]
        named = data.get("executors")
        executors = sorted(named) if isinstance(named, list) else sorted(self.agents)  # older entries: ask all
        levels = [tuple(d.id for d in level) for level in fencing.levels_for(self.config, node)]
        action = FenceAction(self.config.cluster.fencing_action.value)
        timeouts = [d.timeout_ms(action) for level in fencing.levels_for(self.config, node) for d in level]
        deadline = time.monotonic() + (max(timeouts, default=0) / 1000 + 5)
        while True:
            known: dict[str, dict] = {}
            for executor in executors:
                client = self.agents.get(executor)
                if client is None:
                    continue
                try:
                    known[executor] = client.fence_record(dispatch, self.options.heartbeat_timeout * 2)
                except Deposed as error:
                    raise LeadershipLost(str(error)) from None
                except AgentError as error:
                    log.debug("cannot ask %s about fence %s: %s", executor, dispatch, error)
            running = [n for n, k in known.items() if k.get("state") == fence_records.RUNNING]
            if not running or time.monotonic() > deadline:
                break
            self._stop.wait(0.25)
        results = [r for k in known.values() for r in k.get("results", [])]
        silent = [n for n in executors if n not in known]
        unsure = [n for n, k in known.items() if k.get("state") in (fence_records.RUNNING, fence_records.INTERRUPTED)]
        common = {"dispatch": entry.seq, "action": data.get("action"), "op": "fence", "node": node, "resource": None}
        if fence_records.completed(results, levels):
            ran = ", ".join(sorted({f"{r.get('device')} from {n}" for n, k in known.items()
                                    for r in k.get("results", []) if r.get("ok")}))
            summary = f"{node} fenced by {ran} (dispatch {dispatch})"
            self.journal.record("result", **common, ok=True, exit_code=0,
                                reason=f"settled after a takeover: {summary}")
            view = self.belief.node(node)
            view.membership, view.reason = Membership.FENCED, summary
            self.belief.forget_node_instances(node)
            self.journal.record("fenced", node=node, summary=summary, settled=entry.seq)
            log.info("fence %s in doubt had completed (%s): not fencing again", dispatch, summary)
            self._snapshot()
            return
        if not silent and not unsure:
            how = "ran and failed" if results else "never ran"
            asked = ", ".join(executors) or "nobody"
            self.journal.record("result", **common, ok=False, exit_code=1,
                                reason=f"settled after a takeover: the fence {how} (asked {asked})")
            log.info("fence %s of %s in doubt %s: the plan fences again", dispatch, node, how)
            return
        self._reissue[node] = entry.seq
        self.journal.record("in-doubt", **common, assumed="outcome unknown", silent=silent, unsure=unsure,
                            results=len(results))
        log.warning("fence %s of %s in doubt: its outcome cannot be known (silent: %s; interrupted or running: %s);"
                    " it will be re-issued", dispatch, node, ", ".join(silent) or "none", ", ".join(unsure) or "none")

    def _assume_in_doubt(self, entry: Entry) -> None:
        """An action the previous controller may have half done: assume the worst of it.

        The assumption lives in the belief; until a snapshot holds it, the ``in-doubt``
        entry (naming the dispatch) makes the next controller assume it again.
        """
        dispatch = entry.data
        op, node, rid = dispatch.get("op"), dispatch.get("node"), dispatch.get("resource")
        if op in ("start", "migrate_from", "promote") and node and rid:
            role = Role.PROMOTED if op == "promote" else Role.STARTED
            self.belief.set_instance(Instance(rid, node, role, True, clone_instance=dispatch.get("clone_instance")))
            self.journal.record(
                "in-doubt", dispatch=entry.seq, op=op, action=dispatch.get("action"), assumed="active and failed"
            )

    # ------------------------------------------------------------------ watch

    def watch(self) -> bool:
        """Heartbeats, monitor events, configuration; True if anything changed."""
        now = time.monotonic()
        if now - self._last_watch < self.options.poll_interval / 2:
            return False
        self._last_watch = now
        changed = self._reload_config()
        beats = {
            node: self._beats.submit(client.heartbeat, self.options.heartbeat_timeout)
            for node, client in sorted(self.agents.items())
        }
        for node, future in beats.items():
            try:
                beat = future.result()
            except AgentRefused as error:
                # Same consequence as silence (it is no member we can trust), but say why, loudly.
                log.error("%s", error)
                beat = None
            except AgentError:
                beat = None
            changed |= self._on_heartbeat(node, beat, now)
        for node in sorted(self.config.nodes):
            if node not in self.agents:
                changed |= self._on_heartbeat(node, None, now)
        return changed

    def _on_heartbeat(self, node: str, beat: dict | None, now: float) -> bool:
        watch = self._watch.setdefault(node, _Watch())
        view = self.belief.node(node)
        if beat is None:
            silent_since = watch.last_seen if watch.last_seen is not None else self._started
            limit = self.options.dead_after if watch.last_seen is not None else self.options.startup_grace
            if view.membership in (Membership.ONLINE, Membership.UNKNOWN) and now - silent_since > limit:
                self._declare_unclean(node, "agent lost" if watch.last_seen else "agent never answered")
                self._snapshot()
                return True
            return False
        boot = str(beat.get("boot_id"))
        watch.last_seen = now
        rebooted = watch.boot_id is not None and boot != watch.boot_id
        watch.boot_id = boot
        if view.membership is Membership.UNCLEAN:
            return False  # answering again changes nothing: it must still be fenced
        if view.membership is Membership.FENCED and boot == view.boot_id:
            return False  # the fence did not restart it: still down as far as we are concerned
        if view.membership is Membership.ONLINE and not rebooted:
            return self._poll_events(node)
        if not self._probe(node, boot):
            return False
        # The probe is the truth now; older monitor events were about an older truth.
        watch.last_event = int(beat.get("last_event") or 0)
        return True

    def _probe(self, node: str, boot: str) -> bool:
        """Learn what runs on ``node`` from its agent; the node then counts as online."""
        requests = [self._request_for(rid, "monitor", None) for rid in self.config.primitives]
        try:
            # The token first: from here on no order of a deposed leader can change what we probe.
            self.agents[node].announce(self.options.heartbeat_timeout)
            results = self.agents[node].probe(requests)
        except Deposed as error:
            raise LeadershipLost(str(error)) from None
        except AgentError as error:
            log.warning("probe of %s failed: %s", node, error)
            return False
        self.belief.forget_node_instances(node)
        self._monitored = {k for k in self._monitored if k[1] != node}
        found = {}
        for request in requests:
            result = results.get(request.instance)
            if result is None:
                continue
            role, failed = observed_role(result)
            if role is Role.STOPPED:
                continue
            clone = Hierarchy(self.config).clone_of(request.resource)
            if role is Role.STARTED and clone is not None and clone.promotable:
                role = Role.UNPROMOTED
            self.belief.set_instance(Instance(request.resource, node, role, failed))
            found[request.resource] = f"{role.value}{' (failed)' if failed else ''}"
        view = self.belief.node(node)
        view.membership, view.boot_id, view.reason = Membership.ONLINE, boot, ""
        self.journal.record("probe", node=node, boot_id=boot, found=found)
        self._snapshot()
        for rid in sorted(found):
            self._ensure_monitor(node, rid)
        return True

    def _ensure_monitor(self, node: str, rid: str, clone_instance: str | None = None) -> None:
        """Give a copy believed running its recurring monitor (the agent may be new, or it was never started)."""
        instance = self.belief.instances.get((rid, node, clone_instance))
        if instance is None or instance.failed or instance.role is Role.STOPPED:
            return
        request = self._monitor_request(rid, clone_instance, instance.role)
        if request is None:
            return
        try:
            result = self.agents[node].execute(request)
        except AgentError as error:
            log.warning("cannot start the monitor of %s on %s: %s", rid, node, error)
            return
        self._monitored.add((rid, node, clone_instance))
        if result.exit_code != request.expected:
            # Failed between the probe and now: the monitor reports only changes, so say it here.
            event = MonitorEvent(
                0,
                rid,
                request.instance,
                request.interval_ms,
                result.exit_code,
                request.expected,
                result.reason,
                time.time(),
            )
            self._on_event(node, event)

    def _restore_monitors(self) -> None:
        """Every healthy copy on an online node has its recurring monitor.

        A transition interrupted between a start and the monitor that follows it (a
        node answered, a failure elsewhere) leaves the copy running unwatched, and the
        next plan does not ask for that monitor again (the copy is not new): without
        this its failure would never be seen.
        """
        for (rid, node, clone), instance in sorted(self.belief.instances.items(), key=lambda kv: _key(kv[0])):
            if self.belief.node(node).membership is not Membership.ONLINE or node not in self.agents:
                continue
            if any(k[0] == rid and k[1] == node for k in self._monitored) or instance.failed:
                continue  # anonymous clone copies share one agent instance, and so one monitor
            if self._monitor_request(rid, clone, instance.role) is None:
                continue
            log.info("starting the missing monitor of %s on %s", rid, node)
            self._ensure_monitor(node, rid, clone)

    def _poll_events(self, node: str) -> bool:
        watch = self._watch[node]
        try:
            boot, events = self.agents[node].events(watch.last_event)
        except AgentError:
            return False
        if boot != watch.boot_id:
            return False  # restarted since its heartbeat: the next heartbeat re-probes it
        changed = False
        for event in events:
            watch.last_event = max(watch.last_event, event.seq)
            changed |= self._on_event(node, event)
        return changed

    def _on_event(self, node: str, event: MonitorEvent) -> bool:
        # The event's own number and time must not take the places of the entry's (reserved names).
        fields = event.to_json()
        fields["event_seq"], fields["event_time"] = fields.pop("seq"), fields.pop("time")
        self.journal.record("event", node=node, **fields)
        if event.healthy:
            return False
        copies = [i for (rid, n, _), i in self.belief.instances.items() if rid == event.resource and n == node]
        if not copies:
            return False
        count = self.belief.record_failure(event.resource, node, int(event.time))
        for copy in copies:
            self.belief.set_instance(Instance(copy.resource, node, copy.role, True, copy.managed, copy.clone_instance))
        self.belief.failed_operations.append(
            FailedOperation(event.resource, node, "monitor", event.interval_ms, event.exit_code, event.reason)
        )
        log.warning("monitor of %s on %s failed (rc=%d); fail count %d", event.resource, node, event.exit_code, count)
        self._snapshot()
        return True

    def _reload_config(self) -> bool:
        if self._config_path is None:
            return False
        try:
            mtime = self._config_path.stat().st_mtime_ns
        except OSError:
            return False
        if mtime == self._config_mtime:
            return False
        self._config_mtime = mtime
        try:
            self.config = self._load_config()
        except PlacementError as error:
            log.error("configuration change ignored: %s", error)
            self.journal.record("config-rejected", error=str(error))
            return False
        self.journal.record("config", path=str(self._config_path))
        return True

    def _load_config(self) -> Config:
        assert self._config_path is not None
        if self._load is not None:
            return self._load(self._config_path)
        import placement

        return placement.load(self._config_path)

    # ------------------------------------------------------------------ requests

    def _request(self, action: Action, graph: nx.DiGraph) -> OperationRequest | None:
        rid = action.resource or ""
        if action.op is Op.MONITOR:
            current = self.belief.instances.get((rid, action.node, action.clone_instance))
            current = current or self.belief.instances.get((rid, action.node, None))
            return self._monitor_request(rid, action.clone_instance, current.role if current else Role.STARTED)
        meta = {}
        if action.op in (Op.MIGRATE_TO, Op.MIGRATE_FROM):
            other = Op.MIGRATE_FROM if action.op is Op.MIGRATE_TO else Op.MIGRATE_TO
            peer = next((a.node for a in graph.nodes if a.op is other and a.resource == rid), None)
            source, target = (action.node, peer) if action.op is Op.MIGRATE_TO else (peer, action.node)
            meta = {"migrate_source": source or "", "migrate_target": target or ""}
        return self._request_for(rid, action.op.value, action.clone_instance, extra_meta=meta)

    def _request_for(
        self,
        rid: str,
        action: str,
        clone_instance: str | None,
        interval_ms: int = 0,
        role: Role | None = None,
        extra_meta: Mapping[str, str] | None = None,
    ) -> OperationRequest:
        primitive = self.config.primitives[rid]
        operation = _operation(primitive, action, interval_ms, role)
        meta = dict(_clone_meta(self.config, rid, clone_instance))
        meta.update(extra_meta or {})
        params = dict(primitive.params)
        if operation is not None:
            params.update(operation.params)
        timeout = operation.timeout_ms if operation and operation.timeout_ms else DEFAULT_TIMEOUT_MS
        expected = int(OcfStatus.RUNNING_PROMOTED) if role is Role.PROMOTED and interval_ms else 0
        # Anonymous clone copies share one agent instance name, as Pacemaker's executor does.
        return OperationRequest(rid, rid, str(primitive.agent), action, params, meta, timeout, interval_ms, expected)

    def _monitor_request(self, rid: str, clone_instance: str | None, role: Role) -> OperationRequest | None:
        primitive = self.config.primitives[rid]
        wanted = Role.PROMOTED if role is Role.PROMOTED else None
        monitors = [o for o in primitive.operations if o.name == "monitor" and o.interval_ms > 0]
        chosen = [o for o in monitors if (o.role is Role.PROMOTED) == (wanted is Role.PROMOTED)]
        if not chosen:
            return None
        return self._request_for(rid, "monitor", clone_instance, chosen[0].interval_ms, role)


def _key(key: tuple[str, str, str | None]) -> tuple[str, str, str]:
    return key[0], key[1], key[2] or ""


def _operation(primitive: Primitive, action: str, interval_ms: int, role: Role | None) -> Operation | None:
    for operation in primitive.operations:
        matches_role = role is None or operation.role in (None, role)
        if operation.name == action and operation.interval_ms == interval_ms and matches_role:
            return operation
    return None


def _clone_meta(config: Config, rid: str, clone_instance: str | None) -> dict[str, str]:
    clone = Hierarchy(config).clone_of(rid)
    if clone is None:
        return {}
    nodes = len(config.nodes) or 1
    return {
        "clone": clone_instance or "0",
        "clone_max": str(clone.max if clone.max is not None else nodes),
        "clone_node_max": str(clone.per_node or 1),
        "globally_unique": "true" if clone.globally_unique else "false",
        "notify": "true" if clone.notify else "false",
        "promotable": "true" if clone.promotable else "false",
        "promoted_max": str(clone.promoted_max or 1),
        "promoted_node_max": str(clone.promoted_per_node or 1),
    }
