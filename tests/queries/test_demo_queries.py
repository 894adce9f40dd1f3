"""Every canned query executed on FalkorDB against the demo cluster (ingest/demo/README.md), with the answers
the demo's documented misconfigurations call for, and on an empty graph."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from graph.paths import FIND_BY_UID, Target, shortest_paths
from graph.schema import primary_label
from graph.store import GraphStore
from queries.library import CannedQuery, get_query, load_library, run_query

C = "k8s:demo"
CLUSTER_ADMIN = f"{C}:cluster-admin"
NODE_1 = f"{C}:node:ip-10-0-1-17.eu-west-1.compute.internal"
NODE_2 = f"{C}:node:ip-10-0-2-42.eu-west-1.compute.internal"
NODE_3 = f"{C}:node:ip-10-0-3-88.eu-west-1.compute.internal"
OPS_ADMIN_TOKEN = f"{C}:secret:kube-system/ops-admin-token"
PAYMENTS_DB = f"{C}:secret:payments/payments-db"
STOREFRONT_POD = f"{C}:pod:shop-frontend/storefront-42btgfql4s-tsrr7"
PAYMENTS_POD = f"{C}:pod:payments/payments-api-xkm2p6flft-ps5tk"
SA = f"{C}:serviceaccount"

# Real parameters for the queries that need them (the empty-graph run uses them too).
PARAMS: dict[str, dict[str, Any]] = {
    "who-can-read-secret": {"secret": OPS_ADMIN_TOKEN},
    "who-can-reach": {"uid": CLUSTER_ADMIN},
    "blast-radius": {"uid": STOREFRONT_POD},
    "shortest-path": {"src": "internet", "dst": CLUSTER_ADMIN},
}


def run(store: GraphStore, query_id: str, **params: Any) -> list[dict[str, Any]]:
    query = get_query(query_id)
    rows = run_query(store, query, params).rows
    for row in rows:
        assert tuple(row) == query.returns, f"{query_id} returns {tuple(row)}, its header says {query.returns}"
    return rows


def target(store: GraphStore, uid: str) -> Target:
    return Target(primary_label(store.read(FIND_BY_UID, {"uid": uid})[0]["labels"]), uid)


def hops_between(store: GraphStore, src: str, dst: str) -> int | None:
    """The shortest attack path's length by graph.paths (allShortestPaths), independent of the marks."""
    found = shortest_paths(store, target(store, src), target(store, dst), max_hops=12, limit=1)
    return found[0].hops if found else None


def assert_real_path(store: GraphStore, row: dict[str, Any]) -> None:
    """A returned path is made of attack edges that exist, in order, each with a reason."""
    uids, types, reasons = row["path_uids"], row["edge_types"], row["reasons"]
    assert row["hops"] == len(types) == len(reasons) == len(uids) - 1 >= 1
    assert all(reasons), row
    for src, edge_type, dst in zip(uids, types, uids[1:], strict=False):
        found = store.read(
            "MATCH (a {uid: $src})-[r]->(b {uid: $dst}) WHERE type(r) = $type RETURN count(r) AS n",
            {"src": src, "dst": dst, "type": edge_type},
        )
        assert found[0]["n"] == 1, (src, edge_type, dst)


def by(rows: list[dict[str, Any]], column: str) -> dict[Any, dict[str, Any]]:
    return {row[column]: row for row in rows}


@pytest.fixture(scope="module")
def library() -> dict[str, CannedQuery]:
    return load_library()


# --------------------------------------------------------------------------------------------------
# Internet → crown jewels: walked back along the reach marks; each must be a real shortest path
# --------------------------------------------------------------------------------------------------


def test_internet_to_cluster_admin_ends_at_the_demo_cluster_admin(demo: GraphStore) -> None:
    (row,) = run(demo, "internet-to-cluster-admin")
    assert row["target"] == CLUSTER_ADMIN and row["path_uids"][0] == "internet"
    assert row["path_uids"][-1] == CLUSTER_ADMIN and row["entry"] == row["path_uids"][1]
    assert row["hops"] == hops_between(demo, "internet", CLUSTER_ADMIN)
    assert row["edge_types"][0] == "INTERNET_EXPOSES" and row["edge_types"][-1] == "IS_CLUSTER_ADMIN"
    # whichever of the equally short routes it picked, it goes through the node that hosts the CI token
    assert NODE_1 in row["path_uids"] and f"{SA}:ci/deployer" in row["path_uids"]
    assert_real_path(demo, row)


