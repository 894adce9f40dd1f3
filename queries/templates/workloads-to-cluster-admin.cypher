// id: workloads-to-cluster-admin
// title: Workloads that can become cluster-admin
// category: escalation
// severity: critical
// description: Pods and controllers (Deployments, DaemonSets, CronJobs, ...) from which an attacker who
//   controls them becomes cluster-admin, nearest first, with the shortest path from each.
//   How: the analysis marks every node with its distance to a cluster-admin (reaches_cluster_admin_hops);
//   workloads are picked by that mark and each path is walked forward, one hop at a time, to a node one
//   hop closer; nothing is searched. Needs the marks (`bridgehead analyze`).
// parameters: max_hops (int 1..{{max_hops}}, default 10): longest path to report; limit (int 1..1000, default 100): rows
// returns: workload, workload_kind, namespace, name, cluster_admin, hops, path_uids, edge_types, reasons
// mitre: T1078.001, T1611
MATCH (workload:Workload)
WHERE workload.reaches_cluster_admin_hops >= 1 AND workload.reaches_cluster_admin_hops <= $max_hops
WITH workload ORDER BY workload.reaches_cluster_admin_hops, workload.uid LIMIT $limit
// Every walk starts at its workload and moves forward one hop per step, to the successor one hop closer to
// a cluster-admin (lowest uid, then lowest edge type). The walks travel together in one list: each step picks
// the next node once per distinct end node, inside a subquery, so a step with every walk already at
// a cluster-admin sends no row into the traversal. A walk with no such successor (stale marks) is dropped.
WITH collect([[workload], []]) AS walks
{{for hop in 1..max_hops}}
// hop {{hop}} of at most {{max_hops}}
WITH [w IN walks WHERE last(w[0]).reaches_cluster_admin_hops = 0] AS done, [w IN walks WHERE last(w[0]).reaches_cluster_admin_hops > 0] AS active
CALL { WITH active UNWIND active AS w WITH last(w[0]) AS here, collect(w) AS ws
  MATCH (here)-[r:{{traversable}}]->(closer) WHERE closer.reaches_cluster_admin_hops = here.reaches_cluster_admin_hops - 1
  WITH ws, closer, r ORDER BY closer.uid, type(r) WITH ws, collect([closer, r])[0] AS step
  UNWIND ws AS w RETURN collect([w[0] + [step[0]], w[1] + [step[1]]]) AS moved }
WITH done + moved AS walks
{{end}}
UNWIND walks AS w
WITH w[0][0] AS workload, w[0] AS walk, w[1] AS steps
WHERE last(walk).reaches_cluster_admin_hops = 0
RETURN workload.uid AS workload, [l IN labels(workload) WHERE NOT l IN ['Entity', 'HighValue', 'Identity', 'Secret', 'Workload']][0] AS workload_kind,
       workload.namespace AS namespace, workload.name AS name, last(walk).uid AS cluster_admin, size(steps) AS hops,
       [n IN walk | n.uid] AS path_uids, [r IN steps | type(r)] AS edge_types, [r IN steps | r.reason] AS reasons
ORDER BY hops, workload
