"""The platform facts (templates/platform.yaml) every template and rule reads."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from clipper_manifests import memo
from clipper_manifests.errors import Location, TemplateError
from clipper_manifests.yaml.read import YamlSyntaxError, load_documents

PLATFORM_FILE = "platform.yaml"


_PLATFORMS: memo.Table[dict[str, Any]] = memo.Table("values.platform", 16)


def load_platform(templates: Path) -> dict[str, Any]:
    """templates/platform.yaml: application facts shared by every profile. The file is read on
    every call (one small read per Builder) and parsed once per content, so a Builder made after
    the file changed sees the change."""
    path = templates / PLATFORM_FILE
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise TemplateError(f"{path} is missing", location=Location(path), hint="it holds the platform facts templates use") from None
    return _PLATFORMS.get((path, raw), lambda: _parse(path, raw))


def _parse(path: Path, raw: bytes) -> dict[str, Any]:
    try:
        documents = load_documents(raw.decode("utf-8"))
    except YamlSyntaxError as error:
        raise TemplateError(f"invalid YAML: {error.message}", location=Location(path, error.line, error.column)) from None
    if len(documents) != 1 or not isinstance(documents[0], dict):
        raise TemplateError("must hold one YAML mapping", location=Location(path, 1, 1))
    platform: dict[str, Any] = documents[0]
    return platform
