// id: shortest-path
// title: Shortest attack paths between two objects
// category: paths
// severity: info
// description: The shortest attack paths from one object to another (any kinds: the internet, a pod, an
//   identity, a node, a secret, cluster-admin, ...), one row per path. One pair, one bounded search.
// parameters: src (str, required): uid of the start, e.g. internet or k8s:CLUSTER:pod:NAMESPACE/NAME;
//   dst (str, required): uid of the end, e.g. k8s:CLUSTER:cluster-admin;
//   max_hops (int 1..{{max_hops}}, default 10): longest path to report; limit (int 1..1000, default 10): paths
// returns: hops, path_uids, path_kinds, edge_types, reasons
// mitre: none
MATCH (src:Entity {uid: $src})
MATCH (dst:Entity {uid: $dst})
WITH src, dst
MATCH p = allShortestPaths((src)-[:{{traversable}}*1..{{max_hops}}]->(dst))
WITH p WHERE length(p) <= $max_hops
RETURN length(p) AS hops, [n IN nodes(p) | n.uid] AS path_uids,
       [n IN nodes(p) | [l IN labels(n) WHERE NOT l IN ['Entity', 'HighValue', 'Identity', 'Secret', 'Workload']][0]] AS path_kinds,
       [r IN relationships(p) | type(r)] AS edge_types, [r IN relationships(p) | r.reason] AS reasons
LIMIT $limit
