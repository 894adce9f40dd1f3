"""Kubernetes RBAC, evaluated exactly as the API server's RBAC authorizer evaluates it.

Pure functions of roles and bindings; no I/O. Every RBAC attack edge is derived from this module, so each
decision below follows the Kubernetes source (kubernetes/kubernetes), cited by file:

- ``plugin/pkg/auth/authorizer/rbac/rbac.go`` (``RuleAllows``): a rule allows a resource request when verb,
  API group, resource (``resource/subresource``) and name all match; a non-resource request when verb and
  URL match.
- ``pkg/apis/rbac/v1/evaluation_helpers.go``: ``VerbMatches``, ``APIGroupMatches``, ``ResourceMatches``,
  ``ResourceNameMatches``, ``NonResourceURLMatches`` (mirrored one to one by the ``_..._matches`` helpers).
- ``pkg/registry/rbac/validation/rule.go`` (``VisitRulesFor``, ``appliesToUser``, ``GetRoleReferenceRules``):
  every ClusterRoleBinding applies; RoleBindings apply only when the request's namespace is theirs; a
  binding whose role cannot be found contributes nothing.
- ``pkg/controller/clusterroleaggregation`` (``syncClusterRole``): aggregated ClusterRoles.
- ``staging/src/k8s.io/apiserver/pkg/endpoints/request/requestinfo.go``: how a request becomes
  (verb, namespace, resource, subresource, name); see ``normalize_request``.
- ``staging/src/k8s.io/apiserver/pkg/authentication``: service-account usernames and groups, the
  ``system:authenticated`` group adder, the anonymous user.
- ``staging/src/k8s.io/apiserver/pkg/authorization/authorizerfactory`` (``NewPrivilegedGroups``):
  ``system:masters`` is allowed everything before RBAC is consulted.

Other authorizers (Node, webhook, ABAC) and admission are out of scope: this answers "does RBAC allow it".
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from graph.selectors import SELECTOR_OPERATORS, selector_matches

VERB_ALL = "*"
API_GROUP_ALL = "*"
RESOURCE_ALL = "*"
NON_RESOURCE_ALL = "*"
CORE_API_GROUP = ""

SYSTEM_MASTERS = "system:masters"
ALL_AUTHENTICATED = "system:authenticated"
ALL_UNAUTHENTICATED = "system:unauthenticated"
ANONYMOUS_USER = "system:anonymous"
SERVICE_ACCOUNT_USERNAME_PREFIX = "system:serviceaccount:"
ALL_SERVICE_ACCOUNTS_GROUP = "system:serviceaccounts"
SERVICE_ACCOUNT_GROUP_PREFIX = "system:serviceaccounts:"

ROLE_KINDS = frozenset({"Role", "ClusterRole"})
BINDING_KINDS = frozenset({"RoleBinding", "ClusterRoleBinding"})
SUBJECT_KINDS = frozenset({"ServiceAccount", "User", "Group"})

# Built-in cluster-scoped resources as (API group, resource). The API server never puts a namespace on a
# request for them, so only ClusterRoleBindings can grant them. Cluster-scoped custom resources are unknown
# here: callers ask about those with namespace=None.
CLUSTER_SCOPED_RESOURCES: frozenset[tuple[str, str]] = frozenset(
    {
        ("", "nodes"),
        ("", "namespaces"),
        ("", "persistentvolumes"),
        ("", "componentstatuses"),
        ("rbac.authorization.k8s.io", "clusterroles"),
        ("rbac.authorization.k8s.io", "clusterrolebindings"),
        ("certificates.k8s.io", "certificatesigningrequests"),
        ("certificates.k8s.io", "clustertrustbundles"),
        ("admissionregistration.k8s.io", "validatingwebhookconfigurations"),
        ("admissionregistration.k8s.io", "mutatingwebhookconfigurations"),
        ("admissionregistration.k8s.io", "validatingadmissionpolicies"),
        ("admissionregistration.k8s.io", "validatingadmissionpolicybindings"),
        ("admissionregistration.k8s.io", "mutatingadmissionpolicies"),
        ("admissionregistration.k8s.io", "mutatingadmissionpolicybindings"),
        ("apiextensions.k8s.io", "customresourcedefinitions"),
        ("apiregistration.k8s.io", "apiservices"),
        ("storage.k8s.io", "storageclasses"),
        ("storage.k8s.io", "csidrivers"),
        ("storage.k8s.io", "csinodes"),
        ("storage.k8s.io", "volumeattachments"),
        ("scheduling.k8s.io", "priorityclasses"),
        ("node.k8s.io", "runtimeclasses"),
        ("networking.k8s.io", "ingressclasses"),
        ("networking.k8s.io", "ipaddresses"),
        ("networking.k8s.io", "servicecidrs"),
        ("flowcontrol.apiserver.k8s.io", "flowschemas"),
        ("flowcontrol.apiserver.k8s.io", "prioritylevelconfigurations"),
        ("authentication.k8s.io", "tokenreviews"),
        ("authentication.k8s.io", "selfsubjectreviews"),
        ("authorization.k8s.io", "subjectaccessreviews"),
        ("authorization.k8s.io", "selfsubjectaccessreviews"),
        ("authorization.k8s.io", "selfsubjectrulesreviews"),
        ("resource.k8s.io", "deviceclasses"),
        ("resource.k8s.io", "resourceslices"),
    }
)

# Verbs whose requests never carry an object name when they target the resource itself (POST to a
# collection, DELETE of a collection), so a rule with resourceNames can never allow them. The Kubernetes
# docs: "You cannot restrict create or deletecollection requests by their resource name."
NAMELESS_VERBS = frozenset({"create", "deletecollection"})


class RbacDataError(ValueError):
    """An RBAC object cannot be read as the API server would accept it."""


# --------------------------------------------------------------------------------------------------
# Input records
# --------------------------------------------------------------------------------------------------


def _string_tuple(value: Any, where: str) -> tuple[str, ...]:
    """A list of strings from API JSON; null or missing is empty. A bare string is refused: `verbs: get`
    would otherwise read as the verbs g, e, t."""
    if value is None:
        return ()
    if isinstance(value, str) or not isinstance(value, Sequence):
        raise RbacDataError(f"{where} must be a list of strings, got {type(value).__name__} {value!r}")
    if not all(isinstance(item, str) for item in value):
        raise RbacDataError(f"{where} must be a list of strings, got {list(value)!r}")
    return tuple(value)


def _optional_namespace(value: Any) -> str | None:
    """The API leaves namespace empty or absent for cluster scope; both read as None here."""
    return value if isinstance(value, str) and value else None


@dataclass(frozen=True, slots=True)
class PolicyRule:
    """One `rbac.authorization.k8s.io/v1` PolicyRule, each list exactly as written (no widening, no
    deduplication): wildcards and empty lists mean what the API server makes of them at match time."""

    verbs: tuple[str, ...]
    api_groups: tuple[str, ...] = ()
    resources: tuple[str, ...] = ()
    resource_names: tuple[str, ...] = ()
    non_resource_urls: tuple[str, ...] = ()

    @classmethod
    def from_api(cls, rule: Mapping[str, Any]) -> PolicyRule:
        """From the API's camelCase form: apiGroups, resources, verbs, resourceNames, nonResourceURLs."""
        return cls(
            verbs=_string_tuple(rule.get("verbs"), "rule.verbs"),
            api_groups=_string_tuple(rule.get("apiGroups"), "rule.apiGroups"),
            resources=_string_tuple(rule.get("resources"), "rule.resources"),
            resource_names=_string_tuple(rule.get("resourceNames"), "rule.resourceNames"),
            non_resource_urls=_string_tuple(rule.get("nonResourceURLs"), "rule.nonResourceURLs"),
        )


