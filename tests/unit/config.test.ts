import { afterEach, describe, expect, it } from "vitest";
import { allowedOrigins, config, resetConfigForTests } from "../../lib/core/config";
import { availabilityState } from "../../lib/catalog";

const saved = { ...process.env };
afterEach(() => {
  process.env = { ...saved };
  resetConfigForTests();
});

describe("configuration", () => {
  it("names the variable to set when one is missing or malformed", () => {
    process.env = { ...saved, DATABASE_URL: "", REDIS_URL: "redis://127.0.0.1:6379", HOLD_TTL_SECONDS: "soon" };
    resetConfigForTests();
    expect(() => config()).toThrowError(/DATABASE_URL[\s\S]*HOLD_TTL_SECONDS/);
  });

  it("applies the documented defaults", () => {
    process.env = { NODE_ENV: "test", DATABASE_URL: "postgresql://localhost/x", REDIS_URL: "redis://localhost:6379" };
    resetConfigForTests();
    expect(config()).toMatchObject({ PORT: 3000, REALTIME_PORT: 3001, HOLD_TTL_SECONDS: 600, REDIS_PREFIX: "sw:" });
    // The rate limits are part of the same schema.
    expect(config()).toMatchObject({
      RESERVE_LIMIT_PER_MINUTE_PER_SESSION: 60,
      RESERVE_LIMIT_PER_MINUTE_PER_ADDRESS: 300,
      QUEUE_JOIN_LIMIT_PER_MINUTE_PER_SESSION: 10,
      SOCKET_HANDSHAKE_LIMIT_PER_MINUTE_PER_ADDRESS: 600,
      SOCKET_SUBSCRIBE_LIMIT_PER_MINUTE_PER_ADDRESS: 1200,
    });
    expect(allowedOrigins()).toEqual(["http://localhost:3000", "http://127.0.0.1:3000"]);
  });

  it("refuses a malformed rate limit with its name", () => {
    process.env = { ...saved, RESERVE_LIMIT_PER_MINUTE_PER_SESSION: "0", SOCKET_HANDSHAKE_LIMIT_PER_MINUTE_PER_ADDRESS: "lots" };
    resetConfigForTests();
    expect(() => config()).toThrowError(/RESERVE_LIMIT_PER_MINUTE_PER_SESSION[\s\S]*SOCKET_HANDSHAKE_LIMIT_PER_MINUTE_PER_ADDRESS/);
  });
});

describe("badge wording", () => {
  it("is in stock above the threshold, low at or under it, sold out at zero", () => {
    expect(availabilityState(6, 5)).toBe("in_stock");
    expect(availabilityState(5, 5)).toBe("low_stock");
    expect(availabilityState(1, 5)).toBe("low_stock");
    expect(availabilityState(0, 5)).toBe("sold_out");
    expect(availabilityState(-2, 5)).toBe("sold_out");
  });
});
