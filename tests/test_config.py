"""Loading org.yaml: valid files load; every mistake names its file, line and column."""

from __future__ import annotations

import dataclasses
import pickle
from pathlib import Path

import pytest

from whynolog.engine.base.errors import InputError, InputErrors
from whynolog.engine.read.config import load_config

STARTER = Path(__file__).parents[1] / "cli" / "starter" / "org.yaml"


def _write(tmp_path: Path, text: str) -> str:
    path = tmp_path / "org.yaml"
    path.write_text(text, encoding="utf-8")
    return str(path)


def _errors(path: str) -> list[str]:
    with pytest.raises((InputError, InputErrors)) as info:
        load_config(path)
    exc = info.value
    errors = exc.errors if isinstance(exc, InputErrors) else [exc]
    return [str(e) for e in errors]


def test_starter_configuration_loads() -> None:
    config = load_config(str(STARTER))
    assert config.name == "Acme Corp"
    assert config.internal_domains == ("acme.com", "acme.co.uk")
    alice = config.users[0]
    assert alice.emails == ("alice@acme.com", "asmith@acme.co.uk")
    assert alice.ignore == ("bob@gmail.com", "@competitor.com")
    assert [u.active for u in config.users] == [True, True, False, True]
    assert config.credentials_valid
    assert config.last_verified is not None and config.last_verified.tzinfo is not None
    assert [f.name for f in config.content_filters] == ["out-of-office", "newsletters"]


def test_unknown_key_is_named_with_a_suggestion(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "organization:\n  name: A\nusers:\n  - name: B\n    emails: [b@a.com]\n"
        "    ignores: [x@y.com]\n",
    )
    (error,) = _errors(path)
    assert error.startswith(f"{path}:6:5: ")
    assert "unknown key 'ignores'" in error and "did you mean 'ignore'" in error


def test_wrong_type_points_at_the_value(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "organization:\n  name: A\nusers:\n  - name: B\n    emails: [b@a.com]\n    active: maybe\n",
    )
    (error,) = _errors(path)
    assert error.startswith(f"{path}:6:13: ")
    assert "expected boolean" in error


def test_user_without_emails(tmp_path: Path) -> None:
    path = _write(tmp_path, "organization:\n  name: A\nusers:\n  - name: B\n    emails: []\n")
    (error,) = _errors(path)
    assert error.startswith(f"{path}:5:13: ") and "must not be empty" in error


def test_user_missing_emails_key(tmp_path: Path) -> None:
    path = _write(tmp_path, "organization:\n  name: A\nusers:\n  - name: B\n")
    (error,) = _errors(path)
    assert error.startswith(f"{path}:4:5: ") and "'emails' is required" in error


def test_bad_regex_names_the_unsupported_feature(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "organization:\n  name: A\ncontent_filters:\n  - name: echo\n"
        "    regex: '(a)\\1'\n  - name: look\n    regex: 'x(?=y)'\n"
        "  - name: broken\n    regex: '(unclosed'\n",
    )
    errors = _errors(path)
    assert errors[0].startswith(f"{path}:5:13: ") and "backreferences" in errors[0]
    assert errors[1].startswith(f"{path}:7:13: ") and "lookahead" in errors[1]
    assert errors[2].startswith(f"{path}:9:13: ") and "invalid regex" in errors[2]


def test_yaml_syntax_error_has_position(tmp_path: Path) -> None:
    path = _write(tmp_path, "organization:\n  name: [A\nusers: []\n")
    (error,) = _errors(path)
    assert error.startswith(f"{path}:3:") and "YAML syntax error" in error


def test_filter_needs_exactly_one_pattern(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "organization:\n  name: A\ncontent_filters:\n  - name: both\n"
        "    contains: x\n    regex: y\n",
    )
    (error,) = _errors(path)
    assert error.startswith(f"{path}:4:5: ") and "exactly one of: contains, regex" in error


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "empty configuration"),
        ("- just\n- a list\n", "must be a mapping"),
        ("users: []\n", "'organization' is required"),
    ],
)
def test_wrong_shapes(tmp_path: Path, text: str, message: str) -> None:
    (error,) = _errors(_write(tmp_path, text))
    assert message in error


def test_binary_and_non_utf8_files(tmp_path: Path) -> None:
    path = tmp_path / "org.yaml"
    path.write_bytes(b"organization:\n  name: \xff\xfe\n")
    (error,) = _errors(str(path))
    assert error.startswith(f"{path}:2:9: ") and "not UTF-8" in error
    path.write_bytes(b"organization:\x00\x01")
    (error,) = _errors(str(path))
    assert "binary data" in error


def test_missing_file() -> None:
    (error,) = _errors("/nonexistent/org.yaml")
    assert error == "/nonexistent/org.yaml: no such file"


def test_a_value_yaml_cannot_build_is_an_error_with_position(tmp_path: Path) -> None:
    path = _write(tmp_path, "organization:\n  name: A\nintegration:\n  last_verified: 2026-02-30\n")
    (error,) = _errors(path)
    assert error.startswith(f"{path}:4:18: invalid value '2026-02-30'")


def test_a_configuration_pickles_whole(tmp_path: Path) -> None:
    """Users travel as rows: they come back equal, positions and all, and still frozen."""
    config = load_config(str(STARTER))
    again = pickle.loads(pickle.dumps(config))
    assert again == config and again.path == config.path
    assert [u.position for u in again.users] == [u.position for u in config.users]
    assert [dataclasses.astuple(u) for u in again.users] == [
        dataclasses.astuple(u) for u in config.users
    ]
    assert list(vars(again)) == list(vars(config))
    with pytest.raises(dataclasses.FrozenInstanceError):
        again.users[0].name = "Someone"  # type: ignore[misc]
    assert hash(again.users[0]) == hash(config.users[0])
