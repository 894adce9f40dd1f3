// id: risky-rbac-grants
// title: Risky RBAC grants
// category: rbac
// severity: high
// description: Grants that turn an identity into a more powerful one: bind or escalate roles, impersonate,
//   the kubelet API through nodes/proxy, approving certificate requests, editing admission webhooks,
//   minting service-account tokens, editing EKS aws-auth; one row per grant, with the RBAC reason.
// parameters: limit (int 1..1000, default 200): rows
// returns: identity, identity_kind, identity_namespace, grant, target, reason, mitre, internet_hops
// mitre: T1098.006, T1078.001, T1609, T1649, T1557, T1528
MATCH (identity:Identity)-[grant:CAN_ESCALATE_PRIVILEGES|CAN_IMPERSONATE|CAN_PROXY_NODE|CAN_APPROVE_CSR|CAN_EDIT_WEBHOOKS|CAN_CREATE_TOKEN|CAN_EDIT_AWS_AUTH]->(target)
// Grants RBAC makes (rules k8s.rbac.*): a kubelet's tokens come from the Node authorizer, not from a grant.
WHERE grant.rule CONTAINS 'k8s.rbac.'
RETURN identity.uid AS identity,
       [l IN labels(identity) WHERE NOT l IN ['Entity', 'HighValue', 'Identity', 'Secret', 'Workload']][0] AS identity_kind,
       identity.namespace AS identity_namespace, type(grant) AS grant, target.uid AS target,
       grant.reason AS reason, grant.technique AS mitre, identity.reach_internet_hops AS internet_hops
ORDER BY grant, identity, target
LIMIT $limit
