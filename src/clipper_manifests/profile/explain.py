"""`show`: the merged profile, and where a key's value comes from."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from clipper_manifests.errors import UsageError
from clipper_manifests.problems import json_path
from clipper_manifests.profile.merge import MergedProfile
from clipper_manifests.profile.redaction import redact, secret_values
from clipper_manifests.project import Project
from clipper_manifests.yaml.write import dump_document


def merged_text(merged: MergedProfile, project: Project) -> str:
    chain = ", ".join(project.display(file.path) for file in merged.files)
    return redact(f"# {merged.name}: merged from {chain}\n" + dump_document(merged.data), secret_values(merged))


def _key_path(key: str) -> tuple[Any, ...]:
    return tuple(int(part) if part.isdigit() else part for part in key.split(".") if part)


def _inline(value: Any) -> str:
    text = dump_document(value).strip()
    return text if "\n" not in text else "\n" + "\n".join(f"    {line}" for line in text.splitlines())


def explain_key(merged: MergedProfile, key: str, cwd: Path) -> str:
    """Where `key`'s value comes from; for a mapping, where each value below it comes from
    (mappings merge key by key, so the mapping as a whole has no single winner)."""
    path = _key_path(key)
    origins = merged.history.get(path)
    if not origins:
        top = sorted(str(k[0]) for k in merged.history if len(k) == 1)
        raise UsageError(f"{merged.name} has no key {key!r}", hint=f"top-level keys: {', '.join(top)}")
    if not isinstance(origins[-1].value, dict):
        return redact(_explained(merged, path, cwd), secret_values(merged))
    leaves = sorted(
        (
            found
            for found, below in merged.history.items()
            if found[: len(path)] == path and len(found) > len(path) and not isinstance(below[-1].value, dict)
        ),
        key=lambda found: [str(part) for part in found],
    )
    return redact("".join(_explained(merged, leaf, cwd) for leaf in leaves), secret_values(merged))


def _explained(merged: MergedProfile, path: tuple[Any, ...], cwd: Path) -> str:
    *overridden, winner = merged.history[path]
    lines = [f"{json_path(path)}: {_inline(winner.value)}", f"  set at {winner.location.render(cwd)}"]
    for origin in reversed(overridden):
        lines.append(f"  overrides {_inline(origin.value)} from {origin.location.render(cwd)}")
    return "\n".join(lines) + "\n"


def profile_keys(merged: MergedProfile) -> list[str]:
    """Every key of the merged profile, dotted (what `--explain` completes)."""
    return sorted(json_path(path) for path in merged.history)
