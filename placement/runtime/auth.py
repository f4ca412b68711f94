"""Authenticate agent requests with a shared secret: HMAC-SHA256, timestamps, nonces.

Every request carries three headers: a timestamp, a random nonce and the MAC of
``node, method, path, timestamp, nonce, sha256(body)`` under the cluster secret,
where ``node`` is the agent the request is meant for (so a request captured on its
way to alice cannot be replayed to bob). The
agent refuses a wrong MAC, a timestamp that is not a plain decimal number (``nan``,
``inf``, exponents), one more than `MAX_SKEW_SECONDS` away from its clock, and a nonce
it has already seen within that window (a replay). Answers are
signed the same way, so the controller knows it talks to a holder of the secret.

The secret lives in a file that must not be readable by others (like an ssh key).
"""

from __future__ import annotations

import hashlib
import hmac
import math
import os
import re
import secrets
import stat
import threading
import time
from collections.abc import Callable, Mapping
from pathlib import Path

from placement.errors import InvalidInput

HEADER_TIMESTAMP = "X-Placement-Timestamp"
HEADER_NONCE = "X-Placement-Nonce"
HEADER_MAC = "X-Placement-Mac"
MAX_SKEW_SECONDS = 30.0
MIN_SECRET_BYTES = 16
# Seconds since the epoch as `sign` writes them: digits, optionally a fraction. Anything
# else (nan, inf, 1e9, -5, padding) is refused before it reaches float arithmetic,
# where nan would compare false with every bound and so pass any staleness check.
_TIMESTAMP = re.compile(r"[0-9]{1,12}(\.[0-9]{1,9})?")


class AuthError(Exception):
    """A request (or answer) failed authentication; the message says why, without secrets."""


def load_secret(path: Path | str) -> bytes:
    """Read the shared secret, refusing a file others may read.

    Raises `InvalidInput` naming the file and the fix.
    """
    path = Path(path)
    try:
        mode = path.stat().st_mode
        data = path.read_bytes().strip()
    except OSError as error:
        raise InvalidInput(f"{path}: cannot read the secret file: {error.strerror}") from None
    if mode & (stat.S_IRWXO | stat.S_IRWXG):
        raise InvalidInput(
            f"{path}: secret file is accessible by group or others (mode {stat.S_IMODE(mode):04o}); "
            f"run: chmod 600 {path}"
        )
    if len(data) < MIN_SECRET_BYTES:
        raise InvalidInput(f"{path}: secret is shorter than {MIN_SECRET_BYTES} bytes")
    return data


def write_secret(path: Path | str) -> None:
    """Create a fresh random secret readable by its owner only."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w") as handle:
        handle.write(secrets.token_hex(32) + "\n")


def mac(secret: bytes, node: str, method: str, path: str, timestamp: str, nonce: str, body: bytes) -> str:
    """The hex HMAC-SHA256 of one message to (or from) agent ``node``.

    >>> mac(b"k" * 16, "alice", "GET", "/heartbeat", "1700000000.0", "n1", b"")[:16]
    '0075dc4820f84ca0'
    """
    message = "\n".join([node, method.upper(), path, timestamp, nonce, hashlib.sha256(body).hexdigest()])
    return hmac.new(secret, message.encode(), hashlib.sha256).hexdigest()


def sign(secret: bytes, node: str, method: str, path: str, body: bytes, now: float | None = None) -> dict[str, str]:
    """Headers that authenticate one message to (or from) agent ``node``."""
    timestamp = f"{time.time() if now is None else now:.6f}"
    nonce = secrets.token_hex(16)
    return {
        HEADER_TIMESTAMP: timestamp,
        HEADER_NONCE: nonce,
        HEADER_MAC: mac(secret, node, method, path, timestamp, nonce, body),
    }


def parse_timestamp(text: str) -> float:
    """A request timestamp as seconds, or `AuthError` if it is not a finite plain decimal.

    >>> parse_timestamp("1700000000.25")
    1700000000.25
    >>> parse_timestamp("nan")
    Traceback (most recent call last):
    ...
    placement.runtime.auth.AuthError: timestamp 'nan' is not a plain decimal number of seconds
    """
    if not _TIMESTAMP.fullmatch(text):
        raise AuthError(f"timestamp {text[:40]!r} is not a plain decimal number of seconds")
    value = float(text)
    if not math.isfinite(value):  # cannot happen after the pattern; kept as the invariant it protects
        raise AuthError("timestamp is not finite")
    return value


class Verifier:
    """Checks messages signed for agent ``node``; remembers nonces for the skew window (thread-safe)."""

    def __init__(
        self,
        secret: bytes,
        node: str,
        max_skew: float = MAX_SKEW_SECONDS,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._secret = secret
        self._node = node
        self._max_skew = max_skew
        self._clock = clock
        self._seen: dict[str, float] = {}  # nonce → when it may be forgotten
        self._lock = threading.Lock()

    def verify(self, method: str, path: str, headers: Mapping[str, str], body: bytes) -> None:
        """Return quietly if the message is authentic and fresh, else raise `AuthError`."""
        timestamp = headers.get(HEADER_TIMESTAMP)
        nonce = headers.get(HEADER_NONCE)
        given = headers.get(HEADER_MAC)
        if not (timestamp and nonce and given):
            raise AuthError("missing authentication headers")
        sent = parse_timestamp(timestamp)
        expected = mac(self._secret, self._node, method, path, timestamp, nonce, body)
        if not hmac.compare_digest(expected, given):
            raise AuthError("wrong MAC (wrong secret or altered message)")
        now = self._clock()
        if not abs(now - sent) <= self._max_skew:  # written so that a nan could not pass either
            raise AuthError(f"stale timestamp ({now - sent:+.1f}s from now)")
        with self._lock:
            self._forget_expired(now)
            if nonce in self._seen:
                raise AuthError("replayed nonce")
            self._seen[nonce] = sent + 2 * self._max_skew

    def _forget_expired(self, now: float) -> None:
        expired = [n for n, until in self._seen.items() if until < now]
        for nonce in expired:
            del self._seen[nonce]