def test_internet_to_secrets_reaches_the_legacy_cluster_admin_token(demo: GraphStore) -> None:
    rows = run(demo, "internet-to-secrets")
    targets = by(rows, "target")
    assert OPS_ADMIN_TOKEN in targets, "README misconfiguration 7 via the storefront's exec grant"
    secrets = [row["uid"] for row in demo.read("MATCH (s:Secret) RETURN s.uid AS uid")]
    reachable = {uid: hops for uid in secrets if (hops := hops_between(demo, "internet", uid)) is not None}
    assert {target: row["hops"] for target, row in targets.items()} == reachable
    assert [row["hops"] for row in rows] == sorted(row["hops"] for row in rows), "nearest first"
    for row in rows:
        assert row["path_uids"][0] == "internet" and row["path_uids"][-1] == row["target"]
        assert_real_path(demo, row)


def test_internet_to_node_takeover_reaches_every_node(demo: GraphStore) -> None:
    rows = by(run(demo, "internet-to-node-takeover"), "target")
    assert set(rows) == {NODE_1, NODE_2, NODE_3}
    # the two nodes with public addresses fall in two hops (exposed privileged DaemonSets); the private one
    # through the never-applied preview Deployment, whose privileged template may land on any node
    assert (rows[NODE_1]["hops"], rows[NODE_2]["hops"]) == (2, 2)
    assert rows[NODE_3]["hops"] == hops_between(demo, "internet", NODE_3) == 4
    assert rows[NODE_3]["entry"] == f"{C}:service:preview/preview"
    assert rows[NODE_3]["edge_types"] == ["INTERNET_EXPOSES", "SERVICE_TARGETS", "CE_PRIVILEGED", "PLACES_ON_NODE"]
    for row in rows.values():
        assert_real_path(demo, row)


def test_max_hops_and_limit_bound_the_walk(demo: GraphStore) -> None:
    near = run(demo, "internet-to-node-takeover", max_hops=2)
    assert {row["target"] for row in near} == {NODE_1, NODE_2}
    assert len(run(demo, "internet-to-secrets", limit=2)) == 2


def test_internet_to_cloud_admin_runs_and_finds_nothing_yet(demo: GraphStore) -> None:
    assert run(demo, "internet-to-cloud-admin") == []


def test_internet_entry_points_are_the_public_services_ingress_and_host_ports(demo: GraphStore) -> None:
    rows = by(run(demo, "internet-entry-points"), "exposed")
    assert set(rows) == {
        f"{C}:service:shop-frontend/storefront",
        f"{C}:ingress:shop-frontend/shop",
        f"{C}:service:monitoring/grafana",
        f"{C}:container:monitoring/node-agent-hrbmd/agent",
        f"{C}:container:monitoring/node-agent-lbfxl/agent",
        f"{C}:container:kube-system/aws-node-v89nm/aws-node",
        f"{C}:container:kube-system/aws-node-d7fw6/aws-node",
        f"{C}:service:preview/preview",  # a LoadBalancer never applied (no status): assumed public
    }, "internal LB, ClusterIP services and the private node are not exposure (README)"
    assert all(row["reason"] for row in rows.values())
    assert rows[f"{C}:service:shop-frontend/storefront"]["secret_hops"] == 2
    assert rows[f"{C}:container:monitoring/node-agent-hrbmd/agent"]["node_hops"] == 1


