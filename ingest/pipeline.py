"""After collection, every source takes the same road: snapshot -> records -> load -> report."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from graph.loader import LoadReport, Sync, load
from graph.store import GraphStore
from ingest.k8s.files import read_k8s_files
from ingest.k8s.snapshot import K8sSnapshot
from ingest.k8s.transform import transform_snapshot

DEMO_DIR = Path(__file__).resolve().parent / "demo"
DEMO_CLUSTER = "demo"


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


def k8s_scope(cluster: str) -> str:
    return f"k8s:{cluster}"


def ingest_k8s_snapshot(store: GraphStore, snapshot: K8sSnapshot) -> IngestResult:
    records = transform_snapshot(snapshot)
    gaps = [f"{gap.kind}: {gap.reason}" for gap in snapshot.gaps]
    sync = Sync.new("k8s", k8s_scope(snapshot.cluster))
    report = load(store, records.nodes, records.edges, sync, complete_kinds=records.complete_kinds, gaps=gaps)
    return IngestResult(sync.scope, report, gaps, [*snapshot.errors, *records.problems])


def ingest_demo(store: GraphStore) -> list[IngestResult]:
    """Load the bundled demo environment (used when no credentials or files are given)."""
    return [ingest_k8s_snapshot(store, read_k8s_files([DEMO_DIR / "k8s"], DEMO_CLUSTER))]