@dataclass(frozen=True)
class RoleDef:
    """A Role (namespaced) or ClusterRole (namespace None). `aggregation_selectors` are a ClusterRole's
    `aggregationRule.clusterRoleSelectors` (label selectors with matchLabels / matchExpressions)."""

    kind: str
    name: str
    namespace: str | None
    rules: tuple[PolicyRule, ...] = ()
    labels: Mapping[str, str] = field(default_factory=dict)
    aggregation_selectors: tuple[Mapping[str, Any], ...] = ()

    def __post_init__(self) -> None:
        if self.kind not in ROLE_KINDS:
            raise RbacDataError(f"role {self.name!r}: kind {self.kind!r} is not Role or ClusterRole")
        if self.kind == "Role" and not self.namespace:
            raise RbacDataError(f"Role {self.name!r} has no namespace; a Role always lives in one")
        if self.kind == "ClusterRole" and self.namespace:
            raise RbacDataError(f"ClusterRole {self.name!r} has namespace {self.namespace!r}; it must have none")

    @property
    def is_aggregated(self) -> bool:
        return self.kind == "ClusterRole" and bool(self.aggregation_selectors)

    @classmethod
    def from_api(cls, obj: Mapping[str, Any]) -> RoleDef:
        """From a Role or ClusterRole object as `kubectl get -o json` shows it."""
        metadata = obj.get("metadata") or {}
        name = str(metadata.get("name", ""))
        rules = tuple(PolicyRule.from_api(rule) for rule in obj.get("rules") or ())
        aggregation = obj.get("aggregationRule") or {}
        return cls(
            kind=str(obj.get("kind", "")),
            name=name,
            namespace=_optional_namespace(metadata.get("namespace")),
            rules=rules,
            labels=dict(metadata.get("labels") or {}),
            aggregation_selectors=tuple(aggregation.get("clusterRoleSelectors") or ()),
        )


@dataclass(frozen=True, slots=True)
class Subject:
    """A binding subject. A ServiceAccount subject without namespace inside a RoleBinding means the
    binding's own namespace (``appliesToUser`` defaults it); inside a ClusterRoleBinding it matches nobody."""

    kind: str
    name: str
    namespace: str | None = None

    def __post_init__(self) -> None:
        if self.kind not in SUBJECT_KINDS:
            raise RbacDataError(f"subject {self.name!r}: kind {self.kind!r} is not one of {sorted(SUBJECT_KINDS)}")

    @classmethod
    def from_api(cls, subject: Mapping[str, Any]) -> Subject:
        return cls(
            str(subject.get("kind", "")), str(subject.get("name", "")), _optional_namespace(subject.get("namespace"))
        )


