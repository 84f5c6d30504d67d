// Spec-driven fuzz: every operation in the OpenAPI document the store serves is called with
// requests generated from that document. json-schema-faker builds a valid body, path and query
// from the documented schemas; fast-check chooses among them and mutates them along the schema
// (a required field dropped, a wrong type, one past a bound, a string too long or off its
// pattern, NUL, a lone surrogate, an unknown field, an enum value that is not one), and shrinks a
// failure to its smallest form. For every request: no 5xx, the answer conforms to the document,
// and a refused request (4xx) changes nothing it could have touched.
// Runs per operation: FUZZ_RUNS (default 12 in CI; FUZZ_FULL=1 for 200).
import { createHmac } from "node:crypto";
import fc from "fast-check";
import { generateSync } from "json-schema-faker";
import { expect, request as playwrightRequest, test, type APIRequestContext } from "@playwright/test";
import { Contract, type OpenApiDoc } from "./contract";

const RUNS = Number(process.env.FUZZ_RUNS ?? (process.env.FUZZ_FULL === "1" ? 200 : 12));
const token = () => process.env.ADMIN_API_TOKEN ?? "";
const unique = () => Math.random().toString(36).slice(2, 8).toUpperCase();
const ownAddress = () => `198.19.${Math.floor(Math.random() * 250) + 1}.${Math.floor(Math.random() * 250) + 1}`;

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Schema = Record<string, unknown> & {
  $ref?: string;
  type?: string | string[];
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
  enum?: unknown[];
  anyOf?: Schema[];
  oneOf?: Schema[];
  allOf?: Schema[];
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  format?: string;
};
interface Parameter {
  name: string;
  in: "path" | "query" | "header" | "cookie";
  required?: boolean;
  schema: Schema;
}
interface DocOp {
  operationId: string;
  security?: Record<string, string[]>[];
  parameters?: (Parameter | { $ref: string })[];
  requestBody?: { required?: boolean; content: Record<string, { schema: Schema }> };
}

/** A request as generated: what is sent, and what a refused one must leave as it was. */
interface FuzzRequest {
  path: Record<string, string>;
  query: Record<string, string | undefined>;
  body: { raw: string; type: string } | undefined;
  auth: "admin" | "none";
  /** How it was made, for the failure message. */
  how: string;
}

class Spec {
  constructor(readonly doc: OpenApiDoc & { components: { schemas: Record<string, Schema> } }) {}

  /** A schema with every `$ref` to a component replaced by the component (one level at a time). */
  resolve(schema: Schema): Schema {
    if (schema.$ref) {
      const name = schema.$ref.replace("#/components/schemas/", "");
      return this.resolve(this.doc.components.schemas[name] ?? {});
    }
    return schema;
  }

  /** A valid value for a schema, chosen by `seed` (json-schema-faker, with the document's components). */
  valid(schema: Schema, seed: number): Json {
    const root = { ...schema, components: this.doc.components };
    return generateSync(root as never, { seed, alwaysFakeOptionals: seed % 2 === 0, maxDefaultItems: 2, refDepthMax: 3 }) as Json;
  }
}

/** Ways to break a value of a schema, drawn from its own rules. */
function breakers(spec: Spec, raw: Schema): Json[] {
  const schema = spec.resolve(raw);
  const out: Json[] = [null, [], {}];
  const types = new Set([schema.type].flat().filter(Boolean));
  if (!types.has("string")) out.push("STRING");
  if (!types.has("number") && !types.has("integer")) out.push(7);
  if (!types.has("boolean")) out.push(true);
  if (typeof schema.maximum === "number") out.push(schema.maximum + 1);
  if (typeof schema.minimum === "number") out.push(schema.minimum - 1);
  if (typeof schema.exclusiveMaximum === "number") out.push(schema.exclusiveMaximum);
  if (typeof schema.exclusiveMinimum === "number") out.push(schema.exclusiveMinimum);
  if (types.has("integer")) out.push(0.5, 1e308, -1e308, Number.MAX_SAFE_INTEGER + 2);
  if (typeof schema.maxLength === "number") out.push("A".repeat(schema.maxLength + 1));
  if (typeof schema.minLength === "number" && schema.minLength > 0) out.push("");
  if (schema.pattern) out.push("not valid ✗ / ?", "lower-case");
  if (schema.enum) out.push("not-one-of-them");
  if (types.has("string")) out.push("a\u0000b", "\ud800", "x".repeat(70_000));
  if (schema.format === "email") out.push("no-at-sign");
  if (schema.format === "date-time") out.push("yesterday");
  return out;
}

