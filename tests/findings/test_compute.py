"""Findings and choke points on tiny hand-made attack graphs, where the right answer is known (no database)."""

from __future__ import annotations

import itertools
import random

import networkx as nx
import pytest

from graph.analysis.catalogue import ATTACKS, INTERNET_UID, load_catalogue
from graph.findings.compute import (
    JEWEL_CLASSES,
    build_findings,
    finding_id,
    severity_at_least,
    severity_for,
)
from tests.findings.conftest import attack_graph

SECRET = ("KubeSecret", "Secret", "HighValue")


@pytest.fixture(autouse=True)
def catalogue() -> None:
    load_catalogue()


def test_choke_points_put_the_most_shared_step_first() -> None:
    # Two exposed services lead to two containers that share a process namespace with `cx`, whose token is
    # the service account `sa` that reads three secrets; c1 also mounts a fourth secret itself.
    graph = attack_graph(
        [
            (INTERNET_UID, "INTERNET_EXPOSES", "svc1"),
            (INTERNET_UID, "INTERNET_EXPOSES", "svc2"),
            ("svc1", "SERVICE_TARGETS", "c1"),
            ("svc2", "SERVICE_TARGETS", "c2"),
            ("c1", "SHARES_PROCESS_NAMESPACE", "cx"),
            ("c2", "SHARES_PROCESS_NAMESPACE", "cx"),
            ("cx", "HAS_SA_TOKEN", "sa"),
            ("sa", "CAN_READ_SECRET", "k1"),
            ("sa", "CAN_READ_SECRET", "k2"),
            ("sa", "CAN_READ_SECRET", "k3"),
            ("c1", "READS_MOUNTED_SECRET", "k4"),
        ],
        {
            INTERNET_UID: ("Internet",),
            "svc1": ("Service",),
            "svc2": ("Service",),
            "c1": ("Container",),
            "c2": ("Container",),
            "cx": ("Container",),
            "sa": ("ServiceAccount", "Identity"),
            **{f"k{i}": SECRET for i in range(1, 5)},
        },
    )
    report = build_findings(graph)
    by_target = {finding.target_uid: finding for finding in report.findings}
    assert set(by_target) == {"k1", "k2", "k3", "k4"}
    for uid in ("k1", "k2", "k3"):
        finding = by_target[uid]
        assert finding.hops == 5 and finding.path_count == 2
        assert finding.remediation_edge == "HAS_SA_TOKEN"  # on every path, and on three findings' paths
        assert finding.path.edges()[finding.remediation_step] == ("cx", "HAS_SA_TOKEN", "sa")
        assert finding.remediation_share == 1.0 and finding.remediation_cuts
        assert finding.remediation == ATTACKS["HAS_SA_TOKEN"].remediation
        assert len(finding.other_paths) == 1 and finding.other_paths[0].uids != finding.path.uids
    k4 = by_target["k4"]
    assert k4.hops == 3 and k4.path_count == 1
    # every step of k4's only path cuts it; the exposure is also on three other findings' paths
    assert k4.remediation_edge == "INTERNET_EXPOSES" and k4.path.uids[1] == "svc1"

    top = report.choke_points[0]
    assert (top.kind, top.key) == ("edge", "cx -[HAS_SA_TOKEN]-> sa")
    assert top.score == pytest.approx(3.0) and top.cuts == 3 and top.findings == 3
    assert top.remediation == ATTACKS["HAS_SA_TOKEN"].remediation
    nodes = [point for point in report.choke_points if point.kind == "node"]
    assert {point.key for point in nodes[:2]} == {"cx", "sa"} and nodes[0].score == pytest.approx(3.0)
    svc1 = next(point for point in nodes if point.key == "svc1")
    assert svc1.score == pytest.approx(2.5) and svc1.cuts == 1  # half of k1..k3's paths, all of k4's
    assert all(point.key not in {INTERNET_UID, "k1", "k2", "k3", "k4"} for point in nodes)


