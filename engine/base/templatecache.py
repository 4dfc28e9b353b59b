"""Jinja's on-disk cache of compiled templates, kept beside the load cache.

Compiling a template takes longer than judging an email, so a cold start loads
templates compiled. Jinja checks each entry against the template's source, and
against its own and Python's versions.
"""

from __future__ import annotations

import os
from typing import Any

import jinja2

from whynolog.engine.base.cache import cache_dir


class _QuietBytecodeCache(jinja2.FileSystemBytecodeCache):
    """A cache that cannot be written is skipped."""

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        try:
            os.makedirs(self.directory, exist_ok=True)
            super().dump_bytecode(bucket)
        except OSError:
            pass  # a read-only home is fine: the cache is only a shortcut


def compiled_templates(kind: str) -> jinja2.BytecodeCache | None:
    """Where templates of ``kind`` are kept compiled (None when caching is off).

    One folder per kind, as each kind's environment compiles with its own settings.
    """
    if os.environ.get("WHYNOLOG_NO_CACHE"):
        return None
    return _QuietBytecodeCache(str(cache_dir() / f"templates-{kind}"))


def from_source(env: jinja2.Environment, kind: str, source: str) -> Any:
    """``env.from_string(source)``, loaded compiled when ``kind``'s cache has it."""
    cache = compiled_templates(kind)
    if cache is None:
        return env.from_string(source)
    # Keyed by the source itself: the same text compiles to the same code in ``kind``.
    bucket = cache.get_bucket(env, kind, source, source)
    if bucket.code is None:
        bucket.code = env.compile(source)
        cache.set_bucket(bucket)
    return env.template_class.from_code(env, bucket.code, env.make_globals(None), None)
