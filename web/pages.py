"""The HTML pages: server-rendered, usable without JavaScript, every value escaped."""

from __future__ import annotations

import math
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, File, Form, Query, Request, UploadFile
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from whynolog import api
from whynolog.api import InputError, InputErrors, WhynologError, problems_of
from whynolog.reports.data import with_charts
from whynolog.web.forms import (
    email_mapping,
    field_errors,
    form_values,
    share_link,
    values_of_email,
)
from whynolog.web.state import NoLog, WebState, state_of
from whynolog.web.uploads import UploadTooLarge, format_of, read_upload, shown_name

router = APIRouter(include_in_schema=False)
PAGE_SIZE = 50
"""Log entries per page of /log."""


# --- would this email log? -------------------------------------------------------------


@router.get("/")
def home(request: Request) -> Response:
    return state_of(request).page(
        "home.html.j2", form=form_values({}), errors={}, verdict=None, pasted=""
    )


@router.get("/simulate")
def simulate_link(request: Request) -> Response:
    """The shareable result: the email in the query string."""
    values = form_values(request.query_params)
    if not any(values.values()):
        return RedirectResponse("/", status_code=303)
    return _judge_and_show(request, values, email_mapping(values))


@router.post("/simulate")
async def simulate_upload(
    request: Request,
    headers: Annotated[str, Form()] = "",
    eml: Annotated[UploadFile | None, File()] = None,
) -> Response:
    """The result for pasted headers or an uploaded .eml."""
    state = state_of(request)
    pasted = headers.strip()
    field = "headers" if pasted else "eml"
    data = pasted.encode("utf-8") if pasted else b""
    if not pasted and eml is not None and eml.filename:
        try:
            data = await read_upload(eml, state.settings.max_upload)
        except UploadTooLarge as exc:
            return _form_error(state, "eml", str(exc), pasted)
    if not data.strip():
        return _form_error(
            state, "headers", "Paste the email's headers here, or choose an .eml file.", pasted
        )
    if pasted and b"\n\n" not in data.replace(b"\r\n", b"\n"):
        data += b"\n\n"  # headers alone: an empty body follows
    return await run_in_threadpool(_judge_bytes, request, field, data, pasted)


def _judge_bytes(request: Request, field: str, data: bytes, pasted: str) -> Response:
    state = state_of(request)
    try:
        emails = api.read_emails("-", stdin=data)
    except (InputError, InputErrors) as exc:
        message = "; ".join(_where(e) for e in problems_of(exc))
        return _form_error(state, field, message, pasted)
    if not emails:
        return _form_error(state, field, "No email found in it.", pasted)
    email = emails[0]
    values = values_of_email(email.to_dict(), email.sender_display, email.body)
    return _judge_and_show(request, values, email, pasted=pasted)


def _where(error: InputError) -> str:
    line = error.position.line
    return f"Line {line}: {error.message}" if line else error.message


def _judge_and_show(
    request: Request, values: dict[str, str], email: Any, pasted: str = ""
) -> Response:
    state = state_of(request)
    try:
        [verdict] = api.simulate(state.setup, [email])
    except (InputError, InputErrors) as exc:
        errors = field_errors([e.message for e in problems_of(exc)])
        return state.page(
            "home.html.j2", 422, form=values, errors=errors, verdict=None, pasted=pasted
        )
    url, note = share_link(values)
    outcome = state.setup.pack.outcome(verdict.outcome)  # what the code means: the pack says
    return state.page(
        "home.html.j2",
        form=values,
        errors={},
        verdict=verdict.to_dict(),
        logs=outcome.logged,
        meaning=outcome.meaning,
        share_url=str(request.base_url).rstrip("/") + url,
        share_note=note,
        pasted=pasted,
    )


def _form_error(state: WebState, field: str, message: str, pasted: str) -> Response:
    return state.page(
        "home.html.j2",
        422,
        form=form_values({}),
        errors={field: message},
        verdict=None,
        pasted=pasted,
    )


# --- the admin log -----------------------------------------------------------------------


