// The stock event codec (lib/events/codec.ts): the one decoder of Pub/Sub messages (gateway,
// alerts, outbound webhooks) and of stream entries (the ledger).
import { describe, expect, it } from "vitest";
import { decodeStockEvent, eventFromStream } from "../../lib/events";

// What emit-event.lua publishes (cjson: absent values as "").
const published = {
  type: "hold",
  sku: "TEE-BLK-M",
  location: "main",
  delta: -2,
  onHand: 10,
  reserved: 2,
  safety: 1,
  available: 7,
  version: 12,
  reason: "",
  source: "storefront",
  actor: "",
  reservationId: "r_abc",
  at: 1_764_000_000_000,
};

describe("decodeStockEvent (Pub/Sub)", () => {
  it("decodes what the scripts publish, with the domain's nulls for empty strings", () => {
    expect(decodeStockEvent(JSON.stringify(published))).toEqual({ ...published, reason: null, actor: null });
  });

  it("fills what a reader can do without: location, counts, source", () => {
    const { location, delta, onHand, reserved, safety, source, ...rest } = published;
    void [location, delta, onHand, reserved, safety, source];
    expect(decodeStockEvent(JSON.stringify(rest))).toMatchObject({ location: "main", delta: 0, onHand: 0, source: "unknown" });
  });

  it.each([
    ["not JSON", "{"],
    ["not an object", "42"],
    ["an unknown type", JSON.stringify({ ...published, type: "teleport" })],
    ["a SKU outside the pattern", JSON.stringify({ ...published, sku: "bad sku\n" })],
    ["no version", JSON.stringify({ ...published, version: undefined })],
    ["a version that is not a number", JSON.stringify({ ...published, version: "12" })],
    ["no available", JSON.stringify({ ...published, available: null })],
    ["no time", JSON.stringify({ ...published, at: undefined })],
  ])("drops %s", (_, message) => {
    expect(decodeStockEvent(message)).toBeNull();
  });
});

describe("eventFromStream (the ledger)", () => {
  it("maps the flat fields, rid to reservationId and empty strings to null", () => {
    const fields = Object.entries({ ...published, rid: "r_abc", reservationId: undefined })
      .filter(([, v]) => v !== undefined)
      .flatMap(([k, v]) => [k, String(v)]);
    expect(eventFromStream(fields)).toEqual({ ...published, reason: null, actor: null });
  });

  it("keeps an entry it cannot make sense of (Postgres decides; the quarantine keeps what it refuses)", () => {
    const e = eventFromStream(["type", "hold", "sku", "X", "version", "not a number"]);
    expect(e.sku).toBe("X");
    expect(Number.isNaN(e.version)).toBe(true);
  });
});
