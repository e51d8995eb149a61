"""What the stages hand on: one profile's build (ProfileBuild) and the whole build (Build)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from clipper_manifests.errors import Location
from clipper_manifests.output.files import profile_texts, shared_files
from clipper_manifests.output.plan import OnDisk
from clipper_manifests.problems import Problem
from clipper_manifests.profile.merge import MergedProfile
from clipper_manifests.profile.model import Profile
from clipper_manifests.project import Project
from clipper_manifests.render import layout
from clipper_manifests.render.layout import Layer
from clipper_manifests.rules.exceptions import Suppressions
from clipper_manifests.rules.secrets.scanner import Finding


@dataclass
class ProfileBuild:
    name: str
    merged: MergedProfile | None = None
    profile: Profile | None = None
    overlay: Layer | None = None
    extras: list[Layer] = field(default_factory=list)  # infrastructure and Flux entry folders
    resolved: list[dict[str, Any]] = field(default_factory=list)  # what `kustomize build` of the overlay yields
    problems: list[Problem] = field(default_factory=list)
    suppressions: Suppressions | None = None  # the profile's policy.exceptions, shared by every stage
    identities: dict[str, tuple[str, Location]] = field(default_factory=dict)  # identity.identities: unique across profiles
    texts: dict[str, str] | None = None  # its output files (path → text) once serialised (profile_texts)
    scanned: list[tuple[Finding, str]] | None = None  # secret-scanner findings in `texts`, from the worker
    on_disk: dict[str, OnDisk] | None = None  # `texts` against out/, from the worker (Builder.build compare=True)
    secrets: frozenset[str] = frozenset()  # values of the profile's secret-marked fields: never printed
    objects_dropped: bool = False  # only files, problems and folder names are left (drop_objects)

    def layers_of(self, directory: str) -> list[Layer]:
        return [layer for layer in self.extras if layer.directory == directory]

    def drop_objects(self) -> None:
        """Forget the object trees once the files are written out and checked: reports and
        writing need only files, problems and folder names, and a profile built in another
        process comes back several times faster without them."""
        assert self.texts is not None, "serialise the profile (profile_texts) before dropping its objects"
        self.resolved = []
        if self.overlay is not None:
            self.overlay = Layer(kind=self.overlay.kind, directory=self.overlay.directory)
        self.extras = [Layer(kind=layer.kind, directory=layer.directory) for layer in self.extras]
        if self.merged is not None:  # the secret scanner's allowances still need their lines
            self.merged = self.merged.reduced_to(("secrets", "scanner", "allow"))
        self.objects_dropped = True

    def built(self) -> dict[str, list[dict[str, Any]]]:
        """Every Kustomize folder of this profile and the objects it builds."""
        assert self.overlay is not None and not self.objects_dropped
        result = {self.overlay.directory: self.resolved}
        for layer in self.extras:
            result[layer.directory] = [item.document for item in layer.resources]
        return result


@dataclass
class Build:
    project: Project
    base: Layer
    components: dict[str, Layer]
    profiles: dict[str, ProfileBuild]
    scanned: list[Problem] = field(default_factory=list)  # the secret scanner's, over every file
    clashes: list[Problem] = field(default_factory=list)  # identities another profile holds too
    _files: dict[str, str] | None = field(default=None, repr=False)  # files(), serialised once

    @property
    def problems(self) -> list[Problem]:
        return [problem for item in self.profiles.values() for problem in item.problems] + self.scanned + self.clashes

    @property
    def ok(self) -> bool:
        return not any(problem.is_error for problem in self.problems)

    def on_disk(self) -> dict[str, OnDisk]:
        """The profiles' files already compared with out/ (by the workers that wrote them)."""
        return {name: state for item in self.profiles.values() for name, state in (item.on_disk or {}).items()}

    def files(self) -> dict[str, str]:
        """Every output file of the selected profiles: relative path → text (of a build with
        compare=True, only the profiles' files that differ from out/: see on_disk())."""
        if self._files is None:
            result = self.shared_files()
            for item in self.profiles.values():
                result |= profile_texts(self.project, item)
            self._files = result
        return dict(self._files)

    def secret_values(self) -> set[str]:
        """The secret-marked values of every profile in the build (for diffs of its output)."""
        return {value for item in self.profiles.values() for value in item.secrets}

    def shared_files(self) -> dict[str, str]:
        """The files of base and of the components the profiles use (Kustomize output only)."""
        return shared_files(self.project, self.base, self.components)

    def scope(self) -> list[str]:
        """The output folders this build owns completely (what may be pruned)."""
        kustomize = "kustomize" in self.project.outputs
        folders = [layout.BASE_DIR, *(layout.component_dir(p) for p in self.components)] if kustomize else []
        for name in self.profiles:
            folders += [layout.overlay_dir(name)] if kustomize else []
            folders += [layout.chart_dir(name)] if "helm" in self.project.outputs else []
            folders += [folder.format(profile=name) for folder in layout.PROFILE_FOLDERS.values()]
            folders.append(layout.DR_DIR.format(profile=name))
        return folders
