"""The status page of a running controller: its journal, tapped, feeds the board the server shows.

Every decision of the controller is journalled as it is made (membership changes, plans,
dispatches, results, fencing), so the journal is the one place the page listens to:
`JournalTap` stands in for the controller's journal, writes through to it, and after
each entry hands the board a `LiveSnapshot` taken on the controller's own thread (so the
page never reads the belief while it changes): the belief as the controller journalled
it, and references to its immutable configuration and transition graph. Building the
page from it is the web server's work. A failure of the page is logged and never
reaches the controller.
"""

from __future__ import annotations

import logging
import socket
import threading
from collections import deque
from collections.abc import Callable
from typing import Any

import uvicorn

from placement.errors import InvalidInput
from placement.runtime.journal import Entry, Journal, JournalQueries
from placement.runtime.server import parse_address
from placement.web.app import create_app
from placement.web.board import StatusBoard
from placement.web.view import FENCING_KINDS, HISTORY_LENGTH, LiveSnapshot, Progress, single_controller

log = logging.getLogger(__name__)


def kept_in_history(entry: Entry) -> bool:
    """Entries the page's history keeps: fencing, and anything about leadership."""
    return entry.kind in FENCING_KINDS or "leader" in entry.kind


class JournalTap:
    """The controller's journal, heard as it is written. Anything not overridden goes to the journal."""

    def __init__(self, journal: JournalQueries, board: StatusBoard) -> None:
        self._journal = journal
        self._board = board
        self._progress = Progress()
        self._history: deque[Entry] = deque(
            (e for e in journal.entries if kept_in_history(e)), maxlen=HISTORY_LENGTH * 2
        )
        # Until the controller journals its own: the last belief in the journal (the previous
        # controller's, or the previous leader's), not an empty cluster shown for a moment.
        last = journal.last("belief")
        self._belief: dict[str, Any] = last.data["belief"] if last is not None else {}
        self._controller: Any = None
        self._thread: threading.Thread | None = None

    def __getattr__(self, name: str) -> Any:
        return getattr(self._journal, name)

    def record(self, kind: str, **data: Any) -> Entry:
        entry = self._journal.record(kind, **data)
        self._progress.hear(entry)
        if kept_in_history(entry):
            self._history.append(entry)
        if kind == "belief":
            self._belief = entry.data["belief"]  # built by the controller for the journal; never changed after
        if self._controller is not None and threading.current_thread() is self._thread:
            self.refresh()
        return entry

    def attach(self, controller: Any) -> None:
        """Watch ``controller`` (call from the thread that runs it)."""
        self._controller, self._thread = controller, threading.current_thread()
        if controller.belief.nodes or not self._belief:
            self._belief = controller.belief.to_json()
        self.refresh()

    def refresh(self) -> None:
        """Hand the board a snapshot: references and small copies, so the controller loses no time."""
        controller = self._controller
        try:
            self._board.publish(LiveSnapshot(
                config=controller.config,
                belief=self._belief,
                agents=tuple(controller.agents),
                graph=getattr(controller, "graph", None),
                progress=dict(self._progress.states),
                history=tuple(self._history),
                failed=tuple(controller.belief.failed_operations[-50:]),
                leader=getattr(controller, "leader", None),
            ))
        except Exception:  # the page must never take the controller down
            log.exception("status page: cannot take a snapshot")


def live_board() -> StatusBoard:
    """A board whose snapshots are `LiveSnapshot`s, the latest drawing of the transition kept."""
    drawings: dict = {}
    empty = {"source": "controller", "generated": None, "nodes": [], "failed": [], "transition": None,
             "fencing": [], "leader": single_controller(), "group": None}
    return StatusBoard(
        None,
        view_of=lambda snapshot: empty if snapshot is None else snapshot.view(drawings),
        inputs_of=lambda snapshot: None if snapshot is None else snapshot.inputs(),
    )


class StatusServer:
    """uvicorn serving the status page from a background thread; the socket is bound at once."""

    def __init__(self, address: str, board: StatusBoard, secret: bytes) -> None:
        host, port = parse_address(address)
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        try:
            self._socket = socket.create_server((host, port), family=family)  # a taken port fails here, loudly
        except OSError as error:
            raise InvalidInput(f"--http {address}: cannot listen there: {error.strerror or error}") from None
        self.host, self.port = host, self._socket.getsockname()[1]
        self._board = board
        config = uvicorn.Config(create_app(board, secret), log_config=None, access_log=False, lifespan="off",
                                timeout_graceful_shutdown=2)
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, kwargs={"sockets": [self._socket]},
                                        name="status-page", daemon=True)

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}/"

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._board.close()
        self._server.should_exit = True
        if self._thread.is_alive():
            self._thread.join(10)
        self._socket.close()


def run_with_status_page(address: str, secret: bytes, journal: Journal,
                         make_controller: Callable[[Any], Any], stop: threading.Event) -> None:
    """Run the controller ``make_controller(journal)`` builds, with its status page on ``address``."""
    board = live_board()
    server = StatusServer(address, board, secret)  # first: a taken port stops us before anything is done
    tap = JournalTap(journal, board)
    controller = make_controller(tap)
    tap.attach(controller)
    server.start()
    log.info("status page on %s", server.url)
    try:
        controller.run(stop)
    finally:
        server.stop()
