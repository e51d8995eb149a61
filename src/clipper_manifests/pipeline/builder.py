"""The pipeline, in the one place that knows its order: per profile (in workers) the profile
stages (profile_stages.py: read + merge, schema, typed profile, rules), render (render_stage.py),
the object checks (object_checks.py) and its files (output/files.py); then the build-wide checks
(the secret scan over every file, identities no two profiles may share).

Base and components do not depend on any profile, so they are rendered once per Builder and
shared (shared_layers.py); every schema is compiled once per process (compiled_schema.py).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from clipper_manifests.output.files import profile_texts
from clipper_manifests.output.plan import compare_files
from clipper_manifests.pipeline import workers
from clipper_manifests.pipeline.locate import locate
from clipper_manifests.pipeline.memory import without_cycle_collection
from clipper_manifests.pipeline.object_checks import check_objects
from clipper_manifests.pipeline.profile_stages import run_profile_stages
from clipper_manifests.pipeline.render_stage import render_profile
from clipper_manifests.pipeline.results import Build, ProfileBuild
from clipper_manifests.pipeline.shared_layers import SharedLayers
from clipper_manifests.problems import Problem
from clipper_manifests.profile.merge import MergedProfile
from clipper_manifests.profile.redaction import redact_problems, secret_values
from clipper_manifests.project import Project
from clipper_manifests.render.engine import fast_render_default, refresh_templates
from clipper_manifests.render.layout import Layer
from clipper_manifests.rules.identity import identity_clashes
from clipper_manifests.rules.secrets.scan import scan_build, scan_output
from clipper_manifests.values.platform import load_platform


class Builder:
    """Builds profiles of one project, reusing what profiles share."""

    def __init__(self, project: Project, *, fast_render: bool | None = None) -> None:
        """fast_render: render_template's fast path on or off; None: as CLIPPER_FAST_RENDER says."""
        self.project = project
        refresh_templates(project.templates)
        self.platform = load_platform(project.templates)
        self._merged: dict[str, MergedProfile] = {}  # for naming the profile key behind a problem
        fast = fast_render_default() if fast_render is None else fast_render
        self.layers = SharedLayers(project, self.platform, fast_render=fast)
        self.base = self.layers.base

    def build(self, names: list[str], keep_objects: bool = True, compare: bool = False, keep_files: bool = True) -> Build:
        """Build `names`.

        keep_objects=False: each profile keeps only its files, problems and folder names
        (ProfileBuild.drop_objects), all that rendering and reporting need.
        compare=True: each profile's files are also compared with out/ (Build.on_disk) on the
        core that made them, since reading and hashing thousands of files is a render's largest
        step after building; a profile then keeps the texts of only the files that differ.
        keep_files=False (with keep_objects=False): only problems are kept, for a build that
        writes nothing; the files were checked and scanned where they were made."""
        build_one = functools.partial(self._build_serialised, keep_objects=keep_objects, compare=compare, keep_files=keep_files)
        with without_cycle_collection():
            return self._build(names, build_one)

    def _build(self, names: list[str], build_one: Callable[[str], ProfileBuild]) -> Build:
        profiles = workers.build_all(names, build_one)
        used = sorted({item.profile.provider for item in profiles.values() if item.profile is not None})
        build = Build(self.project, self.base, {p: self.component(p) for p in used if not self.component(p).empty}, profiles)
        build.scanned = scan_build(profiles, self.project.out, build.shared_files())
        build.clashes = identity_clashes(self.project, {name: item.identities for name, item in profiles.items() if item.merged})
        return build

    def _build_serialised(self, name: str, keep_objects: bool, compare: bool, keep_files: bool) -> ProfileBuild:
        item = self.build_profile(name)
        # No message may echo a value of a field the schema marks secret.
        item.secrets = frozenset(secret_values(item.merged))
        item.problems = redact_problems(item.problems, item.secrets)
        # In a worker, so the parent neither serialises nor scans these files again.
        texts = profile_texts(self.project, item)
        item.scanned = scan_output(self.project.out, texts)
        if compare:
            # The files as out/ already holds them need not travel back: their digests will do.
            item.on_disk = compare_files(self.project.out, texts)
            item.texts = {name: text for name, text in texts.items() if item.on_disk[name].current != item.on_disk[name].wanted}
        if not keep_objects:
            item.drop_objects()
            if not keep_files:
                item.texts = None
        return item

    def component(self, provider: str) -> Layer:
        return self.layers.component(provider)

    def build_profile(self, name: str) -> ProfileBuild:
        """Stages 1-5 and 7 of one profile in this process (its files are made when asked)."""
        stages = run_profile_stages(self.project, name, self.platform)
        item = ProfileBuild(name=name, problems=stages.problems)
        if stages.merged is not None:
            item.merged = self._merged[name] = stages.merged
        if stages.profile is None:
            return item
        item.profile, item.suppressions, item.identities = stages.profile, stages.suppressions, stages.identities
        render_profile(self.layers, item, stages.profile)
        item.problems += check_objects(self.layers, item, self._locate)
        return item

    def _locate(self, problem: Problem, document: dict[str, Any], layers: list[Layer], profile: str) -> Problem:
        return locate(self.project, self._merged.get(profile), problem, document, layers, profile)
