"""Clipper's alert rules: one PrometheusRule per component, thresholds from the profile. The
application's groups are here; the data services', the platform's and the rule lists are in
alerts_platform.py.

Each rule group names the exporters its expressions read (keys of schemas/metrics.yaml); a
test parses every expression and proves it names only those exporters' metrics, and that the
profile scrapes them. Every alert carries `severity`, `component` and the application
`namespace` (the AlertmanagerConfig of that namespace only receives alerts with that label,
so aggregations and targets in other namespaces would otherwise never be routed).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from clipper_manifests.profile.model import Profile

Severity = Literal["critical", "warning"]


@dataclass(frozen=True)
class Alert:
    name: str
    expr: str
    duration: str  # the rule's `for`
    severity: Severity
    summary: str
    description: str


@dataclass(frozen=True)
class RuleGroup:
    component: str
    exporters: tuple[str, ...]
    alerts: tuple[Alert, ...]

    @property
    def name(self) -> str:
        return f"clipper-{self.component}"


def number(value: float) -> str:
    """0.5 → "0.5", 1.0 → "1": thresholds as PromQL literals."""
    return f"{value:g}"


def api_group(profile: Profile) -> RuleGroup:
    limits, api = profile.monitoring.thresholds, f'job="clipper-api", namespace="{profile.namespace}"'
    return RuleGroup(
        "api",
        ("prometheus", "clipper-api"),
        (
            Alert(
                "ClipperApiDown",
                f"absent(up{{{api}}} == 1)",
                "2m",
                "critical",
                "No API pod can be scraped",
                "Prometheus has not reached any API pod for 2 minutes: the API is down, or scraping broke (ServiceMonitor, metrics token).",
            ),
            Alert(
                "ClipperApiHighErrorRate",
                f"""(
  sum by (namespace) (rate(http_requests_total{{{api}, status=~"5.."}}[5m]))
/
  sum by (namespace) (rate(http_requests_total{{{api}}}[5m]))
) * 100 > {number(limits.error_rate_percent)}""",
                "5m",
                "critical",
                "API 5xx responses above the error budget",
                f'{{{{ $value | printf "%.2f" }}}} % of API responses were 5xx over the last 5 minutes '
                f"(SLO threshold {number(limits.error_rate_percent)} %).",
            ),
            Alert(
                "ClipperApiHighLatency",
                f"""histogram_quantile(0.95,
  sum by (namespace, le) (rate(http_request_duration_seconds_bucket{{{api}}}[5m]))
) > {number(limits.latency_p95_seconds)}""",
                "10m",
                "warning",
                "API p95 latency is high",
                f"95 % of API requests took up to {{{{ $value | humanizeDuration }}}} over the last 5 minutes "
                f"(threshold {number(limits.latency_p95_seconds)} s).",
            ),
        ),
    )


def workloads_group(profile: Profile) -> RuleGroup:
    limits, ns = profile.monitoring.thresholds, f'namespace="{profile.namespace}"'
    return RuleGroup(
        "workloads",
        ("kube-state-metrics",),
        (
            Alert(
                "ClipperPodCrashLooping",
                f'max_over_time(kube_pod_container_status_waiting_reason{{{ns}, reason="CrashLoopBackOff"}}[5m]) >= 1',
                "10m",
                "warning",
                "A container is crash-looping",
                "Container {{ $labels.container }} of pod {{ $labels.pod }} keeps restarting (CrashLoopBackOff).",
            ),
            Alert(
                "ClipperContainerOOMKilled",
                f"""increase(kube_pod_container_status_restarts_total{{{ns}}}[15m]) > 0
and on (namespace, pod, container)
kube_pod_container_status_last_terminated_reason{{{ns}, reason="OOMKilled"}} == 1""",
                "1m",
                "warning",
                "A container was OOM-killed",
                "Container {{ $labels.container }} of pod {{ $labels.pod }} restarted after running out of memory.",
            ),
            Alert(
                "ClipperHpaAtMaximum",
                f"""kube_horizontalpodautoscaler_status_current_replicas{{{ns}}}