@router.get("/log")
def log_page(
    request: Request,
    subject: str = "",
    since: str = "",
    until: str = "",
    outcome: str = "",
    address: str = "",
    upload: str = "",
    page: Annotated[int, Query(ge=1, le=1_000_000)] = 1,
) -> Response:
    """The search box over the served or uploaded log, a page of matches at a time."""
    state = state_of(request)
    query = {"subject": subject, "since": since, "until": until, "outcome": outcome}
    query["address"] = address
    shown: dict[str, Any] = {"query": query, "upload": upload, "errors": {}, "rows": None}
    try:
        log, uploaded = state.log(upload or None)
    except NoLog as exc:
        return state.page("logsearch.html.j2", **shown, log_name=None, log_error=str(exc))
    try:
        found = api.search(
            log,
            subject=subject or None,
            since=since or None,
            until=until or None,
            outcomes=[outcome] if outcome else (),
            address=address or None,
            log_format=uploaded.log_format if uploaded else None,
            pack=state.setup,
        )
    except ValueError as exc:
        shown["errors"] = _search_errors(str(exc))
        return state.page("logsearch.html.j2", 422, **shown, log_name=str(log), log_error=None)
    rows: list[dict[str, Any]] = []
    first = (page - 1) * PAGE_SIZE
    try:
        for number, entry in enumerate(found):
            if first <= number < first + PAGE_SIZE:
                rows.append(_row(entry, upload))
    except WhynologError as exc:
        return state.page(
            "logsearch.html.j2", 422, **shown, log_name=str(log), log_error=_plain_error(exc)
        )
    pages = max(1, math.ceil(found.matched / PAGE_SIZE))
    base = {k: v for k, v in {**query, "upload": upload}.items() if v}
    return state.page(
        "logsearch.html.j2",
        **{**shown, "rows": rows},
        log_name=str(log),
        log_error=None,
        page=page,
        pages=pages,
        matched=found.matched,
        searched=found.searched,
        rejected_count=found.rejected_count,
        rejected=[r.to_dict() for r in found.rejected],
        previous=f"/log?{urlencode({**base, 'page': page - 1})}" if page > 1 else None,
        next=f"/log?{urlencode({**base, 'page': page + 1})}" if page < pages else None,
    )


def _row(entry: Any, upload: str) -> dict[str, Any]:
    when = entry.time.strftime("%Y-%m-%d %H:%M:%S")
    moment = entry.time.strftime("%Y-%m-%dT%H:%M:%SZ")
    why = {"subject": entry.subject, "since": moment, "until": moment}
    if upload:
        why["upload"] = upload
    return {**entry.to_dict(), "when": when, "why": "/why?" + urlencode(why)}


def _search_errors(message: str) -> dict[str, str]:
    """A bad search value beside its field."""
    text = message[:1].upper() + message[1:]
    if "address" in message:
        return {"address": text}
    if "--since" in message or "until" in message:
        return {"until": text.replace("--since", "From").replace("--until", "to")}
    return {"since": text}


def _plain_error(exc: WhynologError) -> str:
    if isinstance(exc, InputErrors):
        return "; ".join(_where(e) for e in exc.errors)
    if isinstance(exc, InputError):
        return _where(exc)
    return str(exc)


@router.post("/log")
async def log_upload(
    request: Request,
    log: Annotated[UploadFile | None, File()] = None,
    log_format: Annotated[str, Form()] = "auto",
    to: Annotated[str, Form()] = "/log",
) -> Response:
    """Keep an uploaded log (in memory) and show it: searched, or diagnosed."""
    state = state_of(request)
    target = "/diagnose" if to == "/diagnose" else "/log"
    template = "diagnose_upload.html.j2" if target == "/diagnose" else "logsearch.html.j2"
    empty: dict[str, Any] = {"query": {}, "upload": "", "errors": {}, "rows": None}
    if log is None or not log.filename:
        return state.page(
            template,
            422,
            **empty,
            log_name=None,
            log_error=None,
            upload_error="Choose an admin-log file to upload.",
        )
    try:
        data = await read_upload(log, state.settings.max_upload)
    except UploadTooLarge as exc:
        return state.page(
            template, 413, **empty, log_name=None, log_error=None, upload_error=str(exc)
        )
    kept = state.uploads.add(shown_name(log.filename), format_of(log.filename, log_format), data)
    return RedirectResponse(f"{target}?{urlencode({'upload': kept.id})}", status_code=303)


