const t0 = Date.now();
const { lintCypherQuery } = await import('@neo4j-cypher/language-support');
console.log('import ms', Date.now()-t0);
const base = [
 'UNWIND $rows AS r MERGE (n:Pod {uid: r.uid}) ON CREATE SET n.first_seen = $now SET n += r.props, n.last_seen = $now',
 'MATCH (a:Pod {uid: $a}) MATCH (b:Secret {uid: $b}) WITH a, b, shortestPath((a)-[:T1|T2*1..8]->(b)) AS p WHERE p IS NOT NULL RETURN [n IN nodes(p) | n.uid] AS uids',
 'MATCH (n:Pod) WHERE n.scope = $scope AND n.sync_id <> $sync WITH n LIMIT 10000 DETACH DELETE n RETURN count(*) AS deleted',
 'UNWIND $rows AS r MATCH (a:Pod {uid: r.src}) MATCH (b:Node {uid: r.dst}) MERGE (a)-[e:RUNS_ON]->(b) SET e += r.props',
 'MATCH (s:ServiceAccount)<-[:USES]-(p:Pod) OPTIONAL MATCH (p)-[:MOUNTS]->(sec:Secret) WITH s, p, collect(DISTINCT sec.uid) AS secs WHERE size(secs) > 0 RETURN s.uid, p.uid, secs ORDER BY s.uid SKIP $skip LIMIT $limit',
];
const qs = []; for (let i=0;i<(+process.env.N||200);i++) qs.push(base[i%base.length] + ' ' .repeat(i%7));
const t1 = Date.now();
let n=0; for (const q of qs) { n += lintCypherQuery(q, {defaultLanguage:'CYPHER 5'}).diagnostics.length; }
console.log('200 ms', Date.now()-t1, n);
for (let k=0;k<3;k++){ const t2=Date.now(); for (const q of qs.slice(0,100)) lintCypherQuery(q,{defaultLanguage:'CYPHER 5'}); console.log('next100 ms', Date.now()-t2); }
