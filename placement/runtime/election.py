"""Leadership of a group of controllers: one etcd key held under a lease, and a fencing token.

A controller campaigns by creating ``<prefix>leader`` (only if absent) bound to a
fresh lease of ``ttl`` seconds, in one etcd transaction. The winner's **fencing
token** is the etcd revision at which it created that key: etcd's revisions only
grow, so every later leader has a larger token. The winner keeps its lease alive
from a thread; the others watch the key (`Etcd.wait_for_change`, renewed every
`WATCH_SECONDS`) and try again the moment it is gone (the lease expired, or the
leader resigned). A standby writes nothing while a leader holds the key; it keeps a
lease of its own granted and refreshed (a refresh is no Raft write in etcd), so that
taking over is the one transaction creating the key, not a grant and then that.

Two guards keep a deposed leader harmless, neither of which trusts its own belief:

- every journal write is a transaction that succeeds only while the leader key
  still exists with *our* creation revision (`placement.runtime.journal_etcd`), and
  the controller journals each action before sending it;
- every action carries the token, and node agents refuse one older than the newest
  they have seen (`placement.runtime.agent.NodeAgent.admit`); a new leader
  announces its token to every agent before it acts.

`holding` is the local, conservative view: the lease is considered lost
`margin` seconds before etcd could expire it, measured from when the last
successful refresh was *sent* (a pause — SIGSTOP, a stalled VM — counts as time passing).
"""

from __future__ import annotations

import json
import logging
import os
import socket
import threading
import time

from placement.runtime.etcd import Etcd, EtcdUnavailable, KeyValue, created_at, put

log = logging.getLogger(__name__)

DEFAULT_PREFIX = "/placement/"
POLL_SECONDS = 0.25  # pause after etcd failed to answer, before reading again
WATCH_SECONDS = 1.0  # longest wait on one watch: a member that went quiet is left within this


class LeadershipLost(Exception):
    """This controller no longer leads (lease expired, superseded, or etcd unreachable)."""


def default_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


