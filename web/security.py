"""The guard around every request: the token, the Host check, body limits and safe headers.

One pure ASGI middleware rather than several, so each request pays one wrapper
and no response (an error page, a 401, a static file) can miss the headers.
"""

from __future__ import annotations

import hmac
from collections.abc import Awaitable, Callable, MutableMapping
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import parse_qs

from whynolog.web.settings import LOCAL_HOSTS, ServeSettings

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

TOKEN_COOKIE = "whynolog_token"
OPEN_PATHS = ("/healthz", "/static/")
"""Paths served without the token: a liveness probe and the stylesheets (nothing private)."""

SECURITY_HEADERS: list[tuple[bytes, bytes]] = [
    (
        b"content-security-policy",
        b"default-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'; "
        b"object-src 'none'; img-src 'self' data:",  # charts are data: images (no script)
    ),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"cache-control", b"no-store"),
]


class Guard:
    """Wraps the app: headers on every response, 401 without the token, 413 past the limit.

    On a loopback host without a token, the Host header must name this machine too,
    so a web page elsewhere cannot reach the app by pointing its own name at 127.0.0.1
    (DNS rebinding).
    """

    def __init__(self, app: ASGIApp, settings: ServeSettings) -> None:
        self.app = app
        self.token = settings.token
        self.max_body = settings.max_upload

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = _headers(scope)
        set_cookie = False

        async def send_guarded(message: Message) -> None:
            if message["type"] == "http.response.start":
                extra = list(SECURITY_HEADERS)
                if set_cookie and self.token:
                    cookie = f"{TOKEN_COOKIE}={self.token}; HttpOnly; SameSite=Strict; Path=/"
                    extra.append((b"set-cookie", cookie.encode()))
                message["headers"] = [*message.get("headers", []), *extra]
            await send(message)

        if self.token is None and not _local_host(headers.get("host", "")):
            await _plain(send_guarded, 400, "This app answers only to 127.0.0.1 or localhost.")
            return
        path: str = scope.get("path", "")
        if self.token is not None and not path.startswith(OPEN_PATHS):
            given, from_query = _presented(scope, headers)
            if given is None or not hmac.compare_digest(given.encode(), self.token.encode()):
                await _plain(
                    send_guarded,
                    401,
                    "A token is required: open the address with ?token=… that 'whynolog "
                    "serve' printed, or send 'Authorization: Bearer TOKEN'.",
                    [(b"www-authenticate", b"Bearer")],
                )
                return
            set_cookie = from_query
        length = headers.get("content-length")
        if length is not None and (not length.isdigit() or int(length) > self.max_body):
            await _plain(send_guarded, 413, _too_big(self.max_body))
            return
        await self.app(scope, _limited(receive, self.max_body), send_guarded)


def _headers(scope: Scope) -> dict[str, str]:
    return {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}


def _local_host(host: str) -> bool:
    name = host.rsplit(":", 1)[0] if not host.endswith("]") else host
    return name.strip("[]").lower() in LOCAL_HOSTS


def _presented(scope: Scope, headers: dict[str, str]) -> tuple[str | None, bool]:
    """The token the request carries, and whether it came in the query (then set a cookie)."""
    query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
    if query.get("token"):
        return query["token"][0], True
    auth = headers.get("authorization", "")
    if auth[:7].lower() == "bearer ":
        return auth[7:].strip(), False
    cookie = SimpleCookie()
    try:
        cookie.load(headers.get("cookie", ""))
    except Exception:  # a malformed Cookie header carries no token
        return None, False
    morsel = cookie.get(TOKEN_COOKIE)
    return (morsel.value if morsel else None), False


def _too_big(limit: int) -> str:
    mib = limit // (1 << 20)
    return f"The upload is too large: the limit is {mib} MiB (whynolog serve --max-upload)."


class BodyTooLarge(Exception):
    """A request body grew past the limit while it was read."""


def _limited(receive: Receive, limit: int) -> Receive:
    """``receive`` that stops a chunked body growing past ``limit`` bytes."""
    seen = 0

    async def wrapped() -> Message:
        nonlocal seen
        message = await receive()
        if message["type"] == "http.request":
            seen += len(message.get("body", b""))
            if seen > limit:
                raise BodyTooLarge(_too_big(limit))
        return message

    return wrapped


async def _plain(
    send: Send, status: int, text: str, headers: list[tuple[bytes, bytes]] | None = None
) -> None:
    body = (text + "\n").encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"text/plain; charset=utf-8"),
                (b"content-length", str(len(body)).encode()),
                *(headers or []),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
