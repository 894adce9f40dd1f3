import { lintCypherQuery, isNotParamError, testData } from '@neo4j-cypher/language-support';
const all = testData.mockSchema.functions['CYPHER 5'];
const fns = Object.fromEntries(Object.entries(all).filter(([k,v])=>v.isBuiltIn));
const schema = process.env.FN ? { functions: { 'CYPHER 5': fns }, defaultLanguage: 'CYPHER 5' } : {defaultLanguage: 'CYPHER 5'};
const t0 = Date.now();
for (const q of process.argv.slice(2)) {
  const t1 = Date.now();
  const r = lintCypherQuery(q, schema);
  console.log('### ' + q + '  (' + (Date.now()-t1) + 'ms)');
  for (const d of r.diagnostics.filter(isNotParamError)) console.log(`  sev=${d.severity} ${d.range.start.line}:${d.range.start.character} ${d.message.replace(/\n/g,' | ').slice(0,300)}`);
}
console.error('ms', Date.now()-t0);
