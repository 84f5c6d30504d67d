// Wrappers around the real Redis and Postgres clients for the model-based property test
// (tests/property/engine.property.test.ts). None of them changes what a command does: they
// force lib/'s stepwise (Cluster) code path, count and order the commands of a concurrent
// group, fail one chosen call, or let a worker read a clock 60 s ahead.
import type { Redis } from "ioredis";
import type { Deps } from "../../lib/core/deps";

type AnyFn = (...args: unknown[]) => unknown;

function isThenable(v: unknown): v is PromiseLike<unknown> {
  return typeof v === "object" && v !== null && typeof (v as { then?: unknown }).then === "function";
}

export interface CallHooks {
  /** Force the stepwise code path (lib/ takes it when `redis.isCluster`). */
  stepwise?: boolean;
  /** Called synchronously when a command is issued (before it is sent). */
  onCall?: (name: string, args: unknown[]) => void;
  /**
   * Decide a fault for this call: "before" fails it without sending it, "after" sends it
   * (Redis applies it) and then fails the answer, as a connection lost mid-reply would.
   */
  fault?: (name: string, args: unknown[]) => "before" | "after" | null;
  /** Replace Redis's clock as this client reads it (TIME), e.g. to look 60 s ahead. */
  timeShiftMs?: number;
  /** Commands issued through this wrapper that have not answered yet. */
  inflight?: { n: number };
}

/** The real client seen through `hooks`. Synchronous methods (multi, pipeline) stay synchronous. */
export function wrapRedis(real: Redis, hooks: CallHooks): Redis {
  return new Proxy(real, {
    get(target, prop, receiver) {
      if (prop === "isCluster") return hooks.stepwise ? true : target.isCluster;
      const value = Reflect.get(target, prop, receiver) as unknown;
      if (typeof value !== "function") return value;
      const fn = value as AnyFn;
      if (typeof prop !== "string") return fn.bind(target);
      if (prop === "time" && hooks.timeShiftMs) {
        return async () => {
          const [s, us] = await (fn.apply(target, []) as Promise<[string, string]>);
          const ms = Number(s) * 1000 + Math.floor(Number(us) / 1000) + hooks.timeShiftMs!;
          return [String(Math.floor(ms / 1000)), String((ms % 1000) * 1000)];
        };
      }
      return (...args: unknown[]) => {
        hooks.onCall?.(prop, args);
        const fault = hooks.fault?.(prop, args) ?? null;
        if (fault === "before") return Promise.reject(new Error(`injected fault: ${prop} failed before it was sent`));
        const result = fn.apply(target, args);
        if (!isThenable(result)) return result;
        const inflight = hooks.inflight;
        if (inflight) inflight.n++;
        return Promise.resolve(result).then(
          (v) => {
            if (inflight) inflight.n--;
            if (fault === "after") throw new Error(`injected fault: ${prop} was applied but its answer was lost`);
            return v;
          },
          (e: unknown) => {
            if (inflight) inflight.n--;
            throw e;
          },
        );
      };
    },
  });
}

/** Resolve once no command issued through a wrapper with this counter is still in flight. */
export async function quiesce(inflight: { n: number }, maxTicks = 5000): Promise<void> {
  let calm = 0;
  for (let i = 0; i < maxTicks; i++) {
    await new Promise((r) => setImmediate(r));
    calm = inflight.n === 0 ? calm + 1 : 0;
    if (calm >= 3) return;
  }
  throw new Error("commands still in flight after the fault (the harness cannot tell when they end)");
}

/**
 * The Postgres client with `db.order.create` preceded, once, by `before()`: stands for an
 * order write slow enough that the expiry worker sees the checkout as stalled.
 */
export function slowOrderWrite(db: Deps["db"], before: () => Promise<void>): Deps["db"] {
  let fired = false;
  return new Proxy(db, {
    get(target, prop) {
      const value = Reflect.get(target, prop, target) as unknown;
      if (prop === "order" && typeof value === "object" && value !== null) {
        return new Proxy(value as object, {
          get(order, p) {
            const v = Reflect.get(order, p, order) as unknown;
            if (typeof v !== "function") return v;
            if (p !== "create") return (v as AnyFn).bind(order);
            return async (...args: unknown[]) => {
              if (!fired) {
                fired = true;
                await before();
              }
              return (v as AnyFn).apply(order, args);
            };
          },
        });
      }
      return typeof value === "function" ? (value as AnyFn).bind(target) : value;
    },
  });
}

/**
 * Runs members of a concurrent group, each started right after the group's k-th command was
 * issued (k = its `startAfter`; 0 = at once), so an interleaving is chosen by the generated
 * input and replays the same way: every member uses one Redis connection, whose answers come
 * back in order. A member whose k is never reached starts when every started member settled.
 */
export class CommandClock {
  private n = 0;
  private waiters: { k: number; resolve: () => void }[] = [];
  readonly onCall = () => {
    this.n++;
    this.release((w) => this.n >= w.k);
  };

  private release(pred: (w: { k: number }) => boolean) {
    const ready = this.waiters.filter(pred);
    this.waiters = this.waiters.filter((w) => !ready.includes(w));
    for (const w of ready) w.resolve();
  }

  async run<T>(members: { startAfter: number; run: () => Promise<T> }[]): Promise<PromiseSettledResult<T>[]> {
    let started = 0;
    let settled = 0;
    const kick = () => {
      if (settled === started && this.waiters.length > 0) {
        const min = Math.min(...this.waiters.map((w) => w.k));
        const first = this.waiters.find((w) => w.k === min)!;
        this.release((w) => w === first);
      }
    };
    const runs = members.map((m) => {
      const gate =
        m.startAfter <= this.n ? Promise.resolve() : new Promise<void>((resolve) => this.waiters.push({ k: m.startAfter, resolve }));
      return gate
        .then(() => {
          started++;
          return m.run();
        })
        .then(
          (value): PromiseSettledResult<T> => ({ status: "fulfilled", value }),
          (reason: unknown): PromiseSettledResult<T> => ({ status: "rejected", reason }),
        )
        .finally(() => {
          settled++;
          // Let the settled member's continuations issue their commands before deciding.
          setImmediate(kick);
        });
    });
    setImmediate(kick);
    return Promise.all(runs);
  }
}

export const sleepTick = () => new Promise<void>((r) => setImmediate(r));
