"""Workload-to-node rules (graph/analysis/escapes.py) against public descriptions.

Fixtures are BishopFox badPods' eight pods (github.com/BishopFox/badPods/tree/main/manifests, namespace and
nodeName added: a pod needs both to be in the graph and on a node), the capability and hostPath variants of
KubeHound's attack reference (kubehound.io/reference/attacks), Aqua's /var/log symlink write-up and the Node
authorizer's documented reach (kubernetes.io/docs/reference/access-authn-authz/node/).
"""

from __future__ import annotations

import pytest

from graph.analysis.catalogue import AttackEdge
from graph.planes.k8s.facts import ClusterFacts
from graph.planes.k8s.rules.escapes import HostLocation, host_path_seen
from tests.analysis.conftest import TWO_NODES, facts_for, find, pairs

ESCAPES = (
    "CE_PRIVILEGED",
    "CE_NSENTER",
    "CE_SYS_MODULE",
    "CE_SYS_ADMIN",
    "CE_SYS_PTRACE",
    "CE_HOSTPATH_WRITE",
    "CE_RUNTIME_SOCKET",
)
HOST_READS = ("HOST_READ_TOKENS", "HOST_READ_SECRETS")
FAMILY = ESCAPES + HOST_READS

NODE_1 = "k8s:t:node:n1"

NODES = TWO_NODES


def container(pod: str, name: str, namespace: str = "default") -> str:
    return f"k8s:t:container:{namespace}/{pod}/{name}"


def edges_from(facts: ClusterFacts, source: str, edge_types: tuple[str, ...] = FAMILY) -> dict[str, list[AttackEdge]]:
    """Every edge of this family that starts at `source`, by type (types without an edge left out)."""
    found = {edge_type: [e for e in find(edge_type, facts) if e.src_uid == source] for edge_type in edge_types}
    return {edge_type: edges for edge_type, edges in found.items() if edges}


def single_reason(edge_type: str, facts: ClusterFacts, source: str) -> str:
    edges = [edge for edge in find(edge_type, facts) if edge.src_uid == source]
    assert len(edges) == 1, edges
    return edges[0].reason


def pod(name: str, spec: str, namespace: str = "default", node: str | None = "n1", extra: str = "") -> str:
    """A pod manifest; `spec` is the indented body under `spec:` (without nodeName)."""
    node_line = f"  nodeName: {node}\n" if node else ""
    return f"""
---
apiVersion: v1
kind: Pod
metadata: {{name: {name}, namespace: {namespace}}}
spec:
{node_line}{spec}
{extra}"""


# --------------------------------------------------------------------------------------------------
# badPods: the eight pods
# --------------------------------------------------------------------------------------------------

BAD_PODS = NODES + (
    pod(
        "everything-allowed-exec-pod",
        """  hostNetwork: true
  hostPID: true
  hostIPC: true
  containers:
  - name: everything-allowed-pod
    image: ubuntu
    securityContext: {privileged: true}
    volumeMounts: [{mountPath: /host, name: noderoot}]
  volumes:
  - name: noderoot
    hostPath: {path: /}""",
    )
    + pod(
        "priv-and-hostpid-exec-pod",
        """  hostPID: true
  containers:
  - name: priv-and-hostpid-pod
    image: ubuntu
    securityContext: {privileged: true}""",
    )
    + pod(
        "priv-exec-pod",
        """  containers:
  - name: priv-pod
    image: ubuntu
    securityContext: {privileged: true}""",
    )
    + pod(
        "hostpath-exec-pod",
        """  containers:
  - name: hostpath-exec-pod
    image: busybox
    volumeMounts: [{mountPath: /host, name: noderoot}]
  volumes:
  - name: noderoot
    hostPath: {path: /}""",
    )
    + pod(
        "hostpid-exec-pod",
        """  hostPID: true
  containers:
  - {name: hostpid-pod, image: ubuntu}""",
    )
    + pod(
        "hostnetwork-exec-pod",
        """  hostNetwork: true
  containers:
  - {name: hostnetwork-pod, image: ubuntu}""",
    )
    + pod(
        "hostipc-exec-pod",
        """  hostIPC: true
  containers:
  - {name: hostipc-pod, image: ubuntu}""",
    )
    + pod(
        "nothing-allowed-exec-pod",
        """  containers:
  - {name: nothing-allowed-pod, image: ubuntu}""",
    )
)


