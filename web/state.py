"""What every request of one ``serve`` process shares: the setup, templates, uploads."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import jinja2
from starlette.requests import Request
from starlette.responses import HTMLResponse

from whynolog import __version__, api
from whynolog.reports.render import html_environment
from whynolog.web.settings import ServeSettings
from whynolog.web.uploads import LogUpload, UploadStore


class NoLog(LookupError):
    """The page needs an admin log and none is served or uploaded (or the upload expired)."""


@dataclass
class WebState:
    """The loaded configuration and rule pack, and the app's templates and uploads."""

    settings: ServeSettings
    setup: api.Setup
    uploads: UploadStore = field(default_factory=UploadStore)
    env: jinja2.Environment = field(
        default_factory=lambda: html_environment(jinja2.PackageLoader("whynolog.web", "templates"))
    )
    engine: api.RuleEngine = field(init=False, repr=False)

    def __post_init__(self) -> None:
        # Held for the server's life: every request's judge shares this engine and its
        # durable_rules ruleset, which would otherwise be registered anew at each request.
        self.engine = api.shared_engine(self.setup)

    @cached_property
    def rules(self) -> list[dict[str, Any]]:
        """The rule reference (the engine searches its examples once: the pack is fixed)."""
        return api.rules_reference(self.setup)

    @cached_property
    def problems(self) -> list[dict[str, Any]]:
        """What lint finds in the configuration and rule pack served (read once, at first use)."""
        found = api.lint(self.setup.config.path, self.settings.rules)
        return [problem.to_dict() for problem in found]

    def page(self, name: str, status: int = 200, **data: Any) -> HTMLResponse:
        """A page rendered from template ``name`` (autoescaped)."""
        common = {
            "version": __version__,
            "organization": self.setup.config.name,
            "pack": self.setup.pack.name,
            "max_upload_mib": self.settings.max_upload // (1 << 20),
        }
        html = self.env.get_template(name).render(**{**common, **data})
        return HTMLResponse(html, status_code=status)

    def log(self, upload_id: str | None) -> tuple[api.LogInput, LogUpload | None]:
        """The log a request asks for: an upload by id, else the served ``--log``."""
        if upload_id:
            upload = self.uploads.get(upload_id)
            if upload is None:
                raise NoLog("That uploaded log is no longer kept: upload it again.")
            return api.LogBytes(upload.name, upload.data), upload
        if self.settings.log is None:
            raise NoLog("No admin log is served: upload one (or start with --log LOG).")
        return self.settings.log, None


def state_of(request: Request) -> WebState:
    """The app's shared state."""
    state: WebState = request.app.state.web
    return state
