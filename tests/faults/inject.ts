// Fault injection around the REAL servers: a wrapper over a real ioredis client and a real
// Prisma client that counts every call, and makes a chosen one fail, hang, stall, be re-sent or
// "kill the process" — optionally after the real call was executed (the write happened, the
// reply was lost: what an ioredis reconnect or a dying process looks like to the caller).
//
// What one "call" (one step) is:
// - Redis: one command or one custom script (`swX`) sent on the client or on any connection it
//   `duplicate()`s (the WATCH connection of setSafetyStock, the rate limiter's store client).
// - A `multi()` or `pipeline()` is ONE step, counted at its `exec()` and named "multi" /
//   "pipeline" with the queued commands as `detail`. A MULTI is atomic, so that is exact. A
//   plain pipeline's commands are sent together but applied one by one; a pipeline half
//   applied when a connection drops is NOT modelled (its steps are either all applied —
//   "fail-after" — or none — "fail").
// - Prisma: one model call (`db.order.create`), one `$queryRaw`/`$executeRaw`, counted when it is
//   executed (a PrismaPromise is lazy: at its first `then`). A `$transaction` is ONE step, both
//   forms: the array form (its queries are not counted apart) and the interactive form (the
//   calls on `tx` are not counted; Redis calls made inside the callback ARE counted, they are not
//   part of the Postgres transaction). "fail-after" on a `$transaction` means it committed.
// - "resend" duplicates Redis commands only (Prisma and pg never re-send a query by themselves);
//   on a pipeline or a Prisma call it behaves as a normal call.
//
// Usage:
//   const inj = new FaultInjector([{ at: 3, mode: "fail-after" }]);
//   const faulty = inj.deps(realDeps, { stepwise: true });  // stepwise: isCluster = true
//   await op(faulty);  inj.calls  // the trace
import type { Redis } from "ioredis";
import type { Deps } from "../../lib/core/deps";

type Db = Deps["db"];

export type FaultMode =
  /** Refused before it reaches the server: nothing written, the caller gets an error. */
  | "fail"
  /** Executed, then the reply is lost: written, and the caller gets an error. */
  | "fail-after"
  /** Never sent, never answered (this call only; concurrent calls of the same operation go on). */
  | "hang"
  /** Executed, never answered. */
  | "hang-after"
  /** The process dies just before this call: neither it nor any later call of this injector happens. */
  | "die"
  /** The process dies right after this call was applied. */
  | "die-after"
  /** Held back until `release()`, then sent (a slow process: GC pause, slow network, busy pool). */
  | "stall"
  /** Executed now, its reply delivered only at `release()` (resolves after the caller's peers moved on). */
  | "stall-after"
  /** Sent twice, as ioredis re-sends an unanswered command after a reconnect; the caller gets the second reply. */
  | "resend";

export const FAULT_MODES: readonly FaultMode[] = [
  "fail",
  "fail-after",
  "hang",
  "hang-after",
  "die",
  "die-after",
  "stall",
  "stall-after",
  "resend",
];

/** Modes after which the operation never continues by itself. */
export const TERMINAL_MODES: ReadonlySet<FaultMode> = new Set(["hang", "hang-after", "die", "die-after"]);

export interface CallInfo {
  /** 1-based, over Redis and Postgres together, in the order the calls were issued. */
  index: number;
  target: "redis" | "db";
  /** `swRelease`, `zadd`, `multi`, `pipeline`, `db.order.create`, `db.$transaction`, `db.$queryRaw`… */
  name: string;
  /** True when the call can change state (see isRedisWrite / isDbWrite). */
  write: boolean;
  /** For pipelines: the queued commands; for raw SQL: its first words. */
  detail?: string;
  /** Whether the real call was sent to the server (false for a "fail"/"die"/"hang" target, or after death). */
  executed: boolean;
  /** The fault applied to this call, if any. */
  fault?: FaultMode;
  /** True for calls made after the injector "died": never sent. */
  afterDeath?: boolean;
}

export type CallMatcher =
  | number
  | string
  | { name: string | RegExp; occurrence?: number; target?: "redis" | "db"; writesOnly?: boolean }
  | ((call: CallInfo) => boolean);

