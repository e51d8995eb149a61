"""External Secrets: which remote secret feeds which key of which Kubernetes Secret, and the store.

One `ClusterSecretStore` per profile (templates/infrastructure/configs), limited by
`spec.conditions` to the application namespace. It is cluster-scoped rather than a namespaced
`SecretStore` because Flux applies it in the infra-configs stage and waits for it to be Ready
before the apps stage creates the application namespace: a namespaced store could only live in
that namespace, one stage too late. Its service account (with the workload-identity
annotation) lives beside the operator in `external-secrets`, so the cloud role trusts one
fixed subject, `system:serviceaccount:external-secrets:<name>`.

Remote layout (platform.md): one secret per concern, `clipper/<environment>/<concern>`, one
property per key. GCP Secret Manager and Azure Key Vault allow no `/` in names, so there the
default is `clipper-<environment>-<concern>`. `secrets.remoteKeys` overrides any key.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from clipper_manifests.profile.model import Profile

# The characters each backend allows in a secret's name (provider documentation).
REMOTE_KEY_NAMES = {
    "aws-secrets-manager": re.compile(r"^[A-Za-z0-9/_+=.@-]{1,512}$"),
    "gcp-secret-manager": re.compile(r"^[A-Za-z0-9_-]{1,255}$"),
    "azure-key-vault": re.compile(r"^[A-Za-z0-9-]{1,127}$"),
    "vault": re.compile(r"^[A-Za-z0-9_.-]+(/[A-Za-z0-9_.-]+)*$"),
}
BACKEND_TITLES = {
    "aws-secrets-manager": "AWS Secrets Manager",
    "gcp-secret-manager": "GCP Secret Manager",
    "azure-key-vault": "Azure Key Vault",
    "vault": "HashiCorp Vault",
}


@dataclass(frozen=True)
class RemoteRef:
    key: str
    property: str | None = None

    def as_eso(self) -> dict[str, str]:
        return {"key": self.key, "property": self.property} if self.property else {"key": self.key}

    def __str__(self) -> str:
        return f"{self.key} ({self.property})" if self.property else self.key


@dataclass(frozen=True)
class SecretKey:
    secret_key: str  # the key in the Kubernetes Secret
    item: str  # the catalog entry (and `secrets.remoteKeys` name) it comes from
    ref: RemoteRef
    concern: str


@dataclass(frozen=True)
class ExternalSecretSpec:
    """One ExternalSecret and the Kubernetes Secret it produces."""

    name: str
    purpose: str
    keys: tuple[SecretKey, ...] = ()
    extract: SecretKey | None = None  # the whole remote secret, one key per property
    secret_type: str | None = None
    template: dict[str, str] | None = None

    def template_values(self, profile: Profile, platform: dict[str, Any]) -> dict[str, Any]:
        """What externalsecrets.yaml.j2 writes into this ExternalSecret (it owns the shape)."""
        return {
            "name": self.name,
            "purpose": self.purpose,
            "refresh_interval": profile.secrets.refresh_interval,
            "store": platform["secrets"]["store"],
            "secret_type": self.secret_type,
            "template_data": self.template,
            "data": [{"secretKey": key.secret_key, "remoteRef": key.ref.as_eso()} for key in self.keys],
            "extract_key": self.extract.ref.key if self.extract is not None else None,
        }


def in_cluster(mode: str) -> bool:
    """Whether a data service runs in the cluster (its `mode`), rather than managed elsewhere."""
    return mode == "in-cluster"


def catalog(platform: dict[str, Any]) -> dict[str, dict[str, str]]:
    """Every key the platform reads from the store: name → {concern, property?}."""
    return {**platform["secrets"]["apiVariables"], **platform["secrets"]["otherKeys"]}


def redis_requires_password(profile: Profile) -> bool:
    """In-cluster Redis always has one (redis-auth); a managed cache as its profile declares."""
    managed = profile.redis.managed
    return in_cluster(profile.redis.mode) or (managed is not None and managed.auth)


def api_variables(profile: Profile, platform: dict[str, Any]) -> list[str]:
    """The API's secret variables this profile reads: every one, except an optional one the
    profile's services do not use (REDIS_PASSWORD for a cache without AUTH)."""
    optional = set(platform["secrets"].get("optionalApiVariables", []))
    used = {"REDIS_PASSWORD": redis_requires_password(profile)}
    return [item for item in platform["secrets"]["apiVariables"] if item not in optional or used.get(item, True)]


