// The audit trail (lib/backoffice/audit.ts): filters, keyset pagination without gaps or duplicates, CSV;
// and the back office's stock settings (lib/stock/admin.ts).
import { afterAll, describe, expect, it } from "vitest";
import {
  auditQuery,
  csvField,
  csvLine,
  decodeCursor,
  encodeCursor,
  eventsCsv,
  filterOf,
  listEvents,
  parseAuditQuery,
  skuTimeline,
  type AuditFilter,
} from "../../lib/backoffice";
import { adjustStock, stockLevel } from "../../lib/stock";
import { persistAllPending } from "../../lib/ledger";
import { placeReservation } from "../../lib/reservations";
import { setLowStockThreshold, setSafetyStock, stockRows } from "../../lib/stock";
import type { StockEvent } from "../../lib/shared/types";
import { seedSkus, testDeps, uid } from "../helpers";

const deps = testDeps();
afterAll(() => deps.close());
const who = { source: "test" };

async function allPages(filter: AuditFilter, limit: number): Promise<StockEvent[][]> {
  const pages: StockEvent[][] = [];
  let after: string | null = null;
  do {
    const page = await listEvents(deps, filter, { after: after ? decodeCursor(after)! : undefined, limit });
    pages.push(page.events);
    after = page.next;
  } while (after);
  return pages;
}

async function collect(gen: AsyncGenerator<string>): Promise<string> {
  let out = "";
  for await (const chunk of gen) out += chunk;
  return out;
}

/** Ledger rows written directly, so several share one timestamp (ties the cursor must break). */
async function ledgerRows(
  sku: string,
  rows: { version: number; at: Date; type?: string; source?: string; reason?: string | null; delta?: number }[],
) {
  await deps.db.inventoryEvent.createMany({
    data: rows.map((r) => ({
      sku,
      version: r.version,
      type: r.type ?? "adjust",
      delta: r.delta ?? 1,
      onHand: 10 + r.version,
      reserved: 0,
      safety: 0,
      available: 10 + r.version,
      reason: r.reason ?? null,
      source: r.source ?? "test",
      at: r.at,
    })),
  });
}

describe("listEvents", () => {
  it("filters by SKU, type, source and time range, newest first", async () => {
    const [a, b] = await seedSkus(deps, [{ onHand: 10 }, { onHand: 5 }]);
    await placeReservation(deps, { sessionId: "audit-1", items: [{ sku: a!, quantity: 2 }], source: "storefront" }); // a v2 hold
    await adjustStock(deps, { sku: a!, delta: 4, reason: "received", type: "restock", source: "admin", actor: "ada@shop.test" }); // a v3
    await adjustStock(deps, { sku: b!, delta: -1, reason: "damaged", source: "admin-api" }); // b v2
    await persistAllPending(deps);

    const onlyA = await listEvents(deps, { sku: a! });
    expect(onlyA.events.map((e) => [e.version, e.type])).toEqual([
      [3, "restock"],
      [2, "hold"],
      [1, "set"],
    ]);
    expect(onlyA.next).toBeNull();
    expect(onlyA.events[0]).toMatchObject({
      sku: a,
      delta: 4,
      onHand: 14,
      reserved: 2,
      available: 12,
      reason: "received",
      source: "admin",
      actor: "ada@shop.test",
    });

    expect((await listEvents(deps, { sku: a!, types: ["hold", "restock"] })).events.map((e) => e.version)).toEqual([3, 2]);
    expect((await listEvents(deps, { sku: a!, source: "storefront" })).events.map((e) => e.type)).toEqual(["hold"]);
    expect((await listEvents(deps, { sku: b!, source: "admin-api" })).events.map((e) => e.type)).toEqual(["adjust"]);

    const hold = onlyA.events[1]!;
    const range = await listEvents(deps, { sku: a!, from: new Date(hold.at), to: new Date(hold.at + 1) });
    expect(range.events.every((e) => e.at === hold.at)).toBe(true);
    expect(range.events.map((e) => e.version)).toContain(2);
    expect((await listEvents(deps, { sku: a!, to: new Date(onlyA.events.at(-1)!.at) })).events).toEqual([]);

    // The chart reads the same events oldest first.
    expect((await skuTimeline(deps, a!)).map((e) => e.version)).toEqual([1, 2, 3]);
  });

  it("pages through ties in time without gaps or duplicates, even while new events arrive", async () => {
    const [x, y] = await seedSkus(deps, [{ onHand: 1 }, { onHand: 1 }]);
    await persistAllPending(deps);
    const t0 = Date.now() - 60_000;
    // A source of its own: other test files write adjust events into the same minute in parallel.
    const source = `ties-${uid(8)}`;
    // 3 timestamps × both SKUs × 4 versions each, interleaved: many rows share one `at`.
    const rows = (_sku: string) =>
      Array.from({ length: 12 }, (_, i) => ({ version: 100 + i, at: new Date(t0 + Math.floor(i / 4) * 1000), source }));
    await ledgerRows(x!, rows(x!));
    await ledgerRows(y!, rows(y!));
    const filter = { types: ["adjust" as const], source, from: new Date(t0), to: new Date(t0 + 10_000) };
    const everything = (await listEvents(deps, filter, { limit: 500 })).events;
    expect(everything).toHaveLength(24);

    for (const limit of [1, 5, 7, 24, 25]) {
      const pages = await allPages(filter, limit);
      const flat = pages.flat();
      expect(flat.map((e) => `${e.sku}:${e.version}`)).toEqual(everything.map((e) => `${e.sku}:${e.version}`));
      expect(pages.slice(0, -1).every((p) => p.length === limit)).toBe(true);
    }

    // A page boundary, then newer events land at the top: the next page continues exactly.
    const first = await listEvents(deps, filter, { limit: 10 });
    await ledgerRows(x!, [
      { version: 200, at: new Date(t0 + 5000), source },
      { version: 201, at: new Date(t0 + 5000), source },
    ]);
    const rest = (await allPages({ ...filter }, 10)).flat();
    const afterFirst = [] as StockEvent[];
    let cursor = first.next;
    while (cursor) {
      const page = await listEvents(deps, filter, { after: decodeCursor(cursor)!, limit: 10 });
      afterFirst.push(...page.events);
      cursor = page.next;
    }
    expect([...first.events, ...afterFirst].map((e) => `${e.sku}:${e.version}`)).toEqual(everything.map((e) => `${e.sku}:${e.version}`));
    expect(rest).toHaveLength(26);
  });
});

