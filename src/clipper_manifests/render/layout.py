"""Arrange rendered objects into a Kustomize tree: base, provider components, one overlay per profile."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from clipper_manifests.render.engine import Rendered

KUSTOMIZE_API = "kustomize.config.k8s.io/v1beta1"
COMPONENT_API = "kustomize.config.k8s.io/v1alpha1"
BASE_DIR = "base"
LayerKind = Literal["base", "component", "overlay", "plain", "entry"]

# Per-profile folders rendered as they are (no namespace or patches): template folder → output
# folder. Later folders may refer to earlier ones (templates see them as `folders`).
PROFILE_FOLDERS = {
    "infrastructure/controllers": "infrastructure/{profile}/controllers",
    "infrastructure/configs": "infrastructure/{profile}/configs",
    # With flux.delivery: helm, the apps stage's HelmRelease of the profile's chart.
    "delivery": "delivery/{profile}",
    "cluster": "clusters/{profile}",
}
# Disaster recovery, one folder per step that applies objects (templates/dr/<step>), applied by
# hand in order (dr-plan; Flux never does). Their output folders carry the runbook's step
# numbers, which depend on the profile (dr.step_folder), all under this one:
DR_DIR = "dr/{profile}"
# The folder a cluster's `flux bootstrap --path` points at. It gets no kustomization.yaml:
# bootstrap adds flux-system/ beside our files, and Flux generates a kustomization that
# includes both; one of ours would leave Flux's own objects out.
ENTRY_FOLDER = "clusters/{profile}"


def file_stem(document: dict[str, Any]) -> str:
    """Stable file name of an object: `<kind>-<name>`, lower case."""
    return f"{document['kind'].lower()}-{document['metadata']['name']}"


def chart_dir(profile: str) -> str:
    """A profile's Helm chart (output/helm_chart.py)."""
    return f"charts/{profile}"


def component_dir(provider: str) -> str:
    return f"components/{provider}"


def overlay_dir(profile: str) -> str:
    return f"overlays/{profile}"


@dataclass(frozen=True)
class ImageOverride:
    name: str  # the placeholder image name used in base
    new_name: str
    new_tag: str | None = None
    digest: str | None = None

    def as_kustomize(self) -> dict[str, str]:
        entry = {"name": self.name, "newName": self.new_name}
        if self.new_tag:
            entry["newTag"] = self.new_tag
        if self.digest:
            entry["digest"] = self.digest
        return entry


@dataclass
class Layer:
    """One Kustomize directory and what it holds."""

    kind: LayerKind
    directory: str
    resources: list[Rendered] = field(default_factory=list)
    patches: list[Rendered] = field(default_factory=list)
    components: tuple[str, ...] = ()  # directories of the components an overlay uses
    namespace: str | None = None
    images: tuple[ImageOverride, ...] = ()

    @property
    def empty(self) -> bool:
        """Nothing to write (a provider without a component of its own gets no folder)."""
        return not self.resources and not self.patches

    def resource_files(self) -> list[str]:
        return sorted(f"{file_stem(item.document)}.yaml" for item in self.resources)

    def patch_files(self) -> list[str]:
        return sorted(f"patches/{file_stem(item.document)}.yaml" for item in self.patches)

    def kustomization(self) -> dict[str, Any]:
        """The kustomization.yaml of this directory (Kustomize v5 fields only)."""
        if self.kind == "component":
            document: dict[str, Any] = {"apiVersion": COMPONENT_API, "kind": "Component"}
        else:
            document = {"apiVersion": KUSTOMIZE_API, "kind": "Kustomization"}
        if self.namespace:
            document["namespace"] = self.namespace
        resources = self.resource_files()
        if self.kind == "overlay":
            resources = [f"../../{BASE_DIR}", *resources]
        if resources:
            document["resources"] = resources
        if self.components:
            document["components"] = [f"../../{directory}" for directory in self.components]
        if self.patches:
            document["patches"] = [{"path": path} for path in self.patch_files()]
        if self.images:
            document["images"] = [image.as_kustomize() for image in self.images]
        return document

    def check_unique_names(self) -> list[str]:
        """File names that two objects of this layer would both claim."""
        names = [f"{file_stem(item.document)}" for item in self.resources]
        patches = [f"patches/{file_stem(item.document)}" for item in self.patches]
        everything = names + patches
        return sorted({name for name in everything if everything.count(name) > 1})
