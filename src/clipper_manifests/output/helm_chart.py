"""A profile's application as a Helm chart (out/charts/<profile>/), made from the objects its
overlay builds to (RenderedProfile.resolved), so the chart cannot drift from the Kustomize tree.

Each object is written by the project's YAML writer with a unique placeholder scalar wherever
an install-time value goes (chart_values.py). Every literal `{{` of that text is then escaped
(alert templates hold `{{ $labels.… }}`), and each placeholder becomes an action ending in
`| toJson`: JSON is valid YAML, so a value is always one scalar or one flow collection and can
add neither a key nor a document. Strings holding the domain are rebuilt with `print` from Go
string literals around `.Values.domain`.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from typing import Any

from clipper_manifests import __version__
from clipper_manifests.output.chart_values import IMAGE_ROLES, chart_values, values_schema
from clipper_manifests.profile.model import Profile
from clipper_manifests.render import layout
from clipper_manifests.values.application import migration_job_name
from clipper_manifests.yaml.write import dump_document

Path = tuple[Any, ...]

_HELPERS = """\
{{/* An image reference as Kustomize's images transformer writes it: name[:tag][@digest]. */}}
{{- define "clipper.image" -}}
{{ .repository }}{{ with .tag }}:{{ . }}{{ end }}{{ with .digest }}@{{ . }}{{ end }}
{{- end -}}

{{/* One migration Job per migrations image version (Jobs are immutable): the tag, else the
digest's first 12 hex digits, lower-cased, runs of other characters as '-', at most 63. */}}
{{- define "clipper.migrationJob" -}}
{{- $image := .Values.images.migrations -}}
{{- $version := $image.tag | default ($image.digest | trimPrefix "sha256:" | trunc 12) -}}
{{- printf "migrate-%s" (regexReplaceAll "[^a-z0-9]+" (lower $version) "-" | trimAll "-") | trunc 63 | trimSuffix "-" -}}
{{- end -}}
"""


def chart_files(profile: Profile, objects: list[dict[str, Any]], header: str) -> dict[str, str]:
    """Every file of the profile's chart: relative path below out/ → text."""
    folder = layout.chart_dir(profile.name)
    files = {
        f"{folder}/Chart.yaml": header + dump_document(_chart_metadata(profile)),
        f"{folder}/values.yaml": header + _values_text(profile),
        f"{folder}/values.schema.json": json.dumps(values_schema(profile), indent=2) + "\n",
        f"{folder}/README.md": _readme(profile),
        f"{folder}/templates/NOTES.txt": _notes(profile),
        f"{folder}/templates/_helpers.tpl": _HELPERS,
    }
    for document in objects:
        files[f"{folder}/templates/{layout.file_stem(document)}.yaml"] = header + template_text(profile, document)
    return files


def template_text(profile: Profile, document: dict[str, Any]) -> str:
    """One object as a Helm template: its YAML with the install-time values as actions."""
    copied = copy.deepcopy(document)
    actions: dict[str, str] = {}
    for path, action in value_slots(profile, document):
        token = f"CLIPPERHELMSLOT{len(actions):05d}X"
        _set(copied, path, token)
        actions[token] = action
    text = dump_document(copied).replace("{{", '{{ "{{" }}')
    for token, action in actions.items():
        assert text.count(token) == 1, f"placeholder {token} not written as one plain scalar"
        text = text.replace(token, action)
    if document["kind"] == "HorizontalPodAutoscaler" and document["metadata"]["name"] in ("api", "frontend"):
        text = _range_check(document["metadata"]["name"]) + text
    return text


def value_slots(profile: Profile, document: dict[str, Any]) -> list[tuple[Path, str]]:
    """Where this object holds an install-time value, and the action that writes it."""
    slots: list[tuple[Path, str]] = []
    kind, name = document["kind"], document["metadata"]["name"]
    references = {getattr(profile.images, role).reference: role for role in reversed(IMAGE_ROLES)}
    for path, value in _scalars(document):
        if path[-1] == "image" and value in references:
            slots.append((path, f'{{{{ include "clipper.image" .Values.images.{references[value]} | toJson }}}}'))
    if kind == "Job" and name == migration_job_name(profile):
        slots.append((("metadata", "name"), '{{ include "clipper.migrationJob" . | toJson }}'))
    if kind == "HorizontalPodAutoscaler" and name in ("api", "frontend"):
        slots += [
            (("spec", "minReplicas"), f"{{{{ .Values.{name}.replicas.min | toJson }}}}"),
            (("spec", "maxReplicas"), f"{{{{ .Values.{name}.replicas.max | toJson }}}}"),
        ]
    if kind == "Deployment" and name in ("api", "frontend"):
        if name == "frontend" and profile.frontend.autoscaling is None:
            slots.append((("spec", "replicas"), "{{ .Values.frontend.replicas | toJson }}"))
        for index, container in enumerate(document["spec"]["template"]["spec"]["containers"]):
            if container["name"] == name:
                path = ("spec", "template", "spec", "containers", index, "resources")
                slots.append((path, f"{{{{ .Values.{name}.resources | toJson }}}}"))
    taken = {path for path, _ in slots}
    for path, value in _scalars(document):
        if isinstance(value, str) and profile.domain in value and path not in taken:
            slots.append((path, _with_domain(value, profile.domain)))
    return slots


