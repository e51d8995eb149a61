"""Profile sections of the workloads: cluster, images, API, frontend, migrations, ingress, app settings."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal


@dataclass(frozen=True)
class Cluster:
    name: str
    region: str
    metrics_server: str | None = None
    network_policy: str | None = None  # the engine that enforces NetworkPolicies, where the provider may run none (EKS)


@dataclass(frozen=True)
class Image:
    repository: str
    tag: str | None = None
    digest: str | None = None

    @property
    def reference(self) -> str:
        """The full reference the cluster pulls (with both, the digest decides)."""
        tag = f":{self.tag}" if self.tag else ""
        digest = f"@{self.digest}" if self.digest else ""
        return f"{self.repository}{tag}{digest}"


@dataclass(frozen=True)
class Images:
    api: Image
    frontend: Image
    migrations: Image
    tools: Image | None = None  # search-index-manager, backfill-embeddings: the DR Jobs' image


@dataclass(frozen=True)
class ReplicaRange:
    min: int
    max: int


@dataclass(frozen=True)
class Autoscaling:
    cpu_utilization: int
    memory_utilization: int
    scale_down_stabilization_seconds: int = 300


@dataclass(frozen=True)
class Quantities:
    memory: str
    cpu: str | None = None


@dataclass(frozen=True)
class Resources:
    requests: Quantities
    limits: Quantities

    def as_kubernetes(self) -> dict[str, Any]:
        """A container's `resources` (cpu only where the profile sets it)."""

        def quantities(amounts: Quantities) -> dict[str, str]:
            return {"cpu": amounts.cpu, "memory": amounts.memory} if amounts.cpu else {"memory": amounts.memory}

        return {"requests": quantities(self.requests), "limits": quantities(self.limits)}


@dataclass(frozen=True)
class CloudIdentity:
    aws_role_arn: str | None = None
    gcp_service_account: str | None = None


@dataclass(frozen=True)
class Api:
    replicas: ReplicaRange
    autoscaling: Autoscaling
    resources: Resources
    cloud_identity: CloudIdentity = field(default_factory=CloudIdentity)


@dataclass(frozen=True)
class Frontend:
    replicas: ReplicaRange
    resources: Resources
    cdn: Literal["cloudflare", "fastly", "none"]
    autoscaling: Autoscaling | None = None


@dataclass(frozen=True)
class Migrations:
    path: str
    timeout_seconds: int = 900


@dataclass(frozen=True)
class AwsIngress:
    certificate_arn: str
    load_balancer_controller_role_arn: str
    ssl_policy: str = "ELBSecurityPolicy-TLS13-1-2-2021-06"
    vpc_id: str | None = None


@dataclass(frozen=True)
class GcpIngress:
    static_ip_name: str
    ssl_policy: str | None = None


@dataclass(frozen=True)
class DigitalOceanIngress:
    vpc_cidr: str
    certificate_name: str | None = None
    certificate_id: str | None = None
    size_unit: int = 1


@dataclass(frozen=True)
class Ingress:
    controller: Literal["traefik", "nginx"]
    websocket_idle_timeout_seconds: int = 3600
    replicas: int = 2
    aws: AwsIngress | None = None
    gcp: GcpIngress | None = None
    digitalocean: DigitalOceanIngress | None = None


@dataclass(frozen=True)
class Embedding:
    enabled: bool = False
    model: str = "text-embedding-3-small"


@dataclass(frozen=True)
class App:
    embedding: Embedding = field(default_factory=Embedding)
    features: dict[str, bool] = field(default_factory=dict)
    telemetry_otlp_endpoint: str | None = None
    extra_cors_origins: tuple[str, ...] = ()
