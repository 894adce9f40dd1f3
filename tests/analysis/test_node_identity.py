"""A taken node acts as its kubelet (graph/planes/k8s/rules/node_identity.py), against the Node authorizer's
documented reach (kubernetes.io/docs/reference/access-authn-authz/node/): secrets referenced by, and tokens
for the service accounts of, the pods bound to the node; RBAC bound to system:nodes on top."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import yaml

from graph.analysis.catalogue import RULES, AttackEdge, load_catalogue, rules_for
from graph.planes.k8s import uids
from graph.planes.k8s.facts import ClusterFacts, facts_from_records
from graph.records import EdgeRecord, NodeRecord
from ingest.k8s.transform import transform_objects
from tests.analysis.conftest import CLUSTER, TWO_NODES, find, pairs

load_catalogue()
KUBELET_1 = uids.user_uid(CLUSTER, "system:node:n1")
KUBELET_2 = uids.user_uid(CLUSTER, "system:node:n2")
NODE_1 = "k8s:t:node:n1"

NODES = TWO_NODES

WORKLOADS = """
apiVersion: v1
kind: ServiceAccount
metadata: {name: web, namespace: shop}
---
apiVersion: v1
kind: ServiceAccount
metadata: {name: batch, namespace: shop}
---
apiVersion: v1
kind: ServiceAccount
metadata: {name: other, namespace: shop}
---
apiVersion: v1
kind: Secret
metadata: {name: db, namespace: shop}
type: Opaque
---
apiVersion: v1
kind: Secret
metadata: {name: api-key, namespace: shop}
type: Opaque
---
apiVersion: v1
kind: Secret
metadata: {name: registry, namespace: shop}
type: kubernetes.io/dockerconfigjson
---
apiVersion: v1
kind: Secret
metadata: {name: old-job, namespace: shop}
type: Opaque
---
apiVersion: v1
kind: Secret
metadata: {name: elsewhere, namespace: shop}
type: Opaque
---
apiVersion: v1
kind: Pod
metadata: {name: web-1, namespace: shop}
spec:
  nodeName: n1
  serviceAccountName: web
  automountServiceAccountToken: false
  imagePullSecrets: [{name: registry}]
  containers:
  - name: app
    image: shop/web
    env: [{name: KEY, valueFrom: {secretKeyRef: {name: api-key, key: key}}}]
    volumeMounts: [{name: db, mountPath: /etc/db}]
  volumes: [{name: db, secret: {secretName: db}}]
status: {phase: Running}
---
apiVersion: v1
kind: Pod
metadata: {name: job-1, namespace: shop}
spec:
  nodeName: n1
  serviceAccountName: batch
  containers:
  - name: run
    image: shop/job
    envFrom: [{secretRef: {name: old-job}}]
status: {phase: Succeeded}
---
apiVersion: v1
kind: Pod
metadata: {name: other-1, namespace: shop}
spec:
  nodeName: n2
  serviceAccountName: other
  containers:
  - name: app
    image: shop/other
    envFrom: [{secretRef: {name: elsewhere}}]
