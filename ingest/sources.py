"""The registry of sources: what Bridgehead can ingest, and how each one goes from files to records.

A source is a sub-package `ingest/<name>/` whose `__init__.py` exposes `SOURCE = Source(...)`; `sources()`
finds every one, so adding AWS means adding `ingest/aws/` and nothing else here, in the pipeline or in the
demo. After collection every source takes the same road (ingest/pipeline.py): snapshot -> `transform` ->
`Records` -> load under `scope`, with the snapshot's `gaps` and `problems` reported.

This module imports no source: a source's package is imported only when the registry is first asked.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Generic, TypeVar

from graph.records import Records

SnapshotT = TypeVar("SnapshotT")


@dataclass(frozen=True)
class Source(Generic[SnapshotT]):
    """One kind of input (Kubernetes, AWS, GCP) and the functions that take its snapshots through the pipeline."""

    name: str  # "k8s": the CLI word (`ingest k8s`), the sync's source, the demo folder (ingest/demo/<name>)
    title: str  # "Kubernetes"
    plane: str  # the graph plane its records belong to (graph/planes/<plane>)
    tenant: str  # what one snapshot covers and its scope names: "cluster", "account", "project"
    # Offline files or directories and the tenant's name -> a snapshot (problems with files go in the snapshot).
    read_files: Callable[[Sequence[Path], str], SnapshotT]
    transform: Callable[[SnapshotT], Records]  # pure: snapshot -> records
    scope: Callable[[SnapshotT], str]  # the loader's scope of a snapshot ("k8s:prod"): stale cleanup stays in it
    gaps: Callable[[SnapshotT], list[str]]  # what the collector could not see ("Secret: 403 forbidden")
    problems: Callable[[SnapshotT], list[str]]  # bad input met while collecting (which file, which object)
    write_snapshot: Callable[[SnapshotT, Path], list[Path]]  # save a snapshot that `read_files` reads back


_registry: dict[str, Source[Any]] | None = None


def sources() -> list[Source[Any]]:
    """Every source, by name: each `ingest/<name>/` package that exposes `SOURCE`."""
    global _registry
    if _registry is None:
        import ingest

        found: dict[str, Source[Any]] = {}
        for info in sorted(pkgutil.iter_modules(ingest.__path__), key=lambda info: info.name):
            if not info.ispkg:
                continue
            source = getattr(importlib.import_module(f"ingest.{info.name}"), "SOURCE", None)
            if isinstance(source, Source):
                if source.name in found:
                    raise ValueError(f"two sources are named {source.name!r}: ingest/{info.name} and another")
                found[source.name] = source
        _registry = found
    return list(_registry.values())


def source_named(name: str) -> Source[Any]:
    """The source called `name`; a KeyError names the ones there are."""
    for source in sources():
        if source.name == name:
            return source
    known = ", ".join(source.name for source in sources()) or "none"
    raise KeyError(f"no source {name!r}; the sources are: {known}")
