"""Workload to node: container escapes (MITRE T1611), and what a hostPath mount lets a container read.

Every edge starts at a container of a pod that has not finished (a Succeeded or Failed pod runs nothing) and
escapes to the node it RUNS_ON; a pod not scheduled in the snapshot (pending, or a manifest never applied)
escapes to the nodes it may land on, like a template pod below. Init and ephemeral containers count. The containers of a
controller's pod template count only when none of its pods is in the snapshot (graph/planes/k8s/views.py,
template pods): they escape to each node the template's pods may land on, or to the cluster's "any node"
anchor; otherwise its running pods' containers carry the edges.

Two facts switch every rule here off, whatever the container asks for:

- User namespaces (`hostUsers: false`): root in the pod is an unprivileged uid on the node and its
  capabilities only apply inside the pod's user namespace. Loading modules, mounting cgroups, ptrace of host
  processes and writing or reading root-owned host files all fail, so such a pod gets no edge.
- A container that can never be root: runAsUser non-zero (or runAsNonRoot) together with
  allowPrivilegeEscalation: false. The runtime gives a non-root process no effective capabilities (no
  ambient set), and no_new_privs stops setuid binaries from making it root, so added capabilities and
  root-owned host files stay out of reach. Privileged containers are unaffected (the API refuses
  privileged together with allowPrivilegeEscalation: false), and so are runtime sockets: access to them is
  decided by group ownership, which the graph does not record.

hostPath semantics this module relies on (kubernetes.io/docs/concepts/storage/volumes/#hostpath):
a hostPath volume has no readOnly of its own, only the container's volumeMount does; the kubelet resolves
symlinks in the hostPath on the node (so `/var/run` is `/run` on every current distribution), while a
symlink met inside the container resolves in the container (so a mount of `/var` does not reach `/run`);
a subPath narrows what the container sees.
"""

from __future__ import annotations

import posixpath
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from fnmatch import fnmatchcase

from graph.analysis.catalogue import AttackEdge, EdgeType, Rule, register_edge_types, register_rules
from graph.analysis.facts import Entity
from graph.planes.k8s import uids
from graph.planes.k8s.facts import ClusterFacts
from graph.planes.k8s.rbac import Request, allowed, principal_for_service_account
from graph.planes.k8s.views import ContainerView, is_live_pod, is_template_pod, pod_phrase, workload_pod_views

# Pods in these phases have finished: their containers have exited and the kubelet has torn down their volumes.
# Volume sources that put a secret's values in files under /var/lib/kubelet/pods (env and envFrom do not).
ON_DISK_SECRET_VIAS = frozenset({"volume", "projected"})
# How many pods a reason names before it says "and N more".
PODS_NAMED_IN_REASON = 3


# --------------------------------------------------------------------------------------------------
# Places on the node
# --------------------------------------------------------------------------------------------------


def _segments(path: str) -> tuple[str, ...]:
    return tuple(segment for segment in path.split("/") if segment)


@dataclass(frozen=True)
class HostLocation:
    """A path on the node that matters to an attacker. `path` may use `*` for one path segment
    (`/home/*/.ssh`). `subtree`: anything below it is as sensitive as the location itself (every file in
    /etc/cron.d is run by cron); otherwise only the location itself and the directories above it count."""

    path: str
    why: str
    subtree: bool = False

    def reached_by(self, host_path: str) -> bool:
        """Whether a mount of `host_path` shows the container this location: it mounts the location or a
        directory above it, or, for a subtree, something inside it."""
        mount, location = _segments(host_path), _segments(self.path)
        shared = min(len(mount), len(location))
        if not all(
            fnmatchcase(mounted, wanted) for mounted, wanted in zip(mount[:shared], location[:shared], strict=True)
        ):
            return False
        return len(mount) <= len(location) or self.subtree

    def describe(self) -> str:
        return f"{self.path} ({self.why})"