def _escalation_graph():
    return attack_graph(
        [
            (INTERNET_UID, "INTERNET_EXPOSES", "c"),
            ("c", "CE_PRIVILEGED", "node"),
            ("node", "NODE_CONTROLS_POD", "p"),
            ("p", "CONTROLS_CONTAINER", "c2"),
            ("c2", "READS_MOUNTED_SECRET", "behind-node"),
            ("c2", "HAS_SA_TOKEN", "admin"),
            ("admin", "IS_CLUSTER_ADMIN", "ca"),
            ("c", "READS_MOUNTED_SECRET", "direct"),
            ("c", "READS_MOUNTED_SECRET", "legacy-token"),
            ("legacy-token", "SECRET_HOLDS_TOKEN", "admin"),
        ],
        {
            INTERNET_UID: ("Internet",),
            "c": ("Container",),
            "c2": ("Container",),
            "node": ("Node", "HighValue"),
            "admin": ("ServiceAccount", "Identity", "HighValue"),
            "ca": ("ClusterAdmin", "HighValue"),
            "behind-node": SECRET,
            "direct": SECRET,
            "legacy-token": SECRET,
        },
    )


def test_jewels_behind_a_bigger_one_are_folded_into_its_finding() -> None:
    report = build_findings(_escalation_graph())
    by_target = {finding.target_uid: finding for finding in report.findings}
    # the secret behind the node is in the node finding; the admin identity and its legacy token secret are
    # steps to cluster-admin, in that finding
    assert set(by_target) == {"ca", "node", "direct"}
    assert by_target["node"].folded_uids == ["behind-node"]
    assert by_target["ca"].folded_uids == ["admin", "legacy-token"] and by_target["ca"].folded_count == 2
    assert report.folded == 3
    ca = by_target["ca"]
    assert ca.severity == "critical" and ca.kind == "cluster-admin" and ca.hops == 4
    assert ca.path.uids == [INTERNET_UID, "c", "legacy-token", "admin", "ca"]
    assert (by_target["node"].severity, by_target["direct"].severity) == ("high", "high")
    assert [finding.target_uid for finding in report.findings] == ["ca", "node", "direct"]  # severity, rank, hops


def test_an_owned_node_is_an_entry_point_too() -> None:
    graph = _escalation_graph()
    graph.nodes["p"].owned = True
    report = build_findings(graph)
    owned = {finding.target_uid: finding for finding in report.findings if finding.entry_uid == "p"}
    assert set(owned) == {"ca", "behind-node"}  # from the pod, that secret is no longer behind the node
    assert owned["ca"].severity == "high" and owned["ca"].title.endswith("(from owned)")
    assert owned["behind-node"].severity == "medium"
    internet_ids = {finding.id for finding in report.findings if finding.entry_uid == INTERNET_UID}
    assert finding_id("p", "ca", "cluster-admin") not in internet_ids
    assert owned["ca"].id == finding_id("p", "ca", "cluster-admin")


def test_no_entry_point_no_findings() -> None:
    graph = attack_graph([("a", "CAN_EXEC", "b")], {"b": SECRET})
    report = build_findings(graph)
    assert report.findings == [] and report.choke_points == []


def test_stable_ids_depend_on_entry_jewel_and_kind_only() -> None:
    assert finding_id("internet", "x", "secret") == finding_id("internet", "x", "secret")
    assert len({finding_id("internet", "x", "secret"), finding_id("internet", "x", "high-value"),
                finding_id("internet", "y", "secret"), finding_id("p", "x", "secret")}) == 4  # fmt: skip
    assert build_findings(_escalation_graph()).findings[0].id == build_findings(_escalation_graph()).findings[0].id


