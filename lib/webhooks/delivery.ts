// Outbound webhooks: sending. Each delivery is signed with its subscription's secret and retried
// with exponential backoff until it is delivered or runs out of attempts, in a lane per
// subscription (one slow receiver holds up only its own); every attempt's outcome stays in
// WebhookDelivery.
import { createHmac } from "node:crypto";
import { logField } from "../shared/validation";
import type { Deps } from "../core/deps";
import { logFor } from "../core/log";

const logger = logFor("webhooks");

export interface DeliveryOptions {
  /** First retry after this long; doubles per attempt. */
  backoffBaseMs?: number;
  backoffCapMs?: number;
  maxAttempts?: number;
  timeoutMs?: number;
  /** Due deliveries one subscription's lane takes per run (oldest event first). */
  batchSize?: number;
  /** Deliveries in flight at once to one subscription. */
  perSubscription?: number;
  /** Subscriptions served at once (each in its own lane). */
  maxLanes?: number;
  now?: () => Date;
}

export const DELIVERY_DEFAULTS = {
  backoffBaseMs: 1_000,
  backoffCapMs: 5 * 60_000,
  maxAttempts: 8,
  timeoutMs: 3_000,
  batchSize: 20,
  perSubscription: 4,
  maxLanes: 32,
} as const;

/** Wait before retry number `attempt` (1-based): base·2^(attempt-1), capped, plus up to 20 % jitter. */
export function retryDelayMs(attempt: number, base: number, cap: number, random = Math.random): number {
  const exponential = Math.min(cap, base * 2 ** Math.max(0, attempt - 1));
  // Jitter spreads the retries of many deliveries that failed together (a receiver that was down).
  return Math.round(exponential * (1 + 0.2 * random()));
}

/** `sha256=<hex>` of HMAC-SHA256(secret, body): the X-Stockwire-Signature of a delivery. */
export function webhookSignature(secret: string, body: string): string {
  return `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`;
}

export interface DeliveryRun {
  attempted: number;
  delivered: number;
  retrying: number;
  failed: number;
}

export interface WebhookDispatcher {
  /** Start a lane for each subscription with due deliveries that has none running and is not backing off. */
  tick(): Promise<void>;
  /** Resolves when no lane is running. */
  idle(): Promise<void>;
  /** Subscriptions being served right now. */
  readonly lanes: number;
  /** What every lane has done so far. */
  readonly totals: DeliveryRun;
}

/**
 * Sends due deliveries in one lane per subscription, so a slow or black-holed subscriber only
 * ever costs its own lane: each lane has its own concurrency (`perSubscription`), takes its
 * subscription's oldest due deliveries, and runs on its own time, never awaited by a tick. A
 * lane whose every send failed backs off as a whole (base·2^n, capped) before it is started
 * again, on top of each delivery's own nextAttemptAt, so a dead receiver is not sent each new
 * event the moment it is enqueued.
 */
export function createWebhookDispatcher(deps: Pick<Deps, "db">, opts: DeliveryOptions = {}): WebhookDispatcher {
  const o = { ...DELIVERY_DEFAULTS, ...opts };
  const clock = () => opts.now?.() ?? new Date();
  const lanes = new Map<string, Promise<void>>();
  /** Per subscription: runs in a row in which every send failed, and when its lane may run again. */
  const backoff = new Map<string, { failedRuns: number; until: number }>();
  const totals: DeliveryRun = { attempted: 0, delivered: 0, retrying: 0, failed: 0 };

  async function runLane(subscriptionId: string): Promise<void> {
    const due = await deps.db.webhookDelivery.findMany({
      where: { subscriptionId, status: "pending", nextAttemptAt: { lte: clock() } },
      orderBy: [{ createdAt: "asc" }, { id: "asc" }],
      take: o.batchSize,
      include: { subscription: { select: { url: true, secret: true, active: true } } },
    });
    let sent = 0;
    let ok = 0;
    let next = 0;
    const worker = async () => {
      while (next < due.length) {
        const d = due[next++]!;
        sent++;
        if (await sendOne(deps, d, o, totals)) ok++;
      }
    };
    await Promise.all(Array.from({ length: Math.min(o.perSubscription, due.length) }, worker));
    if (sent > 0 && ok === 0) {
      const failedRuns = (backoff.get(subscriptionId)?.failedRuns ?? 0) + 1;
      backoff.set(subscriptionId, { failedRuns, until: Date.now() + retryDelayMs(failedRuns, o.backoffBaseMs, o.backoffCapMs) });
    } else if (ok > 0) {
      backoff.delete(subscriptionId);
    }
  }

  return {
    async tick() {
      if (lanes.size >= o.maxLanes) return;
      const busy = [...lanes.keys()];
      const now = Date.now();
      const waiting = [...backoff.entries()].filter(([, b]) => b.until > now).map(([id]) => id);
      const skip = [...busy, ...waiting];
      const due = await deps.db.webhookDelivery.groupBy({
        by: ["subscriptionId"],
        where: { status: "pending", nextAttemptAt: { lte: clock() }, ...(skip.length ? { subscriptionId: { notIn: skip } } : {}) },
        _min: { nextAttemptAt: true },
        orderBy: { _min: { nextAttemptAt: "asc" } },
        take: o.maxLanes - lanes.size,
      });
      for (const { subscriptionId } of due) {
        if (lanes.has(subscriptionId)) continue;
        const lane = runLane(subscriptionId)
          .catch((err: unknown) => logger.error("[webhooks] a delivery lane failed:", err instanceof Error ? err.message : err))
          .finally(() => lanes.delete(subscriptionId));
        lanes.set(subscriptionId, lane);
      }
    },
    async idle() {
      while (lanes.size > 0) await Promise.allSettled([...lanes.values()]);
    },
    get lanes() {
      return lanes.size;
    },
    totals,
  };
}

