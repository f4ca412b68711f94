"""A controller that is one of a group: stand by, lead for a term, stand by again.

`run_group` is what ``placement run --etcd URL…`` does on every machine:

1. campaign (`placement.runtime.election`) until this process leads, with a
   fencing token larger than any before;
2. lead one term: a fresh `Controller` over the etcd journal
   (`placement.runtime.journal_etcd`), its agent clients carrying the token; it
   resumes from the last belief in the journal, announces the token to every
   agent, re-probes every node and settles what the previous leader left in doubt;
3. when the term ends (`LeadershipLost`: lease lapsed, a newer token seen, etcd
   unreachable) drop everything of it — belief, in-flight bookkeeping — and go
   back to 1. A clean stop (SIGTERM) resigns, so a standby takes over at once
   instead of after the lease TTL.

Meanwhile the controller is listed among the group's members (`placement.runtime.members`).
An observer (the status page, `placement.web.group_page`) may watch: it is handed each
term's journal to tap and each term's controller, and told when the term ends; it
only ever reads.
"""

from __future__ import annotations

import logging
import ssl
import threading
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Protocol

from placement.model import Config
from placement.runtime.client import AgentClient
from placement.runtime.controller import Controller, ControllerOptions, Planner, default_planner
from placement.runtime.election import DEFAULT_PREFIX, Election, LeadershipLost
from placement.runtime.etcd import Etcd
from placement.runtime.journal import JournalQueries
from placement.runtime.journal_etcd import COMPACT_AFTER, EtcdJournal
from placement.runtime.members import GroupMember

log = logging.getLogger(__name__)


class TermObserver(Protocol):
    """What watches the group from inside one controller (the status page)."""

    page: str | None  # the observer's address, published in the member list

    def tap(self, journal: EtcdJournal) -> JournalQueries:
        """The journal the term's controller writes to: ``journal`` itself, or a tap that writes through."""
        ...

    def leading(self, controller: Controller, token: int) -> None:
        """A term begins (called from the thread that runs ``controller``)."""
        ...

    def standing_by(self) -> None:
        """No term now: this controller stands by."""
        ...


def run_group(
    config: Path,
    agents: Mapping[str, str],
    secret: bytes,
    etcd: Etcd,
    stop: threading.Event,
    *,
    name: str | None = None,
    ttl: int = 5,
    prefix: str = DEFAULT_PREFIX,
    tls: ssl.SSLContext | None = None,
    options: ControllerOptions | None = None,
    planner: Planner = default_planner,
    load: Callable[[Path], Config] | None = None,
    observer: TermObserver | None = None,
    compact_after: int = COMPACT_AFTER,
) -> None:
    """Take part in the group until ``stop`` is set."""
    election = Election(etcd, name, ttl, prefix)
    log.info("controller %s joins the group at %s (lease TTL %ds)", election.name, etcd.endpoints, ttl)
    member = GroupMember(etcd, election.name, ttl, prefix, page=observer.page if observer else None)
    member.join()
    _warm_up(config, load, planner)
    try:
        while not stop.is_set():
            token = election.campaign(stop)
            if token is None:
                break
            clients = {node: AgentClient(node, address, secret, tls=tls) for node, address in agents.items()}
            try:
                journal = EtcdJournal(etcd, token, prefix, compact_after)
                controller = Controller(
                    config,
                    clients,
                    observer.tap(journal) if observer else journal,
                    planner,
                    options or ControllerOptions(),
                    load=load,
                    leading=election.holding,
                    token=token,
                )
                if observer:
                    observer.leading(controller, token)
                controller.run(stop)
            except LeadershipLost as error:
                log.error("no longer the leader (%s): sending nothing more, standing by", error)
            finally:
                election.resign()
                if observer:
                    observer.standing_by()
    finally:
        member.leave()
    log.info("controller %s leaves the group", election.name)


def _warm_up(config: Path, load: Callable[[Path], Config] | None, planner: Planner) -> None:
    """Parse and plan once while standing by: a takeover then costs no imports or grammar building."""
    from placement.runtime.belief import Belief

    try:
        loaded = load(config) if load is not None else _load(config)
        planner(loaded, Belief().to_state(loaded, 0))
    except Exception as error:  # the term's own load reports it properly; this is only a head start
        log.debug("warm-up failed: %s", error)


def _load(path: Path) -> Config:
    import placement

    return placement.load(path)
