"""The ``whynolog`` command line (typer)."""

import gc


def main() -> None:
    """Console-script entry point: the application is imported with the collector paused.

    Importing typer, Jinja and the engine makes a few hundred thousand objects that live as
    long as the process; collecting while they are made walks them again and again for
    nothing. Frozen once made, they stay out of every later collection too.
    """
    gc.disable()
    try:
        from whynolog.cli.app import main as run
    finally:
        gc.freeze()
        gc.enable()
    run()
