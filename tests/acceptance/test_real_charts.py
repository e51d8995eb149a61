"""The shipped controllers stage against the real upstream charts it installs (../shared/charts).

What a user would see in a cluster: `helm template` of every HelmRelease renders; every values
key is one the chart reads (else Helm silently ignores it); every monitor and in-cluster URL
aimed at a chart-installed component names a Service, port and labels the chart creates; and
the versions pinned in templates/platform.yaml are the ones these sources are.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from clipper_manifests.rules.security.reachability_model import Evaluator, Flow, Party
from tests import helm_charts
from tests.conftest import REPO
from tests.helm_charts import CHARTS, OUT, Charts, Release
from tests.helpers import load, load_all

pytestmark = [pytest.mark.shared("charts"), pytest.mark.heavy]  # the real upstream charts; heavy: see tests/conftest.py

RELEASES = helm_charts.shipped_releases()
PLATFORM = load((REPO / "templates" / "platform.yaml").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def charts(k8s_tools: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> Charts:
    charts = Charts(k8s_tools["helm"], tmp_path_factory.mktemp("charts"))
    charts.render_ahead(RELEASES)
    return charts


def _release_ids(release: Release) -> str:
    return release.id


@pytest.mark.parametrize("release", RELEASES, ids=_release_ids)
def test_release_renders_with_the_real_chart(release: Release, charts: Charts) -> None:
    objects = charts.render(release)
    assert any(o.get("kind") in {"Deployment", "StatefulSet", "DaemonSet"} for o in objects), "the release runs nothing"


INGRESS = [r for r in RELEASES if r.chart in {"traefik", "ingress-nginx"}]


@pytest.mark.parametrize("release", INGRESS, ids=_release_ids)
def test_ingress_controller_opens_one_load_balancer_only_where_intended(release: Release, charts: Charts) -> None:
    """GKE's HTTP(S) load balancer reaches the controller through a ClusterIP Service (NEGs);
    a LoadBalancer Service there would be a second, plain-HTTP public entry point."""
    provider = helm_charts.provider(release.profile)
    services = [o for o in charts.render(release) if o["kind"] == "Service"]
    balancers = [s["metadata"]["name"] for s in services if s["spec"].get("type") == "LoadBalancer"]
    assert len(balancers) == (0 if provider == "gcp" else 1), f"{provider}: LoadBalancer Services {balancers}"


@pytest.mark.parametrize("release", RELEASES, ids=_release_ids)
def test_release_sets_only_keys_the_chart_reads(release: Release) -> None:
    assert helm_charts.unread_paths(release) == [], f"{release.path.relative_to(REPO)}: keys the chart ignores"


def test_every_unverified_key_allowance_is_still_needed() -> None:
    """An allowance for a subchart key nobody sets any more would hide nothing: remove it."""
    for chart, paths in helm_charts.schemas.UNVERIFIED.items():
        for path in paths:
            assert any(_has_path(r.values, path) for r in RELEASES if r.chart == chart), f"{chart}: {'.'.join(path)} is set by no release"


def _has_path(values: Any, path: tuple[str, ...]) -> bool:
    for key in path:
        if not isinstance(values, dict) or key not in values:
            return False
        values = values[key]
    return True


# --- monitors and in-cluster URLs aimed at chart-installed components ------------------------


def _out_objects(profile: str) -> Iterator[tuple[Path, dict[str, Any]]]:
    for folder in (OUT / "overlays" / profile, OUT / "infrastructure" / profile):
        for path in sorted(folder.rglob("*.yaml")):
            for document in load_all(path.read_text(encoding="utf-8")):
                if isinstance(document, dict):
                    yield path, document


def _chart_monitors() -> list[tuple[str, Path, dict[str, Any]]]:
    """ServiceMonitors and PodMonitors whose namespaceSelector names a namespace a HelmRelease
    installs into (the others select the application's own pods, or operator-made pods)."""
    found = []
    for profile in sorted({r.profile for r in RELEASES}):
        release_namespaces = {r.namespace for r in RELEASES if r.profile == profile}
        for path, document in _out_objects(profile):
            if document.get("kind") in {"ServiceMonitor", "PodMonitor"}:
                names = document["spec"].get("namespaceSelector", {}).get("matchNames", [])
                if set(names) & release_namespaces:
                    found.append((profile, path, document))
    return found


MONITORS = _chart_monitors()


def _releases_in(profile: str, namespaces: list[str]) -> list[Release]:
    return [r for r in RELEASES if r.profile == profile and r.namespace in namespaces]


def test_the_chart_monitors_are_the_ones_the_readme_promises() -> None:
    names = {document["metadata"]["name"] for _, _, document in MONITORS}
    assert names == {"ingress-controller", "external-secrets", "cert-manager"}


@pytest.mark.parametrize(
    ("profile", "path", "monitor"), MONITORS, ids=[f"{p}-{d['kind'].lower()}-{d['metadata']['name']}" for p, _, d in MONITORS]
)
def test_monitor_selects_a_port_the_real_chart_renders(profile: str, path: Path, monitor: dict[str, Any], charts: Charts) -> None:
    spec = monitor["spec"]
    objects = [o for r in _releases_in(profile, spec["namespaceSelector"]["matchNames"]) for o in charts.render(r)]
    if monitor["kind"] == "ServiceMonitor":
        services = [o for o in objects if o["kind"] == "Service" and helm_charts.matches(spec["selector"], o["metadata"].get("labels"))]
        assert services, f"{path.relative_to(REPO)}: no Service of the chart has labels {spec['selector']}"
        ports = {p.get("name") for s in services for p in s["spec"].get("ports", [])}
        for endpoint in spec["endpoints"]:
            assert endpoint["port"] in ports, f"{path.relative_to(REPO)}: port {endpoint['port']!r} is not one of {sorted(ports)}"
    else:
        pods = [t for t in helm_charts.pod_templates(objects) if helm_charts.matches(spec["selector"], t["metadata"].get("labels"))]
        assert pods, f"{path.relative_to(REPO)}: no pod template of the chart has labels {spec['selector']}"
        ports = {p.get("name") for t in pods for c in t["spec"]["containers"] for p in c.get("ports", [])}
        for endpoint in spec["podMetricsEndpoints"]:
            assert endpoint["port"] in ports, f"{path.relative_to(REPO)}: port {endpoint['port']!r} is not one of {sorted(ports)}"


SERVICE_URL = re.compile(r"(?:https?://)?([a-z0-9-]+)\.([a-z0-9-]+)\.svc(?:\.cluster\.local)?:(\d+)")


def _chart_urls() -> list[tuple[str, Path, str, str, int]]:
    """Every `<service>.<namespace>.svc:<port>` in a profile's output whose namespace a
    HelmRelease installs into: the Probe's blackbox prober, Alloy's and Grafana's Loki URL."""
    found = []
    for profile in sorted({r.profile for r in RELEASES}):
        release_namespaces = {r.namespace for r in RELEASES if r.profile == profile}
        for folder in (OUT / "overlays" / profile, OUT / "infrastructure" / profile):
            for path in sorted(folder.rglob("*.yaml")):
                for service, namespace, port in sorted(set(SERVICE_URL.findall(path.read_text(encoding="utf-8")))):
                    if namespace in release_namespaces:
                        found.append((profile, path, service, namespace, int(port)))
    return found


URLS = _chart_urls()


def test_the_chart_urls_include_the_blackbox_prober_and_loki() -> None:
    assert {service for _, _, service, _, _ in URLS} == {"prometheus-blackbox-exporter", "loki"}


@pytest.mark.parametrize(("profile", "path", "service", "namespace", "port"), URLS, ids=[f"{p}-{f.stem}-{s}" for p, f, s, _, _ in URLS])
def test_in_cluster_url_reaches_a_service_the_real_chart_renders(
    profile: str, path: Path, service: str, namespace: str, port: int, charts: Charts
) -> None:
    objects = [o for r in _releases_in(profile, [namespace]) for o in charts.render(r)]
    named = [o for o in objects if o["kind"] == "Service" and o["metadata"]["name"] == service]
    assert named, f"{path.relative_to(REPO)}: no chart in namespace {namespace} renders Service {service}"
    assert port in {p["port"] for s in named for p in s["spec"]["ports"]}, f"{path.relative_to(REPO)}: Service {service} has no port {port}"


# --- chart versions ----------------------------------------------------------------------------


def _sources() -> set[tuple[str, str]]:
    with (CHARTS / "SOURCES.tsv").open(encoding="utf-8") as handle:
        return {(row[0], row[4]) for row in csv.reader(handle, delimiter="\t") if row}


@pytest.mark.parametrize("name", sorted(PLATFORM["charts"]))
def test_pinned_chart_version_is_the_verified_source(name: str) -> None:
    """The pin is a release SOURCES.tsv lists, and the chart sources the other tests render are
    that release; a pin that cannot be (say, a security release not mirrored yet) states why in
    platform.yaml as `unverifiedVersion: <reason>`."""
    pin = PLATFORM["charts"][name]
    if pin.get("unverifiedVersion"):
        return
    assert (pin["chart"], str(pin["version"])) in _sources(), f"{name} {pin['version']} is not in ../shared/charts/SOURCES.tsv"
    source = load((CHARTS / pin["chart"] / "Chart.yaml").read_text(encoding="utf-8"))
    assert str(source["version"]) == str(pin["version"])


# --- storage ---------------------------------------------------------------------------------


def _claim_classes(objects: list[dict[str, Any]]) -> dict[str, str | None]:
    """Each persistent volume claim template the chart makes → its storageClassName."""
    claims: dict[str, str | None] = {}
    for o in objects:
        name = f"{o['kind']}/{o['metadata']['name']}"
        if o["kind"] in {"Prometheus", "Alertmanager"}:
            template = o["spec"].get("storage", {}).get("volumeClaimTemplate")
            if template is not None:
                claims[name] = template.get("spec", {}).get("storageClassName")
        elif o["kind"] == "StatefulSet":
            for template in o["spec"].get("volumeClaimTemplates", []):
                claims[f"{name}/{template['metadata']['name']}"] = template["spec"].get("storageClassName")
    return claims


STORAGE_CHARTS = ("kube-prometheus-stack", "loki")


@pytest.mark.parametrize("release", [r for r in RELEASES if r.chart in STORAGE_CHARTS], ids=_release_ids)
def test_persistent_volumes_use_a_class_the_controllers_stage_applies(release: Release, charts: Charts) -> None:
    """The stage that installs these charts waits for their volumes, so the class they name must
    arrive in that same stage, not in `apps` after it."""
    claims = _claim_classes(charts.render(release))
    assert claims, "the chart renders no volume claim"
    classes = {d["metadata"]["name"] for _, d in _out_objects(release.profile) if d.get("kind") == "StorageClass"}
    in_stage = {
        load(p.read_text(encoding="utf-8"))["metadata"]["name"]
        for p in (OUT / "infrastructure" / release.profile / "controllers").glob("storageclass-*.yaml")
    }
    for claim, storage_class in claims.items():
        assert storage_class is not None, f"{claim} relies on the cluster's default StorageClass"
        assert storage_class in in_stage, f"{claim}: StorageClass {storage_class} is not in the controllers stage"
        assert storage_class in classes


def test_each_storage_class_has_one_owner() -> None:
    """Two Flux Kustomizations applying the same StorageClass would fight over it (and pruning
    one copy would delete the class under the other's volumes)."""
    owners: dict[str, list[str]] = {}
    for path in sorted(OUT.rglob("storageclass-*.yaml")):
        name = load(path.read_text(encoding="utf-8"))["metadata"]["name"]
        profile_or_shared = path.relative_to(OUT).parts
        owners.setdefault(name, []).append("/".join(profile_or_shared[:2]))
    for name, places in owners.items():
        profiles = [place for place in places if place.startswith("infrastructure/")]
        assert places == profiles, f"StorageClass {name} is also emitted outside the controllers stage: {places}"
        assert len(profiles) == len(set(profiles)), f"StorageClass {name} is emitted twice for one profile: {places}"


# --- the values schemas the runtime `helm-values` rule uses -------------------------------------


# Where ../shared/charts is absent the committed schemas name the charts, so each case is
# listed and skipped with the folder it needs (not as an empty parameter set).
_CHART_DIRS = (
    helm_charts.schemas.chart_dirs(CHARTS)
    if CHARTS.is_dir()
    else sorted(CHARTS / p.stem for p in helm_charts.schemas.OUTPUT.glob("*.json"))
)


@pytest.mark.parametrize("chart_dir", _CHART_DIRS, ids=lambda path: path.name)
def test_committed_values_schema_is_what_the_real_chart_gives(chart_dir: Path) -> None:
    committed = helm_charts.schemas.OUTPUT / f"{chart_dir.name}.json"
    assert committed.is_file(), f"no {committed.relative_to(REPO)}: run scripts/refresh_values_schemas.py"
    assert committed.read_text(encoding="utf-8") == helm_charts.schemas.schema_text(chart_dir), "run scripts/refresh_values_schemas.py"


# --- the monitoring namespace's pods, as its NetworkPolicies select them -------------------------

MONITORING_PODS: dict[str, Any] = PLATFORM["network"]["monitoringPods"]
# The operator makes these pods from the chart's Prometheus and Alertmanager; the chart renders
# their Services, whose selectors those pods carry.
OPERATOR_MADE = {"prometheus", "alertmanager"}
# Components from kube-prometheus-stack subcharts, which Charts leaves off where their sources
# are missing from the shared charts.
SUBCHARTS = {"grafana": "grafana", "kube-state-metrics": "kube-state-metrics"}
MONITORING_PROFILES = sorted({r.profile for r in RELEASES if r.chart == "loki"})


def _monitoring_objects(profile: str, charts: Charts) -> list[dict[str, Any]]:
    namespace = next(r.namespace for r in RELEASES if r.profile == profile and r.chart == "loki")
    return [o for r in _releases_in(profile, [namespace]) for o in charts.render(r)]


def _subset(labels: dict[str, str], of: dict[str, str] | None) -> bool:
    return all((of or {}).get(key) == value for key, value in labels.items())


@pytest.mark.parametrize("profile", MONITORING_PROFILES)
@pytest.mark.parametrize("component", sorted(MONITORING_PODS))
def test_monitoring_pod_labels_and_ports_are_what_the_real_charts_render(profile: str, component: str, charts: Charts) -> None:
    """The monitoring namespace's NetworkPolicies select these labels and open these ports: a
    label the chart does not put on the pod would leave it behind the default deny."""
    facts = MONITORING_PODS[component]
    if component in SUBCHARTS and SUBCHARTS[component] in helm_charts.schemas.missing_dependencies(CHARTS / "kube-prometheus-stack"):
        pytest.skip(f"the sources of kube-prometheus-stack's {SUBCHARTS[component]} subchart are not in the shared charts")
    objects = _monitoring_objects(profile, charts)
    if component in OPERATOR_MADE:
        services = [o for o in objects if o["kind"] == "Service" and _subset(facts["labels"], o["spec"].get("selector"))]
        assert services, f"no Service of the chart selects pods labelled {facts['labels']}"
        numbers = {p.get(k) for s in services for p in s["spec"]["ports"] for k in ("port", "targetPort")}
        # The Alertmanager mesh (9094, TCP and UDP) is on the operator's own alertmanager-operated
        # Service and pods, not in the chart: not checkable here.
        numbers.add(facts["ports"].get("mesh"))
    else:
        workloads = [o for o in objects if o["kind"] in {"Deployment", "StatefulSet", "DaemonSet", "Job"}]
        selected = [o for o in workloads if _subset(facts["labels"], o["spec"]["template"]["metadata"].get("labels"))]
        assert [o["kind"] for o in selected] and len(selected) == 1, f"{facts['labels']} select {[o['metadata']['name'] for o in selected]}"
        spec = selected[0]["spec"]["template"]["spec"]
        numbers = {p["containerPort"] for c in spec["containers"] for p in c.get("ports", [])}
    assert set(facts["ports"].values()) <= numbers, (
        f"ports {sorted(facts['ports'].values())} against the chart's {sorted(numbers, key=str)}"
    )


@pytest.mark.parametrize("profile", MONITORING_PROFILES)
def test_among_the_real_charts_pods_only_grafana_and_the_log_agent_reach_loki(profile: str, charts: Charts) -> None:
    """Every pod the monitoring charts render (the operator's Prometheus and Alertmanager by
    their Services' selectors) against the emitted policies: Loki's HTTP port, where logs are
    read, admits Grafana and Alloy only."""
    namespace = next(r.namespace for r in RELEASES if r.profile == profile and r.chart == "loki")
    objects = _monitoring_objects(profile, charts)
    pods = [
        (o["metadata"]["name"], o["spec"]["template"]["metadata"].get("labels") or {})
        for o in objects
        if o["kind"] in {"Deployment", "StatefulSet", "DaemonSet", "Job"} and not o["spec"]["template"]["spec"].get("hostNetwork")
    ]
    pods += [
        (f"pods of Service {o['metadata']['name']}", o["spec"]["selector"])
        for o in objects
        if o["kind"] == "Service" and any(_subset(MONITORING_PODS[c]["labels"], o["spec"].get("selector")) for c in OPERATOR_MADE)
    ]
    if not any(_subset(MONITORING_PODS["grafana"]["labels"], labels) for _, labels in pods):
        pods.append(("grafana (labels of templates/platform.yaml)", MONITORING_PODS["grafana"]["labels"]))
    parties = [Party(name, namespace, tuple(sorted(labels.items()))) for name, labels in pods]
    policies = [d for _, d in _out_objects(profile) if d.get("kind") == "NetworkPolicy" and d["metadata"].get("namespace") == namespace]
    evaluator = Evaluator(policies, namespace)
    lokis = [p for p in parties if _subset(MONITORING_PODS["loki"]["labels"], p.label_map)]
    assert lokis
    http = MONITORING_PODS["loki"]["ports"]["http"]
    admitted = {source.name for source in parties for loki in lokis if evaluator.evaluate(Flow(source, loki, http)).allowed}
    readers = {"grafana", "alloy"}
    assert {name for name, labels in pods if labels.get("app.kubernetes.io/name") in readers} == admitted
