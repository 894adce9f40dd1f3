"""Control inside a workload: who runs code in which container, and which credentials that code can read.

Every edge here starts from something an attacker already controls (a node, a pod, a controller, a
container, a secret) and ends at what that control gives: the pod's containers, a sibling container, the
pod's service-account token, the secrets mounted into a container, the account a token secret belongs to.
Only pods that are still alive count: a finished pod (Succeeded, Failed) runs nothing and its bound token
is no longer accepted. A controller with running pods reaches them through CONTROLLER_RUNS_POD and its
template containers get no edges; a controller none of whose pods is in the snapshot is a template pod
(graph/planes/k8s/views.py): its template containers hold the token and secrets its pods will mount, and
the controller controls them (CONTROLS_CONTAINER).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from graph.analysis.catalogue import AttackEdge, EdgeType, Rule, register_edge_types, register_rules
from graph.analysis.facts import Entity
from graph.planes.k8s import uids
from graph.planes.k8s.facts import ClusterFacts
from graph.planes.k8s.views import (
    TEMPLATE_CONTROLLER_KINDS,
    TEMPLATE_NOTE,
    ContainerView,
    is_live_pod,
    live_pods,
    running_containers,
    template_pod_views,
    workload_pod_views,
)

SA_TOKEN_SECRET_TYPE = "kubernetes.io/service-account-token"
SA_TOKEN_MOUNT_PATH = "/var/run/secrets/kubernetes.io/serviceaccount"
# The volume the ServiceAccount admission plugin adds since Kubernetes 1.21 (a projected, bound token).
ADMISSION_TOKEN_VOLUME_PREFIX = "kube-api-access-"
# The token controller labels a legacy token secret that has gone unused (Kubernetes 1.29+); from then on
# the API server rejects its token, and the secret is deleted later.
LEGACY_TOKEN_INVALID_LABEL = "kubernetes.io/legacy-token-invalid-since"
SA_UID_ANNOTATION = "kubernetes.io/service-account.uid"


def _edge(edge_type: str, src: Entity, dst: Entity, reason: str) -> AttackEdge:
    return AttackEdge(edge_type, src.kind, src.uid, dst.kind, dst.uid, reason)


# --------------------------------------------------------------------------------------------------
# CONTROLS_CONTAINER, SHARES_PROCESS_NAMESPACE, NODE_CONTROLS_POD, CONTROLLER_RUNS_POD
# --------------------------------------------------------------------------------------------------


def pod_controls_containers(facts: ClusterFacts) -> Iterator[AttackEdge]:
    for pod in live_pods(facts):
        for container in running_containers(facts, pod):
            if ContainerView(container).kind == "ephemeral":
                # Ephemeral containers stay in the spec after they exit; their state is not collected.
                reason = f'pod {pod.ref} has ephemeral container "{container.name}" (runs until it exits)'
            else:
                reason = f'pod {pod.ref} runs container "{container.name}"'
            yield _edge("CONTROLS_CONTAINER", pod, container, reason)


def templates_control_containers(facts: ClusterFacts) -> Iterator[AttackEdge]:
    """A controller without pods in the snapshot controls the containers its template will run: whoever
    rewrites the template (CAN_MODIFY_WORKLOAD) runs code in them. A Job's template is immutable: no edge."""
    for view in template_pod_views(facts):
        controller = view.entity
        if controller.kind not in TEMPLATE_CONTROLLER_KINDS:
            continue
        for container in view.containers:
            kind = {"init": "init container", "ephemeral": "ephemeral container"}.get(container.kind, "container")
            yield _edge(
                "CONTROLS_CONTAINER",
                controller,
                container.entity,
                f'pod template of {controller.kind} {controller.ref} ({TEMPLATE_NOTE}) runs {kind} "{container.name}" '
                "in every pod it creates: changing the template changes what it runs",
            )


