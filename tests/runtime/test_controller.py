"""The controller against scripted in-memory agents: its safety rules, whatever the planner says.

The agents here are test doubles that keep "running" resources in a dict, so each
test drives `Controller.round` directly and checks what the controller dared to do.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

import networkx as nx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from placement.model import Agent, ClusterOptions, Config, Location, Node, Operation, Primitive, frozen_map
from placement.runtime.client import AgentUnreachable, Deposed
from placement.runtime.controller import Controller, ControllerOptions
from placement.runtime.election import LeadershipLost
from placement.runtime.fencing import FenceAction, FenceDevice, FenceResult
from placement.runtime.journal import Journal
from placement.runtime.messages import OperationRequest
from placement.runtime.ocf import OcfResult, OcfStatus
from placement.transition.action import Action, Op

from . import stub_planner

FAST = ControllerOptions(
    dead_after=0.15,
    heartbeat_timeout=0.1,
    poll_interval=0.01,
    startup_grace=0.15,
    fence_retry=0.01,
    fence_retry_max=0.02,
)
OK = OcfResult(OcfStatus.SUCCESS, 0, 1)
NOT_RUNNING = OcfResult(OcfStatus.NOT_RUNNING, 7, 1)


class FakeCluster:
    def __init__(self, nodes: tuple[str, ...]) -> None:
        self.agents = {n: FakeAgent(n, self) for n in nodes}
        self.fence_works = True
        self.fence_calls: list[str] = []


class FakeAgent:
    """Just enough of `AgentClient` for the controller."""

    def __init__(self, node: str, cluster: FakeCluster) -> None:
        self.node, self.cluster, self.address = node, cluster, "fake"
        self.alive, self.boot = True, f"{node}-1"
        self.running: dict[str, str] = {}
        self.fail_stop: set[str] = set()
        self.executed: list[str] = []
        self.fencing_token = 0
        self.fenced: list[dict] = []

    def announce(self, timeout: float | None = None) -> int:
        self._check()
        return self.fencing_token

    def status(self) -> dict:
        self._check()
        return {"fencing": self.fenced}

    def _check(self) -> None:
        if not self.alive:
            raise AgentUnreachable(f"{self.node} is gone")

    def heartbeat(self, timeout: float | None = None) -> dict:
        self._check()
        return {"node": self.node, "boot_id": self.boot}

    def events(self, after: int) -> tuple[str, list]:
        self._check()
        return self.boot, []

    def probe(self, requests: list[OperationRequest]) -> dict[str, OcfResult]:
        self._check()
        return {r.instance: OK if r.resource in self.running else NOT_RUNNING for r in requests}

    def execute(self, request: OperationRequest, dispatch: str = "") -> OcfResult:
        self._check()
        self.executed.append(f"{request.action} {request.resource}")
        if request.action == "start":
            self.running[request.resource] = "started"
        elif request.action == "stop":
            if request.resource in self.fail_stop:
                return OcfResult(OcfStatus.ERR_GENERIC, 1, 1, reason="stop refused")
            self.running.pop(request.resource, None)
        elif request.action == "monitor":
            return OK if request.resource in self.running else NOT_RUNNING
        return OK

    def fence(self, device: FenceDevice, action: FenceAction, target: str, dispatch: str = "") -> FenceResult:
        self._check()
        self.cluster.fence_calls.append(target)
        self.fenced.append({"dispatch": dispatch, "ok": self.cluster.fence_works, "device": device.id})
        if not self.cluster.fence_works:
            return FenceResult(device.id, action.value, target, False, 1, 1)
        victim = self.cluster.agents[target]
        victim.alive, victim.running = False, {}
        return FenceResult(device.id, action.value, target, True, 0, 1)


def config(fencing: bool = True) -> Config:
    monitor = (Operation("monitor", 10_000, 5000),)
    resources = {
        "fence_all": Primitive("fence_all", Agent("stonith", None, "fence_process")),
        "zulu": Primitive("zulu", Agent("ocf", "heartbeat", "Dummy"), operations=monitor),
    }
    return Config(
        cluster=ClusterOptions(fencing=fencing),
        nodes=frozen_map({n: Node(n) for n in ("alice", "bob", "charlie")}),
        resources=frozen_map(resources),
        constraints=(Location(resource="zulu", node="charlie", score=50),),
    )


@pytest.fixture
def controller(tmp_path: Path):
    """A factory of controllers over fake agents; closes their journals and pools."""
    made: list[tuple[Controller, Journal]] = []

    def make(cluster: FakeCluster, planner=stub_planner.plan) -> tuple[Controller, Journal]:
        journal = Journal(tmp_path / "journal")
        ctl = Controller(config(), cluster.agents, journal, planner=planner, options=FAST)  # type: ignore[arg-type]
        made.append((ctl, journal))
        return ctl, journal

    yield make
    for ctl, journal in made:
        ctl.close()
        journal.close()


def rounds_until(ctl: Controller, predicate, limit: float = 10.0) -> None:
    deadline = time.monotonic() + limit
    while not predicate():
        assert time.monotonic() < deadline, "condition never reached"
        ctl.round()


@pytest.fixture
def fake() -> FakeCluster:
    return FakeCluster(("alice", "bob", "charlie"))


def test_converges_and_then_plans_nothing(tmp_path: Path, fake: FakeCluster, controller) -> None:
    ctl, journal = controller(fake)
    ctl.start()
    rounds_until(ctl, ctl.converged.is_set)
    assert fake.agents["charlie"].running == {"zulu": "started"}
    assert journal.last("converged") is not None


def test_a_start_is_refused_while_the_resource_may_run_on_an_unclean_node(
    tmp_path: Path, fake: FakeCluster, controller
) -> None:
    fake.agents["charlie"].running["zulu"] = "started"

    def reckless(_config: Config, _state) -> nx.DiGraph:  # "recovers" zulu without fencing anybody
        graph = nx.DiGraph()
        graph.add_node(Action(Op.START, "alice", "zulu"))
        return graph

    ctl, journal = controller(fake, reckless)
    ctl.start()
    fake.agents["charlie"].alive = False
    rounds_until(ctl, lambda: any("fencing first" in e.data["reason"] for e in journal.of_kind("blocked")))
    assert "start zulu" not in fake.agents["alice"].executed


def test_a_start_is_refused_while_the_resource_runs_elsewhere(tmp_path: Path, fake: FakeCluster, controller) -> None:
    fake.agents["bob"].running["zulu"] = "started"

    def twice(_config: Config, _state) -> nx.DiGraph:
        graph = nx.DiGraph()
        graph.add_node(Action(Op.START, "alice", "zulu"))
        return graph

    ctl, journal = controller(fake, twice)
    ctl.start()
    rounds_until(ctl, lambda: any("run it twice" in e.data["reason"] for e in journal.of_kind("blocked")))
    assert "start zulu" not in fake.agents["alice"].executed


def test_failing_fencing_is_retried_and_nothing_is_recovered(tmp_path: Path, fake: FakeCluster, controller) -> None:
    ctl, journal = controller(fake)
    ctl.start()
    rounds_until(ctl, ctl.converged.is_set)
    fake.fence_works = False
    fake.agents["charlie"].alive = False
    rounds_until(ctl, lambda: len(list(journal.of_kind("fence-failed"))) >= 3)
    assert all("start zulu" not in fake.agents[n].executed for n in ("alice", "bob"))
    fake.fence_works = True  # the fence device is repaired: recovery follows at once
    rounds_until(ctl, lambda: "zulu" in fake.agents["alice"].running or "zulu" in fake.agents["bob"].running)
    fenced = journal.last("fenced")
    assert fenced is not None and fenced.data["node"] == "charlie"


def test_a_failed_stop_makes_the_node_unclean_and_fences_it(tmp_path: Path, fake: FakeCluster, controller) -> None:
    ctl, journal = controller(fake)
    ctl.start()
    rounds_until(ctl, ctl.converged.is_set)
    fake.agents["charlie"].fail_stop.add("zulu")
    ctl.config = Config(  # the operator bans zulu from charlie: it must stop there
        cluster=ctl.config.cluster,
        nodes=ctl.config.nodes,
        resources=ctl.config.resources,
        constraints=(Location(resource="zulu", node="charlie", score=-1_000_000),),
    )
    rounds_until(ctl, lambda: journal.last("fenced") is not None)
    unclean = journal.last("unclean")
    assert unclean is not None and "stop of zulu failed" in unclean.data["reason"]
    rounds_until(ctl, lambda: "zulu" in fake.agents["alice"].running or "zulu" in fake.agents["bob"].running)


def _zulu_restarts_after_charlie_is_fenced(ctl, fake: FakeCluster, journal) -> None:
    """zulu, whose start on the silent charlie is in doubt, runs elsewhere — started only
    after charlie's fence."""
    rounds_until(ctl, lambda: "zulu" in fake.agents["alice"].running or "zulu" in fake.agents["bob"].running)
    fenced = journal.last("fenced")
    assert fenced is not None and fenced.data["node"] == "charlie"
    starts = [
        e for e in journal.of_kind("dispatch") if e.data.get("op") == "start" and e.data.get("resource") == "zulu"
    ]
    assert starts[-1].seq > fenced.seq