def _with_domain(text: str, domain: str) -> str:
    parts: list[str] = []
    for index, literal in enumerate(text.split(domain)):
        if index:
            parts.append(".Values.domain")
        if literal:
            # A JSON string without \\u escapes of non-ASCII is a valid Go string literal.
            parts.append(json.dumps(literal, ensure_ascii=False))
    return f"{{{{ print {' '.join(parts)} | toJson }}}}"


def _scalars(node: Any, path: Path = ()) -> Iterator[tuple[Path, Any]]:
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _scalars(value, (*path, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _scalars(value, (*path, index))
    else:
        yield path, node


def _set(node: Any, path: Path, value: Any) -> None:
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value


def _chart_metadata(profile: Profile) -> dict[str, Any]:
    api = profile.images.api
    return {
        "apiVersion": "v2",
        "name": profile.name,
        "description": f"The Clipper application of profile {profile.name}, as clipper-manifests renders it",
        "type": "application",
        "version": __version__,
        "appVersion": api.tag or (api.digest or "").removeprefix("sha256:")[:12],
    }


def _values_text(profile: Profile) -> str:
    values = chart_values(profile)
    frontend_replicas = (
        "# Frontend HPA bounds (frontend.replicas.min, .max)."
        if profile.frontend.autoscaling is not None
        else "# The frontend's fixed pod count (the profile has no frontend HPA)."
    )
    sections = [
        ("# The public host name: the Ingress host, BASE_URL, the CORS and WebSocket origins, the probe targets.", "domain"),
        (
            "# Images by role: repository, tag and digest (empty = unset; the digest decides when both are set).\n"
            "# api: the API container; frontend: nginx with the static build; migrations: the migration Job\n"
            "# and the API's wait-for-migrations init container (the Job's name follows its tag).\n"
            "# A tag that reads as a number (1.10) needs --set-string: --set would make it a number.",
            "images",
        ),
        ("# API HPA bounds and the API container's resources.", "api"),
        (f"{frontend_replicas}\n# The frontend container's resources.", "frontend"),
    ]
    intro = (
        "# Install-time values. Everything else is fixed when clipper-manifests renders the chart:\n"
        "# change the profile and render again for anything not listed here.\n"
    )
    return intro + "".join(f"\n{comment}\n{dump_document({key: values[key]})}" for comment, key in sections)


def _range_check(name: str) -> str:
    """What a JSON Schema cannot say: a range's minimum is not above its maximum. (In the HPA's
    own template: Helm discards what `_*.tpl` files would do, `fail` included.)"""
    return (
        f"{{{{- if gt (int .Values.{name}.replicas.min) (int .Values.{name}.replicas.max) }}}}\n"
        f'{{{{- fail "{name}.replicas.min must not be greater than {name}.replicas.max" }}}}\n'
        "{{- end }}\n"
    )


_FIXED = (
    "Only the values in values.yaml (images, API and frontend replicas and resources, the domain) "
    "change at install time. Everything else (namespace `{namespace}`, configuration, network "
    "policies, alerts, the data tier) is fixed when clipper-manifests renders the chart from "
    "profiles/{name}.yaml: change the profile and render again."
)


def _notes(profile: Profile) -> str:
    fixed = _FIXED.format(namespace=profile.namespace, name=profile.name)
    return f"Clipper ({profile.name}) at https://{{{{ .Values.domain }}}} in namespace {profile.namespace}.\n\n{fixed}\n"


def _readme(profile: Profile) -> str:
    fixed = _FIXED.format(namespace=profile.namespace, name=profile.name)
    return f"""\
<!-- generated by clipper-manifests from profiles/{profile.name}.yaml; do not edit -->
# {profile.name}

The Clipper application of profile `{profile.name}`: the same objects as
`kubectl kustomize out/overlays/{profile.name}` (a test holds it).

{fixed}

The chart creates namespace `{profile.namespace}` itself, so keep Helm's release record elsewhere:

```sh
helm install clipper out/charts/{profile.name} --namespace default --set api.replicas.max=12
helm package out/charts/{profile.name} && helm push {profile.name}-{__version__}.tgz oci://ghcr.io/<org>/charts
```

Values are checked by `values.schema.json` (the profile schema's limits for this environment).
"""
