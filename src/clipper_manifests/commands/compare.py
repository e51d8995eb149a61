"""`compare`: what differs between two rendered environments, and what parity.yaml does not explain."""

from __future__ import annotations

import click
from click.exceptions import Exit

from clipper_manifests.commands.options import CompareOptions, Selection
from clipper_manifests.commands.profile_selection import select
from clipper_manifests.commands.report_problems import build_and_report
from clipper_manifests.errors import EXIT_INVALID, UsageError
from clipper_manifests.pipeline.keep import Keep


def run(options: CompareOptions) -> None:
    from clipper_manifests.report import compare as comparing
    from clipper_manifests.report.compare_text import json_report, text_report

    left, right, output_format = options.left, options.right, options.output_format
    if output_format not in ("text", "json"):
        raise UsageError(f"--format {output_format!r} is not text or json")
    project = options.paths.project()
    names = select(project, Selection(profiles=(left, right)))
    allowances = comparing.load_parity(project.root)
    build = build_and_report(project, names, notes=False, keep=Keep.OBJECTS)  # an invalid profile stops here, its problems shown
    items = [build.profiles[name] for name in (left, right)]
    sides = [(item.name, comparing.objects_by_key(item.objects().built(), item.name)) for item in items]
    kinds = [(item.profile.provider, item.profile.environment) for item in items if item.profile is not None]
    result = comparing.compare(sides[0], sides[1], comparing.relation_of(kinds[0], kinds[1]), allowances)
    click.echo(json_report(result) if output_format == "json" else text_report(result), nl=False)
    if options.check and result.unexplained:
        # Beside a JSON document the verdict goes to stderr, to keep stdout one parseable document.
        verdict = f"error: {len(result.unexplained)} difference(s) marked ! are not explained by parity.yaml"
        click.echo(verdict, err=output_format == "json")
        raise Exit(EXIT_INVALID)