def test_a_restarted_controller_fences_a_silent_node_an_in_doubt_start_went_to(
    tmp_path: Path, fake: FakeCluster, controller
) -> None:
    with Journal(tmp_path / "journal") as old:  # the previous controller died right after this dispatch
        old.record("dispatch", action="start zulu@charlie", op="start", node="charlie", resource="zulu")
    fake.agents["charlie"].alive = False  # and charlie cannot tell us whether zulu started
    ctl, journal = controller(fake)
    ctl.start()
    _zulu_restarts_after_charlie_is_fenced(ctl, fake, journal)


def test_a_start_in_doubt_outlives_a_takeover_that_died_before_its_first_snapshot(
    tmp_path: Path, fake: FakeCluster, controller
) -> None:
    with Journal(tmp_path / "journal") as old:
        old.record("controller-start", agents={}, resumed=False, token=0)
        sent = old.record("dispatch", action="start zulu@charlie", op="start", node="charlie", resource="zulu")
        # The next controller found it in doubt, assumed the worst of it (in memory) and died before any snapshot.
        old.record("controller-start", agents={}, resumed=False, token=0)
        old.record("in-doubt", dispatch=sent.seq, op="start", action="start zulu@charlie", assumed="active and failed")
    fake.agents["charlie"].alive = False
    ctl, journal = controller(fake)
    assert [e.seq for e in journal.in_doubt()] == [sent.seq]
    ctl.start()
    _zulu_restarts_after_charlie_is_fenced(ctl, fake, journal)