def containers_sharing_processes(facts: ClusterFacts) -> Iterator[AttackEdge]:
    """Reading another process's /proc/<pid>/root needs ptrace read access: the same uid, or
    CAP_SYS_PTRACE. Containers known to run as different uids reach each other only with that
    capability; when a uid is unset (the image decides) access is assumed."""
    for pod in live_pods(facts):
        if not pod.get("share_process_namespace"):
            continue
        containers = running_containers(facts, pod)
        for source in containers:
            for target in containers:
                if source.uid == target.uid:
                    continue
                source_uid, target_uid = source.get("run_as_user"), target.get("run_as_user")
                ptrace = ContainerView(source).effective_capability("SYS_PTRACE")
                if ptrace:
                    how = "which is privileged" if ptrace == "privileged" else "which has CAP_SYS_PTRACE"
                    access = f'"{source.name}" {how}'
                elif source_uid is not None and target_uid is not None:
                    if source_uid != target_uid:
                        continue  # different users, no CAP_SYS_PTRACE: ptrace access is denied
                    access = f"both run as uid {source_uid}"
                else:
                    access = "runAsUser unset on at least one: the image decides, assumed the same user"
                yield _edge(
                    "SHARES_PROCESS_NAMESPACE",
                    source,
                    target,
                    f'pod {pod.ref}: shareProcessNamespace=true; "{source.name}" sees the processes and, '
                    f'through /proc/<pid>/root, the files of "{target.name}" ({access})',
                )


def node_controls_pods(facts: ClusterFacts) -> Iterator[AttackEdge]:
    for node in facts.nodes.values():
        for pod in facts.pods_on(node.uid):
            if is_live_pod(pod):
                yield _edge("NODE_CONTROLS_POD", node, pod, f"pod {pod.ref} runs on node {node.name} (spec.nodeName)")


def _owned_children(facts: ClusterFacts, owner_uid: str) -> list[str]:
    """Objects this owner controls: only ownerReferences with controller=true, which mark the object that
    created them (a plain owner reference only ties garbage collection)."""
    return [child for child, props in facts.linked("OWNS", owner_uid) if props.get("controller")]


def controllers_run_pods(facts: ClusterFacts) -> Iterator[AttackEdge]:
    for kind in TEMPLATE_CONTROLLER_KINDS:
        for controller in facts.of(kind).values():
            # Walk the controller chain (Deployment → ReplicaSet → Pod, CronJob → Job → Pod).
            stack: list[tuple[str, list[str]]] = [(controller.uid, [f"{controller.kind} {controller.ref}"])]
            seen = {controller.uid}
            while stack:
                owner_uid, chain = stack.pop()
                for child_uid in _owned_children(facts, owner_uid):
                    if child_uid in seen:
                        continue
                    seen.add(child_uid)
                    pod = facts.pods.get(child_uid)
                    if pod is not None:
                        if is_live_pod(pod):
                            path = " → ".join([*chain, f"pod {pod.ref}"])
                            yield _edge(
                                "CONTROLLER_RUNS_POD",
                                controller,
                                pod,
                                f"{path} (ownerReferences controller=true): the pod runs the controller's template",
                            )
                        continue
                    child = facts.entity(child_uid)
                    if child is not None:
                        stack.append((child_uid, [*chain, f"{child.kind} {child.ref}"]))


# --------------------------------------------------------------------------------------------------
# HAS_SA_TOKEN
# --------------------------------------------------------------------------------------------------


def _volume_mounts(container: Entity) -> list[Mapping[str, Any]]:
    return list(container.json("volume_mounts_json", []))


def _pod_volumes(pod: Entity) -> list[Mapping[str, Any]]:
    return list(pod.json("volumes_json", []))


def _projects_api_token(volume: Mapping[str, Any]) -> bool:
    """A projected volume with a serviceAccountToken source for the API server's audience. A token with
    another audience (sts.amazonaws.com for IRSA, vault, …) is rejected by the API server."""
    sources = (volume.get("projected") or {}).get("sources") or []
    return any(
        isinstance(source, Mapping)
        and isinstance(source.get("serviceAccountToken"), Mapping)
        and not source["serviceAccountToken"].get("audience")
        for source in sources
    )


