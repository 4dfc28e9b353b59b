"""The ``whynolog`` command line (typer)."""
