"""RBAC abuse: from identities (service accounts, users, groups) to what their permissions let them reach.

Every permission question is answered by the RBAC evaluator (graph.planes.k8s.rbac); this module only
chooses which requests to ask about and which existing objects the answers reach. The sources are every
ServiceAccount, every KubeUser (evaluated as the user alone: its group memberships beyond
system:authenticated are unknown) and every KubeGroup (what membership of that group alone grants). A
service account's own edges include what its implicit groups grant, so a group binding yields edges from
the group node and from each member account.

Identities whose effective rules are identical are evaluated once. A cluster-admin identity gets only
IS_CLUSTER_ADMIN: it can do everything, and spelling that out as an edge to every pod, secret and node
would bury every real finding under redundant ones.

Admin of a namespace is a target of its own: one NamespaceAdmin anchor per namespace (graph/planes/k8s
`anchors`). IS_NAMESPACE_ADMIN goes to it from identities that already hold what the built-in admin
ClusterRole grants there, CAN_ESCALATE_PRIVILEGES from those that can grant it to themselves; from the anchor
run the edges of everything an admin of that namespace reaches, found by the same rules evaluating a probe
principal bound to NAMESPACE_ADMIN_RULES in that namespace alone.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field

from graph.analysis.catalogue import AttackEdge, EdgeType, Rule, register_edge_types, register_rules
from graph.analysis.facts import Entity
from graph.planes.k8s import cluster_namespaces, uids
from graph.planes.k8s.facts import ClusterFacts
from graph.planes.k8s.rbac import (
    CORE_API_GROUP,
    SYSTEM_MASTERS,
    BindingDef,
    Grant,
    NamespaceScope,
    PolicyRule,
    Principal,
    RbacIndex,
    Request,
    RoleDef,
    Subject,
    allowed,
    can,
    is_cluster_admin,
    namespaces_where,
    principal_for_group,
    principal_for_service_account,
    principal_for_user,
    rule_allows,
)
from graph.planes.k8s.views import is_live_pod, running_containers

RBAC_API_GROUP = "rbac.authorization.k8s.io"
CERTIFICATES_API_GROUP = "certificates.k8s.io"
ADMISSION_API_GROUP = "admissionregistration.k8s.io"
# The API server's rbac/bootstrap-roles post-start hook recreates this ClusterRole whenever it is missing,
# so a grant to bind "any ClusterRole" always includes it, collected or not.
BOOTSTRAP_CLUSTER_ADMIN_ROLE = "cluster-admin"
# Pod Security admission: an enforce label other than "privileged" forbids privileged pods. An invalid
# value fails closed to "restricted" (pod-security-admission api.PolicyToEvaluate), so only an absent
# label or "privileged" lets a privileged pod through.
PSS_ALLOWS_PRIVILEGED = frozenset({"privileged"})
# Signers whose certificates the API server accepts as client certificates for any user and group
# (except system:masters, which the CertificateSubjectRestriction admission plugin refuses by default).
# `kubernetes.io/*` is the domain wildcard the API server also checks (IsAuthorizedForSignerName).
CLIENT_CERT_SIGNER_NAMES = ("kubernetes.io/kube-apiserver-client", "kubernetes.io/*")
AWS_AUTH_NAMESPACE, AWS_AUTH_NAME = "kube-system", "aws-auth"
# KEP-4006: from Kubernetes 1.35 the API server also requires `create` for exec/attach over WebSocket
# (AuthorizePodWebsocketUpgradeCreatePermission); before, a WebSocket upgrade is a GET, so `get` sufficed.
WEBSOCKET_CREATE_CHECK_SINCE = (1, 35)


# --------------------------------------------------------------------------------------------------
# Permissions and the objects they reach
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Permission:
    """One verb on one resource (optionally `resource/subresource`) of one API group."""

    verb: str
    resource: str
    api_group: str = CORE_API_GROUP

    def __str__(self) -> str:
        """kubectl's spelling: `create deployments.apps`, `create pods/exec`."""
        base, _, subresource = self.resource.partition("/")
        qualified = f"{base}.{self.api_group}" if self.api_group else base
        return f"{self.verb} {qualified}/{subresource}" if subresource else f"{self.verb} {qualified}"

    def scope(self, index: RbacIndex, principal: Principal) -> NamespaceScope:
        return namespaces_where(index, principal, self.verb, self.resource, self.api_group)

    def grant(self, index: RbacIndex, principal: Principal, namespace: str | None, name: str | None) -> Grant | None:
        base, _, subresource = self.resource.partition("/")
        return allowed(index, principal, Request(self.verb, base, subresource, self.api_group, namespace, name))


@dataclass(frozen=True)
class PodController:
    """A controller kind whose pod template decides what runs (graph label, resource, API group)."""

    kind: str
    resource: str
    api_group: str
    # A Job's spec.template is immutable once created (only scheduling directives of a suspended Job may
    # change), so updating a Job changes nothing that runs; creating one does run a pod.
    template_mutable: bool = True

    def permission(self, verb: str) -> Permission:
        return Permission(verb, self.resource, self.api_group)


POD_CONTROLLERS = (
    PodController("Deployment", "deployments", "apps"),
    PodController("DaemonSet", "daemonsets", "apps"),
    PodController("StatefulSet", "statefulsets", "apps"),
    PodController("ReplicaSet", "replicasets", "apps"),
    PodController("Job", "jobs", "batch", template_mutable=False),
    PodController("CronJob", "cronjobs", "batch"),
    PodController("ReplicationController", "replicationcontrollers", CORE_API_GROUP),
)
CREATE_PODS = Permission("create", "pods")
UPDATE_VERBS = ("update", "patch")


def _by_namespace(entities: Iterable[Entity]) -> dict[str, list[Entity]]:
    grouped: dict[str, list[Entity]] = defaultdict(list)
    for entity in entities:
        grouped[entity.namespace or ""].append(entity)
    return grouped


def _covered(scope: NamespaceScope, by_namespace: Mapping[str, list[Entity]]) -> Iterator[tuple[Entity, bool]]:
    """Each namespaced object the permission reaches, and whether only by name (resourceNames)."""
    namespaces = by_namespace.keys() if scope.cluster_wide else scope.namespaces.keys() & by_namespace.keys()
    for namespace in sorted(namespaces):
        names = scope.names_in(namespace)
        for target in by_namespace[namespace]:
            if names is None or target.name in names:
                yield target, names is not None


def _covered_cluster_scoped(scope: NamespaceScope, targets: Iterable[Entity]) -> Iterator[tuple[Entity, bool]]:
    """Each cluster-scoped object (node, user, group) the permission reaches: only ClusterRoleBindings
    grant these, so only the cluster-wide part of the scope counts."""
    if not scope.cluster_wide:
        return
    names = scope.names_in(None)
    for target in targets:
        if names is None or target.name in names:
            yield target, names is not None


def _existing_namespaces(facts: ClusterFacts) -> set[str]:
    """Namespaces known to exist: listed ones, and every namespace some object (a binding, a pod, a service
    account) lives in, with or without its Namespace object (graph/planes/k8s `cluster_namespaces`)."""
    return set(cluster_namespaces(facts))


# --------------------------------------------------------------------------------------------------
# Identities, grouped by what RBAC gives them; and the namespace-admin anchors
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Identity:
    label: str  # graph label: ServiceAccount, KubeUser, KubeGroup (or NamespaceAdmin, an anchor)
    uid: str


@dataclass
class Holder:
    """Identities whose effective RBAC rules are identical (often many service accounts that only get what
    system:authenticated gets): every answer is computed once for `principal` and holds for each.

    `index` is the RBAC the principal is evaluated against: the cluster's, or for a namespace-admin anchor
    a probe index binding the built-in admin powers in its namespace (then `grant_text` says so in reasons)."""

    principal: Principal
    index: RbacIndex
    identities: list[Identity] = field(default_factory=list)
    is_cluster_admin: bool = False
    grant_text: str | None = None
    admin_of: str | None = None  # the namespace of a namespace-admin anchor

    @property
    def is_anchor(self) -> bool:
        return self.admin_of is not None


def _principals(facts: ClusterFacts) -> Iterator[tuple[Identity, Principal]]:
    for account in sorted(facts.service_accounts.values(), key=lambda entity: entity.uid):
        if account.namespace and account.name:
            yield (
                Identity("ServiceAccount", account.uid),
                principal_for_service_account(account.namespace, account.name),
            )
    for user in sorted(facts.of("KubeUser").values(), key=lambda entity: entity.uid):
        # A user is evaluated together with the groups it is in without a binding (aws-auth mapRoles/mapUsers).
        yield Identity("KubeUser", user.uid), principal_for_user(user.name, facts.groups_of(user.uid))
    for group in sorted(facts.of("KubeGroup").values(), key=lambda entity: entity.uid):
        yield Identity("KubeGroup", group.uid), principal_for_group(group.name)


def holders(facts: ClusterFacts) -> list[Holder]:
    """Every identity of the cluster, grouped by effective rules. Whether RBAC allows a request depends on
    the principal only through `rules_for` and system:masters membership, so that pair is the key."""
    index = facts.rbac
    grouped: dict[tuple[bool, tuple[object, ...]], Holder] = {}
    for identity, principal in _principals(facts):
        key = (SYSTEM_MASTERS in principal.groups, tuple(index.rules_for(principal)))
        holder = grouped.get(key)
        if holder is None:
            holder = grouped[key] = Holder(principal, index, is_cluster_admin=is_cluster_admin(index, principal))
        holder.identities.append(identity)
    return list(grouped.values())


def _non_admin_holders(facts: ClusterFacts) -> Iterator[Holder]:
    """The cluster's identities that are not cluster-admin (a cluster-admin gets IS_CLUSTER_ADMIN only)."""
    return (holder for holder in holders(facts) if not holder.is_cluster_admin)


def _attackers(facts: ClusterFacts) -> Iterator[Holder]:
    """Everyone whose RBAC reach becomes edges: the non-cluster-admin identities, then one namespace-admin
    anchor per namespace (what an admin of that namespace reaches, from the anchor)."""
    yield from _non_admin_holders(facts)
    yield from namespace_admin_holders(facts)


def _edges(edge_type: str, holder: Holder, dst_label: str, dst_uid: str, reason: str) -> Iterator[AttackEdge]:
    for identity in holder.identities:
        if identity.uid != dst_uid:  # "can act as itself" is no finding
            yield AttackEdge(edge_type, identity.label, identity.uid, dst_label, dst_uid, reason)


