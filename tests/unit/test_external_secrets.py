"""External Secrets objects: upstream schemas, complete coverage of the API's secrets, one
source of truth for shared passwords, and the remote-key layout of each backend."""

from __future__ import annotations

import dataclasses
import json
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft7Validator

from clipper_manifests.profile.model import Profile
from clipper_manifests.profile.model_secrets import AzureKeyVault, GcpSecretManager, RemoteKey, VaultBackend
from clipper_manifests.project import find_project
from clipper_manifests.values import secret_rotation
from clipper_manifests.values.external_secrets import external_secrets, reference
from clipper_manifests.values.platform import load_platform
from tests.conftest import PACKAGE_CRD_SCHEMAS, REPO
from tests.helpers import render_one, shipped, shipped_profile

PROFILES = find_project(REPO, None).profile_names()
PLATFORM = load_platform(REPO / "templates")


@cache
def upstream(kind: str) -> Draft7Validator:
    return Draft7Validator(
        json.loads((PACKAGE_CRD_SCHEMAS / "external-secrets.io" / f"{kind.lower()}_v1.json").read_text(encoding="utf-8"))
    )


def built(name: str) -> dict[str, list[dict[str, Any]]]:
    return shipped(name).objects().built()


def objects(name: str, kind: str) -> list[dict[str, Any]]:
    return [document for documents in built(name).values() for document in documents if document["kind"] == kind]


def profile(name: str) -> Profile:
    return shipped_profile(name)


@pytest.mark.parametrize("name", PROFILES)
def test_eso_objects_pass_the_upstream_schemas_strictly(name: str) -> None:
    found = objects(name, "ExternalSecret") + objects(name, "ClusterSecretStore")
    assert {document["kind"] for document in found} == {"ExternalSecret", "ClusterSecretStore"}
    for document in found:
        assert document["apiVersion"] == "external-secrets.io/v1"
        errors = [error.message for error in upstream(document["kind"]).iter_errors(document)]
        assert errors == [], document["metadata"]["name"]


@pytest.mark.parametrize("name", PROFILES)
def test_every_api_secret_variable_comes_from_an_external_secret(name: str) -> None:
    (api_secrets,) = [d for d in objects(name, "ExternalSecret") if d["spec"]["target"]["name"] == PLATFORM["secrets"]["api"]]
    keys = {item["secretKey"] for item in api_secrets["spec"]["data"]}
    wanted = {"DB_PASSWORD", "JWT_PRIVATE_KEY", "JWT_PUBLIC_KEY", "MFA_ENCRYPTION_KEY", "TWITCH_CLIENT_ID"}
    wanted |= {"TWITCH_CLIENT_SECRET", "OPENSEARCH_USERNAME", "OPENSEARCH_PASSWORD", "STRIPE_SECRET_KEY", "STRIPE_WEBHOOK_SECRET"}
    wanted |= {"OPENAI_API_KEY", "SENDGRID_API_KEY", "SENTRY_DSN"}
    # Optional (platform.md): read only where the Redis requires a password.
    typed = profile(name)
    if typed.redis.mode == "in-cluster" or (typed.redis.managed is not None and typed.redis.managed.auth):
        wanted.add("REDIS_PASSWORD")
    assert keys == wanted
    assert api_secrets["spec"]["refreshInterval"] == "1h"
    assert api_secrets["spec"]["secretStoreRef"] == {"kind": "ClusterSecretStore", "name": "clipper"}


@pytest.mark.parametrize("name", PROFILES)
def test_in_cluster_credentials_share_the_api_remote_keys(name: str) -> None:
    typed = profile(name)
    secrets = {d["spec"]["target"]["name"]: d for d in objects(name, "ExternalSecret")}
    api = {item["secretKey"]: item["remoteRef"] for item in secrets["api-secrets"]["spec"]["data"]}
    api.setdefault("REDIS_PASSWORD", {"key": "(not read)"})
    pairs = {"postgres-app": {"password": "DB_PASSWORD"}, "redis-auth": {"password": "REDIS_PASSWORD"}}
    pairs["opensearch-app"] = {"username": "OPENSEARCH_USERNAME", "password": "OPENSEARCH_PASSWORD"}
    for secret, mode in (
        ("postgres-app", typed.postgres.mode),
        ("redis-auth", typed.redis.mode),
        ("opensearch-app", typed.opensearch.mode),
    ):
        assert (secret in secrets) == (mode == "in-cluster"), secret
        if secret in secrets:
            for key, variable in pairs[secret].items():
                (item,) = [entry for entry in secrets[secret]["spec"]["data"] if entry["secretKey"] == key]
                assert item["remoteRef"] == api[variable]


