"""Reads of the node that fall short of taking it: node credentials in host files, other pods through hostPID.

escapes.py already turns a read-only hostPath of /var/lib/kubelet/pods into the tokens and secrets kept
there (HOST_READ_TOKENS, HOST_READ_SECRETS). This module adds what those do not cover:

- The kubelet's own credentials (/var/lib/kubelet/pki, its kubeconfigs): the container gets the node's
  kubelet identity `system:node:<name>` (node_identity.py), and with it the Node authorizer's reach and
  whatever RBAC grants system:nodes. A read is not a takeover, so there is no edge to the Node. EKS kubelets
  keep no key in a file (escapes.node_keeps_kubelet_keys_in_files).
- On control-plane nodes (a node-role.kubernetes.io/control-plane or /master label, or a static
  kube-apiserver-* or etcd-* pod of kube-system running there): kubeadm's admin kubeconfigs, the cluster CA
  key (sign a client certificate in group system:masters: the CSR API's restriction on that group does not
  apply to offline signing), the front-proxy CA key (sign the aggregator's client certificate and assert
  any user and group in request headers), the service-account signing key (forge a token for any service
  account, kube-system's controller accounts included) and etcd's client keys (write any object straight
  into etcd) give cluster-admin. etcd's data directory is different: read-only it gives every secret's
  value (in clear unless encryption at rest is on, whose key then sits on the same node), not write access,
  so it gives an edge to each secret. k3s and RKE2 keep the same material under /var/lib/rancher and
  /etc/rancher.

  Deliberately absent: /etc/shadow and SSH keys under /root and /home (password hashes and keys for SSH to
  other machines are no identity the graph knows), kubeconfigs an administrator may have copied to
  ~/.kube/config (nothing in the data says they exist).

- hostPID alone (item 6 of issue 10). The container sees every process on the node and may open
  /proc/<pid>/environ (the environment: secrets given through env and envFrom) and /proc/<pid>/root (the
  process's filesystem: its projected token and secret volumes). Both pass the kernel's ptrace access check
  in PTRACE_MODE_READ_FSCREDS (ptrace(2), "Ptrace access mode checking"; proc(5)): the caller must have
  the target's uid (real, effective and saved) and, under the capability module, a permitted capability
  set that contains the target's; otherwise it needs CAP_SYS_PTRACE. So:

  - a container that may run as root reads the containers of other pods that run as root (runAsUser 0, or
    unset and not runAsNonRoot: the image decides, assumed root) whose capabilities are within its own;
  - a container running as a known non-root uid (its permitted set is empty: the runtime gives non-root
    processes no ambient capabilities) reads only containers running as that same uid, as the kernel allows;
    a never-root container with only root or unknown-uid neighbours gets nothing;
  - privileged containers and containers with CAP_SYS_PTRACE that may be root already take the node
    (CE_NSENTER, CE_SYS_PTRACE), so they get no read edge here; a privileged neighbour holds every
    capability, so only such a container could read it.

  User-namespaced pods (hostUsers: false) neither read (escapes.scheduled_containers leaves them out) nor
  are read (their processes run as unprivileged node uids in another user namespace). Not modelled: LSM
  policy between containers (the runtime's default AppArmor profile allows ptrace reads between processes
  of the same profile; SELinux MCS labels on CRI-O nodes may deny them) and processes that drop their
  dumpable flag.

Init containers that have finished have no processes, so only containers that run alongside count as
targets; finished pods (Succeeded, Failed) count neither as source nor as target.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from graph.analysis.catalogue import AttackEdge, EdgeType, Rule, register_edge_types, register_rules
from graph.analysis.facts import Entity
from graph.planes.k8s import uids
from graph.planes.k8s.facts import ClusterFacts
from graph.planes.k8s.rules.escapes import (
    HOSTPATH_DOCS,
    KUBEHOUND,
    KUBELET_CREDENTIALS,
    NODE_AUTHORIZER,
    HostLocation,
    HostPathMount,
    ScheduledContainer,
    node_keeps_kubelet_keys_in_files,
    scheduled_containers,
)
from graph.planes.k8s.rules.node_identity import kubelet_identity, live_pods_on, named
from graph.planes.k8s.rules.tokens import containers_reading_secrets, containers_with_sa_token
from graph.planes.k8s.views import ContainerView

# --------------------------------------------------------------------------------------------------
# Control-plane nodes and their credentials
# --------------------------------------------------------------------------------------------------

CONTROL_PLANE_ROLES = ("control-plane", "master")  # node-role.kubernetes.io/<role> (and kubernetes.io/role)
CONTROL_PLANE_NAMESPACE = "kube-system"
CONTROL_PLANE_STATIC_PODS = ("kube-apiserver-", "etcd-")  # mirror pods are named <manifest>-<node>

# Read, each of these gives cluster-admin.
CONTROL_PLANE_ADMIN_FILES: tuple[HostLocation, ...] = (
    HostLocation("/etc/kubernetes/admin.conf", "kubeadm's cluster-admin kubeconfig"),
    HostLocation("/etc/kubernetes/super-admin.conf", "kubeadm's system:masters kubeconfig"),
    HostLocation("/etc/kubernetes/pki/ca.key", "the cluster CA's key: a client certificate in system:masters"),
    HostLocation("/etc/kubernetes/pki/sa.key", "the service-account signing key: a token for any service account"),
    HostLocation(
        "/etc/kubernetes/pki/front-proxy-ca.key", "the front-proxy CA's key: assert any user and group to the API"
    ),
    HostLocation("/etc/kubernetes/pki/apiserver-etcd-client.key", "the API server's etcd client key: write etcd"),
    HostLocation("/etc/kubernetes/pki/etcd", "etcd's CA and keys: write etcd", subtree=True),
    HostLocation("/etc/rancher/k3s/k3s.yaml", "k3s's admin kubeconfig"),
    HostLocation("/etc/rancher/rke2/rke2.yaml", "RKE2's admin kubeconfig"),
    HostLocation("/var/lib/rancher/k3s/server/tls", "k3s's CA and signing keys", subtree=True),
    HostLocation("/var/lib/rancher/k3s/server/cred", "k3s's admin and component kubeconfigs", subtree=True),
    HostLocation("/var/lib/rancher/rke2/server/tls", "RKE2's CA and signing keys", subtree=True),
    HostLocation("/var/lib/rancher/rke2/server/cred", "RKE2's admin and component kubeconfigs", subtree=True),
)
# Read, each of these gives every secret's value (etcd's data files).
CONTROL_PLANE_DATA: tuple[HostLocation, ...] = (
    HostLocation("/var/lib/etcd", "etcd's data: every object, secrets included", subtree=True),
    HostLocation("/var/lib/rancher/k3s/server/db", "k3s's datastore: every object, secrets included", subtree=True),
    HostLocation("/var/lib/rancher/rke2/server/db", "RKE2's etcd data: every object, secrets included", subtree=True),
)


def control_plane_evidence(facts: ClusterFacts, node: Entity) -> str | None:
    """Why the node is a control-plane node (its label, or a static control-plane pod on it), or None."""
    roles = [role for role in CONTROL_PLANE_ROLES if role in (node.get("roles") or [])]
    if roles:
        return f"node {node.name} has the role label {roles[0]}"
    for pod in live_pods_on(facts, node):
        if pod.namespace == CONTROL_PLANE_NAMESPACE and pod.name.startswith(CONTROL_PLANE_STATIC_PODS):
            return f"node {node.name} runs the static pod {pod.ref}"
    return None


def _reached(mount: HostPathMount, places: Iterable[HostLocation]) -> list[HostLocation]:
    return [place for place in places if place.reached_by(mount.host_path)]


def _root_reading_mounts(scheduled: ScheduledContainer) -> list[HostPathMount]:
    """Mounts worth a read edge: none for a container that can never be root (the files are root's alone),
    none that already take the node."""
    return [] if scheduled.never_root else scheduled.mounts_for_reads()


def _places(places: list[HostLocation]) -> str:
    return named([place.describe() for place in places], limit=2)


# --------------------------------------------------------------------------------------------------
# HOST_READ_KUBELET_CREDENTIALS, HOST_READ_CLUSTER_ADMIN_CREDENTIALS, HOST_READ_ETCD_DATA
# --------------------------------------------------------------------------------------------------


def kubelet_credential_reads(facts: ClusterFacts) -> Iterator[AttackEdge]:
    for scheduled in scheduled_containers(facts):
        if not node_keeps_kubelet_keys_in_files(scheduled.node):
            continue
        identity = kubelet_identity(facts, scheduled.node)
        if identity is None:
            continue
        routes = [
            f"{mount.describe()} exposes {_places(reached)}"
            for mount in _root_reading_mounts(scheduled)
            if (reached := _reached(mount, KUBELET_CREDENTIALS))
        ]
        if routes:
            reason = f"{'; '.join(routes)}: they authenticate as {identity.name}, node {scheduled.node.name}'s kubelet"
            yield scheduled.edge("HOST_READ_KUBELET_CREDENTIALS", identity, reason)


def _control_plane_routes(
    facts: ClusterFacts, places: tuple[HostLocation, ...]
) -> Iterator[tuple[ScheduledContainer, str]]:
    """(container, reason) for each container that reads one of `places` on a control-plane node."""
    evidence: dict[str, str | None] = {}
    for scheduled in scheduled_containers(facts):
        mounts = _root_reading_mounts(scheduled)
        if not mounts:
            continue
        if scheduled.node.uid not in evidence:
            evidence[scheduled.node.uid] = control_plane_evidence(facts, scheduled.node)
        why = evidence[scheduled.node.uid]
        if why is None:
            continue
        routes = [
            f"{mount.describe()} exposes {_places(reached)}" for mount in mounts if (reached := _reached(mount, places))
        ]
        if routes:
            yield scheduled, f"{'; '.join(routes)}; {why} (a control-plane node)"


def cluster_admin_credential_reads(facts: ClusterFacts) -> Iterator[AttackEdge]:
    anchor = Entity("ClusterAdmin", uids.cluster_admin_uid(facts.cluster), {})
    for scheduled, reason in _control_plane_routes(facts, CONTROL_PLANE_ADMIN_FILES):
        yield scheduled.edge("HOST_READ_CLUSTER_ADMIN_CREDENTIALS", anchor, reason)


def etcd_data_reads(facts: ClusterFacts) -> Iterator[AttackEdge]:
    secrets = sorted(facts.secrets.values(), key=lambda secret: secret.uid)
    for scheduled, reason in _control_plane_routes(facts, CONTROL_PLANE_DATA):
        for secret in secrets:
            yield scheduled.edge("HOST_READ_ETCD_DATA", secret, f"{reason}: it holds secret {secret.ref}")


# --------------------------------------------------------------------------------------------------
# HOST_PID_READ_TOKENS, HOST_PID_READ_SECRETS
# --------------------------------------------------------------------------------------------------

# What a root container holds when its spec adds and drops nothing (containerd's and CRI-O's defaults).
CONTAINERD_DEFAULT_CAPABILITIES = frozenset(
    {"CHOWN", "DAC_OVERRIDE", "FSETID", "FOWNER", "MKNOD", "NET_RAW", "SETGID", "SETUID", "SETFCAP", "SETPCAP",
     "NET_BIND_SERVICE", "SYS_CHROOT", "KILL", "AUDIT_WRITE"}
)  # fmt: skip
CRIO_DEFAULT_CAPABILITIES = frozenset(
    {"CHOWN", "DAC_OVERRIDE", "FSETID", "FOWNER", "SETGID", "SETUID", "SETPCAP", "NET_BIND_SERVICE", "KILL"}
)
# Every capability of current kernels (capabilities(7)); "ALL" in a spec means these.
EVERY_CAPABILITY = frozenset(
    {"CHOWN", "DAC_OVERRIDE", "DAC_READ_SEARCH", "FOWNER", "FSETID", "KILL", "SETGID", "SETUID", "SETPCAP",
     "LINUX_IMMUTABLE", "NET_BIND_SERVICE", "NET_BROADCAST", "NET_ADMIN", "NET_RAW", "IPC_LOCK", "IPC_OWNER",
     "SYS_MODULE", "SYS_RAWIO", "SYS_CHROOT", "SYS_PTRACE", "SYS_PACCT", "SYS_ADMIN", "SYS_BOOT", "SYS_NICE",
     "SYS_RESOURCE", "SYS_TIME", "SYS_TTY_CONFIG", "MKNOD", "LEASE", "AUDIT_WRITE", "AUDIT_CONTROL", "SETFCAP",
     "MAC_OVERRIDE", "MAC_ADMIN", "SYSLOG", "WAKE_ALARM", "BLOCK_SUSPEND", "AUDIT_READ", "PERFMON", "BPF",
     "CHECKPOINT_RESTORE"}
)  # fmt: skip


@dataclass(frozen=True)
class ProcessCredentials:
    """What the ptrace access check compares: the uid the container's processes run as (None: some non-root
    uid not known), how it is known, and their permitted capabilities."""

    uid: int | None
    uid_text: str
    capabilities: frozenset[str]

    def may_read(self, target: ProcessCredentials) -> bool:
        return self.uid is not None and self.uid == target.uid and target.capabilities <= self.capabilities


def process_credentials(container: Entity, node: Entity) -> ProcessCredentials:
    """The uid and permitted capabilities of the container's processes: a non-root process holds none; root
    holds the runtime's defaults with add and drop applied in the runtimes' order (add ALL, drop ALL, each
    added name, each dropped name; see views.ContainerView.capability_grant)."""
    run_as_user = container.get("run_as_user")
    if isinstance(run_as_user, int) and run_as_user != 0:
        return ProcessCredentials(run_as_user, f"uid {run_as_user}", frozenset())
    if run_as_user is None and container.get("run_as_non_root") is True:
        return ProcessCredentials(None, "a non-root uid (runAsNonRoot=true)", frozenset())
    uid_text = "uid 0" if run_as_user == 0 else "root (runAsUser unset: the image decides, assumed root)"
    if ContainerView(container).privileged:
        return ProcessCredentials(0, uid_text, EVERY_CAPABILITY)
    runtime = str(node.get("container_runtime_version", ""))
    held = set(CRIO_DEFAULT_CAPABILITIES if runtime.startswith("cri-o") else CONTAINERD_DEFAULT_CAPABILITIES)
    added, dropped = set(container.get("capabilities_add", [])), set(container.get("capabilities_drop", []))
    if "ALL" in added:
        held = set(EVERY_CAPABILITY)
    if "ALL" in dropped:
        held = set()
    held |= added - {"ALL"}
    held -= dropped
    return ProcessCredentials(0, uid_text, frozenset(held))


def _host_pid_readers(facts: ClusterFacts) -> Iterator[ScheduledContainer]:
    """hostPID containers that do not take the node through it: not privileged (CE_NSENTER), and without a
    CAP_SYS_PTRACE that may be used as root (CE_SYS_PTRACE)."""
    for scheduled in scheduled_containers(facts):
        if not scheduled.host_pid or scheduled.privileged:
            continue
        if scheduled.capability_grant("SYS_PTRACE") and not scheduled.never_root:
            continue
        yield scheduled


@dataclass
class _ProcReads:
    """Per target: the readable containers that hold it, and the reader's access text."""

    targets: dict[str, Entity]
    holders: dict[str, list[str]]  # target uid -> 'container "c" of pod ns/p'

    def add(self, target: Entity, holder: str) -> None:
        self.targets[target.uid] = target
        if holder not in self.holders[target.uid]:
            self.holders[target.uid].append(holder)


