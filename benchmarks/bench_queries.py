"""Every canned query on the synthetic 10k-pod cluster, next to an in-memory BFS over the same attack edges.

    .venv/bin/python benchmarks/bench_queries.py [--pods 10000] [--runs 20] [--markdown]

Builds the cluster (benchmarks/synthetic.py), ingests it into a fresh embedded graph, runs the analysis and
the reachability marks, marks one internet-facing pod as owned (so owned-to-crown-jewels has work to do),
then runs each query `--runs` times after a warm-up and prints median and p95 latency. The baseline, in the
same run: the attack edges read into a networkx DiGraph, and for each query that finds paths or distances,
the same answer computed in memory: `nx.shortest_path` (bidirectional BFS) for every (source, target) pair
the query returned, or a BFS from the one object the query is about, with the same hop limit.
Targets: p95 under 250 ms per query; path search within 5x of the in-memory BFS.
"""

from __future__ import annotations

import argparse
import itertools
import shutil
import statistics
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import networkx as nx
from synthetic import build_cluster  # this script's directory is on sys.path

from graph import embedded
from graph.analysis.reach import read_attack_graph
from graph.analysis.run import analyze
from graph.marks import mark_owned
from graph.store import GraphStore, open_store
from ingest.k8s.redact import redact_object
from ingest.k8s.snapshot import K8sSnapshot
from ingest.pipeline import ingest_k8s_snapshot
from queries.library import CannedQuery, QueryResult, load_library, run_query

P95_TARGET_MS = 250.0
BFS_RATIO_TARGET = 5.0
TIMEOUT_MS = 60_000

Baseline = Callable[[QueryResult], None]


@dataclass
class Measured:
    query: CannedQuery
    rows: int
    median_ms: float
    p95_ms: float
    bfs_median_ms: float | None = None
    bfs_what: str = ""

    @property
    def ratio(self) -> float | None:
        if self.bfs_median_ms is None:
            return None
        return self.median_ms / max(self.bfs_median_ms, 1e-3)

    @property
    def meets_latency(self) -> bool:
        return self.p95_ms < P95_TARGET_MS

    @property
    def meets_ratio(self) -> bool | None:
        return None if self.ratio is None else self.ratio <= BFS_RATIO_TARGET


def percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def timed(function: Callable[[], Any], runs: int) -> list[float]:
    function()  # warm-up: plan caches, page cache
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        function()
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def pick(store: GraphStore, cypher: str) -> str:
    rows = store.read(cypher)
    if not rows:
        raise SystemExit(f"the synthetic cluster has nothing for: {cypher}")
    return str(rows[0]["uid"])


def choose_params(store: GraphStore) -> dict[str, dict[str, Any]]:
    """Real uids: the secret farthest from the internet, the cluster-admin anchor, an internet-facing pod."""
    far_secret = pick(
        store,
        "MATCH (s:Secret) WHERE s.reach_internet_hops IS NOT NULL "
        "RETURN s.uid AS uid ORDER BY s.reach_internet_hops DESC, s.uid LIMIT 1",
    )
    admin = pick(store, "MATCH (a:ClusterAdmin) RETURN a.uid AS uid ORDER BY uid LIMIT 1")
    pod = pick(
        store,
        "MATCH (p:Pod) WHERE p.reach_internet_hops IS NOT NULL AND p.reaches_node_hops IS NOT NULL "
        "RETURN p.uid AS uid ORDER BY p.reach_internet_hops, p.uid LIMIT 1",
    )
    return {
        "who-can-read-secret": {"secret": far_secret},
        "who-can-reach": {"uid": admin},
        "blast-radius": {"uid": pod},
        "shortest-path": {"src": "internet", "dst": far_secret},
        "_owned": {"uid": pod},
    }


def baselines(graph: nx.DiGraph, store: GraphStore) -> dict[str, tuple[str, Baseline]]:
    """For each query that searches, what the same answer costs in memory."""
    reverse = graph.reverse(copy=False)

    def pairs(source_column: str | None, target_column: str, source: str | None = None) -> Baseline:
        def baseline(result: QueryResult) -> None:
            for row in result.rows:
                start = source if source is not None else row[source_column or ""]
                nx.shortest_path(graph, start, row[target_column])

        return baseline

    def bfs_from(param: str, backward: bool, extra_seeds: Callable[[QueryResult], list[str]] | None = None) -> Baseline:
        def baseline(result: QueryResult) -> None:
            seeds = [result.params[param], *(extra_seeds(result) if extra_seeds else [])]
            nx.multi_source_dijkstra_path_length(
                reverse if backward else graph, seeds, cutoff=result.params["max_hops"]
            )

        return baseline

    admins = [row["uid"] for row in store.read("MATCH (a:ClusterAdmin) RETURN a.uid AS uid")]
    return {
        "internet-to-secrets": ("shortest_path per row", pairs(None, "target", "internet")),
        "internet-to-node-takeover": ("shortest_path per row", pairs(None, "target", "internet")),
        "internet-to-cluster-admin": ("shortest_path per row", pairs(None, "target", "internet")),
        "internet-to-cloud-admin": ("shortest_path per row", pairs(None, "target", "internet")),
        "owned-to-crown-jewels": ("shortest_path per row", pairs("entry", "target")),
        "workloads-to-cluster-admin": ("shortest_path per row", pairs("workload", "cluster_admin")),
        "shortest-path": (  # the query returns up to `limit` shortest paths, so the baseline does too
            "all_shortest_paths up to limit",
            lambda result: list(
                itertools.islice(
                    nx.all_shortest_paths(graph, result.params["src"], result.params["dst"]), result.params["limit"]
                )
            ),
        ),
        "who-can-read-secret": ("BFS back from the secret + cluster-admin", bfs_from("secret", True, lambda _: admins)),
        "who-can-reach": ("BFS back from the object", bfs_from("uid", True)),
        "blast-radius": ("BFS forward from the object", bfs_from("uid", False)),
    }