def test_exposed_workloads_that_can_escape(demo: GraphStore) -> None:
    rows = by(run(demo, "exposed-workloads-that-can-escape"), "container")
    agent = rows[f"{C}:container:monitoring/node-agent-hrbmd/agent"]
    assert agent["internet_hops"] == 1 and agent["node"] == NODE_1.rsplit(":", 1)[1]
    assert {"CE_PRIVILEGED", "CE_NSENTER", "CE_HOSTPATH_WRITE", "CE_RUNTIME_SOCKET"} <= set(agent["escapes"])
    assert len(agent["reasons"]) == len(agent["escapes"])
    # the agent on the private node is reached through the storefront's exec grant, further away
    assert rows[f"{C}:container:monitoring/node-agent-jp5zt/agent"]["internet_hops"] > 1
    assert all(row["namespace"] in ("monitoring", "kube-system") for row in rows.values())
    assert all(escape.startswith("CE_") for row in rows.values() for escape in row["escapes"])


# --------------------------------------------------------------------------------------------------
# Escalation, paths about one object
# --------------------------------------------------------------------------------------------------


def test_workloads_that_can_become_cluster_admin(demo: GraphStore) -> None:
    rows = by(run(demo, "workloads-to-cluster-admin"), "workload")
    runner = rows[f"{C}:deployment:ci/deploy-runner"]
    assert runner["workload_kind"] == "Deployment" and runner["cluster_admin"] == CLUSTER_ADMIN
    assert runner["edge_types"] == ["CONTROLLER_RUNS_POD", "CONTROLS_CONTAINER", "HAS_SA_TOKEN", "IS_CLUSTER_ADMIN"]
    assert f"{C}:daemonset:monitoring/node-agent" in rows, "privileged on the node that hosts the CI token"
    # its last pod has finished, but the CronJob runs again: its template (docker.sock) is analysed
    nightly = rows[f"{C}:cronjob:ci/nightly-build"]
    assert nightly["edge_types"][0] == "CONTROLS_CONTAINER"
    assert nightly["path_uids"][1] == f"{C}:container:ci/cronjob/nightly-build/build"
    assert not [uid for uid in rows if ":payments/" in uid], "nothing leads out of payments"
    for uid, row in rows.items():
        assert row["hops"] == hops_between(demo, uid, CLUSTER_ADMIN)
        assert row["path_uids"][0] == uid and row["path_uids"][-1] == CLUSTER_ADMIN
        assert_real_path(demo, row)


def test_who_can_read_the_legacy_cluster_admin_token(demo: GraphStore) -> None:
    rows = by(run(demo, "who-can-read-secret", secret=OPS_ADMIN_TOKEN), "identity")
    hops = {uid.removeprefix(f"{C}:"): (row["hops"], row["through_cluster_admin"]) for uid, row in rows.items()}
    assert hops == {
        "serviceaccount:monitoring/prometheus": (1, False),  # get secrets in every namespace (misconfig 7)
        "serviceaccount:ci/deployer": (1, True),  # cluster-admin reads every secret
        "serviceaccount:kube-system/ops-admin": (1, True),
        "group:system:masters": (1, True),
        "user:ci-runner": (1, True),  # aws-auth maps the ci-runner IAM role into system:masters
        "serviceaccount:ci/ci-runner": (2, True),  # runs a Deployment as ci/deployer (misconfig 5)
        "serviceaccount:shop-frontend/storefront": (4, False),  # exec into prometheus (misconfig 2)
        # kubelets: a token for a pod's account on their node (ci/deployer on ip-10-0-1-17, prometheus on 2-42)
        "user:system:node:ip-10-0-1-17.eu-west-1.compute.internal": (2, True),
        "user:system:node:ip-10-0-2-42.eu-west-1.compute.internal": (5, False),
    }
    assert rows[f"{SA}:shop-frontend/storefront"]["internet_hops"] == 3
    assert run(demo, "who-can-read-secret", secret=OPS_ADMIN_TOKEN, max_hops=1, limit=2) == [
        rows[f"{C}:group:system:masters"],
        rows[f"{SA}:ci/deployer"],
    ]


def test_who_can_read_a_payments_secret(demo: GraphStore) -> None:
    rows = by(run(demo, "who-can-read-secret", secret=PAYMENTS_DB), "identity")
    assert rows[f"{SA}:monitoring/prometheus"]["hops"] == 1
    assert not [uid for uid in rows if ":payments/" in uid], "no payments identity holds a token (README)"