def default_remote_key(profile: Profile, concern: str) -> str:
    separator = "-" if profile.secrets.backend in ("gcp-secret-manager", "azure-key-vault") else "/"
    return separator.join(("clipper", profile.environment, concern))


def reference(profile: Profile, platform: dict[str, Any], item: str) -> RemoteRef:
    """Where `item` is read from: the profile's override, else the conventional layout.

    An override names the remote secret and, optionally, the property; without a property
    the secret's whole value is the key's value.
    """
    override = profile.secrets.remote_keys.get(item)
    if override is not None:
        return RemoteRef(override.key, override.property)
    entry = catalog(platform)[item]
    return RemoteRef(default_remote_key(profile, entry["concern"]), entry.get("property"))


def _key(profile: Profile, platform: dict[str, Any], item: str, secret_key: str | None = None) -> SecretKey:
    return SecretKey(secret_key or item, item, reference(profile, platform, item), catalog(platform)[item]["concern"])


def external_secrets(profile: Profile, platform: dict[str, Any]) -> list[ExternalSecretSpec]:
    """The ExternalSecrets a profile needs. The in-cluster data services' credentials come from
    the same remote keys as the API's variables, so each password has one source of truth."""
    names = platform["secrets"]
    specs = [
        ExternalSecretSpec(
            names["api"],
            "every secret variable of the API (envFrom)",
            tuple(_key(profile, platform, item) for item in api_variables(profile, platform)),
        ),
        ExternalSecretSpec(
            names["metricsToken"], "bearer token Prometheus sends to /debug/metrics", (_key(profile, platform, "METRICS_TOKEN", "token"),)
        ),
        ExternalSecretSpec(
            names["alerting"], "PagerDuty / Opsgenie keys for Alertmanager", extract=_key(profile, platform, "ALERTING_KEYS")
        ),
    ]
    if in_cluster(profile.postgres.mode):
        specs.append(
            ExternalSecretSpec(
                names["postgresApp"],
                "owner of the in-cluster PostgreSQL database (CloudNativePG bootstrap)",
                (_key(profile, platform, "DB_PASSWORD", "password"),),
                secret_type="kubernetes.io/basic-auth",
                template={"username": profile.postgres.user, "password": "{{ .password }}"},
            )
        )
    if in_cluster(profile.redis.mode):
        specs.append(
            ExternalSecretSpec(names["redis"], "password of the in-cluster Redis", (_key(profile, platform, "REDIS_PASSWORD", "password"),))
        )
    if needs_backup_credentials(profile, platform):
        specs.append(
            ExternalSecretSpec(
                names["backupCredentials"],
                "object-store keys for PostgreSQL backups where workload identity is not available",
                (
                    _key(profile, platform, "BACKUP_ACCESS_KEY_ID", "ACCESS_KEY_ID"),
                    _key(profile, platform, "BACKUP_SECRET_ACCESS_KEY", "ACCESS_SECRET_KEY"),
                ),
            )
        )
    if profile.provider == "digitalocean" and profile.postgres.mode == "managed":
        specs.append(
            ExternalSecretSpec(
                names["backupCheck"],
                "read-only DigitalOcean API token of the managed database's backup check (no workload identity there)",
                (_key(profile, platform, "DIGITALOCEAN_READ_TOKEN", "token"),),
            )
        )
    if in_cluster(profile.opensearch.mode):
        # The admin is not the API's user: the API reads the least-privilege user below (the same
        # remote values as its OPENSEARCH_* variables), which the nodes' security-sync container
        # creates and keeps in step with the store through the admin.
        specs.append(
            ExternalSecretSpec(
                names["opensearchAdmin"],
                "admin of the in-cluster OpenSearch security plugin (and, during a rotation, its previous password)",
                extract=_key(profile, platform, "OPENSEARCH_ADMIN"),
            )
        )
        specs.append(
            ExternalSecretSpec(
                names["opensearchApp"],
                "the API's OpenSearch user, which security-sync writes into the security index",
                (_key(profile, platform, "OPENSEARCH_USERNAME", "username"), _key(profile, platform, "OPENSEARCH_PASSWORD", "password")),
            )
        )
    return specs


