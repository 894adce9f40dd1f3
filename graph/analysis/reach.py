"""Reachability marks: how far each node is from an entry point and from each class of crown jewel.

Path queries prune with these marks before they search (DESIGN.md, "Scale"), so the expensive part is done
once, after analysis, as plain breadth-first searches in memory: every attack edge is read with bounded,
paged reads (one edge type at a time), the searches run over Python dicts, and only the nodes whose marks
changed are written back, in `UNWIND $rows ... SET` batches per label. A node that had a mark and no
longer earns it gets the property set to null, so re-running never leaves a stale mark behind.

Marks (integers, fewest attack-edge hops; null when there is no path):
  reach_internet_hops          from the Internet node
  reach_owned_hops             from any node a user marked `owned = true`
  reaches_cluster_admin_hops   to a ClusterAdmin node
  reaches_node_hops            to a Node (node takeover)
  reaches_secret_hops          to a node labelled Secret
  reaches_cloud_admin_hops     to a CloudAdmin node (a cloud plane's admin anchor, when one is loaded)
  reaches_high_value_hops      to any HighValue node
(one `reaches_*` mark per crown-jewel class, graph/schema.py JEWEL_CLASSES; the kinds name their class)
A node that is itself an entry or a jewel of a class has 0 for that mark.
"""

from __future__ import annotations

import time
from collections import defaultdict, deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from graph.analysis.catalogue import traversable_edge_types
from graph.planes import parse_uid
from graph.schema import (
    HIGH_VALUE,
    HIGH_VALUE_CLASS,
    INTERNET_UID,
    JEWEL_CLASSES,
    NODE_KINDS,
    JewelClass,
    node_kind,
    primary_label,
)
from graph.store import GraphStore, read_pages

PAGE_SIZE = 50_000
READ_TIMEOUT_MS = 120_000

ENTRY_MARKS = ("reach_internet_hops", "reach_owned_hops")
# One `reaches_*_hops` mark per crown-jewel class that has one (graph/schema.py JEWEL_CLASSES); a node is a
# target of a class when its kind names that class, or, for the high-value class, when it carries HighValue.
JEWEL_MARKS: dict[str, JewelClass] = {jewel.mark: jewel for jewel in JEWEL_CLASSES if jewel.mark}
MARK_PROPERTIES: tuple[str, ...] = (*ENTRY_MARKS, *JEWEL_MARKS)


def anchor_labels() -> frozenset[str]:
    """Bridgehead's and the planes' anchors: their name is all a person needs ("Internet", "cluster-admin (prod)")."""
    return frozenset(label for label, kind in NODE_KINDS.items() if kind.anchor)


READ_NODES = (
    "MATCH (n) WHERE n.uid IS NOT NULL AND NOT n:SyncRun AND NOT n:Finding "
    "RETURN n.uid AS uid, labels(n) AS labels, n.name AS name, n.namespace AS namespace, n.cluster AS cluster, "
    "n.owned AS owned, " + ", ".join(f"n.{mark} AS {mark}" for mark in MARK_PROPERTIES) + " "
    "ORDER BY uid SKIP $skip LIMIT $page"
)


def read_edges_statement(edge_type: str) -> str:
    # One type per statement: FalkorDB scans one relation matrix instead of a 36-way alternation (3x faster).
    return f"MATCH (a)-[:{edge_type}]->(b) RETURN a.uid AS src, b.uid AS dst ORDER BY src, dst SKIP $skip LIMIT $page"


def write_marks_statement(label: str) -> str:
    label = node_kind(label).label
    sets = ", ".join(f"n.{mark} = r.{mark}" for mark in MARK_PROPERTIES)
    return f"UNWIND $rows AS r MATCH (n:{label} {{uid: r.uid}}) SET {sets} RETURN count(n) AS marked"


@dataclass
class GraphNode:
    uid: str
    labels: frozenset[str]
    label: str  # the primary label (a node kind)
    name: str
    namespace: str | None
    cluster: str | None
    owned: bool
    marks: tuple[Any, ...]  # the marks stored in the graph when it was read, in MARK_PROPERTIES order

    @property
    def display(self) -> str:
        """How a person names it: `Pod shop/web-1`, `Container shop/web-1/app`, `Internet`, `cluster-admin (prod)`."""
        if self.label in anchor_labels():
            return self.name or self.uid
        parsed = parse_uid(self.uid)
        if parsed and parsed.kind_word:  # a plane's uid names the object readably by design
            return (
                f"{self.label} {parsed.namespace}/{parsed.name}" if parsed.namespace else f"{self.label} {parsed.name}"
            )
        name = f"{self.namespace}/{self.name}" if self.namespace and self.name else (self.name or self.uid)
        return f"{self.label} {name}"


@dataclass
class AttackGraph:
    """Every node and attack edge, in memory: what the searches for marks, findings and choke points use."""

    nodes: dict[str, GraphNode] = field(default_factory=dict)
    out: dict[str, list[tuple[str, str]]] = field(default_factory=lambda: defaultdict(list))  # src -> [(type, dst)]
    into: dict[str, list[tuple[str, str]]] = field(default_factory=lambda: defaultdict(list))  # dst -> [(type, src)]
    edge_count: int = 0

    def add_edge(self, src: str, edge_type: str, dst: str) -> None:
        self.out[src].append((edge_type, dst))
        self.into[dst].append((edge_type, src))
        self.edge_count += 1

    def with_label(self, label: str) -> set[str]:
        return {uid for uid, node in self.nodes.items() if label in node.labels}

    def jewels(self, jewel: JewelClass) -> set[str]:
        """The nodes of one crown-jewel class: their kind names it (or, for high-value, they carry HighValue)."""
        if jewel is HIGH_VALUE_CLASS:
            return self.with_label(HIGH_VALUE)
        labels = {label for label, kind in NODE_KINDS.items() if kind.jewel == jewel.name}
        return {uid for uid, node in self.nodes.items() if node.label in labels}

    def owned(self) -> set[str]:
        return {uid for uid, node in self.nodes.items() if node.owned}

    def display(self, uid: str) -> str:
        node = self.nodes.get(uid)
        return node.display if node else uid

    def label(self, uid: str) -> str:
        node = self.nodes.get(uid)
        return node.label if node else ""


