"""Derive each chart's strict values-key schema from the real chart (../shared/charts).

The runtime `helm-values` rule checks every HelmRelease's values against
src/clipper_manifests/schemas/values/<chart>.json. Those files are generated here from the
chart's own values.yaml (with each subchart's values.yaml under the subchart's name), so a key
the chart does not read fails `validate` even in a clone without ../shared.

The rule (the tests in tests/test_real_charts.py use the same functions):
- a key is known when the chart's merged values.yaml has it;
- a key whose default is an empty map `{}` accepts any children (annotations, labels,
  nodeSelector, storageSpec, ...): the chart passes such maps on as they are;
- FREE_FORM adds maps the chart passes on as they are although its default has keys, and
  UNVERIFIED keys of subcharts whose sources are not in ../shared/charts; each says why;
- values inside lists and under non-map defaults are not checked (the chart's templates
  decide what they mean, and values.yaml cannot tell).

Usage: python scripts/refresh_values_schemas.py [--charts DIR] [--check]
"""

from __future__ import annotations

import argparse
import copy
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

REPO_ROOT = Path(__file__).resolve().parent.parent
CHARTS = REPO_ROOT.parent / "shared" / "charts"
OUTPUT = REPO_ROOT / "src" / "clipper_manifests" / "schemas" / "values"
KeyPath = tuple[str, ...]

# Key names whose children are never the chart's own keys, whatever the chart's default:
# every chart here writes `resources` into a container as Kubernetes ResourceRequirements with
# toYaml (e.g. ingress-nginx templates/controller-deployment.yaml), and its default often lists
# only `requests` (limits commented out).
FREE_FORM_NAMES = frozenset({"resources"})

# Maps (per chart) the chart copies as they are into another program's configuration, so their
# keys are that program's, not the chart's, although the default holds an example.
FREE_FORM: dict[str, dict[KeyPath, str]] = {
    "ingress-nginx": {
        ("controller", "containerPort"): "each entry becomes a container port (templates/controller-deployment.yaml: "
        "range $key, $value := .Values.controller.containerPort), e.g. tohttps behind an AWS NLB",
    },
    "loki": {
        ("loki", "limits_config"): "written verbatim into Loki's config.yaml limits_config (templates/_helpers: tpl (toYaml))",
    },
    "prometheus-blackbox-exporter": {
        ("config",): "written verbatim as blackbox_exporter's blackbox.yaml (templates/configmap.yaml: toYaml .Values.config)",
    },
    "traefik": {
        ("service", "spec"): "written verbatim into the Service spec (templates/_service.tpl: toYaml .service.spec)",
    },
}

# Keys of subcharts listed in the chart's Chart.yaml whose sources ../shared/charts does not hold
# (kube-prometheus-stack's grafana 10.5.15 is in SOURCES.tsv, but charts/grafana is absent), so
# they cannot be checked against the real chart here. Only the keys we set, each named.
UNVERIFIED: dict[str, dict[KeyPath, str]] = {
    "kube-prometheus-stack": {
        ("grafana", "sidecar", "dashboards", "folderAnnotation"): "grafana subchart absent from ../shared/charts",
        ("grafana", "sidecar", "dashboards", "provider", "foldersFromFilesStructure"): "grafana subchart absent from ../shared/charts",
    },
}


