"""A taken node acts as its kubelet: the identity `system:node:<name>` and the Node authorizer's reach.

Root on a node holds what the kubelet authenticates with: its client certificate and key
(/var/lib/kubelet/pki, the kubeconfig that points at them), or on EKS the node's IAM role, which the
instance metadata service hands to any root process and which EKS maps to `system:node:<name>`. The API
server sees that identity as user `system:node:<name>` in group `system:nodes`, and authorizes it with:

- the Node authorizer (kubernetes.io/docs/reference/access-authn-authz/node/, "Using Node Authorization";
  plugin/pkg/auth/authorizer/node/node_authorizer.go and graph_populator.go in kubernetes/kubernetes). It
  keeps a graph of pods bound to each node (spec.nodeName) and lets the node get the secrets, configmaps,
  persistent volume claims and volumes those pods reference (volumes, env, envFrom, imagePullSecrets), and
  create tokens (serviceaccounts/token, TokenRequest) for the service accounts of those pods. The
  NodeRestriction admission plugin makes such a token bound to one of those pods. The pod's
  automountServiceAccountToken setting plays no part: the authorizer follows spec.serviceAccountName.
- RBAC, for whatever a binding grants `system:nodes` or the user: rbac_abuse.py evaluates every KubeUser
  together with the groups it is MEMBER_OF, so those edges start at the same identity node.

Finished pods (Succeeded, Failed) are left out: the kubelet has torn them down, so the node reaches none of
their volumes, and a token bound to a finished pod is refused.

The contract with ingest: for each Node `<name>` the transform adds the KubeUser
`uids.user_uid(cluster, "system:node:<name>")` (properties `implicit = true`, `kubelet_node = <name>`)
MEMBER_OF the KubeGroup `system:nodes`. Rules find the identity by that uid; a node without one gets no edge
here. The Node authorizer is assumed to be on (kubeadm, EKS, AKS and GKE all enable it). Not modelled:
configmaps (the MOUNTS_CONFIGMAP link is not among the facts rules read, and no attack edge ends at a
ConfigMap), persistent volume claims and volumes (not in the graph).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence

from graph.analysis.catalogue import AttackEdge, EdgeType, Rule, register_edge_types, register_rules
from graph.analysis.facts import Entity
from graph.planes.k8s import uids
from graph.planes.k8s.facts import ClusterFacts
from graph.planes.k8s.rules import rbac_abuse  # noqa: F401  (registers CAN_READ_SECRET, CAN_CREATE_TOKEN first)
from graph.planes.k8s.rules.escapes import KUBELET_CREDENTIALS, NODE_AUTHORIZER, node_keeps_kubelet_keys_in_files
from graph.planes.k8s.views import is_live_pod

NODES_GROUP = "system:nodes"
# How many pods a reason names before it says "and N more".
PODS_NAMED = 3
NODE_AUTHORIZER_SOURCE = (
    "https://github.com/kubernetes/kubernetes/blob/master/plugin/pkg/auth/authorizer/node/node_authorizer.go"
)
NODE_RESTRICTION = "https://kubernetes.io/docs/reference/access-authn-authz/admission-controllers/#noderestriction"


def kubelet_user_name(node: Entity) -> str:
    return f"system:node:{node.name}"


def kubelet_identity(facts: ClusterFacts, node: Entity) -> Entity | None:
    """The KubeUser the node's kubelet authenticates as, when ingest recorded it."""
    return facts.of("KubeUser").get(uids.user_uid(facts.cluster, kubelet_user_name(node)))


def named(items: Sequence[str], limit: int = PODS_NAMED) -> str:
    shown = ", ".join(items[:limit])
    return shown if len(items) <= limit else f"{shown} and {len(items) - limit} more"


def pods_phrase(refs: Sequence[str]) -> str:
    return f"pod {refs[0]}" if len(refs) == 1 else f"pods {named(refs)}"


def live_pods_on(facts: ClusterFacts, node: Entity) -> list[Entity]:
    return sorted((pod for pod in facts.pods_on(node.uid) if is_live_pod(pod)), key=lambda pod: pod.uid)


def secrets_referenced(facts: ClusterFacts, pod: Entity) -> Iterator[Entity]:
    """Every existing secret the pod references: volumes, env, envFrom (MOUNTS_SECRET) and imagePullSecrets,
    the references the Node authorizer's graph follows."""
    for secret_uid in facts.targets("MOUNTS_SECRET", pod.uid):
        secret = facts.secrets.get(secret_uid)
        if secret is not None:
            yield secret
    for name in pod.get("image_pull_secrets", []):
        secret = facts.secrets.get(uids.secret_uid(facts.cluster, pod.namespace or "", name))
        if secret is not None:
            yield secret


# --------------------------------------------------------------------------------------------------
# NODE_ACTS_AS_KUBELET
# --------------------------------------------------------------------------------------------------


def how_root_gets_kubelet_credentials(node: Entity) -> str:
    if node_keeps_kubelet_keys_in_files(node):
        files = named([place.path for place in KUBELET_CREDENTIALS[:3]])
        return f"root on node {node.name} reads the kubelet's client certificate and key ({files})"
    return (
        f"node {node.name} runs an EKS kubelet, which authenticates with the node's IAM role; root on the node "
        "gets that role's credentials from the instance metadata service"
    )


def nodes_act_as_kubelets(facts: ClusterFacts) -> Iterator[AttackEdge]:
    for node in sorted(facts.nodes.values(), key=lambda node: node.uid):
        identity = kubelet_identity(facts, node)
        if identity is None:
            continue
        reason = f"{how_root_gets_kubelet_credentials(node)} and authenticates as {identity.name} (group {NODES_GROUP})"
        yield AttackEdge("NODE_ACTS_AS_KUBELET", "Node", node.uid, "KubeUser", identity.uid, reason)