@dataclass(frozen=True, slots=True)
class BindingDef:
    """A RoleBinding (namespaced) or ClusterRoleBinding (namespace None) and the role it references."""

    kind: str
    name: str
    namespace: str | None
    role_kind: str
    role_name: str
    subjects: tuple[Subject, ...] = ()

    def __post_init__(self) -> None:
        if self.kind not in BINDING_KINDS:
            raise RbacDataError(f"binding {self.name!r}: kind {self.kind!r} is not RoleBinding or ClusterRoleBinding")
        if self.kind == "RoleBinding" and not self.namespace:
            raise RbacDataError(f"RoleBinding {self.name!r} has no namespace; a RoleBinding always lives in one")
        if self.kind == "ClusterRoleBinding" and self.namespace:
            raise RbacDataError(f"ClusterRoleBinding {self.name!r} has namespace {self.namespace!r}; it must have none")

    @property
    def scope(self) -> str | None:
        """Where the binding grants: its namespace for a RoleBinding, None (everywhere) for a ClusterRoleBinding."""
        return self.namespace if self.kind == "RoleBinding" else None

    def describe(self) -> str:
        where = f"{self.namespace}/{self.name}" if self.namespace else self.name
        return f'{self.kind} "{where}" of {self.role_kind} "{self.role_name}"'

    @classmethod
    def from_api(cls, obj: Mapping[str, Any]) -> BindingDef:
        """From a RoleBinding or ClusterRoleBinding object as `kubectl get -o json` shows it."""
        metadata = obj.get("metadata") or {}
        role_ref = obj.get("roleRef") or {}
        return cls(
            kind=str(obj.get("kind", "")),
            name=str(metadata.get("name", "")),
            namespace=_optional_namespace(metadata.get("namespace")),
            role_kind=str(role_ref.get("kind", "")),
            role_name=str(role_ref.get("name", "")),
            subjects=tuple(Subject.from_api(subject) for subject in obj.get("subjects") or ()),
        )


@dataclass(frozen=True, slots=True)
class Request:
    """What someone asks the API server to do, as the authorizer sees it (RequestInfo attributes).

    - namespace None = a cluster-scoped request (a cluster-scoped resource, or a namespaced resource across
      all namespaces such as `kubectl get pods -A`).
    - name: the object in the URL path; for list/watch the name of a `metadata.name=<name>` field selector.
    - resource may be written `pods/exec` instead of resource=`pods`, subresource=`exec`.
    - non_resource_url: set for non-resource requests (`/healthz`, `/metrics`); resource stays empty.
    """

    verb: str
    resource: str = ""
    subresource: str = ""
    api_group: str = CORE_API_GROUP
    namespace: str | None = None
    name: str | None = None
    non_resource_url: str | None = None

    @property
    def is_resource_request(self) -> bool:
        return self.non_resource_url is None


@dataclass(frozen=True, slots=True)
class Principal:
    """An authenticated identity as the authorizer receives it (``user.Info``): a username and groups."""

    username: str
    groups: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        if not isinstance(self.groups, frozenset):  # a list or set would make the principal unhashable
            object.__setattr__(self, "groups", frozenset(self.groups))

    @property
    def service_account(self) -> tuple[str, str] | None:
        """(namespace, name) when the username is a service account's, else None."""
        return split_service_account_username(self.username)


@dataclass(frozen=True, slots=True)
class ScopedRule:
    """A rule a principal holds, where it holds it, and why.

    namespace is the RoleBinding's namespace, or None when a ClusterRoleBinding grants it everywhere
    (every namespace and cluster scope)."""

    rule: PolicyRule
    namespace: str | None
    binding_kind: str
    binding_name: str
    role_kind: str
    role_name: str

    @property
    def is_cluster_wide(self) -> bool:
        return self.namespace is None

    def describe(self) -> str:
        where = f"{self.namespace}/{self.binding_name}" if self.namespace else self.binding_name
        return f'{self.binding_kind} "{where}" of {self.role_kind} "{self.role_name}"'


@dataclass(frozen=True, slots=True)
class Grant:
    """Why a request is allowed: the rule (with its binding and role), or membership of a privileged group
    that the API server allows before RBAC is consulted."""

    scoped_rule: ScopedRule | None = None
    privileged_group: str | None = None

    def explain(self) -> str:
        if self.privileged_group is not None:
            return f"member of {self.privileged_group}, which the API server allows everything without consulting RBAC"
        assert self.scoped_rule is not None
        return f"RBAC: allowed by {self.scoped_rule.describe()}"


@dataclass(frozen=True, slots=True)
class DanglingBinding:
    """A binding whose role does not exist: it grants nothing now, but whoever can create a role of that
    name (in that namespace, for a Role) gives its subjects those rules."""

    binding: BindingDef
    reason: str


# --------------------------------------------------------------------------------------------------
# Rule matching (evaluation_helpers.go, rbac.go RuleAllows)
# --------------------------------------------------------------------------------------------------


