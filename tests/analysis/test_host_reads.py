"""Reads of the node short of taking it (graph/planes/k8s/rules/host_reads.py): the kubelet's credentials,
a control-plane node's admin credentials and etcd data through hostPath, other pods through hostPID.

Sources: kubeadm's PKI layout (kubernetes.io/docs/setup/best-practices/certificates/), the Node authorizer
(kubernetes.io/docs/reference/access-authn-authz/node/), ptrace(2) "Ptrace access mode checking", BishopFox
badPods' hostpid pod."""

from __future__ import annotations

from graph.analysis.catalogue import AttackEdge
from graph.planes.k8s import uids
from graph.planes.k8s.facts import ClusterFacts
from graph.planes.k8s.rules.host_reads import process_credentials
from tests.analysis.conftest import CLUSTER, TWO_NODES, find, pairs
from tests.analysis.test_node_identity import node_facts

KUBELET_1 = uids.user_uid(CLUSTER, "system:node:n1")
CLUSTER_ADMIN = uids.cluster_admin_uid(CLUSTER)
OURS = (
    "HOST_READ_KUBELET_CREDENTIALS",
    "HOST_READ_CLUSTER_ADMIN_CREDENTIALS",
    "HOST_READ_ETCD_DATA",
    "HOST_PID_READ_TOKENS",
    "HOST_PID_READ_SECRETS",
)

NODES = (
    TWO_NODES
    + """
---
apiVersion: v1
kind: Node
metadata: {name: eks1}
status: {nodeInfo: {containerRuntimeVersion: "containerd://1.7.13", kubeletVersion: v1.30.2-eks-036c24b}}
---
apiVersion: v1
kind: Node
metadata:
  name: cp1
  labels: {node-role.kubernetes.io/control-plane: ""}
status: {nodeInfo: {containerRuntimeVersion: "containerd://1.7.13", kubeletVersion: v1.30.2}}
---
apiVersion: v1
kind: Node
metadata: {name: cp2}
status: {nodeInfo: {containerRuntimeVersion: "containerd://1.7.13", kubeletVersion: v1.30.2}}
---
apiVersion: v1
kind: Pod
metadata: {name: kube-apiserver-cp2, namespace: kube-system}
spec:
  nodeName: cp2
  containers: [{name: kube-apiserver, image: registry.k8s.io/kube-apiserver:v1.30.2}]
status: {phase: Running}
---
apiVersion: v1
kind: Secret
metadata: {name: db, namespace: shop}
type: Opaque
"""
)


def host_path_pod(
    name: str, node: str, path: str, read_only: bool = True, security: str = "{}", pod_extra: str = ""
) -> str:
    return f"""
---
apiVersion: v1
kind: Pod
metadata: {{name: {name}, namespace: agents}}
spec:
  nodeName: {node}
  {pod_extra}
  containers:
  - name: c
    image: agent
    securityContext: {security}
    volumeMounts: [{{name: host, mountPath: /host, readOnly: {str(read_only).lower()}}}]
  volumes: [{{name: host, hostPath: {{path: {path}}}}}]
status: {{phase: Running}}
"""


def container(pod: str, namespace: str = "agents", name: str = "c") -> str:
    return f"k8s:t:container:{namespace}/{pod}/{name}"


def ours_from(facts: ClusterFacts, source: str) -> dict[str, list[AttackEdge]]:
    found = {edge_type: [edge for edge in find(edge_type, facts) if edge.src_uid == source] for edge_type in OURS}
    return {edge_type: edges for edge_type, edges in found.items() if edges}


NEVER_ROOT = "{runAsUser: 1000, allowPrivilegeEscalation: false}"

# --------------------------------------------------------------------------------------------------
# The kubelet's credentials
# --------------------------------------------------------------------------------------------------


def test_a_read_only_kubelet_directory_gives_the_kubelet_identity_not_the_node() -> None:
    facts = node_facts(NODES + host_path_pod("reader", "n1", "/var/lib/kubelet"))
    edges = ours_from(facts, container("reader"))
    assert set(edges) == {"HOST_READ_KUBELET_CREDENTIALS"}
    [edge] = edges["HOST_READ_KUBELET_CREDENTIALS"]
    assert (edge.dst_kind, edge.dst_uid) == ("KubeUser", KUBELET_1)
    assert "/var/lib/kubelet/pki" in edge.reason and "system:node:n1" in edge.reason
    assert all(edge.dst_kind != "Node" for edges_of_type in edges.values() for edge in edges_of_type)


def test_the_kubelet_kubeconfig_under_etc_kubernetes_counts_on_a_worker_but_gives_no_cluster_admin() -> None:
    facts = node_facts(NODES + host_path_pod("reader", "n1", "/etc/kubernetes"))
    edges = ours_from(facts, container("reader"))
    assert set(edges) == {"HOST_READ_KUBELET_CREDENTIALS"}
    assert "/etc/kubernetes/kubelet.conf" in edges["HOST_READ_KUBELET_CREDENTIALS"][0].reason


