// A browser socket's SKU subscriptions: `subscribe` joins the SKUs' rooms and answers with their
// availability snapshot, `unsubscribe` leaves them; a socket watches at most MAX_SUBSCRIBED_SKUS.
import { availabilityOf } from "../../lib/stock";
import { SKU_PATTERN } from "../../lib/core/keys";
import { MAX_SUBSCRIBED_SKUS, type Response } from "../../lib/shared/protocol";
import type { Availability } from "../../lib/shared/types";
import { limitSubscribe } from "./guards";
import { invalid, skuRoom, type GatewayDeps, type StockSocket } from "./types";
import { logFor } from "../../lib/core/log";

const logger = logFor("gateway");

/** Handle `subscribe` and `unsubscribe` on one browser socket. */
export function registerStockHandlers(socket: StockSocket, deps: GatewayDeps): void {
  socket.on("subscribe", async (payload: unknown, ack: unknown) => {
    const reply = typeof ack === "function" ? (ack as (res: Response<Availability[]>) => void) : () => {};
    // Counted first (a refused or malformed request counts too); what follows up to the join is synchronous.
    try {
      const refused = await limitSubscribe(deps, socket.handshake);
      if (refused) return reply({ ok: false, error: refused });
    } catch (err) {
      logger.error("[gateway] cannot count a subscribe:", err instanceof Error ? err.message : err);
    }
    const skus = parseSkuList(payload);
    if (typeof skus === "string") return reply(invalid(skus));
    const joined = subscribedSkus(socket);
    const added = skus.filter((sku) => !joined.has(sku));
    if (joined.size + added.length > MAX_SUBSCRIBED_SKUS) {
      return reply(invalid(`A socket may watch at most ${MAX_SUBSCRIBED_SKUS} SKUs; it watches ${joined.size}.`));
    }
    // Join before reading the snapshot: a change in between then arrives as a frame, never lost.
    socket.join(skus.map(skuRoom));
    try {
      reply({ ok: true, data: await availabilityOf(deps.deps, skus) });
    } catch (err) {
      logger.error("[gateway] snapshot failed:", err instanceof Error ? err.message : err);
      reply({ ok: false, error: { code: "unavailable", message: "Stock levels are unavailable right now; retry shortly." } });
    }
  });

  socket.on("unsubscribe", (payload: unknown) => {
    const skus = parseSkuList(payload);
    if (typeof skus === "string") return;
    for (const sku of skus) socket.leave(skuRoom(sku));
  });
}

/** The payload's SKU codes, de-duplicated, or a message saying what is wrong with it. */
function parseSkuList(payload: unknown): string[] | string {
  if (typeof payload !== "object" || payload === null || !("skus" in payload)) return 'Send { skus: ["SKU-CODE", ...] }.';
  const skus: unknown = payload.skus;
  if (!Array.isArray(skus)) return "skus must be an array of SKU codes.";
  if (skus.length > MAX_SUBSCRIBED_SKUS) return `At most ${MAX_SUBSCRIBED_SKUS} SKUs per request.`;
  const out = new Set<string>();
  for (const sku of skus) {
    if (typeof sku !== "string" || !SKU_PATTERN.test(sku)) {
      return `${JSON.stringify(sku)?.slice(0, 80) ?? "undefined"} is not a valid SKU code.`;
    }
    out.add(sku);
  }
  return [...out];
}

function subscribedSkus(socket: StockSocket): Set<string> {
  const out = new Set<string>();
  for (const room of socket.rooms) if (room.startsWith("sku:")) out.add(room.slice(4));
  return out;
}
