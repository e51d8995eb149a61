"""Helm values for the ingress controller behind each provider's load balancer.

The cloud load balancer terminates TLS and health-checks the controller itself (Traefik's
/ping, ingress-nginx's /healthz, on the port each serves it: templates/platform.yaml
`ingress.controllerHealth`), never the API: the API's readiness fails when PostgreSQL or Redis
is down, and a load balancer that believed it would take the static frontend down too. The
blackbox probe still checks /health through the public host. The controller receives plain
HTTP and routes by host and path.
- AWS: an NLB from the AWS Load Balancer Controller (Service annotations), ACM certificate,
  TLS policy, IP targets that keep the client's address; port 80 reaches the controller, which
  redirects to https.
- GCP: GKE's external HTTP(S) load balancer (an Ingress of class gce, with ManagedCertificate,
  FrontendConfig redirect and SSL policy, BackendConfig health check) in front of a ClusterIP
  Service (NEG); the Google Front Ends' X-Forwarded-* headers are trusted.
- DigitalOcean: the controller's LoadBalancer Service with do-loadbalancer-* annotations; the
  load balancer itself redirects http to https and sets X-Forwarded-*, trusted from the VPC.
"""

from __future__ import annotations

from typing import Any

from clipper_manifests.profile.model import Profile

AWS = "service.beta.kubernetes.io/aws-load-balancer-"
DO = "service.beta.kubernetes.io/do-loadbalancer-"
BACKEND_CONFIG = "ingress-health"
HTTPS_SCHEME = "https-scheme"


def controller_health(profile: Profile, platform: dict[str, Any]) -> dict[str, Any]:
    """Port and path where the controller's pods answer their own health (not the API's)."""
    health: dict[str, Any] = platform["ingress"]["controllerHealth"][profile.ingress.controller]
    return health


def trusted_proxies(profile: Profile, platform: dict[str, Any]) -> list[str]:
    """Peers whose X-Forwarded-For / -Proto the controller believes.

    AWS: none. The NLB is a layer-4 proxy that adds no headers; with client IP preservation the
    TCP peer is the client itself, so a header a client sends must not be believed.
    GCP: the Google Front Ends, which set X-Forwarded-For and X-Forwarded-Proto.
    DigitalOcean: the VPC, where the load balancer (HTTP mode, which sets X-Forwarded-*) connects from.
    """
    if profile.ingress.gcp is not None:
        return list(platform["ingress"]["googleFrontEnds"])
    if profile.ingress.digitalocean is not None:
        return [profile.ingress.digitalocean.vpc_cidr]
    return []


def service_annotations(profile: Profile, platform: dict[str, Any]) -> dict[str, str]:
    health = controller_health(profile, platform)
    ingress = profile.ingress
    if ingress.aws is not None:
        return {
            f"{AWS}type": "external",
            f"{AWS}nlb-target-type": "ip",
            f"{AWS}scheme": "internet-facing",
            f"{AWS}ssl-cert": ingress.aws.certificate_arn,
            f"{AWS}ssl-ports": "443",
            f"{AWS}ssl-negotiation-policy": ingress.aws.ssl_policy,
            f"{AWS}backend-protocol": "tcp",
            # IP targets of protocol TCP hide the client behind the NLB's own address unless
            # client IP preservation is on (off by default for them; AWS target group attributes).
            f"{AWS}target-group-attributes": "preserve_client_ip.enabled=true",
            # With IP targets the health check reaches the pod directly, on the port where the
            # controller serves its own health.
            f"{AWS}healthcheck-protocol": "http",
            f"{AWS}healthcheck-port": str(health["port"]),
            f"{AWS}healthcheck-path": health["path"],
        }
    if ingress.gcp is not None:
        return {"cloud.google.com/neg": '{"ingress": true}', "cloud.google.com/backend-config": f'{{"default": "{BACKEND_CONFIG}"}}'}
    assert ingress.digitalocean is not None, "the profile schema requires the provider's ingress block"
    do = ingress.digitalocean
    certificate = {f"{DO}certificate-name": do.certificate_name} if do.certificate_name else {f"{DO}certificate-id": str(do.certificate_id)}
    # No do-loadbalancer-override-health-check: with externalTrafficPolicy Local the DigitalOcean
    # cloud controller health-checks the Service's healthCheckNodePort, where kube-proxy answers
    # 200 only on nodes with a ready controller pod, ready meaning its own health endpoint
    # answers. (A health check port must be a Service port, and the controller's health port is
    # deliberately not one: it would be public on the load balancer.)
    return {
        f"{DO}name": f"{profile.cluster.name}-ingress",
        f"{DO}protocol": "http",
        f"{DO}tls-ports": "443",
        **certificate,
        f"{DO}redirect-http-to-https": "true",
        f"{DO}http-idle-timeout-seconds": str(min(ingress.websocket_idle_timeout_seconds, 600)),
        f"{DO}size-unit": str(do.size_unit),
    }


