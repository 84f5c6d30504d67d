// The model-based test of the stock engine: operations, their arbitraries, a plain in-memory
// model of what must be true, and a runner that applies each operation to the real lib/
// functions (real Redis, real Postgres) and to the model, then compares the two after every
// step. Used by tests/property/engine.property.test.ts.
//
// Every call into lib/ goes through `api` below: that is the one place to adapt when running
// this suite against another version of the engine.
import fc from "fast-check";
import type { Deps } from "../../lib/core/deps";
import { redisKeys } from "../../lib/core/keys";
import { applyChannelEvent } from "../../lib/channels";
import { adjustStock } from "../../lib/stock";
import { persistAllPending, rebuildFromLedger } from "../../lib/ledger";
import { checkout, finishStalledCheckout } from "../../lib/orders";
import { expireDueReservations, extendReservation, placeReservation, releaseReservation } from "../../lib/reservations";
import { admitTick, controlSale, createSale, joinQueue, ticketFor, ticketStatus } from "../../lib/sales";
import { setSafetyStock } from "../../lib/stock";
import { seedSkus, uid, type TestDeps } from "../helpers";
import { CommandClock, quiesce, slowOrderWrite, wrapRedis } from "./engine-harness";

// ---------------------------------------------------------------------------------------------
// The calls into lib/ (adapt here for another engine version).

const who = { source: "property" };

export const api = {
  place: (
    d: Deps,
    req: {
      sessionId: string;
      items: { sku: string; quantity: number }[];
      idempotencyKey?: string | null;
      partial?: boolean;
      queueToken?: string | null;
    },
  ) => placeReservation(d, { ...req, ...who }),
  release: (d: Deps, sessionId: string, id: string) => releaseReservation(d, sessionId, id, who),
  extend: (d: Deps, sessionId: string, id: string) => extendReservation(d, sessionId, id),
  /** The expiry worker's sweep (the sidecar passes finishStalledCheckout the same way). */
  sweep: (d: Deps) => expireDueReservations(d, (id) => finishStalledCheckout(d, id)),
  checkout: (d: Deps, sessionId: string, reservationIds: string[]) =>
    checkout(d, { sessionId, reservationIds, email: "prop@example.com", name: "Property Test", source: "property" }),
  adjust: (d: Deps, sku: string, delta: number, operationId: string) =>
    adjustStock(d, { sku, delta, reason: "property test", operationId, ...who }),
  setSafety: (d: Deps, sku: string, safety: number) => setSafetyStock(d, { sku, safety, ...who }),
  movement: (d: Deps, channel: string, e: { eventId: string; sku: string; delta: number; occurredAt: string }) =>
    applyChannelEvent(d, channel, e),
  count: (d: Deps, channel: string, e: { eventId: string; sku: string; onHand: number; occurredAt: string }) =>
    applyChannelEvent(d, channel, e),
  rebuild: (d: Deps, skus: string[]) => rebuildFromLedger(d, { onlySkus: skus }),
  persist: (d: Deps) => persistAllPending(d),
  createSale: (d: Deps, id: string, sku: string) =>
    createSale(d, {
      id,
      name: `Property sale ${id}`,
      startsAt: new Date(Date.now() - 1000),
      admissionRate: 1000,
      perShopperLimit: SALE_LIMIT,
      overAdmitPercent: 100,
      skus: [sku],
    }),
  closeSale: async (d: Deps, id: string) => {
    // controlSale logs each action; a few hundred runs would fill the output with it.
    const log = console.log;
    console.log = () => {};
    try {
      await controlSale(d, id, "close", who);
    } finally {
      console.log = log;
    }
  },
  join: (d: Deps, saleId: string, sessionId: string) => joinQueue(d, saleId, sessionId),
  admit: (d: Deps, saleId: string) => admitTick(d, saleId),
  token: async (d: Deps, saleId: string, sessionId: string) =>
    (await ticketStatus(d, saleId, sessionId, ticketFor(saleId, sessionId))).token,
};

export const SALE_LIMIT = 2;
const LONG_TTL = 600;
/** A hold time of 0 s: the hold is due at once (Redis's clock), so expiry needs no waiting. */
const SHORT_TTL = 0;
/** How far ahead the "slow checkout" worker reads the clock (> STALLED_CHECKOUT_MS = 30 s). */
const WORKER_AHEAD_MS = 60_000;
/** STRAGGLER_GRACE_MS (lib/reservations/end.ts, 10 s) and a second: when the worker finishes a lingering to-do. */
const TODO_GRACE_MS = 11_000;

// ---------------------------------------------------------------------------------------------
// Operations.

export interface Line {
  /** Index into the run's SKUs: 0..2 ordinary, 3 the flash-sale SKU. */
  sku: number;
  qty: number;
}

export type Member =
  | { kind: "dup"; stepwise: boolean; startAfter: number }
  | { kind: "restock"; sku: number; delta: number; startAfter: number }
  | { kind: "release"; ref: number; stepwise: boolean; startAfter: number };

export type Op =
  | { t: "place"; session: number; lines: Line[]; keyed: boolean; short: boolean; partial: boolean; stepwise: boolean }
  | { t: "retryPlace"; ref: number; stepwise: boolean; mutate: boolean }
  | { t: "concurrentPlace"; session: number; lines: Line[]; members: Member[] }
  | { t: "extend"; ref: number }
  | { t: "release"; ref: number; stepwise: boolean }
  | { t: "expire"; stepwise: boolean }
  | { t: "checkout"; ref: number; ref2: number | null }
  | { t: "slowCheckout"; ref: number; ref2: number | null; stepwise: boolean }
  | {
      t: "faultyEnd";
      ref: number;
      session: number;
      lines: Line[];
      mode: "release" | "sweep";
      cmd: number;
      when: "before" | "after";
      stepwise: boolean;
    }
  | { t: "adjust"; sku: number; delta: number }
  | { t: "retryAdjust"; ref: number; mutate: boolean }
  | { t: "safety"; sku: number; safety: number }
  | { t: "movement"; channel: number; sku: number; delta: number; slot: number }
  | { t: "count"; channel: number; sku: number; value: number; slot: number }
  | { t: "retryChannel"; ref: number }
  | { t: "saleBuy"; shopper: number; qty: number; short: boolean }
  | { t: "rebuild" };

export type OpKind = Op["t"];

export interface CaseInput {
  stocks: { onHand: number; safety: number }[];
  ops: Op[];
}

const FAULT_COMMANDS = ["swEndReservation", "swTransitionReservation", "swRelease"] as const;

const ref = fc.nat({ max: 30 });
const skuIdx = fc.integer({ min: 0, max: 2 });
const anySku = fc.oneof({ arbitrary: skuIdx, weight: 9 }, { arbitrary: fc.constant(3), weight: 1 });
const lines = (sku: fc.Arbitrary<number>) =>
  fc.array(fc.record({ sku, qty: fc.integer({ min: 1, max: 4 }) }), { minLength: 1, maxLength: 3 });
const nonZero = (max: number) => fc.integer({ min: -max, max }).filter((n) => n !== 0);
const startAfter = fc.nat({ max: 14 });

const memberArb: fc.Arbitrary<Member> = fc.oneof(
  fc.record({ kind: fc.constant("restock" as const), sku: skuIdx, delta: fc.integer({ min: 1, max: 4 }), startAfter }),
  fc.record({ kind: fc.constant("release" as const), ref, stepwise: fc.boolean(), startAfter }),
);