def _is_own_legacy_token_secret(facts: ClusterFacts, pod: Entity, sa: Entity, secret_name: str) -> bool:
    """Whether a secret volume holds the pod's own service account's legacy token (what the admission
    plugin mounted before Kubernetes 1.22). Checked against the secret when it was collected; when it was
    not (the transform keeps the reference only if Secrets were not listed in full), by its generated name."""
    secret_uid = uids.secret_uid(facts.cluster, pod.namespace or "", secret_name)
    secret = facts.secrets.get(secret_uid)
    if secret is not None:
        return secret.get("type") == SA_TOKEN_SECRET_TYPE and sa.uid in facts.targets("TOKEN_FOR", secret_uid)
    referenced = any(target == secret_uid for target, _ in facts.linked("MOUNTS_SECRET", pod.uid))
    return referenced and secret_name.startswith(f"{sa.name}-token-")


@dataclass(frozen=True)
class _TokenVolume:
    name: str
    description: str
    admission_added: bool  # the ServiceAccount admission plugin put it there


def _api_token_volumes(facts: ClusterFacts, pod: Entity, sa: Entity) -> dict[str, _TokenVolume]:
    volumes: dict[str, _TokenVolume] = {}
    for volume in _pod_volumes(pod):
        name = str(volume.get("name", ""))
        if _projects_api_token(volume):
            from_admission = name.startswith(ADMISSION_TOKEN_VOLUME_PREFIX)
            label = "volume" if from_admission else "projected serviceAccountToken volume"
            volumes[name] = _TokenVolume(name, f'{label} "{name}"', from_admission)
        secret_name = (volume.get("secret") or {}).get("secretName")
        if secret_name and _is_own_legacy_token_secret(facts, pod, sa, str(secret_name)):
            volumes[name] = _TokenVolume(name, f'legacy token secret volume "{name}" ({secret_name})', True)
    return volumes


def _automount(pod: Entity, sa: Entity) -> tuple[bool, str]:
    """The automountServiceAccountToken decision (the pod's setting wins over the SA's; unset on both =
    true) and how to say it."""
    pod_setting = pod.props.get("automount_service_account_token")
    sa_setting = sa.props.get("automount_service_account_token")
    if pod_setting is not None:
        text = f"automountServiceAccountToken: {str(pod_setting).lower()} on the pod"
        if sa_setting is not None and sa_setting != pod_setting:
            text += f" (wins over {str(sa_setting).lower()} on the SA)"
        return bool(pod_setting), text
    if sa_setting is not None:
        return bool(sa_setting), f"automountServiceAccountToken unset on the pod, {str(sa_setting).lower()} on the SA"
    return True, "automountServiceAccountToken unset on pod and SA: default true"


def _mounts_at_token_path(container: Entity) -> bool:
    return any(mount.get("mountPath") == SA_TOKEN_MOUNT_PATH for mount in _volume_mounts(container))