def _external_traffic_policy(profile: Profile) -> dict[str, str]:
    # DigitalOcean: no SNAT on the way to the pod (the peer stays the load balancer, inside the
    # VPC range that is trusted), and nodes without a ready controller leave the pool.
    return {"externalTrafficPolicy": "Local"} if profile.provider == "digitalocean" else {}


def _service_type(profile: Profile) -> str:
    return "ClusterIP" if profile.provider == "gcp" else "LoadBalancer"


def _service(profile: Profile, platform: dict[str, Any]) -> dict[str, Any]:
    return {"type": _service_type(profile), **_external_traffic_policy(profile), "annotations": service_annotations(profile, platform)}


def _traefik_service(profile: Profile, platform: dict[str, Any]) -> dict[str, Any]:
    # Traefik's chart (v27 and later) copies service.spec into the Service and ignores
    # service.type; its default spec.type is LoadBalancer.
    return {
        "spec": {"type": _service_type(profile), **_external_traffic_policy(profile)},
        "annotations": service_annotations(profile, platform),
    }


def _spread(labels: dict[str, str]) -> list[dict[str, Any]]:
    """One controller pod per node where the nodes allow it (a node lost takes one replica), and
    spread over zones; pod-template-hash keeps a rollout's old and new pods from counting
    against each other."""

    def over(key: str, when: str) -> dict[str, Any]:
        return {
            "maxSkew": 1,
            "topologyKey": key,
            "whenUnsatisfiable": when,
            "labelSelector": {"matchLabels": dict(labels)},
            "matchLabelKeys": ["pod-template-hash"],
        }

    return [over("kubernetes.io/hostname", "DoNotSchedule"), over("topology.kubernetes.io/zone", "ScheduleAnyway")]


def traefik_pod_labels(platform: dict[str, Any]) -> dict[str, str]:
    # The chart's selector labels: its name, and "<release>-<namespace>" as the instance.
    return {"app.kubernetes.io/name": "traefik", "app.kubernetes.io/instance": f"traefik-{platform['ingress']['namespace']}"}


def _https_scheme_middleware(platform: dict[str, Any]) -> dict[str, Any]:
    """AWS: the NLB ends TLS and forwards bare TCP, so Traefik would tell the API the scheme was
    http; everything on websecure arrived over https. Installed by the chart with its CRDs."""
    return {
        "apiVersion": "traefik.io/v1alpha1",
        "kind": "Middleware",
        "metadata": {"name": HTTPS_SCHEME, "namespace": platform["ingress"]["namespace"]},
        "spec": {"headers": {"customRequestHeaders": {"X-Forwarded-Proto": "https"}}},
    }


def _entry_point(profile: Profile, platform: dict[str, Any]) -> dict[str, Any]:
    shutdown = platform["ingress"]["shutdown"]
    timeout = f"{profile.ingress.websocket_idle_timeout_seconds}s"
    entry: dict[str, Any] = {
        "transport": {
            "respondingTimeouts": {"readTimeout": "0s", "writeTimeout": "0s", "idleTimeout": timeout},
            "lifeCycle": {
                "requestAcceptGraceTimeout": f"{shutdown['acceptGraceSeconds']}s",
                "graceTimeOut": f"{shutdown['graceSeconds']}s",
            },
        }
    }
    trusted = trusted_proxies(profile, platform)
    if trusted:
        entry["forwardedHeaders"] = {"trustedIPs": trusted}
    return entry


