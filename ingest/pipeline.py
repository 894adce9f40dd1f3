"""After collection, every source takes the same road: snapshot -> records -> load -> report."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from graph.collector import collector_paused
from graph.loader import LoadReport, Sync, load
from graph.store import GraphStore
from ingest.sources import Source, source_named, sources

if TYPE_CHECKING:
    from ingest.k8s.snapshot import K8sSnapshot

DEMO_DIR = Path(__file__).resolve().parent / "demo"  # one folder per source: demo/<source name>
DEMO_CLUSTER = "demo"  # the tenant name of every demo snapshot

SnapshotT = TypeVar("SnapshotT")


@dataclass
class IngestResult:
    scope: str
    report: LoadReport
    gaps: list[str] = field(default_factory=list)  # kinds the collector could not read
    problems: list[str] = field(default_factory=list)  # bad input: which file or object, and why

    @property
    def node_count(self) -> int:
        return sum(self.report.nodes.values())

    @property
    def edge_count(self) -> int:
        return sum(self.report.edges.values())


def ingest_snapshot(store: GraphStore, source: Source[SnapshotT], snapshot: SnapshotT) -> IngestResult:
    """Transform one snapshot and load it under its scope: the stale cleanup of a kind runs only when the
    snapshot is complete for it, and what the collector could not see is recorded with the sync."""
    gaps = source.gaps(snapshot)
    sync = Sync.new(source.name, source.scope(snapshot))
    with collector_paused():  # records are long-lived until loaded (graph/collector.py)
        records = source.transform(snapshot)
        report = load(store, records.nodes, records.edges, sync, complete_kinds=records.complete_kinds, gaps=gaps)
    return IngestResult(sync.scope, report, gaps, [*source.problems(snapshot), *records.problems])


def ingest_k8s_snapshot(store: GraphStore, snapshot: K8sSnapshot) -> IngestResult:
    """`ingest_snapshot` for the Kubernetes source (for callers that hold a `K8sSnapshot`)."""
    return ingest_snapshot(store, source_named("k8s"), snapshot)


def ingest_demo(store: GraphStore) -> list[IngestResult]:
    """Load the bundled demo environment (used when no credentials or files are given): for every source
    with a folder under ingest/demo/, its files as one snapshot."""
    return [
        ingest_snapshot(store, source, source.read_files([DEMO_DIR / source.name], DEMO_CLUSTER))
        for source in sources()
        if (DEMO_DIR / source.name).is_dir()
    ]
