"""What is in the graph: counts per plane and kind, collections, coverage gaps."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from graph.schema import ENTITY, NODE_KINDS
from graph.store import GraphStore

LABEL_COUNTS = "MATCH (n) UNWIND labels(n) AS label RETURN label, count(*) AS nodes"
EDGE_COUNTS = "MATCH ()-[e]->() RETURN type(e) AS type, count(e) AS edges"
SYNC_RUNS = (
    "MATCH (s:SyncRun) RETURN s.scope AS scope, s.source AS source, s.started_at AS started_at, "
    "s.finished_at AS finished_at, s.gaps AS gaps, s.node_counts AS node_counts ORDER BY scope"
)


@dataclass(frozen=True)
class SyncInfo:
    scope: str
    source: str
    started_at: int
    finished_at: int
    gaps: list[str]
    node_counts: dict[str, int]


@dataclass
class GraphSummary:
    nodes_by_kind: dict[str, int] = field(default_factory=dict)
    nodes_by_shared_label: dict[str, int] = field(default_factory=dict)
    edges_by_type: dict[str, int] = field(default_factory=dict)
    syncs: list[SyncInfo] = field(default_factory=list)

    @property
    def total_nodes(self) -> int:
        return sum(self.nodes_by_kind.values())

    @property
    def total_edges(self) -> int:
        return sum(self.edges_by_type.values())

    def nodes_by_plane(self) -> dict[str, int]:
        planes: dict[str, int] = {}
        for label, count in self.nodes_by_kind.items():
            plane = NODE_KINDS[label].plane
            planes[plane] = planes.get(plane, 0) + count
        return planes


def summarize(store: GraphStore) -> GraphSummary:
    summary = GraphSummary()
    for row in store.read(LABEL_COUNTS):
        if row["label"] == ENTITY:
            continue  # every node carries it
        target = summary.nodes_by_kind if row["label"] in NODE_KINDS else summary.nodes_by_shared_label
        target[row["label"]] = int(row["nodes"])
    summary.edges_by_type = {row["type"]: int(row["edges"]) for row in store.read(EDGE_COUNTS)}
    summary.syncs = [
        SyncInfo(
            scope=row["scope"],
            source=row["source"],
            started_at=int(row["started_at"] or 0),
            finished_at=int(row["finished_at"] or 0),
            gaps=list(row["gaps"] or []),
            node_counts=json.loads(row["node_counts"] or "{}"),
        )
        for row in store.read(SYNC_RUNS)
    ]
    return summary


STATEMENTS = {"summary/labels": LABEL_COUNTS, "summary/edges": EDGE_COUNTS, "summary/syncs": SYNC_RUNS}
