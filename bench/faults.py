"""Fault-injection campaign: a controller group on a 3-member etcd, real agents, random faults.

    python bench/faults.py --runs 20 --seed 1 [--faults 3] [--ttl 3] [--json out.json]

One cluster of real processes on loopback serves the whole campaign: three node
agents (alice, bob, charlie) running real OCF agents (ocf:heartbeat:Dummy and the
test suite's Scripted agent) and the repo's real fence agent (fence_process), three
controllers (``run_group``, the code of ``placement run --etcd``) and a 3-member etcd.
Each run injects a random sequence of faults, heals everything (restarts what was
killed, resumes what was stopped, clears the drills), waits for convergence and
checks the invariants — against the real processes and files, not the controllers'
belief:

1. never two active copies of a primitive (state files sampled every 20 ms);
2. no start of something a lost node held before that node's fence was confirmed
   (journal order, per unclean → fenced episode);
3. no order under a stale fencing token executed (each agent's audit of admitted
   orders is token-monotonic, and every order was journalled in its token's term);
4. convergence after the faults: a leader, every node online, each primitive where
   the leader's last belief says, xray/yankee/zulu once and iscsi on every node;
5. the journal has no lost or repeated action: every executed order has its
   dispatch in the journal, none was executed twice, no completed start repeated
   on a node without a stop or a fence in between;
6. no completed fence repeated: a fence of a node that a fence already took down
   (by the executors' own records, ``lib/fences.jsonl``, or the journal) since it
   last rejoined is a violation, unless it is journalled as ``reissue_of`` a fence
   whose outcome the new leader could not know (its executor silent or restarted
   when asked: the journal's ``in-doubt`` entry names it);
7. an order an agent refused for a stale token (``lib/refused.jsonl``) was executed
   nowhere afterwards.

Faults: kill -9 of an agent, of the leader, of a standby, of an etcd member; kill
-9 of the leader right after it journalled a fence (half the time with the fence's
executor: the new leader cannot know its outcome);
SIGSTOP of the leader for longer than the lease, then SIGCONT — at a random moment,
or mid-send: right after it journalled an order and before the order reached the
agent (the campaign's controllers wait 0.4 s between the two, a slow network, so
the pause can land there; the woken leader's order then meets the new leader's
token and is refused); a fence device that fails, then works; a stop that fails; a
monitor that times out; etcd quorum loss (two of three members killed for a while).
Prints a summary and, with --json, all figures (faults by kind, violations, time
from a leader kill to the next leader and to its term's start — median, p95, max,
each stamped by the new leader itself, kills after an etcd fault in the same run
apart; and every kill with the faults before it in its run and the time since an etcd
member was last restarted — the load average at each kill and after each run, stale-token refusals by
the agents, how long the journal grew and how often leaders compacted it). The
invariants read a complete copy of the journal (`tests.runtime.cluster.JournalCopy`:
what a checkpoint deleted is read back from etcd's history).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import signal
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from placement.runtime.auth import write_secret  # noqa: E402
from placement.runtime.etcd import EtcdUnavailable  # noqa: E402
from placement.runtime.fence_process import DRILL_FAIL_FILE  # noqa: E402
from placement.runtime.journal import Entry  # noqa: E402
from tests.runtime.cluster import NODES, Cluster  # noqa: E402
from tests.runtime.etcd_members import EtcdMembers  # noqa: E402
from tests.runtime.harness import Processes  # noqa: E402

SINGLES = ("xray", "yankee", "zulu")
CONTROLLERS = ("ctl-a", "ctl-b", "ctl-c")
FAULTS = (
    "kill-agent",
    "kill-leader",
    "kill-standby",
    "kill-etcd-member",
    "pause-leader",
    "pause-leader-mid-send",
    "kill-leader-mid-fence",
    "fence-fails-then-works",
    "failing-stop",
    "monitor-timeout",
    "etcd-quorum-loss",
)
# zulu is the Scripted agent: its drills (fail-stop, hang-monitor) are files in HA_RSCTMP.
TEMPLATE = {"zulu_agent": "ocf:test:Scripted"}
SEND_DELAY_S = 0.4  # between journalling a start/stop and sending it (controller_main.py): a slow network


class Sampler:
    """Watches the real state files: the most nodes any single primitive ever ran on at once."""

    def __init__(self, cluster: Cluster) -> None:
        self.cluster = cluster
        self.most: Counter[str] = Counter()
        self.twice: list[str] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)
        self._thread.start()

    def _loop(self) -> None:
        while not self._stop.is_set():
            for resource in SINGLES:
                nodes = self.cluster.running(resource)
                if len(nodes) > 1:
                    self.twice.append(f"{time.time():.3f} {resource} on {nodes}")
                self.most[resource] = max(self.most[resource], len(nodes))
            time.sleep(0.02)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(5)


class Campaign:
    def __init__(self, root: Path, seed: int, ttl: int, dead_after: float) -> None:
        self.root = root
        self.rng = random.Random(seed)
        self.ttl = ttl
        self.dead_after = dead_after
        logs = root / "logs"
        logs.mkdir()
        self.processes = Processes(logs)
        secret = root / "secret"
        write_secret(secret)
        self.etcd = EtcdMembers(self.processes, root / "etcd", 3)
        self.cluster = Cluster(self.processes, root, secret, **TEMPLATE)
        self.injected: Counter[str] = Counter()
        self.violations: list[str] = []
        self.takeovers: list[float] = []  # leader killed → a new leader holds the key
        self.resumed: list[float] = []  # leader killed → the new leader's term has started
        # The same for kills after an etcd fault in the same run: etcd's new leader (after a member's
        # death or a quorum loss) extends every lease by its election timeout, and the key outlives the kill.
        self.takeovers_after_etcd_fault: list[float] = []
        self.resumed_after_etcd_fault: list[float] = []
        self.this_run: list[str] = []  # the faults injected so far in the current run
        self.kills: list[dict] = []  # every leader kill: its times, the faults before it in its run, the load
        self.kills_without_standby = 0  # leader kills with no standby alive (killed earlier in the run)
        self.etcd_restarted = 0.0  # when the campaign last restarted an etcd member (wall clock)
        self.stored: int | None = None  # journal entries etcd holds (after compactions)
        self.loads: list[float] = []  # the 1-minute load average at each leader kill
        self.run_loads: list[float] = []  # ... and after each run
        self.converge_times: list[float] = []
        self.paused: list[str] = []
        self.struck_mid_send = 0  # pauses that landed between a journalled order and its sending
        self.struck_mid_fence = 0  # leaders killed with a fence journalled and (maybe) running
        self.executors_killed_mid_fence = 0  # ... and its executor with it
        self.fences_settled: dict[str, int] = {}  # as of the last check (the journal is gone with etcd at the end)

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> None:
        self.etcd.start()
        self.cluster.start_agents()
        for name in CONTROLLERS:
            self.start_controller(name)
        self.converge("initial")

    def start_controller(self, name: str) -> None:
        self.cluster.start_group_controller(name, self.etcd.urls, self.ttl, self.dead_after, send_delay=SEND_DELAY_S)

    def close(self) -> None:
        self.processes.cleanup()

    # ------------------------------------------------------------------ faults

    def leader_name(self) -> str | None:
        leader = self.cluster.leader()
        return leader.get("name") if leader else None

    def inject(self, fault: str) -> None:
        cluster, rng = self.cluster, self.rng
        self.injected[fault] += 1
        after_etcd_fault = any(f in ("kill-etcd-member", "etcd-quorum-loss") for f in self.this_run)
        self.this_run.append(fault)
        if fault == "kill-agent":
            node = rng.choice(NODES)
            if cluster.agents[node].poll() is None:
                cluster.kill_agent(node)
        elif fault in ("kill-leader", "pause-leader"):
            name = self.leader_name()
            if name is None or cluster.controllers[name].poll() is not None:
                return
            if fault == "kill-leader":
                old = cluster.leader()
                standbys = [n for n in CONTROLLERS if n != name and cluster.controllers[n].poll() is None]
                os.killpg(cluster.controllers[name].pid, signal.SIGKILL)
                if not standbys:  # earlier kills of this run left nobody to take over until the healing
                    self.kills_without_standby += 1
                    return
                killed = time.time()
                self.loads.append(os.getloadavg()[0])
                deadline = time.monotonic() + 4 * self.ttl + 30
                while time.monotonic() < deadline:
                    now = cluster.leader()
                    if now and now.get("name") != name and now.get("token", 0) > (old or {}).get("token", 0):
                        # Stamped by the new leader itself (its record's time, written as it campaigned),
                        # not when this loop happened to look.
                        held = float(now.get("since", time.time())) - killed
                        (self.takeovers_after_etcd_fault if after_etcd_fault else self.takeovers).append(held)
                        term = self._wait_term(now["token"], killed, after_etcd_fault)
                        self.kills.append({"held_s": round(held, 3), "term_s": term and round(term, 3),
                                           "faults_before": self.this_run[:-1], "load": self.loads[-1],
                                           "at": round(killed, 3),
                                           "since_etcd_restart_s": round(killed - self.etcd_restarted, 1)})
                        break
                    time.sleep(0.05)
                else:
                    self.violations.append(f"no new leader within {4 * self.ttl + 30}s of killing {name}")
            else:
                os.killpg(cluster.controllers[name].pid, signal.SIGSTOP)
                self.paused.append(name)
                time.sleep(self.ttl + 1.5)  # longer than the lease: a standby takes over meanwhile
                os.killpg(cluster.controllers[name].pid, signal.SIGCONT)
                self.paused.remove(name)
        elif fault == "pause-leader-mid-send":
            self.pause_mid_send()
        elif fault == "kill-leader-mid-fence":
            self.kill_leader_mid_fence()
        elif fault == "kill-standby":
            leader = self.leader_name()
            standbys = [n for n in CONTROLLERS if n != leader and cluster.controllers[n].poll() is None]
            if standbys:
                os.killpg(cluster.controllers[rng.choice(standbys)].pid, signal.SIGKILL)
        elif fault == "kill-etcd-member":
            alive = [n for n in self.etcd.names if self.etcd.alive(n)]
            if len(alive) == 3:
                self.etcd.kill(rng.choice(alive))
        elif fault == "etcd-quorum-loss":
            alive = [n for n in self.etcd.names if self.etcd.alive(n)]
            for name in rng.sample(alive, min(2, len(alive))):
                self.etcd.kill(name)
            time.sleep(rng.uniform(1.0, self.ttl + 2))
            self.restart_etcd()
        elif fault == "fence-fails-then-works":
            (cluster.node_root / DRILL_FAIL_FILE).touch()
            node = rng.choice(NODES)
            if cluster.agents[node].poll() is None:
                cluster.kill_agent(node)
            time.sleep(rng.uniform(self.dead_after + 1, self.dead_after + 4))
            (cluster.node_root / DRILL_FAIL_FILE).unlink(missing_ok=True)
        elif fault == "failing-stop":
            # zulu's stop will fail; its monitor failing makes the controller stop it (and so fence).
            for node in cluster.running("zulu"):
                rsctmp = cluster.node_root / node / "rsctmp"
                (rsctmp / "fail-stop").touch()
                (rsctmp / "Scripted-zulu.state").unlink(missing_ok=True)
        elif fault == "monitor-timeout":
            for node in cluster.running("zulu"):
                (cluster.node_root / node / "rsctmp" / "hang-monitor").touch()
        time.sleep(rng.uniform(0.2, 2.0))

    def pause_mid_send(self) -> None:
        """Freeze the leader between journalling an order and sending it; wake it after a takeover.

        xray's state file is removed, so its monitor fails and the leader recovers it
        (stop, start); the moment the stop's dispatch is in the journal the leader is
        stopped, for longer than the lease plus a takeover. Woken, its order still goes
        out — under its old token, which the agent has since seen superseded.
        """
        cluster = self.cluster
        name = self.leader_name()
        if name is None or cluster.controllers[name].poll() is not None:
            return
        entries = cluster.entries()
        after = entries[-1].seq if entries else 0
        for node in cluster.running("xray"):
            (cluster.node_root / node / "rsctmp" / "Dummy-xray.state").unlink(missing_ok=True)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            fresh = [e for e in cluster.entries() if e.seq > after and e.kind == "dispatch"]
            if any(e.data.get("op") in ("stop", "start") for e in fresh):
                break
            time.sleep(0.02)
        else:
            return  # the leader changed or etcd was away: nothing to strike
        os.killpg(cluster.controllers[name].pid, signal.SIGSTOP)
        self.paused.append(name)
        self.struck_mid_send += 1
        time.sleep(self.ttl + 3)  # the lease lapses and a standby's term starts (announcing its token)
        os.killpg(cluster.controllers[name].pid, signal.SIGCONT)
        self.paused.remove(name)

    def kill_leader_mid_fence(self) -> None:
        """Lose a node, and kill -9 the leader as soon as its fence is journalled — half the time its executor too.

        The new leader finds the fence in doubt and asks the executors: it completed
        (their record says so: not fenced again), it never ran, or nobody can know (the
        executor is dead: re-issued, marked ``reissue_of``).
        """
        cluster, rng = self.cluster, self.rng
        name = self.leader_name()
        node = rng.choice(NODES)
        if name is None or cluster.controllers[name].poll() is not None or cluster.agents[node].poll() is not None:
            return
        entries = cluster.entries()
        after = entries[-1].seq if entries else 0
        cluster.kill_agent(node)
        deadline = time.monotonic() + self.dead_after + 20
        while time.monotonic() < deadline:
            fences = [e for e in cluster.entries() if e.seq > after and e.kind == "dispatch"
                      and e.data.get("op") == "fence" and e.data.get("node") == node]
            if fences:
                break
            time.sleep(0.02)
        else:
            return
        os.killpg(cluster.controllers[name].pid, signal.SIGKILL)
        executors = fences[0].data.get("executors") or []
        if executors and rng.random() < 0.5 and cluster.agents[executors[0]].poll() is None:
            cluster.kill_agent(executors[0])
            self.executors_killed_mid_fence += 1
        self.struck_mid_fence += 1

    def settled(self, entries: list[Entry]) -> dict[str, int]:
        """How the takeovers settled the fences their predecessors left in doubt."""
        found: Counter[str] = Counter()
        for entry in entries:
            reason = str(entry.data.get("reason", ""))
            if entry.kind == "result" and entry.data.get("op") == "fence" and reason.startswith("settled"):
                found["completed" if entry.data.get("ok") else "not completed"] += 1
            elif entry.kind == "in-doubt" and entry.data.get("op") == "fence":
                found["unknown (in-doubt)"] += 1
            elif entry.kind == "dispatch" and entry.data.get("reissue_of") is not None:
                found["re-issued"] += 1
        return dict(sorted(found.items()))

    def refusals(self) -> dict[str, int]:
        """Orders refused by the agents for a stale token, by action, over the whole campaign."""
        found: Counter[str] = Counter()
        for node in NODES:
            found.update(line["action"] for line in self.cluster.refusals(node))
        return dict(sorted(found.items()))

    def _wait_term(self, token: int, killed: float, after_etcd_fault: bool) -> float | None:
        """Time until the new leader's term has started (journal read, token announced, agents found).

        Measured by the ``controller-start`` entry's own time (the new leader's clock, the
        same machine's), not by when this loop read it.
        """
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            for entry in self.cluster.entries():
                if entry.kind == "controller-start" and entry.data.get("token") == token:
                    (self.resumed_after_etcd_fault if after_etcd_fault else self.resumed).append(entry.time - killed)
                    return entry.time - killed
            time.sleep(0.05)
        return None

    def journal_figures(self) -> dict:
        """How long the journal grew, and how much of it etcd holds now (leaders compact it)."""
        entries = self.cluster.entries()
        with contextlib.suppress(EtcdUnavailable):  # etcd is gone at the very end: what it held at the last look
            self.stored = len(self.cluster.stored())
        checkpoints = sum(1 for e in entries if e.kind == "belief" and "checkpoint" in e.data)
        return {"entries_written": entries[-1].seq if entries else 0, "checkpoints": checkpoints,
                "entries_in_etcd": self.stored}

    def restart_etcd(self) -> None:
        for name in self.etcd.names:
            if not self.etcd.alive(name):
                self.etcd.start_member(name)
                self.etcd_restarted = time.time()

    def heal(self) -> None:
        """Undo every fault: drills off, paused processes resumed, dead ones restarted."""
        cluster = self.cluster
        (cluster.node_root / DRILL_FAIL_FILE).unlink(missing_ok=True)
        for node in NODES:
            for drill in ("fail-stop", "hang-monitor"):
                (cluster.node_root / node / "rsctmp" / drill).unlink(missing_ok=True)
        self.restart_etcd()
        for name in CONTROLLERS:
            if cluster.controllers[name].poll() is not None:
                self.start_controller(name)
        for node in NODES:
            if cluster.agents[node].poll() is not None:
                cluster.agents[node].wait()
                cluster.start_agent(node)

    def figures(self, completed: int, args: argparse.Namespace, wall: float, root: Path) -> dict:
        def spread(values: list[float]) -> dict:
            ordered = sorted(values)
            at = (lambda q: round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 2)) if ordered else None
            return {
                "count": len(ordered),
                "min": at(0.0) if at else None,
                "median": at(0.5) if at else None,
                "p95": at(0.95) if at else None,
                "max": round(ordered[-1], 2) if ordered else None,
            }

        return {
            "runs": completed,
            "seed": args.seed,
            "lease_ttl_s": args.ttl,
            "faults": dict(sorted(self.injected.items())),
            "faults_total": sum(self.injected.values()),
            "violations": self.violations,
            "paused_mid_send": self.struck_mid_send,
            "killed_mid_fence": {"leader": self.struck_mid_fence, "and_executor": self.executors_killed_mid_fence},
            "fences_settled_after_takeover": self.fences_settled,
            "stale_token_refusals": self.refusals(),
            "leader_kill_to_new_leader_s": spread(self.takeovers),
            "leader_kill_to_new_term_started_s": spread(self.resumed),
            "after_an_etcd_fault_in_the_run": {
                "leader_kill_to_new_leader_s": spread(self.takeovers_after_etcd_fault),
                "leader_kill_to_new_term_started_s": spread(self.resumed_after_etcd_fault),
            },
            "converge_after_heal_s": spread(self.converge_times),
            "load_at_leader_kills": spread(self.loads),
            "load_after_runs": spread(self.run_loads),
            "journal": self.journal_figures(),
            "leader_kills": self.kills,
            "leader_kills_without_a_standby_alive": self.kills_without_standby,
            "wall_s": round(wall, 1),
            "logs": str(root) if args.keep else None,
        }

    # ------------------------------------------------------------------ checks

    def converge(self, label: str, timeout: float = 180) -> bool:
        began = time.monotonic()
        deadline = began + timeout
        while time.monotonic() < deadline:
            for node in NODES:  # a node fenced during healing comes back as a rebooted one
                if self.cluster.agents[node].poll() is not None:
                    self.cluster.agents[node].wait()
                    self.cluster.start_agent(node)
            if self._converged():
                self.converge_times.append(time.monotonic() - began)
                return True
            time.sleep(0.25)
        self.violations.append(f"{label}: not converged within {timeout}s: {self._picture()}")
        return False

    def _picture(self) -> str:
        return json.dumps({r: self.cluster.running(r) for r in (*SINGLES, "iscsi")}) + f" leader={self.leader_name()}"

    def _converged(self) -> bool:
        cluster = self.cluster
        if self.leader_name() is None:
            return False
        entries = cluster.entries()
        starts = [e for e in entries if e.kind == "controller-start"]
        if not starts:
            return False
        term = [e for e in entries if e.seq > starts[-1].seq]
        converged = [e.seq for e in term if e.kind == "converged"]
        dispatched = [e.seq for e in term if e.kind == "dispatch"]
        beliefs = [e for e in term if e.kind == "belief"]
        if not converged or not beliefs or (dispatched and dispatched[-1] > converged[-1]):
            return False
        belief = beliefs[-1].data["belief"]
        if set(belief["nodes"]) != set(NODES) or any(v["membership"] != "online" for v in belief["nodes"].values()):
            return False
        if any(len(cluster.running(r)) != 1 for r in SINGLES) or len(cluster.running("iscsi")) != 3:
            return False
        watched = (*SINGLES, "iscsi")
        believed = {(i["resource"], i["node"]) for i in belief["instances"] if i["resource"] in watched}
        real = {(r, n) for r in watched for n in cluster.running(r)}
        return believed == real

    def check(self, sampler: Sampler) -> list[str]:
        """The invariants over everything so far; returns the violations not reported before."""
        entries = self.cluster.entries()
        self.fences_settled = self.settled(entries)
        orders = {node: self.cluster.orders(node) for node in NODES}
        records = {node: self.cluster.fence_records(node) for node in NODES}
        refused = {node: self.cluster.refusals(node) for node in NODES}
        found = [f"two active copies: {line}" for line in sampler.twice]
        sampler.twice.clear()
        found += fencing_first(entries) + stale_tokens(entries, orders) + lost_or_repeated(entries, orders)
        found += fences_not_repeated(entries, records) + refused_not_run(orders, refused)
        new = [v for v in found if v not in self.violations]
        self.violations += new
        return new


# ---------------------------------------------------------------------- invariants (pure functions)


def fencing_first(entries: list[Entry]) -> list[str]:
    """No start of what an unclean node held before its fence was confirmed."""
    problems = []
    held: dict[str, set[str]] = {}  # node → resources believed there, from the last belief
    lost: dict[str, set[str]] = {}  # unclean node → what it held when declared
    for entry in entries:
        if entry.kind == "belief":
            held = {}
            for item in entry.data["belief"]["instances"]:
                held.setdefault(item["node"], set()).add(item["resource"])
        elif entry.kind == "unclean":
            lost[entry.data["node"]] = set(held.get(entry.data["node"], set()))
        elif entry.kind == "fenced":
            lost.pop(entry.data["node"], None)
        elif entry.kind == "controller-start":
            pass  # the unclean nodes stay unclean across a takeover (the belief says so)
        elif entry.kind == "dispatch" and entry.data.get("op") in ("start", "promote", "migrate_from"):
            resource = entry.data.get("resource")
            for node, resources in lost.items():
                if resource in resources and entry.data.get("node") != node and resource in SINGLES:
                    problems.append(f"#{entry.seq} {entry.data.get('action')} before {node} (unclean) was fenced")
    return problems


def stale_tokens(entries: list[Entry], orders: dict[str, list[dict]]) -> list[str]:
    """Each agent ran orders in token order, and each order was journalled in its token's term."""
    problems = []
    terms: list[tuple[int, int]] = [
        (e.seq, int(e.data.get("token", 0))) for e in entries if e.kind == "controller-start"
    ]
    dispatch_term: dict[str, int] = {}
    for entry in entries:
        if entry.kind == "dispatch":
            term = [token for seq, token in terms if seq < entry.seq]
            dispatch_term[f"#{entry.seq}"] = term[-1] if term else 0
    for node, lines in orders.items():
        tokens = [o["token"] for o in lines]
        if tokens != sorted(tokens):
            problems.append(f"{node} ran an order under an older token after a newer one: {tokens}")
        for order in lines:
            journalled = dispatch_term.get(order.get("dispatch", ""))
            if order.get("dispatch") and journalled is not None and journalled != order["token"]:
                problems.append(
                    f"{node}: order {order} carried token {order['token']}, journalled in term {journalled}"
                )
    return problems


