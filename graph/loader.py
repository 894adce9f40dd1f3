"""Batched, validated, provenance-stamped writes with scoped stale cleanup.

`load()` is the one way records reach the graph:
  1. every record is validated first, so a bad property loads nothing of the batch;
  2. nodes are MERGEd per kind, then edges per (type, source kind, target kind), with
     `UNWIND $rows … MERGE` in batches; edges whose endpoint is missing are counted, not silently lost;
  3. stale cleanup runs only for the (scope, kind) pairs the caller says were collected completely,
     so a kind that failed with a 403 keeps what an earlier run loaded.

Implicit records (`NodeRecord(..., implicit=True)`: objects Kubernetes guarantees that the snapshot does
not hold, such as a namespace's `default` service account) never overwrite real data. A real record of
the same uid in the same load wins outright. Otherwise the node is created (`implicit = true`) only if no
node of that uid exists; an existing node gets only this sync's provenance, so stale cleanup keeps it.
The one exception is a kind the snapshot is complete for: a real node loaded earlier that this snapshot
no longer holds is stale (cleanup would delete it), so it is replaced by the implicit one instead of
lending it stale properties. A real record always clears the implicit mark (`IMPLICIT_PROPERTIES`).
"""

from __future__ import annotations

import time
import uuid
from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from graph.records import (
    IMPLICIT_PROPERTIES,
    EdgeRecord,
    NodeRecord,
    as_json,
    check_edge,
    check_edge_kinds,
    check_node,
)
from graph.schema import ENTITY, NODE_KINDS, node_kind
from graph.store import DEFAULT_BATCH_SIZE, GraphStore

CLEANUP_CHUNK = 10_000


@dataclass(frozen=True)
class Sync:
    """One collection run of one scope (a cluster, an AWS account, a GCP project)."""

    source: str  # "k8s" | "aws" | "gcp"
    scope: str  # e.g. "k8s:prod-eks"
    sync_id: str
    started_ms: int

    @classmethod
    def new(cls, source: str, scope: str) -> Sync:
        return cls(source, scope, uuid.uuid4().hex, int(time.time() * 1000))

    def params(self) -> dict[str, Any]:
        return {"source": self.source, "scope": self.scope, "sync": self.sync_id, "now": self.started_ms}


@dataclass
class LoadReport:
    nodes: dict[str, int] = field(default_factory=dict)
    edges: dict[str, int] = field(default_factory=dict)
    missing_endpoints: dict[str, int] = field(default_factory=dict)
    deleted_nodes: dict[str, int] = field(default_factory=dict)
    deleted_edges: dict[str, int] = field(default_factory=dict)
    implicit_nodes: dict[str, int] = field(default_factory=dict)  # rows written only-if-absent, per kind


_PROVENANCE = "n.source = $source, n.scope = $scope, n.sync_id = $sync, n.last_seen = $now"


def node_statement(label: str) -> str:
    # All labels in the MERGE pattern: adding labels with a later `SET n:Label` is ~100x slower on FalkorDB.
    labels = ":".join(node_kind(label).labels)
    # Real data replaces an implied node: its mark goes.
    unmark = ", ".join(f"n.{key} = null" for key in IMPLICIT_PROPERTIES)
    return (
        f"UNWIND $rows AS r MERGE (n:{labels} {{uid: r.uid}}) ON CREATE SET n.first_seen = $now "
        f"SET n += r.props, {unmark}, {_PROVENANCE}"
    )


def implicit_node_statement(label: str) -> str:
    """Create an implied node only where none exists; an existing one (real or implied) keeps its
    properties and gets only this sync's provenance."""
    labels = ":".join(node_kind(label).labels)
    return (
        f"UNWIND $rows AS r MERGE (n:{labels} {{uid: r.uid}}) "
        "ON CREATE SET n += r.props, n.implicit = true, n.first_seen = $now "
        f"SET {_PROVENANCE}"
    )


