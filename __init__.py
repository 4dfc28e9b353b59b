"""whynolog: why didn't (or wouldn't) an email log to the CRM?

Layers point one way: ``engine`` (facts, rules, inference) → ``reports``
(Jinja rendering of plain data) → ``cli`` (typer wiring).
"""

__version__ = "0.2.0.dev0"
