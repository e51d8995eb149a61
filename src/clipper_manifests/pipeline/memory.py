"""Memory during a build: no cycle collection while the build allocates what it keeps."""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator


@contextlib.contextmanager
def without_cycle_collection() -> Iterator[None]:
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
