"""The shipped HelmReleases, rendered with the real upstream charts in ../shared/charts.

Which key paths a chart reads is decided by scripts/refresh_values_schemas.py (loaded here, so
the tests and the committed values schemas follow one rule).
"""

from __future__ import annotations

import functools
import hashlib
import importlib.util
import json
import shutil
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import yaml

from clipper_manifests.profile.merge import load_merged
from clipper_manifests.project import Project
from tests.conftest import REPO, SHARED
from tests.helpers import load, load_all, run_tool, run_tools_ahead

CHARTS = SHARED / "charts"
OUT = REPO / "out"


def _load_script(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, REPO / "scripts" / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


schemas = _load_script("refresh_values_schemas")


@dataclass(frozen=True)
class Release:
    """One HelmRelease file of out/infrastructure/<profile>/controllers/."""

    profile: str
    path: Path
    chart: str
    release_name: str
    namespace: str
    values: dict[str, Any]

    @property
    def id(self) -> str:
        return f"{self.profile}-{self.chart}"


def shipped_releases() -> list[Release]:
    releases = []
    for path in sorted(OUT.glob("infrastructure/*/controllers/helmrelease-*.yaml")):
        document = load(path.read_text(encoding="utf-8"))
        spec = document["spec"]
        releases.append(
            Release(
                profile=path.parts[-3],
                path=path,
                chart=spec["chart"]["spec"]["chart"],
                release_name=spec.get("releaseName") or document["metadata"]["name"],
                namespace=spec.get("targetNamespace") or document["metadata"]["namespace"],
                values=spec.get("values") or {},
            )
        )
    return releases


@functools.cache
def _profile(profile: str) -> dict[str, Any]:
    """The merged profile (what `clipper-manifests show <profile>` prints)."""
    return load_merged(Project(root=REPO, out=OUT), profile).data


def kubernetes_version(profile: str) -> str:
    return str(_profile(profile)["kubernetesVersion"])


def merged_profile(profile: str) -> dict[str, Any]:
    return _profile(profile)


def provider(profile: str) -> str:
    return str(_profile(profile)["provider"])


class RenderError(AssertionError):
    """`helm template` rejected a release's values."""


class Charts:
    """Renders releases with the real charts: `helm` is the real binary, `workdir` a scratch folder."""

    def __init__(self, helm: Path, workdir: Path) -> None:
        self.helm = helm
        self.workdir = workdir
        self._renders: dict[tuple[str, ...], list[dict[str, Any]]] = {}  # by command

    def renderable_chart(self, chart: str) -> tuple[Path, dict[str, Any]]:
        """The chart's folder (or a copy without the dependencies ../shared/charts lacks), and
        values that switch those dependencies off.

        `helm template` refuses a chart with any dependency missing from charts/, enabled or
        not, and a parent's templates read its enabled subcharts' values. kube-prometheus-stack
        (grafana, kube-state-metrics, node and windows exporters) and loki (minio,
        grafana-agent-operator, rollout-operator) list subcharts whose sources are not there:
        the copy renders the chart's own templates with those subcharts off (through each
        dependency's `condition`), so their objects are not checked."""
        source = CHARTS / chart
        missing = set(schemas.missing_dependencies(source))
        if not missing:
            return source, {}
        meta = load((source / "Chart.yaml").read_text(encoding="utf-8"))
        off: dict[str, Any] = {}
        for dependency in meta["dependencies"]:
            if (dependency.get("alias") or dependency["name"]) in missing:
                *parents, leaf = dependency["condition"].split(",")[0].split(".")
                node = off
                for key in parents:
                    node = node.setdefault(key, {})
                node[leaf] = False
        copy = self.workdir / chart
        if not copy.exists():
            # The shared tree is read-only; the copy must be writable to change Chart.yaml.
            shutil.copytree(source, copy, copy_function=shutil.copyfile)
            meta["dependencies"] = [d for d in meta["dependencies"] if (d.get("alias") or d["name"]) not in missing]
            (copy / "Chart.yaml").write_text(yaml.safe_dump(meta, sort_keys=False), encoding="utf-8")
            (copy / "Chart.lock").unlink(missing_ok=True)
        return copy, off

    def _command(self, release: Release) -> list[str]:
        """The `helm template` command of the release. Its files are named after what decides
        the render, so releases that render alike give the same command (run_tool runs it once)."""
        key = (
            release.chart,
            release.release_name,
            release.namespace,
            kubernetes_version(release.profile),
            json.dumps(release.values, sort_keys=True),
        )
        name = hashlib.sha256(json.dumps(key).encode()).hexdigest()[:16]
        chart, off = self.renderable_chart(release.chart)
        values = self.workdir / f"{name}.values.yaml"
        absent = self.workdir / f"{name}.absent-subcharts.yaml"
        if not values.exists():  # named after its content: written once for all releases alike
            values.write_text(yaml.safe_dump(release.values), encoding="utf-8")
            absent.write_text(yaml.safe_dump(off), encoding="utf-8")
        return [
            str(self.helm),
            "template",
            release.release_name,
            str(chart),
            "-f",
            str(values),
            "-f",
            str(absent),
            "--namespace",
            release.namespace,
            "--kube-version",
            kubernetes_version(release.profile),
        ]

    def render_ahead(self, releases: list[Release]) -> None:
        """Run the distinct renders of `releases` two at a time (helm is a subprocess: both cores
        work); the commands (and the chart copies) are made first, one at a time."""
        run_tools_ahead(sorted({tuple(self._command(release)) for release in releases}))

    def render(self, release: Release) -> list[dict[str, Any]]:
        """The objects `helm template` makes of the release, rendered once per session for each
        distinct (chart, release name, namespace, Kubernetes version, values): profiles share most
        releases. The objects are shared too: read them, do not change them."""
        command = tuple(self._command(release))
        if command not in self._renders:
            result = run_tool(*command)
            if result.returncode != 0:
                raise RenderError(f"helm template of {release.path.relative_to(REPO)} failed:\n{result.stderr.strip()}")
            self._renders[command] = [d for d in load_all(result.stdout) if isinstance(d, dict)]
        return self._renders[command]


@functools.cache
def _chart_defaults(chart: str) -> dict[str, Any]:
    """A chart's defaults, parsed once: ~10 releases per chart read them, and unread_paths only reads."""
    defaults: dict[str, Any] = schemas.chart_defaults(CHARTS / chart)
    return defaults


def unread_paths(release: Release) -> list[str]:
    """Dotted key paths of the release's values that the chart does not read."""
    defaults = _chart_defaults(release.chart)
    return [".".join(path) for path in schemas.unread_paths(release.chart, release.values, defaults)]


def matches(selector: dict[str, Any], labels: dict[str, str] | None) -> bool:
    """A label selector's matchLabels (the only form the tool emits) against an object's labels."""
    assert set(selector) <= {"matchLabels"}, f"selector form not handled here: {selector}"
    return all((labels or {}).get(key) == value for key, value in selector.get("matchLabels", {}).items())


def pod_templates(objects: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Pod templates of the workloads among `objects`."""
    kinds = {"Deployment", "StatefulSet", "DaemonSet", "Job"}
    return [o["spec"]["template"] for o in objects if o.get("kind") in kinds]
