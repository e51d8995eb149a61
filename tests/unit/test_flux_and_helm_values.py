from __future__ import annotations

from typing import Any

from clipper_manifests.rules import delivery
from clipper_manifests.rules.policy.helm_values import _values
from clipper_manifests.values import flux_stages


def _release(values: dict[str, Any]) -> dict[str, Any]:
    return {"kind": "HelmRelease", "spec": {"chart": {"spec": {"chart": "traefik"}}, "values": values}}


def test_a_misspelt_chart_value_is_reported_with_its_path() -> None:
    findings = list(_values(_release({"deployment": {"replica": 2}})))
    assert [path for path, _ in findings] == [("spec", "values", "deployment")]
    assert "'replica' was unexpected" in findings[0][1]


def test_a_key_the_chart_stopped_reading_is_reported() -> None:
    # Traefik's chart reads service.spec.type; service.type was dropped in v27 (issue 15).
    findings = list(_values(_release({"service": {"type": "ClusterIP"}})))
    assert [path for path, _ in findings] == [("spec", "values", "service")]
    assert "'type' was unexpected" in findings[0][1]
    assert list(_values(_release({"service": {"spec": {"type": "ClusterIP"}}}))) == []


def test_known_values_pass() -> None:
    assert list(_values(_release({"deployment": {"replicas": 2}, "ingressClass": {"enabled": True}}))) == []


def _kustomization(name: str, path: str, depends_on: list[str] | None = None) -> dict[str, Any]:
    spec: dict[str, Any] = {"path": path, "dependsOn": [{"name": n} for n in depends_on or []]}
    return {"apiVersion": flux_stages.KUSTOMIZATION_API, "kind": "Kustomization", "metadata": {"name": name}, "spec": spec}


def test_delivery_checks_name_each_broken_rule() -> None:
    objects = [
        _kustomization("apps", "./out/overlays/p", ["infra"]),
        _kustomization("infra", "./out/infrastructure/p/controllers", ["apps"]),
        _kustomization("lost", "./elsewhere"),
    ]
    rules = sorted(
        {rule for _, _, rule, _ in delivery.check_delivery(objects, {"overlays/p", "infrastructure/p/controllers"}, "overlays/p", "./out")}
    )
    assert rules == ["flux-depends-on", "flux-path"]


def test_folder_of_strips_the_out_path() -> None:
    assert flux_stages.folder_of("./out/overlays/p", "./out") == "overlays/p"
    assert flux_stages.folder_of("./other/overlays/p", "./out") is None


def test_a_release_without_crd_policy_is_reported() -> None:
    from clipper_manifests.rules.policy.helm_values import _crd_policy

    release = _release({})
    assert [path for path, _ in _crd_policy(release)] == [("spec", "install"), ("spec", "upgrade")]
    release["spec"] |= {"install": {"crds": "CreateReplace"}, "upgrade": {"crds": "CreateReplace"}}
    assert list(_crd_policy(release)) == []