# --------------------------------------------------------------------------------------------------
# The Node authorizer's reach: CAN_READ_SECRET, CAN_CREATE_TOKEN from system:node:<name>
# --------------------------------------------------------------------------------------------------


def _account_of(facts: ClusterFacts, pod: Entity) -> list[Entity]:
    account = facts.service_account_of(pod.uid)
    return [] if account is None else [account]


def _node_authorizer_edges(
    facts: ClusterFacts,
    edge_type: str,
    reached_by: Callable[[ClusterFacts, Entity], Iterable[Entity]],
    permission: str,
    relation: tuple[str, str],
) -> Iterator[AttackEdge]:
    """One edge per (kubelet identity, target), naming the live pods on the node that lead to the target.
    `relation` is how one pod, and how several, relate to it ("references it", "reference it")."""
    for node in sorted(facts.nodes.values(), key=lambda node: node.uid):
        identity = kubelet_identity(facts, node)
        if identity is None:
            continue
        targets: dict[str, Entity] = {}
        pods_by_target: dict[str, list[str]] = defaultdict(list)
        for pod in live_pods_on(facts, node):
            for target in reached_by(facts, pod):
                targets[target.uid] = target
                if pod.ref not in pods_by_target[target.uid]:
                    pods_by_target[target.uid].append(pod.ref)
        for uid in sorted(targets):
            target, refs = targets[uid], pods_by_target[uid]
            reason = (
                f"the Node authorizer lets {identity.name} {permission} {target.ref}: {pods_phrase(refs)} bound "
                f"to node {node.name} (spec.nodeName) {relation[0] if len(refs) == 1 else relation[1]}"
            )
            yield AttackEdge(edge_type, "KubeUser", identity.uid, target.kind, target.uid, reason)


def kubelet_secret_reads(facts: ClusterFacts) -> Iterator[AttackEdge]:
    yield from _node_authorizer_edges(
        facts, "CAN_READ_SECRET", secrets_referenced, "get secret", ("references it", "reference it")
    )


def kubelet_token_requests(facts: ClusterFacts) -> Iterator[AttackEdge]:
    """Tokens for the service account of each live pod on the node, whether or not the pod mounts one."""
    yield from _node_authorizer_edges(
        facts,
        "CAN_CREATE_TOKEN",
        _account_of,
        "create serviceaccounts/token (a token bound to one of its pods) for",
        ("runs as it, whether or not it mounts a token", "run as it, whether or not they mount a token"),
    )


# --------------------------------------------------------------------------------------------------
# The catalogue entries
# --------------------------------------------------------------------------------------------------

register_edge_types(
    EdgeType(
        name="NODE_ACTS_AS_KUBELET",
        plane="k8s",
        tactic="credential-access",
        title="Node takeover gives the kubelet's identity",
        mitre="T1552.004",
        source="Node",
        target="KubeUser (system:node:<name>)",
        meaning="Root on the node holds the kubelet's credentials: its client certificate and key "
        "(/var/lib/kubelet/pki, /etc/kubernetes/kubelet.conf and the like), or on EKS the node's IAM role from "
        "the instance metadata service. With them it calls the API server as system:node:<name> in group "
        "system:nodes: the Node authorizer lets it get the secrets referenced by, and mint tokens for the "
        "service accounts of, the pods bound to the node (CAN_READ_SECRET, CAN_CREATE_TOKEN from the "
        "identity), and RBAC adds whatever is bound to system:nodes or to that user.",
        abuse="export KUBECONFIG=/etc/kubernetes/kubelet.conf (or kubectl --client-certificate "
        "/var/lib/kubelet/pki/kubelet-client-current.pem --client-key "
        "/var/lib/kubelet/pki/kubelet-client-current.pem); kubectl auth whoami; kubectl get secret -n <ns> "
        "<name>; kubectl create token -n <ns> <sa> --bound-object-kind Pod --bound-object-name <pod on the node>.",
        opsec="Calls are audited as system:node:<name>, which fetches secrets and tokens routinely; the same "
        "calls from an address other than the node's stand out.",
        remediation="Prevent node takeover (the container escapes that lead here); keep the Node authorizer and "
        "the NodeRestriction admission plugin on; bind nothing to system:nodes beyond the defaults; keep "
        "sensitive workloads on dedicated nodes (taints, node affinity).",
        references=(
            NODE_AUTHORIZER,
            NODE_AUTHORIZER_SOURCE,
            NODE_RESTRICTION,
            "https://kubernetes.io/docs/reference/access-authn-authz/kubelet-tls-bootstrapping/",
            "https://attack.mitre.org/techniques/T1552/004/",
        ),
        consequence=True,
    ),
)
register_rules(
    Rule("k8s.node.acts-as-kubelet", "NODE_ACTS_AS_KUBELET", nodes_act_as_kubelets),
    Rule(
        "k8s.node-authorizer.read-secret",
        "CAN_READ_SECRET",
        kubelet_secret_reads,
        remediation="The Node authorizer gives a node every secret its pods reference: keep secrets that "
        "less trusted workloads must not reach off the nodes those workloads run on (taints and tolerations, "
        "dedicated node pools), and prevent node takeover.",
    ),
    Rule(
        "k8s.node-authorizer.create-token",
        "CAN_CREATE_TOKEN",
        kubelet_token_requests,
        remediation="The Node authorizer lets a node mint tokens for the service account of every pod bound to "
        "it, whatever automountServiceAccountToken says: run powerful service accounts only on dedicated nodes "
        "(taints and tolerations, node affinity), and prevent node takeover.",
    ),
)
