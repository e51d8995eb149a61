"""What the stages hand on: a profile's rendered folders (RenderedProfile), one profile's build
(ProfileBuild) and the whole build (Build)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from clipper_manifests.errors import Location
from clipper_manifests.output.files import shared_files
from clipper_manifests.output.plan import OnDisk
from clipper_manifests.pipeline.keep import Keep
from clipper_manifests.problems import Problem
from clipper_manifests.profile.merge import MergedProfile
from clipper_manifests.profile.model import Profile
from clipper_manifests.project import Project
from clipper_manifests.render import layout
from clipper_manifests.render.layout import Layer
from clipper_manifests.rules.exceptions import Suppressions
from clipper_manifests.rules.secrets.scanner import Finding


@dataclass(frozen=True)
class RenderedProfile:
    """Stage 5: a profile's overlay, what `kustomize build` of it yields, and its other folders
    (infrastructure, the Flux entry, the DR steps)."""

    overlay: Layer
    resolved: list[dict[str, Any]]
    extras: list[Layer]

    def folders(self) -> tuple[str, ...]:
        return (self.overlay.directory, *(layer.directory for layer in self.extras))

    def layers_of(self, directory: str) -> list[Layer]:
        return [layer for layer in self.extras if layer.directory == directory]

    def built(self) -> dict[str, list[dict[str, Any]]]:
        """Every Kustomize folder of the profile and the objects it builds."""
        result = {self.overlay.directory: self.resolved}
        for layer in self.extras:
            result[layer.directory] = [item.document for item in layer.resources]
        return result


@dataclass
class ProfileBuild:
    """One profile through the stages: each field is filled by the stage named, then keep() lets
    go of what the build does not keep (no flag tells what is left: a field is there or None)."""

    name: str
    problems: list[Problem] = field(default_factory=list)
    merged: MergedProfile | None = None  # stage 1 (read) passed
    profile: Profile | None = None  # stages 2 (schema) and 3 (type) passed
    suppressions: Suppressions | None = None  # the profile's policy.exceptions, shared by every stage
    identities: dict[str, tuple[str, Location]] = field(default_factory=dict)  # rules.identity: unique across profiles
    rendered: RenderedProfile | None = None  # stage 5; let go of unless the build keeps Keep.OBJECTS
    folders: tuple[str, ...] = ()  # its output folders (rendered.folders(), and its chart), kept when rendered is let go of
    texts: dict[str, str] | None = None  # stage 6: its files (path → text); with Keep.CHANGED_FILES those that differ from out/
    on_disk: dict[str, OnDisk] | None = None  # Keep.CHANGED_FILES: every file's state in out/
    scanned: list[tuple[Finding, str]] = field(default_factory=list)  # stage 6: the secret scanner's findings in its files
    secrets: frozenset[str] = frozenset()  # values of the profile's secret-marked fields: never printed

    def objects(self) -> RenderedProfile:
        """Its rendered folders and objects (a profile that passed the profile stages, in a
        build that keeps Keep.OBJECTS)."""
        assert self.rendered is not None, f"{self.name}: no objects (a profile stage failed, or the build kept less than Keep.OBJECTS)"
        return self.rendered

    def keep(self, keep: Keep) -> None:
        """Let go of what `keep` does not ask for: reports and writing need only files, problems
        and folder names, and a profile built on another core comes back several times faster
        without its object trees."""
        if keep is Keep.OBJECTS:
            return
        self.rendered = None
        if self.merged is not None:  # the secret scanner's allowances still need their lines
            self.merged = self.merged.reduced_to(("secrets", "scanner", "allow"))
        if keep is Keep.PROBLEMS:
            self.texts = None
        elif keep is Keep.CHANGED_FILES and self.texts is not None:
            assert self.on_disk is not None, "compare the files with out/ before keeping only those that differ"
            self.texts = {name: text for name, text in self.texts.items() if self.on_disk[name].current != self.on_disk[name].wanted}


@dataclass
class Build:
    project: Project
    keep: Keep
    base: Layer
    components: dict[str, Layer]
    profiles: dict[str, ProfileBuild]
    scanned: list[Problem] = field(default_factory=list)  # the secret scanner's, over every file
    clashes: list[Problem] = field(default_factory=list)  # identities another profile holds too

    @property
    def problems(self) -> list[Problem]:
        return [problem for item in self.profiles.values() for problem in item.problems] + self.scanned + self.clashes

    @property
    def ok(self) -> bool:
        return not any(problem.is_error for problem in self.problems)

    def files(self) -> dict[str, str]:
        """Every output file of the selected profiles: relative path → text (Keep.OBJECTS, Keep.FILES)."""
        if self.keep not in (Keep.OBJECTS, Keep.FILES):
            raise ValueError(f"a build that keeps {self.keep.value} has not every file")
        result = self.shared_files()
        for item in self.profiles.values():
            result |= item.texts or {}
        return result

    def changed_files(self) -> tuple[dict[str, str], dict[str, OnDisk]]:
        """The files that differ from out/ (shared ones: all of them, the plan compares those), and
        the state in out/ of every profile's file (Keep.CHANGED_FILES)."""
        if self.keep is not Keep.CHANGED_FILES:
            raise ValueError(f"a build that keeps {self.keep.value} did not compare its files with out/")
        texts, states = self.shared_files(), dict[str, OnDisk]()
        for item in self.profiles.values():
            texts |= item.texts or {}
            states |= item.on_disk or {}
        return texts, states

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
