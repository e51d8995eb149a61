"""The pipeline, in the one place that knows its order:
load + merge → schema → typed profile → rules → render → resolve → validate → files.

Base and components do not depend on any profile, so they are rendered once per process
and shared; every schema is compiled once per process (compiled_schema.py).
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import gc
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from clipper_manifests.dr import objects as dr_objects
from clipper_manifests.errors import Location, ProfileError, TemplateError
from clipper_manifests.output.files import layer_files, profile_texts, shared_files
from clipper_manifests.output.plan import OnDisk, compare_files
from clipper_manifests.pipeline import workers
from clipper_manifests.pipeline.profile_stages import profile_rule_problems
from clipper_manifests.pipeline.provenance import find_source
from clipper_manifests.problems import Problem, json_path
from clipper_manifests.profile.convert import from_data
from clipper_manifests.profile.merge import MergedProfile, load_merged
from clipper_manifests.profile.model import Profile
from clipper_manifests.profile.redaction import redact_problems, secret_values
from clipper_manifests.project import Project
from clipper_manifests.render import kustomize, layout
from clipper_manifests.render.engine import Rendered, refresh_templates, render_template, template_names
from clipper_manifests.render.layout import ImageOverride, Layer
from clipper_manifests.rules import delivery
from clipper_manifests.rules.exceptions import Suppressions
from clipper_manifests.rules.identity import identities, identity_clashes
from clipper_manifests.rules.object_schemas.crds import check_custom_resource
from clipper_manifests.rules.object_schemas.kubernetes import check_builtin
from clipper_manifests.rules.policy.objects import Objects, check_policy
from clipper_manifests.rules.profile.files import profile_file_problem
from clipper_manifests.rules.profile.schema_check import check_profile_schema
from clipper_manifests.rules.registry import ids
from clipper_manifests.rules.secrets.scan import scan_build, scan_output
from clipper_manifests.rules.secrets.scanner import Finding
from clipper_manifests.rules.security.wiring import check_security
from clipper_manifests.values import flux_stages
from clipper_manifests.values.overlay import overlay_context, shared_context
from clipper_manifests.values.platform import load_platform
from clipper_manifests.yaml.read import load_marked, location_of

API_IMAGE, FRONTEND_IMAGE, MIGRATIONS_IMAGE = "clipper-api", "clipper-frontend", "clipper-migrations"


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


class Builder:
    """Builds profiles of one project, reusing what profiles share."""

    def __init__(self, project: Project) -> None:
        self.project = project
        refresh_templates(project.templates)
        self.platform = load_platform(project.templates)
        self._components: dict[str, Layer] = {}
        self._merged: dict[str, MergedProfile] = {}  # for naming the profile key behind a problem
        self._templates: dict[str, list[str]] = {}  # template folder → its templates
        self._substitutable: dict[str, bool] = {}  # shared layer folder → holds `${` (_holds_substitution)
        self.base = self._shared_layer("base", layout.BASE_DIR, "base", None)

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
        with _without_cycle_collection():
            return self._build(names, build_one)

    def _build(self, names: list[str], build_one: Callable[[str], ProfileBuild]) -> Build:
        profiles = workers.build_all(names, build_one)
        used = sorted({item.profile.provider for item in profiles.values() if item.profile is not None})
        build = Build(self.project, self.base, {p: self.component(p) for p in used if not self.component(p).empty}, profiles)
        build.scanned = scan_build(build)
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
        if provider not in self._components:
            self._components[provider] = self._shared_layer("component", layout.component_dir(provider), f"components/{provider}", provider)
        return self._components[provider]

    def _shared_layer(self, kind: layout.LayerKind, directory: str, folder: str, provider: str | None) -> Layer:
        shared = shared_context(self.platform, provider)
        layer = Layer(kind=kind, directory=directory)
        if kind == "base":
            layer.resources = self._render_folder(folder, shared)
        else:
            layer.resources = self._render_folder(f"{folder}/resources", shared)
            layer.patches = self._render_folder(f"{folder}/patches", shared)
        _check_layer(layer)
        return layer

    def _render_folder(self, folder: str, values: dict[str, Any]) -> list[Rendered]:
        rendered: list[Rendered] = []
        if folder not in self._templates:  # listed once per build, not once per profile
            self._templates[folder] = template_names(self.project.templates, folder)
        for name in self._templates[folder]:
            rendered.extend(render_template(self.project.templates, name, values))
        return rendered

    def build_profile(self, name: str) -> ProfileBuild:
        item = ProfileBuild(name=name)
        try:
            item.merged = self._merged[name] = load_merged(self.project, name)
        except ProfileError as error:
            # One unreadable profile must not hide the problems of the others.
            item.problems = [profile_file_problem(error, name)]
            return item
        item.problems = check_profile_schema(item.merged)
        if item.problems:
            return item  # the typed profile and everything after it need a valid profile
        profile = from_data(Profile, {**item.merged.data, "name": name})
        item.profile = profile
        item.suppressions = Suppressions(profile.policy.exceptions)
        item.identities = identities(item.merged)
        item.problems += profile_rule_problems(profile, item.merged, self.platform, item.suppressions)
        values = overlay_context(profile, self.platform)
        # A provider's component, when templates/components/<provider> has anything for it.
        components = [] if self.component(profile.provider).empty else [self.component(profile.provider)]
        overlay = Layer(
            kind="overlay",
            directory=layout.overlay_dir(name),
            resources=self._render_folder("overlay/resources", values),
            patches=self._render_folder("overlay/patches", values),
            components=tuple(component.directory for component in components),
            namespace=profile.namespace,
            images=_images(profile),
        )
        _check_layer(overlay)
        item.overlay = overlay
        item.resolved = kustomize.resolve(self.base, components, overlay)
        # The disaster-recovery folders derive their Cluster from the overlay's.
        item.extras = self._profile_folders(name, {**values, "overlay_objects": item.resolved})
        item.problems += self._check_objects(item)
        return item

    def _profile_folders(self, name: str, values: dict[str, Any]) -> list[Layer]:
        """Per-profile folders without Kustomize transformations (infrastructure, Flux entry)."""
        layers: list[Layer] = []
        profile: Profile = values["profile"]
        folders = [(template, directory.format(profile=name)) for template, directory in layout.PROFILE_FOLDERS.items()]
        folders += [(f"dr/{step}", dr_objects.step_folder(profile, step)) for step in dr_objects.FOLDER_STEPS]
        for template_folder, directory in folders:
            # Later folders (the Flux entry) may refer to the earlier ones that exist.
            folder_values = {**values, "folders": [layer.directory for layer in layers]}
            kind: layout.LayerKind = "entry" if directory == layout.ENTRY_FOLDER.format(profile=name) else "plain"
            layer = Layer(kind=kind, directory=directory, resources=self._render_folder(template_folder, folder_values))
            if layer.resources:
                _check_layer(layer)
                layers.append(layer)
        return layers

    def _check_objects(self, item: ProfileBuild) -> list[Problem]:
        assert item.profile is not None and item.overlay is not None
        version = item.profile.kubernetes_version
        problems = []
        for directory, documents in item.built().items():
            sources = self._sources(item, directory)
            for document in documents:
                for problem in self._check_object(document, version):
                    problems.append(self._locate(problem, document, sources, item.name))
            if directory == item.overlay.directory:
                problems += check_security(
                    item.profile, self.platform, documents, functools.partial(self._locate, layers=sources, profile=item.name)
                )
        return problems + self._check_policy(item) + self._check_delivery(item)

    def _check_policy(self, item: ProfileBuild) -> list[Problem]:
        """Policy rules see every object of the profile at once, whatever folder holds it."""
        assert item.profile is not None and item.merged is not None
        sources = {id(d): self._sources(item, folder) for folder, documents in item.built().items() for d in documents}
        chosen = [getattr(item.profile.images, f.name) for f in dataclasses.fields(item.profile.images)]
        images = frozenset(image.reference for image in chosen if image is not None)
        everything = [d for documents in item.built().values() for d in documents]
        objects = Objects(everything, item.profile.kubernetes_version, item.profile.is_production, images)
        suppressions = item.suppressions
        assert suppressions is not None

        def locate(problem: Problem, document: dict[str, Any]) -> Problem:
            return self._locate(problem, document, sources[id(document)], item.name)

        problems = check_policy(objects, locate, item.name, suppressions)
        return problems + suppressions.unused(item.merged, ids())

    def _check_delivery(self, item: ProfileBuild) -> list[Problem]:
        """Flux objects of the profile against the folders the tool generates for it."""
        assert item.profile is not None and item.overlay is not None
        built = item.built()
        objects = [(directory, document) for directory, documents in built.items() for document in documents]
        problems = []
        # What out/ holds, as the project configures it (a `render --format` run writes a part,
        # and leaves the rest as it was): Flux may only point at those folders.
        configured = self.project.configured_outputs
        overlays = set() if "kustomize" in configured else {item.overlay.directory}
        charts = {layout.chart_dir(item.name)} if "helm" in configured else set()
        for document, path, rule, message in delivery.check_delivery(
            [d for _, d in objects],
            (set(built) - overlays) | charts,
            flux_stages.app_folder(item.profile),
            item.profile.flux.out_path,
            may_substitute=self._holds_substitution(item),
            bootstrap=(self.platform["flux"]["namespace"], item.profile.flux.git_repository),
        ):
            directory = next(folder for folder, d in objects if d is document)
            problems.append(self._locate(Problem(message, rule, path=json_path(path)), document, self._sources(item, directory), item.name))
        return problems

    def _holds_substitution(self, item: ProfileBuild) -> bool:
        """Whether a file the profile's objects come from holds `${`: YAML writes the text of
        every value as it is, so a value with a Flux substitution shows in the files."""
        assert item.profile is not None
        shared = (self.base, self.component(item.profile.provider))
        for layer in shared:
            if layer.directory not in self._substitutable:
                self._substitutable[layer.directory] = any("${" in text for text in layer_files(layer, "").values())
        if any(self._substitutable[layer.directory] for layer in shared):
            return True
        return any("${" in text for text in profile_texts(self.project, item).values())

    def _sources(self, item: ProfileBuild, directory: str) -> list[Layer]:
        """The layers whose files hold the objects that `directory` builds."""
        assert item.profile is not None and item.overlay is not None
        if directory == item.overlay.directory:
            return [self.base, self.component(item.profile.provider), item.overlay]
        return item.layers_of(directory)

    def _check_object(self, document: dict[str, Any], version: str) -> list[Problem]:
        # Compiled validators take microseconds per object: less than a cache key would cost.
        if kustomize.is_builtin(document):
            return check_builtin(document, version)
        return check_custom_resource(document, self.project.crd_schemas, self.project.allow_unknown_kinds)

    def _locate(self, problem: Problem, document: dict[str, Any], layers: list[Layer], profile: str) -> Problem:
        """Point a problem at the output file (and line) that holds the offending value."""
        key_path = tuple(_parse_path(problem.path))
        where, rendered = _output_location(self.project, layers, document, key_path)
        label = f"{document['kind']}/{document['metadata']['name']}: {problem.message}"
        located = Problem(label, problem.rule, problem.severity, problem.path, where, profile, problem.hint)
        if rendered is None:
            return located
        source = find_source(self.project.templates, rendered.template, rendered.document, key_path, self._merged.get(profile))
        return dataclasses.replace(
            located, template=source.template, profile_key=source.profile_key, profile_location=source.profile_location
        )


@contextlib.contextmanager
def _without_cycle_collection() -> Iterator[None]:
    """A build allocates millions of small objects and keeps nearly all of them until it ends;
    the cycle collector would scan that growing heap again and again for garbage that is not
    there (measured: a quarter of a 200-profile build). It runs again once the build is done."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        # What the build made is old now: move it to the oldest generation without a pass over
        # it (the pass the next allocation would trigger costs a tenth of a second at scale).
        gc.freeze()
        gc.unfreeze()
        gc.enable()


