// id: who-can-reach
// title: Who can reach this object
// category: paths
// severity: info
// description: Every object with an attack path to one object (a secret, a node, a pod, an identity,
//   cluster-admin, ...), nearest first, with the number of hops and whether the internet or an owned object
//   reaches it in turn.
//   How: a breadth-first search back from the object, one hop per step, each node visited once.
// parameters: uid (str, required): uid of the object, e.g. k8s:CLUSTER:node:NAME or k8s:CLUSTER:cluster-admin;
//   max_hops (int 1..{{max_hops}}, default 8): farthest object to report; limit (int 1..1000, default 100): rows
// returns: source, source_kind, namespace, name, hops, internet_hops, owned_hops
// mitre: none
MATCH (target:Entity {uid: $uid})
WITH target, [target] AS frontier, [target] AS seen, [] AS found
// Breadth-first, one hop per step, every node kept once (`seen`). Each step expands the frontier inside a
// subquery, so the per-frontier rows carry no lists, and a step with nothing left to expand sends no row
// into the traversal (the search stops once `found` holds $limit rows: rows are ordered by hops first).
{{for hop in 1..max_hops}}
// hop {{hop}} of at most {{max_hops}}: what is one hop further and not seen before
WITH target, seen, found, CASE WHEN $max_hops < {{hop}} OR size(found) >= $limit THEN [] ELSE frontier END AS frontier
CALL { WITH frontier UNWIND frontier AS here MATCH (reached)-[:{{traversable}}]->(here) RETURN collect(DISTINCT reached) AS reached }
WITH target, [n IN reached WHERE NOT n IN seen] AS frontier, seen, found
WITH target, frontier, seen + frontier AS seen, found + [n IN frontier | [n, {{hop}}]] AS found
{{end}}
UNWIND found AS hit
WITH hit[0] AS source, hit[1] AS hops
RETURN source.uid AS source, [l IN labels(source) WHERE NOT l IN ['Entity', 'HighValue', 'Identity', 'Secret', 'Workload']][0] AS source_kind,
       source.namespace AS namespace, source.name AS name, hops,
       source.reach_internet_hops AS internet_hops, source.reach_owned_hops AS owned_hops
ORDER BY hops, source
LIMIT $limit
