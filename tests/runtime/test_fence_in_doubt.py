"""A fence the previous leader sent and never saw answered: settled from the executors' records.

The previous controller's journal ends with charlie unclean and a fence of charlie
dispatched; what the executors say about that dispatch decides: completed (never
fenced again), not completed (fenced again, as a retry), unknown (re-issued, and the
journal says so). The executors here are the scripted agents of test_controller.py;
the records themselves are `FenceRecords` on disk, tested at the end.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from placement.model import Role
from placement.runtime.belief import Belief, Membership
from placement.runtime.fence_records import FenceRecords
from placement.runtime.journal import Journal
from placement.state import Instance

from . import test_controller
from .test_controller import FakeAgent, FakeCluster, rounds_until


class RecordKeepingAgent(FakeAgent):
    """Answers questions about fence dispatches: scripted answers first, then its own fences."""

    def __init__(self, node: str, cluster: FakeCluster) -> None:
        super().__init__(node, cluster)
        self.answers: dict[str, list[dict]] = {}
        self.asked: list[str] = []

    def fence_record(self, dispatch: str, timeout: float | None = None) -> dict:
        self._check()
        self.asked.append(dispatch)
        scripted = self.answers.get(dispatch)
        if scripted:
            return scripted.pop(0) if len(scripted) > 1 else scripted[0]
        results = [f for f in self.fenced if f["dispatch"] == dispatch]
        return {"dispatch": dispatch, "state": "ended" if results else "none", "results": results}


@pytest.fixture
def cluster() -> FakeCluster:
    made = FakeCluster(("alice", "bob", "charlie"))
    made.agents = {n: RecordKeepingAgent(n, made) for n in ("alice", "bob", "charlie")}
    made.agents["charlie"].alive = False  # charlie was lost: that is why it was being fenced
    return made


# The controller factory of test_controller.py, over this module's record-keeping agents.
controller = test_controller.controller


def previous_term(path: Path, executors: list[str]) -> int:
    """The dead leader's journal: charlie unclean with zulu, a fence of charlie dispatched, no result."""
    belief = Belief()
    for node in ("alice", "bob"):
        belief.node(node).membership = Membership.ONLINE
    belief.node("charlie").membership = Membership.UNCLEAN
    belief.set_instance(Instance("zulu", "charlie", Role.STARTED))
    with Journal(path) as old:
        old.record("controller-start", token=1)
        old.record("unclean", node="charlie", reason="agent lost")
        old.record("belief", belief=belief.to_json())
        return old.record("dispatch", action="fence charlie", op="fence", node="charlie", executors=executors).seq


def ended(ok: bool, device: str = "fence_all") -> dict:
    return {"state": "ended", "results": [{"device": device, "ok": ok, "action": "off", "target": "charlie"}]}


def fence_dispatches(journal: Journal) -> list:
    return [e for e in journal.of_kind("dispatch") if e.data.get("op") == "fence"]


def zulu_recovered(cluster: FakeCluster) -> bool:
    return any("zulu" in cluster.agents[n].running for n in ("alice", "bob"))


def test_a_fence_that_completed_is_journalled_as_done_and_never_run_again(tmp_path, cluster, controller) -> None:
    seq = previous_term(tmp_path / "journal", ["alice", "bob"])
    cluster.agents["alice"].answers[f"#{seq}"] = [ended(True)]
    ctl, journal = controller(cluster)
    ctl.start()
    rounds_until(ctl, lambda: zulu_recovered(cluster))
    assert cluster.fence_calls == [], "a completed fence was repeated"
    result = next(e for e in journal.of_kind("result") if e.data.get("dispatch") == seq)
    assert result.data["ok"] and "fence_all from alice" in result.data["reason"]
    fenced = journal.last("fenced")
    assert fenced is not None and fenced.data["settled"] == seq
    assert [e.seq for e in fence_dispatches(journal)] == [seq]


def test_a_fence_still_running_on_its_executor_is_waited_for(tmp_path, cluster, controller) -> None:
    seq = previous_term(tmp_path / "journal", ["alice"])
    running = {"state": "running", "results": []}
    cluster.agents["alice"].answers[f"#{seq}"] = [running, running, ended(True)]
    ctl, _ = controller(cluster)
    ctl.start()
    assert cluster.agents["alice"].asked.count(f"#{seq}") == 3
    rounds_until(ctl, lambda: zulu_recovered(cluster))
    assert cluster.fence_calls == []


def test_a_fence_every_executor_says_never_ran_is_fenced_again_as_a_plain_retry(tmp_path, cluster, controller) -> None:
    seq = previous_term(tmp_path / "journal", ["alice", "bob"])
    ctl, journal = controller(cluster)
    ctl.start()
    result = next(e for e in journal.of_kind("result") if e.data.get("dispatch") == seq)
    assert not result.data["ok"] and "never ran" in result.data["reason"]
    rounds_until(ctl, lambda: zulu_recovered(cluster))
    assert cluster.fence_calls == ["charlie"]
    again = fence_dispatches(journal)[-1]
    assert again.seq > seq and "reissue_of" not in again.data
    assert journal.last("in-doubt") is None