@pytest.fixture(scope="module")
def bad_pods() -> ClusterFacts:
    return facts_for(BAD_PODS)


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        (
            container("everything-allowed-exec-pod", "everything-allowed-pod"),
            {"CE_PRIVILEGED", "CE_NSENTER", "CE_HOSTPATH_WRITE", "CE_RUNTIME_SOCKET"},
        ),
        (container("priv-and-hostpid-exec-pod", "priv-and-hostpid-pod"), {"CE_PRIVILEGED", "CE_NSENTER"}),
        (container("priv-exec-pod", "priv-pod"), {"CE_PRIVILEGED"}),
        (container("hostpath-exec-pod", "hostpath-exec-pod"), {"CE_HOSTPATH_WRITE", "CE_RUNTIME_SOCKET"}),
        # ATTACKS.md: hostPID, hostNetwork and hostIPC alone are not escapes.
        (container("hostpid-exec-pod", "hostpid-pod"), set()),
        (container("hostnetwork-exec-pod", "hostnetwork-pod"), set()),
        (container("hostipc-exec-pod", "hostipc-pod"), set()),
        (container("nothing-allowed-exec-pod", "nothing-allowed-pod"), set()),
    ],
)
def test_bad_pods_escape_exactly_as_badpods_describes(bad_pods: ClusterFacts, source: str, expected: set[str]) -> None:
    assert set(edges_from(bad_pods, source)) == expected


def test_bad_pods_escapes_point_at_the_pods_node(bad_pods: ClusterFacts) -> None:
    assert pairs(find("CE_NSENTER", bad_pods)) == {
        (container("everything-allowed-exec-pod", "everything-allowed-pod"), NODE_1),
        (container("priv-and-hostpid-exec-pod", "priv-and-hostpid-pod"), NODE_1),
    }
    assert pairs(find("CE_PRIVILEGED", bad_pods)) == {
        (container("everything-allowed-exec-pod", "everything-allowed-pod"), NODE_1),
        (container("priv-and-hostpid-exec-pod", "priv-and-hostpid-pod"), NODE_1),
        (container("priv-exec-pod", "priv-pod"), NODE_1),
    }


def test_bad_pods_reasons_name_container_pod_and_fields(bad_pods: ClusterFacts) -> None:
    source = container("priv-and-hostpid-exec-pod", "priv-and-hostpid-pod")
    reason = single_reason("CE_NSENTER", bad_pods, source)
    assert 'container "priv-and-hostpid-pod" of pod default/priv-and-hostpid-exec-pod' in reason
    assert "privileged=true" in reason and "hostPID=true" in reason
    reason = single_reason("CE_HOSTPATH_WRITE", bad_pods, container("hostpath-exec-pod", "hostpath-exec-pod"))
    assert 'hostPath "/" mounted read-write at /host' in reason


# --------------------------------------------------------------------------------------------------
# Capabilities
# --------------------------------------------------------------------------------------------------


def capability_pod(name: str, security_context: str, host_pid: bool = False) -> str:
    pid_line = "  hostPID: true\n" if host_pid else ""
    return pod(
        name,
        f"""{pid_line}  containers:
  - name: app
    image: ubuntu
    securityContext: {security_context}""",
    )


def test_sys_module_gives_module_loading_and_nothing_else() -> None:
    facts = facts_for(NODES + capability_pod("mod", "{capabilities: {add: [SYS_MODULE]}}"))
    source = container("mod", "app")
    assert set(edges_from(facts, source)) == {"CE_SYS_MODULE"}
    assert pairs(find("CE_SYS_MODULE", facts)) == {(source, NODE_1)}
    assert "capabilities.add includes SYS_MODULE" in single_reason("CE_SYS_MODULE", facts, source)


