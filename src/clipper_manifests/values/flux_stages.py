"""Flux delivery: the stages a cluster applies, in order (rules/delivery.py checks that they hold together).

Each cluster's entry folder (out/clusters/<profile>/) holds Flux Kustomizations chained with
dependsOn: infra-controllers (HelmReleases that bring CRDs) → infra-configs (objects that need
those CRDs) → apps (the overlay, with its migration Job; or, with `flux.delivery: helm`, the
folder holding a HelmRelease of the profile's chart from the same GitRepository, so the chain,
`wait` and pruning stay as they are: a HelmRelease's own dependsOn can name only HelmReleases). `wait: true` makes each stage wait
until everything it applied is ready, so the next never meets a missing CRD or controller.
"""

from __future__ import annotations

from dataclasses import dataclass

from clipper_manifests.profile.model import Profile
from clipper_manifests.render import layout

KUSTOMIZATION_API = "kustomize.toolkit.fluxcd.io/v1"
STAGE_NAMES = {"infrastructure/{profile}/controllers": "infra-controllers", "infrastructure/{profile}/configs": "infra-configs"}
DELIVERY_FOLDER = layout.PROFILE_FOLDERS["delivery"]


@dataclass(frozen=True)
class Stage:
    name: str
    path: str
    depends_on: tuple[str, ...]
    timeout: str

    @property
    def depends_on_refs(self) -> list[dict[str, str]]:
        return [{"name": name} for name in self.depends_on]


def stages(profile: Profile, folders: list[str]) -> list[Stage]:
    """The Flux Kustomizations of a profile, each depending on the one before it."""
    chain: list[Stage] = []
    for pattern, name in STAGE_NAMES.items():
        folder = pattern.format(profile=profile.name)
        if folder in folders:
            chain.append(Stage(name, _path(profile, folder), tuple(s.name for s in chain[-1:]), "10m"))
    apps = app_folder(profile)
    chain.append(Stage("apps", _path(profile, apps), tuple(s.name for s in chain[-1:]), profile.flux.apps_timeout))
    return chain


def app_folder(profile: Profile) -> str:
    """The folder the apps stage applies."""
    return DELIVERY_FOLDER.format(profile=profile.name) if profile.flux.delivery == "helm" else layout.overlay_dir(profile.name)


def chart_path(profile: Profile) -> str:
    """The HelmRelease's chart: a path inside the GitRepository."""
    return _path(profile, layout.chart_dir(profile.name))


def _path(profile: Profile, folder: str) -> str:
    return f"{profile.flux.out_path}/{folder}"


def folder_of(path: str, out_path: str) -> str | None:
    """`./out/overlays/x` → `overlays/x`; None when the path is outside out/."""
    prefix = out_path.rstrip("/") + "/"
    return path[len(prefix) :].rstrip("/") if path.startswith(prefix) else None