const opArbs: Record<OpKind, { weight: number; arb: fc.Arbitrary<Op> }> = {
  place: {
    weight: 7,
    arb: fc.record({
      t: fc.constant("place" as const),
      session: fc.integer({ min: 0, max: 1 }),
      lines: lines(anySku),
      keyed: fc.boolean(),
      short: fc.boolean(),
      partial: fc.boolean(),
      stepwise: fc.boolean(),
    }),
  },
  retryPlace: {
    weight: 3,
    arb: fc.record({
      t: fc.constant("retryPlace" as const),
      ref,
      stepwise: fc.boolean(),
      mutate: fc.integer({ min: 0, max: 4 }).map((x) => x === 0),
    }),
  },
  concurrentPlace: {
    weight: 2,
    arb: fc.record({
      t: fc.constant("concurrentPlace" as const),
      session: fc.integer({ min: 0, max: 1 }),
      lines: lines(skuIdx),
      members: fc
        .tuple(
          fc.array(fc.record({ kind: fc.constant("dup" as const), stepwise: fc.boolean(), startAfter: fc.nat({ max: 6 }) }), {
            minLength: 2,
            maxLength: 3,
          }),
          fc.array(memberArb, { maxLength: 2 }),
        )
        .map(([dups, extra]) => [...dups, ...extra] as Member[]),
    }),
  },
  extend: { weight: 2, arb: fc.record({ t: fc.constant("extend" as const), ref }) },
  release: { weight: 3, arb: fc.record({ t: fc.constant("release" as const), ref, stepwise: fc.boolean() }) },
  expire: { weight: 2, arb: fc.record({ t: fc.constant("expire" as const), stepwise: fc.boolean() }) },
  checkout: { weight: 3, arb: fc.record({ t: fc.constant("checkout" as const), ref, ref2: fc.option(ref, { nil: null }) }) },
  slowCheckout: {
    weight: 1,
    arb: fc.record({ t: fc.constant("slowCheckout" as const), ref, ref2: fc.option(ref, { nil: null }), stepwise: fc.boolean() }),
  },
  faultyEnd: {
    weight: 2,
    arb: fc.record({
      t: fc.constant("faultyEnd" as const),
      ref,
      session: fc.integer({ min: 0, max: 1 }),
      lines: fc.tuple(skuIdx).map(([sku]) => [{ sku, qty: 1 }]),
      mode: fc.constantFrom("release" as const, "sweep" as const),
      cmd: fc.integer({ min: 0, max: 2 }),
      when: fc.constantFrom("before" as const, "after" as const),
      stepwise: fc.boolean(),
    }),
  },
  adjust: { weight: 3, arb: fc.record({ t: fc.constant("adjust" as const), sku: anySku, delta: nonZero(6) }) },
  retryAdjust: { weight: 2, arb: fc.record({ t: fc.constant("retryAdjust" as const), ref, mutate: fc.boolean() }) },
  safety: { weight: 2, arb: fc.record({ t: fc.constant("safety" as const), sku: anySku, safety: fc.integer({ min: 0, max: 3 }) }) },
  movement: {
    weight: 2,
    arb: fc.record({
      t: fc.constant("movement" as const),
      channel: fc.integer({ min: 0, max: 1 }),
      sku: skuIdx,
      delta: nonZero(4),
      slot: fc.integer({ min: 0, max: 15 }),
    }),
  },
  count: {
    weight: 2,
    arb: fc.record({
      t: fc.constant("count" as const),
      channel: fc.integer({ min: 0, max: 1 }),
      sku: skuIdx,
      value: fc.integer({ min: 0, max: 12 }),
      slot: fc.integer({ min: 0, max: 15 }),
    }),
  },
  retryChannel: { weight: 1, arb: fc.record({ t: fc.constant("retryChannel" as const), ref }) },
  saleBuy: {
    weight: 2,
    arb: fc.record({
      t: fc.constant("saleBuy" as const),
      shopper: fc.integer({ min: 0, max: 1 }),
      qty: fc.integer({ min: 1, max: 2 }),
      short: fc.boolean(),
    }),
  },
  rebuild: { weight: 1, arb: fc.constant({ t: "rebuild" as const }) },
};

export const ALL_OP_KINDS = Object.keys(opArbs) as OpKind[];

export function caseArbitrary(opts: { maxSteps: number; kinds: OpKind[] }): fc.Arbitrary<CaseInput> {
  const op = fc.oneof(...opts.kinds.map((k) => ({ arbitrary: opArbs[k].arb, weight: opArbs[k].weight })));
  const stock = fc
    .record({ onHand: fc.integer({ min: 0, max: 8 }), safety: fc.integer({ min: 0, max: 2 }) })
    .map((s) => ({ onHand: s.onHand, safety: Math.min(s.safety, s.onHand) }));
  return fc.record({
    stocks: fc.tuple(stock, stock, stock, stock).map((t) => [...t]),
    ops: fc.array(op, { minLength: 1, maxLength: opts.maxSteps, size: "max" }),
  });
}

// ---------------------------------------------------------------------------------------------
// The model.

type Status = "pending" | "held" | "committing" | "committed" | "released" | "expired" | "failed";
const LIVE: Status[] = ["pending", "held", "committing"];

interface MRes {
  id: string;
  label: string;
  session: string;
  status: Status;
  /** SKU code -> units held (merged, as the engine stores them). */
  lines: Map<string, number>;
  short: boolean;
  extended: boolean;
  orderId: string | null;
  /** The flash-sale session whose ticket claimed these units, or null. */
  saleSession: string | null;
}

interface MSku {
  code: string;
  onHand: number;
  safety: number;
  /** Expected version; null until re-read after a step whose event count the model cannot know. */
  version: number;
  gated: boolean;
}

interface KeyedReq {
  session: string;
  key: string;
  items: { sku: string; quantity: number }[];
  partial: boolean;
  resId: string | null;
  refusal: string | null;
}

interface ChannelState {
  countAt: number | null;
  countEvent: string;
  movements: { at: number; delta: number }[];
}

class Model {
  skus: MSku[] = [];
  res: MRes[] = [];
  keyed: KeyedReq[] = [];
  adjusts: { opId: string; sku: string; delta: number }[] = [];
  /** Operation id -> fingerprint of the adjustment applied under it (refusals are not recorded). */
  opRecords = new Map<string, string>();
  channels = new Map<string, ChannelState>();
  channelEvents: { channel: string; body: { eventId: string; sku: string; delta?: number; onHand?: number; occurredAt: string } }[] = [];
  /** Units sold by checkout, per SKU code. */
  sold = new Map<string, number>();
  /** Confirmed orders: id -> units per SKU. */
  orders = new Map<string, Map<string, number>>();

  sku(code: string): MSku {
    return this.skus.find((s) => s.code === code)!;
  }
  reserved(code: string): number {
    let n = 0;
    for (const r of this.res) if (LIVE.includes(r.status)) n += r.lines.get(code) ?? 0;
    return n;
  }
  available(code: string): number {
    const s = this.sku(code);
    return s.onHand - this.reserved(code) - s.safety;
  }
  ticketUnits(session: string): number {
    let n = 0;
    for (const r of this.res) {
      if (r.saleSession === session && (LIVE.includes(r.status) || r.status === "committed")) for (const q of r.lines.values()) n += q;
    }
    return n;
  }
  /** End a live reservation: its units go back, one event per line. */
  end(r: MRes, to: "released" | "expired") {
    r.status = to;
    for (const code of r.lines.keys()) this.sku(code).version++;
  }
  channel(name: string, code: string): ChannelState {
    const key = `${name}|${code}`;
    let st = this.channels.get(key);
    if (!st) this.channels.set(key, (st = { countAt: null, countEvent: "", movements: [] }));
    return st;
  }
}

