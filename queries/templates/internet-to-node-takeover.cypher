// id: internet-to-node-takeover
// title: Internet → node takeover
// category: exposure
// severity: critical
// description: Nodes an attacker on the internet can take over (root on the host: every pod, secret and token on it), nearest first, with the shortest path to each.
//   How: the analysis marks every node with its distance from the internet (reach_internet_hops), so
//   targets are picked by that mark and each path is walked back from the target, one hop at a time, to
//   a node one hop closer; nothing is searched. Needs the marks (`bridgehead analyze`).
// parameters: max_hops (int 1..{{max_hops}}, default 10): longest path to report; limit (int 1..1000, default 100): rows
// returns: entry, target, target_name, target_namespace, hops, path_uids, edge_types, reasons
// mitre: T1190, T1611
MATCH (target:Node)
WHERE target.reach_internet_hops >= 1 AND target.reach_internet_hops <= $max_hops
WITH target ORDER BY target.reach_internet_hops, target.uid LIMIT $limit
// Every walk starts at its target and moves back one hop per step, to the predecessor one hop closer to
// the internet (lowest uid, then lowest edge type). The walks travel together in one list: each step picks
// the next node once per distinct end node, inside a subquery, so a step with every walk already at
// the internet sends no row into the traversal. A walk with no such predecessor (stale marks) is dropped.
WITH collect([[target], []]) AS walks
{{for hop in 1..max_hops}}
// hop {{hop}} of at most {{max_hops}}
WITH [w IN walks WHERE last(w[0]).reach_internet_hops = 0] AS done, [w IN walks WHERE last(w[0]).reach_internet_hops > 0] AS active
CALL { WITH active UNWIND active AS w WITH last(w[0]) AS here, collect(w) AS ws
  MATCH (closer)-[r:{{traversable}}]->(here) WHERE closer.reach_internet_hops = here.reach_internet_hops - 1
  WITH ws, closer, r ORDER BY closer.uid, type(r) WITH ws, collect([closer, r])[0] AS step
  UNWIND ws AS w RETURN collect([w[0] + [step[0]], w[1] + [step[1]]]) AS moved }
WITH done + moved AS walks
{{end}}
UNWIND walks AS w
WITH w[0][0] AS target, reverse(w[0]) AS walk, reverse(w[1]) AS steps
WHERE walk[0].reach_internet_hops = 0
RETURN walk[1].uid AS entry, target.uid AS target, target.name AS target_name, target.namespace AS target_namespace,
       size(steps) AS hops, [n IN walk | n.uid] AS path_uids, [r IN steps | type(r)] AS edge_types,
       [r IN steps | r.reason] AS reasons
ORDER BY hops, target
