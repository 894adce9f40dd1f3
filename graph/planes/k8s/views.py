"""Typed views over the Kubernetes facts: what a container, a pod and a node mean at run time.

The rules share these semantics, so they live here once:
- capabilities as containerd and CRI-O apply them (add ALL, then drop ALL, then each added name, then each
  dropped name), and none of them effective for a container that can never be root (allowPrivilegeEscalation
  false and a non-zero runAsUser or runAsNonRoot: no ambient set, no setuid);
- live pods (not Succeeded or Failed), running containers (regular, ephemeral and native sidecars: init
  containers with restartPolicy Always), listening containers, and the controller kinds whose template an
  attacker can rewrite;
- template pods: a controller (Deployment, DaemonSet, StatefulSet, Job, CronJob, ReplicaSet,
  ReplicationController) none of whose pods is in the snapshot (manifests from Git or Helm, a workload
  scaled to zero) is analysed as the pod its template will create, once per chain (the topmost controller:
  a Deployment's ReplicaSet carries the same template); its pods are found through ownerReferences, or, for a
  snapshot without them, as the live pods of its namespace its spec.selector matches; on the nodes that pod may land on: spec.nodeName,
  else the nodes in the graph that match its nodeSelector and whose NoSchedule / NoExecute taints it
  tolerates, else (no constraint, or no nodes in the snapshot) the cluster's "any node" anchor.

Sources: kubernetes.io "Configure a Security Context" and "Sidecar Containers"; containerd
pkg/cri/opts/spec_linux.go and CRI-O internal/config/capabilities (the add/drop order); capabilities(7)
("Transformation of capabilities during execve"); kubernetes.io "Taints and Tolerations" (toleration
matching) and "DaemonSet" (the tolerations the DaemonSet controller adds).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from graph.analysis.facts import Entity
from graph.planes.k8s import uids
from graph.planes.k8s.kinds import CONTROLLER_KINDS

if TYPE_CHECKING:
    from graph.planes.k8s.facts import ClusterFacts

# Pods in these phases have finished: their containers have exited and no Service sends them traffic.
FINISHED_POD_PHASES = frozenset({"Succeeded", "Failed"})
# Controllers whose pod template an attacker can rewrite to change what runs. A Job's spec.template is
# immutable once created, so a Job gives no control over its pods; a CronJob's jobTemplate is mutable and
# the next Job's pods run whatever it says.
TEMPLATE_CONTROLLER_KINDS = tuple(kind for kind in CONTROLLER_KINDS if kind != "Job")
# Taints that keep a pod off a node (PreferNoSchedule only steers the scheduler).
BLOCKING_TAINT_EFFECTS = frozenset({"NoSchedule", "NoExecute"})
# The DaemonSet controller adds tolerations for these to every DaemonSet pod (node.kubernetes.io/<key>), and
# DaemonSet pods ignore a cordon (spec.unschedulable).
DAEMONSET_TOLERATED_TAINTS = frozenset(
    f"node.kubernetes.io/{key}"
    for key in (
        "not-ready",
        "unreachable",
        "disk-pressure",
        "memory-pressure",
        "pid-pressure",
        "unschedulable",
        "network-unavailable",
    )
)
TEMPLATE_NOTE = "no running pod in the snapshot"


@dataclass(frozen=True)
class ContainerView:
    """One container (of a pod or a pod template) with its effective security context."""

    entity: Entity

    @property
    def uid(self) -> str:
        return self.entity.uid

    @property
    def name(self) -> str:
        return self.entity.name

    @property
    def kind(self) -> str:
        """container | init | ephemeral"""
        return str(self.entity.get("container_type", "container"))

    @property
    def native_sidecar(self) -> bool:
        """An init container with `restartPolicy: Always` keeps running next to the regular containers."""
        return self.kind == "init" and self.entity.get("restart_policy") == "Always"

    @property
    def runs_alongside(self) -> bool:
        """Runs next to the others in a live pod: regular, ephemeral and native-sidecar containers. Other init
        containers have run to completion before the regular containers start."""
        return self.kind != "init" or self.native_sidecar

    @property
    def listens(self) -> bool:
        """Can serve traffic: regular containers and native sidecars (ephemeral ones declare no ports)."""
        return self.kind == "container" or self.native_sidecar

    @property
    def privileged(self) -> bool:
        return bool(self.entity.get("privileged"))

    def capability_grant(self, capability: str) -> str | None:
        """The capabilities.add entry that gives the container `capability` ("SYS_ADMIN" or "ALL"), or None.

        A name in drop always removes it, a name in add survives drop ALL, and add ALL survives only without
        drop ALL. The transform has already upper-cased the names and removed "CAP_"."""
        added = set(self.entity.get("capabilities_add", []))
        dropped = set(self.entity.get("capabilities_drop", []))
        if capability in dropped:
            return None
        if capability in added:
            return capability
        if "ALL" in added and "ALL" not in dropped:
            return "ALL"
        return None

    @property
    def never_root(self) -> str | None:
        """Why the container can never run as root (its capabilities are then not effective and root-owned
        node files are out of reach), or None when it may be root."""
        if self.entity.get("allow_privilege_escalation") is not False:
            return None
        run_as_user = self.entity.get("run_as_user")
        if isinstance(run_as_user, int) and run_as_user != 0:
            return f"runAsUser={run_as_user}"
        if run_as_user is None and self.entity.get("run_as_non_root") is True:
            return "runAsNonRoot=true"
        return None

    def effective_capability(self, capability: str) -> str | None:
        """How the container's processes hold `capability`: "privileged", the capabilities.add entry that
        grants it, or None (never granted, dropped, or not effective because the container is never root)."""
        if self.privileged:
            return "privileged"
        grant = self.capability_grant(capability)
        return grant if grant and not self.never_root else None

    def describe(self, pod: Entity) -> str:
        kind = (
            "sidecar container"
            if self.native_sidecar
            else {"init": "init container", "ephemeral": "ephemeral container"}.get(self.kind, "container")
        )
        return f'{kind} "{self.name}" of {pod_phrase(pod)}'


@dataclass(frozen=True)
class PodView:
    """A pod with its containers and the node it runs on; or a template pod (`template=True`): a controller
    without pods in the snapshot, seen as the pod it will create, with the places that pod may land on."""

    entity: Entity  # the Pod, or the controller whose template it is
    containers: tuple[ContainerView, ...]
    node: Entity | None
    template: bool = False
    lands_on: tuple[Entity, ...] = ()  # template pods: Nodes, or the ClusterNodes anchor
    placement: str = ""  # template pods: how lands_on was decided, for reasons

    @property
    def uid(self) -> str:
        return self.entity.uid

    @property
    def live(self) -> bool:
        """Not finished. Pending and Unknown count: a scheduled pod is about to run, and a hand-written
        manifest has no status at all. A template pod is live: it is what the controller will run."""
        return self.template or is_live_pod(self.entity)

    @property
    def running(self) -> tuple[ContainerView, ...]:
        return tuple(container for container in self.containers if container.runs_alongside)

    @property
    def targets(self) -> tuple[Entity, ...]:
        """Where its containers would escape to: its node; for a pod not scheduled yet (or a manifest) and a
        template pod, the nodes it may land on."""
        if self.node is not None and not self.template:
            return (self.node,)
        return self.lands_on

    @property
    def phrase(self) -> str:
        return pod_phrase(self.entity)


def is_template_pod(pod: Entity) -> bool:
    """A pod view's entity is a controller: the view is its pod template."""
    return pod.kind != "Pod"


