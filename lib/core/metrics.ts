// Prometheus metrics of the Next.js process (the sidecar has its own registry).
import { Counter, Histogram, Registry, collectDefaultMetrics } from "prom-client";

function build() {
  const registry = new Registry();
  registry.setDefaultLabels({ service: "stockwire-web" });
  collectDefaultMetrics({ register: registry });
  return {
    registry,
    reservations: new Counter({
      name: "stockwire_reservations_total",
      help: "Reservation attempts by outcome (held, partial, refused code).",
      labelNames: ["outcome"] as const,
      registers: [registry],
    }),
    reservationSeconds: new Histogram({
      name: "stockwire_reservation_duration_seconds",
      help: "Time to place a reservation, end to end inside the app.",
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
      registers: [registry],
    }),
    checkouts: new Counter({
      name: "stockwire_checkouts_total",
      help: "Checkout attempts by outcome.",
      labelNames: ["outcome"] as const,
      registers: [registry],
    }),
    httpErrors: new Counter({
      name: "stockwire_http_errors_total",
      help: "API answers with an error, by code.",
      labelNames: ["code"] as const,
      registers: [registry],
    }),
  };
}

const globalForMetrics = globalThis as unknown as { stockwireMetrics?: ReturnType<typeof build> };

/** The process-wide metrics (one registry even across Next.js hot reloads). */
export function metrics() {
  globalForMetrics.stockwireMetrics ??= build();
  return globalForMetrics.stockwireMetrics;
}
