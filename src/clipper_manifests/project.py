"""Where things are: the project root and the folders the tool reads and writes."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from clipper_manifests.errors import UsageError

PROFILE_SUFFIX = ".yaml"


@dataclass(frozen=True)
class Project:
    root: Path
    out: Path
    crd_schemas: Path | None = None  # a CRD schema catalog in kubeconform layout
    notice: str = ""  # a warning about the project's settings, for the CLI to print
    allow_unknown_kinds: frozenset[str] = frozenset()  # custom resources that need no schema (config.py)
    outputs: tuple[str, ...] = ("kustomize",)  # what this run writes: kustomize and/or helm (config.py, render --format)
    configured_outputs: tuple[str, ...] = ("kustomize",)  # what clipper-manifests.yaml says out/ holds

    @property
    def profiles(self) -> Path:
        return self.root / "profiles"

    @property
    def templates(self) -> Path:
        return self.root / "templates"

    def profile_path(self, name: str) -> Path:
        return self.profiles / f"{name}{PROFILE_SUFFIX}"

    def profile_names(self) -> list[str]:
        """Renderable profiles: every profiles/*.yaml not starting with `_` (those are partials)."""
        if not self.profiles.is_dir():
            return []
        return sorted(p.stem for p in self.profiles.glob(f"*{PROFILE_SUFFIX}") if not p.name.startswith("_"))

    def display(self, path: Path) -> str:
        try:
            return str(path.relative_to(self.root))
        except ValueError:
            return str(path)


def find_project(
    root: Path | None, out: Path | None, start: Path | None = None, crd_schemas: Path | None = None, *, validating: bool = False
) -> Project:
    """Use `root` if given, else the nearest folder upwards from `start` that holds profiles/.

    The CRD catalog is `crd_schemas` (the option or its environment variable), else the project
    config file's; a configured catalog must exist only for commands that validate."""
    if root is None:
        here = (start or Path.cwd()).resolve()
        for candidate in (here, *here.parents):
            if (candidate / "profiles").is_dir():
                root = candidate
                break
        else:
            raise UsageError(
                f"no profiles/ folder in {here} or any folder above it",
                hint="run the command inside a clipper-manifests project, or pass --root DIR",
            )
    root = root.resolve()
    if not (root / "profiles").is_dir():
        raise UsageError(f"{root} has no profiles/ folder", hint="pass --root the folder that holds profiles/ and templates/")
    if crd_schemas is not None and not crd_schemas.is_dir():
        raise UsageError(
            f"--crd-schemas {crd_schemas} is not a folder", hint="point it at a catalog laid out as <group>/<kind>_<version>.json"
        )
    from clipper_manifests.config import load_config  # PyYAML: `--help` never gets here

    config = load_config(root)
    catalog, notice = (crd_schemas.resolve(), "") if crd_schemas else (config.crd_schemas, "")
    if crd_schemas is None and config.crd_schemas is not None and not config.crd_schemas.is_dir():
        # A shared setting may name a folder this machine lacks: fall back to the schemas the
        # package ships and say so. An explicit --crd-schemas must exist.
        catalog = None
        where = config.crd_schemas_at.render(Path.cwd()) + ": " if config.crd_schemas_at else ""
        fallback = "custom resources are checked against the upstream schemas the package ships"
        notice = f"{where}warning: crdSchemas {config.crd_schemas} is not a folder here; {fallback}"
    return Project(
        root=root,
        out=(out or root / "out").resolve(),
        crd_schemas=catalog,
        allow_unknown_kinds=config.allow_unknown_kinds,
        outputs=config.outputs,
        configured_outputs=config.outputs,
        notice=notice if validating else "",
    )
