"""`list`: every profile with provider, environment, cluster, Kubernetes version and description."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from clipper_manifests.errors import ClipperError
from clipper_manifests.project import find_project


def run(root: Path | None) -> None:
    from clipper_manifests.profile.merge import load_merged

    project = find_project(root, None)
    rows: list[tuple[str, ...]] = [("PROFILE", "PROVIDER", "ENVIRONMENT", "CLUSTER", "REGION", "KUBERNETES", "DESCRIPTION")]
    for name in project.profile_names():
        try:
            data = load_merged(project, name).data
        except ClipperError as error:
            rows.append((name, f"(cannot load: {error.message})", "", "", "", "", ""))
            continue
        cluster: dict[str, Any] = data["cluster"] if isinstance(data.get("cluster"), dict) else {}
        fields = (
            data.get("provider"),
            data.get("environment"),
            cluster.get("name"),
            cluster.get("region"),
            data.get("kubernetesVersion"),
            data.get("description"),
        )
        rows.append((name, *(str(value) if value is not None else "-" for value in fields)))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        click.echo("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip())
