"""The fence executor's durable record of every fence it ran, by the controller's dispatch.

A fence is the one action a new leader cannot learn about by probing: the target is
down, or it is not, and "down" may be the fence's doing or the fault's. So the node
agent that *executes* a fence writes down, on its own disk (``lib/``, which a
power-off keeps) and fsynced, a ``began`` line before running the fence agent and an
``ended`` line with the outcome before it answers. A new leader that finds a fence
dispatch of its predecessor without a result asks the executors the dispatch named
what they know of it (`about`):

``ended``        it ran and this is its outcome (ok or failed): settled, never re-run
                 if ok;
``running``      it runs now (began, no end, same agent incarnation): wait for it;
``interrupted``  it began but the agent restarted before it ended: the outcome is
                 unknown (the fence agent died with it, or finished unrecorded);
``none``         this executor never ran it.

Lines are JSON; a line torn by a crash is ignored (its fence then counts as
interrupted if its ``began`` line survived, or as never run if not — and a fence
that never got its ``began`` line never ran: the line is written before the agent is
started).
"""

from __future__ import annotations

import json
import logging
import os
import threading
from collections.abc import Iterable
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

RECORDS_FILE = "fences.jsonl"
ENDED, RUNNING, INTERRUPTED, NONE = "ended", "running", "interrupted", "none"


class FenceRecords:
    """One agent's fence records: appended durably, read back after a restart. Thread-safe."""

    def __init__(self, path: Path, boot_id: str) -> None:
        self.path = path
        self.boot_id = boot_id
        self._lock = threading.Lock()
        self._lines: list[dict[str, Any]] = list(_read(path))

    def began(self, dispatch: str, token: int, device: str, action: str, target: str, time: float) -> None:
        self._append({"phase": "began", "dispatch": dispatch, "token": token, "device": device,
                      "action": action, "target": target, "time": time, "boot_id": self.boot_id})

    def ended(self, dispatch: str, token: int, result: dict[str, Any], time: float) -> None:
        self._append({**result, "phase": "ended", "dispatch": dispatch, "token": token, "time": time,
                      "boot_id": self.boot_id})

    def results(self) -> list[dict[str, Any]]:
        """Every fence that ended, oldest first (the agent's fencing history)."""
        with self._lock:
            return [_public(line) for line in self._lines if line["phase"] == "ended"]

    def about(self, dispatch: str) -> dict[str, Any]:
        """What this executor knows of ``dispatch``: its state and the outcome of each device run.

        >>> import tempfile, pathlib
        >>> records = FenceRecords(pathlib.Path(tempfile.mkdtemp()) / "f.jsonl", "boot-1")
        >>> records.about("#7")["state"]
        'none'
        >>> records.began("#7", 3, "fence_nodes", "off", "charlie", 1.0)
        >>> records.about("#7")["state"]
        'running'
        >>> records.ended("#7", 3, {"device": "fence_nodes", "ok": True}, 2.0)
        >>> about = records.about("#7"); about["state"], [r["ok"] for r in about["results"]]
        ('ended', [True])
        >>> FenceRecords(records.path, "boot-2").about("#7")["state"]   # kept across a restart
        'ended'
        """
        with self._lock:
            lines = [line for line in self._lines if line.get("dispatch") == dispatch]
        began = [line for line in lines if line["phase"] == "began"]
        ended = [line for line in lines if line["phase"] == "ended"]
        open_runs = len(began) - len(ended)  # one device run at a time per dispatch on one executor
        if open_runs > 0:
            state = RUNNING if began[-1].get("boot_id") == self.boot_id else INTERRUPTED
        else:
            state = ENDED if ended else NONE
        return {"dispatch": dispatch, "state": state, "results": [_public(line) for line in ended]}

    def _append(self, line: dict[str, Any]) -> None:
        text = json.dumps(line, sort_keys=True) + "\n"
        with self._lock:
            with self.path.open("a") as handle:
                handle.write(text)
                handle.flush()
                os.fsync(handle.fileno())  # durable before the fence runs / before we answer
            self._lines.append(line)


def _public(line: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in line.items() if k not in ("phase", "boot_id")}


def _read(path: Path) -> Iterable[dict[str, Any]]:
    try:
        text = path.read_text()
    except FileNotFoundError:
        return
    for number, raw in enumerate(text.splitlines(), start=1):
        try:
            line = json.loads(raw)
        except ValueError:
            log.warning("%s:%d: torn fence record ignored", path, number)
            continue
        if isinstance(line, dict) and line.get("phase") in ("began", "ended"):
            yield line


def completed(outcomes: Iterable[dict[str, Any]], levels: list[tuple[str, ...]]) -> bool:
    """Whether the device runs of one dispatch (from every executor) fenced the node.

    A level fences when each of its devices succeeded, as `placement.runtime.fencing.fence`
    decides; without levels (``[]``) any one successful run does.

    >>> completed([{"device": "ipmi", "ok": False}, {"device": "pdu", "ok": True}], [("ipmi",), ("pdu",)])
    True
    >>> completed([{"device": "pdu1", "ok": True}], [("pdu1", "pdu2")])
    False
    """
    good = {o.get("device") for o in outcomes if o.get("ok")}
    if not levels:
        return bool(good)
    return any(level and all(device in good for device in level) for level in levels)
