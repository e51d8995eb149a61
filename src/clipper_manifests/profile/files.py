"""One profile file: read as UTF-8, a YAML mapping with marks, its `extends` list."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

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
    cached = _parsed.get((path, raw))
    if cached is not None:
        return cached  # partials are shared by many profiles: parse each file once per process
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
    parsed = ProfileFile(name=name, path=path, data=data, marks=marks, extends=tuple(extends))
    _parsed[(path, raw)] = parsed  # keyed by the bytes, so an edited file is never served stale
    return parsed


# Merging only reads a ProfileFile's data (it copies what it takes), so sharing one is safe.
_parsed: dict[tuple[Path, bytes], ProfileFile] = {}


def _yaml_type(value: Any) -> str:
    return {list: "list", str: "string", int: "number", float: "number", bool: "boolean"}.get(type(value), type(value).__name__)
