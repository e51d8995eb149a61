"""Stage 5: a profile's overlay (on base and its provider's component), what `kustomize build`
of it yields, and its other folders (infrastructure, the Flux entry, the DR steps)."""

from __future__ import annotations

from typing import Any

from clipper_manifests.dr import objects as dr_objects
from clipper_manifests.pipeline.results import RenderedProfile
from clipper_manifests.pipeline.shared_layers import SharedLayers, check_layer
from clipper_manifests.profile.model import Profile
from clipper_manifests.render import kustomize, layout
from clipper_manifests.render.layout import ImageOverride, Layer
from clipper_manifests.values.overlay import overlay_context

API_IMAGE, FRONTEND_IMAGE, MIGRATIONS_IMAGE = "clipper-api", "clipper-frontend", "clipper-migrations"


def render_profile(layers: SharedLayers, name: str, profile: Profile) -> RenderedProfile:
    """The profile's overlay, what it builds to, and its other folders."""
    values = overlay_context(profile, layers.platform)
    # A provider's component, when templates/components/<provider> has anything for it.
    components = [] if layers.component(profile.provider).empty else [layers.component(profile.provider)]
    overlay = Layer(
        kind="overlay",
        directory=layout.overlay_dir(name),
        resources=layers.render_folder("overlay/resources", values),
        patches=layers.render_folder("overlay/patches", values),
        components=tuple(component.directory for component in components),
        namespace=profile.namespace,
        images=_images(profile),
    )
    check_layer(overlay)
    resolved = kustomize.resolve(layers.base, components, overlay)
    # The disaster-recovery folders derive their Cluster from the overlay's.
    return RenderedProfile(overlay, resolved, profile_folders(layers, name, {**values, "overlay_objects": resolved}))


def profile_folders(layers: SharedLayers, name: str, values: dict[str, Any]) -> list[Layer]:
    """Per-profile folders without Kustomize transformations (infrastructure, Flux entry)."""
    found: list[Layer] = []
    profile: Profile = values["profile"]
    folders = [(template, directory.format(profile=name)) for template, directory in layout.PROFILE_FOLDERS.items()]
    folders += [(f"dr/{step}", dr_objects.step_folder(profile, step)) for step in dr_objects.FOLDER_STEPS]
    for template_folder, directory in folders:
        # Later folders (the Flux entry) may refer to the earlier ones that exist.
        folder_values = {**values, "folders": [layer.directory for layer in found]}
        kind: layout.LayerKind = "entry" if directory == layout.ENTRY_FOLDER.format(profile=name) else "plain"
        layer = Layer(kind=kind, directory=directory, resources=layers.render_folder(template_folder, folder_values))
        if layer.resources:
            check_layer(layer)
            found.append(layer)
    return found


def _images(profile: Profile) -> tuple[ImageOverride, ...]:
    return tuple(
        ImageOverride(name=placeholder, new_name=image.repository, new_tag=image.tag, digest=image.digest)
        for placeholder, image in (
            (API_IMAGE, profile.images.api),
            (FRONTEND_IMAGE, profile.images.frontend),
            # The migration Job and the API's wait-for-migrations init container use this one.
            (MIGRATIONS_IMAGE, profile.images.migrations),
        )
    )
