"""Compiled templates are cached like a cache: keyed by content, bounded, relocatable."""

from __future__ import annotations

import os
import traceback
from pathlib import Path

import jinja2
import pytest

from clipper_manifests.render._bytecode_cache import MAX_AGE_SECONDS, MAX_ENTRIES, TemplateCache, prune, template_cache


def test_compiled_templates_are_cached_between_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CLIPPER_CACHE_DIR", str(tmp_path / "cache"))
    cache = template_cache()
    assert cache is not None and (tmp_path / "cache").is_dir()
    monkeypatch.setenv("CLIPPER_CACHE_DIR", "")
    assert template_cache() is None


def _compile_in(folder: Path, cache_dir: Path, text: str) -> jinja2.Template:
    """Load one template through a fresh environment with the cache in `cache_dir`."""
    folder.mkdir(parents=True, exist_ok=True)
    cache_dir.mkdir(exist_ok=True)
    (folder / "t.yaml.j2").write_text(text, encoding="utf-8")
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(folder)), bytecode_cache=TemplateCache(cache_dir))
    return env.get_template("t.yaml.j2")


def test_cache_entries_are_keyed_by_content_not_by_where_the_project_lives(tmp_path: Path) -> None:
    cache_dir = tmp_path / "cache"
    _compile_in(tmp_path / "clone-1", cache_dir, "a: {{ x }}\n")
    _compile_in(tmp_path / "clone-2", cache_dir, "a: {{ x }}\n")
    assert len(list(cache_dir.iterdir())) == 1, "a second copy of the same template adds no entry"
    _compile_in(tmp_path / "clone-2", cache_dir, "b: {{ x }}\n")
    assert len(list(cache_dir.iterdir())) == 2, "an edited template is a new entry"


def test_a_cached_template_reports_errors_at_the_loading_project_s_file(tmp_path: Path) -> None:
    cache_dir = tmp_path / "cache"
    text = "a: 1\nb: {{ 1 / 0 }}\n"
    with pytest.raises(ZeroDivisionError):
        _compile_in(tmp_path / "clone-1", cache_dir, text).render()
    with pytest.raises(ZeroDivisionError) as caught:
        _compile_in(tmp_path / "clone-2", cache_dir, text).render()
    frames = [(frame.filename, frame.lineno) for frame in traceback.extract_tb(caught.value.__traceback__)]
    assert (str(tmp_path / "clone-2" / "t.yaml.j2"), 2) in frames
    assert not any("clone-1" in filename for filename, _ in frames)


def test_the_cache_is_bounded_by_age_and_count(tmp_path: Path) -> None:
    now = 1_000_000_000.0
    for index in range(MAX_ENTRIES + 5):
        entry = tmp_path / f"__jinja2_{index:04}.cache"
        entry.write_bytes(b"x")
        os.utime(entry, (now - index, now - index))
    stale = tmp_path / "__jinja2_stale.cache"
    stale.write_bytes(b"x")
    os.utime(stale, (now - MAX_AGE_SECONDS - 1, now - MAX_AGE_SECONDS - 1))
    unrelated = tmp_path / "notes.txt"
    unrelated.write_text("kept", encoding="utf-8")
    prune(tmp_path, now=now)
    left = sorted(p.name for p in tmp_path.glob("__jinja2_*.cache"))
    assert len(left) == MAX_ENTRIES and left[0] == "__jinja2_0000.cache" and "__jinja2_stale.cache" not in left
    assert unrelated.exists()
