"""The node agent's HTTP face: authenticated JSON over the standard library's HTTP server.

Every request must carry a valid HMAC (`placement.runtime.auth`); anything else is
answered 401 and logged with the peer's address. With a TLS context (`placement.runtime.tls`)
the socket speaks only mutual TLS: a client without a certificate of the cluster CA,
or speaking plain HTTP, is dropped during the handshake, before any HTTP is read.
Operations and fences carry the sender's fencing token (``"token"`` in the body);
one older than the newest the node has seen is answered 409. Bodies are size-limited, each
connection has a socket timeout so a silent client cannot hold a thread, and
answers are signed so the controller can trust them.

Routes (JSON in, JSON out):

==========  ===================  ===============================================
``GET``     ``/heartbeat``       node name, boot id, pid, clock, last event number
``GET``     ``/status``          resource records, monitors, fencing history
``GET``     ``/events?after=N``  monitor changes after event ``N``
``GET``     ``/fence?dispatch=D`` what this executor knows of fence dispatch ``D``
``POST``    ``/operation``       run one operation (`OperationRequest`)
``POST``    ``/probe``           one-shot monitors: ``{"requests": [...]}``
``POST``    ``/fence``           ``{"device": ..., "action": "off", "target": "charlie"}``
``POST``    ``/token``           ``{"token": N}``: a new leader announces its fencing token
==========  ===================  ===============================================
"""

from __future__ import annotations

import contextlib
import ipaddress
import json
import logging
import socket
import ssl
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from placement.errors import InvalidInput
from placement.runtime.agent import NodeAgent, StaleToken
from placement.runtime.auth import AuthError, Verifier, sign
from placement.runtime.fencing import FenceAction, FenceDevice
from placement.runtime.messages import OperationRequest

log = logging.getLogger(__name__)

MAX_BODY_BYTES = 1 << 20
CONNECTION_TIMEOUT_SECONDS = 30
RESPONSE_METHOD = "RESPONSE"  # answers are signed as this pseudo-method, so a request MAC cannot pass as one


def parse_address(text: str) -> tuple[str, int]:
    """``host:port`` → (host, port); raises `InvalidInput` when malformed.

    >>> parse_address("127.0.0.1:7001")
    ('127.0.0.1', 7001)
    """
    host, _, port = text.rpartition(":")
    if not host or not port.isdigit() or not 0 <= int(port) < 65536:
        raise InvalidInput(f"address {text!r} is not host:port")
    return host.strip("[]"), int(port)


def is_loopback(host: str) -> bool:
    """True for 127.0.0.0/8, ::1 and ``localhost``."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


Route = Callable[[NodeAgent, Any, dict[str, list[str]]], dict]


def _token(body: Any) -> int:
    """The fencing token a mutating request was sent under (0 when the sender has none)."""
    token = body.get("token", 0) if isinstance(body, dict) else 0
    if isinstance(token, bool) or not isinstance(token, int) or token < 0:
        raise InvalidInput("'token' must be a non-negative integer")
    return token


def _dispatch(body: Any) -> str:
    """The controller's journal entry an order answers (for audits and settling doubts)."""
    dispatch = body.get("dispatch", "") if isinstance(body, dict) else ""
    if not isinstance(dispatch, str):
        raise InvalidInput("'dispatch' must be a string")
    return dispatch


def _announce(agent: NodeAgent, body: Any, _query: dict) -> dict:
    agent.admit(_token(body))
    return {"token": agent.token}


def _operation(agent: NodeAgent, body: Any, _query: dict) -> dict:
    request = OperationRequest.from_json(body)
    # A one-shot monitor only reads: anyone holding the secret may look; everything else is an order.
    token = None if request.action == "monitor" and request.interval_ms == 0 else _token(body)
    return {"result": agent.execute(request, token, _dispatch(body)).to_json()}


def _probe(agent: NodeAgent, body: Any, _query: dict) -> dict:
    items = body.get("requests") if isinstance(body, dict) else None
    if not isinstance(items, list):
        raise InvalidInput("probe needs a 'requests' list")
    results = agent.probe([OperationRequest.from_json(item) for item in items])
    return {"results": {instance: result.to_json() for instance, result in results.items()}}


def _fence(agent: NodeAgent, body: Any, _query: dict) -> dict:
    if not isinstance(body, dict) or not isinstance(body.get("device"), dict):
        raise InvalidInput("fence needs a 'device' object")
    try:
        action = FenceAction(body.get("action"))
    except ValueError:
        raise InvalidInput(f"fence action {body.get('action')!r} is unknown") from None
    target = body.get("target")
    if not isinstance(target, str) or not target:
        raise InvalidInput("fence needs a 'target' node name")
    token = _token(body)
    dispatch = _dispatch(body)
    try:
        device = FenceDevice.from_json(body["device"])
    except (KeyError, TypeError) as error:
        raise InvalidInput(f"fence device description is incomplete: {error}") from None
    return {"result": agent.fence(device, action, target, token, dispatch).to_json()}