class RecordingAgent(FakeAgent):
    """Records when each operation begins and ends, across threads."""

    def __init__(self, node: str, cluster: FakeCluster, log: list[tuple[str, str]], lock: threading.Lock) -> None:
        super().__init__(node, cluster)
        self.log, self.lock = log, lock

    def execute(self, request: OperationRequest, dispatch: str = "") -> OcfResult:
        label = f"{request.action} {request.resource}@{self.node}"
        with self.lock:
            self.log.append(("begin", label))
        time.sleep(0.002)
        result = super().execute(request)
        with self.lock:
            self.log.append(("end", label))
        return result


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data(), size=st.integers(min_value=1, max_value=7))
def test_the_executor_respects_every_edge_and_runs_everything(tmp_path_factory, data, size: int) -> None:
    nodes = ("alice", "bob")
    actions = [Action(Op.START, data.draw(st.sampled_from(nodes)), f"r{i}") for i in range(size)]
    pairs = [(i, j) for i in range(size) for j in range(i + 1, size)]
    edges = data.draw(st.lists(st.sampled_from(pairs), unique=True, max_size=len(pairs))) if pairs else []
    graph = nx.DiGraph()
    graph.add_nodes_from(actions)
    graph.add_edges_from((actions[i], actions[j]) for i, j in edges)
    plans = iter([graph])
    log: list[tuple[str, str]] = []
    lock = threading.Lock()
    cluster = FakeCluster(())
    cluster.agents = {n: RecordingAgent(n, cluster, log, lock) for n in nodes}
    resources = {f"r{i}": Primitive(f"r{i}", Agent("ocf", "heartbeat", "Dummy")) for i in range(size)}
    cfg = Config(nodes=frozen_map({n: Node(n) for n in nodes}), resources=frozen_map(resources))
    with Journal(tmp_path_factory.mktemp("j") / "journal") as journal:
        ctl = Controller(cfg, cluster.agents, journal, planner=lambda c, s: next(plans, nx.DiGraph()), options=FAST)  # type: ignore[arg-type]
        try:
            ctl.start()
            rounds_until(ctl, ctl.converged.is_set)
        finally:
            ctl.close()
    position = {event: index for index, event in enumerate(log)}
    for first_action, then in graph.edges:
        assert (
            position[("end", f"start {first_action.resource}@{first_action.node}")]
            < position[("begin", f"start {then.resource}@{then.node}")]
        )
    assert sorted(label for kind, label in log if kind == "end" and label.startswith("start")) == sorted(
        f"start {a.resource}@{a.node}" for a in actions
    )


