// The Import screen's reading of a CSV and its preview (lib/shared/import-csv.ts): what a
// merchandiser's spreadsheet becomes, row by row, before anything is sent.
import fc from "fast-check";
import Papa from "papaparse";
import { describe, expect, it } from "vitest";
import { IMPORT_MAX_ROWS_PER_SKU, importParts, parseImportCsv, previewImport, type CurrentLevel } from "../../lib/shared/import-csv";

const level = (sku: string, onHand: number, reserved = 0, safety = 0): [string, CurrentLevel] => [
  sku,
  { sku, product: `Product ${sku}`, variant: "M", onHand, reserved, safety },
];

describe("parseImportCsv", () => {
  it("reads the export's own columns back, ignoring the ones it does not import", () => {
    const csv = "\uFEFFsku,location,product,variant,onHand,reserved,safety,available\r\nTEE-M,main,Tee,M,12,2,1,9\r\n";
    const parsed = parseImportCsv(csv);
    expect(parsed.fileError).toBeNull();
    expect(parsed.rows).toEqual([{ sku: "TEE-M", location: "main", onHand: 12 }]);
    expect(parsed.columns).toEqual({
      read: ["sku", "location", "onHand"],
      ignored: ["product", "variant", "reserved", "safety", "available"],
    });
  });

  it("accepts the spellings spreadsheets produce: On Hand, +5, a typographic minus, 1,200, upper-case reasons", () => {
    const parsed = parseImportCsv('SKU,On Hand,Delta,Reason,Note\nA-1,"1,200",,,\nA-2,,+5,RECEIVED,pallet 7\nA-3,,\u22123,Damaged,\n');
    expect(parsed.rows).toEqual([
      { sku: "A-1", onHand: 1200 },
      { sku: "A-2", delta: 5, reason: "received", note: "pallet 7" },
      { sku: "A-3", delta: -3, reason: "damaged" },
    ]);
    expect(parsed.lines).toEqual([2, 3, 4]);
  });

  it("keeps file line numbers right across a quoted cell that spans lines", () => {
    const parsed = parseImportCsv('sku,delta,note\nA,1,"two\nlines"\nB,2,\n');
    expect(parsed.lines).toEqual([2, 4]);
  });

  it("refuses a file it cannot preview, with a sentence", () => {
    expect(parseImportCsv("").fileError).toMatch(/empty/);
    expect(parseImportCsv("product,onHand\nx,1\n").fileError).toMatch(/sku/);
    expect(parseImportCsv("sku,product\nA,x\n").fileError).toMatch(/onHand.*delta/);
    expect(parseImportCsv("sku,onHand,count\nA,1,2\n").fileError).toMatch(/twice/);
    expect(parseImportCsv("sku,onHand\n").fileError).toMatch(/no rows/);
  });

  it("round-trips any cell papaparse writes (quotes, commas, newlines, formula-looking text)", () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.stringMatching(/^[A-Z0-9][A-Z0-9._-]{0,10}$/), fc.integer({ min: 0, max: 9_999_999 }), fc.string()), {
          minLength: 1,
          maxLength: 20,
        }),
        (rows) => {
          const csv = Papa.unparse({ fields: ["sku", "onHand", "note"], data: rows });
          const parsed = parseImportCsv(csv);
          expect(parsed.fileError).toBeNull();
          expect(parsed.rows.map((r) => [r.sku, r.onHand])).toEqual(rows.map(([s, o]) => [s, o]));
          expect(parsed.rows.map((r) => r.note ?? "")).toEqual(rows.map(([, , note]) => note.trim()));
        },
      ),
    );
  });
});

describe("previewImport", () => {
  it("plays each SKU's rows in file order against today's count, and flags what the store would refuse", () => {
    const parsed = parseImportCsv(["sku,onHand,delta", "A,10,", "A,,+5", "B,,-4", "NOPE,3,", "C,1.5,", "D,,-9", "D,,5"].join("\n"));
    const levels = new Map([level("A", 7), level("B", 20), level("C", 1), level("D", 10, 3, 1)]);
    const p = previewImport(parsed, levels);
    expect(p.rows.map((r) => [r.line, r.sku, r.before, r.after, r.problem])).toEqual([
      [2, "A", 7, 10, null],
      [3, "A", 10, 15, null],
      [4, "B", 20, 16, null],
      [5, "NOPE", undefined, undefined, "There is no SKU NOPE in the catalog."],
      [6, "C", undefined, undefined, "onHand: must be a whole number"],
      [7, "D", 10, 1, "On hand would be 1, below the 3 held for shoppers plus 1 safety stock."],
      [8, "D", 1, 6, null],
    ]);
    // A SKU with any problem is left out whole (D's fine second row too); the rest is sent.
    expect(p.refusedSkus).toEqual(["C", "D", "NOPE"]);
    expect(p.send.indexes).toEqual([0, 1, 2]);
    expect(p.changes).toBe(3);
    expect(p.skus).toBe(5);
  });

  it("refuses a SKU with more rows than one part may carry", () => {
    const many = ["sku,delta", ...Array.from({ length: IMPORT_MAX_ROWS_PER_SKU + 1 }, () => "A,1")].join("\n");
    const p = previewImport(parseImportCsv(many), new Map([level("A", 0)]));
    expect(p.send.rows).toHaveLength(0);
    expect(p.rows[0]!.problem).toMatch(/at most 500 per SKU/);
  });
});

describe("importParts", () => {
  it("never splits a SKU, keeps every row once and in order within its SKU, and bounds each part", () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 400 }), { minLength: 1, maxLength: 6_000 }), (skuOf) => {
        const send = { rows: skuOf.map((s) => ({ sku: `S${s}`, delta: 1 })), indexes: skuOf.map((_, i) => i) };
        const parts = importParts(send);
        const seen = parts.flatMap((p) => p.indexes);
        expect([...seen].sort((a, b) => a - b)).toEqual(send.indexes);
        const partOf = new Map<string, number>();
        parts.forEach((p, k) => {
          expect(p.rows.length).toBeLessThanOrEqual(2_000);
          expect(JSON.stringify(p.rows).length).toBeLessThanOrEqual(512 * 1024 + p.rows.length);
          p.rows.forEach((r, j) => {
            expect(partOf.get(r.sku) ?? k).toBe(k);
            partOf.set(r.sku, k);
            expect(r).toBe(send.rows[p.indexes[j]!]);
          });
          const bySku = new Map<string, number[]>();
          p.rows.forEach((r, j) => bySku.set(r.sku, [...(bySku.get(r.sku) ?? []), p.indexes[j]!]));
          for (const idx of bySku.values()) expect(idx).toEqual([...idx].sort((a, b) => a - b));
        });
      }),
      { numRuns: 30 },
    );
  });
});