class _Why:
    """`Permission (RBAC: allowed by <binding> of <role>)` for one holder. When any object name is allowed
    the answer cannot depend on the name, so it is asked once per namespace without one (which also keeps
    a resourceNames rule from being cited for an object it merely happens to name)."""

    def __init__(self, holder: Holder) -> None:
        self.index, self.principal, self.grant_text = holder.index, holder.principal, holder.grant_text
        self._cache: dict[tuple[Permission, str | None], str] = {}

    def __call__(self, permission: Permission, namespace: str | None, name: str | None, by_name: bool) -> str:
        if self.grant_text is not None:
            return f"{permission} ({self.grant_text})"
        # The namespaces resource is the exception: its request namespace comes from the object's name.
        name_matters = by_name or permission.resource == "namespaces"
        if not name_matters and (permission, namespace) in self._cache:
            return self._cache[(permission, namespace)]
        grant = permission.grant(self.index, self.principal, namespace, name if name_matters else None)
        if grant is None:  # the scope said yes; ask exactly as the object would be asked for
            grant = permission.grant(self.index, self.principal, namespace, name)
        text = f"{permission} ({grant.explain()})" if grant else str(permission)
        if not name_matters:
            self._cache[(permission, namespace)] = text
        return text


def _in_namespace(namespace: str) -> str:
    return f'in namespace "{namespace}"'


# --------------------------------------------------------------------------------------------------
# IS_CLUSTER_ADMIN
# --------------------------------------------------------------------------------------------------

# No rule names this verb, group or resource, so only a cluster-wide `*` / `*` / `*` rule without
# resourceNames allows it: asking the evaluator about it finds the binding that makes a principal
# cluster-admin (the same rule is_cluster_admin looks for).
_ANYTHING = Request("bridgehead-any-verb", "bridgehead-any-resource", api_group="bridgehead.invalid")


def find_cluster_admins(facts: ClusterFacts) -> Iterator[AttackEdge]:
    index, anchor = facts.rbac, uids.cluster_admin_uid(facts.cluster)
    for holder in holders(facts):
        if not holder.is_cluster_admin:
            continue
        grant = allowed(index, holder.principal, _ANYTHING)
        why = grant.explain() if grant else "RBAC"
        reason = f"every verb on every resource in every namespace: {why}"
        yield from _edges("IS_CLUSTER_ADMIN", holder, "ClusterAdmin", anchor, reason)


# --------------------------------------------------------------------------------------------------
# IS_NAMESPACE_ADMIN, and what the namespace-admin anchors reach
# --------------------------------------------------------------------------------------------------

# The part of the built-in `admin` ClusterRole (which aggregates `edit` and `view`) that the attack edges
# use, as kubernetes/kubernetes plugin/pkg/auth/authorizer/rbac/bootstrappolicy/policy.go writes it: read
# secrets; exec and attach (get for WebSocket, create); impersonate service accounts; create and change pods
# and every pod controller; mint service-account tokens; change configmaps (aws-auth in kube-system). Not in
# it: pods/ephemeralcontainers, update of the Namespace object (so no lifting of Pod Security labels), bind
# and escalate (so an admin cannot grant itself more than admin), anything cluster-scoped.
NAMESPACE_ADMIN_RULES = (
    PolicyRule(("get", "list", "watch"), (CORE_API_GROUP,), ("secrets",)),
    PolicyRule(("get", "create"), (CORE_API_GROUP,), ("pods/exec", "pods/attach")),
    PolicyRule(("impersonate",), (CORE_API_GROUP,), ("serviceaccounts",)),
    PolicyRule(("create",), (CORE_API_GROUP,), ("serviceaccounts/token",)),
    PolicyRule(("create", "update", "patch"), (CORE_API_GROUP,), ("pods", "replicationcontrollers")),
    PolicyRule(("update", "patch"), (CORE_API_GROUP,), ("configmaps",)),
    PolicyRule(("create", "update", "patch"), ("apps",), ("deployments", "daemonsets", "statefulsets", "replicasets")),
    PolicyRule(("create", "update", "patch"), ("batch",), ("jobs", "cronjobs")),
)
NAMESPACE_ADMIN_PERMISSIONS = tuple(
    Permission(verb, resource, api_group)
    for rule in NAMESPACE_ADMIN_RULES
    for api_group in rule.api_groups
    for resource in rule.resources
    for verb in rule.verbs
)
# The API server's bootstrap-roles hook recreates these too; a RoleBinding to either makes namespace admin.
BOOTSTRAP_NAMESPACE_ADMIN_ROLES = ("admin", "edit")
_NAMESPACE_ADMIN_ROLE = RoleDef("ClusterRole", "bridgehead:namespace-admin", None, NAMESPACE_ADMIN_RULES)


def admin_namespaces(index: RbacIndex, principal: Principal, namespaces: Iterable[str]) -> set[str]:
    """The namespaces where the principal holds every permission in NAMESPACE_ADMIN_RULES, for any object:
    whatever an edge from the namespace-admin anchor says, the principal can do itself."""
    remaining = set(namespaces)
    for permission in NAMESPACE_ADMIN_PERMISSIONS:
        if not remaining:
            break
        scope = permission.scope(index, principal)
        remaining = {namespace for namespace in remaining if scope.covers(namespace)}
    return remaining


def _admin_grants(holder: Holder, namespace: str) -> str:
    """The bindings that make the holder admin of the namespace, each once."""
    grants: list[str] = []
    for permission in NAMESPACE_ADMIN_PERMISSIONS:
        grant = permission.grant(holder.index, holder.principal, namespace, None)
        text = grant.explain() if grant else ""
        if text and text not in grants:
            grants.append(text)
    return "; ".join(grants)


def _namespace_admin_user(namespace: str) -> str:
    return f"bridgehead:namespace-admin:{namespace}"


def namespace_admin_holders(facts: ClusterFacts) -> list[Holder]:
    """One holder per namespace, for its NamespaceAdmin anchor: a probe user bound by a RoleBinding in that
    namespace to NAMESPACE_ADMIN_RULES, so every rule evaluates "what does an admin of N reach" exactly as it
    evaluates an identity (Pod Security, live pods, stdin, resourceNames, the cluster version)."""
    namespaces = cluster_namespaces(facts)
    bindings = [
        BindingDef(
            "RoleBinding",
            _NAMESPACE_ADMIN_ROLE.name,
            namespace,
            "ClusterRole",
            _NAMESPACE_ADMIN_ROLE.name,
            (Subject("User", _namespace_admin_user(namespace)),),
        )
        for namespace in namespaces
    ]
    index = RbacIndex([_NAMESPACE_ADMIN_ROLE], bindings, recompute_aggregation=False)
    return [
        Holder(
            Principal(_namespace_admin_user(namespace)),
            index,
            [Identity("NamespaceAdmin", uids.namespace_admin_uid(facts.cluster, namespace))],
            grant_text=f'admin of namespace "{namespace}": the built-in admin ClusterRole grants it there',
            admin_of=namespace,
        )
        for namespace in namespaces
    ]


def find_namespace_admins(facts: ClusterFacts) -> Iterator[AttackEdge]:
    """Identities that already are admin of a namespace. They keep their own edges into it (the canned
    queries read them, and paths stay one hop shorter); a cluster-admin gets IS_CLUSTER_ADMIN only."""
    namespaces = _existing_namespaces(facts)
    for holder in _non_admin_holders(facts):
        for namespace in sorted(admin_namespaces(holder.index, holder.principal, namespaces)):
            reason = (
                f"{_admin_grants(holder, namespace)}: holds every permission of the built-in admin ClusterRole "
                f"that an attack uses {_in_namespace(namespace)} (read secrets, exec and attach, create and "
                "change pods and workloads, mint tokens, impersonate service accounts)"
            )
            anchor = uids.namespace_admin_uid(facts.cluster, namespace)
            yield from _edges("IS_NAMESPACE_ADMIN", holder, "NamespaceAdmin", anchor, reason)


# --------------------------------------------------------------------------------------------------
# CAN_READ_SECRET
# --------------------------------------------------------------------------------------------------

# get returns one secret; list and watch return every secret they cover with its values.
SECRET_READS = tuple(Permission(verb, "secrets") for verb in ("get", "list", "watch"))


def find_secret_reads(facts: ClusterFacts) -> Iterator[AttackEdge]:
    secrets = _by_namespace(facts.secrets.values())
    for holder in _attackers(facts):
        index = holder.index
        why = _Why(holder)
        reached: dict[str, tuple[Entity, str]] = {}
        for permission in SECRET_READS:
            for secret, by_name in _covered(permission.scope(index, holder.principal), secrets):
                if secret.uid not in reached:
                    reason = f"{why(permission, secret.namespace, secret.name, by_name)} reads secret {secret.ref}"
                    reached[secret.uid] = (secret, reason)
        for secret, reason in reached.values():
            yield from _edges("CAN_READ_SECRET", holder, "KubeSecret", secret.uid, reason)


# --------------------------------------------------------------------------------------------------
# CAN_RUN_AS, CAN_CREATE_PRIVILEGED_POD: getting a pod of one's own design started in a namespace
# --------------------------------------------------------------------------------------------------


def _controllers_by_kind(facts: ClusterFacts) -> dict[str, dict[str, list[Entity]]]:
    return {controller.kind: _by_namespace(facts.of(controller.kind).values()) for controller in POD_CONTROLLERS}


def _pod_launch_namespaces(
    facts: ClusterFacts,
    holder: Holder,
    why: _Why,
    namespaces: set[str],
    controllers: Mapping[str, Mapping[str, list[Entity]]],
) -> dict[str, str]:
    """Namespaces where the holder can get a pod spec of its choosing run, each with the reason: create
    pods; create any pod controller; or update/patch an existing controller whose template is mutable
    (resourceNames honoured: only the named controllers, and only if they exist)."""
    index, principal = holder.index, holder.principal
    launch: dict[str, str] = {}
    creates = [CREATE_PODS, *(controller.permission("create") for controller in POD_CONTROLLERS)]
    for permission in creates:
        scope = permission.scope(index, principal)
        # create requests carry no object name, so only grants without resourceNames are in the scope
        reachable = namespaces if scope.cluster_wide else namespaces & scope.namespaces.keys()
        for namespace in sorted(reachable - launch.keys()):
            launch[namespace] = f"{why(permission, namespace, None, False)} {_in_namespace(namespace)}"
    for controller in POD_CONTROLLERS:
        if not controller.template_mutable:
            continue
        for verb in UPDATE_VERBS:
            permission = controller.permission(verb)
            for target, by_name in _covered(permission.scope(index, principal), controllers[controller.kind]):
                namespace = target.namespace or ""
                if namespace not in launch:
                    grant = why(permission, namespace, target.name, by_name)
                    launch[namespace] = f"{grant} on {controller.kind} {target.ref}, whose pod template it can rewrite"
    return launch