def _merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    """Helm's coalescing of a parent's values over a subchart's: maps merge, the rest replaces."""
    result = copy.deepcopy(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(result.get(key), dict):
            result[key] = _merge(result[key], value)
        else:
            result[key] = copy.deepcopy(value)
    return result


# LibYAML's safe loader where PyYAML has it: the same objects as yaml.safe_load, several times
# faster on the large values files of the upstream charts.
_SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _load_yaml(path: Path) -> Any:
    return yaml.load(path.read_text(encoding="utf-8"), Loader=_SAFE_LOADER) if path.is_file() else None


def dependencies(chart_dir: Path) -> list[tuple[str, Path]]:
    """(values key, source folder) of each dependency in Chart.yaml; the folder may be absent."""
    meta = _load_yaml(chart_dir / "Chart.yaml") or {}
    return [(dep.get("alias") or dep["name"], chart_dir / "charts" / dep["name"]) for dep in meta.get("dependencies") or []]


def missing_dependencies(chart_dir: Path) -> list[str]:
    return [key for key, folder in dependencies(chart_dir) if not folder.is_dir()]


def chart_defaults(chart_dir: Path) -> dict[str, Any]:
    """The chart's values.yaml with every present subchart's defaults under its values key."""
    values = _load_yaml(chart_dir / "values.yaml") or {}
    for key, folder in dependencies(chart_dir):
        if folder.is_dir():
            values[key] = _merge(chart_defaults(folder), values.get(key) or {})
    return values


def _is_free(chart: str, path: KeyPath, default: Any) -> bool:
    return (isinstance(default, dict) and not default) or path[-1] in FREE_FORM_NAMES or path in FREE_FORM.get(chart, {})


def unread_paths(chart: str, values: Any, defaults: Any, path: KeyPath = ()) -> Iterator[KeyPath]:
    """Key paths of `values` the chart does not read (by the rule in the module docstring)."""
    if not isinstance(values, dict) or not isinstance(defaults, dict):
        return
    for key, value in values.items():
        here = (*path, str(key))
        if key not in defaults:
            if here not in UNVERIFIED.get(chart, {}):
                yield here
            continue
        if not _is_free(chart, here, defaults[key]):
            yield from unread_paths(chart, value, defaults[key], here)


def key_schema(chart: str, defaults: dict[str, Any], path: KeyPath = ()) -> dict[str, Any]:
    """A JSON Schema that accepts exactly the key paths unread_paths accepts."""
    properties: dict[str, Any] = {}
    for key, default in sorted(defaults.items(), key=lambda item: str(item[0])):
        here = (*path, str(key))
        nested = isinstance(default, dict) and not _is_free(chart, here, default)
        properties[str(key)] = key_schema(chart, default, here) if nested else True
    for extra in UNVERIFIED.get(chart, {}):
        if extra[: len(path)] == path and len(extra) == len(path) + 1 and extra[-1] not in properties:
            properties[extra[-1]] = True
    # Below the top, null is allowed too: Helm drops a key set to null (the chart's default goes).
    kind: Any = ["object", "null"] if path else "object"
    return {"type": kind, "properties": properties, "additionalProperties": False}


def chart_schema(chart_dir: Path) -> dict[str, Any]:
    chart = chart_dir.name
    version = (_load_yaml(chart_dir / "Chart.yaml") or {}).get("version")
    schema = key_schema(chart, chart_defaults(chart_dir))
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "description": f"Keys chart {chart} {version} reads; generated by scripts/refresh_values_schemas.py from its values.yaml",
        **schema,
    }


def schema_text(chart_dir: Path) -> str:
    # One key per line keeps a chart upgrade's diff readable.
    return json.dumps(chart_schema(chart_dir), indent=1) + "\n"


def chart_dirs(charts: Path) -> list[Path]:
    return sorted(path for path in charts.iterdir() if (path / "Chart.yaml").is_file())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--charts", type=Path, default=CHARTS, help="the upstream chart sources (default ../shared/charts)")
    parser.add_argument("--check", action="store_true", help="only report schemas that differ from the charts")
    args = parser.parse_args(argv)
    if not args.charts.is_dir():
        print(f"error: {args.charts} is not a folder of chart sources", file=sys.stderr)
        return 2
    stale = []
    wanted = {f"{chart_dir.name}.json": schema_text(chart_dir) for chart_dir in chart_dirs(args.charts)}
    for name, text in wanted.items():
        target = OUTPUT / name
        if not target.is_file() or target.read_text(encoding="utf-8") != text:
            stale.append(name)
            if not args.check:
                target.write_text(text, encoding="utf-8")
    for leftover in sorted(set(p.name for p in OUTPUT.glob("*.json")) - set(wanted)):
        stale.append(leftover)
        if not args.check:
            (OUTPUT / leftover).unlink()
    for name in stale:
        print(f"{'stale' if args.check else 'wrote'}: {OUTPUT.relative_to(REPO_ROOT) / name}")
    return 1 if args.check and stale else 0


if __name__ == "__main__":
    sys.exit(main())