def pod_phrase(pod: Entity) -> str:
    """How reasons name a pod: `pod ns/name`, or `pod template of Deployment ns/name (no running pod ...)`."""
    if is_template_pod(pod):
        return f"pod template of {pod.kind} {pod.ref} ({TEMPLATE_NOTE})"
    return f"pod {pod.ref}"


def is_live_pod(pod: Entity) -> bool:
    return pod.get("phase") not in FINISHED_POD_PHASES


def container_view(container: Entity) -> ContainerView:
    return ContainerView(container)


def pod_view(facts: ClusterFacts, pod: Entity) -> PodView:
    containers = tuple(ContainerView(container) for container in facts.containers_of(pod.uid))
    node = facts.node_of(pod.uid)
    if node is not None or not is_live_pod(pod):
        return PodView(pod, containers, node)
    # Not scheduled yet, or a manifest never applied: the scheduler will place it like a template's pods.
    lands_on, placement = template_placement(facts, pod)
    return PodView(pod, containers, None, lands_on=lands_on, placement=placement)


def live_pods(facts: ClusterFacts) -> list[Entity]:
    return [pod for pod in facts.pods.values() if is_live_pod(pod)]


def running_containers(facts: ClusterFacts, pod: Entity) -> list[Entity]:
    return [view.entity for view in facts.pod_view(pod.uid).running]


