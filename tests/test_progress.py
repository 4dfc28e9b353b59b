"""The progress bar of long audits: on a terminal only, on stderr only."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from whynolog.cli import logs


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.fixture
def big_log(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setattr(logs, "PROGRESS_BYTES", 10)
    path = tmp_path / "admin.log"
    path.write_text("2026-11-20 10:00:00 Subject: x\nLOG_OK\n", encoding="utf-8")
    return path


def test_a_terminal_sees_progress(big_log: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    terminal = _Terminal()
    monkeypatch.setattr("sys.stderr", terminal)
    batches = [[1, 2, 3], [4, 5]]
    assert list(logs.with_progress(iter(batches), big_log)) == batches
    assert "entries" in terminal.getvalue()


def test_a_pipe_sees_nothing(big_log: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pipe = io.StringIO()
    monkeypatch.setattr("sys.stderr", pipe)
    batches = iter([[1, 2, 3], [4, 5]])
    assert logs.with_progress(batches, big_log) is batches
    assert pipe.getvalue() == ""