# Writable, each of these (or a directory above it) gives root on the node: the node runs what is written
# there as root, or trusts it to decide who is root. Ordered from the most telling, which the reason names
# first. Deliberately absent: /dev (the device cgroup still stops an unprivileged container from opening the
# node's disks, and a privileged one already has CE_PRIVILEGED), /sys/fs/cgroup (release_agent exists only on
# cgroup v1), and harmless children such as /etc/ssl or /var/log/app.
HOST_TAKEOVER_WRITES: tuple[HostLocation, ...] = (
    HostLocation("/etc/kubernetes/manifests", "static pods: the kubelet runs any pod written here", subtree=True),
    HostLocation("/etc/cron.d", "cron runs these jobs as root", subtree=True),
    HostLocation("/etc/crontab", "root's crontab"),
    HostLocation("/var/spool/cron", "per-user crontabs", subtree=True),
    HostLocation("/etc/shadow", "root's password"),
    HostLocation("/etc/passwd", "the user database"),
    HostLocation("/etc/sudoers", "who may become root"),
    HostLocation("/etc/sudoers.d", "who may become root", subtree=True),
    HostLocation("/etc/systemd", "systemd units run as root", subtree=True),
    HostLocation("/etc/ld.so.preload", "a library every new process loads"),
    HostLocation("/root", "root's home: shell startup files, .ssh/authorized_keys"),
    HostLocation("/root/.ssh", "root's SSH authorized_keys", subtree=True),
    HostLocation("/home/*", "a user's home: shell startup files, .ssh/authorized_keys"),
    HostLocation("/home/*/.ssh", "a user's SSH authorized_keys", subtree=True),
    HostLocation("/var/lib/kubelet", "the kubelet's configuration, credentials and every pod's volumes"),
    HostLocation("/var/lib/docker", "every container's image layers and writable layer"),
    HostLocation("/var/lib/containerd", "every container's image layers and writable layer"),
    HostLocation("/proc/sys/kernel/core_pattern", "the kernel runs the program named here as root on a crash"),
    HostLocation("/proc/sys/kernel/modprobe", "the kernel runs this program as root to load a module"),
    HostLocation("/sys/kernel/uevent_helper", "the kernel runs this program as root on a device event"),
    HostLocation("/run", "container runtime and systemd sockets"),
    HostLocation("/usr/bin", "binaries root runs", subtree=True),
    HostLocation("/usr/sbin", "binaries root runs", subtree=True),
    HostLocation("/usr/local/bin", "binaries root runs", subtree=True),
    HostLocation("/usr/local/sbin", "binaries root runs", subtree=True),
    HostLocation("/bin", "binaries root runs", subtree=True),
    HostLocation("/sbin", "binaries root runs", subtree=True),
    HostLocation("/usr/lib", "libraries root's processes load", subtree=True),
    HostLocation("/usr/lib64", "libraries root's processes load", subtree=True),
    HostLocation("/usr/libexec", "helpers the kubelet runs as root (FlexVolume drivers)", subtree=True),
    HostLocation("/lib", "libraries and kernel modules", subtree=True),
    HostLocation("/lib64", "libraries root's processes load", subtree=True),
    HostLocation("/opt/cni/bin", "CNI plugins the runtime runs as root for every pod", subtree=True),
    HostLocation("/boot", "kernel and boot loader: root at the next boot", subtree=True),
)

# Writable /var/log is an escape only with pods/log read (the kubelet follows a symlink in the pod's log
# directory when it serves `kubectl logs`); /var/log/containers holds symlinks for log shippers, which the
# kubelet does not read.
POD_LOG_DIRECTORIES: tuple[HostLocation, ...] = (
    HostLocation("/var/log", "node logs, including every pod's log directory"),
    HostLocation("/var/log/pods", "every pod's log directory", subtree=True),
)

# Connecting to a Unix socket needs no write access to the filesystem it lives on, so readOnly does not help.
# MicroK8s keeps its socket under /var/snap; listing it would make every mount of /var a runtime socket.
RUNTIME_SOCKETS: tuple[HostLocation, ...] = (
    HostLocation("/run/containerd/containerd.sock", "containerd"),
    HostLocation("/run/docker.sock", "Docker"),
    HostLocation("/run/crio/crio.sock", "CRI-O"),
    HostLocation("/run/cri-dockerd.sock", "cri-dockerd"),
    HostLocation("/run/dockershim.sock", "dockershim"),
    HostLocation("/run/k3s/containerd/containerd.sock", "k3s containerd"),
)

# Where the kubelet keeps every pod's volumes: projected service-account tokens and secret volumes (tmpfs).
POD_VOLUMES = HostLocation("/var/lib/kubelet/pods", "every pod's volumes, tokens and secret volumes included")

# Files that authenticate the kubelet to the API server: its client certificate and key, or a kubeconfig
# that embeds them. The kubeadm kubeconfig (/etc/kubernetes/kubelet.conf) is included although recent
# kubeadm only points it at /var/lib/kubelet/pki; SSH keys under /root and /home are left out: they open
# SSH to other machines at best, not the kubelet's identity.
KUBELET_CREDENTIALS: tuple[HostLocation, ...] = (
    HostLocation("/var/lib/kubelet/pki", "the kubelet's client certificate and key", subtree=True),
    HostLocation("/var/lib/kubelet/kubeconfig", "the kubelet's kubeconfig"),
    HostLocation("/etc/kubernetes/kubelet.conf", "the kubelet's kubeconfig (kubeadm)"),
    HostLocation("/etc/kubernetes/certs", "the kubelet's client certificate and key (AKS)", subtree=True),
    HostLocation("/var/lib/rancher/k3s/agent", "the kubelet's client certificate and key (k3s)", subtree=True),
    HostLocation("/var/lib/rancher/rke2/agent", "the kubelet's client certificate and key (RKE2)", subtree=True),
)


def node_keeps_kubelet_keys_in_files(node: Entity) -> bool:
    """EKS kubelets authenticate with the node's IAM role (an exec plugin in the kubeconfig), so no file
    on the node holds a kubelet key; their kubelet version carries an `-eks-` build tag."""
    return "-eks-" not in str(node.get("kubelet_version", ""))


# --------------------------------------------------------------------------------------------------
# Containers as the rules see them
# --------------------------------------------------------------------------------------------------


def host_path_seen(path: str, sub_path: str | None) -> str:
    """The node path a container sees through a hostPath volume: the volume's path narrowed by the mount's
    subPath, normalised, with the `/var/run` symlink resolved as the node resolves it."""
    joined = posixpath.join(path, sub_path) if sub_path else path
    normal = "/" + "/".join(_segments(posixpath.normpath("/" + joined)))
    if normal == "/var/run" or normal.startswith("/var/run/"):
        normal = "/run" + normal[len("/var/run") :]
    return normal


