"""``whynolog serve``: the browser app and JSON API on this machine."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from whynolog.cli.app import app
from whynolog.cli.common import ConfigOption, RulesOption


@app.command()
def serve(
    config: ConfigOption = None,
    rules: RulesOption = None,
    log: Annotated[
        Path | None,
        typer.Option(help="An admin log to search and diagnose on /log and /diagnose."),
    ] = None,
    host: Annotated[
        str,
        typer.Option(
            metavar="<host>",
            help="Where to listen; any host but 127.0.0.1/localhost needs the token.",
        ),
    ] = "127.0.0.1",
    port: Annotated[
        int, typer.Option(min=0, max=65535, metavar="<port>", help="The TCP port.")
    ] = 8000,
    token: Annotated[
        str | None,
        typer.Option(
            envvar="WHYNOLOG_TOKEN",
            show_default=False,
            metavar="<token>",
            help="The access token (default: generated when the host is not local).",
        ),
    ] = None,
    max_upload: Annotated[
        int,
        typer.Option(
            "--max-upload", min=1, metavar="<mib>", help="The largest upload or body, in MiB."
        ),
    ] = 20,
) -> None:
    """Serve the web app: "would this email log?", the log search, diagnosis and rules."""
    import uvicorn

    from whynolog.web.app import create_app
    from whynolog.web.settings import ServeSettings

    if log is not None and not log.is_file():
        raise typer.BadParameter(f"{log}: no such file", param_hint="--log")
    settings = ServeSettings.for_host(
        host,
        token,
        config=config,
        rules=rules,
        log=log,
        port=port,
        max_upload=max_upload << 20,
    )
    asgi = create_app(settings)
    typer.echo(f"whynolog serve: open {settings.url}", err=True)
    uvicorn.run(asgi, host=host, port=port, log_level="warning", server_header=False)
