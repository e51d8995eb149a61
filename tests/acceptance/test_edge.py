"""The public edge as the cloud and the cluster would see it, rendered with the real charts.

Each shipped ingress-controller release is rendered with its upstream chart (../shared/charts);
the load balancer's settings (Service annotations, GKE's BackendConfig) are read from out/ and
compared with what the controller's pods actually serve.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests import helm_charts
from tests.conftest import SHARED
from tests.helm_charts import OUT, Charts, Release
from tests.helpers import load

pytestmark = pytest.mark.skipif(not (SHARED / "charts").is_dir(), reason="needs ../shared/charts (the real upstream charts); CI has it")

CONTROLLERS = [r for r in helm_charts.shipped_releases() if r.chart in {"traefik", "ingress-nginx"}]
AWS = "service.beta.kubernetes.io/aws-load-balancer-"
DO = "service.beta.kubernetes.io/do-loadbalancer-"
GOOGLE_FRONT_ENDS = {"130.211.0.0/22", "35.191.0.0/16"}


@pytest.fixture(scope="module")
def charts(k8s_tools: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> Charts:
    return Charts(k8s_tools["helm"], tmp_path_factory.mktemp("edge-charts"))


def _ids(release: Release) -> str:
    return release.id


def _deployment(objects: list[dict[str, Any]]) -> dict[str, Any]:
    (deployment,) = [o for o in objects if o["kind"] == "Deployment"]
    return deployment


def _container(objects: list[dict[str, Any]]) -> dict[str, Any]:
    container: dict[str, Any] = _deployment(objects)["spec"]["template"]["spec"]["containers"][0]
    return container


def _public_service(objects: list[dict[str, Any]]) -> dict[str, Any]:
    """The Service the cloud load balancer sends to (LoadBalancer, or GKE's NEG Service)."""
    services = [o for o in objects if o["kind"] == "Service"]
    (service,) = [
        s for s in services if s["spec"].get("type") == "LoadBalancer" or "cloud.google.com/neg" in (s["metadata"].get("annotations") or {})
    ]
    return service


def _own_health(objects: list[dict[str, Any]]) -> tuple[int, str]:
    """Where the controller's pods answer their own health: what the chart's readiness probe reads."""
    probe = _container(objects)["readinessProbe"]["httpGet"]
    port = probe["port"]
    if isinstance(port, str):
        port = next(p["containerPort"] for p in _container(objects)["ports"] if p["name"] == port)
    return int(port), str(probe["path"])


def _args(objects: list[dict[str, Any]]) -> list[str]:
    container = _container(objects)
    return [*container.get("args", []), *container.get("command", [])]


def _configs(profile: str) -> dict[str, dict[str, Any]]:
    folder = OUT / "infrastructure" / profile / "configs"
    documents = [load(path.read_text(encoding="utf-8")) for path in sorted(folder.glob("*.yaml"))]
    return {f"{d['kind']}/{d['metadata']['name']}": d for d in documents if d and "metadata" in d}


@pytest.mark.parametrize("release", CONTROLLERS, ids=_ids)
def test_the_load_balancer_health_checks_the_controller_not_the_api(release: Release, charts: Charts) -> None:
    """A data-tier outage fails the API's readiness; the load balancer must keep sending to the
    controller (which still serves the static frontend), so it checks the controller's own health."""
    objects = charts.render(release)
    port, path = _own_health(objects)
    service = _public_service(objects)
    annotations = service["metadata"]["annotations"]
    provider = helm_charts.provider(release.profile)
    if provider == "aws":
        assert annotations[f"{AWS}nlb-target-type"] == "ip", "the health check port is the pod's only with IP targets"
        assert (annotations[f"{AWS}healthcheck-port"], annotations[f"{AWS}healthcheck-path"]) == (str(port), path)
    elif provider == "gcp":
        check = _configs(release.profile)["BackendConfig/ingress-health"]["spec"]["healthCheck"]
        assert (check.get("port"), check["requestPath"]) == (port, path)
    else:
        # DigitalOcean checks the healthCheckNodePort (kube-proxy: 200 where a controller pod is
        # ready, i.e. answers its own health) unless an override points it somewhere else.
        assert service["spec"].get("externalTrafficPolicy") == "Local"
        assert f"{DO}override-health-check" not in annotations
        assert f"{DO}healthcheck-path" not in annotations


@pytest.mark.parametrize("release", CONTROLLERS, ids=_ids)
def test_client_address_reaches_the_api(release: Release, charts: Charts) -> None:
    """The API rate-limits per client IP: the controller sees the client's address, or believes
    X-Forwarded-For from the load balancer's addresses and from no one else."""
    objects = charts.render(release)
    service = _public_service(objects)
    annotations = service["metadata"]["annotations"]
    provider = helm_charts.provider(release.profile)
    args = _args(objects)
    trusted = [a for a in args if "forwardedheaders.trustedips" in a.lower() or "proxyprotocol.trustedips" in a.lower()]
    if provider == "aws":
        assert "preserve_client_ip.enabled=true" in annotations.get(f"{AWS}target-group-attributes", "")
        assert trusted == [], "the NLB adds no headers: a client's own X-Forwarded-For must not be believed"
    else:
        expected = (
            GOOGLE_FRONT_ENDS if provider == "gcp" else {helm_charts.merged_profile(release.profile)["ingress"]["digitalocean"]["vpcCidr"]}
        )
        if release.chart == "traefik":
            assert trusted, "no trusted proxies: every request looks like it came from the load balancer"
            for argument in trusted:
                assert set(argument.split("=", 1)[1].split(",")) == expected, argument
        if provider == "digitalocean":
            assert service["spec"].get("externalTrafficPolicy") == "Local", "kube-proxy's SNAT would hide the load balancer"


@pytest.mark.parametrize("release", [r for r in CONTROLLERS if r.chart == "traefik"], ids=_ids)
def test_traefik_drains_before_it_stops(release: Release, charts: Charts) -> None:
    """After SIGTERM Traefik keeps accepting (and fails /ping) until the load balancer has
    moved away, then finishes requests in flight, all within the pod's grace period."""
    objects = charts.render(release)
    args = _args(objects)

    def seconds(name: str) -> list[int]:
        return [int(a.split("=", 1)[1].rstrip("s")) for a in args if f"lifecycle.{name}".lower() in a.lower()]

    accept, grace = seconds("requestAcceptGraceTimeout"), seconds("graceTimeOut")
    assert accept and min(accept) >= 15, args
    grace_period = _deployment(objects)["spec"]["template"]["spec"]["terminationGracePeriodSeconds"]
    assert max(accept) + max(grace) < grace_period


@pytest.mark.parametrize("release", [r for r in CONTROLLERS if r.chart == "traefik"], ids=_ids)
def test_traefik_replicas_spread_over_nodes_and_match_prefixes_by_element(release: Release, charts: Charts) -> None:
    objects = charts.render(release)
    pod = _deployment(objects)["spec"]["template"]
    constraints = pod["spec"].get("topologySpreadConstraints", [])
    by_node = [c for c in constraints if c["topologyKey"] == "kubernetes.io/hostname"]
    assert by_node and all(helm_charts.matches(c["labelSelector"], pod["metadata"]["labels"]) for c in by_node)
    assert "--providers.kubernetesingress.strictPrefixMatching=true" in _args(objects)


def test_aws_controller_pods_wait_for_their_nlb_target() -> None:
    for profile in ("prod-aws", "staging-aws"):
        folder = OUT / "infrastructure" / profile / "controllers"
        namespace = load((folder / "namespace-ingress.yaml").read_text(encoding="utf-8"))
        assert namespace["metadata"]["labels"].get("elbv2.k8s.aws/pod-readiness-gate-inject") == "enabled"
        release = load((folder / "helmrelease-traefik.yaml").read_text(encoding="utf-8"))
        assert {"name": "aws-load-balancer-controller", "namespace": "kube-system"} in release["spec"].get("dependsOn", [])


def test_gke_https_proxy_has_a_tls12_policy() -> None:
    for profile in ("prod-gcp", "staging-gcp"):
        frontend = _configs(profile)["FrontendConfig/clipper"]["spec"]
        assert frontend.get("sslPolicy"), f"{profile}: Google's default SSL policy accepts TLS 1.0"
