"""The overview page: counts per plane and kind, attack edges by type, collections with their age and
coverage gaps; and the graph stamp that tells the UI's caches when the graph changed."""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass
from typing import Any

from graph.analysis.catalogue import ATTACKS, traversable_edge_types
from graph.schema import NODE_KINDS
from graph.store import GraphStore
from graph.summary import GraphSummary, summarize

STALE_AFTER_MS = 24 * 3600 * 1000  # a collection older than this is flagged as stale

ATTACK_EDGE_COUNTS = (
    "MATCH ()-[e]->() WHERE e.source = 'analysis' RETURN type(e) AS type, count(e) AS edges ORDER BY edges DESC"
)


@dataclass
class Overview:
    summary: GraphSummary
    kind_rows: list[dict[str, Any]]
    plane_counts: dict[str, int]
    sync_rows: list[dict[str, Any]]
    gap_rows: list[dict[str, Any]]
    attack_rows: list[dict[str, Any]]
    analysed: bool
    stale_scopes: list[str]

    @property
    def empty(self) -> bool:
        return not self.summary.total_nodes


def overview(store: GraphStore, now_ms: int | None = None) -> Overview:
    now_ms = int(time.time() * 1000) if now_ms is None else now_ms
    summary = summarize(store)
    kind_rows = sorted(
        (
            {"plane": NODE_KINDS[label].plane, "kind": label, "nodes": count}
            for label, count in summary.nodes_by_kind.items()
        ),
        key=lambda row: (row["plane"], row["kind"]),
    )
    sync_rows = []
    stale = []
    for sync in summary.syncs:
        age_ms = max(0, now_ms - sync.finished_at)
        if sync.source != "analysis" and age_ms > STALE_AFTER_MS:
            stale.append(sync.scope)
        sync_rows.append(
            {
                "scope": sync.scope,
                "source": sync.source,
                "finished": time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(sync.finished_at / 1000)),
                "age": human_age(age_ms),
                "nodes": sum(sync.node_counts.values()),
                "coverage gaps": len(sync.gaps),
            }
        )
    gap_rows = [{"scope": sync.scope, "not visible": gap} for sync in summary.syncs for gap in sync.gaps]
    types = set(traversable_edge_types())
    attack_rows = [
        {"type": row["type"], "edges": int(row["edges"]), "mitre": ATTACKS[row["type"]].mitre,
         "title": ATTACKS[row["type"]].title}
        for row in store.read(ATTACK_EDGE_COUNTS)
        if row["type"] in types
    ]  # fmt: skip
    return Overview(
        summary=summary,
        kind_rows=kind_rows,
        plane_counts=summary.nodes_by_plane(),
        sync_rows=sync_rows,
        gap_rows=gap_rows,
        attack_rows=attack_rows,
        analysed="Internet" in summary.nodes_by_kind,
        stale_scopes=stale,
    )


GRAPH_STAMP_RUNS = "MATCH (s:SyncRun) RETURN s.uid AS uid, s.finished_at AS finished_at ORDER BY uid"
GRAPH_STAMP_MARKS = (
    "MATCH (n) WHERE n.owned = true OR n.user_high_value = true RETURN n.uid AS uid ORDER BY uid LIMIT 10000"
)


def graph_stamp(store: GraphStore) -> str:
    """Changes whenever a collection, an analysis or a user mark changes the graph (for UI caches)."""
    runs = [f"{row['uid']}@{row['finished_at']}" for row in store.read(GRAPH_STAMP_RUNS)]
    marked = [str(row["uid"]) for row in store.read(GRAPH_STAMP_MARKS)]
    return hashlib.sha256("\n".join([*runs, "--", *marked]).encode()).hexdigest()[:16]


def human_age(ms: int) -> str:
    minutes = ms // 60_000
    if minutes < 60:
        return f"{minutes} min"
    if minutes < 48 * 60:
        return f"{minutes // 60} h"
    return f"{minutes // (24 * 60)} d"


def generated_statements() -> list[tuple[str, str]]:
    return [
        ("ui/attack-edge-counts", ATTACK_EDGE_COUNTS),
        ("ui/graph-stamp-runs", GRAPH_STAMP_RUNS),
        ("ui/graph-stamp-marks", GRAPH_STAMP_MARKS),
    ]
