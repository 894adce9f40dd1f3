"""graph/ui/identity.py: the joint cloud + cluster identity review."""

from __future__ import annotations

from graph.loader import Sync, load
from graph.records import NodeRecord
from graph.store import GraphStore
from graph.ui import identity


def test_joint_review_of_the_demo(demo: GraphStore) -> None:
    links = identity.joint_review(demo)
    rows = [link.row() for link in links]
    irsa = {row["cluster identity"]: row["cloud identity"] for row in rows if row["mechanism"] == "IRSA"}
    assert irsa == {
        "sa:ci/ci-runner": "arn:aws:iam::111122223333:role/ci-runner",
        "sa:kube-system/aws-node": "arn:aws:iam::111122223333:role/demo-vpc-cni",
        "sa:kube-system/cluster-autoscaler": "arn:aws:iam::111122223333:role/demo-cluster-autoscaler",
    }
    masters = next(
        link for link in links if link.mechanism == "aws-auth mapRoles" and "system:masters" in link.k8s_groups
    )
    assert (
        masters.cloud_identity == "arn:aws:iam::111122223333:role/ci-runner" and masters.direction == "cloud → cluster"
    )
    alice = next(link for link in links if link.mechanism == "aws-auth mapUsers")
    assert alice.k8s_uid == "k8s:demo:user:alice@example.com" and alice.k8s_groups == ("oncall",)
    assert all(link.account == "111122223333" and link.cloud == "aws" and link.cloud_uid is None for link in links)
    assert all(row["cloud identity in graph"].startswith("no") for row in rows)
    assert len(links) == 7

    view = identity.joint_view(links)
    x = {node["data"]["_uid"]: node["position"]["x"] for node in view.nodes}
    assert x["k8s:demo:serviceaccount:ci/ci-runner"] == 0
    assert x["aws:arn:aws:iam::111122223333:role/ci-runner"] == identity.JOINT_X_GAP
    assert x["k8s:demo:group:system:masters"] == 0
    types = {(e["data"]["_source"], e["data"]["label"], e["data"]["_target"]) for e in view.edges}
    assert ("k8s:demo:serviceaccount:ci/ci-runner", "IRSA", "aws:arn:aws:iam::111122223333:role/ci-runner") in types
    assert (
        "aws:arn:aws:iam::111122223333:role/ci-runner", "AWS_AUTH_MAP_ROLES", "k8s:demo:group:system:masters"
    ) in types  # fmt: skip


def test_joint_review_workload_identity_and_loaded_cloud_identities(store: GraphStore) -> None:
    sa = {
        "name": "app",
        "namespace": "web",
        "cluster": "gke",
        "gcp_service_account": "app@proj-1.iam.gserviceaccount.com",
    }
    load(store, [NodeRecord("ServiceAccount", "k8s:gke:serviceaccount:web/app", sa)], [], Sync.new("k8s", "k8s:gke"))
    # A cloud plane gives its identities the shared Identity label and an arn / email.
    store.write("CREATE (:Identity {uid: 'gcp:sa:app', email: 'app@proj-1.iam.gserviceaccount.com'})")
    [link] = identity.joint_review(store)
    assert (link.mechanism, link.cloud, link.account) == ("GKE Workload Identity", "gcp", "proj-1")
    assert link.k8s_uid == "k8s:gke:serviceaccount:web/app" and link.cloud_uid == "gcp:sa:app"
    assert link.row()["cloud identity in graph"] == "yes"
    view = identity.joint_view([link])
    assert {e["data"]["label"] for e in view.edges} == {"WORKLOAD_IDENTITY"}
    assert {n["data"]["_uid"] for n in view.nodes} == {"k8s:gke:serviceaccount:web/app", "gcp:sa:app"}