def replace_stale_statement(label: str) -> str:
    """Before implied nodes of a kind the snapshot is complete for are written: the real nodes of their
    uids that an earlier sync loaded are stale (this snapshot lists the kind in full without them)."""
    return (
        f"UNWIND $rows AS r MATCH (n:{node_kind(label).label} {{uid: r.uid}}) WHERE n.implicit IS NULL "
        "AND n.scope = $scope AND n.source = $source AND n.sync_id <> $sync "
        "DETACH DELETE n RETURN count(*) AS deleted"
    )


def edge_statement(edge_type: str, src_label: str, dst_label: str) -> str:
    return (
        f"UNWIND $rows AS r MATCH (a:{src_label} {{uid: r.src}}) MATCH (b:{dst_label} {{uid: r.dst}}) "
        f"MERGE (a)-[e:{edge_type}]->(b) ON CREATE SET e.first_seen = $now "
        "SET e += r.props, e.source = $source, e.scope = $scope, e.sync_id = $sync, e.last_seen = $now "
        "RETURN count(e) AS merged"
    )


def stale_nodes_statement(label: str) -> str:
    return (
        f"MATCH (n:{label}) WHERE n.scope = $scope AND n.source = $source AND n.sync_id <> $sync "
        f"WITH n LIMIT {CLEANUP_CHUNK} DETACH DELETE n RETURN count(*) AS deleted"
    )


def stale_edges_statement(src_label: str) -> str:
    # Structural edges belong to the collection of their source node's kind.
    return (
        f"MATCH (a:{src_label})-[e]->() WHERE e.scope = $scope AND e.source = $source AND e.sync_id <> $sync "
        f"WITH e LIMIT {CLEANUP_CHUNK} DELETE e RETURN count(*) AS deleted"
    )


SYNC_RUN_STATEMENT = (
    f"MERGE (s:SyncRun:{ENTITY} {{uid: $run_uid}}) ON CREATE SET s.first_seen = $now "
    "SET s += $props, s.source = $source, s.scope = $scope, s.sync_id = $sync, s.last_seen = $now"
)


@dataclass
class _NodeRows:
    real: list[dict[str, Any]] = field(default_factory=list)
    implicit: list[dict[str, Any]] = field(default_factory=list)


def _group_nodes(nodes: Iterable[NodeRecord]) -> dict[str, _NodeRows]:
    by_kind: dict[str, dict[str, tuple[bool, dict[str, Any]]]] = defaultdict(dict)
    for record in nodes:
        if record.kind not in by_kind:
            node_kind(record.kind)
        check_node(record)
        rows = by_kind[record.kind]
        row = {"uid": record.uid, "props": dict(record.props)}
        if record.uid not in rows:
            rows[record.uid] = (record.implicit, row)
            continue
        implicit, earlier = rows[record.uid]
        if implicit == record.implicit:  # the same object twice: merge, later values win
            earlier["props"].update(record.props)
        elif implicit:  # a real record replaces an implied one outright
            rows[record.uid] = (False, row)
    grouped: dict[str, _NodeRows] = {}
    for kind, rows in by_kind.items():
        grouped[kind] = _NodeRows()
        for implicit, row in rows.values():
            (grouped[kind].implicit if implicit else grouped[kind].real).append(row)
    return grouped


def _group_edges(edges: Iterable[EdgeRecord]) -> dict[tuple[str, str, str], list[dict[str, Any]]]:
    # Duplicate rows would make MERGE report fewer rows on FalkorDB than on Neo4j: collapse them here.
    grouped: dict[tuple[str, str, str], dict[tuple[str, str], dict[str, Any]]] = defaultdict(dict)
    for record in edges:
        group = (record.type, record.src_kind, record.dst_kind)
        if group not in grouped:
            check_edge_kinds(*group)
        check_edge(record)
        rows = grouped[group]
        key = (record.src_uid, record.dst_uid)
        if key in rows:
            rows[key]["props"].update(record.props)
        else:
            rows[key] = {"src": record.src_uid, "dst": record.dst_uid, "props": dict(record.props)}
    return {group: list(rows.values()) for group, rows in grouped.items()}