export interface FaultRule {
  at: CallMatcher;
  mode: FaultMode;
  /** How many matching calls get the fault (default 1). */
  times?: number;
  /** The error the caller sees (default: an InjectedFault). */
  error?: (call: CallInfo) => Error;
  /** Awaited when the rule fires, before the fault is applied (signal a parent process, say). */
  onFire?: (call: CallInfo) => Promise<void> | void;
}

/** The error injected faults throw. */
export class InjectedFault extends Error {
  readonly injected = true;
  constructor(
    readonly call: Pick<CallInfo, "index" | "name">,
    readonly mode: FaultMode,
  ) {
    super(`injected fault (${mode}) at call ${call.index} ${call.name}`);
    this.name = "InjectedFault";
  }
}

/** True for an InjectedFault, also when a library wrapped it (cause chain or message). */
export function isInjected(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e && depth < 5; depth++) {
    if (e instanceof InjectedFault || (typeof e === "object" && (e as { injected?: unknown }).injected === true)) return true;
    if (e instanceof Error && /injected fault \(/.test(e.message)) return true;
    e = (e as { cause?: unknown }).cause;
  }
  return false;
}

// Redis commands that never change state. Anything else (every script included) is a write.
const REDIS_READS = new Set([
  "get",
  "mget",
  "getrange",
  "strlen",
  "exists",
  "type",
  "ttl",
  "pttl",
  "expiretime",
  "pexpiretime",
  "dump",
  "object",
  "hget",
  "hmget",
  "hgetall",
  "hexists",
  "hlen",
  "hkeys",
  "hvals",
  "hstrlen",
  "hscan",
  "hrandfield",
  "zscore",
  "zmscore",
  "zrange",
  "zrangebyscore",
  "zrevrange",
  "zrevrangebyscore",
  "zrangebylex",
  "zcard",
  "zcount",
  "zrank",
  "zrevrank",
  "zscan",
  "smembers",
  "sismember",
  "smismember",
  "scard",
  "srandmember",
  "sscan",
  "sinter",
  "sunion",
  "sdiff",
  "lrange",
  "llen",
  "lindex",
  "xrange",
  "xrevrange",
  "xlen",
  "xinfo",
  "xread",
  "xpending",
  "time",
  "ping",
  "echo",
  "info",
  "scan",
  "keys",
  "dbsize",
  "randomkey",
  "memory",
  "client",
  "command",
  "config",
  "role",
  "watch",
  "unwatch",
  "select",
  "hello",
  "auth",
  "readonly",
  "script",
  "lastsave",
  "slowlog",
  "latency",
]);

export function isRedisWrite(command: string): boolean {
  const c = command.toLowerCase().replace(/buffer$/, "");
  return !REDIS_READS.has(c);
}

const DB_WRITES = new Set([
  "create",
  "createMany",
  "createManyAndReturn",
  "update",
  "updateMany",
  "updateManyAndReturn",
  "upsert",
  "delete",
  "deleteMany",
]);

export function isDbWrite(method: string, sql?: string): boolean {
  if (method === "$transaction" || method === "$executeRaw" || method === "$executeRawUnsafe") return true;
  if (method === "$queryRaw" || method === "$queryRawUnsafe") return /^\s*(insert|update|delete|with)\b/i.test(sql ?? "");
  return DB_WRITES.has(method);
}

const never = <T>(): Promise<T> => new Promise<T>(() => {});

type Settled<T> = { ok: true; value: T } | { ok: false; error: unknown };
const settle = <T>(p: Promise<T>): Promise<Settled<T>> =>
  p.then(
    (value) => ({ ok: true as const, value }),
    (error: unknown) => ({ ok: false as const, error }),
  );
const unwrap = <T>(s: Settled<T>): T => {
  if (s.ok) return s.value;
  throw s.error;
};

export interface InjectOptions {
  /** Report the client as a Cluster client: lib/ then takes its stepwise (per-slot) paths on one node. */
  stepwise?: boolean;
}

/**
 * Counts the calls of every client it wraps and applies the first matching rule to them.
 * One injector stands for one process: "die" stops every client it wrapped.
 */
