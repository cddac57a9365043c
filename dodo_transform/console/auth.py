"""Who may use the console: the holder of the admin token.

Signing in with the token sets a session cookie (``HttpOnly``, ``SameSite=Strict``, ``Path=/ui``,
``Secure`` over HTTPS) whose value is an expiry signed with a key derived from the token: no
server-side session table, and changing the token (a config reload) signs everyone out. An
``Authorization: Bearer <token>`` header is accepted instead of the cookie, for scripts and
proxies. Every form that changes something carries a CSRF token bound to the session (and
the cookie is never sent cross-site anyway); a bearer request needs none, since a browser
never adds that header by itself.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from typing import TYPE_CHECKING

from starlette.requests import Request
from starlette.responses import Response

if TYPE_CHECKING:
    from ..relay.server import App

__all__ = ["COOKIE", "Auth"]

COOKIE = "dodo_transform_session"
SESSION_SECONDS = 12 * 3600


class Auth:
    def __init__(self, app: App) -> None:
        self.app = app

    @property
    def token(self) -> str | None:
        return self.app.config.server.admin_token

    def _key(self, token: str) -> bytes:
        return hashlib.sha256(b"dodo-transform console\0" + token.encode()).digest()

    def _sign(self, token: str, message: str) -> str:
        return hmac.new(self._key(token), message.encode(), hashlib.sha256).hexdigest()

    def check_token(self, given: str) -> bool:
        token = self.token
        return bool(token) and hmac.compare_digest(
            given.encode("utf-8", "surrogateescape"), (token or "").encode()
        )

    def session_value(self) -> str:
        assert self.token
        expires = str(int(time.time()) + SESSION_SECONDS)
        return f"{expires}.{self._sign(self.token, 'session:' + expires)}"

    def _session(self, request: Request) -> str | None:
        """The request's valid session cookie value, or None."""
        token, value = self.token, request.cookies.get(COOKIE, "")
        if not token or "." not in value:
            return None
        expires, signature = value.split(".", 1)
        if not (expires.isascii() and expires.isdigit() and len(expires) <= 12):
            return None  # (int() refuses over 4,300 digits: a planted cookie was a 500)
        if int(expires) < time.time():
            return None
        if not hmac.compare_digest(signature, self._sign(token, "session:" + expires)):
            return None
        return value

    def bearer(self, request: Request) -> bool:
        return self.app.is_admin(request.headers.get("authorization", ""))

    def signed_in(self, request: Request) -> bool:
        return self.bearer(request) or self._session(request) is not None

    async def admitted(self, request: Request) -> bool:
        """:meth:`signed_in`, where a wrong bearer token waits its turn as on the admin API
        (the gate of every page, form and stream: any faster one would serve guessing)."""
        return self._session(request) is not None or await self.app.admitted_bearer(request)

    def csrf(self, request: Request) -> str:
        """The CSRF token of the request's session ("" for a bearer request)."""
        session = self._session(request)
        return self._sign(self.token or "", "csrf:" + session) if session else ""

    def csrf_ok(self, request: Request, given: str) -> bool:
        if self.bearer(request):
            return True
        expected = self.csrf(request)
        return bool(expected) and hmac.compare_digest(given.encode(), expected.encode())

    def set_cookie(self, request: Request, response: Response) -> None:
        response.set_cookie(
            COOKIE,
            self.session_value(),
            max_age=SESSION_SECONDS,
            path="/ui",
            httponly=True,
            samesite="strict",
            secure=request.url.scheme == "https",
        )

    def clear_cookie(self, response: Response) -> None:
        response.delete_cookie(COOKIE, path="/ui", httponly=True, samesite="strict")
