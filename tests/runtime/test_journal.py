"""The journal: durable appends, replay, torn tails, actions in doubt."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from placement.model import Role
from placement.runtime import journal
from placement.runtime.belief import Belief, Membership, NodeView
from placement.runtime.journal import Journal
from placement.state import Instance


def test_entries_survive_reopening(tmp_path: Path) -> None:
    path = tmp_path / "j" / "journal.jsonl"
    with Journal(path) as j:
        first = j.record("dispatch", action="start db@alice")
        j.record("result", dispatch=first.seq, ok=True)
    with Journal(path) as j:
        assert [(e.seq, e.kind) for e in j.entries] == [(1, "dispatch"), (2, "result")]
        assert j.entries[1].data == {"dispatch": 1, "ok": True}
        assert j.record("x").seq == 3
    assert path.stat().st_mode & 0o077 == 0


def test_a_dispatch_without_result_is_in_doubt(tmp_path: Path) -> None:
    with Journal(tmp_path / "j") as j:
        done = j.record("dispatch", action="start a@alice")
        j.record("result", dispatch=done.seq, ok=True)
        pending = j.record("dispatch", action="start b@bob")
        assert [e.seq for e in j.in_doubt()] == [pending.seq]


@settings(max_examples=30, deadline=None)
@given(
    payloads=st.lists(st.dictionaries(st.sampled_from(["a", "b", "node"]), st.text(max_size=8)), max_size=6),
    cut=st.integers(min_value=0, max_value=400),
)
def test_a_torn_tail_loses_only_the_torn_entry(tmp_path_factory, payloads: list[dict], cut: int) -> None:
    path = tmp_path_factory.mktemp("j") / "journal"
    with Journal(path) as j:
        for payload in payloads:
            j.record("note", **payload)
    raw = path.read_bytes()
    path.write_bytes(raw[: max(0, len(raw) - cut)])  # the crash
    survivors = journal.read(path)
    assert [e.data for e in survivors] == payloads[: len(survivors)]
    with Journal(path) as j:  # appending after a torn line must not glue onto it
        j.record("after")
    assert [e.kind for e in journal.read(path)][-1] == "after"
    assert len(journal.read(path)) == len(survivors) + 1


def test_belief_round_trips_through_json() -> None:
    belief = Belief()
    belief.nodes["charlie"] = NodeView(Membership.UNCLEAN, "b00t", "heartbeat lost")
    belief.set_instance(Instance("db", "alice", Role.PROMOTED, clone_instance="0"))
    belief.set_instance(Instance("web", "charlie", Role.STARTED, failed=True))
    belief.record_failure("web", "charlie", 1000)
    again = Belief.from_json(belief.to_json())
    assert again.to_json() == belief.to_json()
    assert again.instances == belief.instances


def test_only_the_last_run_leaves_doubts(tmp_path: Path) -> None:
    with Journal(tmp_path / "j") as j:
        j.record("controller-start")
        j.record("dispatch", action="start a@alice")  # settled by the run that followed
        j.record("controller-start")
        abandoned = j.record("dispatch", action="start b@charlie")
        j.record("abandoned", dispatch=abandoned.seq)
        pending = j.record("dispatch", action="start c@bob")
        assert [e.seq for e in j.in_doubt()] == [pending.seq]


def test_data_cannot_take_the_entry_s_own_fields(tmp_path: Path) -> None:
    with Journal(tmp_path / "j") as written:
        written.record("event", node="alice", event_seq=7, event_time=1.5)
        with pytest.raises(ValueError, match="reserved"):
            written.record("event", node="alice", seq=7)
    (entry,) = journal.read(tmp_path / "j")
    assert (entry.seq, entry.data["event_seq"]) == (1, 7)
