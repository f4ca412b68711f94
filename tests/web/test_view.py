"""The page's data: node states, resources per node, transition progress, fencing history, leader."""

from __future__ import annotations

import networkx as nx
import pytest

from placement.model import Config
from placement.runtime.belief import Membership
from placement.runtime.journal import Entry
from placement.transition.action import Action, Op
from placement.web.view import (
    LiveSnapshot,
    Progress,
    fencing_history,
    from_belief,
    from_gathered,
    leader_of,
    node_state,
    progress_of,
)

from .conftest import demo_belief

FENCE, START, MONITOR = Action(Op.FENCE, "charlie"), Action(Op.START, "bob", "zulu"), Action(Op.MONITOR, "bob", "zulu")


def entry(seq: int, kind: str, **data: object) -> Entry:
    return Entry(seq, 1_700_000_000.0 + seq, kind, dict(data))


@pytest.mark.parametrize(("membership", "standby", "word"), [
    (Membership.ONLINE, False, "online"), (Membership.ONLINE, True, "standby"), (Membership.UNKNOWN, False, "offline"),
    (Membership.UNCLEAN, False, "unclean"), (Membership.FENCED, True, "fenced"),
])
def test_node_words(membership: Membership, standby: bool, word: str) -> None:
    assert node_state(membership, standby) == word


def test_resources_are_listed_under_their_node_with_role_and_failure(demo_config: Config) -> None:
    view = from_belief(demo_config, demo_belief(), ["alice", "bob", "charlie"])
    nodes = {n["name"]: n for n in view["nodes"]}
    assert [n["state"] for n in view["nodes"]] == ["online", "online", "unclean"]
    assert nodes["charlie"]["detail"] == "agent lost"
    assert [r["resource"] for r in nodes["alice"]["resources"]] == ["iscsi:0", "xray"]
    assert {"resource": "yankee", "role": "started", "failed": True} in nodes["bob"]["resources"]
    assert [r["resource"] for r in nodes["charlie"]["resources"]] == ["iscsi:2", "zulu"]


def test_a_node_never_heard_from_is_offline(demo_config: Config) -> None:
    belief = demo_belief()
    del belief.nodes["bob"]
    assert [n["state"] for n in from_belief(demo_config, belief, [])["nodes"]][1] == "offline"


def test_progress_follows_the_journal_of_one_plan() -> None:
    graph = nx.DiGraph([(FENCE, START), (START, MONITOR)])
    progress = Progress()
    assert progress_of(progress.states, nx.DiGraph()) is None
    progress.hear(entry(1, "plan", actions=[FENCE.label, START.label, MONITOR.label]))
    assert {a["state"] for a in progress_of(progress.states, graph)["actions"]} == {"pending"}
    progress.hear(entry(2, "dispatch", action=FENCE.label))
    running = {"label": "fence charlie", "op": "fence", "wave": 0, "state": "running"}
    assert progress_of(progress.states, graph)["actions"][0] == running
    progress.hear(entry(3, "result", action=FENCE.label, ok=True))
    progress.hear(entry(4, "dispatch", action=START.label))
    progress.hear(entry(5, "result", action=START.label, ok=False))
    shown = progress_of(progress.states, graph)
    assert [(a["label"], a["state"], a["wave"]) for a in shown["actions"]] == [
        ("fence charlie", "done", 0), ("start zulu@bob", "failed", 1), ("monitor zulu@bob", "pending", 2)]
    assert (shown["done"], shown["total"]) == (1, 3)
    progress.hear(entry(6, "plan", actions=[START.label]))  # a new plan starts over
    assert progress_of(progress.states, nx.DiGraph([(START, MONITOR)]))["done"] == 0


def test_fencing_history_is_newest_first_and_only_fencing() -> None:
    entries = [entry(1, "unclean", node="charlie", reason="agent lost"), entry(2, "dispatch", action="x"),
               entry(3, "fenced", node="charlie", summary="charlie fenced at level 1 by f")]
    assert [(f["kind"], f["summary"]) for f in fencing_history(entries)] == [
        ("fenced", "charlie fenced at level 1 by f"), ("unclean", "agent lost")]


def test_the_leader_is_whoever_the_controller_or_journal_names_else_this_single_controller() -> None:
    assert leader_of({"leader": "ctl-2", "term": 7}, [])["name"] == "ctl-2"
    assert leader_of({"leader": "ctl-2", "term": 7}, [])["detail"] == "term=7"
    assert leader_of("ctl-4", [])["name"] == "ctl-4"
    assert leader_of(None, [entry(1, "leader-elected", node="ctl-3")])["name"] == "ctl-3"
    single = leader_of(None, [])
    assert "single controller" in single["detail"]


def test_a_snapshot_from_the_agents_marks_a_silent_fenced_node_fenced() -> None:
    status = {
        "nodes": [{"node": "alice", "state": "online", "boot_id": "b1", "pid": 10},
                  {"node": "bob", "state": "unreachable", "detail": "connection refused"},
                  {"node": "charlie", "state": "unreachable", "detail": "connection refused"}],
        "resources": [{"node": "alice", "resource": "zulu", "role": "started", "failed": False, "agent": "x"}],
        "failed": [],
        "fencing": [{"executor": "alice", "device": "f", "action": "reboot", "target": "charlie", "ok": True,
                     "exit_code": 0}],
        "journal": [{"seq": 1, "time": 1.0, "kind": "unclean", "node": "charlie", "summary": "agent lost"},
                    {"seq": 2, "time": 2.0, "kind": "fenced", "node": "charlie", "summary": "charlie fenced"}],
    }
    view = from_gathered(status)
    assert [(n["name"], n["state"]) for n in view["nodes"]] == [
        ("alice", "online"), ("bob", "offline"), ("charlie", "fenced")]
    assert view["nodes"][0]["resources"] == [{"resource": "zulu", "role": "started", "failed": False}]
    assert [f["kind"] for f in view["fencing"]] == ["fenced", "unclean", "fenced"]


def test_a_live_snapshot_builds_the_view_and_the_what_if_state_from_the_journalled_belief(demo_config: Config) -> None:
    graph = nx.DiGraph([(FENCE, START), (START, MONITOR)])
    belief = demo_belief()
    snapshot = LiveSnapshot(demo_config, belief.to_json(), ("alice", "bob", "charlie"), graph,
                            {FENCE.label: "done"}, (entry(1, "unclean", node="charlie", reason="agent lost"),), ())
    drawings: dict = {}
    view = snapshot.view(drawings)
    assert [n["state"] for n in view["nodes"]] == ["online", "online", "unclean"]
    assert view["transition"]["done"] == 1 and view["transition"]["svg"].startswith("<svg")
    assert drawings["graph"] is graph
    again = LiveSnapshot(demo_config, belief.to_json(), (), graph, {}, (), ())
    assert again.view(drawings)["transition"]["svg"] is view["transition"]["svg"]  # drawn once per plan
    config, state = snapshot.inputs()
    assert config is demo_config
    assert {(i.resource, i.node) for i in state.instances} >= {("zulu", "charlie"), ("xray", "alice")}
    assert {n: s.status.value for n, s in state.nodes.items()}["charlie"] == "unclean"
