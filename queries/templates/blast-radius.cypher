// id: blast-radius
// title: Blast radius
// category: paths
// severity: info
// description: What an attacker who controls one object (a pod, a container, a node, an identity, ...)
//   reaches: the distance to each class of crown jewel (from the analysis marks, any length), how many
//   objects and which crown jewels are within max_hops (nearest first).
//   How: a breadth-first search forward from the object, one hop per step, each node visited once.
// parameters: uid (str, required): uid of the object, e.g. k8s:CLUSTER:pod:NAMESPACE/NAME;
//   max_hops (int 1..{{max_hops}}, default 8): how far to count; limit (int 1..1000, default 100): crown jewels to list
// returns: source, source_kind, cluster_admin_hops, node_hops, secret_hops, cloud_admin_hops, reachable_nodes,
//   crown_jewels, jewel_uids, jewel_hops
// mitre: none
MATCH (source:Entity {uid: $uid})
WITH source, [source] AS frontier, [source] AS seen, [] AS found
// Breadth-first, one hop per step, every node kept once (`seen`). Each step expands the frontier inside a
// subquery, so the per-frontier rows carry no lists, and a step with nothing left to expand sends no row
// into the traversal.
{{for hop in 1..max_hops}}
// hop {{hop}} of at most {{max_hops}}: what is one hop further and not seen before
WITH source, seen, found, CASE WHEN $max_hops < {{hop}} THEN [] ELSE frontier END AS frontier
CALL { WITH frontier UNWIND frontier AS here MATCH (here)-[:{{traversable}}]->(reached) RETURN collect(DISTINCT reached) AS reached }
WITH source, [n IN reached WHERE NOT n IN seen] AS frontier, seen, found
WITH source, frontier, seen + frontier AS seen, found + [n IN frontier WHERE n:HighValue | [n.uid, {{hop}}]] AS found
{{end}}
RETURN source.uid AS source, [l IN labels(source) WHERE NOT l IN ['Entity', 'HighValue', 'Identity', 'Secret', 'Workload']][0] AS source_kind,
       source.reaches_cluster_admin_hops AS cluster_admin_hops, source.reaches_node_hops AS node_hops,
       source.reaches_secret_hops AS secret_hops, source.reaches_cloud_admin_hops AS cloud_admin_hops,
       size(seen) - 1 AS reachable_nodes, size(found) AS crown_jewels,
       [hit IN found[..$limit] | hit[0]] AS jewel_uids, [hit IN found[..$limit] | hit[1]] AS jewel_hops
