// id: owned-to-crown-jewels
// title: Owned → crown jewels
// category: escalation
// severity: critical
// description: Crown jewels (secrets, nodes, cluster-admin, cloud admin, cluster-admin identities and
//   whatever you marked high value) reachable from the objects you marked owned (`owned = true`), nearest
//   first, with the shortest path from an owned object to each.
//   How: the analysis marks every node with its distance from the nearest owned object (reach_owned_hops);
//   jewels are picked by that mark and each path is walked back to an owned object one hop at a time.
// parameters: max_hops (int 1..{{max_hops}}, default 10): longest path to report; limit (int 1..1000, default 100): rows
// returns: entry, target, target_kind, target_name, target_namespace, hops, path_uids, edge_types, reasons
// mitre: T1078, T1552.007, T1611
MATCH (target:HighValue)
WHERE target.reach_owned_hops >= 1 AND target.reach_owned_hops <= $max_hops
WITH target ORDER BY target.reach_owned_hops, target.uid LIMIT $limit
// Every walk starts at its target and moves back one hop per step, to the predecessor one hop closer to
// an owned object (lowest uid, then lowest edge type). The walks travel together in one list: each step picks
// the next node once per distinct end node, inside a subquery, so a step with every walk already at
// an owned object sends no row into the traversal. A walk with no such predecessor (stale marks) is dropped.
WITH collect([[target], []]) AS walks
{{for hop in 1..max_hops}}
// hop {{hop}} of at most {{max_hops}}
WITH [w IN walks WHERE last(w[0]).reach_owned_hops = 0] AS done, [w IN walks WHERE last(w[0]).reach_owned_hops > 0] AS active
CALL { WITH active UNWIND active AS w WITH last(w[0]) AS here, collect(w) AS ws
  MATCH (closer)-[:{{traversable}}]->(here) WHERE closer.reach_owned_hops = here.reach_owned_hops - 1
  WITH here, ws, closer ORDER BY closer.uid WITH here, ws, collect(closer)[0] AS next WITH here, ws, next
  MATCH (next)-[r:{{traversable}}]->(here) WITH ws, next, r ORDER BY type(r) WITH ws, next, collect(r)[0] AS r
  UNWIND ws AS w RETURN collect([w[0] + [next], w[1] + [r]]) AS moved }
WITH done + moved AS walks
{{end}}
UNWIND walks AS w
WITH w[0][0] AS target, reverse(w[0]) AS walk, reverse(w[1]) AS steps
WHERE walk[0].reach_owned_hops = 0
RETURN walk[0].uid AS entry, target.uid AS target, [l IN labels(target) WHERE NOT l IN ['Entity', 'HighValue', 'Identity', 'Secret', 'Workload']][0] AS target_kind,
       target.name AS target_name, target.namespace AS target_namespace, size(steps) AS hops,
       [n IN walk | n.uid] AS path_uids, [r IN steps | type(r)] AS edge_types, [r IN steps | r.reason] AS reasons
ORDER BY hops, target
