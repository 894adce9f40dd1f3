"""The attack catalogue: every attack-edge type, defined once.

An attack edge `A -[T]-> B` means: whoever controls A can control, impersonate or read B. Each type is
one `Attack` entry: what it means, how it is abused, how to fix it, its MITRE ATT&CK technique, references,
and `find`, the preconditions in code. The UI's edge help, `bridgehead attacks`, the docs page and the
path queries all read this catalogue; adding an attack means adding one entry (plus its fixture test).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from graph.analysis.facts import ClusterFacts
from graph.schema import ATTACK_EDGES, STRUCTURAL_EDGES, EdgeKind

INTERNET_UID = "internet"


def cluster_admin_uid(cluster: str) -> str:
    return f"k8s:{cluster}:cluster-admin"


def cluster_nodes_uid(cluster: str) -> str:
    """The anchor standing for "any node of this cluster" (where a hand-placed pod may land)."""
    return f"k8s:{cluster}:nodes"


@dataclass(frozen=True)
class AttackEdge:
    """One derived edge; `reason` names the fields that caused it (e.g. `container "agent": privileged=true`)."""

    type: str
    src_kind: str
    src_uid: str
    dst_kind: str
    dst_uid: str
    reason: str


@dataclass(frozen=True)
class Attack:
    edge: str  # the relationship type, e.g. CE_PRIVILEGED
    rule: str  # stable rule id, e.g. k8s.escape.privileged
    title: str
    mitre: str  # ATT&CK technique id, e.g. T1611
    source: str  # what the edge starts at (for the docs), e.g. "Container"
    target: str
    meaning: str
    abuse: str
    opsec: str
    remediation: str
    references: tuple[str, ...]
    find: Callable[[ClusterFacts], Iterable[AttackEdge]]

    def __post_init__(self) -> None:
        if not self.edge.isupper() or not self.edge.replace("_", "").isalnum():
            raise ValueError(f"attack edge type {self.edge!r} must be UPPER_SNAKE_CASE")


ATTACKS: dict[str, Attack] = {}


def register(*attacks: Attack) -> None:
    for attack in attacks:
        if attack.edge in ATTACKS or attack.edge in STRUCTURAL_EDGES:
            raise ValueError(f"attack edge type {attack.edge} is defined twice")
        ATTACKS[attack.edge] = attack
        ATTACK_EDGES[attack.edge] = EdgeKind(attack.edge, attack.meaning)


def load_catalogue() -> dict[str, Attack]:
    """Import every rule family once (each registers its attacks) and return the catalogue."""
    from graph.analysis import escapes, exposure, rbac_abuse, tokens  # noqa: F401  (registration on import)

    return ATTACKS


def traversable_edge_types() -> tuple[str, ...]:
    """The one definition of which relationship types a path search may follow."""
    return tuple(sorted(load_catalogue()))


# What an attacker does with each edge type (the tactic); moves into the edge-type entries themselves.
TACTICS = ("escape", "exposure", "credential-access", "privilege-escalation", "lateral", "identity-bridge")
_TACTIC_OF: dict[str, str] = {
    **dict.fromkeys(
        ("CE_PRIVILEGED", "CE_NSENTER", "CE_SYS_MODULE", "CE_SYS_ADMIN", "CE_SYS_PTRACE", "CE_HOSTPATH_WRITE",
         "CE_RUNTIME_SOCKET"), "escape"),
    **dict.fromkeys(("INTERNET_EXPOSES", "INGRESS_ROUTES", "SERVICE_TARGETS"), "exposure"),
    **dict.fromkeys(
        ("HAS_SA_TOKEN", "READS_MOUNTED_SECRET", "SECRET_HOLDS_TOKEN", "CAN_READ_SECRET", "HOST_READ_TOKENS",
         "HOST_READ_SECRETS", "CAN_CREATE_TOKEN"), "credential-access"),
    **dict.fromkeys(
        ("IS_CLUSTER_ADMIN", "CAN_ESCALATE_PRIVILEGES", "CAN_IMPERSONATE", "CAN_APPROVE_CSR", "CAN_EDIT_WEBHOOKS",
         "CAN_EDIT_AWS_AUTH", "CAN_CREATE_PRIVILEGED_POD", "CAN_RUN_AS"), "privilege-escalation"),
    **dict.fromkeys(
        ("CONTROLS_CONTAINER", "SHARES_PROCESS_NAMESPACE", "NODE_CONTROLS_POD", "CONTROLLER_RUNS_POD", "CAN_EXEC",
         "CAN_ATTACH", "CAN_ADD_EPHEMERAL_CONTAINER", "CAN_PATCH_POD", "CAN_MODIFY_WORKLOAD", "CAN_PROXY_NODE",
         "PLACES_ON_NODE"), "lateral"),
}  # fmt: skip


def edge_types_with_tactic(tactic: str) -> tuple[str, ...]:
    """The traversable edge types of one tactic (e.g. every container escape), sorted."""
    if tactic not in TACTICS:
        raise ValueError(f"unknown tactic {tactic!r}: one of {', '.join(TACTICS)}")
    return tuple(edge for edge in traversable_edge_types() if _TACTIC_OF.get(edge) == tactic)
