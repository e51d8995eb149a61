"""The typed, frozen profile the rest of the code uses; its sections are in model_*.py.

Field names are the profile's camelCase keys in snake_case; `convert.from_data` fills them from
a mapping that already passed the JSON Schema, so it only converts, it never validates. Each
module imports the classes its annotations name: `typing.get_type_hints` resolves them there.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from clipper_manifests.profile.model_data import OpenSearch, Postgres, Redis
from clipper_manifests.profile.model_monitoring import Monitoring
from clipper_manifests.profile.model_recovery import DisasterRecovery
from clipper_manifests.profile.model_secrets import Network, Secrets
from clipper_manifests.profile.model_workloads import Api, App, Cluster, Frontend, Images, Ingress, Migrations

Provider = Literal["aws", "gcp", "digitalocean"]
Environment = Literal["production", "staging"]


@dataclass(frozen=True)
class Flux:
    git_repository: str
    out_path: str
    interval: str = "1h"
    apps_timeout: str = "15m"
    delivery: Literal["kustomize", "helm"] = "kustomize"  # the apps stage: the overlay, or a HelmRelease of the chart


@dataclass(frozen=True)
class PolicyException:
    """Silences one rule for one rendered object (`Kind/name`) or one profile key, for a stated reason."""

    rule: str
    reason: str
    object: str | None = None  # rules on rendered objects
    key: str | None = None  # rules on the profile: the key path their finding names


@dataclass(frozen=True)
class Policy:
    exceptions: tuple[PolicyException, ...] = ()


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
    secrets: Secrets
    monitoring: Monitoring
    app: App = field(default_factory=App)
    network: Network = field(default_factory=Network)
    policy: Policy = field(default_factory=Policy)
    dr: DisasterRecovery = field(default_factory=DisasterRecovery)
    description: str = ""

    @property
    def is_production(self) -> bool:
        return self.environment == "production"
