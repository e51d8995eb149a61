"""A profile's Helm chart values: what may change at install time, their defaults (the profile's
own settings, so the defaults render exactly the overlay) and their JSON Schema.

Only values that make sense per installation are offered: the images, the API and frontend
replica bounds and resources, and the public domain. The limits are the profile schema's own
definitions plus the profile rules a schema can express for the profile's environment
(production floors, no `latest`), so `helm install --set` cannot deploy what `validate` refuses.
"""

from __future__ import annotations

import copy
from typing import Any

from clipper_manifests.profile.model import Profile
from clipper_manifests.profile.model_workloads import Image
from clipper_manifests.profile.schema import profile_schema
from clipper_manifests.rules.profile.core import PRODUCTION_MIN_API_REPLICAS, PRODUCTION_MIN_FRONTEND_REPLICAS

# Image roles the chart exposes, in the order values.yaml lists them; `tools` runs only the
# disaster-recovery Jobs (out/dr/), which are not part of the application chart.
IMAGE_ROLES = ("api", "frontend", "migrations")


def image_values(image: Image) -> dict[str, str]:
    return {"repository": image.repository, "tag": image.tag or "", "digest": image.digest or ""}


def chart_values(profile: Profile) -> dict[str, Any]:
    """values.yaml: every value at the profile's setting."""
    images = {role: image_values(getattr(profile.images, role)) for role in IMAGE_ROLES}
    frontend_replicas: Any = (
        {"min": profile.frontend.replicas.min, "max": profile.frontend.replicas.max}
        if profile.frontend.autoscaling is not None
        else frontend_fixed_replicas(profile)
    )
    return {
        "domain": profile.domain,
        "images": images,
        "api": {
            "replicas": {"min": profile.api.replicas.min, "max": profile.api.replicas.max},
            "resources": profile.api.resources.as_kubernetes(),
        },
        "frontend": {"replicas": frontend_replicas, "resources": profile.frontend.resources.as_kubernetes()},
    }


def frontend_fixed_replicas(profile: Profile) -> int:
    """Without a frontend HPA the overlay runs replicas.min pods."""
    return profile.frontend.replicas.min


def values_schema(profile: Profile) -> dict[str, Any]:
    """values.schema.json: closed objects, the profile schema's limits for this environment."""
    defs = profile_schema()["$defs"]
    production = profile.is_production
    frontend_range = _replica_range(defs, PRODUCTION_MIN_FRONTEND_REPLICAS if production else 1)
    frontend_replicas = frontend_range if profile.frontend.autoscaling is not None else frontend_range["properties"]["min"]
    return {
        "$schema": "https://json-schema.org/draft-07/schema#",
        "title": f"{profile.name} install-time values",
        "type": "object",
        "additionalProperties": False,
        "required": ["domain", "images", "api", "frontend"],
        "properties": {
            "domain": _hostname(defs),
            "images": _closed({role: _image(defs, production) for role in IMAGE_ROLES}),
            "api": _closed(
                {
                    "replicas": _replica_range(defs, PRODUCTION_MIN_API_REPLICAS if production else 1),
                    "resources": _resources(defs),
                }
            ),
            "frontend": _closed({"replicas": frontend_replicas, "resources": _resources(defs)}),
        },
    }


def _closed(properties: dict[str, Any]) -> dict[str, Any]:
    return {"type": "object", "additionalProperties": False, "required": list(properties), "properties": properties}


def _hostname(defs: dict[str, Any]) -> dict[str, Any]:
    # Helm compiles patterns with Go's regexp, which has no look-ahead: the profile schema's
    # length look-ahead becomes maxLength.
    pattern = defs["hostname"]["pattern"]
    head = "^(?=.{1,253}$)"
    assert pattern.startswith(head), "the profile schema's hostname pattern changed: update the chart's copy"
    return {"type": "string", "minLength": 1, "maxLength": 253, "pattern": "^" + pattern[len(head) :]}


def _image(defs: dict[str, Any], production: bool) -> dict[str, Any]:
    fields = copy.deepcopy(defs["image"]["properties"])
    for name in ("tag", "digest"):
        # Empty means unset: values.yaml always lists both keys so that `--set` has a place.
        fields[name]["pattern"] = f"^({fields[name]['pattern'].removeprefix('^').removesuffix('$')})?$"
    if production:
        fields["tag"]["not"] = {"const": "latest"}  # image-pinned: `latest` is an error in production
    schema = _closed(fields)
    schema["required"] = ["repository", "tag", "digest"]
    # image-pinned: a tag or a digest.
    schema["anyOf"] = [{"properties": {name: {"minLength": 1}}} for name in ("tag", "digest")]
    return schema


def _replica_range(defs: dict[str, Any], floor: int) -> dict[str, Any]:
    schema: dict[str, Any] = copy.deepcopy(defs["replicaRange"])
    schema["properties"]["min"]["minimum"] = max(floor, schema["properties"]["min"]["minimum"])
    return schema


def _resources(defs: dict[str, Any]) -> dict[str, Any]:
    """The profile schema's resources with its quantity definitions inlined (the chart's schema
    stands alone)."""

    def inline(node: Any) -> Any:
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith("#/$defs/"):
                return inline({k: v for k, v in defs[ref.removeprefix("#/$defs/")].items() if not k.startswith("x-")})
            return {k: inline(v) for k, v in node.items()}
        if isinstance(node, list):
            return [inline(v) for v in node]
        return node

    return dict(inline(defs["resources"]))
