"""``whynolog init`` (a starter kit) and ``whynolog demo`` (the main job on it)."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Annotated

import typer

from whynolog.api import SCHEMA_NAMES, InputError, schema_text, shipped_rules_path
from whynolog.cli.app import app

SAMPLE_LOG_NEXT_MORNING = "2026-11-26T09:00:00Z"
"""The starter log's next morning: its health is looked at from there, on any day."""


def starter_path() -> Path:
    """The folder of starter files shipped with the package."""
    from importlib import resources  # `init` and `demo` only: not loaded on every start

    return Path(str(resources.files("whynolog.cli").joinpath("starter")))


def write_starter(target: Path, force: bool = False) -> list[Path]:
    """Copy the starter kit into ``target``; refuse to overwrite unless ``force``."""
    source = starter_path()
    plan: list[tuple[Path, Path | str]] = []
    for item in sorted(source.rglob("*")):
        if item.is_file() and "__pycache__" not in item.parts:
            plan.append((target / item.relative_to(source), item))
    for item in sorted(shipped_rules_path().glob("*.yaml")):
        plan.append((target / "rules" / item.name, item))
    for name in SCHEMA_NAMES:
        plan.append((target / "schemas" / f"{name}.schema.json", schema_text(name)))
    clashes = [dest for dest, _ in plan if dest.exists()]
    if clashes and not force:
        raise InputError(
            str(clashes[0]), "already exists; use --force to overwrite the starter files"
        )
    written = []
    for dest, src in plan:
        dest.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(src, Path):
            shutil.copyfile(src, dest)
        else:
            dest.write_text(src, encoding="utf-8")
        written.append(dest)
    return written


@app.command()
def init(
    directory: Annotated[
        Path, typer.Argument(metavar="DIRECTORY", help="Where to write the starter kit.")
    ],
    force: Annotated[bool, typer.Option(help="Overwrite existing starter files.")] = False,
) -> None:
    """Write a starter kit: configuration, the rule pack to edit, emails, a log, a test suite."""
    written = write_starter(directory, force)
    for path in written:
        typer.echo(f"  {path}")
    typer.echo(
        f"\nWrote {len(written)} files. Next:\n"
        f"  cd {directory}\n"
        f"  whynolog simulate emails.yaml\n"
        f"  whynolog diagnose admin.log --as-of {SAMPLE_LOG_NEXT_MORNING}\n"
        f"  whynolog lint\n"
        f"  whynolog test suite.yaml\n"
        f"(./org.yaml and ./rules/ are used; the sample log ends on 2026-11-25, --as-of looks "
        f"from the next morning)"
    )


@app.command()
def demo() -> None:
    """Run the main job on the shipped example: simulate its emails, diagnose its admin log.

    The diagnosis is printed and also written as an HTML report, whynolog-report.html,
    in the current directory. The example log is looked at from the morning after its
    last entry, so the demo reads the same on any day.
    """
    from whynolog import api
    from whynolog.cli.common import DiagnoseFormat, SimulateFormat
    from whynolog.cli.logs import show_diagnosis
    from whynolog.cli.simulate import show_verdicts

    source = starter_path()
    setup = api.load(source / "org.yaml", locate=True)
    emails = [source / "emails.yaml", source / "emails" / "welcome.eml"]
    show_verdicts(api.simulate(setup, emails), setup, SimulateFormat.text)
    typer.echo("")
    report = api.diagnose(setup, source / "admin.log", as_of=SAMPLE_LOG_NEXT_MORNING)
    show_diagnosis(report, DiagnoseFormat.text)
    show_diagnosis(report, DiagnoseFormat.html, Path.cwd() / "whynolog-report.html")
