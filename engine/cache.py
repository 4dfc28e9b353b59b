"""A small on-disk cache of loaded files, keyed by the hash of their bytes.

Admins run whynolog many times an hour against the same configuration; a
2,000-user file takes longer to validate than the whole judgement. What
loaded cleanly is pickled under ``$WHYNOLOG_CACHE_DIR`` (default
``~/.cache/whynolog``) and reused while the bytes, and whynolog's version,
are the same. Errors are never cached. ``WHYNOLOG_NO_CACHE=1`` turns it off;
any problem with the cache itself just means loading afresh.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

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
    if os.environ.get("WHYNOLOG_NO_CACHE"):
        return load()
    digest = hashlib.sha256(f"{kind}\0{__version__}\0".encode() + raw).hexdigest()
    path = cache_dir() / f"{kind}-{digest}.pickle"
    try:
        with path.open("rb") as handle:
            return pickle.load(handle)  # type: ignore[no-any-return]
    except Exception:  # a missing, stale or unreadable cache entry: load afresh
        pass
    value = load()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path.parent, delete=False) as handle:
            pickle.dump(value, handle, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(handle.name, path)
    except OSError:
        pass  # a read-only home is fine: the cache is only a shortcut
    return value
