"""Run the analysis: read each cluster's facts from the graph, apply every attack rule, write the edges.

Re-running replaces the previous analysis: edges this run does not find again are deleted, and so are
the crown-jewel marks the analysis set before. Last, the reachability marks the path queries prune with are
recomputed (graph/analysis/reach.py).
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

from graph.analysis.catalogue import (
    ATTACKS,
    INTERNET_UID,
    AttackEdge,
    cluster_admin_uid,
    cluster_nodes_uid,
    load_catalogue,
)
from graph.analysis.facts import cluster_names, read_cluster_facts
from graph.analysis.reach import ReachReport, compute_reach
from graph.loader import Sync, delete_stale_edges, load
from graph.records import EdgeRecord, NodeRecord
from graph.store import GraphStore

ANALYSIS_SCOPE = "analysis"

CLEAR_MARKS = (
    "MATCH (n:HighValue) WHERE n.high_value_by_analysis = true "
    "REMOVE n:HighValue SET n.high_value_by_analysis = null RETURN count(n) AS cleared"
)
# Whoever is cluster-admin is a crown jewel too (only nodes not already high value get the analysis mark).
MARK_CLUSTER_ADMINS = (
    "MATCH (n)-[:IS_CLUSTER_ADMIN]->(:ClusterAdmin) WHERE NOT n:HighValue "
    "SET n:HighValue, n.high_value_by_analysis = true RETURN count(n) AS marked"
)

Progress = Callable[[str], None]


@dataclass
class AnalysisReport:
    clusters: list[str] = field(default_factory=list)
    edges_by_type: dict[str, int] = field(default_factory=dict)
    deleted_edges: int = 0
    missing_endpoints: dict[str, int] = field(default_factory=dict)
    reach: ReachReport | None = None
    seconds: float = 0.0

    @property
    def total_edges(self) -> int:
        return sum(self.edges_by_type.values())


def find_attack_edges(facts_list: list, progress: Progress | None = None) -> list[AttackEdge]:
    found: list[AttackEdge] = []
    for facts in facts_list:
        for attack in load_catalogue().values():
            if progress:
                progress(f"{facts.cluster}: {attack.title}")
            found.extend(attack.find(facts))
    return found


def to_records(found: list[AttackEdge]) -> list[EdgeRecord]:
    """One record per (type, source, target); several reasons for the same edge are kept together."""
    reasons: dict[tuple[str, str, str, str, str], list[str]] = defaultdict(list)
    for edge in found:
        key = (edge.type, edge.src_kind, edge.src_uid, edge.dst_kind, edge.dst_uid)
        if edge.reason not in reasons[key]:
            reasons[key].append(edge.reason)
    return [
        EdgeRecord(
            edge_type,
            src_kind,
            src,
            dst_kind,
            dst,
            {"rule": ATTACKS[edge_type].rule, "technique": ATTACKS[edge_type].mitre, "reason": "; ".join(texts)},
        )
        for (edge_type, src_kind, src, dst_kind, dst), texts in reasons.items()
    ]


def analyze(store: GraphStore, progress: Progress | None = None) -> AnalysisReport:
    started = time.perf_counter()
    load_catalogue()
    report = AnalysisReport(clusters=cluster_names(store))
    facts_list = []
    for cluster in report.clusters:
        if progress:
            progress(f"{cluster}: reading the cluster from the graph")
        facts_list.append(read_cluster_facts(store, cluster))
    records = to_records(find_attack_edges(facts_list, progress))
    if progress:
        progress(f"writing {len(records)} attack edges")

    anchors = [NodeRecord("Internet", INTERNET_UID, {"name": "Internet"})]
    for cluster in report.clusters:
        anchors.append(
            NodeRecord(
                "ClusterAdmin", cluster_admin_uid(cluster), {"name": f"cluster-admin ({cluster})", "cluster": cluster}
            )
        )
        anchors.append(
            NodeRecord(
                "ClusterNodes", cluster_nodes_uid(cluster), {"name": f"any node ({cluster})", "cluster": cluster}
            )
        )
    sync = Sync.new("analysis", ANALYSIS_SCOPE)
    loaded = load(store, anchors, records, sync)
    report.edges_by_type = loaded.edges
    report.missing_endpoints = loaded.missing_endpoints  # a rule pointing at a node that is not there: a bug
    report.deleted_edges = delete_stale_edges(store, sync)
    store.write(CLEAR_MARKS)
    store.write(MARK_CLUSTER_ADMINS)
    if progress:
        progress("reachability marks")
    report.reach = compute_reach(store)  # after the high-value marks: `reaches_high_value_hops` reads them
    report.seconds = time.perf_counter() - started
    return report


STATEMENTS = {"analysis/clear-marks": CLEAR_MARKS, "analysis/mark-cluster-admins": MARK_CLUSTER_ADMINS}