@router.get("/why")
def why_page(
    request: Request, subject: str = "", since: str = "", until: str = "", upload: str = ""
) -> Response:
    """The why of log entries (by subject, and time when linked from the log)."""
    state = state_of(request)
    if not subject.strip():
        return RedirectResponse("/log", status_code=303)
    try:
        log, uploaded = state.log(upload or None)
        data = api.why(
            state.setup,
            log,
            subject=subject,
            since=since or None,
            until=until or None,
            log_format=uploaded.log_format if uploaded else None,
        )
    except NoLog as exc:
        return state.page("problem.html.j2", 404, heading="No admin log", message=str(exc))
    except ValueError as exc:
        return state.page("problem.html.j2", 422, heading="Not a date or time", message=str(exc))
    except WhynologError as exc:
        return state.page(
            "problem.html.j2", 422, heading="The log cannot be read", message=_plain_error(exc)
        )
    return state.page("why.html.j2", **data.to_dict())


# --- diagnosis, rules, configuration -------------------------------------------------------


@router.get("/diagnose")
def diagnose_page(
    request: Request, upload: str = "", as_of: str = "", stale_after: str = "24h"
) -> Response:
    """The diagnosis report of the served or uploaded log, computed now."""
    state = state_of(request)
    options = {"upload": upload, "as_of": as_of, "stale_after": stale_after}
    try:
        log, uploaded = state.log(upload or None)
    except NoLog as exc:
        return state.page("diagnose_upload.html.j2", log_error=str(exc), upload_error=None)
    try:
        stream = api.diagnose_stream(
            state.setup,
            log,
            as_of=as_of or None,
            stale_after=stale_after or "24h",
            log_format=uploaded.log_format if uploaded else None,
            rows="none",  # the page shows the summary: a big log's rows are never held
        )
        for _ in stream:
            pass
        report = stream.report()
    except ValueError as exc:
        field = "as_of" if "stale" not in str(exc) and "duration" not in str(exc) else "stale_after"
        return state.page(
            "diagnose_upload.html.j2",
            422,
            log_error=None,
            upload_error=None,
            options=options,
            errors={field: str(exc)},
        )
    except WhynologError as exc:
        return state.page(
            "diagnose_upload.html.j2", 422, log_error=_plain_error(exc), upload_error=None
        )
    data = {**with_charts(report.summary, as_images=True), "redacted": False}  # the CSP: images
    return state.page("diagnose_page.html.j2", **data, options=options, errors={})


@router.get("/rules")
def rules_page(request: Request) -> Response:
    state = state_of(request)
    return state.page("rulebook.html.j2", rules=state.rules)


@router.get("/config")
def config_page(request: Request) -> Response:
    """The configuration at a glance, with what lint finds in it and in the rule pack."""
    state = state_of(request)
    config = state.setup.config
    users = config.users
    return state.page(
        "configuration.html.j2",
        config=config,
        users=users[:USERS_SHOWN],
        user_count=len(users),
        active_count=sum(1 for u in users if u.active),
        problems=state.problems,
    )


USERS_SHOWN = 200
"""Users listed on /config (all are counted)."""


@router.get("/healthz", include_in_schema=True)
def healthz() -> dict[str, str]:
    """Liveness: the app answers (no token needed, nothing private)."""
    return {"status": "ok"}


@router.get("/static/report.css")
def report_css(request: Request) -> Response:
    """The reports' own stylesheet, shared by every page."""
    css = state_of(request).env.get_template("report.css.j2").render()
    return Response(css, media_type="text/css")
