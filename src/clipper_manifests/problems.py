"""Problems are data: validators return them, reporters print them."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from clipper_manifests.errors import Location


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"
    NOTE = "note"


@dataclass(frozen=True)
class Problem:
    message: str
    rule: str
    severity: Severity = Severity.ERROR
    path: str = ""
    location: Location | None = None
    profile: str = ""
    hint: str = ""
    # Problems in rendered objects: the template (and line) that wrote the value, and the
    # profile key it came from, where pipeline/provenance.py can tell; empty otherwise.
    template: Location | None = None
    profile_key: str = ""
    profile_location: Location | None = None

    @property
    def is_error(self) -> bool:
        return self.severity is Severity.ERROR


def json_path(parts: tuple[object, ...] | list[object]) -> str:
    """`("spec", "containers", 0, "image")` → `spec.containers[0].image`."""
    text = ""
    for part in parts:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text
