"""Helm values for the ingress controller behind each provider's load balancer.

The cloud load balancer terminates TLS and health-checks /health (routed to the API by the
host-less Ingress rule); the controller receives plain HTTP and routes by host and path.
- AWS: an NLB from the AWS Load Balancer Controller (Service annotations), ACM certificate,
  TLS policy; port 80 reaches the controller, which redirects to https.
- GCP: GKE's external HTTP(S) load balancer (an Ingress of class gce, with ManagedCertificate,
  FrontendConfig redirect and BackendConfig health check) in front of a ClusterIP Service (NEG).
- DigitalOcean: the controller's LoadBalancer Service with do-loadbalancer-* annotations; the
  load balancer itself redirects http to https.
"""

from __future__ import annotations

from typing import Any

from clipper_manifests.model import Profile

AWS = "service.beta.kubernetes.io/aws-load-balancer-"
DO = "service.beta.kubernetes.io/do-loadbalancer-"
BACKEND_CONFIG = "ingress-health"


def service_annotations(profile: Profile, platform: dict[str, Any]) -> dict[str, str]:
    health = platform["api"]["health"]["loadBalancer"]
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
            f"{AWS}healthcheck-protocol": "http",
            f"{AWS}healthcheck-port": "traffic-port",
            f"{AWS}healthcheck-path": health,
        }
    if ingress.gcp is not None:
        return {"cloud.google.com/neg": '{"ingress": true}', "cloud.google.com/backend-config": f'{{"default": "{BACKEND_CONFIG}"}}'}
    assert ingress.digitalocean is not None, "the profile schema requires the provider's ingress block"
    do = ingress.digitalocean
    certificate = {f"{DO}certificate-name": do.certificate_name} if do.certificate_name else {f"{DO}certificate-id": str(do.certificate_id)}
    return {
        f"{DO}name": f"{profile.cluster.name}-ingress",
        f"{DO}protocol": "http",
        f"{DO}tls-ports": "443",
        **certificate,
        f"{DO}redirect-http-to-https": "true",
        f"{DO}http-idle-timeout-seconds": str(min(ingress.websocket_idle_timeout_seconds, 600)),
        f"{DO}size-unit": str(do.size_unit),
        f"{DO}override-health-check": "true",
        f"{DO}healthcheck-protocol": "http",
        f"{DO}healthcheck-path": health,
    }


def _service_type(profile: Profile) -> str:
    return "ClusterIP" if profile.provider == "gcp" else "LoadBalancer"


def _service(profile: Profile, platform: dict[str, Any]) -> dict[str, Any]:
    return {"type": _service_type(profile), "annotations": service_annotations(profile, platform)}


def _traefik_service(profile: Profile, platform: dict[str, Any]) -> dict[str, Any]:
    # Traefik's chart (v27 and later) copies service.spec into the Service and ignores
    # service.type; its default spec.type is LoadBalancer.
    return {"spec": {"type": _service_type(profile)}, "annotations": service_annotations(profile, platform)}


def traefik_values(profile: Profile, platform: dict[str, Any]) -> dict[str, Any]:
    timeout = f"{profile.ingress.websocket_idle_timeout_seconds}s"
    websecure: dict[str, Any] = {
        # TLS ends at the load balancer: this entry point receives plain HTTP on 443.
        "http": {"tls": {"enabled": False}},
        "transport": {"respondingTimeouts": {"readTimeout": "0s", "writeTimeout": "0s", "idleTimeout": timeout}},
    }
    web: dict[str, Any] = {"transport": {"respondingTimeouts": {"readTimeout": "0s", "writeTimeout": "0s", "idleTimeout": timeout}}}
    if profile.provider == "aws":
        # An NLB forwards port 80 as it is; the redirect to https happens here.
        web["http"] = {"redirections": {"entryPoint": {"to": "websecure", "scheme": "https", "permanent": True}}}
    return {
        "deployment": {"replicas": profile.ingress.replicas},
        "podDisruptionBudget": {"enabled": True, "maxUnavailable": 1},
        "ingressClass": {"enabled": True, "isDefaultClass": True, "name": "traefik"},
        "providers": {"kubernetesIngress": {"publishedService": {"enabled": True}}},
        "ports": {"web": web, "websecure": websecure},
        "service": _traefik_service(profile, platform),
        "resources": {"requests": {"cpu": "100m", "memory": "128Mi"}, "limits": {"memory": "256Mi"}},
        # Stated, not inherited: the namespace enforces Pod Security "restricted".
        "podSecurityContext": {"runAsNonRoot": True, "runAsUser": 65532, "runAsGroup": 65532, "seccompProfile": {"type": "RuntimeDefault"}},
        "securityContext": {"allowPrivilegeEscalation": False, "readOnlyRootFilesystem": True, "capabilities": {"drop": ["ALL"]}},
        "metrics": {"prometheus": {"service": {"enabled": True}}},
        "accessLog": {"enabled": True},
    }


def nginx_values(profile: Profile, platform: dict[str, Any]) -> dict[str, Any]:
    timeout = str(profile.ingress.websocket_idle_timeout_seconds)
    config = {"proxy-read-timeout": timeout, "proxy-send-timeout": timeout, "use-forwarded-headers": "true"}
    controller: dict[str, Any] = {
        "replicaCount": profile.ingress.replicas,
        "ingressClassResource": {"name": "nginx", "enabled": True, "default": True},
        "config": config,
        "service": _service(profile, platform),
        "metrics": {"enabled": True},
        "resources": {"requests": {"cpu": "100m", "memory": "128Mi"}, "limits": {"memory": "512Mi"}},
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


def charts_needed(profile: Profile) -> list[str]:
    charts = [controller_chart(profile)]
    if profile.provider == "aws":
        charts.append("aws-load-balancer-controller")
    return sorted(charts)
