"""The typed, frozen profile the rest of the code uses.

Field names are the profile's camelCase keys in snake_case; `from_data` fills them from a
mapping that already passed the JSON Schema, so it only converts, it never validates.
"""

from __future__ import annotations

import dataclasses
import re
import types
import typing
from dataclasses import dataclass, field
from typing import Any, Literal, TypeVar

Provider = Literal["aws", "gcp", "digitalocean"]
Environment = Literal["production", "staging"]


@dataclass(frozen=True)
class Cluster:
    name: str
    region: str


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


@dataclass(frozen=True)
class ManagedPostgres:
    endpoint: str
    read_endpoints: tuple[str, ...] = ()
    port: int = 5432
    ssl_mode: str = "require"


@dataclass(frozen=True)
class Postgres:
    mode: Literal["managed"]
    database: str
    user: str
    managed: ManagedPostgres | None = None


@dataclass(frozen=True)
class ManagedRedis:
    endpoint: str
    port: int = 6379


@dataclass(frozen=True)
class Redis:
    mode: Literal["managed"]
    managed: ManagedRedis | None = None


@dataclass(frozen=True)
class ManagedOpenSearch:
    url: str


@dataclass(frozen=True)
class OpenSearch:
    mode: Literal["managed"]
    managed: ManagedOpenSearch | None = None


@dataclass(frozen=True)
class Flux:
    git_repository: str
    out_path: str
    interval: str = "1h"
    apps_timeout: str = "15m"


@dataclass(frozen=True)
class Profile:
    name: str
    provider: Provider
    environment: Environment
    kubernetes_version: str
    cluster: Cluster
    namespace: str
    domain: str
    images: Images
    api: Api
    frontend: Frontend
    postgres: Postgres
    redis: Redis
    opensearch: OpenSearch
    ingress: Ingress
    migrations: Migrations
    flux: Flux
    app: App = field(default_factory=App)
    description: str = ""

    @property
    def is_production(self) -> bool:
        return self.environment == "production"


T = TypeVar("T")


def snake_case(key: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", key).lower()


def from_data(cls: type[T], data: dict[str, Any]) -> T:
    """Build dataclass `cls` from schema-valid data, converting nested values by type hint."""
    hints = typing.get_type_hints(cls)
    names = {f.name for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
    values = {}
    for key, value in data.items():
        name = snake_case(key)
        if name in names:
            values[name] = _convert(hints[name], value)
    return cls(**values)


def _convert(hint: Any, value: Any) -> Any:
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        options = [arg for arg in typing.get_args(hint) if arg is not type(None)]
        return None if value is None else _convert(options[0], value)
    if dataclasses.is_dataclass(hint) and isinstance(hint, type):
        return from_data(hint, value)
    if origin is tuple:
        return tuple(_convert(typing.get_args(hint)[0], item) for item in value)
    if origin is dict:
        return {key: _convert(typing.get_args(hint)[1], item) for key, item in value.items()}
    return value