def lost_or_repeated(entries: list[Entry], orders: dict[str, list[dict]]) -> list[str]:
    """Every executed order is a journalled dispatch, none ran twice, no completed start was repeated.

    A fence dispatch may run on several executors in turn (one did not answer, or a
    fencing level failed), never after its result was journalled. A start is a
    repetition when the journal holds a completed start of that copy and no evidence
    that it stopped since: a successful stop, a failed action or monitor, a probe not
    finding it, or the node's fence.
    """
    problems = []
    dispatches = {f"#{e.seq}": e for e in entries if e.kind == "dispatch"}
    answered_at = {f"#{e.data['dispatch']}": e.time for e in entries if e.kind == "result" and "dispatch" in e.data}
    seen: Counter[str] = Counter()
    for node, lines in orders.items():
        for order in lines:
            dispatch = order.get("dispatch", "")
            if not dispatch:
                continue  # recurring monitors the controller (re)starts after a probe carry none
            entry = dispatches.get(dispatch)
            if entry is None:
                problems.append(f"{node} executed {order} that no journal dispatch names (lost)")
                continue
            if order["action"].startswith("fence-"):
                if dispatch in answered_at and order["time"] > answered_at[dispatch]:
                    problems.append(f"{node} ran fence {dispatch} after its result was journalled")
                continue
            seen[dispatch] += 1
            if entry.data.get("node") != node:
                problems.append(f"{node} executed {dispatch} meant for {entry.data.get('node')}")
    problems += [f"{d} executed {n} times" for d, n in seen.items() if n > 1]
    for entry in entries:  # and the other way round: a success the journal holds was really executed
        if (
            entry.kind == "result"
            and entry.data.get("ok")
            and entry.data.get("op") in ("start", "stop", "promote", "demote")
            and f"#{entry.data['dispatch']}" not in seen
        ):
            problems.append(f"result #{entry.seq} says {entry.data.get('action')} succeeded; no agent ran it")
    started: set[tuple[str, str]] = set()  # (resource, node) with a completed start and no sign of stopping
    for entry in entries:
        data = entry.data
        key = (data.get("resource"), data.get("node"))
        if entry.kind == "dispatch" and data.get("op") == "start" and data.get("resource") in SINGLES:
            if key in started:
                problems.append(f"#{entry.seq} {data.get('action')}: a completed start repeated, no sign it stopped")
        elif entry.kind == "result" and data.get("op") in ("start", "migrate_from"):
            (started.add if data.get("ok") else started.discard)(key)
        elif entry.kind == "result" and (data.get("op") in ("stop", "migrate_to") or not data.get("ok")):
            started.discard(key)  # a stop, or any failed action: the copy is in doubt, not "completed"
        elif entry.kind == "event" and data.get("exit_code") != data.get("expected"):
            started.discard(key)
        elif entry.kind == "probe":
            started -= {(r, n) for r, n in started if n == data.get("node") and r not in data.get("found", {})}
        elif entry.kind in ("fenced", "unclean"):
            started -= {(r, n) for r, n in started if n == data.get("node")}
    return problems


