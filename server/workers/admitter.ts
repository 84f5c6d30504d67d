// The flash-sale admitter: every tick, for each active sale, the one sidecar holding that
// sale's lease runs its admission step (lib/scripts/lua/queue-admit-7.lua) and broadcasts the outcome
// once to the sale's room. Any number of sidecars run this loop; a crashed admitter's lease
// runs out within LEASE_TTL_MS and another sidecar carries on where it stopped (all state is
// in Redis). Sales can be admitted by different sidecars at once.
import type { Deps } from "../../lib/core/deps";
import { createLease, type Lease } from "../../lib/core/lease";
import { admitTick, recordSaleStatus, syncSales, type QueueFrame, type SaleStatus } from "../../lib/sales";
import type { SidecarMetrics } from "../metrics";
import { every, type Loop } from "./loop";
import { logFor } from "../../lib/core/log";

const logger = logFor("admitter");

export interface AdmitterOptions {
  tickMs?: number;
  /** How long a sale's admitter lease lasts without renewal (a dead admitter is replaced after it). */
  leaseTtlMs?: number;
  /** How often Postgres's open sales are checked against Redis (a wiped Redis gets them back). */
  syncIntervalMs?: number;
  /** A tick changed something: broadcast the frame to the sale's room (all sidecars). */
  onFrame(frame: QueueFrame): void;
  /** Tickets whose turn has come (told privately). */
  onAdmitted(saleId: string, tickets: string[], deadline: number): void;
  onError?(loop: string, err: unknown): void;
  metrics?: Pick<SidecarMetrics, "queueAdmissions" | "queueWaiting">;
}

export interface Admitter {
  /** Ticks run by this instance (for tests and metrics). */
  counters: { ticks: number; admitted: number; restored: number };
  /** Sales this instance currently admits. */
  leading(): string[];
  stop(): Promise<void>;
}

export const LEASE_TTL_MS = 3_000;

export function startAdmitter(deps: Deps, opts: AdmitterOptions): Admitter {
  const tickMs = opts.tickMs ?? 250;
  const leaseTtlMs = opts.leaseTtlMs ?? LEASE_TTL_MS;
  const leases = new Map<string, Lease>();
  const lastStatus = new Map<string, SaleStatus>();
  const counters = { ticks: 0, admitted: 0, restored: 0 };
  const onError = opts.onError ?? ((loop, err) => logger.error(`[admitter:${loop}]`, err instanceof Error ? err.message : err));
  const loops: Loop[] = [];

  async function tickSale(saleId: string): Promise<void> {
    let lease = leases.get(saleId);
    if (!lease) leases.set(saleId, (lease = createLease(deps.redis, deps.keys.lease(`admitter:${saleId}`), leaseTtlMs)));
    if (!(await lease.acquire())) return;
    const result = await admitTick(deps, saleId);
    counters.ticks++;
    if (!result) return;
    const { frame } = result;
    if (result.changed) opts.onFrame(frame);
    opts.metrics?.queueWaiting.set({ sale: saleId }, frame.waiting + frame.prequeue);
    if (result.admittedTickets.length) {
      counters.admitted += result.admittedTickets.length;
      opts.metrics?.queueAdmissions.inc({ sale: saleId }, result.admittedTickets.length);
      opts.onAdmitted(saleId, result.admittedTickets, result.deadline);
    }
    if (lastStatus.get(saleId) !== frame.status) {
      lastStatus.set(saleId, frame.status);
      await recordSaleStatus(deps, saleId, frame.status);
    }
  }

  loops.push(
    every(
      tickMs,
      async () => {
        const active = await deps.redis.smembers(deps.keys.activeSales);
        for (const [saleId, lease] of leases) {
          if (!active.includes(saleId)) {
            leases.delete(saleId);
            lastStatus.delete(saleId);
            opts.metrics?.queueWaiting.remove({ sale: saleId });
            if (lease.held) {
              // Closed: one last tick carries the new status to every page still watching.
              const last = await admitTick(deps, saleId).catch((err: unknown) => onError("tick", err));
              if (last?.changed) opts.onFrame(last.frame);
              await lease.release();
            }
          }
        }
        // One failing sale must not stop the others.
        const results = await Promise.allSettled(active.map(tickSale));
        for (const r of results) if (r.status === "rejected") onError("tick", r.reason);
      },
      (err) => onError("tick", err),
      { runAtStart: true },
    ),
  );

  const syncLease = createLease(deps.redis, deps.keys.lease("sales-sync"), (opts.syncIntervalMs ?? 5_000) * 3);
  loops.push(
    every(
      opts.syncIntervalMs ?? 5_000,
      async () => {
        if (!(await syncLease.acquire())) return;
        counters.restored += await syncSales(deps);
      },
      (err) => onError("sync", err),
      { runAtStart: true },
    ),
  );

  return {
    counters,
    leading: () => [...leases].filter(([, l]) => l.held).map(([id]) => id),
    async stop() {
      await Promise.all(loops.map((l) => l.stop()));
      // Hand the sales over at once instead of after the lease runs out.
      await Promise.all([...leases.values(), syncLease].filter((l) => l.held).map((l) => l.release().catch(() => {})));
    },
  };
}