def needs_backup_credentials(profile: Profile, platform: dict[str, Any]) -> bool:
    """Whether in-cluster PostgreSQL backs up with access keys (the data tier decides)."""
    if not in_cluster(profile.postgres.mode):
        return False
    from clipper_manifests.values.postgres import object_store_configuration

    credentials = object_store_configuration(profile, platform).get("s3Credentials") or {}
    return "accessKeyId" in credentials


def used_concerns(profile: Profile, platform: dict[str, Any]) -> list[str]:
    """The remote secrets (concerns) this profile's ExternalSecrets read."""
    keys = [key for spec in external_secrets(profile, platform) for key in (*spec.keys, *([spec.extract] if spec.extract else []))]
    return list(dict.fromkeys(key.concern for key in keys))


def store_service_account(profile: Profile, platform: dict[str, Any]) -> dict[str, Any]:
    """The store's ServiceAccount: name, namespace and the workload-identity annotations."""
    account = platform["secrets"]["storeServiceAccount"]
    settings = profile.secrets
    annotations: dict[str, str] = {}
    if settings.backend == "aws-secrets-manager" and settings.aws is not None:
        annotations["eks.amazonaws.com/role-arn"] = settings.aws.role_arn
    if settings.backend == "gcp-secret-manager" and settings.gcp is not None:
        annotations["iam.gke.io/gcp-service-account"] = settings.gcp.service_account
    if settings.backend == "azure-key-vault" and settings.azure is not None:
        annotations["azure.workload.identity/client-id"] = settings.azure.client_id
        annotations["azure.workload.identity/tenant-id"] = settings.azure.tenant_id
    return {"name": account["name"], "namespace": account["namespace"], "annotations": annotations}


def store_backend(profile: Profile, platform: dict[str, Any]) -> dict[str, Any]:
    """The ClusterSecretStore's backend settings (secret-store.yaml.j2 writes the provider block
    for `backend`): every field the backend requires, as data."""
    account = platform["secrets"]["storeServiceAccount"]
    settings = profile.secrets
    backend: dict[str, Any] = {"backend": settings.backend, "account_ref": {"name": account["name"], "namespace": account["namespace"]}}
    if settings.backend == "aws-secrets-manager" and settings.aws is not None:
        return backend | {"region": settings.aws.region}
    if settings.backend == "gcp-secret-manager" and settings.gcp is not None:
        return backend | {
            "project_id": settings.gcp.project_id,
            "cluster_location": profile.cluster.region,
            "cluster_name": profile.cluster.name,
            "cluster_project_id": settings.gcp.cluster_project_id or settings.gcp.project_id,
        }
    if settings.backend == "azure-key-vault" and settings.azure is not None:
        return backend | {"vault_url": settings.azure.vault_url, "tenant_id": settings.azure.tenant_id}
    if settings.backend == "vault" and settings.vault is not None:
        vault = settings.vault
        return backend | {
            "server": vault.server.rstrip("/"),
            "path": vault.path,
            "namespace": vault.namespace,
            "mount_path": vault.mount_path,
            "role": vault.role,
        }
    # The profile schema requires the backend's settings block; reaching here is a bug.
    raise ValueError(f"secrets.{settings.backend}: settings block missing")


def template_context(profile: Profile, platform: dict[str, Any]) -> dict[str, Any]:
    """What the secret templates see as `secrets`."""
    return {
        "external_secrets": [spec.template_values(profile, platform) for spec in external_secrets(profile, platform)],
        "store": {
            "name": platform["secrets"]["store"],
            "backend": store_backend(profile, platform),
            "namespaces": [profile.namespace],
            "service_account": store_service_account(profile, platform),
        },
    }