def build(pods: int, store: GraphStore) -> None:
    started = time.perf_counter()
    objects = {kind: [redact_object(obj) for obj in items] for kind, items in build_cluster(pods).items()}
    snapshot = K8sSnapshot("bench", objects, set(objects), [], [], None, int(time.time() * 1000))
    ingest_k8s_snapshot(store, snapshot)
    report = analyze(store)  # ends with the reachability marks
    reach = report.reach
    assert reach is not None
    print(
        f"synthetic cluster: {len(objects['Pod'])} pods, {reach.nodes} nodes, {report.total_edges} attack edges; "
        f"ingest + analysis + marks in {time.perf_counter() - started:.1f}s (marks {reach.seconds:.1f}s)"
    )


def measure(store: GraphStore, params: dict[str, dict[str, Any]], runs: int) -> list[Measured]:
    mark_owned(store, params["_owned"]["uid"])
    started = time.perf_counter()
    attack = read_attack_graph(store)
    graph = nx.DiGraph()
    graph.add_nodes_from(attack.nodes)
    graph.add_edges_from((src, dst) for src, edges in attack.out.items() for _type, dst in edges)
    print(
        f"in-memory graph (networkx {nx.__version__}): {graph.number_of_nodes()} nodes, "
        f"{graph.number_of_edges()} edges, read and built in {time.perf_counter() - started:.1f}s"
    )
    searches = baselines(graph, store)
    measured = []
    for query in load_library().values():
        query_params = params.get(query.id, {})
        result = run_query(store, query, query_params, timeout_ms=TIMEOUT_MS)
        samples = timed(lambda q=query, p=query_params: run_query(store, q, p, timeout_ms=TIMEOUT_MS), runs)
        row = Measured(query, len(result.rows), statistics.median(samples), percentile(samples, 0.95))
        if query.id in searches and (result.rows or "per row" not in searches[query.id][0]):
            row.bfs_what, baseline = searches[query.id]
            row.bfs_median_ms = statistics.median(timed(lambda b=baseline, r=result: b(r), runs))
        measured.append(row)
    return measured


def print_report(measured: list[Measured], params: str, markdown: bool) -> None:
    if markdown:
        print("| query | rows | median ms | p95 ms | in-memory BFS (networkx) | BFS median ms | ratio | targets |")
        print("|---|---:|---:|---:|---|---:|---:|---|")
    for row in measured:
        bfs = f"{row.bfs_median_ms:.2f}" if row.bfs_median_ms is not None else "—"
        ratio = f"{row.ratio:.1f}×" if row.ratio is not None else "—"
        verdict = "p95 met" if row.meets_latency else "p95 MISSED"
        if row.meets_ratio is not None:
            verdict += ", 5× met" if row.meets_ratio else ", 5× missed"
        if markdown:
            print(
                f"| {row.query.id} | {row.rows} | {row.median_ms:.1f} | {row.p95_ms:.1f} | {row.bfs_what or '—'} "
                f"| {bfs} | {ratio} | {verdict} |"
            )
        else:
            print(
                f"{row.query.id:36} {row.rows:5} rows  median {row.median_ms:7.1f} ms  p95 {row.p95_ms:7.1f} ms  "
                f"BFS {bfs:>7} ms  {ratio:>7}  {verdict}"
            )
    print(f"\nparameters: {params}")
    slow = [row.query.id for row in measured if not row.meets_latency]
    far = [row.query.id for row in measured if row.meets_ratio is False]
    print(f"p95 < {P95_TARGET_MS:.0f} ms: " + (f"missed by {', '.join(slow)}" if slow else "met by every query"))
    print(f"within {BFS_RATIO_TARGET:.0f}x of the in-memory BFS: " + (f"missed by {', '.join(far)}" if far else "met"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pods", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--markdown", action="store_true", help="print the table as Markdown (docs/queries.md)")
    args = parser.parse_args()
    data_dir = Path(tempfile.mkdtemp(prefix="bridgehead-bench-queries-"))
    store = open_store(f"embedded://{data_dir}")
    try:
        build(args.pods, store)
        params = choose_params(store)
        measured = measure(store, params, args.runs)
    finally:
        store.close()
        embedded.stop_server(data_dir)
        shutil.rmtree(data_dir, ignore_errors=True)
    described = "; ".join(
        f"{query_id}: " + ", ".join(f"{name}={value}" for name, value in values.items())
        for query_id, values in params.items()
        if not query_id.startswith("_")
    )
    print_report(measured, f"{described}; owned: {params['_owned']['uid']}", args.markdown)


if __name__ == "__main__":
    main()