def test_a_fence_that_failed_on_one_level_is_not_taken_for_a_completed_one(tmp_path, cluster, controller) -> None:
    seq = previous_term(tmp_path / "journal", ["alice", "bob"])
    cluster.agents["bob"].answers[f"#{seq}"] = [ended(False)]
    ctl, journal = controller(cluster)
    ctl.start()
    result = next(e for e in journal.of_kind("result") if e.data.get("dispatch") == seq)
    assert not result.data["ok"] and "ran and failed" in result.data["reason"]
    rounds_until(ctl, lambda: zulu_recovered(cluster))
    assert cluster.fence_calls == ["charlie"]


def test_an_interrupted_fence_is_reissued_and_the_journal_says_so(tmp_path, cluster, controller) -> None:
    seq = previous_term(tmp_path / "journal", ["alice", "bob"])
    cluster.agents["bob"].answers[f"#{seq}"] = [{"state": "interrupted", "results": []}]
    ctl, journal = controller(cluster)
    ctl.start()
    doubt = journal.last("in-doubt")
    assert doubt is not None and doubt.data["dispatch"] == seq and doubt.data["unsure"] == ["bob"]
    assert not [e for e in journal.of_kind("result") if e.data.get("dispatch") == seq], "an unknown outcome was guessed"
    rounds_until(ctl, lambda: zulu_recovered(cluster))
    assert cluster.fence_calls == ["charlie"]
    assert fence_dispatches(journal)[-1].data["reissue_of"] == seq


def test_a_silent_executor_leaves_the_outcome_unknown(tmp_path, cluster, controller) -> None:
    seq = previous_term(tmp_path / "journal", ["bob"])
    cluster.agents["bob"].alive = False
    ctl, journal = controller(cluster)
    ctl.start()
    doubt = journal.last("in-doubt")
    assert doubt is not None and doubt.data["silent"] == ["bob"]
    assert fence_dispatches(journal)[-1].seq == seq  # nothing re-issued yet: re-issued by the plan, marked


def test_the_mark_survives_a_takeover_that_ended_before_reissuing(tmp_path, cluster, controller) -> None:
    seq = previous_term(tmp_path / "journal", ["bob"])
    cluster.agents["bob"].alive = False
    first, _ = controller(cluster)
    first.start()  # journals in-doubt, then dies before its plan re-issues the fence
    first.close()
    cluster.agents["bob"].alive = True  # bob is back: its record shows the fence was cut short by its restart
    cluster.agents["bob"].answers[f"#{seq}"] = [{"state": "interrupted", "results": []}]
    second, journal = controller(cluster)
    second.start()
    assert [e.data["dispatch"] for e in journal.of_kind("in-doubt")] == [seq, seq]
    rounds_until(second, lambda: zulu_recovered(cluster))
    assert fence_dispatches(journal)[-1].data["reissue_of"] == seq


def test_an_executor_that_answers_later_settles_an_earlier_doubt(tmp_path, cluster, controller) -> None:
    seq = previous_term(tmp_path / "journal", ["bob"])
    cluster.agents["bob"].alive = False
    first, _ = controller(cluster)
    first.start()
    first.close()
    cluster.agents["bob"].alive = True
    cluster.agents["bob"].answers[f"#{seq}"] = [ended(True)]  # its record, read from its disk after a restart
    second, journal = controller(cluster)
    second.start()
    rounds_until(second, lambda: zulu_recovered(cluster))
    assert cluster.fence_calls == []
    assert journal.last("fenced").data["settled"] == seq


# ---------------------------------------------------------------------- the executor's records


def test_records_survive_a_restart_and_tell_interrupted_from_running(tmp_path: Path) -> None:
    path = tmp_path / "fences.jsonl"
    records = FenceRecords(path, "boot-1")
    records.began("#4", 2, "fence_all", "off", "charlie", 1.0)
    assert records.about("#4")["state"] == "running"
    records.ended("#4", 2, {"device": "fence_all", "ok": True}, 2.0)
    records.began("#9", 3, "fence_all", "off", "bob", 3.0)  # the agent dies during this one
    with path.open("a") as handle:
        handle.write('{"phase": "ended", "dispatch": "#9", "ok": tr')  # a torn last line
    again = FenceRecords(path, "boot-2")
    assert again.about("#4")["state"] == "ended" and again.about("#4")["results"][0]["ok"] is True
    assert again.about("#9")["state"] == "interrupted"
    assert again.about("#10")["state"] == "none"
    assert [r["dispatch"] for r in again.results()] == ["#4"]


def test_a_fence_result_journalled_after_the_last_snapshot_is_not_fenced_again(tmp_path, cluster, controller) -> None:
    seq = previous_term(tmp_path / "journal", ["alice"])
    with Journal(tmp_path / "journal") as old:  # the result made it; the "fenced" entry and the snapshot did not
        done = old.record("result", dispatch=seq, action="fence charlie", op="fence", node="charlie", ok=True,
                          exit_code=0, reason="charlie fenced by fence_all from alice")
    ctl, journal = controller(cluster)
    ctl.start()
    assert ctl.belief.node("charlie").membership is Membership.FENCED
    fenced = journal.last("fenced")  # said again in this term, after its start: the journal reads in order
    assert fenced is not None and fenced.data["settled"] == done.seq
    assert fenced.seq > journal.last("controller-start").seq
    rounds_until(ctl, lambda: zulu_recovered(cluster))
    assert cluster.fence_calls == [], "a completed fence was repeated"