@pytest.mark.parametrize(
    ("kind", "from_internet", "hops", "expected"),
    [
        ("cluster-admin", True, 3, "critical"),
        ("cluster-admin", True, 12, "critical"),  # critical is never lowered
        ("cluster-admin", False, 3, "high"),
        ("cluster-admin", False, 9, "medium"),
        ("node-takeover", True, 2, "high"),
        ("node-takeover", False, 2, "medium"),
        ("secret", True, 8, "high"),
        ("secret", True, 9, "medium"),
        ("secret", False, 9, "low"),
        ("high-value", False, 1, "medium"),
    ],
)
def test_severity_rules(kind: str, from_internet: bool, hops: int, expected: str) -> None:
    cls = next(cls for cls in JEWEL_CLASSES if cls.finding_kind == kind)
    assert severity_for(cls, from_internet, hops) == expected


def test_severity_thresholds() -> None:
    assert severity_at_least("critical", "high") and severity_at_least("high", "high")
    assert not severity_at_least("medium", "high") and severity_at_least("low", "low")


def test_distance_without_an_edge() -> None:
    from graph.findings.compute import _reachable_without

    graph = attack_graph(
        [("a", "T", "b"), ("b", "T", "c"), ("c", "T", "d"), ("a", "U", "x"), ("x", "U", "y"), ("y", "U", "z"),
         ("z", "U", "d"), ("b", "V", "c")],
        {},
    )  # fmt: skip
    assert _reachable_without(graph, "a", "d", ("b", "T", "c")) == 3  # the parallel V edge
    assert _reachable_without(graph, "a", "d", ("a", "T", "b")) == 4  # the long way round
    assert _reachable_without(graph, "a", "d", ("z", "U", "d")) == 3
    assert _reachable_without(graph, "d", "a", ("a", "T", "b")) is None
    rng = random.Random(5)
    for _ in range(200):  # against networkx on random graphs
        edges = {
            (f"n{rng.randrange(12)}", rng.choice("TU"), f"n{rng.randrange(12)}") for _ in range(rng.randrange(5, 30))
        }
        edges = {edge for edge in edges if edge[0] != edge[2]}
        graph = attack_graph(sorted(edges), {})
        removed = rng.choice(sorted(edges))
        digraph = nx.MultiDiGraph()
        digraph.add_nodes_from(graph.nodes)
        digraph.add_edges_from((src, dst) for src, edge_type, dst in edges if (src, edge_type, dst) != removed)
        src, dst = rng.sample(sorted(graph.nodes), 2)
        expected = nx.shortest_path_length(digraph, src, dst) if nx.has_path(digraph, src, dst) else None
        assert _reachable_without(graph, src, dst, removed) == expected, (sorted(edges), removed, src, dst)


def test_path_counts_and_shares_match_brute_force() -> None:
    from graph.findings.compute import _pair_dag, _ShortestPaths

    rng = random.Random(11)
    checked = 0
    for _ in range(150):
        edges = {(f"n{rng.randrange(10)}", "T", f"n{rng.randrange(10)}") for _ in range(rng.randrange(8, 35))}
        edges = {edge for edge in edges if edge[0] != edge[2]}
        graph = attack_graph(sorted(edges), {})
        digraph = nx.DiGraph((src, dst) for src, _type, dst in edges)
        entry = "n0"
        if entry not in graph.nodes:
            continue
        paths = _ShortestPaths.search(graph, entry)
        for jewel in paths.dist:
            if jewel == entry:
                continue
            every = [list(itertools.pairwise(p)) for p in nx.all_shortest_paths(digraph, entry, jewel)]
            dag = _pair_dag(paths, jewel)
            assert dag.total == len(every)
            for (src, _type, dst), share in dag.edge_share.items():
                assert share == pytest.approx(sum((src, dst) in p for p in every) / len(every))
            for uid, share in dag.node_share.items():
                assert share == pytest.approx(sum(any(uid == a for a, _b in p) for p in every) / len(every))
            checked += 1
    assert checked > 100
