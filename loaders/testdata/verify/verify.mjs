// verify.mjs checks that files written by "cnnpipe convert" open in
// standard readers with no cnnpipe code: Arrow JS (apache-arrow) for Arrow
// IPC files and streams, DuckDB (@duckdb/node-api) and hyparquet for
// Parquet. It is not run by the test suite (it needs npm packages); see
// README.md beside it.
//
//   node verify.mjs FILE...
import { readFileSync } from 'node:fs';
import { tableFromIPC } from 'apache-arrow';
import { DuckDBInstance } from '@duckdb/node-api';
import { parquetMetadata, parquetReadObjects } from 'hyparquet';

const want = ['index', 'path', 'label', 'split', 'image', 'format', 'height', 'width', 'channels'];
const magic = { png: [0x89, 0x50], jpeg: [0xff, 0xd8] };
let failures = 0;
function check(ok, msg) {
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${msg}`);
  if (!ok) failures++;
}
function checkRow(file, r) {
  const img = r.image;
  if (r.format === 'raw') {
    check(img.length === r.height * r.width * r.channels, `${file}: row ${r.index} raw pixels ${img.length} = ${r.height}x${r.width}x${r.channels}`);
  } else {
    const m = magic[r.format];
    check(!m || (img[0] === m[0] && img[1] === m[1]), `${file}: row ${r.index} ${r.format} bytes start with the ${r.format} signature`);
  }
}

for (const file of process.argv.slice(2)) {
  if (file.endsWith('.arrow') || file.endsWith('.arrows') || file.endsWith('.feather')) {
    const t = tableFromIPC(readFileSync(file));
    const names = t.schema.fields.map((f) => f.name);
    check(JSON.stringify(names) === JSON.stringify(want), `${file}: Arrow JS columns ${names}`);
    check(t.schema.fields.map((f) => String(f.type)).join(',') === 'Int64,Utf8,Int32,Utf8,Binary,Utf8,Int32,Int32,Int32',
      `${file}: Arrow JS types ${t.schema.fields.map((f) => String(f.type))}`);
    const classes = JSON.parse(t.schema.metadata.get('cnnpipe:classes'));
    check(Array.isArray(classes) && classes.length > 0, `${file}: classes in schema metadata ${JSON.stringify(classes)}`);
    console.log(`     ${file}: ${t.numRows} rows in ${t.batches.length} batches`);
    const rows = t.toArray().map((r) => r.toJSON());
    for (const r of rows.slice(0, 3)) checkRow(file, r);
    check(rows.every((r) => r.label >= 0 && r.label < classes.length), `${file}: every label indexes the class list`);
  } else if (file.endsWith('.parquet')) {
    const db = await DuckDBInstance.create(':memory:');
    const con = await db.connect();
    const q = async (sql) => (await con.runAndReadAll(sql)).getRowObjectsJson();
    const desc = await q(`DESCRIBE SELECT * FROM read_parquet('${file}')`);
    check(desc.map((d) => `${d.column_name}:${d.column_type}`).join(',') ===
      'index:BIGINT,path:VARCHAR,label:INTEGER,split:VARCHAR,image:BLOB,format:VARCHAR,height:INTEGER,width:INTEGER,channels:INTEGER',
      `${file}: DuckDB columns ${desc.map((d) => `${d.column_name}:${d.column_type}`)}`);
    const agg = await q(`SELECT count(*) AS n, min(label) AS lo, max(label) AS hi, sum(octet_length(image)) AS bytes,
      count(*) FILTER (WHERE format = 'raw' AND octet_length(image) <> height*width*channels) AS bad_raw FROM read_parquet('${file}')`);
    console.log(`     ${file}: DuckDB ${JSON.stringify(agg[0])}`);
    check(Number(agg[0].bad_raw) === 0, `${file}: DuckDB raw rows have height*width*channels bytes`);
    const kv = await q(`SELECT decode(key) AS k, decode(value) AS v FROM parquet_kv_metadata('${file}') WHERE decode(key) = 'cnnpipe:classes'`);
    check(kv.length === 1, `${file}: DuckDB sees cnnpipe:classes = ${kv[0]?.v}`);
    const rg = await q(`SELECT count(DISTINCT row_group_id) AS groups FROM parquet_metadata('${file}')`);
    console.log(`     ${file}: ${rg[0].groups} row groups`);
    // hyparquet: a pure-JS reader (snappy and uncompressed files only).
    const buf = readFileSync(file);
    const ab = buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength);
    const meta = parquetMetadata(ab);
    const codecs = new Set(meta.row_groups.flatMap((g) => g.columns.map((c) => c.meta_data.codec)));
    if ([...codecs].every((c) => c === 'SNAPPY' || c === 'UNCOMPRESSED')) {
      const rows = await parquetReadObjects({ file: ab, utf8: false }); // utf8:false keeps unannotated binary as bytes
      check(rows.length === Number(agg[0].n), `${file}: hyparquet reads ${rows.length} rows`);
      for (const r of rows.slice(0, 3)) checkRow(file, r);
    } else {
      console.log(`     ${file}: hyparquet skipped (codecs ${[...codecs]})`);
    }
  }
}
console.log(failures === 0 ? 'all checks passed' : `${failures} checks failed`);
process.exit(failures === 0 ? 0 : 1);
