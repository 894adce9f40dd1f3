// id: runtime-socket-mounts
// title: Pods mounting container runtime sockets
// category: workloads
// severity: high
// description: Pods and pod templates (Deployments, DaemonSets, CronJobs, Jobs, ...) that mount a container
//   runtime socket from the node (a hostPath ending in .sock: docker.sock, containerd.sock, crio.sock), and
//   running pods whose host mounts reach one through a directory (the analysis's CE_RUNTIME_SOCKET edges,
//   e.g. / or /run). Completed pods are listed too: the next run mounts the same socket.
// parameters: limit (int 1..1000, default 200): rows
// returns: workload, workload_kind, namespace, name, node, phase, sockets, reasons
// mitre: T1611
MATCH (workload:Workload)
WHERE any(path IN workload.host_paths WHERE path ENDS WITH '.sock')
WITH collect(workload) AS mounting
OPTIONAL MATCH (container:Container)-[:CE_RUNTIME_SOCKET]->(:Node)
WITH mounting, collect(DISTINCT container) AS containers
UNWIND CASE WHEN size(containers) = 0 THEN [null] ELSE containers END AS container
OPTIONAL MATCH (pod)-[:HAS_CONTAINER]->(container)
WITH mounting, collect(DISTINCT pod) AS escaping
UNWIND mounting + [pod IN escaping WHERE NOT pod IN mounting] AS workload
RETURN workload.uid AS workload,
       [l IN labels(workload) WHERE NOT l IN ['Entity', 'HighValue', 'Identity', 'Secret', 'Workload']][0] AS workload_kind,
       workload.namespace AS namespace, workload.name AS name, workload.node_name AS node, workload.phase AS phase,
       [path IN workload.host_paths WHERE path ENDS WITH '.sock'] AS sockets,
       [(workload)-[:HAS_CONTAINER]->(container)-[escape:CE_RUNTIME_SOCKET]->() | escape.reason] AS reasons
ORDER BY namespace, workload
LIMIT $limit