@dataclass(frozen=True)
class HostPathMount:
    """One hostPath volume as one container mounts it."""

    volume: str
    declared: str  # hostPath.path, plus the subPath, as written
    host_path: str  # what the container sees of the node (see host_path_seen)
    mount_path: str
    read_only: bool

    def describe(self) -> str:
        access = "read-only" if self.read_only else "read-write"
        return f'hostPath "{self.declared}" mounted {access} at {self.mount_path}'

    def takeover_writes(self) -> list[HostLocation]:
        return [] if self.read_only else [place for place in HOST_TAKEOVER_WRITES if place.reached_by(self.host_path)]


def _host_path_mounts_by_container(pod: Entity) -> dict[str, list[HostPathMount]]:
    """The pod's hostPath mounts, per container name (names are unique across a pod's container lists)."""
    mounts: dict[str, list[HostPathMount]] = defaultdict(list)
    for mount in pod.json("host_path_mounts_json", []):
        sub_path = mount.get("sub_path") or None
        declared = posixpath.join(mount["path"], sub_path) if sub_path else mount["path"]
        mounts[mount["container"]].append(
            HostPathMount(
                volume=mount["volume"],
                declared=declared,
                host_path=host_path_seen(mount["path"], sub_path),
                mount_path=mount.get("mount_path") or "?",
                read_only=bool(mount.get("read_only")),
            )
        )
    return mounts


@dataclass(frozen=True)
class ScheduledContainer:
    """A container of a live, scheduled pod, with its pod, node and hostPath mounts; or a container of a
    template pod, once per place its pods may land on (`node` is then a Node or the ClusterNodes anchor,
    `pod` the controller, and `placement` says how the place was decided)."""

    container: Entity
    pod: Entity
    node: Entity
    host_mounts: tuple[HostPathMount, ...]
    placement: str = ""

    @property
    def who(self) -> str:
        kind = ContainerView(self.container).kind
        qualifier = "" if kind == "container" else f" ({kind})"
        return f'container "{self.container.name}"{qualifier} of {pod_phrase(self.pod)}'

    @property
    def template(self) -> bool:
        return is_template_pod(self.pod)

    def edge(self, edge_type: str, target: Entity, reason: str) -> AttackEdge:
        where = f"; {self.placement}" if self.placement else ""
        return AttackEdge(
            edge_type, "Container", self.container.uid, target.kind, target.uid, f"{self.who}: {reason}{where}"
        )

    @property
    def privileged(self) -> bool:
        return bool(self.container.get("privileged"))

    @property
    def host_pid(self) -> bool:
        return bool(self.pod.get("host_pid"))

    @property
    def view(self) -> ContainerView:
        return ContainerView(self.container)

    def capability_grant(self, capability: str) -> str | None:
        return self.view.capability_grant(capability)

    @property
    def never_root(self) -> str | None:
        return self.view.never_root

    def confinement_notes(self) -> list[str]:
        """What makes a capability-based escape easier: no seccomp filter, no AppArmor profile."""
        notes = []
        seccomp = self.container.get("seccomp_profile")
        if seccomp == "Unconfined":
            notes.append(f"seccomp Unconfined (set on the {self.container.get('seccomp_profile_source')})")
        elif seccomp is None:
            notes.append("no seccomp profile set (Unconfined unless the kubelet runs with --seccomp-default)")
        if self.container.get("apparmor_profile") == "Unconfined":
            notes.append(f"AppArmor Unconfined (set on the {self.container.get('apparmor_profile_source')})")
        return notes

    def mounts_for_reads(self) -> list[HostPathMount]:
        """Mounts whose reads are worth their own edges: a writable mount that already gives CE_HOSTPATH_WRITE
        takes the node, and the node's edges imply everything it could read."""
        return [mount for mount in self.host_mounts if not mount.takeover_writes()]


def scheduled_containers(facts: ClusterFacts) -> Iterator[ScheduledContainer]:
    """Every container of every live pod that runs on a known node, and of every template pod on each place
    its pods may land on, except in user-namespaced pods."""
    for view in workload_pod_views(facts):
        pod = view.entity
        if pod.props.get("host_users") is False:
            continue
        targets = view.targets
        if not targets:
            continue  # not scheduled yet (or its node was not collected), or no node fits: nowhere to escape to
        mounts = _host_path_mounts_by_container(pod)
        for container in sorted((c.entity for c in view.containers), key=lambda container: container.uid):
            for node in targets:
                yield ScheduledContainer(container, pod, node, tuple(mounts.get(container.name, ())), view.placement)


def _named(items: Sequence[str], limit: int = PODS_NAMED_IN_REASON) -> str:
    shown = ", ".join(items[:limit])
    return shown if len(items) <= limit else f"{shown} and {len(items) - limit} more"


def _pods_phrase(refs: Sequence[str]) -> str:
    return f"pod {refs[0]}" if len(refs) == 1 else f"pods {_named(refs)}"


# --------------------------------------------------------------------------------------------------
# Escapes: Container -> Node
# --------------------------------------------------------------------------------------------------


