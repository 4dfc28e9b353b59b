"""The pages and the guard, through FastAPI's test client; `whynolog serve` as a process."""

from __future__ import annotations

import html
import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from html.parser import HTMLParser
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from whynolog.cli.app import app
from whynolog.web.app import create_app
from whynolog.web.settings import ServeSettings

PAGES = ("/", "/log", "/diagnose", "/rules", "/config", "/healthz", "/static/web.css")


class _Markup(HTMLParser):
    """Collects what could run: script elements, on* attributes, javascript: URLs."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "script":
            self.found.append("<script>")
        for name, value in attrs:
            if name.startswith("on"):
                self.found.append(f"{tag} {name}=")
            if (value or "").strip().lower().startswith("javascript:"):
                self.found.append(f"{tag} {name}=javascript:")


def active_markup(page: str) -> list[str]:
    parser = _Markup()
    parser.feed(page)
    return parser.found


def verdict_line(page: str) -> str:
    found = re.search(r'id="verdict-line"[^>]*>(.*?)</p>', page, re.S)
    assert found, "no verdict line"
    return " ".join(re.sub(r"<[^>]+>", " ", found.group(1)).split())


@pytest.mark.parametrize("path", [*PAGES, "/no-such-page", "/simulate?from=x"])
def test_every_response_carries_the_security_headers(client: TestClient, path: str) -> None:
    got = client.get(path)
    csp = got.headers["content-security-policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert got.headers["x-content-type-options"] == "nosniff"


def test_pages_answer(client: TestClient) -> None:
    for path in PAGES:
        got = client.get(path)
        assert got.status_code == 200, path
    assert "Acme Corp" in client.get("/config").text
    assert "credentials-invalid" in client.get("/rules").text
    assert "Health: are any emails logging?" in client.get("/diagnose").text


def test_the_form_gives_the_verdict_why_what_to_do_the_fix_and_the_trace(
    client: TestClient,
) -> None:
    got = client.get("/simulate", params={"from": "zoe@acme.com", "to": "pat@customer.com"})
    assert got.status_code == 200
    assert verdict_line(got.text) == "No: this email would not log NOLOG_SENDER_NOT_USER"
    page = html.unescape(got.text)
    assert "zoe@acme.com" in page and "What to do" in page
    assert "verified by the engine" in page  # the fix
    assert "<table" in page  # the trace


def test_a_bad_address_is_shown_beside_its_field(client: TestClient) -> None:
    got = client.get("/simulate", params={"from": "alice@acme.com", "to": "bob at customer"})
    assert got.status_code == 422
    error = re.search(r'<p class="error" id="e-to" role="alert">(.*?)</p>', got.text)
    assert error and "not an email address" in error.group(1)
    assert 'id="f-to" name="to" type="text" value="bob at customer"' in got.text
    assert 'aria-invalid="true"' in got.text


def test_a_shared_link_without_a_sender_asks_for_one(client: TestClient) -> None:
    got = client.get("/simulate?to=alice%40acme.com&subject=Hello")
    assert got.status_code == 422
    error = re.search(r'<p class="error" id="e-from" role="alert">(.*?)</p>', got.text)
    assert error and "sender" in error.group(1)


def test_an_unreadable_eml_is_shown_beside_the_upload(client: TestClient) -> None:
    got = client.post("/simulate", files={"eml": ("x.eml", b"\x00\x01 binary junk")})
    assert got.status_code == 422
    assert re.search(r'<p class="error" id="e-eml" role="alert">.+</p>', got.text)


def test_pasted_headers_give_a_shareable_link_to_the_same_result(client: TestClient) -> None:
    headers = "From: Pat Buyer <pat@customer.com>\nTo: alice@acme.com\nSubject: Out of office"
    got = client.post("/simulate", data={"headers": headers})
    assert got.status_code == 200
    link = html.unescape(re.search(r'id="share" type="text" readonly value="([^"]+)"', got.text)[1])
    assert link.startswith("http://127.0.0.1/simulate?")
    again = client.get(link)
    assert verdict_line(again.text) == verdict_line(got.text)
    assert "NOLOG_CONTENT" in verdict_line(again.text)


def test_an_eml_upload_is_judged_and_its_name_is_not_trusted(
    client: TestClient, starter: Path
) -> None:
    data = (starter / "emails" / "welcome.eml").read_bytes()
    got = client.post("/simulate", files={"eml": ("../../../etc/passwd", data)})
    assert got.status_code == 200
    assert verdict_line(got.text).startswith(("Yes", "No"))
    assert "passwd" not in got.text


def test_the_log_search_pages_and_links_each_entry_to_its_why(
    hostile: ServeSettings,
) -> None:
    client = TestClient(create_app(hostile), base_url="http://127.0.0.1")
    first = client.get("/log", params={"subject": "Re:"})
    assert "60 of 60 entries match" in first.text
    assert "page 1 of 2" in first.text
    later = html.unescape(re.search(r'<a href="([^"]+)" rel="next">', first.text)[1])
    second = client.get(later)
    assert "page 2 of 2" in second.text
    why = html.unescape(re.search(r'<a href="(/why\?[^"]+)"[^>]*>why\?</a>', second.text)[1])
    explained = client.get(why)
    assert explained.status_code == 200
    assert "LOG_OK" in explained.text


def test_a_bad_search_value_is_shown_beside_its_field(client: TestClient) -> None:
    got = client.get("/log", params={"since": "yesterday-ish"})
    assert got.status_code == 422
    assert re.search(r'<p class="error" id="e-since" role="alert">.*yesterday-ish', got.text)


def test_an_uploaded_log_is_searched_and_diagnosed(client: TestClient, starter: Path) -> None:
    data = (starter / "admin.log").read_bytes()
    sent = client.post("/log", files={"log": ("my.log", data)}, follow_redirects=False)
    assert sent.status_code == 303
    shown = client.get(sent.headers["location"])
    assert re.search(r"\d+ of \d+ entries match", shown.text)
    sent = client.post(
        "/log", files={"log": ("my.log", data)}, data={"to": "/diagnose"}, follow_redirects=False
    )
    assert sent.headers["location"].startswith("/diagnose?upload=")
    assert "Predicted vs logged" in client.get(sent.headers["location"]).text
    assert "no longer kept" in client.get("/log", params={"upload": "nope"}).text


def test_uploads_past_the_limit_are_refused(starter: Path) -> None:
    settings = ServeSettings(config=starter / "org.yaml", max_upload=1 << 20)
    client = TestClient(create_app(settings), base_url="http://127.0.0.1")
    big = b"x" * ((1 << 20) + 1)
    assert client.post("/api/diagnose", content=big).status_code == 413
    assert client.post("/log", files={"log": ("big.log", big)}).status_code == 413


def test_the_app_is_read_only(client: TestClient) -> None:
    for method in ("PUT", "DELETE", "PATCH"):
        assert client.request(method, "/config").status_code == 405


def test_script_payloads_are_escaped_on_every_page(
    hostile: ServeSettings, payloads: tuple[str, ...]
) -> None:
    client = TestClient(create_app(hostile), base_url="http://127.0.0.1")
    pages = [
        client.get("/log", params={"subject": "Re:"}),
        client.get("/log", params={"subject": "Re:", "page": 2}),
        client.get("/why", params={"subject": payloads[0]}),
        client.get("/diagnose", params={"as_of": "2026-11-21"}),
        client.get("/config"),
        client.get(
            "/simulate",
            params={
                "from": f'"{payloads[0]}" <x@acme.com>',
                "to": "b@c.com",
                "subject": payloads[1],
            },
        ),
        client.get("/simulate", params={"from": payloads[2], "subject": payloads[4]}),
    ]
    for got in pages:
        assert got.status_code in (200, 422), got.url
        for payload in payloads:
            if payload.startswith("javascript:"):
                assert 'href="javascript:' not in got.text
                continue
            assert payload not in got.text, (got.url, payload)
        assert active_markup(got.text) == [], got.url


def test_a_local_server_answers_only_to_local_host_names(starter: Path) -> None:
    app = create_app(ServeSettings(config=starter / "org.yaml"))
    assert TestClient(app, base_url="http://localhost:8000").get("/").status_code == 200
    rebound = TestClient(app, base_url="http://attacker.example:8000")
    assert rebound.get("/").status_code == 400


def test_beyond_loopback_the_token_is_required(starter: Path) -> None:
    settings = ServeSettings.for_host("0.0.0.0", config=starter / "org.yaml")
    assert settings.token and settings.url.endswith(f"?token={settings.token}")
    client = TestClient(create_app(settings), base_url="http://192.0.2.1:8000")
    assert client.get("/").status_code == 401
    assert client.get("/api/rules").status_code == 401
    assert client.get("/", params={"token": "wrong"}).status_code == 401
    assert client.get("/healthz").status_code == 200  # a liveness probe, nothing private
    bearer = {"Authorization": f"Bearer {settings.token}"}
    assert client.get("/api/rules", headers=bearer).status_code == 200
    opened = client.get("/", params={"token": settings.token})
    assert opened.status_code == 200
    assert "HttpOnly" in opened.headers["set-cookie"]
    assert client.get("/config").status_code == 200  # the cookie now carries the token


def test_serve_on_a_public_host_prints_the_token_once_and_demands_it(starter: Path) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    command = [
        sys.executable,
        "-m",
        "whynolog",
        "serve",
        "--config",
        str(starter / "org.yaml"),
        "--host",
        "0.0.0.0",
        "--port",
        str(port),
    ]
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    env.pop("WHYNOLOG_TOKEN", None)
    with subprocess.Popen(command, stderr=subprocess.PIPE, text=True, env=env) as server:
        try:
            assert server.stderr is not None
            line = server.stderr.readline()
            found = re.search(r"open (http://0\.0\.0\.0:\d+/\?token=(\S+))", line)
            assert found, line
            base = f"http://127.0.0.1:{port}"
            assert _status(f"{base}/") == 401
            assert _status(f"{base}/?token=wrong") == 401
            assert _status(f"{base}/?token={found[2]}") == 200
            assert _status(f"{base}/config") == 401  # no cookie kept by this client
        finally:
            server.terminate()


def _status(url: str) -> int:
    """The HTTP status of ``url``, waiting (up to 20 s) for the server to listen."""
    for _ in range(200):
        try:
            with urllib.request.urlopen(url, timeout=5) as answer:
                return int(answer.status)
        except urllib.error.HTTPError as exc:
            exc.close()
            return exc.code
        except urllib.error.URLError:
            time.sleep(0.1)
    raise AssertionError(f"{url}: no answer")


def test_concurrent_requests_get_the_answers_of_sequential_ones(live_app: str) -> None:
    """Requests run in a thread pool on one shared setup: 16 at once answer as one at a time."""
    from concurrent.futures import ThreadPoolExecutor

    emails = [
        {"from": "zoe@acme.com", "to": ["pat@customer.com"], "subject": "one"},
        {"from": "pat@customer.com", "to": ["alice@acme.com"], "subject": "two"},
        {"from": "alice@acme.com", "to": ["dan@acme.com"], "subject": "three"},
        {"from": "pat@customer.com", "to": ["alice@acme.com"], "subject": "Out of office"},
    ]

    def post(email: dict[str, object]) -> str:
        request = urllib.request.Request(
            f"{live_app}/api/simulate",
            data=json.dumps(email).encode(),
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=120) as answer:
            return str(json.load(answer)["outcome"])

    alone = [post(email) for email in emails]
    with ThreadPoolExecutor(16) as pool:
        together = list(pool.map(post, emails * 8))
    assert together == alone * 8
    assert len(set(alone)) == 4


def test_the_configuration_page_shows_what_lint_finds(tmp_path: Path, starter: Path) -> None:
    config = tmp_path / "org.yaml"
    text = (starter / "org.yaml").read_text(encoding="utf-8")
    config.write_text(text.replace("emails: [carol@acme.com]", "emails: [ALICE@acme.com]"))
    client = TestClient(create_app(ServeSettings(config=config)), base_url="http://127.0.0.1")
    page = html.unescape(client.get("/config").text)
    line = text.splitlines().index("    emails: [carol@acme.com]") + 1
    assert f"{config}:{line}:" in page
    assert "alice@acme.com" in page.lower()
    clean = TestClient(
        create_app(ServeSettings(config=starter / "org.yaml")), base_url="http://127.0.0.1"
    )
    assert "the configuration and the rule pack pass lint" in clean.get("/config").text


def _section(page: str, heading: str) -> str:
    found = re.search(rf'<h2 id="{heading}">.*?</table>', page, re.S)
    assert found, f"no {heading} section"
    return found.group(0)


def test_the_diagnosis_page_shows_what_the_html_report_shows(
    client: TestClient, starter: Path
) -> None:
    """The page keeps no entry rows (a big log would fill the server's memory), yet lists
    the same entries, mismatches and rejected lines as ``diagnose --format html``."""
    log, config = str(starter / "admin.log"), str(starter / "org.yaml")
    cli = CliRunner().invoke(
        app, ["diagnose", log, "-c", config, "--format", "html", "--as-of", "2026-11-21"]
    )
    page = client.get("/diagnose", params={"as_of": "2026-11-21"}).text
    for heading in ("entries", "rejected"):
        assert _section(page, heading) == _section(cli.output, heading)
