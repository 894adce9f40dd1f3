"""graph/ui/overview.py: the overview page's numbers."""

from __future__ import annotations

from graph.loader import Sync, load
from graph.records import NodeRecord
from graph.store import GraphStore
from graph.ui import overview


def test_overview_of_the_demo(demo: GraphStore) -> None:
    data = overview.overview(demo)
    assert not data.empty and data.analysed and data.stale_scopes == []
    kinds = {row["kind"]: row for row in data.kind_rows}
    assert kinds["Pod"]["nodes"] == 23 and kinds["Pod"]["plane"] == "k8s"
    assert {row["scope"] for row in data.sync_rows} == {"k8s:demo", "analysis"}
    assert data.gap_rows == []
    attack = {row["type"]: row for row in data.attack_rows}
    assert attack["INTERNET_EXPOSES"]["mitre"] == "T1190" and attack["IS_CLUSTER_ADMIN"]["edges"] >= 3
    later = overview.overview(demo, now_ms=max(s.finished_at for s in data.summary.syncs) + 2 * overview.STALE_AFTER_MS)
    assert later.stale_scopes == ["k8s:demo"]  # the analysis is not a collection


def test_overview_of_an_empty_graph_and_coverage_gaps(store: GraphStore) -> None:
    assert overview.overview(store).empty
    load(store, [NodeRecord("Namespace", "k8s:gap:namespace:a", {"name": "a", "cluster": "gap"})], [],
         Sync.new("k8s", "k8s:gap"), gaps=["KubeSecret: forbidden (HTTP 403)"])  # fmt: skip
    data = overview.overview(store)
    assert not data.analysed
    assert data.gap_rows == [{"scope": "k8s:gap", "not visible": "KubeSecret: forbidden (HTTP 403)"}]
    assert data.sync_rows[0]["coverage gaps"] == 1


def test_human_age() -> None:
    assert [overview.human_age(ms) for ms in (0, 59 * 60_000, 3 * 3600_000, 5 * 86400_000)] == [
        "0 min",
        "59 min",
        "3 h",
        "5 d",
    ]