def find_run_as(facts: ClusterFacts) -> Iterator[AttackEdge]:
    namespaces, controllers = _existing_namespaces(facts), _controllers_by_kind(facts)
    accounts = facts.service_accounts_by_namespace
    for holder in _attackers(facts):
        why = _Why(holder)
        for namespace, launch in sorted(_pod_launch_namespaces(facts, holder, why, namespaces, controllers).items()):
            reason = f"{launch}; a pod spec may name any service account of the namespace"
            for account in accounts.get(namespace, ()):
                yield from _edges("CAN_RUN_AS", holder, "ServiceAccount", account.uid, reason)


def _pod_security_enforce(facts: ClusterFacts, namespace: str) -> str | None:
    entity = facts.namespaces_by_name.get(namespace)
    return entity.get("pss_enforce") if entity else None


NAMESPACE_UPDATES = tuple(Permission(verb, "namespaces") for verb in UPDATE_VERBS)


def _privileged_pod_route(
    facts: ClusterFacts, holder: Holder, why: _Why, namespace: str, launch: str
) -> tuple[bool, str] | None:
    """Why a privileged pod can run in the namespace (and whether that first needs the Pod Security label
    removed), or None when Pod Security admission forbids it and the holder cannot lift that: lifting takes
    update/patch of the Namespace object, which even a RoleBinding in that very namespace can grant."""
    level = _pod_security_enforce(facts, namespace)
    if level is None:
        return False, f"{launch}; the namespace enforces no Pod Security level"
    if level in PSS_ALLOWS_PRIVILEGED:
        return False, f'{launch}; the namespace enforces Pod Security "{level}"'
    for permission in NAMESPACE_UPDATES:
        if permission.scope(holder.index, holder.principal).covers(namespace, namespace):
            lift = why(permission, namespace, namespace, True)
            return True, (
                f'{launch}; the namespace enforces Pod Security "{level}", but {lift} '
                f'on namespace "{namespace}" can remove the Pod Security label'
            )
    return None


def find_privileged_pods(facts: ClusterFacts) -> Iterator[AttackEdge]:
    """Every node: a pod's spec.nodeName bypasses the scheduler, so a privileged pod can be put anywhere."""
    namespaces, controllers = _existing_namespaces(facts), _controllers_by_kind(facts)
    if not facts.nodes:
        return
    for holder in _attackers(facts):
        why = _Why(holder)
        launches = _pod_launch_namespaces(facts, holder, why, namespaces, controllers)
        routes = [
            route
            for namespace, launch in sorted(launches.items())
            if (route := _privileged_pod_route(facts, holder, why, namespace, launch)) is not None
        ]
        if not routes:
            continue
        # One route reaches every node; name one that needs no Pod Security label removed if there is one.
        _needs_lift, chosen = min(routes, key=lambda item: item[0])
        more = f" (and {len(routes) - 1} more namespaces)" if len(routes) > 1 else ""
        reason = f"{chosen}{more}; a privileged pod with spec.nodeName runs on any node"
        # One edge to the cluster's node fleet, which fans out once (PLACES_ON_NODE): identities x nodes
        # edges would be 37k on a 10k-pod cluster and say nothing more.
        yield from _edges(
            "CAN_CREATE_PRIVILEGED_POD", holder, "ClusterNodes", uids.cluster_nodes_uid(facts.cluster), reason
        )


def find_node_placement(facts: ClusterFacts) -> Iterator[AttackEdge]:
    """The fleet anchor reaches every node: spec.nodeName picks any of them, bypassing the scheduler."""
    for node in sorted(facts.nodes.values(), key=lambda entity: entity.uid):
        reason = f'a pod with spec.nodeName "{node.name}" is placed on it without the scheduler'
        yield AttackEdge(
            "PLACES_ON_NODE", "ClusterNodes", uids.cluster_nodes_uid(facts.cluster), "Node", node.uid, reason
        )


# --------------------------------------------------------------------------------------------------
# CAN_EXEC, CAN_ATTACH, CAN_ADD_EPHEMERAL_CONTAINER, CAN_PATCH_POD, CAN_MODIFY_WORKLOAD, CAN_CREATE_TOKEN
# --------------------------------------------------------------------------------------------------


def _cluster_version(facts: ClusterFacts) -> tuple[int, int] | None:
    for cluster in facts.of("Cluster").values():
        major, minor = str(cluster.get("version_major", "")), str(cluster.get("version_minor", ""))
        digits = "".join(char for char in minor if char.isdigit())  # EKS/GKE report minor as "31+"
        if major.isdigit() and digits:
            return int(major), int(digits)
    return None


def _websocket_get_suffices(facts: ClusterFacts) -> bool:
    """Whether `get` on pods/exec or pods/attach opens a session: yes unless the cluster is known to run
    Kubernetes 1.35 or later."""
    version = _cluster_version(facts)
    return version is None or version < WEBSOCKET_CREATE_CHECK_SINCE


def _pod_control(
    facts: ClusterFacts,
    edge_type: str,
    permissions: tuple[Permission, ...],
    eligible: Callable[[Entity], str | None] | None = None,
) -> Iterator[AttackEdge]:
    """Edges to every live pod one of the permissions reaches (a finished pod runs nothing). `eligible`, when
    given, narrows the pods further: it returns what makes a pod abusable (added to the reason) or None."""
    notes = {pod.uid: eligible(pod) if eligible else "" for pod in facts.pods.values() if is_live_pod(pod)}
    pods = _by_namespace(pod for pod in facts.pods.values() if notes.get(pod.uid) is not None)
    for holder in _attackers(facts):
        index = holder.index
        why = _Why(holder)
        reached: dict[str, str] = {}
        for permission in permissions:
            for pod, by_name in _covered(permission.scope(index, holder.principal), pods):
                if pod.uid not in reached:
                    reached[pod.uid] = f"{why(permission, pod.namespace, pod.name, by_name)} on pod {pod.ref}"
        for pod_uid, reason in reached.items():
            yield from _edges(edge_type, holder, "Pod", pod_uid, reason + (notes[pod_uid] or ""))


def find_exec(facts: ClusterFacts) -> Iterator[AttackEdge]:
    permissions: tuple[Permission, ...] = (Permission("create", "pods/exec"),)
    if _websocket_get_suffices(facts):
        permissions += (Permission("get", "pods/exec"),)
    return _pod_control(facts, "CAN_EXEC", permissions)


def _attachable(facts: ClusterFacts) -> Callable[[Entity], str | None]:
    """Attach only reaches a running container's input when it was started with `stdin: true`."""

    def note(pod: Entity) -> str | None:
        names = sorted(c.name for c in running_containers(facts, pod) if c.get("stdin"))
        return f" ({', '.join(f'container {name!r}' for name in names)} with stdin open)" if names else None

    return note


def find_attach(facts: ClusterFacts) -> Iterator[AttackEdge]:
    permissions: tuple[Permission, ...] = (Permission("create", "pods/attach"),)
    if _websocket_get_suffices(facts):
        permissions += (Permission("get", "pods/attach"),)
    return _pod_control(facts, "CAN_ATTACH", permissions, _attachable(facts))


def find_ephemeral_containers(facts: ClusterFacts) -> Iterator[AttackEdge]:
    permissions = tuple(Permission(verb, "pods/ephemeralcontainers") for verb in UPDATE_VERBS)
    return _pod_control(facts, "CAN_ADD_EPHEMERAL_CONTAINER", permissions)


def find_pod_patches(facts: ClusterFacts) -> Iterator[AttackEdge]:
    return _pod_control(facts, "CAN_PATCH_POD", tuple(Permission(verb, "pods") for verb in UPDATE_VERBS))


def find_workload_modifications(facts: ClusterFacts) -> Iterator[AttackEdge]:
    controllers = _controllers_by_kind(facts)
    for holder in _attackers(facts):
        index = holder.index
        why = _Why(holder)
        for controller in POD_CONTROLLERS:
            if not controller.template_mutable:
                continue
            reached: dict[str, str] = {}
            for verb in UPDATE_VERBS:
                permission = controller.permission(verb)
                for target, by_name in _covered(
                    permission.scope(index, holder.principal), controllers[controller.kind]
                ):
                    if target.uid not in reached:
                        grant = why(permission, target.namespace, target.name, by_name)
                        reached[target.uid] = f"{grant} on {controller.kind} {target.ref}: can rewrite its pod template"
            for target_uid, reason in reached.items():
                yield from _edges("CAN_MODIFY_WORKLOAD", holder, controller.kind, target_uid, reason)


TOKEN_REQUEST = Permission("create", "serviceaccounts/token")


def find_token_requests(facts: ClusterFacts) -> Iterator[AttackEdge]:
    accounts = facts.service_accounts_by_namespace
    for holder in _attackers(facts):
        index = holder.index
        why = _Why(holder)
        for account, by_name in _covered(TOKEN_REQUEST.scope(index, holder.principal), accounts):
            reason = f"{why(TOKEN_REQUEST, account.namespace, account.name, by_name)} for {account.ref}"
            yield from _edges("CAN_CREATE_TOKEN", holder, "ServiceAccount", account.uid, reason)


# --------------------------------------------------------------------------------------------------
# CAN_ESCALATE_PRIVILEGES: granting oneself a role (bind) or rules (escalate)
# --------------------------------------------------------------------------------------------------

_PROBE_USER = "bridgehead:role-probe"
_PROBE_NAMESPACE = "bridgehead-role-probe"  # a ClusterRole grants the same in every namespace


def bind_grant(
    index: RbacIndex, principal: Principal, role_kind: str, role_name: str, binding_namespace: str | None
) -> Grant | None:
    """Whether the principal may create a binding (in binding_namespace; None = a ClusterRoleBinding) that
    references the role, per ``BindingAuthorized`` (pkg/registry/rbac/validation): verb `bind` on
    `roles` / `clusterroles` named after the role, asked *in the binding's namespace even for clusterroles*
    ("this allows delegation to bind particular clusterroles in rolebindings within particular
    namespaces"). ``allowed`` would drop that namespace for the cluster-scoped clusterroles resource, as
    RequestInfo does for real requests, so the request is built here already normalized and matched with
    the evaluator's ``rule_allows``; scope follows ``allowed`` (ClusterRoleBindings everywhere,
    RoleBindings in their own namespace)."""
    if SYSTEM_MASTERS in principal.groups:
        return Grant(privileged_group=SYSTEM_MASTERS)
    resource = "clusterroles" if role_kind == "ClusterRole" else "roles"
    request = Request("bind", resource, api_group=RBAC_API_GROUP, namespace=binding_namespace, name=role_name)
    for scoped in index.rules_for(principal):
        if scoped.namespace is not None and scoped.namespace != binding_namespace:
            continue
        if rule_allows(scoped.rule, request):
            return Grant(scoped_rule=scoped)
    return None


