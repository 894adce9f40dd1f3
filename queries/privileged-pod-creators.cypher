// id: privileged-pod-creators
// title: Identities that can create privileged pods
// category: rbac
// severity: high
// description: Identities that may create pods (or workloads that create them) in a namespace whose Pod
//   Security admission does not stop a privileged pod: they can place a privileged pod on any node and take
//   it over. One row per identity and cluster, with the RBAC reason.
// parameters: limit (int 1..1000, default 100): rows
// returns: identity, identity_kind, identity_namespace, cluster, reason, internet_hops, owned_hops
// mitre: T1611, T1610
MATCH (identity:Identity)-[grant:CAN_CREATE_PRIVILEGED_POD]->(nodes:ClusterNodes)
// Identities only: a namespace's admin anchor is a waypoint, listed through the identities that reach it.
RETURN identity.uid AS identity,
       [l IN labels(identity) WHERE NOT l IN ['Entity', 'HighValue', 'Identity', 'Secret', 'Workload']][0] AS identity_kind,
       identity.namespace AS identity_namespace, nodes.cluster AS cluster, grant.reason AS reason,
       identity.reach_internet_hops AS internet_hops, identity.reach_owned_hops AS owned_hops
ORDER BY cluster, identity
LIMIT $limit