def containers_with_sa_token(facts: ClusterFacts) -> Iterator[AttackEdge]:
    """Which containers carry the pod's API token. In a pod read from the API, the admission plugin has
    already written the token volume and its mounts into the spec, so the container's own volumeMounts
    decide. A spec with no admission-added token volume has not been through admission (a hand-written
    manifest, or a controller's template): the plugin would add one to every init and regular container
    that does not already mount something at the token path; it never adds one to ephemeral containers."""
    for view in workload_pod_views(facts):
        pod = view.entity
        if not pod.get("token_mounted"):
            continue
        sa = facts.service_account_of(pod.uid)
        if sa is None:
            continue  # the account does not exist: no token for it is accepted
        automount, automount_text = _automount(pod, sa)
        volumes = _api_token_volumes(facts, pod, sa)
        admitted = any(volume.admission_added for volume in volumes.values())
        for container in facts.containers_of(pod.uid):
            subject = f"{ContainerView(container).describe(pod)} mounts the token of {sa.ref}"
            mounted = [
                (volumes[str(mount.get("name"))], mount.get("mountPath"))
                for mount in _volume_mounts(container)
                if str(mount.get("name")) in volumes
            ]
            if mounted:
                volume, path = mounted[0]
                why = automount_text if volume.admission_added else f"mounted explicitly; {automount_text}"
                yield _edge("HAS_SA_TOKEN", container, sa, f"{subject} ({volume.description} at {path}; {why})")
            elif (
                automount
                and not admitted
                and ContainerView(container).kind != "ephemeral"
                and not _mounts_at_token_path(container)
            ):
                yield _edge(
                    "HAS_SA_TOKEN",
                    container,
                    sa,
                    f"{subject} ({automount_text}; the spec has no token volume yet, so the ServiceAccount "
                    f"admission plugin adds one at {SA_TOKEN_MOUNT_PATH})",
                )


# --------------------------------------------------------------------------------------------------
# READS_MOUNTED_SECRET, SECRET_HOLDS_TOKEN
# --------------------------------------------------------------------------------------------------


def _secret_volume_sources(pod: Entity) -> dict[str, list[tuple[str, str]]]:
    """Volume name -> [(secret name, "secret volume" | "projected secret source")]."""
    sources: dict[str, list[tuple[str, str]]] = {}
    for volume in _pod_volumes(pod):
        name = str(volume.get("name", ""))
        secret_name = (volume.get("secret") or {}).get("secretName")
        if secret_name:
            sources.setdefault(name, []).append((str(secret_name), "secret volume"))
        for source in (volume.get("projected") or {}).get("sources") or []:
            projected = source.get("secret") if isinstance(source, Mapping) else None
            if isinstance(projected, Mapping) and projected.get("name"):
                sources.setdefault(name, []).append((str(projected["name"]), "projected secret source"))
    return sources


def _how_container_reads(
    container: Entity, secret_name: str, volume_sources: dict[str, list[tuple[str, str]]]
) -> list[str]:
    """Each way this container sees the secret: env keys, envFrom, volume mounts (named for the reason)."""
    ways: list[str] = []
    for env in container.json("env_json", []):
        key_ref = (env.get("valueFrom") or {}).get("secretKeyRef") or {}
        if key_ref.get("name") == secret_name:
            ways.append(f"env {env.get('name')} from secretKeyRef {secret_name}/{key_ref.get('key')}")
    for source in container.json("env_from_json", []):
        if (source.get("secretRef") or {}).get("name") == secret_name:
            prefix = f" (prefix {source['prefix']})" if source.get("prefix") else ""
            ways.append(f"envFrom secretRef {secret_name}{prefix}")
    for mount in _volume_mounts(container):
        volume = str(mount.get("name"))
        for name, how in volume_sources.get(volume, []):
            if name == secret_name:
                ways.append(f'{how} "{volume}" mounted at {mount.get("mountPath")}')
    return ways


def containers_reading_secrets(facts: ClusterFacts) -> Iterator[AttackEdge]:
    """The pod's MOUNTS_SECRET links say which of its containers see a secret; the container's own env,
    envFrom and volumeMounts say how. Secrets that were not collected get no edge (nothing to point at).
    Template pods count like pods: the controller's MOUNTS_SECRET links are its template's."""
    for view in workload_pod_views(facts):
        pod = view.entity
        containers = {container.name: container for container in facts.containers_of(pod.uid)}
        volume_sources = _secret_volume_sources(pod)
        for secret_uid, props in facts.linked("MOUNTS_SECRET", pod.uid):
            secret = facts.secrets.get(secret_uid)
            if secret is None:
                continue
            for container_name in props.get("containers") or []:
                container = containers.get(container_name)
                if container is None:
                    continue
                ways = _how_container_reads(container, secret.name, volume_sources)
                if not ways:
                    continue  # the link's container list is per secret, not per way: trust only what we see
                yield _edge(
                    "READS_MOUNTED_SECRET",
                    container,
                    secret,
                    f"{ContainerView(container).describe(pod)} reads secret {secret.ref}: {', '.join(ways)}",
                )