class _RolePowers:
    """What binding one role gives, found by asking the evaluator about a probe user bound to that role
    alone. Cached per role for the whole run."""

    def __init__(self, index: RbacIndex) -> None:
        self.index = index
        self._admin: dict[str, bool] = {}
        self._launch: dict[tuple[str, str | None, str], bool] = {}
        self._namespace_admin: dict[tuple[str, str | None, str], bool] = {}

    def _role(self, kind: str, name: str, namespace: str | None) -> RoleDef | None:
        if kind == "ClusterRole":
            return self.index.cluster_roles.get(name)
        return self.index.roles.get((namespace or "", name))

    def makes_cluster_admin(self, cluster_role: str) -> bool:
        """A ClusterRoleBinding to it makes its subjects cluster-admin."""
        if cluster_role not in self._admin:
            role = self._role("ClusterRole", cluster_role, None)
            if role is None:
                self._admin[cluster_role] = cluster_role == BOOTSTRAP_CLUSTER_ADMIN_ROLE
            else:
                binding = BindingDef(
                    "ClusterRoleBinding", "probe", None, "ClusterRole", cluster_role, (Subject("User", _PROBE_USER),)
                )
                probe = RbacIndex([role], [binding], recompute_aggregation=False)
                self._admin[cluster_role] = is_cluster_admin(probe, Principal(_PROBE_USER))
        return self._admin[cluster_role]

    def _probe(
        self,
        cache: dict[tuple[str, str | None, str], bool],
        kind: str,
        name: str,
        namespace: str | None,
        bootstrap: Iterable[str],
        holds: Callable[[RbacIndex, Principal, str], bool],
    ) -> bool:
        """Whether a RoleBinding to the role (a Role in `namespace`, or a ClusterRole in any namespace) gives
        its subjects what `holds` asks about in that namespace. A missing ClusterRole the API server
        recreates (`bootstrap`) counts as its built-in self."""
        role_namespace = namespace if kind == "Role" else None
        key = (kind, role_namespace, name)
        if key not in cache:
            role = self._role(kind, name, role_namespace)
            if role is None:
                cache[key] = kind == "ClusterRole" and name in bootstrap
            else:
                probe_namespace = role_namespace or _PROBE_NAMESPACE
                subject = (Subject("User", _PROBE_USER),)
                binding = BindingDef("RoleBinding", "probe", probe_namespace, kind, name, subject)
                probe = RbacIndex([role], [binding], recompute_aggregation=False)
                cache[key] = holds(probe, Principal(_PROBE_USER), probe_namespace)
        return cache[key]

    def launches_pods(self, kind: str, name: str, namespace: str | None = None) -> bool:
        """A RoleBinding to it lets its subjects create pods or pod controllers in that namespace, and so run
        as any service account there. A ClusterRoleBinding to such a ClusterRole gives the same everywhere."""

        def holds(probe: RbacIndex, principal: Principal, where: str) -> bool:
            creates = (CREATE_PODS, *(controller.permission("create") for controller in POD_CONTROLLERS))
            return any(
                can(probe, principal, p.verb, p.resource, api_group=p.api_group, namespace=where) for p in creates
            )

        bootstrap = (BOOTSTRAP_CLUSTER_ADMIN_ROLE, *BOOTSTRAP_NAMESPACE_ADMIN_ROLES)
        return self._probe(self._launch, kind, name, namespace, bootstrap, holds)

    def makes_namespace_admin(self, kind: str, name: str, namespace: str | None = None) -> bool:
        """A RoleBinding to it makes its subjects admin of that namespace (NAMESPACE_ADMIN_RULES); a
        ClusterRoleBinding to such a ClusterRole makes them admin of every namespace."""

        def holds(probe: RbacIndex, principal: Principal, where: str) -> bool:
            return bool(admin_namespaces(probe, principal, (where,)))

        bootstrap = (BOOTSTRAP_CLUSTER_ADMIN_ROLE, *BOOTSTRAP_NAMESPACE_ADMIN_ROLES)
        return self._probe(self._namespace_admin, kind, name, namespace, bootstrap, holds)


CREATE_CLUSTER_ROLE_BINDINGS = Permission("create", "clusterrolebindings", RBAC_API_GROUP)
CREATE_ROLE_BINDINGS = Permission("create", "rolebindings", RBAC_API_GROUP)


@dataclass(frozen=True)
class _Route:
    """How a principal can grant itself more in one namespace: `admin` when it can make itself admin of
    the namespace, else it can only get pod creation there."""

    text: str
    admin: bool


@dataclass
class _Escalation:
    facts: ClusterFacts
    holder: Holder
    powers: _RolePowers
    why: _Why
    _scopes: dict[Permission, NamespaceScope] = field(default_factory=dict)

    @property
    def index(self) -> RbacIndex:
        return self.holder.index

    @property
    def principal(self) -> Principal:
        return self.holder.principal

    def _scope(self, permission: Permission) -> NamespaceScope:
        if permission not in self._scopes:
            self._scopes[permission] = permission.scope(self.index, self.principal)
        return self._scopes[permission]

    def _covers(self, permission: Permission, namespace: str | None, name: str | None) -> bool:
        return self._scope(permission).covers(namespace, name)

    def _may_update_any(self, resource: str) -> bool:
        return any(not self._scope(Permission(verb, resource, RBAC_API_GROUP)).is_empty for verb in UPDATE_VERBS)

    def _updatable(self, resource: str, namespace: str | None, name: str) -> Permission | None:
        for verb in UPDATE_VERBS:
            permission = Permission(verb, resource, RBAC_API_GROUP)
            if self._covers(permission, namespace, name):
                return permission
        return None

    def _bind_text(self, role_kind: str, role_name: str, namespace: str | None) -> str | None:
        grant = bind_grant(self.index, self.principal, role_kind, role_name, namespace)
        where = f" {_in_namespace(namespace)}" if namespace else ""
        return f'bind {role_kind} "{role_name}"{where} ({grant.explain()})' if grant else None

    def _cluster_roles(self) -> list[str]:
        """Every ClusterRole a binding may name: those collected and those the API server always recreates."""
        names = set(self.index.cluster_roles) | {BOOTSTRAP_CLUSTER_ADMIN_ROLE, *BOOTSTRAP_NAMESPACE_ADMIN_ROLES}
        return sorted(names, key=lambda name: (name != BOOTSTRAP_CLUSTER_ADMIN_ROLE, name))

    def _escalate_text(self, resource: str, namespace: str | None, role_name: str) -> str | None:
        """escalate + update/patch on a role the principal is already bound to: it can write any rule into it."""
        escalate = Permission("escalate", resource, RBAC_API_GROUP)
        update = self._updatable(resource, namespace, role_name)
        if update is None or not self._covers(escalate, namespace, role_name):
            return None
        return (
            f"{self.why(escalate, namespace, role_name, True)} + {self.why(update, namespace, role_name, True)} "
            f'on {"ClusterRole" if resource == "clusterroles" else "Role"} "{role_name}", which it is bound to'
        )

    def to_cluster_admin(self) -> str | None:
        """How the principal can make itself cluster-admin, or None."""
        if self._covers(CREATE_CLUSTER_ROLE_BINDINGS, None, None):
            for role_name in self._cluster_roles():
                if self.powers.makes_cluster_admin(role_name) and (
                    bind := self._bind_text("ClusterRole", role_name, None)
                ):
                    create = self.why(CREATE_CLUSTER_ROLE_BINDINGS, None, None, False)
                    return f"{create} + {bind}: can bind itself to a cluster-admin role"
        cluster_bindings = self.facts.of("ClusterRoleBinding") if self._may_update_any("clusterrolebindings") else {}
        for binding in sorted(cluster_bindings.values(), key=lambda entity: entity.name):
            role_name = str(binding.get("role_name", ""))
            if binding.get("role_kind") != "ClusterRole" or not self.powers.makes_cluster_admin(role_name):
                continue
            update = self._updatable("clusterrolebindings", None, binding.name)
            if update and (bind := self._bind_text("ClusterRole", role_name, None)):
                change = self.why(update, None, binding.name, True)
                return f'{change} on ClusterRoleBinding "{binding.name}" + {bind}: can add itself as a subject'
        for role_name in self._bound_cluster_roles(cluster_wide=True):
            if text := self._escalate_text("clusterroles", None, role_name):
                return f"{text} cluster-wide: can add `*` on `*` to it"
        return None

    def _bound_cluster_roles(self, cluster_wide: bool, namespace: str | None = None) -> list[str]:
        """ClusterRoles bound to the principal (cluster-wide, or by a RoleBinding in the namespace) whose
        rules can be edited: an aggregated ClusterRole's rules are rewritten by its controller."""
        names = {
            scoped.role_name
            for scoped in self.index.rules_for(self.principal)
            if scoped.role_kind == "ClusterRole" and scoped.namespace == (None if cluster_wide else namespace)
        }
        return sorted(
            name
            for name in names
            if (role := self.index.cluster_roles.get(name)) is not None and not role.is_aggregated
        )

    def _gives(self, kind: str, name: str, namespace: str | None, admin: bool) -> bool:
        if admin:
            return self.powers.makes_namespace_admin(kind, name, namespace)
        return self.powers.launches_pods(kind, name, namespace)

    def namespace_routes(self, namespaces: set[str]) -> dict[str, _Route]:
        """Namespaces where the principal can grant itself admin of the namespace, or at least pod creation,
        with the reason; an admin route wins over a pod-creation one."""
        routes: dict[str, _Route] = {}

        def add(namespace: str, text: str, admin: bool) -> None:
            current = routes.get(namespace)
            if current is None or (admin and not current.admin):
                routes[namespace] = _Route(text, admin)

        def settled(namespace: str, admin: bool) -> bool:
            current = routes.get(namespace)
            return current is not None and (current.admin or not admin)

        # A ClusterRoleBinding to a role gives it in every namespace.
        if self._covers(CREATE_CLUSTER_ROLE_BINDINGS, None, None):
            create = self.why(CREATE_CLUSTER_ROLE_BINDINGS, None, None, False)
            for admin in (True, False):
                for role_name in self._cluster_roles():
                    if self._gives("ClusterRole", role_name, None, admin) and (
                        bind := self._bind_text("ClusterRole", role_name, None)
                    ):
                        gives = "makes it admin of every namespace" if admin else "creates pods everywhere"
                        for namespace in sorted(namespaces):
                            add(namespace, f"{create} + {bind}, which {gives}", admin)
                        break
                if routes:
                    break
        create_scope = self._scope(CREATE_ROLE_BINDINGS)
        creatable = namespaces if create_scope.cluster_wide else namespaces & create_scope.namespaces.keys()
        for namespace in sorted(creatable):
            for admin in (True, False):
                if settled(namespace, admin):
                    break
                if bind := self._bindable(namespace, admin):
                    create = self.why(CREATE_ROLE_BINDINGS, namespace, None, False)
                    add(namespace, f"{create} {_in_namespace(namespace)} + {bind}", admin)
                    break
        bindings = self.facts.of("RoleBinding") if self._may_update_any("rolebindings") else {}
        for binding in sorted(bindings.values(), key=lambda entity: entity.ref):
            namespace = binding.namespace or ""
            role_kind, role_name = str(binding.get("role_kind", "")), str(binding.get("role_name", ""))
            if namespace not in namespaces:
                continue
            for admin in (True, False):
                if settled(namespace, admin) or not self._gives(role_kind, role_name, namespace, admin):
                    continue
                update = self._updatable("rolebindings", namespace, binding.name)
                if update and (bind := self._bind_text(role_kind, role_name, namespace)):
                    change = self.why(update, namespace, binding.name, True)
                    add(
                        namespace, f"{change} on RoleBinding {binding.ref} + {bind}: can add itself as a subject", admin
                    )
                break
        for scoped in self.index.rules_for(self.principal):
            bound_in = scoped.namespace
            if bound_in is None or bound_in not in namespaces or settled(bound_in, True):
                continue
            rewrite: str | None = None
            if scoped.role_kind == "Role":
                rewrite = self._escalate_text("roles", bound_in, scoped.role_name)
            elif scoped.role_name in self._bound_cluster_roles(cluster_wide=False, namespace=bound_in):
                rewrite = self._escalate_text("clusterroles", None, scoped.role_name)
            if rewrite:  # any rule written into a role bound in the namespace holds there: admin of it
                add(bound_in, f"{rewrite} {_in_namespace(bound_in)}: can add any rule to it", True)
        return routes

    def _bindable(self, namespace: str, admin: bool) -> str | None:
        """A role the principal may bind in the namespace that makes admin of it (admin) or creates pods."""
        for role_name in self._cluster_roles():
            if self._gives("ClusterRole", role_name, None, admin) and (
                bind := self._bind_text("ClusterRole", role_name, namespace)
            ):
                return bind
        for namespace_name, role_name in sorted(self.index.roles):
            if (
                namespace_name == namespace
                and self._gives("Role", role_name, namespace, admin)
                and (bind := self._bind_text("Role", role_name, namespace))
            ):
                return bind
        return None


