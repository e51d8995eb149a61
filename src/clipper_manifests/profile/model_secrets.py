"""Profile sections of secrets and the network: the backend, rotation records, remote keys, scanner allowances, network endpoints."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

SecretBackend = Literal["aws-secrets-manager", "gcp-secret-manager", "azure-key-vault", "vault"]


@dataclass(frozen=True)
class AwsSecretsManager:
    region: str
    role_arn: str  # IRSA role of the store's service account


@dataclass(frozen=True)
class GcpSecretManager:
    project_id: str
    service_account: str  # Google service account the store's Kubernetes service account acts as
    cluster_project_id: str | None = None


@dataclass(frozen=True)
class AzureKeyVault:
    vault_url: str
    client_id: str
    tenant_id: str


@dataclass(frozen=True)
class VaultBackend:
    server: str
    role: str
    path: str = "secret"
    mount_path: str = "kubernetes"
    namespace: str | None = None


@dataclass(frozen=True)
class RotationRecord:
    last_rotated: str


@dataclass(frozen=True)
class RemoteKey:
    key: str
    property: str | None = None


@dataclass(frozen=True)
class ScannerAllowance:
    fingerprint: str
    reason: str


@dataclass(frozen=True)
class Scanner:
    allow: tuple[ScannerAllowance, ...] = ()


@dataclass(frozen=True)
class Secrets:
    backend: SecretBackend
    refresh_interval: str = "1h"
    aws: AwsSecretsManager | None = None
    gcp: GcpSecretManager | None = None
    azure: AzureKeyVault | None = None
    vault: VaultBackend | None = None
    rotation: dict[str, RotationRecord] = field(default_factory=dict)
    remote_keys: dict[str, RemoteKey] = field(default_factory=dict)
    scanner: Scanner = field(default_factory=Scanner)


@dataclass(frozen=True)
class NetworkEndpoint:
    cidrs: tuple[str, ...]
    ports: tuple[int, ...] = ()


@dataclass(frozen=True)
class InternetEgress:
    cidrs: tuple[str, ...] = ("0.0.0.0/0",)
    except_cidrs: tuple[str, ...] = ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "169.254.0.0/16", "100.64.0.0/10")
    ports: tuple[int, ...] = (443,)


@dataclass(frozen=True)
class Network:
    endpoints: dict[str, NetworkEndpoint] = field(default_factory=dict)
    internet: InternetEgress = field(default_factory=InternetEgress)