describe("audit query", () => {
  it("parses filters and refuses bad input as invalid_request", () => {
    const q = auditQuery.parse({
      sku: "tee-1",
      type: "hold,sale,hold",
      source: "admin",
      from: "2026-01-01T10:00",
      to: "1800000000000",
      limit: "20",
    });
    expect(q).toMatchObject({ sku: "TEE-1", type: ["hold", "sale"], source: "admin", limit: 20 });
    expect(q.from?.toISOString()).toBe("2026-01-01T10:00:00.000Z");
    expect(q.to?.getTime()).toBe(1_800_000_000_000);
    expect(filterOf(q).types).toEqual(["hold", "sale"]);
    expect(auditQuery.parse({ sku: "", type: "", after: "" })).toEqual({});

    const cursor = encodeCursor({ at: 1_790_000_000_123, sku: "TEE-ORG-BLK-M", version: 42 });
    expect(decodeCursor(cursor)).toEqual({ at: 1_790_000_000_123, sku: "TEE-ORG-BLK-M", version: 42 });
    expect(auditQuery.parse({ after: cursor }).after).toEqual({ at: 1_790_000_000_123, sku: "TEE-ORG-BLK-M", version: 42 });

    for (const bad of <Record<string, string>[]>[
      { type: "hold,teleport" },
      { sku: "no spaces" },
      { after: "not-a-cursor" },
      { after: Buffer.from("1:lower:2").toString("base64url") },
      { limit: "0" },
      { limit: "501" },
      { from: "yesterday" },
      { from: "2026-01-02", to: "2026-01-01" },
      { unknown: "1" },
    ]) {
      expect(() => parseAuditQuery(bad), JSON.stringify(bad)).toThrow(expect.objectContaining({ code: "invalid_request" }));
    }
  });
});

