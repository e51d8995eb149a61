"""The pipeline, in the one place that knows its order: per profile (in workers) the profile
stages (profile_stages.py: read + merge, schema, typed profile, rules), render (render_stage.py),
its files (output/files.py) and the object checks (object_checks.py; the Flux check reads the
files), and what the build keeps of it (keep.py); then the build-wide checks (the secret
scan over every file, identities no two profiles may share).

Base and components do not depend on any profile, so they are rendered once per Builder and
shared (shared_layers.py); every schema is compiled once per process (compiled_schema.py).
"""

from __future__ import annotations

import functools

from clipper_manifests.output.files import profile_texts
from clipper_manifests.output.plan import compare_files
from clipper_manifests.pipeline import workers
from clipper_manifests.pipeline.keep import Keep
from clipper_manifests.pipeline.locate import locate
from clipper_manifests.pipeline.memory import without_cycle_collection
from clipper_manifests.pipeline.object_checks import check_objects
from clipper_manifests.pipeline.profile_stages import run_profile_stages
from clipper_manifests.pipeline.render_stage import render_profile
from clipper_manifests.pipeline.results import Build, ProfileBuild
from clipper_manifests.pipeline.shared_layers import SharedLayers
from clipper_manifests.profile.redaction import redact_problems, secret_values
from clipper_manifests.project import Project
from clipper_manifests.render import layout
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
        fast = fast_render_default() if fast_render is None else fast_render
        self.layers = SharedLayers(project, self.platform, fast_render=fast)
        self.base = self.layers.base

    def build(self, names: list[str], keep: Keep = Keep.OBJECTS) -> Build:
        """Build `names`; each profile keeps what `keep` says (Keep), let go of on the core that
        built it, since a worker sends back only what is kept."""
        with without_cycle_collection():
            return self._build(names, keep)

    def _build(self, names: list[str], keep: Keep) -> Build:
        profiles = workers.build_all(names, functools.partial(self._build_kept, keep=keep))
        used = sorted({item.profile.provider for item in profiles.values() if item.profile is not None})
        build = Build(self.project, keep, self.base, {p: self.component(p) for p in used if not self.component(p).empty}, profiles)
        build.scanned = scan_build(profiles, self.project.out, build.shared_files())
        build.clashes = identity_clashes(self.project, {name: item.identities for name, item in profiles.items() if item.merged})
        return build

    def _build_kept(self, name: str, keep: Keep) -> ProfileBuild:
        item = self.build_profile(name)
        # No message may echo a value of a field the schema marks secret.
        item.secrets = frozenset(secret_values(item.merged))
        item.problems = redact_problems(item.problems, item.secrets)
        if item.texts is not None and keep is Keep.CHANGED_FILES:
            # Here, on the core that made the files, so the parent does not read and hash
            # thousands of files of out/ (a render's largest step after building).
            item.on_disk = compare_files(self.project.out, item.texts)
        item.keep(keep)
        return item

    def component(self, provider: str) -> Layer:
        return self.layers.component(provider)

    def build_profile(self, name: str) -> ProfileBuild:
        """Stages 1-7 of one profile in this process, everything kept."""
        stages = run_profile_stages(self.project, name, self.platform)
        item = ProfileBuild(name=name, problems=stages.problems)
        if stages.merged is not None:
            item.merged = stages.merged
        if stages.profile is None:
            return item
        item.profile, item.suppressions, item.identities = stages.profile, stages.suppressions, stages.identities
        item.rendered = render_profile(self.layers, name, stages.profile)
        # Its output folders, the Helm chart too (it carries the overlay's values): what it answers for.
        chart = (layout.chart_dir(name),) if "helm" in self.project.outputs else ()
        item.folders = (*item.rendered.folders(), *chart)
        item.texts = profile_texts(self.project, item)
        item.scanned = scan_output(self.project.out, item.texts)  # here: a worker's findings travel, not its files
        # A problem found in an object names the file and line, and the profile key behind the value.
        item.problems += check_objects(self.layers, item, functools.partial(locate, self.project, item.merged))
        return item
