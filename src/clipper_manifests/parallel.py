"""Build profiles on both cores: each profile is independent once base and components exist.

The parent renders the shared layers, then forks one worker per extra core; a worker inherits
everything already loaded and compiled (no imports, no template compiling), builds its share
of the profiles and sends them back pickled. Results are put back in the order asked for, so
the output is the same as a serial build, byte for byte. Below MIN_PROFILES, or where `fork`
is not available, the build is serial: starting a worker would cost more than it saves.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from typing import Any, TypeVar

T = TypeVar("T")
MIN_PROFILES = 4  # measured: a worker pays ~30 ms to start and ~15 ms per profile to pickle

_build_one: Callable[[str], Any] | None = None  # what the forked worker runs (inherited, not pickled)


def _work(names: list[str]) -> list[Any]:
    assert _build_one is not None
    return [_build_one(name) for name in names]


def workers() -> int:
    """How many processes to use: CLIPPER_JOBS if set, else the cores this process may use."""
    wanted = os.environ.get("CLIPPER_JOBS", "")
    if wanted.isdigit() and int(wanted) > 0:
        return int(wanted)
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def build_all(names: list[str], build_one: Callable[[str], T]) -> dict[str, T]:
    """`{name: build_one(name)}` in the order of `names`, spread over the cores."""
    jobs = min(workers(), len(names) // 2)
    if jobs < 2 or len(names) < MIN_PROFILES or sys.platform != "linux":
        return {name: build_one(name) for name in names}
    global _build_one  # noqa: PLW0603 - the forked workers read it; nothing else does
    _build_one = build_one
    # Interleaved shares even out the cost of profiles that sort next to each other.
    shares = [names[index::jobs] for index in range(jobs)]
    results: dict[str, T] = {}
    try:
        with ProcessPoolExecutor(jobs - 1, mp_context=multiprocessing.get_context("fork")) as pool:
            pending = [pool.submit(_work, share) for share in shares[1:]]
            results.update(zip(shares[0], _work(shares[0]), strict=True))
            for share, future in zip(shares[1:], pending, strict=True):
                try:
                    results.update(zip(share, future.result(), strict=True))
                except Exception:  # noqa: BLE001 - redone here, so the error surfaces whole
                    # Pickling drops an exception's location and hint: build the share again
                    # in this process, where the same error is raised with all its details.
                    results.update((name, build_one(name)) for name in share)
    finally:
        _build_one = None
    return {name: results[name] for name in names}
