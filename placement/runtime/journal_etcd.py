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
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

from placement.runtime.election import DEFAULT_PREFIX, LeadershipLost
from placement.runtime.etcd import Etcd, EtcdUnavailable, created_at, prefix_end, put
from placement.runtime.journal import Entry, JournalQueries, entry_of, line_of

log = logging.getLogger(__name__)


def journal_prefix(prefix: str = DEFAULT_PREFIX) -> str:
    return f"{prefix}journal/"


def read_etcd(etcd: Etcd, prefix: str = DEFAULT_PREFIX, after: int = 0) -> list[Entry]:
    """Every entry of the group's journal (or those after number ``after``), in order."""
    entries = []
    start = journal_prefix(prefix)
    items = etcd.prefix(start) if after <= 0 else etcd.range(f"{start}{after + 1:012d}", prefix_end(start))
    for item in items:
        try:
            entries.append(entry_of(item.value))
        except (ValueError, KeyError, TypeError):
            log.error("journal key %s holds garbage; skipped", item.key)
    return sorted(entries, key=lambda e: e.seq)


class EtcdJournal(JournalQueries):
    """The journal of one leadership term: reads everything, appends only while leading."""

    def __init__(self, etcd: Etcd, token: int, prefix: str = DEFAULT_PREFIX) -> None:
        self.etcd = etcd
        self.token = token
        self.prefix = prefix
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
            seq = (self._entries[-1].seq if self._entries else 0) + 1
            entry = Entry(seq, time.time(), kind, data)
            key = f"{journal_prefix(self.prefix)}{seq:012d}"
            try:
                answer = self.etcd.txn(
                    [created_at(self._leader_key, self.token), created_at(key, 0)], [put(key, line_of(entry))]
                )
            except EtcdUnavailable as error:
                raise LeadershipLost(f"cannot journal {kind}: {error}") from None
            if not answer.get("succeeded"):
                raise LeadershipLost(f"journal write refused: token {self.token} no longer leads")
            self._entries.append(entry)
            return entry
