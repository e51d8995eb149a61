"""Profile rules on what the edge, the autoscalers and the NetworkPolicies need from the cluster outside out/."""

from __future__ import annotations

from collections.abc import Iterator

from clipper_manifests.problems import Severity
from clipper_manifests.profile.model import Profile
from clipper_manifests.rules.profile.run import Finding
from clipper_manifests.rules.registry import (
    ERROR,
    PRODUCTION_ERROR,
    profile_rule,
)


def _eks_undeclared(profile: Profile, declared: str | None, message: str) -> Iterator[Finding]:
    """A cluster add-on GKE and DOKS ship and EKS does not: on AWS, the profile must declare who installs it."""
    if profile.provider == "aws" and declared is None:
        yield ("cluster",), message, Severity.ERROR


@profile_rule("metrics-server-prerequisite", ERROR, "cluster.metricsServer", "provider")
def _metrics_server(profile: Profile) -> Iterator[Finding]:
    """The HPAs scale on CPU and memory from the metrics API (metrics-server). GKE and DOKS ship metrics-server; EKS does not, and without
    it every HPA reports <unknown> and never scales. No metrics-server chart has verified sources here (../shared/charts), so the tool
    does not install it.

    Fix: install metrics-server on the EKS cluster (the EKS add-on `metrics-server`, or the upstream chart) and declare it with
    cluster.metricsServer: eks-addon | self-managed"""
    yield from _eks_undeclared(
        profile,
        profile.cluster.metrics_server,
        "EKS does not install metrics-server, which the API's HPA reads, and nothing declares it installed",
    )


@profile_rule("network-policy-enforced", ERROR, "cluster.networkPolicy", "provider")
def _network_policy_enforced(profile: Profile) -> Iterator[Finding]:
    """Every flow of the application is a NetworkPolicy, but EKS enforces none unless the VPC CNI's network policy agent is on
    (enableNetworkPolicy in the vpc-cni add-on configuration) or another engine (Calico, Cilium) runs: without it, default deny denies
    nothing and the reachability check proves nothing about the cluster.

    Fix: turn on the VPC CNI's network policy support (or install Calico or Cilium) and declare it with cluster.networkPolicy: vpc-cni |
    calico | cilium"""
    yield from _eks_undeclared(
        profile, profile.cluster.network_policy, "EKS ignores NetworkPolicies unless a policy engine runs, and nothing declares one"
    )


@profile_rule("gke-ssl-policy", PRODUCTION_ERROR, "environment", "ingress.gcp")
def _gke_ssl_policy(profile: Profile) -> Iterator[Finding]:
    """Without an SSL policy, GKE's HTTPS load balancer uses Google's default policy, which still accepts TLS 1.0 and 1.1 (COMPATIBLE
    profile).

    Fix: create a policy with minimum TLS 1.2 (`gcloud compute ssl-policies create NAME --profile MODERN --min-tls-version 1.2`) and name
    it in ingress.gcp.sslPolicy"""
    gcp = profile.ingress.gcp
    if gcp is not None and not gcp.ssl_policy:
        severity = Severity.ERROR if profile.environment == "production" else Severity.WARNING
        yield ("ingress", "gcp"), "no SSL policy: the load balancer accepts TLS 1.0 and 1.1", severity
