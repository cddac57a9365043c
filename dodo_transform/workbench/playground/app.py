"""The playground's Starlette app: the page, its static files, and three small JSON routes.

``create_app(auth, handlers=..., allow_save=...)`` is all a host needs: ``dodo-transform
playground`` mounts it at ``/`` behind a one-time token (:func:`token_auth`), the operator
console mounts it at ``/ui/playground`` behind its own session. Every URL the page uses is
relative, so it works under any mount path.

Routes (under the mount): ``GET /`` the page; ``GET /static/{name}``; ``GET /api/session``
(the opened handlers, whether Save is allowed, the built-in samples); ``POST /api/test``
(:mod:`dodo_transform.workbench.testapi`, the very records of ``test --json``); ``POST /api/save``.
"""

from __future__ import annotations

import hmac
import json
import os
import secrets
import stat
from collections.abc import Awaitable, Callable, Mapping
from importlib import resources
from pathlib import Path
from urllib.parse import urlencode

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route

from ... import samples
from ...sandbox import BaseSandbox
from ...transform import MAX_CODE_SIZE
from .. import testapi

__all__ = ["Auth", "COOKIE", "create_app", "new_token", "token_auth"]

Auth = Callable[[Request], Awaitable[Response | None]]
COOKIE = "dodo_playground"
_STATIC = {
    "app.js": "text/javascript; charset=utf-8",
    "editor.js": "text/javascript; charset=utf-8",
    "style.css": "text/css; charset=utf-8",
    "editor.LICENSES.txt": "text/plain; charset=utf-8",
}
# The page's own scripts only: nothing inline, nothing from elsewhere. Inline styles are
# allowed: CodeMirror writes its theme and measurements as style elements and attributes.
_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "connect-src 'self'; "
    "img-src 'self' data:; form-action 'none'; frame-ancestors 'none'; base-uri 'none'"
)
_SAVE_OFF = (
    "saving is off: the playground writes a handler back only when it was opened from a file "
    "on the command line, or with [ui] allow_handler_edit = true in serve's config; use Download"
)


def new_token() -> str:
    return secrets.token_urlsafe(24)


def token_auth(token: str) -> Auth:
    """Jupyter's scheme: the printed URL carries ``?token=``; the first visit trades it for an
    HttpOnly, SameSite=Strict cookie and drops it from the address bar. API calls may also
    send ``Authorization: Bearer <token>``."""
    expected = token.encode()

    def matches(given: str | None) -> bool:
        return given is not None and hmac.compare_digest(given.encode(), expected)

    async def check(request: Request) -> Response | None:
        scheme, _, bearer = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer":  # the scheme is case-insensitive (RFC 9110 §11.1)
            bearer = ""
        if matches(request.cookies.get(COOKIE)) or (bearer and matches(bearer.lstrip(" "))):
            return None
        if request.method == "GET" and matches(request.query_params.get("token")):
            rest = {k: v for k, v in request.query_params.items() if k != "token"}
            target = request.url.path + (f"?{urlencode(rest)}" if rest else "")
            response = RedirectResponse(target, status_code=303)
            root = request.scope.get("root_path") or "/"
            response.set_cookie(COOKIE, token, httponly=True, samesite="strict", path=root)
            return response
        return JSONResponse(
            {
                "error": "open the playground with the URL (and its ?token=) that "
                "`dodo-transform playground` printed"
            },
            status_code=401,
        )

    return check


def _static(name: str) -> bytes:
    return resources.files(__package__).joinpath("static").joinpath(name).read_bytes()


