"""One profile file: read as UTF-8, a YAML mapping with marks, its `extends` list."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from clipper_manifests import memo
from clipper_manifests.errors import Location, ProfileError
from clipper_manifests.project import Project
from clipper_manifests.yaml.read import Marks, YamlSyntaxError, decode_utf8, load_marked, location_of


@dataclass(frozen=True)
class ProfileFile:
    """One file as written: its data (with `extends` removed) and the marks of its keys."""

    name: str
    path: Path
    data: dict[str, Any]
    marks: Marks
    extends: tuple[str, ...]


def read_profile_file(project: Project, name: str) -> ProfileFile:
    path = project.profile_path(name)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ProfileError(f"profile file {project.display(path)} does not exist", location=Location(path)) from None
    except OSError as error:
        raise ProfileError(f"cannot read {project.display(path)}: {error.strerror}", location=Location(path)) from None
    # Partials are shared by many profiles: each file is parsed once per content (its bytes are
    # the key, so an edited file is never served stale).
    return _FILES.get((path, raw), lambda: _parse(name, path, raw))


def _parse(name: str, path: Path, raw: bytes) -> ProfileFile:
    try:
        data, marks = load_marked(decode_utf8(raw, path))
    except YamlSyntaxError as error:
        raise ProfileError(
            f"invalid YAML: {error.message}",
            location=Location(path, error.line, error.column),
            hint="fix the YAML syntax at that line",
        ) from None
    if data is None:
        raise ProfileError("the file is empty", location=Location(path, 1, 1), hint="a profile is a YAML mapping such as `provider: aws`")
    if not isinstance(data, dict):
        raise ProfileError(
            f"a profile must be a YAML mapping of keys to values, not a {_yaml_type(data)}",
            location=Location(path, 1, 1),
            hint="write `key: value` lines at the top level",
        )
    extends = data.pop("extends", ())
    if isinstance(extends, str):
        extends = (extends,)
    if not isinstance(extends, (list, tuple)) or not all(isinstance(item, str) for item in extends):
        raise ProfileError(
            "`extends` takes a profile name or a list of names",
            location=location_of(path, marks, ("extends",)),
        )
    return ProfileFile(name=name, path=path, data=data, marks=marks, extends=tuple(extends))


# Merging only reads a ProfileFile's data (it copies what it takes), so sharing one is safe.
_FILES: memo.Table[ProfileFile] = memo.Table("profile.files", 1024)


def _yaml_type(value: Any) -> str:
    return {list: "list", str: "string", int: "number", float: "number", bool: "boolean"}.get(type(value), type(value).__name__)