/** The engine's own normalisation (lib/reservations/record.ts normalizeItems): merged per SKU, sorted by code. */
function merge(items: { sku: string; quantity: number }[]): { sku: string; quantity: number }[] {
  const m = new Map<string, number>();
  for (const { sku, quantity } of items) m.set(sku, (m.get(sku) ?? 0) + quantity);
  return [...m].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([sku, quantity]) => ({ sku, quantity }));
}

type Prediction =
  | { ok: true; held: { sku: string; quantity: number }[] }
  | {
      ok: false;
      code: string;
      /** lines the stepwise path holds and gives back (one hold + one release event each) */ reservable: string[];
    };

function predictPlace(model: Model, items: { sku: string; quantity: number }[], partial: boolean): Prediction {
  const held: { sku: string; quantity: number }[] = [];
  let refusal: string | null = null;
  const reservable: string[] = [];
  for (const line of items) {
    const s = model.sku(line.sku);
    const available = model.available(line.sku);
    if (s.gated) {
      refusal ??= "queue_token_required";
      continue;
    }
    if (available >= line.quantity) {
      held.push(line);
      reservable.push(line.sku);
    } else if (partial && items.length === 1 && available > 0) {
      held.push({ sku: line.sku, quantity: available });
      reservable.push(line.sku);
    } else {
      refusal ??= "insufficient_stock";
    }
  }
  return refusal ? { ok: false, code: refusal, reservable } : { ok: true, held };
}

// ---------------------------------------------------------------------------------------------
// The runner.

export interface RunOptions {
  /** Every operation on the stepwise (Cluster) path, not only those that ask for it. */
  allStepwise: boolean;
}

type Outcome<T> = { ok: true; v: T } | { ok: false; code: string; err: unknown };

async function attempt<T>(p: Promise<T>): Promise<Outcome<T>> {
  try {
    return { ok: true, v: await p };
  } catch (err) {
    // An adapter (api) may declare a generated step inexpressible with fc.pre: the case is skipped.
    if (fc.PreconditionFailure.isFailure(err)) throw err;
    const code = (err as { code?: unknown }).code;
    return { ok: false, code: typeof code === "string" ? code : `thrown: ${(err as Error).message ?? String(err)}`, err };
  }
}

const show = (o: Outcome<unknown>) => (o.ok ? "ok" : o.code);

class Failure extends Error {}

interface Ctx {
  base: TestDeps;
  deps: Deps;
  tag: string;
  prefix: string;
  codes: string[];
  saleSku: string;
  saleId: string;
  sessions: string[];
  saleSessions: string[];
  channels: string[];
  t0: number;
  opts: RunOptions;
  stepwiseRedis: Deps["redis"];
  seq: number;
}

function pathDeps(ctx: Ctx, stepwise: boolean, short = false): Deps {
  const s = stepwise || ctx.opts.allStepwise;
  return { ...ctx.deps, redis: s ? ctx.stepwiseRedis : ctx.base.redis, holdTtlSeconds: short ? SHORT_TTL : LONG_TTL };
}

/** Run one generated case against a fresh key prefix and fresh SKUs; throws on the first divergence. */
export async function runCase(base: TestDeps, input: CaseInput, opts: RunOptions): Promise<void> {
  const tag = uid(8).toLowerCase();
  const prefix = `prop${tag}:`;
  const deps: Deps = {
    redis: base.redis,
    db: base.db,
    keys: redisKeys(prefix),
    holdTtlSeconds: LONG_TTL,
    queueTokenSecret: base.queueTokenSecret,
  };
  const ctx: Ctx = {
    base,
    deps,
    tag,
    prefix,
    codes: [],
    saleSku: "",
    saleId: `psale-${tag}`,
    sessions: [`pa-${tag}`, `pb-${tag}`],
    saleSessions: [`ps0-${tag}`, `ps1-${tag}`],
    channels: [`pc0-${tag}`, `pc1-${tag}`],
    t0: Date.now() - 10 * 60_000,
    opts,
    stepwiseRedis: wrapRedis(base.redis, { stepwise: true }),
    seq: 0,
  };
  const model = new Model();
  const trace: string[] = [];
  const fail = (msg: string): never => {
    throw new Failure(`${msg}\n--- steps (SKU #3 is the flash-sale SKU) ---\n${trace.join("\n")}`);
  };
  let saleCreated = false;
  try {
    ctx.codes = await seedSkus(
      deps,
      input.stocks.map((s) => ({ onHand: s.onHand, safety: s.safety })),
    );
    ctx.saleSku = ctx.codes[3]!;
    await api.createSale(deps, ctx.saleId, ctx.saleSku);
    saleCreated = true;
    await api.admit(deps, ctx.saleId); // scheduled -> live
    for (const [i, code] of ctx.codes.entries()) {
      const version = Number(await base.redis.hget(deps.keys.stock(code), "version"));
      model.skus.push({ code, onHand: input.stocks[i]!.onHand, safety: input.stocks[i]!.safety, version, gated: i === 3 });
    }
    trace.push(
      `setup: ${input.stocks.map((s, i) => `#${i} onHand ${s.onHand} safety ${s.safety}`).join(", ")}${opts.allStepwise ? " (all stepwise)" : ""}`,
    );
    await checkInvariants(ctx, model, fail, "after setup");

    for (const [i, op] of input.ops.entries()) {
      const line = await step(ctx, model, op, fail);
      trace.push(`${String(i + 1).padStart(2)}. ${line}`);
      await checkInvariants(ctx, model, fail, `after step ${i + 1}`);
      if (op.t === "checkout" || op.t === "slowCheckout") await checkOrders(ctx, model, fail, `after step ${i + 1}`);
    }

    // The persister drains every stream; the ledger must then equal Redis.
    await api.persist(deps);
    await checkLedger(ctx, model, fail);
    await checkOrders(ctx, model, fail, "at the end");
    if (process.env.PROPERTY_TRACE) console.log(trace.join("\n"));
  } finally {
    if (saleCreated) await api.closeSale(deps, ctx.saleId).catch(() => {});
    const stream = base.redis.scanStream({ match: `${prefix}*`, count: 500 });
    for await (const batch of stream) if ((batch as string[]).length) await base.redis.del(...(batch as string[]));
  }
}

const skuName = (ctx: Ctx, code: string) => `#${ctx.codes.indexOf(code)}`;
const linesText = (ctx: Ctx, items: { sku: string; quantity: number }[]) =>
  items.map((l) => `${skuName(ctx, l.sku)}×${l.quantity}`).join(" ");

function expectCode(fail: (m: string) => never, what: string, got: Outcome<unknown>, expected: string) {
  if (show(got) !== expected) {
    const extra = !got.ok && got.code.startsWith("thrown") ? `\n${(got.err as Error).stack ?? ""}` : "";
    fail(`${what}: expected ${expected}, got ${show(got)}${extra}`);
  }
}