export class FaultInjector {
  readonly calls: CallInfo[] = [];
  readonly fired: CallInfo[] = [];
  dead = false;
  private readonly rules: { rule: FaultRule; left: number }[];
  private inflight = 0;
  /** In-flight interactive transactions (they settle only when their body does). */
  private inflightBodies = 0;
  private gateOpen!: () => void;
  private readonly gate = new Promise<void>((resolve) => (this.gateOpen = resolve));
  private firedSignal!: (c: CallInfo) => void;
  /** Resolves with the first call a rule fired on. */
  readonly firstFired = new Promise<CallInfo>((resolve) => (this.firedSignal = resolve));
  private readonly duplicates: Redis[] = [];
  private readonly occurrences = new Map<string, number>();

  constructor(rules: FaultRule[] = []) {
    this.rules = rules.map((rule) => ({ rule, left: rule.times ?? 1 }));
  }

  /** Let every stalled call go on. */
  release(): void {
    this.gateOpen();
  }

  /** Calls issued so far that wrote (or could write). */
  get writes(): CallInfo[] {
    return this.calls.filter((c) => c.write);
  }

  /** Whether a call with this name was sent to the server. */
  executed(name: string | RegExp): boolean {
    return this.calls.some((c) => c.executed && (typeof name === "string" ? c.name === name : name.test(c.name)));
  }

  /** The trace as one line per call (for failure messages). */
  describe(): string {
    return this.calls
      .map(
        (c) =>
          `${c.index}. ${c.name}${c.detail ? `[${c.detail}]` : ""}${c.write ? " (write)" : ""}${c.fault ? ` <- ${c.fault}` : ""}${c.afterDeath ? " (never sent: dead)" : ""}`,
      )
      .join("\n");
  }

  /**
   * Resolves once no call is in flight (hung calls excluded) and none was issued for a few turns
   * of the event loop: the operation is finished, stuck, or dead.
   */
  async quiet(turns = 3, ms = 5): Promise<void> {
    let seen = -1;
    let still = 0;
    while (still < turns) {
      await new Promise((r) => setTimeout(r, ms));
      // After a death, an interactive transaction waits for its body forever (its later calls
      // never go out): it is the dead process's open transaction, not work still in flight.
      const busy = this.inflight - (this.dead ? this.inflightBodies : 0);
      if (busy === 0 && this.calls.length === seen) still++;
      else still = 0;
      seen = this.calls.length;
    }
  }

  /** Disconnect the connections the code under test duplicated (a dead process leaves them open). */
  dispose(): void {
    for (const d of this.duplicates.splice(0)) d.disconnect();
  }

  /** Deps whose Redis and Postgres go through this injector. */
  deps<D extends Deps>(real: D, opts: InjectOptions = {}): D {
    return { ...real, redis: this.redis(real.redis, opts), db: this.db(real.db) };
  }

  private matches(rule: FaultRule, c: CallInfo): boolean {
    const at = rule.at;
    if (typeof at === "number") return c.index === at;
    if (typeof at === "string") return c.name === at;
    if (typeof at === "function") return at(c);
    if (at.target && at.target !== c.target) return false;
    if (at.writesOnly && !c.write) return false;
    const nameOk = typeof at.name === "string" ? c.name === at.name : at.name.test(c.name);
    if (!nameOk) return false;
    if (at.occurrence === undefined) return true;
    const key = `${String(at.name)}`;
    const n = (this.occurrences.get(key) ?? 0) + 1;
    this.occurrences.set(key, n);
    return n === at.occurrence;
  }

