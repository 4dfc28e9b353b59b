"""The typer application; the one place user errors become messages and exit codes."""

from __future__ import annotations

import difflib
import gc
import os
import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated, Any

import typer
from typer.core import TyperCommand, TyperGroup

from whynolog.api import InputErrors, WhynologError
from whynolog.cli import common
from whynolog.cli.common import EXIT_INPUT_ERROR, ColourMode


class _Group(TyperGroup):
    """Turns every :class:`WhynologError` into ``file:line:col: message`` and exit 2."""

    def invoke(self, ctx: Any) -> Any:  # the Context class differs between typer versions
        try:
            return super().invoke(ctx)
        except typer.BadParameter as exc:
            exc.message = plain_words(exc.message)
            raise
        except InputErrors as exc:
            for error in exc.errors:
                typer.echo(f"{error}", err=True)
            raise typer.Exit(EXIT_INPUT_ERROR) from None
        except WhynologError as exc:
            typer.echo(f"{exc}", err=True)
            raise typer.Exit(EXIT_INPUT_ERROR) from None


class _Command(TyperCommand):
    """Usage lines name arguments as help pages do: ``EMAIL...``, ``[LOG]``, not ``{emails}``."""

    def collect_usage_pieces(self, ctx: Any) -> list[str]:
        pieces = [self.options_metavar] if self.options_metavar else []
        for param in self.get_params(ctx):
            if param.param_type_name != "argument":
                continue
            name = param.metavar or (param.name or "").upper()
            if param.nargs != 1 and not name.endswith("..."):
                name += "..."
            pieces.append(name if param.required else f"[{name}]")
        return pieces


class App(typer.Typer):
    """A typer app whose commands use :class:`_Command`."""

    def command(self, name: str | None = None, **kwargs: Any) -> Any:
        kwargs.setdefault("cls", _Command)
        return super().command(name, **kwargs)

    @contextmanager
    def building_only(self, args: list[str]) -> Iterator[None]:
        """Within it, the app is built with only the command ``args`` invoke, if they name one.

        Building a command evaluates its signature's annotations, a few milliseconds per
        command: a start that builds all of them spends a tenth of itself on commands it
        will not run. Help, version, completion and unknown names see every command.
        """
        name = None if _COMPLETE in os.environ else _command_name(args)
        commands, groups = self.registered_commands, self.registered_groups
        if name is not None:
            self.registered_commands = [c for c in commands if _name_of(c) == name]
            self.registered_groups = [g for g in groups if _group_name(g) == name]
            if not self.registered_commands and not self.registered_groups:
                self.registered_commands, self.registered_groups = commands, groups
        try:
            yield
        finally:
            self.registered_commands, self.registered_groups = commands, groups


_COMPLETE = "_WHYNOLOG_COMPLETE"
"""Set by the shell when it asks for completions, which need every command."""
_VALUED_OPTIONS = ("--color",)
"""The program's own options that take a value (``--color never simulate …``)."""


def _command_name(args: list[str]) -> str | None:
    """The command ``args`` name after the program's own options; None for none or ``--help``."""
    rest = iter(args)
    for arg in rest:
        if arg in _VALUED_OPTIONS:
            next(rest, None)
        elif not arg.startswith("-"):
            return arg
        elif not arg.startswith(tuple(f"{o}=" for o in _VALUED_OPTIONS)):
            return None
    return None


def _group_name(group: Any) -> str | None:
    """A registered sub-app's name: its own, or the one its Typer was made with."""
    name = group.name if isinstance(group.name, str) else group.typer_instance.info.name
    return name if isinstance(name, str) else None  # not typer's placeholder for "unset"


def _name_of(command: Any) -> str:
    """A registered command's name on the command line (typer's own rule for an unnamed one)."""
    return command.name or typer.main.get_command_name(command.callback.__name__)


_CHOICE = re.compile(r"^'(?P<value>[^']*)' is not one of (?P<choices>.*?)\.?$")


def plain_words(message: str) -> str:
    """An option's error without the validator's jargon, with a did-you-mean for a choice."""
    message = message.removeprefix("Value error, ")
    match = _CHOICE.match(message)
    if match:
        choices = re.findall(r"'([^']*)'", match["choices"])
        close = difflib.get_close_matches(match["value"], choices, n=1, cutoff=0.5)
        if close:
            message = f"{message.rstrip('.')} (did you mean {close[0]!r}?)"
    return message


app = App(
    name="whynolog",
    cls=_Group,
    no_args_is_help=True,
    add_completion=True,  # --install-completion / --show-completion for bash, zsh, fish
    context_settings={"help_option_names": ["-h", "--help"]},
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    help="Why didn't (or wouldn't) an email log to the CRM? Simulate emails, search and "
    "diagnose admin logs, and check rule packs and configurations.",
)


def _print_version(value: bool) -> None:
    if value:
        from whynolog import __version__

        typer.echo(f"whynolog {__version__}")
        raise typer.Exit()


@app.callback()
def _options(
    version: Annotated[
        bool,
        typer.Option(
            "--version",
            "-V",
            is_eager=True,
            callback=_print_version,
            help="Print the version and exit.",
        ),
    ] = False,
    color: Annotated[
        ColourMode,
        typer.Option(
            "--color",
            help="Colour the text reports: auto (on a terminal, unless NO_COLOR is set; "
            "FORCE_COLOR forces it), always or never.",
        ),
    ] = ColourMode.auto,
) -> None:
    """Options of the program itself (the Typer's help text above is what users read)."""
    common.colour_mode = color.value


def _register() -> None:
    from whynolog.cli import importing, logs, qa, serve, simulate, starter  # noqa: F401  (commands register on import)


_register()


def main() -> None:
    """Console-script entry point."""
    try:
        with app.building_only(sys.argv[1:]):
            app(prog_name="whynolog")
    finally:
        # The process ends here: without this, the interpreter's last garbage collection
        # walks every object of the run (a quarter of a ``simulate``'s start) to free nothing.
        gc.freeze()