def find_escalations(facts: ClusterFacts) -> Iterator[AttackEdge]:
    """Granting oneself a role. Targets: ClusterAdmin; NamespaceAdmin of a namespace where the identity can
    make itself admin (an edge even when the identity is that namespace's only account: the anchor is what it
    becomes, not itself); else, where it can only grant itself pod creation, each service account there."""
    anchor, powers = uids.cluster_admin_uid(facts.cluster), _RolePowers(facts.rbac)
    namespaces, controllers = _existing_namespaces(facts), _controllers_by_kind(facts)
    accounts = facts.service_accounts_by_namespace
    for holder in _non_admin_holders(facts):
        why = _Why(holder)
        escalation = _Escalation(facts, holder, powers, why)
        if route := escalation.to_cluster_admin():
            yield from _edges("CAN_ESCALATE_PRIVILEGES", holder, "ClusterAdmin", anchor, route)
            continue
        routes = escalation.namespace_routes(namespaces)
        if not routes:
            continue
        # Already admin there (IS_NAMESPACE_ADMIN), or already starting pods there (CAN_RUN_AS has the same
        # targets): no second edge for those.
        already_admin = admin_namespaces(holder.index, holder.principal, routes.keys())
        launches = _pod_launch_namespaces(facts, holder, why, namespaces, controllers)
        for namespace, grant in sorted(routes.items()):
            if grant.admin:
                if namespace not in already_admin:
                    reason = f'can become namespace-admin of "{namespace}": {grant.text}'
                    target = uids.namespace_admin_uid(facts.cluster, namespace)
                    yield from _edges("CAN_ESCALATE_PRIVILEGES", holder, "NamespaceAdmin", target, reason)
                continue
            if namespace in launches:
                continue
            reason = f"can grant itself pod creation {_in_namespace(namespace)}: {grant.text}"
            for account in accounts.get(namespace, ()):
                yield from _edges("CAN_ESCALATE_PRIVILEGES", holder, "ServiceAccount", account.uid, reason)


# --------------------------------------------------------------------------------------------------
# CAN_IMPERSONATE
# --------------------------------------------------------------------------------------------------

IMPERSONATE_USERS = Permission("impersonate", "users")
IMPERSONATE_GROUPS = Permission("impersonate", "groups")
IMPERSONATE_SERVICE_ACCOUNTS = Permission("impersonate", "serviceaccounts")


def find_impersonations(facts: ClusterFacts) -> Iterator[AttackEdge]:
    """Impersonate-User / Impersonate-Group headers. Users and groups carry no namespace in the
    impersonation check, so only ClusterRoleBindings grant them; service accounts are checked in their
    namespace. Impersonating a group needs a user to impersonate too (the API server refuses
    Impersonate-Group without Impersonate-User), any name will do."""
    anchor = uids.cluster_admin_uid(facts.cluster)
    users = sorted(facts.of("KubeUser").values(), key=lambda entity: entity.uid)
    groups = sorted(facts.of("KubeGroup").values(), key=lambda entity: entity.uid)
    accounts = facts.service_accounts_by_namespace
    for holder in _attackers(facts):
        index = holder.index
        principal = holder.principal
        why = _Why(holder)
        user_scope = IMPERSONATE_USERS.scope(index, principal)
        account_scope = IMPERSONATE_SERVICE_ACCOUNTS.scope(index, principal)
        for user, by_name in _covered_cluster_scoped(user_scope, users):
            reason = f'{why(IMPERSONATE_USERS, None, user.name, by_name)} as user "{user.name}"'
            yield from _edges("CAN_IMPERSONATE", holder, "KubeUser", user.uid, reason)
        for account, by_name in _covered(account_scope, accounts):
            reason = f"{why(IMPERSONATE_SERVICE_ACCOUNTS, account.namespace, account.name, by_name)} as {account.ref}"
            yield from _edges("CAN_IMPERSONATE", holder, "ServiceAccount", account.uid, reason)

        user_names = user_scope.names_in(None) if user_scope.cluster_wide else frozenset()
        if user_names is not None and not user_names and account_scope.is_empty:
            continue  # no user to impersonate alongside a group
        group_scope = IMPERSONATE_GROUPS.scope(index, principal)
        for group, by_name in _covered_cluster_scoped(group_scope, groups):
            reason = f'{why(IMPERSONATE_GROUPS, None, group.name, by_name)} as group "{group.name}"'
            yield from _edges("CAN_IMPERSONATE", holder, "KubeGroup", group.uid, reason)
        if group_scope.covers(None, SYSTEM_MASTERS):
            by_name = group_scope.names_in(None) is not None
            masters = why(IMPERSONATE_GROUPS, None, SYSTEM_MASTERS, by_name)
            reason = f'{masters} as group "{SYSTEM_MASTERS}", which the API server allows everything'
            yield from _edges("CAN_IMPERSONATE", holder, "ClusterAdmin", anchor, reason)


# --------------------------------------------------------------------------------------------------
# CAN_PROXY_NODE
# --------------------------------------------------------------------------------------------------

# The kubelet authorizes its API (through the API server's node proxy or directly on :10250) as
# nodes/proxy with the verb of the HTTP method; exec over a WebSocket is a GET, so `get` is enough.
NODE_PROXY = (Permission("create", "nodes/proxy"), Permission("get", "nodes/proxy"))


def find_node_proxies(facts: ClusterFacts) -> Iterator[AttackEdge]:
    nodes = sorted(facts.nodes.values(), key=lambda entity: entity.uid)
    for holder in _attackers(facts):
        index = holder.index
        why = _Why(holder)
        reached: dict[str, str] = {}
        for permission in NODE_PROXY:
            for node, by_name in _covered_cluster_scoped(permission.scope(index, holder.principal), nodes):
                if node.uid not in reached:
                    grant = why(permission, None, node.name, by_name)
                    reached[node.uid] = f'{grant} on node "{node.name}": the kubelet API runs commands in its pods'
        for node_uid, reason in reached.items():
            yield from _edges("CAN_PROXY_NODE", holder, "Node", node_uid, reason)


# --------------------------------------------------------------------------------------------------
# CAN_APPROVE_CSR, CAN_EDIT_WEBHOOKS, CAN_EDIT_AWS_AUTH: cluster-admin by one write
# --------------------------------------------------------------------------------------------------

CREATE_CSR = Permission("create", "certificatesigningrequests", CERTIFICATES_API_GROUP)
APPROVE_CSR = tuple(
    Permission(verb, "certificatesigningrequests/approval", CERTIFICATES_API_GROUP) for verb in UPDATE_VERBS
)
APPROVE_SIGNER = Permission("approve", "signers", CERTIFICATES_API_GROUP)


def _certificate_admin(facts: ClusterFacts) -> str | None:
    """An identity a client certificate can name that RBAC makes cluster-admin. system:masters does not
    count: CertificateSubjectRestriction (on by default) refuses kube-apiserver-client CSRs for it."""
    for holder in holders(facts):
        if not holder.is_cluster_admin:
            continue
        for identity in holder.identities:
            entity = facts.entity(identity.uid)
            if entity is None or (identity.label == "KubeGroup" and entity.name == SYSTEM_MASTERS):
                continue
            subject = {"ServiceAccount": "service account", "KubeUser": "user", "KubeGroup": "group"}[identity.label]
            return f'{subject} "{entity.ref}"'
    return None


def _csr_approval(index: RbacIndex, principal: Principal) -> tuple[Permission, str | None] | None:
    """update/patch of certificatesigningrequests/approval, and a CSR name it holds for (None = any). The
    attacker names its own CSR, so approval restricted to some names still works with one of them."""
    for permission in APPROVE_CSR:
        scope = permission.scope(index, principal)
        if not scope.cluster_wide:
            continue
        names = scope.names_in(None)
        if names is None:
            return permission, None
        if names:
            return permission, min(names)
    return None


