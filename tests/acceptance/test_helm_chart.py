"""Every profile's chart (out/charts/<profile>) with the real helm: it lints, packages, renders
the same objects as its overlay, each install-time value changes exactly its own fields, and
values.schema.json refuses what the profile schema and rules refuse."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import REPO, RunCli
from tests.helpers import load, load_all, run_tool, run_tools_ahead, shipped_profile

pytestmark = pytest.mark.heavy  # started first: see tests/conftest.py

OUT = REPO / "out"
PROFILES = sorted(path.name for path in (OUT / "charts").iterdir() if path.is_dir())
Key = tuple[str, str, str]  # kind, namespace, name


def _run(tool: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(tool), *args], capture_output=True, text=True, check=False)


def _objects(text: str) -> dict[Key, dict[str, Any]]:
    objects = {}
    for document in load_all(text):
        if document:
            metadata = document["metadata"]
            objects[(document["kind"], metadata.get("namespace", ""), metadata["name"])] = document
    return objects


def _template_argv(helm: Path, profile: str, *sets: str) -> list[str | Path]:
    return [helm, "template", "clipper", OUT / "charts" / profile, *[arg for value in sets for arg in ("--set", value)]]


def _template(helm: Path, profile: str, *sets: str) -> dict[Key, dict[str, Any]]:
    result = run_tool(*_template_argv(helm, profile, *sets))
    assert result.returncode == 0, result.stderr
    return _objects(result.stdout)


def _leaves(node: Any, path: tuple[Any, ...] = ()) -> dict[tuple[Any, ...], Any]:
    if isinstance(node, dict):
        return {k: v for key, value in node.items() for k, v in _leaves(value, (*path, key)).items()}
    if isinstance(node, list):
        return {k: v for index, value in enumerate(node) for k, v in _leaves(value, (*path, index)).items()}
    return {path: node}


def _changes(before: dict[Key, Any], after: dict[Key, Any]) -> dict[tuple[Key, tuple[Any, ...]], Any]:
    """(object, key path) → new value, for every leaf that differs (objects must match)."""
    assert set(before) == set(after)
    changed = {}
    for key, document in before.items():
        old, new = _leaves(document), _leaves(after[key])
        for path in old.keys() | new.keys():
            if old.get(path) != new.get(path):
                changed[(key, path)] = new.get(path)
    return changed


@pytest.fixture(scope="module")
def helm(k8s_tools: dict[str, Path]) -> Path:
    """The real helm, after the module's read-only commands on the committed out/ have run two at a time."""
    helm = k8s_tools["helm"]
    commands: list[list[str | Path]] = []
    for profile in PROFILES:
        commands += [_template_argv(helm, profile), [helm, "lint", "--strict", OUT / "charts" / profile]]
        commands.append([k8s_tools["kubectl"], "kustomize", OUT / "overlays" / profile])
    commands += [_template_argv(helm, profile, value) for profile, value, _ in (case.values for case in _cases())]
    for profile in CHECKED:
        commands += [
            _template_argv(helm, profile, "domain=clips.example.org"),
            _template_argv(helm, profile, "images.migrations.tag=V2.0_rc1"),
        ]
    commands += [_template_argv(helm, "prod-aws", value) for value, _ in [*REFUSED, ("api.replicas.min=20", "")]]
    run_tools_ahead(commands)
    return helm


@pytest.mark.parametrize("profile", PROFILES)
def test_chart_lints_strict(profile: str, helm: Path) -> None:
    result = run_tool(helm, "lint", "--strict", OUT / "charts" / profile)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("profile", PROFILES)
def test_default_values_render_the_overlay(profile: str, helm: Path, k8s_tools: dict[str, Path]) -> None:
    built = run_tool(k8s_tools["kubectl"], "kustomize", OUT / "overlays" / profile)
    assert built.returncode == 0, built.stderr
    overlay, chart = _objects(built.stdout), _template(helm, profile)
    assert sorted(chart) == sorted(overlay)
    for key, document in overlay.items():
        assert chart[key] == document, key


