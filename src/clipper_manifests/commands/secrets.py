"""`secrets`: every remote secret a profile reads, with its rotation state, then the rotation notes."""

from __future__ import annotations

from pathlib import Path

import click

from clipper_manifests.commands.options import ProfileOptions
from clipper_manifests.errors import ValidationFailed


def run(options: ProfileOptions) -> None:
    from clipper_manifests.clock import today
    from clipper_manifests.profile.convert import from_data
    from clipper_manifests.profile.merge import load_merged
    from clipper_manifests.profile.model import Profile
    from clipper_manifests.profile.redaction import redact_problems, secret_values
    from clipper_manifests.report.formats import REPORTERS
    from clipper_manifests.report.rotation_steps import rotation_notes
    from clipper_manifests.report.secrets_table import format_table, secrets_table
    from clipper_manifests.rules.profile.schema_check import check_profile_schema
    from clipper_manifests.values.platform import load_platform

    project = options.paths.project()
    merged = load_merged(project, options.profile)
    problems = redact_problems(check_profile_schema(merged), secret_values(merged))
    if problems:
        click.echo(REPORTERS["text"](problems, Path.cwd()), nl=False)
        raise ValidationFailed(problems)
    typed = from_data(Profile, {**merged.data, "name": options.profile})
    platform = load_platform(project.templates)
    click.echo(format_table(secrets_table(typed, platform, today())), nl=False)
    for line in rotation_notes(typed, platform):
        click.echo(line)
