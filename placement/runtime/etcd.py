"""A thin, failing-over client for an etcd cluster (etcd's v3 HTTP/JSON gateway, via `etcd3gw`).

Why `etcd3gw`: it is maintained (OpenStack), pure Python on `requests`, and speaks
the JSON gateway every etcd ≥ 3.4 serves on its client port — no gRPC stack or
generated protobuf code to install, which matters on the small machines a cluster
manager runs on. It talks to one endpoint; this wrapper holds one client per
``--etcd`` URL and moves to the next member when one does not answer, so a
controller survives the loss of any etcd member while a quorum remains.

Only what election and the journal need is here: leases, transactions (the one
primitive that makes leadership checks and writes atomic), prefix reads, and a
bounded wait for a key to change (`Etcd.wait_for_change`, a watch of our own).
"""

from __future__ import annotations

import base64
import json
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from placement.errors import InvalidInput

REQUEST_TIMEOUT_SECONDS = 2.0


class EtcdUnavailable(Exception):
    """No etcd member answered (or none could serve: no quorum)."""


def encode(text: str | bytes) -> str:
    data = text.encode() if isinstance(text, str) else text
    return base64.b64encode(data).decode()


def decode(text: str) -> bytes:
    return base64.b64decode(text)


def prefix_end(prefix: str) -> str:
    """The key just past every key starting with ``prefix`` (etcd's range end).

    >>> prefix_end("/placement/journal/")
    '/placement/journal0'
    """
    return prefix[:-1] + chr(ord(prefix[-1]) + 1)


def parse_endpoints(text: str | Sequence[str]) -> list[tuple[str, int]]:
    """``http://127.0.0.1:2379,http://127.0.0.1:22379`` → [(host, port), ...].

    >>> parse_endpoints("http://127.0.0.1:2379, 127.0.0.1:22379")
    [('127.0.0.1', 2379), ('127.0.0.1', 22379)]
    """
    items = text.split(",") if isinstance(text, str) else list(text)
    endpoints = []
    for item in filter(None, (i.strip() for i in items)):
        parts = urlsplit(item if "://" in item else f"http://{item}")
        if parts.scheme != "http" or not parts.hostname or not parts.port:
            raise InvalidInput(f"--etcd {item!r}: expected http://host:port")
        endpoints.append((parts.hostname, parts.port))
    if not endpoints:
        raise InvalidInput("--etcd lists no endpoint")
    return endpoints


@dataclass(frozen=True, slots=True)
class KeyValue:
    key: str
    value: bytes
    create_revision: int
    mod_revision: int
    lease: int