def test_sys_admin_reason_says_when_seccomp_and_apparmor_are_off() -> None:
    facts = facts_for(
        NODES
        + capability_pod("confined", "{capabilities: {add: [SYS_ADMIN]}, seccompProfile: {type: RuntimeDefault}}")
        + capability_pod(
            "loose",
            "{capabilities: {add: [SYS_ADMIN]}, seccompProfile: {type: Unconfined}, "
            "appArmorProfile: {type: Unconfined}}",
        )
    )
    assert pairs(find("CE_SYS_ADMIN", facts)) == {
        (container("confined", "app"), NODE_1),
        (container("loose", "app"), NODE_1),
    }
    confined = single_reason("CE_SYS_ADMIN", facts, container("confined", "app"))
    assert "capabilities.add includes SYS_ADMIN" in confined and "Unconfined" not in confined
    loose = single_reason("CE_SYS_ADMIN", facts, container("loose", "app"))
    assert "seccomp Unconfined" in loose and "AppArmor Unconfined" in loose


@pytest.mark.parametrize("spelling", ["CAP_SYS_ADMIN", "sys_admin", "cap_sys_admin"])
def test_capability_spellings_the_runtime_accepts(spelling: str) -> None:
    facts = facts_for(NODES + capability_pod("spelled", f"{{capabilities: {{add: [{spelling}]}}}}"))
    assert pairs(find("CE_SYS_ADMIN", facts)) == {(container("spelled", "app"), NODE_1)}


def test_all_capabilities_give_module_and_admin_but_ptrace_only_with_host_pid() -> None:
    facts = facts_for(
        NODES
        + capability_pod("all", "{capabilities: {add: [ALL]}}")
        + capability_pod("all-hostpid", "{capabilities: {add: [ALL]}}", host_pid=True)
    )
    assert set(edges_from(facts, container("all", "app"))) == {"CE_SYS_MODULE", "CE_SYS_ADMIN"}
    assert set(edges_from(facts, container("all-hostpid", "app"))) == {
        "CE_SYS_MODULE",
        "CE_SYS_ADMIN",
        "CE_SYS_PTRACE",
    }
    assert "includes ALL" in single_reason("CE_SYS_MODULE", facts, container("all", "app"))


def test_dropped_capabilities_win_as_the_runtime_applies_them() -> None:
    facts = facts_for(
        NODES
        + capability_pod("add-all-drop-all", "{capabilities: {add: [ALL], drop: [ALL]}}")
        + capability_pod("add-drop-same", "{capabilities: {add: [SYS_ADMIN], drop: [SYS_ADMIN]}}")
        + capability_pod("drop-all-add-one", "{capabilities: {add: [SYS_MODULE], drop: [ALL]}}")
    )
    assert edges_from(facts, container("add-all-drop-all", "app")) == {}
    assert edges_from(facts, container("add-drop-same", "app")) == {}
    assert set(edges_from(facts, container("drop-all-add-one", "app"))) == {"CE_SYS_MODULE"}


def test_sys_ptrace_needs_host_pid() -> None:
    facts = facts_for(
        NODES
        + capability_pod("ptrace-only", "{capabilities: {add: [SYS_PTRACE]}}")
        + capability_pod("ptrace-hostpid", "{capabilities: {add: [SYS_PTRACE]}}", host_pid=True)
    )
    assert edges_from(facts, container("ptrace-only", "app")) == {}
    assert pairs(find("CE_SYS_PTRACE", facts)) == {(container("ptrace-hostpid", "app"), NODE_1)}
    reason = single_reason("CE_SYS_PTRACE", facts, container("ptrace-hostpid", "app"))
    assert "hostPID=true" in reason and "SYS_PTRACE" in reason


def test_a_container_that_can_never_be_root_gets_no_capability_edge() -> None:
    facts = facts_for(
        NODES
        + capability_pod(
            "non-root", "{runAsUser: 1000, allowPrivilegeEscalation: false, capabilities: {add: [SYS_ADMIN]}}"
        )
        # Without allowPrivilegeEscalation: false a setuid binary can still make it root.
        + capability_pod("may-escalate", "{runAsUser: 1000, capabilities: {add: [SYS_ADMIN]}}")
    )
    assert pairs(find("CE_SYS_ADMIN", facts)) == {(container("may-escalate", "app"), NODE_1)}