def _holdings(edges: Iterable[AttackEdge], facts: ClusterFacts) -> dict[str, list[Entity]]:
    """Container uid -> the targets (service accounts or secrets) it holds, from another rule's edges."""
    held: dict[str, list[Entity]] = defaultdict(list)
    for edge in edges:
        target = facts.entity(edge.dst_uid)
        if target is not None:
            held[edge.src_uid].append(target)
    return held


def _host_pid_reads(
    facts: ClusterFacts, edge_type: str, held: dict[str, list[Entity]], where: str
) -> Iterator[AttackEdge]:
    for scheduled in _host_pid_readers(facts):
        reader = process_credentials(scheduled.container, scheduled.node)
        if reader.uid is None:
            continue
        reads = _ProcReads({}, defaultdict(list))
        for pod in live_pods_on(facts, scheduled.node):
            if pod.uid == scheduled.pod.uid or pod.props.get("host_users") is False:
                continue
            for container in facts.containers_of(pod.uid):
                view = ContainerView(container)
                if not view.runs_alongside or container.uid not in held:
                    continue
                if reader.may_read(process_credentials(container, scheduled.node)):
                    for target in held[container.uid]:
                        reads.add(target, view.describe(pod))
        for uid in sorted(reads.targets):
            holders = reads.holders[uid]
            reason = (
                f"the pod sets hostPID=true and the container runs as {reader.uid_text}: the kernel's ptrace read "
                f"check lets it open /proc/<pid>/{where} of {named(holders)} (same uid, capabilities within its "
                "own, no CAP_SYS_PTRACE needed)"
            )
            yield scheduled.edge(edge_type, reads.targets[uid], reason)


