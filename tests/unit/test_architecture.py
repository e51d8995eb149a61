"""The structure docs/architecture.md states holds: every module small and in the module map,
imports pointing one way between packages, Typer only in cli.py, render's private modules private,
and the template context it documents is what templates get."""

from __future__ import annotations

import ast
import re
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import REPO

PACKAGE = REPO / "src" / "clipper_manifests"
MODULES = sorted(path.relative_to(PACKAGE) for path in PACKAGE.rglob("*.py"))
ARCHITECTURE = REPO / "docs" / "architecture.md"
# package → packages it must not import (docs/architecture.md, "Packages")
FORBIDDEN = {
    "yaml": {"values", "dr", "rules", "render", "pipeline", "output", "report", "commands"},
    "profile": {"values", "dr", "rules", "render", "pipeline", "output", "report", "commands"},
    "values": {"pipeline", "output", "report", "commands"},
    "rules": {"pipeline", "output", "report", "commands"},
}


def imported(path: Path) -> list[str]:
    """Every module `path` imports (TYPE_CHECKING imports included: they are dependencies too)."""
    names: list[str] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names += [node.module, *(f"{node.module}.{alias.name}" for alias in node.names)]
    return names


def test_every_module_is_at_most_300_lines() -> None:
    long = {str(module): n for module in MODULES if (n := len((PACKAGE / module).read_text(encoding="utf-8").splitlines())) > 300}
    assert long == {}


def test_the_module_map_names_every_module_and_only_modules() -> None:
    text = ARCHITECTURE.read_text(encoding="utf-8")
    section = text.split("## Module map", 1)[1].split("\n## ", 1)[0]
    listed = re.findall(r"^\| `([^`]+\.py)` \| \d+ \|", section, re.MULTILINE)
    assert len(listed) == len(set(listed))
    assert sorted(listed) == sorted(str(module) for module in MODULES)


def test_imports_point_one_way_between_packages() -> None:
    wrong = []
    for module in MODULES:
        package = module.parts[0] if len(module.parts) > 1 else ""
        for name in imported(PACKAGE / module):
            parts = name.split(".")
            if parts[0] == "clipper_manifests" and len(parts) > 1 and parts[1] in FORBIDDEN.get(package, set()):
                wrong.append(f"{module} imports {name}")
    assert wrong == []


def test_only_cli_imports_typer() -> None:
    assert [str(m) for m in MODULES if any(name.split(".")[0] == "typer" for name in imported(PACKAGE / m))] == ["cli.py"]


def test_renders_private_modules_are_used_only_inside_render() -> None:
    for module in MODULES:
        if module.parts[0] == "render":
            continue
        for name in imported(PACKAGE / module):
            assert not re.match(r"clipper_manifests\.render\._", name), f"{module} imports {name}"


def test_every_package_folder_has_an_init_module() -> None:
    """setuptools packages only folders with __init__.py: an editable install would hide a missing one."""
    for folder in {module.parent for module in MODULES if module.parent != Path(".")}:
        assert (PACKAGE / folder / "__init__.py").is_file(), folder


def test_the_documented_template_context_is_what_templates_get(monkeypatch: pytest.MonkeyPatch) -> None:
    from clipper_manifests.pipeline.builder import Builder
    from clipper_manifests.pipeline.shared_layers import SharedLayers
    from clipper_manifests.project import find_project

    seen: dict[str, set[str]] = {}  # template folder (first part) → the names its templates got
    render_folder = SharedLayers.render_folder

    def recording(self: SharedLayers, folder: str, values: dict[str, Any]) -> Any:
        seen.setdefault(folder.split("/", maxsplit=1)[0], set()).update(values)
        return render_folder(self, folder, values)

    monkeypatch.setattr(SharedLayers, "render_folder", recording)
    Builder(find_project(REPO, None)).build_profile("prod-aws")

    section = ARCHITECTURE.read_text(encoding="utf-8").split("## What a template can use", 1)[1].split("\n## ", 1)[0]
    documented = {name: where.strip() for name, where in re.findall(r"^\| `(\w+)` \| ([^|]+) \|", section, re.MULTILINE)}
    every = {name for name, where in documented.items() if where == "every template"}
    per_profile = every | {name for name, where in documented.items() if where == "per-profile folders"}
    assert seen.pop("base") == seen.pop("components") == every
    assert seen.pop("overlay") == per_profile
    assert set(seen) == {"infrastructure", "delivery", "cluster", "dr"}
    for folder, names in seen.items():
        assert names == per_profile | {name for name, where in documented.items() if f"`{folder}/`" in where}, folder
