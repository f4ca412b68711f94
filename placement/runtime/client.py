"""Talk to a node agent: signed JSON requests, verified answers, typed results.

Errors are split by what the controller does about them: `AgentUnreachable`
(no answer: count towards heartbeat loss), `AgentRefused` (wrong secret: a
configuration error), `Deposed` (the agent has seen a newer controller's fencing
token: we no longer lead), `AgentError` (the agent answered but refused the request).

With a TLS context (`placement.runtime.tls.client_context`) every call is mutual
TLS, and the agent's certificate must name the node we meant to reach.
"""

from __future__ import annotations

import http.client
import json
import ssl
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

from placement.errors import InvalidInput
from placement.runtime.auth import AuthError, Verifier, sign
from placement.runtime.fencing import FenceAction, FenceDevice, FenceResult
from placement.runtime.messages import MonitorEvent, OperationRequest
from placement.runtime.ocf import OcfResult
from placement.runtime.server import MAX_BODY_BYTES, RESPONSE_METHOD, parse_address

DEFAULT_TIMEOUT_SECONDS = 10.0


class AgentError(Exception):
    """The agent answered, but not with a result (bad request, internal error)."""


class AgentUnreachable(AgentError):
    """No usable answer: connection refused, timeout, or a reply we cannot trust."""


class AgentRefused(AgentError):
    """The agent refused our credentials (the secrets differ)."""


class Deposed(AgentError):
    """The agent refused our fencing token: a newer controller leads now."""


class _NodeHTTPS(http.client.HTTPSConnection):
    """HTTPS to an address, checking the certificate against the node's name, not the address."""

    def __init__(self, host: str, port: int, node: str, context: ssl.SSLContext, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout, context=context)
        self._node = node
        self._tls = context

    def connect(self) -> None:
        http.client.HTTPConnection.connect(self)
        self.sock = self._tls.wrap_socket(self.sock, server_hostname=self._node)


def parse_agents(text: str) -> dict[str, str]:
    """``alice=127.0.0.1:7001,bob=127.0.0.1:7002`` → node → address.

    >>> parse_agents("alice=127.0.0.1:7001, bob=127.0.0.1:7002")
    {'alice': '127.0.0.1:7001', 'bob': '127.0.0.1:7002'}
    """
    agents: dict[str, str] = {}
    for item in filter(None, (part.strip() for part in text.split(","))):
        node, sep, address = item.partition("=")
        if not sep or not node:
            raise InvalidInput(f"--agents item {item!r} is not node=host:port")
        parse_address(address)
        if node in agents:
            raise InvalidInput(f"--agents names node {node!r} twice")
        agents[node] = address
    if not agents:
        raise InvalidInput("--agents lists no node")
    return agents