def find_csr_approvals(facts: ClusterFacts) -> Iterator[AttackEdge]:
    anchor = uids.cluster_admin_uid(facts.cluster)
    admin_subject: str | None = None
    admin_looked_up = False
    for holder in _attackers(facts):
        index = holder.index
        principal = holder.principal
        if not CREATE_CSR.scope(index, principal).covers(None, None):
            continue
        approval = _csr_approval(index, principal)
        if approval is None:
            continue
        signer_scope = APPROVE_SIGNER.scope(index, principal)
        signer = next((name for name in CLIENT_CERT_SIGNER_NAMES if signer_scope.covers(None, name)), None)
        if signer is None:
            continue
        if not admin_looked_up:
            admin_subject, admin_looked_up = _certificate_admin(facts), True
        if admin_subject is None:
            return  # no identity a certificate may name is cluster-admin
        why = _Why(holder)
        permission, csr_name = approval
        reason = (
            f"{why(CREATE_CSR, None, None, False)} + {why(permission, None, csr_name, csr_name is not None)} + "
            f'{why(APPROVE_SIGNER, None, signer, True)} on signer "{signer}": can issue itself a client '
            f"certificate for {admin_subject}, which is cluster-admin"
        )
        yield from _edges("CAN_APPROVE_CSR", holder, "ClusterAdmin", anchor, reason)


# Only mutating webhooks: a validating webhook sees objects as they are written (secrets included) but
# cannot change them, which gives no control that can be pinned to an existing object.
MUTATING_WEBHOOKS = "mutatingwebhookconfigurations"


def find_webhook_edits(facts: ClusterFacts) -> Iterator[AttackEdge]:
    anchor = uids.cluster_admin_uid(facts.cluster)
    existing = sorted(
        (entity for entity in facts.of("WebhookConfiguration").values() if entity.get("webhook_kind") == "mutating"),
        key=lambda entity: entity.name,
    )
    create = Permission("create", MUTATING_WEBHOOKS, ADMISSION_API_GROUP)
    updates = tuple(Permission(verb, MUTATING_WEBHOOKS, ADMISSION_API_GROUP) for verb in UPDATE_VERBS)
    for holder in _attackers(facts):
        index = holder.index
        principal = holder.principal
        why = _Why(holder)
        route = None
        if create.scope(index, principal).covers(None, None):
            route = why(create, None, None, False)
        else:
            for permission in updates:
                scope = permission.scope(index, principal)
                target = next((entity for entity in existing if scope.covers(None, entity.name)), None)
                if target is not None:
                    by_name = scope.names_in(None) is not None
                    route = f'{why(permission, None, target.name, by_name)} on "{target.name}"'
                    break
        if route:
            reason = (
                f"{route}: a mutating admission webhook of its own can rewrite every object the API server "
                "admits (make pods privileged, switch their service account, add binding subjects)"
            )
            yield from _edges("CAN_EDIT_WEBHOOKS", holder, "ClusterAdmin", anchor, reason)


AWS_AUTH_UPDATES = tuple(Permission(verb, "configmaps") for verb in UPDATE_VERBS)


def find_aws_auth_edits(facts: ClusterFacts) -> Iterator[AttackEdge]:
    """EKS only: the aws-auth ConfigMap exists there (and is what this edge is about)."""
    aws_auth_uid = uids.configmap_uid(facts.cluster, AWS_AUTH_NAMESPACE, AWS_AUTH_NAME)
    if aws_auth_uid not in facts.of("ConfigMap"):
        return
    anchor = uids.cluster_admin_uid(facts.cluster)
    for holder in _attackers(facts):
        index = holder.index
        why = _Why(holder)
        for permission in AWS_AUTH_UPDATES:
            scope = permission.scope(index, holder.principal)
            if scope.covers(AWS_AUTH_NAMESPACE, AWS_AUTH_NAME):
                by_name = scope.names_in(AWS_AUTH_NAMESPACE) is not None
                grant = why(permission, AWS_AUTH_NAMESPACE, AWS_AUTH_NAME, by_name)
                reason = (
                    f"{grant} on configmap {AWS_AUTH_NAMESPACE}/{AWS_AUTH_NAME}: can map an IAM role it "
                    f"controls to {SYSTEM_MASTERS}"
                )
                yield from _edges("CAN_EDIT_AWS_AUTH", holder, "ClusterAdmin", anchor, reason)
                break


# --------------------------------------------------------------------------------------------------
# The catalogue entries
# --------------------------------------------------------------------------------------------------

RBAC_DOCS = "https://kubernetes.io/docs/reference/access-authn-authz/rbac/"
RBAC_GOOD_PRACTICES = "https://kubernetes.io/docs/concepts/security/rbac-good-practices/"
KUBEHOUND_ATTACKS = "https://kubehound.io/reference/attacks/"
RBAC_POLICE = "https://github.com/PaloAltoNetworks/rbac-police/blob/main/lib/"
UNIT42_RBAC = "https://unit42.paloaltonetworks.com/kubernetes-privilege-escalation/"
PSA_DOCS = "https://kubernetes.io/docs/concepts/security/pod-security-admission/"
KEP_4006 = (
    "https://github.com/kubernetes/enhancements/tree/master/keps/sig-api-machinery/4006-transition-spdy-to-websockets"
)


# The sources of the edge types that a namespace-admin anchor also has (what an admin of the namespace reaches).
ANY_ATTACKER = "ServiceAccount, KubeUser, KubeGroup or NamespaceAdmin"


def _mitre(technique: str) -> str:
    return f"https://attack.mitre.org/techniques/{technique.replace('.', '/')}/"


