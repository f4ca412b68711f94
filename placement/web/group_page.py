"""The status page of one controller of a group: live while it leads, the leader's journal while it stands by.

Every controller of the group (``placement run --etcd … --http …``) serves the page, so
whichever address an admin has bookmarked shows the cluster:

- **leading**, the page is the single controller's live page: the term's journal is
  tapped (`placement.web.live.JournalTap`) and every entry publishes a snapshot;
- **standing by**, a follower thread reads the group's journal from etcd every
  `FOLLOW_SECONDS` (only the entries it has not seen) and builds the same snapshot
  from it: the last belief the leader journalled, the plan it executes with each
  action's state, the fencing history, failed actions. There is no transition graph
  on a standby, so the transition is listed without waves or picture, and the page
  links to the leader's own page.

Both add the group: the leader (and its fencing token) from the leader key, and the
members with their pages from `placement.runtime.members`. The follower reads etcd
only; nothing here writes to it or talks to an agent.
"""

from __future__ import annotations

import logging
import threading
from collections import deque
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from placement.model import Config
from placement.runtime.election import DEFAULT_PREFIX, Election
from placement.runtime.etcd import Etcd, EtcdUnavailable
from placement.runtime.journal import Entry, JournalQueries
from placement.runtime.journal_etcd import read_etcd
from placement.runtime.members import members_of
from placement.state import FailedOperation
from placement.web.board import StatusBoard
from placement.web.live import JournalTap, StatusServer, kept_in_history
from placement.web.view import HISTORY_LENGTH, LiveSnapshot, Progress

log = logging.getLogger(__name__)

FOLLOW_SECONDS = 0.5


class JournalFollower:
    """What a page needs from a journal read entry by entry: belief, plan and progress, history, failures."""

    def __init__(self) -> None:
        self.seq = 0
        self.belief: dict[str, Any] = {}
        self.plan: tuple[str, ...] = ()
        self.progress = Progress()
        self.history: deque[Entry] = deque(maxlen=HISTORY_LENGTH * 2)
        self.failed: deque[FailedOperation] = deque(maxlen=50)

    def hear(self, entry: Entry) -> None:
        self.seq = max(self.seq, entry.seq)
        data = entry.data
        self.progress.hear(entry)
        if kept_in_history(entry):
            self.history.append(entry)
        if entry.kind == "belief":
            self.belief = data["belief"]
        elif entry.kind == "plan":
            self.plan = tuple(data.get("actions", ()))
        elif entry.kind == "converged":
            self.plan = ()
        elif entry.kind == "result" and not data.get("ok") and data.get("resource"):
            self.failed.append(FailedOperation(data["resource"], data.get("node", ""), data.get("op", ""), 0,
                                               int(data.get("exit_code", 1)), str(data.get("reason", ""))))
        elif entry.kind == "event" and data.get("exit_code") != data.get("expected") and data.get("resource"):
            self.failed.append(FailedOperation(data["resource"], data.get("node", ""), "monitor",
                                               int(data.get("interval_ms", 0)), int(data.get("exit_code", 1)),
                                               str(data.get("reason", ""))))

    def snapshot(self, config: Config, agents: tuple[str, ...]) -> LiveSnapshot:
        return LiveSnapshot(config=config, belief=self.belief, agents=agents, graph=None,
                            progress=dict(self.progress.states), history=tuple(self.history),
                            failed=tuple(self.failed), plan=self.plan)


