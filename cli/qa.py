"""QA and audit verbs: ``lint``, ``test``, ``diff`` and ``schema``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from whynolog import __version__, api
from whynolog.api import DEFAULT_CONFIG, InputError, WhynologError
from whynolog.cli.app import app
from whynolog.cli.common import (
    EXIT_FINDINGS,
    ConfigOption,
    CorpusKind,
    DiffFormat,
    LintFormat,
    OutputOption,
    RedactKeyOption,
    RedactOption,
    RedactSubjectsOption,
    ReferenceFormat,
    RulesOption,
    SchemaName,
    SuiteFormat,
    emit,
    jobs_option,
    use_colour,
)


def _default_config() -> str | None:
    """``./org.yaml`` when it exists."""
    return DEFAULT_CONFIG if Path(DEFAULT_CONFIG).is_file() else None


def _json(data: object) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n"


@app.command()
def lint(
    config: ConfigOption = None,
    rules: RulesOption = None,
    format: Annotated[
        LintFormat,
        typer.Option(
            "--format",
            "-f",
            help="text (file:line:col: severity: message [code]), json, or sarif (for "
            "code-scanning dashboards).",
        ),
    ] = LintFormat.text,
    output: OutputOption = None,
    quiet: Annotated[
        bool, typer.Option("--quiet", "-q", help="Print the problems only, no summary line.")
    ] = False,
) -> None:
    """Check a configuration and a rule pack for mistakes, every one in one run, sorted by
    position; exit 1 when there is an error.

    Without --config, ./org.yaml is checked; when there is none, exit 2 (with --rules
    alone, only the rule pack is checked).
    """
    config_path = str(config) if config is not None else _default_config()
    if config_path is None and rules is None:
        raise WhynologError(
            f"no configuration found (tried --config, $WHYNOLOG_CONFIG and "
            f"{Path(DEFAULT_CONFIG).resolve()}): pass --config FILE, or --rules alone to "
            f"check only a rule pack",
        )
    pack_path, origin = api.find_rules(rules)
    problems = api.lint(config_path, pack_path)
    data = api.lint_data(problems)
    errors, warnings = data["errors"], data["warnings"]
    pack = "the shipped rule pack" if pack_path is None else f"rule pack {pack_path}"
    if pack_path is not None and rules is None:
        pack += f" ({origin})"
    checked = " and ".join(x for x in (config_path, pack) if x)
    if format is LintFormat.json:
        emit(_json(data), output)
    elif format is LintFormat.sarif:
        from whynolog.reports.sarif import sarif

        emit(_json(sarif(data["problems"], api.lint_codes(), __version__)), output)
    else:
        lines = [f"{p}\n" for p in problems]
        if not quiet:
            lines.append(f"{_count_phrase(errors, warnings)} in {checked}.\n")
        if lines:
            emit("".join(lines), output)
    if errors:
        raise typer.Exit(EXIT_FINDINGS)


def _count_phrase(errors: int, warnings: int) -> str:
    """``2 errors, 1 warning`` / ``no problems``."""
    if not errors and not warnings:
        return "No problems"
    parts = []
    for n, noun in ((errors, "error"), (warnings, "warning")):
        if n:
            parts.append(f"{n} {noun}{'s' if n != 1 else ''}")
    return ", ".join(parts)


@app.command("test")
def run_tests(
    suites: Annotated[
        list[Path], typer.Argument(metavar="SUITE...", help="Test-suite YAML files.")
    ],
    config: Annotated[
        Path | None,
        typer.Option(
            "--config",
            "-c",
            show_default=False,
            help="Test this configuration instead of the one each suite names.",
        ),
    ] = None,
    rules: Annotated[
        Path | None,
        typer.Option(
            "--rules",
            "-r",
            show_default=False,
            help="Test this rule pack instead of the one each suite names.",
        ),
    ] = None,
    junit: Annotated[
        Path | None,
        typer.Option(help="Also write JUnit XML here (one testcase per case), for CI dashboards."),
    ] = None,
    min_coverage: Annotated[
        float | None,
        typer.Option(
            min=0,
            max=100,
            metavar="<pct>",
            help="Fail when fewer than PCT% of the pack's rules decided a case.",
        ),
    ] = None,
    format: Annotated[
        SuiteFormat, typer.Option("--format", "-f", help="text, json or markdown.")
    ] = SuiteFormat.text,
    output: OutputOption = None,
) -> None:
    """Run QA test suites: every case, then rule coverage; exit 1 on any failure."""
    run = api.run_suite(
        suites,
        config=config,
        rules=rules,
        default_config=_default_config(),
        min_coverage=min_coverage,
    )
    if junit is not None:
        try:
            junit.write_text(api.junit_xml(run), encoding="utf-8")
        except OSError as exc:
            raise InputError(str(junit), f"cannot write: {exc.strerror}") from None
    data = run.to_dict()
    if format is SuiteFormat.json:
        emit(_json(data), output)
    else:
        from whynolog.reports.render import render

        fmt = "markdown" if format is SuiteFormat.markdown else "text"
        emit(
            render(
                "testrun",
                fmt,
                {**data, "version": __version__},
                colour=output is None and use_colour(),
            ),
            output,
        )
    if not run.ok:
        raise typer.Exit(EXIT_FINDINGS)


@app.command()
def diff(
    corpus: Annotated[
        Path,
        typer.Argument(
            metavar="CORPUS",
            help="An emails file, a folder of .eml files, or an admin log (entries with "
            "participants).",
        ),
    ],
    old_rules: Annotated[
        Path | None, typer.Option(help="The rule pack before the change (default: --rules).")
    ] = None,
    new_rules: Annotated[
        Path | None, typer.Option(help="The rule pack after the change (default: --rules).")
    ] = None,
    old_config: Annotated[
        Path | None, typer.Option(help="The configuration before the change (default: --config).")
    ] = None,
    new_config: Annotated[
        Path | None, typer.Option(help="The configuration after the change (default: --config).")
    ] = None,
    config: ConfigOption = None,
    rules: RulesOption = None,
    corpus_kind: Annotated[
        CorpusKind,
        typer.Option(
            "--corpus",
            help="What CORPUS is (auto: a folder or .yaml/.json/.eml/.mbox file "
            "holds emails, anything else is an admin log).",
        ),
    ] = CorpusKind.auto,
    format: Annotated[
        DiffFormat, typer.Option("--format", "-f", help="text, markdown, html or json.")
    ] = DiffFormat.text,
    output: OutputOption = None,
    fail_on_change: Annotated[
        bool, typer.Option(help="Exit 1 when any email changes outcome (a CI gate).")
    ] = False,
    jobs: Annotated[int, jobs_option("judging a large corpus")] = 1,
    redact: RedactOption = False,
    redact_subjects: RedactSubjectsOption = False,
    redact_key: RedactKeyOption = None,
) -> None:
    """Which emails change outcome, and why, when the rules or the configuration change."""
    if old_rules is None and new_rules is None and old_config is None and new_config is None:
        raise typer.BadParameter(
            "say what changed: give --old-rules/--new-rules and/or --old-config/--new-config"
        )
    loaded: dict[tuple[str, str], api.Setup] = {}
    sides = []
    for side_rules, side_config in (
        (old_rules or rules, old_config or config),
        (new_rules or rules, new_config or config),
    ):
        key = (api.resolve_config_path(side_config), str(side_rules or ""))
        if key not in loaded:
            loaded[key] = api.load(key[0], side_rules, locate=True)
        sides.append(loaded[key])
    impact = api.diff(corpus, sides[0], sides[1], kind=corpus_kind.value, jobs=jobs)
    data = impact.to_dict()
    redactor = api.make_redactor(sides, redact, redact_key, redact_subjects)
    if redactor is not None:
        data = redactor.scrub(data)
    if format is DiffFormat.json:
        emit(_json(data), output)
    else:
        from whynolog.reports.render import render

        emit(
            render(
                "diff",
                format.value,
                {**data, "version": __version__},
                colour=output is None and use_colour(),
            ),
            output,
        )
    if fail_on_change and impact.changed:
        raise typer.Exit(EXIT_FINDINGS)


@app.command()
def schema(
    name: Annotated[SchemaName, typer.Argument(metavar="NAME", help="config, rules or suite.")],
    output: OutputOption = None,
) -> None:
    """Print a shipped JSON Schema (for editors: # yaml-language-server: $schema=...)."""
    emit(api.schema_text(name.value), output)


@app.command(name="rules")
def rules_reference(
    rules: RulesOption = None,
    format: Annotated[
        ReferenceFormat, typer.Option("--format", "-f", help="text, markdown (for docs) or json.")
    ] = ReferenceFormat.text,
    output: OutputOption = None,
) -> None:
    """The rule reference of a pack: each rule, its conditions, and facts (found by the
    engine) for which it decides and for which it does not match."""
    pack = api.load_rules(rules, locate=True)
    docs = api.rules_reference(pack)
    if format is ReferenceFormat.json:
        emit(_json({"pack": pack.name, "rules": docs}), output)
        return
    from whynolog.reports.render import render

    emit(
        render(
            "rules",
            format.value,
            {"pack": pack.label, "path": pack.path, "rules": docs},
            colour=output is None and use_colour(),
        ),
        output,
    )
