"""The platform facts (templates/platform.yaml) every template and rule reads."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

from clipper_manifests.errors import Location, TemplateError
from clipper_manifests.yaml.read import YamlSyntaxError, load_documents

PLATFORM_FILE = "platform.yaml"


@cache
def load_platform(templates: Path) -> dict[str, Any]:
    """templates/platform.yaml: application facts shared by every profile."""
    path = templates / PLATFORM_FILE
    try:
        documents = load_documents(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise TemplateError(f"{path} is missing", location=Location(path), hint="it holds the platform facts templates use") from None
    except YamlSyntaxError as error:
        raise TemplateError(f"invalid YAML: {error.message}", location=Location(path, error.line, error.column)) from None
    if len(documents) != 1 or not isinstance(documents[0], dict):
        raise TemplateError("must hold one YAML mapping", location=Location(path, 1, 1))
    platform: dict[str, Any] = documents[0]
    return platform
