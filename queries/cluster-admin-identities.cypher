// id: cluster-admin-identities
// title: Cluster-admin identities
// category: rbac
// severity: info
// description: Service accounts, users and groups that are cluster-admin (bound to a role that can do
//   everything, or members of system:masters), why, and whether the internet or an owned object reaches
//   them (hops; empty when not).
// parameters: limit (int 1..1000, default 200): rows
// returns: identity, identity_kind, namespace, name, cluster, reason, internet_hops, owned_hops
// mitre: T1078.001
MATCH (identity)-[admin:IS_CLUSTER_ADMIN]->(anchor:ClusterAdmin)
RETURN identity.uid AS identity,
       [l IN labels(identity) WHERE NOT l IN ['Entity', 'HighValue', 'Identity', 'Secret', 'Workload']][0] AS identity_kind,
       identity.namespace AS namespace, identity.name AS name, anchor.cluster AS cluster, admin.reason AS reason,
       identity.reach_internet_hops AS internet_hops, identity.reach_owned_hops AS owned_hops
ORDER BY cluster, identity
LIMIT $limit