  /** Run one call through the rules. `exec` sends it (it may be called twice for "resend"). */
  private async call<T>(info: Omit<CallInfo, "index" | "executed">, exec: () => Promise<T>): Promise<T> {
    const c: CallInfo = { ...info, index: this.calls.length + 1, executed: false };
    this.calls.push(c);
    if (this.dead) {
      c.afterDeath = true;
      return never<T>();
    }
    const entry = this.rules.find((r) => r.left > 0 && this.matches(r.rule, c));
    const send = async (): Promise<T> => {
      c.executed = true;
      const body = c.name === "db.$transaction" && c.detail === "interactive";
      this.inflight++;
      if (body) this.inflightBodies++;
      try {
        return await exec();
      } finally {
        this.inflight--;
        if (body) this.inflightBodies--;
      }
    };
    if (!entry) return send();
    entry.left--;
    const { rule } = entry;
    c.fault = rule.mode;
    this.fired.push(c);
    const error = () => rule.error?.(c) ?? new InjectedFault(c, rule.mode);
    if (rule.mode === "die" || rule.mode === "die-after") this.dead = true; // nothing issued after this goes out
    this.firedSignal(c);
    if (rule.onFire) await rule.onFire(c);
    switch (rule.mode) {
      case "fail":
        throw error();
      case "fail-after":
        await settle(send());
        throw error();
      case "hang":
      case "die":
        return never<T>();
      case "hang-after":
      case "die-after":
        await settle(send());
        return never<T>();
      case "stall":
        await this.gate;
        return send();
      case "stall-after": {
        const result = await settle(send());
        await this.gate;
        return unwrap(result);
      }
      case "resend":
        if (c.target === "redis" && c.name !== "multi" && c.name !== "pipeline") await settle(send());
        return send();
    }
  }

  /** A real ioredis client (or duplicate) whose commands go through this injector. */
  redis(real: Redis, opts: InjectOptions = {}): Redis {
    const builtin = new Set(real.getBuiltinCommands());
    const isCommand = (target: Redis, prop: string) =>
      builtin.has(prop) ||
      builtin.has(prop.replace(/Buffer$/, "")) ||
      (/^sw[A-Z]/.test(prop) && Object.prototype.hasOwnProperty.call(target, prop));
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    const inj = this;
    return new Proxy(real, {
      get(target, prop) {
        if (prop === "isCluster" && opts.stepwise !== undefined) return opts.stepwise;
        if (prop === "duplicate") {
          return (...args: Parameters<Redis["duplicate"]>) => {
            const dup = target.duplicate(...args);
            inj.duplicates.push(dup);
            return inj.redis(dup, opts);
          };
        }
        if (prop === "multi" || prop === "pipeline") {
          return (...args: unknown[]) => inj.pipeline((target[prop] as (...a: unknown[]) => unknown).apply(target, args) as object, prop);
        }
        const value = Reflect.get(target, prop, target) as unknown;
        if (typeof value !== "function") return value;
        const fn = value as (...a: unknown[]) => Promise<unknown>;
        if (typeof prop !== "string" || !isCommand(target, prop)) return fn.bind(target);
        return (...args: unknown[]) => {
          // Callback style (rate-limiter-flexible): answer the callback from the same outcome.
          const cb = typeof args[args.length - 1] === "function" ? (args.pop() as (err: unknown, res?: unknown) => void) : null;
          const p = inj.call({ target: "redis", name: prop, write: isRedisWrite(prop) }, () => fn.apply(target, args));
          if (cb)
            p.then(
              (res) => cb(null, res),
              (err: unknown) => cb(err),
            );
          return p;
        };
      },
    });
  }

  /** A multi()/pipeline(): commands are queued as usual, `exec()` is one call. */
  private pipeline(real: object, kind: "multi" | "pipeline"): object {
    const queued: string[] = [];
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    const inj = this;
    const proxy: object = new Proxy(real, {
      get(target, prop) {
        const value = Reflect.get(target, prop, target) as unknown;
        if (typeof value !== "function" || typeof prop !== "string") return value;
        const fn = value as (...a: unknown[]) => unknown;
        if (prop === "exec") {
          return () =>
            inj.call(
              { target: "redis", name: kind, write: queued.some(isRedisWrite), detail: queued.join(",") },
              () => fn.apply(target, []) as Promise<unknown>,
            );
        }
        return (...args: unknown[]) => {
          const out = fn.apply(target, args);
          if (out === target) {
            queued.push(prop);
            return proxy; // keep chaining through the proxy, so exec() is ours
          }
          return out;
        };
      },
    });
    return proxy;
  }

