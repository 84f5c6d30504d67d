// Every back-office Server Action checks the staff session and role itself (a layout check
// alone does not protect an action): each one runs its body through asStaff(role, …), except
// signing in and out, which are for people without a session.
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";

const dir = path.join(import.meta.dirname, "..", "..", "app", "admin", "actions");
const PUBLIC = new Set(["log-in.ts", "log-out.ts"]);

describe("back-office Server Actions", () => {
  const files = readdirSync(dir).filter((f) => f.endsWith(".ts"));
  const actionFiles = files.filter((f) => readFileSync(path.join(dir, f), "utf8").startsWith('"use server"'));

  it("are all found", () => {
    expect(actionFiles.length).toBeGreaterThanOrEqual(10);
  });

  it.each(actionFiles.filter((f) => !PUBLIC.has(f)))("%s checks the staff role in every exported action", (file) => {
    const source = readFileSync(path.join(dir, file), "utf8");
    const exported = [...source.matchAll(/export async function (\w+)\s*\(/g)].map((m) => m[1]!);
    expect(exported.length).toBeGreaterThan(0);
    for (const name of exported) {
      const start = source.indexOf(`export async function ${name}`);
      const next = source.indexOf("export async function", start + 1);
      const body = source.slice(start, next === -1 ? undefined : next);
      expect(body, `${file}: ${name}`).toMatch(/asStaff\(\s*"(merchandiser|admin)"/);
    }
  });
});