def token_secrets(facts: ClusterFacts) -> Iterator[AttackEdge]:
    """Legacy token secrets that exist and whose token the API server still accepts (closed world: the
    TOKEN_FOR link exists only for a secret that names its account)."""
    for secret in facts.secrets.values():
        if secret.get("type") != SA_TOKEN_SECRET_TYPE:
            continue
        labels = secret.json("labels_json", {})
        if LEGACY_TOKEN_INVALID_LABEL in labels:
            continue  # invalidated by the legacy token cleaner: the API server rejects it
        annotations = secret.json("annotations_json", {})
        for sa_uid in facts.targets("TOKEN_FOR", secret.uid):
            sa = facts.service_accounts.get(sa_uid)
            if sa is None:
                continue
            bound_uid, sa_object_uid = annotations.get(SA_UID_ANNOTATION), sa.get("k8s_uid")
            if bound_uid and sa_object_uid and bound_uid != sa_object_uid:
                continue  # the token belongs to an earlier account of the same name; it is rejected
            yield _edge(
                "SECRET_HOLDS_TOKEN",
                secret,
                sa,
                f"secret {secret.ref} is of type {SA_TOKEN_SECRET_TYPE} for {sa.ref} "
                f"(annotation kubernetes.io/service-account.name={sa.name}): its token data authenticates as the SA",
            )


# --------------------------------------------------------------------------------------------------
# The catalogue entries
# --------------------------------------------------------------------------------------------------

K8S_SA_DOCS = "https://kubernetes.io/docs/concepts/security/service-accounts/"
K8S_SA_TASK = "https://kubernetes.io/docs/tasks/configure-pod-container/configure-service-account/"
KUBEHOUND = "https://kubehound.io/reference/attacks/"