/** Send what is due now, once each, every subscription in its own lane, and wait for all of it (tests, scripts). */
export async function deliverDueWebhooks(deps: Pick<Deps, "db">, opts: DeliveryOptions = {}): Promise<DeliveryRun> {
  const dispatcher = createWebhookDispatcher(deps, opts);
  await dispatcher.tick();
  await dispatcher.idle();
  return dispatcher.totals;
}

type DueDelivery = {
  id: string;
  payload: unknown;
  attempts: number;
  eventKey: string;
  subscription: { url: string; secret: string; active: boolean };
};

/** One attempt at one delivery, its outcome recorded; true when the receiver took it. */
async function sendOne(
  deps: Pick<Deps, "db">,
  d: DueDelivery,
  o: Required<Omit<DeliveryOptions, "now">>,
  run: DeliveryRun,
): Promise<boolean> {
  run.attempted++;
  const body = JSON.stringify(d.payload);
  const attempts = d.attempts + 1;
  let statusCode: number | null = null;
  let error: string | null = null;
  try {
    const res = await fetch(d.subscription.url, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "user-agent": "Stockwire-Webhooks/1",
        "x-stockwire-signature": webhookSignature(d.subscription.secret, body),
        "x-stockwire-delivery": d.id,
        "x-stockwire-event": d.eventKey,
      },
      body,
      redirect: "manual",
      signal: AbortSignal.timeout(o.timeoutMs),
    });
    statusCode = res.status;
    await res.body?.cancel().catch(() => {});
    if (res.status < 200 || res.status >= 300) error = `HTTP ${res.status}`;
  } catch (err) {
    error = describeFetchError(err, o.timeoutMs);
  }
  if (!error) {
    run.delivered++;
    await deps.db.webhookDelivery.update({
      where: { id: d.id },
      data: { status: "delivered", attempts, lastStatusCode: statusCode, lastError: null, deliveredAt: new Date() },
    });
    return true;
  }
  const giveUp = attempts >= o.maxAttempts || !d.subscription.active;
  if (giveUp) run.failed++;
  else run.retrying++;
  await deps.db.webhookDelivery.update({
    where: { id: d.id },
    data: {
      status: giveUp ? "failed" : "pending",
      attempts,
      lastStatusCode: statusCode,
      lastError: logField(error, 480),
      nextAttemptAt: giveUp ? new Date() : new Date(Date.now() + retryDelayMs(attempts, o.backoffBaseMs, o.backoffCapMs)),
    },
  });
  return false;
}

function describeFetchError(err: unknown, timeoutMs: number): string {
  if (err instanceof Error) {
    if (err.name === "TimeoutError" || err.name === "AbortError") return `No answer within ${timeoutMs} ms`;
    // undici puts the socket error in `cause` (an AggregateError when several addresses failed).
    const cause = (err as Error & { cause?: { code?: string; message?: string; errors?: { code?: string; message?: string }[] } }).cause;
    const inner = cause?.code ? cause : cause?.errors?.find((e) => e.code);
    if (inner?.code) return inner.message ? `${inner.code}: ${inner.message}`.slice(0, 200) : inner.code;
    return err.message;
  }
  return String(err);
}
