"""`rules`: every rule (or one) with its severities, what it checks and how to fix it."""

from __future__ import annotations

import difflib

import click

from clipper_manifests.commands.options import RulesOptions
from clipper_manifests.errors import UsageError


def run(options: RulesOptions) -> None:
    from clipper_manifests.report.rules_table import rules_table
    from clipper_manifests.rules.registry import all_rules

    if options.report_format not in ("text", "markdown"):
        raise UsageError(f"unknown format {options.report_format!r}", hint="use text or markdown")
    rules = all_rules()
    if options.rule_id is not None:
        chosen = [rule for rule in rules if rule.id == options.rule_id]
        if not chosen:
            close = difflib.get_close_matches(options.rule_id, [rule.id for rule in rules], n=1)
            raise UsageError(
                f"no rule {options.rule_id!r}",
                hint=(f"did you mean {close[0]!r}? " if close else "") + "`clipper-manifests rules` lists them",
            )
        rules = chosen
    click.echo(rules_table(rules, markdown=options.report_format == "markdown"), nl=False)