/** Every place in a valid value where a mutation can be made, with the schema that governs it. */
function sites(
  spec: Spec,
  raw: Schema,
  value: Json,
  at: (string | number)[] = [],
): { at: (string | number)[]; schema: Schema; parent?: Schema }[] {
  const schema = spec.resolve(raw);
  const here = [{ at, schema }];
  if (value && typeof value === "object" && !Array.isArray(value) && schema.properties) {
    return here.concat(
      Object.entries(schema.properties).flatMap(([key, sub]) =>
        key in value ? sites(spec, sub, value[key]!, [...at, key]) : [{ at: [...at, key], schema: spec.resolve(sub) }],
      ),
    );
  }
  if (Array.isArray(value) && schema.items && value.length) return here.concat(sites(spec, schema.items, value[0]!, [...at, 0]));
  return here;
}

function setAt(value: Json, at: (string | number)[], to: Json | undefined): Json {
  if (at.length === 0) return to === undefined ? null : to;
  const copy = structuredClone(value) as Json;
  let cursor = copy as Record<string | number, Json>;
  for (const key of at.slice(0, -1)) {
    if (!cursor[key] || typeof cursor[key] !== "object") cursor[key] = {};
    cursor = cursor[key] as Record<string | number, Json>;
  }
  const last = at[at.length - 1]!;
  if (to === undefined) delete cursor[last];
  else cursor[last] = to;
  return copy;
}

function withSku(value: Json, sku: string): Json {
  if (Array.isArray(value)) return value.map((v) => withSku(v, sku));
  if (value && typeof value === "object")
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, k === "sku" ? sku : withSku(v, sku)]));
  return value;
}

/** A body for an operation: valid from the schema, or the valid one broken at one site, or no JSON at all. */
function bodyArb(spec: Spec, schema: Schema, sku: string): fc.Arbitrary<{ raw: string; type: string; how: string }> {
  // Every other body names the probe SKU wherever it names a SKU, so valid ones reach real stock.
  const valid = fc
    .integer({ min: 1, max: 1_000_000 })
    .map((seed) => ({ seed, value: seed % 2 ? withSku(spec.valid(schema, seed), sku) : spec.valid(schema, seed) }));
  const asJson = (value: Json, how: string) => ({ raw: JSON.stringify(value), type: "application/json", how });
  return fc.oneof(
    { weight: 2, arbitrary: valid.map(({ seed, value }) => asJson(value, `valid body (seed ${seed})`)) },
    {
      weight: 6,
      arbitrary: valid.chain(({ seed, value }) => {
        const places = sites(spec, schema, value);
        return fc.integer({ min: 0, max: places.length - 1 }).chain((i) => {
          const site = places[i]!;
          const options = breakers(spec, site.schema);
          return fc.oneof(
            fc
              .constantFrom(...options)
              .map((to) =>
                asJson(setAt(value, site.at, to), `seed ${seed}: ${site.at.join(".") || "(body)"} = ${JSON.stringify(to).slice(0, 40)}`),
              ),
            fc.constant(asJson(setAt(value, site.at, undefined), `seed ${seed}: ${site.at.join(".") || "(body)"} left out`)),
            fc.constant(
              asJson(
                value && typeof value === "object" && !Array.isArray(value) ? { ...value, unexpected: 1 } : value,
                `seed ${seed}: an unknown field`,
              ),
            ),
          );
        });
      }),
    },
    {
      weight: 1,
      arbitrary: fc.constantFrom(
        { raw: "{not json", type: "application/json", how: "malformed JSON" },
        { raw: "", type: "application/json", how: "no body" },
        { raw: "a=1", type: "application/x-www-form-urlencoded", how: "a form instead of JSON" },
        { raw: JSON.stringify({ pad: "x".repeat(70_000) }), type: "application/json", how: "over the size limit" },
      ),
    },
  );
}

/** A value for a path or query parameter: a known one, a valid one from its schema, or a broken one. */
function paramArb(spec: Spec, param: Parameter, known: string | undefined): fc.Arbitrary<string> {
  const generated = fc.integer({ min: 1, max: 1_000_000 }).map((seed) => String(spec.valid(param.schema, seed)));
  const broken = fc.constantFrom(
    ...breakers(spec, param.schema)
      .filter((v) => v !== null && typeof v !== "object")
      .map((v) => String(v).slice(0, 300)),
  );
  const choices = [generated, broken, ...(known ? [fc.constant(known)] : [])];
  return fc.oneof(...choices);
}

interface Probe {
  sku: string;
  saleId: string;
  slug: string;
  channel: string;
}

