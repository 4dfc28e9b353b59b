"""The typer application; the one place user errors become messages and exit codes."""

from __future__ import annotations

import difflib
import re
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
    app(prog_name="whynolog")
