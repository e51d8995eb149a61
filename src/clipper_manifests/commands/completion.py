"""Shell completion of profile names and of a profile's keys (`show PROFILE --explain <TAB>`)."""

from __future__ import annotations

import click

from clipper_manifests.errors import ClipperError
from clipper_manifests.project import find_project


def profile_names_starting(incomplete: str) -> list[str]:
    try:
        return [name for name in find_project(None, None).profile_names() if name.startswith(incomplete)]
    except ClipperError:
        return []


def profile_keys_starting(ctx: click.Context, incomplete: str) -> list[str]:
    """The keys of the profile named on the command line."""
    from clipper_manifests.profile.explain import profile_keys
    from clipper_manifests.profile.merge import load_merged

    try:
        merged = load_merged(find_project(None, None), str(ctx.params.get("profile")))
    except ClipperError:
        return []
    return [key for key in profile_keys(merged) if key.startswith(incomplete)]
