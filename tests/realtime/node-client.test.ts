// The Node client of docs/realtime.md (examples/follow-sku.mjs), run as a real process against a
// real gateway: it connects without an Origin (as an app or a server does), prints the snapshot,
// then each change; after its connection is cut it reconnects, subscribes again and carries on.
// The docs must show this very file.
import { spawn, type ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import { createInterface } from "node:readline";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { adjustStock } from "../../lib/stock";
import type { StockServer } from "../../server/gateway";
import { seedSkus, testDeps } from "../helpers";
import { startTestGateway, type TestGateway } from "./test-gateway";

const ROOT = path.resolve(import.meta.dirname, "..", "..");
const CLIENT = path.join(ROOT, "examples", "follow-sku.mjs");

const deps = testDeps();
let served: TestGateway;
let gateway: StockServer;
let url: string;
let child: ChildProcess | undefined;

beforeAll(async () => {
  served = await startTestGateway(deps);
  ({ gateway, url } = served);
});

afterAll(async () => {
  child?.kill("SIGKILL");
  await served.close();
  await deps.close();
});

interface Line {
  sku: string;
  available: number;
  version: number;
  how: "snapshot" | "change";
}

describe("the Node client of docs/realtime.md", () => {
  it("is the file the docs show", () => {
    const docs = readFileSync(path.join(ROOT, "docs", "realtime.md"), "utf8");
    const code = readFileSync(CLIENT, "utf8");
    expect(docs).toContain("```js\n" + code + "```");
    expect(code.trimEnd().split("\n").length).toBeLessThanOrEqual(30);
  });

  it("follows a SKU: the snapshot, each change, and again after its connection is cut", async () => {
    const [sku] = await seedSkus(deps, [{ onHand: 12 }]);
    child = spawn(process.execPath, [CLIENT, url, sku!], { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
    const stderr: string[] = [];
    child.stderr!.on("data", (d: Buffer) => stderr.push(d.toString()));
    const lines: Line[] = [];
    createInterface({ input: child.stdout! }).on("line", (line) => lines.push(JSON.parse(line) as Line));
    const until = async (check: () => boolean, what: string) => {
      const deadline = Date.now() + 10_000;
      while (!check()) {
        if (Date.now() > deadline) throw new Error(`${what}: not seen in 10 s; lines ${JSON.stringify(lines)}; stderr ${stderr.join("")}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    };

    await until(() => lines.length >= 1, "the snapshot");
    expect(lines[0]).toEqual({ sku, available: 12, version: 1, how: "snapshot" });

    await adjustStock(deps, { sku: sku!, delta: -3, source: "api", actor: "test", reason: "recount" });
    await until(() => lines.length >= 2, "the first change");
    expect(lines[1]).toEqual({ sku, available: 9, version: 2, how: "change" });

    // Cut the connection under it (as a network blip would): the client reconnects by itself and
    // subscribes again; a change made while it was away arrives in the new snapshot.
    const sockets = [...gateway.of("/").sockets.values()];
    expect(sockets).toHaveLength(1);
    expect(sockets[0]!.handshake.headers.origin).toBeUndefined();
    sockets[0]!.conn.close();
    await adjustStock(deps, { sku: sku!, delta: 5, source: "api", actor: "test", reason: "found" });
    await until(() => lines.some((l) => l.version === 3), "the change made while it was away");
    await until(() => gateway.of("/").sockets.size === 1, "the reconnection");
    await adjustStock(deps, { sku: sku!, delta: -1, source: "api", actor: "test", reason: "recount" });
    await until(() => lines.some((l) => l.version === 4), "a change after the reconnection");
    expect(lines.at(-1)).toEqual({ sku, available: 13, version: 4, how: "change" });
    // Never backwards, never twice.
    for (let i = 1; i < lines.length; i++) expect(lines[i]!.version).toBeGreaterThan(lines[i - 1]!.version);
  });
});
