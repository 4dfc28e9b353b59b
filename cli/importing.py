"""``whynolog import users``: bring a CRM user export into ``org.yaml``."""

from __future__ import annotations

import difflib
from pathlib import Path
from typing import Annotated

import typer

from whynolog import api
from whynolog.cli.app import App, app
from whynolog.cli.common import ConfigOption

import_app = App(
    name="import",
    no_args_is_help=True,
    help="Bring configuration in from other systems (a CRM user export).",
)
app.add_typer(import_app)


@import_app.command("users")
def import_users(
    export: Annotated[
        Path,
        typer.Argument(
            metavar="EXPORT",
            help="The CRM's user export: CSV or TSV with a header row (name, email, "
            "active, aliases; the usual header names are recognised).",
        ),
    ],
    config: ConfigOption = None,
    dry_run: Annotated[
        bool,
        typer.Option("--dry-run", help="Print the change to org.yaml as a diff; write nothing."),
    ] = False,
) -> None:
    """Merge a CRM user export into org.yaml: add users, update addresses and active flags.

    Users are matched by address, then by name. The file keeps its comments and order.
    """
    merged = api.import_users(export, config)
    path = merged.path
    if not merged.changes:
        typer.echo(f"{path}: no change (every exported user is already configured)")
        return
    if dry_run:
        diff = difflib.unified_diff(
            merged.before.splitlines(keepends=True),
            merged.after.splitlines(keepends=True),
            fromfile=path,
            tofile=f"{path} (after import)",
        )
        typer.echo("".join(diff), nl=False)
        return
    merged.write()
    for change in merged.changes:
        typer.echo(change)
    typer.echo(f"{path}: {len(merged.changes)} changes written")
