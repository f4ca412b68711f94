"""The controller journal kept in etcd, written only by the current leader.

Entries are the same as the file journal's (`placement.runtime.journal`), one key
each: ``<prefix>journal/<seq, 12 digits>`` holding the entry's JSON line. Every
write is one etcd transaction with two conditions:

- the leader key exists and was created at our fencing token — we still lead;
- the entry's key does not exist yet — no entry is ever overwritten.

So the journal is exactly as durable and as ordered as etcd (a majority of members
has it before the write returns), and a deposed leader cannot add a line: its next
`record` raises `LeadershipLost`, and because the controller journals every action
*before* sending it, it sends nothing more either. A write whose answer is lost
(etcd unreachable) also ends the term: the next leader reads whatever was applied.

A new leader reads the whole prefix, so it knows every action that was done
(``result``), in flight (``dispatch`` without a result: re-probed) or never started.
The prefix stays short: every `COMPACT_AFTER` entries, between two rounds, the
leader writes a checkpoint (`placement.runtime.checkpoint`: its belief, carrying
what readers still need) and deletes every entry before it, in one transaction
under the same two conditions; readers see it expanded back (`read_etcd`).
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

from placement.runtime.checkpoint import checkpoint, expand, is_checkpoint, not_quiescent
from placement.runtime.election import DEFAULT_PREFIX, LeadershipLost
from placement.runtime.etcd import Etcd, EtcdUnavailable, created_at, delete_range, prefix_end, put
from placement.runtime.journal import Entry, JournalQueries, entry_of, line_of

log = logging.getLogger(__name__)

COMPACT_AFTER = 200  # entries since the last checkpoint: a takeover reads about this many, at most a few hundred


def journal_prefix(prefix: str = DEFAULT_PREFIX) -> str:
    return f"{prefix}journal/"


def key_of(seq: int, prefix: str = DEFAULT_PREFIX) -> str:
    return f"{journal_prefix(prefix)}{seq:012d}"


def read_etcd(etcd: Etcd, prefix: str = DEFAULT_PREFIX, after: int = 0) -> list[Entry]:
    """Every entry of the group's journal (or those after number ``after``), in order, checkpoints expanded.

    An entry a checkpoint carries keeps its own number, so a reader following the journal
    (``after``: the last number it has) is given only the carried entries it has not seen.
    """
    return [e for e in expand(read_raw(etcd, prefix, after)) if e.seq > after]


def read_raw(etcd: Etcd, prefix: str = DEFAULT_PREFIX, after: int = 0, revision: int = 0) -> list[Entry]:
    """The journal's keys after number ``after`` as stored (a checkpoint not expanded), as of ``revision``."""
    entries = []
    start = journal_prefix(prefix)
    items = etcd.range(key_of(after + 1, prefix) if after > 0 else start, prefix_end(start), revision)
    for item in items:
        try:
            entries.append(entry_of(item.value))
        except (ValueError, KeyError, TypeError):
            log.error("journal key %s holds garbage; skipped", item.key)
    return sorted(entries, key=lambda e: e.seq)


class EtcdJournal(JournalQueries):
    """The journal of one leadership term: reads everything, appends only while leading."""

    def __init__(
        self, etcd: Etcd, token: int, prefix: str = DEFAULT_PREFIX, compact_after: int = COMPACT_AFTER
    ) -> None:
        self.etcd = etcd
        self.token = token
        self.prefix = prefix
        self.compact_after = compact_after
        self._leader_key = f"{prefix}leader"
        self._lock = threading.Lock()
        try:
            self._entries = read_etcd(etcd, prefix)
        except EtcdUnavailable as error:
            raise LeadershipLost(f"cannot read the journal: {error}") from None

    @property
    def entries(self) -> list[Entry]:
        with self._lock:
            return list(self._entries)

    def record(self, kind: str, **data: Any) -> Entry:
        """Append one entry, durable on a majority of etcd members, if we still lead."""
        with self._lock:
            entry = Entry(self._next_seq(), time.time(), kind, data)
            self._write(entry)
            self._entries.append(entry)
            return entry

    def checkpoint(self, belief: dict[str, Any]) -> Entry | None:
        """After `compact_after` entries, replace the journal by a checkpoint of ``belief`` — if quiescent.

        One transaction: put the checkpoint, delete every entry before it. Called by the
        controller between rounds; `placement.runtime.checkpoint` says why that loses nothing.
        """
        with self._lock:
            last = next((e.seq for e in reversed(self._entries) if is_checkpoint(e)), 0)
            if self._next_seq() - 1 - last < self.compact_after:
                return None
            why = not_quiescent(self._entries, self.token)
            if why is not None:
                log.debug("journal not compacted now: %s", why)
                return None
            entry = checkpoint(self._next_seq(), time.time(), belief, self._entries)
            self._write(entry, [delete_range(journal_prefix(self.prefix), key_of(entry.seq, self.prefix))])
            before = len(self._entries)
            self._entries = expand([entry])
            log.info(
                "journal compacted: checkpoint #%d carries %d of the %d entries before it",
                entry.seq,
                len(self._entries) - 1,
                before,
            )
            return entry

    def _next_seq(self) -> int:
        return (self._entries[-1].seq if self._entries else 0) + 1

    def _write(self, entry: Entry, also: list[dict] | None = None) -> None:
        """Put ``entry`` (and run ``also``) if we still lead and its key is free; else `LeadershipLost`."""
        key = key_of(entry.seq, self.prefix)
        try:
            answer = self.etcd.txn(
                [created_at(self._leader_key, self.token), created_at(key, 0)],
                [put(key, line_of(entry)), *(also or [])],
            )
        except EtcdUnavailable as error:
            raise LeadershipLost(f"cannot journal {entry.kind}: {error}") from None
        if not answer.get("succeeded"):
            raise LeadershipLost(f"journal write refused: token {self.token} no longer leads")
