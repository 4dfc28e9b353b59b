"""``python -m whynolog`` runs the CLI."""

from whynolog.cli.app import main

main()