async function step(ctx: Ctx, model: Model, op: Op, fail: (m: string) => never): Promise<string> {
  const n = ++ctx.seq;
  const pathName = (stepwise: boolean) => (stepwise || ctx.opts.allStepwise ? "stepwise" : "one-node");
  switch (op.t) {
    case "place":
      return (await place(ctx, model, op, n, fail)).text;

    case "retryPlace": {
      if (model.keyed.length === 0) return "retry place: (no keyed request yet)";
      const k = model.keyed[op.ref % model.keyed.length]!;
      const items = op.mutate ? k.items.map((l, i) => (i === 0 ? { ...l, quantity: l.quantity + 1 } : l)) : k.items;
      const r = k.resId ? model.res.find((x) => x.id === k.resId)! : null;
      const desc = `retry key ${k.key}${r ? ` (${r.label}, ${r.status})` : ` (refused: ${k.refusal})`}${op.mutate ? " with another body" : ""} ${pathName(op.stepwise)}`;
      const got = await attempt(
        api.place(pathDeps(ctx, op.stepwise), { sessionId: k.session, items, idempotencyKey: k.key, partial: k.partial }),
      );
      let expected: string;
      if (op.mutate) expected = "idempotency_key_reused";
      else if (!r) expected = k.refusal!;
      else if (r.status === "held" || r.status === "committed") expected = "ok";
      else if (r.status === "released" || r.status === "expired") expected = "reservation_expired";
      else expected = `(model: unexpected status ${r.status})`;
      expectCode(fail, desc, got, expected);
      if (got.ok) {
        if (got.v.id !== r!.id) fail(`${desc}: replay answered reservation ${got.v.id}, expected ${r!.id}`);
        if (!got.v.replayed) fail(`${desc}: a retry was not answered as a replay`);
        const want = [...r!.lines].map(([sku, q]) => `${sku}:${q}`).join(",");
        const have = got.v.items.map((i) => `${i.sku}:${i.quantity}`).join(",");
        if (want !== have) fail(`${desc}: replay answered items ${have}, expected ${want}`);
      }
      return `${desc} → ${show(got)}`;
    }

    case "concurrentPlace":
      return concurrentPlace(ctx, model, op, n, fail);

    case "extend": {
      if (model.res.length === 0) return "extend: (no reservation yet)";
      const r = model.res[op.ref % model.res.length]!;
      const desc = `extend ${r.label} (${r.status}${r.short ? ", due" : ""}${r.extended ? ", extended" : ""})`;
      const got = await attempt(api.extend(ctx.deps, r.session, r.id));
      const expected =
        r.status !== "held" ? "reservation_not_held" : r.short ? "reservation_expired" : r.extended ? "already_extended" : "ok";
      expectCode(fail, desc, got, expected);
      if (got.ok) r.extended = true;
      return `${desc} → ${show(got)}`;
    }

    case "release": {
      if (model.res.length === 0) return "release: (no reservation yet)";
      const r = model.res[op.ref % model.res.length]!;
      const desc = `release ${r.label} (${r.status}) ${pathName(op.stepwise)}`;
      const got = await attempt(api.release(pathDeps(ctx, op.stepwise), r.session, r.id));
      const expected = r.status === "held" || r.status === "released" ? "ok" : "reservation_not_held";
      expectCode(fail, desc, got, expected);
      if (r.status === "held") model.end(r, "released");
      return `${desc} → ${show(got)}`;
    }

    case "expire": {
      const due = model.res.filter((r) => r.short && LIVE.includes(r.status));
      const desc = `expiry sweep ${pathName(op.stepwise)} (due: ${due.map((r) => r.label).join(" ") || "none"})`;
      const got = await attempt(api.sweep(pathDeps(ctx, op.stepwise)));
      expectCode(fail, desc, got, "ok");
      const v = (got as { v: { expired: number; recovered: number } }).v;
      if (v.expired !== due.length) fail(`${desc}: the sweep expired ${v.expired}, the model expected ${due.length}`);
      for (const r of due) model.end(r, "expired");
      return `${desc} → expired ${v.expired}`;
    }

    case "checkout": {
      if (model.res.length === 0) return "checkout: (no reservation yet)";
      const r1 = model.res[op.ref % model.res.length]!;
      const others = model.res.filter((x) => x.session === r1.session && x !== r1);
      const r2 = op.ref2 !== null && others.length > 0 ? others[op.ref2 % others.length]! : null;
      const rs = r2 ? [r1, r2] : [r1];
      const desc = `checkout ${rs.map((r) => `${r.label} (${r.status}${r.short ? ", due" : ""})`).join(" + ")}`;
      const got = await attempt(
        api.checkout(
          ctx.deps,
          r1.session,
          rs.map((r) => r.id),
        ),
      );
      const sameOrder = rs.every((r) => r.status === "committed" && r.orderId) && new Set(rs.map((r) => r.orderId)).size === 1;
      let expected = "ok";
      if (!sameOrder) {
        // A reservation an earlier checkout already bought is looked at first (checkout resumes
        // that attempt's order, and refuses when this request is not exactly it), so it answers
        // "not held" even when another line of the request has expired.
        if (rs.some((r) => r.status === "committed")) expected = "reservation_not_held";
        else
          for (const r of rs) {
            if (r.status === "held" && !r.short) continue;
            expected = r.status === "held" || r.status === "expired" ? "reservation_expired" : "reservation_not_held";
            break;
          }
      }
      expectCode(fail, desc, got, expected);
      if (got.ok) {
        if (sameOrder) {
          if (got.v.orderId !== r1.orderId) fail(`${desc}: a repeated checkout answered order ${got.v.orderId}, expected ${r1.orderId}`);
        } else {
          const units = new Map<string, number>();
          for (const r of rs) {
            r.status = "committed";
            r.orderId = got.v.orderId;
            for (const [code, q] of r.lines) {
              const s = model.sku(code);
              s.onHand -= q;
              s.version++;
              model.sold.set(code, (model.sold.get(code) ?? 0) + q);
              units.set(code, (units.get(code) ?? 0) + q);
            }
          }
          model.orders.set(got.v.orderId, units);
        }
      }
      return `${desc} → ${show(got)}`;
    }

    case "slowCheckout": {
      const candidates = model.res.filter((r) => r.status === "held" && !r.short);
      if (candidates.length === 0) return "slow checkout: (no held reservation)";
      const r1 = candidates[op.ref % candidates.length]!;
      const others = candidates.filter((x) => x.session === r1.session && x !== r1);
      const r2 = op.ref2 !== null && others.length > 0 ? others[op.ref2 % others.length]! : null;
      const rs = r2 ? [r1, r2] : [r1];
      const desc = `checkout ${rs.map((r) => r.label).join(" + ")} whose order write is slow: the expiry worker (${pathName(op.stepwise)}, clock +60 s) runs meanwhile`;
      const workerPath = pathDeps(ctx, op.stepwise);
      const worker: Deps = {
        ...workerPath,
        redis: wrapRedis(ctx.base.redis, { stepwise: workerPath.redis.isCluster, timeShiftMs: WORKER_AHEAD_MS }),
      };
      const slow: Deps = { ...ctx.deps, db: slowOrderWrite(ctx.base.db, async () => void (await api.sweep(worker))) };
      const got = await attempt(
        api.checkout(
          slow,
          r1.session,
          rs.map((r) => r.id),
        ),
      );
      // The worker sees the claimed reservations as a stalled checkout with no order yet and
      // gives their units back; the order must then not be confirmed (lib/orders/orders.ts, defect 4).
      expectCode(fail, desc, got, "reservation_expired");
      for (const r of rs) model.end(r, "expired");
      for (const r of model.res) if (r.short && r.status === "held") model.end(r, "expired");
      return `${desc} → ${show(got)}`;
    }

    case "faultyEnd": {
      const candidates = model.res.filter((r) => r.status === "held" && r.short);
      let placed = "";
      if (candidates.length === 0) {
        // None due: place one first (ttl 0, so it is due at once).
        const own = await place(
          ctx,
          model,
          { t: "place", session: op.session, lines: op.lines, keyed: false, short: true, partial: false, stepwise: op.stepwise },
          n,
          fail,
        );
        if (!own.res) return `faulty end: ${own.text}, nothing to end`;
        candidates.push(own.res);
        placed = `${own.text}; then `;
      }
      const r = candidates[op.ref % candidates.length]!;
      let touching = 0;
      const real = pathDeps(ctx, op.stepwise);
      const inflight = { n: 0 };
      let fired = "";
      const faulty: Deps = {
        ...real,
        redis: wrapRedis(ctx.base.redis, {
          stepwise: real.redis.isCluster,
          inflight,
          // The (cmd+1)-th call that ends or releases this reservation fails.
          fault: (name, args) => {
            if (fired || !(FAULT_COMMANDS as readonly string[]).includes(name)) return null;
            if (!args.some((a) => typeof a === "string" && a.includes(r.id))) return null;
            if (touching++ !== op.cmd) return null;
            fired = `${name} #${op.cmd + 1}`;
            return op.when;
          },
        }),
      };
      const desc = `${placed}${op.mode === "release" ? `release ${r.label}` : "expiry sweep"} (${pathName(op.stepwise)}) with call #${op.cmd + 1} ending or releasing ${r.label} failing ${op.when} it was applied, then ${op.mode === "release" ? "the shopper retries and " : ""}the worker's sweeps over 11 s`;
      const first = await attempt<unknown>(op.mode === "release" ? api.release(faulty, r.session, r.id) : api.sweep(faulty));
      await quiesce(inflight);
      let retry = "";
      if (op.mode === "release") {
        const again = await attempt(api.release(real, r.session, r.id));
        expectCode(fail, `${desc} (the retry)`, again, "ok");
        retry = `, retry ${show(again)}`;
      }
      // The worker's sweeps over the next 11 s: an ending whose answer was lost may leave its
      // deadline entry as the durable to-do, due after STRAGGLER_GRACE_MS = 10 s (a sale claim
      // to refund, end-reservation-n.lua ARGV[9]); only ended or due reservations are that close.
      const later: Deps = { ...real, redis: wrapRedis(ctx.base.redis, { stepwise: real.redis.isCluster, timeShiftMs: TODO_GRACE_MS }) };
      const sweep = await attempt(api.sweep(later));
      expectCode(fail, `${desc} (the next sweep)`, sweep, "ok");
      if (op.mode === "release") model.end(r, "released");
      for (const x of model.res) if (x.short && x.status === "held") model.end(x, "expired");
      return `${desc} → first ${show(first)}${fired ? ` (${fired} failed)` : " (fault not reached)"}${retry}, sweep ok`;
    }

    case "adjust": {
      const code = ctx.codes[op.sku]!;
      const opId = `adj-${ctx.tag}-${n}`;
      model.adjusts.push({ opId, sku: code, delta: op.delta });
      const desc = `adjust ${skuName(ctx, code)} ${op.delta > 0 ? "+" : ""}${op.delta} (op ${n})`;
      return `${desc} → ${await applyAdjust(ctx, model, code, op.delta, opId, desc, fail)}`;
    }

    case "retryAdjust": {
      if (model.adjusts.length === 0) return "retry adjust: (no adjustment yet)";
      const a = model.adjusts[op.ref % model.adjusts.length]!;
      const delta = op.mutate ? (a.delta + 1 === 0 ? 2 : a.delta + 1) : a.delta;
      const desc = `retry adjust op ${a.opId.split("-").pop()} on ${skuName(ctx, a.sku)} ${delta > 0 ? "+" : ""}${delta}${op.mutate ? " (another delta)" : ""}`;
      return `${desc} → ${await applyAdjust(ctx, model, a.sku, delta, a.opId, desc, fail)}`;
    }

    case "safety": {
      const code = ctx.codes[op.sku]!;
      const s = model.sku(code);
      const desc = `safety ${skuName(ctx, code)} ${s.safety} → ${op.safety}`;
      const got = await attempt(api.setSafety(ctx.deps, code, op.safety));
      const expected = op.safety === s.safety ? "ok" : s.onHand < model.reserved(code) + op.safety ? "stock_below_reserved" : "ok";
      expectCode(fail, desc, got, expected);
      if (got.ok && op.safety !== s.safety) {
        s.safety = op.safety;
        s.version++;
      }
      return `${desc} → ${show(got)}`;
    }

    case "movement":
    case "count": {
      const code = ctx.codes[op.sku]!;
      const channel = ctx.channels[op.channel]!;
      const at = ctx.t0 + op.slot * 1000;
      const eventId = `${ctx.tag}-e${n}`;
      const st = model.channel(channel, code);
      const s = model.sku(code);
      const floor = Math.max(0, model.reserved(code) + s.safety);
      const desc =
        op.t === "movement"
          ? `channel ${op.channel} movement ${skuName(ctx, code)} ${op.delta > 0 ? "+" : ""}${op.delta} @${op.slot}s (${eventId.split("-").pop()})`
          : `channel ${op.channel} count ${skuName(ctx, code)} = ${op.value} @${op.slot}s (${eventId.split("-").pop()})`;
      const occurredAt = new Date(at).toISOString();
      const body =
        op.t === "movement" ? { eventId, sku: code, delta: op.delta, occurredAt } : { eventId, sku: code, onHand: op.value, occurredAt };
      model.channelEvents.push({ channel, body });
      const got = await attempt(
        op.t === "movement"
          ? api.movement(ctx.deps, channel, body as { eventId: string; sku: string; delta: number; occurredAt: string })
          : api.count(ctx.deps, channel, body as { eventId: string; sku: string; onHand: number; occurredAt: string }),
      );
      // docs/channels.md, "The rule": stale at or before the last applied count; a count is its
      // value plus the channel's later movements already applied; both refused below reserved + safety.
      if (st.countAt !== null && at <= st.countAt) {
        expectCode(fail, desc, got, "ok");
        const v = (got as { v: Awaited<ReturnType<typeof api.movement>> }).v;
        if (v.status !== "stale") fail(`${desc}: expected stale (at or before count ${st.countEvent}), got ${JSON.stringify(v)}`);
        if (v.newerThan !== st.countEvent) fail(`${desc}: stale should name ${st.countEvent}, named ${v.newerThan}`);
        return `${desc} → stale`;
      }
      const later = op.t === "count" ? st.movements.filter((m) => m.at > at).reduce((sum, m) => sum + m.delta, 0) : 0;
      const target = op.t === "movement" ? s.onHand + op.delta : op.value + later;
      if (target < floor) {
        expectCode(fail, desc, got, "stock_below_reserved");
        return `${desc} → stock_below_reserved`;
      }
      expectCode(fail, desc, got, "ok");
      const v = (got as { v: Awaited<ReturnType<typeof api.movement>> }).v;
      if (v.status !== "applied" || v.onHand !== target) fail(`${desc}: expected applied with onHand ${target}, got ${JSON.stringify(v)}`);
      if (op.t === "movement") st.movements.push({ at, delta: op.delta });
      else {
        st.countAt = at;
        st.countEvent = eventId;
        st.movements = st.movements.filter((m) => m.at > at);
      }
      if (target !== s.onHand) {
        s.onHand = target;
        s.version++;
      }
      return `${desc} → onHand ${target}`;
    }

    case "retryChannel": {
      if (model.channelEvents.length === 0) return "retry channel event: (none sent yet)";
      const e = model.channelEvents[op.ref % model.channelEvents.length]!;
      const desc = `re-deliver channel event ${e.body.eventId.split("-").pop()}`;
      const got = await attempt(
        e.body.onHand === undefined
          ? api.movement(ctx.deps, e.channel, e.body as { eventId: string; sku: string; delta: number; occurredAt: string })
          : api.count(ctx.deps, e.channel, e.body as { eventId: string; sku: string; onHand: number; occurredAt: string }),
      );
      expectCode(fail, desc, got, "ok");
      const v = (got as { v: Awaited<ReturnType<typeof api.movement>> }).v;
      if (v.status !== "duplicate") fail(`${desc}: expected duplicate, got ${JSON.stringify(v)}`);
      return `${desc} → duplicate`;
    }

    case "saleBuy": {
      const session = ctx.saleSessions[op.shopper]!;
      const join = await attempt(api.join(ctx.deps, ctx.saleId, session));
      for (let i = 0; i < 5; i++) {
        const tick = await api.admit(ctx.deps, ctx.saleId);
        if (!tick || !tick.changed) break;
      }
      const token = await attempt(api.token(ctx.deps, ctx.saleId, session));
      const desc = `flash-sale shopper ${op.shopper} buys ${op.qty}${op.short ? " (ttl 0)" : ""}`;
      if (!token.ok || !token.v) return `${desc} → not admitted (join ${show(join)})`;
      const label = `R${n}`;
      const got = await attempt(
        api.place(pathDeps(ctx, false, op.short), {
          sessionId: session,
          items: [{ sku: ctx.saleSku, quantity: op.qty }],
          queueToken: token.v,
        }),
      );
      const units = model.ticketUnits(session);
      const expected =
        units + op.qty > SALE_LIMIT ? "sale_limit_reached" : model.available(ctx.saleSku) < op.qty ? "insufficient_stock" : "ok";
      expectCode(fail, `${desc} as ${label} (ticket has ${units})`, got, expected);
      if (got.ok) {
        model.res.push({
          id: got.v.id,
          label,
          session,
          status: "held",
          lines: new Map([[ctx.saleSku, op.qty]]),
          short: op.short,
          extended: false,
          orderId: null,
          saleSession: session,
        });
        model.sku(ctx.saleSku).version++;
      }
      return `${desc} as ${label} (ticket has ${units}) → ${show(got)}`;
    }

    case "rebuild": {
      const got = await attempt(api.rebuild(ctx.deps, ctx.codes));
      expectCode(fail, "rebuild from the ledger", got, "ok");
      return `rebuild from the ledger → ${got.ok ? JSON.stringify(got.v) : ""}`;
    }
  }
}