def _verb_matches(rule: PolicyRule, verb: str) -> bool:
    """``VerbMatches``: literal or `*`. No verb implies another (patch is not update; escalate, bind,
    impersonate, approve, use are ordinary verbs that only themselves or `*` match)."""
    return VERB_ALL in rule.verbs or verb in rule.verbs


def _api_group_matches(rule: PolicyRule, api_group: str) -> bool:
    """``APIGroupMatches``: literal or `*`; `""` is the core group only (so it never covers apps/deployments)."""
    return API_GROUP_ALL in rule.api_groups or api_group in rule.api_groups


def _resource_matches(rule: PolicyRule, resource: str, subresource: str) -> bool:
    """``ResourceMatches``: `*` matches every resource and subresource; otherwise the rule must name
    `resource` (no subresource) or `resource/subresource` exactly, or `*/subresource` for any resource's
    subresource. `pods` does not cover `pods/exec`, and `pods/*` is NOT a wildcard: the API server
    deliberately refuses it (kubernetes/kubernetes#78936, kubernetes/enhancements#4961), so it only
    matches a subresource literally named `*`. `*/*` likewise is no wildcard."""
    combined = f"{resource}/{subresource}" if subresource else resource
    if RESOURCE_ALL in rule.resources or combined in rule.resources:
        return True
    return bool(subresource) and f"*/{subresource}" in rule.resources


def _resource_name_matches(rule: PolicyRule, name: str | None) -> bool:
    """``ResourceNameMatches``: no resourceNames means any name; otherwise the request must carry one of
    them, so a nameless request (list without a name field selector, create, deletecollection) is refused."""
    if not rule.resource_names:
        return True
    return bool(name) and name in rule.resource_names


def _non_resource_url_matches(rule: PolicyRule, url: str) -> bool:
    """``NonResourceURLMatches``: `*`, exact, or a rule ending in `*` matching by prefix."""
    for rule_url in rule.non_resource_urls:
        if rule_url in (NON_RESOURCE_ALL, url):
            return True
        if rule_url.endswith("*") and url.startswith(rule_url.rstrip("*")):
            return True
    return False


def rule_allows(rule: PolicyRule, request: Request) -> bool:
    """``RuleAllows`` for one rule and one (normalized) request; scope is the caller's concern."""
    if request.non_resource_url is not None:
        return _verb_matches(rule, request.verb) and _non_resource_url_matches(rule, request.non_resource_url)
    return (
        _verb_matches(rule, request.verb)
        and _api_group_matches(rule, request.api_group)
        and _resource_matches(rule, request.resource, request.subresource)
        and _resource_name_matches(rule, request.name)
    )


def is_cluster_scoped(api_group: str, resource: str) -> bool:
    """Whether a built-in resource has no namespace (see CLUSTER_SCOPED_RESOURCES)."""
    return (api_group, resource) in CLUSTER_SCOPED_RESOURCES


def _namespace_attribute_of_namespace_object(verb: str, name: str | None) -> str | None:
    """RequestInfo parses `/api/v1/namespaces/<n>` (and its `status` / `finalize` subresources) as
    namespace <n>, name <n>: so a RoleBinding in <n> can grant get/update/patch/delete on namespace <n>
    itself. Requests without the name in the path (create, list, watch, deletecollection; a list's name
    from a field selector does not set the namespace) carry no namespace."""
    if name and verb not in ("create", "list", "watch", "deletecollection"):
        return name
    return None


def normalize_request(request: Request) -> Request:
    """The request as the API server's RequestInfo would present it to the authorizer:

    - `pods/exec` in resource is split into resource and subresource; an empty namespace is None.
    - non-resource requests and built-in cluster-scoped resources carry no namespace (so only
      ClusterRoleBindings can allow them), except the `namespaces` resource named in the path, whose
      namespace is its own name.
    - create of a resource itself and deletecollection carry no name (the object is not in the URL), so
      resourceNames can never restrict them. Subresource creates (`pods/exec`, `serviceaccounts/token`)
      keep their name.
    """
    if request.non_resource_url is not None:
        if request.resource or request.subresource:
            raise ValueError(f"request {request!r} names both a resource and a non-resource URL")
        return replace(request, namespace=None, name=None, api_group="")
    if not request.resource:
        raise ValueError(f"request {request!r} names neither a resource nor a non-resource URL")
    resource, subresource = request.resource, request.subresource
    if "/" in resource and not subresource:
        resource, subresource = resource.split("/", 1)
    name = request.name or None
    if request.verb in NAMELESS_VERBS and not subresource:
        name = None
    namespace = request.namespace or None
    if (request.api_group, resource) == (CORE_API_GROUP, "namespaces"):
        namespace = _namespace_attribute_of_namespace_object(request.verb, name)
    elif is_cluster_scoped(request.api_group, resource):
        namespace = None
    return replace(request, resource=resource, subresource=subresource, name=name, namespace=namespace)


# --------------------------------------------------------------------------------------------------
# ClusterRole aggregation (clusterroleaggregation controller)
# --------------------------------------------------------------------------------------------------


