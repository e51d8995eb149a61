"""Every overlay builds with the real Kustomize (kubectl kustomize) into exactly the objects
the tool resolved and validated for that profile."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from clipper_manifests.project import find_project
from clipper_manifests.render.kustomize import is_builtin
from clipper_manifests.rules.object_schemas.kubernetes import check_builtin
from tests.conftest import REPO
from tests.helpers import load_all, run_tool, run_tools_ahead, shipped, shipped_build, shipped_profile

pytestmark = pytest.mark.heavy  # started first: see tests/conftest.py

PROFILES = find_project(REPO, None).profile_names()


def _key(document: dict[str, Any]) -> tuple[str, str, str, str]:
    meta = document["metadata"]
    return (document["apiVersion"], document["kind"], meta.get("namespace", ""), meta["name"])


def _kustomize(kubectl: Path, directory: Path) -> dict[tuple[str, str, str, str], Any]:
    result = run_tool(kubectl, "kustomize", directory)
    assert result.returncode == 0, result.stderr
    return {_key(document): document for document in load_all(result.stdout) if document}


def _as_flux_sees_it(folder: Path) -> Path:
    """Flux generates a kustomization.yaml for a folder without one (the cluster entry folder,
    where `flux bootstrap` adds flux-system/): build that folder the same way."""
    if (folder / "kustomization.yaml").exists():
        return folder
    files = sorted(p.name for p in folder.glob("*.yaml"))
    (folder / "kustomization.yaml").write_text(yaml.safe_dump({"resources": files}), encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def rendered_tree(tmp_path_factory: pytest.TempPathFactory, k8s_tools: dict[str, Path]) -> Path:
    """The shipped profiles rendered into a fresh folder (not the committed out/), with every
    kubectl kustomize of the module already run, two at a time."""
    out = tmp_path_factory.mktemp("out")
    build = shipped_build()
    for name, text in build.files().items():
        (out / name).parent.mkdir(parents=True, exist_ok=True)
        (out / name).write_text(text, encoding="utf-8")
    folders = [_as_flux_sees_it(out / folder) for item in build.profiles.values() for folder in item.objects().built()]
    committed = [REPO / "out" / "overlays" / profile for profile in PROFILES]
    run_tools_ahead([k8s_tools["kubectl"], "kustomize", folder] for folder in [*folders, *committed])
    return out


def test_six_profiles_are_shipped() -> None:
    assert PROFILES == ["prod-aws", "prod-do", "prod-gcp", "staging-aws", "staging-do", "staging-gcp"]


@pytest.mark.parametrize("profile", PROFILES)
def test_every_folder_builds_to_the_objects_the_tool_resolved(profile: str, rendered_tree: Path, k8s_tools: dict[str, Path]) -> None:
    folders = shipped(profile).objects().built()
    assert f"overlays/{profile}" in folders
    assert f"infrastructure/{profile}/controllers" in folders
    assert any(folder.startswith(f"dr/{profile}/") and folder.endswith("-verify") for folder in folders)  # the DR steps build too
    for folder, documents in folders.items():
        built = _kustomize(k8s_tools["kubectl"], _as_flux_sees_it(rendered_tree / folder))
        resolved = {_key(document): document for document in documents}
        assert sorted(built) == sorted(resolved), folder
        for key, document in built.items():
            assert document == resolved[key], f"{folder}: {key} differs between kubectl kustomize and the tool"


def test_shipped_profiles_pass_the_upstream_crd_schemas() -> None:
    build = shipped_build()
    assert [(p.profile, p.rule, p.message) for p in build.problems if p.is_error] == []
    kinds = {document["kind"] for item in build.profiles.values() for objects in item.objects().built().values() for document in objects}
    assert {
        "HelmRelease",
        "HelmRepository",
        "ManagedCertificate",
        "FrontendConfig",
        "BackendConfig",
        "Ingress",
        "Job",
        "Kustomization",
    } <= kinds


@pytest.mark.parametrize("profile", PROFILES)
def test_committed_overlay_builds_and_passes_strict_kubernetes_schemas(profile: str, k8s_tools: dict[str, Path]) -> None:
    version = shipped_profile(profile).kubernetes_version
    built = _kustomize(k8s_tools["kubectl"], REPO / "out" / "overlays" / profile)
    assert built, "the overlay built no objects"
    for key, document in built.items():
        if is_builtin(document):  # custom resources: test_shipped_profiles_pass_the_upstream_crd_schemas
            assert check_builtin(document, version) == [], key


def test_kubernetes_validate_itself_agrees_on_one_object(k8s_tools: dict[str, Path]) -> None:
    """The cached validator must give kubernetes-validate's own verdict."""
    import kubernetes_validate

    built = _kustomize(k8s_tools["kubectl"], REPO / "out" / "overlays" / "prod-aws")
    deployment = next(d for k, d in built.items() if k[1] == "Deployment")
    kubernetes_validate.validate(deployment, "1.33.0", strict=True)
    deployment["spec"]["template"]["spec"]["containers"][0]["imagePullPolicyy"] = "Always"
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(deployment, "1.33.0", strict=True)
    assert [p.rule for p in check_builtin(deployment, "1.33")] == ["kubernetes-schema"]
