"""What one ``whynolog serve`` process serves, and how it is guarded."""

from __future__ import annotations

import ipaddress
import secrets
from dataclasses import dataclass
from pathlib import Path

LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})
DEFAULT_MAX_UPLOAD = 20 << 20
"""Uploads (an .eml, a log) and request bodies larger than this are refused (413)."""


def is_local(host: str) -> bool:
    """True for the loopback names and addresses, where only this machine's users connect."""
    name = host.strip("[]").lower()
    if name in LOCAL_HOSTS:
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def new_token() -> str:
    """A fresh access token: 32 random bytes, URL-safe."""
    return secrets.token_urlsafe(32)


@dataclass(frozen=True)
class ServeSettings:
    """The files served and the guard: ``token`` is None only on a loopback host."""

    config: Path | None = None
    rules: Path | None = None
    log: Path | None = None
    host: str = "127.0.0.1"
    port: int = 8000
    token: str | None = None
    max_upload: int = DEFAULT_MAX_UPLOAD

    @classmethod
    def for_host(cls, host: str, token: str | None = None, **fields: object) -> ServeSettings:
        """Settings whose token is ``token``, or a new one when ``host`` is not loopback."""
        if token is None and not is_local(host):
            token = new_token()
        return cls(host=host, token=token, **fields)  # type: ignore[arg-type]

    @property
    def url(self) -> str:
        """The address to open, with the token when one is required (printed once)."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        query = f"?token={self.token}" if self.token else ""
        return f"http://{host}:{self.port}/{query}"
