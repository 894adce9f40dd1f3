"""Pausing Python's cyclic garbage collector around bulk work.

Transforming a snapshot, reading a scope's facts and running the rules allocate hundreds of thousands of
long-lived objects (records, entities, edges); each full collection walks all of them again (at 10,000 pods
that was a third of the rules' time). They form no reference cycles worth collecting meanwhile; collection
resumes afterwards, and reference counting frees everything else as usual.
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