def fences_not_repeated(entries: list[Entry], records: dict[str, list[dict]]) -> list[str]:
    """No fence that completed is run again for the same loss of the node; a re-issue is marked and justified.

    Completion is read from the executors' own records (an ``ended`` line with ok) and
    from the journal's results. A loss of a node ends when it rejoins (a ``probe`` of it).
    A fence dispatched while a completed one stands is a repetition unless it is the
    ``reissue_of`` that very dispatch, journalled ``in-doubt`` before, with no journalled
    result, and every executor holding a record of its success written before the doubt
    was named silent or unsure in it (else the new leader could have known).
    """
    completions: list[tuple[float, str, int, str]] = []  # time, target, dispatch seq, executor ("" = journal)
    for executor, lines in records.items():
        for line in lines:
            if line.get("phase") == "ended" and line.get("ok") and str(line.get("dispatch", "")).startswith("#"):
                completions.append((line["time"], line.get("target", ""), int(line["dispatch"][1:]), executor))
    fence_of = {e.seq: e.data.get("node") for e in entries if e.kind == "dispatch" and e.data.get("op") == "fence"}
    ok_results: dict[int, float] = {}
    for entry in entries:
        if entry.kind == "result" and entry.data.get("op") == "fence" and entry.data.get("ok"):
            seq = int(entry.data["dispatch"])
            ok_results.setdefault(seq, entry.time)
            completions.append((entry.time, fence_of.get(seq) or entry.data.get("node", ""), seq, ""))
    doubts: dict[int, list[Entry]] = {}
    for entry in entries:
        if entry.kind == "in-doubt" and entry.data.get("op") == "fence":
            doubts.setdefault(int(entry.data["dispatch"]), []).append(entry)
    problems = []
    for entry in entries:
        if entry.kind != "dispatch" or entry.data.get("op") != "fence":
            continue
        node = entry.data.get("node")
        rejoined = max((e.time for e in entries if e.kind == "probe" and e.data.get("node") == node
                        and e.time < entry.time), default=float("-inf"))
        prior = [c for c in completions if c[1] == node and rejoined < c[0] < entry.time and c[2] != entry.seq]
        if not prior:
            continue
        reissue = entry.data.get("reissue_of")
        if reissue is None:
            problems.append(f"#{entry.seq} fences {node} again: #{prior[0][2]} had fenced it (silent repeat)")
            continue
        if any(c[2] != reissue for c in prior):
            problems.append(f"#{entry.seq} re-issues #{reissue} but another fence of {node} had completed")
        doubt = [d for d in doubts.get(reissue, []) if d.seq < entry.seq]
        if not doubt:
            problems.append(f"#{entry.seq} re-issues #{reissue}, which no takeover found in doubt")
            continue
        if reissue in ok_results and ok_results[reissue] < entry.time:
            problems.append(f"#{entry.seq} re-issues #{reissue}, whose success was journalled")
        excused = set(doubt[-1].data.get("silent", [])) | set(doubt[-1].data.get("unsure", []))
        for when, _, _, executor in prior:
            if executor and when < doubt[-1].time and executor not in excused:
                problems.append(f"#{entry.seq} re-issues #{reissue}: {executor} could have told it had completed")
    return problems


