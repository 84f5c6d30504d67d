#!/usr/bin/env node
// The product page's JavaScript after `next build`: `node scripts/measure-page-js.mjs [project root]`.
// gzip size of the JavaScript the product page loads: every chunk its client reference manifest
// names for the page's entry (entryJSFiles) plus the shared root chunks of the build manifest.
import { readFileSync, existsSync } from "node:fs";
import { gzipSync } from "node:zlib";
import vm from "node:vm";
const root = process.argv[2] ?? ".";
const src = readFileSync(`${root}/.next/server/app/products/[slug]/page_client-reference-manifest.js`, "utf8");
const ctx = { globalThis: {} };
vm.runInNewContext(src, ctx);
const m = ctx.globalThis.__RSC_MANIFEST["/products/[slug]/page"];
const files = new Set();
for (const list of Object.values(m.entryJSFiles ?? {}))
  for (const f of list) files.add(f.replace(/^\/?_next\//, "").replace(/^static/, "static"));
const bm = JSON.parse(readFileSync(`${root}/.next/build-manifest.json`, "utf8"));
for (const f of [...(bm.rootMainFiles ?? []), ...(bm.polyfillFiles ?? [])]) files.add(f);
let raw = 0,
  gz = 0,
  crypto = [];
for (const f of files) {
  const p = `${root}/.next/${f.replace(/^\/?_next\//, "")}`;
  if (!existsSync(p)) {
    console.error("missing", p);
    continue;
  }
  const b = readFileSync(p);
  raw += b.length;
  gz += gzipSync(b, { level: 9 }).length;
  if (/createHmac|randomBytes|crypto-browserify|createHash\(/.test(b.toString())) crypto.push(f);
}
console.log(
  JSON.stringify({ files: files.size, rawKiB: +(raw / 1024).toFixed(1), gzipKiB: +(gz / 1024).toFixed(1), withNodeCrypto: crypto }),
);