# --------------------------------------------------------------------------------------------------
# hostPath writes and runtime sockets
# --------------------------------------------------------------------------------------------------


def host_path_pod(name: str, path: str, read_only: bool = False, sub_path: str | None = None) -> str:
    sub_path_text = f", subPath: {sub_path}" if sub_path else ""
    return pod(
        name,
        f"""  automountServiceAccountToken: false
  containers:
  - name: app
    image: ubuntu
    volumeMounts: [{{mountPath: /host, name: host, readOnly: {str(read_only).lower()}{sub_path_text}}}]
  volumes:
  - name: host
    hostPath: {{path: "{path}"}}""",
    )


@pytest.mark.parametrize(
    ("path", "named"),
    [
        ("/etc", "/etc/kubernetes/manifests"),
        ("/etc/", "/etc/kubernetes/manifests"),
        ("/etc/cron.d", "/etc/cron.d"),
        ("/etc/kubernetes/manifests", "/etc/kubernetes/manifests"),
        ("/root", "/root"),
        ("/home", "/home/*"),
        ("/home/ubuntu/.ssh", "/home/*/.ssh"),
        ("/var/lib/kubelet", "/var/lib/kubelet"),
        ("/var", "/var/spool/cron"),
        ("/proc/sys/kernel", "/proc/sys/kernel/core_pattern"),
        ("/usr", "/usr/bin"),
        ("/usr/local/bin", "/usr/local/bin"),
        ("/opt/cni/bin", "/opt/cni/bin"),
        ("/var/lib/containerd", "/var/lib/containerd"),
        ("/var/run", "/run"),
        ("/boot", "/boot"),
    ],
)
def test_writable_sensitive_host_paths_escape(path: str, named: str) -> None:
    facts = facts_for(NODES + host_path_pod("writer", path))
    assert pairs(find("CE_HOSTPATH_WRITE", facts)) == {(container("writer", "app"), NODE_1)}
    reason = single_reason("CE_HOSTPATH_WRITE", facts, container("writer", "app"))
    assert f'hostPath "{path}" mounted read-write at /host' in reason and named in reason


@pytest.mark.parametrize("path", ["/var/log/app", "/tmp/cache", "/etc/ssl/certs", "/home/ubuntu/projects", "/dev"])
def test_writable_harmless_host_paths_do_not_escape(path: str) -> None:
    facts = facts_for(NODES + host_path_pod("writer", path))
    assert edges_from(facts, container("writer", "app")) == {}


def test_read_only_sensitive_host_path_is_no_write_escape() -> None:
    facts = facts_for(NODES + host_path_pod("reader", "/etc", read_only=True))
    assert find("CE_HOSTPATH_WRITE", facts) == []


def test_sub_path_narrows_what_the_container_sees() -> None:
    facts = facts_for(NODES + host_path_pod("narrow", "/", sub_path="var/log/app"))
    assert edges_from(facts, container("narrow", "app")) == {}
    assert host_path_seen("/", "var/log/app") == "/var/log/app"


def test_a_container_that_can_never_be_root_cannot_write_root_owned_host_files() -> None:
    manifest = pod(
        "non-root",
        """  containers:
  - name: app
    image: ubuntu
    securityContext: {runAsNonRoot: true, allowPrivilegeEscalation: false}
    volumeMounts: [{mountPath: /host, name: host}]
  volumes:
  - name: host
    hostPath: {path: /etc}""",
    )
    assert find("CE_HOSTPATH_WRITE", facts_for(NODES + manifest)) == []


def test_read_only_docker_socket_still_escapes() -> None:
    facts = facts_for(NODES + host_path_pod("docker", "/var/run/docker.sock", read_only=True))
    source = container("docker", "app")
    assert set(edges_from(facts, source)) == {"CE_RUNTIME_SOCKET"}
    assert pairs(find("CE_RUNTIME_SOCKET", facts)) == {(source, NODE_1)}
    reason = single_reason("CE_RUNTIME_SOCKET", facts, source)
    assert 'hostPath "/var/run/docker.sock" mounted read-only' in reason and "/run/docker.sock (Docker)" in reason


