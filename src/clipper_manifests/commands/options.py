"""The typed options of every command, as cli.py builds them from the command line.

The options several commands share are groups (`Selection`, `Paths`) that a command's options
hold, so that --root/--out/--crd-schemas mean one thing and find the project one way everywhere.
Every field is given by name (kw_only): two flags of one type cannot be swapped by position.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from clipper_manifests.project import Project, find_project


@dataclass(frozen=True, kw_only=True)
class Selection:
    """Which profiles: names, or every profile."""

    profiles: tuple[str, ...] = ()
    all_profiles: bool = False


@dataclass(frozen=True, kw_only=True)
class Paths:
    """Where the project is (--root), where it renders to (--out) and its CRD schemas (--crd-schemas)."""

    root: Path | None = None
    out: Path | None = None
    crd_schemas: Path | None = None

    def project(self, *, validating: bool = False) -> Project:
        return find_project(self.root, self.out, crd_schemas=self.crd_schemas, validating=validating)


@dataclass(frozen=True, kw_only=True)
class RenderOptions:
    selection: Selection
    paths: Paths
    check: bool = False
    force: bool = False
    output_format: str | None = None


@dataclass(frozen=True, kw_only=True)
class ValidateOptions:
    selection: Selection
    paths: Paths
    report_format: str = "auto"
    profiles_only: bool = False


@dataclass(frozen=True, kw_only=True)
class DiffOptions:
    selection: Selection
    paths: Paths


@dataclass(frozen=True, kw_only=True)
class CompareOptions:
    left: str
    right: str
    paths: Paths
    check: bool = False
    output_format: str = "text"


@dataclass(frozen=True, kw_only=True)
class ProfileOptions:
    """Commands about one profile: show, secrets, images."""

    profile: str
    paths: Paths
    explain: str | None = None


@dataclass(frozen=True, kw_only=True)
class SchemaOptions:
    paths: Paths
    partial: bool = False
    write: bool = False
    check: bool = False


@dataclass(frozen=True, kw_only=True)
class DrPlanOptions:
    profile: str
    paths: Paths
    point_in_time: str | None = None
    expect: tuple[str, ...] = ()
    attempt: int = 1


@dataclass(frozen=True, kw_only=True)
class RulesOptions:
    rule_id: str | None = None
    report_format: str = "text"


@dataclass(frozen=True, kw_only=True)
class DocsOptions:
    paths: Paths
    check: bool = False
