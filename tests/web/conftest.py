"""Fixtures of the web tests: the starter kit served, hostile input, a live server."""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from fastapi.testclient import TestClient

from whynolog.web.app import create_app
from whynolog.web.settings import ServeSettings

STARTER = Path(__file__).parents[2] / "cli" / "starter"
LOCAL = "http://127.0.0.1"

# Script payloads that must never run or reach the DOM as markup.
PAYLOADS = (
    "<script>document.title='pwned'</script>",
    '"><img src=x onerror="document.title=\'pwned\'">',
    "<svg onload=\"document.title='pwned'\"></svg>",
    "javascript:document.title='pwned'",
    "</textarea><script>document.title='pwned'</script>",
)


def hostile_log(path: Path, count: int = 1) -> Path:
    """An admin log whose subjects and recorded participants carry every payload."""
    entries = []
    for n in range(count):
        for i, payload in enumerate(PAYLOADS):
            entries.append(
                f"2026-11-20 1{i}:0{n % 10}:00 Subject: Re: {payload}\n"
                f"From: bob@customer.com\nTo: alice@acme.com\n"
                f"Message-ID: <h{n}-{i}@customer.com>\nLOG_OK\n"
            )
    path.write_text("\n".join(entries), encoding="utf-8")
    return path


def hostile_config(path: Path) -> Path:
    """The starter configuration with a user and a filter named by payloads."""
    data = yaml.safe_load((STARTER / "org.yaml").read_text(encoding="utf-8"))
    data["users"].append({"name": PAYLOADS[0], "emails": ["mallory@acme.com"]})
    data["content_filters"].append({"name": PAYLOADS[1], "field": "subject", "contains": "zzz"})
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextlib.contextmanager
def live_server(asgi: object, port: int) -> Iterator[str]:
    """A real uvicorn serving ``asgi`` on 127.0.0.1:``port`` in a thread, for a browser."""
    import uvicorn

    server = uvicorn.Server(
        uvicorn.Config(asgi, host="127.0.0.1", port=port, log_level="warning")  # type: ignore[arg-type]
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    for _ in range(200):  # started within 10 s, or the test fails below
        if server.started:
            break
        time.sleep(0.05)
    try:
        assert server.started, "uvicorn did not start"
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@pytest.fixture
def starter() -> Path:
    return STARTER


@pytest.fixture
def payloads() -> tuple[str, ...]:
    return PAYLOADS


@pytest.fixture
def client() -> TestClient:
    """The app on the starter kit, its log served, as a local client sees it."""
    settings = ServeSettings(config=STARTER / "org.yaml", log=STARTER / "admin.log")
    return TestClient(create_app(settings), base_url=LOCAL)


@pytest.fixture
def hostile(tmp_path: Path) -> ServeSettings:
    """Settings serving a hostile configuration and log (60 entries: two pages)."""
    return ServeSettings(
        config=hostile_config(tmp_path / "org.yaml"),
        log=hostile_log(tmp_path / "admin.log", count=12),
    )


@pytest.fixture(scope="module")
def live_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The app on a hostile configuration and log, in a real uvicorn on 127.0.0.1."""
    folder = tmp_path_factory.mktemp("served")
    settings = ServeSettings(
        config=hostile_config(folder / "org.yaml"),
        log=hostile_log(folder / "admin.log", count=12),
        port=free_port(),
    )
    with live_server(create_app(settings), settings.port) as url:
        yield url
