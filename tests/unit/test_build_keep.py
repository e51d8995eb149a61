"""What a build keeps of each profile (Keep), as the commands ask for it: render keeps the files
that differ from out/, diff every file, validate only problems, the others the objects too."""

from __future__ import annotations

import shutil

import pytest

from clipper_manifests.pipeline.builder import Builder
from clipper_manifests.pipeline.keep import Keep
from clipper_manifests.pipeline.results import Build
from clipper_manifests.project import find_project
from tests.conftest import REPO

PROFILE = "staging-do"
CASE = REPO / "tests" / "cases" / "invalid" / "secret-in-nested-keys"  # prod-nested: secrets in the profile and the output


@pytest.fixture(scope="module")
def builds(tmp_path_factory: pytest.TempPathFactory) -> dict[Keep, Build]:
    """The shipped PROFILE and the case's profile, built once with each Keep, against an out/
    in which one of PROFILE's files was edited and one removed."""
    root = tmp_path_factory.mktemp("keep") / "project"
    for folder in ("profiles", "templates"):
        shutil.copytree(REPO / folder, root / folder)
    shutil.copytree(CASE / "profiles", root / "profiles", dirs_exist_ok=True)
    shutil.copytree(REPO / "out", root / "out")
    (root / "out" / "overlays" / PROFILE / "kustomization.yaml").write_text("edited by hand\n", encoding="utf-8")
    (root / "out" / "overlays" / PROFILE / "namespace-clipper.yaml").unlink()
    builder = Builder(find_project(root, None))
    return {keep: builder.build([PROFILE, "prod-nested"], keep) for keep in Keep}


def test_every_keep_reports_the_same_problems_including_the_output_scan(builds: dict[Keep, Build]) -> None:
    problems = {keep: [(p.rule, p.message, p.location) for p in build.problems] for keep, build in builds.items()}
    assert "secret-in-output" in {rule for rule, _, _ in problems[Keep.PROBLEMS]}
    assert all(found == problems[Keep.OBJECTS] for found in problems.values()), problems


def test_every_keep_keeps_the_folder_names(builds: dict[Keep, Build]) -> None:
    folders = {keep: build.profiles[PROFILE].folders for keep, build in builds.items()}
    assert f"overlays/{PROFILE}" in folders[Keep.OBJECTS] and len(set(folders.values())) == 1, folders


def test_only_objects_keeps_the_object_trees(builds: dict[Keep, Build]) -> None:
    assert f"overlays/{PROFILE}" in builds[Keep.OBJECTS].profiles[PROFILE].objects().built()
    for keep in (Keep.FILES, Keep.CHANGED_FILES, Keep.PROBLEMS):
        item = builds[keep].profiles[PROFILE]
        assert item.rendered is None, keep
        with pytest.raises(AssertionError, match="no objects"):
            item.objects()


def test_files_are_every_file_and_changed_files_only_what_differs_from_out(builds: dict[Keep, Build]) -> None:
    files = builds[Keep.FILES].files()
    assert files == builds[Keep.OBJECTS].files()
    own = set(builds[Keep.FILES].profiles[PROFILE].texts or {})
    assert {f"overlays/{PROFILE}/kustomization.yaml", f"overlays/{PROFILE}/namespace-clipper.yaml"} <= own

    texts, states = builds[Keep.CHANGED_FILES].changed_files()
    assert own <= set(states), "every file of the profile has its state in out/"
    changed = {f"overlays/{PROFILE}/kustomization.yaml", f"overlays/{PROFILE}/namespace-clipper.yaml"}
    assert own & set(texts) == changed, "only the edited and the removed file are kept"
    assert all(texts[name] == files[name] for name in changed)
    assert set(builds[Keep.CHANGED_FILES].shared_files()) <= set(texts), "shared files: the plan compares those itself"


def test_a_build_refuses_what_it_did_not_keep(builds: dict[Keep, Build]) -> None:
    for keep in (Keep.CHANGED_FILES, Keep.PROBLEMS):
        with pytest.raises(ValueError, match="has not every file"):
            builds[keep].files()
    assert builds[Keep.PROBLEMS].profiles[PROFILE].texts is None
    with pytest.raises(ValueError, match="did not compare"):
        builds[Keep.FILES].changed_files()