def label_selector_matches(selector: Mapping[str, Any], labels: Mapping[str, str]) -> bool:
    """``metav1.LabelSelectorAsSelector`` on a selector as read from the graph (JSON): see selector_matches."""
    expressions = []
    for expression in selector.get("matchExpressions") or ():
        operator = expression.get("operator")
        if operator not in SELECTOR_OPERATORS:
            raise RbacDataError(f"label selector operator {operator!r} is not one of {sorted(SELECTOR_OPERATORS)}")
        expressions.append((expression.get("key"), operator, set(expression.get("values") or ())))
    return selector_matches(selector.get("matchLabels") or {}, expressions, labels)


def _aggregate_once(
    aggregator: RoleDef, cluster_roles: Mapping[str, RoleDef], current_rules: Mapping[str, tuple[PolicyRule, ...]]
) -> tuple[PolicyRule, ...]:
    """One ``syncClusterRole``: for each selector in order, the matching ClusterRoles sorted by name (the
    aggregator itself skipped), their current rules appended unless an equal rule is already there."""
    collected: list[PolicyRule] = []
    seen: set[PolicyRule] = set()
    for selector in aggregator.aggregation_selectors:
        try:
            selected = sorted(
                name
                for name, role in cluster_roles.items()
                if name != aggregator.name and label_selector_matches(selector, role.labels)
            )
        except RbacDataError as error:
            raise RbacDataError(f"ClusterRole {aggregator.name!r}: aggregationRule: {error}") from error
        for name in selected:
            for rule in current_rules[name]:
                if rule not in seen:
                    seen.add(rule)
                    collected.append(rule)
    return tuple(collected)


def aggregate_cluster_roles(roles: Iterable[RoleDef]) -> dict[str, RoleDef]:
    """Every ClusterRole by name, each aggregated one (non-empty clusterRoleSelectors) with its rules
    replaced by the union of the rules of every other ClusterRole its selectors match, as the controller
    writes them. Roles (namespaced) are left out: they neither aggregate nor get aggregated.

    Aggregated roles may select aggregated roles (`admin` selects `edit`, which selects `view`), so the
    controller's sync is repeated to a fixpoint, starting the aggregated roles empty. For acyclic
    aggregation this is exactly the controller's steady state; in a selection cycle only rules that flow in
    from non-aggregated roles survive (rules kept alive by a cycle alone have no source to recompute from).
    """
    cluster_roles = {role.name: role for role in roles if role.kind == "ClusterRole"}
    aggregators = sorted(name for name, role in cluster_roles.items() if role.is_aggregated)
    current: dict[str, tuple[PolicyRule, ...]] = {
        name: () if role.is_aggregated else role.rules for name, role in cluster_roles.items()
    }
    changed = True
    while changed:  # rule sets only grow and are bounded by all rules given, so this terminates
        changed = False
        for name in aggregators:
            rules = _aggregate_once(cluster_roles[name], cluster_roles, current)
            if set(rules) != set(current[name]):
                changed = True
            current[name] = rules
    return {
        name: replace(role, rules=current[name]) if role.is_aggregated else role for name, role in cluster_roles.items()
    }


# --------------------------------------------------------------------------------------------------
# Identities (authentication side)
# --------------------------------------------------------------------------------------------------


def service_account_username(namespace: str, name: str) -> str:
    return f"{SERVICE_ACCOUNT_USERNAME_PREFIX}{namespace}:{name}"


def split_service_account_username(username: str) -> tuple[str, str] | None:
    """(namespace, name) of `system:serviceaccount:<namespace>:<name>`, else None (``serviceaccount.SplitUsername``)."""
    if not username.startswith(SERVICE_ACCOUNT_USERNAME_PREFIX):
        return None
    parts = username[len(SERVICE_ACCOUNT_USERNAME_PREFIX) :].split(":")
    if len(parts) != 2 or not all(parts):
        return None
    return parts[0], parts[1]


def principal_for_service_account(namespace: str, name: str) -> Principal:
    """A service account token's identity: username `system:serviceaccount:<ns>:<name>`, groups
    `system:serviceaccounts`, `system:serviceaccounts:<ns>` and `system:authenticated`."""
    if not namespace or not name:
        raise ValueError(f"a service account needs a namespace and a name, got {namespace!r}/{name!r}")
    return Principal(
        service_account_username(namespace, name),
        frozenset({ALL_SERVICE_ACCOUNTS_GROUP, SERVICE_ACCOUNT_GROUP_PREFIX + namespace, ALL_AUTHENTICATED}),
    )


def principal_for_user(name: str, groups: Iterable[str] = ()) -> Principal:
    """A user with its groups, plus what the authentication chain adds: `system:unauthenticated` for
    `system:anonymous`; otherwise `system:authenticated` unless the groups already hold
    `system:authenticated` or `system:unauthenticated` (``AuthenticatedGroupAdder``). A username of the
    service-account form does not get the service-account groups: only SA tokens carry those."""
    group_set = set(groups)
    if name == ANONYMOUS_USER:
        group_set.add(ALL_UNAUTHENTICATED)
    elif not group_set & {ALL_AUTHENTICATED, ALL_UNAUTHENTICATED}:
        group_set.add(ALL_AUTHENTICATED)
    return Principal(name, frozenset(group_set))