class Etcd:
    """One logical etcd cluster; each call goes to the first member that answers (thread-safe)."""

    def __init__(self, endpoints: str | Sequence[str], timeout: float = REQUEST_TIMEOUT_SECONDS) -> None:
        from etcd3gw.client import Etcd3Client

        self.endpoints = parse_endpoints(endpoints)
        self._clients = [Etcd3Client(h, p, timeout=timeout, api_path="/v3/") for h, p in self.endpoints]
        self.timeout = timeout
        self._current = 0
        self._lock = threading.Lock()

    def post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        """One gateway call (``/kv/txn``, ``/lease/grant``, …), failing over between members."""
        from etcd3gw import exceptions

        with self._lock:
            start = self._current
        errors = []
        for step in range(len(self._clients)):
            index = (start + step) % len(self._clients)
            client = self._clients[index]
            try:
                answer = client.post(client.get_url(path), data=json.dumps(body))
            except (exceptions.ConnectionFailedError, exceptions.ConnectionTimeoutError) as error:
                errors.append(f"{client.host}:{client.port}: {type(error).__name__}")
                continue
            except exceptions.Etcd3Exception as error:
                # Answered, but could not serve (no leader, no quorum, …): another member may.
                errors.append(f"{client.host}:{client.port}: {str(error)[:120]}")
                continue
            with self._lock:
                self._current = index
            return answer
        raise EtcdUnavailable("; ".join(errors))

    # ------------------------------------------------------------------ leases

    def grant(self, ttl: int) -> int:
        return int(self.post("/lease/grant", {"TTL": ttl, "ID": 0})["ID"])

    def keepalive(self, lease: int) -> int:
        """Refresh ``lease``; its remaining TTL, or -1 if it has expired."""
        answer = self.post("/lease/keepalive", {"ID": lease})
        return int(answer.get("result", {}).get("TTL", -1))

    def revoke(self, lease: int) -> None:
        self.post("/kv/lease/revoke", {"ID": lease})

    # ------------------------------------------------------------------ keys

    def txn(self, compare: list[dict], success: list[dict], failure: list[dict] | None = None) -> dict[str, Any]:
        return self.post("/kv/txn", {"compare": compare, "success": success, "failure": failure or []})

    def get(self, key: str) -> KeyValue | None:
        found = self.range(key)
        return found[0] if found else None

    def read(self, key: str) -> tuple[KeyValue | None, int]:
        """``key`` (None if absent) and the store's revision when it was read: where a watch resumes."""
        answer = self.post("/kv/range", {"key": encode(key)})
        found = [_key_value(item) for item in answer.get("kvs", [])]
        return (found[0] if found else None), int(answer.get("header", {}).get("revision", 0))

    def range(self, key: str, end: str | None = None, revision: int = 0) -> list[KeyValue]:
        """Keys from ``key`` up to ``end`` (exclusive), as of ``revision`` (0: now; older: etcd's history)."""
        body: dict[str, Any] = {"key": encode(key)}
        if end is not None:
            body["range_end"] = encode(end)
        if revision:
            body["revision"] = revision
        answer = self.post("/kv/range", body)
        return [_key_value(item) for item in answer.get("kvs", [])]

    def prefix(self, prefix: str) -> list[KeyValue]:
        """Every key under ``prefix``, in key order."""
        return self.range(prefix, prefix_end(prefix))

    # ------------------------------------------------------------------ watching

    def wait_for_change(self, key: str, after: int, timeout: float) -> bool:
        """Block until ``key`` changes after revision ``after`` (True), or ``timeout`` seconds pass (False).

        An etcd watch through the gateway's stream (``POST /v3/watch``: one JSON object
        per line, ``created`` first, then events), on the member in use, read with a
        timeout and closed by us: no thread, nothing left running. Not etcd3gw's watch:
        its stream has no timeout (a hung member would hold us forever), runs in a
        thread pool stopped from outside, and swallows a broken stream as "no change".
        Here a broken or refused stream raises `EtcdUnavailable` and a stream that ends
        early returns True: either way the caller reads the key again, so a watch can
        only make us look sooner, never miss a change (it starts at ``after + 1``).
        """
        import requests
        import urllib3

        with self._lock:
            client = self._clients[self._current]
        body = {"create_request": {"key": encode(key), "start_revision": after + 1}}
        deadline = time.monotonic() + timeout
        try:
            with client.session.post(
                client.get_url("/watch"), data=json.dumps(body), stream=True, timeout=(self.timeout, timeout)
            ) as response:
                if response.status_code != 200:
                    raise EtcdUnavailable(f"{client.host}:{client.port}: watch refused ({response.status_code})")
                buffered = b""
                for chunk in response.iter_content(chunk_size=None):
                    buffered += chunk
                    *lines, buffered = buffered.split(b"\n")
                    if any(_is_change(line) for line in lines):
                        return True
                    if time.monotonic() >= deadline:
                        return False
                return True  # the member closed the stream: look again
        except requests.exceptions.Timeout:
            return False
        except requests.exceptions.ConnectionError as error:
            # A read timeout inside the stream reaches us wrapped, as requests' iter_content wraps it.
            if any(isinstance(a, urllib3.exceptions.ReadTimeoutError) for a in error.args):
                return False
            raise EtcdUnavailable(f"{client.host}:{client.port}: watch: {type(error).__name__}") from None
        except requests.exceptions.RequestException as error:
            raise EtcdUnavailable(f"{client.host}:{client.port}: watch: {type(error).__name__}") from None


def _is_change(line: bytes) -> bool:
    """Whether one line of a watch stream may mean a change: anything but the watch's confirmation.

    Events, a cancelled watch, an error, a line we cannot read: the caller reads the key again.

    >>> _is_change(b'{"result": {"header": {}, "created": true}}')
    False
    >>> _is_change(b'{"result": {"events": [{"type": "DELETE"}]}}')
    True
    >>> _is_change(b'{"error": {"grpc_code": 14, "message": "etcdserver: no leader"}}')
    True
    """
    if not line.strip():
        return False
    try:
        result = json.loads(line).get("result")
    except (ValueError, AttributeError):
        return True
    return not (isinstance(result, dict) and result.get("created") and not result.get("events"))


def _key_value(item: dict[str, Any]) -> KeyValue:
    return KeyValue(
        decode(item["key"]).decode(),
        decode(item.get("value", "")),
        int(item.get("create_revision", 0)),
        int(item.get("mod_revision", 0)),
        int(item.get("lease", 0)),
    )


def put(key: str, value: str | bytes, lease: int = 0) -> dict[str, Any]:
    """A transaction operation writing ``key``."""
    request: dict[str, Any] = {"key": encode(key), "value": encode(value)}
    if lease:
        request["lease"] = lease
    return {"request_put": request}


def delete_range(key: str, end: str) -> dict[str, Any]:
    """A transaction operation deleting every key from ``key`` up to ``end`` (exclusive)."""
    return {"request_delete_range": {"key": encode(key), "range_end": encode(end)}}


def created_at(key: str, revision: int) -> dict[str, Any]:
    """A transaction comparison: ``key`` exists and was created at ``revision`` (0: does not exist)."""
    return {"key": encode(key), "result": "EQUAL", "target": "CREATE", "create_revision": revision}