def create_app(
    auth: Auth,
    *,
    handlers: Mapping[str, Path] | None = None,
    allow_save: bool = False,
    sandbox: Callable[[], BaseSandbox | None] = lambda: None,
) -> Starlette:
    """The playground. ``handlers`` are the files it opens (name → path, shown in order);
    ``allow_save`` lets Save write them back (otherwise the page offers Download);
    ``sandbox`` gives the sandbox runs use (None: the default one)."""
    opened = dict(handlers or {})

    def guarded(endpoint: Callable[[Request], Awaitable[Response]]) -> Callable[..., object]:
        async def wrapped(request: Request) -> Response:
            denied = await auth(request)
            if denied is None and request.method == "POST":
                denied = _cross_site(request)
            if denied is not None:
                return denied
            response = await endpoint(request)
            response.headers.setdefault("content-security-policy", _CSP)
            response.headers.setdefault("x-content-type-options", "nosniff")
            response.headers.setdefault("cache-control", "no-store")
            return response

        return wrapped

    async def page(request: Request) -> Response:
        if not request.url.path.endswith("/"):  # relative URLs need the trailing slash
            return RedirectResponse(request.url.path + "/", status_code=308)
        return Response(_static("index.html"), media_type="text/html; charset=utf-8")

    async def static(request: Request) -> Response:
        name = request.path_params["name"]
        if name not in _STATIC:
            return PlainTextResponse("not found", status_code=404)
        return Response(_static(name), media_type=_STATIC[name])

    async def session(_request: Request) -> Response:
        files = []
        for name, path in opened.items():
            try:
                code = path.read_text(encoding="utf-8")
                problem = None
            except (OSError, UnicodeDecodeError) as e:
                code, problem = "", f"cannot read {path}: {getattr(e, 'strerror', None) or e}"
            files.append({"name": name, "code": code, "problem": problem})
        return JSONResponse(
            {
                "handlers": files,
                "can_save": allow_save and bool(opened),
                "save_off_reason": None if allow_save else _SAVE_OFF,
                "samples": [{"name": s.name, "event_type": s.event_type} for s in samples.all()],
                "sample_texts": {s.name: s.text for s in samples.all()},
                "max_code_size": MAX_CODE_SIZE,
            }
        )

    async def run(request: Request) -> Response:
        return await testapi.answer(request, sandbox())

    async def save(request: Request) -> Response:
        if not allow_save:
            return JSONResponse({"error": _SAVE_OFF}, status_code=403)
        try:
            body = json.loads(await request.body())
        except (ValueError, RecursionError):
            return JSONResponse({"error": 'send {"name": ..., "code": ...}'}, status_code=400)
        if not isinstance(body, dict):
            return JSONResponse({"error": 'send {"name": ..., "code": ...}'}, status_code=400)
        name, code = body.get("name"), body.get("code")
        if name not in opened:
            return JSONResponse({"error": f"no opened handler {name!r}"}, status_code=404)
        if not isinstance(code, str) or len(code) > MAX_CODE_SIZE:
            return JSONResponse(
                {"error": f"code must be a string of at most {MAX_CODE_SIZE:,} characters"},
                status_code=413 if isinstance(code, str) else 400,
            )
        path = opened[name]
        try:
            written = _write_atomically(path, code)
        except OSError as e:
            return JSONResponse(
                {"error": f"cannot write {path}: {e.strerror or e}"}, status_code=500
            )
        return JSONResponse({"saved": str(path), "bytes": written})

    return Starlette(
        routes=[
            Route("/", guarded(page), methods=["GET"]),
            Route("/static/{name}", guarded(static), methods=["GET"]),
            Route("/api/session", guarded(session), methods=["GET"]),
            Route("/api/test", guarded(run), methods=["POST"]),
            Route("/api/save", guarded(save), methods=["POST"]),
        ],
        exception_handlers={HTTPException: _http_error, Exception: _internal_error},
    )


async def _http_error(request: Request, exc: Exception) -> Response:
    """No such page, or a wrong method: JSON, as the page's API answers everything else."""
    assert isinstance(exc, HTTPException)
    if exc.status_code in (204, 304):
        return Response(status_code=exc.status_code, headers=exc.headers)
    message = f"{request.method} {request.url.path}: {exc.detail}"
    return JSONResponse({"error": message}, status_code=exc.status_code, headers=exc.headers)


async def _internal_error(_request: Request, _exc: Exception) -> Response:
    return JSONResponse({"error": "internal error; the server's log has the details"}, 500)


def _cross_site(request: Request) -> Response | None:
    """Refuse a POST another site's page could send with the operator's cookie.

    The session cookie is ``SameSite=Strict``, but a page on another port of the same host,
    or on a sibling subdomain, is the same site. A cross-origin page can send JSON only after
    a CORS preflight, which nothing here answers; what it can send without one is a form or
    text/plain, refused here, and browsers say where a request came from."""
    if request.headers.get("sec-fetch-site", "same-origin") not in ("same-origin", "none"):
        return JSONResponse({"error": "refused: a request from another site"}, status_code=403)
    kind = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if kind != "application/json":
        return JSONResponse(
            {"error": "send the body as JSON, with Content-Type: application/json"},
            status_code=415,
        )
    return None


def _write_atomically(path: Path, text: str) -> int:
    """Replace ``path``'s content whole, so a watcher (``test --watch``) never sees half.

    The file keeps its permissions, and its CRLF line ends when every line had one: the
    editor hands back LF only, and an unedited Save should not rewrite every line."""
    try:
        before = path.read_bytes()
        mode: int | None = stat.S_IMODE(path.stat().st_mode)
    except FileNotFoundError:
        before, mode = b"", None
    if "\r" not in text and b"\r\n" in before and before.count(b"\n") == before.count(b"\r\n"):
        text = text.replace("\n", "\r\n")
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        data = text.encode("utf-8")
        tmp.write_bytes(data)
        if mode is not None:
            os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return len(data)