def traefik_values(profile: Profile, platform: dict[str, Any]) -> dict[str, Any]:
    shutdown = platform["ingress"]["shutdown"]
    websecure = _entry_point(profile, platform)
    # TLS ends at the load balancer: this entry point receives plain HTTP on 443.
    websecure["http"] = {"tls": {"enabled": False}}
    web = _entry_point(profile, platform)
    extra: dict[str, Any] = {}
    if profile.provider == "aws":
        # An NLB forwards port 80 as it is; the redirect to https happens here.
        web["http"] = {"redirections": {"entryPoint": {"to": "websecure", "scheme": "https", "permanent": True}}}
        websecure["http"]["middlewares"] = [f"{platform['ingress']['namespace']}-{HTTPS_SCHEME}@kubernetescrd"]
        extra["extraObjects"] = [_https_scheme_middleware(platform)]
    return {
        "deployment": {"replicas": profile.ingress.replicas, "terminationGracePeriodSeconds": shutdown["terminationGracePeriodSeconds"]},
        "podDisruptionBudget": {"enabled": True, "maxUnavailable": 1},
        "ingressClass": {"enabled": True, "isDefaultClass": True, "name": "traefik"},
        # Prefix paths match whole path elements, as the Ingress API defines them (/api does
        # not match /apis); Traefik's default is a plain string prefix.
        "providers": {"kubernetesIngress": {"publishedService": {"enabled": True}, "strictPrefixMatching": True}},
        "ports": {"web": web, "websecure": websecure},
        "service": _traefik_service(profile, platform),
        "resources": {"requests": {"cpu": "100m", "memory": "128Mi"}, "limits": {"memory": "256Mi"}},
        # Stated, not inherited: the namespace enforces Pod Security "restricted".
        "podSecurityContext": {"runAsNonRoot": True, "runAsUser": 65532, "runAsGroup": 65532, "seccompProfile": {"type": "RuntimeDefault"}},
        "securityContext": {"allowPrivilegeEscalation": False, "readOnlyRootFilesystem": True, "capabilities": {"drop": ["ALL"]}},
        "topologySpreadConstraints": _spread(traefik_pod_labels(platform)),
        "metrics": {"prometheus": {"service": {"enabled": True}}},
        "accessLog": {"enabled": True},
        **extra,
    }


def nginx_values(profile: Profile, platform: dict[str, Any]) -> dict[str, Any]:
    timeout = str(profile.ingress.websocket_idle_timeout_seconds)
    trusted = trusted_proxies(profile, platform)
    # X-Forwarded-* only from the load balancer's addresses; on AWS the client is the TCP peer.
    config = {"proxy-read-timeout": timeout, "proxy-send-timeout": timeout, "use-forwarded-headers": "true" if trusted else "false"}
    if trusted:
        config["proxy-real-ip-cidr"] = ",".join(trusted)
    controller: dict[str, Any] = {
        "replicaCount": profile.ingress.replicas,
        "ingressClassResource": {"name": "nginx", "enabled": True, "default": True},
        "config": config,
        "service": _service(profile, platform),
        "metrics": {"enabled": True},
        "resources": {"requests": {"cpu": "100m", "memory": "128Mi"}, "limits": {"memory": "512Mi"}},
        "topologySpreadConstraints": _spread(
            {
                "app.kubernetes.io/name": "ingress-nginx",
                "app.kubernetes.io/instance": "ingress-nginx",
                "app.kubernetes.io/component": "controller",
            }
        ),
    }
    if profile.provider == "aws":
        # The chart's documented NLB TLS-termination layout: port 443 reaches nginx's http port,
        # port 80 reaches a small server on 2443 that redirects to https.
        controller["containerPort"] = {"http": 80, "https": 80, "tohttps": 2443}
        controller["service"]["targetPorts"] = {"http": "tohttps", "https": "http"}
        config["http-snippet"] = "server {\n  listen 2443;\n  return 308 https://$host$request_uri;\n}\n"
    else:
        controller["service"]["targetPorts"] = {"http": "http", "https": "http"}
    return {"controller": controller}


def controller_values(profile: Profile, platform: dict[str, Any]) -> dict[str, Any]:
    return traefik_values(profile, platform) if profile.ingress.controller == "traefik" else nginx_values(profile, platform)


def controller_chart(profile: Profile) -> str:
    return "traefik" if profile.ingress.controller == "traefik" else "ingress-nginx"


def controller_service(profile: Profile) -> dict[str, Any]:
    """The Service the release creates, for the GKE Ingress backend (port 80, plain HTTP)."""
    name = "traefik" if profile.ingress.controller == "traefik" else "ingress-nginx-controller"
    return {"name": name, "port": {"number": 80}}


def depends_on(profile: Profile) -> list[dict[str, str]]:
    """HelmRelease dependencies of the controller's release."""
    if profile.provider == "aws":
        return [{"name": "aws-load-balancer-controller", "namespace": "kube-system"}]
    return []


def charts_needed(profile: Profile) -> list[str]:
    charts = [controller_chart(profile)]
    if profile.provider == "aws":
        charts.append("aws-load-balancer-controller")
    return sorted(charts)


def template_context(profile: Profile, platform: dict[str, Any]) -> dict[str, Any]:
    """The `ingress` value templates see: the controller's chart, values, Service and health."""
    return {
        "chart": controller_chart(profile),
        "values": controller_values(profile, platform),
        "service": controller_service(profile),
        "charts": charts_needed(profile),
        "backend_config": BACKEND_CONFIG,
        "health": controller_health(profile, platform),
        "depends_on": depends_on(profile),
    }