register_edge_types(
    EdgeType(
        name="IS_CLUSTER_ADMIN",
        plane="k8s",
        tactic="privilege-escalation",
        title="Cluster-admin",
        mitre="T1078.001",
        source="ServiceAccount, KubeUser or KubeGroup",
        target="ClusterAdmin",
        meaning="The identity may do anything in the cluster: a ClusterRoleBinding gives it `*` verbs on `*` "
        "resources in `*` API groups (the cluster-admin ClusterRole), or it is the group system:masters, which "
        "the API server allows everything without consulting RBAC. The same role through a RoleBinding is "
        "admin of one namespace only and does not count.",
        abuse="Use its credentials (a service account's token, a user's kubeconfig) for anything: read every "
        "secret, run privileged pods on every node, bind any role.",
        opsec="Nothing to escalate, so nothing unusual to see; what the identity then does is audited as itself.",
        remediation="Bind cluster-admin to as few identities as possible, never to workload service accounts; "
        "give operators narrow ClusterRoles or namespace-scoped RoleBindings instead. Keep system:masters "
        "for break-glass certificates only.",
        references=(
            RBAC_DOCS + "#user-facing-roles",
            RBAC_GOOD_PRACTICES,
            RBAC_POLICE + "cluster_admin.rego",
            _mitre("T1078.001"),
        ),
    ),
    EdgeType(
        name="IS_NAMESPACE_ADMIN",
        plane="k8s",
        tactic="privilege-escalation",
        title="Namespace admin",
        mitre="T1078.001",
        source="ServiceAccount, KubeUser or KubeGroup",
        target="NamespaceAdmin",
        meaning="The identity holds, in namespace N and for every object, each permission of the built-in admin "
        "ClusterRole that an attack uses: get/list/watch secrets; get/create pods/exec and pods/attach; "
        "impersonate serviceaccounts; create serviceaccounts/token; create/update/patch pods and every pod "
        "controller (apps, batch, core replicationcontrollers); update/patch configmaps. A RoleBinding in N to "
        "admin, edit or cluster-admin gives that, and a ClusterRoleBinding to admin or edit gives it in every "
        "namespace. From N's NamespaceAdmin anchor run the edges of what that grants in N only: its secrets, "
        "exec and attach into its pods, its service accounts (run as, mint tokens, impersonate), its workloads, "
        "a privileged pod on any node unless N enforces Pod Security baseline or restricted, and on EKS in "
        "kube-system the aws-auth ConfigMap. The identity keeps its own edges too; a cluster-admin gets "
        "IS_CLUSTER_ADMIN only.",
        abuse="Use its credentials in N: `kubectl -n <ns> get secrets -o yaml`, `kubectl -n <ns> exec`, "
        "`kubectl -n <ns> create token <sa>`, or run a pod there as any of N's service accounts.",
        opsec="Nothing to escalate inside N; what it does there is audited as itself.",
        remediation="Grant admin and edit per namespace to the people and pipelines that own it, never to "
        "workload service accounts, and never through a ClusterRoleBinding; keep powerful service accounts out "
        "of namespaces that others administer.",
        references=(
            RBAC_DOCS + "#user-facing-roles",
            RBAC_GOOD_PRACTICES,
            "https://github.com/kubernetes/kubernetes/blob/master/plugin/pkg/auth/authorizer/rbac/bootstrappolicy/"
            "policy.go",
            _mitre("T1078.001"),
        ),
    ),
    EdgeType(
        name="CAN_READ_SECRET",
        plane="k8s",
        tactic="credential-access",
        title="Read secret",
        mitre="T1552.007",
        source=ANY_ATTACKER,
        target="KubeSecret",
        meaning="RBAC allows get, list or watch on `secrets` in the secret's namespace. list and watch return "
        "the values too, not just names. Rules with resourceNames reach exactly the named secrets (a list "
        "must then select one by `metadata.name`). A RoleBinding to a ClusterRole grants it in the binding's "
        "namespace only. From a node's kubelet identity the Node authorizer allows it instead, for the secrets "
        "that pods bound to the node reference (rule k8s.node-authorizer.read-secret).",
        abuse="`kubectl get secret -n <ns> <name> -o jsonpath='{.data}'` (or `kubectl get secrets -n <ns> "
        "-o yaml` with list). Service-account token secrets give that account.",
        opsec="Reads of secrets are audited at Metadata level by most audit policies; a list of every secret "
        "in a namespace stands out more than one get.",
        remediation="Grant secrets access by resourceNames, in the one namespace that needs it; avoid list/watch "
        "on secrets; prefer mounting a secret into the pod that uses it over API access.",
        references=(
            RBAC_GOOD_PRACTICES + "#listing-secrets",
            KUBEHOUND_ATTACKS + "TOKEN_LIST/",
            RBAC_POLICE + "retrieve_secrets.rego",
            _mitre("T1552.007"),
        ),
    ),
    EdgeType(
        name="CAN_RUN_AS",
        plane="k8s",
        tactic="privilege-escalation",
        title="Run a pod as a service account",
        mitre="T1078.001",
        source=ANY_ATTACKER,
        target="ServiceAccount",
        meaning="The identity can get a pod of its own design started in namespace N: create `pods`, create "
        "any pod controller (apps deployments, daemonsets, statefulsets, replicasets; batch jobs, cronjobs; "
        "core replicationcontrollers), or update/patch an existing controller whose pod template is mutable "
        "(not a Job). A pod spec may name any service account of N, and its token is mounted into the pod. "
        'Controllers live in their own API groups: a rule for `deployments` in the core group `""` grants '
        "nothing.",
        abuse="Create a pod with `serviceAccountName: <target>` and `automountServiceAccountToken: true` that "
        "sends its token out (or run a shell in it), then use the token.",
        opsec="A new pod or a changed template is visible in events and in the audit log; reusing an existing "
        "image and name pattern draws less attention.",
        remediation="Do not let humans or CI create workloads in namespaces that hold powerful service "
        "accounts; keep powerful accounts in dedicated namespaces; restrict which service accounts a namespace "
        "may use with admission policy (ValidatingAdmissionPolicy, Kyverno, Gatekeeper).",
        references=(
            RBAC_GOOD_PRACTICES + "#workload-creation",
            KUBEHOUND_ATTACKS + "POD_CREATE/",
            RBAC_POLICE + "assign_sa.rego",
            "https://kubernetes.io/docs/concepts/workloads/controllers/job/",
            _mitre("T1078.001"),
        ),
    ),
    EdgeType(
        name="CAN_CREATE_PRIVILEGED_POD",
        plane="k8s",
        tactic="privilege-escalation",
        title="Create a privileged pod on any node",
        mitre="T1611",
        source=ANY_ATTACKER,
        target="ClusterNodes (every node, through PLACES_ON_NODE)",
        meaning="The identity can start a pod of its own design in some namespace (as for CAN_RUN_AS) where "
        "Pod Security admission does not enforce baseline or restricted, or it can also update/patch that "
        "Namespace and remove the enforce label. `spec.nodeName` skips the scheduler, so the privileged pod "
        "lands on any node it names.",
        abuse="Create a pod with `nodeName: <node>`, `hostPID: true`, `privileged: true` and a hostPath of `/` "
        "(BishopFox badPods everything-allowed), then `nsenter -t 1 -a` or chroot into the host.",
        opsec="Privileged pods are what runtime security tools alert on first; removing a Pod Security label is "
        "a visible namespace change.",
        remediation="Enforce Pod Security `baseline` or `restricted` on every namespace that is not "
        "infrastructure (`pod-security.kubernetes.io/enforce` label, or a cluster-wide default in the "
        "PodSecurity admission configuration); never grant update/patch on namespaces to workload identities.",
        references=(
            PSA_DOCS,
            RBAC_GOOD_PRACTICES + "#workload-creation",
            "https://github.com/BishopFox/badPods",
            KUBEHOUND_ATTACKS + "POD_CREATE/",
            RBAC_POLICE + "rce_weak_ns.rego",
            _mitre("T1611"),
        ),
    ),
    EdgeType(
        name="CAN_EXEC",
        plane="k8s",
        tactic="lateral",
        title="Exec into pod",
        mitre="T1609",
        source=ANY_ATTACKER,
        target="Pod",
        meaning="RBAC allows create on `pods/exec` for the pod (resourceNames honoured). Before Kubernetes 1.35 "
        "`get` on pods/exec is enough too, since an exec over WebSocket is a GET (KEP-4006 added the create "
        "check). `pods/*` is not a wildcard and grants nothing here.",
        abuse="`kubectl exec -it -n <ns> <pod> -- sh`: run anything in its containers, with its service-account "
        "token and mounted secrets.",
        opsec="Exec sessions are audited (create pods/exec) and commonly alerted on in production namespaces.",
        remediation="Grant pods/exec only for debugging, to named people, through short-lived bindings; never to "
        "workload service accounts.",
        references=(
            RBAC_GOOD_PRACTICES,
            KUBEHOUND_ATTACKS + "POD_EXEC/",
            RBAC_POLICE + "pods_exec.rego",
            KEP_4006,
            _mitre("T1609"),
        ),
    ),
    EdgeType(
        name="CAN_ATTACH",
        plane="k8s",
        tactic="lateral",
        title="Attach to pod",
        mitre="T1609",
        source=ANY_ATTACKER,
        target="Pod",
        meaning="RBAC allows create on `pods/attach` for the pod (before Kubernetes 1.35 `get` also works over "
        "WebSocket). Attach connects to the main process of a running container: its input when the "
        "container was started with `stdin: true`, otherwise its output only, so only pods with such a "
        "running container get the edge.",
        abuse="`kubectl attach -it -n <ns> <pod> -c <container>`: type into the container's shell or "
        "interpreter if it reads stdin.",
        opsec="Audited as create pods/attach; rarer than exec, so it may escape exec-only alerting.",
        remediation="Treat pods/attach like pods/exec; do not run containers with stdin open unless needed.",
        references=(
            RBAC_GOOD_PRACTICES,
            KUBEHOUND_ATTACKS + "POD_ATTACH/",
            KEP_4006,
            _mitre("T1609"),
        ),
    ),
    EdgeType(
        name="CAN_ADD_EPHEMERAL_CONTAINER",
        plane="k8s",
        tactic="lateral",
        title="Add an ephemeral container to pod",
        mitre="T1609",
        source="ServiceAccount, KubeUser or KubeGroup",
        target="Pod",
        meaning="RBAC allows update or patch on `pods/ephemeralcontainers` for the pod. An ephemeral container "
        "runs any image and command in the pod, can mount the pod's volumes (its service-account token "
        "included) and join another container's process namespace.",
        abuse="`kubectl debug -n <ns> <pod> --image=<image> --target=<container>` (or patch the "
        "ephemeralcontainers subresource directly with a command that calls home).",
        opsec="Ephemeral containers stay in the pod spec until the pod is deleted, so the change is visible "
        "afterwards; Pod Security admission still applies to them.",
        remediation="Grant pods/ephemeralcontainers only for debugging, to named people, briefly.",
        references=(
            "https://kubernetes.io/docs/concepts/workloads/pods/ephemeral-containers/",
            RBAC_POLICE + "pods_ephemeral_ctrs.rego",
            _mitre("T1609"),
        ),
    ),
    EdgeType(
        name="CAN_PATCH_POD",
        plane="k8s",
        tactic="lateral",
        title="Patch pod (image swap)",
        mitre="T1609",
        source=ANY_ATTACKER,
        target="Pod",
        meaning="RBAC allows update or patch on `pods` for the pod. A container's image is mutable on a running "
        "pod, so the pod restarts that container with an image of the attacker's choice, keeping the pod's "
        "service account, volumes and secrets. (The service account itself cannot be changed on a pod.)",
        abuse='`kubectl patch pod -n <ns> <pod> -p \'{"spec":{"containers":[{"name":"<c>","image":'
        '"<attacker image>"}]}}\'`',
        opsec="The image change shows in the pod's events and restart count; admission policies on images "
        "(signatures, allowed registries) apply to updates too.",
        remediation="Do not grant update/patch on pods; workloads are changed through their controllers. "
        "Enforce image provenance with admission policy.",
        references=(
            KUBEHOUND_ATTACKS + "POD_PATCH/",
            RBAC_POLICE + "modify_pods.rego",
            _mitre("T1609"),
        ),
    ),
    EdgeType(
        name="CAN_MODIFY_WORKLOAD",
        plane="k8s",
        tactic="lateral",
        title="Modify workload",
        mitre="T1610",
        source=ANY_ATTACKER,
        target="Deployment, DaemonSet, StatefulSet, ReplicaSet, CronJob or ReplicationController",
        meaning="RBAC allows update or patch on the controller (resourceNames honoured, in its own API group). "
        "Rewriting its pod template (image, command, volumes) makes it roll out pods that run the attacker's "
        "code with its service account. A Job is left out: its pod template is immutable once created.",
        abuse="`kubectl set image` / `kubectl patch` the template; for a DaemonSet the new pods run on every "
        "node. The controller's pods follow through CONTROLLER_RUNS_POD.",
        opsec="A rollout is visible (new ReplicaSet or revision, events); GitOps controllers may revert the "
        "change and report drift.",
        remediation="Give CI and humans write access to workloads only in the namespaces they own; deploy "
        "through GitOps with admission policy on images.",
        references=(
            RBAC_GOOD_PRACTICES + "#workload-creation",
            RBAC_POLICE + "assign_sa.rego",
            "https://kubernetes.io/docs/concepts/workloads/controllers/job/",
            _mitre("T1610"),
        ),
    ),
    EdgeType(
        name="CAN_CREATE_TOKEN",
        plane="k8s",
        tactic="credential-access",
        title="Mint service-account token",
        mitre="T1528",
        source=ANY_ATTACKER,
        target="ServiceAccount",
        meaning="RBAC allows create on `serviceaccounts/token` (TokenRequest) for that service account "
        "(resourceNames honoured: the request names the account). The API server then issues a fresh token "
        "for it. From a node's kubelet identity the Node authorizer allows it instead, for the service "
        "accounts of pods bound to the node (rule k8s.node-authorizer.create-token).",
        abuse="`kubectl create token -n <ns> <serviceaccount> --duration=24h`, then use the token.",
        opsec="TokenRequest calls are audited; the token's lifetime is capped by the API server's "
        "--service-account-max-token-expiration.",
        remediation="Grant serviceaccounts/token only to the component that needs to mint tokens, by resourceNames.",
        references=(
            "https://kubernetes.io/docs/reference/kubernetes-api/authentication-resources/token-request-v1/",
            RBAC_POLICE + "token_request.rego",
            _mitre("T1528"),
        ),
    ),
    EdgeType(
        name="CAN_ESCALATE_PRIVILEGES",
        plane="k8s",
        tactic="privilege-escalation",
        title="Grant oneself a role",
        mitre="T1098.006",
        source="ServiceAccount, KubeUser or KubeGroup",
        target="ClusterAdmin, NamespaceAdmin, or ServiceAccount (pod creation in its namespace)",
        meaning="RBAC's escalation checks are bypassed: `bind` on a role plus create of bindings (or "
        "update/patch of an existing binding of that role) lets the identity bind itself to the role; "
        "`escalate` plus update/patch on a role it is bound to lets it write any rule into it. Cluster-wide, "
        "with a cluster-admin-equivalent role, that is cluster-admin. Within namespace N (create rolebindings "
        "in N with bind on admin, edit, cluster-admin or any role holding what admin grants; update/patch of a "
        "RoleBinding in N of such a role with bind on it; or escalate on a role bound in N) it is namespace-admin "
        "of N: the edge goes to N's NamespaceAdmin anchor, also when the identity is N's only account. Binding a "
        "role that only creates pods in N gives every service account of N instead. bind restricted by "
        "resourceNames reaches only those roles.",
        abuse="`kubectl create clusterrolebinding pwn --clusterrole=cluster-admin --serviceaccount=<ns>:<me>`, "
        "or `kubectl edit clusterrole <mine>` to add `*` on `*`.",
        opsec="New (Cluster)RoleBindings to powerful roles and edits of bootstrap roles are high-signal audit events.",
        remediation="Never grant bind or escalate outside RBAC-managing controllers; restrict bind to named "
        "roles with resourceNames; review who can create or update (Cluster)RoleBindings.",
        references=(
            RBAC_DOCS + "#privilege-escalation-prevention-and-bootstrapping",
            RBAC_GOOD_PRACTICES + "#bind-verb",
            KUBEHOUND_ATTACKS + "ROLE_BIND/",
            RBAC_POLICE + "bind_roles.rego",
            RBAC_POLICE + "escalate_roles.rego",
            _mitre("T1098.006"),
        ),
    ),
    EdgeType(
        name="CAN_IMPERSONATE",
        plane="k8s",
        tactic="privilege-escalation",
        title="Impersonate identity",
        mitre="T1078.001",
        source=ANY_ATTACKER,
        target="KubeUser, KubeGroup, ServiceAccount or ClusterAdmin",
        meaning="RBAC allows `impersonate` on users, groups or serviceaccounts (resourceNames narrow it). Users "
        "and groups are checked without a namespace, so only ClusterRoleBindings grant them; service accounts "
        "are checked in their namespace. Impersonating a group also needs some user to impersonate. Group "
        "system:masters (or any group) means cluster-admin.",
        abuse="`kubectl --as=<user> --as-group=system:masters get secrets -A`, or `--as=system:serviceaccount:"
        "<ns>:<sa>`.",
        opsec="The audit log records both the real and the impersonated user (impersonatedUser).",
        remediation="Grant impersonate only to authenticating proxies, by resourceNames; never on groups "
        "without names.",
        references=(
            "https://kubernetes.io/docs/reference/access-authn-authz/authentication/#user-impersonation",
            RBAC_GOOD_PRACTICES + "#impersonate-verb",
            KUBEHOUND_ATTACKS + "IDENTITY_IMPERSONATE/",
            RBAC_POLICE + "impersonate.rego",
            _mitre("T1078.001"),
        ),
    ),
    EdgeType(
        name="CAN_PROXY_NODE",
        plane="k8s",
        tactic="lateral",
        title="Kubelet API through nodes/proxy",
        mitre="T1609",
        source="ServiceAccount, KubeUser or KubeGroup",
        target="Node",
        meaning="RBAC allows create or get on `nodes/proxy` for the node. The kubelet authorizes its API as "
        "nodes/proxy with the HTTP method's verb, and its exec, run and attach endpoints accept a WebSocket "
        "upgrade, which is a GET: so even `get` runs commands in every pod on the node. Fine-grained kubelet "
        "authorization (1.33+) does not change that for exec.",
        abuse="Through the API server: `/api/v1/nodes/<node>/proxy/run/<ns>/<pod>/<container>?cmd=...` (POST "
        "with create), or a WebSocket to `.../proxy/exec/...` with get; or directly to the kubelet on :10250 "
        "with the identity's token.",
        opsec="Requests through the kubelet bypass the API server's pods/exec audit events; only the "
        "nodes/proxy request is audited.",
        remediation="Do not grant nodes/proxy to monitoring; grant nodes/metrics, nodes/stats and (1.33+) the "
        "fine-grained kubelet subresources instead.",
        references=(
            "https://kubernetes.io/docs/reference/access-authn-authz/kubelet-authn-authz/",
            "https://kubernetes.io/blog/2026/04/24/kubernetes-v1-36-fine-grained-kubelet-authorization-ga/",
            RBAC_POLICE + "nodes_proxy.rego",
            _mitre("T1609"),
        ),
    ),
    EdgeType(
        name="CAN_APPROVE_CSR",
        plane="k8s",
        tactic="privilege-escalation",
        title="Issue a client certificate",
        mitre="T1649",
        source="ServiceAccount, KubeUser or KubeGroup",
        target="ClusterAdmin",
        meaning="RBAC allows create on certificatesigningrequests, update/patch on "
        "certificatesigningrequests/approval and `approve` on signers `kubernetes.io/kube-apiserver-client` "
        "(or `kubernetes.io/*`): the identity can request and approve a client certificate for any user and "
        "groups, which kube-controller-manager then signs. The edge needs some identity other than "
        "system:masters (refused by the CertificateSubjectRestriction admission plugin) to be cluster-admin.",
        abuse="Create a CSR with `signerName: kubernetes.io/kube-apiserver-client` and subject CN=<admin user> "
        "(or O=<admin group>), `kubectl certificate approve` it, read `status.certificate` (the approval "
        "update returns the signed CSR), and authenticate with the certificate.",
        opsec="Client certificates cannot be revoked short of rotating the cluster CA; CSR creation and "
        "approval are audited. Some managed clusters do not sign this signer.",
        remediation="Grant approve on signers only to the CSR approvers that need it, by signer name; never "
        "for kube-apiserver-client to workloads.",
        references=(
            "https://kubernetes.io/docs/reference/access-authn-authz/certificate-signing-requests/",
            "https://kubernetes.io/docs/reference/access-authn-authz/admission-controllers/"
            "#certificatesubjectrestriction",
            RBAC_POLICE + "approve_csrs.rego",
            _mitre("T1649"),
        ),
    ),
    EdgeType(
        name="CAN_EDIT_WEBHOOKS",
        plane="k8s",
        tactic="privilege-escalation",
        title="Control a mutating admission webhook",
        mitre="T1557",
        source="ServiceAccount, KubeUser or KubeGroup",
        target="ClusterAdmin",
        meaning="RBAC allows creating mutatingwebhookconfigurations, or updating/patching an existing one "
        "(admissionregistration.k8s.io). The API server then sends objects it admits to a server of the "
        "attacker's choosing, which can rewrite them: make pods privileged, switch their service account, "
        "add subjects to bindings. Validating webhooks only see objects and are not counted.",
        abuse="Register a webhook for pods (CREATE) pointing at an attacker URL that adds a privileged "
        "container to the next pod created in kube-system.",
        opsec="A new or changed webhook configuration is visible cluster-wide; a failing webhook with "
        "failurePolicy Fail breaks admission and gets noticed.",
        remediation="Only cluster operators should write admission webhook configurations; watch for changes to them.",
        references=(
            "https://kubernetes.io/docs/reference/access-authn-authz/extensible-admission-controllers/",
            RBAC_POLICE + "control_webhooks.rego",
            "https://microsoft.github.io/Threat-Matrix-for-Kubernetes/",
            _mitre("T1557"),
        ),
    ),
    EdgeType(
        name="CAN_EDIT_AWS_AUTH",
        plane="k8s",
        tactic="privilege-escalation",
        title="Edit EKS aws-auth",
        mitre="T1098.006",
        source=ANY_ATTACKER,
        target="ClusterAdmin",
        meaning="On EKS (the kube-system/aws-auth ConfigMap exists), RBAC allows update or patch on that "
        "ConfigMap. Its mapRoles / mapUsers turn IAM principals into Kubernetes users and groups, so the "
        "identity can map an IAM role it controls to system:masters.",
        abuse="Add `- rolearn: <attacker role>\\n  username: x\\n  groups: [system:masters]` to mapRoles, then "
        "`aws eks get-token` as that role.",
        opsec="ConfigMap edits are audited; the IAM side needs a role the attacker can assume.",
        remediation="Move to EKS access entries (authentication mode API) and stop granting write access to "
        "kube-system configmaps.",
        references=(
            "https://docs.aws.amazon.com/eks/latest/userguide/auth-configmap.html",
            RBAC_POLICE + "eks_modify_aws_auth.rego",
            _mitre("T1098.006"),
        ),
    ),
    EdgeType(
        name="PLACES_ON_NODE",
        plane="k8s",
        tactic="lateral",
        title="A pod can be placed on this node",
        mitre="T1611",
        source="ClusterNodes",
        target="Node",
        meaning="Whoever can start a privileged pod in the cluster can put it on this node: `spec.nodeName` "
        "binds a pod to a node directly, without the scheduler (and without its taint checks for NoSchedule).",
        abuse="Set `spec.nodeName` to the target node in the privileged pod's spec.",
        opsec="Pods with nodeName set by hand stand out next to scheduler-placed ones.",
        remediation="Remove the ability to start privileged pods (see CAN_CREATE_PRIVILEGED_POD); reserve "
        "sensitive nodes with NoExecute taints and admission policy that rejects hand-set nodeName.",
        references=(
            "https://kubernetes.io/docs/concepts/scheduling-eviction/assign-pod-node/#nodename",
            _mitre("T1611"),
        ),
        consequence=True,
    ),
)
register_rules(
    Rule("k8s.rbac.cluster_admin", "IS_CLUSTER_ADMIN", find_cluster_admins),
    Rule("k8s.rbac.namespace_admin", "IS_NAMESPACE_ADMIN", find_namespace_admins),
    Rule("k8s.rbac.read_secret", "CAN_READ_SECRET", find_secret_reads),
    Rule("k8s.rbac.run_as_service_account", "CAN_RUN_AS", find_run_as),
    Rule("k8s.rbac.create_privileged_pod", "CAN_CREATE_PRIVILEGED_POD", find_privileged_pods),
    Rule("k8s.rbac.pod_exec", "CAN_EXEC", find_exec),
    Rule("k8s.rbac.pod_attach", "CAN_ATTACH", find_attach),
    Rule("k8s.rbac.pod_ephemeral_container", "CAN_ADD_EPHEMERAL_CONTAINER", find_ephemeral_containers),
    Rule("k8s.rbac.pod_patch", "CAN_PATCH_POD", find_pod_patches),
    Rule("k8s.rbac.modify_workload", "CAN_MODIFY_WORKLOAD", find_workload_modifications),
    Rule("k8s.rbac.create_token", "CAN_CREATE_TOKEN", find_token_requests),
    Rule("k8s.rbac.escalate", "CAN_ESCALATE_PRIVILEGES", find_escalations),
    Rule("k8s.rbac.impersonate", "CAN_IMPERSONATE", find_impersonations),
    Rule("k8s.rbac.nodes_proxy", "CAN_PROXY_NODE", find_node_proxies),
    Rule("k8s.rbac.approve_csr", "CAN_APPROVE_CSR", find_csr_approvals),
    Rule("k8s.rbac.edit_webhooks", "CAN_EDIT_WEBHOOKS", find_webhook_edits),
    Rule("k8s.rbac.edit_aws_auth", "CAN_EDIT_AWS_AUTH", find_aws_auth_edits),
    Rule("k8s.scheduling.node_name", "PLACES_ON_NODE", find_node_placement),
)
