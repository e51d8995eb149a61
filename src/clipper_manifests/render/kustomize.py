"""The tool's own view of `kustomize build overlays/<profile>`.

Validation needs the final objects before anything is written, and the real Kustomize is
not a runtime dependency, so this module applies the small part of Kustomize's semantics
the generated tree uses: resources, components, strategic-merge patches, namespace and
images. A test builds every overlay with the real `kubectl kustomize` and compares.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

from clipper_manifests.errors import Location, TemplateError
from clipper_manifests.render.engine import Rendered
from clipper_manifests.render.layout import ImageOverride, Layer
from clipper_manifests.yaml.read import clone

# Built-in list fields that strategic merge patches merge item by item (by this key)
# instead of replacing; `ports` is keyed by containerPort in pods and by port in Services.
_MERGE_KEYS = {
    "containers": "name",
    "initContainers": "name",
    "ephemeralContainers": "name",
    "env": "name",
    "volumes": "name",
    "volumeMounts": "mountPath",
    "imagePullSecrets": "name",
}

# Kinds Kustomize knows are not namespaced: the namespace transformer leaves them alone.
CLUSTER_SCOPED = frozenset(
    {
        "Namespace",
        "StorageClass",
        "ClusterRole",
        "ClusterRoleBinding",
        "CustomResourceDefinition",
        "PersistentVolume",
        "IngressClass",
        "PriorityClass",
        "RuntimeClass",
        "CSIDriver",
        "ValidatingWebhookConfiguration",
        "MutatingWebhookConfiguration",
        "APIService",
    }
)


def is_builtin(document: dict[str, Any]) -> bool:
    """Core and *.k8s.io groups; everything else is a custom resource."""
    api_version: str = document["apiVersion"]
    group = api_version.rpartition("/")[0]
    return group == "" or group.endswith(".k8s.io") or "." not in group


def resolve(base: Layer, components: list[Layer], overlay: Layer) -> list[dict[str, Any]]:
    objects: list[dict[str, Any]] = []
    imaged: set[int] = set()  # ids of the objects the image transformer has to look through

    def add(items: list[Rendered]) -> None:
        for item in items:
            objects.append(clone(item.document))
            if _may_hold_images(item):
                imaged.add(id(objects[-1]))

    add(base.resources)
    add(overlay.resources)
    for component in components:
        add(component.resources)
        _apply_patches(objects, component, imaged)
    _apply_patches(objects, overlay, imaged)
    for document in objects:
        if overlay.namespace and document["kind"] not in CLUSTER_SCOPED:
            document["metadata"]["namespace"] = overlay.namespace
        if id(document) in imaged:
            _set_images(document, overlay.images)
    return objects


def _may_hold_images(item: Rendered) -> bool:
    # The image transformer looks under every `containers` and `initContainers` key; the YAML
    # of most objects (policies, rules, config) has neither, and is there to be searched.
    return item.written is None or "ontainers:" in item.written


def _apply_patches(objects: list[dict[str, Any]], layer: Layer, imaged: set[int]) -> None:
    for patch in layer.patches:
        target = _find_target(objects, patch.document)
        if target is None:
            meta = patch.document["metadata"]
            raise TemplateError(
                f"patch for {patch.document['kind']} {meta['name']!r} matches no object",
                location=Location(Path("templates") / patch.template),
                hint="patch an object that base or a component emits",
            )
        body = {key: value for key, value in patch.document.items() if key not in ("apiVersion", "kind")}
        body["metadata"] = {key: value for key, value in body["metadata"].items() if key not in ("name", "namespace")}
        merge_patch(target, body, strategic=is_builtin(target))
        if _may_hold_images(patch):
            imaged.add(id(target))


def _find_target(objects: list[dict[str, Any]], patch: dict[str, Any]) -> dict[str, Any] | None:
    name = patch["metadata"]["name"]
    for document in objects:
        if document["kind"] == patch["kind"] and document["metadata"]["name"] == name and _group(document) == _group(patch):
            return document
    return None


def _group(document: dict[str, Any]) -> str:
    return str(document["apiVersion"]).rpartition("/")[0]


def merge_patch(target: dict[str, Any], patch: dict[str, Any], *, strategic: bool) -> None:
    """Strategic merge for built-in kinds, JSON merge patch (lists replace) for custom ones."""
    for key, value in patch.items():
        current = target.get(key)
        if value is None:
            target.pop(key, None)
        elif isinstance(value, dict) and isinstance(current, dict):
            merge_patch(current, value, strategic=strategic)
        elif strategic and isinstance(value, list) and isinstance(current, list) and (merge_key := _list_key(key, value)):
            _merge_list(current, value, merge_key)
        else:
            target[key] = copy.deepcopy(value)


def _list_key(field: str, items: list[Any]) -> str | None:
    if field == "ports" and items and isinstance(items[0], dict):
        return "containerPort" if "containerPort" in items[0] else "port"
    return _MERGE_KEYS.get(field)


def _merge_list(current: list[Any], patch: list[Any], key: str) -> None:
    for item in patch:
        match = next((existing for existing in current if isinstance(existing, dict) and existing.get(key) == item.get(key)), None)
        if match is None:
            current.append(copy.deepcopy(item))
        else:
            merge_patch(match, item, strategic=True)


def _set_images(node: Any, images: tuple[ImageOverride, ...]) -> None:
    # Kustomize's image transformer rewrites every containers/initContainers image it finds.
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ("containers", "initContainers") and isinstance(value, list):
                for container in value:
                    if isinstance(container, dict) and isinstance(container.get("image"), str):
                        container["image"] = _rewrite_image(container["image"], images)
            else:
                _set_images(value, images)
    elif isinstance(node, list):
        for item in node:
            _set_images(item, images)


def image_name(image: str) -> str:
    """`registry:5000/app:tag@sha256:…` → `registry:5000/app`."""
    name = image.split("@", 1)[0]
    last = name.rsplit("/", 1)[-1]
    if ":" in last:
        name = name[: len(name) - len(last)] + last.split(":", 1)[0]
    return name


def _rewrite_image(image: str, images: tuple[ImageOverride, ...]) -> str:
    for override in images:
        if image_name(image) == override.name:
            # Kustomize writes both when both are given: name:tag@digest (the digest decides).
            reference = override.new_name
            if override.new_tag:
                reference += f":{override.new_tag}"
            if override.digest:
                reference += f"@{override.digest}"
            return reference
    return image