def test_runtime_socket_directory_counts_and_the_nodes_runtime_is_named_first() -> None:
    facts = facts_for(NODES + host_path_pod("runtime-dir", "/run/containerd", read_only=True))
    reason = single_reason("CE_RUNTIME_SOCKET", facts, container("runtime-dir", "app"))
    assert "/run/containerd/containerd.sock (containerd)" in reason and "containerd://1.7.13" in reason


@pytest.mark.parametrize(
    "path",
    [
        "/var/log/app",
        # /var/run inside a mount of /var is a symlink the container resolves to its own /run.
        "/var",
        "/run/containerd/io.containerd.runtime.v2.task",
    ],
)
def test_paths_that_do_not_reach_a_runtime_socket(path: str) -> None:
    facts = facts_for(NODES + host_path_pod("no-socket", path, read_only=True))
    assert find("CE_RUNTIME_SOCKET", facts) == []


# --------------------------------------------------------------------------------------------------
# /var/log: an escape only with pods/log read
# --------------------------------------------------------------------------------------------------

VAR_LOG_POD = """
---
apiVersion: v1
kind: ServiceAccount
metadata: {name: logger, namespace: apps}
---
apiVersion: v1
kind: Pod
metadata: {name: log-writer, namespace: apps}
spec:
  nodeName: n1
  serviceAccountName: logger
  containers:
  - name: app
    image: ubuntu
    volumeMounts: [{mountPath: /var/log/host, name: logs}]
  volumes:
  - name: logs
    hostPath: {path: /var/log}
"""

POD_LOG_READER = """
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: log-reader, namespace: apps}
rules:
- apiGroups: [""]
  resources: [pods, pods/log]
  verbs: [get, list]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: logger-reads-logs, namespace: apps}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: log-reader}
subjects:
- {kind: ServiceAccount, name: logger, namespace: apps}
"""


def test_writable_var_log_with_pods_log_read_escapes() -> None:
    facts = facts_for(NODES + VAR_LOG_POD + POD_LOG_READER)
    source = container("log-writer", "app", namespace="apps")
    assert pairs(find("CE_HOSTPATH_WRITE", facts)) == {(source, NODE_1)}
    reason = single_reason("CE_HOSTPATH_WRITE", facts, source)
    assert 'hostPath "/var/log" mounted read-write' in reason
    assert "pods/log" in reason and 'RoleBinding "apps/logger-reads-logs"' in reason


def test_writable_var_log_without_pods_log_read_is_no_escape() -> None:
    facts = facts_for(NODES + VAR_LOG_POD)
    assert find("CE_HOSTPATH_WRITE", facts) == []


def test_writable_var_log_needs_the_token_that_carries_pods_log() -> None:
    no_token = VAR_LOG_POD.replace(
        "serviceAccountName: logger", "serviceAccountName: logger\n  automountServiceAccountToken: false"
    )
    facts = facts_for(NODES + no_token + POD_LOG_READER)
    assert find("CE_HOSTPATH_WRITE", facts) == []


def test_pods_log_for_another_pod_only_does_not_count() -> None:
    other_pod_only = POD_LOG_READER.replace(
        "  resources: [pods, pods/log]\n", "  resources: [pods, pods/log]\n  resourceNames: [some-other-pod]\n"
    )
    facts = facts_for(NODES + VAR_LOG_POD + other_pod_only)
    assert find("CE_HOSTPATH_WRITE", facts) == []


# --------------------------------------------------------------------------------------------------
# Read-only host access: tokens and secrets of pods on the same node
# --------------------------------------------------------------------------------------------------