@pytest.mark.parametrize("profile", PROFILES)
def test_what_holds_data_survives_helm_uninstall(profile: str, helm: Path) -> None:
    """What Flux never prunes (the namespace, the in-cluster databases) Helm keeps too."""
    kept = {
        key: document["metadata"].get("annotations", {})
        for key, document in _template(helm, profile).items()
        if document["metadata"].get("annotations", {}).get("kustomize.toolkit.fluxcd.io/prune") == "disabled"
    }
    assert ("Namespace", "", "clipper") in kept
    assert all(annotations.get("helm.sh/resource-policy") == "keep" for annotations in kept.values()), kept


def test_every_profile_has_a_chart() -> None:
    assert sorted(path.name for path in (OUT / "overlays").iterdir()) == PROFILES


@pytest.mark.parametrize("profile", PROFILES)
def test_chart_packages(profile: str, helm: Path, tmp_path: Path) -> None:
    result = _run(helm, "package", str(OUT / "charts" / profile), "--destination", str(tmp_path))
    assert result.returncode == 0, result.stderr
    chart = load((OUT / "charts" / profile / "Chart.yaml").read_text(encoding="utf-8"))
    assert (tmp_path / f"{profile}-{chart['version']}.tgz").is_file()


DIGEST = "sha256:" + "ab" * 32
API = ("Deployment", "clipper", "api")
FRONTEND = ("Deployment", "clipper", "frontend")
CONTAINER = ("spec", "template", "spec", "containers", 0)

# --set value → the fields it must change (object, key path) and their new values; nothing else may change.
CASES: dict[str, dict[tuple[Key, tuple[Any, ...]], Any]] = {
    "images.api.tag=v9.9.9": {(API, (*CONTAINER, "image")): "ghcr.io/subculture-collective/clipper/backend:v9.9.9"},
    "images.api.repository=registry.example.com/clipper/api": {(API, (*CONTAINER, "image")): "registry.example.com/clipper/api:{api_tag}"},
    f"images.api.digest={DIGEST}": {(API, (*CONTAINER, "image")): "ghcr.io/subculture-collective/clipper/backend:{api_tag}@" + DIGEST},
    "images.frontend.tag=v9.9.9": {(FRONTEND, (*CONTAINER, "image")): "ghcr.io/subculture-collective/clipper/frontend:v9.9.9"},
    "images.frontend.repository=registry.example.com/clipper/web": {
        (FRONTEND, (*CONTAINER, "image")): "registry.example.com/clipper/web:{frontend_tag}"
    },
    f"images.frontend.digest={DIGEST}": {
        (FRONTEND, (*CONTAINER, "image")): "ghcr.io/subculture-collective/clipper/frontend:{frontend_tag}@" + DIGEST
    },
    "api.replicas.min=4": {(("HorizontalPodAutoscaler", "clipper", "api"), ("spec", "minReplicas")): 4},
    "api.replicas.max=40": {(("HorizontalPodAutoscaler", "clipper", "api"), ("spec", "maxReplicas")): 40},
    "api.resources.requests.cpu=750m": {(API, (*CONTAINER, "resources", "requests", "cpu")): "750m"},
    "api.resources.limits.memory=3Gi": {(API, (*CONTAINER, "resources", "limits", "memory")): "3Gi"},
    "frontend.resources.requests.memory=96Mi": {(FRONTEND, (*CONTAINER, "resources", "requests", "memory")): "96Mi"},
    "frontend.resources.limits.memory=256Mi": {(FRONTEND, (*CONTAINER, "resources", "limits", "memory")): "256Mi"},
}
# The frontend replica value has two shapes: HPA bounds, or a fixed count without an HPA.
FRONTEND_HPA_CASES = {
    "frontend.replicas.min=3": {(("HorizontalPodAutoscaler", "clipper", "frontend"), ("spec", "minReplicas")): 3},
    "frontend.replicas.max=9": {(("HorizontalPodAutoscaler", "clipper", "frontend"), ("spec", "maxReplicas")): 9},
}
FRONTEND_FIXED_CASES = {"frontend.replicas=3": {(FRONTEND, ("spec", "replicas")): 3}}
CHECKED = ["prod-aws", "staging-do"]  # one with a frontend HPA, one without