async function setUpProbe(api: APIRequestContext): Promise<Probe> {
  const sku = `OAFUZZ-${unique()}`;
  const slug = `oafuzz-${sku.toLowerCase()}`;
  const auth = { authorization: `Bearer ${token()}` };
  const made = await api.put(`/api/v1/admin/skus/${sku}`, {
    headers: auth,
    data: { product: { slug, name: `Fuzz probe ${sku}` }, priceCents: 900, onHand: 50 },
  });
  expect(made.status(), await made.text()).toBe(201);
  const saleId = `oafuzz-${unique().toLowerCase()}`;
  const sale = await api.post("/api/v1/admin/sales", {
    headers: auth,
    data: { id: saleId, name: "Fuzz sale", startsAt: new Date(Date.now() + 86_400_000).toISOString(), admissionRate: 1, skus: [sku] },
  });
  expect(sale.status(), await sale.text()).toBe(201);
  return { sku, saleId, slug, channel: "fuzz" };
}

/** What a refused request could have touched: the probe's stock and its sale (staff records: createdBy). */
async function stateOf(api: APIRequestContext, probe: Probe) {
  const auth = { authorization: `Bearer ${token()}` };
  // The level's version counts every change (the ledger is written behind it, so it is not compared).
  const [level, sale] = await Promise.all([
    api.get(`/api/v1/inventory/${probe.sku}`).then((r) => r.json()),
    api.get(`/api/v1/admin/sales/${probe.saleId}`, { headers: auth }).then((r) => r.json()),
  ]);
  return {
    level: { onHand: level.onHand, reserved: level.reserved, safety: level.safety, version: level.version },
    sale: {
      status: sale.status,
      name: sale.name,
      startsAt: sale.startsAt,
      live: sale.live && { waiting: sale.live.waiting, admitted: sale.live.admitted },
    },
  };
}

/** Staff records a refused create could have made, found by the value the request carried. */
async function createdBy(api: APIRequestContext, body: string | undefined): Promise<string[]> {
  if (!body) return [];
  let sent: Record<string, unknown>;
  try {
    sent = JSON.parse(body);
  } catch {
    return [];
  }
  if (!sent || typeof sent !== "object") return [];
  const auth = { authorization: `Bearer ${token()}` };
  const [users, tokens, hooks, sales] = await Promise.all([
    api.get("/api/v1/admin/users", { headers: auth }).then((r) => r.json()),
    api.get("/api/v1/admin/tokens?revoked=1", { headers: auth }).then((r) => r.json()),
    api.get("/api/v1/admin/webhooks", { headers: auth }).then((r) => r.json()),
    api.get("/api/v1/admin/sales?closed=1", { headers: auth }).then((r) => r.json()),
  ]);
  const found: string[] = [];
  for (const u of users.users as { email: string }[])
    if (typeof sent.email === "string" && u.email === sent.email.toLowerCase()) found.push(`user ${u.email}`);
  for (const t of tokens.tokens as { name: string }[])
    if (typeof sent.name === "string" && sent.role !== undefined && t.name === sent.name) found.push(`token ${t.name}`);
  for (const h of hooks.subscriptions as { url: string }[])
    if (typeof sent.url === "string" && h.url === sent.url) found.push(`webhook ${h.url}`);
  for (const s of sales.sales as { id: string }[]) if (typeof sent.id === "string" && s.id === sent.id) found.push(`sale ${s.id}`);
  return found;
}

/**
 * Percent-encodes a path segment the way a careless client would: a lone surrogate (which
 * `encodeURIComponent` refuses to encode) goes out as its three WTF-8 bytes, so the server
 * meets invalid UTF-8 in the path and must answer it with a 4xx.
 */
function encodeSegment(value: string): string {
  let out = "";
  for (const ch of value) {
    const cp = ch.codePointAt(0) ?? 0;
    if (cp >= 0xd800 && cp <= 0xdfff) {
      out += [0xe0 | (cp >> 12), 0x80 | ((cp >> 6) & 0x3f), 0x80 | (cp & 0x3f)].map((b) => `%${b.toString(16).toUpperCase()}`).join("");
    } else out += encodeURIComponent(ch);
  }
  return out;
}

