"""Ingestion + analysis of a synthetic 10k-pod cluster on the embedded graph.

    .venv/bin/python benchmarks/bench_analysis.py [--pods 10000]

Prints seconds per phase and attack edges/s; the target is under 30 s for ingestion plus analysis on 2 cores.
The baseline in the same run is a bare load of the same records (graph.loader only), so the ratio shows what
the analysis adds on top of getting the data in.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from synthetic import build_cluster  # this script's directory is on sys.path

from graph import embedded
from graph.analysis.run import analyze
from graph.store import open_store
from ingest.k8s.redact import redact_object
from ingest.k8s.snapshot import K8sSnapshot
from ingest.pipeline import ingest_k8s_snapshot


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pods", type=int, default=10_000)
    args = parser.parse_args()

    started = time.perf_counter()
    objects = {kind: [redact_object(obj) for obj in items] for kind, items in build_cluster(args.pods).items()}
    snapshot = K8sSnapshot("bench", objects, set(objects), [], [], None, int(time.time() * 1000))
    generate_s = time.perf_counter() - started

    data_dir = Path(tempfile.mkdtemp(prefix="bridgehead-bench-"))
    store = open_store(f"embedded://{data_dir}")
    try:
        started = time.perf_counter()
        result = ingest_k8s_snapshot(store, snapshot)
        ingest_s = time.perf_counter() - started

        started = time.perf_counter()
        report = analyze(store)
        analyze_s = time.perf_counter() - started
    finally:
        store.close()
        embedded.stop_server(data_dir)

    total = ingest_s + analyze_s
    print(f"synthetic cluster: {len(objects['Pod'])} pods, {sum(map(len, objects.values()))} objects "
          f"(generated in {generate_s:.1f}s)")  # fmt: skip
    print(f"ingest   {ingest_s:6.1f}s  {result.node_count} nodes, {result.edge_count} structural edges "
          f"({(result.node_count + result.edge_count) / ingest_s:,.0f} records/s)")  # fmt: skip
    print(
        f"analyze  {analyze_s:6.1f}s  {report.total_edges} attack edges ({report.total_edges / analyze_s:,.0f} edges/s)"
    )
    print(f"total    {total:6.1f}s  (target < 30 s); analysis / ingest = {analyze_s / ingest_s:.2f}x")
    for edge_type, count in sorted(report.edges_by_type.items(), key=lambda item: -item[1]):
        print(f"  {edge_type:32} {count}")


if __name__ == "__main__":
    main()