def privileged_containers(facts: ClusterFacts) -> Iterator[AttackEdge]:
    for scheduled in scheduled_containers(facts):
        if scheduled.privileged:
            yield scheduled.edge("CE_PRIVILEGED", scheduled.node, "securityContext.privileged=true")


def privileged_host_pid_containers(facts: ClusterFacts) -> Iterator[AttackEdge]:
    for scheduled in scheduled_containers(facts):
        if scheduled.privileged and scheduled.host_pid:
            reason = "securityContext.privileged=true and the pod sets hostPID=true (nsenter into PID 1)"
            yield scheduled.edge("CE_NSENTER", scheduled.node, reason)


def _capability_reason(capability: str, grant: str) -> str:
    if grant == "ALL":
        return f"securityContext.capabilities.add includes ALL (so CAP_{capability})"
    return f"securityContext.capabilities.add includes {capability}"


def module_loading_containers(facts: ClusterFacts) -> Iterator[AttackEdge]:
    for scheduled in scheduled_containers(facts):
        grant = scheduled.capability_grant("SYS_MODULE")
        if grant and not scheduled.never_root:
            yield scheduled.edge("CE_SYS_MODULE", scheduled.node, _capability_reason("SYS_MODULE", grant))


def sys_admin_containers(facts: ClusterFacts) -> Iterator[AttackEdge]:
    for scheduled in scheduled_containers(facts):
        grant = scheduled.capability_grant("SYS_ADMIN")
        if grant and not scheduled.never_root:
            reason = "; ".join([_capability_reason("SYS_ADMIN", grant), *scheduled.confinement_notes()])
            yield scheduled.edge("CE_SYS_ADMIN", scheduled.node, reason)


def ptrace_host_pid_containers(facts: ClusterFacts) -> Iterator[AttackEdge]:
    for scheduled in scheduled_containers(facts):
        grant = scheduled.capability_grant("SYS_PTRACE")
        if grant and scheduled.host_pid and not scheduled.never_root:
            reason = f"the pod sets hostPID=true and {_capability_reason('SYS_PTRACE', grant)}"
            if scheduled.container.get("apparmor_profile") == "Unconfined":
                reason += "; AppArmor Unconfined (nothing stops ptrace of host processes)"
            yield scheduled.edge("CE_SYS_PTRACE", scheduled.node, reason)


def _pods_log_grant(facts: ClusterFacts, pod: Entity) -> str | None:
    """Why the pod's own service account, whose token the pod mounts, may read this pod's logs; None if it may not."""
    if not pod.get("token_mounted") or not pod.namespace:
        return None
    account = str(pod.get("service_account", "default"))
    principal = principal_for_service_account(pod.namespace, account)
    # A template's pods get generated names: only a grant without resourceNames covers them for sure.
    name = None if is_template_pod(pod) else pod.name
    request = Request("get", "pods", "log", namespace=pod.namespace, name=name)
    grant = allowed(facts.rbac, principal, request)
    return (
        None if grant is None else f"its service account {pod.namespace}/{account} may get pods/log ({grant.explain()})"
    )


def host_path_write_containers(facts: ClusterFacts) -> Iterator[AttackEdge]:
    for scheduled in scheduled_containers(facts):
        if scheduled.never_root:
            continue
        for mount in scheduled.host_mounts:
            if mount.read_only:
                continue
            if mount.host_path == "/":
                yield scheduled.edge(
                    "CE_HOSTPATH_WRITE", scheduled.node, f"{mount.describe()}: the node's whole filesystem"
                )
                continue
            reached = mount.takeover_writes()
            if reached:
                places = _named([place.describe() for place in reached])
                yield scheduled.edge(
                    "CE_HOSTPATH_WRITE", scheduled.node, f"{mount.describe()}: write access to {places}"
                )
                continue
            if any(place.reached_by(mount.host_path) for place in POD_LOG_DIRECTORIES):
                grant = _pods_log_grant(facts, scheduled.pod)
                if grant:
                    reason = (
                        f"{mount.describe()} and {grant}: a symlink in the pod's log directory makes the kubelet "
                        "read any node file as root"
                    )
                    yield scheduled.edge("CE_HOSTPATH_WRITE", scheduled.node, reason)


def _sockets_reached(mount: HostPathMount, node: Entity) -> str:
    """The runtime sockets a mount reaches, naming the node's own runtime's socket (containerd://1.7.2 ->
    containerd) when it is among them; "" when the mount reaches none."""
    sockets = [socket for socket in RUNTIME_SOCKETS if socket.reached_by(mount.host_path)]
    if not sockets:
        return ""
    runtime = str(node.get("container_runtime_version", ""))
    scheme = runtime.partition("://")[0].lower()
    sockets.sort(key=lambda socket: socket.why.lower() != scheme)
    text = sockets[0].describe()
    if len(sockets) > 1:
        text += f" and {len(sockets) - 1} other runtime socket path(s)"
    return f"{text}; the node runs {runtime}" if runtime else text


def runtime_socket_containers(facts: ClusterFacts) -> Iterator[AttackEdge]:
    for scheduled in scheduled_containers(facts):
        for mount in scheduled.host_mounts:
            reached = _sockets_reached(mount, scheduled.node)
            if reached:
                reason = f"{mount.describe()} reaches the runtime socket {reached}"
                yield scheduled.edge("CE_RUNTIME_SOCKET", scheduled.node, reason)