status: {phase: Running}
"""


def with_kubelet_identities(
    nodes: list[NodeRecord], edges: list[EdgeRecord], cluster: str = CLUSTER
) -> tuple[list[NodeRecord], list[EdgeRecord]]:
    """What ingest is to add for each Node (until it does): the KubeUser system:node:<name>, implicit,
    MEMBER_OF system:nodes."""
    group_uid = uids.group_uid(cluster, "system:nodes")
    extra_nodes, extra_edges = [], []
    if not any(node.uid == group_uid for node in nodes):
        extra_nodes.append(NodeRecord("KubeGroup", group_uid, {"name": "system:nodes", "kind": "Group"}))
    for node in nodes:
        if node.kind != "Node":
            continue
        name = str(node.props["name"])
        user_uid = uids.user_uid(cluster, f"system:node:{name}")
        if any(existing.uid == user_uid for existing in nodes):
            continue
        extra_nodes.append(
            NodeRecord(
                "KubeUser",
                user_uid,
                {"name": f"system:node:{name}", "kind": "User", "implicit": True, "kubelet_node": name},
            )
        )
        extra_edges.append(EdgeRecord("MEMBER_OF", "KubeUser", user_uid, "KubeGroup", group_uid, {"implicit": True}))
    return nodes + extra_nodes, edges + extra_edges


def node_facts(manifests: str, identities: bool = True) -> ClusterFacts:
    """Facts for these objects, with the kubelet identities ingest adds for each Node."""
    objects: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for document in yaml.safe_load_all(manifests):
        if document:
            objects[document["kind"]].append(document)
    records = transform_objects(CLUSTER, objects, collected_kinds=set(objects))
    assert not records.problems, records.problems
    nodes, edges = list(records.nodes), list(records.edges)
    if identities:
        nodes, edges = with_kubelet_identities(nodes, edges)
    else:  # as if ingest had not recorded them
        nodes = [node for node in nodes if not str(node.props.get("name", "")).startswith("system:node:")]
    return facts_from_records(CLUSTER, nodes, edges)


NODE_AUTHORIZER_RULES = {
    "CAN_READ_SECRET": "k8s.node-authorizer.read-secret",
    "CAN_CREATE_TOKEN": "k8s.node-authorizer.create-token",
}


def from_kubelet(edge_type: str, facts: ClusterFacts, kubelet: str = KUBELET_1) -> dict[str, AttackEdge]:
    """What the Node authorizer rule of this type gives the kubelet identity."""
    edges = RULES[NODE_AUTHORIZER_RULES[edge_type]].find(facts)
    return {edge.dst_uid: edge for edge in edges if edge.src_uid == kubelet}


def test_a_node_acts_as_its_kubelet() -> None:
    facts = node_facts(NODES)
    edges = find("NODE_ACTS_AS_KUBELET", facts)
    assert pairs(edges) == {(NODE_1, KUBELET_1), ("k8s:t:node:n2", KUBELET_2)}
    reason = next(edge.reason for edge in edges if edge.src_uid == NODE_1)
    assert "/var/lib/kubelet/pki" in reason and "system:node:n1" in reason and "system:nodes" in reason


def test_an_eks_node_acts_as_its_kubelet_through_its_iam_role() -> None:
    eks = NODES.replace("v1.30.2}", "v1.30.2-eks-036c24b}", 1)
    edges = [edge for edge in find("NODE_ACTS_AS_KUBELET", node_facts(eks)) if edge.src_uid == NODE_1]
    assert len(edges) == 1 and "IAM role" in edges[0].reason and "instance metadata" in edges[0].reason


def test_without_an_identity_node_there_is_no_edge() -> None:
    facts = node_facts(NODES + "---" + WORKLOADS, identities=False)
    assert find("NODE_ACTS_AS_KUBELET", facts) == []
    for edge_type in NODE_AUTHORIZER_RULES:
        assert from_kubelet(edge_type, facts) == {} and from_kubelet(edge_type, facts, KUBELET_2) == {}


def test_the_kubelet_gets_the_secrets_its_live_pods_reference() -> None:
    facts = node_facts(NODES + "---" + WORKLOADS)
    reads = from_kubelet("CAN_READ_SECRET", facts)
    # volume, env secretKeyRef, imagePullSecrets; not the finished job's envFrom, not another node's pod's.
    assert set(reads) == {uids.secret_uid(CLUSTER, "shop", name) for name in ("db", "api-key", "registry")}
    reason = reads[uids.secret_uid(CLUSTER, "shop", "db")].reason
    assert "Node authorizer" in reason and "shop/web-1" in reason and "n1" in reason
    assert set(from_kubelet("CAN_READ_SECRET", facts, KUBELET_2)) == {uids.secret_uid(CLUSTER, "shop", "elsewhere")}


def test_the_kubelet_mints_tokens_for_its_live_pods_accounts_even_without_automount() -> None:
    facts = node_facts(NODES + "---" + WORKLOADS)
    tokens = from_kubelet("CAN_CREATE_TOKEN", facts)
    assert set(tokens) == {uids.service_account_uid(CLUSTER, "shop", "web")}  # web-1 has automount off
    assert "serviceaccounts/token" in tokens[uids.service_account_uid(CLUSTER, "shop", "web")].reason
    assert set(from_kubelet("CAN_CREATE_TOKEN", facts, KUBELET_2)) == {
        uids.service_account_uid(CLUSTER, "shop", "other")
    }


def test_a_node_without_pods_gets_only_its_identity() -> None:
    facts = node_facts(NODES)
    assert from_kubelet("CAN_READ_SECRET", facts) == {}
    assert from_kubelet("CAN_CREATE_TOKEN", facts) == {}


def test_the_node_authorizer_rules_produce_the_rbac_edge_types() -> None:
    for edge_type, rule_id in NODE_AUTHORIZER_RULES.items():
        assert rule_id in {rule.id for rule in rules_for(edge_type)}
        assert RULES[rule_id].remediation


SYSTEM_NODES_BINDING = """
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: read-all-secrets}
rules: [{apiGroups: [""], resources: [secrets], verbs: [get]}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: nodes-read-secrets}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: read-all-secrets}
subjects: [{apiGroup: rbac.authorization.k8s.io, kind: Group, name: "system:nodes"}]
"""


def test_rbac_bound_to_system_nodes_reaches_the_kubelet_identity() -> None:
    facts = node_facts(NODES + "---" + WORKLOADS + "---" + SYSTEM_NODES_BINDING)
    elsewhere = uids.secret_uid(CLUSTER, "shop", "elsewhere")  # on n2's pod only: n1 reaches it through RBAC
    edge = next(e for e in find("CAN_READ_SECRET", facts) if (e.src_uid, e.dst_uid) == (KUBELET_1, elsewhere))
    assert "nodes-read-secrets" in edge.reason
    assert [e for e in RULES["k8s.rbac.read_secret"].find(facts) if (e.src_uid, e.dst_uid) == (KUBELET_1, elsewhere)]


def test_a_kubelet_identity_with_no_extra_rbac_gets_only_node_authorizer_edges() -> None:
    facts = node_facts(NODES + "---" + WORKLOADS)
    rbac_rules = [rule for rule_id, rule in RULES.items() if rule_id.startswith("k8s.rbac.")]
    from_rbac = [edge for rule in rbac_rules for edge in rule.find(facts) if edge.src_uid == KUBELET_1]
    assert from_rbac == []
