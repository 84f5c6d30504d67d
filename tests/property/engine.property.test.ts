// Model-based property test of the stock engine against real Redis and Postgres (from the
// global setup): random sequences of holds (one- and multi-line, keyed, partial, due at once),
// retries with the same Idempotency-Key (one after the other, and concurrently with restocks
// and releases in a chosen interleaving), extensions, releases, expiry sweeps, checkouts (also
// one whose order write is slow enough for the expiry worker to step in), releases and sweeps
// with one Redis call failing, merchandiser adjustments and their retries under one operation
// id, safety stock, sales-channel movements and counts arriving out of order (and re-delivered),
// flash-sale purchases under admission tokens, and rebuilds from the ledger. After every step
// Redis is compared with a plain in-memory model (tests/property/engine-model.ts); at the end
// the persister drains the streams and the Postgres ledger must equal Redis.
//
// CI: PROPERTY_RUNS (default 25) cases of up to PROPERTY_STEPS (default 30) steps on mixed paths,
// plus a third as many with every operation on the stepwise (Cluster) path.
// Replay: PROPERTY_SEED=<seed> [PROPERTY_PATH=<path>] (both printed on failure).
// Narrow down: PROPERTY_OPS=place,retryPlace,adjust (operation kinds, see ALL_OP_KINDS).
import fc from "fast-check";
import { afterAll, describe, it } from "vitest";
import { testDeps } from "../helpers";
import { ALL_OP_KINDS, caseArbitrary, runCase, type OpKind } from "./engine-model";

const base = testDeps();
afterAll(() => base.close());

const runs = Number(process.env.PROPERTY_RUNS ?? 25);
const maxSteps = Number(process.env.PROPERTY_STEPS ?? 30);
const seed = process.env.PROPERTY_SEED ? Number(process.env.PROPERTY_SEED) : (Date.now() ^ (Math.random() * 0x7fffffff)) | 0;
const path = process.env.PROPERTY_PATH || undefined;
const kinds = process.env.PROPERTY_OPS
  ? (process.env.PROPERTY_OPS.split(",")
      .map((s) => s.trim())
      .filter(Boolean) as OpKind[])
  : ALL_OP_KINDS;
for (const k of kinds)
  if (!ALL_OP_KINDS.includes(k)) throw new Error(`PROPERTY_OPS: unknown operation ${k} (known: ${ALL_OP_KINDS.join(", ")})`);

// Generous per-case allowance: a failing case is shrunk, which replays it many times.
const timeout = (n: number) => 120_000 + n * 4_000;

describe("the stock engine against a model (fast-check)", () => {
  it(
    `random operations keep Redis, the model and the ledger in agreement (${runs} runs × ≤${maxSteps} steps, mixed paths)`,
    async () => {
      console.log(
        `[property] mixed paths: seed=${seed}${path ? ` path=${path}` : ""} runs=${runs} steps≤${maxSteps} ops=${kinds.join(",")}`,
      );
      await fc.assert(
        fc.asyncProperty(caseArbitrary({ maxSteps, kinds }), (input) => runCase(base, input, { allStepwise: false })),
        { numRuns: runs, seed, path },
      );
    },
    timeout(runs),
  );

  const stepwiseRuns = Math.max(1, Math.ceil(runs / 3));
  it(
    `the same on the stepwise (Redis Cluster) path for every operation (${stepwiseRuns} runs)`,
    async () => {
      const s = (seed + 1) | 0;
      console.log(`[property] all stepwise: seed=${s}${path ? ` path=${path}` : ""} runs=${stepwiseRuns} steps≤${maxSteps}`);
      await fc.assert(
        fc.asyncProperty(caseArbitrary({ maxSteps, kinds }), (input) => runCase(base, input, { allStepwise: true })),
        { numRuns: stepwiseRuns, seed: s, path },
      );
    },
    timeout(stepwiseRuns),
  );
});