@pytest.mark.parametrize("name", PROFILES)
def test_the_api_never_reads_the_opensearch_admin(name: str) -> None:
    # The admin of an in-cluster OpenSearch is a remote secret of its own: the API's variables
    # name its least-privilege user, which the nodes' security-sync creates.
    secrets = {d["spec"]["target"]["name"]: d for d in objects(name, "ExternalSecret")}
    if "opensearch-admin" not in secrets:
        assert profile(name).opensearch.mode != "in-cluster"
        return
    (admin,) = secrets["opensearch-admin"]["spec"]["dataFrom"]
    api_keys = {item["remoteRef"]["key"] for item in secrets["api-secrets"]["spec"]["data"]}
    assert admin["extract"]["key"].endswith("opensearch-admin") and admin["extract"]["key"] not in api_keys
    assert "opensearch-admin" not in str(secrets["opensearch-app"]["spec"])


def test_a_cache_without_auth_does_not_make_api_secrets_wait_for_a_redis_password() -> None:
    # One missing remote property fails the whole ExternalSecret: ElastiCache and Memorystore
    # here have no AUTH, so clipper/production/redis need not exist at all.
    for name in ("prod-aws", "prod-gcp"):
        (api_secrets,) = [d for d in objects(name, "ExternalSecret") if d["metadata"]["name"] == "api-secrets"]
        assert "REDIS_PASSWORD" not in {item["secretKey"] for item in api_secrets["spec"]["data"]}, name
    aws = profile("prod-aws")
    assert aws.redis.managed is not None
    managed = dataclasses.replace(aws.redis.managed, auth=True)
    with_auth = dataclasses.replace(aws, redis=dataclasses.replace(aws.redis, managed=managed))
    (api,) = [spec for spec in external_secrets(with_auth, PLATFORM) if spec.name == "api-secrets"]
    assert [key.ref.as_eso() for key in api.keys if key.secret_key == "REDIS_PASSWORD"] == [
        {"key": "clipper/production/redis", "property": "password"}
    ]
    # In the cluster Redis always has a password, from the same remote key as redis-auth.
    (api_secrets,) = [d for d in objects("prod-do", "ExternalSecret") if d["metadata"]["name"] == "api-secrets"]
    assert "REDIS_PASSWORD" in {item["secretKey"] for item in api_secrets["spec"]["data"]}


def test_postgres_owner_secret_is_basic_auth_with_the_profile_user() -> None:
    name = next(n for n in PROFILES if profile(n).postgres.mode == "in-cluster")
    (secret,) = [d for d in objects(name, "ExternalSecret") if d["metadata"]["name"] == "postgres-app"]
    template = secret["spec"]["target"]["template"]
    assert template["type"] == "kubernetes.io/basic-auth"
    assert template["data"] == {"username": profile(name).postgres.user, "password": "{{ .password }}"}


def test_shipped_profiles_use_their_providers_natural_backend() -> None:
    expected = {"aws": "aws-secrets-manager", "gcp": "gcp-secret-manager", "digitalocean": "vault"}
    for name in PROFILES:
        typed = profile(name)
        assert typed.secrets.backend == expected[typed.provider], name


def test_remote_keys_follow_the_layout_each_backend_allows() -> None:
    aws = profile("prod-aws")
    assert str(reference(aws, PLATFORM, "JWT_PRIVATE_KEY")) == "clipper/production/jwt (private_key)"
    gcp = profile("staging-gcp")
    assert reference(gcp, PLATFORM, "DB_PASSWORD").key == "clipper-staging-database"
    vault = profile("prod-do")
    assert reference(vault, PLATFORM, "OPENAI_API_KEY").key == "clipper/production/openai"


def test_a_remote_key_override_replaces_key_and_property() -> None:
    aws = profile("prod-aws")
    overridden = dataclasses.replace(aws, secrets=dataclasses.replace(aws.secrets, remote_keys={"SENTRY_DSN": RemoteKey("shared/sentry")}))
    ref = reference(overridden, PLATFORM, "SENTRY_DSN")
    assert (ref.key, ref.property) == ("shared/sentry", None)
    rendered = render_one(REPO / "templates", "overlay/resources/externalsecrets.yaml.j2", overridden, PLATFORM)
    (api,) = [document for document in rendered if document["metadata"]["name"] == "api-secrets"]
    (entry,) = [item for item in api["spec"]["data"] if item["secretKey"] == "SENTRY_DSN"]
    assert entry["remoteRef"] == {"key": "shared/sentry"}