def _events(agent: NodeAgent, _body: Any, query: dict) -> dict:
    try:
        after = int(query.get("after", ["0"])[0])
    except ValueError:
        raise InvalidInput("events: 'after' must be an integer") from None
    return {"boot_id": agent.boot_id, "events": [e.to_json() for e in agent.events_after(after)]}


def _fence_record(agent: NodeAgent, _body: Any, query: dict) -> dict:
    dispatch = query.get("dispatch", [""])[0]
    if not dispatch:
        raise InvalidInput("fence record: 'dispatch' is required")
    return agent.fence_records.about(dispatch)


ROUTES: dict[tuple[str, str], Route] = {
    ("GET", "/fence"): _fence_record,
    ("GET", "/heartbeat"): lambda agent, _b, _q: agent.heartbeat(),
    ("GET", "/status"): lambda agent, _b, _q: agent.status(),
    ("GET", "/events"): _events,
    ("POST", "/operation"): _operation,
    ("POST", "/probe"): _probe,
    ("POST", "/fence"): _fence,
    ("POST", "/token"): _announce,
}


class AgentServer(ThreadingHTTPServer):
    """A threading HTTP server bound to one `NodeAgent` and one secret."""

    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 64

    def __init__(
        self, address: tuple[str, int], agent: NodeAgent, secret: bytes, tls: ssl.SSLContext | None = None
    ) -> None:
        self.agent = agent
        self.secret = secret
        self.verifier = Verifier(secret, agent.node)
        self.refused = 0
        self.tls = tls
        super().__init__(address, _Handler)

    def finish_request(self, request: Any, client_address: Any) -> None:
        # Runs in the request's own thread: a slow or hostile handshake holds only that thread.
        if self.tls is None:
            super().finish_request(request, client_address)
            return
        request.settimeout(CONNECTION_TIMEOUT_SECONDS)
        wrapped = None
        try:
            # The handshake apart from the wrapping: a failed one is counted and logged *before*
            # the socket closes, so a client that sees the refusal can count on it being recorded.
            wrapped = self.tls.wrap_socket(request, server_side=True, do_handshake_on_connect=False)
            wrapped.do_handshake()
        except (ssl.SSLError, OSError, ValueError) as error:
            self.refused += 1
            log.warning("refused a connection from %s:%s: TLS handshake failed: %s", *client_address[:2], error)
            if wrapped is not None:
                wrapped.close()
            return
        try:
            super().finish_request(wrapped, client_address)
        finally:
            with contextlib.suppress(OSError):
                wrapped.shutdown(socket.SHUT_RDWR)
            wrapped.close()

    @property
    def port(self) -> int:
        return int(self.server_address[1])


class _Handler(BaseHTTPRequestHandler):
    server: AgentServer
    protocol_version = "HTTP/1.0"  # one request per connection: no keep-alive state to guard
    timeout = CONNECTION_TIMEOUT_SECONDS
    server_version = "placement-agent"
    sys_version = ""

    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_POST(self) -> None:
        self._dispatch("POST")

    def _dispatch(self, method: str) -> None:
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            length = -1
        if not 0 <= length <= MAX_BODY_BYTES:
            self._reply(413, {"error": "body too large or malformed length"}, signed=False)
            return
        body = self.rfile.read(length) if length else b""
        try:
            self.server.verifier.verify(method, self.path, self.headers, body)
        except AuthError as error:
            self.server.refused += 1
            log.warning("refused %s %s from %s:%s: %s", method, self.path, *self.client_address[:2], error)
            self._reply(401, {"error": "unauthorized"}, signed=False)
            return
        parts = urlsplit(self.path)
        route = ROUTES.get((method, parts.path))
        if route is None:
            self._reply(404, {"error": f"no route {method} {parts.path}"})
            return
        try:
            payload = json.loads(body) if body else {}
            answer = route(self.server.agent, payload, parse_qs(parts.query))
        except json.JSONDecodeError as error:
            self._reply(400, {"error": f"body is not JSON: {error}"})
        except InvalidInput as error:
            self._reply(400, {"error": str(error)})
        except StaleToken as error:
            self._reply(409, {"error": str(error), "token": self.server.agent.token})
        except Exception as error:  # a bug must not kill the agent; the controller sees a 500
            log.exception("internal error on %s %s", method, self.path)
            self._reply(500, {"error": f"internal error: {type(error).__name__}"})
        else:
            self._reply(200, answer)

    def _reply(self, code: int, answer: dict, signed: bool = True) -> None:
        body = json.dumps(answer, sort_keys=True).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        if signed:
            for key, value in sign(
                self.server.secret, self.server.agent.node, RESPONSE_METHOD, self.path, body
            ).items():
                self.send_header(key, value)
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("%s " + format, self.client_address[0], *args)