class AgentClient:
    """A client for one node agent. Cheap: one HTTP connection per call."""

    def __init__(
        self,
        node: str,
        address: str,
        secret: bytes,
        timeout: float = DEFAULT_TIMEOUT_SECONDS,
        tls: ssl.SSLContext | None = None,
        fencing_token: int = 0,
    ) -> None:
        self.node = node
        self.tls = tls
        self.fencing_token = fencing_token  # sent with every operation and fence
        self.address = address
        self.host, self.port = parse_address(address)
        self.timeout = timeout
        self._secret = secret
        self._verifier = Verifier(secret, node)

    def __repr__(self) -> str:
        return f"AgentClient({self.node}@{self.address})"

    def call(self, method: str, path: str, payload: Any = None, timeout: float | None = None) -> dict:
        """One signed request; returns the verified JSON answer."""
        body = b"" if payload is None else json.dumps(payload, sort_keys=True).encode()
        headers = {"Content-Type": "application/json", **sign(self._secret, self.node, method, path, body)}
        connection: http.client.HTTPConnection
        if self.tls is None:
            connection = http.client.HTTPConnection(self.host, self.port, timeout=timeout or self.timeout)
        else:
            connection = _NodeHTTPS(self.host, self.port, self.node, self.tls, timeout or self.timeout)
        try:
            connection.request(method, path, body=body or None, headers=headers)
            response = connection.getresponse()
            answer = response.read(MAX_BODY_BYTES + 1)
            status = response.status
            response_headers = {key: value for key, value in response.getheaders()}
        except (OSError, http.client.HTTPException) as error:
            raise AgentUnreachable(f"{self.node} ({self.address}): {error or type(error).__name__}") from None
        finally:
            connection.close()
        if status == 401:
            raise AgentRefused(f"{self.node} ({self.address}) refused our credentials: check --secret-file")
        try:
            self._verifier.verify(RESPONSE_METHOD, path, _case_insensitive(response_headers), answer)
        except AuthError as error:
            raise AgentUnreachable(f"{self.node} ({self.address}): untrusted answer: {error}") from None
        try:
            data = json.loads(answer)
        except json.JSONDecodeError:
            raise AgentUnreachable(f"{self.node} ({self.address}): answer is not JSON") from None
        if status == 409:
            raise Deposed(f"{self.node}: {data.get('error', 'stale fencing token')}")
        if status != 200:
            raise AgentError(f"{self.node}: {data.get('error', f'HTTP {status}')}")
        return data

    # ------------------------------------------------------------------ typed calls

    def heartbeat(self, timeout: float | None = None) -> dict:
        return self.call("GET", "/heartbeat", timeout=timeout)

    def status(self) -> dict:
        return self.call("GET", "/status")

    def events(self, after: int) -> tuple[str, list[MonitorEvent]]:
        """Monitor changes after event number ``after``, and the agent's boot id."""
        data = self.call("GET", f"/events?after={int(after)}")
        return str(data["boot_id"]), [MonitorEvent.from_json(e) for e in data["events"]]

    def fence_record(self, dispatch: str, timeout: float | None = None) -> dict:
        """What this agent, as a fence executor, knows of ``dispatch`` (`placement.runtime.fence_records`)."""
        return self.call("GET", f"/fence?dispatch={quote(dispatch)}", timeout=timeout)

    def execute(self, request: OperationRequest, dispatch: str = "") -> OcfResult:
        # The agent enforces the operation's timeout; allow it that long plus slack.
        payload = {**request.to_json(), "token": self.fencing_token, "dispatch": dispatch}
        data = self.call("POST", "/operation", payload, timeout=request.timeout_ms / 1000 + 10)
        return OcfResult.from_json(data["result"])

    def announce(self, timeout: float | None = None) -> int:
        """Tell the agent our fencing token (a new leader does this first); returns the agent's."""
        return int(self.call("POST", "/token", {"token": self.fencing_token}, timeout=timeout)["token"])

    def probe(self, requests: list[OperationRequest]) -> dict[str, OcfResult]:
        budget = sum(r.timeout_ms for r in requests) / 1000 + 10
        data = self.call("POST", "/probe", {"requests": [r.to_json() for r in requests]}, timeout=budget)
        return {instance: OcfResult.from_json(result) for instance, result in data["results"].items()}

    def fence(self, device: FenceDevice, action: FenceAction, target: str, dispatch: str = "") -> FenceResult:
        payload = {
            "device": device.to_json(),
            "action": action.value,
            "target": target,
            "token": self.fencing_token,
            "dispatch": dispatch,
        }
        data = self.call("POST", "/fence", payload, timeout=device.timeout_ms(action) / 1000 + 10)
        return FenceResult.from_json(data["result"])


class _case_insensitive(dict):
    """Response headers looked up the way HTTP means them: ignoring case."""

    def __init__(self, headers: Mapping[str, str]) -> None:
        super().__init__({key.lower(): value for key, value in headers.items()})

    def get(self, key: str, default: Any = None) -> Any:
        return super().get(key.lower(), default)
