"""The status page's web application (Starlette): the page, its live updates, and what-ifs.

Reading is open: ``/`` (the page), ``/status.json`` (its data), ``/events`` (server-sent
events, one ``cluster`` event per change) and ``/static/*`` (the page's own CSS and
script; nothing comes from elsewhere, clusters are often air-gapped). Planning a what-if
costs the controller's machine CPU, so ``POST /whatif`` needs a session opened by
``POST /login`` with the cluster secret (the one of ``--secret-file``), accepted only from
a loopback client (this machine, or an ssh tunnel) since plain HTTP would carry the secret
in clear. Nothing on the page changes the cluster. POSTs take JSON only, which a cross-site form cannot send,
and the session cookie is SameSite=Strict.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import threading
from collections.abc import AsyncIterator, Callable
from typing import Any

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response, StreamingResponse
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from placement.model import Config
from placement.runtime.server import is_loopback
from placement.state import State
from placement.web import pages
from placement.web import whatif as whatif_answer
from placement.web.board import StatusBoard

KEEPALIVE_SECONDS = 15.0
MIN_UPDATE_SECONDS = 0.2  # a burst of journal entries reaches a browser as one update, at most five a second
SESSION_HOURS = 8
SECURITY_HEADERS = {
    # Only our own assets; the inline SVG needs no script. Framing is refused (clickjacking).
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}

Answer = Callable[[Config, State, str], dict[str, Any]]


def session_key(secret: bytes) -> str:
    """The cookie-signing key, derived from the cluster secret (the secret itself never signs cookies)."""
    return hmac.new(secret, b"placement status page session", hashlib.sha256).hexdigest()


def create_app(board: StatusBoard, secret: bytes, answer: Answer = whatif_answer.answer) -> Starlette:
    """The application serving ``board``; ``secret`` authenticates the what-if form."""
    planning = threading.Semaphore(1)  # one what-if at a time: the solver is CPU-bound

    def authenticated(request: Request) -> bool:
        return bool(request.session.get("authenticated"))

    async def page(request: Request) -> Response:
        view = await run_in_threadpool(lambda: board.view)
        return HTMLResponse(pages.live_page(view, authenticated(request)), headers=SECURITY_HEADERS)

    async def status_json(_: Request) -> Response:
        return JSONResponse(await run_in_threadpool(lambda: board.view))

    async def events(_: Request) -> Response:
        async def stream() -> AsyncIterator[str]:
            seen = -1
            while not board.closed:
                version = board.version if seen < 0 else await board.next_version(seen, KEEPALIVE_SECONDS)
                if version is None:
                    yield ": keep-alive\n\n"  # comment line: keeps proxies from closing an idle stream
                    continue
                seen, html = await run_in_threadpool(board.current_html)  # keep the event loop free
                yield f"event: cluster\nid: {seen}\ndata: {json.dumps({'version': seen, 'html': html})}\n\n"
                await asyncio.sleep(MIN_UPDATE_SECONDS)

        return StreamingResponse(stream(), media_type="text/event-stream",
                                 headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"})

    async def json_body(request: Request) -> dict[str, Any] | None:
        if request.headers.get("content-type", "").split(";")[0].strip() != "application/json":
            return None
        try:
            body = await request.json()
        except ValueError:
            return None
        return body if isinstance(body, dict) else None

    async def login(request: Request) -> Response:
        if not is_loopback(request.client.host if request.client else ""):
            # Plain HTTP: the secret would cross the network in clear. Through a tunnel it does not.
            return JSONResponse({"error": "log in from this machine or through a tunnel "
                                          "(ssh -L PORT:127.0.0.1:PORT host): the secret must not cross "
                                          "the network unencrypted"}, status_code=403)
        body = await json_body(request)
        if body is None:
            return JSONResponse({"error": "expected a JSON body"}, status_code=415)
        given = str(body.get("secret", "")).strip().encode()
        if not hmac.compare_digest(given, secret):
            return JSONResponse({"error": "wrong secret"}, status_code=401)
        request.session["authenticated"] = True
        return JSONResponse({"ok": True})

    async def logout(request: Request) -> Response:
        request.session.clear()
        return JSONResponse({"ok": True})

    async def whatif(request: Request) -> Response:
        if not authenticated(request):
            return JSONResponse({"error": "log in with the cluster secret to plan what-ifs"}, status_code=401)
        body = await json_body(request)
        if body is None:
            return JSONResponse({"error": "expected a JSON body"}, status_code=415)
        inputs = board.inputs
        if inputs is None:
            return JSONResponse({"error": "the controller has no state yet"}, status_code=503)
        if not planning.acquire(blocking=False):
            return JSONResponse({"error": "another what-if is being planned; try again"}, status_code=429)
        words = str(body.get("words", ""))
        try:
            result = await run_in_threadpool(answer, *inputs, words)
        finally:
            planning.release()
        status = 400 if "error" in result else 200
        return JSONResponse({**result, "html": pages.whatif_html(words, result)}, status_code=status)

    routes = [
        Route("/", page),
        Route("/status.json", status_json),
        Route("/events", events),
        Route("/login", login, methods=["POST"]),
        Route("/logout", logout, methods=["POST"]),
        Route("/whatif", whatif, methods=["POST"]),
        Mount("/static", StaticFiles(packages=[("placement.web", "static")]), name="static"),
    ]
    middleware = [Middleware(SessionMiddleware, secret_key=session_key(secret), session_cookie="placement_session",
                             max_age=SESSION_HOURS * 3600, same_site="strict")]
    return Starlette(routes=routes, middleware=middleware)