def listening_containers(containers: Sequence[Entity]) -> list[Entity]:
    return [container for container in containers if ContainerView(container).listens]


# --------------------------------------------------------------------------------------------------
# Template pods: controllers whose pods are not in the snapshot
# --------------------------------------------------------------------------------------------------

_CACHE_KEY = "_k8s_template_pod_views"  # cached on the facts object (ClusterFacts has no slot for it)


def workload_pod_views(facts: ClusterFacts) -> list[PodView]:
    """Every live pod's view, then every template pod's view, in uid order: what the workload rules iterate."""
    live = [view for _uid, view in sorted(facts.pod_views.items()) if view.live]
    return live + template_pod_views(facts)


def template_pod_views(facts: ClusterFacts) -> list[PodView]:
    """Controllers analysed as the pods they will create (module docstring). Built once per facts object;
    a controller with a live pod below it costs one set lookup."""
    cached = vars(facts).get(_CACHE_KEY)
    if cached is None:
        cached = _build_template_pod_views(facts)
        vars(facts)[_CACHE_KEY] = cached
    return list(cached)


def _controlling_owners(facts: ClusterFacts) -> dict[str, str]:
    """child uid -> the uid of its controller (ownerReferences controller=true)."""
    owners: dict[str, str] = {}
    for owner_uid, children in facts.links["OWNS"].items():
        for child_uid, props in children:
            if props.get("controller"):
                owners[child_uid] = owner_uid
    return owners


def selector_matches(selector: Mapping[str, Any], labels: Mapping[str, str]) -> bool:
    """A controller's spec.selector (a LabelSelector, or a ReplicationController's plain map) against pod
    labels. An empty selector matches nothing here: it names no pods of its own."""
    if not selector:
        return False
    if "matchLabels" not in selector and "matchExpressions" not in selector:
        return all(labels.get(key) == value for key, value in selector.items())
    match_labels = selector.get("matchLabels") or {}
    if any(labels.get(key) != value for key, value in match_labels.items()):
        return False
    for expression in selector.get("matchExpressions") or []:
        key, operator, values = expression.get("key"), expression.get("operator"), expression.get("values") or []
        present = key in labels
        if (
            (operator == "In" and labels.get(key) not in values)
            or (operator == "NotIn" and present and labels.get(key) in values)
            or (operator == "Exists" and not present)
            or (operator == "DoesNotExist" and present)
        ):
            return False
    return bool(match_labels or selector.get("matchExpressions"))


def _build_template_pod_views(facts: ClusterFacts) -> list[PodView]:
    controllers = {controller.uid: controller for controller in facts.controllers()}
    if not controllers:
        return []
    owners = _controlling_owners(facts)
    with_live_pods: set[str] = set()  # controllers with a live pod somewhere below them
    with_finished_pods: set[str] = set()  # direct owners of finished pods (a Job that has run)
    # Live pods without a controller reference, by namespace and by each of their labels.
    unowned_live_pods: dict[tuple[str | None, str, str], list[dict[str, str]]] = defaultdict(list)
    for pod in facts.pods.values():
        owner = owners.get(pod.uid)
        if owner is None:
            if is_live_pod(pod):
                labels = pod.json("labels_json", {}) or {}
                for key, value in labels.items():
                    unowned_live_pods[(pod.namespace, key, value)].append(labels)
            continue
        if not is_live_pod(pod):
            with_finished_pods.add(owner)
            continue
        while owner is not None and owner not in with_live_pods:
            with_live_pods.add(owner)
            owner = owners.get(owner)
    views = []
    for uid in sorted(controllers):
        controller = controllers[uid]
        if uid in with_live_pods or owners.get(uid) in controllers:
            continue  # its pods carry the edges, or the controller above it carries the same template
        if controller.kind == "Job" and uid in with_finished_pods:
            continue  # a Job's pods ran to completion and its template is immutable: it runs nothing more
        if unowned_live_pods and _has_selected_pod(controller, unowned_live_pods):
            continue  # a snapshot without ownerReferences: its pods are the live ones its selector picks
        views.append(_template_view(facts, controller))
    return views


def _has_selected_pod(
    controller: Entity, pods_by_label: Mapping[tuple[str | None, str, str], list[dict[str, str]]]
) -> bool:
    selector = controller.json("selector_json") or {}
    required = (
        selector.get("matchLabels") or {} if "matchLabels" in selector or "matchExpressions" in selector else selector
    )
    if not required:
        return False  # only matchExpressions: rare enough not to index; its template is analysed
    key, value = next(iter(required.items()))
    return any(
        selector_matches(selector, labels) for labels in pods_by_label.get((controller.namespace, key, value), ())
    )


