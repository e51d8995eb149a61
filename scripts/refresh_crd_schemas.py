"""Copy the upstream CRD schemas of every custom resource in out/ into the package.

The package validates custom resources against these files by default, so a user's clone
checks them with nothing beside it. They are copied byte for byte from a catalog in
kubeconform layout (`<group>/<kind>_<version>.json`, e.g. ../shared/crd-schemas, a copy of
datreeio/CRDs-catalog), never edited; SOURCES.md records where they came from, with sha256.

Usage: python scripts/refresh_crd_schemas.py --catalog ../shared/crd-schemas [--check]
Run it after the tool starts emitting a new kind (render first), or to take a newer catalog.
`--check` changes nothing and exits 1 when the package's copy differs from what it would write.
"""

from __future__ import annotations

import argparse
import hashlib
import shutil
import sys
from pathlib import Path

import yaml

from clipper_manifests.render.kustomize import is_builtin

REPO_ROOT = Path(__file__).resolve().parent.parent
PACKAGE_CATALOG = REPO_ROOT / "src" / "clipper_manifests" / "schemas" / "crds"
SOURCES = "SOURCES.md"


def emitted_schema_paths(out: Path) -> set[str]:
    """`<group>/<kind>_<version>.json` of every custom resource kind in the rendered tree."""
    paths = set()
    for path in out.rglob("*.yaml"):
        if path.relative_to(out).parts[0] == "charts":
            continue  # Helm templates, not YAML; their objects are the overlays' (output/helm_chart.py)
        for document in yaml.safe_load_all(path.read_text(encoding="utf-8")):
            if not isinstance(document, dict) or not isinstance(document.get("apiVersion"), str) or is_builtin(document):
                continue
            group, _, version = document["apiVersion"].rpartition("/")
            paths.add(f"{group}/{str(document['kind']).lower()}_{version}.json")
    return paths


def catalog_source_line(catalog: Path) -> str:
    """The catalog README's own "Source:" line (which upstream, which commit, which licence)."""
    readme = catalog / "README.md"
    if readme.is_file():
        for line in readme.read_text(encoding="utf-8").splitlines():
            if line.lstrip("- ").startswith("Source:"):
                return line.lstrip("- ").strip()
    return f"Source: the catalog at {catalog.name} (its README names no source)"


def sources_text(catalog: Path, files: dict[str, bytes]) -> str:
    rows = "\n".join(f"| `{name}` | `{hashlib.sha256(data).hexdigest()}` |" for name, data in sorted(files.items()))
    return f"""# Upstream CRD schemas (package data)

The JSON Schemas the tool validates its custom resources against by default: one file per
kind and version it emits, in kubeconform catalog layout, copied unchanged.

- {catalog_source_line(catalog)}
- Licence: MIT, the catalog's own; its text is in LICENSE beside this file.
- Each schema is generated upstream from the operator's own CRD (nested objects strict with
  `additionalProperties: false`; `metadata` is only `type: object`).
- The loader rewrites Go's inline regex flags (`(?i)rest`) into scoped groups (`(?i:rest)`)
  in memory, so the Rust validator can compile every pattern; the files stay as upstream wrote them.
- Refresh with `python scripts/refresh_crd_schemas.py --catalog ../shared/crd-schemas` after
  rendering (it takes the kinds found in out/).

| file | sha256 |
|---|---|
{rows}
"""


def planned_files(catalog: Path, out: Path) -> dict[str, bytes]:
    needed = emitted_schema_paths(out)
    missing = sorted(name for name in needed if not (catalog / name).is_file())
    if missing:
        raise SystemExit(f"error: the catalog {catalog} has no schema for: {', '.join(missing)}")
    files = {name: (catalog / name).read_bytes() for name in needed}
    files["LICENSE"] = (catalog / "LICENSE").read_bytes()
    files[SOURCES] = sources_text(catalog, {k: v for k, v in files.items() if k.endswith(".json")}).encode()
    return files


def current_files(folder: Path) -> dict[str, bytes]:
    if not folder.is_dir():
        return {}
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--catalog", type=Path, required=True, help="catalog folder in kubeconform layout")
    parser.add_argument("--out", type=Path, default=REPO_ROOT / "out", help="rendered tree to take the kinds from")
    parser.add_argument("--check", action="store_true", help="change nothing; exit 1 when the package copy is stale")
    args = parser.parse_args(argv)
    if not (args.catalog / "LICENSE").is_file():
        print(f"error: {args.catalog} is not a schema catalog (no LICENSE file)", file=sys.stderr)
        return 2
    planned = planned_files(args.catalog.resolve(), args.out)
    if current_files(PACKAGE_CATALOG) == planned:
        print(f"{PACKAGE_CATALOG.relative_to(REPO_ROOT)}: up to date ({len(planned) - 2} schemas)")
        return 0
    if args.check:
        print(f"{PACKAGE_CATALOG.relative_to(REPO_ROOT)} differs from the catalog; run without --check", file=sys.stderr)
        return 1
    shutil.rmtree(PACKAGE_CATALOG, ignore_errors=True)
    for name, data in planned.items():
        target = PACKAGE_CATALOG / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    print(f"{PACKAGE_CATALOG.relative_to(REPO_ROOT)}: wrote {len(planned) - 2} schemas")
    return 0


if __name__ == "__main__":
    sys.exit(main())
