// id: exec-into-kube-system
// title: Identities that can exec into kube-system
// category: rbac
// severity: high
// description: Identities that RBAC lets run commands in pods of kube-system (pods/exec, pods/attach or an
//   ephemeral debug container), with how many pods and the grant. Cluster-admins can do this anywhere and
//   are not repeated here (see cluster-admin-identities). Another namespace: --param namespace=NAME.
// parameters: namespace (str, default "kube-system"): the namespace of the pods; limit (int 1..1000, default 100): rows
// returns: identity, identity_kind, identity_namespace, grants, pods, pod_names, reason, internet_hops
// mitre: T1609
MATCH (identity:Identity)-[grant:CAN_EXEC|CAN_ATTACH|CAN_ADD_EPHEMERAL_CONTAINER]->(pod:Pod)
WHERE pod.namespace = $namespace
WITH identity, collect(DISTINCT type(grant)) AS grants, collect(DISTINCT pod.name) AS pod_names,
     collect(grant.reason)[0] AS reason
RETURN identity.uid AS identity,
       [l IN labels(identity) WHERE NOT l IN ['Entity', 'HighValue', 'Identity', 'Secret', 'Workload']][0] AS identity_kind,
       identity.namespace AS identity_namespace, grants, size(pod_names) AS pods, pod_names[..20] AS pod_names,
       reason, identity.reach_internet_hops AS internet_hops
ORDER BY pods DESC, identity
LIMIT $limit