def principal_for_group(group: str) -> Principal:
    """What membership of `group` alone grants: no username, that one group."""
    return Principal("", frozenset({group}))


def principal_for_subject(subject: Subject) -> Principal:
    """The identity a ServiceAccount or User subject authenticates as. A Group is not an identity: use
    ``principal_for_group`` for what the group's members get through it."""
    if subject.kind == "ServiceAccount":
        if not subject.namespace:
            raise ValueError(f"ServiceAccount subject {subject.name!r} has no namespace")
        return principal_for_service_account(subject.namespace, subject.name)
    if subject.kind == "User":
        return principal_for_user(subject.name)
    raise ValueError(f"Group {subject.name!r} is not an identity; use principal_for_group for its permissions")


def identities_of(subject_or_principal: Subject | Principal) -> frozenset[Subject]:
    """Every binding subject that applies to this identity: its User name, each of its groups, and for a
    service account the ServiceAccount subject too (a User subject named `system:serviceaccount:<ns>:<sa>`
    also matches that service account, since RBAC compares usernames). A Group subject is only itself."""
    if isinstance(subject_or_principal, Subject):
        if subject_or_principal.kind == "Group":
            return frozenset({subject_or_principal})
        principal = principal_for_subject(subject_or_principal)
    else:
        principal = subject_or_principal
    identities = {Subject("Group", group) for group in principal.groups}
    if principal.username:
        identities.add(Subject("User", principal.username))
    service_account = principal.service_account
    if service_account is not None:
        identities.add(Subject("ServiceAccount", service_account[1], service_account[0]))
    return frozenset(identities)


# --------------------------------------------------------------------------------------------------
# The index: who is bound to what (rule.go VisitRulesFor)
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _ResolvedBinding:
    binding: BindingDef
    rules: tuple[PolicyRule, ...]


class RbacIndex:
    """Roles and bindings resolved once, with the bindings indexed by the usernames and groups they name.

    recompute_aggregation (default True) replaces each aggregated ClusterRole's rules with the
    aggregate (``aggregate_cluster_roles``), which is what a cluster converges to and what manifests that
    were never applied need. Pass False to use the stored rules as they are, which is what the authorizer
    reads at this moment: right for a live snapshot that may lack some of the selected ClusterRoles.
    """

    def __init__(
        self, roles: Iterable[RoleDef], bindings: Iterable[BindingDef], *, recompute_aggregation: bool = True
    ) -> None:
        role_list = list(roles)
        self.cluster_roles: dict[str, RoleDef] = (
            aggregate_cluster_roles(role_list)
            if recompute_aggregation
            else {role.name: role for role in role_list if role.kind == "ClusterRole"}
        )
        self.roles: dict[tuple[str, str], RoleDef] = {
            (role.namespace, role.name): role for role in role_list if role.kind == "Role" and role.namespace
        }
        self._resolved: list[_ResolvedBinding] = []
        self._dangling: list[DanglingBinding] = []
        self._by_username: dict[str, list[int]] = {}
        self._by_group: dict[str, list[int]] = {}
        self._bound_subjects: set[Subject] = set()
        self._cache: dict[Principal, list[ScopedRule]] = {}

        # ClusterRoleBindings first, then RoleBindings, each in input order: the order VisitRulesFor
        # visits them, so the first granting rule is the one the API server would name.
        binding_list = sorted(bindings, key=lambda binding: binding.kind != "ClusterRoleBinding")
        for binding in binding_list:
            rules = self._role_reference_rules(binding)
            if rules is None:
                continue
            position = len(self._resolved)
            self._resolved.append(_ResolvedBinding(binding, rules))
            for subject in binding.subjects:
                self._index_subject(binding, subject, position)

    def _role_reference_rules(self, binding: BindingDef) -> tuple[PolicyRule, ...] | None:
        """``GetRoleReferenceRules``: a Role is looked up in the binding's own namespace (so a
        ClusterRoleBinding can never find one); a ClusterRole by name. Not found = dangling."""
        if binding.role_kind == "ClusterRole":
            cluster_role = self.cluster_roles.get(binding.role_name)
            if cluster_role is None:
                self._dangling.append(DanglingBinding(binding, f'ClusterRole "{binding.role_name}" does not exist'))
                return None
            return cluster_role.rules
        if binding.role_kind == "Role":
            if binding.namespace is None:
                reason = f'a ClusterRoleBinding cannot reference Role "{binding.role_name}"'
                self._dangling.append(DanglingBinding(binding, reason))
                return None
            role = self.roles.get((binding.namespace, binding.role_name))
            if role is None:
                reason = f'Role "{binding.role_name}" does not exist in namespace "{binding.namespace}"'
                self._dangling.append(DanglingBinding(binding, reason))
                return None
            return role.rules
        self._dangling.append(DanglingBinding(binding, f"unsupported role reference kind {binding.role_kind!r}"))
        return None

    def _index_subject(self, binding: BindingDef, subject: Subject, position: int) -> None:
        """``appliesToUser``: User by username, Group by group name, ServiceAccount by the username
        `system:serviceaccount:<ns>:<name>` with <ns> defaulting to a RoleBinding's namespace."""
        if subject.kind == "Group":
            self._by_group.setdefault(subject.name, []).append(position)
            self._bound_subjects.add(subject)
            return
        if subject.kind == "User":
            self._by_username.setdefault(subject.name, []).append(position)
            self._bound_subjects.add(subject)
            return
        namespace = subject.namespace or binding.namespace
        if not namespace:
            return  # a ClusterRoleBinding SA subject without namespace applies to nobody
        self._by_username.setdefault(service_account_username(namespace, subject.name), []).append(position)
        self._bound_subjects.add(Subject("ServiceAccount", subject.name, namespace))

    def dangling_bindings(self) -> list[DanglingBinding]:
        """Bindings whose role is missing, in the order they were visited."""
        return list(self._dangling)

    def bound_subjects(self) -> frozenset[Subject]:
        """Every subject some resolvable binding names (ServiceAccounts with their namespace filled in):
        the Users and Groups here are the only ones RBAC knows."""
        return frozenset(self._bound_subjects)

    def rules_for(self, principal: Principal) -> list[ScopedRule]:
        """Every rule from every binding that applies to the principal (through its username or any of
        its groups), each with its scope: ClusterRoleBindings first, then RoleBindings. A binding that
        names the principal several times contributes its rules once."""
        cached = self._cache.get(principal)
        if cached is not None:
            return list(cached)
        positions = set(self._by_username.get(principal.username, ())) if principal.username else set()
        for group in principal.groups:
            positions.update(self._by_group.get(group, ()))
        scoped: list[ScopedRule] = []
        for position in sorted(positions):
            resolved = self._resolved[position]
            binding = resolved.binding
            scoped.extend(
                ScopedRule(rule, binding.scope, binding.kind, binding.name, binding.role_kind, binding.role_name)
                for rule in resolved.rules
            )
        self._cache[principal] = scoped
        return list(scoped)


