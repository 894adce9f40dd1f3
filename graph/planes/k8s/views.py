"""Typed views over the Kubernetes facts: what a container, a pod and a node mean at run time.

The rules share these semantics, so they live here once:
- capabilities as containerd and CRI-O apply them (add ALL, then drop ALL, then each added name, then each
  dropped name), and none of them effective for a container that can never be root (allowPrivilegeEscalation
  false and a non-zero runAsUser or runAsNonRoot: no ambient set, no setuid);
- live pods (not Succeeded or Failed), running containers (regular, ephemeral and native sidecars: init
  containers with restartPolicy Always), listening containers, and the controller kinds whose template an
  attacker can rewrite.

Sources: kubernetes.io "Configure a Security Context" and "Sidecar Containers"; containerd
pkg/cri/opts/spec_linux.go and CRI-O internal/config/capabilities (the add/drop order); capabilities(7)
("Transformation of capabilities during execve").
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from graph.analysis.facts import Entity
from graph.planes.k8s.kinds import CONTROLLER_KINDS

if TYPE_CHECKING:
    from graph.planes.k8s.facts import ClusterFacts

# Pods in these phases have finished: their containers have exited and no Service sends them traffic.
FINISHED_POD_PHASES = frozenset({"Succeeded", "Failed"})
# Controllers whose pod template an attacker can rewrite to change what runs. A Job's spec.template is
# immutable once created, so a Job gives no control over its pods; a CronJob's jobTemplate is mutable and
# the next Job's pods run whatever it says.
TEMPLATE_CONTROLLER_KINDS = tuple(kind for kind in CONTROLLER_KINDS if kind != "Job")


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
        return f'{kind} "{self.name}" of pod {pod.ref}'


@dataclass(frozen=True)
class PodView:
    """A pod with its containers and the node it runs on."""

    entity: Entity
    containers: tuple[ContainerView, ...]
    node: Entity | None

    @property
    def uid(self) -> str:
        return self.entity.uid

    @property
    def live(self) -> bool:
        """Not finished. Pending and Unknown count: a scheduled pod is about to run, and a hand-written
        manifest has no status at all."""
        return is_live_pod(self.entity)

    @property
    def running(self) -> tuple[ContainerView, ...]:
        return tuple(container for container in self.containers if container.runs_alongside)


def is_live_pod(pod: Entity) -> bool:
    return pod.get("phase") not in FINISHED_POD_PHASES


def container_view(container: Entity) -> ContainerView:
    return ContainerView(container)


def pod_view(facts: ClusterFacts, pod: Entity) -> PodView:
    containers = tuple(ContainerView(container) for container in facts.containers_of(pod.uid))
    return PodView(pod, containers, facts.node_of(pod.uid))


def live_pods(facts: ClusterFacts) -> list[Entity]:
    return [pod for pod in facts.pods.values() if is_live_pod(pod)]


def running_containers(facts: ClusterFacts, pod: Entity) -> list[Entity]:
    return [view.entity for view in facts.pod_view(pod.uid).running]


def listening_containers(containers: Sequence[Entity]) -> list[Entity]:
    return [container for container in containers if ContainerView(container).listens]
