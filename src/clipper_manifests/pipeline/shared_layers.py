"""Base and the provider components: nothing in them depends on a profile, so one Builder renders
each once and every profile shares it; the template folders are listed once too."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from clipper_manifests.errors import Location, TemplateError
from clipper_manifests.output.files import layer_files
from clipper_manifests.project import Project
from clipper_manifests.render import layout
from clipper_manifests.render.engine import Rendered, render_template, template_names
from clipper_manifests.render.layout import Layer
from clipper_manifests.values.overlay import shared_context


class SharedLayers:
    """Renders templates for one project, remembering what profiles share."""

    def __init__(self, project: Project, platform: dict[str, Any], *, fast_render: bool = True) -> None:
        self.project = project
        self.platform = platform
        self.fast_render = fast_render  # render_template's fast path (engine.fast_render_default)
        self._components: dict[str, Layer] = {}
        self._templates: dict[str, list[str]] = {}  # template folder → its templates
        self._substitutable: dict[str, bool] = {}  # shared layer folder → holds `${` (holds_substitution)
        self.base = self._shared_layer("base", layout.BASE_DIR, "base", None)

    def component(self, provider: str) -> Layer:
        if provider not in self._components:
            self._components[provider] = self._shared_layer("component", layout.component_dir(provider), f"components/{provider}", provider)
        return self._components[provider]

    def _shared_layer(self, kind: layout.LayerKind, directory: str, folder: str, provider: str | None) -> Layer:
        shared = shared_context(self.platform, provider)
        layer = Layer(kind=kind, directory=directory)
        if kind == "base":
            layer.resources = self.render_folder(folder, shared)
        else:
            layer.resources = self.render_folder(f"{folder}/resources", shared)
            layer.patches = self.render_folder(f"{folder}/patches", shared)
        check_layer(layer)
        return layer

    def render_folder(self, folder: str, values: dict[str, Any]) -> list[Rendered]:
        rendered: list[Rendered] = []
        if folder not in self._templates:  # listed once per build, not once per profile
            self._templates[folder] = template_names(self.project.templates, folder)
        for name in self._templates[folder]:
            rendered.extend(render_template(self.project.templates, name, values, fast=self.fast_render))
        return rendered

    def holds_substitution(self, layer: Layer) -> bool:
        """Whether a shared layer's files hold `${` (asked once per layer)."""
        if layer.directory not in self._substitutable:
            self._substitutable[layer.directory] = any("${" in text for text in layer_files(layer, "").values())
        return self._substitutable[layer.directory]


def check_layer(layer: Layer) -> None:
    duplicates = layer.check_unique_names()
    if duplicates:
        raise TemplateError(
            f"two templates emit the same object in {layer.directory}: {', '.join(duplicates)}", location=Location(Path("templates"))
        )
