"""A small on-disk cache of loaded files, keyed by the hash of their bytes.

Admins run whynolog many times an hour against the same configuration; a
2,000-user file takes longer to validate than the whole judgement. What
loaded cleanly is pickled under ``$WHYNOLOG_CACHE_DIR`` (default
``~/.cache/whynolog``) and reused while the bytes and the installed copy of
whynolog (its version, and when it was installed) are the same. Errors are
never cached. The rule engine keeps its decisions for a rule pack here too
(:func:`remember`). ``WHYNOLOG_NO_CACHE=1`` turns it off; any problem with
the cache itself just means loading afresh.
"""

from __future__ import annotations

import functools
import gc
import hashlib
import os
import pickle
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from whynolog import __version__

T = TypeVar("T")


def cache_dir() -> Path:
    """Where cached loads live."""
    configured = os.environ.get("WHYNOLOG_CACHE_DIR")
    if configured:
        return Path(configured)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "whynolog"


def cached(kind: str, raw: bytes, load: Callable[[], T]) -> T:
    """``load()``, or its remembered result for these exact bytes."""
    found = remembered(kind, raw)
    if found is not None:
        return found  # type: ignore[no-any-return]
    value = load()
    remember(kind, raw, value)
    return value


def remembered(kind: str, raw: bytes) -> Any:
    """What :func:`remember` kept for ``kind`` and these bytes, or None."""
    if os.environ.get("WHYNOLOG_NO_CACHE"):
        return None
    try:
        with _path(kind, raw).open("rb") as handle:
            data = handle.read()
    except OSError:  # nothing remembered
        return None
    # Unpickling builds every object of a configuration at once, none of them garbage: the
    # collector would walk them all again and again (a 20,000-user file loads several times faster).
    collecting = gc.isenabled()
    gc.disable()
    try:
        return pickle.loads(data)
    except Exception:  # a stale or unreadable cache entry: nothing remembered
        return None
    finally:
        if collecting:
            gc.enable()


def remember(kind: str, raw: bytes, value: Any) -> None:
    """Keep ``value`` for ``kind`` and these bytes (atomically; quietly not when impossible)."""
    if os.environ.get("WHYNOLOG_NO_CACHE"):
        return
    path = _path(kind, raw)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path.parent, delete=False) as handle:
            pickle.dump(value, handle, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(handle.name, path)
    except OSError:
        pass  # a read-only home is fine: the cache is only a shortcut


def _path(kind: str, raw: bytes) -> Path:
    digest = hashlib.sha256(f"{kind}\0{_installed()}\0".encode() + raw).hexdigest()
    return cache_dir() / f"{kind}-{digest}.pickle"


@functools.cache
def _installed() -> str:
    """This copy of whynolog: its version and when this module was written. Two builds of one
    version (installed from the repository) may pickle differently; an install rewrites it."""
    try:
        written = Path(__file__).stat().st_mtime_ns
    except OSError:
        written = 0
    return f"{__version__}\0{written}"