def test_no_kubelet_credential_edge_on_eks_nor_for_never_root_nor_for_unrelated_paths() -> None:
    facts = node_facts(
        NODES
        + host_path_pod("eks", "eks1", "/var/lib/kubelet")
        + host_path_pod("nonroot", "n1", "/var/lib/kubelet", security=NEVER_ROOT)
        + host_path_pod("logs", "n1", "/var/log")
        + host_path_pod("userns", "n1", "/var/lib/kubelet", pod_extra="hostUsers: false")
    )
    for pod in ("eks", "nonroot", "logs", "userns"):
        assert ours_from(facts, container(pod)) == {}, pod


def test_a_writable_mount_that_takes_the_node_gets_no_read_edge() -> None:
    facts = node_facts(NODES + host_path_pod("writer", "n1", "/var/lib/kubelet", read_only=False))
    assert ours_from(facts, container("writer")) == {}
    assert pairs(find("CE_HOSTPATH_WRITE", facts)) == {(container("writer"), "k8s:t:node:n1")}


def test_without_the_identity_node_there_is_no_kubelet_credential_edge() -> None:
    facts = node_facts(NODES + host_path_pod("reader", "n1", "/var/lib/kubelet"), identities=False)
    assert ours_from(facts, container("reader")) == {}


# --------------------------------------------------------------------------------------------------
# Control-plane nodes
# --------------------------------------------------------------------------------------------------


def test_etc_kubernetes_on_a_labelled_control_plane_node_gives_cluster_admin() -> None:
    facts = node_facts(NODES + host_path_pod("reader", "cp1", "/etc/kubernetes"))
    edges = ours_from(facts, container("reader"))
    [edge] = edges["HOST_READ_CLUSTER_ADMIN_CREDENTIALS"]
    assert (edge.dst_kind, edge.dst_uid) == ("ClusterAdmin", CLUSTER_ADMIN)
    assert "admin.conf" in edge.reason and "control-plane" in edge.reason
    assert "HOST_READ_ETCD_DATA" not in edges


def test_a_static_apiserver_pod_marks_a_control_plane_node() -> None:
    facts = node_facts(NODES + host_path_pod("reader", "cp2", "/etc/kubernetes/pki"))
    [edge] = ours_from(facts, container("reader"))["HOST_READ_CLUSTER_ADMIN_CREDENTIALS"]
    assert "kube-system/kube-apiserver-cp2" in edge.reason and "ca.key" in edge.reason


def test_harmless_control_plane_files_and_never_root_readers_give_nothing() -> None:
    facts = node_facts(
        NODES
        + host_path_pod("cert", "cp1", "/etc/kubernetes/pki/ca.crt")
        + host_path_pod("manifests", "cp1", "/etc/kubernetes/manifests")
        + host_path_pod("nonroot", "cp1", "/etc/kubernetes", security=NEVER_ROOT)
    )
    for pod in ("cert", "manifests", "nonroot"):
        assert "HOST_READ_CLUSTER_ADMIN_CREDENTIALS" not in ours_from(facts, container(pod)), pod


def test_etcd_data_on_a_control_plane_node_gives_every_secret_not_cluster_admin() -> None:
    facts = node_facts(
        NODES + host_path_pod("reader", "cp1", "/var/lib/etcd") + host_path_pod("w", "n1", "/var/lib/etcd")
    )
    edges = ours_from(facts, container("reader"))
    assert set(edges) == {"HOST_READ_ETCD_DATA"}
    assert {edge.dst_uid for edge in edges["HOST_READ_ETCD_DATA"]} == {uids.secret_uid(CLUSTER, "shop", "db")}
    assert ours_from(facts, container("w")) == {}  # a worker has no etcd data


def test_the_whole_root_of_a_control_plane_node_gives_all_three() -> None:
    facts = node_facts(NODES + host_path_pod("reader", "cp1", "/"))
    assert set(ours_from(facts, container("reader"))) == {
        "HOST_READ_KUBELET_CREDENTIALS",
        "HOST_READ_CLUSTER_ADMIN_CREDENTIALS",
        "HOST_READ_ETCD_DATA",
    }


# --------------------------------------------------------------------------------------------------
# hostPID alone
# --------------------------------------------------------------------------------------------------

NEIGHBOURS = """
---
apiVersion: v1
kind: ServiceAccount
metadata: {name: web, namespace: shop}
---
apiVersion: v1
kind: ServiceAccount
metadata: {name: app1000, namespace: shop}
---
apiVersion: v1
kind: ServiceAccount
metadata: {name: priv, namespace: shop}
---
apiVersion: v1
kind: ServiceAccount
metadata: {name: far, namespace: shop}
---
apiVersion: v1
kind: ServiceAccount
metadata: {name: done, namespace: shop}
---
apiVersion: v1
kind: Pod
metadata: {name: web, namespace: shop}
spec:
  nodeName: n1
  serviceAccountName: web
  containers:
  - name: app
    image: web
    env: [{name: DB, valueFrom: {secretKeyRef: {name: db, key: password}}}]
status: {phase: Running}
---
apiVersion: v1
kind: Pod
metadata: {name: app1000, namespace: shop}
spec:
  nodeName: n1
  serviceAccountName: app1000
  securityContext: {runAsUser: 1000}
  containers: [{name: app, image: app}]
status: {phase: Running}
---
apiVersion: v1
kind: Pod
metadata: {name: priv, namespace: shop}
spec:
  nodeName: n1
  serviceAccountName: priv
  containers: [{name: app, image: app, securityContext: {privileged: true}}]
status: {phase: Running}
---
apiVersion: v1
kind: Pod
metadata: {name: far, namespace: shop}
spec:
  nodeName: n2
  serviceAccountName: far
  containers: [{name: app, image: app}]
status: {phase: Running}
---
apiVersion: v1
kind: Pod
metadata: {name: done, namespace: shop}
spec:
  nodeName: n1
  serviceAccountName: done
  containers: [{name: app, image: app}]
status: {phase: Succeeded}
"""