type PlaceOp = Extract<Op, { t: "place" }>;

/** Place a reservation through the real API and the model; the model's reservation when it is held. */
async function place(
  ctx: Ctx,
  model: Model,
  op: PlaceOp,
  n: number,
  fail: (m: string) => never,
): Promise<{ text: string; res: MRes | null }> {
  const stepwise = op.stepwise || ctx.opts.allStepwise;
  const session = ctx.sessions[op.session]!;
  const items = op.lines.map((l) => ({ sku: ctx.codes[l.sku]!, quantity: l.qty }));
  const merged = merge(items);
  const keyed = op.keyed && !op.short;
  const key = keyed ? `k${n}` : null;
  const partial = op.partial && merged.length === 1;
  const pred = predictPlace(model, merged, partial);
  const label = `R${n}`;
  const desc = `place ${label} ${session.slice(0, 2)} [${linesText(ctx, items)}]${keyed ? ` key ${key}` : ""}${op.short ? " ttl 0" : ""}${partial ? " partial" : ""} ${stepwise ? "stepwise" : "one-node"}`;
  const got = await attempt(
    api.place(pathDeps(ctx, op.stepwise, op.short), { sessionId: session, items, idempotencyKey: key, partial: op.partial }),
  );
  if (pred.ok) {
    expectCode(fail, desc, got, "ok");
    const v = (got as { v: Awaited<ReturnType<typeof api.place>> }).v;
    const heldGot = v.items.map((i) => `${i.sku}:${i.quantity}`).join(",");
    const heldWant = pred.held.map((i) => `${i.sku}:${i.quantity}`).join(",");
    if (heldGot !== heldWant) fail(`${desc}: held ${heldGot}, model expected ${heldWant}`);
    const res: MRes = {
      id: v.id,
      label,
      session,
      status: "held",
      lines: new Map(pred.held.map((l) => [l.sku, l.quantity])),
      short: op.short,
      extended: false,
      orderId: null,
      saleSession: null,
    };
    model.res.push(res);
    for (const l of pred.held) model.sku(l.sku).version++;
    if (key) model.keyed.push({ session, key, items, partial: op.partial, resId: v.id, refusal: null });
    return { text: `${desc} → held [${linesText(ctx, pred.held)}]`, res };
  }
  expectCode(fail, desc, got, pred.code);
  // The stepwise path holds the lines it can and gives them back: a hold and a release each.
  if (stepwise) for (const code of pred.reservable) model.sku(code).version += 2;
  if (key) model.keyed.push({ session, key, items, partial: op.partial, resId: null, refusal: pred.code });
  return { text: `${desc} → ${pred.code}`, res: null };
}

