"""Build profiles on both cores: each profile is independent once base and components exist.

The parent renders the shared layers, then forks one worker per extra core; a worker inherits
everything already loaded and compiled (no imports, no template compiling). The parent and the
workers take profiles from one queue until it is empty; workers send theirs back pickled.
Results are put back in the order asked for, so the output is the same as a serial build,
byte for byte. Below MIN_PROFILES, or where `fork` is not available, the build is serial:
starting a worker would cost more than it saves.
"""

from __future__ import annotations

import multiprocessing
import os
import pickle
import sys
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from typing import Any, TypeVar

T = TypeVar("T")
MIN_PROFILES = 4  # measured: a worker pays ~30 ms to start and a few ms per profile to send back

# What the forked workers run and take from: inherited, not pickled (a lock cannot be).
_build_one: Callable[[str], Any] | None = None
_queue: _Queue | None = None


class _Queue:
    """Profiles handed out one at a time to whichever process is free: the cores of this kind
    of machine do not run at the same speed, so equal shares would leave one waiting."""

    def __init__(self, names: list[str]) -> None:
        self.names = names
        self._next = multiprocessing.get_context("fork").Value("i", 0)

    def take(self) -> int | None:
        with self._next.get_lock():
            index = int(self._next.value)
            self._next.value = index + 1
        return index if index < len(self.names) else None


def _drain(pickled: bool) -> list[tuple[int, Any]]:
    """Build profiles from the queue until it is empty. A worker pickles each result as it goes,
    so that cost is shared out with the profiles and little is left to send at the end."""
    assert _build_one is not None and _queue is not None
    queue, done = _queue, []
    while (index := queue.take()) is not None:
        result = _build_one(queue.names[index])
        done.append((index, pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL) if pickled else result))
    return done


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
    global _build_one, _queue  # the forked workers read them; nothing else does
    _build_one, _queue = build_one, _Queue(names)
    results: dict[int, T] = {}
    try:
        with ProcessPoolExecutor(jobs - 1, mp_context=multiprocessing.get_context("fork")) as pool:
            pending = [pool.submit(_drain, True) for _ in range(jobs - 1)]
            results.update(_drain(False))
            for future in pending:
                try:
                    results.update((index, pickle.loads(data)) for index, data in future.result())
                except Exception:  # noqa: BLE001 - redone here, so the error surfaces whole
                    # Pickling drops an exception's location and hint, and a failed worker's
                    # share is unknown: build what is missing in this process, where the same
                    # error is raised with all its details.
                    continue
        for index, name in enumerate(names):
            if index not in results:
                results[index] = build_one(name)
    finally:
        _build_one, _queue = None, None
    return {name: results[index] for index, name in enumerate(names)}