def host_pid_pod(name: str, security: str = "{}", pod_extra: str = "") -> str:
    return f"""
---
apiVersion: v1
kind: Pod
metadata: {{name: {name}, namespace: agents}}
spec:
  nodeName: n1
  hostPID: true
  automountServiceAccountToken: false
  {pod_extra}
  containers: [{{name: c, image: agent, securityContext: {security}}}]
status: {{phase: Running}}
"""


def sa(name: str) -> str:
    return uids.service_account_uid(CLUSTER, "shop", name)


def test_root_with_host_pid_reads_root_neighbours_tokens_and_secrets() -> None:
    facts = node_facts(NODES + NEIGHBOURS + host_pid_pod("snoop"))
    edges = ours_from(facts, container("snoop"))
    assert set(edges) == {"HOST_PID_READ_TOKENS", "HOST_PID_READ_SECRETS"}
    # not app1000 (another uid), priv (more capabilities), far (another node), done (finished)
    assert {edge.dst_uid for edge in edges["HOST_PID_READ_TOKENS"]} == {sa("web")}
    assert {edge.dst_uid for edge in edges["HOST_PID_READ_SECRETS"]} == {uids.secret_uid(CLUSTER, "shop", "db")}
    reason = edges["HOST_PID_READ_TOKENS"][0].reason
    assert "hostPID=true" in reason and "shop/web" in reason and "assumed root" in reason
    assert find("CE_SYS_PTRACE", facts) == [] and find("CE_NSENTER", facts) == []


def test_a_non_root_host_pid_container_reads_only_its_own_uid() -> None:
    facts = node_facts(
        NODES + NEIGHBOURS + host_pid_pod("uid1000", "{runAsUser: 1000}") + host_pid_pod("uid2000", "{runAsUser: 2000}")
    )
    tokens = ours_from(facts, container("uid1000"))["HOST_PID_READ_TOKENS"]
    assert {edge.dst_uid for edge in tokens} == {sa("app1000")}
    assert ours_from(facts, container("uid2000")) == {}


def test_never_root_and_run_as_non_root_host_pid_containers_get_nothing_from_root_neighbours() -> None:
    facts = node_facts(
        NODES
        + NEIGHBOURS.replace("runAsUser: 1000", "runAsUser: 0")
        + host_pid_pod("never", NEVER_ROOT)
        + host_pid_pod("nonroot", "{runAsNonRoot: true}")
    )
    assert ours_from(facts, container("never")) == {}
    assert ours_from(facts, container("nonroot")) == {}


def test_dropping_capabilities_loses_the_ptrace_read_check() -> None:
    facts = node_facts(NODES + NEIGHBOURS + host_pid_pod("dropped", "{capabilities: {drop: [ALL]}}"))
    assert ours_from(facts, container("dropped")) == {}


def test_host_pid_containers_that_take_the_node_get_no_read_edge() -> None:
    facts = node_facts(
        NODES
        + NEIGHBOURS
        + host_pid_pod("ptrace", "{capabilities: {add: [SYS_PTRACE]}}")
        + host_pid_pod("privileged", "{privileged: true}")
    )
    assert ours_from(facts, container("ptrace")) == {}
    assert ours_from(facts, container("privileged")) == {}
    assert container("ptrace") in {edge.src_uid for edge in find("CE_SYS_PTRACE", facts)}


def test_user_namespaced_and_pid_private_pods_read_nothing() -> None:
    facts = node_facts(
        NODES + NEIGHBOURS + host_pid_pod("userns", pod_extra="hostUsers: false") + host_path_pod("plain", "n1", "/tmp")
    )
    assert ours_from(facts, container("userns")) == {}
    assert ours_from(facts, container("plain")) == {}


def test_process_credentials_follow_the_runtimes_add_drop_order() -> None:
    facts = node_facts(NODES + host_pid_pod("x", "{capabilities: {add: [ALL], drop: [NET_RAW]}}"))
    node = facts.nodes["k8s:t:node:n1"]
    credentials = process_credentials(facts.of("Container")[container("x")], node)
    assert credentials.uid == 0 and "SYS_ADMIN" in credentials.capabilities
    assert "NET_RAW" not in credentials.capabilities
