// Writes the OpenAPI document (the one /api/v1/openapi.json serves) to a file, for the linter and
// for anyone generating a client: `npx tsx scripts/openapi.ts [--out file]` (default stdout).
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { openApiDocument } from "../lib/api/openapi/document";

const at = process.argv.indexOf("--out");
const text = `${JSON.stringify(openApiDocument(), null, 2)}\n`;
if (at === -1) process.stdout.write(text);
else {
  const file = process.argv[at + 1];
  if (!file) throw new Error("--out needs a file name");
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, text);
}
