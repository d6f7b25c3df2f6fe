// duckdb-extract: the DuckDB peer of sdc-extract in scripts/bench/extract,
// and the independent computation of examples/study/expected.csv.  Runs
// one SQL query (a SELECT whose columns are already text, formatted as
// sdc-extract writes them) over EHR tables held as CSV, and writes its
// result as CSV (header, NULL as an empty field, LF line ends).  Not
// part of the toolkit.
//
//   NODE_PATH=DIR/node_modules node duckdb-extract.mjs THREADS TABLES CODELISTS QUERY.sql OUT.csv
//
// TABLES holds T.csv or T.csv.gz for some of ehrQL's core tables (the
// --dummy-tables layout: patient_id and any subset of T's columns, empty
// = NULL); each becomes a view T with every column of the schema, typed
// (codes as VARCHAR, so they compare as strings; missing columns NULL).
// CODELISTS holds OpenCodelists-style CSVs; NAME.csv becomes the table
// codelist_NAME (one column, code: stripped, no empties, distinct), with
// '-' in NAME read as '_'.
//
// @duckdb/node-api is a CommonJS package; require() (unlike import)
// honours NODE_PATH, so the package can live in the scratch directory.
import { createRequire } from 'node:module';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const require = createRequire(import.meta.url);
const { DuckDBInstance } = require('@duckdb/node-api');

const [threads, tables, codelists, queryFile, outFile] = process.argv.slice(2);
if (!/^[1-9][0-9]*$/.test(threads ?? '') || !tables || !codelists ||
    !queryFile || !outFile) {
  process.stderr.write('usage: duckdb-extract.mjs THREADS TABLES CODELISTS QUERY.sql OUT.csv\n');
  process.exit(2);
}

// ehrQL's core schema (libsdc/schema.c), in column order.
const schema = {
  patients: { date_of_birth: 'DATE', sex: 'VARCHAR', date_of_death: 'DATE' },
  practice_registrations: {
    start_date: 'DATE', end_date: 'DATE', practice_pseudo_id: 'BIGINT',
  },
  clinical_events: { date: 'DATE', snomedct_code: 'VARCHAR', numeric_value: 'DOUBLE' },
  medications: { date: 'DATE', dmd_code: 'VARCHAR' },
  ons_deaths: Object.fromEntries([
    ['date', 'DATE'], ['underlying_cause_of_death', 'VARCHAR'],
    ...Array.from({ length: 15 }, (_, i) =>
      [`cause_of_death_${String(i + 1).padStart(2, '0')}`, 'VARCHAR']),
  ]),
};

const ident = (s) => '"' + s.replaceAll('"', '""') + '"';
const literal = (s) => "'" + s.replaceAll("'", "''") + "'";

const instance = await DuckDBInstance.create(':memory:');
const conn = await instance.connect();
await conn.run(`SET threads = ${threads}`);

for (const [table, cols] of Object.entries(schema)) {
  const file = [`${table}.csv`, `${table}.csv.gz`].map((f) => join(tables, f))
    .find((f) => existsSync(f));
  if (!file)
    continue;
  // The header decides which columns the file has, and in what order.
  const head = await conn.runAndReadAll(
    `SELECT * FROM read_csv(${literal(file)}, header = true, all_varchar = true) LIMIT 0`);
  const names = head.columnNames();
  const types = { patient_id: 'BIGINT', ...cols };
  for (const n of names) {
    if (!(n in types))
      types[n] = 'VARCHAR';		// extra columns: ignored below
  }
  const columns = '{' + names.map((n) => `${literal(n)}: ${literal(types[n])}`).join(', ') + '}';
  const select = ['patient_id', ...Object.keys(cols)].map((n) =>
    names.includes(n) ? ident(n) : `CAST(NULL AS ${types[n]}) AS ${ident(n)}`);
  await conn.run(`CREATE VIEW ${ident(table)} AS SELECT ${select.join(', ')}
    FROM read_csv(${literal(file)}, header = true, auto_detect = false,
      delim = ',', quote = '"', escape = '"', nullstr = '',
      dateformat = '%Y-%m-%d', columns = ${columns})`);
}

for (const f of readdirSync(codelists).filter((f) => f.endsWith('.csv')).sort()) {
  const name = 'codelist_' + f.slice(0, -4).replaceAll('-', '_');
  await conn.run(`CREATE TABLE ${ident(name)} AS
    SELECT DISTINCT trim(code) AS code
    FROM read_csv(${literal(join(codelists, f))}, header = true, all_varchar = true)
    WHERE trim(code) <> ''`);
}

// The query ends on a new line so that a trailing comment cannot swallow
// the closing parenthesis.
const query = readFileSync(queryFile, 'utf8').replace(/[\s;]+$/, '');
await conn.run(`COPY (${query}\n) TO ${literal(outFile)}
  (FORMAT csv, HEADER true, DELIMITER ',')`);
