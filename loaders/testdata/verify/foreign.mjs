// Writes Parquet and Arrow files the way other tools do, for cnnpipe to read.
import { readFileSync, writeFileSync, readdirSync } from 'node:fs';
import { tableToIPC, Table, Binary, Int64, vectorFromArray } from 'apache-arrow';
import { DuckDBInstance } from '@duckdb/node-api';
const root = '/work/main/testdata/images';
const files = [];
for (const [label, c] of ['circle', 'square', 'triangle'].entries())
  for (const f of readdirSync(`${root}/${c}`).sort()) files.push({ p: `${root}/${c}/${f}`, label });
const db = await DuckDBInstance.create(':memory:');
const con = await db.connect();
const list = files.map((f) => `('${f.p}', ${f.label})`).join(',');
await con.run(`CREATE TABLE t AS SELECT f.content AS image, l.label::BIGINT AS label, f.filename AS file
  FROM read_blob('${root}/*/*') f JOIN (VALUES ${list}) l(p, label) ON f.filename = l.p`);
// Hugging Face datasets style: image struct<bytes, path>, int64 label, no cnnpipe metadata.
await con.run(`COPY (SELECT {'bytes': image, 'path': file} AS image, label FROM t ORDER BY file) TO 'out/hf.parquet' (FORMAT parquet, COMPRESSION zstd)`);
await con.run(`COPY (SELECT image, label::TINYINT AS label, file AS path FROM t ORDER BY file) TO 'out/duck.parquet' (FORMAT parquet)`);
// Arrow JS: an IPC file with image (binary) and label (int64) only.
const imgs = files.map((f) => new Uint8Array(readFileSync(f.p)));
const t2 = new Table({ label: vectorFromArray(files.map((f) => BigInt(f.label)), new Int64()), image: vectorFromArray(imgs, new Binary()) });
writeFileSync('out/js.arrow', tableToIPC(t2, 'file'));
console.log('wrote out/hf.parquet out/duck.parquet out/js.arrow with', files.length, 'rows');
