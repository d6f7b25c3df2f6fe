// duckdb-count: the DuckDB peer in scripts/bench/count.  Counts rows per
// group of a CSV file with DuckDB's read_csv and writes `cols...,n` as CSV
// to stdout (NULL as an empty field), like sdc-count.  Not part of the
// toolkit.
//
//   NODE_PATH=DIR/node_modules node duckdb-count.mjs THREADS FILE COL[,COL...]
//
// @duckdb/node-api is a CommonJS package; require() (unlike import)
// honours NODE_PATH, so the package can live in the scratch directory.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { DuckDBInstance } = require('@duckdb/node-api');

const [threads, file, cols] = process.argv.slice(2);
if (!/^[1-9][0-9]*$/.test(threads ?? '') || !file || !cols) {
  process.stderr.write('usage: duckdb-count.mjs THREADS FILE COL[,COL...]\n');
  process.exit(2);
}

const ident = (s) => '"' + s.replaceAll('"', '""') + '"';
const literal = (s) => "'" + s.replaceAll("'", "''") + "'";
const field = (v) => {
  const s = v === null ? '' : String(v);
  return /[",\r\n]/.test(s) ? '"' + s.replaceAll('"', '""') + '"' : s;
};

const names = cols.split(',');
const list = names.map(ident).join(', ');
const instance = await DuckDBInstance.create(':memory:');
const conn = await instance.connect();
await conn.run(`SET threads = ${threads}`);
const reader = await conn.runAndReadAll(
  `SELECT ${list}, count(*) AS n FROM read_csv(${literal(file)}, header = true) GROUP BY ALL`);

const out = [[...names, 'n'].join(',')];
for (const row of reader.getRowsJS())
  out.push(row.map(field).join(','));
process.stdout.write(out.join('\n') + '\n');
