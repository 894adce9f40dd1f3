// id: internet-entry-points
// title: Internet entry points
// category: exposure
// severity: high
// description: Everything the internet reaches in one hop (public load balancers, NodePorts and hostPorts on
//   nodes with public addresses, external IPs, internet-facing Ingresses), why, and how far each is from a
//   crown jewel (from the analysis marks; empty when it leads to none). Those leading to a crown jewel first.
// parameters: limit (int 1..1000, default 100): rows
// returns: exposed, exposed_kind, namespace, name, reason, high_value_hops, cluster_admin_hops, node_hops, secret_hops
// mitre: T1190
MATCH (:Internet)-[exposure:INTERNET_EXPOSES]->(exposed)
RETURN exposed.uid AS exposed,
       [l IN labels(exposed) WHERE NOT l IN ['Entity', 'HighValue', 'Identity', 'Secret', 'Workload']][0] AS exposed_kind,
       exposed.namespace AS namespace, exposed.name AS name, exposure.reason AS reason,
       exposed.reaches_high_value_hops AS high_value_hops, exposed.reaches_cluster_admin_hops AS cluster_admin_hops,
       exposed.reaches_node_hops AS node_hops, exposed.reaches_secret_hops AS secret_hops
ORDER BY coalesce(high_value_hops, 1000000), exposed
LIMIT $limit