test.describe("spec-driven fuzz of the OpenAPI document", () => {
  test.describe.configure({ timeout: 600_000 });

  test("generated requests to every operation: no 5xx, answers as documented, refusals change nothing", async ({ request, baseURL }) => {
    const doc = (await (await request.get("/api/v1/openapi.json")).json()) as Spec["doc"];
    const spec = new Spec(doc);
    const contract = new Contract(doc);
    const probe = await setUpProbe(request);
    const known: Record<string, string> = { sku: probe.sku, saleId: probe.saleId, slug: probe.slug, channel: probe.channel };
    // One shopper session for the whole run, from its own address (the rate limits count per session and address).
    const shopper = await playwrightRequest.newContext({ baseURL, extraHTTPHeaders: { "x-forwarded-for": ownAddress() } });
    await shopper.get("/");
    let sent = 0;
    const byStatus = new Map<number, number>();

    for (const [template, item] of Object.entries(doc.paths)) {
      for (const [method, raw] of Object.entries(item)) {
        const op = raw as unknown as DocOp;
        const params = (op.parameters ?? []).filter((p): p is Parameter => !("$ref" in p));
        const pathParams = params.filter((p) => p.in === "path");
        const queryParams = params.filter((p) => p.in === "query");
        const bodySchema = op.requestBody?.content["application/json"]?.schema;
        const staff = (op.security ?? []).some((s) => "staffToken" in s);
        const arb = fc.record({
          path: fc.record(Object.fromEntries(pathParams.map((p) => [p.name, paramArb(spec, p, known[p.name])]))),
          query: fc.record(Object.fromEntries(queryParams.map((p) => [p.name, paramArb(spec, p, undefined)])), { requiredKeys: [] }),
          body: bodySchema
            ? fc.option(bodyArb(spec, bodySchema, probe.sku), { freq: 8 }).map((b) => b ?? undefined)
            : fc.constant(undefined),
          auth: staff ? fc.constantFrom<"admin" | "none">("admin", "admin", "admin", "none") : fc.constant<"admin" | "none">("none"),
        });

        await fc.assert(
          fc.asyncProperty(arb, async (r) => {
            const req: FuzzRequest = { ...r, body: r.body && { raw: r.body.raw, type: r.body.type }, how: r.body?.how ?? "no body" };
            // Never close or change the probe sale: later cases need it scheduled.
            if (template.startsWith("/api/v1/admin/sales/{saleId}") && method !== "get" && req.path.saleId === probe.saleId)
              req.path.saleId = `other-${unique().toLowerCase()}`;
            // An empty or dot segment is the router's business (a redirect or its 404), not an operation's.
            fc.pre(Object.values(req.path).every((v) => v !== "" && v !== "." && v !== ".."));
            const path = template.replace(/\{(\w+)\}/g, (_, name: string) => encodeSegment(req.path[name] ?? ""));
            const query = new URLSearchParams(
              Object.entries(req.query).filter((e): e is [string, string] => e[1] !== undefined),
            ).toString();
            const url = `${path}${query ? `?${query}` : ""}`;
            const before = await stateOf(request, probe);
            const client = op.security?.some((s) => "shopperSession" in s) ? shopper : request;
            const response = await client.fetch(url, {
              method: method.toUpperCase(),
              headers: {
                ...(req.auth === "admin" ? { authorization: `Bearer ${token()}` } : {}),
                ...(req.body ? { "content-type": req.body.type } : {}),
                // Half of a channel's events are signed with the real secret, so valid ones are applied.
                ...(template.includes("/webhooks/channels/") && req.body && req.body.raw.length % 2 === 0
                  ? {
                      "x-stockwire-signature": `sha256=${createHmac("sha256", process.env.WEBHOOK_SECRET ?? "")
                        .update(req.body.raw)
                        .digest("hex")}`,
                    }
                  : {}),
              },
              ...(req.body ? { data: req.body.raw } : {}),
              maxRedirects: 0,
            });
            sent++;
            const status = response.status();
            byStatus.set(status, (byStatus.get(status) ?? 0) + 1);
            const text = await response.text();
            const what = `${method.toUpperCase()} ${url.slice(0, 200)} (${req.how}, auth ${req.auth}) → ${status} ${text.slice(0, 200)}`;
            expect(status, what).toBeLessThan(500);
            const problems = contract.check({ method, path, status, type: response.headers()["content-type"] ?? "", body: text });
            expect(problems, what).toEqual([]);
            if (status >= 400) {
              expect(await stateOf(request, probe), `${what}: a refused request changed the probe`).toEqual(before);
              expect(await createdBy(request, req.body?.raw), `${what}: a refused request created a record`).toEqual([]);
            }
          }),
          { numRuns: RUNS, endOnFailure: true },
        );
      }
    }
    await shopper.dispose();
    console.log(
      `[openapi fuzz] ${sent} requests, ${RUNS} per operation; statuses ${[...byStatus]
        .sort(([a], [b]) => a - b)
        .map(([s, n]) => `${s}×${n}`)
        .join(" ")}`,
    );
    expect(sent).toBeGreaterThanOrEqual(RUNS * 30);
  });
});
