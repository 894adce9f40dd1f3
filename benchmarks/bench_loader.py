"""Loader benchmark: Bridgehead's loader vs a bare falkordb-client UNWIND … MERGE of the same rows.

Both run in the same process against the same embedded FalkorDB server (a fresh graph each, with the
same uid indexes and the same labels), so the ratio is what matters, not the absolute numbers of this
machine. The difference is the loader's own work: validation, grouping, provenance on every node and edge.

    .venv/bin/python benchmarks/bench_loader.py [--nodes 100000] [--edges 200000] [--rounds 2]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path
from typing import Any

from falkordb import FalkorDB

from graph import embedded
from graph.analysis.catalogue import load_catalogue
from graph.config import resolve_graph
from graph.loader import Sync, load
from graph.records import EdgeRecord, NodeRecord
from graph.schema import node_kind
from graph.store import DEFAULT_BATCH_SIZE, FalkorStore, index_statements

# An attack-edge type: it may join any two kinds (structural kinds name their endpoints, and no structural
# kind joins a pod to a pod). The analysis writes these in the same way.
load_catalogue()
EDGE_TYPE = "SHARES_PROCESS_NAMESPACE"


def make_rows(n_nodes: int, n_edges: int) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    nodes = [
        {"uid": f"k8s:bench:pod:ns{i % 50}/pod-{i}", "props": {"name": f"pod-{i}", "namespace": f"ns{i % 50}",
         "host_pid": i % 13 == 0, "image": f"registry.example/app:{i % 97}", "ports": [80, 443]}}
        for i in range(n_nodes)
    ]  # fmt: skip
    edges = []
    step = 1
    while len(edges) < n_edges:
        for i in range(n_nodes):
            if len(edges) == n_edges:
                break
            edges.append({"src": nodes[i]["uid"], "dst": nodes[(i + step) % n_nodes]["uid"], "props": {"port": 80}})
        step += 6
    return nodes, edges


def bare_baseline(db: FalkorDB, nodes: list[dict[str, Any]], edges: list[dict[str, Any]]) -> tuple[float, float]:
    graph = db.select_graph("bench_bare")
    for statement in index_statements("falkordb"):  # the same indexes and labels as the loader's graph
        graph.query(statement)
    labels = ":".join(node_kind("Pod").labels)
    started = time.perf_counter()
    for i in range(0, len(nodes), DEFAULT_BATCH_SIZE):
        graph.query(
            f"UNWIND $rows AS r MERGE (n:{labels} {{uid: r.uid}}) SET n += r.props",
            {"rows": nodes[i : i + DEFAULT_BATCH_SIZE]},
        )
    node_seconds = time.perf_counter() - started
    started = time.perf_counter()
    for i in range(0, len(edges), DEFAULT_BATCH_SIZE):
        graph.query(
            f"UNWIND $rows AS r MATCH (a:Pod {{uid: r.src}}) MATCH (b:Pod {{uid: r.dst}}) MERGE (a)-[e:{EDGE_TYPE}]->(b) "
            "SET e += r.props",
            {"rows": edges[i : i + DEFAULT_BATCH_SIZE]},
        )
    edge_seconds = time.perf_counter() - started
    graph.delete()
    return node_seconds, edge_seconds


def bridgehead_loader(
    store: FalkorStore, nodes: list[dict[str, Any]], edges: list[dict[str, Any]]
) -> tuple[float, float, float]:
    store.wipe()
    started = time.perf_counter()
    node_records = [NodeRecord("Pod", row["uid"], row["props"]) for row in nodes]
    edge_records = [EdgeRecord(EDGE_TYPE, "Pod", row["src"], "Pod", row["dst"], row["props"]) for row in edges]
    build_seconds = time.perf_counter() - started
    # Time nodes and edges separately by loading them in two calls, as the loader's phases run.
    started = time.perf_counter()
    load(store, node_records, [], Sync.new("bench", "bench"))
    node_seconds = time.perf_counter() - started
    started = time.perf_counter()
    report = load(store, [], edge_records, Sync.new("bench", "bench"))
    edge_seconds = time.perf_counter() - started
    assert report.edges[EDGE_TYPE] == len(edges), report
    return node_seconds, edge_seconds, build_seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--nodes", type=int, default=100_000)
    parser.add_argument("--edges", type=int, default=200_000)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()

    nodes, edges = make_rows(args.nodes, args.edges)
    data_dir = Path(tempfile.mkdtemp(prefix="bridgehead-bench-"))
    info = embedded.start_server(data_dir)
    store = FalkorStore.embedded(resolve_graph(f"embedded://{data_dir}"))
    store.ensure_indexes()
    bare_db = FalkorDB(unix_socket_path=info.socket, password=info.password)
    try:
        best_bare = (float("inf"), float("inf"))
        best_ours = (float("inf"), float("inf"))
        for round_no in range(1, args.rounds + 1):
            bare = bare_baseline(bare_db, nodes, edges)
            ours = bridgehead_loader(store, nodes, edges)
            print(f"round {round_no}: bare {bare[0]:.2f}s + {bare[1]:.2f}s, loader {ours[0]:.2f}s + {ours[1]:.2f}s "
                  f"(+{ours[2]:.2f}s building records)")  # fmt: skip
            best_bare = (min(best_bare[0], bare[0]), min(best_bare[1], bare[1]))
            best_ours = (min(best_ours[0], ours[0]), min(best_ours[1], ours[1]))
    finally:
        bare_db.close()
        store.close()
        embedded.stop_server(data_dir)

    print(f"\n{args.nodes} nodes, {args.edges} edges, batches of {DEFAULT_BATCH_SIZE}; best of {args.rounds} rounds")
    print(f"{'':18}{'nodes/s':>12}{'edges/s':>12}{'total s':>10}")
    for name, (node_s, edge_s) in (("bare falkordb", best_bare), ("bridgehead loader", best_ours)):
        print(f"{name:18}{args.nodes / node_s:>12,.0f}{args.edges / edge_s:>12,.0f}{node_s + edge_s:>10.2f}")
    ratio = sum(best_ours) / sum(best_bare)
    print(f"loader time / bare time = {ratio:.2f}x (target <= 1.5x)")


if __name__ == "__main__":
    main()
