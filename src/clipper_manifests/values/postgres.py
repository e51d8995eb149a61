"""How PostgreSQL is reached and backed up: services, stable names, ports, archive settings."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from typing import Any

from clipper_manifests.profile.model import Profile

BARMAN_PLUGIN = "barman-cloud.cloudnative-pg.io"


# The migrations need them; postInitApplicationSQL creates them as the superuser, once, in the
# application database (pgvector is not a trusted extension, so the owner could not).
EXTENSIONS = ("pgcrypto", "pg_trgm", "vector", "ltree")


def is_ip_address(text: str) -> bool:
    """Whether an endpoint is an IP address (else it is a host name)."""
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


@dataclass(frozen=True)
class StableName:
    """A Service in the application namespace that stands for a managed endpoint."""

    service: str
    target: str
    port: int

    @property
    def is_address(self) -> bool:
        """ExternalName needs a DNS name; an IP address gets a selector-less Service and an EndpointSlice."""
        return is_ip_address(self.target)


def postgres_services(platform: dict[str, Any]) -> tuple[str, str]:
    name = platform["dataServices"]["postgres"]["name"]
    return f"{name}-rw", f"{name}-ro"


def postgres_stable_names(profile: Profile, platform: dict[str, Any]) -> list[StableName]:
    """postgres-rw for the primary; postgres-ro, postgres-ro-1, ... for the read endpoints."""
    managed = profile.postgres.managed
    if profile.postgres.mode != "managed" or managed is None or managed.endpoint is None:
        return []
    rw, ro = postgres_services(platform)
    names = [StableName(rw, managed.endpoint, managed.port)]
    for index, endpoint in enumerate(managed.read_endpoints):
        names.append(StableName(ro if index == 0 else f"{ro}-{index}", endpoint, managed.port))
    return names


def postgres_read_hosts(profile: Profile, platform: dict[str, Any]) -> list[str]:
    """Where read queries go. CloudNativePG's -ro service only has endpoints when there are
    replicas; with one instance, and with no managed read replica, reads go to the primary."""
    rw, ro = postgres_services(platform)
    if profile.postgres.mode == "in-cluster":
        instances = profile.postgres.in_cluster.instances if profile.postgres.in_cluster else 1
        return [ro] if instances > 1 else [rw]
    replicas = [name.service for name in postgres_stable_names(profile, platform)[1:]]
    return replicas or [rw]


def postgres_port(profile: Profile, platform: dict[str, Any]) -> int:
    managed = profile.postgres.managed
    if profile.postgres.mode == "managed" and managed is not None:
        return managed.port
    return int(platform["dataServices"]["postgres"]["ports"][0])


def postgres_ssl_mode(profile: Profile) -> str:
    """Managed databases: the profile's sslMode (require by default). CloudNativePG serves TLS
    with its own CA, which `require` accepts without verifying."""
    managed = profile.postgres.managed
    if profile.postgres.mode == "managed" and managed is not None:
        return managed.ssl_mode
    return "require"


def archive_timeout(profile: Profile) -> str:
    seconds = profile.postgres.in_cluster.archive_timeout_seconds if profile.postgres.in_cluster else 300
    return f"{seconds}s"


def backup_identity_annotations(profile: Profile) -> dict[str, str]:
    """Workload identity of the PostgreSQL pods (the Barman Cloud sidecar uses it for the bucket)."""
    in_cluster = profile.postgres.in_cluster
    if in_cluster is None:
        return {}
    identity = in_cluster.cloud_identity
    if profile.provider == "aws" and identity.aws_role_arn:
        return {"eks.amazonaws.com/role-arn": identity.aws_role_arn}
    if profile.provider == "gcp" and identity.gcp_service_account:
        return {"iam.gke.io/gcp-service-account": identity.gcp_service_account}
    return {}


def object_store_configuration(profile: Profile, platform: dict[str, Any]) -> dict[str, Any]:
    """ObjectStore.spec.configuration for the provider: IRSA on AWS, GKE Workload Identity on
    GCP, Spaces keys from a Secret on DigitalOcean (Spaces has no workload identity)."""
    in_cluster = profile.postgres.in_cluster
    assert in_cluster is not None and in_cluster.object_store is not None, "the schema requires inCluster.objectStore"
    store = in_cluster.object_store
    config: dict[str, Any] = {"destinationPath": store.destination_path}
    if store.endpoint_url:
        config["endpointURL"] = store.endpoint_url
    if store.destination_path.startswith("gs://"):
        config["googleCredentials"] = {"gkeEnvironment": True}
    elif profile.provider == "aws" and not store.endpoint_url:
        config["s3Credentials"] = {"inheritFromIAMRole": True}
    else:
        secret = platform["secrets"]["backupCredentials"]
        config["s3Credentials"] = {
            "accessKeyId": {"name": secret, "key": "ACCESS_KEY_ID"},
            "secretAccessKey": {"name": secret, "key": "ACCESS_SECRET_KEY"},
        }
    wal: dict[str, Any] = {"compression": "gzip", "maxParallel": 2}
    data: dict[str, Any] = {"compression": "gzip", "jobs": 2}
    if store.server_side_encryption and store.destination_path.startswith("s3://"):
        wal["encryption"] = data["encryption"] = store.server_side_encryption
    config["wal"], config["data"] = wal, data
    return config


def archive_server_name(profile: Profile, platform: dict[str, Any]) -> str:
    """Barman's server name: the folder under destinationPath the cluster archives to. The
    Cluster's name unless the profile names another (after a restore, see dr/objects.py)."""
    in_cluster = profile.postgres.in_cluster
    store = in_cluster.object_store if in_cluster else None
    return (store.server_name if store else None) or str(platform["dataServices"]["postgres"]["name"])


def object_store_sidecar_env(profile: Profile) -> list[dict[str, str]]:
    """Recent AWS SDKs send checksums S3-compatible stores reject; the plugin's documented fix."""
    store = profile.postgres.in_cluster.object_store if profile.postgres.in_cluster else None
    if store is None or not store.endpoint_url:
        return []
    return [
        {"name": "AWS_REQUEST_CHECKSUM_CALCULATION", "value": "when_required"},
        {"name": "AWS_RESPONSE_CHECKSUM_VALIDATION", "value": "when_required"},
    ]


def achievable_rpo_minutes(profile: Profile) -> float | None:
    """The most data a restore can lose with this configuration, or None when unknown.

    In-cluster, a WAL segment is archived at the latest archive_timeout after a commit. A
    managed service's PITR restores up to its declared lag. Without PITR, the last daily
    backup is all there is: 24 hours.
    """
    backup = profile.postgres.backup
    if not backup.pitr:
        return 24 * 60.0
    if profile.postgres.mode == "in-cluster":
        seconds = profile.postgres.in_cluster.archive_timeout_seconds if profile.postgres.in_cluster else 300
        return seconds / 60
    if backup.pitr_granularity_minutes is None:
        return None
    return float(backup.pitr_granularity_minutes)