def _template_view(facts: ClusterFacts, controller: Entity) -> PodView:
    containers = tuple(ContainerView(container) for container in facts.containers_of(controller.uid))
    lands_on, placement = template_placement(facts, controller)
    return PodView(controller, containers, None, template=True, lands_on=lands_on, placement=placement)


def any_node_anchor(facts: ClusterFacts) -> Entity:
    cluster = facts.cluster
    return Entity(
        "ClusterNodes", uids.cluster_nodes_uid(cluster), {"name": f"any node ({cluster})", "cluster": cluster}
    )


def tolerates(tolerations: Sequence[Mapping[str, Any]], taint: Mapping[str, Any]) -> bool:
    """Whether one of the tolerations matches the taint (an empty key with Exists matches every taint; an
    empty effect matches every effect; the operator defaults to Equal)."""
    for toleration in tolerations:
        effect = toleration.get("effect") or ""
        if effect and effect != taint.get("effect"):
            continue
        key = toleration.get("key") or ""
        operator = toleration.get("operator") or "Equal"
        if operator == "Exists":
            if not key or key == taint.get("key"):
                return True
        elif key == taint.get("key") and (toleration.get("value") or "") == (taint.get("value") or ""):
            return True
    return False


def _blocking_taints(node: Entity, tolerations: Sequence[Mapping[str, Any]], daemon_set: bool) -> list[str]:
    blocking = []
    for taint in node.json("taints_json", []):
        if not isinstance(taint, Mapping) or taint.get("effect") not in BLOCKING_TAINT_EFFECTS:
            continue
        if daemon_set and taint.get("key") in DAEMONSET_TOLERATED_TAINTS:
            continue
        if not tolerates(tolerations, taint):
            blocking.append(f"{taint.get('key')}:{taint.get('effect')}")
    return blocking


def _nodes_phrase(nodes: Sequence[Entity]) -> str:
    names = [node.name for node in nodes]
    shown = ", ".join(names[:3]) + (f" and {len(names) - 3} more" if len(names) > 3 else "")
    return f"node {shown}" if len(names) == 1 else f"nodes {shown}"


def template_placement(facts: ClusterFacts, controller: Entity) -> tuple[tuple[Entity, ...], str]:
    """The nodes a template's pods may land on, and how that was decided. Required node affinity is not
    in the snapshot's facts, so it narrows nothing."""
    nodes = sorted(facts.nodes.values(), key=lambda node: node.name)
    node_name = controller.get("node_name")
    selector = controller.json("node_selector_json") or {}
    pods = "its pods" if is_template_pod(controller) else "the pod (not scheduled in the snapshot)"
    if not nodes:
        anchor = any_node_anchor(facts)
        pinned = f'spec.nodeName "{node_name}"' if node_name else pods
        return (anchor,), f"{pinned} may land on any node (no nodes in the snapshot)"
    if node_name:
        named = [node for node in nodes if node.name == node_name]
        if not named:
            return (), f'spec.nodeName "{node_name}" names no node in the snapshot'
        return tuple(named), f'spec.nodeName "{node_name}" places {pods} there without the scheduler'
    tolerations = [item for item in controller.json("tolerations_json", []) or [] if isinstance(item, Mapping)]
    daemon_set = controller.kind == "DaemonSet"
    fits: list[Entity] = []
    excluded = False
    for node in nodes:
        labels = node.json("labels_json", {}) or {}
        if any(labels.get(key) != value for key, value in selector.items()):
            excluded = True
            continue
        if (node.get("unschedulable") and not daemon_set) or _blocking_taints(node, tolerations, daemon_set):
            excluded = True
            continue
        fits.append(node)
    selector_text = ", ".join(f"{key}={value}" for key, value in sorted(selector.items()))
    if not fits:
        wanted = f"nodeSelector {selector_text}" if selector else "its tolerations"
        return (), f"no node in the snapshot fits ({wanted}, node taints)"
    if not excluded and not selector:
        return (any_node_anchor(facts),), f"no nodeSelector and no taint keeps {pods} off any node: any node"
    how = f"nodeSelector {selector_text}" if selector else "node taints it does not tolerate rule out the others"
    return tuple(fits), f"{pods} may land on {_nodes_phrase(fits)} ({how})"
