"""The ASGI application of ``whynolog serve``.

FastAPI on Starlette: the pages are plain Starlette responses rendered by Jinja,
and FastAPI adds the checked query parameters and the OpenAPI description of the
JSON API (``/openapi.json``). Its interactive docs pages are off: they load
scripts from a CDN, which the Content-Security-Policy forbids.
"""

from __future__ import annotations

from importlib.resources import files

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from starlette.staticfiles import StaticFiles

from whynolog import __version__, api
from whynolog.web import jsonapi, pages
from whynolog.web.security import BodyTooLarge, Guard
from whynolog.web.settings import ServeSettings
from whynolog.web.state import WebState


def create_app(settings: ServeSettings, setup: api.Setup | None = None) -> Guard:
    """The app for ``settings``, loading the configuration and rule pack unless given.

    Loading errors (``file:line:col: message``) surface here, before anything listens.
    """
    setup = setup or api.load(settings.config, settings.rules)
    app = FastAPI(
        title="whynolog",
        version=__version__,
        description="Would this email log to the CRM, and why? The JSON API of "
        "`whynolog serve`: the same objects as the CLI's JSON outputs.",
        docs_url=None,
        redoc_url=None,
    )
    app.state.web = WebState(settings, setup)
    app.include_router(pages.router)
    app.include_router(jsonapi.router)
    static = files("whynolog.web").joinpath("static")
    app.mount("/static", StaticFiles(directory=str(static)), name="static")
    app.add_exception_handler(BodyTooLarge, _too_large)
    app.add_exception_handler(RequestValidationError, _invalid)
    return Guard(app, settings)


async def _too_large(request: Request, exc: Exception) -> Response:
    return PlainTextResponse(str(exc), status_code=413)


async def _invalid(request: Request, exc: Exception) -> Response:
    """Bad parameters: JSON for the API, a plain sentence for a page."""
    assert isinstance(exc, RequestValidationError)
    if request.url.path.startswith("/api/"):
        return JSONResponse({"errors": jsonable_encoder(exc.errors())}, status_code=422)
    where = ", ".join(".".join(str(p) for p in e["loc"][1:]) for e in exc.errors())
    return PlainTextResponse(f"Not a valid value: {where}.", status_code=422)