def test_who_can_reach_cluster_admin(demo: GraphStore) -> None:
    rows = by(run(demo, "who-can-reach", uid=CLUSTER_ADMIN, max_hops=12, limit=1000), "source")
    for admin in (f"{SA}:ci/deployer", f"{SA}:kube-system/ops-admin", f"{C}:group:system:masters"):
        assert rows[admin]["hops"] == 1
    assert rows["internet"]["hops"] == hops_between(demo, "internet", CLUSTER_ADMIN)
    assert rows[STOREFRONT_POD]["hops"] == hops_between(demo, STOREFRONT_POD, CLUSTER_ADMIN)
    assert not [uid for uid in rows if ":payments/" in uid]
    assert len(run(demo, "who-can-reach", uid=CLUSTER_ADMIN, limit=3)) == 3


def test_blast_radius_of_the_internet_facing_storefront_pod(demo: GraphStore) -> None:
    (row,) = run(demo, "blast-radius", uid=STOREFRONT_POD, max_hops=12, limit=1000)
    assert row["source_kind"] == "Pod"
    assert row["cluster_admin_hops"] == hops_between(demo, STOREFRONT_POD, CLUSTER_ADMIN) == 8
    assert row["secret_hops"] == 2 and row["node_hops"] == 5 and row["cloud_admin_hops"] is None
    jewels = dict(zip(row["jewel_uids"], row["jewel_hops"], strict=True))
    assert jewels[CLUSTER_ADMIN] == 8 and jewels[OPS_ADMIN_TOKEN] == hops_between(demo, STOREFRONT_POD, OPS_ADMIN_TOKEN)
    assert {NODE_1, NODE_2, NODE_3} <= set(jewels)
    assert row["crown_jewels"] == len(jewels) and row["reachable_nodes"] > len(jewels)
    assert list(jewels.values()) == sorted(jewels.values())
    (near,) = run(demo, "blast-radius", uid=STOREFRONT_POD, max_hops=2)
    own_secrets = {f"{C}:secret:shop-frontend/storefront-session", f"{C}:secret:shop-frontend/storefront-tls"}
    assert set(near["jewel_uids"]) == own_secrets and near["jewel_hops"] == [2, 2]
    assert near["reachable_nodes"] < row["reachable_nodes"]


def test_blast_radius_of_a_payments_pod_is_its_own_secret(demo: GraphStore) -> None:
    (row,) = run(demo, "blast-radius", uid=PAYMENTS_POD, max_hops=12)
    assert row["jewel_uids"] == [PAYMENTS_DB] and row["jewel_hops"] == [2]
    assert row["cluster_admin_hops"] is None and row["node_hops"] is None
    assert row["reachable_nodes"] == 2  # its container and the database secret


def test_shortest_path_between_two_objects(demo: GraphStore) -> None:
    rows = run(demo, "shortest-path", src="internet", dst=CLUSTER_ADMIN, limit=100)
    expected = shortest_paths(demo, Target("Internet", "internet"), Target("ClusterAdmin", CLUSTER_ADMIN), limit=100)
    assert sorted((row["path_uids"], row["edge_types"]) for row in rows) == sorted(
        (path.uids, path.edge_types) for path in expected
    )
    for row in rows:
        assert row["path_kinds"][0] == "Internet" and row["path_kinds"][-1] == "ClusterAdmin"
        assert_real_path(demo, row)
    assert {row["hops"] for row in rows} == {5}  # through a node's kubelet identity
    assert run(demo, "shortest-path", src="internet", dst=CLUSTER_ADMIN, max_hops=4) == []
    assert run(demo, "shortest-path", src=PAYMENTS_POD, dst=CLUSTER_ADMIN) == []


# --------------------------------------------------------------------------------------------------
# RBAC and workload settings
# --------------------------------------------------------------------------------------------------


def test_nobody_below_cluster_admin_execs_into_kube_system(demo: GraphStore) -> None:
    assert run(demo, "exec-into-kube-system") == []  # README: expected by design
    (row,) = run(demo, "exec-into-kube-system", namespace="monitoring")
    assert row["identity"] == f"{SA}:shop-frontend/storefront" and row["grants"] == ["CAN_EXEC"]
    assert row["pods"] == 6 and "storefront-debug" in row["reason"] and row["internet_hops"] == 3