NEIGHBOURS = """
---
apiVersion: v1
kind: ServiceAccount
metadata: {name: reader, namespace: monitoring}
---
apiVersion: v1
kind: ServiceAccount
metadata: {name: sa-mounted, namespace: apps}
---
apiVersion: v1
kind: ServiceAccount
metadata: {name: sa-no-automount, namespace: apps}
---
apiVersion: v1
kind: ServiceAccount
metadata: {name: sa-other-node, namespace: apps}
---
apiVersion: v1
kind: ServiceAccount
metadata: {name: sa-finished, namespace: apps}
---
apiVersion: v1
kind: Secret
metadata: {name: db-volume, namespace: apps}
type: Opaque
---
apiVersion: v1
kind: Secret
metadata: {name: api-key-env, namespace: apps}
type: Opaque
---
apiVersion: v1
kind: Secret
metadata: {name: registry, namespace: apps}
type: kubernetes.io/dockerconfigjson
---
apiVersion: v1
kind: Secret
metadata: {name: elsewhere, namespace: apps}
type: Opaque
---
apiVersion: v1
kind: Pod
metadata: {name: mounted, namespace: apps}
spec:
  nodeName: n1
  serviceAccountName: sa-mounted
  imagePullSecrets: [{name: registry}]
  containers:
  - name: app
    image: app
    env:
    - name: API_KEY
      valueFrom: {secretKeyRef: {name: api-key-env, key: key}}
    volumeMounts: [{mountPath: /db, name: db}]
  volumes:
  - name: db
    secret: {secretName: db-volume}
---
apiVersion: v1
kind: Pod
metadata: {name: no-automount, namespace: apps}
spec:
  nodeName: n1
  serviceAccountName: sa-no-automount
  automountServiceAccountToken: false
  containers:
  - {name: app, image: app}
---
apiVersion: v1
kind: Pod
metadata: {name: other-node, namespace: apps}
spec:
  nodeName: n2
  serviceAccountName: sa-other-node
  containers:
  - name: app
    image: app
    volumeMounts: [{mountPath: /s, name: s}]
  volumes:
  - name: s
    secret: {secretName: elsewhere}
---
apiVersion: v1
kind: Pod
metadata: {name: finished, namespace: apps}
spec:
  nodeName: n1
  serviceAccountName: sa-finished
  containers:
  - {name: app, image: app}
status: {phase: Succeeded}
"""


def reader_pod(path: str, read_only: bool = True) -> str:
    return f"""
---
apiVersion: v1
kind: Pod
metadata: {{name: node-agent, namespace: monitoring}}
spec:
  nodeName: n1
  serviceAccountName: reader
  automountServiceAccountToken: false
  containers:
  - name: agent
    image: agent
    volumeMounts: [{{mountPath: /host, name: host, readOnly: {str(read_only).lower()}}}]
  volumes:
  - name: host
    hostPath: {{path: {path}}}
"""


READER = container("node-agent", "agent", namespace="monitoring")


def sa(name: str, namespace: str = "apps") -> str:
    return f"k8s:t:serviceaccount:{namespace}/{name}"


def secret(name: str, namespace: str = "apps") -> str:
    return f"k8s:t:secret:{namespace}/{name}"


def test_read_only_pods_directory_reads_tokens_of_colocated_pods_that_mount_one() -> None:
    facts = facts_for(NODES + NEIGHBOURS + reader_pod("/var/lib/kubelet/pods"))
    # Not the pod without automount, not the pod on n2, not the finished pod (its volumes are torn down).
    assert pairs(find("HOST_READ_TOKENS", facts)) == {(READER, sa("sa-mounted"))}
    reason = single_reason("HOST_READ_TOKENS", facts, READER)
    assert 'container "agent" of pod monitoring/node-agent' in reason
    assert 'hostPath "/var/lib/kubelet/pods" mounted read-only at /host' in reason and "pod apps/mounted" in reason
    assert set(edges_from(facts, READER)) == {"HOST_READ_TOKENS", "HOST_READ_SECRETS"}


def test_read_only_pods_directory_reads_only_secrets_kept_in_files() -> None:
    facts = facts_for(NODES + NEIGHBOURS + reader_pod("/var/lib/kubelet/pods"))
    # The env secret and the image pull secret never reach the node's disk; the n2 secret is elsewhere.
    assert pairs(find("HOST_READ_SECRETS", facts)) == {(READER, secret("db-volume"))}