def load(
    store: GraphStore,
    nodes: Iterable[NodeRecord],
    edges: Iterable[EdgeRecord],
    sync: Sync,
    *,
    complete_kinds: Collection[str] = (),
    gaps: Sequence[str] = (),
    batch_size: int = DEFAULT_BATCH_SIZE,
) -> LoadReport:
    """Write one scope's records; then delete that scope's stale objects of `complete_kinds` only.

    Raises PropertyError (naming kind, uid and property) before anything is written.
    """
    node_rows = _group_nodes(nodes)
    edge_rows = _group_edges(edges)
    unknown = set(complete_kinds) - NODE_KINDS.keys()
    if unknown:
        raise KeyError(f"complete_kinds names unknown node kinds: {sorted(unknown)}")

    params = sync.params()
    report = LoadReport()
    replaced: dict[str, int] = {}
    for label, kind_rows in node_rows.items():
        if kind_rows.real:
            store.write_batches(node_statement(label), kind_rows.real, params, batch_size)
        if kind_rows.implicit:
            if label in complete_kinds:
                found = store.write_batches(replace_stale_statement(label), kind_rows.implicit, params, batch_size)
                replaced[label] = sum(int(row["deleted"]) for row in found)
            store.write_batches(implicit_node_statement(label), kind_rows.implicit, params, batch_size)
            report.implicit_nodes[label] = len(kind_rows.implicit)
        report.nodes[label] = len(kind_rows.real) + len(kind_rows.implicit)
    for (edge_type, src, dst), rows in edge_rows.items():
        merged = sum(
            row["merged"] for row in store.write_batches(edge_statement(edge_type, src, dst), rows, params, batch_size)
        )
        report.edges[edge_type] = report.edges.get(edge_type, 0) + merged
        if merged < len(rows):
            key = f"{edge_type} ({src}->{dst})"
            report.missing_endpoints[key] = report.missing_endpoints.get(key, 0) + len(rows) - merged

    for label in sorted(complete_kinds):
        report.deleted_edges[label] = _delete_in_chunks(store, stale_edges_statement(label), params)
        stale = _delete_in_chunks(store, stale_nodes_statement(label), params)
        report.deleted_nodes[label] = stale + replaced.get(label, 0)

    store.write(
        SYNC_RUN_STATEMENT,
        {
            **params,
            "run_uid": f"sync:{sync.scope}",
            "props": {
                "started_at": sync.started_ms,
                "finished_at": int(time.time() * 1000),
                "complete_kinds": sorted(complete_kinds),
                "gaps": list(gaps),
                "node_counts": as_json(report.nodes),
                "edge_counts": as_json(report.edges),
            },
        },
    )
    return report


def _delete_in_chunks(store: GraphStore, statement: str, params: Mapping[str, Any]) -> int:
    total = 0
    while True:
        deleted = int(store.write(statement, params)[0]["deleted"])
        total += deleted
        if deleted < CLEANUP_CHUNK:
            return total


STALE_SCOPE_EDGES = (
    f"MATCH ()-[e]->() WHERE e.scope = $scope AND e.source = $source AND e.sync_id <> $sync "
    f"WITH e LIMIT {CLEANUP_CHUNK} DELETE e RETURN count(*) AS deleted"
)


def delete_stale_edges(store: GraphStore, sync: Sync) -> int:
    """Delete every edge of the sync's scope that this sync did not write (derived edges: all or nothing)."""
    return _delete_in_chunks(store, STALE_SCOPE_EDGES, sync.params())


def generated_statements() -> Iterable[tuple[str, str]]:
    """Every statement shape the loader can send, named, for the Cypher front-end check."""
    for label in NODE_KINDS:
        yield f"loader/node/{label}", node_statement(label)
        yield f"loader/implicit-node/{label}", implicit_node_statement(label)
        yield f"loader/replace-stale/{label}", replace_stale_statement(label)
        yield f"loader/stale-nodes/{label}", stale_nodes_statement(label)
        yield f"loader/stale-edges/{label}", stale_edges_statement(label)
    yield "loader/edge", edge_statement("RUNS_ON", "Pod", "Node")
    yield "loader/sync-run", SYNC_RUN_STATEMENT
    yield "loader/stale-scope-edges", STALE_SCOPE_EDGES
