"""Journal compaction: a checkpoint loses nothing a new leader (or `placement status`) asks about.

Generated journals of several terms (dispatches, results, abandonments, fences, fence
doubts, snapshots, failures) are cut at a moment the controller may compact — every
dispatch of the current term answered — and the prefix replaced by its checkpoint.
Whatever follows (a tail referring only to entries a reader of the compacted journal
can see), the recovery queries and the status views answer the same on both.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from placement.runtime import checkpoint as cp
from placement.runtime.election import Election, LeadershipLost
from placement.runtime.journal import Entry, fence_doubts, fences_done_after, in_doubt
from placement.runtime.journal_etcd import EtcdJournal, journal_prefix, read_etcd, read_raw
from placement.runtime.status import _FENCING_KINDS

from .etcd_members import EtcdMembers, needs_etcd

NODES = ("alice", "bob", "charlie")
OPS = ("start", "stop", "promote", "fence")
KINDS = ("term", "dispatch", "answer", "in-doubt", "assumed", "fenced", "belief", "blocked", "unclean", "fence-failed",
         "event", "probe")
DRAWN = (*KINDS, "takeover", "takeover", "dispatch", "dispatch")  # the steps of a takeover, more often


class Writer:
    """Appends entries as a controller would, numbering them; ``visible`` are the entries a reader may cite."""

    def __init__(self, entries: list[Entry] | None = None, token: int = 0) -> None:
        self.entries = list(entries or [])
        self.token = token

    def add(self, kind: str, **data: object) -> Entry:
        entry = Entry((self.entries[-1].seq if self.entries else 0) + 1, float(len(self.entries)), kind, dict(data))
        self.entries.append(entry)
        return entry

    def step(self, draw: st.DrawFn, kind: str) -> None:
        dispatches = [e for e in self.entries if e.kind == "dispatch"]
        answered = {e.data.get("dispatch") for e in self.entries if e.kind in ("result", "abandoned")}
        node = draw(st.sampled_from(NODES))
        if kind in ("term", "takeover"):
            self.token += 1
            self.add("controller-start", token=self.token)
            if kind == "takeover":  # and the new leader marks what the last one left unanswered as in doubt
                self.step(draw, "in-doubt")
                self.step(draw, "assumed")
        elif kind == "dispatch":
            op = draw(st.sampled_from(OPS))
            self.add("dispatch", op=op, node=node, resource=None if op == "fence" else "zulu", action=f"{op} {node}")
        elif kind == "answer" and dispatches:
            target = draw(st.sampled_from(dispatches))
            if target.seq not in answered:
                if draw(st.booleans()):
                    self.add("result", dispatch=target.seq, op=target.data["op"], node=target.data["node"],
                             resource=target.data["resource"], ok=draw(st.booleans()))
                else:
                    self.add("abandoned", dispatch=target.seq, action=target.data["action"])
        elif kind == "in-doubt":  # a takeover's mark on a fence of an earlier term
            since = max(e.seq for e in self.entries if e.kind == "controller-start")
            fences = [e for e in dispatches if e.data["op"] == "fence" and e.seq not in answered and e.seq < since]
            if fences:
                target = draw(st.sampled_from(fences))
                self.add("in-doubt", dispatch=target.seq, op="fence", node=target.data["node"], silent=[node])
        elif kind == "assumed":  # a takeover assumes the worst of a start an earlier term left unanswered
            since = max(e.seq for e in self.entries if e.kind == "controller-start")
            starts = [e for e in dispatches if e.data["op"] != "fence" and e.seq not in answered and e.seq < since]
            if starts:
                target = draw(st.sampled_from(starts))
                self.add("in-doubt", dispatch=target.seq, op=target.data["op"], action=target.data["action"],
                         assumed="active and failed")
        elif kind == "fenced":
            self.add("fenced", node=node, summary=f"{node} fenced")
        elif kind == "belief":
            self.add("belief", belief={"nodes": {}, "instances": []})
        elif kind == "blocked":
            self.add("blocked", action=f"start zulu@{node}", reason="fencing first")
        elif kind in ("unclean", "fence-failed"):
            self.add(kind, node=node, reason="lost")
        elif kind == "event":
            self.add("event", node=node, resource="zulu", exit_code=draw(st.sampled_from([0, 7])), expected=0)
        elif kind == "probe":
            self.add("probe", node=node, found={})

    def settle(self) -> None:
        """What the executor does before a round ends: every dispatch of this term answered."""
        for entry in in_doubt(self.entries):
            self.add("result", dispatch=entry.seq, op=entry.data["op"], node=entry.data["node"], ok=True)


@st.composite
def journals(draw: st.DrawFn) -> tuple[list[Entry], list[Entry], int, Writer]:
    """(prefix, compacted prefix, token, a writer continuing the compacted one)."""
    writer = Writer()
    writer.step(draw, "term")
    for kind in draw(st.lists(st.sampled_from(DRAWN), max_size=60)):
        writer.step(draw, kind)
    if writer.entries[-1].kind != "controller-start" and draw(st.booleans()):
        writer.step(draw, "term")
    writer.settle()
    prefix = writer.entries
    assert cp.not_quiescent(prefix, writer.token) is None
    point = cp.checkpoint(prefix[-1].seq + 1, 1e9, {"nodes": {}, "instances": []}, prefix)
    compacted = cp.expand([point])
    return prefix, compacted, writer.token, Writer(compacted, writer.token)


def last_belief(entries: list[Entry]) -> int:
    return max((e.seq for e in entries if e.kind == "belief"), default=0)


def views(entries: list[Entry]) -> dict[str, object]:
    """What readers ask: the three recovery queries, and what `placement status` and the pages list."""
    return {
        "in_doubt": [e.seq for e in in_doubt(entries)],
        "fence_doubts": [e.seq for e in fence_doubts(entries)],
        "fences_after_snapshot": [e.seq for e in fences_done_after(entries, last_belief(entries))],
        "fencing_history": [e.seq for e in entries if e.kind in _FENCING_KINDS][-cp.CARRY_FENCING:],
        "blocked": [e.seq for e in entries if e.kind == "blocked"][-cp.CARRY_BLOCKED:],
        "failures": [e.seq for e in entries if cp.is_failure(e)][-cp.CARRY_FAILURES:],
        "position": entries[-1].seq if entries else 0,
    }


@settings(max_examples=300, deadline=None)
@given(journals(), st.data())
def test_a_compacted_journal_answers_as_the_whole_one(journal, data) -> None:
    prefix, compacted, token, writer = journal
    assert cp.not_quiescent(compacted, token) is None  # a reader of the checkpoint finds nothing in flight
    # A new leader resumes from the checkpoint's snapshot: the fences before it are in it.
    assert fences_done_after(compacted, last_belief(compacted)) == []
    whole = Writer([*prefix, compacted[-1]], token)
    assert views(writer.entries) == views(whole.entries)
    for kind in data.draw(st.lists(st.sampled_from(DRAWN), max_size=30), label="tail"):
        # The tail is drawn against the compacted journal (what its writer can see) and mirrored onto the whole.
        before = len(writer.entries)
        writer.step(data.draw, kind)
        for entry in writer.entries[before:]:
            whole.entries.append(entry)
        expected, found = views(whole.entries), views(writer.entries)
        assert found == expected, f"after {kind}: compacted {found} != whole {expected}"


def test_every_view_survives_a_checkpoint_of_a_crafted_journal() -> None:
    w = Writer()
    w.add("controller-start", token=1)
    fence = w.add("dispatch", op="fence", node="charlie", resource=None, action="fence charlie")
    w.add("controller-start", token=2)  # the leader died: its fence is in doubt
    w.add("in-doubt", dispatch=fence.seq, op="fence", node="charlie", silent=["alice"])
    start = w.add("dispatch", op="start", node="bob", resource="zulu", action="start zulu@bob")
    w.add("result", dispatch=start.seq, op="start", node="bob", resource="zulu", ok=False)
    w.add("belief", belief={})
    assert cp.not_quiescent(w.entries, 2) is None
    kept = cp.carried(w.entries)
    assert [(e.seq, e.kind) for e in kept] == [(2, "dispatch"), (3, "controller-start"), (4, "in-doubt"),
                                               (6, "result")]
    compacted = cp.expand([cp.checkpoint(8, 0.0, {}, w.entries)])
    assert [e.seq for e in fence_doubts(compacted)] == [fence.seq]  # the next leader still asks about it
    assert in_doubt(compacted) == []


def test_a_checkpoint_is_refused_while_a_dispatch_is_unanswered_or_in_another_term() -> None:
    w = Writer()
    w.add("controller-start", token=3)
    sent = w.add("dispatch", op="start", node="bob", resource="zulu", action="start zulu@bob")
    assert cp.not_quiescent(w.entries, 3) == f"dispatch #{sent.seq} is in doubt: no result yet"
    w.add("abandoned", dispatch=sent.seq, action="start zulu@bob")
    assert cp.not_quiescent(w.entries, 3) is None
    assert "has not started" in str(cp.not_quiescent(w.entries, 4))
    # The next term assumes the worst of a start left unanswered: no checkpoint until a snapshot holds that.
    left = w.add("dispatch", op="start", node="alice", resource="xray", action="start xray@alice")
    w.add("controller-start", token=4)
    w.add("in-doubt", dispatch=left.seq, op="start", action="start xray@alice", assumed="active and failed")
    assert cp.not_quiescent(w.entries, 4) == f"dispatch #{left.seq} is in doubt: no result yet"
    w.add("belief", belief={})
    assert cp.not_quiescent(w.entries, 4) is None


# ---------------------------------------------------------------------- on a real etcd


@pytest.fixture
def etcd(processes, tmp_path: Path) -> EtcdMembers:
    members = EtcdMembers(processes, tmp_path / "etcd", 1)
    members.start()
    return members


def lead(etcd: EtcdMembers, name: str) -> tuple[Election, int]:
    import threading

    election = Election(etcd.client(), name, ttl=2)
    token = election.campaign(threading.Event())
    assert token is not None
    return election, token


@needs_etcd
def test_a_checkpoint_replaces_the_journal_in_etcd_and_the_next_leader_reads_it(etcd: EtcdMembers) -> None:
    client = etcd.client()
    election, token = lead(etcd, "a")
    journal = EtcdJournal(client, token, compact_after=5)
    journal.record("controller-start", token=token)
    fenced = journal.record("fenced", node="charlie", summary="charlie fenced")
    sent = journal.record("dispatch", op="start", node="bob", resource="zulu", action="start zulu@bob")
    assert journal.checkpoint({"nodes": {}}) is None  # only 3 entries
    for _ in range(3):
        journal.record("probe", node="bob", found={})
    assert journal.checkpoint({"nodes": {}}) is None  # zulu's start is in flight
    journal.record("result", dispatch=sent.seq, op="start", node="bob", resource="zulu", ok=True)
    revision = client.read("/nothing")[1]
    point = journal.checkpoint({"nodes": {"bob": {"membership": "online"}}})
    assert point is not None and point.seq == 8
    raw = read_raw(client)
    assert [(e.seq, e.kind) for e in raw] == [(8, "belief")]  # everything before it deleted, in the same write
    assert len(client.prefix(journal_prefix())) == 1
    expected = [(1, "controller-start"), (fenced.seq, "fenced"), (8, "belief")]
    assert [(e.seq, e.kind) for e in read_etcd(client)] == expected
    assert [(e.seq, e.kind) for e in journal.entries] == expected
    # A follower that had read up to #3 is given only the newer carried entries and what follows.
    assert [e.seq for e in read_etcd(client, after=3)] == [8]
    # etcd's own history still holds the deleted keys (the fault campaign reads its copy from there).
    assert [e.seq for e in read_raw(client, revision=revision)] == list(range(1, 8))
    assert journal.record("probe", node="alice", found={}).seq == 9
    election.resign()
    _, newer = lead(etcd, "b")
    with pytest.raises(LeadershipLost):
        journal.record("probe", node="alice", found={})
    successor = EtcdJournal(client, newer)
    assert successor.last("belief").data["belief"] == {"nodes": {"bob": {"membership": "online"}}}
    assert successor.position == 9 and successor.in_doubt() == []
    assert successor.record("controller-start", token=newer).seq == 10


@needs_etcd
def test_a_deposed_leader_cannot_compact(etcd: EtcdMembers) -> None:
    client = etcd.client()
    election, token = lead(etcd, "a")
    journal = EtcdJournal(client, token, compact_after=1)
    journal.record("controller-start", token=token)
    journal.record("probe", node="bob", found={})
    election.resign()
    lead(etcd, "b")
    with pytest.raises(LeadershipLost):
        journal.checkpoint({})
    assert [e.kind for e in read_raw(client)] == ["controller-start", "probe"]  # nothing deleted