describe("CSV", () => {
  it("quotes commas, quotes and line breaks, and defuses spreadsheet formulas", () => {
    expect(csvField("plain")).toBe("plain");
    expect(csvField(null)).toBe("");
    expect(csvField(-3)).toBe("-3");
    expect(csvField("a,b")).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField("two\nlines")).toBe('"two\nlines"');
    expect(csvField('=HYPERLINK("x")', { text: true })).toBe('"\'=HYPERLINK(""x"")"');
    expect(csvField("@sum", { text: true })).toBe("'@sum");
    const line = csvLine({
      type: "adjust",
      sku: "A-1",
      location: "main",
      delta: -2,
      onHand: 3,
      reserved: 1,
      safety: 0,
      available: 2,
      version: 7,
      reason: 'damaged: box "crushed", wet',
      source: "admin",
      actor: "ada@shop.test",
      reservationId: null,
      at: Date.UTC(2026, 0, 2, 3, 4, 5),
    });
    expect(line).toBe('2026-01-02T03:04:05.000Z,A-1,7,adjust,main,-2,3,1,0,2,"damaged: box ""crushed"", wet",admin,ada@shop.test,\r\n');
  });

  it("streams every matching event after a header, across pages", async () => {
    const [sku] = await seedSkus(deps, [{ onHand: 1 }]);
    await persistAllPending(deps);
    const at = new Date(Date.now() - 30_000);
    await ledgerRows(
      sku!,
      Array.from({ length: 7 }, (_, i) => ({ version: 10 + i, at, reason: i === 3 ? 'recount, shelf\n"B"' : null })),
    );
    const csv = await collect(eventsCsv(deps, { sku: sku!, types: ["adjust"] }, { pageSize: 3 }));
    const lines = csv.split("\r\n");
    expect(lines[0]).toBe("at,sku,version,type,location,delta,onHand,reserved,safety,available,reason,source,actor,reservationId");
    expect(csv.endsWith("\r\n")).toBe(true);
    expect(csv.match(/\r\n/g)).toHaveLength(8); // header + 7 rows (the quoted newline is a bare \n)
    expect(csv).toContain(`,13,adjust,main,1,23,0,0,23,"recount, shelf\n""B""",test,,\r\n`);
    const versions = lines.slice(1, -1).map((l) => Number(l.split(",")[2]));
    expect(versions).toEqual([16, 15, 14, 13, 12, 11, 10]);
    expect((await collect(eventsCsv(deps, { sku: sku! }, { max: 2 }))).split("\r\n")).toHaveLength(4);
  });
});

describe("stock settings", () => {
  it("sets safety stock without touching on hand, and refuses to undercut held units", async () => {
    const [sku] = await seedSkus(deps, [{ onHand: 10 }]);
    await placeReservation(deps, { sessionId: "audit-s", items: [{ sku: sku!, quantity: 4 }], ...who });
    const row = await setSafetyStock(deps, { sku: sku!, safety: 3, source: "admin", actor: "ada@shop.test" });
    expect(row).toMatchObject({ onHand: 10, reserved: 4, safety: 3, available: 3 });
    expect((await deps.db.sku.findUniqueOrThrow({ where: { code: sku! } })).safety).toBe(3);
    await expect(setSafetyStock(deps, { sku: sku!, safety: 7, ...who })).rejects.toMatchObject({ code: "stock_below_reserved" });
    expect(await stockLevel(deps, sku!)).toMatchObject({ onHand: 10, safety: 3 });
    await persistAllPending(deps);
    const [last] = (await listEvents(deps, { sku: sku! }, { limit: 1 })).events;
    expect(last).toMatchObject({ type: "set", delta: 0, safety: 3, reason: "safety stock 0 → 3", actor: "ada@shop.test" });
    await expect(setSafetyStock(deps, { sku: "NOPE-404", safety: 1, ...who })).rejects.toMatchObject({ code: "unknown_sku" });
  });

  it("never loses an adjustment that races a safety change", async () => {
    const [sku] = await seedSkus(deps, [{ onHand: 100 }]);
    await Promise.all([
      ...Array.from({ length: 20 }, () => adjustStock(deps, { sku: sku!, delta: 1, reason: "received", ...who })),
      ...Array.from({ length: 5 }, (_, i) => setSafetyStock(deps, { sku: sku!, safety: i + 1, ...who })),
    ]);
    expect((await stockLevel(deps, sku!))!.onHand).toBe(120);
  });

  it("sets a product's low-stock threshold on every variant", async () => {
    const [a, b] = await seedSkus(deps, [{ onHand: 3 }, { onHand: 9 }], { lowStockThreshold: 2 });
    const product = (await deps.db.sku.findUniqueOrThrow({ where: { code: a! } })).productId;
    const result = await setLowStockThreshold(deps, { productId: product, threshold: 4 });
    expect(result.skus.sort()).toEqual([a!, b!].sort());
    const rows = await stockRows(deps, { skus: [a!, b!] });
    expect(rows.map((r) => r.lowStockThreshold)).toEqual([4, 4]);
    // Rows come in catalog order, not in the order asked for: find each by its code.
    expect(rows.find((r) => r.sku === a)).toMatchObject({ productId: product, live: true, onHand: 3, changedAt: expect.any(Number) });
    expect(rows.find((r) => r.sku === b)).toMatchObject({ productId: product, live: true, onHand: 9 });
    expect((await stockLevel(deps, a!))!.lowStockThreshold).toBe(4);
    await expect(setLowStockThreshold(deps, { productId: "no-such-product", threshold: 1 })).rejects.toMatchObject({ code: "not_found" });
  });
});