def store_provider(chosen: Profile) -> dict[str, Any]:
    """spec.provider of the ClusterSecretStore the template renders for a profile."""
    documents = render_one(REPO / "templates", "infrastructure/configs/secret-store.yaml.j2", chosen, PLATFORM)
    (store,) = [document for document in documents if document["kind"] == "ClusterSecretStore"]
    assert list(upstream("ClusterSecretStore").iter_errors(store)) == []
    provider: dict[str, Any] = store["spec"]["provider"]
    return provider


def test_each_backend_gets_every_required_provider_field() -> None:
    base = profile("prod-aws")
    assert store_provider(base)["aws"]["service"] == "SecretsManager"
    assert store_provider(base)["aws"]["auth"]["jwt"]["serviceAccountRef"]["namespace"] == "external-secrets"
    gcp = dataclasses.replace(
        base.secrets, backend="gcp-secret-manager", gcp=GcpSecretManager("clipper-prod", "eso@clipper-prod.iam.gserviceaccount.com")
    )
    identity = store_provider(dataclasses.replace(base, secrets=gcp))["gcpsm"]["auth"]["workloadIdentity"]
    assert identity["clusterName"] == "clipper-prod-aws" and identity["serviceAccountRef"]["name"] == "clipper-secret-store"
    azure = dataclasses.replace(base.secrets, backend="azure-key-vault", azure=AzureKeyVault("https://kv.vault.azure.net", "a", "b"))
    provider = store_provider(dataclasses.replace(base, secrets=azure))["azurekv"]
    assert provider["authType"] == "WorkloadIdentity" and provider["tenantId"] == "b"
    vault = dataclasses.replace(base.secrets, backend="vault", vault=VaultBackend("https://vault.example:8200/", "clipper"))
    assert store_provider(dataclasses.replace(base, secrets=vault))["vault"] == {
        "server": "https://vault.example:8200",
        "path": "secret",
        "version": "v2",
        "auth": {
            "kubernetes": {
                "mountPath": "kubernetes",
                "role": "clipper",
                "serviceAccountRef": {"name": "clipper-secret-store", "namespace": "external-secrets"},
            }
        },
    }
    # A Vault namespace (Enterprise / HCP) goes between version and auth; no shipped profile sets one.
    spaced = dataclasses.replace(vault, vault=VaultBackend("https://vault.example:8200/", "clipper", namespace="admin/clipper"))
    assert list(store_provider(dataclasses.replace(base, secrets=spaced))["vault"]) == ["server", "path", "version", "namespace", "auth"]


def test_the_api_restarts_when_its_secret_changes() -> None:
    (deployment,) = [d for d in objects("prod-aws", "Deployment") if d["metadata"]["name"] == "api"]
    assert deployment["metadata"]["annotations"]["secret.reloader.stakater.com/reload"] == "api-secrets"
    (release,) = [d for d in objects("prod-aws", "HelmRelease") if d["metadata"]["name"] == "reloader"]
    assert release["spec"]["values"]["reloader"]["reloadStrategy"] == "annotations"


def test_no_profile_emits_a_secret_object() -> None:
    for name in PROFILES:
        assert objects(name, "Secret") == [], name


def test_the_store_lives_in_the_configs_stage_and_the_operator_in_controllers() -> None:
    folders = built("prod-aws")
    assert any(d["kind"] == "ClusterSecretStore" for d in folders["infrastructure/prod-aws/configs"])
    assert any(
        d["kind"] == "HelmRelease" and d["metadata"]["name"] == "external-secrets" for d in folders["infrastructure/prod-aws/controllers"]
    )
    path = Path(REPO / "templates" / "platform.yaml")
    assert "external-secrets" in load_platform(path.parent)["charts"]


def test_the_metrics_token_is_read_from_the_jwt_secret_and_rotates_with_it() -> None:
    # The token is an admin JWT signed with JWT_PRIVATE_KEY: a rotation of the key invalidates it,
    # so both come from one remote secret and one secrets.rotation.jwt record.
    platform = load_platform(REPO / "templates")
    profile = shipped_profile("prod-aws")
    specs = {spec.name: spec for spec in external_secrets(profile, platform)}
    [token] = specs["api-metrics-token"].keys
    signer = next(key for key in specs["api-secrets"].keys if key.secret_key == "JWT_PRIVATE_KEY")
    assert token.ref.key == signer.ref.key == "clipper/production/jwt" and token.ref.property == "metrics_token"
    assert token.concern == "jwt" and "jwt" in secret_rotation.rotation_policy(platform)["concerns"]