def test_the_demo_has_none_of_the_risky_grants(demo: GraphStore) -> None:
    assert run(demo, "risky-rbac-grants") == []  # the fixture in test_fixture_queries has them


def test_cluster_admin_identities(demo: GraphStore) -> None:
    rows = by(run(demo, "cluster-admin-identities"), "identity")
    assert set(rows) == {
        f"{SA}:ci/deployer",
        f"{SA}:kube-system/ops-admin",
        f"{C}:group:system:masters",
        f"{C}:user:ci-runner",  # aws-auth maps the ci-runner IAM role to this user in system:masters
    }
    assert "system:masters" in rows[f"{C}:user:ci-runner"]["reason"]
    assert rows[f"{SA}:ci/deployer"]["internet_hops"] == 4  # a node's kubelet mints its token
    assert "ci-deployer-cluster-admin" in rows[f"{SA}:ci/deployer"]["reason"]


def test_privileged_pod_creators(demo: GraphStore) -> None:
    (row,) = run(demo, "privileged-pod-creators")
    assert row["identity"] == f"{SA}:ci/ci-runner" and row["cluster"] == "demo"  # misconfig 5
    assert "enforces no Pod Security level" in row["reason"]


def test_runtime_socket_mounts(demo: GraphStore) -> None:
    rows = by(run(demo, "runtime-socket-mounts"), "workload")
    nightly = {
        f"{C}:cronjob:ci/nightly-build",
        f"{C}:job:ci/nightly-build-29012345",
        f"{C}:pod:ci/nightly-build-29012345-thtvk",
    }
    agents = {f"{C}:pod:monitoring/node-agent-{suffix}" for suffix in ("hrbmd", "jp5zt", "lbfxl")}
    assert set(rows) == nightly | agents
    assert all(rows[uid]["sockets"] == ["/var/run/docker.sock"] for uid in nightly)  # misconfig 6
    assert rows[f"{C}:pod:ci/nightly-build-29012345-thtvk"]["phase"] == "Succeeded"
    assert all(rows[uid]["sockets"] == [] and "containerd.sock" in rows[uid]["reasons"][0] for uid in agents)


def test_privileged_pods_per_namespace(demo: GraphStore) -> None:
    rows = by(run(demo, "privileged-containers-by-namespace"), "namespace")
    assert set(rows) == {"kube-system", "monitoring"}
    assert (rows["kube-system"]["pods"], rows["kube-system"]["pod_security"]) == (6, "none")  # aws-node, kube-proxy
    assert (rows["monitoring"]["pods"], rows["monitoring"]["pod_security"]) == (3, "privileged")  # node-agent
    assert isinstance(rows["kube-system"]["containers"], int)


def test_no_coverage_gaps_in_the_demo(demo: GraphStore) -> None:
    assert run(demo, "coverage-gaps") == []


def test_payments_is_never_an_entry_point_and_leads_nowhere(demo: GraphStore) -> None:
    # Node takeover reaches the payments pods (NODE_CONTROLS_POD), so they are reachable; but no payments
    # object is exposed, and no path leaves the namespace (README: "nothing leads out of it").
    entries = run(demo, "internet-entry-points")
    assert not [row for row in entries if row["namespace"] == "payments"]
    for row in run(demo, "internet-to-secrets") + run(demo, "internet-to-node-takeover"):
        assert not [uid for uid in row["path_uids"][:-1] if ":payments/" in uid], row["path_uids"]


def test_every_query_has_asserted_results(library: dict[str, CannedQuery]) -> None:
    # the tests of this package assert each query's answers; this guards against a new query without any
    tests = "".join(path.read_text() for path in Path(__file__).parent.glob("test_*.py"))
    untested = [query_id for query_id in library if f'"{query_id}"' not in tests]
    assert not untested, f"add demo assertions for {untested}"


# --------------------------------------------------------------------------------------------------
# Empty graph
# --------------------------------------------------------------------------------------------------


def test_every_query_runs_on_an_empty_graph_and_returns_nothing(
    store: GraphStore, library: dict[str, CannedQuery]
) -> None:
    for query in library.values():
        assert run_query(store, query, PARAMS.get(query.id, {})).rows == [], query.id