>= on (namespace, horizontalpodautoscaler)
kube_horizontalpodautoscaler_spec_max_replicas{{{ns}}}""",
                limits.hpa_at_max_for,
                "warning",
                "An autoscaler is at its maximum",
                f"HorizontalPodAutoscaler {{{{ $labels.horizontalpodautoscaler }}}} has run at its maximum replicas "
                f"for {limits.hpa_at_max_for}: it cannot absorb more load.",
            ),
            Alert(
                "ClipperPdbBlocksEvictions",
                f"""kube_poddisruptionbudget_status_pod_disruptions_allowed{{{ns}}} == 0
and on (namespace, poddisruptionbudget)
kube_poddisruptionbudget_status_expected_pods{{{ns}}} > 0""",
                "30m",
                "warning",
                "A PodDisruptionBudget allows no disruption",
                "PodDisruptionBudget {{ $labels.poddisruptionbudget }} has allowed no voluntary disruption for "
                "30 minutes: node drains and upgrades are blocked.",
            ),
        ),
    )


def ingress_group(profile: Profile) -> RuleGroup:
    threshold = number(profile.monitoring.thresholds.error_rate_percent)
    extra: tuple[Alert, ...] = ()
    if profile.ingress.controller == "traefik":
        errors = 'traefik_entrypoint_requests_total{job="ingress-controller", code=~"5.."}'
        total = 'traefik_entrypoint_requests_total{job="ingress-controller"}'
        exporter = "traefik"
    else:
        # ingress-nginx labels requests with the Ingress's namespace (kept as exported_namespace).
        scope = f'job="ingress-controller", exported_namespace="{profile.namespace}"'
        errors, total = f'nginx_ingress_controller_requests{{{scope}, status=~"5.."}}', f"nginx_ingress_controller_requests{{{scope}}}"
        exporter = "ingress-nginx"
        extra = (
            Alert(
                "ClipperIngressConfigReloadFailed",
                'nginx_ingress_controller_config_last_reload_successful{job="ingress-controller"} == 0',
                "10m",
                "warning",
                "ingress-nginx failed to reload its configuration",
                "Pod {{ $labels.pod }} runs an old configuration: its last reload failed.",
            ),
        )
    error_rate = Alert(
        "ClipperIngressHighErrorRate",
        f"sum(rate({errors}[5m])) / sum(rate({total}[5m])) * 100 > {threshold}",
        "5m",
        "warning",
        "Many 5xx responses at the ingress controller",
        f'{{{{ $value | printf "%.2f" }}}} % of responses at the edge were 5xx over 5 minutes (threshold {threshold} %).',
    )
    return RuleGroup("ingress", (exporter,), (error_rate, *extra))


def public_group(profile: Profile) -> RuleGroup:
    days = profile.monitoring.thresholds.certificate_expiry_days
    return RuleGroup(
        "public",
        ("blackbox_exporter",),
        (
            Alert(
                "ClipperPublicEndpointDown",
                'probe_success{job="clipper-public"} == 0',
                "3m",
                "critical",
                "The public site does not answer",
                f"{{{{ $labels.instance }}}} has failed every probe for 3 minutes (HTTPS, status 200): users of "
                f"{profile.domain} see an outage.",
            ),
            Alert(
                "ClipperCertificateExpiringSoon",
                f'(probe_ssl_earliest_cert_expiry{{job="clipper-public"}} - time()) / 86400 < {days}',
                "1h",
                "warning",
                "The public TLS certificate expires soon",
                f'The certificate served for {{{{ $labels.instance }}}} expires in {{{{ $value | printf "%.0f" }}}} days '
                f"(threshold {days}): the load balancer's managed certificate did not renew.",
            ),
        ),
    )
