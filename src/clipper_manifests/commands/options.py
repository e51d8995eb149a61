"""The typed options of every command, as cli.py builds them from the command line."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Selection:
    """Which profiles: names, or every profile."""

    profiles: tuple[str, ...] = ()
    all_profiles: bool = False


@dataclass(frozen=True)
class RenderOptions:
    selection: Selection
    check: bool = False
    force: bool = False
    root: Path | None = None
    out: Path | None = None
    crd_schemas: Path | None = None
    output_format: str | None = None


@dataclass(frozen=True)
class ValidateOptions:
    selection: Selection
    report_format: str = "auto"
    root: Path | None = None
    crd_schemas: Path | None = None
    profiles_only: bool = False


@dataclass(frozen=True)
class DiffOptions:
    selection: Selection
    root: Path | None = None
    out: Path | None = None
    crd_schemas: Path | None = None


@dataclass(frozen=True)
class CompareOptions:
    left: str
    right: str
    check: bool = False
    output_format: str = "text"
    root: Path | None = None


@dataclass(frozen=True)
class ProfileOptions:
    """Commands about one profile: show, secrets, images."""

    profile: str
    root: Path | None = None
    explain: str | None = None


@dataclass(frozen=True)
class SchemaOptions:
    partial: bool = False
    write: bool = False
    check: bool = False
    root: Path | None = None


@dataclass(frozen=True)
class DrPlanOptions:
    profile: str
    point_in_time: str | None = None
    expect: tuple[str, ...] = ()
    attempt: int = 1
    root: Path | None = None
    out: Path | None = None
    crd_schemas: Path | None = None


@dataclass(frozen=True)
class RulesOptions:
    rule_id: str | None = None
    report_format: str = "text"


@dataclass(frozen=True)
class DocsOptions:
    check: bool = False
    root: Path | None = None