register_edge_types(
    EdgeType(
        name="CONTROLS_CONTAINER",
        plane="k8s",
        tactic="lateral",
        title="Pod control reaches its containers",
        mitre="T1609",
        source="Pod, or a Deployment, DaemonSet, StatefulSet, ReplicaSet, ReplicationController or CronJob "
        "without pods in the snapshot",
        target="Container",
        meaning="Whoever controls a running pod (exec or attach, node takeover, patching the pod) runs code in "
        "each of its running containers: regular and ephemeral. Init containers have already exited. The source "
        "may also be a controller none of whose pods is in the snapshot (manifests from Git or Helm): whoever "
        "controls it (CAN_MODIFY_WORKLOAD) rewrites its pod template, and so runs code in every container "
        "(init containers included) of the pods it will create, with their token, secrets and privileges. A "
        "Job's template is immutable: no edge from a Job.",
        abuse="kubectl exec -it -n <ns> <pod> -c <container> -- sh; or, from the node, crictl exec into the "
        "container; for a controller, kubectl set image / kubectl patch its template and wait for the pods. "
        "Then use what that container has: its token, its mounted secrets, its privileges.",
        opsec="exec and attach are logged by the API server audit log (pods/exec, pods/attach); crictl exec "
        "on the node bypasses the API server entirely; a template change is audited and shows in the "
        "workload's rollout history.",
        remediation="Restrict pods/exec, pods/attach and pods/ephemeralcontainers in RBAC, and update/patch "
        "on workload controllers; keep containers with different trust levels in different pods.",
        references=(
            f"{KUBEHOUND}POD_EXEC/",
            f"{KUBEHOUND}CONTAINER_ATTACH/",
            f"{KUBEHOUND}POD_PATCH/",
            "https://attack.mitre.org/techniques/T1609/",
        ),
        consequence=True,
    ),
    EdgeType(
        name="SHARES_PROCESS_NAMESPACE",
        plane="k8s",
        tactic="lateral",
        title="Shared process namespace between containers",
        mitre="T1055",
        source="Container",
        target="Container",
        meaning="The pod sets shareProcessNamespace: true, so each container sees its siblings' processes and, "
        "through /proc/<pid>/root, their filesystems (tokens, mounted secrets, configuration). Reading another "
        "process's root needs the same uid or CAP_SYS_PTRACE.",
        abuse="ps ax to find the sibling's PID, then cat /proc/<pid>/root/var/run/secrets/kubernetes.io/"
        "serviceaccount/token or /proc/<pid>/environ; with CAP_SYS_PTRACE, inject into the process.",
        opsec="Nothing reaches the API server; only runtime security tools watching /proc access notice.",
        remediation="Do not set shareProcessNamespace on pods whose containers differ in trust; run them as "
        "different non-root users without CAP_SYS_PTRACE.",
        references=(
            "https://kubernetes.io/docs/tasks/configure-pod-container/share-process-namespace/",
            f"{KUBEHOUND}SHARE_PS_NAMESPACE/",
        ),
    ),
    EdgeType(
        name="HAS_SA_TOKEN",
        plane="k8s",
        tactic="credential-access",
        title="Container holds its service account's token",
        mitre="T1528",
        source="Container",
        target="ServiceAccount",
        meaning="The container has the pod's service-account token mounted (automountServiceAccountToken is "
        "not false on the pod, or the pod leaves it unset and the SA does not set false; or a projected token "
        "volume is mounted). Code in the container can call the API server as the service account.",
        abuse="cat /var/run/secrets/kubernetes.io/serviceaccount/token, then kubectl --token=<token> "
        "--server=https://kubernetes.default.svc auth can-i --list.",
        opsec="Reading the file is invisible to the API server; API calls with the token are audited as the "
        "service account, from the pod's IP unless the token is exfiltrated (bound tokens carry the pod's name).",
        remediation="Set automountServiceAccountToken: false on pods (and service accounts) that do not call "
        "the API; give those that do a dedicated account with the least RBAC.",
        references=(
            K8S_SA_TASK + "#opt-out-of-api-credential-automounting",
            K8S_SA_DOCS,
            f"{KUBEHOUND}TOKEN_STEAL/",
            "https://attack.mitre.org/techniques/T1528/",
        ),
    ),
    EdgeType(
        name="READS_MOUNTED_SECRET",
        plane="k8s",
        tactic="credential-access",
        title="Container reads a mounted secret",
        mitre="T1552.007",
        source="Container",
        target="KubeSecret",
        meaning="The secret is mounted into this container as a volume (secret or projected source) or "
        "exposed to it through env secretKeyRef or envFrom secretRef: code in the container reads its values.",
        abuse="cat the files under the mount path, or env / cat /proc/self/environ.",
        opsec="Reading a mounted file or the environment makes no API call; nothing is audited.",
        remediation="Mount secrets only into the containers that need them; prefer short-lived credentials "
        "from a secret store over long-lived values in Secrets.",
        references=(
            "https://kubernetes.io/docs/concepts/configuration/secret/#using-a-secret",
            "https://kubernetes.io/docs/concepts/security/secrets-good-practices/",
            "https://attack.mitre.org/techniques/T1552/007/",
        ),
    ),
    EdgeType(
        name="SECRET_HOLDS_TOKEN",
        plane="k8s",
        tactic="credential-access",
        title="Secret holds a service account token",
        mitre="T1528",
        source="KubeSecret",
        target="ServiceAccount",
        meaning="The secret is a kubernetes.io/service-account-token secret for an existing service account: "
        "its token never expires, and whoever reads the secret authenticates as that account.",
        abuse="kubectl get secret -n <ns> <name> -o jsonpath='{.data.token}' | base64 -d, then use the token "
        "as a bearer token against the API server.",
        opsec="Reading the secret is audited as a get on secrets; using the token is audited as the service "
        "account (legacy tokens carry no pod binding).",
        remediation="Delete legacy token secrets and use TokenRequest (bound, expiring tokens); Kubernetes "
        "1.29+ marks unused ones with kubernetes.io/legacy-token-invalid-since and then removes them.",
        references=(
            "https://kubernetes.io/docs/concepts/configuration/secret/#serviceaccount-token-secrets",
            "https://kubernetes.io/docs/reference/access-authn-authz/service-accounts-admin/",
            f"{KUBEHOUND}TOKEN_LIST/",
            "https://attack.mitre.org/techniques/T1528/",
        ),
    ),
    EdgeType(
        name="NODE_CONTROLS_POD",
        plane="k8s",
        tactic="lateral",
        title="Node takeover reaches its pods",
        mitre="T1609",
        source="Node",
        target="Pod",
        meaning="Root on a node controls every pod running there: their containers, their tokens, their mounted "
        "secrets (all on the node's disk under /var/lib/kubelet/pods).",
        abuse="crictl ps / crictl exec into any container; read /var/lib/kubelet/pods/*/volumes/"
        "kubernetes.io~projected/*/token and kubernetes.io~secret/*.",
        opsec="Runs below the API server: only node-level detection (runtime security, auditd) sees it.",
        remediation="Prevent the container escapes that lead to the node; keep sensitive workloads on "
        "dedicated nodes (taints, node affinity) away from untrusted ones.",
        references=(
            "https://kubernetes.io/docs/concepts/security/multi-tenancy/#node-isolation",
            "https://attack.mitre.org/techniques/T1611/",
            "https://attack.mitre.org/techniques/T1609/",
        ),
        consequence=True,
    ),
    EdgeType(
        name="CONTROLLER_RUNS_POD",
        plane="k8s",
        tactic="lateral",
        title="Controller template controls its pods",
        mitre="T1610",
        source="Deployment, ReplicaSet, StatefulSet, DaemonSet, ReplicationController, CronJob",
        target="Pod",
        meaning="The pod was created from this controller's template (directly or through a ReplicaSet or Job): "
        "whoever can change the template changes what runs in the pods it creates, with the same service account "
        "and mounts. A Job's template is immutable, so a Job alone gives no such control.",
        abuse="kubectl set image / kubectl patch the controller's template (command, image, securityContext); "
        "the controller rolls out pods that run the attacker's code.",
        opsec="The template change and the rollout are audited and visible in the workload's history "
        "(kubectl rollout history).",
        remediation="Restrict update/patch on workload controllers in RBAC as tightly as create on pods; "
        "enforce Pod Security admission so a changed template cannot become privileged.",
        references=(
            "https://kubernetes.io/docs/concepts/workloads/controllers/deployment/#updating-a-deployment",
            "https://kubernetes.io/docs/concepts/overview/working-with-objects/owners-dependents/",
            f"{KUBEHOUND}POD_PATCH/",
        ),
        consequence=True,
    ),
)
register_rules(
    Rule("k8s.workload.pod-controls-container", "CONTROLS_CONTAINER", pod_controls_containers),
    Rule("k8s.workload.template-controls-container", "CONTROLS_CONTAINER", templates_control_containers),
    Rule("k8s.workload.shared-process-namespace", "SHARES_PROCESS_NAMESPACE", containers_sharing_processes),
    Rule("k8s.token.mounted-sa-token", "HAS_SA_TOKEN", containers_with_sa_token),
    Rule("k8s.secret.mounted-secret", "READS_MOUNTED_SECRET", containers_reading_secrets),
    Rule("k8s.secret.legacy-sa-token", "SECRET_HOLDS_TOKEN", token_secrets),
    Rule("k8s.node.controls-pod", "NODE_CONTROLS_POD", node_controls_pods),
    Rule("k8s.workload.controller-runs-pod", "CONTROLLER_RUNS_POD", controllers_run_pods),
)