# --------------------------------------------------------------------------------------------------
# Host reads: Container -> ServiceAccount, Container -> KubeSecret
# --------------------------------------------------------------------------------------------------


PODS = "{pods}"  # where a read route names its pods


@dataclass
class _Reads:
    """Per target: the reasons, grouped by (mount, how it reads) so each reason names its pods once."""

    targets: dict[str, Entity]
    pods_by_route: dict[str, dict[str, list[str]]]  # target uid -> route text -> pod refs

    @classmethod
    def empty(cls) -> _Reads:
        return cls({}, defaultdict(lambda: defaultdict(list)))

    def add(self, target: Entity, route: str, pod: Entity) -> None:
        self.targets[target.uid] = target
        pods = self.pods_by_route[target.uid][route]
        if pod.ref not in pods:
            pods.append(pod.ref)

    def edges(self, edge_type: str, scheduled: ScheduledContainer) -> Iterator[AttackEdge]:
        for uid in sorted(self.targets):
            reasons = [route.replace(PODS, _pods_phrase(pods)) for route, pods in self.pods_by_route[uid].items()]
            yield scheduled.edge(edge_type, self.targets[uid], "; ".join(reasons))


def _kubelet_credentials_reached(scheduled: ScheduledContainer, mount: HostPathMount) -> list[HostLocation]:
    if not node_keeps_kubelet_keys_in_files(scheduled.node):
        return []
    return [place for place in KUBELET_CREDENTIALS if place.reached_by(mount.host_path)]


def _reading_mounts(scheduled: ScheduledContainer) -> Iterator[tuple[HostPathMount, bool, list[HostLocation]]]:
    """(mount, whether it shows /var/lib/kubelet/pods, which kubelet credentials it shows) per useful mount."""
    if scheduled.never_root:
        return  # /var/lib/kubelet/pods and the kubelet's keys are root's alone
    for mount in scheduled.mounts_for_reads():
        pod_volumes = POD_VOLUMES.reached_by(mount.host_path)
        credentials = _kubelet_credentials_reached(scheduled, mount)
        if pod_volumes or credentials:
            yield mount, pod_volumes, credentials


def _kubelet_route(mount: HostPathMount, credentials: Sequence[HostLocation], grant: str) -> str:
    paths = _named([place.path for place in credentials], limit=2)
    return (
        f"{mount.describe()} exposes the kubelet's credentials ({paths}); the Node authorizer lets the kubelet {grant}"
    )


def host_token_reads(facts: ClusterFacts) -> Iterator[AttackEdge]:
    for scheduled in scheduled_containers(facts):
        reads = _Reads.empty()
        for mount, pod_volumes, credentials in _reading_mounts(scheduled):
            for pod in facts.pods_on(scheduled.node.uid):
                account = facts.service_account_of(pod.uid)
                if account is None:
                    continue
                live = is_live_pod(pod)
                if pod_volumes and live and pod.get("token_mounted"):
                    route = f"{mount.describe()} exposes {POD_VOLUMES.path}, which holds its token for {PODS}"
                    reads.add(account, route, pod)
                if credentials:
                    grant = f"request its tokens for {PODS}, bound to the node"
                    reads.add(account, _kubelet_route(mount, credentials, grant), pod)
        yield from reads.edges("HOST_READ_TOKENS", scheduled)


def _secrets_referenced(facts: ClusterFacts, pod: Entity) -> Iterator[tuple[Entity, bool]]:
    """Each existing secret the pod references, and whether its values sit in files on the node (a secret
    or projected volume) rather than only in the environment or as an image pull secret."""
    for secret_uid, props in facts.linked("MOUNTS_SECRET", pod.uid):
        secret = facts.secrets.get(secret_uid)
        if secret is not None:
            yield secret, bool(ON_DISK_SECRET_VIAS & set(props.get("via") or ()))
    for name in pod.get("image_pull_secrets", []):
        secret = facts.secrets.get(uids.secret_uid(facts.cluster, pod.namespace or "", name))
        if secret is not None:
            yield secret, False


def host_secret_reads(facts: ClusterFacts) -> Iterator[AttackEdge]:
    for scheduled in scheduled_containers(facts):
        reads = _Reads.empty()
        for mount, pod_volumes, credentials in _reading_mounts(scheduled):
            for pod in facts.pods_on(scheduled.node.uid):
                live = is_live_pod(pod)
                for secret, on_disk in _secrets_referenced(facts, pod):
                    if pod_volumes and live and on_disk:
                        route = f"{mount.describe()} exposes {POD_VOLUMES.path}, which holds it as a volume of {PODS}"
                        reads.add(secret, route, pod)
                    if credentials:
                        grant = f"get it for {PODS}, bound to the node"
                        reads.add(secret, _kubelet_route(mount, credentials, grant), pod)
        yield from reads.edges("HOST_READ_SECRETS", scheduled)


# --------------------------------------------------------------------------------------------------
# The catalogue entries
# --------------------------------------------------------------------------------------------------

