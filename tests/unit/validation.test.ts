// The one storable-text rule (lib/shared/validation.ts) and the request schemas that use it
// (issue 12, defect 1): hostile strings are refused at the edge with a sentence, ordinary text
// (accents, right-to-left scripts, emoji, CR LF in a description) passes.
import { describe, expect, it } from "vitest";
import { adjustBody, checkoutBody, saleCreateBody, skuUpsertBody } from "../../lib/api/schemas";
import { auditQuery } from "../../lib/backoffice";
import { apiTokenCreateBody, userCreateBody } from "../../lib/auth";
import { isPgInt, logField, pgInt, PG_INT_MAX, storableText, textProblem } from "../../lib/shared/validation";
import { webhookCreateBody } from "../../lib/webhooks";
import { HOSTILE } from "../hostile-strings";

describe("textProblem", () => {
  it.each([
    ["a\u0000b", "nul"],
    ["\uD800", "lone_surrogate"],
    ["\uDC00x", "lone_surrogate"],
    ["bell\u0007", "control"],
    ["c1\u0085", "control"],
    ["\u202Ename", "bidi_control"],
    ["\u2066isolate\u2069", "bidi_control"],
    ["line\nbreak", "line_break"],
    ["cr\rlf", "line_break"],
    ["tab\there", "line_break"],
    ["sep\u2028", "line_break"],
  ])("%j → %s", (value, problem) => {
    expect(textProblem(value, { max: 100 })).toBe(problem);
  });

  it("passes ordinary text, pairs of surrogates and right-to-left scripts", () => {
    for (const ok of ["Café Müller", "שלום", "مرحبا", "👟 Runner", "a–b “c”"]) expect(textProblem(ok, { max: 100 })).toBeNull();
  });

  it("lets a multiline field have CR LF and tabs, never NUL or other controls", () => {
    expect(textProblem("one\r\ntwo\tthree", { max: 100, multiline: true })).toBeNull();
    expect(textProblem("one\u0000", { max: 100, multiline: true })).toBe("nul");
    expect(textProblem("one\u000B", { max: 100, multiline: true })).toBe("control");
  });

  it("counts code points, not UTF-16 units", () => {
    expect(textProblem("👟".repeat(10), { max: 10 })).toBeNull();
    expect(textProblem("👟".repeat(11), { max: 10 })).toBe("too_long");
  });
});

describe("storableText", () => {
  const field = storableText({ min: 1, max: 200 });
  it.each(HOSTILE)("refuses %s", (_name, value) => {
    const parsed = field.safeParse(value);
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues[0]?.message).toMatch(/must/);
  });
  it("trims and keeps the rest", () => {
    expect(field.parse("  Runner  ")).toBe("Runner");
    expect(field.safeParse("   ").success).toBe(false);
  });
});

describe("pgInt", () => {
  it("is a Postgres integer", () => {
    expect(isPgInt(PG_INT_MAX)).toBe(true);
    expect(isPgInt(PG_INT_MAX + 1)).toBe(false);
    expect(isPgInt(1.5)).toBe(false);
    expect(isPgInt(Number.NaN)).toBe(false);
    expect(pgInt().safeParse(3_000_000_000).success).toBe(false);
    expect(pgInt({ min: 0 }).safeParse(-1).success).toBe(false);
  });
});

describe("logField", () => {
  it("cannot forge a log line or carry a lone surrogate", () => {
    expect(logField("a\nb\u0000")).toBe("a\\u000ab\\u0000");
    expect(logField("x\uD800")).toBe("x\uFFFD");
    expect(logField("y".repeat(600)).length).toBeLessThan(520);
  });
});

// Every stored text field of the request bodies, with a valid body to put the hostile value in.
const sku = { product: { slug: "runner", name: "Runner" }, priceCents: 100, onHand: 5 };
const FIELDS: {
  name: string;
  schema: { safeParse(v: unknown): { success: boolean } };
  body: (v: string) => unknown;
  multiline?: boolean;
}[] = [
  { name: "adjust note", schema: adjustBody, body: (v) => ({ delta: 1, reason: "received", note: v }) },
  { name: "SKU reason", schema: skuUpsertBody, body: (v) => ({ ...sku, reason: v }) },
  { name: "SKU label", schema: skuUpsertBody, body: (v) => ({ ...sku, label: v }) },
  { name: "SKU size", schema: skuUpsertBody, body: (v) => ({ ...sku, size: v }) },
  { name: "SKU color", schema: skuUpsertBody, body: (v) => ({ ...sku, color: v }) },
  { name: "product name", schema: skuUpsertBody, body: (v) => ({ ...sku, product: { ...sku.product, name: v } }) },
  { name: "product category", schema: skuUpsertBody, body: (v) => ({ ...sku, product: { ...sku.product, category: v } }) },
  {
    name: "product description",
    schema: skuUpsertBody,
    body: (v) => ({ ...sku, product: { ...sku.product, description: v } }),
    multiline: true,
  },
  {
    name: "sale name",
    schema: saleCreateBody,
    body: (v) => ({ id: "drop", name: v, startsAt: "2030-01-01T00:00:00Z", admissionRate: 5, skus: ["A1"] }),
  },
  {
    name: "sale description",
    schema: saleCreateBody,
    body: (v) => ({ id: "drop", name: "Drop", description: v, startsAt: "2030-01-01T00:00:00Z", admissionRate: 5, skus: ["A1"] }),
    multiline: true,
  },
  { name: "checkout name", schema: checkoutBody, body: (v) => ({ name: v }) },
  { name: "checkout email", schema: checkoutBody, body: (v) => ({ email: `${v}@shop.test` }) },
  {
    name: "user name",
    schema: userCreateBody,
    body: (v) => ({ email: "a@shop.test", name: v, role: "merchandiser", password: "correct horse battery" }),
  },
  {
    name: "user email",
    schema: userCreateBody,
    body: (v) => ({ email: `${v}@shop.test`, name: "A", role: "merchandiser", password: "correct horse battery" }),
  },
  { name: "token name", schema: apiTokenCreateBody, body: (v) => ({ name: v, role: "merchandiser" }) },
  { name: "webhook url", schema: webhookCreateBody, body: (v) => ({ url: `https://hooks.test/${v}` }) },
  { name: "webhook secret", schema: webhookCreateBody, body: (v) => ({ url: "https://hooks.test/in", secret: `0123456789abcdef${v}` }) },
];

describe("request schemas refuse the hostile table in every stored text field", () => {
  it.each(FIELDS.map((f) => [f.name, f] as const))("%s: a valid body passes", (_n, f) => {
    expect(f.schema.safeParse(f.body(f.name.includes("email") ? "someone" : "ok")).success).toBe(true);
  });
  const cases = FIELDS.flatMap((f) =>
    HOSTILE.filter(([kind]) => !(f.multiline && kind === "line break")).map(([kind, value]) => [f.name, kind, f, value] as const),
  );
  it.each(cases)("%s: %s", (_n, _k, f, value) => {
    expect(f.schema.safeParse(f.body(value)).success).toBe(false);
  });
});

describe("query filters sent to Postgres", () => {
  it.each(HOSTILE.filter(([kind]) => kind !== "1 MB"))("the audit trail's source filter refuses %s", (_kind, value) => {
    expect(auditQuery.safeParse({ source: value }).success).toBe(false);
    expect(auditQuery.safeParse({ source: "admin-api" }).success).toBe(true);
  });
});