  /** A real Prisma client whose queries go through this injector. */
  db(real: Db): Db {
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    const inj = this;
    const realOf = new WeakMap<object, unknown>();
    /** A PrismaPromise stand-in: lazy like Prisma's, counted when it runs. */
    const lazy = (name: string, write: boolean, make: () => unknown, detail?: string) => {
      let first: unknown = make();
      let running: Promise<unknown> | undefined;
      const run = () =>
        (running ??= inj.call({ target: "db", name, write, detail }, () => {
          const p = first ?? make(); // a "resend" would build the query again
          first = undefined;
          return p as Promise<unknown>;
        }));
      const thenable = {
        then: (a?: (v: unknown) => unknown, b?: (e: unknown) => unknown) => run().then(a, b),
        catch: (b?: (e: unknown) => unknown) => run().catch(b),
        finally: (f?: () => void) => run().finally(f),
        [Symbol.toStringTag]: "PrismaPromise",
      };
      realOf.set(thenable, first);
      return thenable;
    };
    const models = new Map<string, object>();
    return new Proxy(real, {
      get(target, prop) {
        const value = Reflect.get(target, prop, target) as unknown;
        if (typeof prop !== "string") return value;
        if (prop === "$transaction") {
          const fn = value as (...a: unknown[]) => Promise<unknown>;
          return (arg: unknown, ...rest: unknown[]) => {
            if (Array.isArray(arg)) {
              const reals = arg.map((q) => (realOf.has(q as object) ? realOf.get(q as object) : q));
              return inj.call({ target: "db", name: "db.$transaction", write: true, detail: `${reals.length} queries` }, () =>
                fn.call(target, reals, ...rest),
              );
            }
            return inj.call({ target: "db", name: "db.$transaction", write: true, detail: "interactive" }, () =>
              fn.call(target, arg, ...rest),
            );
          };
        }
        if (prop === "$queryRaw" || prop === "$executeRaw" || prop === "$queryRawUnsafe" || prop === "$executeRawUnsafe") {
          const fn = value as (...a: unknown[]) => unknown;
          return (...args: unknown[]) => {
            const first = args[0] as unknown;
            const sql = typeof first === "string" ? first : Array.isArray(first) ? (first as string[]).join("?") : "";
            const detail = sql.trim().split(/\s+/).slice(0, 3).join(" ");
            return lazy(`db.${prop}`, isDbWrite(prop, sql), () => fn.apply(target, args), detail);
          };
        }
        if (prop.startsWith("$") || prop.startsWith("_") || typeof value !== "object" || value === null) {
          return typeof value === "function" ? (value as (...a: unknown[]) => unknown).bind(target) : value;
        }
        // A model delegate (db.order, db.sku…).
        let model = models.get(prop);
        if (!model) {
          const delegate = value as Record<string, unknown>;
          model = new Proxy(delegate, {
            get(m, method) {
              const v = Reflect.get(m, method, m) as unknown;
              if (typeof v !== "function" || typeof method !== "string") return v;
              const f = v as (...a: unknown[]) => unknown;
              return (...args: unknown[]) => lazy(`db.${prop}.${method}`, isDbWrite(method), () => f.apply(m, args));
            },
          });
          models.set(prop, model);
        }
        return model;
      },
    }) as Db;
  }
}

/** Run `op` under an injector and wait until it settles — or, after a terminal fault, until it is stuck. */
export async function runUnder<T>(
  inj: FaultInjector,
  op: () => Promise<T>,
  opts: { timeoutMs?: number } = {},
): Promise<{ settled: true; ok: true; value: T } | { settled: true; ok: false; error: unknown } | { settled: false }> {
  let done: Settled<T> | null = null;
  const p = settle(Promise.resolve().then(op)).then((s) => (done = s));
  const stuck = inj.firstFired.then(async (c) => {
    if (!c.fault || !TERMINAL_MODES.has(c.fault)) return never<void>();
    await inj.quiet();
  });
  const timeout = new Promise<"timeout">((r) => setTimeout(() => r("timeout"), opts.timeoutMs ?? 15_000).unref());
  const first = await Promise.race([p, stuck, timeout]);
  if (first === "timeout" && !done)
    throw new Error(`the operation neither finished nor got stuck within ${opts.timeoutMs ?? 15_000} ms:\n${inj.describe()}`);
  const result = done as Settled<T> | null;
  if (!result) return { settled: false };
  return result.ok ? { settled: true, ok: true, value: result.value } : { settled: true, ok: false, error: result.error };
}
