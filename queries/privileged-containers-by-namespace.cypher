// id: privileged-containers-by-namespace
// title: Privileged pods per namespace
// category: workloads
// severity: medium
// description: Namespaces with pods running a privileged container (securityContext.privileged), how many,
//   which, and the Pod Security level the namespace enforces (none: nothing stops new ones).
// parameters: limit (int 1..1000, default 100): rows
// returns: cluster, namespace, pod_security, pods, containers, pod_names
// mitre: T1611
MATCH (pod:Pod)-[:HAS_CONTAINER]->(container:Container)
WHERE container.privileged = true
WITH pod.cluster AS cluster, pod.namespace AS namespace, count(container) AS containers,
     collect(DISTINCT pod.name) AS pod_names
OPTIONAL MATCH (ns:Namespace)
WHERE ns.cluster = cluster AND ns.name = namespace
RETURN cluster, namespace, coalesce(ns.pss_enforce, 'none') AS pod_security, size(pod_names) AS pods, containers,
       pod_names[..20] AS pod_names
ORDER BY pods DESC, cluster, namespace
LIMIT $limit