async function applyAdjust(
  ctx: Ctx,
  model: Model,
  code: string,
  delta: number,
  opId: string,
  desc: string,
  fail: (m: string) => never,
): Promise<string> {
  const s = model.sku(code);
  const fingerprint = `${delta > 0 ? "restock" : "adjust"}:${delta}`;
  const prior = model.opRecords.get(opId);
  const got = await attempt(api.adjust(ctx.deps, code, delta, opId));
  // adjust-4.lua: an operation id applied once answers its first reply again; another change
  // under it is refused; a refused first attempt is not recorded (its retry is a new attempt).
  if (prior !== undefined) {
    expectCode(fail, desc, got, prior === fingerprint ? "ok" : "idempotency_key_reused");
    return `${show(got)} (already applied: nothing changes)`;
  }
  const floor = Math.max(0, model.reserved(code) + s.safety);
  const expected = s.onHand + delta < floor ? "stock_below_reserved" : "ok";
  expectCode(fail, desc, got, expected);
  if (got.ok) {
    s.onHand += delta;
    s.version++;
    model.opRecords.set(opId, fingerprint);
    if (got.v.onHand !== s.onHand) fail(`${desc}: answered onHand ${got.v.onHand}, model ${s.onHand}`);
  }
  return show(got);
}

async function concurrentPlace(
  ctx: Ctx,
  model: Model,
  op: Extract<Op, { t: "concurrentPlace" }>,
  n: number,
  fail: (m: string) => never,
): Promise<string> {
  const session = ctx.sessions[op.session]!;
  const items = op.lines.map((l) => ({ sku: ctx.codes[l.sku]!, quantity: l.qty }));
  const merged = merge(items);
  const key = `k${n}`;
  const label = `R${n}`;
  const held = model.res.filter((r) => r.status === "held");
  const releases = new Set<MRes>();
  const clock = new CommandClock();
  const parts: string[] = [];
  type MemberRun = { member: Member; target?: MRes; run: () => Promise<unknown>; startAfter: number };
  const runs: MemberRun[] = [];
  for (const m of op.members) {
    const stepwise = m.kind !== "restock" && (m.stepwise || ctx.opts.allStepwise);
    const d: Deps = { ...ctx.deps, redis: wrapRedis(ctx.base.redis, { stepwise, onCall: clock.onCall }), holdTtlSeconds: LONG_TTL };
    if (m.kind === "dup") {
      parts.push(`place ${stepwise ? "stepwise" : "one-node"} @${m.startAfter}`);
      runs.push({ member: m, startAfter: m.startAfter, run: () => api.place(d, { sessionId: session, items, idempotencyKey: key }) });
    } else if (m.kind === "restock") {
      const code = ctx.codes[m.sku]!;
      parts.push(`restock ${skuName(ctx, code)} +${m.delta} @${m.startAfter}`);
      const opId = `adj-${ctx.tag}-${n}-${runs.length}`;
      runs.push({ member: m, startAfter: m.startAfter, run: () => api.adjust(d, code, m.delta, opId) });
    } else {
      const free = held.filter((r) => !releases.has(r));
      if (free.length === 0) continue;
      const target = free[m.ref % free.length]!;
      releases.add(target);
      parts.push(`release ${target.label} ${stepwise ? "stepwise" : "one-node"} @${m.startAfter}`);
      runs.push({ member: m, target, startAfter: m.startAfter, run: () => api.release(d, target.session, target.id) });
    }
  }
  const availStart = new Map(merged.map((l) => [l.sku, model.available(l.sku)]));
  const desc = `concurrently [${parts.join(", ")}] for ${label} ${session.slice(0, 2)} [${linesText(ctx, items)}] key ${key}`;
  const results = await clock.run(runs);

  const increases = new Map<string, number>();
  const summary: string[] = [];
  let placed: { id: string; items: { sku: string; quantity: number }[] } | null = null;
  const placeCodes: string[] = [];
  for (const [i, r] of results.entries()) {
    const m = runs[i]!.member;
    const outcome: Outcome<unknown> = r.status === "fulfilled" ? { ok: true, v: r.value } : await attempt(Promise.reject(r.reason));
    summary.push(show(outcome));
    if (m.kind === "restock") {
      expectCode(fail, `${desc}: the restock`, outcome, "ok");
      const code = ctx.codes[m.sku]!;
      model.sku(code).onHand += m.delta;
      increases.set(code, (increases.get(code) ?? 0) + m.delta);
    } else if (m.kind === "release") {
      const target = runs[i]!.target!;
      expectCode(fail, `${desc}: the release of ${target.label}`, outcome, "ok");
      target.status = "released";
      for (const [code, q] of target.lines) increases.set(code, (increases.get(code) ?? 0) + q);
    } else if (outcome.ok) {
      const v = outcome.v as { id: string; items: { sku: string; quantity: number }[] };
      if (placed && placed.id !== v.id) fail(`${desc}: two retries of one key answered two reservations, ${placed.id} and ${v.id}`);
      placed = v;
    } else {
      placeCodes.push(outcome.code);
    }
  }
  const text = `${desc} → ${summary.join(" / ")}`;
  for (const c of placeCodes) {
    if (c !== "request_in_progress" && c !== "insufficient_stock") fail(`${text}: a retry failed with ${c}`);
  }
  if (placed && placeCodes.includes("insufficient_stock")) {
    const id = placed.id;
    const status = await ctx.base.redis.hget(ctx.deps.keys.reservation(id), "status");
    const holds = await Promise.all(
      merged.map(async (l) => `${skuName(ctx, l.sku)}×${(await ctx.base.redis.hget(ctx.deps.keys.holds(l.sku), id)) ?? 0}`),
    );
    fail(
      `${text}: one retry was told insufficient_stock while another was answered the reservation (${id}: ${status}, holding ${holds.join(" ")} of ${linesText(ctx, merged)})`,
    );
  }
  const sufficedAtStart = merged.every((l) => availStart.get(l.sku)! >= l.quantity);
  const shortAtEnd = merged.some((l) => availStart.get(l.sku)! + (increases.get(l.sku) ?? 0) < l.quantity);
  if (placed) {
    const status = await ctx.base.redis.hget(ctx.deps.keys.reservation(placed.id), "status");
    if (status !== "held") fail(`${text}: answered reservation ${placed.id} but its record is ${status}`);
    const have = placed.items.map((i) => `${i.sku}:${i.quantity}`).join(",");
    const want = merged.map((i) => `${i.sku}:${i.quantity}`).join(",");
    if (have !== want) fail(`${text}: answered items ${have}, asked for ${want}`);
    if (shortAtEnd) fail(`${text}: placed although the stock never sufficed`);
    model.res.push({
      id: placed.id,
      label,
      session,
      status: "held",
      lines: new Map(merged.map((l) => [l.sku, l.quantity])),
      short: false,
      extended: false,
      orderId: null,
      saleSession: null,
    });
    model.keyed.push({ session, key, items, partial: false, resId: placed.id, refusal: null });
  } else {
    if (!placeCodes.includes("insufficient_stock")) fail(`${text}: no retry succeeded and none was refused`);
    if (sufficedAtStart) fail(`${text}: refused although the stock sufficed before any of it ran`);
    model.keyed.push({ session, key, items, partial: false, resId: null, refusal: "insufficient_stock" });
  }
  // A retry that held a line after another request ended the reservation ("failed") leaves
  // that line to the expiry worker: the ending kept the deadline entry, due after
  // STRAGGLER_GRACE_MS = 10 s (lib/reservations/end.ts, end-reservation-n.lua ARGV[9]). That is
  // the documented promise (invariant 5b: "or a durable to-do"), so such units are accepted
  // only with that to-do in place, and the worker's sweep 11 s later must return them.
  const stragglers = await stragglerHolds(ctx);
  let after = "";
  // Since the fix in placeReservation's rollback, every request that took a line gives it back
  // when it finds the reservation ended by another: without a crash there are no stragglers.
  if (stragglers.size > 0 && process.env.PROPERTY_ALLOW_STRAGGLERS !== "1") {
    fail(
      `${text}: ended reservation(s) still hold ${[...stragglers.entries()].map(([id, w]) => `${id}: ${w}`).join("; ")} after every request returned`,
    );
  }
  if (stragglers.size > 0) {
    const now = Number((await ctx.base.redis.time())[0]) * 1000;
    for (const [id, where] of stragglers) {
      const due = await ctx.base.redis.zscore(ctx.deps.keys.holdDeadlines, id);
      if (due === null || Number(due) > now + TODO_GRACE_MS) {
        fail(
          `${text}: ended reservation ${id} still holds ${where} with no to-do for the expiry worker (deadline entry ${due ?? "missing"})`,
        );
      }
    }
    const d = pathDeps(ctx, false);
    const worker: Deps = { ...d, redis: wrapRedis(ctx.base.redis, { stepwise: d.redis.isCluster, timeShiftMs: TODO_GRACE_MS }) };
    expectCode(fail, `${text}: the worker's sweep 11 s later`, await attempt(api.sweep(worker)), "ok");
    for (const x of model.res) if (x.short && x.status === "held") model.end(x, "expired");
    after = ` (straggler units ${[...stragglers.values()].join(", ")} of an ended reservation: returned by the worker's sweep 11 s later)`;
  }
  // How many events a concurrent group emits depends on its interleaving: re-read versions.
  for (const s of model.skus) s.version = Number(await ctx.base.redis.hget(ctx.deps.keys.stock(s.code), "version"));
  return `${text}${placed ? ` → ${label} held` : ` → refused`}${after}`;
}

