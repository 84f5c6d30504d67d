// The OpenAPI document and the route files describe the same API: every exported handler under
// app/api has its operation in the table, every operation has its handler, and the document builds.
import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { openApiDocument } from "@/lib/api/openapi/document";
import { errorCodesOf, OPERATIONS } from "@/lib/api/openapi/operations";
import { STATIC_SEGMENTS } from "@/lib/core/route-template";
import { ERROR_STATUS } from "@/lib/core/errors";

const APP_API = path.resolve(import.meta.dirname, "../../app/api");

function routeFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) return routeFiles(full);
    return name === "route.ts" ? [full] : [];
  });
}

/** `app/api/v1/inventory/[sku]/route.ts` exporting GET → `get /api/v1/inventory/{sku}`. */
function handlersOnDisk(): string[] {
  return routeFiles(APP_API).flatMap((file) => {
    const dir = path.relative(path.dirname(APP_API), path.dirname(file)).split(path.sep);
    const template = "/" + dir.map((seg) => seg.replace(/^\[(\w+)\]$/, "{$1}")).join("/");
    const source = readFileSync(file, "utf8");
    const methods = [...source.matchAll(/export (?:const|async function|function) (GET|POST|PUT|PATCH|DELETE)\b/g)].map((m) =>
      m[1]!.toLowerCase(),
    );
    return methods.map((m) => `${m} ${template}`);
  });
}

describe("OpenAPI document", () => {
  it("has an operation for every route handler, and a handler for every operation", () => {
    const onDisk = handlersOnDisk().sort();
    const documented = OPERATIONS.map((op) => `${op.method} ${op.path}`).sort();
    expect(onDisk.length).toBeGreaterThan(30);
    expect(documented).toEqual(onDisk);
  });

  it("builds as OpenAPI 3.1 with unique operation ids and every declared status", () => {
    const doc = openApiDocument();
    expect(doc.openapi).toBe("3.1.0");
    const ids = OPERATIONS.map((op) => op.operationId);
    expect(new Set(ids).size).toBe(ids.length);
    for (const op of OPERATIONS) {
      const documented = doc.paths?.[op.path]?.[op.method];
      expect(documented, `${op.method} ${op.path}`).toBeDefined();
      const statuses = Object.keys(documented!.responses ?? {});
      for (const code of errorCodesOf(op)) expect(statuses, `${op.operationId}: ${code}`).toContain(String(ERROR_STATUS[code]));
      for (const status of Object.keys(op.responses)) expect(statuses).toContain(status);
    }
  });

  it("names every fixed path word, so request logs keep words and hide values", () => {
    const words = new Set(OPERATIONS.flatMap((op) => op.path.split("/").filter((seg) => seg && !seg.startsWith("{"))));
    for (const word of words) expect(STATIC_SEGMENTS.has(word), word).toBe(true);
  });

  it("documents a request body's own rules (a SKU code's pattern, a quantity's range)", () => {
    const doc = JSON.stringify(openApiDocument());
    expect(doc).toContain("^[A-Z0-9]");
    const placed = openApiDocument().paths?.["/api/v1/reservations"]?.post;
    expect(placed?.requestBody).toBeDefined();
    expect(JSON.stringify(placed?.requestBody)).toMatch(/"maximum":\d+/);
  });
});
