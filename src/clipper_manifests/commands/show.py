"""`show`: the merged profile, or where one key's value comes from (--explain)."""

from __future__ import annotations

from pathlib import Path

import click

from clipper_manifests.commands.options import ProfileOptions


def run(options: ProfileOptions) -> None:
    from clipper_manifests.profile.explain import explain_key, merged_text
    from clipper_manifests.profile.merge import load_merged

    project = options.paths.project()
    merged = load_merged(project, options.profile)
    click.echo(explain_key(merged, options.explain, Path.cwd()) if options.explain else merged_text(merged, project), nl=False)
