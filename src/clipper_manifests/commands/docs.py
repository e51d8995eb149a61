"""`docs`: write docs/profiles.md from the JSON Schema, the defaults and the rules (or check it)."""

from __future__ import annotations

import click
from click.exceptions import Exit

from clipper_manifests.commands.options import DocsOptions
from clipper_manifests.errors import EXIT_INVALID


def run(options: DocsOptions) -> None:
    from clipper_manifests.profile.schema import profile_schema
    from clipper_manifests.report.profile_docs import DOCS_FILE, render_docs
    from clipper_manifests.rules.registry import all_rules

    project = options.paths.project()
    wanted = render_docs(project, profile_schema(), all_rules())
    path = project.root / DOCS_FILE
    current = path.read_text(encoding="utf-8") if path.is_file() else None
    if current == wanted:
        click.echo(f"{DOCS_FILE}: up to date")
        return
    if options.check:
        click.echo(f"error: {DOCS_FILE} is stale; run `clipper-manifests docs` and commit")
        raise Exit(EXIT_INVALID)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(wanted, encoding="utf-8")
    click.echo(f"{DOCS_FILE}: written")