class GroupPage:
    """The page of one group member; a `placement.runtime.group.TermObserver`. `start`, then `stop`."""

    def __init__(
        self,
        address: str,
        secret: bytes,
        etcd: Etcd,
        name: str,
        config_path: Path,
        agents: Mapping[str, str],
        prefix: str = DEFAULT_PREFIX,
        load: Callable[[Path], Config] | None = None,
    ) -> None:
        self.etcd, self.name, self.prefix = etcd, name, prefix
        self._config_path, self._load = config_path, load
        self._config: Config | None = None
        self._config_mtime: int | None = None
        self._agents = tuple(agents)
        self._drawings: dict = {}
        self._group: dict[str, Any] | None = None
        self._leading = False
        self._tap: JournalTap | None = None
        self._follower = JournalFollower()
        self._lock = threading.Lock()  # the follower's state: read by the main thread when a term ends
        self._stop = threading.Event()
        self.board = StatusBoard(None, view_of=self._view_of,
                                 inputs_of=lambda snapshot: None if snapshot is None else snapshot.inputs())
        self.server = StatusServer(address, self.board, secret)  # binds now: a taken port fails at once
        self.page: str | None = self.server.url
        self._thread = threading.Thread(target=self._follow, name="status-page follower", daemon=True)

    def start(self) -> None:
        self.server.start()
        self._thread.start()
        log.info("status page on %s", self.server.url)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(5)
        self.server.stop()

    # ------------------------------------------------------------------ the terms (TermObserver)

    def tap(self, journal: Any) -> JournalQueries:
        self._tap = JournalTap(journal, self.board)
        return self._tap  # type: ignore[return-value]  # it is the journal, heard

    def leading(self, controller: Any, token: int) -> None:
        self._leading = True
        if self._tap is not None:
            self._tap.attach(controller)

    def standing_by(self) -> None:
        self._leading, self._tap = False, None
        self._publish_followed()

    # ------------------------------------------------------------------ following etcd

    def _follow(self) -> None:
        while not self._stop.is_set():
            try:
                fresh = read_etcd(self.etcd, self.prefix, after=self._follower.seq)
                group = self._read_group()
            except EtcdUnavailable as error:
                fresh, group = [], {**(self._group or {}), "error": f"etcd unavailable: {error}"[:200]}
            with self._lock:
                for entry in fresh:
                    self._follower.hear(entry)
            changed = group != self._group
            self._group = group
            if not self._leading and (fresh or changed or self.board.version == 0):
                self._publish_followed()
            elif changed:
                self.board.touch()
            self._stop.wait(FOLLOW_SECONDS)

    def _publish_followed(self) -> None:
        config = self._current_config()
        if config is None:
            return
        with self._lock:
            snapshot = self._follower.snapshot(config, self._agents)
        if not self._leading:  # a term may have begun meanwhile: its tap publishes now
            self.board.publish(snapshot)

    def _current_config(self) -> Config | None:
        try:
            mtime = self._config_path.stat().st_mtime_ns
            if mtime != self._config_mtime:
                self._config = self._load(self._config_path) if self._load else _load(self._config_path)
                self._config_mtime = mtime
        except Exception as error:  # the controller reports a broken configuration; the page keeps the last one
            log.debug("status page: configuration not (re)loaded: %s", error)
        return self._config

    def _read_group(self) -> dict[str, Any]:
        leader = Election(self.etcd, name="observer", prefix=self.prefix).leader()
        members = members_of(self.etcd, self.prefix)
        leader_name = leader.get("name") if leader else None
        role = "leader" if self._leading else "standby"
        listed = [{"name": str(m["name"]), "page": m.get("page"),
                   "role": role if m["name"] == self.name else ("leader" if m["name"] == leader_name else "standby"),
                   "this": m["name"] == self.name} for m in members]
        return {
            "this": self.name,
            "role": role,
            "leader": leader_name,
            "token": leader.get("token") if leader else None,
            "members": listed,
            "leader_page": next((m["page"] for m in listed if m["name"] == leader_name and not m["this"]), None),
        }

    # ------------------------------------------------------------------ the view

    def _view_of(self, snapshot: LiveSnapshot | None) -> dict[str, Any]:
        if snapshot is None:
            view: dict[str, Any] = {"source": "controller", "generated": None, "nodes": [], "failed": [],
                                    "transition": None, "fencing": []}
        else:
            view = snapshot.view(self._drawings)
        group = self._group
        view["group"] = group
        view["leader"] = leader_line(group, self.name)
        return view


def leader_line(group: Mapping[str, Any] | None, this: str) -> dict[str, str]:
    """The page's "Controller:" line for a group member.

    >>> leader_line({"leader": "c1", "token": 66, "role": "standby", "members": [{}, {}]}, "c2")
    {'name': 'c1', 'detail': 'leader, fencing token 66; 2 controllers; this page: c2, standing by'}
    """
    if not group:
        return {"name": "not known yet", "detail": f"this page: {this}, reading etcd"}
    if group.get("error"):
        return {"name": str(group.get("leader") or "not known"), "detail": str(group["error"])}
    if not group.get("leader"):
        return {"name": "none", "detail": f"an election is under way; this page: {this}"}
    count = len(group.get("members", []))
    standing = "leading" if group.get("role") == "leader" else "standing by"
    return {"name": str(group["leader"]),
            "detail": f"leader, fencing token {group.get('token')}; {count} controller{'s' if count != 1 else ''};"
                      f" this page: {this}, {standing}"}


def _load(path: Path) -> Config:
    import placement

    return placement.load(path)