def _values(profile: str) -> dict[str, Any]:
    loaded: dict[str, Any] = load((OUT / "charts" / profile / "values.yaml").read_text(encoding="utf-8"))
    return loaded


def _cases() -> list[Any]:
    params = []
    for profile in CHECKED:
        frontend = FRONTEND_HPA_CASES if isinstance(_values(profile)["frontend"]["replicas"], dict) else FRONTEND_FIXED_CASES
        for value, expected in {**CASES, **frontend}.items():
            params.append(pytest.param(profile, value, expected, id=f"{profile}-{value.split('=')[0]}"))
    return params


@pytest.mark.parametrize(("profile", "value", "expected"), _cases())
def test_value_changes_exactly_its_fields(profile: str, value: str, expected: dict[Any, Any], helm: Path) -> None:
    images = _values(profile)["images"]
    tags = {"api_tag": images["api"]["tag"], "frontend_tag": images["frontend"]["tag"]}
    wanted = {where: new.format(**tags) if isinstance(new, str) else new for where, new in expected.items()}
    assert _changes(_template(helm, profile), _template(helm, profile, value)) == wanted


@pytest.mark.parametrize("profile", CHECKED)
def test_domain_changes_every_host_and_origin_and_nothing_else(profile: str, helm: Path) -> None:
    domain = _values(profile)["domain"]
    before, after = _template(helm, profile), _template(helm, profile, "domain=clips.example.org")
    changed = _changes(before, after)
    old = {(key, path): value for key in before for path, value in _leaves(before[key]).items()}
    assert {where for where, value in old.items() if isinstance(value, str) and domain in value} == set(changed)
    assert all(new == old[where].replace(domain, "clips.example.org") for where, new in changed.items())
    config = after[("ConfigMap", "clipper", "api-config")]["data"]
    assert config["BASE_URL"] == config["CORS_ALLOWED_ORIGINS"] == "https://clips.example.org"
    assert [rule["host"] for rule in after[("Ingress", "clipper", "clipper")]["spec"]["rules"] if "host" in rule] == ["clips.example.org"]


@pytest.mark.parametrize("profile", CHECKED)
def test_migrations_image_renames_its_job_and_changes_only_its_images(profile: str, helm: Path) -> None:
    migrations = _values(profile)["images"]["migrations"]
    old_job = "migrate-" + migrations["tag"].lower().replace(".", "-")
    before, after = _template(helm, profile), _template(helm, profile, "images.migrations.tag=V2.0_rc1")
    assert (("Job", "clipper", "migrate-v2-0-rc1") in after) and (("Job", "clipper", old_job) not in after)
    after[("Job", "clipper", old_job)] = after.pop(("Job", "clipper", "migrate-v2-0-rc1"))
    changed = _changes(before, after)
    new_image = f"{migrations['repository']}:V2.0_rc1"
    assert ((("Job", "clipper", old_job)), ("metadata", "name")) in changed
    del changed[(("Job", "clipper", old_job)), ("metadata", "name")]
    assert set(changed.values()) == {new_image}
    assert (API, ("spec", "template", "spec", "initContainers", 0, "image")) in changed


REFUSED = [
    ("api.replicas.min=1", "at '/api/replicas/min': minimum: got 1, want 3"),
    ("frontend.replicas.min=1", "at '/frontend/replicas/min': minimum: got 1, want 2"),
    ("images.api.tag=latest", "at '/images/api/tag'"),
    ("images.api.tag=", "at '/images/api'"),  # neither a tag nor a digest (image-pinned)
    ("api.replicas.max=101", "at '/api/replicas/max': maximum: got 101, want 100"),
    ("api.resources.requests.cpu=lots", "at '/api/resources/requests/cpu'"),
    ("domain=Not_A_Host", "at '/domain'"),
    ("ingress.enabled=false", "additional properties 'ingress' not allowed"),
]


@pytest.mark.parametrize(("value", "message"), REFUSED)
def test_schema_refuses_out_of_range_values(value: str, message: str, helm: Path) -> None:
    result = run_tool(*_template_argv(helm, "prod-aws", value))
    assert result.returncode != 0
    assert "values don't meet the specifications of the schema" in result.stderr
    assert message in result.stderr


