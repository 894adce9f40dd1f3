import { lintCypherQuery, isNotParamError, testData } from '@neo4j-cypher/language-support';
const qs = process.argv.slice(2);
const t0 = Date.now();
for (const q of qs) {
  const r = lintCypherQuery(q, {});
  console.log('### ' + q);
  for (const d of r.diagnostics) console.log(`  sev=${d.severity} ${d.range.start.line}:${d.range.start.character} ${d.message.replace(/\n/g,' | ').slice(0,300)}`);
}
console.error('ms', Date.now()-t0);
