"""Compacting the journal: a checkpoint is a belief snapshot that carries forward what readers still need.

A leader's journal grows with every decision, and a new leader reads all of it. A
**checkpoint** lets it read only the recent part: an ordinary ``belief`` entry (the
controller's current belief) whose data also holds ``checkpoint: {through, carried}``,
where ``carried`` are the few earlier entries a reader may still ask about. The etcd
journal writes the checkpoint and deletes every entry before it in **one transaction**
under the leader's token (`placement.runtime.journal_etcd`): a reader sees either the
whole journal or the checkpoint and what follows it, never half of each.
`expand` turns the checkpoint back into the carried entries (under their own
numbers) followed by the snapshot, so every query reads a compacted journal as it
read the whole one.

When a checkpoint may be written — `not_quiescent` says why not — and why nothing
a new leader needs is lost. The controller compacts only between two rounds of a
term whose start is complete (`Controller.round`), and this module refuses otherwise:

1. `placement.runtime.journal.in_doubt` is empty (checked here): every dispatch of
   the current term has its ``result`` or ``abandoned`` entry (the executor waits for
   what is in flight before a round ends), and every doubt this term assumed is in a
   belief snapshot; the checkpoint is one, and the last ``controller-start`` is
   carried, so it stays empty until the next term begins;
2. every dispatch of earlier terms was settled by this term's start: a start,
   promote or migration in doubt is assumed active-and-failed *in the belief* (which
   the checkpoint is), until a probe said the truth — also into the belief; a fence
   got a journalled result, or an ``in-doubt`` mark: `fence_doubts` still pending
   are carried with their dispatches, so the next leader still asks about them and
   marks the re-issue;
3. every fence journalled done is in the belief (a result is applied to the belief,
   and snapshotted, before the round ends; a takeover replays those after the last
   snapshot into its belief first), so `fences_done_after` the snapshot has nothing
   to add from before the checkpoint.

Hence a start or fence that completed is in the belief (never repeated), and one in
flight or in doubt is either answered or carried (never lost).
`tests/runtime/test_checkpoint.py` checks the three queries on generated journals.
For people, the checkpoint also carries the latest fencing history (``unclean``,
``fenced``, ``fence-failed``), ``blocked`` actions and failures, so ``placement
status`` and the status pages still show them; older ones are gone.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from placement.runtime.journal import Entry, fence_doubts, in_doubt, line_of

CARRY_FENCING = 60  # the status page's history (twice its HISTORY_LENGTH); `placement status` lists these too
CARRY_BLOCKED = 10  # `placement status` lists the last ten
CARRY_FAILURES = 20
FENCING_KINDS = ("unclean", "fenced", "fence-failed")


def is_checkpoint(entry: Entry) -> bool:
    return entry.kind == "belief" and isinstance(entry.data.get("checkpoint"), dict)


def not_quiescent(entries: list[Entry], token: int) -> str | None:
    """Why a checkpoint must not be written now (None: it may).

    >>> start = Entry(1, 0.0, "controller-start", {"token": 7})
    >>> sent = Entry(2, 0.0, "dispatch", {"op": "start"})
    >>> not_quiescent([start, sent], 7)
    'dispatch #2 is in doubt: no result yet'
    >>> not_quiescent([start, sent, Entry(3, 0.0, "result", {"dispatch": 2})], 7) is None
    True
    """
    starts = [e for e in entries if e.kind == "controller-start"]
    if not starts or starts[-1].data.get("token") != token:
        return f"the term of token {token} has not started in this journal"
    pending = in_doubt(entries)
    if pending:
        return f"dispatch #{pending[0].seq} is in doubt: no result yet"
    return None


def carried(entries: list[Entry]) -> list[Entry]:
    """The entries a checkpoint after ``entries`` (quiescent: `not_quiescent`) carries forward, in journal order."""
    keep: dict[int, Entry] = {}
    starts = [e for e in entries if e.kind == "controller-start"]
    if starts:
        keep[starts[-1].seq] = starts[-1]  # `in_doubt` counts from it
    doubted = {e.seq: e for e in fence_doubts(entries)}
    keep.update(doubted)
    for entry in entries:  # the marks that make them doubts
        if entry.kind == "in-doubt" and entry.data.get("op") == "fence" and entry.data.get("dispatch") in doubted:
            keep[entry.seq] = entry
    for chosen in (
        [e for e in entries if e.kind in FENCING_KINDS][-CARRY_FENCING:],
        [e for e in entries if e.kind == "blocked"][-CARRY_BLOCKED:],
        [e for e in entries if is_failure(e)][-CARRY_FAILURES:],
    ):
        keep.update((e.seq, e) for e in chosen)
    return [keep[seq] for seq in sorted(keep)]


def is_failure(entry: Entry) -> bool:
    """A failed resource action or monitor: what the status pages list under failures."""
    data = entry.data
    if entry.kind == "result":
        return not data.get("ok") and bool(data.get("resource"))
    return entry.kind == "event" and data.get("exit_code") != data.get("expected")


def checkpoint(seq: int, now: float, belief: dict[str, Any], entries: list[Entry]) -> Entry:
    """The checkpoint entry number ``seq``: ``belief``, carrying what `carried` keeps of ``entries``."""
    kept = [json.loads(line_of(e)) for e in carried(entries) if not is_checkpoint(e)]
    return Entry(seq, now, "belief", {"belief": belief, "checkpoint": {"through": seq - 1, "carried": kept}})


def expand(entries: Iterable[Entry]) -> list[Entry]:
    """A journal as read (in order), with its last checkpoint turned back into the entries it carries.

    Entries before the last checkpoint are dropped (it speaks for them: in etcd they
    are deleted with its writing); the checkpoint itself stays, without its load.

    >>> cp = checkpoint(9, 0.0, {}, [Entry(4, 0.0, "fenced", {"node": "bob"}), Entry(8, 0.0, "probe", {})])
    >>> [(e.seq, e.kind) for e in expand([cp, Entry(10, 0.0, "plan", {})])]
    [(4, 'fenced'), (9, 'belief'), (10, 'plan')]
    """
    ordered = list(entries)
    last = max((i for i, e in enumerate(ordered) if _loaded(e)), default=None)
    if last is None:
        return ordered
    head = ordered[last]
    marker = {**head.data["checkpoint"]}
    kept = [_entry(item) for item in marker.pop("carried", [])]
    marker["carried"] = len(kept)
    return [*kept, Entry(head.seq, head.time, head.kind, {**head.data, "checkpoint": marker}), *ordered[last + 1 :]]


def _loaded(entry: Entry) -> bool:
    """A checkpoint as stored, its carried entries still inside (an expanded one holds their count)."""
    return is_checkpoint(entry) and isinstance(entry.data["checkpoint"].get("carried"), list)


def _entry(item: dict[str, Any]) -> Entry:
    data = dict(item)
    return Entry(int(data.pop("seq")), float(data.pop("time")), str(data.pop("kind")), data)
