"""Compiled templates kept between runs, as a cache should be: keyed by content, bounded.

Compiling is a third of a small render. An entry's key is what the compiled code depends on:
the template's name and source, this tool's version, Jinja's and Python's; not where the
project lives, so clones and temporary copies of a project share entries instead of adding
new ones. Compiled code records the file it came from (error locations read it), so an entry
is pointed at the loading project's file when it is read. Entries unused for a month, and
all but the newest few hundred, are removed whenever a run adds one.

`CLIPPER_CACHE_DIR` moves the cache (default: $XDG_CACHE_HOME or ~/.cache, then
clipper-manifests/jinja); `CLIPPER_CACHE_DIR=` (empty) turns it off.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import sys
import time
from pathlib import Path
from types import CodeType

import jinja2
from jinja2.bccache import Bucket

from clipper_manifests import __version__

MAX_ENTRIES = 400  # the shipped templates need about 60; room for a few versions and branches
MAX_AGE_SECONDS = 30 * 24 * 3600
_PATTERN = "__jinja2_%s.cache"


class TemplateCache(jinja2.FileSystemBytecodeCache):
    def __init__(self, directory: Path) -> None:
        super().__init__(str(directory), _PATTERN)
        self._pruned = False

    def get_bucket(self, environment: jinja2.Environment, name: str, filename: str | None, source: str) -> Bucket:
        identity = "\0".join((__version__, jinja2.__version__, sys.version, name, source))
        bucket = Bucket(environment, hashlib.sha256(identity.encode()).hexdigest(), self.get_source_checksum(source))
        self.load_bytecode(bucket)
        if bucket.code is not None and filename is not None:
            bucket.code = _relocated(bucket.code, filename)
        return bucket

    def load_bytecode(self, bucket: Bucket) -> None:
        super().load_bytecode(bucket)
        if bucket.code is not None:
            with contextlib.suppress(OSError):  # a read marks the entry as used, so pruning keeps it
                os.utime(self._get_cache_filename(bucket))

    def dump_bytecode(self, bucket: Bucket) -> None:
        super().dump_bytecode(bucket)
        if not self._pruned:
            self._pruned = True
            prune(Path(self.directory))


def prune(folder: Path, now: float | None = None) -> None:
    """Remove entries unused for MAX_AGE_SECONDS, then the oldest beyond MAX_ENTRIES."""
    now = time.time() if now is None else now
    entries = []
    for path in folder.glob(_PATTERN % "*"):
        try:
            entries.append((path.stat().st_mtime, path))
        except OSError:
            continue  # removed by a concurrent run
    entries.sort(reverse=True)
    for index, (used, path) in enumerate(entries):
        if index >= MAX_ENTRIES or now - used > MAX_AGE_SECONDS:
            path.unlink(missing_ok=True)


def _relocated(code: CodeType, filename: str) -> CodeType:
    """`code` (and the functions compiled inside it) as if compiled from `filename`."""
    constants = tuple(_relocated(value, filename) if isinstance(value, CodeType) else value for value in code.co_consts)
    return code.replace(co_filename=filename, co_consts=constants)


def template_cache() -> TemplateCache | None:
    """The cache folder's cache, or None when it is turned off or cannot be written."""
    folder = os.environ.get("CLIPPER_CACHE_DIR")
    if folder == "":
        return None
    path = Path(folder) if folder else Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "clipper-manifests" / "jinja"
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None  # no writable cache: compile every time
    return TemplateCache(path)