def test_a_crashing_planner_is_journalled_and_the_loop_goes_on(tmp_path: Path, fake: FakeCluster, controller) -> None:
    def broken(_config: Config, _state) -> nx.DiGraph:
        raise ZeroDivisionError("bug")

    ctl, journal = controller(fake, broken)
    ctl.start()
    ctl.round()
    ctl.round()
    failures = list(journal.of_kind("plan-failed"))
    assert len(failures) == 2 and "ZeroDivisionError" in failures[0].data["error"]


def test_a_term_that_lapses_stops_before_dispatching_anything(tmp_path: Path, fake: FakeCluster) -> None:
    leading = [True]
    with Journal(tmp_path / "journal") as journal:
        ctl = Controller(
            config(), fake.agents, journal, planner=stub_planner.plan, options=FAST, leading=lambda: leading[0], token=5
        )  # type: ignore[arg-type]
        try:
            ctl.start()
            assert all(agent.fencing_token == 5 for agent in fake.agents.values())
            leading[0] = False  # the lease lapsed (a pause, etcd lost): nothing more may be sent
            with pytest.raises(LeadershipLost):
                ctl.round()
        finally:
            ctl.close()
    assert all(not agent.executed for agent in fake.agents.values())


class DeposingAgent(FakeAgent):
    """An agent that has seen a newer controller's token."""

    def announce(self, timeout: float | None = None) -> int:
        raise Deposed(f"{self.node}: fencing token 0 is older than 7")


def test_a_controller_refused_by_an_agent_token_ends_its_term(tmp_path: Path, fake: FakeCluster, controller) -> None:
    fake.agents["bob"] = DeposingAgent("bob", fake)
    ctl, journal = controller(fake)
    with pytest.raises(LeadershipLost, match="older than 7"):
        ctl.start()
    assert journal.last("controller-start") is None and all(not a.executed for a in fake.agents.values())


class MonitorRecordingAgent(FakeAgent):
    """Also remembers which recurring monitors were asked for."""

    def __init__(self, node: str, cluster: FakeCluster) -> None:
        super().__init__(node, cluster)
        self.recurring: list[str] = []

    def execute(self, request: OperationRequest, dispatch: str = "") -> OcfResult:
        if request.action == "monitor" and request.interval_ms:
            self.recurring.append(request.resource)
        return super().execute(request, dispatch)


def test_a_copy_started_without_its_monitor_gets_one(tmp_path: Path, controller) -> None:
    # The transition that would have started the monitor was interrupted after the start: the
    # next plan does not ask for it (the copy is not new). The controller must watch it anyway.
    cluster = FakeCluster(("alice", "bob", "charlie"))
    cluster.agents = {n: MonitorRecordingAgent(n, cluster) for n in ("alice", "bob", "charlie")}

    def start_without_monitor(config: Config, state) -> nx.DiGraph:
        graph = nx.DiGraph()
        if not any(i.resource == "zulu" for i in state.instances):
            graph.add_node(Action(Op.START, "charlie", "zulu"))
        return graph

    ctl, _ = controller(cluster, planner=start_without_monitor)
    ctl.start()
    rounds_until(ctl, lambda: "zulu" in cluster.agents["charlie"].running)
    assert cluster.agents["charlie"].recurring == []
    ctl.round()
    assert cluster.agents["charlie"].recurring == ["zulu"]
    ctl.round()
    assert cluster.agents["charlie"].recurring == ["zulu"], "started again although it runs"