def test_replica_minimum_above_maximum_is_refused(helm: Path) -> None:
    result = run_tool(*_template_argv(helm, "prod-aws", "api.replicas.min=20"))
    assert result.returncode != 0
    assert "api.replicas.min must not be greater than api.replicas.max" in result.stderr


def test_no_value_can_add_keys_or_documents(helm: Path) -> None:
    """Past the schema (--skip-schema-validation), a hostile string stays one string."""
    hostile = 'x"\n---\nkind: Secret\n{{ .Values }}: {a: b} #'
    before = _template(helm, "prod-aws")
    result = _run(
        helm, "template", "clipper", str(OUT / "charts" / "prod-aws"), "--skip-schema-validation", "--set-string", f"domain={hostile}"
    )
    assert result.returncode == 0, result.stderr
    after = _objects(result.stdout)
    assert sorted(after) == sorted(before)
    assert after[("ConfigMap", "clipper", "api-config")]["data"]["BASE_URL"] == f"https://{hostile}"


def test_flux_delivers_the_chart_through_a_helm_release(project: Path, run_cli: RunCli, k8s_tools: dict[str, Path]) -> None:
    """flux.delivery: helm: the apps stage applies a HelmRelease of the profile's chart from the
    bootstrap GitRepository, still after infra-configs; validate finds nothing to say."""
    (project / "clipper-manifests.yaml").write_text("outputs: [kustomize, helm]\n", encoding="utf-8")
    profile = project / "profiles" / "staging-do.yaml"
    profile.write_text(profile.read_text(encoding="utf-8") + "flux:\n  delivery: helm\n", encoding="utf-8")
    result = run_cli("render", "staging-do", "--root", project)
    assert result.exit_code == 0 and "warning" not in result.stderr, result.stderr
    out = project / "out"
    apps = load((out / "clusters" / "staging-do" / "kustomization-apps.yaml").read_text(encoding="utf-8"))
    assert apps["spec"]["path"] == "./out/delivery/staging-do" and apps["spec"]["dependsOn"] == [{"name": "infra-configs"}]
    built = _run(k8s_tools["kubectl"], "kustomize", str(out / "delivery" / "staging-do"))
    assert built.returncode == 0, built.stderr
    (release,) = load_all(built.stdout)
    assert release["kind"] == "HelmRelease"
    assert release["spec"]["chart"]["spec"] == {
        "chart": "./out/charts/staging-do",
        "sourceRef": {"kind": "GitRepository", "name": "flux-system", "namespace": "flux-system"},
        "reconcileStrategy": "Revision",
        "interval": "1h",
    }
    assert (out / "charts" / "staging-do" / "Chart.yaml").is_file()


def test_literal_text_around_values_survives_helm(helm: Path, tmp_path: Path) -> None:
    """Template text of an object whose strings hold Go template syntax, quotes, backslashes,
    newlines and non-ASCII around the domain renders back to the same object."""
    from clipper_manifests.output.helm_chart import template_text

    profile = shipped_profile("prod-aws")
    domain = profile.domain
    tricky = {
        "alert": "{{ $labels.pod }} on {{.Values.domain}} }} {{- x -}}",
        "quoted": f'say "https://{domain}/a\\b" — ünïcode 🚀\n\tnext line {{{{',
        "twice": f"{domain},{domain}",
        "edge": f'{domain}"{{{{ "{{{{" }}}}',
    }
    document = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "t", "namespace": "clipper"}, "data": tricky}
    (tmp_path / "templates").mkdir()
    (tmp_path / "Chart.yaml").write_text("apiVersion: v2\nname: t\nversion: 0.1.0\n", encoding="utf-8")
    (tmp_path / "values.yaml").write_text(f"domain: {domain}\n", encoding="utf-8")
    (tmp_path / "templates" / "cm.yaml").write_text(template_text(profile, document), encoding="utf-8")
    result = _run(helm, "template", "t", str(tmp_path))
    assert result.returncode == 0, result.stderr
    assert load(result.stdout) == document
    result = _run(helm, "template", "t", str(tmp_path), "--set", "domain=other.example")
    assert load(result.stdout)["data"] == {key: value.replace(domain, "other.example") for key, value in tricky.items()}
