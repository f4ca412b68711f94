"""The controller's journal: append-only JSON lines, each flushed and fsynced before use.

The controller writes what it is about to do (``dispatch``) before doing it and
what came of it (``result``) afterwards, plus a snapshot of its belief after
every change (``belief``). A restarted controller reads the journal back:
the last snapshot is where it resumes, and a ``dispatch`` without a ``result``
is an action whose outcome is in doubt (re-probing settles it).

A crash can tear only the last line; reading drops such a line and the file is
truncated back to its last complete line before appending again.
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True, slots=True)
class Entry:
    """One journal line: sequence number, wall-clock time, kind and data."""

    seq: int
    time: float
    kind: str
    data: dict[str, Any]


class JournalQueries:
    """What the controller asks of any journal (this file, or etcd: `placement.runtime.journal_etcd`)."""

    @property
    def entries(self) -> list[Entry]:
        raise NotImplementedError

    def record(self, kind: str, **data: Any) -> Entry:
        raise NotImplementedError

    def close(self) -> None:
        """Nothing to release by default."""

    @property
    def position(self) -> int:
        """The sequence number of the last entry (0 when empty)."""
        entries = self.entries
        return entries[-1].seq if entries else 0

    def of_kind(self, *kinds: str) -> Iterator[Entry]:
        return (e for e in self.entries if e.kind in kinds)

    def last(self, kind: str) -> Entry | None:
        found = [e for e in self.entries if e.kind == kind]
        return found[-1] if found else None

    def in_doubt(self) -> list[Entry]:
        """Dispatches of the last controller run with no result (`in_doubt`)."""
        return in_doubt(self.entries)

    def fence_doubts(self) -> list[Entry]:
        """Fence dispatches an earlier term found in doubt, the node not fenced since (`fence_doubts`)."""
        return fence_doubts(self.entries)

    def checkpoint(self, belief: dict[str, Any]) -> Entry | None:
        """Compact the journal behind a snapshot of ``belief``, if this journal does (etcd's does)."""
        return None


def in_doubt(entries: list[Entry]) -> list[Entry]:
    """Dispatches with no result that the next controller must assume the worst of.

    Those of the last controller run; and those an earlier run assumed the worst of
    (an ``in-doubt`` entry naming the dispatch) but did not live to put into a belief
    snapshot — it died between its start and its first snapshot, so its successor
    must assume them again. Every other doubt of an earlier run is in a snapshot (or
    settled by a probe, which is snapshotted too); an abandoned action's node was
    declared unclean, which its fencing settles.
    """
    starts = [e.seq for e in entries if e.kind == "controller-start"]
    since = starts[-1] if starts else 0
    snapshot = max((e.seq for e in entries if e.kind == "belief"), default=0)
    unsnapshotted = {
        e.data.get("dispatch")
        for e in entries
        if e.kind == "in-doubt" and e.seq > snapshot and e.data.get("op") != "fence"
    }
    answered = {e.data.get("dispatch") for e in entries if e.kind in ("result", "abandoned")}
    return [
        e
        for e in entries
        if e.kind == "dispatch" and (e.seq > since or e.seq in unsnapshotted) and e.seq not in answered
    ]


def fence_doubts(entries: list[Entry]) -> list[Entry]:
    """Fence dispatches an earlier term found in doubt and nobody has fenced the node since.

    An earlier takeover may have ended before it re-issued such a fence: the next one
    asks about it again (an executor silent then may answer now) and keeps the mark.
    """
    dispatches = {e.seq: e for e in entries if e.kind == "dispatch" and e.data.get("op") == "fence"}
    pending: dict[str, Entry] = {}
    for entry in entries:
        data = entry.data
        if entry.kind == "in-doubt" and data.get("op") == "fence" and data.get("dispatch") in dispatches:
            pending[data["node"]] = dispatches[data["dispatch"]]
        elif (entry.kind == "dispatch" and data.get("op") == "fence") or entry.kind == "fenced":
            pending.pop(data.get("node"), None)
    return sorted(pending.values(), key=lambda e: e.seq)


def fences_done_after(entries: list[Entry], after: int) -> list[Entry]:
    """Fences journalled as done (``fenced``, or a fence's ok ``result``) after entry number ``after``."""
    return [
        e
        for e in entries
        if e.seq > after
        and e.data.get("node")
        and (e.kind == "fenced" or (e.kind == "result" and e.data.get("op") == "fence" and e.data.get("ok")))
    ]


class Journal(JournalQueries):
    """An append-only, fsynced journal file (thread-safe)."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._entries, valid_bytes = _read(self.path)
        descriptor = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        os.ftruncate(descriptor, valid_bytes)  # drop a line torn by a crash
        os.lseek(descriptor, 0, os.SEEK_END)
        self._file = os.fdopen(descriptor, "ab")
        _fsync_directory(self.path.parent)

    def __enter__(self) -> Journal:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    @property
    def entries(self) -> list[Entry]:
        with self._lock:
            return list(self._entries)

    def record(self, kind: str, **data: Any) -> Entry:
        """Append one entry and make it durable before returning."""
        with self._lock:
            entry = Entry(len(self._entries) + 1, time.time(), kind, data)
            self._file.write(line_of(entry).encode() + b"\n")
            self._file.flush()
            os.fsync(self._file.fileno())
            self._entries.append(entry)
            return entry

    def close(self) -> None:
        with self._lock:
            self._file.close()


def read(path: Path | str) -> list[Entry]:
    """Entries of a journal file, without opening it for writing."""
    return _read(Path(path))[0]


RESERVED = frozenset({"seq", "time", "kind"})


def line_of(entry: Entry) -> str:
    """The JSON form of one entry, as the file (and etcd) store it.

    Raises ValueError for data using the entry's own field names: stored flat, they
    would replace the entry's sequence number or time when read back.
    """
    clash = RESERVED & set(entry.data)
    if clash:
        raise ValueError(f"journal entry {entry.kind!r} uses reserved field names {sorted(clash)}")
    return json.dumps({"seq": entry.seq, "time": entry.time, "kind": entry.kind, **entry.data}, sort_keys=True)


def entry_of(line: bytes | str) -> Entry:
    """The entry a stored line holds; raises ValueError, KeyError or TypeError if it is garbage."""
    data = json.loads(line)
    return Entry(int(data.pop("seq")), float(data.pop("time")), str(data.pop("kind")), data)


def _read(path: Path) -> tuple[list[Entry], int]:
    entries: list[Entry] = []
    valid = 0
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return entries, 0
    for line in raw.splitlines(keepends=True):
        if not line.endswith(b"\n"):
            break  # torn by a crash mid-write
        try:
            entry = entry_of(line)
        except (ValueError, KeyError, TypeError):
            break  # garbage from here on cannot be trusted
        entries.append(entry)
        valid += len(line)
    return entries, valid


def _fsync_directory(directory: Path) -> None:
    descriptor = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
