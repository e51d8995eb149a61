"""Which profiles a command runs on, and a list of profile names in one line."""

from __future__ import annotations

from clipper_manifests.commands.options import Selection
from clipper_manifests.errors import UsageError
from clipper_manifests.project import Project


def select(project: Project, selection: Selection) -> list[str]:
    from clipper_manifests.profile.merge import check_profile_name

    names, everything = list(selection.profiles), selection.all_profiles
    if everything and names:
        raise UsageError("give profile names or --all, not both")
    if everything:
        selected = project.profile_names()
        if not selected:
            raise UsageError(f"no profiles in {project.profiles}")
        return selected
    if not names:
        raise UsageError("name at least one profile, or pass --all", hint=f"known profiles: {', '.join(project.profile_names())}")
    for name in names:
        check_profile_name(project, name)
    return list(dict.fromkeys(names))


def listing(names: list[str]) -> str:
    from clipper_manifests.report.formats import listing as shortened

    return shortened(names, 12)
