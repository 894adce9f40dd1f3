#!/usr/bin/env node
// Offline Neo4j 5 front-end check for the Cypher Bridgehead ships.
//
// stdin:  JSON array of {"name": string, "query": string}
// stdout: JSON array, same order and length, of
//         {"name": string, "diagnostics": [{"severity", "message", "line", "column"}]}
//         severity is "error" | "warning" | "information" | "hint"; line and column are 1-based.
// exit:   0 when the check ran (whatever it found); 2 on bad input or usage; 1 on an internal failure.
//
// It runs lintCypherQuery from @neo4j-cypher/language-support, i.e. Neo4j's own parser and semantic
// analysis compiled to JavaScript, with Cypher 5 semantics and an empty database schema: unknown labels,
// relationship types and properties are never reported, and "Parameter $x is not defined" errors (the
// schema declares no parameters) are dropped. With --check-functions, function names are checked against
// the Neo4j built-in function catalogue bundled with the package, so non-Neo4j functions are errors.
//
// The semantic analysis costs ~20-100 ms per statement, so statements are spread over worker threads
// (one process) and identical query texts are analysed once.

import { availableParallelism } from 'node:os';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';

const SEVERITIES = { 1: 'error', 2: 'warning', 3: 'information', 4: 'hint' };
const CYPHER_VERSION = 'CYPHER 5';
const MIN_STATEMENTS_PER_WORKER = 12;
const USAGE = `usage: node lint.mjs [--check-functions] [--jobs N] < statements.json

stdin is a JSON array of {"name": string, "query": string}; stdout is a JSON array of
{"name", "diagnostics": [{"severity", "message", "line", "column"}]} in the same order.
  --check-functions  report functions that are not Neo4j built-ins as errors
  --jobs N           worker threads (default: available cores, at most 4; 1 = no workers)
`;

class UsageError extends Error {}
class InputError extends UsageError {}

async function makeLinter(checkFunctions) {
  const { lintCypherQuery, isNotParamError, testData } = await import('@neo4j-cypher/language-support');
  const dbSchema = { defaultLanguage: CYPHER_VERSION };
  if (checkFunctions) {
    // The package's bundled catalogue (taken from a Neo4j server with APOC); keep the built-ins only.
    const catalogue = testData?.mockSchema?.functions?.[CYPHER_VERSION];
    const builtins = Object.fromEntries(
      Object.entries(catalogue ?? {}).filter(([, fn]) => fn && fn.isBuiltIn === true),
    );
    if (Object.keys(builtins).length < 50) {
      throw new Error('the installed @neo4j-cypher/language-support has no built-in function catalogue');
    }
    dbSchema.functions = { [CYPHER_VERSION]: builtins };
  }
  return (query) => {
    const { diagnostics } = lintCypherQuery(query, dbSchema, { consoleCommandsEnabled: false });
    return diagnostics.filter(isNotParamError).map((d) => ({
      severity: SEVERITIES[d.severity] ?? 'error',
      message: d.message,
      // Some semantic errors carry no position (-1): report them at the start of the statement.
      line: Math.max(0, d.range.start.line) + 1,
      column: Math.max(0, d.range.start.character) + 1,
    }));
  };
}

function parseArgs(argv) {
  const opts = { checkFunctions: false, jobs: Math.max(1, Math.min(4, availableParallelism())) };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--check-functions') {
      opts.checkFunctions = true;
    } else if (arg === '--jobs' || arg.startsWith('--jobs=')) {
      const value = arg === '--jobs' ? argv[++i] : arg.slice('--jobs='.length);
      const jobs = Number(value);
      if (!Number.isInteger(jobs) || jobs < 1) throw new UsageError(`--jobs needs a positive integer, got ${value}`);
      opts.jobs = jobs;
    } else if (arg === '-h' || arg === '--help') {
      process.stdout.write(USAGE);
      process.exit(0);
    } else {
      throw new UsageError(`unknown argument: ${arg}`);
    }
  }
  return opts;
}

async function readStdin() {
  const chunks = [];
  for await (const chunk of process.stdin) chunks.push(chunk);
  return Buffer.concat(chunks).toString('utf8');
}

function parseInput(text) {
  let data;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new InputError(`stdin is not valid JSON: ${err.message}`);
  }
  if (!Array.isArray(data)) throw new InputError('stdin must be a JSON array of {"name", "query"} objects');
  data.forEach((item, i) => {
    if (item === null || typeof item !== 'object' || Array.isArray(item)) {
      throw new InputError(`item ${i} is not an object`);
    }
    if (typeof item.name !== 'string') throw new InputError(`item ${i}: "name" must be a string`);
    if (typeof item.query !== 'string') throw new InputError(`item ${i} (${item.name}): "query" must be a string`);
  });
  return data;
}

// Lint each distinct query text once; returns Map(query -> diagnostics).
async function lintAll(queries, opts) {
  const results = new Map();
  const workers = Math.min(opts.jobs, Math.floor(queries.length / MIN_STATEMENTS_PER_WORKER));
  if (workers < 2) {
    const lint = await makeLinter(opts.checkFunctions);
    for (const q of queries) results.set(q, lint(q));
    return results;
  }
  let next = 0;
  const runWorker = () =>
    new Promise((resolve, reject) => {
      const worker = new Worker(new URL(import.meta.url), { workerData: { checkFunctions: opts.checkFunctions } });
      let current = -1;
      const feed = () => {
        if (next >= queries.length) {
          worker.postMessage(null);
          return;
        }
        current = next++;
        worker.postMessage(queries[current]);
      };
      worker.on('message', (msg) => {
        if (msg.ready) {
          feed();
          return;
        }
        if (msg.error) {
          reject(new Error(msg.error));
          worker.terminate();
          return;
        }
        results.set(queries[current], msg.diagnostics);
        feed();
      });
      worker.on('error', reject);
      worker.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`worker exited with ${code}`))));
    });
  await Promise.all(Array.from({ length: workers }, runWorker));
  return results;
}

async function workerMain() {
  let lint;
  try {
    lint = await makeLinter(workerData.checkFunctions);
  } catch (err) {
    parentPort.postMessage({ error: String(err?.stack ?? err) });
    return;
  }
  parentPort.on('message', (query) => {
    if (query === null) {
      parentPort.close();
      return;
    }
    try {
      parentPort.postMessage({ diagnostics: lint(query) });
    } catch (err) {
      parentPort.postMessage({ error: `linting ${JSON.stringify(query.slice(0, 80))}: ${err?.stack ?? err}` });
    }
  });
  parentPort.postMessage({ ready: true });
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  const items = parseInput(await readStdin());
  const results = await lintAll([...new Set(items.map((item) => item.query))], opts);
  const out = items.map((item) => ({ name: item.name, diagnostics: results.get(item.query) }));
  process.stdout.write(JSON.stringify(out) + '\n');
}

if (isMainThread) {
  main().catch((err) => {
    if (err instanceof UsageError) {
      process.stderr.write(`cypher-lint: ${err.message}\n${err instanceof InputError ? '' : `\n${USAGE}`}`);
      process.exit(2);
    } else {
      process.stderr.write(`cypher-lint: internal failure: ${err?.stack ?? err}\n`);
      process.exit(1);
    }
  });
} else {
  workerMain();
}
