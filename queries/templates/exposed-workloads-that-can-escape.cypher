// id: exposed-workloads-that-can-escape
// title: Exposed containers that can escape
// category: exposure
// severity: critical
// description: Containers an attacker on the internet reaches (directly or through other steps) that can
//   break out to their node (the escape attack edges: privileged, hostPID, capabilities, writable host paths,
//   runtime sockets), nearest first, with every escape and why. No path search: the reach mark says how
//   far the internet is.
// parameters: max_hops (int 1..12, default 10): farthest container to report; limit (int 1..1000, default 100): rows
// returns: container, namespace, pod, node, internet_hops, escapes, reasons
// mitre: T1190, T1611
MATCH (container:Container)-[escape:{{tactic:escape}}]->(node:Node)
WHERE container.reach_internet_hops IS NOT NULL AND container.reach_internet_hops <= $max_hops
WITH container, node, collect(type(escape)) AS escapes, collect(escape.reason) AS reasons
RETURN container.uid AS container, container.namespace AS namespace, container.workload_name AS pod,
       node.name AS node, container.reach_internet_hops AS internet_hops, escapes, reasons
ORDER BY internet_hops, container
LIMIT $limit
