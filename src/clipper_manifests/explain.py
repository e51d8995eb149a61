"""`show`: the merged profile, and where a key's value comes from."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from clipper_manifests.errors import UsageError
from clipper_manifests.profiles import MergedProfile
from clipper_manifests.project import Project
from clipper_manifests.redaction import redact, secret_values
from clipper_manifests.yamlio import dump_document


def merged_text(merged: MergedProfile, project: Project) -> str:
    chain = ", ".join(project.display(file.path) for file in merged.files)
    return redact(f"# {merged.name}: merged from {chain}\n" + dump_document(merged.data), secret_values(merged))


def _key_path(key: str) -> tuple[Any, ...]:
    return tuple(int(part) if part.isdigit() else part for part in key.split(".") if part)


def _inline(value: Any) -> str:
    text = dump_document(value).strip()
    return text if "\n" not in text else "\n" + "\n".join(f"    {line}" for line in text.splitlines())


def explain_key(merged: MergedProfile, key: str, cwd: Path) -> str:
    origins = merged.history.get(_key_path(key))
    if not origins:
        top = sorted(str(k[0]) for k in merged.history if len(k) == 1)
        raise UsageError(f"{merged.name} has no key {key!r}", hint=f"top-level keys: {', '.join(top)}")
    *overridden, winner = origins
    lines = [f"{key}: {_inline(winner.value)}", f"  set at {winner.location.render(cwd)}"]
    for origin in reversed(overridden):
        lines.append(f"  overrides {_inline(origin.value)} from {origin.location.render(cwd)}")
    return redact("\n".join(lines) + "\n", secret_values(merged))
