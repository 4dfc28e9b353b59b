"""Linear-time regexes (RE2): configuration regexes run on hostile email text."""

from __future__ import annotations

from functools import cache
from typing import Any

import re2

_UNSUPPORTED = (
    ("(?=", "lookahead (?=...)"),
    ("(?!", "negative lookahead (?!...)"),
    ("(?<=", "lookbehind (?<=...)"),
    ("(?<!", "negative lookbehind (?<!...)"),
    ("(?>", "atomic group (?>...)"),
    ("(?P=", "named backreference (?P=...)"),
)


@cache
def regex_options() -> Any:
    options = re2.Options()
    options.case_sensitive = False
    options.log_errors = False
    return options


def check_regex(pattern: str) -> str | None:
    """Why RE2 cannot run ``pattern`` (naming the unsupported feature), or None."""
    try:
        re2.compile(pattern, options=regex_options())
    except re2.error as exc:
        for marker, feature in _UNSUPPORTED:
            if marker in pattern:
                return f"the linear-time regex engine does not support {feature}"
        detail = exc.args[0].decode() if exc.args and isinstance(exc.args[0], bytes) else str(exc)
        if "invalid escape sequence: \\" in detail and detail[-1:].isdigit():
            return "the linear-time regex engine does not support backreferences (\\1)"
        return f"invalid regex: {detail}"
    return None