def _paged(store: GraphStore, statement: str) -> Iterable[dict[str, Any]]:
    return read_pages(store, statement, PAGE_SIZE, timeout_ms=READ_TIMEOUT_MS)


Edge = tuple[str, str, str]  # (source uid, type, target uid)


def read_attack_graph(
    store: GraphStore, edge_types: Iterable[str] | None = None, edges: Iterable[Edge] | None = None
) -> AttackGraph:
    """Every node and attack edge; `edges`, when the caller holds exactly the graph's attack edges (the
    analysis, right after writing them), saves reading them back."""
    graph = AttackGraph()
    for row in _paged(store, READ_NODES):
        labels = frozenset(row["labels"] or ())
        graph.nodes[row["uid"]] = GraphNode(
            uid=row["uid"],
            labels=labels,
            label=primary_label(list(row["labels"] or [])),
            name=str(row["name"] or ""),
            namespace=row["namespace"],
            cluster=row["cluster"],
            owned=row["owned"] is True,
            marks=tuple(row[mark] for mark in MARK_PROPERTIES),
        )
    if edges is not None:
        for src, edge_type, dst in edges:
            graph.add_edge(src, edge_type, dst)
        return graph
    for edge_type in edge_types or traversable_edge_types():
        for row in _paged(store, read_edges_statement(edge_type)):
            graph.add_edge(row["src"], edge_type, row["dst"])
    return graph


def bfs_hops(sources: Iterable[str], adjacency: Mapping[str, list[tuple[str, str]]]) -> dict[str, int]:
    """Fewest hops from any source to every node it reaches (sources are at 0)."""
    hops = dict.fromkeys(sources, 0)
    queue = deque(hops)
    while queue:
        uid = queue.popleft()
        next_hops = hops[uid] + 1
        for _edge_type, other in adjacency.get(uid, ()):
            if other not in hops:
                hops[other] = next_hops
                queue.append(other)
    return hops


def compute_marks(graph: AttackGraph) -> dict[str, dict[str, int]]:
    """mark name -> {uid: hops} for every mark (pure; no database)."""
    internet = [INTERNET_UID] if INTERNET_UID in graph.nodes else []
    marks = {
        "reach_internet_hops": bfs_hops(internet, graph.out),
        "reach_owned_hops": bfs_hops(graph.owned(), graph.out),
    }
    for mark, jewel in JEWEL_MARKS.items():
        marks[mark] = bfs_hops(graph.jewels(jewel), graph.into)
    return marks


@dataclass
class ReachReport:
    nodes: int = 0
    attack_edges: int = 0
    marked: dict[str, int] = field(default_factory=dict)  # mark -> nodes that have it
    changed_nodes: int = 0  # nodes whose marks were written (set or cleared)
    read_seconds: float = 0.0
    compute_seconds: float = 0.0
    write_seconds: float = 0.0
    graph: AttackGraph | None = field(default=None, repr=False)  # kept so findings need not read it again

    @property
    def seconds(self) -> float:
        return self.read_seconds + self.compute_seconds + self.write_seconds


def compute_reach(store: GraphStore, batch_size: int = 5_000, edges: Iterable[Edge] | None = None) -> ReachReport:
    """Recompute every reachability mark from the attack edges in the graph and write what changed
    (`edges`: the graph's attack edges when the caller holds them, see `read_attack_graph`)."""
    report = ReachReport()
    started = time.perf_counter()
    graph = read_attack_graph(store, edges=edges)
    report.read_seconds = time.perf_counter() - started
    report.graph, report.nodes, report.attack_edges = graph, len(graph.nodes), graph.edge_count

    started = time.perf_counter()
    marks = compute_marks(graph)
    report.marked = {mark: len(hops) for mark, hops in marks.items()}
    rows_by_label: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for uid, node in graph.nodes.items():
        new = tuple(marks[mark].get(uid) for mark in MARK_PROPERTIES)
        if new != node.marks and node.label in NODE_KINDS:
            rows_by_label[node.label].append({"uid": uid, **dict(zip(MARK_PROPERTIES, new, strict=True))})
            node.marks = new
    report.compute_seconds = time.perf_counter() - started

    started = time.perf_counter()
    for label, rows in sorted(rows_by_label.items()):
        store.write_batches(write_marks_statement(label), rows, batch_size=batch_size)
        report.changed_nodes += len(rows)
    report.write_seconds = time.perf_counter() - started
    return report


def generated_statements() -> list[tuple[str, str]]:
    """Every statement shape this module sends, named, for the Cypher checks (lint + FalkorDB)."""
    return [
        ("reach/read-nodes", READ_NODES),
        ("reach/read-edges", read_edges_statement("CE_PRIVILEGED")),
        ("reach/write-marks", write_marks_statement("Pod")),
    ]
