"""The latest snapshot of the cluster, handed from the controller's thread to the web server's.

The controller's side only swaps in a new snapshot (references and small copies, built in
microseconds); the page's data and HTML are built from it on the server's side, once per
version however many browsers watch. The event streams wait for the next version.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from typing import Any

from placement.model import Config
from placement.state import State
from placement.web import pages

ViewOf = Callable[[Any], dict[str, Any]]
InputsOf = Callable[[Any], "tuple[Config, State] | None"]


class StatusBoard:
    """A versioned slot; thread-safe, awaitable from any event loop.

    ``view_of`` turns what was published into the page's data, ``inputs_of`` into the
    configuration and state a what-if plans from (None: not known yet).
    """

    def __init__(self, snapshot: Any, view_of: ViewOf = lambda s: s, inputs_of: InputsOf = lambda _: None) -> None:
        self._lock = threading.Lock()
        self._build = threading.RLock()  # one build per version, not one per browser
        self._snapshot = snapshot
        self._view_of, self._inputs_of = view_of, inputs_of
        self._built: tuple[int, dict[str, Any], str | None] | None = None
        self.version = 0
        self.closed = False
        self._waiters: list[tuple[asyncio.AbstractEventLoop, asyncio.Event]] = []

    def publish(self, snapshot: Any) -> None:
        with self._lock:
            self._snapshot = snapshot
            self.version += 1
            waiters = list(self._waiters)
        self._wake(waiters)

    def touch(self) -> None:
        """Something the view adds to the snapshot changed (the group's members): a new version, same snapshot."""
        with self._lock:
            self.version += 1
            waiters = list(self._waiters)
        self._wake(waiters)

    def close(self) -> None:
        """Ending: wake every stream so it can finish."""
        with self._lock:
            self.closed = True
            waiters = list(self._waiters)
        self._wake(waiters)

    @staticmethod
    def _wake(waiters: list[tuple[asyncio.AbstractEventLoop, asyncio.Event]]) -> None:
        for loop, event in waiters:
            if not loop.is_closed():
                loop.call_soon_threadsafe(event.set)

    def _latest(self) -> tuple[int, Any]:
        with self._lock:
            return self.version, self._snapshot

    @property
    def view(self) -> dict[str, Any]:
        return self._built_for(*self._latest())[1]

    @property
    def inputs(self) -> tuple[Config, State] | None:
        """The configuration and the cluster's state as of the latest snapshot."""
        return self._inputs_of(self._latest()[1])

    def current_html(self) -> tuple[int, str]:
        """The live part of the page for the latest version."""
        version, snapshot = self._latest()
        with self._build:
            built = self._built_for(version, snapshot)
            if built[2] is None:
                built = (built[0], built[1], pages.cluster_html(built[1]))
                self._built = built
        return version, built[2]

    def _built_for(self, version: int, snapshot: Any) -> tuple[int, dict[str, Any], str | None]:
        with self._build:
            if self._built is None or self._built[0] != version:
                self._built = (version, self._view_of(snapshot), None)
            return self._built

    async def next_version(self, seen: int, timeout: float) -> int | None:
        """Wait until the version differs from ``seen``; None after ``timeout`` or when closed."""
        event = asyncio.Event()
        entry = (asyncio.get_running_loop(), event)
        with self._lock:
            if self.closed:
                return None
            if self.version != seen:
                return self.version
            self._waiters.append(entry)
        try:
            await asyncio.wait_for(event.wait(), timeout)
        except TimeoutError:
            return None
        finally:
            with self._lock:
                self._waiters.remove(entry)
        with self._lock:
            return None if self.closed else self.version
