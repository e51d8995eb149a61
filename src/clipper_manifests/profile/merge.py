"""Read profile files, resolve `extends`, merge, and remember where every value came from."""

from __future__ import annotations

import dataclasses
import difflib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from clipper_manifests import memo
from clipper_manifests.errors import Location, ProfileError, UsageError
from clipper_manifests.profile.files import ProfileFile, read_profile_file
from clipper_manifests.project import Project
from clipper_manifests.yaml.read import clone, location_of

KeyPath = tuple[Any, ...]


@dataclass(frozen=True)
class Origin:
    location: Location
    value: Any


@dataclass
class MergedProfile:
    """A profile after `extends`: merged data plus, per key path, the values each file gave it."""

    name: str
    files: tuple[ProfileFile, ...]  # merge order: parents first, the profile itself last
    data: dict[str, Any] = field(default_factory=dict)
    history: dict[KeyPath, list[Origin]] = field(default_factory=dict)

    @property
    def path(self) -> Path:
        return self.files[-1].path

    def reduced_to(self, prefix: KeyPath) -> MergedProfile:
        """The same profile with no values, and the history of the keys under `prefix` only:
        what is left to point at once a build is done, several times faster to send between
        processes (each origin is an object to rebuild)."""
        files = tuple(dataclasses.replace(file, data={}, marks={}) for file in self.files)
        history = {path: origins for path, origins in self.history.items() if path[: len(prefix)] == prefix}
        return MergedProfile(self.name, files, {}, history)

    def location(self, key_path: KeyPath) -> Location:
        """Where the winning value of `key_path` (or its nearest ancestor) was written."""
        for end in range(len(key_path), 0, -1):
            origins = self.history.get(tuple(key_path[:end]))
            if origins:
                return origins[-1].location
        return Location(self.path, 1, 1)


def check_profile_name(project: Project, name: str) -> None:
    """A usage error, with the closest known names, for a profile that does not exist."""
    if not name.startswith("_") and "/" not in name and "\\" not in name and project.profile_path(name).is_file():
        return  # the common case, without listing the folder (once per profile adds up at scale)
    known = project.profile_names()
    if name in known:
        return
    close = difflib.get_close_matches(name, known, n=1)
    suggestion = f"did you mean {close[0]!r}? " if close else ""
    raise UsageError(
        f"unknown profile {name!r}",
        hint=f"{suggestion}known profiles: {', '.join(known) or '(none)'}",
    )


def merge_order(project: Project, name: str) -> list[ProfileFile]:
    """Every file of the `extends` graph once, parents first (depth-first, in listed order)."""
    ordered: list[ProfileFile] = []
    seen: set[str] = set()

    def visit(file: ProfileFile, stack: tuple[str, ...]) -> None:
        for parent in file.extends:
            where = location_of(file.path, file.marks, ("extends",))
            if parent in stack or parent == file.name:
                cycle = " → ".join((*stack, file.name, parent))
                raise ProfileError(f"`extends` forms a cycle: {cycle}", location=where, hint="remove one of the links")
            if not project.profile_path(parent).is_file():
                partials = sorted(p.stem for p in project.profiles.glob("_*.yaml"))
                profiles = [name for name in project.profile_names() if name != file.name]
                close = difflib.get_close_matches(parent, partials + profiles, n=1)
                suggestion = f"did you mean {close[0]!r}? " if close else ""
                raise ProfileError(
                    f"`extends` names {parent!r}, but {project.display(project.profile_path(parent))} does not exist",
                    location=where,
                    hint=f"{suggestion}partials: {', '.join(partials) or '(none)'}; profiles: {', '.join(profiles) or '(none)'}",
                )
            if parent not in seen:
                visit(read_profile_file(project, parent), (*stack, file.name))
        if file.name not in seen:
            seen.add(file.name)
            ordered.append(file)

    visit(read_profile_file(project, name), ())
    return ordered


def _drop_below(history: dict[KeyPath, list[Origin]], prefix: KeyPath) -> None:
    if prefix not in history:
        return  # a key path is recorded before anything below it, so nothing is below it
    for key in [k for k in history if len(k) > len(prefix) and k[: len(prefix)] == prefix]:
        del history[key]


def _merge_into(
    target: dict[str, Any], source: dict[str, Any], file: ProfileFile, history: dict[KeyPath, list[Origin]], prefix: KeyPath
) -> None:
    # Mappings merge key by key; any other value (scalar or list) replaces what was there.
    for key, value in source.items():
        key_path = (*prefix, key)
        origin = Origin(location_of(file.path, file.marks, key_path), value)
        if isinstance(value, dict) and isinstance(target.get(key), dict):
            history.setdefault(key_path, []).append(origin)
            _merge_into(target[key], value, file, history, key_path)
            continue
        _drop_below(history, key_path)
        history.setdefault(key_path, []).append(origin)
        target[key] = clone(value)
        _record_nested(value, file, history, key_path)


def _record_nested(value: Any, file: ProfileFile, history: dict[KeyPath, list[Origin]], prefix: KeyPath) -> None:
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for key, item in items:
        key_path = (*prefix, key)
        history[key_path] = [Origin(location_of(file.path, file.marks, key_path), item)]
        _record_nested(item, file, history, key_path)


# A profile's name becomes folder names, Flux paths, label values and parts of object names:
# a DNS-1123 label (what every one of those accepts), short enough to leave room for suffixes.
PROFILE_NAME = re.compile(r"[a-z0-9]([-a-z0-9]{0,38}[a-z0-9])?")


def load_merged(project: Project, name: str) -> MergedProfile:
    check_profile_name(project, name)
    if not PROFILE_NAME.fullmatch(name):
        raise ProfileError(
            f"profile name {name!r} is not usable: it becomes folder names, Flux paths and Kubernetes labels",
            location=Location(project.profile_path(name), 1, 1),
            hint="rename the file to at most 40 lower-case letters, digits and '-', starting and ending with a letter or digit",
        )
    files = merge_order(project, name)
    data, history = _merged_parents(tuple(files[:-1]))
    merged = MergedProfile(name=name, files=tuple(files), data=data, history=history)
    _merge_into(merged.data, files[-1].data, files[-1], merged.history, ())
    return merged


def _merged_parents(parents: tuple[ProfileFile, ...]) -> tuple[dict[str, Any], dict[KeyPath, list[Origin]]]:
    """A copy of what `parents` merge into: many profiles extend the same chain of files, and
    copying its result costs a tenth of merging it again."""
    data, history = _PARENTS.get(parents, lambda: _merge_parents(parents))  # keyed by the very files
    return clone(data), {path: list(origins) for path, origins in history.items()}


def _merge_parents(parents: tuple[ProfileFile, ...]) -> tuple[dict[str, Any], dict[KeyPath, list[Origin]]]:
    data: dict[str, Any] = {}
    history: dict[KeyPath, list[Origin]] = {}
    for file in parents:
        _merge_into(data, file.data, file, history, ())
    return data, history


_PARENTS: memo.Table[tuple[dict[str, Any], dict[KeyPath, list[Origin]]]] = memo.Table("profile.merged-parents", 1024, by="identity")