def refused_not_run(orders: dict[str, list[dict]], refused: dict[str, list[dict]]) -> list[str]:
    """An order refused for its stale token was executed by no agent afterwards."""
    problems = []
    for node, lines in refused.items():
        for refusal in lines:
            if not refusal.get("dispatch"):
                continue
            for other, executed in orders.items():
                for order in executed:
                    if (
                        order.get("dispatch") == refusal["dispatch"]
                        and order["token"] == refusal["token"]
                        and order["time"] > refusal["time"]
                    ):
                        problems.append(f"{other} ran {refusal['dispatch']} under token {refusal['token']} "
                                        f"after {node} refused it as stale")
    return problems


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--faults", type=int, default=3, help="most faults per run (at least 1)")
    parser.add_argument("--kinds", default=",".join(FAULTS), help="the fault kinds to draw from, comma-separated")
    parser.add_argument("--ttl", type=int, default=3, help="leader lease TTL, seconds")
    parser.add_argument("--dead-after", type=float, default=2.0)
    parser.add_argument("--json", type=Path, help="write the figures here")
    parser.add_argument("--keep", action="store_true", help="keep the scratch directory (logs) at the end")
    args = parser.parse_args()
    kinds = [k.strip() for k in args.kinds.split(",") if k.strip()]
    if not kinds or set(kinds) - set(FAULTS):
        parser.error(f"--kinds: choose among {', '.join(FAULTS)}")
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # so the processes started are cleaned up
    root = Path(tempfile.mkdtemp(prefix="placement-faults-"))
    campaign = Campaign(root, args.seed, args.ttl, args.dead_after)
    began = time.monotonic()
    completed = 0
    try:
        campaign.start()
        for run in range(1, args.runs + 1):
            sampler = Sampler(campaign.cluster)
            faults = [campaign.rng.choice(kinds) for _ in range(campaign.rng.randint(1, max(1, args.faults)))]
            campaign.this_run = []
            before = len(campaign.violations)
            for fault in faults:
                campaign.inject(fault)
            campaign.heal()
            campaign.converge(f"run {run} ({', '.join(faults)})")
            sampler.stop()
            campaign.run_loads.append(os.getloadavg()[0])
            new = campaign.violations[before:] + campaign.check(sampler)
            completed = run
            status = "ok" if not new else f"VIOLATIONS: {new}"
            print(f"run {run}/{args.runs}: {', '.join(faults)}: {status}", flush=True)
            if args.json:  # after every run: a campaign cut short still leaves its figures
                figures = campaign.figures(completed, args, time.monotonic() - began, root)
                args.json.write_text(json.dumps(figures, indent=2) + "\n")
    finally:
        campaign.close()
    figures = campaign.figures(completed, args, time.monotonic() - began, root)
    print(json.dumps(figures, indent=2))
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2) + "\n")
    if not args.keep:
        import shutil

        shutil.rmtree(root, ignore_errors=True)
    return 1 if campaign.violations or completed < args.runs else 0


if __name__ == "__main__":
    sys.exit(main())