def host_pid_token_reads(facts: ClusterFacts) -> Iterator[AttackEdge]:
    if not any(pod.get("host_pid") for pod in facts.pods.values()):
        return
    held = _holdings(containers_with_sa_token(facts), facts)
    yield from _host_pid_reads(facts, "HOST_PID_READ_TOKENS", held, "root (its service-account token)")


def host_pid_secret_reads(facts: ClusterFacts) -> Iterator[AttackEdge]:
    if not any(pod.get("host_pid") for pod in facts.pods.values()):
        return
    held = _holdings(containers_reading_secrets(facts), facts)
    yield from _host_pid_reads(facts, "HOST_PID_READ_SECRETS", held, "root and environ (its secrets)")


# --------------------------------------------------------------------------------------------------
# The catalogue entries
# --------------------------------------------------------------------------------------------------

PTRACE_MAN = "https://man7.org/linux/man-pages/man2/ptrace.2.html"
PROC_MAN = "https://man7.org/linux/man-pages/man5/proc.5.html"
KUBEADM_PKI = "https://kubernetes.io/docs/setup/best-practices/certificates/"
BADPODS_HOSTPID = "https://github.com/BishopFox/badPods/tree/main/manifests/hostpid"
HOST_READ_REMEDIATION = (
    "Do not mount /, /etc/kubernetes, /var/lib/kubelet, /var/lib/etcd or their parents; mount the narrowest "
    "directory the workload needs; run node agents as non-root with allowPrivilegeEscalation: false. The "
    "baseline Pod Security Standard forbids hostPath volumes."
)

