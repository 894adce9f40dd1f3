// id: internet-to-cloud-admin
// title: Internet → cloud admin
// category: exposure
// severity: critical
// description: Cloud accounts and projects whose administrator an attacker on the internet can become (CloudAdmin anchors, added by the cloud planes; none exist before one is loaded), with the shortest path to each.
//   How: the analysis marks every node with its distance from the internet (reach_internet_hops), so
//   targets are picked by that mark and each path is walked back from the target, one hop at a time, to
//   a node one hop closer; nothing is searched. Needs the marks (`bridgehead analyze`).
// parameters: max_hops (int 1..{{max_hops}}, default 10): longest path to report; limit (int 1..1000, default 100): rows
// returns: entry, target, target_name, target_namespace, hops, path_uids, edge_types, reasons
// mitre: T1190, T1078.004
MATCH (target:CloudAdmin)
WHERE target.reach_internet_hops >= 1 AND target.reach_internet_hops <= $max_hops
WITH target ORDER BY target.reach_internet_hops, target.uid LIMIT $limit
WITH target, [target] AS walk, [] AS steps
{{for hop in 1..max_hops}}
// hop {{hop}} of at most {{max_hops}}
WITH target, walk, steps, last(walk) AS here
OPTIONAL MATCH (closer)-[r:{{traversable}}]->(here)
WITH target, walk, steps, here, closer, r WHERE here.reach_internet_hops = 0 OR closer.reach_internet_hops = here.reach_internet_hops - 1
WITH target, walk, steps, here, closer, r ORDER BY closer.uid, type(r)
WITH target, walk, steps, collect(CASE WHEN here.reach_internet_hops > 0 THEN [closer, r] END)[0] AS step
WITH target, CASE WHEN step IS NULL THEN walk ELSE walk + [step[0]] END AS walk, CASE WHEN step IS NULL THEN steps ELSE steps + [step[1]] END AS steps
{{end}}
WITH target, reverse(walk) AS walk, reverse(steps) AS steps
WHERE walk[0].reach_internet_hops = 0
RETURN walk[1].uid AS entry, target.uid AS target, target.name AS target_name, target.namespace AS target_namespace,
       size(steps) AS hops, [n IN walk | n.uid] AS path_uids, [r IN steps | type(r)] AS edge_types,
       [r IN steps | r.reason] AS reasons
ORDER BY hops, target
