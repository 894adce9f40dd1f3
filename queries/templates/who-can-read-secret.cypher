// id: who-can-read-secret
// title: Who can read this secret
// category: paths
// severity: high
// description: Identities (service accounts, users, groups) with an attack path to one secret, nearest
//   first, with the number of hops and whether the internet or an owned object reaches them. Cluster-admin
//   reads every secret of its cluster, so whoever becomes cluster-admin is listed too (through_cluster_admin).
//   How: a breadth-first search back from the secret and its cluster's cluster-admin, one hop per step,
//   each node visited once. `bridgehead query run shortest-path` shows the path from one of them.
// parameters: secret (str, required): uid of the secret, e.g. k8s:CLUSTER:secret:NAMESPACE/NAME;
//   max_hops (int 1..{{max_hops}}, default 8): farthest identity to report; limit (int 1..1000, default 100): rows
// returns: identity, identity_kind, namespace, name, hops, through_cluster_admin, internet_hops, owned_hops
// mitre: T1552.007
MATCH (target:Secret {uid: $secret})
OPTIONAL MATCH (admin:ClusterAdmin)
WHERE admin.cluster = target.cluster
WITH target, [target] + collect(admin) AS frontier
WITH target, frontier, frontier AS seen, [] AS found
// Breadth-first, one hop per step, every node kept once (`seen`). Each step expands the frontier inside a
// subquery, so the per-frontier rows carry no lists, and a step with nothing left to expand sends no row
// into the traversal (the search stops once `found` holds $limit rows: rows are ordered by hops first).
{{for hop in 1..max_hops}}
// hop {{hop}} of at most {{max_hops}}: what is one hop further and not seen before
WITH target, seen, found, CASE WHEN $max_hops < {{hop}} OR size(found) >= $limit THEN [] ELSE frontier END AS frontier
CALL { WITH frontier UNWIND frontier AS here MATCH (reached)-[:{{traversable}}]->(here) RETURN collect(DISTINCT reached) AS reached }
WITH target, [n IN reached WHERE NOT n IN seen] AS frontier, seen, found
WITH target, frontier, seen + frontier AS seen, found + [n IN frontier WHERE n:Identity | [n, {{hop}}]] AS found
{{end}}
UNWIND found AS hit
WITH hit[0] AS identity, hit[1] AS hops
RETURN identity.uid AS identity, [l IN labels(identity) WHERE NOT l IN ['Entity', 'HighValue', 'Identity', 'Secret', 'Workload']][0] AS identity_kind,
       identity.namespace AS namespace, identity.name AS name, hops,
       coalesce(identity.reaches_cluster_admin_hops = hops, false) AS through_cluster_admin,
       identity.reach_internet_hops AS internet_hops, identity.reach_owned_hops AS owned_hops
ORDER BY hops, identity
LIMIT $limit
