"""The joint review: which cluster identities become which cloud identities, and back (IRSA, GKE Workload
Identity, EKS aws-auth), as rows and as a graph with cluster identities left and cloud identities right."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from graph.planes.k8s import uids
from graph.planes.k8s.aws_auth import parse_aws_auth
from graph.store import GraphStore
from graph.ui.common import NodeRef, short_uid
from graph.ui.layout import NODE_CAP, GraphView, Step, graph_view


@dataclass(frozen=True)
class IdentityLink:
    """One mapping between a cluster identity and a cloud identity, as the cluster states it."""

    cluster: str
    mechanism: str  # "IRSA", "GKE Workload Identity", "aws-auth mapRoles", "aws-auth mapUsers"
    direction: str  # "cluster → cloud" (the pod becomes the cloud identity) or "cloud → cluster"
    k8s_uid: str | None  # the ServiceAccount / KubeUser node, when it is in the graph
    k8s_identity: str  # as the cluster names it: `sa:ns/name`, `user:alice`
    k8s_groups: tuple[str, ...]
    cloud: str  # "aws" | "gcp"
    account: str  # AWS account id or GCP project
    cloud_identity: str  # role/user ARN or service account e-mail
    cloud_uid: str | None  # the cloud plane's node when loaded (matched on arn / email)
    source_uid: str  # the object the mapping was read from (ServiceAccount or the aws-auth ConfigMap)

    def row(self) -> dict[str, Any]:
        return {
            "cluster": self.cluster,
            "cluster identity": self.k8s_identity,
            "groups": ", ".join(self.k8s_groups),
            "direction": self.direction,
            "cloud": self.cloud,
            "account / project": self.account,
            "cloud identity": self.cloud_identity,
            "mechanism": self.mechanism,
            "cloud identity in graph": "yes" if self.cloud_uid else "no (cloud plane not loaded)",
            "declared on": short_uid(self.source_uid),
        }


WORKLOAD_IDENTITY_SAS = (
    "MATCH (sa:ServiceAccount) WHERE sa.irsa_role_arn IS NOT NULL OR sa.gcp_service_account IS NOT NULL "
    "RETURN sa.uid AS uid, sa.cluster AS cluster, sa.namespace AS namespace, sa.name AS name, "
    "sa.irsa_role_arn AS role_arn, sa.gcp_service_account AS gcp_sa ORDER BY uid"
)
AWS_AUTH_MAPS = (
    "MATCH (c:ConfigMap) WHERE c.aws_auth_json IS NOT NULL "
    "RETURN c.uid AS uid, c.cluster AS cluster, c.data_json AS data ORDER BY uid"
)
KUBE_SUBJECTS = (
    "MATCH (n:KubeUser) WHERE n.name IN $names RETURN n.uid AS uid, n.cluster AS cluster, n.name AS name, "
    "'user' AS kind UNION ALL "
    "MATCH (n:KubeGroup) WHERE n.name IN $names RETURN n.uid AS uid, n.cluster AS cluster, n.name AS name, "
    "'group' AS kind"
)
# Cloud planes (when loaded) give their identities the shared Identity label and an `arn` or `email`.
CLOUD_IDENTITIES = (
    "MATCH (n:Identity) WHERE n.arn IN $keys OR n.email IN $keys "
    "RETURN n.uid AS uid, coalesce(n.arn, n.email) AS key LIMIT 10000"
)


def aws_account(arn: str) -> str:
    parts = arn.split(":")
    return parts[4] if len(parts) > 4 else ""


def gcp_project(email: str) -> str:
    _, _, domain = email.partition("@")
    return domain.split(".")[0] if domain.endswith(".iam.gserviceaccount.com") else domain


def joint_review(store: GraphStore) -> list[IdentityLink]:
    """Every cluster ↔ cloud identity mapping the graph knows: IRSA and Workload Identity annotations on
    ServiceAccounts, and EKS `aws-auth` role and user mappings."""
    pending: list[dict[str, Any]] = []
    for row in store.read(WORKLOAD_IDENTITY_SAS):
        sa_ref = f"sa:{row['namespace']}/{row['name']}"
        if row["role_arn"]:
            pending.append(
                {"cluster": row["cluster"], "mechanism": "IRSA", "direction": "cluster → cloud", "k8s_uid": row["uid"],
                 "k8s_identity": sa_ref, "k8s_groups": (), "cloud": "aws", "account": aws_account(row["role_arn"]),
                 "cloud_identity": row["role_arn"], "source_uid": row["uid"]}
            )  # fmt: skip
        if row["gcp_sa"]:
            pending.append(
                {"cluster": row["cluster"], "mechanism": "GKE Workload Identity", "direction": "cluster → cloud",
                 "k8s_uid": row["uid"], "k8s_identity": sa_ref, "k8s_groups": (), "cloud": "gcp",
                 "account": gcp_project(row["gcp_sa"]), "cloud_identity": row["gcp_sa"], "source_uid": row["uid"]}
            )  # fmt: skip
    for row in store.read(AWS_AUTH_MAPS):
        try:
            data = json.loads(row["data"] or "{}")
        except ValueError:
            continue
        for mapping in parse_aws_auth(data).mappings:  # the one aws-auth reader (the transform's too)
            if not mapping.arn:
                continue
            username = mapping.username or ""
            pending.append(
                {"cluster": row["cluster"], "mechanism": f"aws-auth {mapping.section}", "direction": "cloud → cluster",
                 "k8s_uid": None, "k8s_identity": f"user:{username}" if username else "", "k8s_groups": mapping.groups,
                 "cloud": "aws", "account": aws_account(mapping.arn), "cloud_identity": mapping.arn,
                 "source_uid": row["uid"], "username": mapping.kube_username}
            )  # fmt: skip
    names = sorted(
        {p["username"] for p in pending if p.get("username")} | {g for p in pending for g in p["k8s_groups"]}
    )
    subjects: dict[tuple[str, str, str], str] = {}
    if names:
        for row in store.read(KUBE_SUBJECTS, {"names": names}):
            subjects[(row["cluster"], row["kind"], row["name"])] = row["uid"]
    keys = sorted({p["cloud_identity"] for p in pending})
    cloud_nodes = {row["key"]: row["uid"] for row in store.read(CLOUD_IDENTITIES, {"keys": keys})} if keys else {}
    links = []
    for p in pending:
        username = p.pop("username", None)
        if username:
            p["k8s_uid"] = subjects.get((p["cluster"], "user", username))
        links.append(IdentityLink(**p, cloud_uid=cloud_nodes.get(p["cloud_identity"])))
    return sorted(links, key=lambda link: (link.cluster, link.cloud, link.account, link.k8s_identity, link.mechanism))


# Edge labels in the joint review graph (not attack edges: what the cluster configuration declares).
MECHANISM_EDGES = {
    "IRSA": "IRSA",
    "GKE Workload Identity": "WORKLOAD_IDENTITY",
    "aws-auth mapRoles": "AWS_AUTH_MAP_ROLES",
    "aws-auth mapUsers": "AWS_AUTH_MAP_USERS",
}
JOINT_X_GAP = 420
# The kinds on the cluster side of the joint review graph (they open the entity panel when clicked).
CLUSTER_IDENTITY_KINDS = frozenset({"ServiceAccount", "KubeUser", "KubeGroup"})


def _identity_uid(cluster: str, identity: str) -> str:
    """The uid of `sa:NS/NAME` or `user:NAME` as the cluster names it (drawn even when not in the graph)."""
    kind, _, name = identity.partition(":")
    if kind == "sa":
        namespace, _, account = name.partition("/")
        return uids.service_account_uid(cluster, namespace, account)
    return uids.user_uid(cluster, name)


def joint_view(links: Sequence[IdentityLink], cap: int = NODE_CAP) -> GraphView:
    """Cluster identities on the left, cloud identities on the right; edges say who becomes whom."""
    nodes: dict[str, NodeRef] = {}
    ranks: dict[str, int] = {}
    steps: list[Step] = []
    for link in links:
        cloud_node = link.cloud_uid or f"{link.cloud}:{link.cloud_identity}"
        nodes.setdefault(cloud_node, NodeRef(cloud_node, "CloudIdentity", link.cloud_identity.split("/")[-1]))
        ranks[cloud_node] = 1
        cluster_side = []
        if link.k8s_identity:
            label = "ServiceAccount" if link.k8s_identity.startswith("sa:") else "KubeUser"
            k8s_node = link.k8s_uid or _identity_uid(link.cluster, link.k8s_identity)
            nodes.setdefault(k8s_node, NodeRef(k8s_node, label, link.k8s_identity.split(":", 1)[1].split("/")[-1]))
            cluster_side.append(k8s_node)
        for group in link.k8s_groups:
            uid = uids.group_uid(link.cluster, group)
            nodes.setdefault(uid, NodeRef(uid, "KubeGroup", group))
            cluster_side.append(uid)
        for uid in cluster_side:
            ranks[uid] = 0
            edge_type = MECHANISM_EDGES.get(link.mechanism, "MAPS_TO")
            if link.direction == "cluster → cloud":
                steps.append(
                    Step(uid, edge_type, cloud_node, f"{link.mechanism}: declared on {short_uid(link.source_uid)}")
                )
            else:
                steps.append(
                    Step(cloud_node, edge_type, uid, f"{link.mechanism}: declared on {short_uid(link.source_uid)}")
                )
    return graph_view(steps=steps, nodes=nodes, ranks=ranks, cap=cap, x_gap=JOINT_X_GAP)


def generated_statements() -> list[tuple[str, str]]:
    return [
        ("ui/workload-identity", WORKLOAD_IDENTITY_SAS),
        ("ui/aws-auth", AWS_AUTH_MAPS),
        ("ui/kube-subjects", KUBE_SUBJECTS),
        ("ui/cloud-identities", CLOUD_IDENTITIES),
    ]
