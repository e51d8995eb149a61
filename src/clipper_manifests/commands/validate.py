"""`validate`: check the selected profiles and everything they render (or, with --profiles-only,
the profile stages alone) and report every problem at once."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from clipper_manifests.commands.options import ValidateOptions
from clipper_manifests.commands.profile_selection import listing, select
from clipper_manifests.commands.report_problems import build_and_report
from clipper_manifests.errors import UsageError, ValidationFailed
from clipper_manifests.pipeline.keep import Keep
from clipper_manifests.project import Project


def run(options: ValidateOptions) -> None:
    from clipper_manifests.report.formats import REPORTERS

    report_format = options.report_format
    if report_format not in (*REPORTERS, "auto"):
        raise UsageError(f"unknown format {report_format!r}", hint=f"use one of: auto, {', '.join(REPORTERS)}")
    project = options.paths.project(validating=not options.profiles_only)
    names = select(project, options.selection)
    if options.profiles_only:
        _report_profiles(project, names, report_format)
        return
    build = build_and_report(project, names, report_format, keep=Keep.PROBLEMS)  # a report, nothing written
    if report_format in ("text", "auto") and sys.stderr is not None:
        click.echo(f"{len(names)} profile(s) valid: {listing(names)}")
    del build


def _report_profiles(project: Project, names: list[str], report_format: str) -> None:
    from clipper_manifests.pipeline.profile_stages import check_profiles
    from clipper_manifests.report.formats import REPORTERS, pick_format

    problems = check_profiles(project, names)
    chosen = pick_format(report_format)
    if problems or chosen in ("json", "sarif"):
        click.echo(REPORTERS[chosen](problems, Path.cwd()), nl=False)
    if any(problem.is_error for problem in problems):
        raise ValidationFailed(problems)
    if chosen == "text":
        click.echo(f"{len(names)} profile(s) valid (profiles only): {listing(names)}")