@pytest.mark.parametrize("path", ["/var/lib/kubelet/pods", "/var/lib", "/var", "/var/lib/kubelet", "/"])
def test_parents_of_the_pods_directory_read_tokens_too(path: str) -> None:
    facts = facts_for(NODES + NEIGHBOURS + reader_pod(path))
    assert (READER, sa("sa-mounted")) in pairs(find("HOST_READ_TOKENS", facts))


def test_kubelet_credentials_read_everything_the_node_authorizer_allows() -> None:
    facts = facts_for(NODES + NEIGHBOURS + reader_pod("/var/lib/kubelet/pki"))
    # The kubelet may request a token for the service account of every pod bound to its node, whether or
    # not the pod mounts one, finished or not, and get every secret those pods reference.
    assert pairs(find("HOST_READ_TOKENS", facts)) == {
        (READER, sa("sa-mounted")),
        (READER, sa("sa-no-automount")),
        (READER, sa("sa-finished")),
        (READER, sa("reader", namespace="monitoring")),
    }
    assert pairs(find("HOST_READ_SECRETS", facts)) == {
        (READER, secret("db-volume")),
        (READER, secret("api-key-env")),
        (READER, secret("registry")),
    }
    reason = next(e for e in find("HOST_READ_SECRETS", facts) if e.dst_uid == secret("api-key-env")).reason
    assert "kubelet's credentials (/var/lib/kubelet/pki)" in reason and "Node authorizer" in reason


def test_eks_kubelets_hold_no_key_file() -> None:
    eks_nodes = NODES.replace("kubeletVersion: v1.30.2", "kubeletVersion: v1.30.2-eks-1552ad0")
    facts = facts_for(eks_nodes + NEIGHBOURS + reader_pod("/var/lib/kubelet/pki"))
    assert find("HOST_READ_TOKENS", facts) == []
    assert find("HOST_READ_SECRETS", facts) == []


@pytest.mark.parametrize("path", ["/var/log", "/var/lib/kubelet/plugins", "/etc/ssl", "/root", "/home"])
def test_read_only_mounts_without_tokens_or_kubelet_keys_read_nothing(path: str) -> None:
    facts = facts_for(NODES + NEIGHBOURS + reader_pod(path))
    assert find("HOST_READ_TOKENS", facts) == []
    assert find("HOST_READ_SECRETS", facts) == []


def test_a_writable_takeover_mount_gets_the_escape_not_the_reads() -> None:
    facts = facts_for(NODES + NEIGHBOURS + reader_pod("/var/lib/kubelet", read_only=False))
    assert set(edges_from(facts, READER)) == {"CE_HOSTPATH_WRITE"}


def test_a_writable_pods_directory_is_no_takeover_but_still_reads() -> None:
    facts = facts_for(NODES + NEIGHBOURS + reader_pod("/var/lib/kubelet/pods", read_only=False))
    assert set(edges_from(facts, READER)) == {"HOST_READ_TOKENS", "HOST_READ_SECRETS"}


# --------------------------------------------------------------------------------------------------
# Which containers count
# --------------------------------------------------------------------------------------------------


def test_init_and_ephemeral_containers_escape_too() -> None:
    manifest = pod(
        "debugged",
        """  initContainers:
  - name: setup
    image: ubuntu
    securityContext: {privileged: true}
  containers:
  - {name: app, image: ubuntu}
  ephemeralContainers:
  - name: debugger
    image: busybox
    securityContext: {privileged: true}""",
    )
    facts = facts_for(NODES + manifest)
    assert pairs(find("CE_PRIVILEGED", facts)) == {
        (container("debugged", "setup"), NODE_1),
        (container("debugged", "debugger"), NODE_1),
    }
    assert "(init) of pod default/debugged" in single_reason("CE_PRIVILEGED", facts, container("debugged", "setup"))
    reason = single_reason("CE_PRIVILEGED", facts, container("debugged", "debugger"))
    assert 'container "debugger" (ephemeral) of pod default/debugged' in reason