# --------------------------------------------------------------------------------------------------
# Decisions
# --------------------------------------------------------------------------------------------------


def _is_privileged(principal: Principal) -> bool:
    return SYSTEM_MASTERS in principal.groups


def allowed(index: RbacIndex, principal: Principal, request: Request) -> Grant | None:
    """Whether the API server allows the request, and why; None when RBAC has no rule for it.

    Members of `system:masters` are allowed before RBAC is consulted. Otherwise, as ``VisitRulesFor``:
    every ClusterRoleBinding's rules, plus the rules of RoleBindings in the request's namespace (none for
    a cluster-scoped request), and the first rule that ``RuleAllows`` the request grants it."""
    if _is_privileged(principal):
        return Grant(privileged_group=SYSTEM_MASTERS)
    attributes = normalize_request(request)
    for scoped in index.rules_for(principal):
        if scoped.namespace is not None and scoped.namespace != attributes.namespace:
            continue
        if rule_allows(scoped.rule, attributes):
            return Grant(scoped_rule=scoped)
    return None


def can(
    index: RbacIndex,
    principal: Principal,
    verb: str,
    resource: str,
    *,
    api_group: str = CORE_API_GROUP,
    namespace: str | None = None,
    name: str | None = None,
    subresource: str = "",
) -> bool:
    """``allowed`` for a resource request, as a boolean. namespace None asks at cluster scope."""
    request = Request(verb, resource, subresource, api_group, namespace, name)
    return allowed(index, principal, request) is not None


def can_access_non_resource_url(index: RbacIndex, principal: Principal, verb: str, url: str) -> bool:
    """``allowed`` for a non-resource request (`get /healthz`, `get /metrics`)."""
    return allowed(index, principal, Request(verb, non_resource_url=url)) is not None


_ALL_RESOURCES = PolicyRule(verbs=(VERB_ALL,), api_groups=(API_GROUP_ALL,), resources=(RESOURCE_ALL,))
_ALL_NON_RESOURCE_URLS = PolicyRule(verbs=(VERB_ALL,), non_resource_urls=(NON_RESOURCE_ALL,))


def _can_ever_apply_in_namespace(rule: PolicyRule) -> bool:
    """A rule reached through a RoleBinding can only allow namespaced requests: never a non-resource URL,
    never a built-in cluster-scoped resource other than the binding's own namespace object."""
    if not rule.resources:
        return False
    if API_GROUP_ALL in rule.api_groups:
        return True
    bases = {resource.split("/", 1)[0] for resource in rule.resources}
    return any(
        base == RESOURCE_ALL or (group, base) == (CORE_API_GROUP, "namespaces") or not is_cluster_scoped(group, base)
        for group in rule.api_groups
        for base in bases
    )


def effective_permissions(index: RbacIndex, principal: Principal) -> list[ScopedRule]:
    """The rules that can allow something for the principal, with scope and provenance.

    A `system:masters` member holds everything: two synthetic cluster-wide rules (`*` on every resource,
    `*` on every non-resource URL) come first, with binding_kind "PrivilegedGroup". Rules that a
    RoleBinding brings but that can never apply inside a namespace (non-resource URLs, built-in
    cluster-scoped resources) are left out."""
    permissions: list[ScopedRule] = []
    if _is_privileged(principal):
        permissions = [
            ScopedRule(rule, None, "PrivilegedGroup", SYSTEM_MASTERS, "", "")
            for rule in (_ALL_RESOURCES, _ALL_NON_RESOURCE_URLS)
        ]
    permissions.extend(
        scoped
        for scoped in index.rules_for(principal)
        if scoped.is_cluster_wide or _can_ever_apply_in_namespace(scoped.rule)
    )
    return permissions


