"""The latest view of the cluster, handed from the controller's thread to the web server's.

The controller publishes a new view (and the configuration and state it came from, for
what-ifs) whenever its journal grows; the server's event streams wait for the next
version. Views are replaced whole, never changed in place, so readers need no lock
beyond the one that swaps them.
"""

from __future__ import annotations

import asyncio
import threading
from typing import Any

from placement.model import Config
from placement.state import State
from placement.web import pages


class StatusBoard:
    """A versioned slot holding the page's data; thread-safe, awaitable from any event loop."""

    def __init__(self, view: dict[str, Any]) -> None:
        self._lock = threading.Lock()
        self._view = view
        self._html: str | None = None
        self._inputs: tuple[Config, State] | None = None
        self.version = 0
        self.closed = False
        self._waiters: list[tuple[asyncio.AbstractEventLoop, asyncio.Event]] = []

    def publish(self, view: dict[str, Any], inputs: tuple[Config, State] | None = None) -> None:
        with self._lock:
            self._view, self._html = view, None
            if inputs is not None:
                self._inputs = inputs
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

    @property
    def view(self) -> dict[str, Any]:
        with self._lock:
            return self._view

    @property
    def inputs(self) -> tuple[Config, State] | None:
        """The configuration and the cluster's state as of the latest view (None before the first)."""
        with self._lock:
            return self._inputs

    def current_html(self) -> tuple[int, str]:
        """The live part of the page for the latest version, rendered once however many watch."""
        with self._lock:
            version, view, html = self.version, self._view, self._html
        if html is None:
            html = pages.cluster_html(view)
            with self._lock:
                if self.version == version:
                    self._html = html
        return version, html

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