KUBEHOUND = "https://kubehound.io/reference/attacks/"
BADPODS = "https://github.com/BishopFox/badPods/tree/main/manifests/"
MITRE_ESCAPE = "https://attack.mitre.org/techniques/T1611/"
POD_SECURITY_STANDARDS = "https://kubernetes.io/docs/concepts/security/pod-security-standards/"
HOSTPATH_DOCS = "https://kubernetes.io/docs/concepts/storage/volumes/#hostpath"
NODE_AUTHORIZER = "https://kubernetes.io/docs/reference/access-authn-authz/node/"
CAPABILITIES_MAN = "https://man7.org/linux/man-pages/man7/capabilities.7.html"
TEMPLATE_ESCAPE = (
    " A container of a controller's pod template (no pod of it in the snapshot: manifests from Git or Helm) "
    "gets the edge to each node its pods may land on (spec.nodeName, nodeSelector, taints), or to ClusterNodes "
    "(any node) when nothing narrows it."
)

register_edge_types(
    EdgeType(
        name="CE_PRIVILEGED",
        plane="k8s",
        tactic="escape",
        title="Privileged container escapes to its node",
        mitre="T1611",
        source="Container",
        target="Node, ClusterNodes",
        meaning="The container runs privileged: every capability, the node's devices, no seccomp or AppArmor "
        "confinement. Root in it is root on the node: it can mount the node's disk, abuse the cgroup v1 "
        "release_agent, or load a kernel module." + TEMPLATE_ESCAPE,
        abuse="fdisk -l (or lsblk) to find the node's root disk, mount /dev/<disk> /mnt && chroot /mnt; or "
        "mount a cgroup v1 hierarchy and point its release_agent at a script; or insmod a module.",
        opsec="No API call is made; only runtime security on the node (Falco, Tetragon, auditd) sees the mount, "
        "the cgroup write or the module load. Anything written to the node's disk persists.",
        remediation="Remove privileged: true and add only the capabilities the workload needs; enforce the "
        "baseline Pod Security Standard (pod-security.kubernetes.io/enforce: baseline) where privileged pods "
        "are not needed.",
        references=(
            f"{KUBEHOUND}CE_PRIV_MOUNT/",
            f"{BADPODS}priv",
            "https://bishopfox.com/blog/kubernetes-pod-privilege-escalation",
            "https://blog.trailofbits.com/2019/07/19/understanding-docker-container-escapes/",
            POD_SECURITY_STANDARDS,
            MITRE_ESCAPE,
        ),
    ),
    EdgeType(
        name="CE_NSENTER",
        plane="k8s",
        tactic="escape",
        title="Privileged container with hostPID enters the node's namespaces",
        mitre="T1611",
        source="Container",
        target="Node, ClusterNodes",
        meaning="The container is privileged and shares the node's PID namespace (hostPID), so it sees the "
        "node's PID 1 and may join all of its namespaces: a root shell on the node in one command." + TEMPLATE_ESCAPE,
        abuse="nsenter --target 1 --mount --uts --ipc --net --pid -- bash",
        opsec="One process moves from the container into the node's namespaces; runtime detectors flag nsenter "
        "into PID 1 specifically. Nothing reaches the API server.",
        remediation="Remove privileged: true and hostPID: true; the baseline Pod Security Standard forbids both.",
        references=(
            f"{KUBEHOUND}CE_NSENTER/",
            f"{BADPODS}priv-and-hostpid",
            "https://man7.org/linux/man-pages/man1/nsenter.1.html",
            POD_SECURITY_STANDARDS,
            MITRE_ESCAPE,
        ),
    ),
    EdgeType(
        name="CE_SYS_MODULE",
        plane="k8s",
        tactic="escape",
        title="CAP_SYS_MODULE loads a kernel module into the node",
        mitre="T1611",
        source="Container",
        target="Node, ClusterNodes",
        meaning="The container is given CAP_SYS_MODULE (added by name, or with ALL, and not dropped) and may run "
        "as root: it can load a kernel module into the node's kernel, which runs with full kernel privilege."
        + TEMPLATE_ESCAPE,
        abuse="Build a module against the node's kernel (uname -r) that starts a reverse shell through "
        "call_usermodehelper, then insmod it.",
        opsec="Module loads appear in the kernel log (dmesg) and in auditd; the kernel stays marked tainted until "
        "the next reboot.",
        remediation="Do not add SYS_MODULE or ALL; drop ALL and add back only what the workload needs. The "
        "baseline Pod Security Standard forbids adding it.",
        references=(f"{KUBEHOUND}CE_MODULE_LOAD/", CAPABILITIES_MAN, POD_SECURITY_STANDARDS, MITRE_ESCAPE),
    ),
    EdgeType(
        name="CE_SYS_ADMIN",
        plane="k8s",
        tactic="escape",
        title="CAP_SYS_ADMIN breaks out through mounts and cgroups",
        mitre="T1611",
        source="Container",
        target="Node, ClusterNodes",
        meaning="The container is given CAP_SYS_ADMIN (added by name, or with ALL, and not dropped) and may run "
        "as root: it may mount filesystems and cgroup hierarchies, which on cgroup v1 nodes gives the "
        "release_agent breakout (a command run as root on the node). The runtime's default AppArmor profile "
        "denies mount and the default seccomp profile filters some calls; the reason says when they are off."
        + TEMPLATE_ESCAPE,
        abuse="mkdir /tmp/cg && mount -t cgroup -o rdma cgroup /tmp/cg && mkdir /tmp/cg/x; echo 1 > "
        "/tmp/cg/x/notify_on_release; echo <node path of a script in the container's upper dir> > "
        "/tmp/cg/release_agent; sh -c 'echo $$ > /tmp/cg/x/cgroup.procs'.",
        opsec="Mounting a cgroup filesystem from a container and writing release_agent are classic detections "
        "(Falco's default rules); nothing reaches the API server.",
        remediation="Do not add SYS_ADMIN or ALL; keep the RuntimeDefault seccomp profile and the default AppArmor "
        "profile; move nodes to cgroup v2. The baseline Pod Security Standard forbids adding it.",
        references=(
            "https://blog.trailofbits.com/2019/07/19/understanding-docker-container-escapes/",
            "https://unit42.paloaltonetworks.com/cve-2022-0492-cgroups/",
            CAPABILITIES_MAN,
            POD_SECURITY_STANDARDS,
            MITRE_ESCAPE,
        ),
    ),
    EdgeType(
        name="CE_SYS_PTRACE",
        plane="k8s",
        tactic="escape",
        title="hostPID with CAP_SYS_PTRACE injects into the node's processes",
        mitre="T1611",
        source="Container",
        target="Node, ClusterNodes",
        meaning="The pod shares the node's PID namespace (hostPID) and the container is given CAP_SYS_PTRACE and "
        "may run as root: it can attach to a root process of the node and run code in it. hostPID alone is not "
        "an escape. The runtime's default AppArmor profile denies ptrace of processes outside the container, so "
        "this works on nodes without AppArmor or with the profile Unconfined (the reason says so)." + TEMPLATE_ESCAPE,
        abuse='ps -ef to pick a root process of the node, then gdb -p <pid> and call (void)system("<command>"), '
        "or inject shellcode with a ptrace injector.",
        opsec="ptrace of a node process from a container is rare and flagged by runtime detectors; the injected "
        "command runs under the victim process's name.",
        remediation="Remove hostPID: true and do not add SYS_PTRACE or ALL; keep the default AppArmor profile.",
        references=(
            f"{KUBEHOUND}CE_SYS_PTRACE/",
            "https://www.cybereason.com/blog/container-escape-all-you-need-is-cap-capabilities",
            CAPABILITIES_MAN,
            MITRE_ESCAPE,
        ),
    ),
    EdgeType(
        name="CE_HOSTPATH_WRITE",
        plane="k8s",
        tactic="escape",
        title="Writable hostPath of a sensitive node path",
        mitre="T1611",
        source="Container",
        target="Node, ClusterNodes",
        meaning="The container mounts, writable, a node path whose contents the node runs or trusts as root: / "
        "itself, /etc (cron, shadow, sudoers, systemd, static pod manifests), /root, home directories, "
        "/var/lib/kubelet, the runtimes' state, /proc/sys/kernel/core_pattern, /run, binary and library "
        "directories, /boot. A mount of a directory above such a path counts; a harmless child (/var/log/app, "
        "/etc/ssl) does not. /var/log counts only when the pod's own mounted token may get pods/log: a symlink "
        "in the pod's log directory makes the kubelet read any node file as root. A container that can never "
        "be root gets no edge." + TEMPLATE_ESCAPE,
        abuse="Write a job to <mount>/etc/cron.d, a privileged static pod to /etc/kubernetes/manifests, a key to "
        "/root/.ssh/authorized_keys, or '|/path/to/payload' to /proc/sys/kernel/core_pattern and crash a "
        "process. For /var/log: ln -sf / /var/log/pods/<ns>_<pod>_<uid>/<container>/0.log, then kubectl logs.",
        opsec="Files written on the node persist and are visible to file-integrity monitoring; the /var/log "
        "variant leaves pods/log requests in the API server audit log.",
        remediation="Avoid hostPath (use emptyDir, a CSI driver or the Downward API); where a host path is "
        "needed, mount the narrowest directory with readOnly: true. The baseline Pod Security Standard forbids "
        "hostPath volumes.",
        references=(
            f"{KUBEHOUND}EXPLOIT_HOST_WRITE/",
            f"{KUBEHOUND}CE_UMH_CORE_PATTERN/",
            f"{KUBEHOUND}CE_VAR_LOG_SYMLINK/",
            f"{BADPODS}hostpath",
            "https://www.aquasec.com/blog/kubernetes-security-pod-escape-log-mounts/",
            HOSTPATH_DOCS,
            MITRE_ESCAPE,
        ),
    ),
    EdgeType(
        name="CE_RUNTIME_SOCKET",
        plane="k8s",
        tactic="escape",
        title="Container runtime socket mounted from the node",
        mitre="T1611",
        source="Container",
        target="Node, ClusterNodes",
        meaning="The container reaches a container runtime's API socket on the node (docker.sock, "
        "containerd.sock, crio.sock, cri-dockerd.sock), mounted directly or through a directory holding it "
        "(/run, /var/run, /run/containerd, /). readOnly does not help: connecting to a Unix socket is not a "
        "write. The runtime starts whatever container it is asked to, privileged and with the node's / mounted."
        + TEMPLATE_ESCAPE,
        abuse="docker -H unix:///host/run/docker.sock run --rm -it --privileged --pid=host -v /:/host alpine "
        "chroot /host; with containerd: ctr --address <socket> -n k8s.io run --privileged --mount "
        "type=bind,src=/,dst=/host,options=rbind <image> x sh; or crictl against the CRI socket.",
        opsec="Containers started through the runtime bypass the API server, admission and the audit log; they "
        "show in crictl ps or docker ps on the node, not in kubectl.",
        remediation="Do not mount runtime sockets or the directories that hold them; build images with a "
        "rootless builder instead of docker.sock; give monitoring agents a read-only metadata source.",
        references=(
            f"{KUBEHOUND}EXPLOIT_CONTAINERD_SOCK/",
            "https://docs.docker.com/engine/security/protect-access/",
            HOSTPATH_DOCS,
            MITRE_ESCAPE,
        ),
    ),
    EdgeType(
        name="HOST_READ_TOKENS",
        plane="k8s",
        tactic="credential-access",
        title="hostPath read of other pods' service-account tokens",
        mitre="T1528",
        source="Container",
        target="ServiceAccount",
        meaning="The container can read the API tokens of service accounts used by pods on its node, without "
        "taking the node: through a hostPath showing /var/lib/kubelet/pods (/, /var, /var/lib, /var/lib/kubelet "
        "or the directory itself), where the kubelet keeps each pod's projected token (pods that mount one "
        "only); or through the kubelet's own credentials (/var/lib/kubelet/pki, kubelet kubeconfigs), with "
        "which the Node authorizer lets the kubelet request a token for the service account of any pod bound "
        "to the node. Read-only is enough. A writable mount that already gives CE_HOSTPATH_WRITE gets no "
        "read edge (node takeover implies it); neither does a container that can never be root.",
        abuse="find <mount>/var/lib/kubelet/pods -path '*kube-api-access*/token' and use each token; or, with the "
        "kubelet's key: kubectl --client-certificate <pem> --client-key <pem> create token <sa> -n <ns> "
        "--bound-object-kind Pod --bound-object-name <pod on that node>.",
        opsec="Reading the files makes no API call. Tokens used from elsewhere are audited as their service "
        "accounts; tokens requested with the kubelet's identity are audited as system:node:<node>.",
        remediation="Do not mount /var/lib/kubelet or its parents; monitoring agents rarely need more than "
        "/proc and /sys read-only. Run such agents as non-root with allowPrivilegeEscalation: false.",
        references=(
            f"{KUBEHOUND}TOKEN_STEAL/",
            f"{KUBEHOUND}EXPLOIT_HOST_READ/",
            NODE_AUTHORIZER,
            HOSTPATH_DOCS,
            "https://attack.mitre.org/techniques/T1528/",
        ),
    ),
    EdgeType(
        name="HOST_READ_SECRETS",
        plane="k8s",
        tactic="credential-access",
        title="hostPath read of secrets used by pods on the node",
        mitre="T1552.007",
        source="Container",
        target="KubeSecret",
        meaning="The container can read secrets used by pods on its node, without taking the node: through a "
        "hostPath showing /var/lib/kubelet/pods, where secret and projected volumes sit as files; or through the "
        "kubelet's own credentials (/var/lib/kubelet/pki, kubelet kubeconfigs; not on EKS, whose kubelet "
        "authenticates with the node's IAM role), with which the Node authorizer lets the kubelet get every "
        "secret a pod bound to the node references (volumes, env, envFrom, imagePullSecrets). Read-only is "
        "enough. A writable mount that already gives CE_HOSTPATH_WRITE gets no read edge.",
        abuse="ls <mount>/var/lib/kubelet/pods/*/volumes/kubernetes.io~secret/*/ and read the files; or, with the "
        "kubelet's key: kubectl --client-certificate <pem> --client-key <pem> get secret <name> -n <ns> -o yaml.",
        opsec="Reading the files makes no API call; secrets fetched with the kubelet's identity are audited as "
        "system:node:<node>, which does this routinely.",
        remediation="Do not mount /var/lib/kubelet, /etc/kubernetes or their parents; keep secrets out of pods "
        "that share nodes with less trusted workloads (taints, dedicated node pools).",
        references=(
            NODE_AUTHORIZER,
            f"{KUBEHOUND}EXPLOIT_HOST_READ/",
            HOSTPATH_DOCS,
            "https://attack.mitre.org/techniques/T1552/007/",
        ),
    ),
)
register_rules(
    Rule("k8s.escape.privileged", "CE_PRIVILEGED", privileged_containers),
    Rule("k8s.escape.privileged-host-pid", "CE_NSENTER", privileged_host_pid_containers),
    Rule("k8s.escape.cap-sys-module", "CE_SYS_MODULE", module_loading_containers),
    Rule("k8s.escape.cap-sys-admin", "CE_SYS_ADMIN", sys_admin_containers),
    Rule("k8s.escape.host-pid-ptrace", "CE_SYS_PTRACE", ptrace_host_pid_containers),
    Rule("k8s.escape.hostpath-write", "CE_HOSTPATH_WRITE", host_path_write_containers),
    Rule("k8s.escape.runtime-socket", "CE_RUNTIME_SOCKET", runtime_socket_containers),
    Rule("k8s.escape.hostpath-read-tokens", "HOST_READ_TOKENS", host_token_reads),
    Rule("k8s.escape.hostpath-read-secrets", "HOST_READ_SECRETS", host_secret_reads),
)