class Election:
    """One controller's candidacy; `campaign` blocks until it leads or ``stop`` is set."""

    def __init__(
        self, etcd: Etcd, name: str | None = None, ttl: int = 5, prefix: str = DEFAULT_PREFIX, margin: float = 0.5
    ) -> None:
        if ttl < 2:
            raise ValueError("the lease TTL must be at least 2 seconds")
        self.etcd = etcd
        self.name = name or default_name()
        self.ttl = ttl
        self.prefix = prefix
        self.key = f"{prefix}leader"
        self.margin = margin
        self.token = 0
        self._lease = 0
        self._valid_until = 0.0  # monotonic
        self._keeper: threading.Thread | None = None
        self._resigned = threading.Event()
        self._stale = 0  # the lease of our ended term, if etcd could not be told to revoke it
        self._spare = 0  # a lease a standby keeps ready to lead on
        self._spare_sent = 0.0  # monotonic: when its last grant or refresh was sent
        self._spare_until = 0.0  # monotonic: when it could expire, at the earliest

    # ------------------------------------------------------------------ campaigning

    def campaign(self, stop: threading.Event) -> int | None:
        """Become the leader; returns the fencing token, or None if stopped first.

        Read the key; absent, try to create it; held, watch it until it changes (at most
        `WATCH_SECONDS`, then read again). Safety never rests on the watch: the key is
        only ever created by a transaction requiring it absent.
        """
        announced = None
        while not stop.is_set():
            try:
                found, revision = self.etcd.read(self.key)
                if self._stale and (found is None or found.lease != self._stale):
                    self._stale = 0  # the key our ended term could not revoke is gone by itself
                if self._stale:
                    if self._quietly_revoke(self._stale):
                        log.info("revoked the lease of our ended term (etcd was away when it ended)")
                        self._stale = 0
                    else:
                        stop.wait(POLL_SECONDS)
                    continue
                if found is None:
                    token = self._try_once()
                    if token is not None:
                        return token
                    continue  # another standby won the race: read its key, then watch it
                holder = _holder(found)
                if announced != holder.get("name"):
                    log.info("standby: %s leads (token %s); watching its lease", holder.get("name"), holder["token"])
                    announced = holder.get("name")
                self._ready_lease()  # the watch starts at `revision`: a change meanwhile is not missed
                self.etcd.wait_for_change(self.key, revision, WATCH_SECONDS)
            except EtcdUnavailable as error:
                if announced != "unavailable":
                    log.warning("standby: etcd unavailable (%s); retrying", error)
                    announced = "unavailable"
                stop.wait(POLL_SECONDS)
        if self._spare:
            self._quietly_revoke(self._spare)
            self._spare = 0
        return None

    def _ready_lease(self) -> None:
        """Keep the spare lease granted and fresh (refreshed every TTL/4, like a leader's)."""
        sent = time.monotonic()
        if self._spare and sent - self._spare_sent < self.ttl / 4:
            return
        remaining = self.etcd.keepalive(self._spare) if self._spare else -1
        if remaining <= 0:
            self._spare, remaining = self.etcd.grant(self.ttl), self.ttl
        self._spare_sent, self._spare_until = sent, sent + remaining

    def _try_once(self) -> int | None:
        sent = time.monotonic()
        if self._spare and self._spare_until - sent > self.ttl / 2:
            # Refreshed lately: lead on it, no grant to wait for.
            lease, refreshed, until = self._spare, self._spare_sent, self._spare_until
        else:
            lease, refreshed, until = self.etcd.grant(self.ttl), sent, sent + self.ttl
        self._spare = 0
        value = json.dumps({"name": self.name, "lease": lease, "since": time.time()})
        answer = self.etcd.txn([created_at(self.key, 0)], [put(self.key, value, lease)])
        if not answer.get("succeeded"):
            self._spare, self._spare_sent, self._spare_until = lease, refreshed, until  # still ours: kept
            return None
        self.token = int(answer["header"]["revision"])
        self._lease = lease
        self._valid_until = until - self.margin
        self._resigned.clear()
        self._keeper = threading.Thread(target=self._keep_alive, name="lease keeper", daemon=True)
        self._keeper.start()
        log.info("leader: %s holds %s with token %d (lease TTL %ds)", self.name, self.key, self.token, self.ttl)
        return self.token

    def leader(self) -> dict | None:
        """Who leads now, as the leader key says (None if nobody, or etcd is unreachable)."""
        try:
            found = self.etcd.get(self.key)
        except EtcdUnavailable:
            return None
        return None if found is None else _holder(found)

    # ------------------------------------------------------------------ holding

    def holding(self) -> bool:
        """True while our lease surely lives (conservatively, by our own monotonic clock)."""
        return not self._resigned.is_set() and time.monotonic() < self._valid_until

    def check(self) -> None:
        """Raise `LeadershipLost` unless `holding`."""
        if not self.holding():
            raise LeadershipLost(f"lease of token {self.token} lapsed or was lost")

    def _keep_alive(self) -> None:
        interval = max(0.2, self.ttl / 4)
        while not self._resigned.wait(interval):
            sent = time.monotonic()
            try:
                remaining = self.etcd.keepalive(self._lease)
            except EtcdUnavailable as error:
                if time.monotonic() >= self._valid_until:
                    log.error("lease of token %d lapsed: etcd unavailable (%s)", self.token, error)
                    return
                continue
            if remaining <= 0:
                log.error("lease of token %d expired in etcd: a standby may lead now", self.token)
                self._valid_until = 0.0
                return
            self._valid_until = max(self._valid_until, sent + remaining - self.margin)

    def resign(self) -> None:
        """Give leadership up now (revoking the lease deletes the key: a standby takes over at once).

        If etcd cannot be told now (it is away: that may be why the term ended), the key
        would outlive the term by a lease TTL — more, since etcd's next leader extends
        every lease by its election timeout — so `campaign` revokes it as soon as etcd
        answers again, while the key is still bound to it.
        """
        if self._lease and not self._resigned.is_set():
            self._resigned.set()
            if not self._quietly_revoke(self._lease):
                self._stale = self._lease
            log.info("resigned leadership (token %d)", self.token)
        self._lease = 0

    def _quietly_revoke(self, lease: int) -> bool:
        try:
            self.etcd.revoke(lease)
        except EtcdUnavailable:  # else it expires by itself
            return False
        return True


def _holder(found: KeyValue) -> dict:
    """The leader record a leader key holds, with its token (the key's creation revision)."""
    try:
        holder = json.loads(found.value)
    except ValueError:
        holder = {"name": found.value.decode(errors="replace")}
    if not isinstance(holder, dict):
        holder = {"name": str(holder)}
    return {**holder, "token": found.create_revision}


def leader_of(etcd: Etcd, prefix: str = DEFAULT_PREFIX) -> dict | None:
    """The current leader record of the group under ``prefix`` (for ``placement status``)."""
    return Election(etcd, name="observer", prefix=prefix).leader()