NameSet = frozenset[str] | None  # None = any name


def _merge_names(existing: NameSet, added: NameSet, present: bool) -> NameSet:
    if not present:
        return added
    if existing is None or added is None:
        return None
    return existing | added


@dataclass(frozen=True)
class NamespaceScope:
    """Where a permission holds and on which objects.

    cluster_wide: a ClusterRoleBinding grants it, so it holds in every namespace and at cluster scope
    (`list pods -A`, or a cluster-scoped resource); cluster_wide_names restricts it (None = any name).
    namespaces: namespaces where RoleBindings grant it, each with its names (None = any name).
    A names set means only requests naming one of those objects: get/update/patch/delete and list/watch
    with a `metadata.name` field selector, never create or deletecollection.
    """

    cluster_wide: bool = False
    cluster_wide_names: NameSet = None
    namespaces: Mapping[str, NameSet] = field(default_factory=dict)

    @property
    def is_empty(self) -> bool:
        return not self.cluster_wide and not self.namespaces

    def names_in(self, namespace: str | None) -> NameSet:
        """The object names allowed in a namespace (None as argument: at cluster scope): None = any name,
        otherwise that set, empty when the permission does not hold there."""
        names: NameSet = frozenset()
        present = False
        if self.cluster_wide:
            names, present = self.cluster_wide_names, True
        if namespace is not None and namespace in self.namespaces:
            names, present = _merge_names(names, self.namespaces[namespace], present), True
        return names if present else frozenset()

    def covers(self, namespace: str | None, name: str | None = None) -> bool:
        """Whether the permission holds in that namespace (None = cluster scope), for that object (None =
        a request without a name)."""
        if not self.cluster_wide and (namespace is None or namespace not in self.namespaces):
            return False
        names = self.names_in(namespace)
        return names is None or (name is not None and name in names)


def namespaces_where(
    index: RbacIndex,
    principal: Principal,
    verb: str,
    resource: str,
    api_group: str = CORE_API_GROUP,
    subresource: str = "",
) -> NamespaceScope:
    """In which namespaces, and on which objects, the principal may `verb` the resource: "where can this
    SA create pods", "which secrets can it get, and where". Consistent with ``allowed``: for a namespaced
    resource, every namespace N and name X, ``scope.covers(N, X)`` equals ``can(..., namespace=N, name=X)``.

    Built-in cluster-scoped resources are only granted cluster-wide, except that a RoleBinding in N
    granting a verb on `namespaces` lets its subjects act on the namespace object N itself. Rules with
    resourceNames never grant create (of the resource itself) or deletecollection."""
    if "/" in resource and not subresource:
        resource, subresource = resource.split("/", 1)
    if _is_privileged(principal):
        return NamespaceScope(cluster_wide=True)
    cluster_scoped = is_cluster_scoped(api_group, resource)
    namespace_object = (api_group, resource) == (CORE_API_GROUP, "namespaces")
    nameless = verb in NAMELESS_VERBS and not subresource
    cluster_wide = False
    cluster_wide_names: NameSet = None
    namespaces: dict[str, NameSet] = {}
    for scoped in index.rules_for(principal):
        rule = scoped.rule
        if not (
            _verb_matches(rule, verb)
            and _api_group_matches(rule, api_group)
            and _resource_matches(rule, resource, subresource)
        ):
            continue
        names: NameSet = frozenset(rule.resource_names) if rule.resource_names else None
        if names is not None and nameless:
            continue
        if scoped.namespace is None:
            cluster_wide_names = _merge_names(cluster_wide_names, names, cluster_wide)
            cluster_wide = True
            continue
        if namespace_object:
            if _namespace_attribute_of_namespace_object(verb, scoped.namespace) is None:
                continue
            if names is not None and scoped.namespace not in names:
                continue
            names = frozenset({scoped.namespace})
        elif cluster_scoped:
            continue
        namespaces[scoped.namespace] = _merge_names(
            namespaces.get(scoped.namespace), names, scoped.namespace in namespaces
        )
    return NamespaceScope(cluster_wide, cluster_wide_names if cluster_wide else None, namespaces)


def is_cluster_admin(index: RbacIndex, principal: Principal) -> bool:
    """A `system:masters` member, or a principal holding one cluster-wide rule with `*` verbs, `*` API
    groups and `*` resources and no resourceNames (what the `cluster-admin` ClusterRole grants through a
    ClusterRoleBinding). The same role through a RoleBinding is admin of one namespace only: False."""
    if _is_privileged(principal):
        return True
    return any(
        scoped.is_cluster_wide
        and VERB_ALL in scoped.rule.verbs
        and API_GROUP_ALL in scoped.rule.api_groups
        and RESOURCE_ALL in scoped.rule.resources
        and not scoped.rule.resource_names
        for scoped in index.rules_for(principal)
    )
