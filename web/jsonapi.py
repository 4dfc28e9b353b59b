"""The JSON API: the same objects the CLI's JSON outputs write (their ``to_dict()``)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Query, Request
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from whynolog import api
from whynolog.api import InputError, InputErrors, WhynologError, problems_of
from whynolog.web.state import NoLog, state_of
from whynolog.web.uploads import LOG_FORMATS

router = APIRouter(prefix="/api", tags=["api"])

_BODY_FORMATS = {"text/csv": "csv", "application/x-ndjson": "jsonl", "application/jsonl": "jsonl"}


def _problem(status: int, errors: list[dict[str, Any]]) -> JSONResponse:
    return JSONResponse({"errors": errors}, status_code=status)


def _errors_of(exc: WhynologError) -> list[dict[str, Any]]:
    if isinstance(exc, (InputError, InputErrors)):
        return [
            {
                "file": e.position.path,
                "line": e.position.line,
                "col": e.position.col,
                "message": e.message,
            }
            for e in problems_of(exc)
        ]
    return [{"message": str(exc)}]


@router.post(
    "/simulate",
    summary="Would these emails log?",
    response_description="One verdict object (for one email) or a list (for a list), as "
    "`simulate --format jsonl` writes them",
)
def simulate(
    request: Request,
    emails: Annotated[
        dict[str, Any] | list[dict[str, Any]],
        Body(
            description="An email mapping (from, to, cc, bcc, subject, body, message_id, "
            "date) or a list of them, judged in order",
            examples=[{"from": "alice@acme.com", "to": ["bob@customer.com"], "subject": "Hi"}],
        ),
    ],
) -> Any:
    state = state_of(request)
    many = isinstance(emails, list)
    try:
        verdicts = api.simulate(state.setup, emails if isinstance(emails, list) else [emails])
    except WhynologError as exc:
        return _problem(422, _errors_of(exc))
    dicts = [v.to_dict() for v in verdicts]
    return dicts if many else dicts[0]


@router.post(
    "/diagnose",
    summary="Diagnose an admin log (the request body)",
    response_description="The object `diagnose --format json` writes",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "text/plain": {"schema": {"type": "string"}},
                "text/csv": {"schema": {"type": "string"}},
                "application/x-ndjson": {"schema": {"type": "string"}},
            },
        }
    },
)
async def diagnose(
    request: Request,
    as_of: Annotated[str | None, Query(description="'Now' for the health checks")] = None,
    stale_after: Annotated[str, Query(description="e.g. 24h, 3d")] = "24h",
    log_format: Annotated[str | None, Query(description="text, csv or jsonl")] = None,
) -> Response:
    state = state_of(request)
    data = await request.body()
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    fmt = log_format if log_format in LOG_FORMATS else _BODY_FORMATS.get(kind)
    log = api.LogBytes("<request body>", data)

    def run() -> Response:
        try:
            report = api.diagnose(
                state.setup, log, as_of=as_of, stale_after=stale_after, log_format=fmt
            )
        except ValueError as exc:
            return _problem(422, [{"message": str(exc)}])
        except WhynologError as exc:
            return _problem(422, _errors_of(exc))
        return _json(report.to_dict())

    return await run_in_threadpool(run)


@router.get(
    "/search",
    summary="The admin-log search box over the served log",
    response_description="A list of the objects `search --format jsonl` writes",
)
def search(
    request: Request,
    subject: str | None = None,
    since: str | None = None,
    until: str | None = None,
    outcome: Annotated[list[str] | None, Query()] = None,
    address: str | None = None,
    upload: Annotated[str | None, Query(description="An uploaded log's id")] = None,
) -> Response:
    state = state_of(request)
    try:
        log, uploaded = state.log(upload)
        found = api.search(
            log,
            subject=subject,
            since=since,
            until=until,
            outcomes=outcome or (),
            address=address,
            log_format=uploaded.log_format if uploaded else None,
            pack=state.setup,
        )
        return _json([entry.to_dict() for entry in found])
    except NoLog as exc:
        return _problem(404, [{"message": str(exc)}])
    except ValueError as exc:
        return _problem(422, [{"message": str(exc)}])
    except WhynologError as exc:
        return _problem(422, _errors_of(exc))


@router.get(
    "/rules",
    summary="The rule reference",
    response_description="Each rule in priority order, as `rules --format json` writes it",
)
def rules(request: Request) -> Response:
    state = state_of(request)
    return _json({"pack": state.setup.pack.name, "rules": state.rules})


def _json(value: Any) -> Response:
    """JSON as the CLI writes it (non-ASCII kept, dates as text)."""
    return Response(api.json_line(value), media_type="application/json")