register_edge_types(
    EdgeType(
        name="HOST_READ_KUBELET_CREDENTIALS",
        plane="k8s",
        tactic="credential-access",
        title="hostPath read of the kubelet's credentials",
        mitre="T1552.004",
        source="Container",
        target="KubeUser (system:node:<name>)",
        meaning="The container can read, without taking the node, the files the kubelet authenticates with: "
        "/var/lib/kubelet/pki (its client certificate and key), /var/lib/kubelet/kubeconfig, "
        "/etc/kubernetes/kubelet.conf, AKS's /etc/kubernetes/certs, k3s's and RKE2's agent directories, "
        "through a hostPath of them or of a directory above them (/, /etc, /var/lib/kubelet). Read-only is "
        "enough. It then acts as the node's kubelet, system:node:<name>: the Node authorizer's reach and "
        "whatever RBAC grants system:nodes. Not on EKS (the kubelet authenticates with the node's IAM role); "
        "not for a container that can never be root (the key is root's alone, mode 0600); a writable mount "
        "that already gives CE_HOSTPATH_WRITE gets no read edge.",
        abuse="kubectl --server https://<api> --certificate-authority <mount>/etc/kubernetes/pki/ca.crt "
        "--client-certificate <mount>/var/lib/kubelet/pki/kubelet-client-current.pem --client-key "
        "<mount>/var/lib/kubelet/pki/kubelet-client-current.pem auth whoami, then get the secrets and mint the "
        "tokens the Node authorizer allows.",
        opsec="Reading the files makes no API call; what follows is audited as system:node:<name>, from the "
        "pod's address rather than the node's.",
        remediation=HOST_READ_REMEDIATION,
        references=(NODE_AUTHORIZER, f"{KUBEHOUND}EXPLOIT_HOST_READ/", HOSTPATH_DOCS, KUBEADM_PKI),
    ),
    EdgeType(
        name="HOST_READ_CLUSTER_ADMIN_CREDENTIALS",
        plane="k8s",
        tactic="credential-access",
        title="hostPath read of a control-plane node's admin credentials",
        mitre="T1552.004",
        source="Container",
        target="ClusterAdmin",
        meaning="On a control-plane node (role label control-plane or master, or a static kube-apiserver or etcd "
        "pod there) the container can read, without taking the node, a credential that makes anyone "
        "cluster-admin: kubeadm's /etc/kubernetes/admin.conf or super-admin.conf, the cluster CA key "
        "(pki/ca.key: sign a certificate in group system:masters), the front-proxy CA key, the "
        "service-account signing key (pki/sa.key: forge a token for any service account), etcd's keys (write "
        "any object into etcd), or k3s's and RKE2's equivalents. Read-only is enough; a container that can "
        "never be root gets nothing (the files are root's, mode 0600). The same mount on a worker node finds "
        "none of these files.",
        abuse="kubectl --kubeconfig <mount>/etc/kubernetes/admin.conf get secrets -A; or openssl to sign a "
        "client certificate with O=system:masters using pki/ca.key and pki/ca.crt.",
        opsec="Reading the files makes no API call; a certificate signed offline never appears in the CSR API "
        "and cannot be revoked short of rotating the CA.",
        remediation="Schedule no workload but the control plane on control-plane nodes (keep the "
        "node-role.kubernetes.io/control-plane:NoSchedule taint); " + HOST_READ_REMEDIATION,
        references=(
            KUBEADM_PKI,
            "https://kubernetes.io/docs/setup/production-environment/tools/kubeadm/implementation-details/",
            f"{KUBEHOUND}EXPLOIT_HOST_READ/",
            HOSTPATH_DOCS,
            "https://attack.mitre.org/techniques/T1552/004/",
        ),
    ),
    EdgeType(
        name="HOST_READ_ETCD_DATA",
        plane="k8s",
        tactic="credential-access",
        title="hostPath read of etcd's data on a control-plane node",
        mitre="T1552.007",
        source="Container",
        target="KubeSecret",
        meaning="On a control-plane node the container can read etcd's data directory (/var/lib/etcd; k3s's "
        "and RKE2's datastores), where every object of the cluster is stored: every secret's value, in clear "
        "unless encryption at rest is configured (its key then sits on the same node). Read-only access gives "
        "no write to etcd, so the edge ends at each secret, not at cluster-admin.",
        abuse="strings <mount>/var/lib/etcd/member/snap/db | grep -a -A5 /registry/secrets/, or copy the db file "
        "and open it with etcdutl / bbolt.",
        opsec="No API call is made and nothing is audited by the API server.",
        remediation="Schedule no workload but the control plane on control-plane nodes; enable encryption at "
        "rest for secrets; " + HOST_READ_REMEDIATION,
        references=(
            "https://kubernetes.io/docs/tasks/administer-cluster/encrypt-data/",
            "https://etcd.io/docs/latest/op-guide/security/",
            HOSTPATH_DOCS,
            "https://attack.mitre.org/techniques/T1552/007/",
        ),
    ),
    EdgeType(
        name="HOST_PID_READ_TOKENS",
        plane="k8s",
        tactic="credential-access",
        title="hostPID reads other pods' service-account tokens through /proc",
        mitre="T1528",
        source="Container",
        target="ServiceAccount",
        meaning="The pod shares the node's PID namespace (hostPID) and the container passes the kernel's ptrace "
        "read check on a container of another pod on the node that holds a token: it runs as the same uid "
        "(root, or the same non-root uid) and holds every capability that container holds. It can then open "
        "/proc/<pid>/root and read the token from the other container's filesystem. Not an escape: hostPID "
        "alone does not take the node. A privileged container, or one with CAP_SYS_PTRACE that may run as "
        "root, takes the node instead (CE_NSENTER, CE_SYS_PTRACE); a non-root container reads only "
        "containers running as its own uid.",
        abuse="ps -eo pid,user,args to find the other pod's process, then cat "
        "/proc/<pid>/root/var/run/secrets/kubernetes.io/serviceaccount/token.",
        opsec="Nothing reaches the API server until the token is used (audited as its service account, from "
        "this pod's address); runtime detectors watching /proc/*/root access may notice.",
        remediation="Remove hostPID: true (the baseline Pod Security Standard forbids it); run node agents that "
        "need it as a non-root uid no other workload uses, with capabilities dropped.",
        references=(BADPODS_HOSTPID, PTRACE_MAN, PROC_MAN, f"{KUBEHOUND}TOKEN_STEAL/"),
    ),
    EdgeType(
        name="HOST_PID_READ_SECRETS",
        plane="k8s",
        tactic="credential-access",
        title="hostPID reads other pods' secrets through /proc",
        mitre="T1552.007",
        source="Container",
        target="KubeSecret",
        meaning="The pod shares the node's PID namespace (hostPID) and the container passes the kernel's ptrace "
        "read check on a container of another pod on the node that reads a secret (same uid, capabilities "
        "within its own; see HOST_PID_READ_TOKENS): /proc/<pid>/root shows its secret volumes and "
        "/proc/<pid>/environ the values it gets through env and envFrom. Not an escape.",
        abuse="cat /proc/<pid>/environ | tr '\\0' '\\n'; ls /proc/<pid>/root/<mount path of the secret>.",
        opsec="No API call is made; runtime detectors watching /proc/*/environ access may notice.",
        remediation="Remove hostPID: true (the baseline Pod Security Standard forbids it); run node agents that "
        "need it as a non-root uid no other workload uses; prefer secret volumes to environment variables.",
        references=(BADPODS_HOSTPID, PTRACE_MAN, PROC_MAN, "https://attack.mitre.org/techniques/T1552/007/"),
    ),
)
register_rules(
    Rule("k8s.host-read.kubelet-credentials", "HOST_READ_KUBELET_CREDENTIALS", kubelet_credential_reads),
    Rule(
        "k8s.host-read.control-plane-credentials", "HOST_READ_CLUSTER_ADMIN_CREDENTIALS", cluster_admin_credential_reads
    ),
    Rule("k8s.host-read.etcd-data", "HOST_READ_ETCD_DATA", etcd_data_reads),
    Rule("k8s.host-read.host-pid-tokens", "HOST_PID_READ_TOKENS", host_pid_token_reads),
    Rule("k8s.host-read.host-pid-secrets", "HOST_PID_READ_SECRETS", host_pid_secret_reads),
)