def test_an_unscheduled_pod_escapes_to_the_nodes_it_may_land_on() -> None:
    manifest = pod(
        "pending",
        """  containers:
  - name: app
    image: ubuntu
    securityContext: {privileged: true}""",
        node=None,
    )
    edges = find("CE_PRIVILEGED", facts_for(NODES + manifest))
    assert pairs(edges) == {(container("pending", "app"), "k8s:t:nodes")}
    assert "the pod (not scheduled in the snapshot)" in edges[0].reason
    pinned = manifest.replace("  containers:", "  nodeName: gone\n  containers:", 1)
    assert all(find(edge_type, facts_for(NODES + pinned)) == [] for edge_type in FAMILY)


def test_a_finished_pod_escapes_nowhere() -> None:
    manifest = pod(
        "done",
        """  containers:
  - name: app
    image: ubuntu
    securityContext: {privileged: true}""",
        extra="status: {phase: Succeeded}",
    )
    assert find("CE_PRIVILEGED", facts_for(NODES + manifest)) == []


def test_user_namespaced_pod_gets_no_escape() -> None:
    manifest = pod(
        "userns",
        """  hostUsers: false
  containers:
  - name: app
    image: ubuntu
    securityContext: {capabilities: {add: [SYS_ADMIN, SYS_MODULE]}}
    volumeMounts: [{mountPath: /host, name: host}]
  volumes:
  - name: host
    hostPath: {path: /etc}""",
    )
    facts = facts_for(NODES + manifest)
    assert all(find(edge_type, facts) == [] for edge_type in FAMILY)


DEPLOYMENT = """
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: default, uid: d-1}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - name: app
        image: ubuntu
        securityContext: {privileged: true}
---
apiVersion: v1
kind: Pod
metadata:
  name: web-7d9f-abcde
  namespace: default
  labels: {app: web}
  ownerReferences: [{apiVersion: apps/v1, kind: Deployment, name: web, uid: d-1, controller: true}]
spec:
  nodeName: n1
  containers:
  - name: app
    image: ubuntu
    securityContext: {privileged: true}
"""


def test_template_containers_never_escape_their_pods_containers_do() -> None:
    facts = facts_for(NODES + DEPLOYMENT)
    assert "k8s:t:container:default/deployment/web/app" in facts.of("Container")
    assert pairs(find("CE_PRIVILEGED", facts)) == {(container("web-7d9f-abcde", "app"), NODE_1)}


# --------------------------------------------------------------------------------------------------
# Path matching
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("location", "host_path", "reached"),
    [
        (HostLocation("/etc/cron.d", "", subtree=True), "/", True),
        (HostLocation("/etc/cron.d", "", subtree=True), "/etc", True),
        (HostLocation("/etc/cron.d", "", subtree=True), "/etc/cron.d/job", True),
        (HostLocation("/etc/cron.d", "", subtree=True), "/etc/cron.daily", False),
        (HostLocation("/var/lib/kubelet", ""), "/var/lib/kubelet/pods", False),
        (HostLocation("/home/*/.ssh", "", subtree=True), "/home", True),
        (HostLocation("/home/*/.ssh", "", subtree=True), "/home/alice/.ssh/authorized_keys", True),
        (HostLocation("/home/*/.ssh", "", subtree=True), "/home/alice/projects", False),
    ],
)
def test_locations_are_reached_by_their_parents_and_subtree_children(
    location: HostLocation, host_path: str, reached: bool
) -> None:
    assert location.reached_by(host_path) is reached


@pytest.mark.parametrize(
    ("path", "sub_path", "seen"),
    [
        ("/var/run/docker.sock", None, "/run/docker.sock"),
        ("/var/run", "docker.sock", "/run/docker.sock"),
        ("/var/run/", None, "/run"),
        ("//etc/../etc/", None, "/etc"),
        ("/var/runtime", None, "/var/runtime"),
    ],
)
def test_host_path_seen(path: str, sub_path: str | None, seen: str) -> None:
    assert host_path_seen(path, sub_path) == seen