def _images(profile: Profile) -> tuple[ImageOverride, ...]:
    return tuple(
        ImageOverride(name=placeholder, new_name=image.repository, new_tag=image.tag, digest=image.digest)
        for placeholder, image in (
            (API_IMAGE, profile.images.api),
            (FRONTEND_IMAGE, profile.images.frontend),
            # The migration Job and the API's wait-for-migrations init container use this one.
            (MIGRATIONS_IMAGE, profile.images.migrations),
        )
    )


def _check_layer(layer: Layer) -> None:
    duplicates = layer.check_unique_names()
    if duplicates:
        raise TemplateError(
            f"two templates emit the same object in {layer.directory}: {', '.join(duplicates)}", location=Location(Path("templates"))
        )


def _parse_path(path: str) -> list[Any]:
    parts: list[Any] = []
    for chunk in path.replace("[", ".[").split("."):
        if not chunk or chunk.startswith("("):
            continue
        parts.append(int(chunk[1:-1]) if chunk.startswith("[") else chunk)
    return parts


def _output_location(
    project: Project, layers: list[Layer], document: dict[str, Any], key_path: tuple[Any, ...]
) -> tuple[Location, Rendered | None]:
    """The output file:line holding `key_path`, and the rendered template object written there."""
    # The last patch that sets the path wins in Kustomize, so look there first, then the resource.
    candidates: list[tuple[str, Rendered]] = []
    for layer in layers:
        for item in layer.resources:
            if _same_object(item.document, document):
                candidates.append((f"{layer.directory}/{layout.file_stem(item.document)}.yaml", item))
    for layer in layers:
        for item in layer.patches:
            if _same_object(item.document, document):
                candidates.append((f"{layer.directory}/patches/{layout.file_stem(item.document)}.yaml", item))
    for relative, item in reversed(candidates):
        text = "\n" + item.yaml()  # the header takes line 1
        _, marks = load_marked(text)
        if key_path in marks or relative == candidates[0][0]:
            return location_of(project.out / relative, marks, key_path), item
    return Location(project.out), None


def _same_object(candidate: dict[str, Any], document: dict[str, Any]) -> bool:
    return bool(candidate["kind"] == document["kind"] and candidate["metadata"]["name"] == document["metadata"]["name"])
