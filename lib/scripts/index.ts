// The typed door to the Lua scripts: one function per script, named arguments, and a named
// result per outcome instead of the script's bare numeric code (whose meaning differs per
// script: -3 is "the deadline rule refused" here and "below reserved + safety" in adjust).
// Each function calls the registered command (lib/core/redis.ts) exactly once, so a fault injected
// into that command (tests/faults) is still one step.
//
// Every script call is behind this door (tests/unit/boundaries.test.ts checks it), but one:
// a set-stock queued in a WATCH/MULTI transaction (lib/stock/admin.ts), where a function that
// awaits the reply cannot go. One file per area.
export * from "./client";
export * from "./reservations";
export * from "./placement";
export * from "./sales";
export * from "./stock";
export * from "./channels";
export * from "./lease";