/** Units held by reservations that are no longer live: id -> "#i×q ...". */
async function stragglerHolds(ctx: Ctx): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const code of ctx.codes) {
    for (const [id, q] of Object.entries(await ctx.base.redis.hgetall(ctx.deps.keys.holds(code)))) {
      const status = await ctx.base.redis.hget(ctx.deps.keys.reservation(id), "status");
      if (status && LIVE.includes(status as Status)) continue;
      out.set(id, `${out.get(id) ? `${out.get(id)} ` : ""}${skuName(ctx, code)}×${q}`);
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// The checks.

async function checkInvariants(ctx: Ctx, model: Model, fail: (m: string) => never, when: string): Promise<void> {
  const r = ctx.base.redis;
  const k = ctx.deps.keys;
  const problems: string[] = [];
  const statusOf = new Map<string, string | null>();
  const ids = new Set(model.res.map((x) => x.id));
  const holdsBySku = new Map<string, Record<string, string>>();
  const stockBySku = new Map<string, Record<string, string>>();
  for (const s of model.skus) {
    stockBySku.set(s.code, await r.hgetall(k.stock(s.code)));
    const holds = await r.hgetall(k.holds(s.code));
    holdsBySku.set(s.code, holds);
    for (const id of Object.keys(holds)) ids.add(id);
  }
  const pipe = r.pipeline();
  for (const id of ids) pipe.hget(k.reservation(id), "status");
  const replies = (await pipe.exec()) ?? [];
  [...ids].forEach((id, i) => statusOf.set(id, (replies[i]?.[1] as string | null) ?? null));
  const labelOf = (id: string) => model.res.find((x) => x.id === id)?.label ?? `unknown reservation ${id}`;

  for (const s of model.skus) {
    const name = skuName(ctx, s.code);
    const stock = stockBySku.get(s.code)!;
    const holds = holdsBySku.get(s.code)!;
    const onHand = Number(stock.onHand);
    const reserved = Number(stock.reserved);
    const safety = Number(stock.safety);
    const version = Number(stock.version);
    const sumHolds = Object.values(holds).reduce((a, q) => a + Number(q), 0);
    // The engine's own bookkeeping: the counter is the sum of the holds hash.
    if (reserved !== sumHolds) problems.push(`${name}: reserved ${reserved} but its holds hash sums to ${sumHolds}`);
    // No ended reservation keeps units (invariant 5b).
    for (const [id, q] of Object.entries(holds)) {
      const st = statusOf.get(id);
      if (!st || !LIVE.includes(st as Status)) problems.push(`${name}: ${labelOf(id)} is ${st ?? "gone"} but still holds ${q} unit(s)`);
    }
    // Every live reservation of the model holds exactly its units, and nothing else is held.
    const want = new Map<string, number>();
    for (const x of model.res) if (LIVE.includes(x.status) && x.lines.has(s.code)) want.set(x.id, x.lines.get(s.code)!);
    for (const [id, q] of want) {
      if (Number(holds[id] ?? 0) !== q) problems.push(`${name}: ${labelOf(id)} should hold ${q}, holds ${holds[id] ?? 0}`);
    }
    for (const [id, q] of Object.entries(holds))
      if (!want.has(id)) problems.push(`${name}: ${labelOf(id)} holds ${q} the model does not expect`);
    if (reserved !== model.reserved(s.code)) problems.push(`${name}: reserved ${reserved}, model ${model.reserved(s.code)}`);
    if (onHand !== s.onHand) problems.push(`${name}: onHand ${onHand}, model ${s.onHand}`);
    if (safety !== s.safety) problems.push(`${name}: safety ${safety}, model ${s.safety}`);
    if (version !== s.version) problems.push(`${name}: version ${version}, model ${s.version} (events emitted ≠ changes made)`);
    // Invariant 1 of ../shared/DESIGN.md, as docs/reliability.md "Never oversell" promises it:
    // reserved ≤ onHand − safety at all times. Holds check it atomically (reserve-3.lua,
    // place-reservations-n.lua), and every script that lowers onHand or raises safety —
    // adjust-4, channel-report-6, set-stock-4 (setSafetyStock re-checks under WATCH) — refuses
    // a change below reserved + safety instead of clamping. No path of this engine is allowed
    // to leave reserved > onHand − safety, so it is asserted after every step, not only after
    // steps that could only lower reserved.
    if (reserved > onHand - safety) problems.push(`${name}: reserved ${reserved} > onHand ${onHand} − safety ${safety} (oversold)`);
  }
  for (const x of model.res) {
    const st = statusOf.get(x.id);
    if (st !== x.status) problems.push(`${x.label}: status ${st ?? "gone"}, model ${x.status}`);
  }
  // Flash sale: each ticket's units and the claims hash follow the sale reservations.
  const keys = k.sale(ctx.saleId);
  const claims = await r.hgetall(keys.claims);
  const wantClaims = new Map<string, string>();
  for (const x of model.res) {
    if (x.saleSession && (LIVE.includes(x.status) || x.status === "committed")) {
      wantClaims.set(x.id, `${ticketFor(ctx.saleId, x.saleSession)} ${[...x.lines.values()].reduce((a, b) => a + b, 0)}`);
    }
  }
  for (const [id, c] of wantClaims)
    if (claims[id] !== c) problems.push(`sale claims: ${labelOf(id)} should claim "${c}", has ${claims[id] ?? "nothing"}`);
  for (const id of Object.keys(claims))
    if (!wantClaims.has(id))
      problems.push(
        `sale claims: ${labelOf(id)} (${statusOf.get(id) ?? model.res.find((x) => x.id === id)?.status}) still claims ${claims[id]}`,
      );
  for (const session of ctx.saleSessions) {
    const raw = await r.hget(keys.tickets, ticketFor(ctx.saleId, session));
    const units = raw ? Number((JSON.parse(raw) as { u?: number }).u ?? 0) : 0;
    if (units !== model.ticketUnits(session))
      problems.push(`sale ticket of shopper ${ctx.saleSessions.indexOf(session)}: ${units} unit(s), model ${model.ticketUnits(session)}`);
  }
  if (problems.length) fail(`${when}:\n  ${problems.join("\n  ")}`);
}

/** Confirmed orders in Postgres are exactly the units sold (no order confirmed whose units went back). */
async function checkOrders(ctx: Ctx, model: Model, fail: (m: string) => never, when: string): Promise<void> {
  const orders = await ctx.base.db.order.findMany({
    where: { sessionId: { in: [...ctx.sessions, ...ctx.saleSessions] } },
    include: { lines: true },
  });
  const problems: string[] = [];
  const confirmed = new Map<string, number>();
  for (const o of orders) {
    if (o.status === "pending") problems.push(`order ${o.number} is still pending after its checkout answered`);
    if (o.status !== "confirmed") continue;
    if (!model.orders.has(o.id)) problems.push(`order ${o.number} is confirmed but its checkout did not succeed in the model`);
    for (const l of o.lines) confirmed.set(l.sku, (confirmed.get(l.sku) ?? 0) + l.quantity);
  }
  for (const s of model.skus) {
    const c = confirmed.get(s.code) ?? 0;
    const sold = model.sold.get(s.code) ?? 0;
    if (c !== sold) problems.push(`${skuName(ctx, s.code)}: confirmed orders hold ${c} unit(s), ${sold} were sold`);
  }
  if (problems.length) fail(`orders ${when}:\n  ${problems.join("\n  ")}`);
}

/** After the persister drained every stream: the ledger's last event per SKU equals Redis, one event per version. */
async function checkLedger(ctx: Ctx, model: Model, fail: (m: string) => never): Promise<void> {
  const problems: string[] = [];
  for (const s of model.skus) {
    const name = skuName(ctx, s.code);
    const stock = await ctx.base.redis.hgetall(ctx.deps.keys.stock(s.code));
    const rows = await ctx.base.db.inventoryEvent.findMany({
      where: { sku: s.code },
      orderBy: { version: "asc" },
      select: { version: true, onHand: true, reserved: true, safety: true },
    });
    const version = Number(stock.version);
    if (rows.length !== version) problems.push(`${name}: ${rows.length} ledger events, Redis version ${version}`);
    rows.forEach((row, i) => {
      if (row.version !== i + 1) problems.push(`${name}: ledger event #${i + 1} has version ${row.version}`);
    });
    const last = rows.at(-1);
    if (!last) {
      problems.push(`${name}: no ledger event`);
      continue;
    }
    for (const f of ["onHand", "reserved", "safety"] as const) {
      if (last[f] !== Number(stock[f])) problems.push(`${name}: ledger ${f} ${last[f]}, Redis ${stock[f]}`);
    }
    if (Number(stock.persisted) !== version) problems.push(`${name}: persisted cursor ${stock.persisted}, version ${version}`);
  }
  if (problems.length) fail(`ledger after the persister drained:\n  ${problems.join("\n  ")}`);
}
